//! End-to-end tests of the `tifa` binary: extraction over the example
//! corpus, determinism, encodings, broken and user rule packs, and the
//! `explain` and `rules` subcommands.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    root().join("examples/corpus")
}

fn tifa() -> Command {
    let mut cmd = Command::cargo_bin("tifa").expect("the tifa binary is built");
    cmd.current_dir(root());
    cmd
}

/// Runs `tifa` with `args`; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    run_cmd(tifa().args(args))
}

fn run_cmd(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("tifa runs");
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert!(!stderr.contains("panicked"), "tifa panicked:\n{stderr}");
    (out.status.code().expect("tifa exited normally"), stdout, stderr)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("examples/corpus exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "examples/corpus should hold the 5 seed files: {files:?}");
    files
}

fn strip_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn parse_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

// ------------------------------------------------------------ 1. extract

#[test]
fn extract_corpus_gives_well_formed_mentions_with_exact_spans() {
    let c = corpus();
    let (code, stdout, stderr) = run(&["extract", path_str(&c), "--format", "jsonl", "-q"]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    let lines = parse_lines(&stdout);
    assert!(lines.len() > 100, "only {} lines", lines.len());

    let texts: BTreeMap<String, Vec<char>> = corpus_files()
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(p).unwrap().replace("\r\n", "\n");
            (name, text.chars().collect())
        })
        .collect();

    let mut types = BTreeSet::new();
    let (mut mentions, mut relations) = (0, 0);
    for v in &lines {
        let obj = v.as_object().unwrap_or_else(|| panic!("not an object: {v}"));
        let doc = obj["doc"].as_str().unwrap_or_else(|| panic!("no doc: {v}"));
        let kind = obj["type"].as_str().unwrap_or_else(|| panic!("no type: {v}"));
        assert!(texts.contains_key(doc), "unknown doc {doc}");
        if ["rel", "from", "to"].iter().all(|k| obj.get(*k).is_some_and(Value::is_string)) {
            relations += 1;
            assert_eq!(kind, "relation", "{v}");
            continue;
        }
        mentions += 1;
        for k in ["text", "start", "end", "rule", "fields"] {
            assert!(obj.contains_key(k), "mention without `{k}`: {v}");
        }
        assert!(obj["fields"].is_object(), "{v}");
        assert!(!obj["rule"].as_str().unwrap().is_empty(), "{v}");
        types.insert(kind.to_string());
        let text = obj["text"].as_str().unwrap();
        let start = obj["start"].as_u64().unwrap() as usize;
        let end = obj["end"].as_u64().unwrap() as usize;
        let chars = &texts[doc];
        assert!(start < end && end <= chars.len(), "bad span {start}..{end}: {v}");
        let span: String = chars[start..end].iter().collect();
        assert_eq!(strip_ws(&span), strip_ws(text), "span {start}..{end} of {doc} vs text: {v}");
        assert!(!text.is_empty() && text.trim() == text, "untrimmed text: {v}");
    }
    assert!(mentions > 100, "{mentions} mentions");
    assert!(relations > 0, "no relations");
    for t in [
        "PlusCompound",
        "StarRating",
        "OnePerFormulation",
        "NumberedFormulation",
        "Quantity",
        "Organization",
        "Program",
        "Designation",
        "Person",
    ] {
        assert!(types.contains(t), "no {t} mention in the corpus; found {types:?}");
    }
}

#[test]
fn extract_tsv_has_a_header_and_seven_columns() {
    let c = corpus();
    let (code, stdout, stderr) = run(&["extract", path_str(&c), "--format", "tsv", "-q"]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("doc\ttype\ttext\tstart\tend\trule\tfields"));
    let mut n = 0;
    for l in lines {
        assert_eq!(l.split('\t').count(), 7, "{l}");
        n += 1;
    }
    assert!(n > 100, "{n} rows");
}

// ------------------------------------------------------- 2. determinism

#[test]
fn output_is_deterministic_across_runs_and_thread_counts() {
    let c = corpus();
    let c = path_str(&c);
    let (code, first, _) = run(&["extract", c, "-q"]);
    assert_eq!(code, 0);
    assert!(!first.is_empty());
    let (_, second, _) = run(&["extract", c, "-q"]);
    assert!(first == second, "two runs differ");
    let (_, one, _) = run(&["extract", c, "-q", "-j", "1"]);
    let (_, two, _) = run(&["extract", c, "-q", "-j", "2"]);
    assert!(one == two, "-j 1 and -j 2 differ");
    assert!(one == first, "-j 1 differs from the default");
}

// ---------------------------------------------------------- 3. encodings

fn extract_dir(dir: &Path) -> (i32, String, String) {
    run(&["extract", path_str(dir), "-q"])
}

#[test]
fn gb18030_and_bom_files_give_the_same_mentions_as_utf8() {
    let seed = &corpus_files()[0];
    let name = seed.file_name().unwrap();
    let utf8 = std::fs::read_to_string(seed).unwrap();
    let tmp = tempfile::tempdir().unwrap();

    let plain = tmp.path().join("plain");
    let gb = tmp.path().join("gb18030");
    let bom = tmp.path().join("bom");
    for d in [&plain, &gb, &bom] {
        std::fs::create_dir(d).unwrap();
    }
    std::fs::write(plain.join(name), utf8.as_bytes()).unwrap();
    let (encoded, _, unmappable) = encoding_rs::GB18030.encode(&utf8);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&encoded).is_err(), "the GB18030 bytes should not be UTF-8");
    std::fs::write(gb.join(name), &encoded).unwrap();
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(utf8.as_bytes());
    std::fs::write(bom.join(name), with_bom).unwrap();

    let (code, expected, stderr) = extract_dir(&plain);
    assert_eq!(code, 0, "{stderr}");
    assert!(expected.lines().count() > 10);
    for d in [&gb, &bom] {
        let (code, got, stderr) = extract_dir(d);
        assert_eq!(code, 0, "{}: {stderr}", d.display());
        assert!(got == expected, "{} gives different output:\n{got}", d.display());
    }
}

#[test]
fn a_binary_file_is_skipped_and_the_rest_still_extracted() {
    let seed = &corpus_files()[0];
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mixed");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(seed, dir.join("good.txt")).unwrap();
    std::fs::write(dir.join("blob.bin"), b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0")
        .unwrap();

    let (code, stdout, stderr) = run(&["extract", path_str(&dir)]);
    assert_eq!(code, 0, "{stderr}");
    let skipped = stderr.lines().find(|l| l.contains("blob.bin"));
    assert!(skipped.is_some_and(|l| l.contains("skipped")), "stderr:\n{stderr}");
    let lines = parse_lines(&stdout);
    assert!(lines.len() > 10, "{stdout}");
    assert!(lines.iter().all(|v| v["doc"] == "good.txt"), "{stdout}");
}

// -------------------------------------------------------- 4. broken packs

const HEAD: &str = "[pack]\nname = \"t\"\ngrammars = [\"g.pest\"]\n";
/// The grammar of a user pack, as a user would write it.
const GOOD_GRAMMAR: &str = "clean_school = { \"清廉\" ~ (\"学校\" | \"校园\") }\n";
/// The same, with a tag for fields.
const TAGGED_GRAMMAR: &str =
    "clean = { \"清廉\" }\nclean_school = { #lvl = clean ~ (\"学校\" | \"校园\") }\n";

fn write_pack(manifest: &str, grammar: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("pack.toml"), manifest).unwrap();
    std::fs::write(tmp.path().join("g.pest"), grammar).unwrap();
    tmp
}

/// Both `extract --rules DIR` and `rules check DIR` fail with exit 2 and
/// print every one of `needles`.
fn assert_broken(pack: &Path, needles: &[&str]) {
    let c = corpus();
    let (code, stdout, stderr) = run(&["extract", path_str(&c), "--rules", path_str(pack)]);
    assert_eq!(code, 2, "extract exit code; stderr:\n{stderr}");
    assert!(stdout.is_empty(), "extract printed mentions with a broken pack:\n{stdout}");
    for n in needles {
        assert!(stderr.contains(n), "extract stderr lacks {n:?}:\n{stderr}");
    }
    let (code, stdout, stderr) = run(&["rules", "check", path_str(pack)]);
    assert_eq!(code, 2, "rules check exit code; stdout:\n{stdout}\nstderr:\n{stderr}");
    let all = format!("{stdout}{stderr}");
    for n in needles {
        assert!(all.contains(n), "rules check output lacks {n:?}:\n{all}");
    }
    if let Some(last) = stdout.lines().last() {
        assert!(!last.starts_with("0 error(s)"), "{stdout}");
    }
}

#[test]
fn a_grammar_syntax_error_names_file_line_and_column() {
    let m = format!("{HEAD}[[rule]]\nid = \"clean-school\"\ntype = \"Designation\"\n");
    let pack = write_pack(&m, "// a comment\n\nclean_school = { \"清廉\" ~ }\n");
    assert_broken(pack.path(), &["g.pest:3:"]);
}

#[test]
fn an_unknown_grammar_rule_names_the_manifest_position() {
    let m = format!(
        "{HEAD}[[rule]]\nid = \"clean-school\"\ntype = \"Designation\"\ngrammar = \"clean_shcool\"\n"
    );
    let pack = write_pack(&m, GOOD_GRAMMAR);
    assert_broken(pack.path(), &["pack.toml:7:", "which no grammar of the pack defines"]);
}

#[test]
fn an_unknown_field_names_the_manifest_position() {
    let m = format!(
        "{HEAD}[[rule]]\nid = \"clean-school\"\ntype = \"Designation\"\nfields = {{ colour = \"lvl\" }}\n"
    );
    let pack = write_pack(&m, TAGGED_GRAMMAR);
    assert_broken(pack.path(), &["pack.toml:7:", "unknown field", "colour"]);
}

#[test]
fn an_unknown_normalizer_names_the_manifest_position() {
    let m = format!(
        "{HEAD}[[rule]]\nid = \"clean-school\"\ntype = \"Designation\"\n\
         fields = {{ level = {{ tag = \"lvl\", normalize = \"shout\" }} }}\n"
    );
    let pack = write_pack(&m, TAGGED_GRAMMAR);
    assert_broken(pack.path(), &["pack.toml:7:", "unknown normalizer", "shout"]);
}

// ------------------------------------------------------- 5. rules check/test

#[test]
fn the_default_pack_checks_clean() {
    let (code, stdout, stderr) = run(&["rules", "check"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stdout.lines().last(), Some("0 error(s), 0 warning(s)"), "{stdout}");
}

#[test]
fn every_bundled_example_passes() {
    let (code, stdout, stderr) = run(&["rules", "test"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    let (passed, failed) = last
        .strip_suffix(" failed")
        .and_then(|s| s.split_once(" passed, "))
        .unwrap_or_else(|| panic!("unexpected last line {last:?}"));
    assert_eq!(failed, "0", "{stdout}");
    let passed: usize = passed.parse().unwrap();
    assert!(passed > 30, "only {passed} examples");
}

#[test]
fn rules_test_fails_on_a_wrong_example() {
    let m = format!(
        "{HEAD}[[rule]]\nid = \"clean-school\"\ntype = \"Designation\"\n\
         examples = [{{ text = \"建设清廉学校\", expect = \"清廉校园\" }}]\n"
    );
    let pack = write_pack(&m, GOOD_GRAMMAR);
    let (code, stdout, _) = run(&["rules", "test", path_str(pack.path())]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(stdout.lines().last(), Some("0 passed, 1 failed"), "{stdout}");
    assert!(stdout.contains("FAIL clean-school"), "{stdout}");
}

// ---------------------------------------------------------- 6. rules list

#[test]
fn rules_list_shows_rules_and_normalizers() {
    let (code, stdout, stderr) = run(&["rules", "list"]);
    assert_eq!(code, 0, "{stderr}");
    let has_row = |section: &str, name: &str| {
        stdout
            .split("normalizers:")
            .nth(if section == "rules" { 0 } else { 1 })
            .is_some_and(|s| s.lines().any(|l| l.split_whitespace().next() == Some(name)))
    };
    assert!(has_row("rules", "plus-quoted"), "{stdout}");
    assert!(has_row("normalizers", "number"), "{stdout}");
}

// -------------------------------------------------------------- 7. explain

const STAR: &str = "全市教育系统党支部达到五星级标准的612个";

#[test]
fn explain_names_the_rule_text_and_fields() {
    let (code, stdout, stderr) = run(&["explain", STAR]);
    assert_eq!(code, 0, "{stderr}");
    let mentions = stdout.split("mentions:").nth(1).unwrap_or_else(|| panic!("{stdout}"));
    let line = mentions
        .lines()
        .find(|l| l.contains("[star-count-after]"))
        .unwrap_or_else(|| panic!("no star-count-after mention:\n{stdout}"));
    assert!(line.contains("\"五星级标准\""), "{line}");
    assert!(line.contains("\"level\":5"), "{line}");
    assert!(line.contains("\"count\":612"), "{line}");
}

#[test]
fn explain_json_has_a_mentions_array() {
    let (code, stdout, stderr) = run(&["explain", "--json", STAR]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("explain --json prints JSON");
    let mentions = v["mentions"].as_array().expect("a mentions array");
    let m = mentions
        .iter()
        .find(|m| m["rule"] == "star-count-after")
        .unwrap_or_else(|| panic!("no star-count-after mention: {v}"));
    assert_eq!(m["type"], "StarRating");
    assert_eq!(m["text"], "五星级标准");
    assert_eq!(m["fields"]["level"], 5);
    assert_eq!(m["fields"]["count"], 612);
    let chars: Vec<char> = STAR.chars().collect();
    let (s, e) = (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
    assert_eq!(chars[s..e].iter().collect::<String>(), "五星级标准");
    assert!(v["attempts"].is_array(), "{v}");
}

#[test]
fn explain_an_unknown_rule_is_an_error() {
    let (code, _, stderr) = run(&["explain", STAR, "--rule", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-rule"), "{stderr}");
}

// ------------------------------------------------------------ 8. stdin

#[test]
fn standard_input_uses_the_doc_name() {
    let text = std::fs::read_to_string(&corpus_files()[0]).unwrap();
    let (code, stdout, stderr) =
        run_cmd(tifa().args(["extract", "-", "--doc-name", "x.txt", "-q"]).write_stdin(text));
    assert_eq!(code, 0, "{stderr}");
    let lines = parse_lines(&stdout);
    assert!(lines.len() > 10, "{stdout}");
    assert!(lines.iter().all(|v| v["doc"] == "x.txt"), "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with(r#"{"doc":"x.txt","#)), "{stdout}");
}

// --------------------------------------------------------- 9. user packs

#[test]
fn a_user_pack_works_without_recompiling() {
    let m = format!(
        "{HEAD}[[rule]]\nid = \"clean-school\"\ntype = \"Designation\"\n\
         doc = \"清廉学校 and 清廉校园.\"\n\
         examples = [{{ text = \"建设清廉学校\", expect = \"清廉学校\" }}]\n"
    );
    let pack = write_pack(&m, GOOD_GRAMMAR);
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("clean.txt");
    std::fs::write(&input, "全面推进清廉学校建设，打造清廉校园。\n").unwrap();

    let (code, stdout, stderr) = run(&[
        "extract",
        path_str(&input),
        "--rules",
        path_str(pack.path()),
        "--no-default-rules",
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let lines = parse_lines(&stdout);
    assert_eq!(lines.len(), 2, "{stdout}");
    for (v, (text, start)) in lines.iter().zip([("清廉学校", 4), ("清廉校园", 13)]) {
        assert_eq!(v["doc"], "clean.txt", "{v}");
        assert_eq!(v["type"], "Designation", "{v}");
        assert_eq!(v["rule"], "clean-school", "{v}");
        assert_eq!(v["text"], text, "{v}");
        assert_eq!(v["start"], start, "{v}");
        assert_eq!(v["end"], start + 4, "{v}");
    }

    // The same pack next to the default one.
    let (code, stdout, stderr) =
        run(&["extract", path_str(&input), "--rules", path_str(pack.path()), "-q"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(r#""rule":"clean-school""#), "{stdout}");

    let (code, stdout, _) = run(&["rules", "test", path_str(pack.path())]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.lines().last(), Some("1 passed, 0 failed"), "{stdout}");
    let (code, stdout, _) = run(&["rules", "check", path_str(pack.path())]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.lines().last(), Some("0 error(s), 0 warning(s)"), "{stdout}");
}

// ---------------------------------------------------- 10. nothing to find

#[test]
fn empty_and_blank_files_find_nothing_without_panicking() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.txt");
    let blank = tmp.path().join("blank.txt");
    std::fs::write(&empty, b"").unwrap();
    std::fs::write(&blank, " \n\t\r\n\u{3000}\n\n".as_bytes()).unwrap();
    for f in [&empty, &blank] {
        let (code, stdout, stderr) = run(&["extract", path_str(f)]);
        assert_eq!(code, 1, "{}: {stderr}", f.display());
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains("0 mention(s)"), "{stderr}");
    }
    let (code, stdout, _) =
        run_cmd(tifa().args(["extract", "-", "--doc-name", "e.txt"]).write_stdin(""));
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
}

#[test]
fn a_missing_input_is_an_error() {
    let (code, _, stderr) = run(&["extract", "no/such/file.txt", "-q"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no/such/file.txt"), "{stderr}");
}

#[test]
fn eval_prints_the_scorer_table_and_the_errors() {
    let fx = root().join("crates/tifa-eval/tests/fixtures");
    let (code, out, _) =
        run(&["eval", path_str(&fx.join("gold.jsonl")), path_str(&fx.join("pred.jsonl"))]);
    assert_eq!(code, 0);
    let want = std::fs::read_to_string(fx.join("expected_table.txt")).expect("table");
    assert!(out.starts_with(&want), "{out}");
    assert!(out.contains("  b.txt\tNumberedFormulation\t五个方面  [numbered-set]"), "{out}");
    let (code, _, err) =
        run(&["eval", path_str(&fx.join("gold.jsonl")), path_str(&fx.join("nope.jsonl"))]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn eval_extracts_a_corpus_when_given_texts() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("a.txt"), "推行“党建+教研”模式，培训教师1.5万余人次。")
        .expect("write");
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(
        &gold,
        "{\"doc\":\"a.txt\",\"type\":\"PlusCompound\",\"text\":\"党建+教研\",\"fields\":{\"left\":\"党建\",\"right\":\"教研\"}}\n",
    )
    .expect("write");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    std::fs::rename(dir.path().join("a.txt"), corpus.join("a.txt")).expect("mv");
    let (code, out, err) = run(&["eval", path_str(&gold), path_str(&corpus), "--summary"]);
    assert_eq!(code, 0, "{err}");
    let row = out.lines().find(|l| l.starts_with("PlusCompound")).expect("row");
    assert!(row.contains("1.000"), "{row}");
    assert!(out.lines().any(|l| l.starts_with("Quantity") && l.contains("0.000")), "{out}");
}

#[test]
fn traditional_text_matches_the_same_rules() {
    let dir = tempfile::tempdir().expect("tmp");
    let simp = "2022年，广州市越秀区46个党组织获评五星级党支部，实施“党建+业务”工程，落实三会一课制度，培训教师1.5万余人次。";
    let trad = "2022年，廣州市越秀區46個黨組織獲評五星級黨支部，實施“黨建+業務”工程，落實三會一課制度，培訓教師1.5萬餘人次。";
    assert_eq!(simp.chars().count(), trad.chars().count());
    std::fs::write(dir.path().join("s.txt"), simp).expect("write");
    std::fs::write(dir.path().join("t.txt"), trad).expect("write");
    type Shape = (Vec<(String, u64, u64, String)>, Vec<String>);
    let shape = |name: &str| -> Shape {
        let (code, out, err) = run(&["extract", path_str(&dir.path().join(name)), "-q"]);
        assert_eq!(code, 0, "{err}");
        let lines = parse_lines(&out);
        let mentions = lines
            .iter()
            .filter(|o| o["type"] != "relation")
            .map(|o| {
                (
                    o["type"].as_str().unwrap_or("").to_string(),
                    o["start"].as_u64().unwrap_or(0),
                    o["end"].as_u64().unwrap_or(0),
                    o["rule"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let texts = lines.iter().filter_map(|o| o["text"].as_str().map(String::from)).collect();
        (mentions, texts)
    };
    let (s, _) = shape("s.txt");
    let (t, texts) = shape("t.txt");
    assert!(s.iter().any(|m| m.0 == "StarRating"), "{s:?}");
    assert_eq!(s, t, "same mentions at the same offsets");
    assert!(texts.contains(&"五星級黨支部".to_string()), "{texts:?}");
    assert!(texts.contains(&"1.5萬餘人次".to_string()), "{texts:?}");
}

#[test]
fn a_reader_that_goes_away_ends_the_run_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // Far more output than a pipe buffers, so the writer meets the closed pipe.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tifa"))
        .arg("extract")
        .args(std::iter::repeat_n(corpus(), 20))
        .args(["--format", "jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tifa runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("a line");
    assert!(first.starts_with("{\"doc\""), "{first}");
    // The reader is dropped here, like `| head -1`.
    let out = child.wait_with_output().expect("tifa ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}
