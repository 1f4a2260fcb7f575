//! A lint for the traps of PEG grammars, run by `tifa rules check`.
//!
//! pest accepts these grammars, and they often work on the first example,
//! but they match less (or more) than their author meant:
//!
//! * **runaway**: an unbounded `ANY*`, `ANY+` or `(!x ~ ANY)*` eats the
//!   rest of the sentence whenever `x` does not occur in it (and then the
//!   rest of the rule fails, or the mention swallows the sentence). Bound it
//!   (`{0,20}`) or repeat a narrower class (`han`).
//! * **empty match**: a rule the manifest runs that can match the empty
//!   string makes no mention where it "matches"; a named rule that can be
//!   empty gives empty captures and fields.
//! * **shadowed alternative**: in `"一" | "一校"` the first alternative
//!   always wins, so `"一校"` can never match (PEG's choice is ordered and
//!   does not come back to try the longer one when what follows fails).
//!   Put the longer alternative first.
//! * **dead anchor**: a declared anchor that neither occurs in the rule's
//!   literals nor is made of pieces of them means the rule is tried in the
//!   wrong places (or never).
//!
//! Only grammar rules reachable from the rules the manifest runs are
//! linted; each warning names the grammar file, line and column of the
//! pest rule it is about (or the manifest rule, for anchors).

use crate::{Anchors, Pack};
use pest_meta::ast::{Expr, RuleType};
use std::collections::{BTreeMap, BTreeSet};
use tifa_model::{Diagnostic, Location};

/// Alternatives whose literal sets are larger than this are not compared
/// (the prefix check is quadratic in them).
const MAX_LITERALS: usize = 400;

/// The grammar a pack was built from, kept for the lint.
#[derive(Clone, Debug, Default)]
pub struct GrammarSource {
    /// The imported and own grammars, concatenated.
    pub text: String,
    /// Where each pest rule is defined.
    pub defined_at: BTreeMap<String, Location>,
}

struct Grammar {
    rules: BTreeMap<String, (RuleType, Expr)>,
    defined_at: BTreeMap<String, Location>,
}

/// Lints a loaded pack: warnings (never errors), sorted by place.
pub fn lint(pack: &Pack) -> Vec<Diagnostic> {
    let Ok(pairs) =
        pest_meta::parser::parse(pest_meta::parser::Rule::grammar_rules, &pack.grammar.text)
    else {
        return Vec::new(); // cannot happen for a loaded pack
    };
    let Ok(ast) = pest_meta::parser::consume_rules(pairs) else {
        return Vec::new();
    };
    let g = Grammar {
        rules: ast.into_iter().map(|r| (r.name, (r.ty, r.expr))).collect(),
        defined_at: pack.grammar.defined_at.clone(),
    };
    let runners: BTreeSet<&str> = pack
        .rules
        .iter()
        .filter(|r| r.lexicon.is_none())
        .map(|r| r.grammar_rule.as_str())
        .collect();
    let mut out = Vec::new();
    let mut linted = BTreeSet::new();
    for rule in pack.rules.iter().filter(|r| r.lexicon.is_none()) {
        if let Some((_, expr)) = g.rules.get(&rule.grammar_rule) {
            if g.nullable(expr, &mut BTreeSet::new()) {
                out.push(g.warn(
                    &rule.grammar_rule,
                    format!(
                        "rule `{}` runs `{}`, which can match the empty string: where it matches nothing it makes no mention",
                        rule.id, rule.grammar_rule
                    ),
                ));
            }
        }
        for name in g.reachable(&rule.grammar_rule) {
            if linted.insert(name.clone()) {
                g.lint_rule(&name, runners.contains(name.as_str()), &mut out);
            }
        }
        if let Anchors::Literals { literals, .. } = &rule.anchors {
            let (strings, ranges) = g.literals(&rule.grammar_rule);
            for a in literals {
                if !made_of(a, &strings, &ranges) {
                    out.push(Diagnostic::warning(
                        Some(rule.location.clone()),
                        format!(
                            "rule `{}`: anchor {a:?} does not occur in (nor is made of) the literals of `{}`: the rule is likely tried in the wrong places",
                            rule.id, rule.grammar_rule
                        ),
                    ));
                }
            }
        }
    }
    out.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location.as_ref().map(|l| (l.path.clone(), l.line, l.column)).unwrap_or_default()
        };
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
    out.dedup();
    out
}

impl Grammar {
    fn warn(&self, rule: &str, message: String) -> Diagnostic {
        Diagnostic::warning(self.defined_at.get(rule).cloned(), message)
    }

    fn body(&self, name: &str) -> Option<&Expr> {
        self.rules.get(name).map(|(_, e)| e)
    }

    /// Rules reachable from `start`, itself included, in name order.
    fn reachable(&self, start: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.to_string()];
        while let Some(name) = stack.pop() {
            let Some(e) = self.body(&name) else { continue };
            if !seen.insert(name) {
                continue;
            }
            walk(e, &mut |x| {
                if let Expr::Ident(n) = x {
                    stack.push(n.clone());
                }
            });
        }
        seen
    }

    /// Every string literal and character range reachable from `start`.
    fn literals(&self, start: &str) -> (Vec<String>, Vec<(char, char)>) {
        let (mut strings, mut ranges) = (Vec::new(), Vec::new());
        for name in self.reachable(start) {
            if let Some(e) = self.body(&name) {
                walk(e, &mut |x| match x {
                    Expr::Str(s) | Expr::Insens(s) => strings.push(s.clone()),
                    Expr::Range(a, b) => {
                        if let (Some(a), Some(b)) = (a.chars().next(), b.chars().next()) {
                            ranges.push((a, b));
                        }
                    }
                    Expr::Skip(v) => strings.extend(v.iter().cloned()),
                    _ => {}
                });
            }
        }
        (strings, ranges)
    }

    /// Lints one grammar rule; `runs` says the manifest runs it (and its
    /// empty matches are reported as such).
    fn lint_rule(&self, name: &str, runs: bool, out: &mut Vec<Diagnostic>) {
        let Some((ty, body)) = self.rules.get(name) else { return };
        if !runs && *ty != RuleType::Silent && self.nullable(body, &mut BTreeSet::new()) {
            out.push(self.warn(
                name,
                format!("`{name}` can match the empty string: its captures and fields can be empty (require at least one character, or make it silent)"),
            ));
        }
        walk_choices(body, &mut |e| match e {
            Expr::Rep(x) | Expr::RepOnce(x) | Expr::RepMin(x, _)
                if self.any_like(x, &mut BTreeSet::new()) =>
            {
                out.push(self.warn(
                    name,
                    format!("`{name}`: `{}` is unbounded and can run to the end of the sentence; bound it (`{{0,20}}`) or repeat a narrower class", show(e)),
                ));
            }
            Expr::Choice(..) => {
                let alts = alternatives(e);
                let sets: Vec<Option<(BTreeSet<String>, bool)>> =
                    alts.iter().map(|a| self.leading_literals(a)).collect();
                for (j, later) in sets.iter().enumerate() {
                    let Some((later_set, later_goes_on)) = later else { continue };
                    for (i, earlier) in sets[..j].iter().enumerate() {
                        let Some((earlier_set, false)) = earlier else { continue };
                        let hit = earlier_set.iter().find_map(|s| {
                            later_set
                                .iter()
                                .find(|t| {
                                    t.starts_with(s.as_str())
                                        && (t.len() > s.len() || *later_goes_on)
                                })
                                .map(|t| (s, t))
                        });
                        if let Some((s, t)) = hit {
                            out.push(self.warn(
                                name,
                                format!(
                                    "`{name}`: the alternative `{}` comes before `{}` and matches {s:?}, the start of {t:?}, so the later one can never match there; put the longer one first",
                                    show(alts[i]), show(alts[j])
                                ),
                            ));
                        }
                    }
                }
            }
            _ => {}
        });
    }

    /// Whether `e` can succeed without consuming input.
    fn nullable(&self, e: &Expr, active: &mut BTreeSet<String>) -> bool {
        match e {
            Expr::Str(s) | Expr::Insens(s) => s.is_empty(),
            Expr::Range(..) => false,
            Expr::Ident(n) => match self.body(n) {
                Some(body) => {
                    if !active.insert(n.clone()) {
                        return false; // left recursion is pest's own error
                    }
                    let r = self.nullable(body, active);
                    active.remove(n);
                    r
                }
                None => matches!(
                    n.as_str(),
                    "SOI" | "EOI" | "DROP" | "PEEK" | "PEEK_ALL" | "POP" | "POP_ALL"
                ),
            },
            Expr::PeekSlice(..) | Expr::PushLiteral(_) => true,
            Expr::PosPred(_) | Expr::NegPred(_) => true,
            Expr::Seq(a, b) => self.nullable(a, active) && self.nullable(b, active),
            Expr::Choice(a, b) => self.nullable(a, active) || self.nullable(b, active),
            Expr::Opt(_) | Expr::Rep(_) | Expr::RepMax(..) | Expr::Skip(_) => true,
            Expr::RepOnce(x) | Expr::Push(x) | Expr::NodeTag(x, _) => self.nullable(x, active),
            Expr::RepExact(x, n) | Expr::RepMin(x, n) | Expr::RepMinMax(x, n, _) => {
                *n == 0 || self.nullable(x, active)
            }
        }
    }

    /// Whether `e` is "any character, unless a predicate says no": `ANY`,
    /// `!x ~ ANY`, or a rule whose body is one of them.
    fn any_like(&self, e: &Expr, active: &mut BTreeSet<String>) -> bool {
        match e {
            Expr::Ident(n) if n == "ANY" => true,
            Expr::Ident(n) => match self.body(n) {
                Some(body) if active.insert(n.clone()) => {
                    let r = self.any_like(body, active);
                    active.remove(n);
                    r
                }
                _ => false,
            },
            Expr::Seq(..) => {
                // Predicates around exactly one any-like step.
                let items = sequence(e);
                let pred = |x: &Expr| matches!(x, Expr::PosPred(_) | Expr::NegPred(_));
                let steps: Vec<&Expr> = items.into_iter().filter(|x| !pred(x)).collect();
                steps.len() == 1 && self.any_like(steps[0], active)
            }
            Expr::Choice(a, b) => self.any_like(a, active) || self.any_like(b, active),
            Expr::NodeTag(x, _) | Expr::Push(x) => self.any_like(x, active),
            _ => false,
        }
    }

    /// The literals an alternative starts with, when it is made of string
    /// literals only: `(set, goes_on)` where `goes_on` says that something
    /// follows the literal. `None` when it starts with anything else.
    fn leading_literals(&self, e: &Expr) -> Option<(BTreeSet<String>, bool)> {
        match e {
            Expr::Seq(a, _) => self.literal_set(a, &mut BTreeSet::new()).map(|s| (s, true)),
            _ => self.literal_set(e, &mut BTreeSet::new()).map(|s| (s, false)),
        }
    }

    /// The finite set of strings `e` matches, when it is a choice of
    /// string literals (through rules and tags).
    fn literal_set(&self, e: &Expr, active: &mut BTreeSet<String>) -> Option<BTreeSet<String>> {
        let set = match e {
            Expr::Str(s) if !s.is_empty() => BTreeSet::from([s.clone()]),
            Expr::Choice(a, b) => {
                let mut s = self.literal_set(a, active)?;
                s.extend(self.literal_set(b, active)?);
                s
            }
            Expr::NodeTag(x, _) => self.literal_set(x, active)?,
            Expr::Ident(n) => {
                let body = self.body(n)?;
                if !active.insert(n.clone()) {
                    return None;
                }
                let r = self.literal_set(body, active);
                active.remove(n);
                r?
            }
            _ => return None,
        };
        (set.len() <= MAX_LITERALS).then_some(set)
    }
}

/// Whether `anchor` is a run of pieces of the literals `strings` (each
/// piece a substring of one literal): "清廉学校" is, with "清廉" ~ "学校".
fn made_of(anchor: &str, strings: &[String], ranges: &[(char, char)]) -> bool {
    let in_range = |piece: &str| {
        let mut chars = piece.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)),
            _ => false,
        }
    };
    let bounds: Vec<usize> =
        anchor.char_indices().map(|(i, _)| i).chain(std::iter::once(anchor.len())).collect();
    // reach[k]: the first k characters are made of pieces.
    let mut reach = vec![false; bounds.len()];
    reach[0] = true;
    for i in 0..bounds.len() {
        if !reach[i] {
            continue;
        }
        for j in i + 1..bounds.len() {
            let piece = &anchor[bounds[i]..bounds[j]];
            if strings.iter().any(|s| s.contains(piece)) || in_range(piece) {
                reach[j] = true;
            } else {
                break; // a longer piece cannot be a substring either
            }
        }
    }
    reach[bounds.len() - 1]
}

/// The items of a sequence, flattened, in order.
fn sequence(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Seq(a, b) => {
            let mut v = sequence(a);
            v.extend(sequence(b));
            v
        }
        other => vec![other],
    }
}

/// The alternatives of a choice, flattened, in order.
fn alternatives(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Choice(a, b) => {
            let mut v = alternatives(a);
            v.extend(alternatives(b));
            v
        }
        other => vec![other],
    }
}

/// Like [`walk`], but calls `f` once on a whole chain of choices
/// (`a | b | c`), not on its inner links.
fn walk_choices(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Choice(..) => {
            for alt in alternatives(e) {
                walk_choices(alt, f);
            }
        }
        Expr::Seq(a, b) => {
            walk_choices(a, f);
            walk_choices(b, f);
        }
        Expr::PosPred(x)
        | Expr::NegPred(x)
        | Expr::Opt(x)
        | Expr::Rep(x)
        | Expr::RepOnce(x)
        | Expr::RepExact(x, _)
        | Expr::RepMin(x, _)
        | Expr::RepMax(x, _)
        | Expr::RepMinMax(x, _, _)
        | Expr::Push(x)
        | Expr::NodeTag(x, _) => walk_choices(x, f),
        _ => {}
    }
}

/// Calls `f` on `e` and every expression inside it.
fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Seq(a, b) | Expr::Choice(a, b) => {
            walk(a, f);
            walk(b, f);
        }
        Expr::PosPred(x)
        | Expr::NegPred(x)
        | Expr::Opt(x)
        | Expr::Rep(x)
        | Expr::RepOnce(x)
        | Expr::RepExact(x, _)
        | Expr::RepMin(x, _)
        | Expr::RepMax(x, _)
        | Expr::RepMinMax(x, _, _)
        | Expr::Push(x)
        | Expr::NodeTag(x, _) => walk(x, f),
        _ => {}
    }
}

/// An expression in pest syntax, shortened for a message.
fn show(e: &Expr) -> String {
    let s = render(e);
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

fn render(e: &Expr) -> String {
    let atom = |x: &Expr| match x {
        Expr::Seq(..) | Expr::Choice(..) => format!("({})", render(x)),
        _ => render(x),
    };
    match e {
        Expr::Str(s) => format!("{s:?}"),
        Expr::Insens(s) => format!("^{s:?}"),
        Expr::Range(a, b) => format!("{a:?}..{b:?}"),
        Expr::Ident(n) => n.clone(),
        Expr::PeekSlice(a, b) => {
            format!("PEEK[{a}..{}]", b.map_or(String::new(), |b| b.to_string()))
        }
        Expr::PosPred(x) => format!("&{}", atom(x)),
        Expr::NegPred(x) => format!("!{}", atom(x)),
        Expr::Seq(a, b) => format!("{} ~ {}", render(a), render(b)),
        Expr::Choice(a, b) => format!("{} | {}", render(a), render(b)),
        Expr::Opt(x) => format!("{}?", atom(x)),
        Expr::Rep(x) => format!("{}*", atom(x)),
        Expr::RepOnce(x) => format!("{}+", atom(x)),
        Expr::RepExact(x, n) => format!("{}{{{n}}}", atom(x)),
        Expr::RepMin(x, n) => format!("{}{{{n},}}", atom(x)),
        Expr::RepMax(x, n) => format!("{}{{,{n}}}", atom(x)),
        Expr::RepMinMax(x, m, n) => format!("{}{{{m},{n}}}", atom(x)),
        Expr::Skip(v) => format!(
            "(!({}) ~ ANY)*",
            v.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(" | ")
        ),
        Expr::Push(x) => format!("PUSH({})", render(x)),
        Expr::PushLiteral(s) => format!("PUSH_LITERAL({s:?})"),
        Expr::NodeTag(x, t) => format!("#{t} = {}", atom(x)),
    }
}

#[cfg(test)]
mod tests {
    use crate::{load, Library, PackSource};

    fn lint_of(grammar: &str, rules: &str) -> Vec<String> {
        let mut src = PackSource::new("t");
        src.insert("pack.toml", format!("[pack]\nname = \"t\"\ngrammars = [\"g.pest\"]\n{rules}"));
        src.insert("g.pest", grammar);
        let pack =
            load(&src, &Library::default()).unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
        super::lint(&pack).iter().map(|d| d.to_string()).collect()
    }

    fn rule(id: &str) -> String {
        format!(
            "[[rule]]\nid = \"{id}\"\ntype = \"Designation\"\nexamples = [{{ text = \"x\" }}]\n"
        )
    }

    #[test]
    fn an_unbounded_any_is_a_runaway() {
        let w = lint_of("\n\nr = { \"清廉\" ~ ANY* ~ \"学校\" }\n", &rule("r"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("t/g.pest:3:1: warning: `r`: `ANY*` is unbounded"), "{w:?}");
        let w = lint_of("r = { \"清廉\" ~ ANY+ }\n", &rule("r"));
        assert!(w.iter().any(|m| m.contains("`ANY+` is unbounded")), "{w:?}");
    }

    #[test]
    fn a_guarded_any_through_a_rule_is_a_runaway_too() {
        let g = "rq = _{ \"”\" }\nbody = _{ !rq ~ ANY }\nr = { \"“\" ~ body* ~ rq }\n";
        let w = lint_of(g, &rule("r"));
        assert!(w.iter().any(|m| m.contains("`body*` is unbounded")), "{w:?}");
        let w = lint_of("r = { \"“\" ~ (!\"”\" ~ ANY)* ~ \"”\" }\n", &rule("r"));
        assert!(w.iter().any(|m| m.contains("can run to the end")), "{w:?}");
        let w = lint_of("r = { \"“\" ~ (!\"”\" ~ !\"\\n\" ~ ANY ~ &ANY)+ }\n", &rule("r"));
        assert!(w.iter().any(|m| m.contains("can run to the end")), "{w:?}");
        // Two characters a step is no longer "any character".
        let w = lint_of("r = { \"“\" ~ (ANY ~ \"a\")* ~ \"”\" }\n", &rule("r"));
        assert!(!w.iter().any(|m| m.contains("can run to the end")), "{w:?}");
    }

    #[test]
    fn bounded_repetitions_and_narrow_classes_are_quiet() {
        let g = "han = _{ '\\u{4E00}'..'\\u{9FFF}' }\nr = { \"“\" ~ (!\"”\" ~ ANY){1,30} ~ \"”\" ~ han* }\n";
        assert_eq!(lint_of(g, &rule("r")), Vec::<String>::new());
    }

    #[test]
    fn a_rule_that_can_match_nothing_is_reported() {
        let w = lint_of("r = { \"清廉\"? ~ \"学校\"? }\n", &rule("r"));
        assert!(
            w.iter().any(|m| m.contains("rule `r` runs `r`, which can match the empty string")),
            "{w:?}"
        );
        let g = "lvl = { (\"省级\" | \"市级\")? }\nr = { #level = lvl ~ \"清廉学校\" }\n";
        let w = lint_of(g, &rule("r"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("`lvl` can match the empty string"), "{w:?}");
    }

    #[test]
    fn a_run_rule_that_can_be_empty_is_reported_once() {
        let g = "s = { r ~ \"学校\" }\nr = { \"清廉\"? }\n";
        let w = lint_of(g, &(rule("s") + &rule("r")));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("rule `r` runs `r`, which can match the empty string"), "{w:?}");
    }

    #[test]
    fn a_shorter_earlier_alternative_shadows_a_longer_one() {
        let w = lint_of("r = { (\"一\" | \"一校\") ~ \"一品\" }\n", &rule("r"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("the alternative `\"一\"` comes before `\"一校\"` and matches \"一\", the start of \"一校\""), "{w:?}");
        // Through a rule, and against a sequence that starts with the same literal.
        let g = "one = _{ \"一\" }\nr = { one | \"一\" ~ \"校\" }\n";
        let w = lint_of(g, &rule("r"));
        assert!(w.iter().any(|m| m.contains("`one` comes before `\"一\" ~ \"校\"`")), "{w:?}");
        // Longest first is right; equal duplicates are harmless.
        let g = "r = { (\"一校\" | \"一\" | \"一\") ~ \"品\" }\n";
        assert_eq!(lint_of(g, &rule("r")), Vec::<String>::new());
    }

    #[test]
    fn an_anchor_that_no_literal_contains_is_dead() {
        let rules = "[[rule]]\nid = \"r\"\ntype = \"Designation\"\nanchors = [\"廉洁\", \"清廉\", \"5\", \"学校示范\"]\nexamples = [{ text = \"x\" }]\n";
        let w = lint_of("r = { \"清廉学校\" ~ '0'..'9'? ~ \"示范\" }\n", rules);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("t/pack.toml:5:"), "{w:?}");
        assert!(
            w[0].contains("anchor \"廉洁\" does not occur in (nor is made of) the literals of `r`"),
            "{w:?}"
        );
    }

    fn default_pack(edit: impl Fn(&mut PackSource)) -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut src = PackSource::from_dir(&root.join("rules/default")).expect("rules/default");
        edit(&mut src);
        let mut lib = Library::default();
        lib.add_dir(&root.join("grammars")).expect("grammars/");
        let pack = load(&src, &lib).unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
        super::lint(&pack).iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn the_default_pack_is_quiet_and_a_trap_put_into_it_is_found() {
        assert_eq!(default_pack(|_| {}), Vec::<String>::new());
        let w = default_pack(|src| {
            let g = src.files.get_mut("formulations.pest").expect("formulations.pest");
            assert!(g.contains("| \"、\" | \"党建\""));
            *g = g.replace("| \"、\" | \"党建\"", "| \"、\" | \"党\" | \"党建\"");
        });
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("formulations.pest:"), "{w:?}");
        assert!(w[0].contains("`set_end`"), "{w:?}");
    }
}
