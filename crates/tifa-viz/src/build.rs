//! A [`VizGraph`] from extraction output (mentions and relations, the JSON
//! Lines of `tifa extract`).
//!
//! - One node per entity: mentions of one type with one canonical name
//!   (the `canonical` field where given, else the text) are one node,
//!   across documents. `Quantity` mentions are measurements, not entities,
//!   and make no nodes.
//! - One edge per (source, relation, target), counted, from the relations
//!   and from the fields that name another entity: `parent` (part_of),
//!   `owner` (runs), `org` (works_for) and `holder` (holds). A field edge is
//!   left out where a relation already links the same two nodes.
//! - A relation's ends are names: they are looked up first among the
//!   mentions of its own document, then among all nodes, preferring the
//!   type the relation expects (a `works_for` starts at a `Person`); a name
//!   found nowhere becomes a node of that expected type.
//!
//! The result does not depend on the order documents are added in.

use crate::{VizEdge, VizGraph, VizNode};
use std::collections::{BTreeMap, BTreeSet};
use tifa_model::{Mention, Relation};

/// At most this many source sentences are kept per node.
pub const MAX_SENTENCES: usize = 12;

/// Mention types that make no nodes.
pub const SKIPPED_TYPES: &[&str] = &["Quantity"];

/// A sentence longer than this is cut around the mention.
const MAX_SENTENCE_CHARS: usize = 160;

/// Collects documents' mentions and relations; [`GraphBuilder::finish`]
/// makes the graph.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    nodes: BTreeMap<String, NodeAcc>,
    /// Every name (canonical or surface) → node ids, over all documents.
    names: BTreeMap<String, BTreeSet<String>>,
    /// Links still to resolve: (doc, doc-local names, link).
    docs: Vec<DocLinks>,
}

#[derive(Debug, Default)]
struct NodeAcc {
    node: VizNode,
    docs: BTreeSet<String>,
    sentences: BTreeSet<String>,
    aliases: BTreeSet<String>,
}

#[derive(Debug)]
struct DocLinks {
    doc: String,
    names: BTreeMap<String, BTreeSet<String>>,
    links: Vec<Link>,
}

#[derive(Debug)]
struct Link {
    from: Endpoint,
    to: Endpoint,
    rel: String,
    via: String,
    from_field: bool,
}

#[derive(Debug)]
enum Endpoint {
    Id(String),
    Name(String, &'static str),
}

/// The types a relation expects at its ends.
fn expected(rel: &str) -> (&'static str, &'static str) {
    match rel {
        "runs" => ("Organization", "Program"),
        "holds" => ("Organization", "Designation"),
        "works_for" => ("Person", "Organization"),
        "located_in" | "part_of" | "cooperates_with" => ("Organization", "Organization"),
        _ => ("Entity", "Entity"),
    }
}

fn field_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => Some(
            a.iter()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("、"),
        ),
        other => Some(other.to_string()),
    }
}

/// The entity name a mention stands for.
fn canonical(m: &Mention) -> String {
    match m.fields.get("canonical") {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => m.text.clone(),
    }
}

/// The sentence of `chars` around `start..end`, cut to a readable length.
fn sentence_around(chars: &[char], start: usize, end: usize) -> Option<String> {
    if start >= chars.len() || end > chars.len() || start >= end {
        return None;
    }
    let stop = |c: &char| matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | '\n');
    let mut s = start;
    while s > 0 && !stop(&chars[s - 1]) {
        s -= 1;
    }
    let mut e = end;
    while e < chars.len() && !stop(&chars[e - 1]) {
        e += 1;
    }
    let (mut pre, mut post) = ("", "");
    if e - s > MAX_SENTENCE_CHARS {
        let half = MAX_SENTENCE_CHARS.saturating_sub(end - start) / 2;
        if start - s > half {
            s = start - half;
            pre = "…";
        }
        if e - end > half {
            e = end + half;
            post = "…";
        }
    }
    let body: String = chars[s..e].iter().collect();
    let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
    (!body.is_empty()).then(|| format!("{pre}{body}{post}"))
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one document's mentions and relations. `text`, the document's
    /// original text, gives each node its source sentences; without it
    /// nodes have none.
    pub fn add_document(
        &mut self,
        doc: &str,
        text: Option<&str>,
        mentions: &[Mention],
        relations: &[Relation],
    ) {
        let chars: Vec<char> = text.map(|t| t.chars().collect()).unwrap_or_default();
        let mut local: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut links = Vec::new();
        for m in mentions {
            if SKIPPED_TYPES.contains(&m.kind.as_str()) || m.text.trim().is_empty() {
                continue;
            }
            let name = canonical(m);
            let id = format!("{}:{}", m.kind, name);
            let acc = self.nodes.entry(id.clone()).or_insert_with(|| NodeAcc {
                node: VizNode::new(id.clone(), name.clone(), m.kind.clone()),
                ..Default::default()
            });
            acc.node.mentions += 1;
            acc.docs.insert(doc.to_string());
            if m.text != name {
                acc.aliases.insert(m.text.clone());
            }
            for (k, v) in &m.fields {
                if k == "canonical" {
                    continue;
                }
                if let Some(s) = field_string(v) {
                    acc.node.attrs.entry(k.clone()).or_insert(s);
                }
            }
            if let Some(s) = sentence_around(&chars, m.start, m.end) {
                acc.sentences.insert(s);
            }
            for n in [&name, &m.text] {
                local.entry(n.clone()).or_default().insert(id.clone());
                self.names.entry(n.clone()).or_default().insert(id.clone());
            }
            for (field, rel, reverse) in [
                ("parent", "part_of", false),
                ("org", "works_for", false),
                ("owner", "runs", true),
                ("holder", "holds", true),
            ] {
                let Some(serde_json::Value::String(other)) = m.fields.get(field) else {
                    continue;
                };
                if other.trim().is_empty() || *other == name {
                    continue;
                }
                let other = Endpoint::Name(other.clone(), "Organization");
                let me = Endpoint::Id(id.clone());
                let (from, to) = if reverse { (other, me) } else { (me, other) };
                let via = format!("field:{field}");
                links.push(Link { from, to, rel: rel.to_string(), via, from_field: true });
            }
        }
        for r in relations {
            if r.from.trim().is_empty() || r.to.trim().is_empty() {
                continue;
            }
            let (ft, tt) = expected(&r.rel);
            links.push(Link {
                from: Endpoint::Name(r.from.clone(), ft),
                to: Endpoint::Name(r.to.clone(), tt),
                rel: r.rel.clone(),
                via: format!("rule:{}", r.rule),
                from_field: false,
            });
        }
        self.docs.push(DocLinks { doc: doc.to_string(), names: local, links });
    }

    fn resolve(&mut self, local: &BTreeMap<String, BTreeSet<String>>, end: &Endpoint) -> String {
        let (name, want) = match end {
            Endpoint::Id(id) => return id.clone(),
            Endpoint::Name(n, w) => (n, *w),
        };
        let pick = |ids: &BTreeSet<String>| -> Option<String> {
            let typed = ids.iter().find(|id| id.split_once(':').is_some_and(|(t, _)| t == want));
            typed.or_else(|| ids.iter().next()).cloned()
        };
        if let Some(id) = local.get(name).and_then(pick) {
            return id;
        }
        if let Some(id) = self.names.get(name).and_then(pick) {
            return id;
        }
        let id = format!("{want}:{name}");
        self.nodes.entry(id.clone()).or_insert_with(|| {
            let mut node = VizNode::new(id.clone(), name.clone(), want);
            node.attrs.insert("implied".into(), "true".into());
            NodeAcc { node, ..Default::default() }
        });
        self.names.entry(name.clone()).or_default().insert(id.clone());
        id
    }

    /// The graph: nodes sorted by id, edges by (source, target, label).
    pub fn finish(mut self) -> VizGraph {
        let mut docs = std::mem::take(&mut self.docs);
        docs.sort_by(|a, b| a.doc.cmp(&b.doc));
        let mut edges: BTreeMap<(String, String, String), (VizEdge, BTreeSet<String>)> =
            BTreeMap::new();
        let mut linked: BTreeSet<(String, String)> = BTreeSet::new();
        // Relations first, so that field edges can yield to them.
        for pass_fields in [false, true] {
            for d in &docs {
                for l in d.links.iter().filter(|l| l.from_field == pass_fields) {
                    let from = self.resolve(&d.names, &l.from);
                    let to = self.resolve(&d.names, &l.to);
                    if from == to {
                        continue;
                    }
                    let pair = if from < to {
                        (from.clone(), to.clone())
                    } else {
                        (to.clone(), from.clone())
                    };
                    let key = (from.clone(), to.clone(), l.rel.clone());
                    if pass_fields && linked.contains(&pair) && !edges.contains_key(&key) {
                        continue;
                    }
                    linked.insert(pair);
                    let (e, ds) = edges.entry(key).or_insert_with(|| {
                        let mut e = VizEdge::new(from, to, l.rel.clone());
                        e.count = 0;
                        e.attrs.insert("via".into(), l.via.clone());
                        (e, BTreeSet::new())
                    });
                    e.count += 1;
                    ds.insert(d.doc.clone());
                }
            }
        }
        let nodes = self
            .nodes
            .into_values()
            .map(|mut a| {
                if !a.aliases.is_empty() {
                    let al: Vec<String> = a.aliases.into_iter().collect();
                    a.node.attrs.insert("aliases".into(), al.join("、"));
                }
                a.node.docs = a.docs.into_iter().collect();
                a.node.sentences = a.sentences.into_iter().take(MAX_SENTENCES).collect();
                a.node
            })
            .collect();
        let edges = edges
            .into_values()
            .map(|(mut e, ds)| {
                e.docs = ds.into_iter().collect();
                e
            })
            .collect();
        VizGraph { nodes, edges }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tifa_model::{Fields, RelationTag};

    fn m(doc: &str, kind: &str, text: &str, start: usize, fields: Fields) -> Mention {
        Mention {
            doc: doc.into(),
            kind: kind.into(),
            text: text.into(),
            start,
            end: start + text.chars().count(),
            rule: "r".into(),
            fields,
        }
    }

    fn rel(doc: &str, rel: &str, from: &str, to: &str) -> Relation {
        Relation {
            doc: doc.into(),
            record: RelationTag::Relation,
            rel: rel.into(),
            from: from.into(),
            to: to.into(),
            start: 0,
            end: 1,
            rule: "x".into(),
        }
    }

    fn f(pairs: &[(&str, serde_json::Value)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn entities_merge_by_type_and_canonical_name_across_documents() {
        let text = "济宁实验初中开展活动。任城区很好！";
        let mut b = GraphBuilder::new();
        let canon = serde_json::json!("济宁市实验初中");
        b.add_document(
            "a.txt",
            Some(text),
            &[
                m("a.txt", "Organization", "济宁实验初中", 0, f(&[("canonical", canon.clone())])),
                m("a.txt", "Organization", "任城区", 11, f(&[("kind", "district".into())])),
                m("a.txt", "Quantity", "3名", 5, Fields::new()),
            ],
            &[],
        );
        b.add_document(
            "b.txt",
            None,
            &[m("b.txt", "Organization", "济宁市实验初中", 0, f(&[("canonical", canon)]))],
            &[],
        );
        let g = b.finish();
        assert_eq!(g.nodes.len(), 2, "{g:#?}");
        let school = g.nodes.iter().find(|n| n.label == "济宁市实验初中").unwrap();
        assert_eq!(school.mentions, 2);
        assert_eq!(school.docs, ["a.txt", "b.txt"]);
        assert_eq!(school.sentences, ["济宁实验初中开展活动。"]);
        assert_eq!(school.attrs.get("aliases").map(String::as_str), Some("济宁实验初中"));
        let area = g.nodes.iter().find(|n| n.label == "任城区").unwrap();
        assert_eq!(area.sentences, ["任城区很好！"]);
        assert_eq!(area.attrs.get("kind").map(String::as_str), Some("district"));
    }

    #[test]
    fn relations_resolve_by_expected_type_and_fields_yield_to_relations() {
        let mut b = GraphBuilder::new();
        b.add_document(
            "a.txt",
            None,
            &[
                m("a.txt", "Organization", "任城区", 0, f(&[("parent", "济宁市".into())])),
                m("a.txt", "Program", "任城区", 5, Fields::new()),
                m("a.txt", "Person", "王品木", 9, f(&[("org", "任城区".into())])),
            ],
            &[rel("a.txt", "part_of", "任城区", "济宁市"), rel("a.txt", "runs", "甲校", "任城区")],
        );
        let g = b.finish();
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "Organization:任城区",
                "Organization:济宁市",
                "Organization:甲校",
                "Person:王品木",
                "Program:任城区"
            ]
        );
        let edges: Vec<(&str, &str, &str, usize)> = g
            .edges
            .iter()
            .map(|e| (e.source.as_str(), e.target.as_str(), e.label.as_str(), e.count))
            .collect();
        // parent → part_of is stated by the relation and by the field: one edge, counted twice.
        assert_eq!(
            edges,
            [
                ("Organization:任城区", "Organization:济宁市", "part_of", 2),
                ("Organization:甲校", "Program:任城区", "runs", 1),
                ("Person:王品木", "Organization:任城区", "works_for", 1),
            ]
        );
        assert_eq!(g.nodes[2].attrs.get("implied").map(String::as_str), Some("true"));
    }

    #[test]
    fn document_order_does_not_change_the_graph() {
        let docs = [
            ("a.txt", vec![m("a.txt", "Organization", "甲", 0, Fields::new())], vec![]),
            ("b.txt", vec![], vec![rel("b.txt", "part_of", "甲", "乙")]),
        ];
        let build = |order: &[usize]| {
            let mut b = GraphBuilder::new();
            for &i in order {
                b.add_document(docs[i].0, None, &docs[i].1, &docs[i].2);
            }
            b.finish()
        };
        assert_eq!(build(&[0, 1]), build(&[1, 0]));
    }

    #[test]
    fn long_sentences_are_cut_around_the_mention_and_bad_offsets_ignored() {
        let long: Vec<char> = "很".repeat(400).chars().chain("任城区".chars()).collect();
        let s = sentence_around(&long, 400, 403).unwrap();
        assert!(s.starts_with('…') && s.ends_with("任城区"), "{s}");
        assert!(s.chars().count() <= MAX_SENTENCE_CHARS + 1);
        assert_eq!(sentence_around(&long, 500, 510), None);
        assert_eq!(sentence_around(&long, 5, 2), None);
    }
}
