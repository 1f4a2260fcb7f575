//! `tifa query`: SPARQL over a store folder, RDF files (loaded in
//! memory) or a remote SPARQL 1.1 endpoint, with the example queries of
//! `examples/queries/` built in.

use crate::Status;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use include_dir::{include_dir, Dir};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tifa_graph::{write_results, KgStore, QueryOutput, ResultsFormat};

static QUERIES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/examples/queries");

pub const EXAMPLES: &str = "\
Examples:
  tifa extract examples/corpus --store kg
  tifa query kg --list                              # the built-in example queries
  tifa query kg plus-compounds-by-district          # run one by name
  tifa query kg 'SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#Organization> } LIMIT 5'
  tifa query kg --file my.rq --format csv > out.csv
  tifa query kg.nq other.ttl trace-a-fact           # RDF files, loaded in memory
  tifa query --endpoint http://localhost:7001 star-ratings --timeout 30

The default graph is the union of all document graphs (unless the query
says FROM). Exit status: 0 if there are results, 1 if none, 2 on an error
(a SPARQL syntax error names its line and column).";

/// `tifa query` arguments.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A store folder or RDF files (.nq .nt .ttl .trig .jsonld .rdf), then the
    /// query: SPARQL text or the NAME of an example query (see --list).
    #[arg(value_name = "SOURCE... QUERY")]
    pub args: Vec<String>,
    /// Read the query from FILE.
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
    /// Stop a query that runs longer than SECONDS.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Send the query to this SPARQL 1.1 endpoint instead (QLever, Virtuoso,
    /// Fuseki, GraphDB, oxigraph ... loaded with tifa's N-Quads).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// List the example queries with the question each answers.
    #[arg(long)]
    pub list: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum QueryFormat {
    /// Aligned columns for a terminal.
    Table,
    /// SPARQL 1.1 CSV results.
    Csv,
    /// SPARQL 1.1 TSV results.
    Tsv,
    /// SPARQL 1.1 Query Results JSON.
    Json,
    /// SPARQL Query Results XML.
    Xml,
}

impl From<QueryFormat> for ResultsFormat {
    fn from(f: QueryFormat) -> Self {
        match f {
            QueryFormat::Table => ResultsFormat::Table,
            QueryFormat::Csv => ResultsFormat::Csv,
            QueryFormat::Tsv => ResultsFormat::Tsv,
            QueryFormat::Json => ResultsFormat::Json,
            QueryFormat::Xml => ResultsFormat::Xml,
        }
    }
}

/// A built-in example query.
pub struct Example {
    /// File stem.
    pub name: String,
    /// The question, from the leading comment.
    pub question: String,
    /// The SPARQL text.
    pub text: String,
}

/// The example queries, sorted by name.
pub fn examples() -> Vec<Example> {
    let mut out: Vec<Example> = QUERIES
        .files()
        .filter(|f| f.path().extension().is_some_and(|x| x == "rq"))
        .filter_map(|f| {
            let name = f.path().file_stem()?.to_str()?.to_string();
            let text = f.contents_utf8()?.to_string();
            let question = text
                .lines()
                .take_while(|l| l.starts_with('#'))
                .map(|l| l.trim_start_matches('#').trim())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            Some(Example { name, question, text })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn list() -> Status {
    let ex = examples();
    let width = ex.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for e in &ex {
        println!("{:width$}  {}", e.name, e.question);
    }
    if ex.is_empty() {
        Status::Nothing
    } else {
        Status::Found
    }
}

/// The query text and how to name it in messages.
fn query_text(arg: Option<&str>, file: Option<&Path>) -> Result<(String, String)> {
    if let Some(f) = file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        return Ok((text, f.display().to_string()));
    }
    let Some(arg) = arg else { bail!("give a query: SPARQL text, --file FILE or an example NAME") };
    if let Some(e) = examples().into_iter().find(|e| e.name == arg) {
        return Ok((e.text, format!("example `{}`", e.name)));
    }
    let p = Path::new(arg);
    if arg.ends_with(".rq") && p.is_file() {
        let text = std::fs::read_to_string(p).with_context(|| format!("reading {arg}"))?;
        return Ok((text, arg.to_string()));
    }
    if !arg.chars().any(char::is_whitespace) && !arg.contains('{') {
        bail!("`{arg}` is neither a query nor an example name (see `tifa query --list`)");
    }
    Ok((arg.to_string(), "the query".to_string()))
}

/// Runs `tifa query`.
pub fn run(a: QueryArgs) -> Result<Status> {
    if a.list {
        return Ok(list());
    }
    let timeout = match a.timeout {
        Some(s) if !(s > 0.0 && s.is_finite()) => {
            bail!("--timeout needs a positive number of seconds")
        }
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => None,
    };
    let (sources, query_arg): (&[String], Option<&str>) = if a.file.is_some() {
        (&a.args, None)
    } else {
        match a.args.split_last() {
            Some((q, rest)) => (rest, Some(q.as_str())),
            None => (&[][..], None),
        }
    };
    if let (Some(q), true, None) = (query_arg, sources.is_empty(), &a.endpoint) {
        if Path::new(q).is_dir() || (Path::new(q).is_file() && !q.ends_with(".rq")) {
            bail!(
                "give a query after {q}: SPARQL text, --file FILE or an example NAME (see --list)"
            );
        }
    }
    let (query, shown) = query_text(query_arg, a.file.as_deref())?;
    let output = if let Some(url) = &a.endpoint {
        if !sources.is_empty() {
            bail!("--endpoint takes no store or RDF files (got {})", sources.join(", "));
        }
        remote(url, &query, timeout).with_context(|| format!("querying {url}"))?
    } else {
        let store = open_sources(sources)?;
        store.query(&query, timeout).with_context(|| shown.clone())?
    };
    let stdout = std::io::stdout().lock();
    let mut out = write_results(&output, a.format.into(), BufWriter::new(stdout))
        .context("writing results")?;
    out.flush().context("writing results")?;
    Ok(if output.is_empty() { Status::Nothing } else { Status::Found })
}

fn open_sources(sources: &[String]) -> Result<KgStore> {
    match sources {
        [] => bail!("give a store folder or RDF files before the query (or --endpoint URL)"),
        [one] if Path::new(one).is_dir() => {
            let dir = Path::new(one);
            KgStore::open_read_only(dir).with_context(|| {
                format!("opening the store {} (made by `tifa extract --store`)", dir.display())
            })
        }
        files => {
            let store = KgStore::in_memory()?;
            for f in files {
                let p = Path::new(f);
                if p.is_dir() {
                    bail!("{f}: a store folder cannot be mixed with RDF files");
                }
                store.load_file(p)?;
            }
            Ok(store)
        }
    }
}

/// SPARQL 1.1 protocol: POST the query, ask for JSON results (or RDF for
/// CONSTRUCT), read them into the same shape as a local query's.
fn remote(url: &str, query: &str, timeout: Option<Duration>) -> Result<QueryOutput> {
    use oxigraph::io::{RdfFormat, RdfParser};
    use oxigraph::sparql::results::{
        QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(timeout)
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(url)
        .header("Content-Type", "application/sparql-query; charset=utf-8")
        .header(
            "Accept",
            "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8",
        )
        .send(query.as_bytes())
        .context("sending the query")?;
    let status = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let mut body = Vec::new();
    resp.body_mut().as_reader().read_to_end(&mut body).context("reading the answer")?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body);
        let text: String = text.chars().take(800).collect();
        bail!("the endpoint answered {status}: {}", text.trim());
    }
    let results = QueryResultsFormat::from_media_type(&ctype);
    if let Some(format) = RdfFormat::from_media_type(&ctype).filter(|_| results.is_none()) {
        let mut triples = Vec::new();
        for q in RdfParser::from_format(format).for_slice(&body) {
            triples.push(oxigraph::model::Triple::from(q.context("reading RDF results")?));
        }
        return Ok(QueryOutput::Graph(triples));
    }
    let format = results.unwrap_or(QueryResultsFormat::Json);
    match QueryResultsParser::from_format(format).for_slice(&body).context("reading the results")? {
        SliceQueryResultsParserOutput::Boolean(b) => Ok(QueryOutput::Boolean(b)),
        SliceQueryResultsParserOutput::Solutions(solutions) => {
            let variables = solutions.variables().to_vec();
            let mut rows = Vec::new();
            for s in solutions {
                let s = s.context("reading the results")?;
                rows.push(variables.iter().map(|v| s.get(v).cloned()).collect());
            }
            Ok(QueryOutput::Solutions { variables, rows })
        }
    }
}
