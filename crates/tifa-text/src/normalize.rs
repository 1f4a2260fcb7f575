//! The matching view of a document.
//!
//! Rules should not have to know that a web page wrote `２０２２` with
//! full-width digits, that a PDF broke `基础教育` across two lines, or that
//! a photo caption was dropped into the middle of a sentence. [`NormText`]
//! builds a normalized copy of the text that rules match against, and keeps
//! enough bookkeeping to map every match back to character offsets and the
//! exact surface string of the original document.
//!
//! # Character normalizations
//!
//! Each of these replaces one character by one character, so offsets map
//! back exactly:
//!
//! * full-width digits `０`–`９` and Latin letters become ASCII;
//! * `＋` becomes `+`, `％` becomes `%`, and `．` between two digits
//!   becomes `.`, so numbers and "A+B" compounds have one spelling;
//! * the ideographic space U+3000 and NBSP become an ASCII space;
//! * `「『` become `“` and `」』` become `”`; ASCII `"` alternate between
//!   `“` and `”` within a line (paragraph), so rules know one quote style.
//!   `‘’` stay, and `《》` stay because book-title marks mean something
//!   different from quotes. Chinese punctuation `，。；：！？（）` and ASCII
//!   `,;` are kept: sentence splitting and rules rely on them.
//! * traditional characters become simplified ones (OpenCC's character
//!   table, one-to-one mappings only: see [`crate::trad`]), so one rule
//!   matches `五星級黨支部` and `五星级党支部`; `surface` gives back the
//!   traditional spelling.
//!
//! # Layout-break rejoining
//!
//! The original is cut into lines at every `\n` (and `\r`); each line is
//! trimmed and empty lines are dropped, so a blank line and a lone line
//! break are treated alike, as PDF-extracted text needs.
//!
//! A line is *open* when it has at least 20 characters and ends with
//! something that cannot end a sentence: a letter, CJK character or
//! digit, an opening quote or bracket, or `，、,`. An open line is joined,
//! with no separator, to its continuation:
//!
//! * normally the next line;
//! * but when the next line looks like a photo caption ending in `。` (at
//!   most 40 characters, no `，,；;`, ending in `。` or in no punctuation),
//!   up to three such captions are skipped and the first non-caption line
//!   is the continuation. The skipped captions are kept, each as its own
//!   line, *after* the joined paragraph (the one reordering NormText does).
//!   When no non-caption line follows within three lines, the short next
//!   line is most likely the real end of the sentence (`…基` + `础教育。`),
//!   so it is joined directly instead.
//!
//! The first line of a document is never joined when it looks like a
//! title: at most 40 characters, no comma or full stop, and either parts
//! set apart by a colon, a space or a dash (`武汉市江岸区：“三会一课”常态长效
//! “党建+”特色鲜明`) or a blank line after it and no quote left open
//! (`某某公司党委开展“党建+供电服务”特色实践`, then an empty line) and a
//! paragraph at least ten characters longer below it (a line cut by the
//! page width is about as long as the next).
//!
//! A continuation that starts with a heading marker (`#`, `■`, `一、`,
//! `（一）`, `1、`, `1.`) is never joined. Lines that are not joined are
//! separated by a single `\n`.
//!
//! The 20-character threshold is a deliberate trade-off: short headings
//! such as `实施铸魂强基行动` end without punctuation and must not swallow
//! the paragraph below them, so a line break after fewer than 20
//! characters is never repaired. Conversely a long title without final
//! punctuation is joined to the next line. Both are rare in body text,
//! where broken lines are long.

use std::ops::Range;

/// Lines of at least this many characters may be broken mid-sentence.
const MIN_OPEN_CHARS: u32 = 20;
/// A first line of at most this many characters is a title, never joined.
const MAX_TITLE_CHARS: u32 = 40;
/// How much longer than a title the paragraph after it is, at least.
const TITLE_MARGIN: u32 = 10;
/// Lines of at most this many characters may be photo captions.
const MAX_CAPTION_CHARS: u32 = 40;
/// How many captions may sit between the two halves of a broken sentence.
const MAX_CAPTIONS: usize = 3;
/// Inputs are cut to this many bytes so that offsets fit in `u32` even
/// when every byte turns into a three-byte quote mark.
const MAX_INPUT_BYTES: usize = (u32::MAX / 4) as usize;

/// A document's normalized text plus the mapping back to the original.
///
/// Offsets into [`NormText::text`] are byte offsets (what matchers
/// produce); offsets into the original are character offsets (what the
/// output format wants).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NormText {
    text: String,
    /// Marks: the byte offset in `text` of a normalized char and the char
    /// index of the original char it comes from. Each char after a mark,
    /// up to the next one, comes from the original char after the one
    /// before it, so a char's original index is its mark's plus the chars
    /// between them. A mark stands wherever the original jumps (line
    /// starts, rejoined breaks, moved captions) and every [`MARK_EVERY`]
    /// chars, so lookups count few chars. Byte offsets strictly increase:
    /// finding the mark is a binary search.
    marks: Vec<(u32, u32)>,
    /// The normalized chars (by byte offset in `text`) whose original char
    /// is different, with that original char; sparse, so `surface` can
    /// restore the original spelling without keeping the original text.
    changed: Vec<(u32, char)>,
    original_len_chars: usize,
}

/// At most this many chars follow a mark before the next one.
const MARK_EVERY: u32 = 32;

/// A [`NormText`] being built.
struct Builder {
    out: NormText,
    /// The original index the next char has if it continues the last mark.
    next_orig: u32,
    /// Chars since the last mark.
    since_mark: u32,
}

/// A trimmed, non-empty line of the original.
struct Line<'a> {
    text: &'a str,
    start_char: u32,
    len_chars: u32,
    last: char,
    /// An empty line follows (`\r\n` counts as one break).
    blank_after: bool,
}

impl NormText {
    /// Builds the normalized view of `original` in O(n).
    ///
    /// Never panics. Inputs longer than 1 GiB are cut to their first GiB
    /// (at a char boundary) so that offsets fit the compact `u32` tables.
    pub fn new(original: &str) -> NormText {
        let original = truncate(original, MAX_INPUT_BYTES);
        let (lines, original_len_chars) = split_lines(original);
        let order = paragraph_order(&lines);
        let mut out = Builder {
            out: NormText {
                text: String::with_capacity(original.len()),
                marks: Vec::new(),
                changed: Vec::new(),
                original_len_chars,
            },
            next_orig: u32::MAX,
            since_mark: 0,
        };
        let mut in_quote = false;
        for (k, &(idx, joined)) in order.iter().enumerate() {
            let Some(line) = lines.get(idx) else { continue };
            if k > 0 && !joined {
                // A line separator stands for the line break before the
                // line; a non-first line always has one in the original.
                out.push_separator(line.start_char.saturating_sub(1));
                in_quote = false;
            }
            out.push_line(line, &mut in_quote);
        }
        out.out
    }

    /// The normalized text that rules match against.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The length of the original text in characters, the upper bound of
    /// every offset [`NormText::original_span`] returns.
    pub fn original_len_chars(&self) -> usize {
        self.original_len_chars
    }

    /// Character offsets in the ORIGINAL text (start inclusive, end
    /// exclusive) of a byte range of the normalized text.
    ///
    /// The span runs from the original position of the first char to one
    /// past the original position of the last, so a match across a
    /// repaired line break (or a skipped caption) covers the break. Never
    /// panics: out-of-range ends are clamped, a byte offset inside a char
    /// counts as that char, and an empty range gives `(x, x)` at the
    /// original position of the char at its start.
    pub fn original_span(&self, norm_bytes: Range<usize>) -> (usize, usize) {
        let Some((first, last)) = self.char_range(&norm_bytes) else {
            let mut at = norm_bytes.start.min(self.text.len());
            while !self.text.is_char_boundary(at) {
                at += 1;
            }
            if at >= self.text.len() {
                return (self.original_len_chars, self.original_len_chars);
            }
            let x = self.orig_at(at);
            return (x, x);
        };
        let (start, end) = (self.orig_at(first), self.orig_at(last) + 1);
        if start < end {
            return (start, end);
        }
        // Only a range that crosses from a joined paragraph into the
        // captions moved behind it runs backwards in the original.
        let end_byte = last + self.text[last..].chars().next().map_or(0, char::len_utf8);
        let origs = self.text[first..end_byte].char_indices().map(|(i, _)| self.orig_at(first + i));
        let min = origs.clone().min().unwrap_or(start);
        let max = origs.max().unwrap_or(start);
        (min, max + 1)
    }

    /// The original char index of the normalized char at byte `b` (a char
    /// boundary inside the text).
    fn orig_at(&self, b: usize) -> usize {
        let k = self.marks.partition_point(|&(m, _)| (m as usize) <= b);
        let Some(&(m, o)) = k.checked_sub(1).and_then(|k| self.marks.get(k)) else { return 0 };
        o as usize + self.text.get(m as usize..b).map_or(0, |s| s.chars().count())
    }

    /// The original characters behind a byte range of the normalized text,
    /// in normalized order.
    ///
    /// This is the exact surface string a mention reports: layout breaks
    /// removed, but full-width digits, quote styles and so on as in the
    /// original. Clamps like [`NormText::original_span`].
    pub fn surface(&self, norm_bytes: Range<usize>) -> String {
        let Some((first, last)) = self.char_range(&norm_bytes) else {
            return String::new();
        };
        // Original characters are rarely longer than their normalized ones.
        let mut out = String::with_capacity(norm_bytes.len() + 4);
        let mut changed = self.changed.partition_point(|&(i, _)| (i as usize) < first);
        let end_byte = last + self.text[last..].chars().next().map_or(0, char::len_utf8);
        for (i, c) in self.text[first..end_byte].char_indices() {
            match self.changed.get(changed) {
                Some(&(b, orig)) if b as usize == first + i => {
                    out.push(orig);
                    changed += 1;
                }
                _ => out.push(c),
            }
        }
        out
    }

    /// Byte offsets of the first and last normalized chars touched by a
    /// byte range, or `None` for an empty (or inverted) range.
    fn char_range(&self, norm_bytes: &Range<usize>) -> Option<(usize, usize)> {
        let len = self.text.len();
        let (start, end) = (norm_bytes.start.min(len), norm_bytes.end.min(len));
        if start >= end {
            return None;
        }
        let floor = |mut b: usize| {
            while !self.text.is_char_boundary(b) {
                b -= 1;
            }
            b
        };
        Some((floor(start), floor(end - 1)))
    }
}

impl Builder {
    /// Notes that the normalized char at byte `b` comes from original
    /// char `orig`: a mark where the original jumps or the last mark is
    /// [`MARK_EVERY`] chars back.
    #[inline]
    fn note(&mut self, b: u32, orig: u32) {
        if orig != self.next_orig || self.since_mark >= MARK_EVERY {
            self.out.marks.push((b, orig));
            self.since_mark = 0;
        }
        self.since_mark += 1;
        self.next_orig = orig.wrapping_add(1);
    }

    /// Appends the `\n` that separates two lines; it stands for original
    /// char `orig_index`, the break before the line.
    fn push_separator(&mut self, orig_index: u32) {
        self.note(self.out.text.len() as u32, orig_index);
        self.out.text.push('\n');
    }

    /// Appends the normalized chars of one line. Runs of unchanged
    /// characters are copied at once; each character is counted towards
    /// the next mark. ASCII other than `"` and the BMP characters that
    /// [`may_change`] leaves clear (nearly every character of a text) are
    /// decided from their bytes; the rest go through [`normalized`].
    fn push_line(&mut self, line: &Line<'_>, in_quote: &mut bool) {
        let text = line.text;
        let bytes = text.as_bytes();
        self.out.text.reserve(text.len());
        let bmp = may_change();
        let mut orig_index = line.start_char;
        // Where the run of unchanged characters not yet copied starts, and
        // the output offset of byte 0 of the line were it all unchanged so
        // far (an unchanged char at `at` lands at `shift + at`).
        let mut run = 0;
        let mut shift = self.out.text.len() as isize;
        let mut at = 0;
        // The chars of a line come from consecutive original chars: only
        // its first may start a mark of its own (as [`Builder::note`]).
        let mut since = if self.next_orig == orig_index { self.since_mark } else { MARK_EVERY };
        while at < bytes.len() {
            let out_byte = (shift + at as isize) as u32;
            if since >= MARK_EVERY {
                self.out.marks.push((out_byte, orig_index));
                since = 0;
            }
            since += 1;
            let b = bytes[at];
            let len = if b < 0x80 {
                (b != b'"').then_some(1)
            } else if (0xE0..0xF0).contains(&b) && at + 2 < bytes.len() {
                let u = (u32::from(b & 0x0F) << 12)
                    | (u32::from(bytes[at + 1] & 0x3F) << 6)
                    | u32::from(bytes[at + 2] & 0x3F);
                (!flagged(bmp, u)).then_some(3)
            } else if (0xC0..0xE0).contains(&b) && at + 1 < bytes.len() {
                let u = (u32::from(b & 0x1F) << 6) | u32::from(bytes[at + 1] & 0x3F);
                (!flagged(bmp, u)).then_some(2)
            } else {
                None
            };
            let (len, changed) = match len {
                Some(len) => (len, None),
                None => {
                    let c = text[at..].chars().next().unwrap_or_default();
                    let norm = normalized(c, &text[..at], &text[at + c.len_utf8()..], in_quote);
                    (c.len_utf8(), (norm != c).then_some((c, norm)))
                }
            };
            if let Some((c, norm)) = changed {
                self.out.text.push_str(&text[run..at]);
                self.out.changed.push((out_byte, c));
                self.out.text.push(norm);
                run = at + len;
                shift = self.out.text.len() as isize - run as isize;
            }
            orig_index += 1;
            at += len;
        }
        self.out.text.push_str(&text[run..]);
        self.since_mark = since;
        self.next_orig = orig_index;
    }
}

/// Cuts `s` to at most `max` bytes at a char boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// Splits `s` into trimmed non-empty lines; also returns its char count.
fn split_lines(s: &str) -> (Vec<Line<'_>>, usize) {
    let mut lines = Vec::new();
    let mut char_index: u32 = 0;
    // Pieces between line breaks; `trim` strips the white space that
    // `char::is_whitespace` names, at both ends.
    let bytes = s.as_bytes();
    let mut from = 0;
    while from <= bytes.len() {
        let to = memchr::memchr2(b'\n', b'\r', &bytes[from..]).map_or(bytes.len(), |n| from + n);
        // Line breaks are ASCII: both ends are char boundaries.
        let piece = &s[from..to];
        // \r\n is one break.
        let crlf = bytes.get(to) == Some(&b'\r') && bytes.get(to + 1) == Some(&b'\n');
        from = to + 1 + usize::from(crlf);
        let rest = piece.trim_start();
        let text = rest.trim_end();
        if let Some(last) = text.chars().next_back() {
            let lead = piece[..piece.len() - rest.len()].chars().count() as u32;
            lines.push(Line {
                text,
                start_char: char_index + lead,
                len_chars: text.chars().count() as u32,
                last,
                blank_after: false,
            });
        } else if to < bytes.len() {
            // An empty line between two others.
            if let Some(prev) = lines.last_mut() {
                prev.blank_after = true;
            }
        }
        // The piece and the break after it (one more than there is after
        // the last piece).
        char_index += piece.chars().count() as u32 + 1 + u32::from(crlf);
    }
    (lines, char_index.saturating_sub(1) as usize)
}

/// Decides the order of the lines in the normalized text: a list of
/// `(line index, joined to the previous line)`.
fn paragraph_order(lines: &[Line<'_>]) -> Vec<(usize, bool)> {
    let n = lines.len();
    let mut order = Vec::with_capacity(n);
    let mut captions = Vec::new();
    let mut i = 0;
    while i < n {
        order.push((i, false));
        let mut cur = i;
        i += 1;
        // The first line of a document may be its title: it ends without
        // punctuation but does not run on into the text.
        let title = cur == 0 && lines.first().is_some_and(|l| is_title(l, lines.get(1)));
        while i < n && !title && lines.get(cur).is_some_and(is_open) {
            let Some(next) = continuation(lines, i) else { break };
            captions.extend(i..next);
            order.push((next, true));
            cur = next;
            i = next + 1;
        }
        order.extend(captions.drain(..).map(|c| (c, false)));
    }
    order
}

/// Finds the line that continues the open line before line `i`.
fn continuation(lines: &[Line<'_>], i: usize) -> Option<usize> {
    let next = lines.get(i)?;
    if next.last == '。' && is_caption(next) {
        let mut j = i;
        while j < i + MAX_CAPTIONS && lines.get(j).is_some_and(is_caption) {
            j += 1;
        }
        match lines.get(j) {
            Some(line) if !is_caption(line) && !starts_with_heading(line.text) => return Some(j),
            // No real continuation: the short line itself ends the sentence.
            _ => {}
        }
    }
    (!starts_with_heading(next.text)).then_some(i)
}

/// Whether a line may stop in the middle of a sentence.
fn is_open(line: &Line<'_>) -> bool {
    line.len_chars >= MIN_OPEN_CHARS
        && (line.last.is_alphanumeric()
            || matches!(
                line.last,
                '，' | '、' | ',' | '“' | '‘' | '「' | '『' | '（' | '(' | '《' | '【'
            ))
}

/// Whether a (first) line looks like a title (see the module doc).
fn is_title(line: &Line<'_>, next: Option<&Line<'_>>) -> bool {
    let quotes_closed = line.text.matches('“').count() == line.text.matches('”').count();
    // A line cut by the page width is about as long as the one after it;
    // a title is much shorter than the paragraph it heads.
    let heads = next.is_some_and(|n| n.len_chars >= line.len_chars + TITLE_MARGIN);
    line.len_chars <= MAX_TITLE_CHARS
        && !line.text.contains(['，', ',', '。'])
        && (line.text.contains([' ', '\u{3000}', '：', ':', '—', '|'])
            || line.blank_after && quotes_closed && heads)
}

/// Whether a line looks like a photo caption.
fn is_caption(line: &Line<'_>) -> bool {
    line.len_chars <= MAX_CAPTION_CHARS
        && (line.last == '。' || line.last.is_alphanumeric())
        && !line.text.contains(['，', ',', '；', ';'])
}

/// Whether a line starts with a heading or list marker.
fn starts_with_heading(s: &str) -> bool {
    if s.starts_with(['#', '■']) {
        return true;
    }
    if let Some(rest) = s.strip_prefix(['（', '(']) {
        let after = rest.trim_start_matches(|c: char| is_ordinal(c) || c.is_ascii_digit());
        return after.len() < rest.len() && after.starts_with(['）', ')']);
    }
    let after = s.trim_start_matches(is_ordinal);
    if after.len() < s.len() {
        return after.starts_with('、');
    }
    let after = s.trim_start_matches(|c: char| c.is_ascii_digit());
    if after.len() < s.len() {
        if after.starts_with('、') {
            return true;
        }
        if let Some(rest) = after.strip_prefix(['.', '．']) {
            // "2.5亿元" is a number, not a list item.
            return !rest.starts_with(|c: char| c.is_ascii_digit());
        }
    }
    false
}

/// Chinese numerals used in ordinals such as `一、` and `（十二）`.
fn is_ordinal(c: char) -> bool {
    matches!(c, '零' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十')
}

/// One bit per character of the Basic Multilingual Plane: whether
/// [`normalized`] may change it (full-width forms, quotes, spaces,
/// traditional characters). Nearly every character of a text has the bit
/// clear and is copied as it is, decided from its bytes.
fn may_change() -> &'static [u64] {
    static BITS: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    BITS.get_or_init(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        // The characters `written_form` changes in some context (both
        // answers of the context-dependent cases count), then every
        // traditional one: the table's search is not run 65,536 times.
        let written = (0..0x10000u32).filter_map(char::from_u32).filter(|&c| {
            [("0", "0"), ("", "")].iter().any(|(before, after)| {
                [false, true].iter().any(|&q| {
                    let mut in_quote = q;
                    written_form(c, before, after, &mut in_quote).is_some_and(|n| n != c)
                })
            })
        });
        for c in written.chain(crate::trad::traditional()) {
            let u = c as u32;
            if u < 0x10000 {
                bits[u as usize / 64] |= 1 << (u % 64);
            }
        }
        bits
    })
}

/// Whether the bit of BMP character `u` is set in [`may_change`]'s table.
#[inline]
fn flagged(bits: &[u64], u: u32) -> bool {
    bits.get(u as usize / 64).is_none_or(|w| w & (1 << (u % 64)) != 0)
}

/// The normalized form of `c`, which follows `before` and precedes
/// `after` in its line; `in_quote` tracks ASCII `"` within the line.
fn normalized(c: char, before: &str, after: &str, in_quote: &mut bool) -> char {
    written_form(c, before, after, in_quote).unwrap_or_else(|| crate::trad::simplified(c))
}

/// What [`normalized`] makes of the characters it names (full-width
/// forms, spaces, quotes); `None` for the others, which are read through
/// the traditional-character table.
fn written_form(c: char, before: &str, after: &str, in_quote: &mut bool) -> Option<char> {
    Some(match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '＋' => '+',
        '％' => '%',
        '．' if before.chars().next_back().is_some_and(is_any_digit)
            && after.chars().next().is_some_and(is_any_digit) =>
        {
            '.'
        }
        '\u{3000}' | '\u{A0}' => ' ',
        '「' | '『' => '“',
        '」' | '』' => '”',
        '"' => {
            *in_quote = !*in_quote;
            if *in_quote {
                '“'
            } else {
                '”'
            }
        }
        _ => return None,
    })
}

fn is_any_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_may_change_table_flags_exactly_what_normalization_changes() {
        let bits = may_change();
        for u in 0..0x10000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            // Both answers of the context-dependent cases count.
            let changes = [("0", "0"), ("", "")].iter().any(|(before, after)| {
                [false, true].iter().any(|&q| {
                    let mut in_quote = q;
                    normalized(c, before, after, &mut in_quote) != c
                })
            });
            assert_eq!(flagged(bits, u), changes, "U+{u:04X}");
        }
    }

    /// Byte range of the first occurrence of `needle` in `hay`.
    fn find(hay: &str, needle: &str) -> Range<usize> {
        let start = hay.find(needle).expect("needle present");
        start..start + needle.len()
    }

    /// Char index of the first occurrence of `needle` in `hay`.
    fn char_at(hay: &str, needle: &str) -> usize {
        hay[..hay.find(needle).expect("needle present")].chars().count()
    }

    #[test]
    fn empty_and_blank() {
        for s in ["", "\n\n", "  \u{3000}\n \t"] {
            let n = NormText::new(s);
            assert_eq!(n.text(), "");
            assert_eq!(n.original_span(0..5), (n.original_len_chars(), n.original_len_chars()));
            assert_eq!(n.surface(0..5), "");
        }
    }

    #[test]
    fn a_first_line_with_a_blank_line_after_it_is_a_title() {
        let title = "国家电网某某电力公司党委开展“党建+供电服务”特色实践";
        let body = "国网某某省电力有限公司党委坚持以高质量党建引领公司高质量发展，推行“党建+供电服务”模式。";
        for sep in ["\n\n", "\r\n\r\n", "\n \n"] {
            let n = NormText::new(&format!("{title}{sep}{body}"));
            assert_eq!(n.text(), format!("{title}\n{body}"), "{sep:?}");
        }
        // Without the blank line (or with \r\n, one break) it runs on.
        for sep in ["\n", "\r\n"] {
            let n = NormText::new(&format!("{title}{sep}{body}"));
            assert_eq!(n.text(), format!("{title}{body}"), "{sep:?}");
        }
        // A later line is joined across a blank line as before: 基\n\n础教育.
        let line = "近年来，某某区教育局党委坚持以高质量党建引领教育高质量发展，推动基";
        let n = NormText::new(&format!("{title}\n\n{line}\n\n础教育优质均衡。"));
        assert!(n.text().ends_with("推动基础教育优质均衡。"), "{}", n.text());
    }

    #[test]
    fn a_short_first_line_is_a_title_and_stays_apart() {
        let title = "武汉市江岸区：“三会一课”常态长效 “党建+”特色鲜明";
        let n =
            NormText::new(&format!("{title}\n江岸区教育局党委以“党建+”为抓手，探索形成特色做法。"));
        assert!(n.text().starts_with(&format!("{title}\n江岸区")), "{}", n.text());
        // A long first line that breaks off mid-sentence is still joined.
        let long = "近年来，江岸区教育局党委坚持以高质量党建引领教育高质量发展，构建党建联盟，推动全区中小学";
        let n = NormText::new(&format!("{long}\n党组织结对共建。"));
        assert_eq!(n.text(), format!("{long}党组织结对共建。"));
    }

    #[test]
    fn character_normalizations() {
        let n = NormText::new("２０２２年ＡＢｃ，增长１２．５％，党建＋业务，共　计\u{a0}３．");
        assert_eq!(n.text(), "2022年ABc，增长12.5%，党建+业务，共 计 3．");
        let n = NormText::new("「三会一课」和『两学一做』，‘四个’《意见》");
        assert_eq!(n.text(), "“三会一课”和“两学一做”，‘四个’《意见》");
    }

    #[test]
    fn ascii_quotes_alternate_per_line() {
        let n = NormText::new("开展\"三亮\"和\"三比\"活动\n新的\"一行");
        assert_eq!(n.text(), "开展“三亮”和“三比”活动\n新的“一行");
        let m = NormText::new("新的\"一行\n\"又一行\"");
        assert_eq!(m.text(), "新的“一行\n“又一行”");
    }

    #[test]
    fn offsets_and_surface_of_changed_chars() {
        let orig = "  全年完成１２．５％的目标";
        let n = NormText::new(orig);
        assert_eq!(n.text(), "全年完成12.5%的目标");
        let r = find(n.text(), "12.5%");
        assert_eq!(n.surface(r.clone()), "１２．５％");
        let start = char_at(orig, "１");
        assert_eq!(n.original_span(r), (start, start + 5));
    }

    #[test]
    fn broken_word_is_rejoined() {
        let orig =
            "我校张老师执教的道德与法治课例成功入选教育部2022年基\n\n础教育“部级精品课”名单，\
                    这是我县首次获此殊荣。";
        let n = NormText::new(orig);
        assert_eq!(
            n.text(),
            "我校张老师执教的道德与法治课例成功入选教育部2022年基础教育“部级精品课”名单，\
             这是我县首次获此殊荣。"
        );
        let r = find(n.text(), "基础教育");
        // "育" also occurs earlier (教育部): locate the one of 基础教育.
        assert_eq!(n.original_span(r.clone()), (char_at(orig, "基"), char_at(orig, "育“") + 1));
        assert_eq!(n.surface(r), "基础教育");
    }

    #[test]
    fn short_sentence_end_is_rejoined() {
        let orig = "全县各中小学校深入推进课堂教学改革全面实施素\n质教育。\n下一段。";
        let n = NormText::new(orig);
        assert_eq!(n.text(), "全县各中小学校深入推进课堂教学改革全面实施素质教育。\n下一段。");
    }

    #[test]
    fn captions_inside_a_sentence_move_behind_it() {
        let orig = "为提升教育质量，全县教师积极开展“三个向我看齐”活\n\n\n\n廉德基地学习。\n\n\n\n\
                    金乡县教体局团委“心灵之友”青年教师志愿者服务队走进卜集镇中心小学。\n\n\
                    动，即教育质量向我看齐、精致管理向我看齐。";
        let n = NormText::new(orig);
        assert_eq!(
            n.text(),
            "为提升教育质量，全县教师积极开展“三个向我看齐”活动，即教育质量向我看齐、精致管理向我看齐。\n\
             廉德基地学习。\n\
             金乡县教体局团委“心灵之友”青年教师志愿者服务队走进卜集镇中心小学。"
        );
        let r = find(n.text(), "活动");
        assert_eq!(n.original_span(r.clone()), (char_at(orig, "活"), char_at(orig, "动") + 1));
        assert_eq!(n.surface(r), "活动");
        let r = find(n.text(), "廉德基地学习。");
        let start = char_at(orig, "廉");
        assert_eq!(n.original_span(r.clone()), (start, start + 7));
        assert_eq!(n.surface(r), "廉德基地学习。");
        // A range running from the joined paragraph into the moved caption
        // still gives an ordered span inside the text.
        let r = find(n.text(), "看齐。\n廉");
        let (s, e) = n.original_span(r);
        assert!(s < e && e <= n.original_len_chars());
    }

    #[test]
    fn headings_are_not_joined() {
        let n = NormText::new("实施铸魂强基行动\n强化政治引领 思政课建设有力有为\n全县教育系统坚持以习近平新时代中国特色社会主义思想为指导");
        assert_eq!(
            n.text(),
            "实施铸魂强基行动\n强化政治引领 思政课建设有力有为\n全县教育系统坚持以习近平新时代中国特色社会主义思想为指导"
        );
        let orig = "全县教育系统坚持以习近平新时代中国特色社会主义思想为指导\n二、强化政治引领\n（三）党建工作\n3.队伍建设";
        assert_eq!(NormText::new(orig).text(), orig);
        let orig = "全县教育系统坚持以习近平新时代中国特色社会主义思想为指导\n（三）党建工作";
        assert_eq!(NormText::new(orig).text(), orig);
        let orig = "全县教育系统坚持以习近平新时代中国特色社会主义思想为指导\n■ 党建工作";
        assert_eq!(NormText::new(orig).text(), orig);
        // A decimal number is not a list item.
        let n = NormText::new("全县今年教育经费投入比上年增长了百分之十，总额达到\n2.5亿元。");
        assert_eq!(n.text(), "全县今年教育经费投入比上年增长了百分之十，总额达到2.5亿元。");
    }

    #[test]
    fn closed_lines_are_not_joined() {
        let orig =
            "全县教育系统坚持以习近平新时代中国特色社会主义思想为指导。\n  第二段开头  \n\n第三段";
        let n = NormText::new(orig);
        assert_eq!(
            n.text(),
            "全县教育系统坚持以习近平新时代中国特色社会主义思想为指导。\n第二段开头\n第三段"
        );
        let r = find(n.text(), "第二段开头");
        let start = char_at(orig, "第二");
        assert_eq!(n.original_span(r), (start, start + 5));
        // The separator maps to the whitespace just before the next line.
        let sep = find(n.text(), "\n");
        assert_eq!(n.original_span(sep), (char_at(orig, "第二") - 1, char_at(orig, "第二")));
    }

    #[test]
    fn clamping() {
        let orig = "党建引领";
        let n = NormText::new(orig);
        assert_eq!(n.original_span(0..100), (0, 4));
        assert_eq!(n.original_span(1..2), (0, 1)); // inside the first char
        assert_eq!(n.original_span(3..3), (1, 1));
        #[allow(clippy::reversed_empty_ranges)] // inverted input on purpose
        let inverted = (5..2, 4..1);
        assert_eq!(n.original_span(inverted.0), (2, 2));
        assert_eq!(n.original_span(100..200), (4, 4));
        assert_eq!(n.surface(1..4), "党建");
        assert_eq!(n.surface(inverted.1), "");
    }

    #[test]
    fn every_kind_of_white_space_is_trimmed_from_lines() {
        for space in [
            '\t', ' ', '\u{85}', '\u{A0}', '\u{1680}', '\u{2003}', '\u{2028}', '\u{202F}',
            '\u{205F}', '\u{3000}',
        ] {
            let s = format!("{space}字{space}a{space}\n{space}\r{space}。{space}");
            let (lines, count) = split_lines(&s);
            let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
            assert_eq!(texts, vec![format!("字{space}a").as_str(), "。"], "{space:?}");
            assert_eq!(count, s.chars().count());
            assert_eq!((lines[0].start_char, lines[0].len_chars, lines[0].last), (1, 3, 'a'));
            assert_eq!((lines[1].start_char, lines[1].last), (9, '。'));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn every_char_maps_to_the_original_char_its_surface_shows(
            s in "([\n \u{3000}\"「」．０-９，。：、]|[一-十]|[a-z]|[國黨級學]){0,400}"
        ) {
            let n = NormText::new(&s);
            let original: Vec<char> = s.chars().collect();
            for (b, c) in n.text().char_indices() {
                if c == '\n' {
                    continue; // a separator stands for the break before a line
                }
                let r = b..b + c.len_utf8();
                let (start, end) = n.original_span(r.clone());
                prop_assert_eq!(end, start + 1);
                let surface = n.surface(r);
                prop_assert_eq!(surface.chars().collect::<Vec<_>>(), vec![original[start]]);
            }
        }

        #[test]
        fn never_panics_and_spans_are_in_bounds(s in "(\\PC|[\n\r \u{3000}\"「」．０-９，。])*") {
            let n = NormText::new(&s);
            let len = n.original_len_chars();
            prop_assert_eq!(len, s.chars().count());
            let text = n.text();
            for (b, c) in text.char_indices() {
                let (start, end) = n.original_span(b..b + c.len_utf8());
                prop_assert!(start < end && end <= len);
                prop_assert_eq!(n.surface(b..b + c.len_utf8()).chars().count(), 1);
            }
            for b in 0..=text.len() + 2 {
                let (start, end) = n.original_span(b..b + 3);
                prop_assert!(start <= end && end <= len);
                let _ = n.surface(b.saturating_sub(2)..b);
            }
            let (start, end) = n.original_span(0..text.len());
            prop_assert!(start <= end && end <= len);
        }

        #[test]
        fn one_line_normalizes_as_the_per_character_definition(
            cs in prop::collection::vec(
                prop_oneof![
                    any::<char>(),
                    prop::sample::select(
                        "\"「」『』．＋％０９Ａｚ\u{3000}\u{A0}國黨級學時們乾於的一".chars().collect::<Vec<_>>()
                    ),
                ],
                0..40,
            )
        ) {
            let s: String = cs.into_iter().collect();
            // A line without breaks or outer white space: NormText is the
            // per-character normalization, and every char maps to its own.
            let line = s.trim();
            prop_assume!(!line.contains(['\n', '\r']));
            let n = NormText::new(line);
            let chars: Vec<char> = line.chars().collect();
            let mut in_quote = false;
            let mut want = String::new();
            for (i, &c) in chars.iter().enumerate() {
                let norm = match c {
                    '．' if i > 0
                        && is_any_digit(chars[i - 1])
                        && chars.get(i + 1).is_some_and(|&n| is_any_digit(n)) => '.',
                    '．' => '．',
                    '"' => {
                        in_quote = !in_quote;
                        if in_quote { '“' } else { '”' }
                    }
                    c => normalized(c, "", "", &mut false),
                };
                want.push(norm);
            }
            prop_assert_eq!(n.text(), want.as_str());
            for (k, (b, c)) in n.text().char_indices().enumerate() {
                prop_assert_eq!(n.original_span(b..b + c.len_utf8()), (k, k + 1));
                let orig: String = chars[k..=k].iter().collect();
                prop_assert_eq!(n.surface(b..b + c.len_utf8()), orig);
            }
        }

        #[test]
        fn idempotent_on_single_lines(s in "(\\PC|[ \u{3000}\"「」．０-９Ａ-Ｚ，。])*") {
            let once = NormText::new(&s);
            let twice = NormText::new(once.text());
            prop_assert_eq!(once.text(), twice.text());
        }

        #[test]
        fn lines_split_as_the_per_character_definition_on_random_text(
            s in "([ \\n\\r\\t\u{85}\u{A0}\u{1680}\u{2000}-\u{200B}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}。，]|\\PC){0,200}"
        ) {
            // The definition: every character decoded and tested.
            let mut want = Vec::new();
            let (mut first, mut last, mut index) = (None, (0usize, 0u32, ' '), 0u32);
            let mut flush = |first: &mut Option<(usize, u32)>, last: (usize, u32, char)| {
                if let Some((byte, start)) = first.take() {
                    want.push((byte, last.0, start, last.1 - start, last.2));
                }
            };
            for (byte, c) in s.char_indices() {
                if c == '\n' || c == '\r' {
                    flush(&mut first, last);
                } else if !c.is_whitespace() {
                    first.get_or_insert((byte, index));
                    last = (byte + c.len_utf8(), index + 1, c);
                }
                index += 1;
            }
            flush(&mut first, last);
            let (lines, count) = split_lines(&s);
            let got: Vec<_> = lines
                .iter()
                .map(|l| {
                    let at = l.text.as_ptr() as usize - s.as_ptr() as usize;
                    (at, at + l.text.len(), l.start_char, l.len_chars, l.last)
                })
                .collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(count, s.chars().count());
        }

        #[test]
        fn surface_of_everything_is_the_original_on_single_lines(s in "\\PC*") {
            let n = NormText::new(&s);
            prop_assert_eq!(n.surface(0..n.text().len()), s.trim());
        }
    }
}
