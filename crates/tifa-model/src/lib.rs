//! Plain data shared by every tifa crate: mentions, relations and
//! diagnostics. Serde only; no behaviour beyond ordering and printing.
//!
//! Offsets are **character** offsets (Unicode scalar values) into the
//! original document text, end exclusive, as `../shared/spec/ANNOTATION.md`
//! requires.
//!
//! ```
//! use tifa_model::{Fields, Mention};
//! let m = Mention {
//!     doc: "a.txt".into(),
//!     kind: "PlusCompound".into(),
//!     text: "党建+业务".into(),
//!     start: 3,
//!     end: 8,
//!     rule: "plus-compound".into(),
//!     fields: Fields::from([("left".to_string(), "党建".into())]),
//! };
//! let line = serde_json::to_string(&m).unwrap();
//! assert!(line.starts_with(r#"{"doc":"a.txt","type":"PlusCompound","text":"党建+业务","start":3"#));
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Field values of a mention, ordered by name so output is deterministic.
pub type Fields = BTreeMap<String, serde_json::Value>;

/// One extracted item: a span of a document with a type and fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// The document's file name.
    pub doc: String,
    /// The mention type (`PlusCompound`, `Organization`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The surface string, as it stands in the document (layout breaks
    /// removed, quote marks excluded).
    pub text: String,
    /// First character, counted in Unicode scalar values.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Id of the rule that produced it.
    pub rule: String,
    /// Type-specific fields.
    pub fields: Fields,
}

/// A typed link between two mentions of one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// The document's file name.
    pub doc: String,
    /// Always `"relation"` in JSON Lines, so one stream holds both kinds.
    #[serde(rename = "type")]
    pub record: RelationTag,
    /// `located_in`, `part_of`, `runs`, `holds`, `works_for`, `cooperates_with`.
    pub rel: String,
    /// Source entity (canonical name where known).
    pub from: String,
    /// Target entity (canonical name where known).
    pub to: String,
    /// Start of the evidence span (characters).
    pub start: usize,
    /// End of the evidence span (characters, exclusive).
    pub end: usize,
    /// Id of the rule (or derivation) that produced it.
    pub rule: String,
}

/// The constant `"relation"` type tag of a [`Relation`] line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelationTag {
    /// `"relation"`.
    #[default]
    #[serde(rename = "relation")]
    Relation,
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing was lost.
    Note,
    /// Something may be wrong or was skipped.
    Warning,
    /// Something could not be done.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A place in a file: path, 1-based line and 1-based column in characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The file, as the user named it.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// A problem found in input text or in a rule pack. Problems in input are
/// data, not failures: extraction returns them beside its results.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Where, when a place is known.
    pub location: Option<Location>,
    /// What, in one or more full sentences.
    pub message: String,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, location, message: message.into() }
    }

    /// A warning at `location`.
    pub fn warning(location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, location, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}: {}", self.severity, self.message),
            None => write!(f, "{}: {}", self.severity, self.message),
        }
    }
}

/// Everything extracted from one document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// Mentions, sorted by (start, end, type, rule, text).
    pub mentions: Vec<Mention>,
    /// Relations, sorted and without duplicates.
    pub relations: Vec<Relation>,
    /// Problems met in this document.
    pub diagnostics: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_line_has_the_annotation_shape() {
        let r = Relation {
            doc: "d.txt".into(),
            record: RelationTag::Relation,
            rel: "holds".into(),
            from: "甲小学".into(),
            to: "一校一品".into(),
            start: 1,
            end: 9,
            rule: "holds-rating".into(),
        };
        let line = serde_json::to_string(&r).unwrap();
        assert_eq!(
            line,
            r#"{"doc":"d.txt","type":"relation","rel":"holds","from":"甲小学","to":"一校一品","start":1,"end":9,"rule":"holds-rating"}"#
        );
    }

    #[test]
    fn diagnostic_names_file_line_and_column() {
        let d = Diagnostic::error(
            Some(Location { path: "p/pack.toml".into(), line: 3, column: 7 }),
            "unknown field `colour`",
        );
        assert_eq!(d.to_string(), "p/pack.toml:3:7: error: unknown field `colour`");
    }
}
