//! RDF for one document's facts, in that document's named graph, and
//! writing RDF in the usual formats. The vocabulary is documented in
//! `docs/vocabulary.md` and `docs/tifa.ttl`.

use crate::graph::{DocFacts, Entity, MentionFact, Provenance, RelationFact};
use crate::iri::{self, ID, VOCAB};
use oxigraph::io::{JsonLdProfile, RdfFormat, RdfSerializer, WriterQuadSerializer};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;

/// Namespaces used in tifa's RDF, also the prefixes of Turtle and TriG output.
pub const PREFIXES: &[(&str, &str)] = &[
    ("tifa", VOCAB),
    ("id", ID),
    ("org", "http://www.w3.org/ns/org#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("nif", "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"),
    ("itsrdf", "http://www.w3.org/2005/11/its/rdf#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// The output formats of `tifa extract --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// N-Quads: one graph per document.
    NQuads,
    /// N-Triples: graphs merged.
    NTriples,
    /// Turtle: graphs merged.
    Turtle,
    /// TriG: one graph per document.
    TriG,
    /// JSON-LD: one graph per document.
    JsonLd,
}

impl Format {
    /// Whether the format keeps one graph per document (N-Quads, TriG,
    /// JSON-LD) rather than merging them (N-Triples, Turtle).
    pub fn is_dataset(self) -> bool {
        self.rdf_format().supports_datasets()
    }

    /// The oxigraph format.
    pub fn rdf_format(self) -> RdfFormat {
        match self {
            Format::NQuads => RdfFormat::NQuads,
            Format::NTriples => RdfFormat::NTriples,
            Format::Turtle => RdfFormat::Turtle,
            Format::TriG => RdfFormat::TriG,
            Format::JsonLd => RdfFormat::JsonLd { profile: JsonLdProfile::Streaming.into() },
        }
    }
}

fn prefixed(p: &str, local: &str) -> NamedNode {
    let ns = PREFIXES.iter().find(|(k, _)| *k == p).map_or(VOCAB, |(_, v)| v);
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

fn t(local: &str) -> NamedNode {
    prefixed("tifa", local)
}

fn node(iri: &str) -> NamedNode {
    NamedNode::new_unchecked(iri)
}

fn int(n: usize) -> Literal {
    Literal::new_typed_literal(n.to_string(), xsd::INTEGER)
}

/// The predicate of a relation name.
pub fn relation_property(rel: &str) -> NamedNode {
    match rel {
        "part_of" => prefixed("org", "subOrganizationOf"),
        "works_for" => prefixed("org", "memberOf"),
        "located_in" => t("locatedIn"),
        "runs" => t("runs"),
        "holds" => t("holds"),
        "cooperates_with" => t("cooperatesWith"),
        other => t(&iri::camel(other)),
    }
}

/// Literals for a JSON field value (one per element of an array).
fn literals(v: &Value) -> Vec<Literal> {
    match v {
        Value::Null => vec![],
        Value::Bool(b) => vec![Literal::from(*b)],
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => vec![Literal::from(i)],
            (None, Some(f)) => vec![Literal::new_typed_literal(format!("{f}"), xsd::DECIMAL)],
            _ => vec![Literal::new_simple_literal(n.to_string())],
        },
        Value::String(s) => vec![Literal::new_simple_literal(s)],
        Value::Array(a) => a.iter().flat_map(literals).collect(),
        Value::Object(_) => vec![Literal::new_simple_literal(v.to_string())],
    }
}

/// Collects quads of one graph.
struct Sink {
    graph: GraphName,
    /// With their N-Quads text, the sort key: oxrdf terms have no order
    /// of their own.
    quads: Vec<(String, Quad)>,
}

impl Sink {
    fn add(&mut self, s: &NamedNode, p: NamedNode, o: impl Into<Term>) {
        let q = Quad::new(s.clone(), p, o.into(), self.graph.clone());
        self.quads.push((nquad_text(&q, true), q));
    }

    /// The quads sorted by their text, each once.
    fn into_sorted(mut self) -> Vec<Quad> {
        self.quads.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.quads.dedup_by(|a, b| a.0 == b.0);
        // A new vector of its size (collecting in place would keep the
        // larger buffer of the keyed pairs for as long as the quads live).
        let mut out = Vec::with_capacity(self.quads.len());
        out.extend(self.quads.into_iter().map(|(_, q)| q));
        out
    }
}

/// The text of a quad as its `Display` writes it (`s p o g`, or `s p o`
/// without `graph`), built by copying runs of text instead of writing
/// each character through a formatter (that had cost more than
/// everything else in making a document's quads).
fn nquad_text(q: &Quad, graph: bool) -> String {
    use std::fmt::Write as _;
    let mut k = String::new();
    match &q.subject {
        oxigraph::model::NamedOrBlankNode::NamedNode(n) => push_iri(&mut k, n.as_str()),
        other => {
            let _ = write!(k, "{other}");
        }
    }
    k.push(' ');
    push_iri(&mut k, q.predicate.as_str());
    k.push(' ');
    match &q.object {
        Term::NamedNode(n) => push_iri(&mut k, n.as_str()),
        Term::Literal(l) if l.language().is_none() => {
            push_quoted(&mut k, l.value());
            if l.datatype() != xsd::STRING {
                k.push_str("^^");
                push_iri(&mut k, l.datatype().as_str());
            }
        }
        other => {
            let _ = write!(k, "{other}");
        }
    }
    if graph {
        match &q.graph_name {
            GraphName::NamedNode(n) => {
                k.push(' ');
                push_iri(&mut k, n.as_str());
            }
            GraphName::DefaultGraph => {}
            other => {
                let _ = write!(k, " {other}");
            }
        }
    }
    k
}

fn push_iri(k: &mut String, iri: &str) {
    k.push('<');
    k.push_str(iri);
    k.push('>');
}

/// A string literal's quoted form, escaped as oxrdf's `print_quoted_str`.
fn push_quoted(k: &mut String, value: &str) {
    k.push('"');
    let mut run = 0;
    for (i, c) in value.char_indices() {
        let escape = match c {
            '\u{8}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{C}' => "\\f",
            '\r' => "\\r",
            '"' => "\\\"",
            '\\' => "\\\\",
            '\0'..='\u{1F}' | '\u{7F}' | '\u{FFFE}' | '\u{FFFF}' => "",
            _ => continue,
        };
        k.push_str(&value[run..i]);
        if escape.is_empty() {
            use std::fmt::Write as _;
            let _ = write!(k, "\\u{:04X}", u32::from(c));
        } else {
            k.push_str(escape);
        }
        run = i + c.len_utf8();
    }
    k.push_str(&value[run..]);
    k.push('"');
}

/// The IRI of a mention: `DOC#TYPE-START-END`.
pub fn mention_iri(doc: &str, kind: &str, start: usize, end: usize) -> String {
    format!("{}#{}-{start}-{end}", iri::doc(doc), iri::encode(kind))
}

/// Every quad of one document, in its named graph (the document's IRI), sorted.
pub fn doc_quads(f: &DocFacts) -> Vec<Quad> {
    let doc = node(&iri::doc(&f.doc));
    let mut s = Sink { graph: GraphName::NamedNode(doc.clone()), quads: Vec::new() };
    let activity = node(&format!("{}#extraction", doc.as_str()));
    let agent = node(&format!("{ID}agent/tifa"));

    s.add(&doc, rdf::TYPE.into(), t("Document"));
    s.add(&doc, rdf::TYPE.into(), prefixed("nif", "Context"));
    s.add(&doc, rdf::TYPE.into(), prefixed("prov", "Entity"));
    s.add(&doc, t("fileName"), Literal::new_simple_literal(&f.doc));
    s.add(&activity, rdf::TYPE.into(), prefixed("prov", "Activity"));
    s.add(&activity, prefixed("prov", "used"), doc.clone());
    s.add(&activity, prefixed("prov", "wasAssociatedWith"), agent.clone());
    s.add(&agent, rdf::TYPE.into(), prefixed("prov", "SoftwareAgent"));
    s.add(&agent, rdfs::LABEL.into(), Literal::new_simple_literal("tifa"));

    for e in f.entities.values() {
        entity_quads(&mut s, e, &doc);
    }
    for m in &f.mentions {
        mention_quads(&mut s, m, &doc, &activity);
    }
    for r in &f.relations {
        relation_quads(&mut s, r, &doc, &activity);
    }
    s.into_sorted()
}

fn rule_node(s: &mut Sink, rule: &str) -> NamedNode {
    let r = node(&iri::rule(rule));
    s.add(&r, rdf::TYPE.into(), t("Rule"));
    s.add(&r, rdf::TYPE.into(), prefixed("prov", "Plan"));
    s.add(&r, rdfs::LABEL.into(), Literal::new_simple_literal(rule));
    r
}

fn entity_quads(s: &mut Sink, e: &Entity, doc: &NamedNode) {
    let n = node(&e.id);
    let label = Literal::new_simple_literal(&e.label);
    let concept =
        !matches!(e.etype.as_str(), "Organization" | "Program" | "Designation" | "Person");
    match e.etype.as_str() {
        "Organization" => {
            s.add(&n, rdf::TYPE.into(), prefixed("org", "Organization"));
            if e.attributes.contains_key("code") {
                s.add(&n, rdf::TYPE.into(), t("AdministrativeArea"));
            }
        }
        "Person" => s.add(&n, rdf::TYPE.into(), prefixed("prov", "Person")),
        "Program" | "Designation" => s.add(&n, rdf::TYPE.into(), t(&e.etype)),
        other => {
            s.add(&n, rdf::TYPE.into(), prefixed("skos", "Concept"));
            s.add(&n, rdf::TYPE.into(), t(&iri::camel(other)));
            let scheme = node(&iri::scheme(other));
            s.add(&n, prefixed("skos", "inScheme"), scheme.clone());
            s.add(&scheme, rdf::TYPE.into(), prefixed("skos", "ConceptScheme"));
            s.add(&scheme, rdfs::LABEL.into(), Literal::new_simple_literal(other));
        }
    }
    s.add(&n, rdfs::LABEL.into(), label.clone());
    if concept {
        s.add(&n, prefixed("skos", "prefLabel"), label);
        for a in &e.alt_labels {
            s.add(&n, prefixed("skos", "altLabel"), Literal::new_simple_literal(a));
        }
    } else {
        for a in &e.alt_labels {
            s.add(&n, t("altLabel"), Literal::new_simple_literal(a));
        }
    }
    s.add(&n, t("entityType"), Literal::new_simple_literal(&e.etype));
    if let Some(k) = &e.kind {
        s.add(&n, t("kind"), Literal::new_simple_literal(k));
    }
    s.add(&n, t("mentionedIn"), doc.clone());
    for (k, v) in &e.attributes {
        let p = if k == "code" { t("divisionCode") } else { t(&iri::camel(k)) };
        for l in literals(v) {
            s.add(&n, p.clone(), l);
        }
        if k == "items" && concept {
            for item in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                let i = node(&format!("{}/item/{}", e.id, iri::encode(item)));
                s.add(&i, rdf::TYPE.into(), prefixed("skos", "Concept"));
                s.add(&i, prefixed("skos", "prefLabel"), Literal::new_simple_literal(item));
                s.add(&i, prefixed("skos", "broader"), n.clone());
                s.add(&n, prefixed("skos", "narrower"), i);
            }
        }
    }
}

fn span_quads(s: &mut Sink, n: &NamedNode, p: &Provenance, doc: &NamedNode, activity: &NamedNode) {
    s.add(n, prefixed("nif", "referenceContext"), doc.clone());
    s.add(n, prefixed("nif", "beginIndex"), int(p.start));
    s.add(n, prefixed("nif", "endIndex"), int(p.end));
    if !p.text.is_empty() {
        s.add(n, prefixed("nif", "anchorOf"), Literal::new_simple_literal(&p.text));
    }
    if let Some(sentence) = &p.sentence {
        s.add(n, t("sentence"), Literal::new_simple_literal(sentence));
    }
    let rule = rule_node(s, &p.rule);
    s.add(n, t("rule"), rule);
    s.add(n, prefixed("prov", "wasGeneratedBy"), activity.clone());
}

fn mention_quads(s: &mut Sink, mf: &MentionFact, doc: &NamedNode, activity: &NamedNode) {
    let m = &mf.mention;
    let n = node(&mention_iri(&m.doc, &m.kind, m.start, m.end));
    s.add(&n, rdf::TYPE.into(), t("Mention"));
    s.add(&n, rdf::TYPE.into(), prefixed("nif", "Phrase"));
    s.add(&n, t("mentionType"), Literal::new_simple_literal(&m.kind));
    let p = Provenance {
        doc: m.doc.clone(),
        rule: m.rule.clone(),
        start: m.start,
        end: m.end,
        text: m.text.clone(),
        sentence: mf.sentence.clone(),
    };
    span_quads(s, &n, &p, doc, activity);
    if let Some(e) = &mf.entity {
        s.add(&n, prefixed("itsrdf", "taIdentRef"), node(e));
    }
    for (k, v) in &m.fields {
        let prop = t(&iri::camel(k));
        for l in literals(v) {
            s.add(&n, prop.clone(), l);
        }
    }
}

fn relation_quads(s: &mut Sink, r: &RelationFact, doc: &NamedNode, activity: &NamedNode) {
    let (from, to) = (node(&r.from), node(&r.to));
    let p = relation_property(&r.rel);
    s.add(&from, p.clone(), to.clone());
    let key = format!("{}\u{0}{}\u{0}{}", r.from, r.rel, r.to);
    let n = node(&format!(
        "{}#rel-{}-{}-{}-{:016x}",
        doc.as_str(),
        iri::encode(&r.rel),
        r.provenance.start,
        r.provenance.end,
        fnv1a(key.as_bytes())
    ));
    s.add(&n, rdf::TYPE.into(), rdf::STATEMENT);
    s.add(&n, rdf::TYPE.into(), t("RelationAssertion"));
    s.add(&n, rdf::SUBJECT.into(), from);
    s.add(&n, rdf::PREDICATE.into(), p);
    s.add(&n, rdf::OBJECT.into(), to);
    s.add(&n, t("relation"), Literal::new_simple_literal(&r.rel));
    span_quads(s, &n, &r.provenance, doc, activity);
}

/// 64-bit FNV-1a: a stable short digest for IRIs (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Writes quads in `format`, all at once: sorted (by graph, then text) and
/// each once; the triple formats (N-Triples, Turtle) merge the graphs, so a
/// triple several graphs hold is written once. For dataset formats
/// [`GraphWriter`] alone writes documents as they come, without holding
/// them.
pub fn write_quads<W: Write>(quads: &[Quad], format: Format, out: W) -> std::io::Result<W> {
    let dataset = format.is_dataset();
    let key = |q: &Quad| {
        if dataset {
            (q.graph_name.to_string(), nquad_text(q, true))
        } else {
            (String::new(), nquad_text(q, false))
        }
    };
    let sorted: BTreeMap<(String, String), &Quad> = quads.iter().map(|q| (key(q), q)).collect();
    let mut w = GraphWriter::new(format, out)?;
    w.write(sorted.into_values())?;
    w.finish()
}

/// Writes graphs in `format` in the order given: memory is one document's
/// quads, not the corpus's. Each graph's quads are written as given
/// ([`doc_quads`] sorts them), so the output is deterministic when the
/// documents come in a deterministic order. In a triple format the graphs
/// merge as written (each quad's triple), so a triple two documents share
/// is written twice; [`write_quads`] writes it once.
pub struct GraphWriter<W: Write> {
    w: WriterQuadSerializer<W>,
    dataset: bool,
}

impl<W: Write> GraphWriter<W> {
    /// A writer of `format` to `out`.
    pub fn new(format: Format, out: W) -> std::io::Result<GraphWriter<W>> {
        let mut ser = RdfSerializer::from_format(format.rdf_format());
        if matches!(format, Format::Turtle | Format::TriG) {
            for (p, ns) in PREFIXES {
                ser = ser.with_prefix(*p, *ns).map_err(std::io::Error::other)?;
            }
        }
        Ok(GraphWriter { w: ser.for_writer(out), dataset: format.is_dataset() })
    }

    /// Writes `quads` (one document's graph, or all of them).
    pub fn write<'q>(&mut self, quads: impl IntoIterator<Item = &'q Quad>) -> std::io::Result<()> {
        for q in quads {
            if self.dataset {
                self.w.serialize_quad(q)?;
            } else {
                self.w.serialize_triple(q.as_ref())?;
            }
        }
        Ok(())
    }

    /// Ends the output (closing brackets of TriG and JSON-LD) and gives
    /// the writer back.
    pub fn finish(self) -> std::io::Result<W> {
        self.w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{BlankNode, Triple};

    /// The sort key is exactly the text oxrdf's `Display` writes, so the
    /// order of the quads is the one sorting that text gave.
    #[test]
    fn the_quad_text_is_what_display_writes() {
        let s = node("http://example.org/s");
        let p = node("http://example.org/p#x");
        let g = GraphName::NamedNode(node("http://example.org/doc/a.txt"));
        let values = [
            "",
            "党建+业务",
            "say \"hi\"",
            "back\\slash",
            "line\nbreak\ttab\rcr",
            "\u{8}\u{C}",
            "\u{0}\u{1F}\u{7F}",
            "\u{FFFE}\u{FFFF}\u{FFFD}",
            "𠮷 and é",
            "“引号”《书名》",
        ];
        let mut objects: Vec<Term> = vec![
            node("http://example.org/o").into(),
            int(42).into(),
            Literal::new_typed_literal("2.5", xsd::DECIMAL).into(),
            Literal::new_language_tagged_literal("文", "zh").unwrap().into(),
            BlankNode::new("b1").unwrap().into(),
        ];
        objects.extend(values.iter().map(|v| Term::from(Literal::new_simple_literal(*v))));
        for o in objects {
            for graph in [g.clone(), GraphName::DefaultGraph] {
                let q = Quad::new(s.clone(), p.clone(), o.clone(), graph);
                assert_eq!(nquad_text(&q, true), q.to_string());
                assert_eq!(nquad_text(&q, false), Triple::from(q.clone()).to_string());
            }
        }
        let blank = Quad::new(BlankNode::new("s").unwrap(), p, int(1), g);
        assert_eq!(nquad_text(&blank, true), blank.to_string());
    }
}
