//! The overlap policy, in one place.
//!
//! Two candidates conflict when they are in the same group (by default,
//! the same mention type) and their spans overlap. Among conflicting
//! candidates the winner is, in this order: the longer span (in bytes of
//! the normalized text), the higher rule priority, the rule that comes
//! first in pack order, the earlier start. Winners are chosen greedily in
//! that order, so the result does not depend on the order in which rules
//! ran.
//!
//! One exception: an organisation whose name begins another's, which names
//! it as its `parent` (翠峰小学 in 翠峰小学党支部), is a mention of its own
//! too, as ANNOTATION.md's gold counts it.

use std::collections::BTreeMap;
use std::ops::Range;
use tifa_model::Mention;

/// A match that may become a mention.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Global rule index (pack order, then rule order).
    pub rule: usize,
    /// Rule priority.
    pub priority: i32,
    /// Overlap group.
    pub group: usize,
    /// Where the rule was attempted (normalized bytes).
    pub pos: usize,
    /// The mention's span in normalized bytes.
    pub bytes: Range<usize>,
    /// The mention it makes.
    pub mention: Mention,
}

/// Returns which candidates win, and for each loser `(loser, winner,
/// reason)`.
pub fn resolve_overlaps(cands: &[Candidate]) -> (Vec<bool>, Vec<(usize, usize, &'static str)>) {
    let mut order: Vec<usize> = (0..cands.len()).collect();
    let key = |i: &usize| {
        let c = &cands[*i];
        (std::cmp::Reverse(c.bytes.len()), std::cmp::Reverse(c.priority), c.rule, c.bytes.start)
    };
    order.sort_by_key(key);
    let mut win = vec![false; cands.len()];
    // Accepted spans per group: start -> (end, candidate). They never
    // overlap, so the one with the greatest start before `c.end` is the
    // only one that can overlap `c`.
    let groups = cands.iter().map(|c| c.group + 1).max().unwrap_or(0);
    let mut accepted: Vec<BTreeMap<usize, (usize, usize)>> = vec![BTreeMap::new(); groups];
    let mut losses = Vec::new();
    for i in order {
        let c = &cands[i];
        let spans = &mut accepted[c.group];
        let rival = spans
            .range(..c.bytes.end)
            .next_back()
            .filter(|(_, (end, _))| *end > c.bytes.start)
            .map(|(_, (_, j))| *j);
        match rival {
            None => {
                win[i] = true;
                spans.insert(c.bytes.start, (c.bytes.end, i));
            }
            Some(j) if names_as_parent(&cands[j], c) => win[i] = true,
            Some(j) => {
                let w = &cands[j];
                let reason = if w.bytes.len() != c.bytes.len() {
                    "longer"
                } else if w.priority != c.priority {
                    "priority"
                } else {
                    "rule order"
                };
                losses.push((i, j, reason));
            }
        }
    }
    (win, losses)
}

/// Whether `w` is an organisation whose name begins with `c`'s and whose
/// `parent` field is `c`'s text (a branch and its school).
fn names_as_parent(w: &Candidate, c: &Candidate) -> bool {
    w.mention.kind == "Organization"
        && c.mention.kind == "Organization"
        && c.bytes.start == w.bytes.start
        && c.bytes.end < w.bytes.end
        && w.mention.fields.get("parent").and_then(|p| p.as_str()) == Some(c.mention.text.as_str())
}

/// The definition of [`apply_yields`]: every pair compared, in candidate
/// order (a dropped candidate no longer counts).
#[cfg(test)]
fn yield_pairwise(cands: &[Candidate], yield_to: &[&[String]], winners: &mut [bool]) {
    match KindBits::new(cands, yield_to) {
        Some(bits) => pairwise_by_bits(cands, &bits, winners),
        None => yield_by_name(cands, yield_to, winners),
    }
}

/// Kinds as bits (up to 64 kinds): candidates are compared without
/// comparing strings.
struct KindBits {
    /// Per candidate: its kind's bit.
    kind: Vec<u64>,
    /// Per candidate: the bits of the kinds it yields to.
    yields: Vec<u64>,
}

impl KindBits {
    fn new<'a>(cands: &'a [Candidate], yield_to: &[&'a [String]]) -> Option<KindBits> {
        let mut kinds: Vec<&str> = Vec::new();
        let mut bit = |k: &'a str| -> Option<u64> {
            let i = match kinds.iter().position(|&x| x == k) {
                Some(i) => i,
                None => {
                    kinds.push(k);
                    kinds.len() - 1
                }
            };
            (i < 64).then(|| 1u64 << i)
        };
        let kind = cands.iter().map(|c| bit(&c.mention.kind)).collect::<Option<_>>();
        let yields = yield_to
            .iter()
            .map(|t| t.iter().try_fold(0u64, |acc, k| Some(acc | bit(k)?)))
            .collect::<Option<_>>();
        Some(KindBits { kind: kind?, yields: yields? })
    }
}

fn pairwise_by_bits(cands: &[Candidate], bits: &KindBits, winners: &mut [bool]) {
    for i in 0..cands.len() {
        if !winners[i] || bits.yields[i] == 0 {
            continue;
        }
        let b = &cands[i].bytes;
        let inside = (0..cands.len()).any(|j| {
            j != i
                && winners[j]
                && bits.yields[i] & bits.kind[j] != 0
                && cands[j].bytes.start <= b.start
                && cands[j].bytes.end >= b.end
        });
        if inside {
            winners[i] = false;
        }
    }
}

/// [`yield_pairwise`] comparing kinds by name (more than 64 kinds).
fn yield_by_name(cands: &[Candidate], yield_to: &[&[String]], winners: &mut [bool]) {
    for i in 0..cands.len() {
        if !winners[i] || yield_to[i].is_empty() {
            continue;
        }
        let b = &cands[i].bytes;
        let inside = (0..cands.len()).any(|j| {
            j != i
                && winners[j]
                && yield_to[i].contains(&cands[j].mention.kind)
                && cands[j].bytes.start <= b.start
                && cands[j].bytes.end >= b.end
        });
        if inside {
            winners[i] = false;
        }
    }
}

/// Drops the winners of rules that yield to other types (`yield_to[i]` for
/// candidate `i`) that lie inside a winner of one of those types.
/// Candidates are taken in order and a dropped one no longer counts, so
/// when a type that yields is itself yielded to, the order matters and
/// every pair is compared; otherwise (the usual case) winners of the
/// yielded-to types never change, and each candidate is checked against
/// them by binary search: linear in the candidates, not quadratic.
pub fn apply_yields(cands: &[Candidate], yield_to: &[&[String]], winners: &mut [bool]) {
    let Some(bits) = KindBits::new(cands, yield_to) else {
        return yield_by_name(cands, yield_to, winners);
    };
    let targets = bits.yields.iter().fold(0, |acc, y| acc | y);
    if targets == 0 {
        return;
    }
    let chained = (0..cands.len()).any(|i| bits.yields[i] != 0 && targets & bits.kind[i] != 0);
    if chained {
        pairwise_by_bits(cands, &bits, winners);
        return;
    }
    // Per yielded-to kind (by bit number): its winners' spans sorted by
    // start, each end raised to the largest end so far, so one binary
    // search tells whether any contains a span.
    let mut spans: Vec<Vec<(usize, usize)>> = vec![Vec::new(); 64];
    for (i, c) in cands.iter().enumerate() {
        if winners[i] && targets & bits.kind[i] != 0 {
            spans[bits.kind[i].trailing_zeros() as usize].push((c.bytes.start, c.bytes.end));
        }
    }
    for v in &mut spans {
        v.sort_unstable();
        let mut max_end = 0;
        for s in v.iter_mut() {
            max_end = max_end.max(s.1);
            s.1 = max_end;
        }
    }
    for i in 0..cands.len() {
        if !winners[i] || bits.yields[i] == 0 {
            continue;
        }
        let b = &cands[i].bytes;
        let mut y = bits.yields[i];
        let mut inside = false;
        while y != 0 && !inside {
            let v = &spans[y.trailing_zeros() as usize];
            y &= y - 1;
            let n = v.partition_point(|s| s.0 <= b.start);
            inside = n > 0 && v[n - 1].1 >= b.end;
        }
        if inside {
            winners[i] = false;
        }
    }
}

/// Separators between the items of a list (“一校一特色、一支部一品牌”).
const LIST_SEPARATORS: &[char] = &['、', '，', ',', '和', '及', '与', ' '];

/// A quoted list is one name only when its items are not names
/// themselves: a winner that yields to some kinds is dropped when two or
/// more winners of those kinds lie inside it and nothing but list
/// separators of `text` (the normalized text) is left between them
/// (“一校一特色、一支部一品牌” is two formulations, not a program).
pub fn apply_list_yields(
    text: &str,
    cands: &[Candidate],
    yield_to: &[&[String]],
    winners: &mut [bool],
) {
    for i in 0..cands.len() {
        let b = &cands[i].bytes;
        if !winners[i] || yield_to[i].is_empty() || !text[b.clone()].contains('、') {
            continue;
        }
        let mut inner: Vec<Range<usize>> = cands
            .iter()
            .enumerate()
            .filter(|&(j, c)| {
                j != i
                    && winners[j]
                    && yield_to[i].contains(&c.mention.kind)
                    && b.start <= c.bytes.start
                    && c.bytes.end <= b.end
            })
            .map(|(_, c)| c.bytes.clone())
            .collect();
        if inner.len() < 2 {
            continue;
        }
        inner.sort_unstable_by_key(|r| (r.start, r.end));
        let mut at = b.start;
        let mut only_separators = true;
        for r in inner.iter().chain(std::iter::once(&(b.end..b.end))) {
            if r.start > at {
                only_separators &= text[at..r.start].chars().all(|c| LIST_SEPARATORS.contains(&c));
            }
            at = at.max(r.end);
        }
        if only_separators {
            winners[i] = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(kind: &str, start: usize, end: usize) -> Candidate {
        Candidate {
            rule: 0,
            priority: 0,
            // One overlap group per kind, as the default pack has it.
            group: ["Program", "Organization", "Designation"]
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(3),
            pos: start,
            bytes: start..end,
            mention: Mention {
                doc: "d".into(),
                kind: kind.into(),
                text: String::new(),
                start,
                end,
                rule: "r".into(),
                fields: Default::default(),
            },
        }
    }

    #[test]
    fn an_organisation_named_as_the_parent_in_a_longer_name_stays() {
        let named = |text: &str, start, end, parent: Option<&str>| {
            let mut c = cand("Organization", start, end);
            c.mention.text = text.into();
            if let Some(p) = parent {
                c.mention.fields.insert("parent".into(), p.into());
            }
            c
        };
        let cands = vec![
            // 翠峰小学党支部, parent 翠峰小学: the school stays.
            named("翠峰小学党支部", 0, 21, Some("翠峰小学")),
            named("翠峰小学", 0, 12, None),
            // Not its parent, or not at its start: the longer one wins.
            named("峰小学", 3, 12, None),
            named("城关小学党支部", 30, 51, Some("城关区")),
            named("城关小学", 30, 42, None),
        ];
        let (win, losses) = resolve_overlaps(&cands);
        assert_eq!(win, [true, true, false, true, false]);
        assert_eq!(losses.len(), 2);
    }

    #[test]
    fn yields_by_binary_search_match_the_pairwise_definition() {
        let org = vec!["Organization".to_string()];
        let both = vec!["Organization".to_string(), "Designation".to_string()];
        // Programs yield to organisations and designations; spans nest,
        // touch and overlap in every way, some candidates already lost.
        let cands: Vec<Candidate> = vec![
            cand("Program", 0, 4),
            cand("Organization", 0, 10),
            cand("Program", 5, 10),
            cand("Program", 9, 12),
            cand("Designation", 11, 20),
            cand("Program", 12, 20),
            cand("Organization", 14, 16),
            cand("Program", 14, 15),
            cand("Program", 21, 25),
            cand("Organization", 20, 30),
        ];
        let yields: Vec<&[String]> = cands
            .iter()
            .enumerate()
            .map(|(i, c)| match c.mention.kind.as_str() {
                "Program" if i % 2 == 0 => both.as_slice(),
                "Program" => org.as_slice(),
                _ => &[][..],
            })
            .collect();
        for lost in [vec![], vec![1], vec![4, 9], vec![2, 6]] {
            let start: Vec<bool> = (0..cands.len()).map(|i| !lost.contains(&i)).collect();
            let (mut fast, mut slow) = (start.clone(), start.clone());
            apply_yields(&cands, &yields, &mut fast);
            yield_pairwise(&cands, &yields, &mut slow);
            assert_eq!(fast, slow, "lost {lost:?}");
            let mut by_name = start.clone();
            yield_by_name(&cands, &yields, &mut by_name);
            assert_eq!(by_name, slow, "lost {lost:?}");
            assert_ne!(fast, start, "something yields when {lost:?} lost");
        }
        // A chain (a yielded-to type that yields itself) takes the pairwise path.
        let mut chained = yields.clone();
        chained[1] = both.as_slice();
        let (mut fast, mut slow) = (vec![true; cands.len()], vec![true; cands.len()]);
        apply_yields(&cands, &chained, &mut fast);
        yield_pairwise(&cands, &chained, &mut slow);
        assert_eq!(fast, slow);
        let mut by_name = vec![true; cands.len()];
        yield_by_name(&cands, &chained, &mut by_name);
        assert_eq!(by_name, slow);
        assert!(slow.iter().any(|w| !w));
    }

    #[test]
    fn a_list_of_formulations_is_no_program() {
        let mut list = cand("Program", 0, 0);
        let text = "一校一特色、一支部一品牌";
        list.bytes = 0..text.len();
        let first = cand("OnePerFormulation", 0, "一校一特色".len());
        let second = cand("OnePerFormulation", "一校一特色、".len(), text.len());
        let yields = vec!["OnePerFormulation".to_string()];
        let y: Vec<&[String]> = vec![&yields, &[], &[]];
        let mut winners = vec![true; 3];
        apply_list_yields(text, &[list.clone(), first.clone(), second], &y, &mut winners);
        assert_eq!(winners, [false, true, true]);
        // One item that is no formulation keeps the list a name.
        let text = "一校一特色、亮身份";
        list.bytes = 0..text.len();
        let third = cand("OnePerFormulation", "一校一特色、".len(), "一校一特色、亮".len());
        let mut winners = vec![true; 3];
        apply_list_yields(text, &[list, first, third], &y, &mut winners);
        assert_eq!(winners, [true, true, true]);
    }
}
