//! Finding and loading rule packs: the built-in pack embedded in the
//! binary (so that an installed `tifa` works from any folder), plus the
//! folders given with `--rules`.

use crate::cli::PackArgs;
use anyhow::{bail, Result};
use include_dir::{include_dir, Dir};
use std::path::{Path, PathBuf};
use tifa_rules::{Library, Pack, PackError, PackSource};

static RULES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules");
static GRAMMARS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/grammars");
/// The default pack's grammar, parsed and optimized (pest_meta takes
/// about 80 ms on it, which every run would wait for): see
/// `tifa_rules::precompile`. Used only while it was made from exactly the
/// grammar the pack gives; the test below says when it is stale and
/// remakes it with `TIFA_UPDATE_GRAMMAR=1`. (A build script could make it, but a
/// build dependency on tifa-rules changes the features of crates that
/// RocksDB's build script uses, and rebuilds RocksDB.)
static DEFAULT_GRAMMAR: &[u8] = include_bytes!("default-pack.grammar");

/// The shared grammar library: built-in grammars, overridden by `--grammars` folders.
pub fn library(extra: &[PathBuf]) -> Result<Library> {
    let mut lib = Library::default();
    for f in GRAMMARS.files() {
        let path = f.path();
        if path.extension().is_some_and(|x| x == "pest") {
            if let (Some(stem), Some(text)) =
                (path.file_stem().and_then(|s| s.to_str()), f.contents_utf8())
            {
                lib.insert(stem, format!("(built-in) grammars/{}", path.display()), text);
            }
        }
    }
    for dir in extra {
        if let Err(e) = lib.add_dir(dir) {
            bail!("reading grammar folder {}: {e}", dir.display());
        }
    }
    Ok(lib)
}

/// The built-in packs, as sources.
pub fn builtin_sources() -> Vec<PackSource> {
    let mut out = Vec::new();
    for dir in RULES.dirs() {
        let mut src = PackSource::new(format!("(built-in) rules/{}", dir.path().display()));
        for f in dir.files() {
            if let (Ok(rel), Some(text)) = (f.path().strip_prefix(dir.path()), f.contents_utf8()) {
                src.insert(rel.to_string_lossy().replace('\\', "/"), text);
            }
        }
        for sub in dir.dirs() {
            for f in sub.files() {
                if let (Ok(rel), Some(text)) =
                    (f.path().strip_prefix(dir.path()), f.contents_utf8())
                {
                    src.insert(rel.to_string_lossy().replace('\\', "/"), text);
                }
            }
        }
        if dir.path() == Path::new("default") {
            src.precompiled = Some(DEFAULT_GRAMMAR);
        }
        if src.files.contains_key("pack.toml") {
            out.push(src);
        }
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    out
}

/// Reads a pack folder given on the command line.
pub fn source_from_dir(dir: &Path) -> Result<PackSource, PackError> {
    PackSource::from_dir(dir)
}

/// Loads every pack the arguments ask for. On errors, prints every
/// diagnostic and fails.
pub fn load_all(args: &PackArgs) -> Result<Vec<Pack>> {
    let lib = library(&args.grammars)?;
    let mut sources = Vec::new();
    if !args.no_default_rules {
        sources.extend(builtin_sources());
    }
    let mut errors = Vec::new();
    for dir in &args.rules {
        match source_from_dir(dir) {
            Ok(s) => sources.push(s),
            Err(e) => errors.push(e),
        }
    }
    let mut packs = Vec::new();
    for src in &sources {
        match tifa_rules::load(src, &lib) {
            Ok(p) => packs.push(p),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
        }
        let n: usize = errors.iter().map(|e| e.diagnostics.len()).sum();
        let names: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        bail!("loading rule pack(s) {}: {n} problem(s)", names.join(", "));
    }
    check_unique_ids(&packs)?;
    if packs.is_empty() {
        bail!("no rule packs loaded (use --rules DIR, or drop --no-default-rules)");
    }
    Ok(packs)
}

fn check_unique_ids(packs: &[Pack]) -> Result<()> {
    let mut seen = std::collections::BTreeMap::new();
    for p in packs {
        for r in &p.rules {
            if let Some(other) = seen.insert(r.id.clone(), r.location.clone()) {
                bail!("rule id `{}` is declared twice: at {} and at {}", r.id, other, r.location);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TIFA_UPDATE_GRAMMAR=1 cargo test --bin tifa prepared` writes the blob anew.
    #[test]
    fn the_built_in_pack_ships_its_grammar_prepared_and_current() {
        let mut sources = builtin_sources();
        let default = sources.iter_mut().find(|s| s.dir.ends_with("rules/default")).unwrap();
        let shipped = default.precompiled.take().unwrap();
        let lib = library(&[]).unwrap();
        let now = tifa_rules::precompile(default, &lib).expect("the default pack loads");
        if std::env::var_os("TIFA_UPDATE_GRAMMAR").is_some() {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/default-pack.grammar");
            std::fs::write(path, &now).unwrap();
            return;
        }
        assert!(
            shipped == now.as_slice(),
            "src/default-pack.grammar was made from another grammar than rules/default's: \
             run `TIFA_UPDATE_GRAMMAR=1 cargo test --bin tifa prepared` and commit it"
        );
    }
}
