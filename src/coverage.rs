//! `tifa rules coverage CORPUS`: which rules fire on a corpus, how often
//! and in how many documents, how often their matches lose an overlap,
//! which never fire, and *near misses*.
//!
//! A near miss of a rule is a sentence where one of the rule's anchors
//! occurs (so the rule was tried there) but no mention of any rule covers
//! or touches that occurrence: the best place to look for a pattern the
//! pack lacks. Those where the rule got furthest before failing are shown
//! first, with what it expected there.
//! Lexicon rules and rules without anchors have no near misses.

use crate::cli::CoverageArgs;
use crate::input::discover;
use crate::{packs, Status};
use aho_corasick::AhoCorasick;
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use tifa_extract::{Extractor, Outcome};
use tifa_rules::{Anchors, Pack};
use tifa_text::{sentences, NormText};

/// Characters of context shown on each side of a near miss's anchor.
const CONTEXT: usize = 24;

/// One rule's line of the report.
#[derive(Debug, Default, Serialize)]
pub struct RuleCoverage {
    /// Rule id.
    pub rule: String,
    /// Mention type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Mentions it made (after overlap resolution).
    pub hits: usize,
    /// Documents with at least one of them.
    pub docs: usize,
    /// Matches that lost an overlap to another rule's (`tifa explain` says why).
    pub lost: usize,
    /// Sentences with an uncovered anchor of the rule.
    pub near_miss_count: usize,
    /// The first of them: where the rule got furthest, then in corpus order.
    pub near_misses: Vec<NearMiss>,
}

/// A sentence with an anchor of a rule that no mention covers.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct NearMiss {
    /// Document name.
    pub doc: String,
    /// Character offset of the anchor in the original document.
    pub start: usize,
    /// The anchor found there, as the document writes it.
    pub anchor: String,
    /// The sentence around it, with the anchor in [brackets].
    pub context: String,
    /// How many characters the rule's best attempt in the sentence
    /// matched before it failed: near misses that got furthest come first.
    pub got: usize,
    /// What that attempt expected where it failed.
    pub expected: Vec<String>,
}

/// What one document contributes.
#[derive(Default)]
struct DocCoverage {
    /// Global rule index → mentions.
    hits: BTreeMap<usize, usize>,
    /// Global rule index → matches that lost an overlap.
    lost: BTreeMap<usize, usize>,
    /// Global rule index → near misses, one per sentence (the furthest
    /// `--examples` of them once counted).
    near: BTreeMap<usize, Vec<NearMiss>>,
    /// Global rule index → how many near misses there were.
    near_count: BTreeMap<usize, usize>,
}

/// The rules of all packs in order, with their anchor automaton.
struct Anchored<'p> {
    rules: Vec<&'p tifa_rules::Rule>,
    ac: Option<AhoCorasick>,
    /// Pattern → rules (global indices) that have it as an anchor.
    by_pattern: Vec<Vec<usize>>,
}

impl<'p> Anchored<'p> {
    fn new(packs: &'p [Pack]) -> Self {
        let rules: Vec<&tifa_rules::Rule> = packs.iter().flat_map(|p| &p.rules).collect();
        let mut ids: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (g, r) in rules.iter().enumerate() {
            if r.lexicon.is_some() {
                continue;
            }
            if let Anchors::Literals { literals, .. } = &r.anchors {
                for l in literals.iter().filter(|l| !l.is_empty()) {
                    ids.entry(l.clone()).or_default().push(g);
                }
            }
        }
        let (patterns, by_pattern): (Vec<String>, Vec<Vec<usize>>) = ids.into_iter().unzip();
        let ac = (!patterns.is_empty()).then(|| AhoCorasick::new(&patterns).ok()).flatten();
        Anchored { rules, ac, by_pattern }
    }
}

/// A failed attempt: where it started, how many characters it got, what
/// it expected there.
type FailedAttempt<'a> = (usize, usize, &'a [String]);

/// An expected token as it can be read on one line: quoted when it is
/// (or starts or ends with) white space, or holds a control character.
pub(crate) fn token(t: &str) -> String {
    if t.trim() != t || t.is_empty() || t.chars().any(char::is_control) {
        format!("{t:?}")
    } else {
        t.to_string()
    }
}

/// Mention spans, for "does any of them cover or touch s..e" in log time.
struct Spans {
    /// Sorted by start.
    spans: Vec<(usize, usize)>,
    /// `max_end[i]`: the largest end among `spans[..=i]`.
    max_end: Vec<usize>,
}

impl Spans {
    fn new(mut spans: Vec<(usize, usize)>) -> Self {
        spans.sort_unstable();
        let max_end = spans
            .iter()
            .scan(0, |m, &(_, e)| {
                *m = e.max(*m);
                Some(*m)
            })
            .collect();
        Spans { spans, max_end }
    }

    /// Whether a span starts at or before `e` and ends at or after `s`.
    fn touches(&self, s: usize, e: usize) -> bool {
        let n = self.spans.partition_point(|&(start, _)| start <= e);
        n > 0 && self.max_end[n - 1] >= s
    }
}

fn doc_coverage(ex: &Extractor<'_>, an: &Anchored<'_>, doc: &str, text: &str) -> DocCoverage {
    // `explain` gives the same mentions as `extract`, plus every attempt.
    let exp = ex.explain(doc, text);
    let out = &exp.extraction;
    // Rule id → (attempt start, how far it got, what it expected), failures only.
    let mut failures: BTreeMap<&str, Vec<FailedAttempt<'_>>> = BTreeMap::new();
    for t in &exp.attempts {
        if let Outcome::Failed { at, expected } = &t.outcome {
            failures.entry(t.rule.as_str()).or_default().push((
                t.at,
                at.saturating_sub(t.at),
                expected,
            ));
        }
    }
    let index: BTreeMap<&str, usize> =
        an.rules.iter().enumerate().map(|(g, r)| (r.id.as_str(), g)).collect();
    let mut cov = DocCoverage::default();
    for m in &out.mentions {
        if let Some(&g) = index.get(m.rule.as_str()) {
            *cov.hits.entry(g).or_default() += 1;
        }
    }
    for l in &exp.losses {
        if let Some(&g) = index.get(l.loser.rule.as_str()) {
            *cov.lost.entry(g).or_default() += 1;
        }
    }
    let spans = Spans::new(out.mentions.iter().map(|m| (m.start, m.end)).collect());
    let Some(ac) = &an.ac else { return cov };
    let norm = NormText::new(text);
    let t = norm.text();
    for sent in sentences(t) {
        let (ss, se) = norm.original_span(sent.clone());
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        for hit in ac.find_overlapping_iter(&t[sent.clone()]) {
            let (a, b) = (sent.start + hit.start(), sent.start + hit.end());
            let (s, e) = norm.original_span(a..b);
            // Touching counts: quote marks anchor rules whose mentions
            // leave the quotes out.
            if spans.touches(s, e) {
                continue;
            }
            for &g in &an.by_pattern[hit.pattern().as_usize()] {
                if !seen.insert(g) {
                    continue;
                }
                let before: String = {
                    let chars: Vec<char> = t[sent.start..a].chars().collect();
                    let from = chars.len().saturating_sub(CONTEXT);
                    let lead = if from > 0 { "…" } else { "" };
                    format!("{lead}{}", chars[from..].iter().collect::<String>())
                };
                let after: String = {
                    let rest = &t[b..sent.end];
                    let more = rest.chars().count() > CONTEXT;
                    let s: String = rest.chars().take(CONTEXT).collect();
                    if more {
                        format!("{s}…")
                    } else {
                        s
                    }
                };
                let best = failures
                    .get(an.rules[g].id.as_str())
                    .into_iter()
                    .flatten()
                    .filter(|(at, _, _)| (ss..se).contains(at))
                    .max_by_key(|(_, got, _)| *got);
                // The anchor as the document writes it (traditional
                // characters, full-width forms), so that `start` finds it.
                let anchor = norm.surface(a..b);
                cov.near.entry(g).or_default().push(NearMiss {
                    doc: doc.to_string(),
                    start: s,
                    context: format!("{before}[{anchor}]{after}"),
                    anchor,
                    got: best.map_or(0, |b| b.1),
                    expected: best.map(|b| b.2.to_vec()).unwrap_or_default(),
                });
            }
        }
    }
    cov
}

/// Runs `tifa rules coverage`.
pub fn run(a: CoverageArgs) -> Result<Status> {
    let packs = packs::load_all(&a.packs)?;
    tifa_rules::set_detailed_failures(true);
    let ex = Extractor::new(&packs);
    let an = Anchored::new(&packs);
    let (inputs, errors) = discover(&a.paths, "-");
    for e in &errors {
        eprintln!("tifa: error: {e}");
    }
    let mut report: Vec<RuleCoverage> = an
        .rules
        .iter()
        .map(|r| RuleCoverage { rule: r.id.clone(), kind: r.kind.clone(), ..Default::default() })
        .collect();
    let mut docs = 0;
    // Chunks of documents in parallel, merged in input order: memory holds
    // one chunk, and the report never depends on scheduling.
    let chunk = (rayon::current_num_threads() * 8).max(8);
    for group in inputs.chunks(chunk) {
        let per_doc: Vec<Result<DocCoverage, String>> = group
            .par_iter()
            .map(|input| {
                let bytes =
                    input.read().map_err(|e| format!("{}: cannot read: {e}", input.shown()))?;
                let text = tifa_text::decode(&bytes)
                    .map_err(|e| format!("{}: skipped: {e}", input.shown()))?
                    .text;
                let mut d = doc_coverage(&ex, &an, &input.doc_name(), &text);
                for (g, v) in &mut d.near {
                    d.near_count.insert(*g, v.len());
                    v.sort_by_key(|m| std::cmp::Reverse(m.got));
                    v.truncate(a.examples);
                }
                Ok(d)
            })
            .collect();
        for d in per_doc {
            let d = match d {
                Ok(d) => d,
                Err(msg) => {
                    eprintln!("tifa: warning: {msg}");
                    continue;
                }
            };
            docs += 1;
            for (g, n) in d.hits {
                report[g].hits += n;
                report[g].docs += 1;
            }
            for (g, n) in d.lost {
                report[g].lost += n;
            }
            for (g, n) in d.near_count {
                report[g].near_miss_count += n;
            }
            for (g, v) in d.near {
                // Furthest first; a stable sort keeps corpus order among equals.
                let kept = &mut report[g].near_misses;
                kept.extend(v);
                kept.sort_by_key(|m| std::cmp::Reverse(m.got));
                kept.truncate(a.examples);
            }
        }
    }

    let mut out = std::io::stdout().lock();
    let never: Vec<&str> = report.iter().filter(|r| r.hits == 0).map(|r| r.rule.as_str()).collect();
    if a.json {
        let doc = serde_json::json!({ "documents": docs, "rules": report, "never_fired": never });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?).context("writing output")?;
    } else {
        writeln!(out, "{docs} document(s)")?;
        writeln!(
            out,
            "{:<28} {:<20} {:>6} {:>5} {:>5} {:>11}",
            "rule", "type", "hits", "docs", "lost", "near misses"
        )?;
        for r in &report {
            writeln!(
                out,
                "{:<28} {:<20} {:>6} {:>5} {:>5} {:>11}",
                r.rule, r.kind, r.hits, r.docs, r.lost, r.near_miss_count
            )?;
        }
        writeln!(out, "never fired ({}): {}", never.len(), never.join(", "))?;
        writeln!(
            out,
            "near misses (sentences where a rule's anchor occurs but no mention covers it):"
        )?;
        for r in report.iter().filter(|r| r.near_miss_count > 0) {
            writeln!(out, "  {} ({} sentence(s)):", r.rule, r.near_miss_count)?;
            for m in &r.near_misses {
                writeln!(out, "    {}:{}  {}", m.doc, m.start, m.context)?;
                if m.got > 0 {
                    writeln!(
                        out,
                        "      got {} character(s), then expected {}",
                        m.got,
                        if m.expected.is_empty() {
                            "nothing more".to_string()
                        } else {
                            m.expected.iter().map(|e| token(e)).collect::<Vec<_>>().join(", ")
                        }
                    )?;
                }
            }
        }
    }
    out.flush()?;
    Ok(if !errors.is_empty() {
        Status::Error
    } else if report.iter().any(|r| r.hits > 0) {
        Status::Found
    } else {
        Status::Nothing
    })
}

#[cfg(test)]
mod tests {
    use super::Spans;

    #[test]
    fn spans_know_what_they_cover_or_touch() {
        let sp = Spans::new(vec![(10, 20), (2, 4), (12, 14)]);
        let naive = |s: usize, e: usize| sp.spans.iter().any(|&(ms, me)| ms <= e && me >= s);
        for s in 0..25 {
            for e in s..25 {
                assert_eq!(sp.touches(s, e), naive(s, e), "{s}..{e}");
            }
        }
        assert!(!sp.touches(5, 9));
        assert!(sp.touches(4, 5));
        assert!(!Spans::new(vec![]).touches(0, 3));
    }
}
