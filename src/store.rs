//! `tifa extract --store DIR` and `tifa extract --format nquads|...`: the
//! extraction of each document becomes its named graph, written as RDF or
//! loaded into the embedded store.

use crate::cli::Format;
use anyhow::{Context, Result};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use tifa_graph::store::BULK_THRESHOLD;
use tifa_graph::{
    doc_facts, graph_data, DocInput, Gazetteer, GraphData, GraphWriter, KgStore, LoadReport,
    StreamLoad,
};
use tifa_model::Extraction;
use tifa_rules::Pack;

/// The RDF format of an output format, if it is one.
pub fn rdf_format(f: Format) -> Option<tifa_graph::Format> {
    Some(match f {
        Format::Nquads => tifa_graph::Format::NQuads,
        Format::Ntriples => tifa_graph::Format::NTriples,
        Format::Turtle => tifa_graph::Format::Turtle,
        Format::Trig => tifa_graph::Format::TriG,
        Format::Jsonld => tifa_graph::Format::JsonLd,
        _ => return None,
    })
}

/// The gazetteer of the first loaded pack that has an `areas` lexicon.
pub fn gazetteer(packs: &[Pack]) -> Gazetteer {
    packs
        .iter()
        .find(|p| p.lexicons.contains_key("areas"))
        .map(|p| Gazetteer::from_lexicons(&p.lexicons))
        .unwrap_or_default()
}

/// Where documents' graphs go.
enum Target {
    /// Written as they come, in a dataset format (N-Quads, TriG, JSON-LD):
    /// documents in input order, each graph's quads sorted.
    Stream(GraphWriter<Box<dyn Write>>),
    /// Collected, then written in a triple format (N-Triples, Turtle),
    /// which merges the graphs: sorted, each triple once.
    Write(Vec<GraphData>, tifa_graph::Format, Box<dyn Write>),
    /// Loaded into a store as they come: past `BULK_THRESHOLD` new quads,
    /// batches of that size go to the bulk loader's own thread while
    /// extraction goes on. The batches being sorted (one per loader
    /// thread), one waiting and one filling are what a load holds in
    /// memory (2M quads in one batch took 2.5 GB of resident memory; with
    /// 200k batches a load peaks at about 830 MB).
    Store { store: KgStore, dir: PathBuf, load: Box<StreamLoad> },
}

/// One document's graph, with the gazetteer of the packs (see
/// [`gazetteer`]): made on the worker threads, then handed to
/// [`RdfSink::push`] in input order.
pub fn graph(gazetteer: &Gazetteer, name: &str, extraction: &Extraction, text: &str) -> GraphData {
    graph_data(&doc_facts(&DocInput { name, extraction, text: Some(text) }, gazetteer))
}

/// Sends documents' graphs to a store or an RDF file.
pub struct RdfSink {
    names: HashSet<String>,
    target: Target,
}

impl RdfSink {
    /// A sink writing RDF in `format` to `out`.
    pub fn for_output(format: tifa_graph::Format, out: Box<dyn Write>) -> Result<RdfSink> {
        let target = if format.is_dataset() {
            Target::Stream(GraphWriter::new(format, out).context("writing RDF")?)
        } else {
            Target::Write(Vec::new(), format, out)
        };
        Ok(RdfSink::new(target))
    }

    /// A sink loading the store in `dir` (created if missing).
    pub fn for_store(dir: &Path) -> Result<RdfSink> {
        let store =
            KgStore::open(dir).with_context(|| format!("opening the store {}", dir.display()))?;
        let load = Box::new(store.stream_load(BULK_THRESHOLD));
        Ok(RdfSink::new(Target::Store { store, dir: dir.to_path_buf(), load }))
    }

    fn new(target: Target) -> RdfSink {
        RdfSink { names: HashSet::new(), target }
    }

    /// Adds one document's graph (from [`graph`]).
    pub fn push(&mut self, name: &str, g: GraphData) -> Result<()> {
        if !self.names.insert(name.to_string()) {
            eprintln!(
                "tifa: warning: two documents are named `{name}`: their graphs are merged (name files uniquely)"
            );
        }
        match &mut self.target {
            Target::Stream(w) => w.write(&g.quads).context("writing RDF")?,
            Target::Write(graphs, ..) => graphs.push(g),
            Target::Store { dir, load, .. } => {
                load.add(g).with_context(|| format!("loading into {}", dir.display()))?
            }
        }
        Ok(())
    }

    /// Finishes loading the store (nothing for RDF output) and says what
    /// was loaded, for `tifa bench --store`.
    pub fn finish_load(self) -> Result<LoadReport> {
        Ok(match self.target {
            Target::Store { dir, load, .. } => {
                load.finish().with_context(|| format!("loading into {}", dir.display()))?
            }
            Target::Stream(_) | Target::Write(..) => LoadReport::default(),
        })
    }

    /// Ends the RDF output (giving the writer back in `out`) or finishes
    /// loading the store.
    pub fn finish(self, out: &mut Box<dyn Write>, quiet: bool) -> Result<()> {
        match self.target {
            Target::Store { store, dir, load } => {
                let report =
                    load.finish().with_context(|| format!("loading into {}", dir.display()))?;
                if !quiet {
                    eprintln!(
                        "tifa: store {}: {} new, {} replaced, {} unchanged document graph(s); {} quad(s) written{}; {} quad(s) in the store",
                        dir.display(),
                        report.added,
                        report.replaced,
                        report.unchanged,
                        report.quads_written,
                        if report.bulk { " (bulk loader)" } else { "" },
                        store.len()?,
                    );
                }
            }
            Target::Stream(w) => *out = w.finish().context("writing RDF")?,
            Target::Write(graphs, f, w) => {
                let quads: Vec<_> = graphs.into_iter().flat_map(|g| g.quads).collect();
                *out = tifa_graph::write_quads(&quads, f, w).context("writing RDF")?;
            }
        }
        Ok(())
    }
}
