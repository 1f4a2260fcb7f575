//! Extraction throughput of the default pack on a folder of UTF-8 texts,
//! one thread, without decoding, output or the store: the number to look
//! at when profiling the matcher (`perf record` this example).
//!
//!     cargo run --release -p tifa-extract --example throughput -- CORPUS [ROUNDS]

// The allocator of the `tifa` binary, so that the numbers agree.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::time::Instant;
use tifa_extract::Extractor;
use tifa_rules::{Library, PackSource};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: throughput CORPUS [ROUNDS]");
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut lib = Library::default();
    lib.add_dir(&root.join("grammars")).expect("grammars/");
    let src = PackSource::from_dir(&root.join("rules/default")).expect("rules/default");
    let packs = vec![tifa_rules::load(&src, &lib).expect("default pack loads")];
    let ex = Extractor::new(&packs);
    let mut docs: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((p.file_name()?.to_string_lossy().into_owned(), text))
        })
        .collect();
    docs.sort();
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum::<usize>() * rounds;
    let t = Instant::now();
    let mut mentions = 0;
    for _ in 0..rounds {
        for (name, text) in &docs {
            mentions += ex.extract(name, text).mentions.len();
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{:.1} MB in {s:.2} s: {:.2} MB/s, {mentions} mentions",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / s
    );
}
