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
}

#[test]
fn bench_on_a_missing_corpus_is_an_error() {
    tifa()
        .args(["bench", "/no/such/corpus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}
