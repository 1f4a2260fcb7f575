//! A pack's grammar, parsed, validated and optimized by pest_meta, as
//! bytes.
//!
//! pest_meta takes about 80 ms on the default pack's 51 KB grammar (its
//! optimizer checks every choice and option for stack operations anew,
//! through every rule it calls), half of what a run on one file waits
//! for. The built-in pack's grammar is therefore prepared when tifa is
//! built (`build.rs` calls `tifa_rules::precompile`) and only decoded at run
//! time. A blob holds the grammar text it was made from and is used only
//! for exactly that text: with other shared grammars (`--grammars`) or a
//! changed pack, the grammar is parsed as usual.

use pest_meta::ast::RuleType;
use pest_meta::optimizer::{OptimizedExpr, OptimizedRule};

const MAGIC: &[u8] = b"tifa-grammar-1\n";

/// Deeper expressions are refused (a corrupt blob must not overflow the
/// stack; pest_meta's own trees are far shallower).
const MAX_DEPTH: usize = 10_000;

/// Where each rule is defined in the concatenated grammar: name, line,
/// column.
pub(crate) type Definitions = Vec<(String, usize, usize)>;

/// The blob of `grammar`'s optimized `rules` and their definitions.
pub(crate) fn encode(grammar: &str, rules: &[OptimizedRule], defined: &Definitions) -> Vec<u8> {
    let mut out = Vec::with_capacity(grammar.len() * 4);
    out.extend_from_slice(MAGIC);
    put_str(&mut out, grammar);
    put_u32(&mut out, rules.len());
    for r in rules {
        put_str(&mut out, &r.name);
        out.push(match r.ty {
            RuleType::Normal => 0,
            RuleType::Silent => 1,
            RuleType::Atomic => 2,
            RuleType::CompoundAtomic => 3,
            RuleType::NonAtomic => 4,
        });
        put_expr(&mut out, &r.expr);
    }
    put_u32(&mut out, defined.len());
    for (name, line, col) in defined {
        put_str(&mut out, name);
        put_u32(&mut out, *line);
        put_u32(&mut out, *col);
    }
    out
}

/// The rules and definitions in `blob`, if it was made from exactly
/// `grammar` (and is whole).
pub(crate) fn decode(blob: &[u8], grammar: &str) -> Option<(Vec<OptimizedRule>, Definitions)> {
    let mut r = Reader { bytes: blob.strip_prefix(MAGIC)?, depth: 0 };
    if r.str()? != grammar {
        return None;
    }
    let n = r.u32()?;
    let mut rules = Vec::with_capacity(n.min(blob.len()));
    for _ in 0..n {
        let name = r.str()?.to_string();
        let ty = match r.u8()? {
            0 => RuleType::Normal,
            1 => RuleType::Silent,
            2 => RuleType::Atomic,
            3 => RuleType::CompoundAtomic,
            4 => RuleType::NonAtomic,
            _ => return None,
        };
        let expr = r.expr()?;
        rules.push(OptimizedRule { name, ty, expr });
    }
    let n = r.u32()?;
    let mut defined = Vec::with_capacity(n.min(blob.len()));
    for _ in 0..n {
        defined.push((r.str()?.to_string(), r.u32()?, r.u32()?));
    }
    r.bytes.is_empty().then_some((rules, defined))
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_expr(out: &mut Vec<u8>, e: &OptimizedExpr) {
    use OptimizedExpr as E;
    match e {
        E::Str(s) => text(out, 0, s),
        E::Insens(s) => text(out, 1, s),
        E::Range(a, b) => {
            text(out, 2, a);
            put_str(out, b);
        }
        E::Ident(s) => text(out, 3, s),
        E::PeekSlice(start, end) => {
            out.push(4);
            out.extend_from_slice(&start.to_le_bytes());
            out.push(u8::from(end.is_some()));
            out.extend_from_slice(&end.unwrap_or(0).to_le_bytes());
        }
        E::PosPred(x) => one(out, 5, x),
        E::NegPred(x) => one(out, 6, x),
        E::Seq(a, b) => {
            one(out, 7, a);
            put_expr(out, b);
        }
        E::Choice(a, b) => {
            one(out, 8, a);
            put_expr(out, b);
        }
        E::Opt(x) => one(out, 9, x),
        E::Rep(x) => one(out, 10, x),
        E::RepOnce(x) => one(out, 11, x),
        E::Skip(strings) => {
            out.push(12);
            put_u32(out, strings.len());
            for s in strings {
                put_str(out, s);
            }
        }
        E::Push(x) => one(out, 13, x),
        E::PushLiteral(s) => text(out, 14, s),
        E::NodeTag(x, tag) => {
            one(out, 15, x);
            put_str(out, tag);
        }
        E::RestoreOnErr(x) => one(out, 16, x),
    }
}

/// A variant's tag, then one expression.
fn one(out: &mut Vec<u8>, tag: u8, x: &OptimizedExpr) {
    out.push(tag);
    put_expr(out, x);
}

/// A variant's tag, then one string.
fn text(out: &mut Vec<u8>, tag: u8, s: &str) {
    out.push(tag);
    put_str(out, s);
}

struct Reader<'a> {
    bytes: &'a [u8],
    depth: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
    }

    fn i32(&mut self) -> Option<i32> {
        let b = self.take(4)?;
        Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn boxed(&mut self) -> Option<Box<OptimizedExpr>> {
        self.expr().map(Box::new)
    }

    fn expr(&mut self) -> Option<OptimizedExpr> {
        use OptimizedExpr as E;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let e = match self.u8()? {
            0 => E::Str(self.str()?.to_string()),
            1 => E::Insens(self.str()?.to_string()),
            2 => E::Range(self.str()?.to_string(), self.str()?.to_string()),
            3 => E::Ident(self.str()?.to_string()),
            4 => {
                let start = self.i32()?;
                let has_end = self.u8()? == 1;
                let end = self.i32()?;
                E::PeekSlice(start, has_end.then_some(end))
            }
            5 => E::PosPred(self.boxed()?),
            6 => E::NegPred(self.boxed()?),
            7 => E::Seq(self.boxed()?, self.boxed()?),
            8 => E::Choice(self.boxed()?, self.boxed()?),
            9 => E::Opt(self.boxed()?),
            10 => E::Rep(self.boxed()?),
            11 => E::RepOnce(self.boxed()?),
            12 => {
                let n = self.u32()?;
                let mut strings = Vec::with_capacity(n.min(self.bytes.len()));
                for _ in 0..n {
                    strings.push(self.str()?.to_string());
                }
                E::Skip(strings)
            }
            13 => E::Push(self.boxed()?),
            14 => E::PushLiteral(self.str()?.to_string()),
            15 => E::NodeTag(self.boxed()?, self.str()?.to_string()),
            16 => E::RestoreOnErr(self.boxed()?),
            _ => return None,
        };
        self.depth -= 1;
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAMMAR: &str = r#"
a = { "x" ~ ^"y" ~ ('0'..'9'){1,3} ~ !"z" ~ &b ~ PUSH("q") ~ POP ~ PEEK[1..] ~ PEEK[..-1] }
b = _{ (c | "w")* ~ #t = c+ ~ (!"》" ~ ANY)* }
c = @{ "c" ~ "d"? }
d = ${ a } e = !{ b }
"#;

    #[test]
    fn a_grammar_comes_back_as_it_went_in() {
        let (_, rules) = pest_meta::parse_and_optimize(GRAMMAR).expect("grammar");
        let defined = vec![("a".to_string(), 2, 1), ("b".to_string(), 3, 1)];
        let blob = encode(GRAMMAR, &rules, &defined);
        assert_eq!(decode(&blob, GRAMMAR), Some((rules, defined)));
    }

    #[test]
    fn a_blob_serves_only_its_own_grammar_and_only_whole() {
        let (_, rules) = pest_meta::parse_and_optimize(GRAMMAR).expect("grammar");
        let blob = encode(GRAMMAR, &rules, &Vec::new());
        let other = GRAMMAR.replace("\"x\"", "\"v\"");
        assert_eq!(decode(&blob, &other), None);
        for cut in [0, 5, MAGIC.len() + 3, blob.len() / 2, blob.len() - 1] {
            assert_eq!(decode(&blob[..cut], GRAMMAR), None, "cut at {cut}");
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert_eq!(decode(&longer, GRAMMAR), None);
        // Any byte changed: an answer or none, never a panic.
        for at in MAGIC.len()..blob.len() {
            let mut bad = blob.clone();
            bad[at] ^= 0xA5;
            let _ = decode(&bad, GRAMMAR);
        }
    }
}
