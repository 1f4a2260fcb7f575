//! Follows docs/writing-rules.md step by step in a temporary folder, with
//! the built `tifa` binary (no recompiling between steps), and checks that
//! every command prints exactly the output the guide shows.
//!
//! The guide's markup, read in order:
//! * `<!-- file: PATH -->` before a fenced block: write the block to PATH.
//! * `<!-- same: PATH -->` before a fenced block: PATH must hold the block.
//! * a ```` ```console ```` block: `$ tifa ARGS` (or `$ cp -r A B`) lines,
//!   each followed by its expected standard output and standard error.
//!
//! `TIFA_BIN=target/release/tifa cargo test --test guide` follows the
//! guide with that binary (an installed one, say) instead of the one cargo
//! built for the tests.
//!
//! `TIFA_UPDATE_GUIDE=1 cargo test --test guide` rewrites the outputs (and
//! the `same:` files) in the guide from a real run instead of checking them.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn guide_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/writing-rules.md")
}

/// Splits a command line: whitespace separates, '…' quotes.
fn split(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    assert!(!quoted, "unclosed quote in {line:?}");
    if any {
        out.push(cur);
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Runs one `$` line in `dir`; returns its output as the guide shows it.
fn execute(dir: &Path, line: &str) -> String {
    let argv = split(line);
    match argv.first().map(String::as_str) {
        Some("cp") => {
            assert_eq!(argv.len(), 4, "only `cp -r A B`: {line}");
            assert_eq!(argv[1], "-r", "only `cp -r A B`: {line}");
            copy_dir(&dir.join(&argv[2]), &dir.join(&argv[3]));
            String::new()
        }
        Some("tifa") => {
            let mut cmd = match std::env::var_os("TIFA_BIN") {
                Some(bin) => Command::new(bin),
                None => Command::cargo_bin("tifa").expect("the tifa binary is built"),
            };
            let out = cmd.current_dir(dir).args(&argv[1..]).output().expect("tifa runs");
            let mut text = String::from_utf8(out.stdout).expect("UTF-8 stdout");
            text.push_str(&String::from_utf8(out.stderr).expect("UTF-8 stderr"));
            assert!(!text.contains("panicked"), "{line}:\n{text}");
            text
        }
        _ => panic!("the guide may only run tifa and cp -r: {line}"),
    }
}

fn tidy(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(|l| l.trim_end().to_string()).collect();
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

#[test]
fn the_guide_to_writing_rules_runs_as_written() {
    let update = std::env::var_os("TIFA_UPDATE_GUIDE").is_some();
    let guide = std::fs::read_to_string(guide_path()).expect("docs/writing-rules.md");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let lines: Vec<&str> = guide.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let (mut commands, mut files) = (0, 0);
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        out.push(line.to_string());
        i += 1;
        let marker = line
            .strip_prefix("<!-- file: ")
            .map(|p| (p, true))
            .or_else(|| line.strip_prefix("<!-- same: ").map(|p| (p, false)));
        if let Some((rest, write)) = marker {
            let path = dir.join(rest.trim_end_matches("-->").trim());
            assert!(lines[i].starts_with("```"), "a fenced block must follow {line}");
            out.push(lines[i].to_string());
            i += 1;
            let mut body = String::new();
            while !lines[i].starts_with("```") {
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
            }
            if write {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &body).unwrap();
            } else {
                let got = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                if update {
                    body = got;
                } else {
                    assert_eq!(got, body, "{} differs from the guide", path.display());
                }
            }
            out.extend(body.lines().map(str::to_string));
            files += 1;
        } else if line == "```console" {
            while !lines[i].starts_with("```") {
                let cmd = lines[i].strip_prefix("$ ").unwrap_or_else(|| {
                    panic!("line {}: expected `$ command`: {}", i + 1, lines[i])
                });
                out.push(lines[i].to_string());
                i += 1;
                let mut expected = Vec::new();
                while !lines[i].starts_with("```") && !lines[i].starts_with("$ ") {
                    expected.push(lines[i]);
                    i += 1;
                }
                let got = tidy(&execute(dir, cmd));
                commands += 1;
                if update {
                    out.extend(got);
                } else {
                    let want = tidy(&expected.join("\n"));
                    assert!(
                        got == want,
                        "`{cmd}` printed:\n{}\n\nbut the guide shows:\n{}\n\n(TIFA_UPDATE_GUIDE=1 rewrites the guide)",
                        got.join("\n"),
                        want.join("\n")
                    );
                    out.extend(expected.iter().map(|s| s.to_string()));
                }
            }
        }
    }
    assert!(
        commands >= 10 && files >= 3,
        "{commands} commands, {files} files: is the markup intact?"
    );
    if update {
        std::fs::write(guide_path(), out.join("\n") + "\n").unwrap();
    }
}
