//! `tifa rules new NAME` (a working pack to start from) and `tifa rules
//! schema` (the JSON Schema of `pack.toml`).

use crate::Status;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::Path;

/// The grammar of a new pack.
const GRAMMAR: &str = r#"// Grammar of the {NAME} pack: pest syntax (https://pest.rs/book).
// A rule the manifest runs must make a node (no `_`); `#tag = rule` names
// a part so that fields can read it. Grammars listed under `imports` in
// pack.toml (cjk, numerals, quotes, orgs) add shared rules such as `han`.

// 省级, 市级 … : the level of a designation.
level = { "省级" | "市级" | "县级" | "区级" }

// 省级清廉学校, 清廉校园
clean_school = { (#level = level)? ~ "清廉" ~ ("学校" | "校园") }
"#;

/// The manifest of a new pack.
const MANIFEST: &str = r#"#:schema ./pack.schema.json
# The {NAME} rule pack.
#   tifa rules check {DIR}    problems and PEG traps, with file:line:column
#   tifa rules test {DIR}     runs the examples below
#   tifa extract FILES --rules {DIR}
# Every key is described in pack.schema.json (written by `tifa rules new`,
# printed by `tifa rules schema`); editors that read the `#:schema` line
# above (Taplo, Even Better TOML) complete and check this file with it.

[pack]
name = "{NAME}"
description = "清廉学校 designations (a starting point: edit me)"
version = "0.1.0"
grammars = ["{NAME}.pest"]

[[rule]]
id = "clean-school"
type = "Designation"
doc = "A 清廉学校 or 清廉校园 designation, with its level when given."
fields = { level = { tag = "level", normalize = "level" } }
examples = [
  { text = "创建省级清廉学校", expect = "省级清廉学校", fields = { level = "provincial" } },
  { text = "全力打造清廉校园。", expect = "清廉校园" },
]
non_examples = ["推进清廉文化进校园"]
"#;

/// Writes a new pack folder.
pub fn new_pack(dir: &Path) -> Result<Status> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
        .with_context(|| format!("{}: not a usable folder name", dir.display()))?;
    if !name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        bail!("pack name `{name}`: use letters, digits, `-` and `_` only");
    }
    if dir.exists() {
        bail!("{} already exists; choose a new folder", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let shown = dir.display().to_string();
    let fill = |t: &str| t.replace("{NAME}", name).replace("{DIR}", &shown);
    let manifest = dir.join("pack.toml");
    let grammar = dir.join(format!("{name}.pest"));
    std::fs::write(&manifest, fill(MANIFEST))
        .with_context(|| format!("writing {}", manifest.display()))?;
    std::fs::write(&grammar, fill(GRAMMAR))
        .with_context(|| format!("writing {}", grammar.display()))?;
    let schema = dir.join("pack.schema.json");
    let text = serde_json::to_string_pretty(&tifa_rules::manifest::json_schema())? + "\n";
    std::fs::write(&schema, text).with_context(|| format!("writing {}", schema.display()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "created {}", manifest.display())?;
    writeln!(out, "created {}", grammar.display())?;
    writeln!(out, "created {} (for editor completion)", schema.display())?;
    writeln!(out, "next: tifa rules test {shown}")?;
    Ok(Status::Found)
}

/// Prints the JSON Schema of `pack.toml`.
pub fn schema() -> Result<Status> {
    let s = serde_json::to_string_pretty(&tifa_rules::manifest::json_schema())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")?;
    Ok(Status::Found)
}
