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
        let mut buf = Vec::new();
        self.read_into(&mut buf)?;
        Ok(buf)
    }

    /// Reads its bytes into `buf` (emptied first), so that one buffer can
    /// serve many files.
    pub fn read_into(&self, buf: &mut Vec<u8>) -> std::io::Result<()> {
        buf.clear();
        match self {
            Input::File(p) => read_file(p, buf),
            Input::Stdin(_) => std::io::stdin().lock().read_to_end(buf).map(drop),
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
    // Each entry's type comes with the listing; only links need a stat.
    let mut paths: Vec<(PathBuf, Option<std::fs::FileType>)> =
        entries.filter_map(Result::ok).map(|e| (e.path(), e.file_type().ok())).collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, kind) in paths {
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        let (is_dir, is_file) = match kind {
            Some(t) if !t.is_symlink() => (t.is_dir(), t.is_file()),
            _ => (p.is_dir(), p.is_file()),
        };
        if is_dir {
            walk(&p, out, errors);
        } else if is_file {
            out.push(Input::File(p));
        }
    }
}

/// What a first read takes; most documents are smaller.
const FIRST_READ: usize = 64 * 1024;

/// Reads a whole file into the empty `buf`. Unlike `std::fs::read` it asks
/// for the file's size only when the file turns out larger than
/// [`FIRST_READ`]: for a corpus of small articles that stat was one system
/// call in four.
fn read_file(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut file = std::fs::File::open(path)?;
    buf.reserve(FIRST_READ);
    (&mut file).take(FIRST_READ as u64).read_to_end(buf)?;
    if buf.len() == FIRST_READ {
        let size = file.metadata().map_or(0, |m| m.len()) as usize;
        buf.reserve_exact(size.saturating_sub(FIRST_READ) + 1);
        file.read_to_end(buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_every_size_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 1, FIRST_READ - 1, FIRST_READ, FIRST_READ + 1, 3 * FIRST_READ + 7] {
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let p = dir.path().join(format!("f{len}"));
            std::fs::write(&p, &bytes).unwrap();
            assert_eq!(Input::File(p.clone()).read().unwrap(), bytes, "{len} bytes");
            // A buffer that served a longer file before.
            let mut buf = vec![7; 5 * FIRST_READ];
            Input::File(p).read_into(&mut buf).unwrap();
            assert_eq!(buf, bytes, "{len} bytes into a used buffer");
        }
        assert!(Input::File(dir.path().join("missing")).read().is_err());
    }

    #[test]
    fn folders_are_walked_in_order_without_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("b/.hidden")).unwrap();
        std::fs::create_dir_all(d.join("a")).unwrap();
        for f in ["b/2.txt", "a/1.txt", "c.txt", ".x.txt", "b/.hidden/h.txt"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(d.join("a"), d.join("link")).unwrap();
        let (inputs, errors) = discover(&[d.to_path_buf()], "-");
        assert!(errors.is_empty());
        let names: Vec<String> = inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => p.strip_prefix(d).unwrap().display().to_string(),
                Input::Stdin(_) => "-".into(),
            })
            .collect();
        let mut want = vec!["a/1.txt", "b/2.txt", "c.txt"];
        if cfg!(unix) {
            want.push("link/1.txt");
        }
        assert_eq!(names, want);
    }
}
