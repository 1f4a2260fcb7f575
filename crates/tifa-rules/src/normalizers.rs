//! Built-in normalizers: Rust functions that a manifest names to turn a
//! captured string into a typed value. They are registered in one place,
//! [`REGISTRY`], so that `tifa rules check` can reject unknown names and
//! `tifa rules list` can show them.

use serde_json::Value;
use tifa_text::numerals::{numbers_in, parse_number};

/// A normalizer: captured text in, a JSON value out (`None` drops the field).
pub type NormalizeFn = fn(&str) -> Option<Value>;

/// One registered normalizer.
#[derive(Debug)]
pub struct Normalizer {
    /// The name a manifest uses.
    pub name: &'static str,
    /// What it does, for listings.
    pub doc: &'static str,
    /// The function.
    pub apply: NormalizeFn,
}

/// Every built-in normalizer. Add new ones here and nowhere else.
pub static REGISTRY: &[Normalizer] = &[
    Normalizer { name: "text", doc: "the captured text, quote marks removed", apply: text },
    Normalizer {
        name: "number",
        doc: "Chinese or Arabic numeral with 万/亿 scaling: 2.2万 → 22000",
        apply: number,
    },
    Normalizer { name: "int", doc: "an integer numeral: 三 → 3, 46 → 46", apply: int },
    Normalizer {
        name: "numbers",
        doc: "every numeral in order: 三会一课 → [3, 1]",
        apply: numbers,
    },
    Normalizer {
        name: "star_level", doc: "star level 1-5 from 五星/5星/★★★★★", apply: star_level
    },
    Normalizer { name: "year", doc: "a four-digit year: 2022年 → 2022", apply: year },
    Normalizer {
        name: "present",
        doc: "true when the tag took part in the match (use default = false)",
        apply: present,
    },
    Normalizer {
        name: "unit",
        doc: "measure word with a 万/亿 prefix removed: 万元 → 元",
        apply: unit,
    },
    Normalizer {
        name: "org_kind",
        doc: "organisation kind from the end of its name: …小学 → school, …区 → district",
        apply: org_kind,
    },
    Normalizer {
        name: "program_kind",
        doc: "program kind from its head word: 工程 → project, 活动 → campaign",
        apply: program_kind,
    },
    Normalizer {
        name: "level",
        doc: "administrative level of an honour: 省级 → provincial, 全市 → city",
        apply: level,
    },
];

/// Looks a normalizer up by name.
pub fn lookup(name: &str) -> Option<&'static Normalizer> {
    REGISTRY.iter().find(|n| n.name == name)
}

const QUOTES: &[char] = &['“', '”', '‘', '’', '《', '》', '「', '」', '"', '\''];

fn text(s: &str) -> Option<Value> {
    Some(Value::String(s.chars().filter(|c| !QUOTES.contains(c)).collect()))
}

/// A JSON number that prints as an integer when it is one, so that
/// `22000` is not written `22000.0`.
pub fn json_number(v: f64) -> Option<Value> {
    if !v.is_finite() {
        return None;
    }
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Some(Value::from(v as i64))
    } else {
        serde_json::Number::from_f64(v).map(Value::Number)
    }
}

fn number(s: &str) -> Option<Value> {
    let s = s.trim_end_matches(['余', '多', '%', '％']);
    // 320余万: the 余 or 多 may stand before the magnitude too (copied
    // only then).
    let v = if s.contains(['余', '多']) {
        parse_number(&s.replace(['余', '多'], ""))
    } else {
        parse_number(s)
    };
    v.and_then(json_number)
}

fn int(s: &str) -> Option<Value> {
    let v = parse_number(s)?;
    (v.fract() == 0.0).then(|| Value::from(v as i64))
}

fn numbers(s: &str) -> Option<Value> {
    let v = numbers_in(s);
    (!v.is_empty()).then(|| Value::from(v))
}

fn star_level(s: &str) -> Option<Value> {
    let stars = s.chars().filter(|&c| c == '★').count();
    if stars > 0 {
        return Some(Value::from(stars));
    }
    let n = numbers_in(s).into_iter().next()?;
    (1..=5).contains(&n).then(|| Value::from(n))
}

fn year(s: &str) -> Option<Value> {
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let y: i64 = digits.get(..4)?.parse().ok()?;
    (1900..=2100).contains(&y).then(|| Value::from(y))
}

fn present(s: &str) -> Option<Value> {
    Some(Value::Bool(!s.is_empty()))
}

fn unit(s: &str) -> Option<Value> {
    let u = s.trim_start_matches(['万', '亿']);
    // 5个小时 counts hours, 5个工作日 working days.
    let u = match u {
        "个小时" => "小时",
        "个工作日" => "工作日",
        _ => u,
    };
    Some(Value::String(if u.is_empty() { s.to_string() } else { u.to_string() }))
}

/// Suffix → kind, longest suffixes first within each group.
const ORG_KINDS: &[(&str, &str)] = &[
    ("教育集团", "education_group"),
    ("集团", "education_group"),
    ("幼儿园", "kindergarten"),
    ("大学", "university"),
    ("学院", "university"),
    ("研究院", "institute"),
    ("研究所", "institute"),
    ("研究中心", "institute"),
    ("党总支", "branch"),
    ("党支部", "branch"),
    ("支部", "branch"),
    ("教育工委", "party_committee"),
    ("工委", "party_committee"),
    ("党委", "party_committee"),
    ("党组", "party_committee"),
    ("教育局", "bureau"),
    ("教体局", "bureau"),
    ("体育局", "bureau"),
    ("局", "bureau"),
    ("校区", "school"),
    ("小学", "school"),
    ("中学", "school"),
    ("初中", "school"),
    ("高中", "school"),
    ("学校", "school"),
    ("一中", "school"),
    ("二中", "school"),
    ("三中", "school"),
    ("中专", "school"),
    ("职专", "school"),
    ("报", "media"),
    ("电视台", "media"),
    ("省", "province"),
    ("自治区", "province"),
    ("市", "city"),
    ("州", "city"),
    ("盟", "city"),
    ("区", "district"),
    ("县", "county"),
    ("旗", "county"),
    ("镇", "town"),
    ("乡", "town"),
    ("街道", "town"),
    ("村", "village"),
    ("社区", "village"),
];

fn org_kind(s: &str) -> Option<Value> {
    let kind = ORG_KINDS.iter().find(|(suffix, _)| s.ends_with(suffix)).map_or("other", |k| k.1);
    Some(Value::from(kind))
}

const PROGRAM_KINDS: &[(&str, &str)] = &[
    ("工程", "project"),
    ("项目", "project"),
    ("计划", "project"),
    ("活动", "campaign"),
    ("行动", "campaign"),
    ("运动", "campaign"),
    ("教育", "campaign"),
    ("制度", "system"),
    ("机制", "system"),
    ("体系", "system"),
    ("办法", "system"),
    ("模式", "model"),
    ("品牌", "brand"),
    ("课堂", "course"),
    ("课程", "course"),
    ("课", "course"),
];

/// Words in 制 that name no system.
const NOT_SYSTEMS: &[&str] = &[
    "控制", "限制", "研制", "定制", "复制", "抵制", "克制", "压制", "编制", "管制", "节制", "牵制",
    "遏制", "强制", "专制", "绘制", "录制", "印制", "炮制", "自制",
];

fn program_kind(s: &str) -> Option<Value> {
    if s.starts_with('《') {
        return Some(Value::from("document"));
    }
    let kind = match PROGRAM_KINDS.iter().find(|(head, _)| s.ends_with(head)) {
        Some(k) => k.1,
        // A list of things to do (亮身份、亮承诺、亮本领) is a campaign
        // (ANNOTATION.md).
        None if s.contains('、') => "campaign",
        // 河长制, 首问负责制: a system; not a verb in 制 (控制, 定制).
        None if s.ends_with('制') && !NOT_SYSTEMS.iter().any(|v| s.ends_with(v)) => "system",
        None => "other",
    };
    Some(Value::from(kind))
}

const LEVELS: &[(&str, &str)] = &[
    ("国家级", "national"),
    ("全国", "national"),
    ("国家", "national"),
    ("部级", "national"),
    ("省级", "provincial"),
    ("自治区级", "provincial"),
    ("全省", "provincial"),
    ("省", "provincial"),
    ("市级", "city"),
    ("全市", "city"),
    ("市", "city"),
    ("县级", "county"),
    ("区级", "county"),
    ("全县", "county"),
    ("全区", "county"),
    ("县", "county"),
    ("区", "county"),
];

fn level(s: &str) -> Option<Value> {
    LEVELS
        .iter()
        .find(|(p, _)| s.starts_with(p))
        .or_else(|| area_level(s))
        .map(|l| Value::from(l.1))
}

/// The level of an honour named after the area that gives it: 河南省 →
/// provincial, 郑州市 → city, 中原区 → county.
fn area_level(s: &str) -> Option<&'static (&'static str, &'static str)> {
    const AREAS: &[(&str, &str)] = &[
        ("自治区", "provincial"),
        ("省", "provincial"),
        ("自治州", "city"),
        ("市", "city"),
        ("自治县", "county"),
        ("县", "county"),
        ("区", "county"),
        ("旗", "county"),
    ];
    (s.chars().count() >= 3).then(|| AREAS.iter().find(|(suffix, _)| s.ends_with(suffix))).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, s: &str) -> Option<Value> {
        (lookup(name).expect("registered").apply)(s)
    }

    #[test]
    fn numbers_scale_and_print_as_integers() {
        assert_eq!(run("number", "2.2万").unwrap().to_string(), "22000");
        assert_eq!(run("number", "1260.61万").unwrap().to_string(), "12606100");
        assert_eq!(run("number", "320余万").unwrap().to_string(), "3200000");
        assert_eq!(run("number", "20多亿").unwrap().to_string(), "2000000000");
        assert_eq!(run("number", "63.8").unwrap().to_string(), "63.8");
        assert_eq!(run("number", "五"), Some(Value::from(5)));
        assert_eq!(run("number", "三会"), None);
    }

    #[test]
    fn formulation_numbers_keep_their_order() {
        assert_eq!(run("numbers", "三会一课"), Some(serde_json::json!([3, 1])));
        assert_eq!(run("numbers", "会课"), None);
    }

    #[test]
    fn levels_come_from_level_words_and_area_names() {
        assert_eq!(run("level", "省级"), Some(Value::from("provincial")));
        assert_eq!(run("level", "全国"), Some(Value::from("national")));
        assert_eq!(run("level", "河南省"), Some(Value::from("provincial")));
        assert_eq!(run("level", "广西壮族自治区"), Some(Value::from("provincial")));
        assert_eq!(run("level", "自治区级"), Some(Value::from("provincial")));
        assert_eq!(run("level", "郑州市"), Some(Value::from("city")));
        assert_eq!(run("level", "中原区"), Some(Value::from("county")));
        assert_eq!(run("level", "优秀"), None);
    }

    #[test]
    fn star_levels_stay_in_range() {
        assert_eq!(run("star_level", "五星级"), Some(Value::from(5)));
        assert_eq!(run("star_level", "4星"), Some(Value::from(4)));
        assert_eq!(run("star_level", "七星"), None);
    }

    #[test]
    fn kinds_follow_the_suffix() {
        assert_eq!(run("org_kind", "济宁市东门大街小学"), Some(Value::from("school")));
        assert_eq!(run("org_kind", "任城区委教育工委"), Some(Value::from("party_committee")));
        assert_eq!(run("org_kind", "古城路小学党支部"), Some(Value::from("branch")));
        assert_eq!(run("org_kind", "任城区"), Some(Value::from("district")));
        assert_eq!(run("program_kind", "双带头人工程"), Some(Value::from("project")));
        assert_eq!(run("program_kind", "亮身份、亮承诺、亮本领"), Some(Value::from("campaign")));
        assert_eq!(run("program_kind", "文化、名师、家校工程"), Some(Value::from("project")));
        assert_eq!(run("program_kind", "红心护航"), Some(Value::from("other")));
        assert_eq!(run("program_kind", "首问负责制"), Some(Value::from("system")));
        assert_eq!(run("program_kind", "质量控制"), Some(Value::from("other")));
        assert_eq!(run("level", "省级"), Some(Value::from("provincial")));
        assert_eq!(run("year", "2022年"), Some(Value::from(2022)));
        assert_eq!(run("unit", "万元"), Some(Value::from("元")));
        assert_eq!(run("unit", "个小时"), Some(Value::from("小时")));
        assert_eq!(run("unit", "个工作日"), Some(Value::from("工作日")));
    }

    #[test]
    fn names_are_unique() {
        for (i, n) in REGISTRY.iter().enumerate() {
            assert!(REGISTRY[..i].iter().all(|m| m.name != n.name), "{} twice", n.name);
        }
    }
}
