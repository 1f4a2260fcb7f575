//! The subcommands.

use crate::cli::{Cli, Command, ExplainArgs, ExtractArgs, Format, PackArgs, RulesCommand};
use crate::input::{discover, Input};
use crate::packs;
use crate::Status;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;
use tifa_extract::{Extractor, Outcome};
use tifa_graph::{Gazetteer, GraphData};
use tifa_model::{Extraction, Severity};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<Status> {
    match cli.command {
        Command::Extract(a) => extract(a),
        Command::Explain(a) => explain(a),
        Command::Rules(RulesCommand::List { packs }) => rules_list(&packs),
        Command::Rules(RulesCommand::Check { dirs, grammars, allow_warnings }) => {
            rules_check(&dirs, &grammars, allow_warnings)
        }
        Command::Rules(RulesCommand::Test { dirs, grammars }) => rules_test(&dirs, &grammars),
        Command::Viz(a) => crate::viz::run(a),
        Command::Rules(RulesCommand::Coverage(a)) => crate::coverage::run(a),
        Command::Rules(RulesCommand::Diff(a)) => crate::diff::run(a),
        Command::Rules(RulesCommand::New { name }) => crate::scaffold::new_pack(&name),
        Command::Rules(RulesCommand::Schema) => crate::scaffold::schema(),
        Command::Eval(a) => eval(a),
        Command::Bench(a) => crate::bench::bench(a),
        Command::Query(a) => crate::query::run(a),
    }
}

/// Whether PATH holds predictions (JSON Lines) rather than texts.
fn is_predictions(path: &std::path::Path) -> bool {
    let jsonl = |p: &std::path::Path| p.extension().is_some_and(|x| x == "jsonl");
    if path.is_dir() {
        std::fs::read_dir(path)
            .map(|rd| rd.filter_map(|e| e.ok()).any(|e| jsonl(&e.path())))
            .unwrap_or(false)
    } else {
        jsonl(path)
    }
}

fn eval(a: crate::cli::EvalArgs) -> Result<Status> {
    let gold = tifa_eval::Data::load(&a.gold)?;
    let pred = if is_predictions(&a.pred) {
        tifa_eval::Data::load(&a.pred)?
    } else {
        let packs = packs::load_all(&a.packs)?;
        let ex = Extractor::new(&packs);
        let (inputs, errors) = discover(std::slice::from_ref(&a.pred), "-");
        if let Some(e) = errors.first() {
            anyhow::bail!("{e}");
        }
        let results: Vec<DocResult> = inputs.par_iter().map(|i| process(&ex, i, None)).collect();
        let mut lines = Vec::new();
        for r in results {
            match r {
                DocResult::Done { extraction, .. } => {
                    write_doc(&mut lines, Format::Jsonl, &extraction)?
                }
                DocResult::Skipped(m) | DocResult::Failed(m) => eprintln!("tifa: warning: {m}"),
            }
        }
        let text = String::from_utf8(lines).context("predictions are not UTF-8")?;
        tifa_eval::Data::parse_str(&a.pred.display().to_string(), &text)?
    };
    let docs: std::collections::BTreeSet<String> = a.docs.iter().cloned().collect();
    let s = tifa_eval::score(&gold, &pred, (!docs.is_empty()).then_some(&docs));
    let mut out = writer(&None)?;
    if a.json {
        serde_json::to_writer_pretty(&mut out, &s)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", tifa_eval::table(&s))?;
        writeln!(out)?;
        write!(out, "{}", tifa_eval::rule_table(&s))?;
        if !a.summary {
            for (title, items) in [
                ("false positives", &s.false_positives),
                ("misses", &s.misses),
                ("field disagreements", &s.field_errors),
            ] {
                writeln!(out, "\n{title} ({}):", items.len())?;
                for i in items.iter() {
                    let mark = if i.lenient { "~" } else { " " };
                    let rule =
                        if i.rule.is_empty() { String::new() } else { format!("  [{}]", i.rule) };
                    writeln!(out, "{mark} {}\t{}\t{}{rule}", i.doc, i.kind, i.text)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(Status::Found)
}

/// What happened to one input.
pub(crate) enum DocResult {
    Done {
        extraction: Extraction,
        bytes: usize,
        doc: String,
        note: Option<String>,
        /// The document's RDF graph, when the run writes RDF or loads a
        /// store (made on the worker, not the thread that writes).
        graph: Option<GraphData>,
    },
    Skipped(String),
    Failed(String),
}

impl DocResult {
    /// The input bytes behind a result (0 for a file not read).
    pub(crate) fn bytes(&self) -> usize {
        match self {
            DocResult::Done { bytes, .. } => *bytes,
            DocResult::Skipped(_) | DocResult::Failed(_) => 0,
        }
    }
}

/// Reads, decodes and extracts one input (`extract` and `bench` alike);
/// with `graphs`, also makes its RDF graph.
pub(crate) fn process(ex: &Extractor<'_>, input: &Input, graphs: Option<&Gazetteer>) -> DocResult {
    // Each worker thread reads into one buffer of its own: a new one per
    // file cost page faults (the allocator returns freed pages to the
    // system). One that grew past a few MB for a long file is let go.
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        let r = process_bytes(ex, input, buf, graphs);
        if buf.capacity() > 4 << 20 {
            *buf = Vec::new();
        }
        r
    })
}

fn process_bytes(
    ex: &Extractor<'_>,
    input: &Input,
    bytes: &mut Vec<u8>,
    graphs: Option<&Gazetteer>,
) -> DocResult {
    if let Err(e) = input.read_into(bytes) {
        return DocResult::Failed(format!("{}: cannot read: {e}", input.shown()));
    }
    match tifa_text::decode(bytes) {
        Ok(decoded) => {
            let doc = input.doc_name();
            let extraction = ex.extract(&doc, &decoded.text);
            let note = (decoded.replaced > 0).then(|| {
                format!(
                    "{}: read as {} with {} broken byte sequence(s) replaced by U+FFFD",
                    input.shown(),
                    decoded.encoding,
                    decoded.replaced
                )
            });
            let graph = graphs.map(|g| crate::store::graph(g, &doc, &extraction, &decoded.text));
            DocResult::Done { extraction, bytes: bytes.len(), doc, note, graph }
        }
        Err(e) => DocResult::Skipped(format!("{}: skipped: {e}", input.shown())),
    }
}

fn writer(path: &Option<PathBuf>) -> Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

fn write_doc(out: &mut dyn Write, format: Format, ex: &Extraction) -> std::io::Result<()> {
    match format {
        Format::Jsonl => {
            for m in &ex.mentions {
                serde_json::to_writer(&mut *out, m)?;
                out.write_all(b"\n")?;
            }
            for r in &ex.relations {
                serde_json::to_writer(&mut *out, r)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Nquads | Format::Ntriples | Format::Turtle | Format::Trig | Format::Jsonld => {}
        Format::Tsv => {
            for m in &ex.mentions {
                let fields = serde_json::to_string(&m.fields).unwrap_or_default();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    m.doc,
                    m.kind,
                    tsv(&m.text),
                    m.start,
                    m.end,
                    m.rule,
                    tsv(&fields)
                )?;
            }
        }
    }
    Ok(())
}

fn tsv(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn extract(a: ExtractArgs) -> Result<Status> {
    let packs = packs::load_all(&a.packs)?;
    for p in &packs {
        for w in &p.warnings {
            if w.severity > Severity::Note && !a.quiet && !w.message.contains("has no examples") {
                eprintln!("{w}");
            }
        }
    }
    let ex = Extractor::new(&packs);
    let (inputs, mut errors) = discover(&a.paths, &a.doc_name);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;

    // Documents go to the store or an RDF writer (which holds them all only
    // for the triple formats), or are printed as JSON Lines or TSV.
    let mut out: Box<dyn Write> =
        if a.store.is_some() { Box::new(std::io::sink()) } else { writer(&a.output)? };
    let mut sink = match (&a.store, crate::store::rdf_format(a.format)) {
        (Some(dir), _) => Some(crate::store::RdfSink::for_store(dir)?),
        (None, Some(f)) => {
            let w = std::mem::replace(&mut out, Box::new(std::io::sink()));
            Some(crate::store::RdfSink::for_output(f, w)?)
        }
        (None, None) => None,
    };
    // Graphs are made on the workers, with the packs' gazetteer.
    let gazetteer = sink.as_ref().map(|_| crate::store::gazetteer(&packs));
    if a.format == Format::Tsv {
        writeln!(out, "doc\ttype\ttext\tstart\tend\trule\tfields")?;
    }
    let show_progress = !a.quiet && std::io::stderr().is_terminal() && inputs.len() > 20;
    let bar = if show_progress {
        let b = ProgressBar::new(inputs.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} documents {elapsed} (eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };

    let started = Instant::now();
    let (mut docs, mut bytes, mut mentions, mut relations, mut skipped) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    // Chunks of documents run on the pool while the previous chunk is
    // printed in input order: output never depends on scheduling.
    let chunk = pool.current_num_threads() * crate::pipeline::PER_THREAD;
    let work = |input: &Input| {
        let r = process(&ex, input, gazetteer.as_ref());
        bar.inc(1);
        r
    };
    crate::pipeline::ordered(&pool, &inputs, chunk, work, DocResult::bytes, |r| -> Result<()> {
        match r {
            DocResult::Done { extraction, bytes: b, doc, note, graph } => {
                if let Some(n) = note {
                    bar.suspend(|| eprintln!("tifa: warning: {n}"));
                }
                docs += 1;
                bytes += b;
                mentions += extraction.mentions.len();
                relations += extraction.relations.len();
                if !a.quiet {
                    for d in &extraction.diagnostics {
                        bar.suspend(|| eprintln!("tifa: {d}"));
                    }
                }
                match (&mut sink, graph) {
                    (Some(sink), Some(graph)) => sink.push(&doc, graph)?,
                    // (Every document has its graph when there is a sink.)
                    (Some(_), None) => {}
                    (None, _) => {
                        write_doc(&mut out, a.format, &extraction).context("writing output")?
                    }
                }
            }
            DocResult::Skipped(msg) => {
                skipped += 1;
                bar.suspend(|| eprintln!("tifa: warning: {msg}"));
            }
            DocResult::Failed(msg) => errors.push(msg),
        }
        Ok(())
    })?;
    if let Some(sink) = sink {
        sink.finish(&mut out, a.quiet)?;
    }
    out.flush().context("writing output")?;
    bar.finish_and_clear();
    for e in &errors {
        eprintln!("tifa: error: {e}");
    }
    if !a.quiet {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "tifa: {docs} document(s), {:.1} KB, {mentions} mention(s), {relations} relation(s) in {secs:.2} s ({:.1} MB/s){}{}",
            bytes as f64 / 1e3,
            bytes as f64 / 1e6 / secs.max(1e-9),
            if skipped > 0 { format!(", {skipped} skipped") } else { String::new() },
            if errors.is_empty() { String::new() } else { format!(", {} error(s)", errors.len()) },
        );
    }
    Ok(if !errors.is_empty() {
        Status::Error
    } else if mentions + relations > 0 {
        Status::Found
    } else {
        Status::Nothing
    })
}

fn explain(a: ExplainArgs) -> Result<Status> {
    let packs = packs::load_all(&a.packs)?;
    if let Some(id) = &a.rule {
        if !packs.iter().any(|p| p.rules.iter().any(|r| &r.id == id)) {
            anyhow::bail!("no rule `{id}` in the loaded packs (see `tifa rules list`)");
        }
    }
    let text = match (&a.text, &a.file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => {
            let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
            tifa_text::decode(&bytes).with_context(|| format!("decoding {}", f.display()))?.text
        }
        (None, None) => anyhow::bail!("give a TEXT or --file"),
    };
    if a.failures || a.rule.is_some() {
        tifa_rules::set_detailed_failures(true);
    }
    let ex = Extractor::new(&packs);
    let mut exp = ex.explain("explain", &text);
    let keep_rule = |id: &str| a.rule.as_deref().is_none_or(|r| r == id);
    exp.attempts.retain(|t| {
        keep_rule(&t.rule)
            && (matches!(t.outcome, Outcome::Matched(_)) || a.failures || a.rule.is_some())
    });
    exp.losses.retain(|l| keep_rule(&l.loser.rule) || keep_rule(&l.winner.rule));
    exp.extraction.mentions.retain(|m| keep_rule(&m.rule));
    exp.extraction.relations.retain(|r| keep_rule(&r.rule));
    let chars: Vec<char> = text.chars().collect();
    let slice = |s: usize, e: usize| {
        chars.get(s..e.min(chars.len())).map(|c| c.iter().collect::<String>()).unwrap_or_default()
    };

    let note = a.rule.as_deref().and_then(|id| not_tried(&packs, id, &exp.attempts));
    let mut out = std::io::stdout().lock();
    if a.json {
        let attempts: Vec<serde_json::Value> = exp
            .attempts
            .iter()
            .map(|t| match &t.outcome {
                Outcome::Matched(m) => serde_json::json!({"rule": t.rule, "at": t.at, "matched": m}),
                Outcome::Failed { at, expected } => serde_json::json!({"rule": t.rule, "at": t.at, "failed_at": at, "expected": expected}),
            })
            .collect();
        let losses: Vec<serde_json::Value> = exp
            .losses
            .iter()
            .map(|l| serde_json::json!({"loser": l.loser, "winner": l.winner, "reason": l.reason}))
            .collect();
        let doc = serde_json::json!({
            "attempts": attempts,
            "overlaps": losses,
            "mentions": exp.extraction.mentions,
            "relations": exp.extraction.relations,
            "note": note,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        writeln!(out, "attempts:")?;
        for t in &exp.attempts {
            match &t.outcome {
                Outcome::Matched(m) => writeln!(
                    out,
                    "  {:<24} at {:>4}  matched {}..{} {:?} as {} {}",
                    t.rule,
                    t.at,
                    m.start,
                    m.end,
                    m.text,
                    m.kind,
                    serde_json::to_string(&m.fields)?
                )?,
                Outcome::Failed { at, expected } => writeln!(
                    out,
                    "  {:<24} at {:>4}  failed at {at} ({:?}…): expected {}",
                    t.rule,
                    t.at,
                    slice(*at, at + 6),
                    if expected.is_empty() {
                        "nothing more".to_string()
                    } else {
                        expected
                            .iter()
                            .map(|e| crate::coverage::token(e))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                )?,
            }
        }
        if let Some(n) = &note {
            writeln!(out, "  ({n})")?;
        }
        if !exp.losses.is_empty() {
            writeln!(out, "overlaps:")?;
            for l in &exp.losses {
                writeln!(
                    out,
                    "  {} {:?} ({}) lost to {:?} ({}): {}",
                    l.loser.kind,
                    l.loser.text,
                    l.loser.rule,
                    l.winner.text,
                    l.winner.rule,
                    l.reason
                )?;
            }
        }
        writeln!(out, "mentions:")?;
        for m in &exp.extraction.mentions {
            writeln!(
                out,
                "  {}..{} {} {:?} [{}] {}",
                m.start,
                m.end,
                m.kind,
                m.text,
                m.rule,
                serde_json::to_string(&m.fields)?
            )?;
        }
        if !exp.extraction.relations.is_empty() {
            writeln!(out, "relations:")?;
            for r in &exp.extraction.relations {
                writeln!(out, "  {} {} → {} [{}]", r.rel, r.from, r.to, r.rule)?;
            }
        }
    }
    Ok(if exp.extraction.mentions.is_empty() { Status::Nothing } else { Status::Found })
}

fn rules_list(args: &PackArgs) -> Result<Status> {
    let packs = packs::load_all(args)?;
    let mut out = std::io::stdout().lock();
    for p in &packs {
        writeln!(
            out,
            "{} {} — {} ({} rules) [{}]",
            p.name,
            p.version,
            p.description,
            p.rules.len(),
            p.dir
        )?;
        for r in &p.rules {
            let anchors = match &r.anchors {
                tifa_rules::Anchors::Literals { literals, lookback } => {
                    let mut l: Vec<&str> = literals.iter().map(String::as_str).take(6).collect();
                    if literals.len() > 6 {
                        l.push("…");
                    }
                    format!("anchors {} (look-back {lookback})", l.join(" "))
                }
                tifa_rules::Anchors::Everywhere => "no anchors".to_string(),
            };
            writeln!(out, "  {:<28} {:<20} {:<3} {}", r.id, r.kind, r.priority, anchors)?;
            if !r.doc.is_empty() {
                writeln!(out, "      {}", r.doc)?;
            }
        }
    }
    writeln!(out, "normalizers:")?;
    for n in tifa_rules::normalizers::REGISTRY {
        writeln!(out, "  {:<14} {}", n.name, n.doc)?;
    }
    Ok(Status::Found)
}

/// The packs named on the command line, or the built-in ones.
fn sources(dirs: &[PathBuf]) -> Result<Vec<tifa_rules::PackSource>, Vec<tifa_rules::PackError>> {
    if dirs.is_empty() {
        return Ok(packs::builtin_sources());
    }
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for d in dirs {
        match packs::source_from_dir(d) {
            Ok(s) => out.push(s),
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// [`sources`], printing every problem of the folders that cannot be read.
fn sources_or_report(dirs: &[PathBuf]) -> Option<Vec<tifa_rules::PackSource>> {
    match sources(dirs) {
        Ok(s) => Some(s),
        Err(errs) => {
            for d in errs.iter().flat_map(|e| &e.diagnostics) {
                eprintln!("{d}");
            }
            None
        }
    }
}

fn rules_check(dirs: &[PathBuf], grammars: &[PathBuf], allow_warnings: bool) -> Result<Status> {
    let lib = packs::library(grammars)?;
    let (mut errors, mut warnings) = (0, 0);
    let Some(srcs) = sources_or_report(dirs) else {
        return Ok(Status::Error);
    };
    for src in &srcs {
        match tifa_rules::load(src, &lib) {
            Ok(p) => {
                for w in p.warnings.iter().chain(&tifa_rules::lint::lint(&p)) {
                    println!("{w}");
                    warnings += 1;
                }
                println!("{}: {} rules, ok", p.dir, p.rules.len());
            }
            Err(e) => {
                for d in &e.diagnostics {
                    println!("{d}");
                    if d.severity == Severity::Error {
                        errors += 1;
                    } else {
                        warnings += 1;
                    }
                }
            }
        }
    }
    println!("{errors} error(s), {warnings} warning(s)");
    Ok(if errors > 0 {
        Status::Error
    } else if warnings > 0 && !allow_warnings {
        Status::Nothing
    } else {
        Status::Found
    })
}

fn rules_test(dirs: &[PathBuf], grammars: &[PathBuf]) -> Result<Status> {
    let lib = packs::library(grammars)?;
    let Some(srcs) = sources_or_report(dirs) else {
        return Ok(Status::Error);
    };
    let mut loaded = Vec::new();
    for src in &srcs {
        match tifa_rules::load(src, &lib) {
            Ok(p) => loaded.push(p),
            Err(e) => {
                for d in &e.diagnostics {
                    eprintln!("{d}");
                }
                return Ok(Status::Error);
            }
        }
    }
    let (mut total, mut failed) = (0, 0);
    for i in 0..loaded.len() {
        let (n, failures) = tifa_extract::examples::run(&loaded, i);
        total += n;
        failed += failures.len();
        for f in &failures {
            println!("FAIL {} :: {}\n{}\n", f.rule, f.text, f.diff);
        }
        println!("{}: {} example(s), {} failed", loaded[i].dir, n, failures.len());
    }
    println!("{} passed, {} failed", total - failed, failed);
    Ok(if failed > 0 { Status::Nothing } else { Status::Found })
}

/// Why rule `id` was never tried on the text, when it was not: the most
/// common answer to "why does my rule not match".
fn not_tried(
    packs: &[tifa_rules::Pack],
    id: &str,
    attempts: &[tifa_extract::Attempt],
) -> Option<String> {
    if attempts.iter().any(|t| t.rule == id) {
        return None;
    }
    let rule = packs.iter().flat_map(|p| &p.rules).find(|r| r.id == id)?;
    Some(match (&rule.lexicon, &rule.anchors) {
        (Some(lex), _) => {
            format!("rule `{id}` was not tried: no term of lexicon `{lex}` occurs in the text")
        }
        (None, tifa_rules::Anchors::Literals { literals, .. }) => {
            let mut shown: Vec<&str> = literals.iter().map(String::as_str).take(12).collect();
            if literals.len() > 12 {
                shown.push("…");
            }
            format!(
                "rule `{id}` was not tried: none of its anchors occurs in the text ({}); every match must contain one",
                shown.join(" ")
            )
        }
        (None, tifa_rules::Anchors::Everywhere) => {
            format!("rule `{id}` was not tried: the text has no sentence")
        }
    })
}
