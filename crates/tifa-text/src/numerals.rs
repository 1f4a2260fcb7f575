//! Numerals in Arabic and Chinese notation.
//!
//! Policy formulations are often named by their numbers (`三会一课`,
//! `两学一做`, `四个自信`), and statistics mix notations (`2.2万`,
//! `七千万`). Rules need the values, so this module reads both.

/// Chinese characters that can be part of a numeral in [`numbers_in`].
fn is_chinese_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '两'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
            | '万'
            | '亿'
            | '双'
    )
}

/// The power of ten of a magnitude character (`十百千万亿`).
fn magnitude(c: char) -> Option<u32> {
    match c {
        '十' => Some(1),
        '百' => Some(2),
        '千' => Some(3),
        '万' => Some(4),
        '亿' => Some(8),
        _ => None,
    }
}

/// Value of a single Chinese or Arabic digit char ('五' -> 5, '5' -> 5, '两' -> 2, '双' -> 2).
///
/// Full-width digits count too, so callers need not normalize first.
pub fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        '零' | '〇' => Some(0),
        '一' => Some(1),
        '二' | '两' | '双' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    }
}

/// Value of a numeral string: Arabic (`3418`, `2.2`, `1,234`) or Chinese
/// (`三`, `十五`, `一百零八`, `两千`, `七千万`), an Arabic number may be
/// followed by magnitudes `万/亿/千/百` (`2.2万` is 22000).
///
/// Decimals are computed from the digits with integer arithmetic, so
/// `1260.61万` is exactly 12606100 rather than 12606099.999999998. Returns
/// `None` for anything that is not entirely a numeral (`三会`, `abc`, ``).
pub fn parse_number(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    if s.chars().all(is_chinese_numeral) {
        return parse_chinese(s).map(|v| v as f64);
    }
    // Arabic digits, then an optional run of magnitudes.
    let digits = s.trim_end_matches(['万', '亿', '千', '百']);
    let exp: u32 = s[digits.len()..].chars().filter_map(magnitude).sum();
    parse_arabic(digits, exp)
}

/// Parses `1,234.5`-style numbers times `10^exp`.
fn parse_arabic(s: &str, exp: u32) -> Option<f64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if !valid_integer_part(int) {
        return None;
    }
    let frac = frac.unwrap_or("");
    if s.ends_with('.') || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut mantissa: u128 = 0;
    let mut overflow = false;
    for b in int.bytes().filter(|b| b.is_ascii_digit()).chain(frac.bytes()) {
        match mantissa.checked_mul(10).and_then(|m| m.checked_add(u128::from(b - b'0'))) {
            Some(m) => mantissa = m,
            None => overflow = true,
        }
    }
    let decimals = u32::try_from(frac.len()).ok()?;
    let scale = |e: u32| 10f64.powi(i32::try_from(e).unwrap_or(i32::MAX));
    if overflow {
        // Too long for exact arithmetic; precision is moot at this size.
        let plain: String = s.chars().filter(|&c| c != ',').collect();
        return plain.parse::<f64>().ok().map(|v| v * scale(exp));
    }
    if exp >= decimals {
        let factor = 10u128.checked_pow(exp - decimals);
        match factor.and_then(|f| mantissa.checked_mul(f)) {
            Some(v) => Some(v as f64),
            None => Some(mantissa as f64 * scale(exp - decimals)),
        }
    } else {
        // One correctly rounded division of two exact integers.
        Some(mantissa as f64 / scale(decimals - exp))
    }
}

/// Whether `int` is a run of digits, optionally grouped as `1,234,567`.
fn valid_integer_part(int: &str) -> bool {
    if int.is_empty() {
        return false;
    }
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    let all_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(first) {
        return false;
    }
    if !int.contains(',') {
        return true;
    }
    first.len() <= 3 && groups.all(|g| g.len() == 3 && all_digits(g))
}

/// Parses a string of Chinese numeral chars (all of them in
/// [`is_chinese_numeral`]). Without any magnitude it is read digit by
/// digit (`二〇二二` is 2022); otherwise in the usual positional way.
fn parse_chinese(s: &str) -> Option<u128> {
    if !s.chars().any(|c| magnitude(c).is_some()) {
        return s.chars().try_fold(0u128, |acc, c| {
            acc.checked_mul(10)?.checked_add(u128::from(digit_value(c)?))
        });
    }
    // total: complete 亿/万 sections; section: below 万; number: the
    // pending digit(s).
    let (mut total, mut section, mut number) = (0u128, 0u128, 0u128);
    let mut have_digit = false;
    for c in s.chars() {
        if let Some(d) = digit_value(c) {
            number = number.checked_mul(10)?.checked_add(u128::from(d))?;
            have_digit = true;
            continue;
        }
        let exp = magnitude(c)?;
        let unit = 10u128.pow(exp);
        if exp < 4 {
            // A bare 十/百/千 (`十五`) means one of it.
            let n = if have_digit { number } else { 1 };
            section = section.checked_add(n.checked_mul(unit)?)?;
        } else {
            let pending = section.checked_add(if have_digit { number } else { 0 })?;
            if exp == 8 {
                // 亿 scales everything before it (`一万亿` is 10^12).
                let base = total.checked_add(pending)?;
                total = base.max(1).checked_mul(unit)?;
            } else {
                total = total.checked_add(pending.max(1).checked_mul(unit)?)?;
            }
            section = 0;
        }
        number = 0;
        have_digit = false;
    }
    total.checked_add(section)?.checked_add(number)
}

/// Integers of the numerals in a formulation, in order: "三会一课" -> [3,1], "两学一做" -> [2,1], "四个自信" -> [4], "第一议题" -> [1], "双带头人" -> [2], "3+2" -> [3,2], "十九大" -> [19], "三亮三比一争当" -> [3,3,1].
///
/// A run of Chinese numeral characters (`零〇一二两三四五六七八九十百千万亿双`)
/// is one number, and so is a run of ASCII digits together with any
/// magnitudes right after it (`5万`). Runs whose value does not fit a
/// `u64` are skipped.
pub fn numbers_in(s: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(pos) = rest.find(|c: char| c.is_ascii_digit() || is_chinese_numeral(c)) {
        let tail = &rest[pos..];
        let len = if tail.starts_with(|c: char| c.is_ascii_digit()) {
            let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let after = &tail[digits..];
            digits + after.len() - after.trim_start_matches(['万', '亿', '千', '百']).len()
        } else if tail.starts_with('双') {
            // 双 is a number of its own, never part of a longer one:
            // 双一流 → [2, 1].
            '双'.len_utf8()
        } else {
            tail.len() - tail.trim_start_matches(is_chinese_numeral).len()
        };
        let run = &tail[..len];
        if let Some(v) = parse_number(run) {
            if v.is_finite() && v >= 0.0 && v < u64::MAX as f64 && v.fract() == 0.0 {
                out.push(v as u64);
            }
        }
        rest = &tail[len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn arabic() {
        assert_eq!(parse_number("3418"), Some(3418.0));
        assert_eq!(parse_number("2.2"), Some(2.2));
        assert_eq!(parse_number("1,234"), Some(1234.0));
        assert_eq!(parse_number("1,234,567.5"), Some(1234567.5));
        assert_eq!(parse_number("63.8"), Some(63.8));
        assert_eq!(parse_number("0"), Some(0.0));
        for bad in ["", ".5", "5.", "1,23", "12,345,6", "1.2.3", "1,234.5,6", "abc", "1a", "万"] {
            assert_eq!(parse_number(bad), if bad == "万" { Some(10000.0) } else { None }, "{bad}");
        }
    }

    #[test]
    fn arabic_with_magnitude() {
        assert_eq!(parse_number("2.2万"), Some(22000.0));
        assert_eq!(parse_number("1260.61万"), Some(12606100.0));
        assert_eq!(parse_number("3.2万"), Some(32000.0));
        assert_eq!(parse_number("1.5万"), Some(15000.0));
        assert_eq!(parse_number("5千万"), Some(5e7));
        assert_eq!(parse_number("3百"), Some(300.0));
        assert_eq!(parse_number("1.23456789亿"), Some(123456789.0));
        assert_eq!(parse_number("0.123456万"), Some(1234.56));
        assert_eq!(parse_number("2.2万元"), None);
    }

    #[test]
    fn chinese() {
        let cases = [
            ("三", 3.0),
            ("十", 10.0),
            ("十五", 15.0),
            ("二十三", 23.0),
            ("一百零八", 108.0),
            ("两千", 2000.0),
            ("七千万", 7e7),
            ("两", 2.0),
            ("双", 2.0),
            ("〇", 0.0),
            ("零", 0.0),
            ("十九", 19.0),
            ("二〇二二", 2022.0),
            ("一万二千三百四十五", 12345.0),
            ("三亿五千万", 3.5e8),
            ("一亿二千万", 1.2e8),
            ("十万", 1e5),
            ("万", 1e4),
            ("一万亿", 1e12),
            ("亿", 1e8),
            ("一百一十", 110.0),
            ("百", 100.0),
        ];
        for (s, v) in cases {
            assert_eq!(parse_number(s), Some(v), "{s}");
        }
        assert_eq!(parse_number("三会"), None);
    }

    #[test]
    fn digits() {
        assert_eq!(digit_value('五'), Some(5));
        assert_eq!(digit_value('5'), Some(5));
        assert_eq!(digit_value('５'), Some(5));
        assert_eq!(digit_value('两'), Some(2));
        assert_eq!(digit_value('双'), Some(2));
        assert_eq!(digit_value('〇'), Some(0));
        assert_eq!(digit_value('十'), None);
        assert_eq!(digit_value('a'), None);
    }

    #[test]
    fn numbers_in_formulations() {
        let cases: [(&str, &[u64]); 13] = [
            ("三会一课", &[3, 1]),
            ("两学一做", &[2, 1]),
            ("四个自信", &[4]),
            ("第一议题", &[1]),
            ("双带头人", &[2]),
            ("双一流", &[2, 1]),
            ("双十一", &[2, 11]),
            ("3+2", &[3, 2]),
            ("十九大", &[19]),
            ("三亮三比一争当", &[3, 3, 1]),
            ("党建+业务", &[]),
            ("5万人", &[50000]),
            ("2三", &[2, 3]),
        ];
        for (s, want) in cases {
            assert_eq!(numbers_in(s), want, "{s}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "[0-9.,万亿千百十零〇一二两三四五六七八九双a ]{0,40}") {
            let _ = parse_number(&s);
            let _ = numbers_in(&s);
        }

        #[test]
        fn integers_round_trip(n in 0u64..1_000_000_000_000) {
            prop_assert_eq!(parse_number(&n.to_string()), Some(n as f64));
            prop_assert_eq!(numbers_in(&format!("第{n}次")), vec![n]);
        }
    }
}
