//! End-to-end tests of `tifa viz` on the seed corpus (`examples/corpus`):
//! every format, the selections, Graphviz rendering of the DOT export,
//! GraphML/GEXF parsed back, and the HTML page driven in headless Chromium
//! through chromedriver (WebDriver).
//!
//! Graphviz and Chromium are system packages (`.ci/run` installs them).
//! Where one is missing the test says so and stops, except under CI
//! (`CI` set), where a missing tool is a failure.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> String {
    root().join("examples/corpus").to_str().expect("UTF-8 path").to_string()
}

/// The seed corpus's extraction output, made once per test run (extracting
/// takes seconds in a debug build; reading it back, milliseconds).
fn seed_jsonl() -> String {
    static JSONL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSONL
        .get_or_init(|| {
            let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("viz-seed.jsonl");
            let p = p.to_str().expect("UTF-8 path").to_string();
            ok(&["extract", &corpus(), "-q", "-o", &p]);
            p
        })
        .clone()
}

/// Arguments that read the seed graph fast: its JSON Lines plus `--texts`.
fn seed() -> Vec<String> {
    vec![seed_jsonl(), "--texts".into(), corpus()]
}

fn with<'a>(base: &'a [String], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().map(String::as_str).chain(more.iter().copied()).collect()
}

/// `tifa viz` on the seed graph with `more` arguments.
fn viz_seed(more: &[&str]) -> (i32, String, String) {
    let base = seed();
    let mut args = vec!["viz"];
    args.extend(with(&base, more));
    run(&args)
}

/// Runs `tifa` with `args`; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tifa")
        .expect("the tifa binary is built")
        .current_dir(root())
        .args(args)
        .output()
        .expect("tifa runs");
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert!(!stderr.contains("panicked"), "tifa panicked:\n{stderr}");
    (out.status.code().expect("tifa exited normally"), stdout, stderr)
}

fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "tifa {args:?} failed:\n{err}");
    out
}

/// The graph as Cytoscape.js elements: the reference for counts.
fn elements(args: &[&str]) -> Value {
    let mut a = vec!["viz", "--format", "cytoscape", "-q"];
    a.extend_from_slice(args);
    let v: Value = serde_json::from_str(&ok(&a)).expect("cytoscape JSON");
    v["elements"].clone()
}

fn counts(elements: &Value) -> (usize, usize) {
    let n = |k: &str| elements[k].as_array().map_or(0, Vec::len);
    (n("nodes"), n("edges"))
}

fn labels(elements: &Value) -> Vec<String> {
    let mut l: Vec<String> = elements["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["data"]["label"].as_str().expect("label").to_string())
        .collect();
    l.sort();
    l
}

/// Is `tool` installed? If not: false with a notice, or a failure under CI.
fn have(tool: &str) -> bool {
    let found = std::process::Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{tool}` is missing on CI (.ci/run installs it)"
        );
        println!("NOTICE: `{tool}` is not installed; this test is skipped here (CI runs it)");
    }
    found
}

/// Element name → count, after parsing the whole document.
fn xml_counts(xml: &str) -> BTreeMap<String, usize> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut counts = BTreeMap::new();
    loop {
        match r.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                for a in e.attributes() {
                    a.expect("well-formed attribute").unescape_value().expect("escaped value");
                }
                let name = String::from_utf8(e.name().as_ref().to_vec()).expect("UTF-8 name");
                *counts.entry(name).or_insert(0) += 1;
            }
            quick_xml::events::Event::Text(t) => {
                t.unescape().expect("escaped text");
            }
            _ => {}
        }
    }
    counts
}

#[test]
fn seed_graph_has_entities_and_relations_and_is_deterministic() {
    let el = elements(&[&corpus()]);
    let (nodes, edges) = counts(&el);
    assert!(nodes > 50 && edges > 10, "seed graph too small: {nodes} nodes, {edges} edges");
    let names = labels(&el);
    for want in ["任城区", "济宁市"] {
        assert!(names.iter().any(|l| l == want), "no node {want}");
    }
    let ren = el["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["data"]["id"] == "Organization:任城区")
        .expect("任城区 is an Organization node");
    assert_eq!(ren["data"]["kind"], "district");
    assert!(!ren["data"]["sentences"].as_array().unwrap().is_empty(), "sentences kept");
    assert!(el["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["data"]["source"] == "Organization:任城区"
            && e["data"]["target"] == "Organization:济宁市"
            && e["data"]["label"] == "part_of"));
    assert_eq!(el, elements(&[&corpus()]), "same input, same graph");
}

#[test]
fn jsonl_input_gives_the_graph_of_the_folder() {
    let jsonl = seed_jsonl();
    let from_jsonl = elements(&[&jsonl]);
    let from_folder = elements(&[&corpus()]);
    assert_eq!(counts(&from_jsonl), counts(&from_folder));
    assert_eq!(labels(&from_jsonl), labels(&from_folder));
    // Without the texts there are no sentences; --texts brings them back.
    let no_sentences = from_jsonl["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["data"]["sentences"].as_array().is_some_and(Vec::is_empty));
    assert!(no_sentences);
    let with_texts = elements(&[&jsonl, "--texts", &corpus()]);
    assert_eq!(with_texts, from_folder);
    // Every format is byte-identical from one run to the next.
    for f in ["html", "dot", "graphml", "gexf"] {
        let (_, a, _) = viz_seed(&["--format", f, "-q"]);
        let (_, b, _) = viz_seed(&["--format", f, "-q"]);
        assert!(a.len() > 1000 && a == b, "{f} output differs between runs");
    }
}

#[test]
fn selections_cut_the_graph() {
    let c = seed();
    let full = elements(&with(&c, &[]));
    let orgs = elements(&with(&c, &["--types", "Organization,Person"]));
    let types: Vec<&str> = orgs["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["data"]["type"].as_str().unwrap())
        .collect();
    assert!(!types.is_empty() && types.iter().all(|t| *t == "Organization" || *t == "Person"));
    assert!(counts(&orgs).0 < counts(&full).0);

    let near = elements(&with(&c, &["--around", "任城区", "--depth", "1"]));
    let near_labels = labels(&near);
    assert!(
        near_labels.contains(&"任城区".to_string()) && near_labels.contains(&"济宁市".to_string())
    );
    let far = elements(&with(&c, &["--around", "任城区", "--depth", "3"]));
    assert!(counts(&far).0 > counts(&near).0, "depth 3 reaches further than depth 1");

    let hubs = elements(&with(&c, &["--min-degree", "2"]));
    assert!(hubs["nodes"].as_array().unwrap().iter().all(|n| {
        let id = &n["data"]["id"];
        let d = full["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| &e["data"]["source"] == id || &e["data"]["target"] == id)
            .count();
        d >= 2
    }));
    assert!(counts(&hubs).0 > 0 && counts(&hubs).0 < counts(&full).0);

    let (code, _, err) = viz_seed(&["--around", "任城", "--format", "dot"]);
    assert_eq!(code, 2);
    assert!(err.contains("no entity named `任城`") && err.contains("任城区"), "{err}");
    let (code, out, _) = viz_seed(&["--types", "NoSuchType", "--format", "cytoscape"]);
    assert_eq!(code, 1, "an empty graph exits 1");
    assert!(out.contains("\"nodes\": []"));
}

#[test]
fn malformed_jsonl_is_an_error_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.jsonl");
    std::fs::write(&p, "{\"doc\":\"a\",\"type\":\"relation\",\"rel\":\"runs\",\"from\":\"甲\",\"to\":\"乙\",\"start\":0,\"end\":1,\"rule\":\"r\"}\n\n{\"doc\": oops}\n").unwrap();
    let (code, _, err) = run(&["viz", p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.jsonl:3:9:"), "{err}");
    std::fs::write(&p, "{\"doc\":\"a\",\"type\":\"Organization\"}\n").unwrap();
    let (code, _, err) = run(&["viz", p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.jsonl:1:33: not a mention or relation: missing field"), "{err}");
    std::fs::write(&p, b"\xff\xfe\x00binary").unwrap();
    let (code, _, err) = run(&["viz", p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.jsonl:1:"), "{err}");
    std::fs::write(&p, "").unwrap();
    let (code, out, _) = run(&["viz", p.to_str().unwrap(), "--format", "graphml"]);
    assert_eq!(code, 1, "an empty input is an empty graph");
    assert_eq!(xml_counts(&out).get("node"), None);
}

#[test]
fn dot_export_renders_with_graphviz_without_warnings() {
    let (code, dot, err) = viz_seed(&["--format", "dot", "-q"]);
    assert_eq!(code, 0, "{err}");
    let el = elements(&with(&seed(), &[]));
    let (nodes, edges) = counts(&el);
    // Entity lines are `  n0 [...]`, edge lines `  n0 -> n1 [...]`.
    let lines: Vec<&str> = dot
        .lines()
        .filter(|l| {
            l.strip_prefix("  n").is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    let node_lines = lines.iter().filter(|l| !l.contains(" -> ")).count();
    let edge_lines = lines.iter().filter(|l| l.contains(" -> ")).count();
    let lines: Vec<&str> = dot.lines().collect();
    let legend =
        lines.iter().filter(|l| l.starts_with("    legend") && !l.contains(" -> ")).count();
    let types: std::collections::BTreeSet<&str> = el["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["data"]["type"].as_str().unwrap())
        .collect();
    assert_eq!((node_lines, edge_lines, legend), (nodes, edges, types.len()));
    if !have("dot") {
        return;
    }
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dot starts");
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let out = child.wait_with_output().expect("dot runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dot failed: {stderr}");
    assert!(stderr.trim().is_empty(), "dot warned: {stderr}");
    let svg = String::from_utf8(out.stdout).expect("UTF-8 SVG");
    let drawn = svg.matches("class=\"node\"").count();
    assert_eq!(drawn, nodes + legend, "every entity and legend entry is drawn");
    // The legend's links are invisible: Graphviz draws none of them.
    assert_eq!(svg.matches("class=\"edge\"").count(), edges);
    assert!(svg.contains(">任城区<"), "Chinese label in the SVG");
}

#[test]
fn graphml_and_gexf_parse_back_with_the_graphs_counts() {
    let (nodes, edges) = counts(&elements(&with(&seed(), &[])));
    let (_, graphml, _) = viz_seed(&["--format", "graphml", "-q"]);
    let c = xml_counts(&graphml);
    assert_eq!((c["node"], c["edge"]), (nodes, edges));
    assert!(c["key"] >= 10, "type, kind, counts and documents are declared: {c:?}");
    let (_, gexf, _) = viz_seed(&["--format", "gexf", "-q"]);
    let c = xml_counts(&gexf);
    assert_eq!((c["node"], c["edge"]), (nodes, edges));
    assert_eq!(c["viz:color"], nodes);
    for attr in ["title=\"type\"", "title=\"kind\"", "title=\"mentions\"", "title=\"documents\""] {
        assert!(gexf.contains(attr), "GEXF declares {attr}");
    }
}

#[test]
fn networkx_reads_graphml_and_gexf_with_attributes() {
    let probe = std::process::Command::new("python3").args(["-c", "import networkx"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!("NOTICE: python3 with networkx is not installed; this check is skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (nodes, edges) = counts(&elements(&with(&seed(), &[])));
    for (f, read) in [("graphml", "read_graphml"), ("gexf", "read_gexf")] {
        let p = dir.path().join(format!("g.{f}"));
        let (code, _, err) = viz_seed(&["--format", f, "-q", "-o", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let script = format!(
            "import networkx as nx, sys\n\
             g = nx.{read}(sys.argv[1])\n\
             r = [d for _, d in g.nodes(data=True) if d.get('tifa_id') == 'Organization:任城区'][0]\n\
             print(g.number_of_nodes(), g.number_of_edges(), r['type'], r['kind'], r['mentions'] > 0)"
        );
        let out = std::process::Command::new("python3")
            .args(["-c", &script, p.to_str().unwrap()])
            .output()
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{f}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(stdout.trim(), format!("{nodes} {edges} Organization district True"), "{f}");
    }
}

// ---------------------------------------------------------------------------
// The HTML page in headless Chromium.

/// A chromedriver process and one browser session; both end when dropped.
struct Browser {
    driver: Child,
    base: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Option<Browser> {
        if !have("chromedriver") {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = std::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let profile = tempfile::tempdir().unwrap();
        let mut b =
            Browser { driver, base: format!("http://127.0.0.1:{port}"), agent, _profile: profile };
        let started = Instant::now();
        while b.agent.get(format!("{}/status", b.base)).call().is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut chrome = json!({
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,860",
                format!("--user-data-dir={}", b._profile.path().display()),
            ]
        });
        if Path::new("/usr/bin/chromium").exists() {
            chrome["binary"] = json!("/usr/bin/chromium");
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "unhandledPromptBehavior": "ignore",
            "goog:chromeOptions": chrome
        }}});
        let v = b.call("POST", "/session", Some(caps)).expect("a browser session");
        let id = v["sessionId"].as_str().expect("session id").to_string();
        b.base = format!("{}/session/{id}", b.base);
        Some(b)
    }

    /// One WebDriver command: Ok(value) or Err(error value).
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}{path}", self.base);
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self.agent.post(&url).send_json(b.unwrap_or_else(|| json!({}))),
        };
        let mut resp = resp.expect("chromedriver answers");
        let status = resp.status();
        let v: Value = resp.body_mut().read_json().expect("a JSON answer");
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if status.is_success() {
            Ok(value)
        } else {
            Err(value)
        }
    }

    fn js(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    fn open(&self, file: &Path) {
        let url = format!("file://{}", file.display());
        self.call("POST", "/url", Some(json!({ "url": url }))).expect("page opens");
    }

    /// Waits until the page has drawn its graph; returns the number of drawn nodes.
    fn wait_drawn(&self) -> u64 {
        let started = Instant::now();
        loop {
            let n = self.js("return window.tifaView && window.tifaView.cy ? tifaView.drawn : -1;");
            if n.as_i64().unwrap_or(-1) > 0 {
                return n.as_u64().unwrap();
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the graph was never drawn");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Fails if a JavaScript dialog (an `alert`) is open.
    fn assert_no_alert(&self) {
        match self.call("GET", "/alert/text", None) {
            Ok(text) => panic!("a script ran: an alert says {text}"),
            Err(e) => assert_eq!(e["error"], "no such alert", "{e}"),
        }
    }

    /// Types `text` into the search box and presses Enter.
    fn search(&self, text: &str) {
        let el = self
            .call("POST", "/element", Some(json!({"using": "css selector", "value": "#search"})))
            .expect("the search box");
        let id = el.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap();
        self.call("POST", &format!("/element/{id}/clear"), None).expect("cleared");
        let keys = format!("{text}\u{E007}");
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": keys })))
            .expect("typed");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call("DELETE", "", None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[test]
fn html_view_draws_searches_and_runs_no_corpus_script() {
    // The seed corpus plus one document (named with markup too) whose text
    // holds a script.
    let dir = tempfile::tempdir().unwrap();
    let texts = dir.path().join("corpus");
    std::fs::create_dir(&texts).unwrap();
    for e in std::fs::read_dir(corpus()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, texts.join(p.file_name().unwrap())).unwrap();
    }
    let evil_doc = "<img src=x onerror=alert(2)>.txt";
    std::fs::write(
        texts.join(evil_doc),
        "任城区<script>alert(1)</script>实验小学开展“党建+业务”活动，打造一校一品。\n",
    )
    .unwrap();
    let t = texts.to_str().unwrap();
    let html = dir.path().join("graph.html");
    ok(&["viz", t, "-q", "-o", html.to_str().unwrap(), "--title", "<script>alert(3)</script>"]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("<script>alert("), "a corpus script is in the page as markup");
    assert!(no_remote_loads(&page));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));

    let el = elements(&[t]);
    let (nodes, _) = counts(&el);
    // The node whose sentences hold the script.
    let evil = el["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| {
            n["data"]["sentences"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.as_str().unwrap().contains("<script>alert(1)</script>"))
        })
        .expect("a node quotes the script sentence");
    let evil_label = evil["data"]["label"].as_str().unwrap().to_string();

    let Some(b) = Browser::start() else { return };
    b.open(&html);
    let drawn = b.wait_drawn();
    assert_eq!(drawn as usize, nodes, "every node is drawn");
    b.assert_no_alert();
    // Drawn means on the canvas: every node inside the view, and pixels painted.
    let inside = b.js("var cy = tifaView.cy, w = cy.width(), h = cy.height();
         return cy.nodes().filter(function (n) { var p = n.renderedPosition();
           return p.x >= 0 && p.y >= 0 && p.x <= w && p.y <= h; }).length;");
    assert_eq!(inside.as_u64().unwrap() as usize, nodes);
    let painted =
        b.js("var best = 0; document.querySelectorAll('#cy canvas').forEach(function (c) {
           var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;
           for (var i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
           if (n > best) best = n; });
         return best;");
    assert!(painted.as_u64().unwrap() > 2000, "canvas nearly blank: {painted}");
    assert_eq!(b.js("return document.title;"), "<script>alert(3)</script>");
    assert_eq!(b.js("return performance.getEntriesByType('resource').length;"), 0, "no network");

    // Searching selects the entity and shows its attributes.
    b.search("任城区");
    let selected =
        b.js("return tifaView.cy.$(':selected').map(function (n) { return n.data('label'); });");
    assert_eq!(selected, json!(["任城区"]));
    assert_eq!(b.js("return document.querySelector('#details h2').textContent;"), "任城区");
    let details = b.js("return document.getElementById('details').textContent;");
    assert!(details.as_str().unwrap().contains("district"), "{details}");
    // Clicking (tapping) a node shows it.
    b.js("tifaView.cy.getElementById('Organization:济宁市').emit('tap'); return 0;");
    assert_eq!(b.js("return document.querySelector('#details h2').textContent;"), "济宁市");

    // The script sentence and the markup document name show as text.
    b.search(&evil_label);
    let details = b.js("return document.getElementById('details').textContent;");
    let details = details.as_str().unwrap();
    assert!(details.contains("<script>alert(1)</script>"), "{details}");
    assert!(details.contains(evil_doc), "{details}");
    assert_eq!(b.js("return document.querySelectorAll('#details *:is(script, img)').length;"), 0);
    assert_eq!(b.js("return document.scripts.length;"), 3);
    b.assert_no_alert();

    // Filtering by type redraws only the chosen types.
    let orgs = el["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["data"]["type"] == "Organization")
        .count();
    b.js("document.querySelectorAll('#filters input').forEach(function (box) {
            if (box.parentNode.textContent.indexOf('Organization') !== 0) box.click(); });");
    assert_eq!(b.js("return tifaView.drawn;").as_u64().unwrap() as usize, orgs);
}

/// Every URL in the page is inside the vendored library's text (licence
/// headers, comments), not a resource the page loads.
fn no_remote_loads(page: &str) -> bool {
    !page.contains("src=\"http") && !page.contains("href=\"http")
}

/// A made-up graph of 3960 entities: 3600 schools in 60 districts, 300 of
/// them running a programme.
fn big_jsonl(path: &Path) {
    let mut out = String::new();
    for i in 0..3600 {
        let doc = format!("d{}.txt", i % 40);
        let school = format!("第{i}小学");
        let m = json!({"doc": doc, "type": "Organization", "text": school, "start": 0, "end": 3,
            "rule": "t", "fields": {"kind": "school", "parent": format!("区{}", i % 60)}});
        out.push_str(&format!("{m}\n"));
        if i < 300 {
            let p = format!("项目{i}");
            let m = json!({"doc": doc, "type": "Program", "text": p, "start": 5, "end": 8,
                "rule": "t", "fields": {"kind": "project"}});
            let r = json!({"doc": doc, "type": "relation", "rel": "runs", "from": school,
                "to": p, "start": 0, "end": 8, "rule": "t"});
            out.push_str(&format!("{m}\n{r}\n"));
        }
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn html_view_offers_filters_above_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("big.jsonl");
    big_jsonl(&jsonl);
    let html = dir.path().join("big.html");
    ok(&["viz", jsonl.to_str().unwrap(), "-q", "-o", html.to_str().unwrap()]);
    let el = elements(&[jsonl.to_str().unwrap()]);
    assert_eq!(counts(&el), (3960, 3900));
    let Some(b) = Browser::start() else { return };
    b.open(&html);
    let started = Instant::now();
    while b.js("return window.tifaView ? 1 : 0;") != 1 {
        assert!(started.elapsed() < Duration::from_secs(60), "the page never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(b.js("return tifaView.drawn;"), 0, "nothing drawn above the limit");
    assert_eq!(b.js("return document.getElementById('notice').hidden;"), false);
    let notice = b.js("return document.getElementById('notice-text').textContent;");
    let notice = notice.as_str().unwrap();
    assert!(notice.contains("3960 nodes") && notice.contains("untick some types"), "{notice}");

    // A search draws the entity's neighbourhood.
    b.search("第7小学");
    assert_eq!(b.js("return tifaView.drawn;"), 3, "the school, its district, its programme");
    let selected =
        b.js("return tifaView.cy.$(':selected').map(function (n) { return n.data('label'); });");
    assert_eq!(selected, json!(["第7小学"]));

    // Filters bring the selection under the limit.
    let ms = b.js("var t = performance.now();
         document.querySelectorAll('#filters input').forEach(function (box) {
           if (box.parentNode.textContent.indexOf('Organization') === 0) box.click(); });
         return performance.now() - t;");
    assert_eq!(b.js("return tifaView.drawn;"), 300);
    println!("drew 300 programmes in {:.0} ms", ms.as_f64().unwrap());
    // And the user may still draw everything.
    b.js("document.getElementById('all-types').click();");
    assert_eq!(b.js("return tifaView.drawn;"), 0);
    let ms = b.js("var t = performance.now(); document.getElementById('draw-anyway').click();
         return performance.now() - t;");
    assert_eq!(b.js("return tifaView.drawn;"), 3960);
    println!("drew 3960 nodes on request in {:.0} ms", ms.as_f64().unwrap());
    b.assert_no_alert();
}

/// A store made by `tifa extract --store` is a source too: the same
/// entities come back through SPARQL, and `--query` keeps the pairs a
/// SELECT returns.
#[test]
fn a_store_is_a_source_and_a_query_selects_pairs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kg = dir.path().join("kg");
    let kg = kg.to_str().expect("UTF-8 path");
    ok(&["extract", &corpus(), "-q", "--store", kg]);

    let from_store = elements(&[kg]);
    let from_jsonl = elements(&[&seed_jsonl()]);
    let (nodes, edges) = counts(&from_store);
    assert!(nodes > 100 && edges > 20, "{nodes} nodes, {edges} edges");
    let store_labels = labels(&from_store);
    for name in ["任城区委教育工委", "任城区", "济宁市"] {
        assert!(store_labels.iter().any(|l| l == name), "{name} missing from the store's graph");
        assert!(labels(&from_jsonl).iter().any(|l| l == name), "{name} missing from JSON Lines");
    }

    let q = dir.path().join("located.rq");
    std::fs::write(
        &q,
        "PREFIX tifa: <https://w3id.org/tifa/vocab#>\n\
         PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\
         SELECT ?a ?b WHERE { ?x tifa:locatedIn ?y . ?x rdfs:label ?a . ?y rdfs:label ?b }\n",
    )
    .expect("write query");
    let picked = elements(&[kg, "--query", q.to_str().expect("UTF-8 path")]);
    let (n, e) = counts(&picked);
    assert!(e > 0 && e < edges && n < nodes, "{n} nodes, {e} edges");
    for edge in picked["edges"].as_array().expect("edges") {
        assert_eq!(edge["data"]["label"], "located_in", "{edge}");
    }

    // --query without a store is an error that says what it needs.
    let (code, _, err) = run(&["viz", &seed_jsonl(), "--query", q.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("store"), "{err}");
}
