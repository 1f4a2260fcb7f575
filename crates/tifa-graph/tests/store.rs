//! RDF round trips through oxigraph's parsers, and the store's
//! idempotency, graph replacement, bulk loading, timeouts and errors.

use oxigraph::io::RdfParser;
use oxigraph::model::{Literal, Quad, Term};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tifa_graph::{
    doc_facts, graph_data, write_quads, DocInput, Error, Format, Gazetteer, GraphData, GraphWriter,
    KgStore, QueryOutput,
};
use tifa_model::{Extraction, Fields, Mention, Relation, RelationTag};
use tifa_rules::Lexicon;

fn gaz() -> Gazetteer {
    let areas = Lexicon::parse(
        "name\tkind\tparent\tprovince\tcode\n\
         浙江省\tprovince\t\t浙江省\t33\n\
         丽水市\tcity\t浙江省\t浙江省\t3311\n\
         遂昌县\tcounty\t丽水市\t浙江省\t331123\n",
    );
    Gazetteer::from_lexicons(&BTreeMap::from([("areas".to_string(), areas)]))
}

fn m(
    doc: &str,
    kind: &str,
    text: &str,
    start: usize,
    fields: &[(&str, serde_json::Value)],
) -> Mention {
    Mention {
        doc: doc.into(),
        kind: kind.into(),
        text: text.into(),
        start,
        end: start + text.chars().count(),
        rule: format!("r-{}", kind.to_lowercase()),
        fields: fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Fields>(),
    }
}

/// A document of our own making, with its text and extraction.
fn doc(name: &str, school: &str) -> (String, Extraction) {
    let text = format!(
        "遂昌县{school}开展“党建+业务”活动，落实三会一课，星级评定中五星级党支部12个，占63.8%。"
    );
    let s = 3;
    let e = s + school.chars().count();
    let ex = Extraction {
        mentions: vec![
            m(
                name,
                "Organization",
                "遂昌县",
                0,
                &[("kind", "county".into()), ("parent", "丽水市".into())],
            ),
            m(
                name,
                "Organization",
                school,
                s,
                &[("kind", "school".into()), ("parent", "遂昌县".into())],
            ),
            m(
                name,
                "PlusCompound",
                "党建+业务",
                e + 3,
                &[("left", "党建".into()), ("right", "业务".into())],
            ),
            m(
                name,
                "NumberedFormulation",
                "三会一课",
                e + 14,
                &[
                    ("numbers", serde_json::json!([3, 1])),
                    ("items", serde_json::json!(["支部党员大会", "党课"])),
                ],
            ),
            m(
                name,
                "StarRating",
                "五星级党支部",
                e + 24,
                &[("level", 5.into()), ("count", 12.into()), ("share", serde_json::json!(63.8))],
            ),
        ],
        relations: vec![Relation {
            doc: name.into(),
            record: RelationTag::Relation,
            rel: "located_in".into(),
            from: school.into(),
            to: "遂昌县".into(),
            start: 0,
            end: e,
            rule: "school".into(),
        }],
        diagnostics: vec![],
    };
    (text, ex)
}

fn graphs(docs: &[(&str, &str)]) -> Vec<GraphData> {
    let g = gaz();
    docs.iter()
        .map(|(name, school)| {
            let (text, ex) = doc(name, school);
            graph_data(&doc_facts(&DocInput { name, extraction: &ex, text: Some(&text) }, &g))
        })
        .collect()
}

fn nquads(quads: &[Quad]) -> BTreeSet<String> {
    quads.iter().map(Quad::to_string).collect()
}

#[test]
fn every_format_parses_back_to_the_same_graph() {
    let quads: Vec<Quad> = graphs(&[("a.txt", "实验小学"), ("b b.txt", "城关小学")])
        .into_iter()
        .flat_map(|g| g.quads)
        .collect();
    assert!(quads.len() > 50);
    let dataset = nquads(&quads);
    let triples: BTreeSet<String> =
        quads.iter().map(|q| oxigraph::model::Triple::from(q.clone()).to_string()).collect();
    for format in [Format::NQuads, Format::TriG, Format::JsonLd, Format::NTriples, Format::Turtle] {
        let bytes = write_quads(&quads, format, Vec::new()).unwrap();
        let parsed: Vec<Quad> = RdfParser::from_format(format.rdf_format())
            .for_slice(&bytes)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{format:?}: {e}\n{}", String::from_utf8_lossy(&bytes)));
        if matches!(format, Format::NQuads | Format::TriG | Format::JsonLd) {
            assert_eq!(nquads(&parsed), dataset, "{format:?}");
        } else {
            let back: BTreeSet<String> = parsed
                .iter()
                .map(|q| oxigraph::model::Triple::from(q.clone()).to_string())
                .collect();
            assert_eq!(back, triples, "{format:?}");
        }
        assert!(parsed.iter().all(|q| !q.subject.is_blank_node()), "no blank nodes");
        // Deterministic: writing again gives the same bytes.
        assert_eq!(write_quads(&quads, format, Vec::new()).unwrap(), bytes);
    }
}

#[test]
fn the_graph_writer_streams_documents_in_the_order_given() {
    let docs = graphs(&[("z.txt", "实验小学"), ("a.txt", "城关小学")]);
    assert!(!Format::Turtle.is_dataset() && !Format::NTriples.is_dataset());
    for format in [Format::NQuads, Format::TriG, Format::JsonLd] {
        assert!(format.is_dataset());
        let mut w = GraphWriter::new(format, Vec::new()).unwrap();
        for g in &docs {
            w.write(&g.quads).unwrap();
        }
        let bytes = w.finish().unwrap();
        let parsed: Vec<Quad> = RdfParser::from_format(format.rdf_format())
            .for_slice(&bytes)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{format:?}: {e}\n{}", String::from_utf8_lossy(&bytes)));
        let all: Vec<Quad> = docs.iter().flat_map(|g| g.quads.clone()).collect();
        assert_eq!(nquads(&parsed), nquads(&all), "{format:?}");
        // z.txt's graph comes first, as given, not in sorted order.
        let first = parsed.first().unwrap().graph_name.to_string();
        let last = parsed.last().unwrap().graph_name.to_string();
        assert!(first.contains("z.txt") && last.contains("a.txt"), "{format:?}: {first} {last}");
        if format == Format::NQuads {
            let text = String::from_utf8(bytes).unwrap();
            let lines: Vec<String> = all.iter().map(|q| format!("{q} .")).collect();
            assert_eq!(text.lines().collect::<Vec<_>>(), lines);
        }
    }
}

#[test]
fn loading_twice_adds_nothing_and_a_changed_document_replaces_only_its_graph() {
    let dir = tempfile::tempdir().unwrap();
    let store = KgStore::open(dir.path()).unwrap();
    let first = graphs(&[("a.txt", "实验小学"), ("b.txt", "城关小学")]);
    let r = store.load(first.clone(), usize::MAX).unwrap();
    assert_eq!((r.added, r.replaced, r.unchanged), (2, 0, 0));
    let n = store.len().unwrap();
    assert!(n > 50);

    let r = store.load(first.clone(), usize::MAX).unwrap();
    assert_eq!((r.added, r.replaced, r.unchanged, r.quads_written), (0, 0, 2, 0));
    assert_eq!(store.len().unwrap(), n);

    let b_before = store.graph_nquads(&first[1].graph).unwrap();
    let changed = graphs(&[("a.txt", "新华小学")]);
    let r = store.load(changed.clone(), usize::MAX).unwrap();
    assert_eq!((r.added, r.replaced, r.unchanged), (0, 1, 0));
    let a_after = store.graph_nquads(&first[0].graph).unwrap();
    assert_eq!(a_after, nquads(&changed[0].quads).into_iter().collect::<Vec<_>>());
    assert!(!a_after.iter().any(|q| q.contains("实验小学")));
    assert_eq!(store.graph_nquads(&first[1].graph).unwrap(), b_before);
    assert_eq!(store.graphs().unwrap().len(), 2);
    drop(store);

    // The store persists on disk and opens read-only for queries.
    let ro = KgStore::open_read_only(dir.path()).unwrap();
    let out = ro
        .query("SELECT ?n WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?n FILTER(CONTAINS(?n, \"小学\")) } ORDER BY ?n", None)
        .unwrap();
    let QueryOutput::Solutions { rows, .. } = out else { panic!("not solutions") };
    let names: Vec<String> =
        rows.iter().map(|r| r[0].as_ref().map(|t| t.to_string()).unwrap_or_default()).collect();
    assert_eq!(names, ["\"城关小学\"", "\"新华小学\""]);
}

#[test]
fn the_bulk_loader_gives_the_same_store() {
    let docs = graphs(&[("a.txt", "实验小学"), ("b.txt", "城关小学")]);
    let bulk = KgStore::in_memory().unwrap();
    let r = bulk.load(docs.clone(), 0).unwrap();
    assert!(r.bulk);
    let tx = KgStore::in_memory().unwrap();
    assert!(!tx.load(docs.clone(), usize::MAX).unwrap().bulk);
    for d in &docs {
        assert_eq!(bulk.graph_nquads(&d.graph).unwrap(), tx.graph_nquads(&d.graph).unwrap());
    }
    assert_eq!(bulk.load(docs, 0).unwrap().unchanged, 2);
}

#[test]
fn only_a_small_remainder_is_written_in_a_transaction() {
    let docs = graphs(&[("a.txt", "实验小学"), ("b.txt", "城关小学")]);
    let quads: usize = docs.iter().map(|d| d.quads.len()).sum();
    // Below the threshold but above a twentieth of it: the bulk loader.
    let store = KgStore::in_memory().unwrap();
    let r = store.load(docs.clone(), quads * 10).unwrap();
    assert!(r.bulk);
    assert_eq!(r.added, 2);
    // At most a twentieth: one transaction.
    let small = KgStore::in_memory().unwrap();
    let r = small.load(docs.clone(), quads * 20).unwrap();
    assert!(!r.bulk);
    assert_eq!(small.all_nquads().unwrap(), store.all_nquads().unwrap());
    // Loaded again into the filled store, nothing changes.
    assert_eq!(store.load(docs, quads * 10).unwrap().unchanged, 2);
}

#[test]
fn documents_of_one_name_share_a_graph_in_every_load_path() {
    let a = graphs(&[("a.txt", "实验小学")]).remove(0);
    let mut b = graphs(&[("b.txt", "城关小学")]).remove(0);
    // A second document named like the first, with other content.
    for q in &mut b.quads {
        q.graph_name = a.graph.clone().into();
    }
    b.graph = a.graph.clone();
    let mut union: Vec<String> = nquads(&a.quads).into_iter().chain(nquads(&b.quads)).collect();
    union.sort();
    union.dedup();
    for threshold in [0, 1, usize::MAX] {
        let store = KgStore::in_memory().unwrap();
        let r = store.load(vec![a.clone(), b.clone()], threshold).unwrap();
        assert_eq!(r.bulk, threshold != usize::MAX);
        assert_eq!(store.graph_nquads(&a.graph).unwrap(), union, "threshold {threshold}");
        assert_eq!(store.graphs().unwrap().len(), 1);
    }
}

#[test]
fn a_streamed_load_matches_one_transaction() {
    let docs = graphs(&[("a.txt", "实验小学"), ("b.txt", "城关小学"), ("c.txt", "新华小学")]);
    let tx = KgStore::in_memory().unwrap();
    tx.load(docs.clone(), usize::MAX).unwrap();
    // Batches of a few quads each go to the bulk loader's thread.
    let streamed = KgStore::in_memory().unwrap();
    let mut load = streamed.stream_load(5);
    for d in docs.clone() {
        load.add(d).unwrap();
    }
    let r = load.finish().unwrap();
    assert!(r.bulk);
    assert_eq!(r.added, 3);
    assert_eq!(streamed.all_nquads().unwrap(), tx.all_nquads().unwrap());
}

#[test]
fn facts_trace_to_document_rule_and_span() {
    let store = KgStore::in_memory().unwrap();
    store.load(graphs(&[("a.txt", "实验小学")]), usize::MAX).unwrap();
    let q = r#"
        PREFIX tifa: <https://w3id.org/tifa/vocab#>
        PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?from ?rel ?to ?rule ?b ?e WHERE {
          ?st a rdf:Statement ; rdf:subject/rdfs:label ?from ; rdf:object/rdfs:label ?to ;
              tifa:relation ?rel ; tifa:rule/rdfs:label ?rule ; nif:beginIndex ?b ; nif:endIndex ?e .
          ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
          ?s ?p ?o .
        } ORDER BY ?from ?to"#;
    let QueryOutput::Solutions { rows, .. } = store.query(q, None).unwrap() else { panic!() };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|t| match t {
                    Some(Term::Literal(l)) => l.value().to_string(),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect();
    let expect = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        rows,
        [
            expect(&["丽水市", "part_of", "浙江省", "gazetteer", "0", "3"]),
            expect(&["实验小学", "located_in", "遂昌县", "school", "0", "7"]),
            expect(&["遂昌县", "part_of", "丽水市", "gazetteer", "0", "3"]),
        ]
    );
}

#[test]
fn mention_fields_and_sentences_are_queryable() {
    let store = KgStore::in_memory().unwrap();
    store.load(graphs(&[("a.txt", "实验小学")]), usize::MAX).unwrap();
    let q = r#"
        PREFIX tifa: <https://w3id.org/tifa/vocab#>
        SELECT ?count ?share ?sentence WHERE {
          ?m tifa:mentionType "StarRating" ; tifa:count ?count ; tifa:share ?share ; tifa:sentence ?sentence .
        }"#;
    let QueryOutput::Solutions { rows, .. } = store.query(q, None).unwrap() else { panic!() };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], Some(Literal::from(12).into()));
    let Some(Term::Literal(share)) = &rows[0][1] else { panic!() };
    assert_eq!(share.value(), "63.8");
    let Some(Term::Literal(s)) = &rows[0][2] else { panic!() };
    assert!(
        s.value().starts_with("遂昌县实验小学开展") && s.value().ends_with('。'),
        "{}",
        s.value()
    );
}

#[test]
fn syntax_errors_have_a_line_and_column_and_timeouts_stop_queries() {
    let store = KgStore::in_memory().unwrap();
    let err = store.query("SELECT ?x\nWHERE { ?x ?y }", None).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Syntax(_)), "{msg}");
    assert!(msg.contains("2:"), "line 2 in {msg}");

    store.load(graphs(&[("a.txt", "实验小学"), ("b.txt", "城关小学")]), usize::MAX).unwrap();
    // A cross product big enough to outlast a millisecond. oxigraph looks
    // at the token when it reads the store: the EXISTS reads it for every
    // row (a plain cross product reads it once, then runs unchecked).
    let slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER EXISTS { ?g ?e ?a } }";
    let err = store.query(slow, Some(Duration::from_millis(1))).unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err}");
    let ok = store.query("ASK { ?s ?p ?o }", Some(Duration::from_secs(30))).unwrap();
    assert_eq!(ok, QueryOutput::Boolean(true));
}

#[test]
fn bad_rdf_files_and_missing_stores_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ttl");
    std::fs::write(&bad, "<a> <b> .\n").unwrap();
    let store = KgStore::in_memory().unwrap();
    let err = store.load_file(&bad).unwrap_err().to_string();
    assert!(err.contains("bad.ttl"), "{err}");
    let err = store.load_file(&dir.path().join("x.docx")).unwrap_err().to_string();
    assert!(err.contains("extension"), "{err}");
    assert!(KgStore::open_read_only(&dir.path().join("none")).is_err());
}

#[test]
fn every_vocabulary_term_used_is_declared_in_docs_tifa_ttl() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/tifa.ttl");
    let ttl = std::fs::read(&path).unwrap();
    let declared: BTreeSet<String> = RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
        .for_slice(&ttl)
        .map(|q| q.unwrap().subject.to_string())
        .collect();
    let quads: Vec<Quad> =
        graphs(&[("a.txt", "实验小学")]).into_iter().flat_map(|g| g.quads).collect();
    let vocab = tifa_graph::iri::VOCAB;
    let mut used = BTreeSet::new();
    for q in &quads {
        used.insert(q.predicate.to_string());
        if q.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" {
            used.insert(q.object.to_string());
        }
    }
    let missing: Vec<&String> = used
        .iter()
        .filter(|t| t.starts_with(&format!("<{vocab}")) && !declared.contains(*t))
        .collect();
    assert!(used.len() > 20);
    assert!(missing.is_empty(), "not in docs/tifa.ttl: {missing:?}");
}
