//! Differential test: the compiled engine (regexes from the grammars,
//! pest_vm where they cannot decide) and the interpreter (pest_vm at every
//! candidate) give identical extractions — mentions with spans and fields,
//! relations — on every example of the default pack, on the example
//! corpus, and on texts spliced together from both.

use std::path::Path;
use tifa_extract::{Engine, Extractor};
use tifa_rules::{Library, Pack, PackSource};

fn default_pack() -> Vec<Pack> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut lib = Library::default();
    lib.add_dir(&root.join("grammars")).expect("grammars/");
    let src = PackSource::from_dir(&root.join("rules/default")).expect("rules/default");
    vec![tifa_rules::load(&src, &lib).expect("default pack loads")]
}

fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("utf-8"))
        })
        .collect()
}

fn same(compiled: &Extractor<'_>, interp: &Extractor<'_>, doc: &str, text: &str) {
    let a = serde_json::to_string(&compiled.extract(doc, text)).unwrap();
    let b = serde_json::to_string(&interp.extract(doc, text)).unwrap();
    assert_eq!(a, b, "engines differ on {doc}: {text:?}");
}

#[test]
fn engines_agree_on_every_pack_example() {
    let packs = default_pack();
    let compiled = Extractor::with_engine(&packs, Engine::Compiled);
    let interp = Extractor::with_engine(&packs, Engine::Interpreter);
    let mut n = 0;
    for pack in &packs {
        for rule in &pack.rules {
            for ex in &rule.examples {
                same(&compiled, &interp, &rule.id, &ex.text);
                n += 1;
            }
            for text in &rule.non_examples {
                same(&compiled, &interp, &rule.id, text);
                n += 1;
            }
        }
    }
    assert!(n > 50, "only {n} examples");
}

#[test]
fn engines_agree_on_the_example_corpus() {
    let packs = default_pack();
    let compiled = Extractor::with_engine(&packs, Engine::Compiled);
    let interp = Extractor::with_engine(&packs, Engine::Interpreter);
    let docs = corpus();
    assert!(docs.len() >= 5);
    let mut mentions = 0;
    for (name, text) in &docs {
        same(&compiled, &interp, name, text);
        mentions += compiled.extract(name, text).mentions.len();
    }
    assert!(mentions > 100, "the corpus should give many mentions, got {mentions}");
}

#[test]
fn engines_agree_on_spliced_text() {
    // Pieces of the corpus and of the examples glued at random places
    // (a fixed linear congruential sequence: the test is deterministic).
    let packs = default_pack();
    let compiled = Extractor::with_engine(&packs, Engine::Compiled);
    let interp = Extractor::with_engine(&packs, Engine::Interpreter);
    let mut pool: Vec<char> = corpus().iter().flat_map(|(_, t)| t.chars()).collect();
    for rule in &packs[0].rules {
        for ex in &rule.examples {
            pool.extend(ex.text.chars());
        }
    }
    let mut seed: u64 = 0x7f4a_7c15;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    for i in 0..300 {
        let mut text = String::new();
        for _ in 0..1 + next(6) {
            let start = next(pool.len());
            let len = 1 + next(40);
            text.extend(pool.iter().skip(start).take(len));
        }
        same(&compiled, &interp, &format!("splice{i}"), &text);
    }
}

#[test]
fn each_rule_matches_alike_at_every_position_of_the_examples() {
    // Rule by rule, position by position: the failing rule is named.
    let packs = default_pack();
    let pack = &packs[0];
    // Two corpus articles (pest_vm is slow in debug builds); the whole
    // corpus is compared at the extraction level above.
    let mut texts: Vec<String> = corpus()
        .into_iter()
        .take(2)
        .flat_map(|(_, t)| t.split(['。', '\n']).map(str::to_string).collect::<Vec<_>>())
        .collect();
    for rule in &pack.rules {
        texts.extend(rule.examples.iter().map(|e| e.text.clone()));
        texts.extend(rule.non_examples.iter().cloned());
    }
    let mut bad = Vec::new();
    for (i, rule) in pack.rules.iter().enumerate() {
        if rule.lexicon.is_some() {
            continue;
        }
        let mut tried = 0;
        for t in &texts {
            for (p, _) in t.char_indices() {
                let input = &t[p..];
                tried += 1;
                let (fast, slow) = (pack.match_fast(i, input), pack.match_at(i, input));
                if let Some(machine) = pack.match_machine(i, input) {
                    if machine != slow {
                        bad.push(format!("{} (PEG machine) at {input:?}:\n  machine {machine:?}\n  pest {slow:?}", rule.id));
                        break;
                    }
                }
                if fast != slow {
                    bad.push(format!(
                        "{} at {input:?}:\n  compiled {fast:?}\n  pest {slow:?}",
                        rule.id
                    ));
                    break;
                }
            }
        }
        assert!(tried > 1000);
        assert!(
            pack.match_machine(i, "").is_some(),
            "{}: the default pack runs on the PEG machine",
            rule.id
        );
    }
    assert!(bad.is_empty(), "{} rule(s) differ:\n{}", bad.len(), bad.join("\n"));
}

/// A pack using constructs the default pack does not: recursion, SOI/EOI,
/// case-insensitive strings, atomic and compound-atomic rules, a Unicode
/// property, NEWLINE, tags, a negative predicate on a string, and the
/// stack.
const ODD_GRAMMAR: &str = r#"
digits = @{ ASCII_DIGIT+ }
nested = { "(" ~ nested? ~ ")" }
paren = { #inner = nested ~ "号" }
word = ${ inner_word ~ "词" }
inner_word = { HAN{1,3} }
tagged = { #w = word ~ !"的" ~ (#n = digits)? }
insens = { ^"ab" ~ HAN }
ended = { HAN{2} ~ EOI }
started = { SOI ~ "第" ~ digits }
lines = { "甲" ~ NEWLINE? ~ "乙" }
stacked = { PUSH("“") ~ HAN+ ~ "”" }
"#;

const ODD_MANIFEST: &str = r#"
[pack]
name = "odd"
grammars = ["odd.pest"]

[[rule]]
id = "paren"
type = "Program"
fields = { owner = "inner" }
anchors = ["号"]
lookback = 20

[[rule]]
id = "tagged"
type = "Program"
fields = { kind = "w", owner = "n" }
anchors = ["词"]
lookback = 3

[[rule]]
id = "insens"
type = "Program"
anchors = ["a", "A"]

[[rule]]
id = "ended"
type = "Program"
anchors = ["。"]
lookback = 2

[[rule]]
id = "started"
type = "Program"

[[rule]]
id = "lines"
type = "Program"

[[rule]]
id = "stacked"
type = "Program"
"#;

#[test]
fn engines_agree_on_grammars_the_compiler_only_partly_handles() {
    let mut src = PackSource::new("odd");
    src.insert("pack.toml", ODD_MANIFEST);
    src.insert("odd.pest", ODD_GRAMMAR);
    let packs = vec![tifa_rules::load(&src, &Library::default()).expect("odd pack loads")];
    let compiled = Extractor::with_engine(&packs, Engine::Compiled);
    let interp = Extractor::with_engine(&packs, Engine::Interpreter);
    let texts = [
        "((()))号和(()号",
        "好词的12 大词34 学习词",
        "AB党 ab建 aB",
        "第12条规定。说明了情况",
        "甲\n乙 甲乙",
        "“党建”工作“”",
    ];
    let mut found = 0;
    for t in texts {
        same(&compiled, &interp, "odd", t);
        found += compiled.extract("odd", t).mentions.len();
    }
    assert!(found >= 6, "the odd pack should match, found {found}");
    let pack = &packs[0];
    for (i, rule) in pack.rules.iter().enumerate() {
        for t in texts {
            for (p, _) in t.char_indices() {
                let input = &t[p..];
                assert_eq!(
                    pack.match_fast(i, input),
                    pack.match_at(i, input),
                    "{} at {input:?}",
                    rule.id
                );
            }
        }
    }
}
