//! Sentence splitting of the normalized text.
//!
//! Rules run sentence by sentence: that bounds their input, keeps a
//! formulation from being matched across two unrelated statements, and
//! makes parallel work easy. The splitter is deliberately simple and
//! predictable; quotes are not special, so a `。` inside `“…”` ends the
//! sentence too.

use std::ops::Range;

/// The longest sentence handed to a rule, in characters; longer runs
/// (tables, lists without punctuation) are cut so no rule sees unbounded
/// input.
pub const MAX_SENTENCE_CHARS: usize = 2000;

/// Byte ranges of the sentences of a normalized text (NormText::text()).
///
/// A sentence ends after `。！？!?；;` or after `……`, together with any run
/// of further terminators and closing quotes or brackets
/// (`”’」』）)】》`) right behind it, so `他说：“好。”` stays whole. Every
/// `\n` also ends a sentence, because line structure (headings, list items)
/// is meaningful. Ranges are trimmed of whitespace, empty ones dropped, and
/// sentences longer than [`MAX_SENTENCE_CHARS`] are cut after the last
/// `，` or `,` before the cap (or at the cap). Ranges are in order, do not
/// overlap and lie on char boundaries.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    // Every sentence end is `\n`, `!`, `?`, `;` or starts with one of the
    // lead bytes of 。！？；… (0xE3, 0xEF, 0xE2): the next of each kind is
    // found with memchr, other bytes are not looked at one by one.
    let len = bytes.len();
    let lead =
        |from: usize| memchr::memchr3(0xE2, 0xE3, 0xEF, &bytes[from..]).map_or(len, |k| from + k);
    let ascii =
        |from: usize| memchr::memchr3(b'\n', b'!', b'?', &bytes[from..]).map_or(len, |k| from + k);
    let semi = |from: usize| memchr::memchr(b';', &bytes[from..]).map_or(len, |k| from + k);
    let (mut next_lead, mut next_ascii, mut next_semi) = (lead(0), ascii(0), semi(0));
    while i < len {
        if next_lead < i {
            next_lead = lead(i);
        }
        if next_ascii < i {
            next_ascii = ascii(i);
        }
        if next_semi < i {
            next_semi = semi(i);
        }
        i = next_lead.min(next_ascii).min(next_semi);
        if i >= len {
            break;
        }
        // A three-byte character that is none of 。！？；… (most often a
        // full-width comma or a quote mark) is passed over undecoded.
        if bytes[i] >= 0xE0 && !ends_sentence(bytes.get(i..i + 3)) {
            i += 3;
            continue;
        }
        let Some(c) = text.get(i..).and_then(|r| r.chars().next()) else { break };
        let mut next = i + c.len_utf8();
        let end = match c {
            '\n' => Some(i),
            '。' | '！' | '？' | '!' | '?' | '；' | ';' => Some(next),
            '…' if text[next..].starts_with('…') => Some(next),
            _ => None,
        };
        let Some(mut end) = end else {
            i = next;
            continue;
        };
        if c != '\n' {
            for n in text[next..].chars() {
                if !is_terminator(n) && !is_closing(n) {
                    break;
                }
                end = next + n.len_utf8();
                next = end;
            }
        }
        push_trimmed(text, start..end, &mut out);
        start = if c == '\n' { end + 1 } else { end };
        i = next;
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// Whether three bytes are the UTF-8 of 。！？；or … (the multi-byte
/// characters that can end a sentence).
fn ends_sentence(b: Option<&[u8]>) -> bool {
    matches!(
        b,
        Some([0xE3, 0x80, 0x82] | [0xEF, 0xBC, 0x81 | 0x9F | 0x9B] | [0xE2, 0x80, 0xA6]) | None
    )
}

fn is_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '…')
}

fn is_closing(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '】' | '》')
}

/// Trims `range` of `text`, caps its length and appends the pieces.
fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let Some(slice) = text.get(range.clone()) else { return };
    let trimmed_start = slice.len() - slice.trim_start().len();
    let trimmed = slice.trim();
    if trimmed.is_empty() {
        return;
    }
    let mut start = range.start + trimmed_start;
    let end = start + trimmed.len();
    if trimmed.len() <= MAX_SENTENCE_CHARS {
        out.push(start..end); // fewer bytes than the cap, so fewer characters
        return;
    }
    // Cut overlong sentences, preferring a comma as the cut point.
    loop {
        let Some(rest) = text.get(start..end) else { return };
        let mut cut = None;
        let mut last_comma = None;
        for (n, (i, c)) in rest.char_indices().enumerate() {
            if n == MAX_SENTENCE_CHARS {
                cut = Some(last_comma.unwrap_or(i));
                break;
            }
            if c == '，' || c == ',' {
                last_comma = Some(i + c.len_utf8());
            }
        }
        let Some(cut) = cut else {
            out.push(start..end);
            return;
        };
        // Re-trim the piece: a comma may be followed by spaces.
        let piece = rest.get(..cut).unwrap_or_default();
        let piece_trimmed = piece.trim_end();
        if !piece_trimmed.is_empty() {
            out.push(start..start + piece_trimmed.len());
        }
        let tail = rest.get(cut..).unwrap_or_default();
        start = start + cut + (tail.len() - tail.trim_start().len());
        if start >= end {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn terminators() {
        assert_eq!(
            split("坚持党建引领。落实“三会一课”！真的吗？Yes! 好; 再见；最后"),
            ["坚持党建引领。", "落实“三会一课”！", "真的吗？", "Yes!", "好;", "再见；", "最后"]
        );
    }

    #[test]
    fn closing_marks_stay_with_the_sentence() {
        assert_eq!(
            split("他说：“要开展‘三亮’活动。”随后（见《通知》。）结束了。"),
            ["他说：“要开展‘三亮’活动。”", "随后（见《通知》。）", "结束了。"]
        );
        assert_eq!(split("什么？！真的。。"), ["什么？！", "真的。。"]);
    }

    #[test]
    fn ellipsis() {
        assert_eq!(split("等等……然后。一…二"), ["等等……", "然后。", "一…二"]);
    }

    #[test]
    fn newlines_and_whitespace() {
        assert_eq!(
            split("  标题\n\n 正文第一句。 正文第二句\n"),
            ["标题", "正文第一句。", "正文第二句"]
        );
        assert!(sentences("").is_empty());
        assert!(sentences(" \n\n。").len() == 1);
        assert!(sentences(" \n \n").is_empty());
    }

    #[test]
    fn quotes_are_not_special() {
        assert_eq!(split("“好。我们走”吧。"), ["“好。", "我们走”吧。"]);
    }

    #[test]
    fn long_sentences_are_capped() {
        let long = "字".repeat(1500) + "，" + &"文".repeat(1500) + "。";
        let parts = split(&long);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], "字".repeat(1500) + "，");
        assert_eq!(parts[1], "文".repeat(1500) + "。");

        let long = "字".repeat(4500);
        let parts = split(&long);
        assert_eq!(parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(), [2000, 2000, 500]);
    }

    /// The definition: every character decoded and looked at.
    fn reference(text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let end = match c {
                '\n' => Some(i),
                '。' | '！' | '？' | '!' | '?' | '；' | ';' => Some(i + c.len_utf8()),
                '…' if chars.peek().is_some_and(|&(_, n)| n == '…') => Some(i + c.len_utf8()),
                _ => None,
            };
            let Some(mut end) = end else { continue };
            if c != '\n' {
                while let Some(&(j, n)) = chars.peek() {
                    if !is_terminator(n) && !is_closing(n) {
                        break;
                    }
                    end = j + n.len_utf8();
                    chars.next();
                }
            }
            push_trimmed(text, start..end, &mut out);
            start = if c == '\n' { end + 1 } else { end };
        }
        push_trimmed(text, start..text.len(), &mut out);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_byte_scan_splits_as_the_definition(
            s in "([ \n。！？!?；;…，,、”）】「」]|[\u{2000}-\u{20FF}]|[\u{3000}-\u{30FF}]|[\u{FF00}-\u{FFEF}]|\\PC){0,300}"
        ) {
            prop_assert_eq!(sentences(&s), reference(&s));
        }

        #[test]
        fn ranges_are_ordered_disjoint_and_on_boundaries(
            s in "([ \n。！？!?；;…，,”）】]|\\PC){0,300}"
        ) {
            let ranges = sentences(&s);
            let mut prev_end = 0;
            for r in ranges {
                prop_assert!(prev_end <= r.start && r.start < r.end && r.end <= s.len());
                prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
                let piece = &s[r.clone()];
                prop_assert_eq!(piece.trim(), piece);
                prop_assert!(!piece.contains('\n'));
                prop_assert!(piece.chars().count() <= MAX_SENTENCE_CHARS);
                prev_end = r.end;
            }
        }

        #[test]
        fn long_inputs_are_capped(n in 1990usize..2100, comma_at in proptest::option::of(0usize..2100)) {
            let mut s: String = "字".repeat(n);
            if let Some(at) = comma_at.filter(|&a| a < n) {
                let byte = at * 3;
                s.replace_range(byte..byte + 3, "，");
            }
            let ranges = sentences(&s);
            let total: usize = ranges.iter().map(|r| s[r.clone()].chars().count()).sum();
            prop_assert_eq!(total, n);
            for r in ranges {
                prop_assert!(s[r].chars().count() <= MAX_SENTENCE_CHARS);
            }
        }
    }
}
