//! Rule packs for tifa: a manifest (`pack.toml`) plus pest grammars,
//! loaded, validated and compiled at run time.
//!
//! A pack is data, not code: users add or change a rule without
//! recompiling. Loading parses the manifest with serde, concatenates the
//! imported shared grammars and the pack's own grammars, validates them
//! with `pest_meta`, checks every name the manifest uses, derives each
//! rule's literal anchors, and builds a `pest_vm` machine. Every problem
//! is reported at once, each with file, line and column; nothing panics
//! on user input (`pest_vm::Vm::parse` panics on an unknown rule name, so
//! names are checked here first).
//!
//! Only this crate knows pest: matches leave it as [`RawMatch`]es of plain
//! byte offsets and capture names.
//!
//! ```
//! use tifa_rules::{Library, PackSource, load};
//! let mut src = PackSource::new("demo");
//! src.insert("pack.toml", r#"
//! [pack]
//! name = "demo"
//! grammars = ["demo.pest"]
//! [[rule]]
//! id = "plus"
//! type = "PlusCompound"
//! fields = { left = "left", right = "right" }
//! "#);
//! src.insert("demo.pest", r#"
//! word = { ('\u{4E00}'..'\u{9FFF}')+ }
//! left = { word }
//! right = { word }
//! plus = { left ~ "+" ~ right }
//! "#);
//! let pack = load(&src, &Library::default()).unwrap();
//! let m = pack.match_at(0, "党建+业务，").unwrap();
//! assert_eq!(m.len, "党建+业务".len());
//! ```

pub mod anchors;
pub mod compile;
pub mod lint;
pub mod manifest;
pub mod normalizers;
pub mod peg;
mod precompiled;

pub use anchors::Anchors;

use manifest::{FieldDecl, Manifest, RuleDecl};
use normalizers::Normalizer;
use pest_meta::optimizer::{OptimizedExpr, OptimizedRule};
use pest_meta::parser::Rule as MetaRule;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use tifa_model::{Diagnostic, Fields, Location};
use toml::Spanned;

/// Mention types of ANNOTATION.md and the fields each may carry.
pub const BUILTIN_TYPES: &[(&str, &[&str])] = &[
    ("PlusCompound", &["left", "right"]),
    ("StarRating", &["level", "count", "share", "year", "scope"]),
    ("OnePerFormulation", &["parts"]),
    ("NumberedFormulation", &["numbers", "items"]),
    ("Quantity", &["value", "unit", "approx", "subject"]),
    ("Organization", &["kind", "canonical", "parent"]),
    ("Program", &["kind", "owner"]),
    ("Designation", &["level", "holder", "count", "year"]),
    ("Person", &["role", "org"]),
];

/// Relations of ANNOTATION.md.
pub const RELATIONS: &[&str] =
    &["located_in", "part_of", "runs", "holds", "works_for", "cooperates_with"];

/// The name a relation end uses for the rule's own mention.
pub const SELF: &str = "self";

/// A pack's files, read from disk or embedded in the binary.
#[derive(Clone, Debug, Default)]
pub struct PackSource {
    /// How to show the pack's folder to a user (`rules/default`).
    pub dir: String,
    /// Relative path (`pack.toml`, `x.pest`, `grammars/y.pest`) → contents.
    pub files: BTreeMap<String, String>,
    /// The pack's grammar as [`precompile`] made it (the built-in packs,
    /// at build time): used only where it was made from exactly the
    /// grammar the pack and its imports give now.
    pub precompiled: Option<&'static [u8]>,
}

impl PackSource {
    /// An empty source shown as `dir`.
    pub fn new(dir: impl Into<String>) -> Self {
        PackSource { dir: dir.into(), files: BTreeMap::new(), precompiled: None }
    }

    /// Adds a file.
    pub fn insert(&mut self, rel: impl Into<String>, contents: impl Into<String>) {
        self.files.insert(rel.into(), contents.into());
    }

    /// Reads `pack.toml` and every `.pest` file of `dir` and of its
    /// `grammars/` folder.
    pub fn from_dir(dir: &Path) -> Result<Self, PackError> {
        let shown = dir.display().to_string();
        let io_err = |path: &Path, e: std::io::Error| PackError {
            path: shown.clone(),
            diagnostics: vec![Diagnostic::error(
                Some(Location { path: path.display().to_string(), line: 1, column: 1 }),
                format!("cannot read: {e}"),
            )],
        };
        let mut src = PackSource::new(shown.clone());
        let manifest = dir.join("pack.toml");
        let text = std::fs::read_to_string(&manifest).map_err(|e| io_err(&manifest, e))?;
        src.insert("pack.toml", text);
        for sub in ["", "grammars", "lexicons"] {
            let folder = if sub.is_empty() { dir.to_path_buf() } else { dir.join(sub) };
            let Ok(entries) = std::fs::read_dir(&folder) else { continue };
            let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            paths.sort();
            let wanted = |p: &Path| p.extension().is_some_and(|x| x == "pest" || x == "tsv");
            for path in paths.into_iter().filter(|p| wanted(p)) {
                let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let rel = match (sub, name) {
                    ("", Some(n)) => n,
                    (s, Some(n)) => format!("{s}/{n}"),
                    (_, None) => continue,
                };
                src.insert(rel, text);
            }
        }
        Ok(src)
    }

    fn shown(&self, rel: &str) -> String {
        if self.dir.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.dir.trim_end_matches('/'))
        }
    }
}

/// Shared grammars that packs import by name (`grammars/NAME.pest`).
#[derive(Clone, Debug, Default)]
pub struct Library {
    files: BTreeMap<String, (String, String)>,
}

impl Library {
    /// Adds (or replaces) the grammar `name`, shown to users as `path`.
    pub fn insert(&mut self, name: &str, path: impl Into<String>, source: impl Into<String>) {
        self.files.insert(name.to_string(), (path.into(), source.into()));
    }

    /// Adds every `NAME.pest` of a folder.
    pub fn add_dir(&mut self, dir: &Path) -> std::io::Result<()> {
        let mut paths: Vec<_> =
            std::fs::read_dir(dir)?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|x| x == "pest") {
                if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                    let source = std::fs::read_to_string(&path)?;
                    self.insert(stem, path.display().to_string(), source);
                }
            }
        }
        Ok(())
    }

    /// The names it holds.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

/// A pack that could not be loaded, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("rule pack {path}: {} problem(s)", diagnostics.len())]
pub struct PackError {
    /// The pack's folder.
    pub path: String,
    /// Every error (and the warnings met on the way), in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a field's value comes from, checked and compiled.
#[derive(Clone, Debug)]
pub enum FieldSource {
    /// The text of a tag or rule (the first occurrence, or all with `all`).
    Capture {
        /// Tag or rule name.
        name: String,
        /// Collect every occurrence into a list.
        all: bool,
        /// Replace the text by a lexicon column: (lexicon, column).
        lookup: Option<(String, String)>,
    },
    /// For lexicon rules: a column of the matched term's row.
    Column(String),
    /// A constant.
    Const(Value),
}

/// One field of a rule.
#[derive(Clone, Debug)]
pub struct FieldSpec {
    /// The field's name in the output.
    pub name: String,
    /// Where the value comes from.
    pub source: FieldSource,
    /// Normalizer applied to captured text.
    pub normalizer: Option<&'static Normalizer>,
    /// Value when the capture is missing.
    pub default: Option<Value>,
}

/// A condition on a capture's text.
#[derive(Clone, Debug)]
pub struct Check {
    /// Capture name, or [`SELF`] for the whole match.
    pub capture: String,
    /// What must hold of it.
    pub test: CheckTest,
}

/// What a [`Check`] asks of its capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckTest {
    /// Its text is a term of this lexicon (when the capture took part).
    In(String),
    /// Its text is not a term of this lexicon.
    NotIn(String),
    /// Captured more than once, not every capture starts with the
    /// shortest capture's text (a unit said twice).
    Distinct,
}

/// One relation a rule states.
#[derive(Clone, Debug)]
pub struct RelationSpec {
    /// Relation name.
    pub rel: String,
    /// Capture name of the source, or [`SELF`].
    pub from: String,
    /// Capture name of the target, or [`SELF`].
    pub to: String,
}

/// An inline example: a text the rule must match.
#[derive(Clone, Debug)]
pub struct ExampleSpec {
    /// The input.
    pub text: String,
    /// The mention text the rule must produce, if given.
    pub expect: Option<String>,
    /// Field values that mention must carry.
    pub fields: Fields,
}

/// A checked rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Unique id.
    pub id: String,
    /// Mention type.
    pub kind: String,
    /// The pest rule it runs (empty for lexicon rules).
    pub grammar_rule: String,
    /// The lexicon it matches instead of a grammar rule.
    pub lexicon: Option<String>,
    /// Capture whose span is the mention (whole match when `None`).
    pub text_capture: Option<String>,
    /// One mention per occurrence of `text_capture`.
    pub each: bool,
    /// Overlap priority (higher wins between equal lengths).
    pub priority: i32,
    /// Overlap group.
    pub group: String,
    /// Where the rule is attempted.
    pub anchors: Anchors,
    /// Literal sets every match contains one of each of
    /// ([`anchors::requirements`]); empty for lexicon rules.
    pub requires: Vec<BTreeSet<String>>,
    /// Fields.
    pub fields: Vec<FieldSpec>,
    /// Relations.
    pub relations: Vec<RelationSpec>,
    /// Conditions checked after a match.
    pub checks: Vec<Check>,
    /// Strings one of which a match must directly follow (`^`: sentence start).
    pub after: Vec<String>,
    /// Strings a match must not directly follow.
    pub not_after: Vec<String>,
    /// Strings that must not directly follow a match.
    pub not_before: Vec<String>,
    /// Strings a match must not lie inside.
    pub not_within: Vec<String>,
    /// Mention types this rule's matches give way to.
    pub yield_to: Vec<String>,
    /// Texts it must match.
    pub examples: Vec<ExampleSpec>,
    /// Texts it must not match.
    pub non_examples: Vec<String>,
    /// What it is for.
    pub doc: String,
    /// Where it is declared.
    pub location: Location,
}

/// A capture of a match: a tag or a rule name over a byte range of the
/// input handed to [`Pack::match_at`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    /// Tag or rule name (shared with the compiled rule: no allocation per
    /// match).
    pub name: Arc<str>,
    /// Start byte.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
}

/// A successful match at the start of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawMatch {
    /// Bytes consumed.
    pub len: usize,
    /// Named nodes inside the match, in pre-order (outer before inner,
    /// left before right).
    pub captures: Vec<Capture>,
}

impl RawMatch {
    /// The first capture called `name`.
    pub fn capture(&self, name: &str) -> Option<&Capture> {
        self.captures.iter().find(|c| &*c.name == name)
    }
}

/// Why a rule failed at a position: how far it got and what it expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Byte offset (in the input) where the parser gave up.
    pub at: usize,
    /// What was expected there (rule names and literals).
    pub expected: Vec<String>,
}

/// A word list: a TSV file with a header row; the first column is the term.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    /// Column names.
    pub columns: Vec<String>,
    /// Distinct terms, in file order.
    pub terms: Vec<String>,
    rows: Vec<Vec<String>>,
    by_term: HashMap<String, Vec<usize>>,
}

impl Lexicon {
    /// Parses TSV text. Rows with fewer cells than the header are padded.
    pub fn parse(text: &str) -> Lexicon {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
        let columns: Vec<String> = lines
            .next()
            .map(|h| h.split('\t').map(|c| c.trim().to_string()).collect())
            .unwrap_or_default();
        let mut lex = Lexicon { columns, ..Lexicon::default() };
        for line in lines {
            let mut row: Vec<String> = line.split('\t').map(|c| c.trim().to_string()).collect();
            row.resize(lex.columns.len().max(1), String::new());
            let term = row[0].clone();
            if term.is_empty() {
                continue;
            }
            let entry = lex.by_term.entry(term.clone()).or_default();
            if entry.is_empty() {
                lex.terms.push(term);
            }
            entry.push(lex.rows.len());
            lex.rows.push(row);
        }
        lex
    }

    /// The value of `column` for `term`, when every row of the term agrees
    /// on a non-empty value (an ambiguous name gives nothing, not a guess).
    pub fn value(&self, term: &str, column: &str) -> Option<&str> {
        let c = self.columns.iter().position(|x| x == column)?;
        let rows = self.by_term.get(term)?;
        let first = self.rows[rows[0]][c].as_str();
        (!first.is_empty() && rows.iter().all(|&r| self.rows[r][c] == first)).then_some(first)
    }

    /// Every row of `term` (all columns, the term first), in file order;
    /// several rows when the name is ambiguous.
    pub fn rows(&self, term: &str) -> impl Iterator<Item = &[String]> + '_ {
        self.by_term.get(term).into_iter().flatten().map(|&r| self.rows[r].as_slice())
    }

    /// Whether `term` is in the list.
    pub fn contains(&self, term: &str) -> bool {
        self.by_term.contains_key(term)
    }
}

/// A loaded, checked pack.
pub struct Pack {
    /// `[pack] name`.
    pub name: String,
    /// `[pack] description`.
    pub description: String,
    /// `[pack] version`.
    pub version: String,
    /// The pack's folder as shown to users.
    pub dir: String,
    /// Rules in manifest order.
    pub rules: Vec<Rule>,
    /// How `parent` fields become relations.
    pub parent_relations: Option<manifest::ParentRelations>,
    /// Mention type → allowed fields (built-ins plus `[types]`).
    pub types: BTreeMap<String, Vec<String>>,
    /// Warnings found while loading (rules without anchors, ...).
    pub warnings: Vec<Diagnostic>,
    /// Lexicons by name.
    pub lexicons: BTreeMap<String, Lexicon>,
    /// The grammar text and where its rules are defined (for [`lint::lint`]).
    pub grammar: lint::GrammarSource,
    vm: pest_vm::Vm,
    /// Per rule: its grammar compiled to a regex (exact or filter).
    compiled: Vec<Option<compile::Compiled>>,
    /// Per rule: its grammar for the PEG machine.
    programs: Vec<Option<peg::Program>>,
}

impl std::fmt::Debug for Pack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pack").field("name", &self.name).field("rules", &self.rules.len()).finish()
    }
}

impl Pack {
    /// Runs rule `rule` at the start of `input`. `input` should be the rest
    /// of one sentence: pest builds its error by scanning to the end of
    /// the input on every failure.
    pub fn match_at(&self, rule: usize, input: &str) -> Option<RawMatch> {
        self.try_at(rule, input).ok()
    }

    /// Like [`Pack::match_at`], with the same result, but through the
    /// rule's compiled regex: exact rules never run pest_vm, the others run
    /// it only where their filter matches (see [`compile`]).
    pub fn match_fast(&self, rule: usize, input: &str) -> Option<RawMatch> {
        match self.compiled.get(rule).and_then(Option::as_ref) {
            Some(c) => match c.run(input) {
                compile::Outcome::NoMatch => None,
                compile::Outcome::Match(m) => Some(m),
                compile::Outcome::Maybe => self.match_peg(rule, input),
            },
            None => self.match_peg(rule, input),
        }
    }

    /// Whether rule `rule` has a compiled regex whose matches start with
    /// one of a few characters ([`Pack::first_chars`]), so that their
    /// occurrences are better candidates than its anchors and look-back.
    pub fn can_scan(&self, rule: usize) -> bool {
        self.compiled.get(rule).and_then(Option::as_ref).is_some_and(|c| c.scans_fast)
    }

    /// For a rule that [`Pack::can_scan`]: the characters every match of
    /// it starts with (empty for other rules).
    pub fn first_chars(&self, rule: usize) -> &[char] {
        self.compiled.get(rule).and_then(Option::as_ref).map_or(&[], |c| c.firsts())
    }

    /// For a rule with a compiled regex ([`Pack::has_regex`]): whether a
    /// match of the rule may start at `at` and end by `end` (a sentence
    /// end) (an anchored search of its regex); `true` for rules without
    /// a regex.
    pub fn may_start_at(&self, rule: usize, text: &str, at: usize, end: usize) -> bool {
        match self.compiled.get(rule).and_then(Option::as_ref) {
            Some(c) => c.matches_at(text, at, end),
            None => true,
        }
    }

    /// Whether a match of rule `rule` can contain `c` (`true` for rules
    /// without a compiled regex). A candidate start with such a character
    /// between it and the rule's anchor cannot begin a match.
    pub fn may_contain(&self, rule: usize, c: char) -> bool {
        self.compiled.get(rule).and_then(Option::as_ref).is_none_or(|x| x.may_contain(c))
    }

    /// Whether a match of rule `rule` can start with `c` (`true` for rules
    /// without a compiled regex, and for rules many characters can start).
    pub fn may_begin(&self, rule: usize, c: char) -> bool {
        self.compiled.get(rule).and_then(Option::as_ref).is_none_or(|x| x.may_begin(c))
    }

    /// Whether rule `rule` has a compiled regex (exact or filter).
    pub fn has_regex(&self, rule: usize) -> bool {
        self.compiled.get(rule).is_some_and(Option::is_some)
    }

    /// Like [`Pack::match_fast`] at a position where
    /// [`Pack::may_start_at`] said yes (the filter is known to match there).
    pub fn match_at_start(&self, rule: usize, input: &str) -> Option<RawMatch> {
        match self.compiled.get(rule).and_then(Option::as_ref) {
            Some(c) if !c.exact => self.match_peg(rule, input),
            _ => self.match_fast(rule, input),
        }
    }

    /// The PEG machine's result, or pest_vm's where the machine cannot run
    /// the rule.
    fn match_peg(&self, rule: usize, input: &str) -> Option<RawMatch> {
        match self.programs.get(rule).and_then(Option::as_ref).map(|p| p.run(input)) {
            Some(Ok(m)) => m,
            _ => self.match_at(rule, input),
        }
    }

    /// Runs rule `rule` with the PEG machine only (`None` when it cannot
    /// run it); for tests comparing it with pest_vm.
    pub fn match_machine(&self, rule: usize, input: &str) -> Option<Option<RawMatch>> {
        let prog = self.programs.get(rule).and_then(Option::as_ref)?;
        prog.run(input).ok()
    }

    /// How rule `rule` is compiled: `Some(true)` exact regex, `Some(false)`
    /// regex filter before pest_vm, `None` pest_vm only.
    pub fn compiled_exact(&self, rule: usize) -> Option<bool> {
        self.compiled.get(rule).and_then(Option::as_ref).map(|c| c.exact)
    }

    /// Like [`Pack::match_at`], but says how far a failing rule got.
    pub fn try_at(&self, rule: usize, input: &str) -> Result<RawMatch, Failure> {
        let Some(r) = self.rules.get(rule).filter(|r| r.lexicon.is_none()) else {
            return Err(Failure { at: 0, expected: vec![] });
        };
        match self.vm.parse(&r.grammar_rule, input) {
            Ok(pairs) => {
                let mut len = 0;
                let mut captures = Vec::new();
                for pair in pairs.flatten() {
                    let span = pair.as_span();
                    len = len.max(span.end());
                    captures.push(Capture {
                        name: pair.as_rule().into(),
                        start: span.start(),
                        end: span.end(),
                    });
                    if let Some(tag) = pair.as_node_tag() {
                        captures.push(Capture {
                            name: tag.into(),
                            start: span.start(),
                            end: span.end(),
                        });
                    }
                }
                Ok(RawMatch { len, captures })
            }
            Err(e) => {
                if let Some(pa) = e.parse_attempts() {
                    let mut expected: Vec<String> =
                        pa.expected_tokens().into_iter().map(|t| t.to_string()).collect();
                    for stack in pa.call_stacks() {
                        expected
                            .push(format!("(in {})", stack.deepest.get_rule().map_or("?", |r| *r)));
                    }
                    expected.dedup();
                    return Err(Failure { at: pa.max_position, expected });
                }
                let at = match e.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((s, _)) => s,
                };
                let expected = match e.variant {
                    pest::error::ErrorVariant::ParsingError { positives, .. } => {
                        positives.into_iter().map(str::to_string).collect()
                    }
                    pest::error::ErrorVariant::CustomError { message } => vec![message],
                };
                Err(Failure { at, expected })
            }
        }
    }

    /// Computes a rule's fields from a match over `input`.
    pub fn fields(&self, rule: &Rule, m: &RawMatch, input: &str) -> Fields {
        let mut out = Fields::new();
        let text_of = |c: &Capture| input.get(c.start..c.end).unwrap_or_default();
        for f in &rule.fields {
            let normalize = |s: &str| match f.normalizer {
                Some(n) => (n.apply)(s),
                None => Some(Value::String(s.to_string())),
            };
            let looked_up = |s: &str, lookup: &Option<(String, String)>| -> Option<Value> {
                match lookup {
                    None => normalize(s),
                    Some((lex, col)) => self.lexicons.get(lex)?.value(s, col).and_then(normalize),
                }
            };
            let value = match &f.source {
                FieldSource::Const(v) => Some(v.clone()),
                FieldSource::Column(_) => None,
                FieldSource::Capture { name, all: false, lookup } => {
                    m.capture(name).and_then(|c| looked_up(text_of(c), lookup))
                }
                FieldSource::Capture { name, all: true, lookup } => {
                    let items: Vec<Value> = m
                        .captures
                        .iter()
                        .filter(|c| *c.name == **name)
                        .filter_map(|c| looked_up(text_of(c), lookup))
                        .collect();
                    (!items.is_empty()).then_some(Value::Array(items))
                }
            };
            if let Some(v) = value.or_else(|| f.default.clone()) {
                out.insert(f.name.clone(), v);
            }
        }
        out
    }
}

impl Pack {
    /// Whether a match passes its rule's checks.
    pub fn passes_checks(&self, rule: &Rule, m: &RawMatch, input: &str) -> bool {
        rule.checks.iter().all(|c| {
            let lexicon = match &c.test {
                CheckTest::In(lex) | CheckTest::NotIn(lex) => lex,
                CheckTest::Distinct => {
                    let texts: Vec<&str> = m
                        .captures
                        .iter()
                        .filter(|x| *x.name == *c.capture)
                        .filter_map(|x| input.get(x.start..x.end))
                        .collect();
                    // One capture is nothing to compare; two or more fail
                    // when every one starts with the shortest (句, 句地读).
                    let shortest = texts.iter().min_by_key(|t| t.len()).copied().unwrap_or("");
                    return texts.len() < 2 || !texts.iter().all(|t| t.starts_with(shortest));
                }
            };
            let span = if c.capture == SELF {
                Some(0..m.len)
            } else {
                m.capture(&c.capture).map(|x| x.start..x.end)
            };
            let Some(text) = span.and_then(|s| input.get(s)) else {
                return true; // the capture did not take part
            };
            let found = self.lexicons.get(lexicon).is_some_and(|l| l.contains(text));
            found == matches!(c.test, CheckTest::In(_))
        })
    }

    /// Fields of a lexicon rule's match of `term`.
    pub fn lexicon_fields(&self, rule: &Rule, term: &str) -> Fields {
        let mut out = Fields::new();
        let lex = rule.lexicon.as_ref().and_then(|l| self.lexicons.get(l));
        for f in &rule.fields {
            let raw = match &f.source {
                FieldSource::Const(v) => Some(v.clone()),
                FieldSource::Column(c) => {
                    lex.and_then(|l| l.value(term, c)).map(|v| Value::String(v.to_string()))
                }
                FieldSource::Capture { .. } => None,
            };
            let value = match (raw, f.normalizer) {
                (Some(Value::String(s)), Some(n)) => (n.apply)(&s),
                (v, _) => v,
            };
            if let Some(v) = value.or_else(|| f.default.clone()) {
                out.insert(f.name.clone(), v);
            }
        }
        out
    }
}

/// Makes failed matches record how far they got and which tokens they
/// expected there (slower; for `tifa explain`). The setting is global to
/// the process.
pub fn set_detailed_failures(on: bool) {
    pest::set_error_detail(on);
}

/// Converts a byte offset of `text` to a 1-based (line, column in chars).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

struct Ctx<'a> {
    manifest_path: String,
    manifest_text: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at<T>(&self, s: &Spanned<T>) -> Option<Location> {
        let (line, column) = line_col(self.manifest_text, s.span().start);
        Some(Location { path: self.manifest_path.clone(), line, column })
    }

    fn error_at<T>(&mut self, s: &Spanned<T>, msg: impl Into<String>) {
        let loc = self.at(s);
        self.diags.push(Diagnostic::error(loc, msg));
    }

    fn warn_at<T>(&mut self, s: &Spanned<T>, msg: impl Into<String>) {
        let loc = self.at(s);
        self.diags.push(Diagnostic::warning(loc, msg));
    }
}

/// One grammar file's place in the concatenated grammar.
struct Segment {
    path: String,
    first_line: usize,
    lines: usize,
}

/// Grammar files a manifest names but the pack and library lack: where
/// each is named, and the error.
type Missing<'m> = Vec<(&'m Spanned<String>, String)>;

/// A pack's grammar: its imports first, then its own files, concatenated
/// with a map from lines back to files; and the files it names but lacks.
fn assemble<'m>(
    manifest: &'m Manifest,
    src: &PackSource,
    lib: &Library,
) -> (String, Vec<Segment>, Missing<'m>) {
    let mut grammar = String::new();
    let mut segments = Vec::new();
    let mut missing = Vec::new();
    let mut push = |path: String, text: &str, grammar: &mut String| {
        let first_line = grammar.matches('\n').count() + 1;
        let lines = text.matches('\n').count() + 1;
        grammar.push_str(text);
        grammar.push('\n');
        segments.push(Segment { path, first_line, lines });
    };
    for imp in &manifest.pack.imports {
        let name = imp.get_ref();
        let local = format!("grammars/{name}.pest");
        if let Some(text) = src.files.get(&local) {
            push(src.shown(&local), text, &mut grammar);
        } else if let Some((path, text)) = lib.files.get(name) {
            push(path.clone(), text, &mut grammar);
        } else {
            let known: Vec<&str> = lib.names().collect();
            missing.push((
                imp,
                format!(
                    "unknown grammar import `{name}` (not in the pack's grammars/ nor in the library: {})",
                    known.join(", ")
                ),
            ));
        }
    }
    for g in &manifest.pack.grammars {
        match src.files.get(g.get_ref()) {
            Some(text) => push(src.shown(g.get_ref()), text, &mut grammar),
            None => {
                missing.push((g, format!("grammar file `{}` not found in the pack", g.get_ref())))
            }
        }
    }
    (grammar, segments, missing)
}

/// The pack's grammar, parsed and optimized, as bytes to put in
/// [`PackSource::precompiled`] (pest_meta takes 80 ms on the default
/// pack, decoding this a few); `None` when the
/// pack's manifest or grammar has errors (loading will report them).
pub fn precompile(src: &PackSource, lib: &Library) -> Option<Vec<u8>> {
    let manifest: Manifest = toml::from_str(src.files.get("pack.toml")?).ok()?;
    let (grammar, _, missing) = assemble(&manifest, src, lib);
    if !missing.is_empty() {
        return None;
    }
    let (rules, defined) = parse_grammar(&grammar).ok()?;
    Some(precompiled::encode(&grammar, &rules, &defined))
}

/// Loads and checks a pack. Every problem is collected; the pack is
/// returned only when there is no error (warnings ride along in
/// [`Pack::warnings`]).
pub fn load(src: &PackSource, lib: &Library) -> Result<Pack, PackError> {
    let manifest_path = src.shown("pack.toml");
    let fail = |diagnostics| PackError { path: src.dir.clone(), diagnostics };
    let Some(manifest_text) = src.files.get("pack.toml") else {
        return Err(fail(vec![Diagnostic::error(
            Some(Location { path: manifest_path, line: 1, column: 1 }),
            "the pack has no pack.toml",
        )]));
    };
    let manifest: Manifest = match toml::from_str(manifest_text) {
        Ok(m) => m,
        Err(e) => {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(manifest_text, s.start));
            let msg = e.message().trim().to_string();
            return Err(fail(vec![Diagnostic::error(
                Some(Location { path: manifest_path, line, column }),
                msg,
            )]));
        }
    };
    let mut cx = Ctx { manifest_path, manifest_text, diags: Vec::new() };

    let (grammar, segments, missing) = assemble(&manifest, src, lib);
    for (at, msg) in missing {
        cx.error_at(at, msg);
    }
    let locate = |line: usize, column: usize| -> Location {
        for s in &segments {
            if line >= s.first_line && line < s.first_line + s.lines {
                return Location { path: s.path.clone(), line: line - s.first_line + 1, column };
            }
        }
        Location { path: "(grammar)".into(), line, column }
    };
    // The lexicons parse on another thread while the grammar is parsed
    // (or decoded) and the rules compile: loading is what a run on one
    // file waits for.
    let (grammar_result, parsed_lexicons, builds) = std::thread::scope(|scope| {
        let lexicons = scope.spawn(|| {
            manifest
                .lexicons
                .iter()
                .map(|(name, decl)| {
                    (name, decl, src.files.get(decl.file.get_ref()).map(|t| Lexicon::parse(t)))
                })
                .collect::<Vec<_>>()
        });
        let grammar_result = match src.precompiled.and_then(|b| precompiled::decode(b, &grammar)) {
            Some(done) => Ok(done),
            None => parse_grammar(&grammar),
        };
        // Each declared rule's regex and PEG program need only the
        // grammar: they compile while the lexicons parse (a rule that
        // fails its checks below is dropped with them).
        let builds = match &grammar_result {
            Ok((rules, _)) => {
                let names: Vec<Option<String>> = manifest
                    .rules
                    .iter()
                    .map(|d| d.lexicon.is_none().then(|| grammar_rule_of(d)))
                    .collect();
                compile_all(&names, rules)
            }
            Err(_) => Vec::new(),
        };
        // A panic there is a bug of ours, not the user's: pass it on.
        let lexicons = lexicons.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (grammar_result, lexicons, builds)
    });
    let (rules, defined_at) = match grammar_result {
        Ok((rules, defined)) => {
            let mut defined_at = BTreeMap::new();
            for (name, line, col) in defined {
                defined_at.entry(name).or_insert_with(|| locate(line, col));
            }
            (Some(rules), defined_at)
        }
        Err(errors) => {
            for e in errors {
                let (line, col) = match e.line_col {
                    pest::error::LineColLocation::Pos(p) => p,
                    pest::error::LineColLocation::Span(p, _) => p,
                };
                let msg = grammar_message(&e);
                cx.diags.push(Diagnostic::error(Some(locate(line, col)), msg));
            }
            (None, BTreeMap::new())
        }
    };

    let mut types: BTreeMap<String, Vec<String>> = BUILTIN_TYPES
        .iter()
        .map(|(t, f)| (t.to_string(), f.iter().map(|s| s.to_string()).collect()))
        .collect();
    for (name, decl) in &manifest.types {
        types.insert(name.clone(), decl.fields.clone());
    }

    let by_name: HashMap<&str, &OptimizedRule> =
        rules.as_deref().unwrap_or_default().iter().map(|r| (r.name.as_str(), r)).collect();
    let mut lexicons = BTreeMap::new();
    for (name, decl, lex) in parsed_lexicons {
        match lex {
            Some(lex) => {
                if lex.columns.is_empty() || lex.terms.is_empty() {
                    cx.error_at(
                        &decl.file,
                        format!(
                            "lexicon `{name}`: `{}` has no header or no terms",
                            decl.file.get_ref()
                        ),
                    );
                }
                lexicons.insert(name.clone(), lex);
            }
            None => cx.error_at(
                &decl.file,
                format!("lexicon file `{}` not found in the pack", decl.file.get_ref()),
            ),
        }
    }

    let mut analyses = rules.as_deref().map(anchors::Analyses::new);
    let mut seen_ids = BTreeSet::new();
    let mut out_rules = Vec::new();
    // Each declared rule's build, kept with the rule if it passes.
    let mut builds = builds.into_iter();
    let mut compiled = Vec::new();
    for decl in &manifest.rules {
        let build = builds.next();
        if !seen_ids.insert(decl.id.get_ref().clone()) {
            cx.error_at(&decl.id, format!("rule id `{}` is used twice", decl.id.get_ref()));
        }
        if let Some(rule) = check_rule(&mut cx, decl, &types, &mut analyses, &by_name, &lexicons) {
            out_rules.push(rule);
            compiled.extend(build);
        }
    }
    if let Some(pr) = &manifest.parent_relations {
        for rel in std::iter::once(&pr.default).chain(pr.by_kind.values()) {
            if !RELATIONS.contains(&rel.as_str()) {
                let loc = Some(Location { path: cx.manifest_path.clone(), line: 1, column: 1 });
                cx.diags.push(Diagnostic::warning(
                    loc,
                    format!("[parent_relations] uses relation `{rel}`, not one of {RELATIONS:?}"),
                ));
            }
        }
    }

    let has_error = cx.diags.iter().any(|d| d.severity == tifa_model::Severity::Error);
    match rules {
        Some(rules) if !has_error => {
            let (compiled, programs) = compiled.into_iter().unzip();
            Ok(Pack {
                compiled,
                programs,
                name: manifest.pack.name,
                description: manifest.pack.description,
                version: manifest.pack.version,
                dir: src.dir.clone(),
                rules: out_rules,
                parent_relations: manifest.parent_relations,
                types,
                warnings: cx.diags,
                lexicons,
                grammar: lint::GrammarSource { defined_at, text: grammar },
                vm: pest_vm::Vm::new(rules),
            })
        }
        _ => Err(fail(cx.diags)),
    }
}

/// A grammar's optimized rules and where each rule is defined (line and
/// column in the grammar): `pest_meta::parse_and_optimize`, with the
/// parse shared by both.
type ParsedGrammar = (Vec<OptimizedRule>, precompiled::Definitions);

fn parse_grammar(grammar: &str) -> Result<ParsedGrammar, Vec<pest::error::Error<MetaRule>>> {
    let pairs = pest_meta::parser::parse(MetaRule::grammar_rules, grammar).map_err(|e| vec![e])?;
    pest_meta::validator::validate_pairs(pairs.clone())?;
    let mut defined = Vec::new();
    let mut lines = Lines { text: grammar, pos: 0, line: 1, line_start: 0 };
    for rule in pairs.clone().filter(|p| p.as_rule() == MetaRule::grammar_rule) {
        if let Some(id) = rule.into_inner().next() {
            let (line, col) = lines.at(id.as_span().start());
            defined.push((id.as_str().to_string(), line, col));
        }
    }
    let ast = pest_meta::parser::consume_rules(pairs)?;
    Ok((pest_meta::optimizer::optimize(ast), defined))
}

/// Line and column of ascending byte offsets in one walk ([`line_col`]
/// scans from the start every time: quadratic over a grammar's rules).
struct Lines<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> (usize, usize) {
        if offset < self.pos || !self.text.is_char_boundary(offset) {
            return line_col(self.text, offset);
        }
        for (i, _) in self.text[self.pos..offset].match_indices('\n') {
            self.line += 1;
            self.line_start = self.pos + i + 1;
        }
        self.pos = offset;
        (self.line, self.text[self.line_start..offset].chars().count() + 1)
    }
}

/// The grammar rule a manifest rule runs: its `grammar`, or its id with
/// `-` as `_`.
fn grammar_rule_of(decl: &RuleDecl) -> String {
    decl.grammar
        .as_ref()
        .map_or_else(|| decl.id.get_ref().replace('-', "_"), |g| g.get_ref().clone())
}

/// Every rule's regex and PEG program (`None` for a lexicon rule),
/// compiled on rayon's threads, in rule order.
fn compile_all(
    rules: &[Option<String>],
    grammar: &[OptimizedRule],
) -> Vec<(Option<compile::Compiled>, Option<peg::Program>)> {
    use rayon::prelude::*;
    rules
        .par_iter()
        .map(|r| match r {
            Some(name) => (compile::compile(name, grammar), peg::compile(name, grammar)),
            None => (None, None),
        })
        .collect()
}

fn grammar_message(e: &pest::error::Error<MetaRule>) -> String {
    match &e.variant {
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
        pest::error::ErrorVariant::ParsingError { .. } => {
            format!("grammar syntax error: {}", e.variant.message())
        }
    }
}

/// Calls `f` on `e` and every expression inside it. (pest_meta's own
/// iterator skips the insides of tags and `+` repetitions.)
fn walk(e: &OptimizedExpr, f: &mut dyn FnMut(&OptimizedExpr)) {
    f(e);
    match e {
        OptimizedExpr::Seq(a, b) | OptimizedExpr::Choice(a, b) => {
            walk(a, f);
            walk(b, f);
        }
        OptimizedExpr::PosPred(x)
        | OptimizedExpr::NegPred(x)
        | OptimizedExpr::Opt(x)
        | OptimizedExpr::Rep(x)
        | OptimizedExpr::RepOnce(x)
        | OptimizedExpr::Push(x)
        | OptimizedExpr::RestoreOnErr(x)
        | OptimizedExpr::NodeTag(x, _) => walk(x, f),
        _ => {}
    }
}

/// Names of rules and tags reachable from `start`, and whether each tag
/// sits on a node-producing expression.
fn reachable(
    start: &str,
    by_name: &HashMap<&str, &OptimizedRule>,
) -> (BTreeSet<String>, Vec<String>) {
    let mut names = BTreeSet::new();
    let mut bad_tags = Vec::new();
    let mut stack = vec![start.to_string()];
    let mut visited = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if !visited.insert(name.clone()) {
            continue;
        }
        let Some(rule) = by_name.get(name.as_str()) else { continue };
        if rule.ty != pest_meta::ast::RuleType::Silent {
            names.insert(name.clone());
        }
        walk(&rule.expr, &mut |e| match e {
            OptimizedExpr::Ident(n) => stack.push(n.clone()),
            OptimizedExpr::NodeTag(inner, tag) => {
                names.insert(tag.clone());
                let makes_node = matches!(&**inner, OptimizedExpr::Ident(n)
                    if by_name.get(n.as_str()).is_some_and(|r| r.ty != pest_meta::ast::RuleType::Silent));
                if !makes_node {
                    bad_tags.push(tag.clone());
                }
            }
            _ => {}
        });
    }
    (names, bad_tags)
}

fn check_rule(
    cx: &mut Ctx<'_>,
    decl: &RuleDecl,
    types: &BTreeMap<String, Vec<String>>,
    analyses: &mut Option<anchors::Analyses<'_>>,
    by_name: &HashMap<&str, &OptimizedRule>,
    lexicons: &BTreeMap<String, Lexicon>,
) -> Option<Rule> {
    let lexicon = decl.lexicon.as_ref().map(|l| l.get_ref().clone());
    if let Some(l) = &decl.lexicon {
        if !lexicons.contains_key(l.get_ref()) {
            cx.error_at(
                l,
                format!("unknown lexicon `{}` (declare it under [lexicons])", l.get_ref()),
            );
        }
    }
    let lexicon_columns: Option<&[String]> =
        lexicon.as_ref().and_then(|l| lexicons.get(l)).map(|l| l.columns.as_slice());
    let id = decl.id.get_ref().clone();
    let errors_before = cx.diags.len();
    let grammar_rule = grammar_rule_of(decl);
    let grammar_span = decl.grammar.as_ref().map_or(decl.id.span(), |g| g.span());
    let grammar_spanned = Spanned::new(grammar_span, ());

    let allowed = types.get(decl.kind.get_ref());
    if allowed.is_none() {
        let known: Vec<&str> = types.keys().map(String::as_str).collect();
        cx.error_at(
            &decl.kind,
            format!(
                "unknown mention type `{}` (known: {}; declare others under [types])",
                decl.kind.get_ref(),
                known.join(", ")
            ),
        );
    }

    // Names the grammar can capture for this rule.
    let mut captures = None;
    if lexicon.is_some() {
        captures = Some(BTreeSet::new());
    } else if analyses.is_some() {
        match by_name.get(grammar_rule.as_str()) {
            None => cx.error_at(
                &grammar_spanned,
                format!("rule `{id}` runs grammar rule `{grammar_rule}`, which no grammar of the pack defines"),
            ),
            Some(r) if r.ty == pest_meta::ast::RuleType::Silent => cx.error_at(
                &grammar_spanned,
                format!("grammar rule `{grammar_rule}` is silent (`_{{ }}`); a rule the manifest runs must make a node"),
            ),
            Some(_) => {
                let (names, bad_tags) = reachable(&grammar_rule, by_name);
                for tag in bad_tags {
                    cx.warn_at(
                        &grammar_spanned,
                        format!("tag `#{tag}` under `{grammar_rule}` is not on a non-silent rule; pest attaches such a tag to the wrong node"),
                    );
                }
                captures = Some(names);
            }
        }
    }
    let check_capture = |cx: &mut Ctx<'_>, s: &Spanned<String>, what: &str| {
        if let Some(names) = &captures {
            if !names.contains(s.get_ref()) {
                cx.error_at(
                    s,
                    format!(
                        "{what} `{}` is neither a tag nor a non-silent rule under `{grammar_rule}`",
                        s.get_ref()
                    ),
                );
            }
        }
    };

    if let Some(t) = &decl.text {
        check_capture(cx, t, "text capture");
    } else if decl.each {
        cx.error_at(&decl.id, "`each = true` needs a `text` capture");
    }
    let mut fields = Vec::new();
    for (name, fdecl) in &decl.fields {
        if let Some(allowed) = allowed {
            if !allowed.contains(name.get_ref()) {
                cx.error_at(
                    name,
                    format!(
                        "unknown field `{}` for type `{}` (allowed: {})",
                        name.get_ref(),
                        decl.kind.get_ref(),
                        allowed.join(", ")
                    ),
                );
            }
        }
        let at = |v: &String| Spanned::new(name.span(), v.clone());
        let spec = match fdecl {
            FieldDecl::Tag(tag) => {
                check_capture(cx, &at(tag), "field source");
                FieldSpec {
                    name: name.get_ref().clone(),
                    source: FieldSource::Capture { name: tag.clone(), all: false, lookup: None },
                    normalizer: None,
                    default: None,
                }
            }
            FieldDecl::Full(full) => {
                let normalizer = match &full.normalize {
                    None => None,
                    Some(n) => match normalizers::lookup(n) {
                        Some(found) => Some(found),
                        None => {
                            let known: Vec<&str> =
                                normalizers::REGISTRY.iter().map(|n| n.name).collect();
                            cx.error_at(
                                &at(n),
                                format!("unknown normalizer `{n}` (known: {})", known.join(", ")),
                            );
                            None
                        }
                    },
                };
                let to_json = |v: &toml::Value| serde_json::to_value(v).unwrap_or(Value::Null);
                let lookup = match &full.lookup {
                    None => None,
                    Some(l) => {
                        match l.split_once('.') {
                            Some((lex, col))
                                if lexicons
                                    .get(lex)
                                    .is_some_and(|x| x.columns.iter().any(|c| c == col)) =>
                            {
                                Some((lex.to_string(), col.to_string()))
                            }
                            _ => {
                                cx.error_at(&at(l), format!("lookup `{l}` names no lexicon column (write LEXICON.COLUMN)"));
                                None
                            }
                        }
                    }
                };
                let source = match (&full.tag, &full.value, &full.column) {
                    (Some(tag), None, None) => {
                        check_capture(cx, &at(tag), "field source");
                        FieldSource::Capture { name: tag.clone(), all: full.all, lookup }
                    }
                    (None, Some(v), None) => FieldSource::Const(to_json(v)),
                    (None, None, Some(col)) => {
                        match lexicon_columns {
                            Some(cols) if cols.contains(col) => {}
                            Some(_) => {
                                cx.error_at(&at(col), format!("the lexicon has no column `{col}`"))
                            }
                            None => {
                                cx.error_at(&at(col), "`column` is only for rules with `lexicon`")
                            }
                        }
                        FieldSource::Column(col.clone())
                    }
                    _ => {
                        cx.error_at(
                            name,
                            format!(
                                "field `{}` needs exactly one of `tag`, `value` and `column`",
                                name.get_ref()
                            ),
                        );
                        continue;
                    }
                };
                FieldSpec {
                    name: name.get_ref().clone(),
                    source,
                    normalizer,
                    default: full.default.as_ref().map(to_json),
                }
            }
        };
        fields.push(spec);
    }
    let mut checks = Vec::new();
    for c in &decl.checks {
        if c.tag.get_ref() != SELF {
            check_capture(cx, &c.tag, "checked capture");
        }
        let test = match (&c.in_lexicon, &c.not_in, c.distinct) {
            (Some(l), None, false) => CheckTest::In(l.get_ref().clone()),
            (None, Some(l), false) => CheckTest::NotIn(l.get_ref().clone()),
            (None, None, true) => CheckTest::Distinct,
            _ => {
                cx.error_at(
                    &c.tag,
                    "a check needs exactly one of `in`, `not_in` and `distinct = true`",
                );
                continue;
            }
        };
        if let Some(l) = c.in_lexicon.as_ref().or(c.not_in.as_ref()) {
            if !lexicons.contains_key(l.get_ref()) {
                let name = l.get_ref();
                cx.error_at(l, format!("unknown lexicon `{name}` (declare it under [lexicons])"));
            }
        }
        checks.push(Check { capture: c.tag.get_ref().clone(), test });
    }
    let mut relations = Vec::new();
    for r in &decl.relations {
        if !RELATIONS.contains(&r.rel.get_ref().as_str()) {
            cx.warn_at(
                &r.rel,
                format!("relation `{}` is not one of {RELATIONS:?}", r.rel.get_ref()),
            );
        }
        for end in [&r.from, &r.to] {
            if end.get_ref() != SELF {
                check_capture(cx, end, "relation end");
            }
        }
        relations.push(RelationSpec {
            rel: r.rel.get_ref().clone(),
            from: r.from.get_ref().clone(),
            to: r.to.get_ref().clone(),
        });
    }

    let anchors = if lexicon.is_some() {
        Anchors::Literals { literals: BTreeSet::new(), lookback: 0 }
    } else if !decl.anchors.is_empty() {
        Anchors::Literals {
            literals: decl.anchors.iter().cloned().collect(),
            lookback: decl.lookback,
        }
    } else if let Some(a) = analyses {
        a.derive(&grammar_rule)
    } else {
        Anchors::Everywhere
    };
    let requires = match analyses {
        Some(a) if lexicon.is_none() => a.requirements(&grammar_rule),
        _ => Vec::new(),
    };
    if anchors == Anchors::Everywhere && analyses.is_some() && lexicon.is_none() {
        cx.warn_at(
            &decl.id,
            format!("rule `{id}`: no literal anchor can be derived from its grammar; it will be tried at every character (declare `anchors`)"),
        );
    }
    if decl.examples.is_empty() {
        cx.warn_at(&decl.id, format!("rule `{id}` has no examples"));
    }
    let examples = decl
        .examples
        .iter()
        .map(|e| ExampleSpec {
            text: e.text.clone(),
            expect: e.expect.clone(),
            fields: e
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
                .collect(),
        })
        .collect();

    let failed =
        cx.diags[errors_before..].iter().any(|d| d.severity == tifa_model::Severity::Error);
    let (line, column) = line_col(cx.manifest_text, decl.id.span().start);
    (!failed).then(|| Rule {
        id,
        kind: decl.kind.get_ref().clone(),
        grammar_rule: if lexicon.is_some() { String::new() } else { grammar_rule },
        lexicon,
        text_capture: decl.text.as_ref().map(|t| t.get_ref().clone()),
        each: decl.each,
        priority: decl.priority,
        group: decl.group.clone().unwrap_or_else(|| decl.kind.get_ref().clone()),
        anchors,
        requires,
        fields,
        relations,
        checks,
        after: decl.after.clone(),
        not_after: decl.not_after.clone(),
        not_before: decl.not_before.clone(),
        not_within: decl.not_within.clone(),
        yield_to: decl.yield_to.clone(),
        examples,
        non_examples: decl.non_examples.clone(),
        doc: decl.doc.clone(),
        location: Location { path: cx.manifest_path.clone(), line, column },
    })
}

#[cfg(test)]
mod tests;
