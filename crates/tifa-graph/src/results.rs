//! Writing query results: an aligned table for a terminal, or the W3C
//! result formats (CSV, TSV, SPARQL JSON, SPARQL XML) through sparesults.

use crate::rdf::PREFIXES;
use crate::store::QueryOutput;
use oxigraph::io::{JsonLdProfile, RdfFormat, RdfSerializer};
use oxigraph::model::{Term, Triple};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Output formats of `tifa query`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultsFormat {
    /// Aligned columns, prefixed IRIs, plain literal values.
    Table,
    /// SPARQL 1.1 CSV.
    Csv,
    /// SPARQL 1.1 TSV.
    Tsv,
    /// SPARQL 1.1 Query Results JSON.
    Json,
    /// SPARQL Query Results XML.
    Xml,
}

impl ResultsFormat {
    /// The W3C format (none for the table).
    pub fn w3c(self) -> Option<QueryResultsFormat> {
        match self {
            ResultsFormat::Table => None,
            ResultsFormat::Csv => Some(QueryResultsFormat::Csv),
            ResultsFormat::Tsv => Some(QueryResultsFormat::Tsv),
            ResultsFormat::Json => Some(QueryResultsFormat::Json),
            ResultsFormat::Xml => Some(QueryResultsFormat::Xml),
        }
    }

    /// The RDF format used for CONSTRUCT and DESCRIBE results.
    fn graph_format(self) -> RdfFormat {
        match self {
            ResultsFormat::Table => RdfFormat::Turtle,
            ResultsFormat::Csv | ResultsFormat::Tsv => RdfFormat::NTriples,
            ResultsFormat::Json => RdfFormat::JsonLd { profile: JsonLdProfile::Streaming.into() },
            ResultsFormat::Xml => RdfFormat::RdfXml,
        }
    }
}

/// Writes `output` in `format`.
pub fn write_results<W: Write>(
    output: &QueryOutput,
    format: ResultsFormat,
    mut out: W,
) -> std::io::Result<W> {
    match (output, format.w3c()) {
        (QueryOutput::Solutions { variables, rows }, None) => {
            let header: Vec<String> = variables.iter().map(|v| v.as_str().to_string()).collect();
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|t| t.as_ref().map(short).unwrap_or_default()).collect())
                .collect();
            write_table(&mut out, &header, &cells)?;
            Ok(out)
        }
        (QueryOutput::Solutions { variables, rows }, Some(f)) => {
            let mut ser = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(out, variables.clone())?;
            for row in rows {
                ser.serialize(
                    variables.iter().zip(row).filter_map(|(v, t)| t.as_ref().map(|t| (v, t))),
                )?;
            }
            ser.finish()
        }
        (QueryOutput::Boolean(b), None) => {
            writeln!(out, "{b}")?;
            Ok(out)
        }
        (QueryOutput::Boolean(b), Some(f)) => {
            QueryResultsSerializer::from_format(f).serialize_boolean_to_writer(out, *b)
        }
        (QueryOutput::Graph(triples), _) => write_triples(triples, format.graph_format(), out),
    }
}

fn write_triples<W: Write>(triples: &[Triple], format: RdfFormat, out: W) -> std::io::Result<W> {
    let mut ser = RdfSerializer::from_format(format);
    if format == RdfFormat::Turtle {
        for (p, ns) in PREFIXES {
            ser = ser.with_prefix(*p, *ns).map_err(std::io::Error::other)?;
        }
    }
    let mut w = ser.for_writer(out);
    for t in triples {
        w.serialize_triple(t)?;
    }
    w.finish()
}

/// A term for the table: literals by value, IRIs with a known prefix.
pub fn short(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => {
            let iri = n.as_str();
            PREFIXES
                .iter()
                .find_map(|(p, ns)| iri.strip_prefix(ns).map(|rest| format!("{p}:{rest}")))
                .unwrap_or_else(|| format!("<{iri}>"))
        }
        Term::Literal(l) => l.value().to_string(),
        other => other.to_string(),
    }
}

fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn write_table(
    out: &mut impl Write,
    header: &[String],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> =
        rows.iter().map(|r| r.iter().map(|c| clean(c)).collect()).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let line = |out: &mut dyn Write, cells: &[String]| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(w - c.width() + 2));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(out, header)?;
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    line(out, &rule[..])?;
    for r in &rows {
        line(out, &r[..])?;
    }
    writeln!(out, "({} row{})", rows.len(), if rows.len() == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNode, Variable};

    #[test]
    fn the_table_aligns_chinese_text() {
        let out = QueryOutput::Solutions {
            variables: vec![Variable::new_unchecked("area"), Variable::new_unchecked("n")],
            rows: vec![
                vec![
                    Some(NamedNode::new_unchecked(format!("{}area/370811", crate::iri::ID)).into()),
                    Some(Literal::from(3).into()),
                ],
                vec![Some(Literal::new_simple_literal("任城区").into()), None],
            ],
        };
        let text =
            String::from_utf8(write_results(&out, ResultsFormat::Table, Vec::new()).unwrap())
                .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("area{}n", " ".repeat(12)));
        assert_eq!(lines[2], "id:area/370811  3");
        assert_eq!(lines[3], "任城区");
        assert_eq!(lines[4], "(2 rows)");
        let csv = String::from_utf8(write_results(&out, ResultsFormat::Csv, Vec::new()).unwrap())
            .unwrap();
        assert_eq!(csv, "area,n\r\nhttps://w3id.org/tifa/id/area/370811,3\r\n任城区,\r\n");
    }
}
