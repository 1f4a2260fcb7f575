//! `tifa bench CORPUS`: extraction throughput on the user's own corpus.
//!
//! Runs the same streaming pipeline as `tifa extract` (documents read,
//! decoded and extracted in parallel chunks, results consumed in input
//! order) once with one thread and once with all threads, without writing
//! the output, and reports MB/s, MB per CPU second (meaningful on a shared
//! machine) and peak resident memory.
//!
//! With `--store DIR`, a third pass (all threads) loads every document's
//! graph into a new store in DIR through the same sink as `tifa extract
//! --store`, and reports quads per second and corpus → store MB/s end to
//! end (reading, extraction, graph building, loading and the final flush).

use crate::cli::BenchArgs;
use crate::commands::{process, DocResult};
use crate::input::{discover, Input};
use crate::packs;
use crate::Status;
use anyhow::{Context, Result};
use std::io::Write;
use std::time::Instant;
use tifa_extract::{Engine, Extractor};
use tifa_graph::{Gazetteer, GraphData};

/// What one pass measured.
struct Pass {
    docs: usize,
    bytes: usize,
    mentions: usize,
    secs: f64,
    cpu: Option<f64>,
}

/// Runs `tifa bench`.
pub fn bench(a: BenchArgs) -> Result<Status> {
    let loading = Instant::now();
    let packs = packs::load_all(&a.packs)?;
    let engine = if a.interpreter { Engine::Interpreter } else { Engine::Compiled };
    let ex = Extractor::with_engine(&packs, engine);
    let loading = loading.elapsed().as_secs_f64();
    let (inputs, errors) = discover(&a.paths, "-");
    for e in &errors {
        eprintln!("tifa: error: {e}");
    }
    if inputs.is_empty() {
        anyhow::bail!("no input documents");
    }
    if let Some(dir) = &a.store {
        let used = std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(false);
        if used {
            anyhow::bail!(
                "--store {}: the folder is not empty (bench measures loading into a new store)",
                dir.display()
            );
        }
    }
    let all = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(1)
    });
    let mut counts = vec![1];
    if all > 1 {
        counts.push(all);
    }
    let mut out = std::io::stdout().lock();
    // Paid once per run (a run on a few files is mostly this).
    writeln!(out, "load rule packs: {loading:.3} s (once per run, not in the MB/s below)")?;
    for threads in counts {
        let pass = run_pass(&ex, &inputs, threads, None, &mut |_, _| {})?;
        let mb = pass.bytes as f64 / 1e6;
        let cpu = pass
            .cpu
            .map_or_else(String::new, |c| format!(", {:.2} MB per CPU second", mb / c.max(1e-9)));
        writeln!(
            out,
            "extract, {threads} thread(s): {:.2} MB/s{cpu} ({} documents, {mb:.1} MB, {} mentions, {:.2} s)",
            mb / pass.secs.max(1e-9),
            pass.docs,
            pass.mentions,
            pass.secs
        )?;
    }
    match peak_rss_kb() {
        Some(kb) => writeln!(out, "peak resident memory: {:.1} MB", kb as f64 / 1e3)?,
        None => writeln!(out, "peak resident memory: unknown (no /proc/self/status)")?,
    }
    match &a.store {
        Some(dir) => {
            let started = Instant::now();
            let (pass, quads) = store_pass(&ex, &packs, &inputs, all, dir)?;
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            let mb = pass.bytes as f64 / 1e6;
            writeln!(
                out,
                "store, {all} thread(s): {:.0} quads/s, corpus to store {:.2} MB/s end to end ({quads} quads, {mb:.1} MB, {secs:.2} s)",
                quads as f64 / secs,
                mb / secs,
            )?;
            if let Some(kb) = peak_rss_kb() {
                writeln!(out, "peak resident memory with the store: {:.1} MB", kb as f64 / 1e3)?;
            }
        }
        None => writeln!(
            out,
            "store: not measured (add --store DIR to load the corpus into a new store)"
        )?,
    }
    Ok(if errors.is_empty() { Status::Found } else { Status::Error })
}

/// Loads the corpus into a new store in `dir`; the pass and the quads written.
fn store_pass(
    ex: &Extractor<'_>,
    packs: &[tifa_rules::Pack],
    inputs: &[Input],
    threads: usize,
    dir: &std::path::Path,
) -> Result<(Pass, usize)> {
    let mut sink = crate::store::RdfSink::for_store(dir)?;
    let gazetteer = crate::store::gazetteer(packs);
    let mut failed = None;
    let pass = run_pass(ex, inputs, threads, Some(&gazetteer), &mut |name, graph| {
        if failed.is_none() {
            failed = graph.and_then(|g| sink.push(name, g).err());
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let report = sink.finish_load()?;
    Ok((pass, report.quads_written))
}

/// Extracts every input with `threads` workers, in chunks (memory holds
/// one chunk), handing each document's name to `sink` in input order, with
/// its RDF graph when `graphs` is given (made by the workers).
fn run_pass(
    ex: &Extractor<'_>,
    inputs: &[Input],
    threads: usize,
    graphs: Option<&Gazetteer>,
    sink: &mut dyn FnMut(&str, Option<GraphData>),
) -> Result<Pass> {
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("starting threads")?;
    let started = Instant::now();
    let cpu0 = cpu_seconds();
    let mut pass = Pass { docs: 0, bytes: 0, mentions: 0, secs: 0.0, cpu: None };
    let chunk = threads * crate::pipeline::PER_THREAD;
    crate::pipeline::ordered(
        &pool,
        inputs,
        chunk,
        |input| process(ex, input, graphs),
        DocResult::bytes,
        |r| -> Result<()> {
            // Unreadable inputs do not count; `tifa extract` reports them.
            if let DocResult::Done { extraction, bytes, doc, graph, .. } = r {
                pass.docs += 1;
                pass.bytes += bytes;
                pass.mentions += extraction.mentions.len();
                sink(&doc, graph);
            }
            Ok(())
        },
    )?;
    pass.secs = started.elapsed().as_secs_f64();
    pass.cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    Ok(pass)
}

/// CPU time (user + system) of this process, from /proc/self/stat.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Peak resident set size in kB (VmHWM of /proc/self/status).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
