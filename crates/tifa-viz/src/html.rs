//! Cytoscape.js elements JSON, and one self-contained HTML page that draws
//! it with Cytoscape.js (vendored from npm, MIT licence in
//! `assets/cytoscape.LICENSE`), needing no network when opened.
//!
//! Escaping: the graph goes into the page only as JSON inside
//! `<script type="application/json">`, with `<`, `>`, `&`, U+2028 and U+2029
//! written as `\uXXXX` escapes, so no corpus string can close the element;
//! the page's script puts strings into the document with `textContent`
//! only. The page title is HTML-escaped.

use crate::style::style;
use crate::{VizError, VizGraph};
use serde_json::{json, Map, Value};
use std::io::Write;

/// Cytoscape.js 3.34.4, minified, from the npm package `cytoscape`.
pub const CYTOSCAPE_JS: &str = include_str!("../assets/cytoscape.min.js");
/// Its licence.
pub const CYTOSCAPE_LICENSE: &str = include_str!("../assets/cytoscape.LICENSE");
const TEMPLATE: &str = include_str!("../assets/view.html");
const APP_JS: &str = include_str!("../assets/view.js");
const APP_CSS: &str = include_str!("../assets/view.css");

/// Keys every node's `data` has, and keys Cytoscape.js reserves (`parent`
/// makes compound nodes, `source`/`target` edges): attributes with these
/// names get the prefix `attr_`.
const NODE_KEYS: &[&str] = &[
    "id",
    "label",
    "type",
    "mentions",
    "docs",
    "sentences",
    "degree",
    "parent",
    "source",
    "target",
];
const EDGE_KEYS: &[&str] = &["id", "source", "target", "label", "count", "docs", "parent"];

/// Options of the HTML page.
#[derive(Clone, Debug)]
pub struct HtmlOptions {
    /// The page title.
    pub title: String,
    /// Above this many nodes the page does not draw at once but offers
    /// the filters.
    pub max_drawn: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions { title: "tifa graph".into(), max_drawn: 3000 }
    }
}

/// The Cytoscape.js elements: `{"nodes": [{"data": …}], "edges": [...]}`.
/// Node attributes are flattened into `data`; `docs` and `sentences` are arrays.
pub fn elements(g: &VizGraph) -> Value {
    let degrees = g.degrees();
    let nodes: Vec<Value> = g
        .nodes
        .iter()
        .map(|n| {
            let mut d = Map::new();
            d.insert("id".into(), json!(n.id));
            d.insert("label".into(), json!(n.label));
            d.insert("type".into(), json!(n.kind));
            d.insert("mentions".into(), json!(n.mentions));
            d.insert("degree".into(), json!(degrees.get(n.id.as_str()).copied().unwrap_or(0)));
            d.insert("docs".into(), json!(n.docs));
            d.insert("sentences".into(), json!(n.sentences));
            for (k, v) in &n.attrs {
                let k =
                    if NODE_KEYS.contains(&k.as_str()) { format!("attr_{k}") } else { k.clone() };
                d.insert(k, json!(v));
            }
            json!({ "data": d })
        })
        .collect();
    let ids: std::collections::BTreeSet<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    let edges: Vec<Value> = g
        .edges
        .iter()
        .filter(|e| ids.contains(e.source.as_str()) && ids.contains(e.target.as_str()))
        .enumerate()
        .map(|(i, e)| {
            let mut d = Map::new();
            d.insert("id".into(), json!(format!("e{i}")));
            d.insert("source".into(), json!(e.source));
            d.insert("target".into(), json!(e.target));
            d.insert("label".into(), json!(e.label));
            d.insert("count".into(), json!(e.count));
            d.insert("docs".into(), json!(e.docs));
            for (k, v) in &e.attrs {
                let k =
                    if EDGE_KEYS.contains(&k.as_str()) { format!("attr_{k}") } else { k.clone() };
                d.insert(k, json!(v));
            }
            json!({ "data": d })
        })
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}

/// Writes the Cytoscape.js JSON: `{"elements": {"nodes": …, "edges": …}}`.
pub fn write_cytoscape(g: &VizGraph, out: &mut dyn Write) -> Result<(), VizError> {
    serde_json::to_writer_pretty(&mut *out, &json!({ "elements": elements(g) }))?;
    out.write_all(b"\n")?;
    Ok(())
}

/// JSON that can stand inside a `<script>` element: characters that could
/// end it or start markup are `\u` escapes (only ever inside JSON strings,
/// where the escapes mean the same characters).
pub fn script_safe_json(v: &Value) -> Result<String, VizError> {
    let s = serde_json::to_string(v)?;
    let mut out = String::with_capacity(s.len() + 64);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `s` as HTML text.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes the self-contained HTML page.
pub fn write_html(g: &VizGraph, opts: &HtmlOptions, out: &mut dyn Write) -> Result<(), VizError> {
    let styles: Map<String, Value> = g
        .types()
        .into_iter()
        .map(|t| {
            let s = style(t);
            (t.to_string(), json!({ "color": s.color, "shape": s.cy_shape }))
        })
        .collect();
    let data = json!({
        "title": opts.title,
        "limit": opts.max_drawn,
        "styles": styles,
        "elements": elements(g),
    });
    let data = script_safe_json(&data)?;
    let title = escape_html(&opts.title);
    // Fill the template's slots in order; filled-in text is never scanned
    // for slots again.
    let mut rest = TEMPLATE;
    for (slot, value) in [
        ("{{TITLE}}", title.as_str()),
        ("{{CSS}}", APP_CSS),
        ("{{TITLE}}", title.as_str()),
        ("{{DATA}}", data.as_str()),
        ("{{CYTOSCAPE}}", CYTOSCAPE_JS),
        ("{{APP}}", APP_JS),
    ] {
        let (before, after) = rest.split_once(slot).unwrap_or((rest, ""));
        out.write_all(before.as_bytes())?;
        out.write_all(value.as_bytes())?;
        rest = after;
    }
    out.write_all(rest.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, VizEdge, VizNode};

    #[test]
    fn vendored_scripts_cannot_close_their_element() {
        for (name, js) in [("cytoscape", CYTOSCAPE_JS), ("view", APP_JS)] {
            assert!(!js.to_ascii_lowercase().contains("</script"), "{name} contains </script");
            assert!(!js.contains("<!--"), "{name} contains <!--");
        }
        assert!(CYTOSCAPE_LICENSE.contains("Permission is hereby granted"));
        assert!(CYTOSCAPE_JS.starts_with("/**\n * Copyright (c) 2016-"), "licence header kept");
    }

    #[test]
    fn the_view_script_writes_no_markup() {
        for bad in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
            assert!(!APP_JS.contains(bad), "view.js uses {bad}");
        }
    }

    #[test]
    fn corpus_strings_are_escaped_in_the_page_and_survive_as_data() {
        let mut g = VizGraph::default();
        let evil = "<script>alert(1)</script>&</ScRiPt ><!--\u{2028}";
        let mut n = VizNode::new("Organization:x", evil, "Organization");
        n.sentences = vec![format!("句子{evil}")];
        n.attrs.insert("id".into(), "clash".into());
        n.attrs.insert("parent".into(), "济宁市".into());
        g.nodes.push(n);
        g.nodes.push(VizNode::new("p", "一校一品", "<b>Type</b>"));
        g.edges.push(VizEdge::new("Organization:x", "p", "runs"));
        let opts = HtmlOptions { title: "<i>t</i>".into(), ..Default::default() };
        let mut buf = Vec::new();
        write_html(&g, &opts, &mut buf).unwrap();
        let page = String::from_utf8(buf).unwrap();
        assert!(!page.contains("alert(1)</script>"), "raw corpus string in page");
        assert!(!page.to_ascii_lowercase().contains("</script >"));
        assert!(page.contains("<title>&lt;i&gt;t&lt;/i&gt;</title>"));
        assert_eq!(page.matches("<script").count(), 3, "data, library, view");
        // The data block parses back to exactly the graph's strings.
        let start = page.find("<script type=\"application/json\" id=\"tifa-data\">").unwrap();
        let body = &page[start..];
        let body = &body[body.find('>').unwrap() + 1..body.find("</script>").unwrap()];
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["elements"]["nodes"][0]["data"]["label"], evil);
        assert_eq!(v["elements"]["nodes"][0]["data"]["attr_id"], "clash");
        assert_eq!(v["elements"]["nodes"][0]["data"]["attr_parent"], "济宁市");
        assert!(v["elements"]["nodes"][0]["data"].get("parent").is_none());
        assert_eq!(v["elements"]["nodes"][0]["data"]["sentences"][0], format!("句子{evil}"));
        assert_eq!(v["styles"]["<b>Type</b>"]["shape"], "round-tag");
        assert_eq!(v["limit"], 3000);
    }

    #[test]
    fn cytoscape_json_has_the_elements_shape() {
        let mut g = VizGraph::default();
        g.nodes.push(VizNode::new("a", "甲", "Organization"));
        g.nodes.push(VizNode::new("b", "乙", "Program"));
        g.edges.push(VizEdge::new("a", "b", "runs"));
        g.edges.push(VizEdge::new("a", "zzz", "runs"));
        let v: Value =
            serde_json::from_str(&crate::to_string(&g, Format::Cytoscape).unwrap()).unwrap();
        assert_eq!(v["elements"]["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(v["elements"]["edges"].as_array().unwrap().len(), 1);
        assert_eq!(v["elements"]["edges"][0]["data"]["source"], "a");
        assert_eq!(v["elements"]["nodes"][0]["data"]["degree"], 1);
    }
}
