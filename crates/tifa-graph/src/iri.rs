//! Deterministic IRIs, built from content only (names, codes, offsets).
//!
//! Names stay readable: IRIs may hold Chinese characters (RFC 3987); only
//! characters that an IRI path cannot hold (`/ # ? %`, spaces, quotes,
//! brackets, controls) are percent-encoded.

/// The tifa vocabulary (classes and properties).
pub const VOCAB: &str = "https://w3id.org/tifa/vocab#";
/// Where tifa's data IRIs (entities, documents, rules) live.
pub const ID: &str = "https://w3id.org/tifa/id/";

/// Entity families with their own IRI path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Iri {
    /// `org/NAME`: organisations not found in the gazetteer.
    Org,
    /// `program/KIND/NAME`.
    Program,
    /// `designation/NAME`.
    Designation,
    /// `person/NAME`.
    Person,
    /// `concept/TYPE/NAME`: formulations and other concepts.
    Concept,
}

impl Iri {
    fn path(self) -> &'static str {
        match self {
            Iri::Org => "org",
            Iri::Program => "program",
            Iri::Designation => "designation",
            Iri::Person => "person",
            Iri::Concept => "concept",
        }
    }
}

/// Percent-encodes what an IRI path segment cannot hold.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let keep = c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | '~'
                    | '+'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | ','
                    | ';'
                    | '='
                    | ':'
                    | '@'
            )
            || (!c.is_ascii() && !c.is_whitespace() && is_ucschar(c));
        if keep {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

fn is_ucschar(c: char) -> bool {
    let c = c as u32;
    matches!(c,
        0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF
        | 0x10000..=0x1FFFD | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD)
}

/// `ID/FAMILY/PART/PART...`.
pub fn entity(family: Iri, parts: &[&str]) -> String {
    let mut s = format!("{ID}{}", family.path());
    for p in parts {
        s.push('/');
        s.push_str(&encode(p));
    }
    s
}

/// An administrative division by GB/T 2260 code: `ID/area/370811`.
pub fn area(code: &str) -> String {
    format!("{ID}area/{}", encode(code))
}

/// A source document, also the name of its graph: `ID/doc/NAME`.
pub fn doc(name: &str) -> String {
    format!("{ID}doc/{}", encode(name))
}

/// A rule by id: `ID/rule/ID`.
pub fn rule(id: &str) -> String {
    format!("{ID}rule/{}", encode(id))
}

/// A concept scheme per formulation type: `ID/scheme/TYPE`.
pub fn scheme(kind: &str) -> String {
    format!("{ID}scheme/{}", encode(kind))
}

/// A vocabulary term.
pub fn vocab(term: &str) -> String {
    format!("{VOCAB}{term}")
}

/// `snake_case` → `camelCase`, for property names made from field names.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == ' ' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    encode(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_readable_and_valid() {
        assert_eq!(entity(Iri::Org, &["济宁市实验初中"]), format!("{ID}org/济宁市实验初中"));
        assert_eq!(doc("a b/c#1.txt"), format!("{ID}doc/a%20b%2Fc%231.txt"));
        assert_eq!(encode("党建·立德树人"), "党建·立德树人");
        assert_eq!(encode("50%"), "50%25");
        assert_eq!(encode("　"), "%E3%80%80");
        assert_eq!(encode(""), "_");
        for s in ["《关于》", "a<b>", "x\"y", "{}|\\^`", "党建+业务"] {
            let iri = entity(Iri::Concept, &["PlusCompound", s]);
            assert!(oxigraph::model::NamedNode::new(&iri).is_ok(), "{iri}");
        }
        assert_eq!(camel("cooperates_with"), "cooperatesWith");
        assert_eq!(camel("level"), "level");
    }
}
