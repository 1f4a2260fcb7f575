//! Literal anchors derived from a grammar.
//!
//! A rule is only attempted near text that can start one of its matches.
//! For each rule we derive a set of literal strings such that *every*
//! match contains one of them, beginning at most `lookback` characters
//! after the start of the match. Extraction finds all anchors of all rules
//! with one Aho-Corasick pass and tries a rule at the positions from
//! `anchor - lookback` up to the anchor: this is sound (no match is missed)
//! as long as the analysis below only ever claims literals that really are
//! required.

use pest_meta::optimizer::{OptimizedExpr, OptimizedRule};
use std::collections::{BTreeSet, HashMap};

/// Where a rule is attempted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchors {
    /// At `anchor_start - lookback ..= anchor_start` for each occurrence of
    /// one of `literals` (character counts).
    Literals {
        /// Every match contains one of these.
        literals: BTreeSet<String>,
        /// The most characters a match can start before its anchor.
        lookback: usize,
    },
    /// At every character: no anchor could be derived or declared.
    Everywhere,
}

/// Range expressions with at most this many characters become single-char
/// anchors (`'0'..'9'`); wider ones (`'\u{4E00}'..'\u{9FFF}'`) give none.
const MAX_RANGE_ANCHORS: u32 = 64;

#[derive(Clone, Debug)]
struct Info {
    /// Longest match, in characters; `None` when unbounded.
    max_len: Option<usize>,
    /// Required literals and their look-back.
    req: Option<(BTreeSet<String>, usize)>,
    /// Every string a match can be, when there are few ([`MAX_LANG`]);
    /// predicates count as the empty string (a superset is sound).
    lang: Option<BTreeSet<String>>,
}

/// The most strings a finite language is tracked with.
const MAX_LANG: usize = 64;

/// Every `a + b` for `a` in `l` and `b` in `r`, if there are few.
fn product(l: &BTreeSet<String>, r: &BTreeSet<String>) -> Option<BTreeSet<String>> {
    (l.len() * r.len() <= MAX_LANG)
        .then(|| l.iter().flat_map(|a| r.iter().map(move |b| format!("{a}{b}"))).collect())
}

/// The length in characters of the shortest literal of a set.
fn min_len(s: &BTreeSet<String>) -> usize {
    s.iter().map(|l| l.chars().count()).min().unwrap_or(0)
}

/// Derives the anchors of `rule` in `rules`.
pub fn derive(rule: &str, rules: &[OptimizedRule]) -> Anchors {
    Analyses::new(rules).derive(rule)
}

/// [`derive`] and [`requirements`] for many rules of one grammar, sharing
/// what they find out about the rules those call (a pack's rules call the
/// same shared rules; each analysed anew took 14 ms of loading). Only
/// what was found without meeting a recursion is kept from one rule to
/// the next (a recursive call counts as unknown, so what is found below
/// it depends on where the analysis began): results are those of
/// [`derive`] and [`requirements`] run alone.
pub struct Analyses<'r> {
    analyzer: Analyzer<'r>,
    requirer: Requirer<'r>,
}

impl<'r> Analyses<'r> {
    /// Analyses of `rules`' rules.
    pub fn new(rules: &'r [OptimizedRule]) -> Self {
        let by_name: HashMap<&str, &OptimizedRule> =
            rules.iter().map(|r| (r.name.as_str(), r)).collect();
        Analyses {
            analyzer: Analyzer { rules: by_name.clone(), memo: Memo::default() },
            requirer: Requirer { rules: by_name, memo: Memo::default() },
        }
    }

    /// [`derive`] for `rule`.
    pub fn derive(&mut self, rule: &str) -> Anchors {
        let info = self.analyzer.rule(rule);
        self.analyzer.memo.finish();
        match info.req {
            Some((literals, lookback)) => Anchors::Literals { literals, lookback },
            None => Anchors::Everywhere,
        }
    }

    /// [`requirements`] for `rule`.
    pub fn requirements(&mut self, rule: &str) -> Vec<BTreeSet<String>> {
        let mut sets = self.requirer.rule(rule);
        self.requirer.memo.finish();
        sets.sort();
        sets.dedup();
        sets
    }
}

/// Each rule's analysis, and the rules being analysed (a call back to one
/// of them is a recursion, and claims nothing).
struct Memo<T> {
    /// Each rule's result, and whether it met no recursion (then it holds
    /// wherever the rule is called from).
    done: HashMap<String, (T, bool)>,
    active: BTreeSet<String>,
    /// A recursion was met since the rule being analysed began.
    cut: bool,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo { done: HashMap::new(), active: BTreeSet::new(), cut: false }
    }
}

impl<T: Clone> Memo<T> {
    /// The result for `name`, if known.
    fn get(&mut self, name: &str) -> Option<T> {
        let (result, clean) = self.done.get(name)?;
        self.cut |= !clean;
        Some(result.clone())
    }

    /// Begins `name`: `None` if it is already being analysed (a
    /// recursion), else what [`Memo::leave`] needs back.
    fn enter(&mut self, name: &str) -> Option<bool> {
        if !self.active.insert(name.to_string()) {
            self.cut = true;
            return None;
        }
        Some(std::mem::replace(&mut self.cut, false))
    }

    /// Ends `name` with `result`.
    fn leave(&mut self, name: &str, outer: bool, result: &T) {
        let clean = !self.cut;
        self.cut |= outer;
        self.active.remove(name);
        self.done.insert(name.to_string(), (result.clone(), clean));
    }

    /// After a top-level rule: keeps only what met no recursion.
    fn finish(&mut self) {
        self.done.retain(|_, (_, clean)| *clean);
        self.cut = false;
    }
}

struct Analyzer<'r> {
    rules: HashMap<&'r str, &'r OptimizedRule>,
    memo: Memo<Info>,
}

fn unknown() -> Info {
    Info { max_len: None, req: None, lang: None }
}

/// Which of two required-literal sets makes better anchors: fewer false
/// candidates come from longer literals; then prefer a shorter look-back.
fn better(a: &(BTreeSet<String>, usize), b: &(BTreeSet<String>, usize)) -> bool {
    let ka = (min_len(&a.0), std::cmp::Reverse(a.0.len()), std::cmp::Reverse(a.1));
    let kb = (min_len(&b.0), std::cmp::Reverse(b.0.len()), std::cmp::Reverse(b.1));
    ka >= kb
}

impl Analyzer<'_> {
    fn rule(&mut self, name: &str) -> Info {
        if let Some(info) = self.memo.get(name) {
            return info;
        }
        let Some(rule) = self.rules.get(name).copied() else {
            // Built-ins (ANY, ASCII_DIGIT, unicode classes): one character
            // at most, or nothing (SOI, EOI, stack operations).
            let max_len = match name {
                "SOI" | "EOI" | "DROP" => Some(0),
                "PEEK" | "PEEK_ALL" | "POP" | "POP_ALL" => None,
                "NEWLINE" => Some(2),
                _ => Some(1),
            };
            return Info { max_len, req: None, lang: None };
        };
        let Some(outer) = self.memo.enter(name) else {
            return unknown(); // recursion: claim nothing
        };
        let info = self.expr(&rule.expr);
        self.memo.leave(name, outer, &info);
        info
    }

    fn expr(&mut self, e: &OptimizedExpr) -> Info {
        match e {
            OptimizedExpr::Str(s) => {
                let n = s.chars().count();
                let req = (n > 0).then(|| (BTreeSet::from([s.clone()]), 0));
                Info { max_len: Some(n), req, lang: Some(BTreeSet::from([s.clone()])) }
            }
            OptimizedExpr::Insens(s) => {
                Info { max_len: Some(s.chars().count()), req: None, lang: None }
            }
            OptimizedExpr::Range(a, b) => {
                let (a, b) = (a.chars().next(), b.chars().next());
                let req = match (a, b) {
                    (Some(a), Some(b)) if a <= b && (b as u32 - a as u32) < MAX_RANGE_ANCHORS => {
                        Some(((a..=b).map(String::from).collect::<BTreeSet<String>>(), 0))
                    }
                    _ => None,
                };
                let lang = req.as_ref().map(|(l, _)| l.clone()).filter(|l| l.len() <= MAX_LANG);
                Info { max_len: Some(1), req, lang }
            }
            OptimizedExpr::Ident(name) => self.rule(name),
            OptimizedExpr::PosPred(_) | OptimizedExpr::NegPred(_) => {
                Info { max_len: Some(0), req: None, lang: Some(BTreeSet::from([String::new()])) }
            }
            OptimizedExpr::Seq(l, r) => {
                let l = self.expr(l);
                let r = self.expr(r);
                let shifted = match (&r.req, l.max_len) {
                    (Some((lits, back)), Some(n)) => Some((lits.clone(), back + n)),
                    _ => None,
                };
                let mut req = match (l.req, shifted) {
                    (Some(a), Some(b)) => Some(if better(&a, &b) { a } else { b }),
                    (a, b) => a.or(b),
                };
                // Single characters make poor anchors (中 of 一中 … 十中 is
                // tried at every 中 of a text): when the best is one, every
                // match starts with one of l's strings followed by one of
                // r's literals, and those products anchor instead.
                if req.as_ref().is_some_and(|(lits, _)| min_len(lits) == 1) {
                    if let (Some(left), Some((lits, 0))) = (&l.lang, &r.req) {
                        if let Some(p) = product(left, lits).filter(|p| min_len(p) > 1) {
                            req = Some((p, 0));
                        }
                    }
                }
                let max_len = l.max_len.zip(r.max_len).map(|(a, b)| a + b);
                let lang = l.lang.as_ref().zip(r.lang.as_ref()).and_then(|(a, b)| product(a, b));
                Info { max_len, req, lang }
            }
            OptimizedExpr::Choice(l, r) => {
                let l = self.expr(l);
                let r = self.expr(r);
                let req = match (l.req, r.req) {
                    (Some((mut a, ba)), Some((b, bb))) => {
                        a.extend(b);
                        Some((a, ba.max(bb)))
                    }
                    _ => None,
                };
                let max_len = l.max_len.zip(r.max_len).map(|(a, b)| a.max(b));
                let lang = l
                    .lang
                    .zip(r.lang)
                    .map(|(mut a, b)| {
                        a.extend(b);
                        a
                    })
                    .filter(|a| a.len() <= MAX_LANG);
                Info { max_len, req, lang }
            }
            OptimizedExpr::Opt(inner) => {
                let inner = self.expr(inner);
                let lang = inner
                    .lang
                    .map(|mut a| {
                        a.insert(String::new());
                        a
                    })
                    .filter(|a| a.len() <= MAX_LANG);
                Info { max_len: inner.max_len, req: None, lang }
            }
            OptimizedExpr::Rep(inner) => {
                let inner = self.expr(inner);
                Info { max_len: (inner.max_len == Some(0)).then_some(0), req: None, lang: None }
            }
            OptimizedExpr::RepOnce(inner) => {
                let inner = self.expr(inner);
                Info {
                    max_len: (inner.max_len == Some(0)).then_some(0),
                    req: inner.req,
                    lang: None,
                }
            }
            OptimizedExpr::NodeTag(inner, _) => self.expr(inner),
            OptimizedExpr::RestoreOnErr(inner) => self.expr(inner),
            OptimizedExpr::Push(inner) => self.expr(inner),
            OptimizedExpr::PushLiteral(_) => Info { max_len: Some(0), req: None, lang: None },
            OptimizedExpr::PeekSlice(..) | OptimizedExpr::Skip(_) => unknown(),
        }
    }
}

/// Required literal sets: at most this many sets per expression …
const MAX_SETS: usize = 12;
/// … each with at most this many literals.
const MAX_SET_LEN: usize = 64;

/// Sets of literals that every match of `rule` contains, one of each set
/// somewhere inside the match (a conjunction of disjunctions). Unlike
/// [`derive`], no position is claimed: extraction uses these to skip
/// candidates whose sentence lacks a literal of some set after them.
/// Sound in the same way: a set is only claimed when every match
/// contains one of its literals (positive predicates count: what they
/// look at lies inside the input an attempt is given).
pub fn requirements(rule: &str, rules: &[OptimizedRule]) -> Vec<BTreeSet<String>> {
    Analyses::new(rules).requirements(rule)
}

struct Requirer<'r> {
    rules: HashMap<&'r str, &'r OptimizedRule>,
    memo: Memo<Vec<BTreeSet<String>>>,
}

/// Drops literals that contain another literal of the set: where the
/// longer occurs, so does the shorter.
fn minimal(set: BTreeSet<String>) -> BTreeSet<String> {
    let keep: Vec<bool> =
        set.iter().map(|l| !set.iter().any(|o| o != l && l.contains(o.as_str()))).collect();
    set.into_iter().zip(keep).filter_map(|(l, k)| k.then_some(l)).collect()
}

/// Keeps the most selective sets: fewest literals, then longest shortest
/// literal.
fn prune(mut sets: Vec<BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    sets.retain(|s| !s.is_empty() && s.len() <= MAX_SET_LEN);
    sets.sort_by_key(|s| {
        let min = s.iter().map(|l| l.chars().count()).min().unwrap_or(0);
        (s.len(), std::cmp::Reverse(min), s.clone())
    });
    sets.dedup();
    // A set that holds another set is implied by it.
    let implied: Vec<bool> =
        sets.iter().map(|s| sets.iter().any(|o| o != s && o.is_subset(s))).collect();
    let mut sets: Vec<BTreeSet<String>> =
        sets.into_iter().zip(implied).filter_map(|(s, i)| (!i).then_some(s)).collect();
    sets.truncate(MAX_SETS);
    sets
}

impl Requirer<'_> {
    fn rule(&mut self, name: &str) -> Vec<BTreeSet<String>> {
        if let Some(sets) = self.memo.get(name) {
            return sets;
        }
        let Some(rule) = self.rules.get(name).copied() else {
            return Vec::new(); // built-ins
        };
        let Some(outer) = self.memo.enter(name) else {
            return Vec::new(); // recursion: claim nothing
        };
        let sets = self.expr(&rule.expr);
        self.memo.leave(name, outer, &sets);
        sets
    }

    fn expr(&mut self, e: &OptimizedExpr) -> Vec<BTreeSet<String>> {
        match e {
            OptimizedExpr::Str(s) if !s.is_empty() => vec![BTreeSet::from([s.clone()])],
            OptimizedExpr::Range(a, b) => match (a.chars().next(), b.chars().next()) {
                (Some(a), Some(b)) if a <= b && (b as u32 - a as u32) < MAX_RANGE_ANCHORS => {
                    vec![(a..=b).map(String::from).collect()]
                }
                _ => Vec::new(),
            },
            OptimizedExpr::Ident(name) => self.rule(name),
            OptimizedExpr::PosPred(inner)
            | OptimizedExpr::RepOnce(inner)
            | OptimizedExpr::NodeTag(inner, _)
            | OptimizedExpr::RestoreOnErr(inner)
            | OptimizedExpr::Push(inner) => self.expr(inner),
            OptimizedExpr::Seq(l, r) => {
                let mut sets = self.expr(l);
                sets.extend(self.expr(r));
                prune(sets)
            }
            OptimizedExpr::Choice(l, r) => {
                let (l, r) = (self.expr(l), self.expr(r));
                let mut sets = Vec::new();
                for a in &l {
                    for b in &r {
                        sets.push(minimal(a.union(b).cloned().collect()));
                    }
                }
                prune(sets)
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors(grammar: &str, rule: &str) -> Anchors {
        let (_, rules) = pest_meta::parse_and_optimize(grammar).expect("grammar");
        derive(rule, &rules)
    }

    fn lits(a: &Anchors) -> (Vec<&str>, usize) {
        match a {
            Anchors::Literals { literals, lookback } => {
                (literals.iter().map(String::as_str).collect(), *lookback)
            }
            Anchors::Everywhere => (vec![], usize::MAX),
        }
    }

    #[test]
    fn a_leading_literal_is_the_anchor() {
        let a = anchors(r#"r = { "党建" ~ "+" ~ 'a'..'z'* }"#, "r");
        assert_eq!(lits(&a), (vec!["党建"], 0));
    }

    #[test]
    fn a_bounded_prefix_gives_a_look_back() {
        // One or two digits, then 星级: the match starts up to 2 chars early.
        let a = anchors(r#"d = { '0'..'9' } r = { d ~ d? ~ "星级" }"#, "r");
        // The digits are a 10-literal set of length 1; 星级 is longer and wins.
        assert_eq!(lits(&a), (vec!["星级"], 2));
    }

    #[test]
    fn an_unbounded_prefix_falls_back_to_its_own_literals() {
        let a = anchors(r#"r = { ('0'..'9')+ ~ "名" }"#, "r");
        assert_eq!(lits(&a).0.len(), 10);
        assert_eq!(lits(&a).1, 0);
    }

    #[test]
    fn choices_need_literals_on_every_branch() {
        let a = anchors(r#"r = { "一" ~ ("校" | "月") }"#, "r");
        // A single character is a poor anchor: with what follows it.
        assert_eq!(lits(&a).0, vec!["一月", "一校"]);
        let n = anchors(r#"d = _{ "一" | "二" } r = { "x"? ~ d ~ !"y" ~ "中" ~ !"学" }"#, "r");
        assert_eq!(lits(&n), (vec!["一中", "二中"], 1));
        // Longer literals stay as they are (and keep near misses in view).
        let c = anchors(r#"r = { "清廉" ~ ("学校" | "校园") }"#, "r");
        assert_eq!(lits(&c).0, vec!["清廉"]);
        // Too many combinations: the single characters stay.
        let wide = anchors(
            r#"d = _{ '0'..'9' } r = { d ~ ("个" | "名" | "所" | "项" | "次" | "场" | "期") }"#,
            "r",
        );
        assert_eq!((lits(&wide).0.len(), lits(&wide).1), (7, 1));
        let b = anchors(r#"r = { ("校" | '\u{4E00}'..'\u{9FFF}') ~ ANY* }"#, "r");
        assert_eq!(b, Anchors::Everywhere);
    }

    fn reqs(grammar: &str, rule: &str) -> Vec<Vec<String>> {
        let (_, rules) = pest_meta::parse_and_optimize(grammar).expect("grammar");
        requirements(rule, &rules).into_iter().map(|s| s.into_iter().collect()).collect()
    }

    #[test]
    fn every_required_literal_set_is_listed() {
        let r = reqs(
            r#"w = { "等" } r = { 'a'..'z'+ ~ "、" ~ ('0'..'9')? ~ w ~ ("乡镇" | "镇" | "乡") ~ &"。" }"#,
            "r",
        );
        // 乡镇 contains 乡: the set needs only 乡 and 镇.
        let want: Vec<Vec<String>> = [vec!["、"], vec!["。"], vec!["乡", "镇"], vec!["等"]]
            .iter()
            .map(|v| v.iter().map(|s| s.to_string()).collect())
            .collect();
        let mut got = r.clone();
        got.retain(|s| s.len() < 26);
        got.sort();
        assert_eq!(got, want);
        // The 26 letters are a set of their own.
        assert!(r.iter().any(|s| s.len() == 26));
    }

    #[test]
    fn optional_negated_and_recursive_parts_require_nothing() {
        assert!(reqs(r#"r = { "a"? ~ !"b" ~ ("c" ~ r)* }"#, "r").is_empty());
        assert!(reqs(r#"r = { "a" | ANY }"#, "r").is_empty());
        // x on both sides is required; ab or cd too. {ab, x} is implied by {x}.
        let r = reqs(r#"r = { ("ab" ~ "x") | ("cd" ~ "x") }"#, "r");
        assert_eq!(r, vec![vec!["ab".to_string(), "cd".to_string()], vec!["x".to_string()]]);
    }

    #[test]
    fn shared_analyses_give_what_each_rule_alone_gives() {
        // b's analysis below a depends on where it began (a is then cut).
        let g = r#"
            s = { "前" ~ ("一" | "二") ~ t }
            t = { ("中" | "小") ~ "学" }
            a = { ("x" ~ b) | ("q" ~ s) }
            b = { (("y" ~ a) | "z") ~ s ~ "w" }
            c = { b ~ a ~ t }
        "#;
        let (_, rules) = pest_meta::parse_and_optimize(g).expect("grammar");
        let names = ["s", "t", "a", "b", "c"];
        for order in [names.to_vec(), names.iter().rev().copied().collect()] {
            let mut shared = Analyses::new(&rules);
            for r in order {
                assert_eq!(shared.derive(r), derive(r, &rules), "anchors of {r}");
                assert_eq!(shared.requirements(r), requirements(r, &rules), "sets of {r}");
            }
        }
    }

    #[test]
    fn recursion_claims_nothing_it_cannot_prove() {
        let a = anchors(r#"r = { "(" ~ r? ~ ")" }"#, "r");
        assert_eq!(lits(&a).0, vec!["("]);
        let b = anchors(r#"r = { ("a" ~ r) | "b" }"#, "r");
        // Every match starts with "a" or "b".
        assert_eq!(lits(&b), (vec!["a", "b"], 0));
    }
}
