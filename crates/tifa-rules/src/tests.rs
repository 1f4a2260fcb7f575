use super::*;

const GRAMMAR: &str = r#"
han = _{ '\u{4E00}'..'\u{9FFF}' }
left = { han{1,8} }
right = { (!"”" ~ han){0,8} }
plus = { left ~ "+" ~ right }
"#;

fn pack(manifest: &str, grammar: &str) -> PackSource {
    let mut src = PackSource::new("t");
    src.insert("pack.toml", manifest);
    src.insert("g.pest", grammar);
    src
}

const HEAD: &str = "[pack]\nname = \"t\"\ngrammars = [\"g.pest\"]\n";

fn errors(src: &PackSource) -> Vec<String> {
    match load(src, &Library::default()) {
        Ok(_) => vec![],
        Err(e) => e
            .diagnostics
            .iter()
            .filter(|d| d.severity == tifa_model::Severity::Error)
            .map(|d| d.to_string())
            .collect(),
    }
}

#[test]
fn a_good_pack_loads_and_matches() {
    let m = format!("{HEAD}[[rule]]\nid = \"plus\"\ntype = \"PlusCompound\"\nfields = {{ left = \"left\", right = {{ tag = \"right\", default = \"\" }} }}\n");
    let p = load(&pack(&m, GRAMMAR), &Library::default()).unwrap();
    let input = "党建+业务”模式";
    let got = p.match_at(0, input).unwrap();
    assert_eq!(&input[..got.len], "党建+业务");
    let fields = p.fields(&p.rules[0], &got, input);
    assert_eq!(fields["left"], "党建");
    assert_eq!(fields["right"], "业务");
    assert_eq!(
        p.rules[0].anchors,
        Anchors::Literals { literals: ["+".to_string()].into(), lookback: 8 }
    );
    assert!(p.match_at(0, "党建与业务").is_none());
}

#[test]
fn a_grammar_error_names_the_file_line_and_column() {
    let m = format!("{HEAD}[[rule]]\nid = \"plus\"\ntype = \"PlusCompound\"\n");
    let errs = errors(&pack(&m, "\n\nplus = { \"+\" ~ }\n"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("t/g.pest:3:"), "{}", errs[0]);
}

#[test]
fn an_import_error_points_into_the_imported_file() {
    let mut lib = Library::default();
    lib.insert("nums", "grammars/nums.pest", "digit = { '0'..'9' }\nbad = { digit ~ ~ }\n");
    let m = "[pack]\nname = \"t\"\nimports = [\"nums\"]\ngrammars = [\"g.pest\"]\n";
    let err = load(&pack(m, GRAMMAR), &lib).unwrap_err();
    let first = err.diagnostics[0].to_string();
    assert!(first.starts_with("grammars/nums.pest:2:"), "{first}");
}

#[test]
fn unknown_names_are_all_reported_with_positions() {
    let m = format!(
        "{HEAD}[[rule]]\nid = \"plus\"\ntype = \"PlusCompound\"\ngrammar = \"plsu\"\n\
         [[rule]]\nid = \"p2\"\ntype = \"PlusCompound\"\ngrammar = \"plus\"\n\
         fields = {{ colour = \"left\", right = {{ tag = \"right\", normalize = \"shout\" }}, left = \"nope\" }}\n\
         [[rule]]\nid = \"p3\"\ntype = \"Plus\"\ngrammar = \"plus\"\n"
    );
    let errs = errors(&pack(&m, GRAMMAR));
    let joined = errs.join("\n");
    assert!(
        joined.contains("t/pack.toml:7:11: error: rule `plus` runs grammar rule `plsu`"),
        "{joined}"
    );
    assert!(joined.contains("unknown field `colour`"), "{joined}");
    assert!(joined.contains("unknown normalizer `shout`"), "{joined}");
    assert!(joined.contains("`nope` is neither a tag nor a non-silent rule"), "{joined}");
    assert!(joined.contains("unknown mention type `Plus`"), "{joined}");
    assert_eq!(errs.len(), 5, "{joined}");
}

#[test]
fn manifest_syntax_errors_have_positions() {
    let errs = errors(&pack("[pack]\nname = \"t\"\n[[rule]\n", GRAMMAR));
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("t/pack.toml:3:"), "{}", errs[0]);
    let errs = errors(&pack("[pack]\nname = \"t\"\nfrobnicate = 1\n", GRAMMAR));
    assert!(errs[0].contains("frobnicate"), "{}", errs[0]);
}

#[test]
fn duplicate_ids_and_silent_entry_rules_are_rejected() {
    let m = format!(
        "{HEAD}[[rule]]\nid = \"plus\"\ntype = \"PlusCompound\"\n[[rule]]\nid = \"plus\"\ntype = \"PlusCompound\"\n\
         [[rule]]\nid = \"h\"\ntype = \"PlusCompound\"\ngrammar = \"han\"\n"
    );
    let joined = errors(&pack(&m, GRAMMAR)).join("\n");
    assert!(joined.contains("used twice"), "{joined}");
    assert!(joined.contains("is silent"), "{joined}");
}

#[test]
fn failures_say_where_and_what() {
    let m = format!("{HEAD}[[rule]]\nid = \"plus\"\ntype = \"PlusCompound\"\n");
    let p = load(&pack(&m, GRAMMAR), &Library::default()).unwrap();
    set_detailed_failures(true);
    let f = p.try_at(0, "党建-业务").unwrap_err();
    set_detailed_failures(false);
    assert_eq!(f.at, "党建".len());
    assert!(f.expected.iter().any(|e| e == "+"), "{f:?}");
}

#[test]
fn line_col_counts_characters() {
    assert_eq!(line_col("ab\n党建x", "ab\n党建".len()), (2, 3));
    assert_eq!(line_col("", 5), (1, 1));
}

#[test]
fn a_distinct_check_drops_a_unit_said_twice() {
    let grammar = r#"
han = _{ '\u{4E00}'..'\u{9FFF}' }
unit = { (!"一" ~ han){1,3} }
per = { ("一" ~ #part = unit){2,3} }
"#;
    let m = format!(
        "{HEAD}[[rule]]\nid = \"per\"\ntype = \"OnePerFormulation\"\nchecks = [{{ tag = \"part\", distinct = true }}]\n"
    );
    let p = load(&pack(&m, grammar), &Library::default()).unwrap();
    let passes = |input: &str| {
        let got = p.match_at(0, input).unwrap();
        p.passes_checks(&p.rules[0], &got, input)
    };
    assert!(passes("一校一品"));
    assert!(passes("一廊一墙一廊"), "not every part starts with the shortest");
    assert!(!passes("一页一页"));
    assert!(!passes("一句一句读"), "句 and 句读: the later part runs on");
    assert!(!passes("一步一步一步"));

    let both = format!(
        "{HEAD}[[rule]]\nid = \"per\"\ntype = \"OnePerFormulation\"\nchecks = [{{ tag = \"part\", distinct = true, not_in = \"x\" }}]\n"
    );
    let errs = errors(&pack(&both, grammar));
    assert!(errs.iter().any(|e| e.contains("exactly one of")), "{errs:?}");
}

#[test]
fn line_positions_in_one_walk_agree_with_line_col() {
    let text = "a = { \"x\" }\r\nbé = { \"甲\" }\n\n  c = { b }\rd = { c }\n";
    let mut lines = Lines { text, pos: 0, line: 1, line_start: 0 };
    let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    for &o in &offsets {
        assert_eq!(lines.at(o), line_col(text, o), "offset {o}");
    }
    // An offset behind the walk falls back to a scan from the start.
    assert_eq!(lines.at(3), line_col(text, 3));
}

#[test]
fn rules_are_defined_where_their_names_stand() {
    let grammar = "a = { \"x\" }\n\n// note\n  bb = { a ~ \"y\" }\n";
    let m = format!("{HEAD}[[rule]]\nid = \"b\"\ntype = \"Quantity\"\ngrammar = \"bb\"\n");
    let p = load(&pack(&m, grammar), &Library::default()).unwrap();
    let at = |r: &str| p.grammar.defined_at.get(r).map(|l| (l.path.clone(), l.line, l.column));
    assert_eq!(at("a"), Some(("t/g.pest".to_string(), 1, 1)));
    assert_eq!(at("bb"), Some(("t/g.pest".to_string(), 4, 3)));
}

#[test]
fn a_precompiled_grammar_loads_the_same_pack_and_only_for_its_grammar() {
    let grammar = "a = { \"x\" }\n\n// note\n  bb = { a ~ (\"y\" | \"z\"){1,3} }\n";
    let m = format!("{HEAD}[[rule]]\nid = \"b\"\ntype = \"Quantity\"\ngrammar = \"bb\"\n");
    let plain = pack(&m, grammar);
    let blob: &'static [u8] = Box::leak(precompile(&plain, &Library::default()).unwrap().into());
    let mut pre = plain.clone();
    pre.precompiled = Some(blob);
    let (a, b) =
        (load(&plain, &Library::default()).unwrap(), load(&pre, &Library::default()).unwrap());
    assert_eq!(a.grammar.defined_at, b.grammar.defined_at);
    assert_eq!(a.rules[0].anchors, b.rules[0].anchors);
    assert_eq!(a.rules[0].requires, b.rules[0].requires);
    for input in ["xyz", "xy", "x", "xq"] {
        assert_eq!(a.match_at(0, input), b.match_at(0, input), "{input}");
    }
    assert_eq!(b.match_at(0, "xzy").map(|m| m.len), Some(3));
    // The blob of another grammar is not used: its errors still show.
    let mut broken = pack(&m, "bb = { \"x\" ~ }\n");
    broken.precompiled = Some(blob);
    assert!(!errors(&broken).is_empty());
    let mut changed = pack(&m, &grammar.replace("\"y\"", "\"w\""));
    changed.precompiled = Some(blob);
    assert_eq!(
        load(&changed, &Library::default()).unwrap().match_at(0, "xw").map(|m| m.len),
        Some(2)
    );
}
