//! Graph views of tifa's output for people: Graphviz DOT, GraphML and GEXF
//! (Gephi, Cytoscape), Cytoscape.js elements JSON and one self-contained
//! HTML page.
//!
//! Everything works on a neutral model, [`VizGraph`]: nodes are entities
//! (an id, a label, an entity type, attributes, the documents and source
//! sentences they come from), edges are typed links between them. A graph
//! is made from extraction output with [`GraphBuilder`] (or by any other
//! source, such as a triple store), cut down with the functions of
//! [`select`], and written by [`write`] in one of the [`Format`]s.
//!
//! ```
//! use tifa_viz::{Format, VizEdge, VizGraph, VizNode};
//! let mut g = VizGraph::default();
//! g.nodes.push(VizNode::new("Organization:任城区", "任城区", "Organization"));
//! g.nodes.push(VizNode::new("Organization:济宁市", "济宁市", "Organization"));
//! g.edges.push(VizEdge::new("Organization:任城区", "Organization:济宁市", "part_of"));
//! let dot = tifa_viz::to_string(&g, Format::Dot).unwrap();
//! assert!(dot.contains("label=\"任城区\""));
//! ```
//!
//! Writers are pure: same graph, byte-identical output.

pub mod build;
pub mod dot;
pub mod html;
pub mod select;
pub mod style;
pub mod xml;

pub use build::GraphBuilder;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

/// An entity: one node of the graph.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VizNode {
    /// Unique id (for extraction output: `TYPE:NAME`).
    pub id: String,
    /// The name shown to people.
    pub label: String,
    /// The entity type (`Organization`, `Program`, `PlusCompound` …).
    pub kind: String,
    /// Further attributes (`kind` of organisation, `parent`, `level` …).
    pub attrs: BTreeMap<String, String>,
    /// How many mentions it was built from.
    pub mentions: usize,
    /// Documents it occurs in, sorted, without duplicates.
    pub docs: Vec<String>,
    /// Sentences it occurs in (at most [`build::MAX_SENTENCES`]).
    pub sentences: Vec<String>,
}

impl VizNode {
    /// A node with no attributes.
    pub fn new(id: impl Into<String>, label: impl Into<String>, kind: impl Into<String>) -> Self {
        VizNode { id: id.into(), label: label.into(), kind: kind.into(), ..Default::default() }
    }
}

/// A typed link between two nodes, by id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VizEdge {
    /// Id of the source node.
    pub source: String,
    /// Id of the target node.
    pub target: String,
    /// The relation (`part_of`, `runs`, `holds` …).
    pub label: String,
    /// Further attributes (`via`: where it came from).
    pub attrs: BTreeMap<String, String>,
    /// How many times it was stated.
    pub count: usize,
    /// Documents that state it, sorted, without duplicates.
    pub docs: Vec<String>,
}

impl VizEdge {
    /// An edge with no attributes, stated once.
    pub fn new(
        source: impl Into<String>,
        target: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        VizEdge {
            source: source.into(),
            target: target.into(),
            label: label.into(),
            count: 1,
            ..Default::default()
        }
    }
}

/// Nodes and edges. Every edge's ends are ids of nodes in `nodes`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VizGraph {
    /// The entities.
    pub nodes: Vec<VizNode>,
    /// The links.
    pub edges: Vec<VizEdge>,
}

impl VizGraph {
    /// Number of edges touching each node id (both directions); edges
    /// with an end that is not a node are not counted.
    pub fn degrees(&self) -> BTreeMap<&str, usize> {
        let mut d: BTreeMap<&str, usize> = self.nodes.iter().map(|n| (n.id.as_str(), 0)).collect();
        for e in &self.edges {
            if d.contains_key(e.source.as_str()) && d.contains_key(e.target.as_str()) {
                for end in [e.source.as_str(), e.target.as_str()] {
                    if let Some(x) = d.get_mut(end) {
                        *x += 1;
                    }
                }
            }
        }
        d
    }

    /// The entity types present, sorted.
    pub fn types(&self) -> Vec<&str> {
        let mut t: Vec<&str> = self.nodes.iter().map(|n| n.kind.as_str()).collect();
        t.sort_unstable();
        t.dedup();
        t
    }
}

/// What can go wrong while writing a graph.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// The output could not be written.
    #[error("writing the graph: {0}")]
    Io(#[from] std::io::Error),
    /// JSON could not be produced.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// `--around NAME` names no node.
    #[error("no entity named `{name}` in the graph{}", hint(.similar))]
    UnknownName {
        /// The name asked for.
        name: String,
        /// Some labels that contain it, to help the user.
        similar: Vec<String>,
    },
}

fn hint(similar: &[String]) -> String {
    if similar.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", similar.join(", "))
    }
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Graphviz DOT.
    Dot,
    /// GraphML (Gephi, Cytoscape, yEd, networkx).
    Graphml,
    /// GEXF 1.3 (Gephi).
    Gexf,
    /// Cytoscape.js elements JSON.
    Cytoscape,
    /// One self-contained interactive HTML page.
    Html,
}

/// Writes `g` to `out` in `format`.
pub fn write(g: &VizGraph, format: Format, out: &mut dyn Write) -> Result<(), VizError> {
    match format {
        Format::Dot => dot::write(g, out),
        Format::Graphml => xml::write_graphml(g, out),
        Format::Gexf => xml::write_gexf(g, out),
        Format::Cytoscape => html::write_cytoscape(g, out),
        Format::Html => html::write_html(g, &html::HtmlOptions::default(), out),
    }
}

/// [`write`] into a string.
pub fn to_string(g: &VizGraph, format: Format) -> Result<String, VizError> {
    let mut buf = Vec::new();
    write(g, format, &mut buf)?;
    // Every writer emits UTF-8 only.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
