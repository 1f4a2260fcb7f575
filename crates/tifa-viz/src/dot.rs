//! Graphviz DOT: Chinese labels as they are (UTF-8), colour and shape by
//! entity type, relation names on edges, and a legend of the types shown.
//! Node names in the file are `n0`, `n1` … so that no corpus string can
//! break the syntax; labels are quoted strings with `\` and `"` escaped.

use crate::style::style;
use crate::{VizError, VizGraph};
use std::collections::BTreeMap;
use std::io::Write;

/// Fonts tried in order; Graphviz falls back to its default when none exists.
const FONT: &str = "Noto Sans CJK SC,Noto Sans CJK,WenQuanYi Zen Hei,sans-serif";

/// A DOT quoted string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn tooltip(n: &crate::VizNode) -> String {
    let mut t = format!("{} ({})", n.label, n.kind);
    for (k, v) in &n.attrs {
        t.push_str(&format!("\n{k}: {v}"));
    }
    if !n.docs.is_empty() {
        t.push_str(&format!("\ndocuments: {}", n.docs.join(", ")));
    }
    t
}

/// Writes `g` as a directed DOT graph.
pub fn write(g: &VizGraph, out: &mut dyn Write) -> Result<(), VizError> {
    writeln!(out, "digraph tifa {{")?;
    writeln!(out, "  graph [rankdir=LR, fontname={}, fontsize=11];", quote(FONT))?;
    writeln!(out, "  node [fontname={}, fontsize=11, style=filled, penwidth=0.6];", quote(FONT))?;
    writeln!(out, "  edge [fontname={}, fontsize=9, color=\"#555555\"];", quote(FONT))?;
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        index.insert(n.id.as_str(), i);
        let st = style(&n.kind);
        writeln!(
            out,
            "  n{i} [label={}, shape={}, fillcolor={}, tooltip={}];",
            quote(&n.label),
            st.dot_shape,
            quote(st.color),
            quote(&tooltip(n)),
        )?;
    }
    for e in &g.edges {
        let (Some(s), Some(t)) = (index.get(e.source.as_str()), index.get(e.target.as_str()))
        else {
            continue;
        };
        let label =
            if e.count > 1 { format!("{} ×{}", e.label, e.count) } else { e.label.clone() };
        writeln!(out, "  n{s} -> n{t} [label={}];", quote(&label))?;
    }
    let types = g.types();
    if !types.is_empty() {
        writeln!(out, "  subgraph cluster_legend {{")?;
        writeln!(out, "    label=\"图例 Legend\"; style=rounded; color=\"#999999\";")?;
        for (i, t) in types.iter().enumerate() {
            let st = style(t);
            let count = g.nodes.iter().filter(|n| n.kind == *t).count();
            writeln!(
                out,
                "    legend{i} [label={}, shape={}, fillcolor={}];",
                quote(&format!("{t} ({count})")),
                st.dot_shape,
                quote(st.color)
            )?;
        }
        // Invisible edges stack the legend in one column.
        for i in 1..types.len() {
            writeln!(out, "    legend{} -> legend{i} [style=invis];", i - 1)?;
        }
        writeln!(out, "  }}")?;
    }
    writeln!(out, "}}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{VizEdge, VizNode};

    #[test]
    fn quotes_and_backslashes_cannot_end_a_string() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("一\n二\u{7}"), "\"一\\n二 \"");
    }

    #[test]
    fn nodes_carry_type_styles_and_edges_their_relation() {
        let mut g = VizGraph::default();
        g.nodes.push(VizNode::new("o", "任城区", "Organization"));
        g.nodes.push(VizNode::new("p", "党建+业务", "PlusCompound"));
        let mut e = VizEdge::new("o", "p", "runs");
        e.count = 3;
        g.edges.push(e);
        g.edges.push(VizEdge::new("o", "missing", "runs"));
        let dot = crate::to_string(&g, crate::Format::Dot).unwrap();
        assert!(dot.contains("n0 [label=\"任城区\", shape=box, fillcolor=\"#8ecae6\""), "{dot}");
        assert!(dot.contains("n1 [label=\"党建+业务\", shape=hexagon"), "{dot}");
        assert!(dot.contains("n0 -> n1 [label=\"runs ×3\"]"), "{dot}");
        assert_eq!(dot.matches("->").count(), 2, "one edge and one legend link: {dot}");
        assert!(dot.contains("legend1 [label=\"PlusCompound (1)\""), "{dot}");
    }
}
