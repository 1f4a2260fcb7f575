//! Finding input files and turning their bytes into text.

use std::io::Read;
use std::path::{Path, PathBuf};

/// One input: a file, or standard input.
#[derive(Clone, Debug)]
pub enum Input {
    /// A file on disk.
    File(PathBuf),
    /// Standard input, with the document name to print.
    Stdin(String),
}

impl Input {
    /// The document name printed in `doc`: the file name, as in the gold files.
    pub fn doc_name(&self) -> String {
        match self {
            Input::File(p) => p
                .file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
            Input::Stdin(name) => name.clone(),
        }
    }

    /// How to name it in a message.
    pub fn shown(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin(_) => "<stdin>".to_string(),
        }
    }

    /// Reads its bytes.
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        match self {
            Input::File(p) => std::fs::read(p),
            Input::Stdin(_) => {
                let mut buf = Vec::new();
                std::io::stdin().lock().read_to_end(&mut buf)?;
                Ok(buf)
            }
        }
    }
}

/// Expands paths: files as given, folders recursively (hidden entries
/// skipped, sorted by path so that output order is stable), `-` as
/// standard input. Paths that do not exist are returned as errors.
pub fn discover(paths: &[PathBuf], stdin_name: &str) -> (Vec<Input>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin(stdin_name.to_string()));
        } else if p.is_dir() {
            walk(p, &mut out, &mut errors);
        } else if p.exists() {
            out.push(Input::File(p.clone()));
        } else {
            errors.push(format!("{}: no such file or folder", p.display()));
        }
    }
    (out, errors)
}

fn walk(dir: &Path, out: &mut Vec<Input>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out, errors);
        } else if p.is_file() {
            out.push(Input::File(p));
        }
    }
}
