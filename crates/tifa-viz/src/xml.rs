//! GraphML and GEXF 1.3, written with quick-xml (which escapes every text
//! and attribute value). Both carry, for nodes: label, entity `type`, every
//! attribute (`kind`, `parent` …), `mentions`, `doc_count` and `documents`;
//! for edges: `relation`, `count`, `doc_count`, `documents` and every edge
//! attribute. Element ids are `n0`, `e0` … (GraphML wants NMTOKENs); the
//! tifa id is kept in the `tifa_id` attribute. Characters XML 1.0 cannot
//! hold (most control characters) become U+FFFD.

use crate::style::{rgb, style};
use crate::{VizError, VizGraph};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// `s` with the characters XML 1.0 forbids replaced.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Reads one attribute's value off a node or an edge.
type Getter<T> = Box<dyn Fn(&T) -> Option<String>>;

/// An attribute column: its title, XML type and how to read it off.
struct Column<T> {
    title: String,
    integer: bool,
    get: Getter<T>,
}

fn col<T>(title: &str, integer: bool, get: impl Fn(&T) -> Option<String> + 'static) -> Column<T> {
    Column { title: title.to_string(), integer, get: Box::new(get) }
}

const NODE_FIXED: &[&str] = &["tifa_id", "label", "type", "mentions", "doc_count", "documents"];
const EDGE_FIXED: &[&str] = &["relation", "count", "doc_count", "documents"];

fn some_nonempty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn node_columns(g: &VizGraph) -> Vec<Column<crate::VizNode>> {
    let mut cols = vec![
        col("tifa_id", false, |n: &crate::VizNode| Some(n.id.clone())),
        col("label", false, |n: &crate::VizNode| Some(n.label.clone())),
        col("type", false, |n: &crate::VizNode| Some(n.kind.clone())),
        col("mentions", true, |n: &crate::VizNode| Some(n.mentions.to_string())),
        col("doc_count", true, |n: &crate::VizNode| Some(n.docs.len().to_string())),
        col("documents", false, |n: &crate::VizNode| some_nonempty(n.docs.join("; "))),
    ];
    let keys: BTreeSet<&String> = g.nodes.iter().flat_map(|n| n.attrs.keys()).collect();
    for k in keys {
        let key = k.clone();
        let title = if NODE_FIXED.contains(&k.as_str()) { format!("attr_{k}") } else { k.clone() };
        cols.push(col(&title, false, move |n: &crate::VizNode| n.attrs.get(&key).cloned()));
    }
    cols
}

fn edge_columns(g: &VizGraph) -> Vec<Column<crate::VizEdge>> {
    let mut cols = vec![
        col("relation", false, |e: &crate::VizEdge| Some(e.label.clone())),
        col("count", true, |e: &crate::VizEdge| Some(e.count.to_string())),
        col("doc_count", true, |e: &crate::VizEdge| Some(e.docs.len().to_string())),
        col("documents", false, |e: &crate::VizEdge| some_nonempty(e.docs.join("; "))),
    ];
    let keys: BTreeSet<&String> = g.edges.iter().flat_map(|e| e.attrs.keys()).collect();
    for k in keys {
        let key = k.clone();
        let title = if EDGE_FIXED.contains(&k.as_str()) { format!("attr_{k}") } else { k.clone() };
        cols.push(col(&title, false, move |e: &crate::VizEdge| e.attrs.get(&key).cloned()));
    }
    cols
}

/// Node index by id, and the edges whose ends both exist, with their ends' indices.
fn endpoints(g: &VizGraph) -> Vec<(usize, usize, &crate::VizEdge)> {
    let index: BTreeMap<&str, usize> =
        g.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    g.edges
        .iter()
        .filter_map(|e| Some((*index.get(e.source.as_str())?, *index.get(e.target.as_str())?, e)))
        .collect()
}

fn decl<W: Write>(w: &mut Writer<W>) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
}

/// Writes `g` as GraphML.
pub fn write_graphml(g: &VizGraph, out: &mut dyn Write) -> Result<(), VizError> {
    let ncols = node_columns(g);
    let ecols = edge_columns(g);
    let edges = endpoints(g);
    let mut w = Writer::new_with_indent(out, b' ', 1);
    decl(&mut w)?;
    w.create_element("graphml")
        .with_attributes([
            ("xmlns", "http://graphml.graphdrawing.org/xmlns"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd",
            ),
        ])
        .write_inner_content(|w| {
            for (prefix, target, cols) in [
                ("d", "node", ncols.iter().map(|c| (&c.title, c.integer)).collect::<Vec<_>>()),
                ("r", "edge", ecols.iter().map(|c| (&c.title, c.integer)).collect()),
            ] {
                for (i, (title, integer)) in cols.into_iter().enumerate() {
                    let id = format!("{prefix}{i}");
                    let title = clean(title);
                    w.create_element("key")
                        .with_attributes([
                            ("id", id.as_str()),
                            ("for", target),
                            ("attr.name", title.as_str()),
                            ("attr.type", if integer { "int" } else { "string" }),
                        ])
                        .write_empty()?;
                }
            }
            w.create_element("graph")
                .with_attributes([("id", "tifa"), ("edgedefault", "directed")])
                .write_inner_content(|w| {
                    for (i, n) in g.nodes.iter().enumerate() {
                        let id = format!("n{i}");
                        w.create_element("node").with_attribute(("id", id.as_str())).write_inner_content(
                            |w| {
                                for (k, c) in ncols.iter().enumerate() {
                                    if let Some(v) = (c.get)(n) {
                                        let key = format!("d{k}");
                                        w.create_element("data")
                                            .with_attribute(("key", key.as_str()))
                                            .write_text_content(BytesText::new(&clean(&v)))?;
                                    }
                                }
                                Ok(())
                            },
                        )?;
                    }
                    for (i, (s, t, e)) in edges.iter().enumerate() {
                        let (id, s, t) = (format!("e{i}"), format!("n{s}"), format!("n{t}"));
                        w.create_element("edge")
                            .with_attributes([
                                ("id", id.as_str()),
                                ("source", s.as_str()),
                                ("target", t.as_str()),
                            ])
                            .write_inner_content(|w| {
                                for (k, c) in ecols.iter().enumerate() {
                                    if let Some(v) = (c.get)(e) {
                                        let key = format!("r{k}");
                                        w.create_element("data")
                                            .with_attribute(("key", key.as_str()))
                                            .write_text_content(BytesText::new(&clean(&v)))?;
                                    }
                                }
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    w.get_mut().write_all(b"\n")?;
    Ok(())
}

fn attributes<W: Write, T>(
    w: &mut Writer<W>,
    class: &str,
    cols: &[Column<T>],
) -> std::io::Result<()> {
    w.create_element("attributes").with_attribute(("class", class)).write_inner_content(|w| {
        for (i, c) in cols.iter().enumerate() {
            let (id, title) = (i.to_string(), clean(&c.title));
            w.create_element("attribute")
                .with_attributes([
                    ("id", id.as_str()),
                    ("title", title.as_str()),
                    ("type", if c.integer { "integer" } else { "string" }),
                ])
                .write_empty()?;
        }
        Ok(())
    })?;
    Ok(())
}

fn attvalues<W: Write, T>(w: &mut Writer<W>, cols: &[Column<T>], x: &T) -> std::io::Result<()> {
    w.create_element("attvalues").write_inner_content(|w| {
        for (i, c) in cols.iter().enumerate() {
            if let Some(v) = (c.get)(x) {
                let (id, v) = (i.to_string(), clean(&v));
                w.create_element("attvalue")
                    .with_attributes([("for", id.as_str()), ("value", v.as_str())])
                    .write_empty()?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// Writes `g` as GEXF 1.3, with node colours (viz:color) by entity type.
pub fn write_gexf(g: &VizGraph, out: &mut dyn Write) -> Result<(), VizError> {
    let ncols = node_columns(g);
    let ecols = edge_columns(g);
    let edges = endpoints(g);
    let mut w = Writer::new_with_indent(out, b' ', 1);
    decl(&mut w)?;
    w.create_element("gexf")
        .with_attributes([
            ("xmlns", "http://gexf.net/1.3"),
            ("xmlns:viz", "http://gexf.net/1.3/viz"),
            ("version", "1.3"),
        ])
        .write_inner_content(|w| {
            w.create_element("meta").write_inner_content(|w| {
                w.create_element("creator").write_text_content(BytesText::new("tifa"))?;
                w.create_element("description").write_text_content(BytesText::new(
                    "Entities and relations extracted by tifa",
                ))?;
                Ok(())
            })?;
            w.create_element("graph")
                .with_attributes([("defaultedgetype", "directed"), ("mode", "static")])
                .write_inner_content(|w| {
                    attributes(w, "node", &ncols)?;
                    attributes(w, "edge", &ecols)?;
                    w.create_element("nodes").write_inner_content(|w| {
                        for (i, n) in g.nodes.iter().enumerate() {
                            let (id, label) = (format!("n{i}"), clean(&n.label));
                            let (r, gr, b) = rgb(style(&n.kind).color);
                            w.create_element("node")
                                .with_attributes([("id", id.as_str()), ("label", label.as_str())])
                                .write_inner_content(|w| {
                                    attvalues(w, &ncols, n)?;
                                    let (r, gr, b) = (r.to_string(), gr.to_string(), b.to_string());
                                    w.create_element("viz:color")
                                        .with_attributes([
                                            ("r", r.as_str()),
                                            ("g", gr.as_str()),
                                            ("b", b.as_str()),
                                        ])
                                        .write_empty()?;
                                    Ok(())
                                })?;
                        }
                        Ok(())
                    })?;
                    w.create_element("edges").write_inner_content(|w| {
                        for (i, (s, t, e)) in edges.iter().enumerate() {
                            let (id, s, t) = (format!("e{i}"), format!("n{s}"), format!("n{t}"));
                            let (label, weight) = (clean(&e.label), e.count.max(1).to_string());
                            w.create_element("edge")
                                .with_attributes([
                                    ("id", id.as_str()),
                                    ("source", s.as_str()),
                                    ("target", t.as_str()),
                                    ("label", label.as_str()),
                                    ("weight", weight.as_str()),
                                ])
                                .write_inner_content(|w| attvalues(w, &ecols, e))?;
                        }
                        Ok(())
                    })?;
                    Ok(())
                })?;
            Ok(())
        })?;
    w.get_mut().write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, VizEdge, VizNode};
    use quick_xml::events::Event;
    use quick_xml::Reader;

    /// A graph whose strings try to break XML.
    fn nasty() -> VizGraph {
        let mut g = VizGraph::default();
        let mut a = VizNode::new("Organization:<a&b>", "<script>alert(1)</script>", "Organization");
        a.attrs.insert("kind".into(), "school \"x\" & 'y'".into());
        a.attrs.insert("type".into(), "clash".into());
        a.docs = vec!["d1.txt".into(), "d&2.txt".into()];
        a.mentions = 3;
        let mut b = VizNode::new("Program:一校一品", "一校一品\u{1}", "Program");
        b.attrs.insert("kind".into(), "brand".into());
        g.nodes = vec![a, b, VizNode::new("x", "孤立", "Person")];
        let mut e = VizEdge::new("Organization:<a&b>", "Program:一校一品", "runs");
        e.attrs.insert("via".into(), "rule:r<1>".into());
        g.edges = vec![e, VizEdge::new("x", "nowhere", "runs")];
        g
    }

    /// Parses `xml` fully; returns (element name → count, every attribute and text value).
    fn parse(xml: &str) -> (BTreeMap<String, usize>, Vec<String>) {
        let mut r = Reader::from_str(xml);
        let mut counts = BTreeMap::new();
        let mut values = Vec::new();
        loop {
            match r.read_event().expect("well-formed XML") {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    *counts.entry(name).or_insert(0) += 1;
                    for a in e.attributes() {
                        let a = a.expect("well-formed attribute");
                        values.push(a.unescape_value().expect("escaped attribute").into_owned());
                    }
                }
                Event::Text(t) => values.push(t.unescape().expect("escaped text").into_owned()),
                _ => {}
            }
        }
        (counts, values)
    }

    #[test]
    fn graphml_parses_back_with_counts_and_exact_strings() {
        let g = nasty();
        let xml = crate::to_string(&g, Format::Graphml).unwrap();
        let (counts, values) = parse(&xml);
        assert_eq!(counts["node"], 3);
        assert_eq!(counts["edge"], 1, "the edge to a missing node is left out");
        assert!(values.iter().any(|v| v == "<script>alert(1)</script>"));
        assert!(values.iter().any(|v| v == "school \"x\" & 'y'"));
        assert!(values.iter().any(|v| v == "一校一品\u{FFFD}"), "control characters replaced");
        assert!(values.iter().any(|v| v == "attr_type"), "attribute clashing with `type` renamed");
        assert!(!xml.contains("<script>"));
    }

    #[test]
    fn gexf_parses_back_with_counts_attributes_and_colours() {
        let g = nasty();
        let xml = crate::to_string(&g, Format::Gexf).unwrap();
        let (counts, values) = parse(&xml);
        assert_eq!(counts["node"], 3);
        assert_eq!(counts["edge"], 1);
        assert_eq!(counts["viz:color"], 3);
        assert_eq!(counts["attributes"], 2);
        assert!(values.iter().any(|v| v == "d1.txt; d&2.txt"));
        assert!(values.iter().any(|v| v == "rule:r<1>"));
        assert!(xml.contains(r#"<attribute id="3" title="mentions" type="integer"/>"#), "{xml}");
    }
}
