//! Rules compiled from pest_meta's optimized AST to regex automata.
//!
//! pest_vm interprets a grammar one call at a time; a rule tried at every
//! candidate position of a large corpus spends nearly all its time there.
//! This module lowers each rule's grammar (rules inlined) to a small
//! intermediate form and from it to a `regex_automata::meta::Regex`, in
//! one of two strengths:
//!
//! * **exact**: the rule has no predicates except the exact idiom
//!   `!class ~ class` (a class difference) and predicates on its top-level
//!   path (under sequences and rule calls only, no choice, option or
//!   repetition above them) whose own expression is exact: those are
//!   *checks*, an empty capture group marks where each stands and its own
//!   anchored regex is tested there after the match (pest would fail the
//!   whole rule where one fails). It is not recursive, uses no stack or
//!   case-insensitive operations, and is *deterministic* in the LL(1) sense
//!   checked by [`Lowerer::deterministic`]: at every choice, optional and
//!   repetition, the options that can go on with the next character are
//!   disjoint (alternatives that are literals may share first characters
//!   when no earlier one is a prefix of a later one, and a later one that
//!   is a prefix of an earlier one only when the character that extends it
//!   cannot follow). Then PEG (ordered choice that commits, possessive
//!   repetition) and a leftmost-first greedy regex follow the same single
//!   path: the regex matches exactly where pest matches, with the same
//!   span, and its capture groups (one per node and tag, in pre-order) are
//!   pest's pairs. Such rules never call pest_vm.
//! * **filter**: everything else gets a regex whose language contains
//!   every match pest can make (predicates dropped, unknown constructs
//!   replaced by "any text"). Where it fails, pest would fail too, so
//!   pest_vm only runs where the filter matches.
//!
//! Packs that define `WHITESPACE` or `COMMENT` (implicit skipping between
//! tokens) get no compiled matchers at all: every rule stays on pest_vm.

use pest_meta::ast::RuleType;
use pest_meta::optimizer::{OptimizedExpr, OptimizedRule};
use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::{self, ClassUnicode, ClassUnicodeRange, Hir};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::{Capture, RawMatch};

/// Upper bound on the size of a lowered rule (inlined nodes).
const MAX_NODES: usize = 20_000;

/// The lowered form of a grammar expression.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// Matches the empty string.
    Empty,
    /// A literal string.
    Lit(String),
    /// One character of the class.
    Class(ClassUnicode),
    Seq(Vec<Node>),
    Alt(Vec<Node>),
    Opt(Box<Node>),
    Star(Box<Node>),
    Plus(Box<Node>),
    /// A pest pair: the names it is reported under (rule, then tag).
    Group(Box<Node>, Vec<String>),
    /// Any text at all (an over-approximation of something not lowered).
    AnyText,
    /// Predicate `.0` of [`Lowerer::checks`], tested where it stands
    /// (consumes nothing).
    Check(usize),
}

fn any_char() -> ClassUnicode {
    ClassUnicode::new([ClassUnicodeRange::new('\0', char::MAX)])
}

fn class_of(a: char, b: char) -> ClassUnicode {
    if a <= b {
        ClassUnicode::new([ClassUnicodeRange::new(a, b)])
    } else {
        ClassUnicode::empty()
    }
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Compiled {
    regex: Regex,
    /// The start check's regex when it differs from `regex`: long counted
    /// runs of one character class made unbounded ([`relax`]).
    start_check: Option<Regex>,
    /// The grammar rule's name (the outermost pair).
    top: Arc<str>,
    /// Group index - 1 → names the pair is reported under.
    groups: Vec<Vec<Arc<str>>>,
    /// The regex gives pest's exact result; otherwise it is a filter.
    pub exact: bool,
    /// Every match starts with one of a few characters, so an unanchored
    /// search for the next possible start skips text quickly.
    pub scans_fast: bool,
    /// Every character a match can contain (`None`: any).
    alphabet: Option<ClassUnicode>,
    /// The characters every match starts with, sorted, when they are few
    /// (at most [`FEW_STARTS`]); `None`: many, or a match may be empty.
    starts: Option<Vec<char>>,
    /// Predicates of an exact rule, each tested where its (empty) capture
    /// group matched: the group index, the predicate's anchored regex, and
    /// whether it is negative (`!`).
    checks: Vec<(usize, Regex, bool)>,
}

/// At most this many possible first characters make a rule [`Compiled::scans_fast`].
const FEW_FIRST_CHARS: u32 = 2;

/// At most this many possible first characters are worth testing before
/// a start check ([`Compiled::may_begin`]).
const FEW_STARTS: u32 = 64;

/// What [`Compiled::run`] found.
#[derive(Debug)]
pub enum Outcome {
    /// No match possible here (exact for both strengths).
    NoMatch,
    /// The match pest makes (exact rules only).
    Match(RawMatch),
    /// The filter let it through: ask pest.
    Maybe,
}

impl Compiled {
    /// Runs at the start of `input` (the rest of a sentence).
    pub fn run(&self, input: &str) -> Outcome {
        let inp = Input::new(input).anchored(Anchored::Yes);
        let Some(half) = self.regex.search_half(&inp) else {
            return Outcome::NoMatch;
        };
        if !self.exact {
            return Outcome::Maybe;
        }
        let mut caps: Captures = self.regex.create_captures();
        self.regex.search_captures(&inp.range(..half.offset()), &mut caps);
        let Some(m) = caps.get_match() else {
            return Outcome::Maybe; // cannot happen; pest decides
        };
        // The path is pest's; pest fails at a predicate that fails there.
        for (group, pred, negative) in &self.checks {
            let Some(at) = caps.get_group(*group) else { return Outcome::Maybe };
            let holds = pred.is_match(Input::new(input).range(at.start..).anchored(Anchored::Yes));
            if holds == *negative {
                return Outcome::NoMatch;
            }
        }
        let mut captures =
            vec![Capture { name: Arc::clone(&self.top), start: m.start(), end: m.end() }];
        for (i, names) in self.groups.iter().enumerate() {
            if let Some(span) = caps.get_group(i + 1) {
                for n in names {
                    captures.push(Capture {
                        name: Arc::clone(n),
                        start: span.start,
                        end: span.end,
                    });
                }
            }
        }
        Outcome::Match(RawMatch { len: m.end(), captures })
    }
}

impl Compiled {
    /// The characters every match starts with (only for
    /// [`Compiled::scans_fast`] rules; empty otherwise).
    pub fn firsts(&self) -> &[char] {
        match &self.starts {
            Some(s) if self.scans_fast => s,
            _ => &[],
        }
    }

    /// Whether a match can start with `c` (`true` when many characters
    /// can).
    pub fn may_begin(&self, c: char) -> bool {
        self.starts.as_ref().is_none_or(|s| s.binary_search(&c).is_ok())
    }

    /// Whether a match can contain `c` (the regex's language uses it).
    pub fn may_contain(&self, c: char) -> bool {
        self.alphabet.as_ref().is_none_or(|a| {
            let r = a.ranges();
            let i = r.partition_point(|x| x.end() < c);
            i < r.len() && r[i].start() <= c
        })
    }

    /// Whether the regex matches `text[at..end]` from `at` on (an anchored
    /// search that stops at the first match state: no reverse search, no
    /// scan for a later start). `at` is a character boundary of `text`.
    pub fn matches_at(&self, text: &str, at: usize, end: usize) -> bool {
        let re = self.start_check.as_ref().unwrap_or(&self.regex);
        re.is_match(Input::new(text).range(at..end).anchored(Anchored::Yes))
    }
}

/// Compiles grammar rule `rule`. `None` when nothing useful can be built
/// (the caller then runs pest_vm everywhere for the rule).
pub fn compile(rule: &str, rules: &[OptimizedRule]) -> Option<Compiled> {
    if rules.iter().any(|r| r.name == "WHITESPACE" || r.name == "COMMENT") {
        return None;
    }
    let by_name: HashMap<&str, &OptimizedRule> =
        rules.iter().map(|r| (r.name.as_str(), r)).collect();
    let top = by_name.get(rule)?;
    let mut lw = Lowerer {
        rules: &by_name,
        active: BTreeSet::new(),
        exact: true,
        nodes: 0,
        in_pred: false,
        top: true,
        checks: Vec::new(),
    };
    lw.active.insert(rule.to_string());
    let atomic = top.ty == RuleType::Atomic;
    let node = lw.expr(&top.expr, atomic);
    if lw.nodes > MAX_NODES {
        return None;
    }
    let exact = lw.exact && lw.deterministic(&node, &ClassUnicode::empty());
    let first_set = first(&node);
    let firsts: u32 =
        first_set.ranges().iter().map(|r| r.end() as u32 - r.start() as u32 + 1).sum();
    let scans_fast = !nullable(&node) && firsts <= FEW_FIRST_CHARS;
    let starts = (!nullable(&node) && firsts <= FEW_STARTS)
        .then(|| first_set.ranges().iter().flat_map(|r| r.start()..=r.end()).collect());
    let mut groups = Vec::new();
    let mut check_groups = Vec::new();
    let hir = to_hir(&node, exact, &mut groups, &mut check_groups);
    let regex = build(&hir)?;
    let start_check = relax(&hir).and_then(|h| build(&h));
    let alphabet = Some(alphabet(&node)).filter(|a| a != &any_char());
    let mut checks = Vec::new();
    for (group, k) in check_groups {
        let (pred, negative) = &lw.checks[k];
        let pred = build(&to_hir(pred, false, &mut Vec::new(), &mut Vec::new()))?;
        checks.push((group, pred, *negative));
    }
    let groups = groups.into_iter().map(|g| g.into_iter().map(Arc::from).collect()).collect();
    Some(Compiled {
        regex,
        start_check,
        top: rule.into(),
        groups,
        exact,
        scans_fast,
        alphabet,
        starts,
        checks,
    })
}

/// Runs of at least this many optional copies of one character class
/// (`[^》\n]?` …: pest_meta unrolls `x{1,56}` to `x ~ x? ~ … ~ x?`) are
/// unbounded in the start check (3: on 5.5 MB of news 12% fewer
/// instructions than without, 10: 6%; about 1% more in the steady state,
/// where the weaker check lets a few more starts through).
const RELAX_RUN: usize = 3;

/// `hir` for the start check, which needs only a language that holds
/// every match: a long run of optional copies of one class (`{1,56}`
/// after unrolling) becomes a star, capture groups go; `None` when there
/// is no such run (the rule's own regex is the start check). A lazy DFA of
/// a counted run has a state per count for every partial match of what
/// follows (a document title's genre words, for each of 56 counts) and
/// kept building them through megabytes of news; in a sentence the bound
/// seldom decides.
fn relax(h: &Hir) -> Option<Hir> {
    let mut changed = false;
    let r = relax_in(h, &mut changed);
    changed.then_some(r)
}

fn relax_in(h: &Hir, changed: &mut bool) -> Hir {
    use regex_syntax::hir::HirKind;
    let optional_class = |h: &Hir| match h.kind() {
        HirKind::Repetition(r) if r.min == 0 && r.max == Some(1) => match r.sub.kind() {
            HirKind::Class(_) => Some(r.sub.clone()),
            _ => None,
        },
        _ => None,
    };
    match h.kind() {
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(relax_in(&r.sub, changed)),
        }),
        HirKind::Capture(c) => relax_in(&c.sub, changed),
        HirKind::Concat(v) => {
            let mut out = Vec::with_capacity(v.len());
            let mut i = 0;
            while i < v.len() {
                if let Some(class) = optional_class(&v[i]) {
                    let run = v[i..]
                        .iter()
                        .take_while(|x| optional_class(x).as_ref() == Some(&class))
                        .count();
                    if run >= RELAX_RUN {
                        out.push(Hir::repetition(hir::Repetition {
                            min: 0,
                            max: None,
                            greedy: true,
                            sub: class,
                        }));
                        *changed = true;
                        i += run;
                        continue;
                    }
                }
                out.push(relax_in(&v[i], changed));
                i += 1;
            }
            Hir::concat(out)
        }
        HirKind::Alternation(v) => {
            Hir::alternation(v.iter().map(|x| relax_in(x, changed)).collect())
        }
        _ => h.clone(),
    }
}

/// A regex of a lowered expression (`None` if regex-automata refuses it).
fn build(hir: &Hir) -> Option<Regex> {
    Regex::builder().configure(Regex::config().utf8_empty(false)).build_from_hir(hir).ok()
}

struct Lowerer<'r> {
    rules: &'r HashMap<&'r str, &'r OptimizedRule>,
    active: BTreeSet<String>,
    /// Cleared by anything only over-approximated.
    exact: bool,
    nodes: usize,
    /// Inside a predicate: no pairs are made.
    in_pred: bool,
    /// On the rule's top-level path (sequences, rule calls and tags only,
    /// no choice, option or repetition above): a predicate here can be
    /// tested after the match, where it stands.
    top: bool,
    /// Predicates kept as [`Node::Check`]s: the predicate's expression
    /// (exact and deterministic) and whether it is negative.
    checks: Vec<(Node, bool)>,
}

fn flatten_seq<'a>(e: &'a OptimizedExpr, out: &mut Vec<&'a OptimizedExpr>) {
    match e {
        OptimizedExpr::Seq(a, b) => {
            flatten_seq(a, out);
            flatten_seq(b, out);
        }
        _ => out.push(e),
    }
}

fn flatten_choice<'a>(e: &'a OptimizedExpr, out: &mut Vec<&'a OptimizedExpr>) {
    match e {
        OptimizedExpr::Choice(a, b) => {
            flatten_choice(a, out);
            flatten_choice(b, out);
        }
        _ => out.push(e),
    }
}

/// The characters a one-character node matches.
fn node_class(n: &Node) -> Option<ClassUnicode> {
    match n {
        Node::Class(c) => Some(c.clone()),
        Node::Lit(s) => {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Some(class_of(c, c)),
                _ => None,
            }
        }
        Node::Alt(v) => {
            let mut acc = ClassUnicode::empty();
            for x in v {
                acc.union(&node_class(x)?);
            }
            Some(acc)
        }
        _ => None,
    }
}

fn nullable(n: &Node) -> bool {
    match n {
        Node::Empty | Node::Opt(_) | Node::Star(_) | Node::AnyText | Node::Check(_) => true,
        Node::Lit(s) => s.is_empty(),
        Node::Class(_) => false,
        Node::Seq(v) => v.iter().all(nullable),
        Node::Alt(v) => v.iter().any(nullable),
        Node::Plus(x) | Node::Group(x, _) => nullable(x),
    }
}

/// The union of `f` over `nodes`.
fn union_of(nodes: &[Node], f: fn(&Node) -> ClassUnicode) -> ClassUnicode {
    let mut acc = ClassUnicode::empty();
    for x in nodes {
        acc.union(&f(x));
    }
    acc
}

/// Every character that a string of `n`'s language can contain.
fn alphabet(n: &Node) -> ClassUnicode {
    match n {
        Node::Empty | Node::Check(_) => ClassUnicode::empty(),
        Node::Lit(s) => ClassUnicode::new(s.chars().map(|c| ClassUnicodeRange::new(c, c))),
        Node::Class(c) => c.clone(),
        Node::Seq(v) | Node::Alt(v) => union_of(v, alphabet),
        Node::Opt(x) | Node::Star(x) | Node::Plus(x) | Node::Group(x, _) => alphabet(x),
        Node::AnyText => any_char(),
    }
}

fn first(n: &Node) -> ClassUnicode {
    match n {
        Node::Empty | Node::Check(_) => ClassUnicode::empty(),
        Node::Lit(s) => s.chars().next().map_or_else(ClassUnicode::empty, |c| class_of(c, c)),
        Node::Class(c) => c.clone(),
        Node::Seq(v) => {
            let mut acc = ClassUnicode::empty();
            for x in v {
                acc.union(&first(x));
                if !nullable(x) {
                    break;
                }
            }
            acc
        }
        Node::Alt(v) => union_of(v, first),
        Node::Opt(x) | Node::Star(x) | Node::Plus(x) | Node::Group(x, _) => first(x),
        Node::AnyText => any_char(),
    }
}

fn disjoint(a: &ClassUnicode, b: &ClassUnicode) -> bool {
    let mut x = a.clone();
    x.intersect(b);
    x.ranges().is_empty()
}

fn has_group(n: &Node) -> bool {
    match n {
        Node::Group(..) => true,
        Node::Empty | Node::Lit(_) | Node::Class(_) | Node::AnyText | Node::Check(_) => false,
        Node::Seq(v) | Node::Alt(v) => v.iter().any(has_group),
        Node::Opt(x) | Node::Star(x) | Node::Plus(x) => has_group(x),
    }
}

/// A node that is a plain literal string (possibly inside pair groups,
/// which do not change what it matches).
fn as_literal(n: &Node) -> Option<&str> {
    match n {
        Node::Lit(s) => Some(s),
        Node::Group(x, _) => as_literal(x),
        _ => None,
    }
}

impl Lowerer<'_> {
    fn count(&mut self) {
        self.nodes += 1;
    }

    fn over(&mut self) -> Node {
        self.exact = false;
        Node::AnyText
    }

    /// Whether a predicate here can become a check: on the top-level path,
    /// not inside another predicate.
    fn checkable(&self) -> bool {
        self.top && !self.in_pred
    }

    /// Keeps the lowered predicate `n` as a check where it stands.
    fn keep_check(&mut self, n: Node, negative: bool) -> Node {
        self.checks.push((n, negative));
        Node::Check(self.checks.len() - 1)
    }

    /// Puts a check into the sequence `out`; without one the rule is only
    /// a filter.
    fn push_check(&mut self, check: Option<Node>, out: &mut Vec<Node>) {
        match check {
            Some(n) => out.push(n),
            None => self.exact = false,
        }
    }

    /// A negative one-character predicate as a check, if it can be one.
    fn class_check(&mut self, c: ClassUnicode) -> Option<Node> {
        self.checkable().then(|| self.keep_check(Node::Class(c), true))
    }

    /// Lowers what `f` lowers off the top-level path.
    fn below(&mut self, f: impl FnOnce(&mut Self) -> Node) -> Node {
        let saved = std::mem::replace(&mut self.top, false);
        let n = f(self);
        self.top = saved;
        n
    }

    /// A predicate on the top-level path whose expression is exact and
    /// deterministic becomes a [`Node::Check`]; `None` otherwise.
    fn check(&mut self, x: &OptimizedExpr, negative: bool) -> Option<Node> {
        if !self.checkable() {
            return None;
        }
        let (saved_exact, saved_pred) = (self.exact, self.in_pred);
        self.exact = true;
        self.in_pred = true;
        let n = self.below(|lw| lw.expr(x, true));
        let ok = self.exact && self.deterministic(&n, &ClassUnicode::empty());
        self.exact = saved_exact;
        self.in_pred = saved_pred;
        ok.then(|| self.keep_check(n, negative))
    }

    /// Lowers `e`; `atomic` is pest's atomicity (no inner pairs).
    fn expr(&mut self, e: &OptimizedExpr, atomic: bool) -> Node {
        self.count();
        if self.nodes > MAX_NODES {
            return self.over();
        }
        match e {
            OptimizedExpr::Str(s) if s.is_empty() => Node::Empty,
            OptimizedExpr::Str(s) => Node::Lit(s.clone()),
            OptimizedExpr::Insens(_) => self.over(),
            OptimizedExpr::Range(a, b) => match (a.chars().next(), b.chars().next()) {
                (Some(a), Some(b)) => Node::Class(class_of(a, b)),
                _ => self.over(),
            },
            OptimizedExpr::Ident(name) => self.ident(name, atomic),
            OptimizedExpr::PeekSlice(..) => self.over(),
            OptimizedExpr::PosPred(x) | OptimizedExpr::NegPred(x) => {
                // A lone predicate (outside a sequence): consumes nothing.
                let negative = matches!(e, OptimizedExpr::NegPred(_));
                self.check(x, negative).unwrap_or_else(|| {
                    self.exact = false;
                    Node::Empty
                })
            }
            OptimizedExpr::Seq(..) => {
                let mut items = Vec::new();
                flatten_seq(e, &mut items);
                self.seq(&items, atomic)
            }
            OptimizedExpr::Choice(..) => {
                let mut alts = Vec::new();
                flatten_choice(e, &mut alts);
                self.below(|lw| Node::Alt(alts.into_iter().map(|a| lw.expr(a, atomic)).collect()))
            }
            OptimizedExpr::Opt(x) => self.below(|lw| Node::Opt(Box::new(lw.expr(x, atomic)))),
            OptimizedExpr::Rep(x) => self.below(|lw| Node::Star(Box::new(lw.expr(x, atomic)))),
            OptimizedExpr::RepOnce(x) => self.below(|lw| Node::Plus(Box::new(lw.expr(x, atomic)))),
            OptimizedExpr::Push(x) => {
                self.exact = false;
                self.expr(x, atomic)
            }
            OptimizedExpr::PushLiteral(_) => {
                self.exact = false;
                Node::Empty
            }
            OptimizedExpr::Skip(strings) => {
                // Skips to the first occurrence of one of the strings.
                let mut cls = any_char();
                for s in strings {
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(c), None) => cls.difference(&class_of(c, c)),
                        _ => return self.over(),
                    }
                }
                Node::Star(Box::new(Node::Class(cls)))
            }
            OptimizedExpr::RestoreOnErr(x) => self.expr(x, atomic),
            OptimizedExpr::NodeTag(x, tag) => {
                let inner = self.expr(x, atomic);
                if self.in_pred {
                    return inner;
                }
                match (&**x, inner) {
                    (OptimizedExpr::Ident(_), Node::Group(sub, mut names)) if names.len() == 1 => {
                        names.push(tag.clone());
                        Node::Group(sub, names)
                    }
                    // pest would put the tag on another pair: leave it to pest.
                    (_, inner) => {
                        self.exact = false;
                        inner
                    }
                }
            }
        }
    }

    /// A sequence; `!c1 ~ !c2 ~ C` with one-character classes becomes the
    /// class difference (exact); other predicates are dropped (filter).
    fn seq(&mut self, items: &[&OptimizedExpr], atomic: bool) -> Node {
        let mut out = Vec::new();
        let mut neg: Vec<ClassUnicode> = Vec::new();
        for item in items {
            match item {
                OptimizedExpr::NegPred(x) => match self.pred_class(x) {
                    Some(c) => neg.push(c),
                    None => {
                        let check = self.check(x, true);
                        self.push_check(check, &mut out);
                    }
                },
                OptimizedExpr::PosPred(x) => {
                    let check = self.check(x, false);
                    self.push_check(check, &mut out);
                }
                _ => {
                    let n = self.expr(item, atomic);
                    if neg.is_empty() {
                        out.push(n);
                        continue;
                    }
                    match n {
                        Node::Class(mut c) => {
                            for x in neg.drain(..) {
                                c.difference(&x);
                            }
                            out.push(Node::Class(c));
                        }
                        other => {
                            if let Some(mut c) = node_class(&other) {
                                for x in neg.drain(..) {
                                    c.difference(&x);
                                }
                                out.push(Node::Class(c));
                            } else {
                                // Class predicates before more than one
                                // character: checks where they stand.
                                for c in std::mem::take(&mut neg) {
                                    let check = self.class_check(c);
                                    self.push_check(check, &mut out);
                                }
                                out.push(other);
                            }
                        }
                    }
                }
            }
        }
        for c in neg {
            let check = self.class_check(c);
            self.push_check(check, &mut out);
        }
        match out.len() {
            0 => Node::Empty,
            1 => out.pop().unwrap_or(Node::Empty),
            _ => Node::Seq(out),
        }
    }

    /// The class a predicate's expression matches, when it is exactly one
    /// character from a class.
    fn pred_class(&mut self, x: &OptimizedExpr) -> Option<ClassUnicode> {
        let (saved_exact, saved_pred) = (self.exact, self.in_pred);
        self.exact = true;
        self.in_pred = true;
        let n = self.expr(x, true);
        let ok = self.exact;
        self.exact = saved_exact;
        self.in_pred = saved_pred;
        if ok {
            node_class(&n)
        } else {
            None
        }
    }

    fn ident(&mut self, name: &str, atomic: bool) -> Node {
        match name {
            "ANY" => return Node::Class(any_char()),
            "ASCII_DIGIT" => return Node::Class(class_of('0', '9')),
            "ASCII_NONZERO_DIGIT" => return Node::Class(class_of('1', '9')),
            "ASCII_BIN_DIGIT" => return Node::Class(class_of('0', '1')),
            "ASCII_OCT_DIGIT" => return Node::Class(class_of('0', '7')),
            "ASCII_ALPHA_LOWER" => return Node::Class(class_of('a', 'z')),
            "ASCII_ALPHA_UPPER" => return Node::Class(class_of('A', 'Z')),
            "ASCII" => return Node::Class(class_of('\0', '\x7f')),
            "ASCII_HEX_DIGIT" | "ASCII_ALPHA" | "ASCII_ALPHANUMERIC" => {
                let mut c = class_of('a', 'z');
                c.union(&class_of('A', 'Z'));
                if name != "ASCII_ALPHA" {
                    c.union(&class_of('0', '9'));
                }
                if name == "ASCII_HEX_DIGIT" {
                    c = class_of('0', '9');
                    c.union(&class_of('a', 'f'));
                    c.union(&class_of('A', 'F'));
                }
                return Node::Class(c);
            }
            "NEWLINE" => {
                return Node::Alt(vec![
                    Node::Lit("\n".into()),
                    Node::Lit("\r\n".into()),
                    Node::Lit("\r".into()),
                ])
            }
            "SOI" | "EOI" | "DROP" => {
                self.exact = false;
                return Node::Empty;
            }
            _ => {}
        }
        let Some(rule) = self.rules.get(name).copied() else {
            // PEEK, POP, ...: any text; Unicode properties: one character.
            self.exact = false;
            return if matches!(name, "PEEK" | "PEEK_ALL" | "POP" | "POP_ALL") {
                Node::AnyText
            } else {
                Node::Class(any_char())
            };
        };
        if self.active.contains(name) {
            return self.over(); // recursion
        }
        self.active.insert(name.to_string());
        let (pair, inner_atomic) = match rule.ty {
            RuleType::Normal => (!atomic, atomic),
            RuleType::Silent => (false, atomic),
            RuleType::Atomic => (!atomic, true),
            RuleType::CompoundAtomic | RuleType::NonAtomic => (true, false),
        };
        let body = self.expr(&rule.expr, inner_atomic);
        self.active.remove(name);
        if pair && !self.in_pred {
            Node::Group(Box::new(body), vec![name.to_string()])
        } else {
            body
        }
    }

    /// Whether PEG and a leftmost-first greedy regex follow the same path
    /// through `n` when what can come after it starts with `follow`
    /// (the end of the match conflicts with nothing: the regex prefers to
    /// go on, as PEG does, and a nullable rest never fails).
    fn deterministic(&self, n: &Node, follow: &ClassUnicode) -> bool {
        match n {
            Node::Empty | Node::Lit(_) | Node::Class(_) | Node::Check(_) => true,
            Node::AnyText => false,
            Node::Group(x, _) => self.deterministic(x, follow),
            Node::Seq(v) => {
                let mut f = follow.clone();
                let mut run_follow: Option<ClassUnicode> = None;
                for i in (0..v.len()).rev() {
                    // `x{0,k}` is unrolled to `x? x? ...`: the run decides as one.
                    let in_run = matches!(v[i], Node::Opt(_)) && v.get(i + 1) == Some(&v[i]);
                    let used = match (&run_follow, in_run) {
                        (Some(rf), true) => rf.clone(),
                        _ => f.clone(),
                    };
                    if !self.deterministic(&v[i], &used) {
                        return false;
                    }
                    run_follow = Some(used);
                    let mut nf = first(&v[i]);
                    if nullable(&v[i]) {
                        nf.union(&f);
                    }
                    f = nf;
                }
                true
            }
            Node::Alt(v) => {
                if v.iter().any(nullable) {
                    return false;
                }
                for i in 0..v.len() {
                    for j in i + 1..v.len() {
                        match (as_literal(&v[i]), as_literal(&v[j])) {
                            (Some(a), Some(b)) => {
                                if b.starts_with(a) {
                                    return false; // the later one never wins in PEG
                                }
                                if let Some(rest) = a.strip_prefix(b) {
                                    // PEG takes `a`; the regex falls back to `b`
                                    // only if what follows can start where `a` went on.
                                    let c = rest.chars().next().unwrap_or('\0');
                                    if !disjoint(&class_of(c, c), follow) {
                                        return false;
                                    }
                                }
                            }
                            _ => {
                                if !disjoint(&first(&v[i]), &first(&v[j])) {
                                    return false;
                                }
                            }
                        }
                    }
                }
                v.iter().all(|x| self.deterministic(x, follow))
            }
            Node::Opt(x) => {
                !nullable(x) && disjoint(&first(x), follow) && self.deterministic(x, follow)
            }
            Node::Star(x) | Node::Plus(x) => {
                // A regex group in a loop keeps only its last iteration;
                // pest reports every one.
                let mut f = first(x);
                let ok = !nullable(x) && !has_group(x) && disjoint(&f, follow);
                f.union(follow);
                ok && self.deterministic(x, &f)
            }
        }
    }
}

/// Builds the regex. Groups (pest pairs) only for exact rules, numbered in
/// pre-order, which is the order of pest's pairs.
fn to_hir(
    n: &Node,
    groups_on: bool,
    groups: &mut Vec<Vec<String>>,
    checks: &mut Vec<(usize, usize)>,
) -> Hir {
    let mut sub = |x: &Node| to_hir(x, groups_on, groups, checks);
    match n {
        Node::Empty => Hir::empty(),
        Node::Check(k) => {
            if !groups_on {
                return Hir::empty();
            }
            // An empty group records where the predicate stands.
            groups.push(Vec::new());
            let index = groups.len() as u32;
            checks.push((index as usize, *k));
            Hir::capture(hir::Capture { index, name: None, sub: Box::new(Hir::empty()) })
        }
        Node::Lit(s) => Hir::literal(s.as_bytes()),
        Node::Class(c) => Hir::class(hir::Class::Unicode(c.clone())),
        Node::Seq(v) => Hir::concat(v.iter().map(sub).collect()),
        Node::Alt(v) => Hir::alternation(v.iter().map(sub).collect()),
        Node::Opt(x) => rep(0, Some(1), sub(x)),
        Node::Star(x) => rep(0, None, sub(x)),
        Node::Plus(x) => rep(1, None, sub(x)),
        Node::AnyText => rep(0, None, Hir::class(hir::Class::Unicode(any_char()))),
        Node::Group(x, names) => {
            if !groups_on {
                return to_hir(x, groups_on, groups, checks);
            }
            groups.push(names.clone());
            let index = groups.len() as u32;
            let sub = to_hir(x, groups_on, groups, checks);
            Hir::capture(hir::Capture { index, name: None, sub: Box::new(sub) })
        }
    }
}

fn rep(min: u32, max: Option<u32>, sub: Hir) -> Hir {
    Hir::repetition(hir::Repetition { min, max, greedy: true, sub: Box::new(sub) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(grammar: &str, rule: &str) -> Compiled {
        let (_, rules) = pest_meta::parse_and_optimize(grammar).expect("grammar");
        compile(rule, &rules).expect("compiles")
    }

    #[test]
    fn deterministic_rules_are_exact_and_report_pairs() {
        let c =
            compiled(r#"d = _{ '0'..'9' } n = { d+ } r = { #a = n ~ ("," ~ d{3})* ~ "名" }"#, "r");
        assert!(c.exact);
        let Outcome::Match(m) = c.run("12,345名人") else { panic!("no match") };
        assert_eq!(m.len, "12,345名".len());
        let names: Vec<(&str, usize, usize)> =
            m.captures.iter().map(|c| (&*c.name, c.start, c.end)).collect();
        assert_eq!(names, vec![("r", 0, 9), ("n", 0, 2), ("a", 0, 2)]);
        assert!(matches!(c.run("12,名"), Outcome::NoMatch));
        // A pair inside an unbounded loop: the regex would keep only the
        // last one, so the rule is not exact.
        assert!(!compiled(r#"n = { "1" } r = { (n ~ ",")+ }"#, "r").exact);
    }

    #[test]
    fn the_alphabet_holds_every_character_a_match_can_contain() {
        let c = compiled(
            r#"han = _{ '\u{4E00}'..'\u{9FFF}' } r = { (!"的" ~ han){2,5} ~ ("小学" | "中学") ~ !"生" }"#,
            "r",
        );
        assert!(c.may_contain('城') && c.may_contain('小') && c.may_contain('学'));
        assert!(!c.may_contain('，') && !c.may_contain('a') && !c.may_contain('“'));
        // A rule that may contain anything says so for every character.
        let c = compiled(r#"r = { "“" ~ (!"”" ~ ANY)* ~ "”" }"#, "r");
        assert!(c.may_contain('，') && c.may_contain('a'));
    }

    #[test]
    fn a_match_begins_only_with_its_few_first_characters() {
        // Numerals, optional predicates dropped in the filter: 三 and 两
        // begin a match, 的 and 制 do not.
        let c = compiled(
            r#"han = _{ '\u{4E00}'..'\u{9FFF}' } d = _{ "一" | "二" | "三" | "两" }
               r = { !("一" ~ !d) ~ d? ~ d ~ han{1,3} ~ ("制度" | "工程") }"#,
            "r",
        );
        assert!(c.may_begin('三') && c.may_begin('两') && c.may_begin('一'));
        assert!(!c.may_begin('的') && !c.may_begin('制'));
        // Many first characters (any Chinese character): not tested.
        let c = compiled(r#"r = { '\u{4E00}'..'\u{9FFF}'{2} ~ "小学" }"#, "r");
        assert!(c.may_begin('的') && c.may_begin('a'));
        // A rule that can match nothing may begin anywhere.
        let c = compiled(r#"r = { "一"? }"#, "r");
        assert!(c.may_begin('x'));
    }

    #[test]
    fn ambiguous_rules_are_only_filters() {
        // PEG: a* takes every a, then "a" fails; a regex would match.
        let c = compiled(r#"r = { "a"* ~ "a" }"#, "r");
        assert!(!c.exact);
        // Ordered choice with a shorter earlier prefix: PEG never takes "ab".
        let c = compiled(r#"r = { ("a" | "ab") ~ "c" }"#, "r");
        assert!(!c.exact);
        // A later alternative that is a prefix of an earlier one is fine
        // unless the character that extends it may follow.
        assert!(compiled(r#"r = { ("人次" | "人") ~ "们" }"#, "r").exact);
        assert!(!compiled(r#"r = { ("人次" | "人") ~ "次"? }"#, "r").exact);
    }

    #[test]
    fn class_predicates_become_class_differences() {
        let c = compiled(r#"q = { "“" ~ (!"”" ~ ANY){2,5} ~ "”" }"#, "q");
        assert!(c.exact);
        assert!(matches!(c.run("“一二三”"), Outcome::Match(_)));
        assert!(matches!(c.run("“一”二”"), Outcome::NoMatch));
    }

    fn len_of(o: Outcome) -> Option<usize> {
        match o {
            Outcome::Match(m) => Some(m.len),
            Outcome::NoMatch => None,
            Outcome::Maybe => panic!("an exact rule asked pest"),
        }
    }

    #[test]
    fn top_level_predicates_are_checked_where_they_stand() {
        let c = compiled(r#"r = { "一" ~ !"二三" ~ ANY }"#, "r");
        assert!(c.exact);
        assert_eq!(len_of(c.run("一二三")), None);
        assert_eq!(len_of(c.run("一二四")), Some(6));
        let c = compiled(r#"r = { "一" ~ &("二" | "三") ~ ANY }"#, "r");
        assert!(c.exact);
        assert_eq!(len_of(c.run("一二")), Some(6));
        assert_eq!(len_of(c.run("一四")), None);
        // After an option, at the end, and through a rule call.
        let c = compiled(r#"t = _{ !"三" } r = { "一" ~ "二"? ~ t }"#, "r");
        assert!(c.exact);
        assert_eq!(len_of(c.run("一二三")), None);
        assert_eq!(len_of(c.run("一三")), None);
        assert_eq!(len_of(c.run("一二四")), Some(6));
        assert_eq!(len_of(c.run("一")), Some(3));
    }

    #[test]
    fn other_predicates_leave_a_filter_that_never_rejects_a_match() {
        // Inside a repetition or a choice pest may fail there and go on.
        for g in [r#"r = { ("一" ~ !"二三" ~ ANY)+ }"#, r#"r = { "一" ~ (!"二三" ~ ANY | "二") }"#]
        {
            let c = compiled(g, "r");
            assert!(!c.exact, "{g}");
            assert!(matches!(c.run("一二三"), Outcome::Maybe));
            assert!(matches!(c.run("二"), Outcome::NoMatch));
        }
    }

    #[test]
    fn the_start_check_drops_long_bounds_but_no_match() {
        // x{1,6}: three or more optional copies become a star in the
        // start check; the rule itself keeps its bound.
        let c = compiled(r#"t = { "《" ~ (!"》" ~ ANY){1,6} ~ ("法" | "意见") ~ "》" }"#, "t");
        assert!(c.start_check.is_some());
        let long = "《一二三四五六七八法》";
        assert!(c.matches_at(long, 0, long.len()));
        assert!(matches!(c.run(long), Outcome::NoMatch));
        for s in ["《教育法》", "《一二三四五六意见》"] {
            assert!(c.matches_at(s, 0, s.len()), "{s}");
            assert!(!matches!(c.run(s), Outcome::NoMatch), "{s}");
        }
        // Still a check: no genre word, or past the sentence end, fails.
        let s = "《一二三四》";
        assert!(!c.matches_at(s, 0, s.len()));
        assert!(!c.matches_at("《教育法》", 0, "《教育".len()));
        // Short bounds and other repetitions stay as they are.
        assert!(compiled(r#"t = { "《" ~ (!"》" ~ ANY){1,3} ~ "》" }"#, "t").start_check.is_none());
        assert!(compiled(r#"t = { ("一二" | "三"){1,6} ~ "》" }"#, "t").start_check.is_none());
    }

    #[test]
    fn whitespace_grammars_are_not_compiled() {
        let (_, rules) =
            pest_meta::parse_and_optimize(r#"WHITESPACE = _{ " " } r = { "a" ~ "b" }"#).unwrap();
        assert!(compile("r", &rules).is_none());
    }
}
