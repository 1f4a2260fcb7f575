//! The embedded SPARQL store (oxigraph on RocksDB, or in memory).
//!
//! Loading is per document graph and idempotent: a graph whose quads are
//! already stored is left alone, a changed one is cleared and rewritten in
//! one transaction, new graphs are added (through oxigraph's bulk loader
//! when the load is large).

use crate::error::Error;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphNameRef, NamedNode, Quad, Term, Triple, Variable};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// One document's quads, all in the named graph `graph`.
#[derive(Clone, Debug)]
pub struct GraphData {
    /// The graph name (the document's IRI).
    pub graph: NamedNode,
    /// Its quads, each once (every quad's graph is `graph`).
    pub quads: Vec<Quad>,
}

/// What a load did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Graphs that were new.
    pub added: usize,
    /// Graphs that existed with other content and were replaced.
    pub replaced: usize,
    /// Graphs that were already stored as they are.
    pub unchanged: usize,
    /// Quads written.
    pub quads_written: usize,
    /// Whether the bulk loader was used.
    pub bulk: bool,
}

/// Above this many new quads, a load goes through the bulk loader.
pub const BULK_THRESHOLD: usize = 200_000;

/// A streamed load commits after this many batches.
const COMMIT_BATCHES: usize = 8;

/// At the end of a load, new quads up to this share of the bulk threshold
/// are written in one transaction; more go to the bulk loader.
const SMALL_SHARE: usize = 20;

/// A SPARQL store.
pub struct KgStore {
    store: Store,
}

/// Query results, read in full.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryOutput {
    /// SELECT: variables and rows (unbound values are `None`).
    Solutions {
        /// Column names.
        variables: Vec<Variable>,
        /// Rows.
        rows: Vec<Vec<Option<Term>>>,
    },
    /// ASK.
    Boolean(bool),
    /// CONSTRUCT or DESCRIBE.
    Graph(Vec<Triple>),
}

impl QueryOutput {
    /// Whether the answer is empty (no rows, `false`, no triples).
    pub fn is_empty(&self) -> bool {
        match self {
            QueryOutput::Solutions { rows, .. } => rows.is_empty(),
            QueryOutput::Boolean(b) => !b,
            QueryOutput::Graph(t) => t.is_empty(),
        }
    }
}

impl KgStore {
    /// Opens the store in `dir`, creating it if missing.
    pub fn open(dir: &Path) -> Result<KgStore, Error> {
        let store =
            Store::open(dir).map_err(|e| Error::Store(format!("{}: {e}", dir.display())))?;
        Ok(KgStore { store })
    }

    /// Opens an existing store for reading only.
    pub fn open_read_only(dir: &Path) -> Result<KgStore, Error> {
        if !dir.is_dir() {
            return Err(Error::Store(format!("{}: no such store folder", dir.display())));
        }
        let store = Store::open_read_only(dir)
            .map_err(|e| Error::Store(format!("{}: {e}", dir.display())))?;
        Ok(KgStore { store })
    }

    /// A new, empty store in memory.
    pub fn in_memory() -> Result<KgStore, Error> {
        Ok(KgStore { store: Store::new().map_err(store_err)? })
    }

    /// Loads an RDF file into the store; the format comes from the
    /// extension (`.nq`, `.nt`, `.ttl`, `.trig`, `.jsonld`, `.rdf`).
    pub fn load_file(&self, path: &Path) -> Result<(), Error> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        let format = RdfFormat::from_extension(ext).ok_or_else(|| {
            Error::Rdf(format!(
                "{}: unknown RDF file extension `{ext}` (use .nq, .nt, .ttl, .trig, .jsonld or .rdf)",
                path.display()
            ))
        })?;
        let file =
            std::fs::File::open(path).map_err(|e| Error::Io(path.display().to_string(), e))?;
        self.store
            .load_from_reader(RdfParser::from_format(format), std::io::BufReader::new(file))
            .map_err(|e| Error::Rdf(format!("{}: {e}", path.display())))
    }

    /// Number of quads.
    pub fn len(&self) -> Result<usize, Error> {
        self.store.len().map_err(store_err)
    }

    /// Whether the store holds no quad.
    pub fn is_empty(&self) -> Result<bool, Error> {
        self.store.is_empty().map_err(store_err)
    }

    /// The quads of one named graph, as N-Quads lines, sorted.
    pub fn graph_nquads(&self, graph: &NamedNode) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for q in self.store.quads_for_pattern(None, None, None, Some(graph.as_ref().into())) {
            out.push(q.map_err(store_err)?.to_string());
        }
        out.sort();
        Ok(out)
    }

    /// Every quad, as N-Quads lines, sorted.
    pub fn all_nquads(&self) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for q in self.store.iter() {
            out.push(q.map_err(store_err)?.to_string());
        }
        out.sort();
        Ok(out)
    }

    /// Names of the named graphs, sorted.
    pub fn graphs(&self) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for g in self.store.named_graphs() {
            out.push(g.map_err(store_err)?.to_string());
        }
        out.sort();
        Ok(out)
    }

    /// Loads documents' graphs: unchanged graphs are skipped, changed ones
    /// replaced, new ones added (with the bulk loader above a twentieth of
    /// `bulk_threshold` new quads). Documents of one name share a graph:
    /// the union of their quads.
    pub fn load(&self, docs: Vec<GraphData>, bulk_threshold: usize) -> Result<LoadReport, Error> {
        let mut load = self.stream_load(bulk_threshold);
        for d in docs {
            load.add(d)?;
        }
        load.finish()
    }

    /// A load that takes documents one at a time, for corpora too large to
    /// hold: once more than `bulk_threshold` new quads are waiting, they go
    /// to oxigraph's bulk loader on a thread of its own, in batches of that
    /// size, while the caller goes on (extracting the next documents); at
    /// the end, a remainder of more than a twentieth of `bulk_threshold`
    /// goes there too. Nothing is visible in the store before
    /// [`StreamLoad::finish`].
    pub fn stream_load(&self, bulk_threshold: usize) -> StreamLoad {
        StreamLoad {
            // Into an empty store every graph is new: no need to look.
            was_empty: self.store.is_empty().unwrap_or(false),
            store: self.store.clone(),
            threshold: bulk_threshold,
            pending: Vec::new(),
            seen: HashMap::new(),
            loader: None,
            report: LoadReport::default(),
        }
    }

    /// Runs a SPARQL query. The default graph is the union of all graphs
    /// (unless the query names its dataset with FROM). With a timeout, a
    /// query still running after it stops with [`Error::Timeout`].
    pub fn query(&self, sparql: &str, timeout: Option<Duration>) -> Result<QueryOutput, Error> {
        let token = CancellationToken::new();
        let mut prepared = SparqlEvaluator::new()
            .with_cancellation_token(token.clone())
            .parse_query(sparql)
            .map_err(|e| Error::Syntax(e.to_string()))?;
        if prepared.dataset().is_default_dataset() {
            prepared.dataset_mut().set_default_graph_as_union();
        }
        // A watchdog cancels the query when the time is up; dropping
        // `_done` stops it early.
        let (_done, stop) = mpsc::channel::<()>();
        if let Some(t) = timeout {
            let token = token.clone();
            std::thread::spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(t) {
                    token.cancel();
                }
            });
        }
        let eval = |e: QueryEvaluationError| match e {
            QueryEvaluationError::Cancelled => Error::Timeout(timeout.unwrap_or_default()),
            e => Error::Query(e.to_string()),
        };
        match prepared.on_store(&self.store).execute().map_err(eval)? {
            QueryResults::Solutions(solutions) => {
                let variables = solutions.variables().to_vec();
                let mut rows = Vec::new();
                for s in solutions {
                    let s = s.map_err(eval)?;
                    rows.push(variables.iter().map(|v| s.get(v).cloned()).collect());
                }
                Ok(QueryOutput::Solutions { variables, rows })
            }
            QueryResults::Boolean(b) => Ok(QueryOutput::Boolean(b)),
            QueryResults::Graph(triples) => {
                let mut out = Vec::new();
                for t in triples {
                    out.push(t.map_err(eval)?);
                }
                Ok(QueryOutput::Graph(out))
            }
        }
    }
}

/// The bulk loader's thread and the channel that feeds it batches.
type Loader = (mpsc::SyncSender<Vec<Quad>>, JoinHandle<Result<(), Error>>);

/// A load in progress ([`KgStore::stream_load`]).
pub struct StreamLoad {
    /// The store (a handle: oxigraph's `Store` is shared).
    store: Store,
    threshold: usize,
    /// The store was empty when the load began.
    was_empty: bool,
    /// New quads not yet handed to the bulk loader.
    pending: Vec<Quad>,
    /// Graphs this load has written, and whether they went to the bulk
    /// loader (a later document of the same name joins them).
    seen: HashMap<NamedNode, bool>,
    /// The bulk loader's thread, once started: batches go in, the commit
    /// comes out.
    loader: Option<Loader>,
    report: LoadReport,
}

impl StreamLoad {
    /// Adds one document's graph.
    pub fn add(&mut self, doc: GraphData) -> Result<(), Error> {
        let store = &self.store;
        let g: GraphNameRef<'_> = doc.graph.as_ref().into();
        match self.seen.get(&doc.graph) {
            Some(true) => {
                self.report.quads_written += doc.quads.len();
                self.pending.extend(doc.quads);
            }
            Some(false) => {
                self.report.quads_written += doc.quads.len();
                let mut tx = store.start_transaction().map_err(store_err)?;
                tx.extend(doc.quads.iter());
                tx.commit().map_err(store_err)?;
            }
            None => {
                let mut stored: HashSet<Quad> = HashSet::new();
                if !self.was_empty {
                    for q in store.quads_for_pattern(None, None, None, Some(g)) {
                        stored.insert(q.map_err(store_err)?);
                    }
                }
                let fresh = stored.is_empty();
                if fresh {
                    // A document's quads are distinct (`GraphData`): no
                    // set is built to count them.
                    self.report.added += 1;
                    self.report.quads_written += doc.quads.len();
                } else {
                    let new: HashSet<&Quad> = doc.quads.iter().collect();
                    if stored.len() == new.len() && new.iter().all(|q| stored.contains(*q)) {
                        self.report.unchanged += 1;
                    } else {
                        self.report.replaced += 1;
                        self.report.quads_written += new.len();
                        let mut tx = store.start_transaction().map_err(store_err)?;
                        tx.clear_graph(g).map_err(store_err)?;
                        tx.extend(new);
                        tx.commit().map_err(store_err)?;
                    }
                }
                self.seen.insert(doc.graph, fresh);
                if fresh {
                    self.pending.extend(doc.quads);
                }
            }
        }
        if self.pending.len() > self.threshold {
            self.send()?;
        }
        Ok(())
    }

    /// Hands the pending quads to the bulk loader's thread (started on
    /// first use).
    fn send(&mut self) -> Result<(), Error> {
        let batch = std::mem::take(&mut self.pending);
        let (tx, _) = self.loader.get_or_insert_with(|| {
            let store = self.store.clone();
            // One batch waits while the loader works on another.
            let (tx, rx) = mpsc::sync_channel::<Vec<Quad>>(1);
            let thread = std::thread::spawn(move || {
                // Batches sort on up to four threads (each holds one
                // batch in memory).
                let threads = loader_threads();
                let mut loader = store.bulk_loader().with_num_threads(threads);
                for (i, batch) in rx.into_iter().enumerate() {
                    loader.load_quads(batch).map_err(store_err)?;
                    // Ingesting every batch's files at the very end makes
                    // RocksDB open them all at once: commit now and then.
                    if (i + 1) % COMMIT_BATCHES == 0 {
                        loader.commit().map_err(store_err)?;
                        loader = store.bulk_loader().with_num_threads(threads);
                    }
                }
                loader.commit().map_err(store_err)
            });
            (tx, thread)
        });
        if tx.send(batch).is_err() {
            // The loader stopped: its error says why.
            self.stop_loader()?;
            return Err(Error::Store("the bulk loader stopped".into()));
        }
        Ok(())
    }

    /// Closes the loader's channel and waits for its thread, which
    /// commits what it was handed; its error, if any.
    fn stop_loader(&mut self) -> Result<(), Error> {
        match self.loader.take() {
            Some((tx, thread)) => {
                drop(tx);
                thread.join().map_err(|_| Error::Store("the bulk loader panicked".into()))?
            }
            None => Ok(()),
        }
    }

    /// Writes what is pending, waits for the bulk loader and says what the
    /// load did.
    pub fn finish(mut self) -> Result<LoadReport, Error> {
        // A transaction indexes every write in memory before the commit:
        // measured five times slower per quad than the bulk loader. Only a
        // small remainder (a twentieth of a batch) is written that way.
        let tail = self.pending.len();
        if self.loader.is_some() || tail > self.threshold / SMALL_SHARE {
            // The last batch is cut in one piece per thread the loader
            // sorts on, so that they sort at once rather than one after
            // the other.
            let pieces = loader_threads();
            let size = tail.div_ceil(pieces).max(self.threshold / SMALL_SHARE);
            while self.pending.len() > size {
                let rest = self.pending.split_off(size);
                self.send()?;
                self.pending = rest;
            }
            if !self.pending.is_empty() {
                self.send()?;
            }
            self.stop_loader()?;
            self.report.bulk = true;
        } else if tail > 0 {
            let mut tx = self.store.start_transaction().map_err(store_err)?;
            tx.extend(self.pending.iter());
            tx.commit().map_err(store_err)?;
        }
        self.store.flush().map_err(store_err)?;
        Ok(std::mem::take(&mut self.report))
    }
}

impl Drop for StreamLoad {
    /// A load dropped without [`StreamLoad::finish`] (an error elsewhere)
    /// still waits for the loader's thread: what was handed over is
    /// committed whole, never cut off by the process ending.
    fn drop(&mut self) {
        let _ = self.stop_loader();
    }
}

/// How many batches the bulk loader sorts at once (each on its own thread,
/// each held in memory): the machine's cores, at most four.
fn loader_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(4))
}

fn store_err(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}
