//! The shipped JSON Schema of `pack.toml` (docs/pack.schema.json) is the
//! one generated from the manifest types, and real manifests validate
//! against it.

use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped() -> Value {
    let path = root().join("docs/pack.schema.json");
    let text = std::fs::read_to_string(&path).expect("docs/pack.schema.json exists");
    serde_json::from_str(&text).expect("docs/pack.schema.json is JSON")
}

fn manifest(text: &str) -> Value {
    toml::from_str(text).expect("a TOML manifest")
}

#[test]
fn the_shipped_schema_is_the_generated_one() {
    assert!(
        shipped() == tifa_rules::manifest::json_schema(),
        "docs/pack.schema.json is stale: run `tifa rules schema > docs/pack.schema.json`"
    );
}

#[test]
fn the_default_manifest_validates_and_a_wrong_one_does_not() {
    let validator = jsonschema::validator_for(&shipped()).expect("a valid JSON Schema");
    let text = std::fs::read_to_string(root().join("rules/default/pack.toml")).unwrap();
    let good = manifest(&text);
    let errors: Vec<String> = validator.iter_errors(&good).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(good["rule"].as_array().is_some_and(|r| r.len() > 20));

    // An unknown key, a wrong type and a missing `type` are all caught.
    let bad = [
        "[pack]\nname = \"x\"\n[[rule]]\nid = \"r\"\ntype = \"Designation\"\ncolour = \"red\"\n",
        "[pack]\nname = \"x\"\n[[rule]]\nid = \"r\"\ntype = \"Designation\"\npriority = \"high\"\n",
        "[pack]\nname = \"x\"\n[[rule]]\nid = \"r\"\n",
        "[pack]\nname = \"x\"\n[[rule]]\nid = \"r\"\ntype = \"T\"\nexamples = [{ txt = \"a\" }]\n",
    ];
    for b in bad {
        assert!(!validator.is_valid(&manifest(b)), "accepted:\n{b}");
    }
    let ok = "[pack]\nname = \"x\"\n[[rule]]\nid = \"r\"\ntype = \"T\"\nfields = { level = \"lvl\", n = { tag = \"n\", normalize = \"int\" } }\n";
    assert!(validator.is_valid(&manifest(ok)));
}
