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
  tifa rules test";

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
    /// List, check and test rule packs.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Ask the knowledge graph a SPARQL query (a store, RDF files or an endpoint).
    #[command(after_help = crate::query::EXAMPLES)]
    Query(crate::query::QueryArgs),
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
    /// RDF N-Quads, one named graph per document (docs/vocabulary.md).
    Nquads,
    /// RDF N-Triples (the documents' graphs merged).
    Ntriples,
    /// RDF Turtle (the documents' graphs merged).
    Turtle,
    /// RDF TriG, one named graph per document.
    Trig,
    /// JSON-LD, one named graph per document.
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
}
