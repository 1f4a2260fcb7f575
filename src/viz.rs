//! `tifa viz`: a graph of the entities and relations in extraction output
//! (JSON Lines of `tifa extract`) or in text files extracted on the fly,
//! written as DOT, GraphML, GEXF, Cytoscape.js JSON or an HTML page.

use crate::cli::PackArgs;
use crate::input::{discover, Input};
use crate::packs;
use crate::Status;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use tifa_extract::Extractor;
use tifa_model::{Mention, Relation};
use tifa_viz::{select, GraphBuilder, VizGraph};

pub const EXAMPLES: &str = "\
Examples:
  tifa viz examples/corpus -o graph.html                # extract, then an HTML page
  tifa extract corpus/ > m.jsonl && tifa viz m.jsonl --texts corpus/ -o graph.html
  tifa viz m.jsonl --format dot | dot -Tsvg > graph.svg
  tifa viz m.jsonl --format gexf -o graph.gexf          # for Gephi
  tifa viz m.jsonl --format graphml --types Organization,Program
  tifa viz m.jsonl --format cytoscape --around 任城区 --depth 2
  tifa viz m.jsonl --min-degree 2 -o hubs.html

PATH is a store folder made by `tifa extract --store DIR`, a JSON Lines
file of `tifa extract` output (.jsonl, .ndjson, .json, or - for standard
input), or text files and folders to extract from.
  tifa extract corpus/ --store kg && tifa viz kg -o graph.html
  tifa viz kg --query pairs.rq --format dot   # SELECT ?a ?b: names of linked entities
Selections apply in this order: --types, --around, --min-degree.
Exit status: 0 if the graph has nodes, 1 if it is empty, 2 on an error.";

/// Output formats of `tifa viz`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum VizFormat {
    /// Graphviz DOT (render with `dot -Tsvg`).
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

#[derive(Debug, Args)]
pub struct VizArgs {
    /// Extraction output (JSON Lines) or text files and folders.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VizFormat::Html)]
    pub format: VizFormat,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep only these entity types (comma-separated).
    #[arg(long, value_name = "TYPE,..", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Keep only the neighbourhood of the entity called NAME.
    #[arg(long, value_name = "NAME")]
    pub around: Option<String>,
    /// How many links away from --around to go.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "around")]
    pub depth: usize,
    /// Keep only entities with at least N links.
    #[arg(long, value_name = "N")]
    pub min_degree: Option<usize>,
    /// Folders or files holding the documents of a JSON Lines input, for
    /// the sentences shown with each entity.
    #[arg(long, value_name = "DIR")]
    pub texts: Vec<PathBuf>,
    /// Title of the HTML page.
    #[arg(long, value_name = "TEXT", default_value = "tifa graph")]
    pub title: String,
    /// Above N nodes the HTML page offers filters instead of drawing.
    #[arg(long, value_name = "N", default_value_t = 3000)]
    pub max_drawn: usize,
    /// Keep only the links between the entity pairs this SPARQL SELECT
    /// returns (names in its first two columns); needs a store as PATH.
    #[arg(long, value_name = "FILE.rq")]
    pub query: Option<PathBuf>,
    /// Print no summary on standard error.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub packs: PackArgs,
}

fn is_jsonl(p: &Path) -> bool {
    p.as_os_str() == "-"
        || (p.is_file()
            && p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                matches!(x.to_ascii_lowercase().as_str(), "jsonl" | "ndjson" | "json")
            }))
}

/// One document's records from JSON Lines.
type Records = BTreeMap<String, (Vec<Mention>, Vec<Relation>)>;

/// Reads JSON Lines of mentions and relations; errors name file, line and column.
fn read_jsonl(name: &str, reader: impl Read, into: &mut Records) -> Result<()> {
    for (i, line) in BufReader::new(reader).lines().enumerate() {
        let line = line.with_context(|| format!("{name}:{}: cannot read the line", i + 1))?;
        let line = line.trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: serde_json::Error| {
            anyhow::anyhow!("{name}:{}:{}: not a mention or relation: {e}", i + 1, e.column())
        };
        // Parsed twice: once to see the type, once into the record, so
        // that every error has its column.
        let v: serde_json::Value = serde_json::from_str(line).map_err(at)?;
        if v.get("type").and_then(|t| t.as_str()) == Some("relation") {
            let r: Relation = serde_json::from_str(line).map_err(at)?;
            into.entry(r.doc.clone()).or_default().1.push(r);
        } else {
            let m: Mention = serde_json::from_str(line).map_err(at)?;
            into.entry(m.doc.clone()).or_default().0.push(m);
        }
    }
    Ok(())
}

/// Document name → its text, from the `--texts` folders.
fn texts(dirs: &[PathBuf], wanted: &Records) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if dirs.is_empty() {
        return Ok(out);
    }
    let (inputs, errors) = discover(dirs, "-");
    if let Some(e) = errors.first() {
        bail!("--texts: {e}");
    }
    for input in inputs {
        let name = input.doc_name();
        if !wanted.contains_key(&name) || out.contains_key(&name) {
            continue;
        }
        let bytes = input.read().with_context(|| format!("reading {}", input.shown()))?;
        if let Ok(d) = tifa_text::decode(&bytes) {
            out.insert(name, d.text);
        }
    }
    Ok(out)
}

fn build(a: &VizArgs) -> Result<VizGraph> {
    let mut builder = GraphBuilder::new();
    let (stores, rest): (Vec<PathBuf>, Vec<PathBuf>) =
        a.paths.iter().cloned().partition(|p| crate::viz_store::is_store(p));
    for dir in &stores {
        let store = crate::viz_store::open(dir)?;
        crate::viz_store::add_store(&store, &mut builder)?;
    }
    let (jsonl, text_paths): (Vec<PathBuf>, Vec<PathBuf>) =
        rest.into_iter().partition(|p| is_jsonl(p));
    if !jsonl.is_empty() {
        let mut records = Records::new();
        for p in &jsonl {
            if p.as_os_str() == "-" {
                read_jsonl("<stdin>", std::io::stdin().lock(), &mut records)?;
            } else {
                let f =
                    std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?;
                read_jsonl(&p.display().to_string(), f, &mut records)?;
            }
        }
        let texts = texts(&a.texts, &records)?;
        for (doc, (mentions, relations)) in &records {
            builder.add_document(doc, texts.get(doc).map(String::as_str), mentions, relations);
        }
    }
    if !text_paths.is_empty() {
        let packs = packs::load_all(&a.packs)?;
        let ex = Extractor::new(&packs);
        let (inputs, errors) = discover(&text_paths, "-");
        if let Some(e) = errors.first() {
            bail!("{e}");
        }
        for group in inputs.chunks(256) {
            type Done = std::result::Result<(String, String, tifa_model::Extraction), String>;
            let done: Vec<Result<Done>> = group
                .par_iter()
                .map(|input: &Input| {
                    let bytes =
                        input.read().with_context(|| format!("reading {}", input.shown()))?;
                    let decoded = match tifa_text::decode(&bytes) {
                        Ok(d) => d,
                        Err(e) => return Ok(Err(format!("{}: skipped: {e}", input.shown()))),
                    };
                    let name = input.doc_name();
                    let x = ex.extract(&name, &decoded.text);
                    Ok(Ok((name, decoded.text, x)))
                })
                .collect();
            for d in done {
                match d? {
                    Ok((name, text, x)) => {
                        builder.add_document(&name, Some(&text), &x.mentions, &x.relations)
                    }
                    Err(msg) if !a.quiet => eprintln!("tifa: warning: {msg}"),
                    Err(_) => {}
                }
            }
        }
    }
    Ok(builder.finish())
}

/// Runs `tifa viz`.
pub fn run(a: VizArgs) -> Result<Status> {
    let full = build(&a)?;
    let mut g = full.clone();
    if !a.types.is_empty() {
        let known = g.types().iter().map(|t| t.to_string()).collect::<Vec<_>>();
        for t in &a.types {
            if !known.contains(t) && !a.quiet {
                eprintln!("tifa: warning: no entity of type `{t}` (types: {})", known.join(", "));
            }
        }
        g = select::types(&g, &a.types);
    }
    if let Some(name) = &a.around {
        g = select::around(&g, name, a.depth)?;
    }
    if let Some(n) = a.min_degree {
        g = select::min_degree(&g, n);
    }
    if let Some(q) = &a.query {
        let Some(dir) = a.paths.iter().find(|p| crate::viz_store::is_store(p)) else {
            bail!("--query needs a store folder as PATH (made by `tifa extract --store DIR`)");
        };
        let sparql =
            std::fs::read_to_string(q).with_context(|| format!("reading {}", q.display()))?;
        let store = crate::viz_store::open(dir)?;
        let pairs = crate::viz_store::pairs(&store, &sparql)
            .with_context(|| format!("running {}", q.display()))?;
        g = select::pairs(&g, &pairs);
    }
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    match a.format {
        VizFormat::Html => {
            let opts =
                tifa_viz::html::HtmlOptions { title: a.title.clone(), max_drawn: a.max_drawn };
            tifa_viz::html::write_html(&g, &opts, &mut out)?;
        }
        f => {
            let format = match f {
                VizFormat::Dot => tifa_viz::Format::Dot,
                VizFormat::Graphml => tifa_viz::Format::Graphml,
                VizFormat::Gexf => tifa_viz::Format::Gexf,
                _ => tifa_viz::Format::Cytoscape,
            };
            tifa_viz::write(&g, format, &mut out)?;
        }
    }
    out.flush().context("writing output")?;
    if !a.quiet {
        eprintln!(
            "tifa: graph of {} node(s), {} edge(s) (of {} and {})",
            g.nodes.len(),
            g.edges.len(),
            full.nodes.len(),
            full.edges.len()
        );
    }
    Ok(if g.nodes.is_empty() { Status::Nothing } else { Status::Found })
}
