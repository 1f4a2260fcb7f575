//! The rule pack manifest (`pack.toml`) as data.
//!
//! Every string that a later check may reject is kept [`Spanned`] so that
//! the error can name the line and column where the user wrote it.

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A whole `pack.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tifa rule pack manifest (pack.toml)")]
pub struct Manifest {
    /// Who the pack is and what it needs.
    pub pack: PackSection,
    /// Mention types beyond the built-in ones of ANNOTATION.md, with their fields.
    #[serde(default)]
    pub types: BTreeMap<String, TypeDecl>,
    /// How an organisation's `parent` field becomes a relation.
    #[serde(default)]
    pub parent_relations: Option<ParentRelations>,
    /// Word lists (TSV with a header; the first column is the term),
    /// matched natively and usable in field lookups.
    #[serde(default)]
    pub lexicons: BTreeMap<String, LexiconDecl>,
    /// The rules, in order (rule order breaks the last tie between overlaps).
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleDecl>,
}

/// `[pack]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackSection {
    /// Short name, used as a prefix in diagnostics and listings.
    pub name: String,
    /// One line on what the pack finds.
    #[serde(default)]
    pub description: String,
    /// Version of the pack (free text).
    #[serde(default)]
    pub version: String,
    /// Shared grammars from a grammar library (`grammars/NAME.pest`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub imports: Vec<Spanned<String>>,
    /// The pack's own grammar files, relative to the manifest.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub grammars: Vec<Spanned<String>>,
}

/// `[types.NAME]`: a user-defined mention type.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeDecl {
    /// The field names mentions of this type may carry.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// `[lexicons.NAME]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LexiconDecl {
    /// The TSV file, relative to the manifest.
    #[schemars(with = "String")]
    pub file: Spanned<String>,
}

/// `[parent_relations]`: which relation an organisation's `parent` field
/// implies, by the organisation's `kind`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParentRelations {
    /// The relation for kinds not listed in `by_kind`.
    pub default: String,
    /// Kind → relation.
    #[serde(default)]
    pub by_kind: BTreeMap<String, String>,
}

/// One `[[rule]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDecl {
    /// Unique id, printed in every mention the rule makes.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The mention type it makes.
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    /// The pest rule to run; defaults to the id with `-` replaced by `_`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub grammar: Option<Spanned<String>>,
    /// Match the terms of this lexicon instead of running a grammar rule.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub lexicon: Option<Spanned<String>>,
    /// The tag or rule whose span is the mention; the whole match when absent.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub text: Option<Spanned<String>>,
    /// Make one mention for each occurrence of the `text` capture (a
    /// byline naming two people, a quoted list of three slogans).
    #[serde(default)]
    pub each: bool,
    /// Higher wins an overlap between matches of equal length.
    #[serde(default)]
    pub priority: i32,
    /// Overlap group; mentions only compete inside one group. Defaults to the type.
    #[serde(default)]
    pub group: Option<String>,
    /// Literal strings one of which every match contains, when they cannot
    /// be derived from the grammar.
    #[serde(default)]
    pub anchors: Vec<String>,
    /// How many characters before its anchor a match may start (with `anchors`).
    #[serde(default)]
    pub lookback: usize,
    /// Conditions on captured text, checked against lexicons; a match that
    /// fails one is dropped and the rule is tried at the next position.
    #[serde(default)]
    pub checks: Vec<CheckDecl>,
    /// Accept a match only where it directly follows one of these strings;
    /// `^` stands for the start of a sentence. Empty: anywhere.
    #[serde(default)]
    pub after: Vec<String>,
    /// Drop a match that lies inside a winning mention of one of these
    /// types (a quoted “三会一课” is a formulation, not also a program).
    #[serde(default)]
    pub yield_to: Vec<String>,
    /// Reject a match that directly follows one of these strings.
    #[serde(default)]
    pub not_after: Vec<String>,
    /// Reject a match that one of these strings directly follows (中山 in
    /// 中山路 is a street, not the city).
    #[serde(default)]
    pub not_before: Vec<String>,
    /// Reject a match that lies inside an occurrence of one of these
    /// strings (保定 in 担保定单, 医保定点 is no city).
    #[serde(default)]
    pub not_within: Vec<String>,
    /// Field name → where its value comes from.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, FieldDecl>")]
    pub fields: BTreeMap<Spanned<String>, FieldDecl>,
    /// Relations a match states.
    #[serde(default)]
    pub relations: Vec<RelationDecl>,
    /// Texts the rule must match.
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Texts the rule must not match.
    #[serde(default)]
    pub non_examples: Vec<String>,
    /// What the rule is for, shown by `tifa rules list`.
    #[serde(default)]
    pub doc: String,
}

/// Where a field's value comes from. (Serde cannot keep spans inside an
/// untagged enum, so problems here are reported at the field's name.)
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldDecl {
    /// Shorthand: the text of this tag or rule.
    Tag(String),
    /// The full form.
    Full(FieldFull),
}

/// `{ tag = "...", normalize = "...", value = ..., default = ..., all = bool }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldFull {
    /// The node tag or rule name whose text is the value.
    #[serde(default)]
    pub tag: Option<String>,
    /// For lexicon rules: the column of the matched term's row.
    #[serde(default)]
    pub column: Option<String>,
    /// Look the captured text up in a lexicon: `LEXICON.COLUMN`.
    #[serde(default)]
    pub lookup: Option<String>,
    /// A built-in normalizer applied to that text.
    #[serde(default)]
    pub normalize: Option<String>,
    /// A constant value (when no tag is given).
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub value: Option<toml::Value>,
    /// The value when the tag did not take part in the match.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub default: Option<toml::Value>,
    /// Collect every occurrence of the tag into a list, in text order.
    #[serde(default)]
    pub all: bool,
}

/// `[[rule.checks]]`: `{ tag = "x", in = "lexicon" }`, `{ tag = "x", not_in = "lexicon" }`
/// or `{ tag = "x", distinct = true }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckDecl {
    /// Tag or rule whose text is checked (`self` for the mention text).
    #[schemars(with = "String")]
    pub tag: Spanned<String>,
    /// When the capture took part, its text must be a term of this lexicon.
    #[serde(default, rename = "in")]
    #[schemars(with = "Option<String>")]
    pub in_lexicon: Option<Spanned<String>>,
    /// The capture's text must not be a term of this lexicon.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub not_in: Option<Spanned<String>>,
    /// When the tag is captured more than once, the captures must not all
    /// start with the shortest of them: `一句一句地读` repeats one unit
    /// (句, 句地读), `一校一品` names two.
    #[serde(default)]
    pub distinct: bool,
}

/// `[[rule.relations]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationDecl {
    /// Relation name (`holds`, `runs`, ...).
    #[schemars(with = "String")]
    pub rel: Spanned<String>,
    /// Tag or rule whose text is the source, or `self` for the mention.
    #[schemars(with = "String")]
    pub from: Spanned<String>,
    /// Tag or rule whose text is the target, or `self` for the mention.
    #[schemars(with = "String")]
    pub to: Spanned<String>,
}

/// `[[rule.examples]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The input sentence.
    pub text: String,
    /// The expected mention text; the rule must produce it.
    #[serde(default)]
    pub expect: Option<String>,
    /// Expected field values of that mention (a subset).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub fields: BTreeMap<String, toml::Value>,
}

/// The JSON Schema of `pack.toml`, generated from these types (shipped as
/// `docs/pack.schema.json` for editor completion, e.g. with Taplo's
/// `#:schema` directive).
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Manifest)).unwrap_or(serde_json::Value::Null)
}
