//! `tifa bench`: reports both passes and the peak memory, on the example
//! corpus, and fails cleanly on a missing corpus.

use assert_cmd::Command;
use predicates::prelude::*;

fn tifa() -> Command {
    Command::cargo_bin("tifa").expect("the tifa binary is built")
}

#[test]
fn bench_reports_throughput_mentions_and_memory() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/corpus");
    let out = tifa().args(["bench", corpus, "-j", "2"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let one = text.lines().find(|l| l.starts_with("extract, 1 thread(s): ")).expect(&text);
    assert!(one.contains("5 documents"), "{one}");
    // The same mentions whatever the thread count.
    let mentions = |l: &str| {
        l.split(" mentions").next().and_then(|s| s.rsplit(' ').next()).map(str::to_string)
    };
    let two = text.lines().find(|l| l.starts_with("extract, 2 thread(s): ")).expect(&text);
    assert_eq!(mentions(one), mentions(two));
    assert_ne!(mentions(one).as_deref(), Some("0"));
    assert!(text.contains("peak resident memory: "), "{text}");
    let load = text.lines().find_map(|l| l.strip_prefix("load rule packs: ")).expect(&text);
    let secs: f64 = load.split(' ').next().and_then(|s| s.parse().ok()).expect(load);
    assert!(secs > 0.0, "{load}");
}

#[test]
fn bench_measures_loading_into_a_new_store() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/corpus");
    let dir = tempfile::tempdir().unwrap();
    let kg = dir.path().join("kg");
    let out = tifa().args(["bench", corpus, "-j", "1", "--store"]).arg(&kg).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let line = text.lines().find(|l| l.starts_with("store, 1 thread(s): ")).expect(&text);
    assert!(line.contains(" quads/s, corpus to store "), "{line}");
    let quads: usize = line
        .split(" quads, ")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|n| n.parse().ok())
        .expect(line);
    assert!(quads > 1000, "{line}");
    // The store holds them: a query counts them back.
    let q = tifa()
        .arg("query")
        .arg(&kg)
        .args(["SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--format", "tsv"])
        .assert()
        .success();
    let counted = String::from_utf8(q.get_output().stdout.clone()).unwrap();
    assert!(counted.contains(&quads.to_string()), "{counted} vs {quads}");
    // A second run refuses the used folder: it measures new stores only.
    tifa()
        .args(["bench", corpus, "--store"])
        .arg(&kg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not empty"));
}

#[test]
fn bench_on_a_missing_corpus_is_an_error() {
    tifa()
        .args(["bench", "/no/such/corpus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}
