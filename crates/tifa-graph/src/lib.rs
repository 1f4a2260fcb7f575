//! tifa's knowledge graph: entities across documents (a petgraph graph),
//! their RDF with provenance (one named graph per source document) and an
//! embedded SPARQL store (oxigraph).
//!
//! ```text
//! Extraction ──doc_facts(+Gazetteer)──▶ DocFacts ──EntityGraph::build──▶ petgraph graph
//!                                          │
//!                                          └──rdf::doc_quads──▶ quads in the doc's graph ──▶ KgStore / files
//! ```

pub mod error;
pub mod gazetteer;
pub mod graph;
pub mod iri;
pub mod rdf;
pub mod results;
pub mod store;

pub use error::Error;
pub use gazetteer::{Area, Gazetteer};
pub use graph::{doc_facts, DocFacts, DocInput, Edge, Entity, EntityGraph, Provenance};
pub use rdf::{doc_quads, write_quads, Format, GraphWriter};
pub use results::{write_results, ResultsFormat};
pub use store::{GraphData, KgStore, LoadReport, QueryOutput, StreamLoad};

/// One document's quads, ready for a store.
pub fn graph_data(facts: &DocFacts) -> GraphData {
    GraphData {
        graph: oxigraph::model::NamedNode::new_unchecked(iri::doc(&facts.doc)),
        quads: doc_quads(facts),
    }
}
