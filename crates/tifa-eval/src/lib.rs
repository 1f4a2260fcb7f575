//! Scoring of predicted mentions and relations against gold annotations.
//!
//! A faithful port of `../shared/eval/score.py` (the scorer the project is
//! measured with), so that `tifa eval` prints the same numbers, plus what
//! the script does not show: a table per rule, and the false positives and
//! misses themselves.
//!
//! The rules, as in score.py:
//! - a mention is keyed by (doc, type, normalized text), where an
//!   `Organization`'s `canonical` replaces its text; a relation by
//!   (doc, rel, from, to), `canonical_from`/`canonical_to` first;
//! - normalization is NFKC, then quotes and white space removed;
//! - each key counts once per document (the first line's fields count);
//! - "strict" needs the same key; "lenient" also accepts a same-type
//!   prediction whose text contains the gold text or is contained in it,
//!   covering at least half of the longer;
//! - "fields" is strict plus agreement on [`FIELD_CHECKS`];
//! - a gold line marked `"doubtful": true` is optional.
//!
//! ```
//! let gold = tifa_eval::Data::parse_str("g", r#"{"doc":"a","type":"Quantity","text":"3名","fields":{"value":3,"unit":"名"}}"#).unwrap();
//! let pred = tifa_eval::Data::parse_str("p", r#"{"doc":"a","type":"Quantity","text":"3名","fields":{"value":3,"unit":"名"},"rule":"quantity"}"#).unwrap();
//! let s = tifa_eval::score(&gold, &pred, None);
//! assert_eq!(s.rows["Quantity"].strict_f1, 1.0);
//! ```

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Fields that must agree for a "fields" hit, per type.
pub const FIELD_CHECKS: &[(&str, &[&str])] = &[
    ("StarRating", &["level", "count"]),
    ("Quantity", &["value", "unit"]),
    ("PlusCompound", &["left", "right"]),
    ("Organization", &["kind"]),
];

/// Types that make up the CORE row.
pub const CORE: &[&str] = &[
    "PlusCompound",
    "StarRating",
    "OnePerFormulation",
    "NumberedFormulation",
    "Quantity",
    "Organization",
    "Program",
    "Designation",
];

const QUOTES: &[char] = &['“', '”', '‘', '’', '「', '」', '《', '》', '"', '\'', '〈', '〉'];

/// Errors reading gold or predictions.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or folder could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not JSON.
    #[error("{path}:{line}:{column}: not JSON: {message}")]
    Json {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        message: String,
    },
}

/// score.py's `norm`: NFKC, without quotes and white space.
pub fn norm(s: &str) -> String {
    s.nfkc().filter(|c| !QUOTES.contains(c) && !c.is_whitespace()).collect()
}

/// Python's `str(v or "")` for a JSON value, as score.py applies `norm` to
/// field values of different kinds.
fn py_str(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::Bool(false)) => String::new(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                if i == 0 {
                    String::new()
                } else {
                    i.to_string()
                }
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                if f == 0.0 {
                    String::new()
                } else {
                    format!("{f:?}")
                }
            }
        }
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) if a.is_empty() => String::new(),
        Some(Value::Object(o)) if o.is_empty() => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// score.py's `same_value`.
pub fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return (x - y).abs() <= 1e-6 * 1f64.max(x.abs()).max(y.abs());
    }
    norm(&py_str(a)) == norm(&py_str(b))
}

/// A mention key: (type, normalized text).
pub type MentionKey = (String, String);
/// A relation key: (rel, from, to), normalized.
pub type RelationKey = (String, String, String);

/// One document's lines.
#[derive(Clone, Debug, Default)]
pub struct DocData {
    /// Mention key → (fields, rule) of its first line.
    pub mentions: BTreeMap<MentionKey, (Value, String)>,
    /// Relation key → rule of its first line.
    pub relations: BTreeMap<RelationKey, String>,
    /// Optional (doubtful) mention keys.
    pub optional_mentions: BTreeSet<MentionKey>,
    /// Optional (doubtful) relation keys.
    pub optional_relations: BTreeSet<RelationKey>,
}

/// Gold or predicted lines, per document.
#[derive(Clone, Debug, Default)]
pub struct Data {
    /// Document → its lines.
    pub docs: BTreeMap<String, DocData>,
}

impl Data {
    /// Reads a JSON Lines file, or every `*.jsonl` file of a folder.
    pub fn load(path: &Path) -> Result<Data, EvalError> {
        let read_err = |source| EvalError::Read { path: path.to_path_buf(), source };
        let mut files = Vec::new();
        if path.is_dir() {
            for e in std::fs::read_dir(path).map_err(read_err)? {
                let p = e.map_err(read_err)?.path();
                if p.extension().is_some_and(|x| x == "jsonl") {
                    files.push(p);
                }
            }
            files.sort();
        } else {
            files.push(path.to_path_buf());
        }
        let mut data = Data::default();
        for f in files {
            let text = std::fs::read_to_string(&f)
                .map_err(|source| EvalError::Read { path: f.clone(), source })?;
            data.add_str(&f.display().to_string(), &text)?;
        }
        data.finish();
        Ok(data)
    }

    /// Parses JSON Lines from a string (`name` is used in errors).
    pub fn parse_str(name: &str, text: &str) -> Result<Data, EvalError> {
        let mut data = Data::default();
        data.add_str(name, text)?;
        data.finish();
        Ok(data)
    }

    fn add_str(&mut self, name: &str, text: &str) -> Result<(), EvalError> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with("//") {
                continue;
            }
            let o: Value = serde_json::from_str(line).map_err(|e| EvalError::Json {
                path: name.to_string(),
                line: n + 1,
                column: e.column(),
                message: e.to_string(),
            })?;
            self.add(&o);
        }
        Ok(())
    }

    fn add(&mut self, o: &Value) {
        let s = |k: &str| py_str(o.get(k));
        let doc = self.docs.entry(s("doc")).or_default();
        let doubtful = o.get("doubtful").is_some_and(|d| !py_str(Some(d)).is_empty());
        let rule = s("rule");
        if o.get("type").and_then(Value::as_str) == Some("relation") {
            let from = o.get("canonical_from").filter(|v| !py_str(Some(v)).is_empty());
            let to = o.get("canonical_to").filter(|v| !py_str(Some(v)).is_empty());
            let key = (
                py_str(o.get("rel")),
                norm(&py_str(from.or(o.get("from")))),
                norm(&py_str(to.or(o.get("to")))),
            );
            if doubtful {
                doc.optional_relations.insert(key);
            } else {
                doc.relations.entry(key).or_insert(rule);
            }
            return;
        }
        let fields = match o.get("fields") {
            Some(v) if !py_str(Some(v)).is_empty() => v.clone(),
            _ => Value::Object(Default::default()),
        };
        let kind = s("type");
        let mut text = s("text");
        if kind == "Organization" {
            let c = py_str(fields.get("canonical"));
            if !c.is_empty() {
                text = c;
            }
        }
        let key = (kind, norm(&text));
        if doubtful {
            doc.optional_mentions.insert(key);
        } else {
            doc.mentions.entry(key).or_insert((fields, rule));
        }
    }

    /// Optional keys that are also required elsewhere are not optional.
    fn finish(&mut self) {
        for d in self.docs.values_mut() {
            let DocData { mentions, relations, optional_mentions, optional_relations } = d;
            optional_mentions.retain(|k| !mentions.contains_key(k));
            optional_relations.retain(|k| !relations.contains_key(k));
        }
    }
}

/// score.py's `lenient_hit`.
fn lenient_hit<'a>(key: &MentionKey, others: impl IntoIterator<Item = &'a MentionKey>) -> bool {
    let (t, g) = key;
    let gl = g.chars().count();
    others.into_iter().any(|(pt, p)| {
        if pt != t || p.is_empty() || g.is_empty() {
            return false;
        }
        if g.contains(p.as_str()) || p.contains(g.as_str()) {
            let pl = p.chars().count();
            return gl.min(pl) * 2 >= gl.max(pl);
        }
        false
    })
}

fn prf(tp: f64, fp: f64, fn_: f64) -> (f64, f64, f64) {
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
    let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    (p, r, f)
}

/// One row of the table.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Row {
    /// Gold keys.
    pub gold: usize,
    /// Predicted keys (optional ones left out).
    pub pred: usize,
    /// Strict precision, recall, F1.
    pub strict_p: f64,
    /// Strict recall.
    pub strict_r: f64,
    /// Strict F1.
    pub strict_f1: f64,
    /// Lenient precision.
    pub lenient_p: f64,
    /// Lenient recall.
    pub lenient_r: f64,
    /// Lenient F1.
    pub lenient_f1: f64,
    /// Fields F1 (None for CORE, as score.py prints nan).
    pub fields_f1: Option<f64>,
}

/// One rule's predictions, judged.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct RuleRow {
    /// Predicted keys first produced by this rule.
    pub pred: usize,
    /// Of those, strictly right.
    pub strict: usize,
    /// Of those, right with lenient matching.
    pub lenient: usize,
    /// Strict precision.
    pub precision: f64,
}

/// A listed error.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Item {
    /// Document.
    pub doc: String,
    /// Mention type or `relation`.
    pub kind: String,
    /// Text, or `rel: from → to`.
    pub text: String,
    /// Rule of a false positive ("" for misses).
    pub rule: String,
    /// A false positive that lenient matching accepts, or a miss that a
    /// lenient prediction covers.
    pub lenient: bool,
}

/// The whole evaluation.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Scores {
    /// Per type, plus `relation` and `CORE`.
    pub rows: BTreeMap<String, Row>,
    /// Per rule (mentions and relations).
    pub rules: BTreeMap<String, RuleRow>,
    /// Predictions that are not in the gold.
    pub false_positives: Vec<Item>,
    /// Gold lines that were not predicted.
    pub misses: Vec<Item>,
    /// Predictions right on the key but wrong on a checked field.
    pub field_errors: Vec<Item>,
}

#[derive(Default)]
struct Counts {
    gold: usize,
    pred: usize,
    strict: usize,
    lenient: usize,
    fields: usize,
    lenient_fp: usize,
}

/// Scores `pred` against `gold`, on the documents in `docs` if given.
pub fn score(gold: &Data, pred: &Data, docs: Option<&BTreeSet<String>>) -> Scores {
    let empty = DocData::default();
    let mut all: BTreeSet<&String> = gold.docs.keys().collect();
    all.extend(pred.docs.keys());
    let mut rows: BTreeMap<String, Counts> = BTreeMap::new();
    let mut out = Scores::default();
    for doc in all {
        if docs.is_some_and(|d| !d.contains(doc)) {
            continue;
        }
        let g = gold.docs.get(doc).unwrap_or(&empty);
        let pd = pred.docs.get(doc).unwrap_or(&empty);
        let opt = &g.optional_mentions;
        let p: BTreeMap<&MentionKey, &(Value, String)> = pd
            .mentions
            .iter()
            .filter(|(k, _)| {
                g.mentions.contains_key(*k) || (!opt.contains(*k) && !lenient_hit(k, opt.iter()))
            })
            .collect();
        for (key, (gfields, _)) in &g.mentions {
            let r = rows.entry(key.0.clone()).or_default();
            r.gold += 1;
            let strict = p.get(key);
            if let Some((pfields, rule)) = strict {
                r.strict += 1;
                let checks =
                    FIELD_CHECKS.iter().find(|(t, _)| *t == key.0).map_or(&[][..], |c| c.1);
                let ok = checks.iter().all(|c| {
                    gfields.get(*c).is_none() || same_value(gfields.get(*c), pfields.get(*c))
                });
                if ok {
                    r.fields += 1;
                } else {
                    out.field_errors.push(Item {
                        doc: doc.clone(),
                        kind: key.0.clone(),
                        text: format!("{}  gold {gfields}  pred {pfields}", key.1),
                        rule: rule.clone(),
                        lenient: true,
                    });
                }
            }
            let len_hit = strict.is_some() || lenient_hit(key, p.keys().copied());
            if len_hit {
                r.lenient += 1;
            }
            if strict.is_none() {
                out.misses.push(Item {
                    doc: doc.clone(),
                    kind: key.0.clone(),
                    text: key.1.clone(),
                    rule: String::new(),
                    lenient: len_hit,
                });
            }
        }
        for (key, (_, rule)) in &p {
            let r = rows.entry(key.0.clone()).or_default();
            r.pred += 1;
            let strict = g.mentions.contains_key(*key);
            let lenient = strict || lenient_hit(key, g.mentions.keys());
            if !lenient {
                r.lenient_fp += 1;
            }
            let rr = out.rules.entry(rule.clone()).or_default();
            rr.pred += 1;
            rr.strict += usize::from(strict);
            rr.lenient += usize::from(lenient);
            if !strict {
                out.false_positives.push(Item {
                    doc: doc.clone(),
                    kind: key.0.clone(),
                    text: key.1.clone(),
                    rule: rule.clone(),
                    lenient,
                });
            }
        }
        let grel: BTreeSet<&RelationKey> = g.relations.keys().collect();
        let prel: BTreeMap<&RelationKey, &String> =
            pd.relations.iter().filter(|(k, _)| !g.optional_relations.contains(*k)).collect();
        let r = rows.entry("relation".into()).or_default();
        r.gold += grel.len();
        r.pred += prel.len();
        let hits = prel.keys().filter(|k| grel.contains(*k)).count();
        r.strict += hits;
        r.lenient += hits;
        r.fields += hits;
        r.lenient_fp += prel.len() - hits;
        let show = |k: &RelationKey| format!("{}: {} → {}", k.0, k.1, k.2);
        for (k, rule) in &prel {
            let hit = grel.contains(*k);
            let rr = out.rules.entry((*rule).clone()).or_default();
            rr.pred += 1;
            rr.strict += usize::from(hit);
            rr.lenient += usize::from(hit);
            if !hit {
                out.false_positives.push(Item {
                    doc: doc.clone(),
                    kind: "relation".into(),
                    text: show(k),
                    rule: (*rule).clone(),
                    lenient: false,
                });
            }
        }
        for k in grel.iter().filter(|k| !prel.contains_key(*k)) {
            out.misses.push(Item {
                doc: doc.clone(),
                kind: "relation".into(),
                text: show(k),
                rule: String::new(),
                lenient: false,
            });
        }
    }
    for rr in out.rules.values_mut() {
        rr.precision = if rr.pred > 0 { rr.strict as f64 / rr.pred as f64 } else { 0.0 };
    }
    for (t, c) in &rows {
        let f = |x: usize| x as f64;
        let (sp, sr, sf) = prf(f(c.strict), f(c.pred) - f(c.strict), f(c.gold) - f(c.strict));
        let (lp, lr, lf) =
            prf(f(c.pred) - f(c.lenient_fp), f(c.lenient_fp), f(c.gold) - f(c.lenient));
        let (_, _, ff) = prf(f(c.fields), f(c.pred) - f(c.fields), f(c.gold) - f(c.fields));
        out.rows.insert(
            t.clone(),
            Row {
                gold: c.gold,
                pred: c.pred,
                strict_p: sp,
                strict_r: sr,
                strict_f1: sf,
                lenient_p: lp,
                lenient_r: lr,
                lenient_f1: lf,
                fields_f1: Some(ff),
            },
        );
    }
    let core: Vec<&Counts> = CORE.iter().filter_map(|t| rows.get(*t)).collect();
    let sum = |f: fn(&Counts) -> usize| core.iter().map(|c| f(c)).sum::<usize>() as f64;
    let (tp, gold, predn) = (sum(|c| c.strict), sum(|c| c.gold), sum(|c| c.pred));
    let (p, r, f1) = prf(tp, predn - tp, gold - tp);
    let ltp = sum(|c| c.pred - c.lenient_fp);
    let lhit = sum(|c| c.lenient);
    let (lp, _, _) = prf(ltp, predn - ltp, 0.0);
    let lr = if gold > 0.0 { lhit / gold } else { 0.0 };
    let lf = if lp + lr > 0.0 { 2.0 * lp * lr / (lp + lr) } else { 0.0 };
    out.rows.insert(
        "CORE".into(),
        Row {
            gold: gold as usize,
            pred: predn as usize,
            strict_p: p,
            strict_r: r,
            strict_f1: f1,
            lenient_p: lp,
            lenient_r: lr,
            lenient_f1: lf,
            fields_f1: None,
        },
    );
    out.false_positives.sort();
    out.misses.sort();
    out.field_errors.sort();
    out
}

/// The table as score.py prints it.
pub fn table(s: &Scores) -> String {
    let mut out = format!(
        "{:22} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}\n",
        "type", "gold", "pred", "P", "R", "F1", "lenF1", "fldF1"
    );
    let mut keys: Vec<&String> = s.rows.keys().collect();
    keys.sort_by_key(|k| (k.as_str() == "CORE", k.as_str()));
    for k in keys {
        let r = &s.rows[k];
        let fld = r.fields_f1.map_or_else(|| format!("{:>6}", "nan"), |f| format!("{f:6.3}"));
        out.push_str(&format!(
            "{:22} {:5} {:5} {:6.3} {:6.3} {:6.3} {:6.3} {}\n",
            k, r.gold, r.pred, r.strict_p, r.strict_r, r.strict_f1, r.lenient_f1, fld
        ));
    }
    out
}

/// The per-rule table: how many keys each rule produced and how many of
/// them the gold has.
pub fn rule_table(s: &Scores) -> String {
    let mut out =
        format!("{:28} {:>5} {:>6} {:>7} {:>6}\n", "rule", "pred", "strict", "lenient", "P");
    for (rule, r) in &s.rules {
        let name = if rule.is_empty() { "(none)" } else { rule.as_str() };
        out.push_str(&format!(
            "{:28} {:5} {:6} {:7} {:6.3}\n",
            name, r.pred, r.strict, r.lenient, r.precision
        ));
    }
    out
}

#[cfg(test)]
mod tests;
