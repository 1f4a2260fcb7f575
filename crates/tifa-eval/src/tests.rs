use super::*;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn scored() -> Scores {
    let gold = Data::load(&fixture("gold.jsonl")).expect("gold");
    let pred = Data::load(&fixture("pred.jsonl")).expect("pred");
    score(&gold, &pred, None)
}

#[test]
fn numbers_agree_with_score_py() {
    let s = scored();
    let text = std::fs::read_to_string(fixture("expected.json")).expect("expected");
    let expected: Value = serde_json::from_str(&text).expect("json");
    let expected = expected.as_object().expect("object");
    assert_eq!(expected.len(), s.rows.len(), "same rows");
    for (t, e) in expected {
        let r = s.rows.get(t).unwrap_or_else(|| panic!("row {t} missing"));
        assert_eq!(e["gold"].as_u64(), Some(r.gold as u64), "{t} gold");
        assert_eq!(e["pred"].as_u64(), Some(r.pred as u64), "{t} pred");
        let close = |k: &str, v: f64| {
            let want = e[k].as_f64().unwrap_or(f64::NAN);
            assert!((want - v).abs() < 1e-12, "{t} {k}: score.py {want}, tifa {v}");
        };
        close("strict_p", r.strict_p);
        close("strict_r", r.strict_r);
        close("strict_f1", r.strict_f1);
        close("lenient_p", r.lenient_p);
        close("lenient_r", r.lenient_r);
        close("lenient_f1", r.lenient_f1);
        if let Some(f) = r.fields_f1 {
            close("fields_f1", f);
        }
    }
}

#[test]
fn table_is_printed_like_score_py() {
    let want = std::fs::read_to_string(fixture("expected_table.txt")).expect("table");
    assert_eq!(table(&scored()), want);
}

#[test]
fn errors_are_listed_with_their_rules() {
    let s = scored();
    let fp: Vec<(&str, &str, bool)> =
        s.false_positives.iter().map(|i| (i.text.as_str(), i.rule.as_str(), i.lenient)).collect();
    assert!(fp.contains(&("五个方面", "numbered-set", false)), "{fp:?}");
    assert!(fp.contains(&("党建示范校", "designation", true)), "{fp:?}");
    assert!(!fp.iter().any(|f| f.0 == "锦江"), "a doubtful gold line excuses its lenient match");
    let missed: Vec<&str> = s.misses.iter().map(|i| i.text.as_str()).collect();
    assert!(missed.contains(&"王丽"));
    assert!(missed.contains(&"works_for: 王丽 → 成都市实验小学"));
    assert_eq!(s.rules["numbered-known"].strict, 1);
    assert_eq!(s.rules["quantity"].pred, 4);
    assert!(s.field_errors.iter().any(|i| i.text.starts_with("2.2万余人次")));
}

#[test]
fn normalization_and_values() {
    assert_eq!(norm("“党建＋ 业务”"), "党建+业务");
    assert!(same_value(Some(&Value::from(3418)), Some(&Value::from(3418.0))));
    assert!(same_value(Some(&Value::from(5)), Some(&Value::from("5"))));
    assert!(!same_value(Some(&Value::from(46)), None));
    assert!(same_value(None, Some(&Value::Null)));
    assert!(!same_value(Some(&Value::from("city")), Some(&Value::from("county"))));
}

#[test]
fn bad_json_names_file_and_line() {
    let e = Data::parse_str("p.jsonl", "{\"doc\":\"a\"}\n{oops}\n").unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("p.jsonl:2:"), "{msg}");
}
