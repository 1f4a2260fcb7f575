//! `tifa rules diff --before DIR --after DIR CORPUS`: what a rule change
//! does to the output on a corpus.
//!
//! Both sides extract every document; records present on one side only
//! are printed as removed (`-`) or added (`+`). A removed and an added
//! mention of the same type whose spans overlap (the same span first) are
//! paired as changed (`~`): the same thing found by another rule, with
//! other fields or with other bounds.

use crate::cli::{DiffArgs, PackArgs};
use crate::input::discover;
use crate::{packs, Status};
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use tifa_extract::Extractor;
use tifa_model::{Extraction, Mention, Relation};

/// The differences in one document, in text order.
#[derive(Debug, Default, PartialEq)]
pub struct DocDiff {
    /// Mentions only before.
    pub removed: Vec<Mention>,
    /// Mentions only after.
    pub added: Vec<Mention>,
    /// Same type and overlapping spans, something else differs: (before, after).
    pub changed: Vec<(Mention, Mention)>,
    /// Relations only before.
    pub removed_relations: Vec<Relation>,
    /// Relations only after.
    pub added_relations: Vec<Relation>,
}

fn key<T: serde::Serialize>(x: &T) -> String {
    serde_json::to_string(x).unwrap_or_default()
}

/// The records of `a` that are not in `b`, in `a`'s order.
fn minus<T: serde::Serialize + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let in_b: BTreeSet<String> = b.iter().map(key).collect();
    a.iter().filter(|x| !in_b.contains(&key(x))).cloned().collect()
}

/// Compares the extractions of one document.
pub fn diff(before: &Extraction, after: &Extraction) -> DocDiff {
    let mut removed = minus(&before.mentions, &after.mentions);
    let mut added = minus(&after.mentions, &before.mentions);
    let mut changed = Vec::new();
    let same_place =
        |a: &Mention, b: &Mention| (a.start, a.end, &a.kind) == (b.start, b.end, &b.kind);
    let overlapping =
        |a: &Mention, b: &Mention| a.kind == b.kind && a.start < b.end && b.start < a.end;
    // Exact places first, then overlapping spans of the same type.
    for paired in [&same_place as &dyn Fn(&Mention, &Mention) -> bool, &overlapping] {
        removed.retain(|r| match added.iter().position(|a| paired(r, a)) {
            Some(i) => {
                changed.push((r.clone(), added.remove(i)));
                false
            }
            None => true,
        });
    }
    changed.sort_by_key(|(b, _)| (b.start, b.end));
    DocDiff {
        removed,
        added,
        changed,
        removed_relations: minus(&before.relations, &after.relations),
        added_relations: minus(&after.relations, &before.relations),
    }
}

fn show_mention(m: &Mention) -> String {
    format!(
        "{} {}..{} {} {:?} [{}] {}",
        m.doc,
        m.start,
        m.end,
        m.kind,
        m.text,
        m.rule,
        serde_json::to_string(&m.fields).unwrap_or_default()
    )
}

fn show_relation(r: &Relation) -> String {
    format!(
        "{} {}..{} relation {} {} → {} [{}]",
        r.doc, r.start, r.end, r.rel, r.from, r.to, r.rule
    )
}

fn tagged<T: serde::Serialize>(change: &str, x: &T) -> Value {
    let mut v = serde_json::to_value(x).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("change".to_string(), Value::String(change.to_string()));
    }
    v
}

fn side(dirs: &[std::path::PathBuf], a: &DiffArgs) -> PackArgs {
    PackArgs {
        rules: dirs.to_vec(),
        grammars: a.grammars.clone(),
        no_default_rules: !a.with_default_rules,
    }
}

/// Runs `tifa rules diff`.
pub fn run(a: DiffArgs) -> Result<Status> {
    let before_packs =
        packs::load_all(&side(&a.before, &a)).context("loading the --before packs")?;
    let after_packs = packs::load_all(&side(&a.after, &a)).context("loading the --after packs")?;
    let (before, after) = (Extractor::new(&before_packs), Extractor::new(&after_packs));
    let (inputs, errors) = discover(&a.paths, "-");
    for e in &errors {
        eprintln!("tifa: error: {e}");
    }
    let diffs: Vec<Result<DocDiff, String>> = inputs
        .par_iter()
        .map(|input| {
            let bytes = input.read().map_err(|e| format!("{}: cannot read: {e}", input.shown()))?;
            let text = tifa_text::decode(&bytes)
                .map_err(|e| format!("{}: skipped: {e}", input.shown()))?
                .text;
            let doc = input.doc_name();
            Ok(diff(&before.extract(&doc, &text), &after.extract(&doc, &text)))
        })
        .collect();

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut added, mut removed, mut changed, mut radded, mut rremoved) = (0, 0, 0, 0, 0);
    for d in diffs {
        let d = match d {
            Ok(d) => d,
            Err(msg) => {
                eprintln!("tifa: warning: {msg}");
                continue;
            }
        };
        added += d.added.len();
        removed += d.removed.len();
        changed += d.changed.len();
        radded += d.added_relations.len();
        rremoved += d.removed_relations.len();
        // One stream in text order: removed before added at the same place.
        let mut lines: Vec<((usize, usize, u8), String)> = Vec::new();
        for m in &d.removed {
            let l = if a.json {
                tagged("removed", m).to_string()
            } else {
                format!("- {}", show_mention(m))
            };
            lines.push(((m.start, m.end, 0), l));
        }
        for (b, n) in &d.changed {
            let l = if a.json {
                json!({"change": "changed", "before": b, "after": n}).to_string()
            } else {
                format!("~ {}\n  → {}", show_mention(b), show_mention(n))
            };
            lines.push(((b.start, b.end, 1), l));
        }
        for m in &d.added {
            let l = if a.json {
                tagged("added", m).to_string()
            } else {
                format!("+ {}", show_mention(m))
            };
            lines.push(((m.start, m.end, 2), l));
        }
        for r in &d.removed_relations {
            let l = if a.json {
                tagged("removed", r).to_string()
            } else {
                format!("- {}", show_relation(r))
            };
            lines.push(((r.start, r.end, 3), l));
        }
        for r in &d.added_relations {
            let l = if a.json {
                tagged("added", r).to_string()
            } else {
                format!("+ {}", show_relation(r))
            };
            lines.push(((r.start, r.end, 4), l));
        }
        lines.sort();
        for (_, l) in lines {
            writeln!(out, "{l}")?;
        }
    }
    let summary = format!(
        "{added} mention(s) added, {removed} removed, {changed} changed; {radded} relation(s) added, {rremoved} removed"
    );
    if a.json {
        eprintln!("tifa: {summary}");
    } else {
        writeln!(out, "{summary}")?;
    }
    out.flush()?;
    Ok(if !errors.is_empty() {
        Status::Error
    } else if added + removed + changed + radded + rremoved > 0 {
        Status::Found
    } else {
        Status::Nothing
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tifa_model::Fields;

    fn m(start: usize, text: &str, rule: &str, level: i64) -> Mention {
        let mut fields = Fields::new();
        fields.insert("level".into(), level.into());
        Mention {
            doc: "d".into(),
            kind: "StarRating".into(),
            text: text.into(),
            start,
            end: start + text.chars().count(),
            rule: rule.into(),
            fields,
        }
    }

    #[test]
    fn records_on_one_side_are_added_or_removed_and_same_places_are_changed() {
        let before = Extraction {
            mentions: vec![
                m(0, "五星级", "a", 5),
                m(10, "四星级", "a", 4),
                m(20, "三星级", "a", 3),
            ],
            ..Default::default()
        };
        let after = Extraction {
            mentions: vec![
                m(0, "五星级", "a", 5),
                m(10, "四星级", "b", 4),
                m(30, "二星级", "a", 2),
            ],
            ..Default::default()
        };
        let d = diff(&before, &after);
        assert_eq!(d.removed, vec![m(20, "三星级", "a", 3)]);
        assert_eq!(d.added, vec![m(30, "二星级", "a", 2)]);
        assert_eq!(d.changed, vec![(m(10, "四星级", "a", 4), m(10, "四星级", "b", 4))]);
        assert_eq!(diff(&before, &before), DocDiff::default());

        // Overlapping spans of one type pair up too; other types do not.
        let longer =
            Extraction { mentions: vec![m(0, "五星级党支部", "a", 5)], ..Default::default() };
        let d = diff(&longer, &before);
        assert_eq!(d.changed, vec![(m(0, "五星级党支部", "a", 5), m(0, "五星级", "a", 5))]);
        assert_eq!(d.added.len(), 2);
        let mut other = m(0, "五星级", "a", 5);
        other.kind = "Designation".into();
        let d = diff(&longer, &Extraction { mentions: vec![other], ..Default::default() });
        assert!(d.changed.is_empty());
        assert_eq!((d.removed.len(), d.added.len()), (1, 1));
    }
}
