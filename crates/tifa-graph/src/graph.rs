//! From mentions to entities: one node per real thing across documents.
//!
//! Identity is decided per mention, from the mention alone and the
//! gazetteer (never from other documents), so that one document's facts do
//! not change when another document is added: that is what lets the store
//! replace a changed document's named graph and nothing else.
//!
//! | mention type | entity key |
//! |---|---|
//! | `Organization` | a GB/T 2260 code when the gazetteer resolves the name, else the canonical name (`fields.canonical`, aliases applied) |
//! | `Program` | (`kind`, name) |
//! | `PlusCompound`, `OnePerFormulation`, `NumberedFormulation`, `StarRating`, other types | (type, `fields.canonical` or text): spelling variants are one concept only when a rule says so |
//! | `Designation` | its text |
//! | `Person` | the name |
//! | `Quantity` | none: a measurement is a property of its mention |

use crate::gazetteer::Gazetteer;
use crate::iri::{self, Iri};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tifa_model::{Extraction, Mention};

/// One document handed to the graph: its name, what was extracted and,
/// when available, its text (for the sentence of each mention).
#[derive(Clone, Copy, Debug)]
pub struct DocInput<'a> {
    /// The document's name (as in `Mention::doc`).
    pub name: &'a str,
    /// Its extraction.
    pub extraction: &'a Extraction,
    /// Its decoded text, if the caller has it.
    pub text: Option<&'a str>,
}

/// Where a fact comes from: a document, a rule and a character span.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Provenance {
    /// Document name.
    pub doc: String,
    /// Rule id (`gazetteer` for the administrative hierarchy).
    pub rule: String,
    /// First character (Unicode scalar values).
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The surface text of the span.
    pub text: String,
    /// The sentence around the span, when the document text was given.
    pub sentence: Option<String>,
}

/// A real thing: an organisation, a formulation, a program, a person ...
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entity {
    /// Its IRI (deterministic, from content).
    pub id: String,
    /// The preferred label (canonical name).
    pub label: String,
    /// The mention type it comes from (`Organization`, `PlusCompound`, ...).
    #[serde(rename = "type")]
    pub etype: String,
    /// Its kind (`district`, `school`, `campaign`, ...) where known.
    pub kind: Option<String>,
    /// Other surface forms seen.
    pub alt_labels: BTreeSet<String>,
    /// Attributes: `code` (GB/T 2260), `level`, `parts`, `items`, `role` ...
    pub attributes: BTreeMap<String, Value>,
    /// Documents that mention it.
    pub documents: BTreeSet<String>,
    /// Every mention of it.
    pub mentions: Vec<Provenance>,
}

/// A typed link between two entities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// Relation name (`part_of`, `located_in`, `runs`, `holds`, `works_for`, ...).
    pub rel: String,
    /// Every piece of evidence for it.
    pub provenance: Vec<Provenance>,
}

/// A mention with the entity it denotes (none for quantities).
#[derive(Clone, Debug, PartialEq)]
pub struct MentionFact {
    /// The extracted mention.
    pub mention: Mention,
    /// The entity it denotes.
    pub entity: Option<String>,
    /// The sentence around it, when the text was given.
    pub sentence: Option<String>,
}

/// A relation between two entities, with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RelationFact {
    /// Source entity IRI.
    pub from: String,
    /// Relation name.
    pub rel: String,
    /// Target entity IRI.
    pub to: String,
    /// Where it comes from.
    pub provenance: Provenance,
}

/// Everything one document contributes.
#[derive(Clone, Debug, Default)]
pub struct DocFacts {
    /// Document name.
    pub doc: String,
    /// Entities mentioned (or implied by the hierarchy), by IRI.
    pub entities: BTreeMap<String, Entity>,
    /// Mentions in document order.
    pub mentions: Vec<MentionFact>,
    /// Relations, sorted, without duplicates.
    pub relations: Vec<RelationFact>,
}

/// The entity graph across documents.
#[derive(Debug, Default)]
pub struct EntityGraph {
    /// Nodes are entities, edges relations. Node and edge order follow
    /// entity IRIs and (from, rel, to), so the graph is deterministic.
    pub graph: DiGraph<Entity, Edge>,
    index: HashMap<String, NodeIndex>,
}

impl EntityGraph {
    /// Builds the graph straight from documents.
    pub fn from_docs(docs: &[DocInput<'_>], gaz: &Gazetteer) -> EntityGraph {
        let facts: Vec<DocFacts> = docs.iter().map(|d| doc_facts(d, gaz)).collect();
        EntityGraph::build(&facts)
    }

    /// Builds the graph from per-document facts.
    pub fn build(docs: &[DocFacts]) -> EntityGraph {
        let mut entities: BTreeMap<String, Entity> = BTreeMap::new();
        let mut edges: BTreeMap<(String, String, String), BTreeSet<Provenance>> = BTreeMap::new();
        for d in docs {
            for (id, e) in &d.entities {
                match entities.get_mut(id) {
                    Some(have) => merge(have, e),
                    None => {
                        entities.insert(id.clone(), e.clone());
                    }
                }
            }
            for r in &d.relations {
                edges
                    .entry((r.from.clone(), r.rel.clone(), r.to.clone()))
                    .or_default()
                    .insert(r.provenance.clone());
            }
        }
        let mut g = EntityGraph::default();
        for (id, mut e) in entities {
            e.mentions.sort();
            e.mentions.dedup();
            let ix = g.graph.add_node(e);
            g.index.insert(id, ix);
        }
        for ((from, rel, to), prov) in edges {
            if let (Some(&a), Some(&b)) = (g.index.get(&from), g.index.get(&to)) {
                g.graph.add_edge(a, b, Edge { rel, provenance: prov.into_iter().collect() });
            }
        }
        g
    }

    /// The entity with IRI `id`.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.index.get(id).map(|&ix| &self.graph[ix])
    }

    /// All entities, in IRI order.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.graph.node_weights()
    }

    /// All edges as (from, edge, to).
    pub fn edges(&self) -> impl Iterator<Item = (&Entity, &Edge, &Entity)> {
        self.graph.edge_indices().filter_map(|e| {
            let (a, b) = self.graph.edge_endpoints(e)?;
            Some((&self.graph[a], &self.graph[e], &self.graph[b]))
        })
    }

    /// Entities linked from `id` by `rel`.
    pub fn targets<'a>(&'a self, id: &str, rel: &'a str) -> impl Iterator<Item = &'a Entity> + 'a {
        let ix = self.index.get(id).copied();
        ix.into_iter().flat_map(move |ix| {
            self.graph
                .edges(ix)
                .filter(move |e| e.weight().rel == rel)
                .map(move |e| &self.graph[petgraph::visit::EdgeRef::target(&e)])
        })
    }
}

fn merge(have: &mut Entity, e: &Entity) {
    have.alt_labels.extend(e.alt_labels.iter().cloned());
    have.documents.extend(e.documents.iter().cloned());
    have.mentions.extend(e.mentions.iter().cloned());
    if have.kind.is_none() {
        have.kind.clone_from(&e.kind);
    }
    for (k, v) in &e.attributes {
        have.attributes.entry(k.clone()).or_insert_with(|| v.clone());
    }
}

const AREA_KINDS: &[&str] = &["province", "city", "district", "county", "town", "village"];

fn field_str<'a>(m: &'a Mention, name: &str) -> Option<&'a str> {
    m.fields.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Builds one document's facts.
pub fn doc_facts(doc: &DocInput<'_>, gaz: &Gazetteer) -> DocFacts {
    let mut f = DocFacts { doc: doc.name.to_string(), ..DocFacts::default() };
    let sentences = doc.text.map(SentenceIndex::new);
    // Names (surface and canonical) → entity, for relation endpoints.
    let mut by_name: HashMap<String, String> = HashMap::new();
    let mut area_mentions: Vec<(String, Provenance)> = Vec::new();

    for m in &doc.extraction.mentions {
        let sentence = sentences.as_ref().and_then(|s| s.sentence(m.start, m.end));
        let prov = Provenance {
            doc: doc.name.to_string(),
            rule: m.rule.clone(),
            start: m.start,
            end: m.end,
            text: m.text.clone(),
            sentence: sentence.clone(),
        };
        let entity = entity_of(m, gaz);
        let id = entity.as_ref().map(|e| e.id.clone());
        if let Some(mut e) = entity {
            e.documents.insert(doc.name.to_string());
            e.mentions.push(prov.clone());
            if e.label != m.text {
                e.alt_labels.insert(m.text.clone());
            }
            by_name.insert(m.text.clone(), e.id.clone());
            by_name.insert(e.label.clone(), e.id.clone());
            if e.attributes.contains_key("code") {
                area_mentions.push((e.id.clone(), prov.clone()));
            }
            match f.entities.get_mut(&e.id) {
                Some(have) => merge(have, &e),
                None => {
                    f.entities.insert(e.id.clone(), e);
                }
            }
        }
        f.mentions.push(MentionFact { mention: m.clone(), entity: id, sentence });
    }

    let mut relations: BTreeSet<RelationFact> = BTreeSet::new();
    let sentence_of = |s: usize, e: usize| sentences.as_ref().and_then(|x| x.sentence(s, e));
    let mut endpoint = |name: &str, hint: Option<&str>, prov: &Provenance, f: &mut DocFacts| {
        if let Some(id) = by_name.get(name) {
            return id.clone();
        }
        let e = org_entity(name, None, hint, gaz);
        let id = e.id.clone();
        if let Some(have) = f.entities.get_mut(&id) {
            have.documents.insert(doc.name.to_string());
        } else {
            let mut e = e;
            e.documents.insert(doc.name.to_string());
            if e.attributes.contains_key("code") {
                area_mentions.push((id.clone(), prov.clone()));
            }
            f.entities.insert(id.clone(), e);
        }
        by_name.insert(name.to_string(), id.clone());
        id
    };
    for r in &doc.extraction.relations {
        let text = doc
            .text
            .map(|t| t.chars().skip(r.start).take(r.end.saturating_sub(r.start)).collect())
            .unwrap_or_default();
        let provenance = Provenance {
            doc: doc.name.to_string(),
            rule: r.rule.clone(),
            start: r.start,
            end: r.end,
            text,
            sentence: sentence_of(r.start, r.end),
        };
        let to = endpoint(&r.to, None, &provenance, &mut f);
        let hint = f.entities.get(&to).map(|e| e.label.clone());
        let from = endpoint(&r.from, hint.as_deref(), &provenance, &mut f);
        relations.insert(RelationFact { from, rel: r.rel.clone(), to, provenance });
    }
    // Relations stated by fields: a person's organisation, a designation's
    // holder, a program's owner.
    for mf in &f.mentions.clone() {
        let m = &mf.mention;
        let Some(id) = &mf.entity else { continue };
        let link = match m.kind.as_str() {
            "Person" => field_str(m, "org").map(|o| (id.clone(), "works_for", o, true)),
            "Designation" => field_str(m, "holder").map(|h| (id.clone(), "holds", h, false)),
            "Program" => field_str(m, "owner").map(|o| (id.clone(), "runs", o, false)),
            _ => None,
        };
        if let Some((this, rel, name, outward)) = link {
            let provenance = Provenance {
                doc: doc.name.to_string(),
                rule: m.rule.clone(),
                start: m.start,
                end: m.end,
                text: m.text.clone(),
                sentence: mf.sentence.clone(),
            };
            let other = endpoint(name, None, &provenance, &mut f);
            let (from, to) = if outward { (this, other) } else { (other, this) };
            relations.insert(RelationFact { from, rel: rel.to_string(), to, provenance });
        }
    }
    // The administrative hierarchy above every area the document names.
    for (id, prov) in area_mentions {
        let Some(code) = f.entities.get(&id).and_then(|e| e.attributes.get("code")).cloned() else {
            continue;
        };
        let Some(mut area) = code.as_str().and_then(|c| gaz.area_by_code(c)) else { continue };
        let mut child = id;
        while let Some(parent) = gaz.parent(area) {
            let pe = area_entity(parent);
            let pid = pe.id.clone();
            f.entities.entry(pid.clone()).or_insert(pe).documents.insert(doc.name.to_string());
            relations.insert(RelationFact {
                from: child,
                rel: "part_of".into(),
                to: pid.clone(),
                provenance: Provenance { rule: "gazetteer".into(), ..prov.clone() },
            });
            child = pid;
            area = parent;
        }
    }
    f.relations = relations.into_iter().collect();
    f
}

fn area_entity(a: &crate::gazetteer::Area) -> Entity {
    let mut attributes = BTreeMap::new();
    attributes.insert("code".to_string(), Value::from(a.code.clone()));
    Entity {
        id: iri::area(&a.code),
        label: a.name.clone(),
        etype: "Organization".into(),
        kind: Some(a.kind.clone()),
        alt_labels: BTreeSet::new(),
        attributes,
        documents: BTreeSet::new(),
        mentions: Vec::new(),
    }
}

fn org_entity(name: &str, kind: Option<&str>, hint: Option<&str>, gaz: &Gazetteer) -> Entity {
    let name = gaz.canonical(name);
    let area_like = kind.is_none_or(|k| AREA_KINDS.contains(&k));
    if area_like {
        if let Some(a) = gaz.resolve(name, hint) {
            return area_entity(a);
        }
    }
    Entity {
        id: iri::entity(Iri::Org, &[name]),
        label: name.to_string(),
        etype: "Organization".into(),
        kind: kind.map(str::to_string),
        alt_labels: BTreeSet::new(),
        attributes: BTreeMap::new(),
        documents: BTreeSet::new(),
        mentions: Vec::new(),
    }
}

/// The entity a mention denotes (none for quantities).
pub fn entity_of(m: &Mention, gaz: &Gazetteer) -> Option<Entity> {
    let canonical = field_str(m, "canonical").unwrap_or(&m.text);
    let kind = field_str(m, "kind");
    let mut e = match m.kind.as_str() {
        "Quantity" => return None,
        "Organization" => org_entity(canonical, kind, field_str(m, "parent"), gaz),
        "Program" => {
            let k = kind.unwrap_or("other");
            Entity::new(iri::entity(Iri::Program, &[k, canonical]), canonical, m, kind)
        }
        "Designation" => {
            Entity::new(iri::entity(Iri::Designation, &[canonical]), canonical, m, kind)
        }
        "Person" => Entity::new(iri::entity(Iri::Person, &[canonical]), canonical, m, kind),
        t => Entity::new(iri::entity(Iri::Concept, &[t, canonical]), canonical, m, kind),
    };
    for key in ["level", "parts", "items", "numbers", "left", "right", "role"] {
        if let Some(v) = m.fields.get(key).filter(|v| !v.is_null()) {
            e.attributes.entry(key.to_string()).or_insert_with(|| v.clone());
        }
    }
    Some(e)
}

impl Entity {
    fn new(id: String, label: &str, m: &Mention, kind: Option<&str>) -> Entity {
        Entity {
            id,
            label: label.to_string(),
            etype: m.kind.clone(),
            kind: kind.map(str::to_string),
            alt_labels: BTreeSet::new(),
            attributes: BTreeMap::new(),
            documents: BTreeSet::new(),
            mentions: Vec::new(),
        }
    }
}

/// Sentences of a text, addressed by character offsets.
struct SentenceIndex<'a> {
    text: &'a str,
    /// (first char, one past last char, byte range).
    spans: Vec<(usize, usize, std::ops::Range<usize>)>,
}

impl<'a> SentenceIndex<'a> {
    fn new(text: &'a str) -> Self {
        let ranges = tifa_text::sentences(text);
        let mut spans = Vec::with_capacity(ranges.len());
        let (mut byte, mut chars) = (0usize, 0usize);
        for r in ranges {
            chars += text[byte..r.start].chars().count();
            let s = chars;
            chars += text[r.clone()].chars().count();
            byte = r.end;
            spans.push((s, chars, r));
        }
        SentenceIndex { text, spans }
    }

    /// The sentence(s) covering characters `start..end`.
    fn sentence(&self, start: usize, end: usize) -> Option<String> {
        let first = self.spans.partition_point(|(_, e, _)| *e <= start);
        let (s0, _, r0) = self.spans.get(first)?;
        if *s0 > start {
            return None;
        }
        let last = self.spans[first..].partition_point(|(s, _, _)| *s < end.max(start + 1));
        let r1 = &self.spans[first + last.max(1) - 1].2;
        self.text.get(r0.start..r1.end).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tifa_model::{Fields, Relation, RelationTag};
    use tifa_rules::Lexicon;

    pub(crate) fn gaz() -> Gazetteer {
        let areas = Lexicon::parse(
            "name\tkind\tparent\tprovince\tcode\n\
             山东省\tprovince\t\t山东省\t37\n\
             济宁市\tcity\t山东省\t山东省\t3708\n\
             任城区\tdistrict\t济宁市\t山东省\t370811\n",
        );
        let aliases =
            Lexicon::parse("alias\tcanonical\tkind\tparent\n济宁\t济宁市\tcity\t山东省\n");
        Gazetteer::from_lexicons(&BTreeMap::from([
            ("areas".to_string(), areas),
            ("area_aliases".to_string(), aliases),
        ]))
    }

    pub(crate) fn mention(
        doc: &str,
        kind: &str,
        text: &str,
        start: usize,
        fields: Fields,
    ) -> Mention {
        Mention {
            doc: doc.into(),
            kind: kind.into(),
            text: text.into(),
            start,
            end: start + text.chars().count(),
            rule: format!("{}-rule", kind.to_lowercase()),
            fields,
        }
    }

    fn fields(pairs: &[(&str, Value)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn spellings_of_one_school_and_a_committee_in_its_district() {
        let a = Extraction {
            mentions: vec![
                mention(
                    "a",
                    "Organization",
                    "济宁实验初中",
                    0,
                    fields(&[("kind", "school".into()), ("canonical", "济宁市实验初中".into())]),
                ),
                mention(
                    "a",
                    "Organization",
                    "任城区委教育工委",
                    10,
                    fields(&[("kind", "party_committee".into()), ("parent", "任城区".into())]),
                ),
            ],
            relations: vec![Relation {
                doc: "a".into(),
                record: RelationTag::Relation,
                rel: "located_in".into(),
                from: "任城区委教育工委".into(),
                to: "任城区".into(),
                start: 10,
                end: 18,
                rule: "party-committee".into(),
            }],
            diagnostics: vec![],
        };
        let b = Extraction {
            mentions: vec![mention(
                "b",
                "Organization",
                "济宁市实验初中",
                3,
                fields(&[("kind", "school".into())]),
            )],
            ..Extraction::default()
        };
        let g = gaz();
        let docs = [
            doc_facts(&DocInput { name: "a", extraction: &a, text: None }, &g),
            doc_facts(&DocInput { name: "b", extraction: &b, text: None }, &g),
        ];
        let graph = EntityGraph::build(&docs);
        let school = iri::entity(Iri::Org, &["济宁市实验初中"]);
        let e = graph.entity(&school).expect("one school");
        assert_eq!(e.documents.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(e.alt_labels.contains("济宁实验初中"));
        assert_eq!(e.mentions.len(), 2);
        // The committee is located in 任城区, which the gazetteer places in
        // 济宁市 and 山东省.
        let committee = iri::entity(Iri::Org, &["任城区委教育工委"]);
        let district: Vec<_> = graph.targets(&committee, "located_in").collect();
        assert_eq!(district.len(), 1);
        assert_eq!(district[0].label, "任城区");
        let city: Vec<_> = graph.targets(&district[0].id, "part_of").map(|e| &e.label).collect();
        assert_eq!(city, ["济宁市"]);
        let province: Vec<_> =
            graph.targets(&iri::area("3708"), "part_of").map(|e| &e.label).collect();
        assert_eq!(province, ["山东省"]);
    }

    #[test]
    fn aliases_and_formulation_variants() {
        let g = gaz();
        let m = mention("a", "Organization", "济宁", 0, fields(&[("kind", "city".into())]));
        assert_eq!(entity_of(&m, &g).unwrap().id, iri::area("3708"));
        let one = mention("a", "OnePerFormulation", "一个支部一个堡垒", 0, Fields::new());
        let two = mention("a", "OnePerFormulation", "一个支部一座堡垒", 0, Fields::new());
        assert_ne!(entity_of(&one, &g).unwrap().id, entity_of(&two, &g).unwrap().id);
        let three = mention(
            "a",
            "OnePerFormulation",
            "一个支部一座堡垒",
            0,
            fields(&[("canonical", "一个支部一个堡垒".into())]),
        );
        assert_eq!(entity_of(&one, &g).unwrap().id, entity_of(&three, &g).unwrap().id);
        assert!(entity_of(&mention("a", "Quantity", "3名", 0, Fields::new()), &g).is_none());
    }

    #[test]
    fn sentences_are_found_by_character_offsets() {
        let text = "第一句话。济宁市实验初中开展活动！最后";
        let s = SentenceIndex::new(text);
        assert_eq!(s.sentence(5, 12).as_deref(), Some("济宁市实验初中开展活动！"));
        assert_eq!(s.sentence(0, 2).as_deref(), Some("第一句话。"));
        assert_eq!(s.sentence(17, 19).as_deref(), Some("最后"));
        assert_eq!(s.sentence(40, 41), None);
    }
}
