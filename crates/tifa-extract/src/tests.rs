use super::*;
use tifa_rules::{load, Library, PackSource};

const GRAMMAR: &str = r#"
han = _{ '\u{4E00}'..'\u{9FFF}' }
side = { (!"+" ~ !"”" ~ han){1,8} }
quoted_plus = { "“" ~ #left = side ~ "+" ~ #right = side? ~ "”" }
quoted = { "“" ~ #name = inner ~ "”" }
inner = { (!"”" ~ ANY){1,20} }
party = { han{0,2} ~ "党建" }
party_long = { han{2} ~ "党建工作" }
"#;

const MANIFEST: &str = r#"
[pack]
name = "t"
grammars = ["g.pest"]

[[rule]]
id = "quoted-plus"
type = "PlusCompound"
fields = { left = "left", right = { tag = "right", default = "" } }
relations = [{ rel = "runs", from = "self", to = "left" }]

[[rule]]
id = "quoted"
type = "Program"
text = "name"

[[rule]]
id = "party"
type = "Program"
group = "party"

[[rule]]
id = "party-long"
type = "Program"
group = "party"
"#;

fn packs() -> Vec<tifa_rules::Pack> {
    let mut src = PackSource::new("t");
    src.insert("pack.toml", MANIFEST);
    src.insert("g.pest", GRAMMAR);
    vec![load(&src, &Library::default()).expect("test pack loads")]
}

#[test]
fn nested_matches_of_different_types_are_all_found() {
    let packs = packs();
    let ex = Extractor::new(&packs);
    let out = ex.extract("d", "做好“党建+业务”特色文章");
    let got: Vec<(&str, &str, usize, usize)> =
        out.mentions.iter().map(|m| (m.kind.as_str(), m.text.as_str(), m.start, m.end)).collect();
    assert!(got.contains(&("PlusCompound", "党建+业务", 3, 8)), "{got:?}");
    assert!(got.contains(&("Program", "党建+业务", 3, 8)), "{got:?}");
    let plus = out.mentions.iter().find(|m| m.kind == "PlusCompound").unwrap();
    assert_eq!(plus.fields["left"], "党建");
    assert_eq!(plus.fields["right"], "业务");
}

#[test]
fn offsets_point_into_the_original_across_layout_breaks() {
    let packs = packs();
    let ex = Extractor::new(&packs);
    let original = "任城区教体系统紧紧围绕教育工作实际，做好“党建+业\n\n务”特色文章，深化改革。";
    let out = ex.extract("d", original);
    let m =
        out.mentions.iter().find(|m| m.kind == "PlusCompound").expect("joined across the break");
    assert_eq!(m.text, "党建+业务");
    let chars: Vec<char> = original.chars().collect();
    assert_eq!(chars[m.start], '党');
    assert_eq!(chars[m.end - 1], '务');
}

#[test]
fn overlaps_in_a_group_keep_the_longest() {
    let packs = packs();
    let ex = Extractor::new(&packs);
    let exp = ex.explain("d", "抓好学校党建工作");
    let party: Vec<&str> = exp
        .extraction
        .mentions
        .iter()
        .filter(|m| m.rule.starts_with("party"))
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(party, vec!["学校党建工作"]);
    assert_eq!(exp.losses.len(), 1);
    assert_eq!(exp.losses[0].loser.text, "学校党建");
    assert_eq!(exp.losses[0].reason, "longer");
}

#[test]
fn relations_come_from_the_winning_matches() {
    let packs = packs();
    let ex = Extractor::new(&packs);
    let out = ex.extract("d", "运用“互联网+党建”模式");
    assert_eq!(out.relations.len(), 1);
    assert_eq!(
        (out.relations[0].from.as_str(), out.relations[0].to.as_str()),
        ("互联网+党建", "互联网")
    );
}

#[test]
fn extraction_is_deterministic() {
    let packs = packs();
    let ex = Extractor::new(&packs);
    let text = "做好“党建+业务”文章。“党建+”工程，抓好学校党建工作。".repeat(20);
    let a = serde_json::to_string(&ex.extract("d", &text)).unwrap();
    let b = serde_json::to_string(&Extractor::new(&packs).extract("d", &text)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn empty_and_odd_input_gives_nothing_and_no_panic() {
    let packs = packs();
    let ex = Extractor::new(&packs);
    for text in ["", "\n\n\n", "“", "”“", "+", "\u{0}\u{1}", "“党建+", "党建+”"] {
        let out = ex.extract("d", text);
        assert!(out.mentions.iter().all(|m| m.start < m.end), "{text:?}");
    }
}

#[test]
fn examples_run_and_report_failures() {
    let mut src = PackSource::new("t");
    let manifest = MANIFEST.replace(
        "relations = [{ rel = \"runs\", from = \"self\", to = \"left\" }]",
        "examples = [{ text = \"开展“党建+业务”\", expect = \"党建+业务\", fields = { left = \"党建\" } },\n\
         { text = \"开展“党建+业务”\", fields = { right = \"文明\" } }]\nnon_examples = [\"党建与业务\", \"“党建+业务”\"]",
    );
    src.insert("pack.toml", manifest);
    src.insert("g.pest", GRAMMAR);
    let packs = vec![load(&src, &Library::default()).unwrap()];
    let (n, failures) = examples::run(&packs, 0);
    assert_eq!(n, 4);
    let rules: Vec<&str> = failures.iter().map(|f| f.text.as_str()).collect();
    assert_eq!(rules, vec!["开展“党建+业务”", "“党建+业务”"]);
    assert!(failures[0].diff.contains("- right: \"文明\""), "{}", failures[0].diff);
}

#[test]
fn lexicon_rules_take_the_leftmost_longest_term_without_overlaps() {
    let mut src = PackSource::new("lex");
    src.insert(
        "pack.toml",
        "[pack]\nname = \"lex\"\n[lexicons]\nplaces = { file = \"places.tsv\" }\n\
         [[rule]]\nid = \"place\"\ntype = \"Organization\"\nlexicon = \"places\"\n",
    );
    // Terms that overlap each other and the anchors of no rule.
    src.insert("places.tsv", "name\n东湖\n东湖区\n湖区\n湖区中\n区中学\n中学\n");
    let packs = vec![load(&src, &Library::default()).expect("lexicon pack loads")];
    let ex = Extractor::new(&packs);
    let got: Vec<String> =
        ex.extract("d", "东湖区中学，湖区中，中学").mentions.into_iter().map(|m| m.text).collect();
    // 东湖区 (longest at the leftmost start), then 中学 after it (区中学
    // starts inside 东湖区); 湖区中; 中学.
    assert_eq!(got, vec!["东湖区", "中学", "湖区中", "中学"]);
}

/// The texts of the mentions found in `text` by a pack whose `rules` (TOML)
/// may use the lexicon `places` (one term a line) and the test grammar.
fn place_pack_texts(rules: &str, places: &str, text: &str) -> Vec<String> {
    let mut src = PackSource::new("p");
    src.insert(
        "pack.toml",
        format!(
            "[pack]\nname = \"p\"\ngrammars = [\"g.pest\"]\n[lexicons]\nplaces = {{ file = \"places.tsv\" }}\n{rules}"
        ),
    );
    src.insert("places.tsv", format!("name\n{places}"));
    src.insert("g.pest", GRAMMAR);
    let packs = vec![load(&src, &Library::default()).expect("pack loads")];
    let ex = Extractor::new(&packs);
    ex.extract("d", text).mentions.into_iter().map(|m| m.text).collect()
}

#[test]
fn not_before_drops_a_match_that_a_listed_string_follows() {
    let got = place_pack_texts(
        "[[rule]]\nid = \"place\"\ntype = \"Organization\"\nlexicon = \"places\"\nnot_before = [\"路\", \"街道\"]\n\
         [[rule]]\nid = \"quoted\"\ntype = \"Program\"\ntext = \"name\"\nnot_before = [\"了\"]\n",
        "中山\n玉林\n",
        "中山路，玉林街道，中山市和玉林。“好好学习”了，“天天向上”活动",
    );
    assert_eq!(got, vec!["中山", "玉林", "天天向上"]);
}

#[test]
fn lexicon_rules_keep_their_left_context_and_not_within_words() {
    let got = place_pack_texts(
        "[[rule]]\nid = \"place\"\ntype = \"Organization\"\nlexicon = \"places\"\n\
         not_within = [\"担保定\", \"医保定点\"]\nnot_after = [\"承\"]\n",
        "保定\n上海\n",
        "信用卡担保定单，医保定点医院，到保定，承上海，去上海，保定医保定",
    );
    // Inside 担保定 or 医保定点: no city; after 承: none; 医保定 at the end
    // is no 医保定点, so that 保定 stays.
    assert_eq!(got, vec!["保定", "上海", "保定", "保定"]);
}

#[test]
fn a_left_context_is_tested_by_its_last_character_before_the_start_check() {
    // A rule that must follow 开展 or a sentence start: 开展党建 and a
    // bare 党建 at the start match; 做好党建 does not, and is not even
    // tried (its last character ends no word of the list).
    let mut src = PackSource::new("t");
    src.insert("pack.toml", format!("{MANIFEST}after = [\"^\", \"开展\"]\n"));
    src.insert("g.pest", GRAMMAR);
    let packs = vec![load(&src, &Library::default()).expect("test pack loads")];
    let ex = Extractor::new(&packs);
    let g = ex.order.iter().position(|rr| packs[0].rules[rr.rule].id == "party-long").unwrap();
    assert!(ex.left_may_hold(g, "今年开展") && ex.left_may_hold(g, "") && ex.left_may_hold(g, " "));
    assert!(!ex.left_may_hold(g, "做好") && !ex.left_may_hold(g, "开展，"));
    assert!(ex.left_may_hold(0, "做好"), "a rule without `after` holds anywhere");
    for (text, found) in
        [("开展学校党建工作", true), ("学校党建工作", true), ("做好学校党建工作", false)]
    {
        let out = ex.extract("d", text);
        let long = out.mentions.iter().any(|m| m.rule == "party-long");
        assert_eq!(long, found, "{text}");
        // The interpreter, which tries every candidate, agrees.
        let slow = Extractor::with_engine(&packs, Engine::Interpreter).extract("d", text);
        assert_eq!(slow.mentions, out.mentions, "{text}");
    }
}

#[test]
fn a_mention_never_holds_half_a_pair_of_quotes() {
    let t = |text: &str, span: &str| {
        let at = text.find(span).expect("span in text");
        let r = trim_quotes(text, at..at + span.len());
        text[r].to_string()
    };
    // Quotes at the ends go.
    assert_eq!(t("被评为“全国文明校园”。", "“全国文明校园”"), "全国文明校园");
    // A pair inside stays whole.
    assert_eq!(
        t("获评省级“一校一品”党建品牌。", "省级“一校一品”党建品牌"),
        "省级“一校一品”党建品牌"
    );
    // An open quote is closed by the mark after the span; a close, opened
    // by the mark before it.
    assert_eq!(t("命名为省级“党建工作示范点”。", "省级“党建工作示范点"), "省级“党建工作示范点”");
    assert_eq!(t("开展“八五”普法依法治理", "八五”普法依法治理"), "“八五”普法依法治理");
    assert_eq!(t("读《周易》算命热", "周易》算命热"), "《周易》算命热");
    // Without the other mark beside it, the span is left as it is.
    assert_eq!(t("三下乡”先进集体", "三下乡”先进集体"), "三下乡”先进集体");
}
