//! A small PEG machine for rules the regexes of [`crate::compile`] cannot
//! decide alone.
//!
//! It runs pest_meta's optimized AST with pest's semantics (ordered choice
//! that commits, possessive repetition, lookahead predicates, pairs for
//! non-silent rules outside atomic rules, node tags on the pair they name),
//! but with rules resolved to indices and character classes to sorted
//! ranges: no name hashing, no error bookkeeping, no stack probing per
//! call. Grammars that use what it does not implement (case-insensitive
//! strings, the stack, tags on anything but a pair-making rule) are not
//! compiled: such rules stay on pest_vm. Deep recursion gives up
//! ([`Aborted`]) and the caller asks pest_vm.

use pest_meta::ast::RuleType;
use pest_meta::optimizer::{OptimizedExpr, OptimizedRule};
use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
use std::collections::HashMap;
use std::sync::Arc;

use crate::{Capture, RawMatch};

/// Nesting of rule calls after which a run gives up (the rules of a pack
/// nest a dozen deep; a debug build's test thread holds about 400).
const MAX_DEPTH: u32 = 256;

#[derive(Clone, Debug)]
enum P {
    Empty,
    Lit(Box<str>),
    /// An ordered choice of literals, by first byte (see [`Lits`]).
    Lits(Arc<Lits>),
    Class(Box<[(char, char)]>),
    Seq(Vec<P>),
    Choice(Vec<P>),
    Opt(Box<P>),
    Star(Box<P>),
    Plus(Box<P>),
    Not(Box<P>),
    And(Box<P>),
    /// Rule index, and a tag for its pair.
    Call(usize, Option<Arc<str>>),
    /// End of input; `true`: it makes an `EOI` pair.
    Eoi(bool),
    Soi,
    Skip(Vec<Box<str>>),
    /// `!x ~ !y ~ C` where the predicates test only literals and classes:
    /// one character of the class at which none of the literals starts.
    Guard(Arc<Guard>),
    /// `x? ~ x? ~ …` (`x{0,n}`, the tail of `x{m,n}`): up to this many
    /// times `x`, until it first fails (where it failed once, it fails
    /// again: the next tries are at the same position).
    Upto(Box<P>, u32),
    /// An expression that can only succeed on one of these characters
    /// (see [`Firsts::first`]): at any other, or at the end, it fails
    /// untried.
    First(Box<[(char, char)]>, Box<P>),
}

/// See [`P::Guard`].
#[derive(Clone, Debug)]
struct Guard {
    /// The character class, less the one-character exclusions.
    class: Box<[(char, char)]>,
    /// The longer excluded literals.
    not: Lits,
}

impl Guard {
    fn match_at(&self, input: &str, pos: usize) -> Option<usize> {
        let c = input[pos..].chars().next()?;
        (class_has(&self.class, c) && self.not.match_at(&input[pos..]).is_none())
            .then(|| pos + c.len_utf8())
    }
}

/// What a predicate's expression can match, when it is only literals and
/// classes: its multi-character literals and its one-character class.
fn exclusions(p: &P, lits: &mut Vec<Box<str>>, chars: &mut ClassUnicode) -> bool {
    match p {
        P::Lit(s) => {
            match one_char(p) {
                Some(c) => chars.union(&c),
                None => lits.push(s.clone()),
            }
            true
        }
        P::Lits(set) => {
            lits.extend(set.lits.iter().cloned());
            true
        }
        P::Class(_) => {
            chars.union(&one_char(p).unwrap_or_else(ClassUnicode::empty));
            true
        }
        P::Choice(v) => v.iter().all(|x| exclusions(x, lits, chars)),
        _ => false,
    }
}

/// Folds each `!x ~ !y ~ C` of a sequence (see [`P::Guard`]) into one item.
fn guard(items: Vec<P>) -> Vec<P> {
    let mut out: Vec<P> = Vec::with_capacity(items.len());
    let mut i = 0;
    while i < items.len() {
        let mut lits = Vec::new();
        let mut chars = ClassUnicode::empty();
        // Predicates consume nothing and record nothing: their order does
        // not matter, so those on other things stay in front, in order.
        let mut others = Vec::new();
        let mut j = i;
        while let Some(P::Not(x)) = items.get(j) {
            let (mut l, mut c) = (Vec::new(), ClassUnicode::empty());
            if exclusions(x, &mut l, &mut c) {
                lits.append(&mut l);
                chars.union(&c);
            } else {
                others.push(j);
            }
            j += 1;
        }
        // One character after the predicates: they become its guard.
        let folded = j - i > others.len();
        let guarded = items.get(j).and_then(one_char).filter(|_| folded).and_then(|mut class| {
            class.difference(&chars);
            let class = ranges(&class);
            if lits.is_empty() {
                return Some(P::Class(class));
            }
            Some(P::Guard(Arc::new(Guard { class, not: Lits::index(lits)? })))
        });
        match guarded {
            Some(p) => {
                out.extend(others.iter().map(|&k| items[k].clone()));
                out.push(p);
                i = j + 1;
            }
            None => {
                let next = j.max(i + 1);
                out.extend(items[i..next].iter().cloned());
                i = next;
            }
        }
    }
    out
}

/// Adjacent literal alternatives of a choice (`"示范校" | "示范点" | …`),
/// grouped by first byte: only the ones that can match are compared, in
/// their order in the grammar, so the first that matches still wins.
#[derive(Clone, Debug)]
struct Lits {
    /// First byte → indices into `lits`, ascending.
    by_first: Vec<Vec<u16>>,
    lits: Vec<Box<str>>,
    /// Each literal's first character, compared before its bytes.
    firsts: Vec<char>,
}

impl Lits {
    /// For a choice: `None` for fewer than 4 literals (a plain choice is
    /// as fast), and as [`Lits::index`].
    fn new(lits: Vec<Box<str>>) -> Option<Lits> {
        (lits.len() >= 4).then(|| Lits::index(lits)).flatten()
    }

    /// Indexes `lits` by first byte; `None` for too many to index or an
    /// empty one.
    fn index(lits: Vec<Box<str>>) -> Option<Lits> {
        if lits.len() > usize::from(u16::MAX) || lits.iter().any(|l| l.is_empty()) {
            return None;
        }
        let mut by_first = vec![Vec::new(); 256];
        for (i, l) in lits.iter().enumerate() {
            by_first[usize::from(l.as_bytes()[0])].push(i as u16);
        }
        let firsts = lits.iter().map(|l| l.chars().next().unwrap_or_default()).collect();
        Some(Lits { by_first, lits, firsts })
    }

    /// The length of the first literal that `rest` starts with.
    fn match_at(&self, rest: &str) -> Option<usize> {
        let c = rest.chars().next()?;
        let bytes = rest.as_bytes();
        self.by_first[usize::from(bytes[0])]
            .iter()
            .map(|&i| usize::from(i))
            .filter(|&i| self.firsts[i] == c)
            .map(|i| self.lits[i].as_bytes())
            .find(|l| bytes.starts_with(l))
            .map(<[u8]>::len)
    }
}

#[derive(Clone, Debug)]
struct PRule {
    name: Arc<str>,
    pair: bool,
    body: P,
}

/// A rule compiled for the machine.
#[derive(Clone, Debug)]
pub struct Program {
    rules: Vec<PRule>,
    start: usize,
    /// The name of `EOI` pairs.
    eoi: Arc<str>,
}

/// The run nested too deeply; ask pest_vm.
#[derive(Debug)]
pub struct Aborted;

struct Builder<'r> {
    by_name: &'r HashMap<&'r str, &'r OptimizedRule>,
    index: HashMap<(String, bool), usize>,
    rules: Vec<PRule>,
    /// Per rule: whether its body is complete (a rule still being built is
    /// being called recursively and must stay a call).
    built: Vec<bool>,
    props: HashMap<String, Box<[(char, char)]>>,
    /// Inside a predicate (no pairs are made there).
    pred: u32,
}

struct Unsupported;

fn ranges(c: &ClassUnicode) -> Box<[(char, char)]> {
    c.ranges().iter().map(|r| (r.start(), r.end())).collect()
}

fn range(a: char, b: char) -> P {
    P::Class(Box::new([(a, b)]))
}

/// Compiles grammar rule `rule` (which must make a pair). `None` when the
/// grammar uses something the machine does not implement.
pub fn compile(rule: &str, rules: &[OptimizedRule]) -> Option<Program> {
    if rules.iter().any(|r| r.name == "WHITESPACE" || r.name == "COMMENT") {
        return None;
    }
    let by_name: HashMap<&str, &OptimizedRule> =
        rules.iter().map(|r| (r.name.as_str(), r)).collect();
    let mut b = Builder {
        by_name: &by_name,
        index: HashMap::new(),
        rules: Vec::new(),
        built: Vec::new(),
        props: HashMap::new(),
        pred: 0,
    };
    let start = b.rule(rule, false).ok()?;
    let mut rules = b.rules;
    let mut firsts = Firsts { memo: vec![Memo::Todo; rules.len()] };
    // Every rule's first set, from the bodies as built, before any is
    // rewritten.
    for i in 0..rules.len() {
        firsts.first(&P::Call(i, None), &rules);
    }
    for i in 0..rules.len() {
        let body = std::mem::replace(&mut rules[i].body, P::Empty);
        rules[i].body = firsts.wrap(body, &rules);
    }
    Some(Program { rules, start, eoi: "EOI".into() })
}

/// Above this many characters, a first set is not worth testing: nearly
/// every character of Chinese text is in it.
const SELECTIVE: u32 = 4096;

#[derive(Clone)]
enum Memo {
    Todo,
    Busy,
    Done(Option<ClassUnicode>),
}

/// First sets of rule bodies, computed once per rule.
struct Firsts {
    memo: Vec<Memo>,
}

impl Firsts {
    /// The characters `p` must start with to succeed: `Some(set)` when
    /// every success of `p` consumes a first character from `set`; `None`
    /// when it may succeed without consuming or nothing is known.
    fn first(&mut self, p: &P, rules: &[PRule]) -> Option<ClassUnicode> {
        match p {
            P::Lit(_) | P::Class(_) => one_first(p),
            P::Lits(set) => {
                Some(ClassUnicode::new(set.firsts.iter().map(|&c| ClassUnicodeRange::new(c, c))))
            }
            P::Guard(g) => {
                Some(ClassUnicode::new(g.class.iter().map(|&(a, b)| ClassUnicodeRange::new(a, b))))
            }
            P::First(set, _) => {
                Some(ClassUnicode::new(set.iter().map(|&(a, b)| ClassUnicodeRange::new(a, b))))
            }
            P::Plus(x) => self.first(x, rules),
            P::Choice(alts) => {
                let mut all = ClassUnicode::empty();
                for a in alts {
                    all.union(&self.first(a, rules)?);
                }
                Some(all)
            }
            P::Seq(items) => {
                // Predicates consume nothing; optional items add their
                // first characters to those of what follows.
                let mut all = ClassUnicode::empty();
                for x in items {
                    match x {
                        P::Not(_) | P::And(_) => {}
                        P::Opt(y) | P::Star(y) | P::Upto(y, _) => all.union(&self.first(y, rules)?),
                        _ => {
                            all.union(&self.first(x, rules)?);
                            return Some(all);
                        }
                    }
                }
                None
            }
            P::Call(i, _) => match &self.memo[*i] {
                Memo::Done(f) => f.clone(),
                Memo::Busy => None,
                Memo::Todo => {
                    self.memo[*i] = Memo::Busy;
                    let f = self.first(&rules[*i].body, rules);
                    self.memo[*i] = Memo::Done(f.clone());
                    f
                }
            },
            P::Empty
            | P::Opt(_)
            | P::Upto(..)
            | P::Star(_)
            | P::Not(_)
            | P::And(_)
            | P::Eoi(_)
            | P::Soi
            | P::Skip(_) => None,
        }
    }

    /// `p` behind a test of its first character, when `p` is costlier to
    /// try than that test and its first set is small.
    fn guarded(&mut self, p: P, rules: &[PRule]) -> P {
        let p = self.wrap(p, rules);
        if matches!(p, P::Lit(_) | P::Lits(_) | P::Class(_) | P::Guard(_) | P::First(..)) {
            return p;
        }
        match self.first(&p, rules) {
            Some(set) if size(&set) <= SELECTIVE => P::First(ranges(&set), Box::new(p)),
            _ => p,
        }
    }

    /// Puts first-character tests where a failing expression is tried
    /// often: alternatives, predicates, repetitions and calls.
    fn wrap(&mut self, p: P, rules: &[PRule]) -> P {
        match p {
            P::Choice(alts) => {
                P::Choice(alts.into_iter().map(|a| self.guarded(a, rules)).collect())
            }
            P::Seq(items) => P::Seq(
                items
                    .into_iter()
                    .map(|x| match x {
                        P::Call(..) => self.guarded(x, rules),
                        x => self.wrap(x, rules),
                    })
                    .collect(),
            ),
            P::Not(x) => P::Not(Box::new(self.guarded(*x, rules))),
            P::And(x) => P::And(Box::new(self.guarded(*x, rules))),
            P::Opt(x) => P::Opt(Box::new(self.guarded(*x, rules))),
            P::Star(x) => P::Star(Box::new(self.guarded(*x, rules))),
            P::Plus(x) => P::Plus(Box::new(self.guarded(*x, rules))),
            P::Upto(x, n) => P::Upto(Box::new(self.guarded(*x, rules)), n),
            P::First(set, x) => P::First(set, Box::new(self.wrap(*x, rules))),
            other => other,
        }
    }
}

/// The number of characters in `set`.
fn size(set: &ClassUnicode) -> u32 {
    set.ranges().iter().map(|r| r.end() as u32 - r.start() as u32 + 1).sum()
}

/// The first character of a literal or class node.
fn one_first(p: &P) -> Option<ClassUnicode> {
    match p {
        P::Lit(s) => {
            let c = s.chars().next()?;
            Some(ClassUnicode::new([ClassUnicodeRange::new(c, c)]))
        }
        P::Class(r) => {
            Some(ClassUnicode::new(r.iter().map(|&(a, b)| ClassUnicodeRange::new(a, b))))
        }
        _ => None,
    }
}

impl Builder<'_> {
    /// The index of `name` called in atomicity `atomic`.
    fn rule(&mut self, name: &str, atomic: bool) -> Result<usize, Unsupported> {
        if let Some(&i) = self.index.get(&(name.to_string(), atomic)) {
            return Ok(i);
        }
        let rule = *self.by_name.get(name).ok_or(Unsupported)?;
        let (pair, inner) = match rule.ty {
            RuleType::Normal => (!atomic, atomic),
            RuleType::Silent => (false, atomic),
            RuleType::Atomic => (!atomic, true),
            RuleType::CompoundAtomic | RuleType::NonAtomic => (true, false),
        };
        let i = self.rules.len();
        self.rules.push(PRule { name: name.into(), pair, body: P::Empty });
        self.built.push(false);
        self.index.insert((name.to_string(), atomic), i);
        // The body serves calls from anywhere: built outside predicates,
        // with its pairs.
        let pred = std::mem::take(&mut self.pred);
        let body = self.expr(&rule.expr, inner);
        self.pred = pred;
        self.rules[i].body = body?;
        self.built[i] = true;
        Ok(i)
    }

    fn ident(&mut self, name: &str, atomic: bool) -> Result<P, Unsupported> {
        Ok(match name {
            "ANY" => range('\0', char::MAX),
            "EOI" => P::Eoi(!atomic),
            "SOI" => P::Soi,
            "ASCII_DIGIT" => range('0', '9'),
            "ASCII_NONZERO_DIGIT" => range('1', '9'),
            "ASCII_BIN_DIGIT" => range('0', '1'),
            "ASCII_OCT_DIGIT" => range('0', '7'),
            "ASCII_HEX_DIGIT" => P::Class(Box::new([('0', '9'), ('A', 'F'), ('a', 'f')])),
            "ASCII_ALPHA_LOWER" => range('a', 'z'),
            "ASCII_ALPHA_UPPER" => range('A', 'Z'),
            "ASCII_ALPHA" => P::Class(Box::new([('A', 'Z'), ('a', 'z')])),
            "ASCII_ALPHANUMERIC" => P::Class(Box::new([('0', '9'), ('A', 'Z'), ('a', 'z')])),
            "ASCII" => range('\0', '\x7f'),
            "NEWLINE" => {
                P::Choice(vec![P::Lit("\n".into()), P::Lit("\r\n".into()), P::Lit("\r".into())])
            }
            "PEEK" | "PEEK_ALL" | "POP" | "POP_ALL" | "DROP" => return Err(Unsupported),
            _ if self.by_name.contains_key(name) => {
                let i = self.rule(name, atomic)?;
                // A rule that makes no pair and calls no rule (punct,
                // function_char, han …) is inlined: the same matching
                // without a call per character. Inside a predicate no rule
                // makes a pair.
                let leaf = &self.rules[i];
                if self.built[i] && (!leaf.pair || self.pred > 0) && !calls(&leaf.body) {
                    leaf.body.clone()
                } else {
                    P::Call(i, None)
                }
            }
            _ => P::Class(self.property(name)?),
        })
    }

    /// A Unicode property of pest, as ranges (computed once per name).
    fn property(&mut self, name: &str) -> Result<Box<[(char, char)]>, Unsupported> {
        if let Some(r) = self.props.get(name) {
            return Ok(r.clone());
        }
        let f = pest::unicode::by_name(name).ok_or(Unsupported)?;
        let mut cls = ClassUnicode::empty();
        let mut run: Option<(char, char)> = None;
        for c in ('\0'..=char::MAX).filter(|&c| f(c)) {
            run = match run {
                Some((a, b)) if b as u32 + 1 == c as u32 => Some((a, c)),
                Some((a, b)) => {
                    cls.push(ClassUnicodeRange::new(a, b));
                    Some((c, c))
                }
                None => Some((c, c)),
            };
        }
        if let Some((a, b)) = run {
            cls.push(ClassUnicodeRange::new(a, b));
        }
        let r = ranges(&cls);
        self.props.insert(name.to_string(), r.clone());
        Ok(r)
    }

    fn expr(&mut self, e: &OptimizedExpr, atomic: bool) -> Result<P, Unsupported> {
        Ok(match e {
            OptimizedExpr::Str(s) if s.is_empty() => P::Empty,
            OptimizedExpr::Str(s) => P::Lit(s.as_str().into()),
            OptimizedExpr::Range(a, b) => match (a.chars().next(), b.chars().next()) {
                (Some(a), Some(b)) if a <= b => range(a, b),
                (Some(_), Some(_)) => P::Class(Box::new([])),
                _ => return Err(Unsupported),
            },
            OptimizedExpr::Ident(name) => self.ident(name, atomic)?,
            OptimizedExpr::PosPred(x) | OptimizedExpr::NegPred(x) => {
                self.pred += 1;
                let x = self.expr(x, atomic);
                self.pred -= 1;
                match e {
                    OptimizedExpr::PosPred(_) => P::And(Box::new(x?)),
                    _ => P::Not(Box::new(x?)),
                }
            }
            OptimizedExpr::Seq(..) => {
                let mut flat = Vec::new();
                flatten(e, true, &mut flat);
                let mut items = Vec::with_capacity(flat.len());
                let mut k = 0;
                while k < flat.len() {
                    // A run of the same optional item: one bounded loop.
                    let run = match flat[k] {
                        OptimizedExpr::Opt(x) if !matches!(**x, OptimizedExpr::Opt(_)) => {
                            flat[k..].iter().take_while(|y| **y == flat[k]).count()
                        }
                        _ => 0,
                    };
                    match flat[k] {
                        OptimizedExpr::Opt(x) if run > 1 => {
                            let n = u32::try_from(run).map_err(|_| Unsupported)?;
                            items.push(P::Upto(Box::new(self.expr(x, atomic)?), n));
                            k += run;
                        }
                        x => {
                            items.push(self.expr(x, atomic)?);
                            k += 1;
                        }
                    }
                }
                match guard(items) {
                    v if v.len() == 1 => v.into_iter().next().expect("one"),
                    v => P::Seq(v),
                }
            }
            OptimizedExpr::Choice(..) => {
                let mut items = Vec::new();
                flatten(e, false, &mut items);
                // Adjacent one-character alternatives all consume one
                // character: trying them in order is testing a class.
                let mut alts: Vec<P> = Vec::new();
                for x in items {
                    let p = self.expr(x, atomic)?;
                    match (alts.last().and_then(one_char), one_char(&p)) {
                        (Some(mut a), Some(b)) => {
                            a.union(&b);
                            *alts.last_mut().expect("non-empty") = P::Class(ranges(&a));
                        }
                        _ => alts.push(p),
                    }
                }
                let alts = group_literals(alts);
                if alts.len() == 1 {
                    alts.into_iter().next().expect("one")
                } else {
                    P::Choice(alts)
                }
            }
            OptimizedExpr::Opt(x) => P::Opt(Box::new(self.expr(x, atomic)?)),
            OptimizedExpr::Rep(x) => P::Star(Box::new(self.expr(x, atomic)?)),
            OptimizedExpr::RepOnce(x) => P::Plus(Box::new(self.expr(x, atomic)?)),
            OptimizedExpr::Skip(strings) => {
                P::Skip(strings.iter().map(|s| s.as_str().into()).collect())
            }
            OptimizedExpr::RestoreOnErr(x) => self.expr(x, atomic)?,
            OptimizedExpr::NodeTag(x, tag) => match &**x {
                OptimizedExpr::Ident(name) if self.by_name.contains_key(name.as_str()) => {
                    let i = self.rule(name, atomic)?;
                    if !self.rules[i].pair {
                        return Err(Unsupported); // pest tags another pair
                    }
                    P::Call(i, Some(tag.as_str().into()))
                }
                _ => return Err(Unsupported),
            },
            OptimizedExpr::Insens(_)
            | OptimizedExpr::PeekSlice(..)
            | OptimizedExpr::Push(_)
            | OptimizedExpr::PushLiteral(_) => return Err(Unsupported),
        })
    }
}

/// Whether `p` calls a rule.
fn calls(p: &P) -> bool {
    any(p, &|x| matches!(x, P::Call(..)))
}

/// Whether `p` or an expression inside it satisfies `f`.
fn any(p: &P, f: &dyn Fn(&P) -> bool) -> bool {
    f(p) || match p {
        P::Seq(v) | P::Choice(v) => v.iter().any(|x| any(x, f)),
        P::Opt(x)
        | P::Star(x)
        | P::Plus(x)
        | P::Not(x)
        | P::And(x)
        | P::First(_, x)
        | P::Upto(x, _) => any(x, f),
        P::Call(..)
        | P::Empty
        | P::Lit(_)
        | P::Lits(_)
        | P::Class(_)
        | P::Eoi(_)
        | P::Soi
        | P::Skip(_)
        | P::Guard(_) => false,
    }
}

/// Replaces each run of adjacent literal alternatives by one [`P::Lits`].
fn group_literals(alts: Vec<P>) -> Vec<P> {
    let mut out = Vec::new();
    let mut run: Vec<Box<str>> = Vec::new();
    let flush = |run: &mut Vec<Box<str>>, out: &mut Vec<P>| {
        let lits = std::mem::take(run);
        match Lits::new(lits.clone()) {
            Some(set) => out.push(P::Lits(Arc::new(set))),
            None => out.extend(lits.into_iter().map(P::Lit)),
        }
    };
    for p in alts {
        match p {
            P::Lit(s) => run.push(s),
            other => {
                flush(&mut run, &mut out);
                out.push(other);
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The class of a node that matches exactly one character from a class.
fn one_char(p: &P) -> Option<ClassUnicode> {
    match p {
        P::Class(r) => {
            Some(ClassUnicode::new(r.iter().map(|&(a, b)| ClassUnicodeRange::new(a, b))))
        }
        P::Lit(s) => {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Some(ClassUnicode::new([ClassUnicodeRange::new(c, c)])),
                _ => None,
            }
        }
        _ => None,
    }
}

fn flatten<'a>(e: &'a OptimizedExpr, seq: bool, out: &mut Vec<&'a OptimizedExpr>) {
    match (e, seq) {
        (OptimizedExpr::Seq(a, b), true) | (OptimizedExpr::Choice(a, b), false) => {
            flatten(a, seq, out);
            flatten(b, seq, out);
        }
        _ => out.push(e),
    }
}

struct Run<'p, 'i> {
    prog: &'p Program,
    input: &'i str,
    /// Pairs as (name, start, end): names borrowed from the program until
    /// the run succeeds, so that failed attempts allocate no strings.
    caps: Vec<(&'p Arc<str>, usize, usize)>,
    /// Inside a predicate: no pairs.
    pred: u32,
    depth: u32,
}

impl Program {
    /// Runs at the start of `input`: pest_vm's result, or [`Aborted`].
    pub fn run(&self, input: &str) -> Result<Option<RawMatch>, Aborted> {
        let mut r = Run { prog: self, input, caps: Vec::with_capacity(16), pred: 0, depth: 0 };
        let end = r.call(self.start, None, 0)?;
        Ok(end.map(|len| RawMatch {
            len,
            captures: r
                .caps
                .into_iter()
                .map(|(name, start, end)| Capture { name: Arc::clone(name), start, end })
                .collect(),
        }))
    }
}

impl<'p> Run<'p, '_> {
    fn call(
        &mut self,
        i: usize,
        tag: Option<&'p Arc<str>>,
        pos: usize,
    ) -> Result<Option<usize>, Aborted> {
        if self.depth >= MAX_DEPTH {
            return Err(Aborted);
        }
        let prog = self.prog;
        let rule = &prog.rules[i];
        let k = self.caps.len();
        let record = rule.pair && self.pred == 0;
        if record {
            self.caps.push((&rule.name, pos, pos));
            if let Some(t) = tag {
                self.caps.push((t, pos, pos));
            }
        }
        self.depth += 1;
        let r = self.eval(&rule.body, pos);
        self.depth -= 1;
        match r? {
            Some(end) => {
                if record {
                    for c in &mut self.caps[k..k + 1 + usize::from(tag.is_some())] {
                        c.2 = end;
                    }
                }
                Ok(Some(end))
            }
            None => {
                self.caps.truncate(k);
                Ok(None)
            }
        }
    }

    fn eval(&mut self, mut p: &'p P, pos: usize) -> Result<Option<usize>, Aborted> {
        // A first-character test adds no frame: deep grammars recurse
        // through calls only as deep as before.
        while let P::First(set, x) = p {
            match self.input[pos..].chars().next() {
                Some(c) if class_has(set, c) => p = x,
                _ => return Ok(None),
            }
        }
        Ok(match p {
            P::Empty => Some(pos),
            P::Lit(s) => {
                let (rest, lit) = (&self.input.as_bytes()[pos..], s.as_bytes());
                // Two bytes before the comparison: Chinese characters share
                // a few first bytes.
                let agree = |k: usize| lit.get(k).is_none_or(|b| rest.get(k) == Some(b));
                (agree(0) && agree(1) && rest.starts_with(lit)).then(|| pos + s.len())
            }
            P::Lits(set) => set.match_at(&self.input[pos..]).map(|n| pos + n),
            P::Guard(g) => g.match_at(self.input, pos),
            P::Class(ranges) => {
                let c = self.input[pos..].chars().next();
                c.filter(|&c| class_has(ranges, c)).map(|c| pos + c.len_utf8())
            }
            P::Seq(items) => {
                let k = self.caps.len();
                let mut at = pos;
                for x in items {
                    match self.eval(x, at)? {
                        Some(next) => at = next,
                        None => {
                            self.caps.truncate(k);
                            return Ok(None);
                        }
                    }
                }
                Some(at)
            }
            P::Choice(alts) => {
                for x in alts {
                    if let Some(end) = self.eval(x, pos)? {
                        return Ok(Some(end));
                    }
                }
                None
            }
            P::Opt(x) => Some(self.eval(x, pos)?.unwrap_or(pos)),
            P::Star(x) => Some(self.repeat(x, pos)?),
            P::Upto(x, n) => Some(self.upto(x, *n, pos)?),
            P::Plus(x) => match self.eval(x, pos)? {
                Some(next) => Some(self.repeat(x, next)?),
                None => None,
            },
            P::Not(x) | P::And(x) => {
                self.pred += 1;
                let r = self.eval(x, pos);
                self.pred -= 1;
                let matched = r?.is_some();
                (matched == matches!(p, P::And(_))).then_some(pos)
            }
            P::Call(i, tag) => self.call(*i, tag.as_ref(), pos)?,
            P::First(..) => unreachable!("taken before the match"),
            P::Eoi(pair) => {
                let at_end = pos == self.input.len();
                if at_end && *pair && self.pred == 0 {
                    self.caps.push((&self.prog.eoi, pos, pos));
                }
                at_end.then_some(pos)
            }
            P::Soi => (pos == 0).then_some(pos),
            P::Skip(strings) => {
                let rest = &self.input[pos..];
                let found = rest
                    .char_indices()
                    .map(|(i, _)| i)
                    .find(|&i| strings.iter().any(|s| rest[i..].starts_with(&**s)));
                Some(pos + found.unwrap_or(rest.len()))
            }
        })
    }

    fn upto(&mut self, x: &'p P, n: u32, mut pos: usize) -> Result<usize, Aborted> {
        for _ in 0..n {
            match self.eval(x, pos)? {
                Some(next) => pos = next,
                None => break,
            }
        }
        Ok(pos)
    }

    fn repeat(&mut self, x: &'p P, mut pos: usize) -> Result<usize, Aborted> {
        while let Some(next) = self.eval(x, pos)? {
            if next == pos {
                break;
            }
            pos = next;
        }
        Ok(pos)
    }
}

fn class_has(ranges: &[(char, char)], c: char) -> bool {
    if ranges.len() <= 4 {
        return ranges.iter().any(|&(a, b)| a <= c && c <= b);
    }
    let i = ranges.partition_point(|&(_, b)| b < c);
    i < ranges.len() && ranges[i].0 <= c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(grammar: &str, rule: &str, inputs: &[&str]) {
        let (_, rules) = pest_meta::parse_and_optimize(grammar).expect("grammar");
        let prog = compile(rule, &rules).expect("compiles");
        let vm = pest_vm::Vm::new(rules);
        for input in inputs {
            let ours = prog.run(input).expect("not aborted");
            let pest = vm.parse(rule, input).ok().map(|pairs| {
                let mut caps = Vec::new();
                let mut len = 0;
                for p in pairs.flatten() {
                    let s = p.as_span();
                    len = len.max(s.end());
                    caps.push((p.as_rule().to_string(), s.start(), s.end()));
                    if let Some(t) = p.as_node_tag() {
                        caps.push((t.to_string(), s.start(), s.end()));
                    }
                }
                (len, caps)
            });
            let ours = ours.map(|m| {
                (
                    m.len,
                    m.captures.into_iter().map(|c| (c.name.to_string(), c.start, c.end)).collect(),
                )
            });
            assert_eq!(ours, pest, "{grammar} on {input:?}");
        }
    }

    #[test]
    fn predicates_choices_and_repetitions_behave_as_in_pest() {
        both(
            r#"d = { '0'..'9' } n = @{ d+ } u = { "名" | "人次" | "人" }
               q = { #v = n ~ #unit = u ~ !("年" | "月") ~ &ANY? }"#,
            "q",
            &["12人次", "3名年", "45人", "x", "7月", "", "9名学生"],
        );
        both(
            r#"c = _{ !"的" ~ '\u{4E00}'..'\u{9FFF}' } w = { c{2,4} ~ &"校" } r = { w ~ "校" ~ EOI? }"#,
            "r",
            &["东门校", "的门校", "一二三四五校", "一二校", "一二"],
        );
        both(r#"r = { (!"”" ~ ANY)* ~ "”" }"#, "r", &["abc”d", "abc"]);
        both(r#"r = { "a"* ~ "a" }"#, "r", &["aaa", ""]);
        both(r#"r = { ("a" ~ r) | "b" }"#, "r", &["aab", "aa", "b"]);
    }

    #[test]
    fn literal_sets_and_inlined_leaf_rules_behave_as_in_pest() {
        // Ordered literals sharing first bytes (the shorter first wins, as
        // in pest), a silent leaf rule used under predicates, and a
        // recursive silent rule that must stay a call.
        both(
            r#"
            head = _{ "示范" | "示范校" | "示范点" | "先进" | "先进集体" | "楷模" | "ab" | "abc" }
            stop = _{ "的" | "和" | "与" }
            nest = _{ "(" ~ nest? ~ ")" }
            r = { (!head ~ !stop ~ '\u{4E00}'..'\u{9FFF}')* ~ head ~ nest? ~ "x"? }
            "#,
            "r",
            &[
                "党建示范校",
                "党建先进集体",
                "的示范",
                "楷模((()))x",
                "abc",
                "党和示范",
                "优秀楷模(()x",
                "无",
            ],
        );
    }

    #[test]
    fn guarded_characters_behave_as_in_pest() {
        // `(!lits ~ !class ~ C){m,n}` runs fold into one guarded class; a
        // predicate on something else (a pair) stays as it is.
        let g = r#"han = _{ '\u{4E00}'..'\u{9FFF}' } end = _{ "。" | "！" }
            stop = _{ "小学" | "中学" | "学校" }
            p = { "党" }
            r = { (!stop ~ !end ~ !"的" ~ han){2,5} ~ ("小学" | "中学") ~ (!p ~ !"校区" ~ ANY)? }
            q = { "“" ~ (!"”" ~ !"\n" ~ !("星级" | "。") ~ ANY){1,8} ~ "”" }"#;
        let (_, rules) = pest_meta::parse_and_optimize(g).expect("grammar");
        let prog = compile("q", &rules).expect("compiles");
        let guarded = |p: &P| matches!(p, P::Guard(_));
        assert!(prog.rules.iter().any(|r| any(&r.body, &guarded)));
        both(
            g,
            "r",
            &[
                "青松小学",
                "青松的小学",
                "城关小学党支部",
                "城关小学校区",
                "城关小学生",
                "学校小学",
                "青松。小学",
                "青",
            ],
        );
        both(g, "q", &["“五星级”", "“三个一”", "“三\n一”", "“”", "“一。”", "“a星b”"]);
    }

    #[test]
    fn bounded_repetitions_and_first_sets_behave_as_in_pest() {
        // `x{m,n}` unrolls to optional items that become one bounded loop;
        // pair rules under predicates are inlined; first-character tests
        // sit before calls, alternatives and predicates. An empty pair
        // inside a bounded loop is recorded once per turn, as in pest.
        let g = r#"lq = _{ "“" } rq = _{ "”" }
            head = { "示范校" | "先进集体" | "楷模" ~ !"们" }
            e = { "" }
            body = _{ (!head ~ !rq ~ !("了" ~ rq) ~ ANY){2,6} }
            q = { lq ~ #name = n ~ rq }
            n = { body }
            r = { (head | q | "党" ~ e{0,3}) ~ ("、" ~ q){0,2} }
            s = { (e ~ "x"?){0,3} ~ "y" }"#;
        let (_, rules) = pest_meta::parse_and_optimize(g).expect("grammar");
        let prog = compile("r", &rules).expect("compiles");
        let has = |f: &dyn Fn(&P) -> bool| prog.rules.iter().any(|r| any(&r.body, f));
        assert!(has(&|p| matches!(p, P::Upto(..))));
        assert!(has(&|p| matches!(p, P::First(..))));
        both(
            g,
            "r",
            &[
                "“党建示范”",
                "“一二三四五六七”",
                "“一”",
                "“示范校”",
                "楷模们",
                "楷模",
                "党、“红色引擎”、“先锋”",
                "党、“红”",
                "“一二了”",
                "“一二三了”",
                "",
            ],
        );
        both(g, "s", &["y", "xy", "xxxy", "xxxxy", "z"]);
        // A rule first met under a predicate keeps its pairs where it is
        // called outside one.
        both(
            r#"inner = { "a" } outer = { inner ~ "b" } r = { !("x" ~ outer) ~ outer ~ inner? }"#,
            "r",
            &["ab", "aba", "xab", "b"],
        );
    }

    #[test]
    fn unsupported_grammars_are_left_to_pest() {
        let (_, rules) = pest_meta::parse_and_optimize(r#"r = { ^"ab" }"#).unwrap();
        assert!(compile("r", &rules).is_none());
        let (_, rules) = pest_meta::parse_and_optimize(r#"r = { PUSH("a") ~ POP }"#).unwrap();
        assert!(compile("r", &rules).is_none());
    }

    #[test]
    fn deep_recursion_aborts_instead_of_overflowing() {
        let (_, rules) = pest_meta::parse_and_optimize(r#"r = { "(" ~ r? ~ ")" }"#).unwrap();
        let prog = compile("r", &rules).unwrap();
        let deep = format!("{}{}", "(".repeat(2000), ")".repeat(2000));
        assert!(prog.run(&deep).is_err());
        assert!(prog.run("(())").unwrap().is_some());
    }
}
