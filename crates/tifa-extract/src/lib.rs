//! `extract(&packs, &doc) -> Extraction`: from a document's text to
//! mentions and relations. Pure and deterministic: the same text and packs
//! give byte-identical output, whatever the thread count.
//!
//! The flow for one document:
//! 1. [`NormText`] builds the matching view (full-width forms, quote
//!    styles, words rejoined across layout breaks) with a map back to the
//!    original characters, and [`sentences`] splits it.
//! 2. One Aho-Corasick pass finds every rule's literal anchors; each rule
//!    is attempted only at `anchor - lookback ..= anchor`, inside the
//!    anchor's sentence, and each attempt sees only the rest of that
//!    sentence.
//! 3. Each rule keeps its leftmost non-overlapping matches; all rules see
//!    the whole text, so a match nested in another rule's match is found.
//! 4. Overlaps are resolved inside a rule's *group* (its mention type by
//!    default) by one documented policy: the longer match wins, then the
//!    higher priority, then the earlier rule in pack order, then the
//!    earlier start. Mentions of different groups may overlap freely.
//! 5. Spans become character offsets into the original text; relations
//!    come from the winners' relation declarations and `parent` fields.
//!
//! ```
//! use tifa_rules::{Library, PackSource, load};
//! let mut src = PackSource::new("demo");
//! src.insert("pack.toml", "[pack]\nname = \"demo\"\ngrammars = [\"d.pest\"]\n\
//!     [[rule]]\nid = \"plus\"\ntype = \"PlusCompound\"\ntext = \"name\"\n\
//!     fields = { left = \"left\" }\n");
//! src.insert("d.pest", "han = _{ '\\u{4E00}'..'\\u{9FFF}' }\nleft = { han{2} }\n\
//!     name = { left ~ \"+\" ~ han{2} }\nplus = { \"“\" ~ name ~ \"”\" }\n");
//! let packs = vec![load(&src, &Library::default()).unwrap()];
//! let ex = tifa_extract::Extractor::new(&packs);
//! let out = ex.extract("a.txt", "推行“党建+业务”模式");
//! assert_eq!(out.mentions[0].text, "党建+业务");
//! assert_eq!((out.mentions[0].start, out.mentions[0].end), (3, 8));
//! ```

mod context;
pub mod examples;
mod items;
mod resolve;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use tifa_model::{Extraction, Fields, Mention, Relation, RelationTag};
use tifa_rules::{Anchors, Pack, RawMatch, Rule, SELF};
use tifa_text::{sentences, NormText};

pub use resolve::{resolve_overlaps, Candidate};

/// A rule's place: pack index and rule index in that pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleRef {
    /// Index into the packs.
    pub pack: usize,
    /// Index into that pack's rules.
    pub rule: usize,
}

/// Which engine runs a rule at a candidate position. Both give the same
/// output (the differential test checks it); `Interpreter` exists to check
/// `Compiled` against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// Regexes compiled from the grammars, pest_vm where they cannot decide.
    #[default]
    Compiled,
    /// pest_vm at every candidate.
    Interpreter,
}

/// Compiled candidate finder over a set of packs.
pub struct Extractor<'p> {
    packs: &'p [Pack],
    engine: Engine,
    /// Rules in global order (pack order, then rule order).
    order: Vec<RuleRef>,
    /// Every rule's anchors, required literals and lexicon terms, and the
    /// first characters of scanned rules: one overlapping pass finds them
    /// all.
    ac: Option<Charwise>,
    /// Pattern index of `ac` → what it is to which rule.
    pattern_rules: Vec<Vec<Literal>>,
    /// Per global rule index, its required literal sets (indices into the
    /// per-document occurrence lists): its anchor set too for a scanned
    /// rule, whose candidates need not hold an anchor.
    requires: Vec<Vec<usize>>,
    /// How many distinct required sets there are.
    sets: usize,
    /// Rules tried at every character.
    everywhere: Vec<usize>,
    /// Lexicon rules (global indices); their terms are in `ac`.
    lexicon_rules: Vec<usize>,
    /// Per global rule index, its overlap group as a number (groups in
    /// order of first use).
    groups: Vec<usize>,
    /// Per global rule index with an `after` list: the last characters of
    /// its words, sorted, and whether `^` (a sentence start) is one.
    after_ends: Vec<Option<(Vec<char>, bool)>>,
    /// Per global rule index, its one-character `not_after` words, sorted:
    /// a start right after one of them is not tried.
    not_after_chars: Vec<Vec<char>>,
}

/// The anchor automaton: Aho-Corasick over characters in a double array
/// (daachorse). Chinese text has three bytes a character; a byte-wise
/// automaton makes three transitions where this one makes one.
type Charwise = daachorse::CharwiseDoubleArrayAhoCorasick<u32>;

/// What a literal of the anchor automaton is to a rule.
#[derive(Clone, Copy, Debug)]
enum Literal {
    /// An anchor of rule `.0` (global index), with its look-back in chars.
    Anchor(usize, usize),
    /// A member of required set `.0`.
    Required(usize),
    /// A term of lexicon rule `.0` (index into `lexicon_rules`).
    Term(usize),
    /// A character that every match of scanned rule `.0` starts with.
    First(usize),
}

/// Where the literals of each required set occur in a document (byte
/// offsets of their starts, sorted).
type Occurrences = Vec<Vec<usize>>;

/// Lists of positions kept per thread from one document to the next: a
/// document needs a list per rule and per required set, and allocating
/// them anew cost more than the pass over a short document.
mod lists {
    use std::cell::RefCell;

    thread_local! {
        static POOL: RefCell<Vec<Vec<usize>>> = const { RefCell::new(Vec::new()) };
    }

    /// A list longer than this is let go rather than kept.
    const KEEP: usize = 1 << 16;

    /// `n` empty lists (each with room for a few entries).
    pub(crate) fn take(n: usize) -> Vec<Vec<usize>> {
        POOL.with_borrow_mut(|pool| {
            (0..n).map(|_| pool.pop().unwrap_or_else(|| Vec::with_capacity(16))).collect()
        })
    }

    /// Returns lists for later documents, emptied.
    pub(crate) fn give_back(lists: Vec<Vec<usize>>) {
        POOL.with_borrow_mut(|pool| {
            for mut l in lists {
                if l.capacity() <= KEEP {
                    l.clear();
                    pool.push(l);
                }
            }
        })
    }
}

/// What the automaton passes over a document found.
struct Scan {
    /// Candidate starts per global rule index ([`Extractor::candidates`]).
    cands: Vec<Vec<usize>>,
    /// Where each required set's literals start.
    occurs: Occurrences,
    /// Per lexicon rule, its matches (leftmost-longest, no overlaps).
    terms: Vec<Vec<Range<usize>>>,
}

/// Distinct strings, each with the values that asked for it, made into one
/// automaton whose pattern indices are the strings' indices.
struct PatternIndex<V> {
    ids: BTreeMap<String, usize>,
    values: Vec<Vec<V>>,
}

impl<V> Default for PatternIndex<V> {
    fn default() -> Self {
        PatternIndex { ids: BTreeMap::new(), values: Vec::new() }
    }
}

impl<V> PatternIndex<V> {
    fn add(&mut self, key: String, value: V) {
        let next = self.ids.len();
        let id = *self.ids.entry(key).or_insert(next);
        if id == self.values.len() {
            self.values.push(Vec::new());
        }
        self.values[id].push(value);
    }

    /// The automaton (`None` without strings) and, per pattern, its values.
    fn build(self) -> (Option<Charwise>, Vec<Vec<V>>) {
        let mut keys: Vec<(usize, String)> = self.ids.into_iter().map(|(k, i)| (i, k)).collect();
        keys.sort();
        // Keys are distinct and non-empty; an automaton too large for
        // daachorse's 32-bit arrays is the one way to fail.
        let ac = (!keys.is_empty())
            .then(|| Charwise::new(keys.iter().map(|(_, k)| k.as_str())).ok())
            .flatten();
        (ac, self.values)
    }
}

/// One attempt of a rule, for `tifa explain`.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    /// Rule id.
    pub rule: String,
    /// Where it was tried (character offset into the original text).
    pub at: usize,
    /// What happened.
    pub outcome: Outcome,
}

/// The outcome of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Matched; the mention it would make (before overlap resolution).
    Matched(Mention),
    /// Failed; `at` is how far it got (characters into the original text),
    /// `expected` what it wanted there.
    Failed {
        /// Character offset where the rule gave up.
        at: usize,
        /// Rules and literals expected there.
        expected: Vec<String>,
    },
}

/// A match that lost an overlap, and to what.
#[derive(Clone, Debug, PartialEq)]
pub struct Loss {
    /// The losing mention.
    pub loser: Mention,
    /// The mention that won.
    pub winner: Mention,
    /// Why: `longer`, `priority` or `rule order`.
    pub reason: &'static str,
}

/// Everything `tifa explain` shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    /// Every attempt, in text order.
    pub attempts: Vec<Attempt>,
    /// Overlap losers.
    pub losses: Vec<Loss>,
    /// The final result.
    pub extraction: Extraction,
}

impl<'p> Extractor<'p> {
    /// Builds the anchor automaton of all rules of `packs`.
    pub fn new(packs: &'p [Pack]) -> Self {
        Self::with_engine(packs, Engine::Compiled)
    }

    /// Like [`Extractor::new`], with a chosen engine.
    pub fn with_engine(packs: &'p [Pack], engine: Engine) -> Self {
        let mut order = Vec::new();
        for (p, pack) in packs.iter().enumerate() {
            for r in 0..pack.rules.len() {
                order.push(RuleRef { pack: p, rule: r });
            }
        }
        let mut anchors: PatternIndex<Literal> = PatternIndex::default();
        let mut requires = vec![Vec::new(); order.len()];
        // Required sets, each once: rules sharing a grammar rule share sets.
        let mut sets: BTreeMap<&BTreeSet<String>, usize> = BTreeMap::new();
        let mut everywhere = Vec::new();
        let mut lexicon_rules = Vec::new();
        for (g, rr) in order.iter().enumerate() {
            let pack = &packs[rr.pack];
            let rule = &pack.rules[rr.rule];
            if let Some(lex) = rule.lexicon.as_ref().and_then(|l| pack.lexicons.get(l)) {
                for term in lex.terms.iter().filter(|t| !t.is_empty()) {
                    anchors.add(term.clone(), Literal::Term(lexicon_rules.len()));
                }
                lexicon_rules.push(g);
                continue;
            }
            match &rule.anchors {
                Anchors::Everywhere => everywhere.push(g),
                Anchors::Literals { literals, lookback } => {
                    for lit in literals {
                        anchors.add(lit.clone(), Literal::Anchor(g, *lookback));
                    }
                }
            }
            let anchor_set = match &rule.anchors {
                Anchors::Literals { literals, .. } if !literals.is_empty() => Some(literals),
                _ => None,
            };
            // Every anchor candidate has its anchor; a scanned rule's
            // candidates (its first characters) need not, so for it the
            // anchors are one more required set.
            let scanned = pack.can_scan(rr.rule);
            if scanned {
                for &c in pack.first_chars(rr.rule) {
                    anchors.add(c.to_string(), Literal::First(g));
                }
            }
            let own = anchor_set.filter(|_| scanned);
            for set in rule.requires.iter().chain(own) {
                if !scanned && anchor_set == Some(set) {
                    continue;
                }
                // A set with a one-character literal (一, 中, ，) is met
                // in nearly every sentence: looking for it costs more than
                // it saves.
                if set.iter().any(|l| l.chars().nth(1).is_none()) {
                    continue;
                }
                let next = sets.len();
                let id = *sets.entry(set).or_insert(next);
                if id == next {
                    for lit in set {
                        anchors.add(lit.clone(), Literal::Required(id));
                    }
                }
                if !requires[g].contains(&id) {
                    requires[g].push(id);
                }
            }
        }
        let (ac, pattern_rules) = anchors.build();
        let mut names: Vec<&str> = Vec::new();
        let groups = order
            .iter()
            .map(|rr| {
                let g = packs[rr.pack].rules[rr.rule].group.as_str();
                names.iter().position(|&n| n == g).unwrap_or_else(|| {
                    names.push(g);
                    names.len() - 1
                })
            })
            .collect();
        let rule_of = |rr: &RuleRef| &packs[rr.pack].rules[rr.rule];
        let after_ends = order
            .iter()
            .map(|rr| {
                let after = &rule_of(rr).after;
                (!after.is_empty()).then(|| {
                    let ends = sorted_chars(
                        after.iter().filter(|w| *w != "^").filter_map(|w| w.chars().next_back()),
                    );
                    (ends, after.iter().any(|w| w == "^"))
                })
            })
            .collect();
        let not_after_chars = order
            .iter()
            .map(|rr| {
                sorted_chars(rule_of(rr).not_after.iter().filter_map(|w| {
                    let mut it = w.chars();
                    it.next().filter(|_| it.next().is_none())
                }))
            })
            .collect();
        Extractor {
            packs,
            engine,
            order,
            ac,
            pattern_rules,
            requires,
            sets: sets.len(),
            everywhere,
            lexicon_rules,
            groups,
            after_ends,
            not_after_chars,
        }
    }

    /// Whether rule `g`'s left context may hold before a match whose
    /// sentence begins with `before` (a quick test by the last character;
    /// the words themselves are compared for a match): an `after` word may
    /// end there, and no one-character `not_after` word does.
    fn left_may_hold(&self, g: usize, before: &str) -> bool {
        let last = before.chars().next_back();
        let not_after = &self.not_after_chars[g];
        if last.is_some_and(|c| not_after.binary_search(&c).is_ok()) {
            return false;
        }
        let Some((ends, sentence_start)) = &self.after_ends[g] else { return true };
        (*sentence_start && before.trim().is_empty())
            || last.is_some_and(|c| ends.binary_search(&c).is_ok())
    }

    fn rule(&self, g: usize) -> (&'p Pack, &'p Rule) {
        let rr = self.order[g];
        let pack = &self.packs[rr.pack];
        (pack, &pack.rules[rr.rule])
    }

    /// Extracts the mentions and relations of one document.
    pub fn extract(&self, doc: &str, original: &str) -> Extraction {
        self.run(doc, original, None)
    }

    /// Extracts with a full trace of attempts and overlap decisions.
    pub fn explain(&self, doc: &str, original: &str) -> Explanation {
        let mut ex = Explanation::default();
        ex.extraction = self.run(doc, original, Some(&mut ex));
        ex
    }

    /// Candidate start positions (byte offsets in the normalized text),
    /// per global rule index, sorted and without duplicates: for scanned
    /// rules every occurrence of a character their matches start with, for
    /// the others every position from an anchor back to its look-back.
    /// Also where each required literal set occurs, and each lexicon
    /// rule's matches.
    fn candidates(&self, text: &str, sents: &[Range<usize>], scanned: &[bool], fast: bool) -> Scan {
        let mut terms: Vec<Vec<Range<usize>>> = vec![Vec::new(); self.lexicon_rules.len()];
        // Kept from the last document: most lists stay short, and
        // allocating every one anew cost more than this.
        let mut cands = lists::take(self.order.len());
        let mut occurs: Occurrences = lists::take(self.sets);
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                let s = m.start();
                let mut sent_start = None;
                for &lit in &self.pattern_rules[m.value() as usize] {
                    let (g, lookback) = match lit {
                        Literal::Anchor(g, lookback) => (g, lookback),
                        Literal::Required(set) => {
                            occurs[set].push(s);
                            continue;
                        }
                        Literal::Term(l) => {
                            terms[l].push(s..m.end());
                            continue;
                        }
                        Literal::First(g) => {
                            if scanned[g] {
                                cands[g].push(s);
                            }
                            continue;
                        }
                    };
                    if scanned[g] {
                        continue;
                    }
                    let rr = self.order[g];
                    let pack = &self.packs[rr.pack];
                    let sent_start = *sent_start
                        .get_or_insert_with(|| sentence_of(sents, s).map_or(s, |i| sents[i].start));
                    let list = &mut cands[g];
                    list.push(s);
                    let mut p = s;
                    for _ in 0..lookback {
                        if p <= sent_start {
                            break;
                        }
                        p = prev_boundary(text, p);
                        // A match from p would contain the characters up
                        // to the anchor: one it cannot contain ends the
                        // look-back (compiled engine only; traces list
                        // every attempt).
                        let c = text[p..].chars().next().unwrap_or_default();
                        if fast && !pack.may_contain(rr.rule, c) {
                            break;
                        }
                        // Nor can it begin with a character no match
                        // begins with (tested only where few can).
                        if !fast || pack.may_begin(rr.rule, c) {
                            list.push(p);
                        }
                    }
                }
            }
        }
        for &g in self.everywhere.iter().filter(|&&g| !scanned[g]) {
            cands[g].extend(text.char_indices().map(|(i, _)| i));
        }
        for list in cands.iter_mut().chain(occurs.iter_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        // Leftmost-longest, without overlaps: at the leftmost start the
        // longest term, then on after its end.
        for hits in &mut terms {
            hits.sort_unstable_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
            let mut end = 0;
            hits.retain(|r| {
                let keep = r.start >= end;
                if keep {
                    end = r.end;
                }
                keep
            });
        }
        Scan { cands, occurs, terms }
    }

    /// Whether each required set of rule `g` occurs in `pos..end` (a
    /// literal starting there); `next` holds a cursor per set, for
    /// ascending `pos`.
    fn has_required(
        &self,
        g: usize,
        occurs: &Occurrences,
        next: &mut [usize],
        pos: usize,
        end: usize,
    ) -> bool {
        self.requires[g].iter().zip(next.iter_mut()).all(|(&set, i)| {
            let list = &occurs[set];
            while *i < list.len() && list[*i] < pos {
                *i += 1;
            }
            *i < list.len() && list[*i] < end
        })
    }

    fn run(&self, doc: &str, original: &str, mut trace: Option<&mut Explanation>) -> Extraction {
        let norm = NormText::new(original);
        let text = norm.text();
        let sents = sentences(text);
        // The compiled engine, untraced (traces use the interpreter).
        let fast = trace.is_none() && self.engine == Engine::Compiled;
        // Rules with a compiled regex find their own starts (the compiled
        // engine); the others, and traced runs, use the anchors.
        let scanned: Vec<bool> = (0..self.order.len())
            .map(|g| {
                let rr = self.order[g];
                fast && self.packs[rr.pack].can_scan(rr.rule)
            })
            .collect();
        let Scan { cands, occurs, terms } = self.candidates(text, &sents, &scanned, fast);

        let mut found: Vec<Candidate> = Vec::new();
        let mut next_req: Vec<usize> = Vec::new();
        let mut pending: Vec<(usize, RawMatch, usize)> = Vec::new(); // (candidate idx, match, sentence end)
        for (g, positions) in cands.iter().enumerate() {
            let (pack, rule) = self.rule(g);
            let rr = self.order[g];
            let mut next_free = 0;
            let mut next_sent = 0;
            // Per required set of the rule, the first occurrence not
            // before the candidate (candidates ascend).
            next_req.clear();
            next_req.resize(self.requires[g].len(), 0);
            // Candidates of a rule with a regex (scanned rules, and anchor
            // candidates in the compiled engine) are tried only where an
            // anchored search of the regex matches inside the sentence.
            let windowed = scanned[g] || (fast && pack.has_regex(rr.rule));
            for &pos in positions {
                if pos < next_free {
                    continue;
                }
                // Candidates ascend: the sentence cursor only moves on.
                while next_sent < sents.len() && sents[next_sent].end <= pos {
                    next_sent += 1;
                }
                let si = next_sent;
                if si == sents.len() || sents[si].start > pos {
                    continue;
                }
                let end = sents[si].end;
                // A match from pos lies inside text[pos..end] and holds a
                // literal of each required set (compiled engine only;
                // traces list every attempt).
                if fast && !self.has_required(g, &occurs, &mut next_req, pos, end) {
                    continue;
                }
                // Nor where the rule's left context cannot hold (a match
                // there would be dropped).
                if fast && !self.left_may_hold(g, &text[sents[si].start..pos]) {
                    continue;
                }
                // A candidate where the rule's regex cannot start a match
                // inside the sentence is not tried.
                if windowed && !pack.may_start_at(rr.rule, text, pos, end) {
                    continue;
                }
                let input = &text[pos..end];
                let result = if !fast {
                    pack.try_at(rr.rule, input)
                } else if windowed {
                    pack.match_at_start(rr.rule, input).ok_or(NO_FAILURE)
                } else {
                    pack.match_fast(rr.rule, input).ok_or(NO_FAILURE)
                };
                let before = &text[sents[si].start..pos];
                // The left context is read only for a match.
                let blocked = |m: &RawMatch| {
                    !left_context_ok(rule, before)
                        || !pack.passes_checks(rule, m, input)
                        || followed_by(rule, &text[(pos + m.len).min(end)..end])
                        || within(rule, text, pos..pos + m.len)
                };
                match result {
                    Ok(m) if m.len > 0 && !blocked(&m) => {
                        next_free = pos + m.len;
                        for m in split_each(rule, m) {
                            let Some(cand) =
                                self.candidate(g, pack, rule, &norm, doc, pos, &m, input)
                            else {
                                continue;
                            };
                            if let Some(t) = trace.as_deref_mut() {
                                t.attempts.push(Attempt {
                                    rule: rule.id.clone(),
                                    at: norm.original_span(pos..pos).0,
                                    outcome: Outcome::Matched(cand.mention.clone()),
                                });
                            }
                            pending.push((found.len(), m, end));
                            found.push(cand);
                        }
                    }
                    Ok(_) => {}
                    Err(f) => {
                        if let Some(t) = trace.as_deref_mut() {
                            let fail_at = norm.original_span(pos + f.at..pos + f.at).0;
                            t.attempts.push(Attempt {
                                rule: rule.id.clone(),
                                at: norm.original_span(pos..pos).0,
                                outcome: Outcome::Failed { at: fail_at, expected: f.expected },
                            });
                        }
                    }
                }
            }
        }

        for (g, hits) in self.lexicon_rules.iter().zip(terms) {
            let (pack, rule) = self.rule(*g);
            for span in hits {
                let Some(si) = sentence_of(&sents, span.start) else { continue };
                if followed_by(rule, &text[span.end..])
                    || !left_context_ok(rule, &text[sents[si].start..span.start])
                    || within(rule, text, span.clone())
                {
                    continue;
                }
                let term = &text[span.clone()];
                let (start, end) = norm.original_span(span.clone());
                let mention = Mention {
                    doc: doc.to_string(),
                    kind: rule.kind.clone(),
                    text: norm.surface(span.clone()),
                    start,
                    end,
                    rule: rule.id.clone(),
                    fields: pack.lexicon_fields(rule, term),
                };
                if let Some(t) = trace.as_deref_mut() {
                    t.attempts.push(Attempt {
                        rule: rule.id.clone(),
                        at: start,
                        outcome: Outcome::Matched(mention.clone()),
                    });
                }
                let m = RawMatch { len: span.len(), captures: Vec::new() };
                pending.push((found.len(), m, span.end));
                found.push(Candidate {
                    rule: *g,
                    priority: rule.priority,
                    group: self.groups[*g],
                    pos: span.start,
                    bytes: span,
                    mention,
                });
            }
        }

        let (mut winners, losses) = resolve_overlaps(&found);
        // Rules that yield to other types drop matches inside their winners.
        let yield_to: Vec<&[String]> =
            found.iter().map(|c| self.rule(c.rule).1.yield_to.as_slice()).collect();
        resolve::apply_yields(&found, &yield_to, &mut winners);
        resolve::apply_list_yields(text, &found, &yield_to, &mut winners);
        if let Some(t) = trace {
            t.attempts.sort_by(|a, b| (a.at, &a.rule).cmp(&(b.at, &b.rule)));
            t.losses = losses
                .iter()
                .map(|&(l, w, reason)| Loss {
                    loser: found[l].mention.clone(),
                    winner: found[w].mention.clone(),
                    reason,
                })
                .collect();
        }

        let mut relations = Vec::new();
        for &(ci, ref m, _) in &pending {
            if !winners[ci] {
                continue;
            }
            let cand = &found[ci];
            let (pack, rule) = self.rule(cand.rule);
            let pos = cand.pos;
            let end_of = |name: &str| -> Option<(String, usize, usize)> {
                if name == SELF {
                    return Some((cand.mention.text.clone(), cand.mention.start, cand.mention.end));
                }
                let c = m.capture(name)?;
                let span = trim_quotes(text, pos + c.start..pos + c.end);
                let (s, e) = norm.original_span(span.clone());
                Some((norm.surface(span), s, e))
            };
            for r in &rule.relations {
                if let (Some(from), Some(to)) = (end_of(&r.from), end_of(&r.to)) {
                    if from.0.is_empty() || to.0.is_empty() || from.0 == to.0 {
                        continue;
                    }
                    relations.push(Relation {
                        doc: doc.to_string(),
                        record: RelationTag::Relation,
                        rel: r.rel.clone(),
                        from: from.0,
                        to: to.0,
                        start: from.1.min(to.1),
                        end: from.2.max(to.2),
                        rule: rule.id.clone(),
                    });
                }
            }
            if let (Some(pr), Some(parent)) =
                (&pack.parent_relations, cand.mention.fields.get("parent"))
            {
                if let Some(parent) =
                    parent.as_str().filter(|p| !p.is_empty() && *p != cand.mention.text)
                {
                    let kind =
                        cand.mention.fields.get("kind").and_then(|k| k.as_str()).unwrap_or("");
                    let rel = pr.by_kind.get(kind).unwrap_or(&pr.default);
                    relations.push(Relation {
                        doc: doc.to_string(),
                        record: RelationTag::Relation,
                        rel: rel.clone(),
                        from: cand.mention.text.clone(),
                        to: parent.to_string(),
                        start: cand.mention.start,
                        end: cand.mention.end,
                        rule: rule.id.clone(),
                    });
                }
            }
        }
        // The winners' mentions, moved out (every candidate has one
        // pending match, in the same order).
        let mut mentions: Vec<Mention> =
            found.into_iter().zip(&winners).filter(|(_, &w)| w).map(|(c, _)| c.mention).collect();
        mentions.sort_by(|a, b| {
            (a.start, a.end, &a.kind, &a.rule, &a.text)
                .cmp(&(b.start, b.end, &b.kind, &b.rule, &b.text))
        });
        relations.sort_by(|a, b| {
            (a.start, &a.rel, &a.from, &a.to, a.end, &a.rule)
                .cmp(&(b.start, &b.rel, &b.from, &b.to, b.end, &b.rule))
        });
        context::dedup_relations(&mut relations, |_| true);
        lists::give_back(cands);
        lists::give_back(occurs);
        let mut ex = Extraction { mentions, relations, diagnostics: Vec::new() };
        // Document-level context: abbreviations, scope, derived relations.
        context::enrich(doc, original, &mut ex);
        ex
    }

    #[allow(clippy::too_many_arguments)]
    fn candidate(
        &self,
        g: usize,
        pack: &Pack,
        rule: &Rule,
        norm: &NormText,
        doc: &str,
        pos: usize,
        m: &RawMatch,
        input: &str,
    ) -> Option<Candidate> {
        let local = match &rule.text_capture {
            Some(name) => {
                let c = m.capture(name)?;
                c.start..c.end
            }
            None => 0..m.len,
        };
        let span = trim_quotes(norm.text(), pos + local.start..pos + local.end);
        if span.is_empty() {
            return None;
        }
        let (start, end) = norm.original_span(span.clone());
        let text = norm.surface(span.clone());
        let fields: Fields = pack.fields(rule, m, input);
        Some(Candidate {
            rule: g,
            priority: rule.priority,
            group: self.groups[g],
            pos,
            bytes: span,
            mention: Mention {
                doc: doc.to_string(),
                kind: rule.kind.clone(),
                text,
                start,
                end,
                rule: rule.id.clone(),
                fields,
            },
        })
    }
}

/// Whether the text of the sentence before a match, `before`, ends as the
/// rule's `after` words allow (one of them, or the sentence start for
/// `^`) and with none of its `not_after` words.
fn left_context_ok(rule: &Rule, before: &str) -> bool {
    let after = rule.after.is_empty()
        || rule.after.iter().any(|w| {
            if w == "^" {
                before.trim().is_empty()
            } else {
                before.ends_with(w.as_str())
            }
        });
    after && !rule.not_after.iter().any(|w| before.ends_with(w.as_str()))
}

/// For `each` rules, one match per occurrence of the text capture, each
/// keeping only its own occurrence (so fields read from it are its own).
fn split_each(rule: &Rule, m: RawMatch) -> Vec<RawMatch> {
    let Some(name) = rule.text_capture.as_ref().filter(|_| rule.each) else {
        return vec![m];
    };
    let occurrences: Vec<usize> =
        m.captures.iter().enumerate().filter(|(_, c)| *c.name == **name).map(|(i, _)| i).collect();
    occurrences
        .iter()
        .map(|&keep| {
            let captures = m
                .captures
                .iter()
                .enumerate()
                .filter(|(i, c)| *c.name != **name || *i == keep)
                .map(|(_, c)| c.clone())
                .collect();
            RawMatch { len: m.len, captures }
        })
        .collect()
}

/// The failure reported by the compiled engine (only traced runs, which
/// use the interpreter, look at failures).
const NO_FAILURE: tifa_rules::Failure = tifa_rules::Failure { at: 0, expected: Vec::new() };

/// Quote marks that never belong to a mention's text.
const QUOTES: &[char] = &['“', '”', '‘', '’', '《', '》', '「', '」', '『', '』', '"'];

/// Whether one of `rule`'s `not_before` strings opens `rest`, the text
/// right after a match.
fn followed_by(rule: &Rule, rest: &str) -> bool {
    rule.not_before.iter().any(|w| rest.starts_with(w.as_str()))
}

/// Whether `span` of `text` lies inside an occurrence of one of the
/// rule's `not_within` words (保定 in 担保定单).
fn within(rule: &Rule, text: &str, span: Range<usize>) -> bool {
    rule.not_within.iter().any(|w| {
        // An occurrence that holds the span starts in
        // span.end - w.len() ..= span.start.
        let mut lo = span.end.saturating_sub(w.len());
        while !text.is_char_boundary(lo) {
            lo -= 1;
        }
        let hi = (span.start + w.len()).min(text.len());
        text.get(lo..hi).is_some_and(|window| {
            window
                .match_indices(w.as_str())
                .any(|(i, _)| lo + i <= span.start && lo + i + w.len() >= span.end)
        })
    })
}

/// Quote marks that come in pairs, opening and closing.
const QUOTE_PAIRS: &[(char, char)] =
    &[('“', '”'), ('‘', '’'), ('《', '》'), ('「', '」'), ('『', '』')];

/// `r` without the quote marks at its ends; but a quote opened inside the
/// text is closed, and one closed inside it opened, by the mark right
/// beside it (省级“党建工作示范点” keeps its close, “八五”普法 its open):
/// a mention's text never holds half a pair.
fn trim_quotes(text: &str, mut r: Range<usize>) -> Range<usize> {
    while let Some(c) = text.get(r.clone()).and_then(|s| s.chars().next()) {
        if !QUOTES.contains(&c) {
            break;
        }
        r.start += c.len_utf8();
    }
    while let Some(c) = text.get(r.clone()).and_then(|s| s.chars().next_back()) {
        if !QUOTES.contains(&c) {
            break;
        }
        r.end -= c.len_utf8();
    }
    // Most spans hold no quote mark: one pass says so.
    let Some(inner) = text.get(r.clone()).filter(|s| s.contains(QUOTES)) else { return r };
    for &(open, close) in QUOTE_PAIRS {
        let (opens, closes) = (inner.matches(open).count(), inner.matches(close).count());
        if opens == closes + 1 && text[r.end..].starts_with(close) {
            r.end += close.len_utf8();
        } else if closes == opens + 1 && text[..r.start].ends_with(open) {
            r.start -= open.len_utf8();
        }
    }
    r
}

fn prev_boundary(text: &str, mut p: usize) -> usize {
    p = p.saturating_sub(1);
    while p > 0 && !text.is_char_boundary(p) {
        p -= 1;
    }
    p
}

/// The sentence holding byte `pos`, by binary search.
fn sentence_of(sents: &[Range<usize>], pos: usize) -> Option<usize> {
    let i = sents.partition_point(|s| s.end <= pos);
    (i < sents.len() && sents[i].start <= pos).then_some(i)
}

#[cfg(test)]
mod tests;

/// The characters of `chars`, sorted and each once (for binary search).
fn sorted_chars(chars: impl Iterator<Item = char>) -> Vec<char> {
    let mut v: Vec<char> = chars.collect();
    v.sort_unstable();
    v.dedup();
    v
}
