//! End-to-end tests of the knowledge graph: `tifa extract --store` and
//! `--format` (RDF), `tifa query` over a store, RDF files and a SPARQL
//! endpoint, and the example queries on the example corpus.

use assert_cmd::Command;
use oxigraph::io::{RdfFormat, RdfParser};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tifa")
        .expect("the tifa binary is built")
        .current_dir(root())
        .args(args)
        .output()
        .expect("tifa runs");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert!(!stderr.contains("panicked"), "tifa panicked:\n{stderr}");
    (out.status.code().expect("exit code"), stdout, stderr)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A store of the example corpus, made once for the tests that only read it.
fn corpus_store() -> &'static Path {
    static STORE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let kg = dir.path().join("kg");
            let (code, _, err) = run(&["extract", "examples/corpus", "--store", s(&kg)]);
            assert_eq!(code, 0, "{err}");
            (dir, kg)
        })
        .1
}

/// Runs an example query on the corpus store; rows of its TSV output,
/// literal values unquoted.
fn rows(name: &str) -> Vec<Vec<String>> {
    let (code, out, err) = run(&["query", s(corpus_store()), name, "--format", "tsv"]);
    assert_eq!(code, 0, "{name}: {err}\n{out}");
    out.lines()
        .skip(1)
        .map(|l| {
            l.split('\t')
                .map(|c| {
                    let c =
                        c.strip_prefix('"').map_or(c, |c| &c[..c.rfind('"').unwrap_or(c.len())]);
                    c.to_string()
                })
                .collect()
        })
        .collect()
}

fn count_quads(store: &Path) -> u64 {
    let (code, out, err) = run(&[
        "query",
        s(store),
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    out.lines().nth(1).unwrap().trim().parse().unwrap()
}

fn all_quads(store: &Path) -> BTreeSet<String> {
    let (code, out, err) = run(&[
        "query",
        s(store),
        "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
        "--format",
        "tsv",
    ]);
    assert_eq!(code, 0, "{err}");
    out.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn extracting_twice_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let kg = dir.path().join("kg");
    let (code, _, err) = run(&["extract", "examples/corpus", "--store", s(&kg)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("5 new, 0 replaced, 0 unchanged"), "{err}");
    let n = count_quads(&kg);
    assert!(n > 1000, "{n} quads");
    let (code, _, err) = run(&["extract", "examples/corpus", "--store", s(&kg)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 new, 0 replaced, 5 unchanged"), "{err}");
    assert_eq!(count_quads(&kg), n);
}

#[test]
fn a_changed_document_changes_only_its_graph() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for e in std::fs::read_dir(root().join("examples/corpus")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "txt") {
            std::fs::copy(&p, corpus.join(p.file_name().unwrap())).unwrap();
        }
    }
    let kg = dir.path().join("kg");
    assert_eq!(run(&["extract", s(&corpus), "--store", s(&kg)]).0, 0);
    let before = all_quads(&kg);

    let changed = corpus.join("003_9934d0a601bfb071.txt");
    let mut text = std::fs::read_to_string(&changed).unwrap();
    text.push_str("\n遂昌县实验小学开展“党建+劳动教育”活动。\n");
    std::fs::write(&changed, text).unwrap();
    let (code, _, err) = run(&["extract", s(&corpus), "--store", s(&kg)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 new, 1 replaced, 4 unchanged"), "{err}");
    let after = all_quads(&kg);

    let graph = "<https://w3id.org/tifa/id/doc/003_9934d0a601bfb071.txt>\t";
    let (b_in, b_out): (BTreeSet<_>, BTreeSet<_>) =
        before.iter().cloned().partition(|l| l.starts_with(graph));
    let (a_in, a_out): (BTreeSet<_>, BTreeSet<_>) =
        after.iter().cloned().partition(|l| l.starts_with(graph));
    assert_eq!(a_out, b_out, "other documents' graphs are untouched");
    assert_ne!(a_in, b_in);
    assert!(a_in.iter().any(|l| l.contains("党建+劳动教育")));
    assert!(a_in.iter().any(|l| l.contains("area/331123")), "遂昌县 by its GB/T 2260 code");
    assert!(a_in.is_superset(&b_in), "the appended sentence only adds facts here");
}

#[test]
fn rdf_output_in_every_format_parses_back_to_the_store() {
    let store = tifa_graph::KgStore::open_read_only(corpus_store()).unwrap();
    let quads: BTreeSet<String> = store.all_nquads().unwrap().into_iter().collect();
    assert!(quads.len() > 1000);
    let triples: BTreeSet<String> = quads
        .iter()
        .map(|q| {
            let q: oxigraph::model::Quad = RdfParser::from_format(RdfFormat::NQuads)
                .for_slice(q.as_bytes())
                .next()
                .unwrap()
                .unwrap();
            oxigraph::model::Triple::from(q).to_string()
        })
        .collect();
    for (name, format) in [
        ("nquads", RdfFormat::NQuads),
        ("trig", RdfFormat::TriG),
        ("jsonld", RdfFormat::JsonLd { profile: oxigraph::io::JsonLdProfile::Streaming.into() }),
        ("ntriples", RdfFormat::NTriples),
        ("turtle", RdfFormat::Turtle),
    ] {
        let (code, out, err) = run(&["extract", "examples/corpus", "--format", name, "-q"]);
        assert_eq!(code, 0, "{name}: {err}");
        let parsed: Vec<oxigraph::model::Quad> = RdfParser::from_format(format)
            .for_slice(out.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
        if format.supports_datasets() {
            let got: BTreeSet<String> = parsed.iter().map(|q| q.to_string()).collect();
            assert_eq!(got, quads, "{name}");
        } else {
            let got: BTreeSet<String> =
                parsed.into_iter().map(|q| oxigraph::model::Triple::from(q).to_string()).collect();
            assert_eq!(got, triples, "{name}");
        }
    }
}

#[test]
fn rdf_files_answer_like_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let nq = dir.path().join("kg.nq");
    assert_eq!(run(&["extract", "examples/corpus", "--format", "nquads", "-o", s(&nq), "-q"]).0, 0);
    let (code, from_file, err) = run(&["query", s(&nq), "star-ratings", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let (_, from_store, _) = run(&["query", s(corpus_store()), "star-ratings", "--format", "csv"]);
    assert_eq!(from_file, from_store);
}

#[test]
fn the_list_shows_the_examples_with_their_questions() {
    let (code, out, _) = run(&["query", "--list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() >= 8, "{out}");
    for l in lines {
        let (name, question) = l.split_once("  ").unwrap();
        assert!(root().join(format!("examples/queries/{}.rq", name.trim())).is_file(), "{l}");
        assert!(question.trim().ends_with('?') || question.contains('?'), "a question: {l}");
    }
}

#[test]
fn every_example_query_answers_on_the_corpus() {
    let (_, list, _) = run(&["query", "--list"]);
    for name in list.lines().filter_map(|l| l.split_whitespace().next()) {
        let r = rows(name);
        assert!(!r.is_empty(), "{name} has no answer");
    }
}

#[test]
fn star_ratings_by_level_count_and_share() {
    // 001: 五星级 …, 四星级 …, 三星级标准 283 (the sentence says so).
    let r = rows("star-ratings");
    let three = r.iter().find(|row| row[1] == "三星级标准").expect("三星级标准 in 001");
    assert_eq!(three[0], "001_8efa52cf605330b7.txt");
    assert_eq!((three[2].as_str(), three[3].as_str()), ("3", "283"));
    assert!(r.iter().all(|row| (1..=5).contains(&row[2].parse::<i32>().unwrap())));
}

#[test]
fn plus_compounds_with_their_district_and_city() {
    let r = rows("plus-compounds-by-area");
    let has = |area: &str, city: &str, compound: &str| {
        r.iter().any(|row| row[0] == area && row[1] == city && row[2] == compound)
    };
    // 003 is about 相山区 (淮北市) and its “党建+业务”, “党建+团队建设”.
    assert!(has("相山区", "淮北市", "党建+业务"), "{r:?}");
    assert!(has("相山区", "淮北市", "党建+团队建设"), "{r:?}");
    // 002 is about 金乡县 (济宁市) and its “党建+特色办学”.
    assert!(has("金乡县", "济宁市", "党建+特色办学"), "{r:?}");
    // Compounds without 党建 are not listed.
    assert!(!r.iter().any(|row| row[2] == "合格+特长"));
}

#[test]
fn organisations_reach_their_province_through_the_gazetteer() {
    let r = rows("organisation-hierarchy");
    let find =
        |org: &str| r.iter().find(|row| row[0] == org).unwrap_or_else(|| panic!("{org}: {r:?}"));
    // 任城区委教育工委 is in 任城区 (its name says so), which GB/T 2260 puts in
    // 济宁市, 山东省.
    let c = find("任城区委教育工委");
    assert_eq!((c[2].as_str(), c[3].as_str(), c[4].as_str()), ("任城区", "济宁市", "山东省"));
    let b = find("金乡县教体局团委");
    assert_eq!((b[2].as_str(), b[3].as_str(), b[4].as_str()), ("金乡县", "济宁市", "山东省"));
    let j = find("济南市教育局");
    assert_eq!((j[3].as_str(), j[4].as_str()), ("济南市", "山东省"));
}

#[test]
fn every_relation_traces_to_document_rule_and_span() {
    let r = rows("trace-a-fact");
    assert!(r.len() >= 20);
    // 任城区委教育工委 is located in 任城区: the rule that found the
    // committee, the span of its name.
    let row = r
        .iter()
        .find(|row| row[0] == "任城区委教育工委" && row[1] == "located_in" && row[2] == "任城区")
        .unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!(row[3], "000_90a7e521a986ba1e.txt");
    assert!(row[4].starts_with("party-committee"), "{row:?}");
    let (start, end): (usize, usize) = (row[5].parse().unwrap(), row[6].parse().unwrap());
    let text = std::fs::read_to_string(root().join("examples/corpus").join(&row[3])).unwrap();
    let span: String = text.chars().skip(start).take(end - start).collect();
    assert_eq!(span, "任城区委教育工委");
    // The hierarchy is traced to the gazetteer.
    assert!(r.iter().any(|row| row[0] == "金乡县"
        && row[1] == "part_of"
        && row[2] == "济宁市"
        && row[4] == "gazetteer"));
}

#[test]
fn a_school_with_a_one_school_one_brand_label() {
    // 000: “走进济宁市东门大街小学，…学校作为省级“一校一品”党建品牌”.
    let r = rows("one-school-one-brand");
    let row =
        r.iter().find(|row| row[0] == "济宁市东门大街小学").unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!((row[2].as_str(), row[3].as_str()), ("济宁市", "000_90a7e521a986ba1e.txt"));
}

#[test]
fn numbered_formulations_count_documents() {
    let r = rows("numbered-formulations");
    let find = |f: &str| r.iter().find(|row| row[0] == f).unwrap_or_else(|| panic!("{f}: {r:?}"));
    let numbers = |f: &str| {
        let mut n: Vec<String> = find(f)[1].split(',').map(str::to_string).collect();
        n.sort();
        n
    };
    assert_eq!(numbers("三会一课"), ["1", "3"]);
    assert_eq!(numbers("两学一做"), ["1", "2"]);
}

#[test]
fn syntax_errors_name_line_and_column_and_exit_2() {
    let (code, _, err) = run(&["query", s(corpus_store()), "SELECT ?x\nWHERE { ?x ?y }"]);
    assert_eq!(code, 2);
    assert!(err.contains("SPARQL syntax error") && err.contains("2:"), "{err}");
    let (code, _, err) = run(&["query", s(corpus_store()), "no-such-example"]);
    assert_eq!(code, 2);
    assert!(err.contains("--list"), "{err}");
    let (code, _, _) = run(&["query", "/no/such/store", "star-ratings"]);
    assert_eq!(code, 2);
}

#[test]
fn empty_answers_exit_1_and_formats_follow_the_w3c() {
    let q = "SELECT ?s WHERE { ?s <https://w3id.org/tifa/vocab#nothing> ?o }";
    assert_eq!(run(&["query", s(corpus_store()), q]).0, 1);
    let (code, out, _) = run(&[
        "query",
        s(corpus_store()),
        "ASK { ?s a <http://www.w3.org/ns/org#Organization> }",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["boolean"], true);
    let (_, out, _) = run(&["query", s(corpus_store()), "star-ratings", "--format", "xml"]);
    assert!(out.contains("<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">"), "{out}");
    let (_, out, _) = run(&["query", s(corpus_store()), "star-ratings"]);
    assert!(out.lines().next().unwrap().starts_with("doc"), "{out}");
    assert!(out.trim_end().ends_with("rows)"), "{out}");
}

/// A one-shot SPARQL endpoint on localhost: answers one POST with `body`
/// and hands back the request it got.
fn endpoint(body: &'static str) -> (String, std::thread::JoinHandle<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sparql", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let mut req = vec![0u8; len];
        reader.read_exact(&mut req).unwrap();
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(resp.as_bytes()).unwrap();
        (head, String::from_utf8(req).unwrap())
    });
    (url, handle)
}

#[test]
fn the_endpoint_gets_the_query_by_the_sparql_protocol() {
    let (url, server) = endpoint(
        r#"{"head":{"vars":["area","n"]},"results":{"bindings":[{"area":{"type":"literal","value":"任城区"},"n":{"type":"literal","value":"3","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}"#,
    );
    let (code, out, err) =
        run(&["query", "--endpoint", &url, "star-ratings", "--format", "csv", "--timeout", "20"]);
    let (head, body) = server.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(head.starts_with("POST /sparql HTTP/1.1"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/sparql-query"), "{head}");
    let example = std::fs::read_to_string(root().join("examples/queries/star-ratings.rq")).unwrap();
    assert_eq!(body, example);
    assert_eq!(out, "area,n\r\n任城区,3\r\n");
}

#[test]
fn endpoint_errors_exit_2() {
    // Nothing listens on a port we bound and closed.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (code, _, err) =
        run(&["query", "--endpoint", &format!("http://127.0.0.1:{port}/"), "ASK {}"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("127.0.0.1"), "{err}");
}

#[test]
fn rdf_output_is_deterministic() {
    let (_, one, _) = run(&["extract", "examples/corpus", "--format", "trig", "-q", "-j", "1"]);
    let (_, two, _) = run(&["extract", "examples/corpus", "--format", "trig", "-q", "-j", "2"]);
    assert!(one.len() > 10_000);
    assert_eq!(one, two);
    assert!(!one.contains("_:"), "no blank nodes");
}
