//! The items of numbered formulations, where the text spells them out.
//!
//! "“三个全覆盖”为：所有学校都有党员、所有班子都有党员干部、所有教育机构都有健全
//! 的党组织" gives 三个全覆盖 three `items`; "政风清明、校风清静、教风清正、学风清新
//! ”四位一体" gives 四位一体 the four listed before it. A list is a run of at
//! least two short phrases joined by `、`, right before the formulation or
//! within the rest of its sentence and the next one. When the count of the
//! items found differs from the numeral, the items are kept and a warning
//! says so: either the text lists them differently or the list is not the
//! formulation's.

use serde_json::Value;
use std::collections::BTreeMap;
use tifa_model::{Diagnostic, Location, Mention};

/// Longest phrase taken as one item, in characters.
const MAX_ITEM: usize = 16;
/// How far after a formulation its list may start, in characters.
const WINDOW: usize = 150;

/// Words that introduce a list and are not part of its first item.
const LEADS: &[&str] = &["分别是", "分别为", "主要是", "就是", "包括", "即"];

fn is_item_char(c: char) -> bool {
    // CJK first, then the punctuation that fills Chinese text: the general
    // Unicode lookup is slow and rarely needed.
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
        || c.is_ascii_alphanumeric()
        || !c.is_ascii() && !is_punctuation(c) && c.is_alphanumeric()
}

/// General, CJK and full-width punctuation; none of it is alphanumeric
/// (〇, 々 and the Hangzhou numerals of U+3005-U+3007, U+3021-U+303C are
/// left out).
fn is_punctuation(c: char) -> bool {
    matches!(
        c as u32,
        0x2000..=0x206F | 0x3000..=0x3004 | 0x3008..=0x3020 | 0x3030 | 0x303D..=0x303F
            | 0xFF00..=0xFF0F | 0xFF1A..=0xFF20
    )
}

/// Lists (as char ranges of their items) in `chars[from..to]`.
/// Each list comes with whether a lead word (即, 包括) opened it.
fn lists(chars: &[char], from: usize, to: usize) -> Vec<(Vec<(usize, usize)>, bool)> {
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        if !is_item_char(chars[i]) {
            i += 1;
            continue;
        }
        let mut items = Vec::new();
        let mut s = i;
        loop {
            let mut e = s;
            while e < to && is_item_char(chars[e]) {
                e += 1;
            }
            items.push((s, e));
            if e < to && chars[e] == '、' && e + 1 < to && is_item_char(chars[e + 1]) {
                s = e + 1;
            } else {
                i = e.max(i + 1);
                break;
            }
        }
        if items.len() < 2 {
            continue; // one run of characters is no list
        }
        // 即A、B、C: the connective is not part of the first item.
        let mut led = false;
        if let Some(first) = items.first_mut() {
            let item = &chars[first.0..first.1];
            let starts = |l: &&&str| {
                item.len() >= l.chars().count() && l.chars().zip(item).all(|(a, &b)| a == b)
            };
            if let Some(lead) = LEADS.iter().find(starts) {
                first.0 += lead.chars().count();
                led = true;
            }
        }
        let short = items.iter().all(|&(a, b)| b - a >= 2 && b - a <= MAX_ITEM);
        if items.len() >= 2 && short {
            out.push((items, led));
        }
    }
    out
}

/// The last item of a list that opens right after its formulation may run
/// on into the sentence (选拔一批、培养一批、储备一批后备力量): where every
/// earlier item (at least two) ends with the same words and the last holds
/// them with more after, it ends there.
fn trim_last(chars: &[char], items: &mut [(usize, usize)]) {
    let Some((&last, earlier)) = items.split_last() else { return };
    if earlier.len() < 2 {
        return;
    }
    let (a0, e0) = earlier[0];
    let mut k = 0; // length of the common suffix of the earlier items
    while k < e0 - a0
        && earlier.iter().all(|&(a, e)| e - a > k && chars[e - 1 - k] == chars[e0 - 1 - k])
    {
        k += 1;
    }
    let suffix = &chars[e0 - k..e0];
    if k == 0 || k == e0 - a0 {
        return;
    }
    let (a, e) = last;
    let found = (a + 1..e.saturating_sub(k)).find(|&i| &chars[i..i + k] == suffix);
    if let (Some(i), Some(l)) = (found, items.last_mut()) {
        l.1 = i + k;
    }
}

/// Items built alike: all end, or all start, with the same character
/// (领导班子好、党员队伍好; 有设施、有标志).
fn is_parallel(chars: &[char], l: &[(usize, usize)]) -> bool {
    let same = |f: &dyn Fn(&(usize, usize)) -> char| l.iter().all(|x| f(x) == f(&l[0]));
    same(&|&(_, e)| chars[e - 1]) || l.len() >= 3 && same(&|&(a, _)| chars[a])
}

/// Items that hold figures (党员服务队327支、党员突击队85支) report counts;
/// they are no set a numeral names.
fn counts(chars: &[char], l: &[(usize, usize)]) -> bool {
    l.iter().any(|&(a, e)| chars[a..e].iter().any(char::is_ascii_digit))
}

fn sentence_end(chars: &[char], from: usize, sentences: usize) -> usize {
    let mut left = sentences;
    let mut i = from;
    while i < chars.len() {
        if matches!(chars[i], '。' | '！' | '？' | '\n') {
            left -= 1;
            if left == 0 {
                return i;
            }
        }
        i += 1;
    }
    chars.len()
}

/// How many items the formulation's numeral promises, when it is clear:
/// 五好 → 5, 三个全覆盖 → 3, 四位一体 → 4; none for 3+2 or 三会一课.
fn expected(m: &Mention) -> Option<usize> {
    let nums: Vec<u64> =
        m.fields.get("numbers")?.as_array()?.iter().filter_map(Value::as_u64).collect();
    match nums.as_slice() {
        [n] if *n >= 2 => Some(*n as usize),
        [n, 1] if m.text.contains("位一体") => Some(*n as usize),
        _ => None,
    }
}

/// Fills `items` of numbered formulations and warns on count mismatches.
pub fn fill(doc: &str, chars: &[char], mentions: &mut [Mention]) -> Vec<Diagnostic> {
    // Per formulation text: the best list found at any of its mentions.
    let mut best: BTreeMap<String, (bool, usize, Vec<String>)> = BTreeMap::new();
    for m in mentions.iter().filter(|m| m.kind == "NumberedFormulation") {
        let want = expected(m);
        // Lists clearly tied to the formulation (right before it, or opened
        // by ：/即/包括 after it), then parallel lists of the promised length.
        let mut tied: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut parallel: Vec<Vec<(usize, usize)>> = Vec::new();
        // A list right before it: 政风清明、…、学风清新”四位一体
        let mut b = m.start;
        while b > 0 && matches!(chars[b - 1], '“' | '”' | '‘' | '’' | '"' | '的') {
            b -= 1;
        }
        let sent_start = (0..b)
            .rev()
            .find(|&i| matches!(chars[i], '。' | '！' | '？' | '\n' | '；'))
            .map_or(0, |i| i + 1);
        if let Some((l, _)) = lists(chars, sent_start, b).into_iter().last() {
            // Only a quoted list: “政风清明、…、学风清新”四位一体
            let quoted = l[0].0 > 0
                && chars[l[0].0 - 1] == '“'
                && l.last().is_some_and(|&(_, e)| chars.get(e) == Some(&'”'));
            if l.last().is_some_and(|&(_, e)| e + 1 >= b) && quoted {
                tied.push(l);
            }
        }
        let end = sentence_end(chars, m.end, 2).min(m.end + WINDOW).min(chars.len());
        for (mut l, led) in lists(chars, m.end, end) {
            let before = if l[0].0 > 0 { chars[l[0].0 - 1] } else { ' ' };
            if before == '、' {
                continue; // the formulation is itself an item of this list
            }
            let gap: String = chars[m.end..l[0].0]
                .iter()
                .filter(|c| !matches!(c, '“' | '”' | '‘' | '’'))
                .collect();
            let opened = led
                || matches!(before, '：' | ':' | '（' | '(')
                || ["为", "是", "即", "：", "为："].contains(&gap.as_str());
            if opened && (gap.chars().count() <= 6 || led) {
                // Right after the formulation (“三个一批”，即…), the last
                // item may run on into the sentence.
                if gap.chars().count() <= 6 {
                    trim_last(chars, &mut l);
                }
                tied.push(l);
            } else if Some(l.len()) == want && is_parallel(chars, &l) && !counts(chars, &l) {
                parallel.push(l);
            }
        }
        let (pick, is_tied) = match (tied.first(), parallel.first()) {
            (Some(l), _) => (Some(l.clone()), true),
            (None, Some(l)) => (Some(l.clone()), false),
            _ => (None, false),
        };
        let Some(list) = pick else { continue };
        let items: Vec<String> =
            list.iter().map(|&(a, e)| crate::context::string_of(&chars[a..e])).collect();
        // Only a tied list may disagree with the numeral (and be warned about).
        let exact = Some(items.len()) == want || want.is_none() || !is_tied;
        let entry = best.entry(m.text.clone()).or_insert((exact, m.start, items.clone()));
        if exact && !entry.0 {
            *entry = (exact, m.start, items);
        }
    }
    let mut diags = Vec::new();
    for m in mentions.iter_mut().filter(|m| m.kind == "NumberedFormulation") {
        if let Some((_, _, items)) = best.get(&m.text) {
            m.fields.insert(
                "items".into(),
                Value::Array(items.iter().map(|s| Value::String(s.clone())).collect()),
            );
        }
    }
    for (text, (exact, start, items)) in &best {
        let want = mentions.iter().find(|m| &m.text == text).and_then(expected);
        if let (false, Some(n)) = (exact, want) {
            let before = &chars[..(*start).min(chars.len())];
            let line = before.iter().filter(|&&c| c == '\n').count() + 1;
            let column = before.iter().rev().take_while(|&&c| c != '\n').count() + 1;
            diags.push(Diagnostic::warning(
                Some(Location { path: doc.to_string(), line, column }),
                format!(
                    "“{text}” promises {n} items but the list found nearby has {}: {}",
                    items.len(),
                    items.join("、")
                ),
            ));
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use tifa_model::Fields;

    #[test]
    fn item_characters_are_the_alphanumeric_ones_but_list_punctuation() {
        for c in (0..0x3_0000u32).filter_map(char::from_u32) {
            let want = c.is_alphanumeric() && !matches!(c, '、' | '，' | '。' | '：' | '；');
            assert_eq!(is_item_char(c), want, "U+{:04X}", c as u32);
        }
    }

    fn nf(text: &str, at: usize, numbers: &[u64]) -> Mention {
        let mut fields = Fields::new();
        fields.insert("numbers".into(), numbers.iter().copied().map(Value::from).collect());
        Mention {
            doc: "d".into(),
            kind: "NumberedFormulation".into(),
            text: text.into(),
            start: at,
            end: at + text.chars().count(),
            rule: "t".into(),
            fields,
        }
    }

    fn pos(chars: &[char], s: &str) -> usize {
        let n: Vec<char> = s.chars().collect();
        chars.windows(n.len()).position(|w| w == n.as_slice()).expect("found")
    }

    #[test]
    fn items_after_and_before() {
        let t: Vec<char> =
            "推行“三严”要求，即严管理、严考核、严问责。树立“廉洁、勤勉、务实”三种作风。"
                .chars()
                .collect();
        let mut ms =
            vec![nf("三严", pos(&t, "三严"), &[3]), nf("三种作风", pos(&t, "三种作风"), &[3])];
        let d = fill("d", &t, &mut ms);
        assert_eq!(ms[0].fields["items"], serde_json::json!(["严管理", "严考核", "严问责"]));
        assert_eq!(ms[1].fields["items"], serde_json::json!(["廉洁", "勤勉", "务实"]));
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn the_last_item_ends_where_the_others_end() {
        let t: Vec<char> =
            "探索“三个一批”机制，即选拔一批、培养一批、储备一批村级后备力量。".chars().collect();
        let mut ms = vec![nf("三个一批", pos(&t, "三个一批"), &[3, 1])];
        fill("d", &t, &mut ms);
        assert_eq!(ms[0].fields["items"], serde_json::json!(["选拔一批", "培养一批", "储备一批"]));
        // Items that end alike, the last too, stay whole.
        let t: Vec<char> = "做到“三个到位”，即思想到位、措施到位、责任落实到位。".chars().collect();
        let mut ms = vec![nf("三个到位", pos(&t, "三个到位"), &[3])];
        fill("d", &t, &mut ms);
        assert_eq!(
            ms[0].fields["items"],
            serde_json::json!(["思想到位", "措施到位", "责任落实到位"])
        );
    }

    #[test]
    fn a_count_that_disagrees_is_a_warning() {
        let t: Vec<char> = "落实“四个到位”：思想到位、措施到位、责任到位。".chars().collect();
        let mut ms = vec![nf("四个到位", pos(&t, "四个到位"), &[4])];
        let d = fill("d.txt", &t, &mut ms);
        assert_eq!(ms[0].fields["items"].as_array().map(Vec::len), Some(3));
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("4"), "{}", d[0].message);
        assert_eq!(d[0].location.as_ref().map(|l| (l.line, l.column)), Some((1, 4)));
    }

    #[test]
    fn a_list_of_counts_is_no_set() {
        let t: Vec<char> = "围绕“双碳”目标，组建党员服务队32支、党员突击队8支。".chars().collect();
        let mut ms = vec![nf("双碳", pos(&t, "双碳"), &[2])];
        fill("d", &t, &mut ms);
        assert!(!ms[0].fields.contains_key("items"), "{:?}", ms[0].fields);
    }

    #[test]
    fn no_list_no_items() {
        let t: Vec<char> = "严格落实三会一课制度。".chars().collect();
        let mut ms = vec![nf("三会一课", 4, &[3, 1])];
        assert!(fill("d", &t, &mut ms).is_empty());
        assert!(!ms[0].fields.contains_key("items"));
    }
}
