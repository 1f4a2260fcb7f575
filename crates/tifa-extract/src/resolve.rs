//! The overlap policy, in one place.
//!
//! Two candidates conflict when they are in the same group (by default,
//! the same mention type) and their spans overlap. Among conflicting
//! candidates the winner is, in this order: the longer span (in bytes of
//! the normalized text), the higher rule priority, the rule that comes
//! first in pack order, the earlier start. Winners are chosen greedily in
//! that order, so the result does not depend on the order in which rules
//! ran.

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
    pub group: String,
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
    let mut accepted: BTreeMap<&str, BTreeMap<usize, (usize, usize)>> = BTreeMap::new();
    let mut losses = Vec::new();
    for i in order {
        let c = &cands[i];
        let spans = accepted.entry(c.group.as_str()).or_default();
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
