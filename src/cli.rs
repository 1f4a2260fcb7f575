//! The command line, declared with clap's derive API.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  tifa extract examples/corpus > mentions.jsonl
  tifa extract examples/corpus --store kg && tifa query kg --list
  tifa extract article.txt --rules my-pack/
  cat article.txt | tifa extract -
  tifa explain '全市教育系统党支部达到五星级标准的612个'
  tifa rules list
  tifa rules check my-pack/
  tifa rules test
  tifa rules coverage examples/corpus
  tifa rules new my-pack
  tifa viz examples/corpus -o graph.html";

/// Turn Chinese policy and news text into mentions, relations and a
/// knowledge graph, with pattern rules you can read and write.
#[derive(Debug, Parser)]
#[command(name = "tifa", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract mentions and relations from files, folders or standard input.
    #[command(after_help = "\
Examples:
  tifa extract examples/corpus > mentions.jsonl
  tifa extract a.txt b.txt --rules my-pack/ -j 2
  tifa extract examples/corpus --store kg          # into a SPARQL store
  tifa extract examples/corpus --format nquads > kg.nq
  cat article.txt | tifa extract - --doc-name article.txt

Output (JSON Lines, one object a line, the shape of ANNOTATION.md):
  {\"doc\":\"a.txt\",\"type\":\"PlusCompound\",\"text\":\"党建+业务\",\"start\":120,\"end\":125,\"rule\":\"plus-compound\",\"fields\":{...}}
  {\"doc\":\"a.txt\",\"type\":\"relation\",\"rel\":\"holds\",\"from\":\"…\",\"to\":\"…\",\"start\":…,\"end\":…,\"rule\":\"…\"}

Exit status: 0 if something was found, 1 if nothing was, 2 on an error.")]
    Extract(ExtractArgs),
    /// Show which rules matched where in a text, with their fields.
    #[command(after_help = "\
Examples:
  tifa explain '全市教育系统党支部达到五星级标准的612个'
  tifa explain --file article.txt --rule star-rating
  tifa explain '开展“党建+业务”活动' --json")]
    Explain(ExplainArgs),
    /// List, check, test and measure rule packs; start a new one.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Draw the graph of entities and relations: DOT, GraphML, GEXF, Cytoscape.js JSON or HTML.
    #[command(after_help = crate::viz::EXAMPLES)]
    Viz(crate::viz::VizArgs),
    /// Measure extraction speed and memory on a corpus (output discarded).
    #[command(after_help = "\
Examples:
  tifa bench examples/corpus
  tifa bench corpus/ -j 2
  tifa bench corpus/ --rules my-pack/
  tifa bench corpus/ --store /tmp/bench-kg   (also corpus → store, end to end)

Prints the time to load the rule packs (once per run), MB/s with one
thread and with all threads, MB per CPU second (what counts on a busy
machine) and the peak resident memory; with --store, the
quads/s of loading a new store and corpus → store MB/s end to end.
bench/compare.sh CORPUS also runs the regex baseline script on it.")]
    Bench(BenchArgs),
    /// Ask the knowledge graph a SPARQL query (a store, RDF files or an endpoint).
    #[command(after_help = crate::query::EXAMPLES)]
    Query(crate::query::QueryArgs),
    /// Score predictions (or a corpus, extracted on the fly) against gold.
    #[command(after_help = "\
Examples:
  tifa eval ../shared/gold/seeds predictions.jsonl
  tifa eval ../shared/gold/seeds ../shared/corpus/seeds --rules my-pack/
  tifa eval gold/ pred.jsonl --docs a.txt,b.txt --summary
  tifa eval gold/ pred.jsonl --json

Prints the scorer's table (strict and lenient P/R/F1 and fields F1 per
type, relations and CORE), a table per rule, then every false positive and
miss (`~` marks one that lenient matching accepts). PRED is read as
predictions when it is a .jsonl file or a folder holding .jsonl files;
otherwise its texts are extracted with the loaded packs first.")]
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold annotations: a .jsonl file or a folder of them.
    #[arg(value_name = "GOLD")]
    pub gold: PathBuf,
    /// Predictions (.jsonl file or folder), or texts to extract.
    #[arg(value_name = "PRED|CORPUS")]
    pub pred: PathBuf,
    /// Score only these documents (comma-separated names).
    #[arg(long, value_name = "DOC,...", value_delimiter = ',')]
    pub docs: Vec<String>,
    /// Print only the tables, not the lists of errors.
    #[arg(long)]
    pub summary: bool,
    /// Print everything as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub packs: PackArgs,
}

/// Where rule packs come from.
#[derive(Debug, Args, Clone, Default)]
pub struct PackArgs {
    /// Add the rule pack in DIR (a folder with pack.toml); repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Add a folder of shared grammars that packs may import; repeatable.
    #[arg(long = "grammars", value_name = "DIR")]
    pub grammars: Vec<PathBuf>,
    /// Do not load the built-in default pack.
    #[arg(long)]
    pub no_default_rules: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines: mentions, then relations, per document.
    Jsonl,
    /// Tab-separated mentions with a header (for spreadsheets, R, pandas).
    Tsv,
    /// RDF N-Quads, one named graph per document, written as documents
    /// are done (docs/vocabulary.md).
    Nquads,
    /// RDF N-Triples (the documents' graphs merged: held until the end).
    Ntriples,
    /// RDF Turtle (the documents' graphs merged: held until the end).
    Turtle,
    /// RDF TriG, one named graph per document, written as documents are done.
    Trig,
    /// JSON-LD, one named graph per document, written as documents are done.
    Jsonld,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Files or folders to read (folders recursively); `-` reads standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Document name for standard input.
    #[arg(long, default_value = "-", value_name = "NAME")]
    pub doc_name: String,
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print no summary or progress on standard error.
    #[arg(short, long)]
    pub quiet: bool,
    /// Load the results into the SPARQL store in DIR (created if missing;
    /// re-running adds nothing twice, a changed document replaces its graph).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["format", "output"])]
    pub store: Option<PathBuf>,
    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The text to explain.
    #[arg(value_name = "TEXT", required_unless_present = "file", conflicts_with = "file")]
    pub text: Option<String>,
    /// Explain the text of this file instead.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Show only this rule, including every failed attempt.
    #[arg(long, value_name = "ID")]
    pub rule: Option<String>,
    /// Also show failed attempts of every rule.
    #[arg(long)]
    pub failures: bool,
    /// Print JSON for tools instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the loaded packs and their rules.
    List {
        #[command(flatten)]
        packs: PackArgs,
    },
    /// Check packs for errors and warnings (exit 1 on warnings, 2 on errors).
    #[command(
        after_help = "Examples:\n  tifa rules check\n  tifa rules check my-pack/ other-pack/"
    )]
    Check {
        /// Pack folders to check (default: the built-in pack).
        #[arg(value_name = "PACK")]
        dirs: Vec<PathBuf>,
        #[arg(long = "grammars", value_name = "DIR")]
        grammars: Vec<PathBuf>,
        /// Exit 0 even when there are warnings.
        #[arg(long)]
        allow_warnings: bool,
    },
    /// Run the examples inside each rule (exit 1 if one fails).
    #[command(after_help = "Examples:\n  tifa rules test\n  tifa rules test my-pack/")]
    Test {
        /// Pack folders to test (default: the built-in pack).
        #[arg(value_name = "PACK")]
        dirs: Vec<PathBuf>,
        #[arg(long = "grammars", value_name = "DIR")]
        grammars: Vec<PathBuf>,
    },
    /// Count each rule's hits on a corpus; list rules that never fire and near misses.
    #[command(after_help = "\
Examples:
  tifa rules coverage examples/corpus
  tifa rules coverage corpus/ --rules my-pack/ --examples 10
  tifa rules coverage corpus/ --json > coverage.json

A near miss of a rule is a sentence where one of its anchors occurs but no
mention covers that place: the best place to look for a pattern the pack
lacks.

Exit status: 0 if some rule fired, 1 if none did, 2 on an error.")]
    Coverage(CoverageArgs),
    /// Show the mentions and relations a rule change adds and removes on a corpus.
    #[command(after_help = "\
Examples:
  cp -r my-pack /tmp/before     # then edit my-pack/
  tifa rules diff --before /tmp/before --after my-pack corpus/
  tifa rules diff --before old/ --after new/ --with-default-rules corpus/ --json

Lines start with - (removed), + (added) or ~ (changed: same type, overlapping
span, other bounds, rule or fields). Exit status: 0 if something changed, 1 if
nothing did, 2 on an error.")]
    Diff(DiffArgs),
    /// Write a new, working rule pack with one rule and its examples.
    #[command(after_help = "\
Examples:
  tifa rules new clean-schools
  tifa rules test clean-schools/
  tifa extract article.txt --rules clean-schools/")]
    New {
        /// The pack's folder (created; it must not exist). Its last part names the pack.
        #[arg(value_name = "NAME")]
        name: PathBuf,
    },
    /// Print the JSON Schema of pack.toml (shipped as docs/pack.schema.json).
    #[command(after_help = "Examples:\n  tifa rules schema > docs/pack.schema.json")]
    Schema,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Files or folders of the corpus.
    #[arg(value_name = "CORPUS", required = true)]
    pub paths: Vec<PathBuf>,
    /// Near misses shown per rule.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub examples: usize,
    /// Print JSON for tools instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The pack folder(s) before the change; repeatable.
    #[arg(long, value_name = "DIR", required = true)]
    pub before: Vec<PathBuf>,
    /// The pack folder(s) after the change; repeatable.
    #[arg(long, value_name = "DIR", required = true)]
    pub after: Vec<PathBuf>,
    /// Files or folders of the corpus.
    #[arg(value_name = "CORPUS", required = true)]
    pub paths: Vec<PathBuf>,
    /// Load the built-in default pack on both sides too.
    #[arg(long)]
    pub with_default_rules: bool,
    /// Add a folder of shared grammars that packs may import; repeatable.
    #[arg(long = "grammars", value_name = "DIR")]
    pub grammars: Vec<PathBuf>,
    /// Print JSON Lines (with a "change" key) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Files or folders of the corpus (folders recursively).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Threads of the second pass (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Run rules with the pest_vm interpreter only, to compare engines.
    #[arg(long)]
    pub interpreter: bool,
    /// Also load the corpus into a new store in DIR (which must not exist or
    /// be empty) and report quads/s and corpus → store MB/s end to end.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    #[command(flatten)]
    pub packs: PackArgs,
}
