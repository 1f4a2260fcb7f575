//! `tifa viz` over a store made by `tifa extract --store`: the mentions and
//! relations are read back with SPARQL and fed to the same graph builder
//! as JSON Lines; `--query FILE.rq` keeps the node pairs a SELECT returns.

use anyhow::{bail, Context, Result};
use oxigraph::model::Term;
use std::path::Path;
use tifa_graph::{KgStore, QueryOutput};
use tifa_model::{Fields, Mention, Relation, RelationTag};
use tifa_viz::GraphBuilder;

const PREFIXES: &str = "\
PREFIX tifa: <https://w3id.org/tifa/vocab#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX itsrdf: <http://www.w3.org/2005/11/its/rdf#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
";

const MENTIONS: &str = "
SELECT ?doc ?type ?text ?start ?end ?rule ?label ?kind WHERE {
  ?m a tifa:Mention ; tifa:mentionType ?type ; nif:referenceContext ?d ;
     nif:beginIndex ?start ; nif:endIndex ?end ; nif:anchorOf ?text ; tifa:rule ?rule .
  ?d tifa:fileName ?doc .
  OPTIONAL { ?m itsrdf:taIdentRef ?e .
             OPTIONAL { ?e rdfs:label ?l1 } OPTIONAL { ?e skos:prefLabel ?l2 }
             OPTIONAL { ?e tifa:kind ?kind } }
  BIND (COALESCE(?l1, ?l2) AS ?label)
}";

const RELATIONS: &str = "
SELECT DISTINCT ?doc ?rel ?from ?to ?start ?end ?rule WHERE {
  ?st a tifa:RelationAssertion ; rdf:subject ?s ; rdf:object ?o ; tifa:relation ?rel ;
      tifa:rule ?rule ; nif:referenceContext ?d ; nif:beginIndex ?start ; nif:endIndex ?end .
  ?d tifa:fileName ?doc .
  OPTIONAL { ?s rdfs:label ?f1 } OPTIONAL { ?s skos:prefLabel ?f2 }
  OPTIONAL { ?o rdfs:label ?t1 } OPTIONAL { ?o skos:prefLabel ?t2 }
  BIND (COALESCE(?f1, ?f2) AS ?from) BIND (COALESCE(?t1, ?t2) AS ?to)
  FILTER (BOUND(?from) && BOUND(?to))
}";

/// Whether `dir` holds a store (RocksDB keeps a `CURRENT` file).
pub fn is_store(dir: &Path) -> bool {
    dir.is_dir() && dir.join("CURRENT").is_file()
}

fn rows(store: &KgStore, sparql: &str) -> Result<Vec<Vec<Option<Term>>>> {
    match store.query(sparql, None)? {
        QueryOutput::Solutions { rows, .. } => Ok(rows),
        _ => bail!("expected a SELECT result"),
    }
}

fn text(t: &Option<Term>) -> String {
    match t {
        Some(Term::Literal(l)) => l.value().to_string(),
        Some(Term::NamedNode(n)) => {
            let s = n.as_str();
            s.rsplit('/').next().unwrap_or(s).to_string()
        }
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn number(t: &Option<Term>) -> usize {
    text(t).parse().unwrap_or(0)
}

/// Opens a store read-only.
pub fn open(dir: &Path) -> Result<KgStore> {
    KgStore::open_read_only(dir).with_context(|| {
        format!("opening the store {} (made by `tifa extract --store`)", dir.display())
    })
}

/// Adds every document of the store to the builder.
pub fn add_store(store: &KgStore, builder: &mut GraphBuilder) -> Result<()> {
    let mut docs: std::collections::BTreeMap<String, (Vec<Mention>, Vec<Relation>)> =
        Default::default();
    for r in rows(store, &format!("{PREFIXES}{MENTIONS}"))? {
        let mut fields = Fields::new();
        let label = text(&r[6]);
        if !label.is_empty() {
            fields.insert("canonical".into(), label.into());
        }
        let kind = text(&r[7]);
        if !kind.is_empty() {
            fields.insert("kind".into(), kind.into());
        }
        let m = Mention {
            doc: text(&r[0]),
            kind: text(&r[1]),
            text: text(&r[2]),
            start: number(&r[3]),
            end: number(&r[4]),
            rule: text(&r[5]),
            fields,
        };
        docs.entry(m.doc.clone()).or_default().0.push(m);
    }
    let rel_query =
        format!("{PREFIXES}PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n{RELATIONS}");
    for r in rows(store, &rel_query)? {
        let rel = Relation {
            doc: text(&r[0]),
            record: RelationTag::Relation,
            rel: text(&r[1]),
            from: text(&r[2]),
            to: text(&r[3]),
            start: number(&r[4]),
            end: number(&r[5]),
            rule: text(&r[6]),
        };
        docs.entry(rel.doc.clone()).or_default().1.push(rel);
    }
    for (doc, (mut mentions, relations)) in docs {
        mentions.sort_by(|a, b| (a.start, a.end, &a.kind).cmp(&(b.start, b.end, &b.kind)));
        builder.add_document(&doc, None, &mentions, &relations);
    }
    Ok(())
}

/// The node pairs (names in the first two columns) of a SELECT query.
pub fn pairs(store: &KgStore, sparql: &str) -> Result<Vec<(String, String)>> {
    match store.query(sparql, None)? {
        QueryOutput::Solutions { variables, rows } => {
            if variables.len() < 2 {
                bail!("--query: the SELECT must return two columns, the names of linked entities");
            }
            Ok(rows
                .iter()
                .filter(|r| r[0].is_some() && r[1].is_some())
                .map(|r| (text(&r[0]), text(&r[1])))
                .collect())
        }
        _ => bail!("--query: only a SELECT of node pairs (two columns of names) is supported"),
    }
}
