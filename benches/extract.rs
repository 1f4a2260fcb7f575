//! Extraction throughput: `cargo bench --bench extract`.
//!
//! Builds a corpus of at least 50 MB (set `TIFA_BENCH_MB` to change it) by
//! repeating the texts of `examples/corpus/`, loads the default pack from
//! `rules/default`, and reports MB/s of extraction with one thread and
//! with all threads. A plain program rather than criterion: one pass over
//! 50 MB is already a long, stable measurement.

use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;
use tifa_extract::Extractor;
use tifa_rules::{Library, PackSource};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut lib = Library::default();
    lib.add_dir(&root.join("grammars")).expect("grammars/");
    let src = PackSource::from_dir(&root.join("rules/default")).expect("rules/default");
    let packs = vec![tifa_rules::load(&src, &lib).expect("default pack loads")];
    let ex = Extractor::new(&packs);
    let mut kinds = [0usize; 3];
    for (i, r) in packs[0].rules.iter().enumerate() {
        let k = match packs[0].compiled_exact(i) {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        };
        if r.lexicon.is_none() {
            kinds[k] += 1;
            eprintln!(
                "  rule {:<24} {}",
                r.id,
                ["exact regex", "regex filter + pest_vm", "pest_vm"][k]
            );
        }
    }
    println!(
        "rules: {} exact regex, {} regex filter + pest_vm, {} pest_vm only",
        kinds[0], kinds[1], kinds[2]
    );

    let mut seeds = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(root.join("examples/corpus"))
        .expect("examples/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for p in names {
        seeds.push(std::fs::read_to_string(&p).expect("utf-8 seed"));
    }
    let target_mb: usize =
        std::env::var("TIFA_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let mut docs = Vec::new();
    let mut bytes = 0;
    while bytes < target_mb * 1_000_000 {
        for s in &seeds {
            bytes += s.len();
            docs.push(s.as_str());
        }
    }
    println!(
        "corpus: {} documents, {:.1} MB (seed texts repeated)",
        docs.len(),
        bytes as f64 / 1e6
    );

    for threads in [1, rayon::current_num_threads()] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let start = Instant::now();
        let cpu0 = cpu_seconds();
        let mentions: usize = pool.install(|| {
            docs.par_iter()
                .enumerate()
                .map(|(i, d)| ex.extract(&i.to_string(), d).mentions.len())
                .sum()
        });
        let secs = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
        let per_cpu = cpu.map_or_else(String::new, |c| {
            format!(", {:.2} MB per CPU second", bytes as f64 / 1e6 / c.max(1e-9))
        });
        println!(
            "extract, {threads} thread(s): {:.2} MB/s{per_cpu} ({mentions} mentions in {secs:.1} s)",
            bytes as f64 / 1e6 / secs
        );
    }
}

/// CPU time (user + system) of this process so far, from /proc (Linux);
/// on a shared machine it shows the work done, whatever the load.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
