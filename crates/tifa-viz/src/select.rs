//! Cutting a graph down to what a person wants to see. Each function keeps
//! a set of nodes and the edges whose two ends are both kept.
//!
//! ```
//! use tifa_viz::{select, VizEdge, VizGraph, VizNode};
//! let mut g = VizGraph::default();
//! for (id, t) in [("a", "Organization"), ("b", "Program"), ("c", "Organization")] {
//!     g.nodes.push(VizNode::new(id, id, t));
//! }
//! g.edges.push(VizEdge::new("a", "b", "runs"));
//! g.edges.push(VizEdge::new("b", "c", "runs"));
//! let near = select::around(&g, "a", 1).unwrap();
//! assert_eq!(near.nodes.len(), 2);
//! assert_eq!(select::types(&g, &["Organization".into()]).edges.len(), 0);
//! ```

use crate::{VizError, VizGraph};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The nodes in `keep` and the edges between them.
pub fn induced(g: &VizGraph, keep: &BTreeSet<&str>) -> VizGraph {
    VizGraph {
        nodes: g.nodes.iter().filter(|n| keep.contains(n.id.as_str())).cloned().collect(),
        edges: g
            .edges
            .iter()
            .filter(|e| keep.contains(e.source.as_str()) && keep.contains(e.target.as_str()))
            .cloned()
            .collect(),
    }
}

/// Nodes whose entity type is one of `types`.
pub fn types(g: &VizGraph, types: &[String]) -> VizGraph {
    let keep = g
        .nodes
        .iter()
        .filter(|n| types.iter().any(|t| t == &n.kind))
        .map(|n| n.id.as_str())
        .collect();
    induced(g, &keep)
}

/// Nodes with at least `min` edges (counted in `g`, both directions).
pub fn min_degree(g: &VizGraph, min: usize) -> VizGraph {
    let keep = g.degrees().into_iter().filter(|(_, d)| *d >= min).map(|(id, _)| id).collect();
    induced(g, &keep)
}

/// The ids of nodes called `name`: by id, else by label.
fn named<'g>(g: &'g VizGraph, name: &str) -> Vec<&'g str> {
    let by_id: Vec<&str> = g.nodes.iter().filter(|n| n.id == name).map(|n| n.id.as_str()).collect();
    if !by_id.is_empty() {
        return by_id;
    }
    g.nodes.iter().filter(|n| n.label == name).map(|n| n.id.as_str()).collect()
}

/// Nodes at most `depth` edges away from the nodes called `name` (by id or
/// label; every node with that label is a start), edges taken both ways.
pub fn around(g: &VizGraph, name: &str, depth: usize) -> Result<VizGraph, VizError> {
    let starts = named(g, name);
    if starts.is_empty() {
        let mut similar: Vec<String> = g
            .nodes
            .iter()
            .filter(|n| n.label.contains(name) || (!n.label.is_empty() && name.contains(&n.label)))
            .map(|n| n.label.clone())
            .collect();
        similar.sort();
        similar.dedup();
        similar.truncate(5);
        return Err(VizError::UnknownName { name: name.to_string(), similar });
    }
    let mut adj: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &g.edges {
        adj.entry(e.source.as_str()).or_default().push(e.target.as_str());
        adj.entry(e.target.as_str()).or_default().push(e.source.as_str());
    }
    let mut seen: BTreeSet<&str> = starts.iter().copied().collect();
    let mut queue: VecDeque<(&str, usize)> = starts.iter().map(|s| (*s, 0)).collect();
    while let Some((id, d)) = queue.pop_front() {
        if d == depth {
            continue;
        }
        for next in adj.get(id).into_iter().flatten() {
            if seen.insert(next) {
                queue.push_back((next, d + 1));
            }
        }
    }
    Ok(induced(g, &seen))
}

/// Only the edges between the given pairs of nodes (named by id or label,
/// in either direction), and their ends: the selection a SPARQL query
/// returning node pairs makes. Pairs naming no node are ignored.
pub fn pairs(g: &VizGraph, pairs: &[(String, String)]) -> VizGraph {
    let ids = |name: &str| -> BTreeSet<&str> { named(g, name).into_iter().collect() };
    let mut wanted: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (a, b) in pairs {
        let (ia, ib) = (ids(a), ids(b));
        for x in &ia {
            for y in &ib {
                wanted.insert((x, y));
                wanted.insert((y, x));
            }
        }
    }
    let edges: Vec<_> = g
        .edges
        .iter()
        .filter(|e| wanted.contains(&(e.source.as_str(), e.target.as_str())))
        .cloned()
        .collect();
    let keep: BTreeSet<&str> =
        edges.iter().flat_map(|e| [e.source.as_str(), e.target.as_str()]).collect();
    VizGraph {
        nodes: g.nodes.iter().filter(|n| keep.contains(n.id.as_str())).cloned().collect(),
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{VizEdge, VizNode};

    /// A chain a - b - c - d plus e - a and an isolated f.
    fn chain() -> VizGraph {
        let mut g = VizGraph::default();
        for (id, t) in [
            ("a", "Organization"),
            ("b", "Program"),
            ("c", "Organization"),
            ("d", "Person"),
            ("e", "Program"),
            ("f", "Organization"),
        ] {
            g.nodes.push(VizNode::new(id, format!("名{id}"), t));
        }
        for (s, t) in [("a", "b"), ("b", "c"), ("d", "c"), ("e", "a")] {
            g.edges.push(VizEdge::new(s, t, "runs"));
        }
        g
    }

    fn ids(g: &VizGraph) -> Vec<&str> {
        g.nodes.iter().map(|n| n.id.as_str()).collect()
    }

    #[test]
    fn around_follows_edges_both_ways_up_to_depth() {
        let g = chain();
        assert_eq!(ids(&around(&g, "名c", 0).unwrap()), ["c"]);
        assert_eq!(ids(&around(&g, "c", 1).unwrap()), ["b", "c", "d"]);
        let two = around(&g, "名c", 2).unwrap();
        assert_eq!(ids(&two), ["a", "b", "c", "d"]);
        assert_eq!(two.edges.len(), 3);
    }

    #[test]
    fn around_an_unknown_name_is_an_error_with_suggestions() {
        let err = around(&chain(), "名", 1).unwrap_err();
        assert!(err.to_string().contains("did you mean 名a"), "{err}");
    }

    #[test]
    fn types_and_min_degree_keep_induced_subgraphs() {
        let g = chain();
        let orgs = types(&g, &["Organization".into(), "Person".into()]);
        assert_eq!(ids(&orgs), ["a", "c", "d", "f"]);
        assert_eq!(orgs.edges.len(), 1);
        let hubs = min_degree(&g, 2);
        assert_eq!(ids(&hubs), ["a", "b", "c"]);
        assert_eq!(hubs.edges.len(), 2);
        assert!(min_degree(&g, 0).nodes.len() == 6);
    }

    #[test]
    fn pairs_keep_only_those_edges_in_either_direction() {
        let g = chain();
        let p = pairs(&g, &[("c".into(), "名b".into()), ("x".into(), "a".into())]);
        assert_eq!(ids(&p), ["b", "c"]);
        assert_eq!(p.edges.len(), 1);
        assert_eq!((p.edges[0].source.as_str(), p.edges[0].target.as_str()), ("b", "c"));
    }
}
