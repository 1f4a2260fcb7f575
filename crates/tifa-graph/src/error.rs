//! Errors of the graph crate.

use std::time::Duration;

/// What can go wrong building, storing or querying the graph.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store could not be opened, read or written.
    #[error("store: {0}")]
    Store(String),
    /// An RDF file could not be read.
    #[error("{0}")]
    Rdf(String),
    /// A file could not be read.
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// The query is not valid SPARQL (the message has line and column).
    #[error("SPARQL syntax error: {0}")]
    Syntax(String),
    /// The query failed while running.
    #[error("query failed: {0}")]
    Query(String),
    /// The query ran out of time.
    #[error("query stopped after the {0:?} timeout")]
    Timeout(Duration),
}
