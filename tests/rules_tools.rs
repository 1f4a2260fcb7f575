//! End-to-end tests of the rule writer's tools: `explain` on a failing
//! rule, `rules coverage`, `rules diff`, `rules new`, and the PEG lint of
//! `rules check`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("tifa").expect("the tifa binary is built");
    let out = cmd.current_dir(dir).args(args).output().expect("tifa runs");
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert!(!stderr.contains("panicked"), "tifa panicked:\n{stderr}");
    (out.status.code().expect("tifa exited normally"), stdout, stderr)
}

fn run(args: &[&str]) -> (i32, String, String) {
    run_in(&root(), args)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

// ------------------------------------------------------------- explain

#[test]
fn explain_names_where_a_failing_rule_stopped_and_what_it_expected() {
    // 五星级标准 is there, the count is not: star-count-after gets past the
    // rating and 的, then wants a digit.
    let text = "全市党支部达到五星级标准的多个";
    let (code, stdout, stderr) = run(&["explain", text, "--rule", "star-count-after"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.contains("star-count-after") && l.contains("at    7"))
        .unwrap_or_else(|| panic!("no attempt at 7:\n{stdout}"));
    assert!(line.contains("failed at 13 (\"多个\"…)"), "{line}");
    assert!(line.contains("expected 0..9"), "{line}");

    let (_, stdout, _) = run(&["explain", text, "--rule", "star-count-after", "--json"]);
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    let a = v["attempts"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["at"] == 7))
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(a["rule"], "star-count-after");
    assert_eq!(a["failed_at"], 13);
    assert!(a["expected"].as_array().unwrap().iter().any(|e| e == "0..9"), "{a}");
    assert_eq!(text.chars().nth(13), Some('多'));
}

// ------------------------------------------------------------ coverage

#[test]
fn coverage_counts_hits_and_lists_never_fired_rules_and_near_misses() {
    let corpus = root().join("examples/corpus");
    let (code, stdout, stderr) = run(&["rules", "coverage", s(&corpus)]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().next(), Some("5 document(s)"), "{stdout}");
    let quantity = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some("quantity"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let cols: Vec<&str> = quantity.split_whitespace().collect();
    assert_eq!(cols.len(), 6, "rule type hits docs lost near-misses: {quantity}");
    assert_eq!(cols[1], "Quantity");
    assert!(cols[2].parse::<usize>().unwrap() > 50, "{quantity}");
    assert_eq!(cols[3], "5", "{quantity}");
    assert!(stdout.lines().any(|l| l.starts_with("never fired (")), "{stdout}");
    let near = stdout.split("near misses (").nth(1).unwrap_or_else(|| panic!("{stdout}"));
    assert!(near.lines().filter(|l| l.contains(".txt:") && l.contains('[')).count() > 5, "{near}");

    // The JSON report: near misses point at their anchor in the original file.
    let (code, stdout, _) = run(&["rules", "coverage", s(&corpus), "--json", "--examples", "50"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(v["documents"], 5);
    let rules = v["rules"].as_array().unwrap();
    let hits: u64 = rules.iter().map(|r| r["hits"].as_u64().unwrap()).sum();
    let (_, extracted, _) = run(&["extract", s(&corpus), "-q", "--format", "tsv"]);
    assert_eq!(hits as usize, extracted.lines().count() - 1, "hits = mentions extracted");
    let mut checked = 0;
    for r in rules {
        let misses = r["near_misses"].as_array().unwrap();
        assert!(misses.len() as u64 <= r["near_miss_count"].as_u64().unwrap());
        let got: Vec<u64> = misses.iter().map(|m| m["got"].as_u64().unwrap()).collect();
        assert!(got.windows(2).all(|w| w[0] >= w[1]), "not furthest first: {r}");
        for m in misses {
            let doc = corpus.join(m["doc"].as_str().unwrap());
            let text: Vec<char> = std::fs::read_to_string(doc).unwrap().chars().collect();
            let anchor = m["anchor"].as_str().unwrap();
            let start = m["start"].as_u64().unwrap() as usize;
            let at: String = text[start..start + anchor.chars().count()].iter().collect();
            assert_eq!(at, anchor, "{m}");
            assert!(m["context"].as_str().unwrap().contains(&format!("[{anchor}]")), "{m}");
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked} near misses");
    // Some rules got well into a sentence before failing, and say what
    // they expected there.
    let deep = rules
        .iter()
        .flat_map(|r| r["near_misses"].as_array().unwrap())
        .filter(|m| {
            m["got"].as_u64().unwrap() >= 4
                && m["expected"].as_array().is_some_and(|e| !e.is_empty())
        })
        .count();
    assert!(deep >= 3, "{deep} near misses got 4 characters or more");
    // Overlap losses: as many as `explain` reports, document by document.
    let lost: u64 = rules.iter().map(|r| r["lost"].as_u64().unwrap()).sum();
    let mut overlaps = 0;
    for f in std::fs::read_dir(&corpus).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        let (_, out, _) = run(&["explain", &text, "--json"]);
        let e: Value = serde_json::from_str(&out).unwrap();
        overlaps += e["overlaps"].as_array().unwrap().len() as u64;
    }
    assert_eq!(lost, overlaps);
    assert!(lost > 0);
    let never: Vec<&str> =
        v["never_fired"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    for r in rules {
        assert_eq!(r["hits"] == 0, never.contains(&r["rule"].as_str().unwrap()), "{r}");
    }
}

// ---------------------------------------------------------------- diff

fn pack(dir: &Path, grammar: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("pack.toml"),
        "[pack]\nname = \"clean\"\ngrammars = [\"g.pest\"]\n[[rule]]\nid = \"clean-school\"\n\
         type = \"Designation\"\nexamples = [{ text = \"建设清廉学校\", expect = \"清廉学校\" }]\n",
    )
    .unwrap();
    std::fs::write(dir.join("g.pest"), grammar).unwrap();
}

#[test]
fn diff_shows_what_a_rule_change_adds_and_removes() {
    let tmp = tempfile::tempdir().unwrap();
    let (before, after, corpus) =
        (tmp.path().join("before"), tmp.path().join("after"), tmp.path().join("corpus"));
    pack(&before, "clean_school = { \"清廉\" ~ (\"学校\" | \"机关\") }\n");
    pack(&after, "clean_school = { \"清廉\" ~ (\"学校\" | \"校园\") }\n");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("a.txt"), "建设清廉学校，打造清廉校园，推进清廉机关建设。\n")
        .unwrap();

    let args = |b: &Path, a: &Path| {
        vec!["rules", "diff", "--before", s(b), "--after", s(a), s(&corpus)]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let argv = args(&before, &after);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run(&argv);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "+ a.txt 9..13 Designation \"清廉校园\" [clean-school] {}",
            "- a.txt 16..20 Designation \"清廉机关\" [clean-school] {}",
            "1 mention(s) added, 1 removed, 0 changed; 0 relation(s) added, 0 removed",
        ],
        "{stdout}"
    );

    let mut json = argv.clone();
    json.push("--json");
    let (code, stdout, _) = run(&json);
    assert_eq!(code, 0);
    let v: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(v.len(), 2, "{stdout}");
    assert_eq!((v[0]["change"].as_str(), v[0]["text"].as_str()), (Some("added"), Some("清廉校园")));
    assert_eq!((v[1]["change"].as_str(), v[1]["start"].as_u64()), (Some("removed"), Some(16)));

    let same = args(&after, &after);
    let same: Vec<&str> = same.iter().map(String::as_str).collect();
    let (code, stdout, _) = run(&same);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stdout.trim(),
        "0 mention(s) added, 0 removed, 0 changed; 0 relation(s) added, 0 removed"
    );
}

// ----------------------------------------------------------------- new

#[test]
fn rules_new_writes_a_pack_that_checks_tests_and_extracts() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_in(tmp.path(), &["rules", "new", "clean-schools"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("created clean-schools/pack.toml"), "{stdout}");
    // The schema the manifest points editors to is there, and is tifa's.
    let manifest = std::fs::read_to_string(tmp.path().join("clean-schools/pack.toml")).unwrap();
    assert!(manifest.starts_with("#:schema ./pack.schema.json\n"), "{manifest}");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("clean-schools/pack.schema.json")).unwrap(),
    )
    .unwrap();
    let shipped: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/pack.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(schema, shipped);
    let (code, stdout, _) = run_in(tmp.path(), &["rules", "check", "clean-schools"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.lines().last(), Some("0 error(s), 0 warning(s)"), "{stdout}");
    let (code, stdout, _) = run_in(tmp.path(), &["rules", "test", "clean-schools"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.lines().last(), Some("3 passed, 0 failed"), "{stdout}");
    std::fs::write(tmp.path().join("a.txt"), "我校获评市级清廉学校。").unwrap();
    let (code, stdout, _) = run_in(
        tmp.path(),
        &["extract", "a.txt", "--no-default-rules", "--rules", "clean-schools", "-q"],
    );
    assert_eq!(code, 0);
    assert!(
        stdout.lines().any(|l| l.contains(r#""text":"市级清廉学校","start":4,"end":10,"rule":"clean-school","fields":{"level":"city"}"#)),
        "{stdout}"
    );
    // An existing folder is left alone.
    let (code, _, stderr) = run_in(tmp.path(), &["rules", "new", "clean-schools"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists"), "{stderr}");
}

// ---------------------------------------------------------------- lint

#[test]
fn rules_check_warns_about_peg_traps_with_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    pack(
        tmp.path(),
        "level = { \"省\" | \"省级\" }\n\nclean_school = { level? ~ \"清廉\" ~ ANY* ~ \"学校\" }\n",
    );
    let (code, stdout, _) = run(&["rules", "check", s(tmp.path())]);
    assert_eq!(code, 1, "{stdout}");
    let warnings: Vec<&str> = stdout.lines().filter(|l| l.contains(": warning: ")).collect();
    assert_eq!(warnings.len(), 2, "{stdout}");
    assert!(
        warnings[0].contains("g.pest:1:1: warning: `level`: the alternative `\"省\"`"),
        "{stdout}"
    );
    assert!(
        warnings[1].contains("g.pest:3:1: warning: `clean_school`: `ANY*` is unbounded"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().last(), Some("0 error(s), 2 warning(s)"));
    let (code, _, _) = run(&["rules", "check", s(tmp.path()), "--allow-warnings"]);
    assert_eq!(code, 0);
}

// ------------------------------------------------------------ examples

#[test]
fn a_failing_example_prints_a_diff_and_a_rule_without_examples_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    pack(tmp.path(), "clean_school = { \"清廉\" ~ (\"学校\" | \"校园\") }\n");
    let manifest = tmp.path().join("pack.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("expect = \"清廉学校\"", "expect = \"清廉校园\""))
        .unwrap();
    let (code, stdout, _) = run(&["rules", "test", s(tmp.path())]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("FAIL clean-school :: 建设清廉学校\n"), "{stdout}");
    assert!(stdout.contains("- expected: 清廉校园 from rule clean-school\n"), "{stdout}");
    assert!(stdout.contains("+ got:      Designation 清廉学校 (clean-school)\n"), "{stdout}");

    let text = std::fs::read_to_string(&manifest).unwrap();
    let without: String =
        text.lines().filter(|l| !l.starts_with("examples")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&manifest, without).unwrap();
    let (code, stdout, _) = run(&["rules", "check", s(tmp.path())]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("pack.toml:5:6: warning: rule `clean-school` has no examples"),
        "{stdout}"
    );
}

// -------------------------------------------------------------- schema

#[test]
fn rules_schema_prints_the_shipped_schema() {
    let (code, stdout, _) = run(&["rules", "schema"]);
    assert_eq!(code, 0);
    let printed: Value = serde_json::from_str(&stdout).expect("JSON");
    let shipped: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/pack.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(printed, shipped);
    assert_eq!(printed["properties"]["rule"]["type"], "array", "{printed}");
}

#[test]
fn explain_says_when_a_rule_was_not_tried_because_no_anchor_occurs() {
    let tmp = tempfile::tempdir().unwrap();
    pack(tmp.path(), "clean_school = { \"清廉\" ~ (\"学校\" | \"校园\") }\n");
    let args = |text: &'static str, json: bool| {
        let mut v = vec!["explain", text, "--rules", s(tmp.path()), "--no-default-rules"];
        v.extend(["--rule", "clean-school"]);
        if json {
            v.push("--json");
        }
        v
    };
    let (code, stdout, _) = run(&args("建设廉洁学校", false));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "rule `clean-school` was not tried: none of its anchors occurs in the text (清廉)"
        ),
        "{stdout}"
    );
    let (_, stdout, _) = run(&args("建设廉洁学校", true));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["note"].as_str().is_some_and(|n| n.contains("not tried")), "{v}");
    let (_, stdout, _) = run(&args("建设清廉文化", true));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["note"].is_null(), "{v}");
    assert!(!v["attempts"].as_array().unwrap().is_empty(), "{v}");
}

#[test]
fn explain_quotes_white_space_tokens_so_each_attempt_stays_on_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    pack(tmp.path(), "clean_school = { \"清廉\" ~ (\"\\n\" | \" \" | \"学校\") }\n");
    let (code, stdout, _) = run(&[
        "explain",
        "建设清廉校园",
        "--rules",
        s(tmp.path()),
        "--no-default-rules",
        "--rule",
        "clean-school",
    ]);
    assert_eq!(code, 1, "{stdout}");
    let attempts = stdout.split("mentions:").next().unwrap();
    assert!(attempts.contains(r#"expected "\n", " ", 学校"#), "{stdout}");
    assert!(attempts.lines().skip(1).all(|l| l.starts_with("  clean-school ")), "{stdout}");
}
