//! `tifa`: Chinese policy formulations to a queryable knowledge graph.
//!
//! Only this binary prints, reads the environment or exits. It parses the
//! command line, loads rule packs, reads and decodes files, runs the
//! extraction crate over them in parallel and prints the results.

mod bench;
mod cli;
mod commands;
mod coverage;
mod diff;
mod input;
mod packs;
mod pipeline;
mod query;
mod scaffold;
mod store;
mod viz;
mod viz_store;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc: extraction makes many small strings (one mention is a handful
/// of them); with glibc's allocator allocation was about a sixth of
/// extraction time, with mimalloc extraction runs about 10% faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, as in ripgrep: 0 something found / all good, 1 nothing
/// found or a check failed, 2 an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Found something; every check passed.
    Found,
    /// Found nothing, or a check failed.
    Nothing,
    /// An error stopped (part of) the work.
    Error,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(match s {
            Status::Found => 0,
            Status::Nothing => 1,
            Status::Error => 2,
        })
    }
}

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(args) {
        Ok(status) => status.into(),
        // The reader went away (`tifa extract … | head`): stop quietly, as
        // other Unix tools do.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tifa: error: {e:#}");
            Status::Error.into()
        }
    }
}

/// Whether an error comes from writing to a closed pipe.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
