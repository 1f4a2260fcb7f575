//! `tifa bench CORPUS`: extraction throughput on the user's own corpus.
//!
//! Runs the same streaming pipeline as `tifa extract` (documents read,
//! decoded and extracted in parallel chunks, results consumed in input
//! order) once with one thread and once with all threads, without writing
//! the output, and reports MB/s, MB per CPU second (meaningful on a shared
//! machine) and peak resident memory.
//!
//! Hook for the store (issue 3): [`run_pass`] hands every document's
//! `Extraction` to a consumer in input order; a store bulk loader plugs in
//! there to measure corpus → store end to end.

use crate::cli::BenchArgs;
use crate::input::{discover, Input};
use crate::packs;
use crate::Status;
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::io::Write;
use std::time::Instant;
use tifa_extract::{Engine, Extractor};
use tifa_model::Extraction;

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
    let packs = packs::load_all(&a.packs)?;
    let engine = if a.interpreter { Engine::Interpreter } else { Engine::Compiled };
    let ex = Extractor::with_engine(&packs, engine);
    let (inputs, errors) = discover(&a.paths, "-");
    for e in &errors {
        eprintln!("tifa: error: {e}");
    }
    if inputs.is_empty() {
        anyhow::bail!("no input documents");
    }
    let all = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(1)
    });
    let mut counts = vec![1];
    if all > 1 {
        counts.push(all);
    }
    let mut out = std::io::stdout().lock();
    for threads in counts {
        let pass = run_pass(&ex, &inputs, threads, &mut |_| {})?;
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
    writeln!(
        out,
        "store: not measured by this build (the store's bulk loader plugs into run_pass)"
    )?;
    Ok(if errors.is_empty() { Status::Found } else { Status::Error })
}

/// Extracts every input with `threads` workers, in chunks (memory holds
/// one chunk), handing each extraction to `sink` in input order.
fn run_pass(
    ex: &Extractor<'_>,
    inputs: &[Input],
    threads: usize,
    sink: &mut dyn FnMut(&Extraction),
) -> Result<Pass> {
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("starting threads")?;
    let started = Instant::now();
    let cpu0 = cpu_seconds();
    let mut pass = Pass { docs: 0, bytes: 0, mentions: 0, secs: 0.0, cpu: None };
    for group in inputs.chunks((threads * 16).max(16)) {
        let results: Vec<Option<(Extraction, usize)>> = pool.install(|| {
            group
                .par_iter()
                .map(|input| {
                    let bytes = input.read().ok()?;
                    let text = tifa_text::decode(&bytes).ok()?.text;
                    Some((ex.extract(&input.doc_name(), &text), bytes.len()))
                })
                .collect()
        });
        for (extraction, bytes) in results.into_iter().flatten() {
            pass.docs += 1;
            pass.bytes += bytes;
            pass.mentions += extraction.mentions.len();
            sink(&extraction);
        }
    }
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
