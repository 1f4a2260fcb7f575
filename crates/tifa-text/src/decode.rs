//! Turning the bytes of a file into text.
//!
//! Policy documents arrive as UTF-8 (with or without a byte order mark)
//! or, from older government sites, as GBK/GB18030. File extensions and
//! HTTP headers lie too often to be trusted, so the encoding is detected
//! from the bytes themselves: valid UTF-8 is taken as UTF-8, anything else
//! is tried as GB18030 (a superset of GBK and GB2312), and files that look
//! like binaries are refused instead of being turned into mojibake.

use encoding_rs::GB18030;
use std::fmt;

/// How many leading bytes the control-character test looks at; enough to
/// recognise a binary format without scanning a whole large file.
const SNIFF_LEN: usize = 64 * 1024;

/// The encoding a document was detected to be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 that started with the byte order mark `EF BB BF` (stripped).
    Utf8Bom,
    /// GB18030, which also covers GBK and GB2312 files.
    Gb18030,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Gb18030 => "GB18030",
        })
    }
}

/// A decoded document: its text (line endings normalised to `\n`) and the
/// encoding it was found in, so that callers can report what they read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The text, with `\r\n` and lone `\r` replaced by `\n`.
    pub text: String,
    /// The detected encoding.
    pub encoding: Encoding,
}

/// Why a file could not be read as text.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The file contains a NUL byte or too many control characters; it is
    /// an image, an archive, UTF-16 or some other non-text format. (The
    /// message names the NUL byte, the common case; for the control
    /// character test the offset is that of the first control byte.)
    #[error("binary file (NUL byte at byte offset {offset}); not text")]
    Binary {
        /// Byte offset of the first NUL (or offending control) byte.
        offset: usize,
    },
    /// The bytes are neither valid UTF-8 nor valid GB18030.
    #[error("not UTF-8 or GB18030 text (invalid byte sequence at byte offset {offset})")]
    Undecodable {
        /// Byte offset of the first byte that is not valid UTF-8.
        offset: usize,
    },
}

/// Detects the encoding of `bytes` and decodes them.
///
/// The order of the tests matters: a UTF-8 byte order mark is decisive
/// (the rest must then be valid UTF-8); binaries are refused before any
/// decoding is tried, because GB18030 accepts almost any byte sequence and
/// would happily turn a PNG into Chinese-looking garbage; valid UTF-8 wins
/// over GB18030 because random GB18030 text is very rarely valid UTF-8.
///
/// Line endings are normalised here (`\r\n` and lone `\r` become `\n`) so
/// that every later stage sees one kind of line break and character
/// offsets do not depend on the platform that wrote the file.
///
/// Empty input is valid, empty UTF-8 text.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (body, has_bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    let bom_len = bytes.len() - body.len();
    if let Some(offset) = binary_offset(body) {
        return Err(DecodeError::Binary { offset: offset + bom_len });
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Decoded {
            text: normalize_line_endings(text),
            encoding: if has_bom { Encoding::Utf8Bom } else { Encoding::Utf8 },
        }),
        Err(e) if has_bom => Err(DecodeError::Undecodable { offset: e.valid_up_to() + bom_len }),
        Err(e) => match GB18030.decode_without_bom_handling_and_without_replacement(body) {
            Some(text) => {
                Ok(Decoded { text: normalize_line_endings(&text), encoding: Encoding::Gb18030 })
            }
            None => Err(DecodeError::Undecodable { offset: e.valid_up_to() }),
        },
    }
}

/// Returns the offset that makes `bytes` binary, if they are.
///
/// Any NUL anywhere is decisive (no text encoding we accept produces one).
/// Otherwise more than 1% of C0 control characters in the first 64 KiB,
/// not counting tab, line feed, carriage return, form feed and escape
/// (which real text files do contain), marks a binary; a stray control
/// byte or two in a scraped page does not.
fn binary_offset(bytes: &[u8]) -> Option<usize> {
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Some(offset);
    }
    let sniff = bytes.get(..SNIFF_LEN).unwrap_or(bytes);
    let is_bad = |b: &u8| *b < 0x20 && !matches!(*b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b);
    let count = sniff.iter().filter(|b| is_bad(b)).count();
    if count * 100 > sniff.len() {
        sniff.iter().position(is_bad)
    } else {
        None
    }
}

/// Replaces `\r\n` and lone `\r` by `\n`, copying only when needed.
fn normalize_line_endings(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_utf8() {
        assert_eq!(decode(b""), Ok(Decoded { text: String::new(), encoding: Encoding::Utf8 }));
    }

    #[test]
    fn plain_utf8() {
        let d = decode("三会一课".as_bytes()).unwrap();
        assert_eq!(d.text, "三会一课");
        assert_eq!(d.encoding, Encoding::Utf8);
    }

    #[test]
    fn bom_is_stripped() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice("两学一做".as_bytes());
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, "两学一做");
        assert_eq!(d.encoding, Encoding::Utf8Bom);
        assert_eq!(decode(b"\xEF\xBB\xBF").unwrap().text, "");
    }

    #[test]
    fn bom_followed_by_invalid_utf8_is_undecodable() {
        // GBK bytes after a UTF-8 BOM: the BOM is trusted, so no fallback.
        let (gbk, _, _) = GB18030.encode("党建");
        let mut bytes = b"\xEF\xBB\xBFab".to_vec();
        bytes.extend_from_slice(&gbk);
        assert_eq!(decode(&bytes), Err(DecodeError::Undecodable { offset: 5 }));
    }

    #[test]
    fn gb18030_round_trip() {
        let text = "深入学习贯彻党的二十大精神，落实“三会一课”制度。\n第二行";
        let (bytes, _, unmappable) = GB18030.encode(text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err());
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, Encoding::Gb18030);
    }

    #[test]
    fn nul_is_binary() {
        assert_eq!(decode(b"abc\0def"), Err(DecodeError::Binary { offset: 3 }));
        // UTF-16 text has NULs and is refused rather than misread.
        assert_eq!(decode(b"\xFF\xFEa\0b\0"), Err(DecodeError::Binary { offset: 3 }));
    }

    #[test]
    fn control_characters_make_binary() {
        let mut bytes = vec![b'a'; 100];
        bytes[10] = 0x01;
        bytes[20] = 0x02;
        assert_eq!(decode(&bytes), Err(DecodeError::Binary { offset: 10 }));
        // One control byte in a hundred is tolerated (not more than 1%).
        let mut bytes = vec![b'a'; 100];
        bytes[10] = 0x01;
        assert!(decode(&bytes).is_ok());
        // Tab, form feed and escape do not count.
        assert!(decode(b"a\tb\x0cc\x1bd\re\n").is_ok());
    }

    #[test]
    fn undecodable() {
        // 0xFF is never a valid lead byte, in UTF-8 or in GB18030.
        let bytes = [b'o', b'k', 0xFF, 0xFF, 0xFF];
        assert!(GB18030.decode_without_bom_handling_and_without_replacement(&bytes).is_none());
        assert_eq!(decode(&bytes), Err(DecodeError::Undecodable { offset: 2 }));
        assert_eq!(decode(&[0xFF, 0xFF, 0xFF]), Err(DecodeError::Undecodable { offset: 0 }));
    }

    #[test]
    fn line_endings_are_normalised() {
        assert_eq!(decode(b"a\r\nb\rc\n\r\nd").unwrap().text, "a\nb\nc\n\nd");
        let (bytes, _, _) = GB18030.encode("第一\r\n第二\r");
        assert_eq!(decode(&bytes).unwrap().text, "第一\n第二\n");
    }

    #[test]
    fn display_and_error_messages() {
        assert_eq!(Encoding::Utf8.to_string(), "UTF-8");
        assert_eq!(Encoding::Utf8Bom.to_string(), "UTF-8 with BOM");
        assert_eq!(Encoding::Gb18030.to_string(), "GB18030");
        assert_eq!(
            DecodeError::Binary { offset: 7 }.to_string(),
            "binary file (NUL byte at byte offset 7); not text"
        );
        assert_eq!(
            DecodeError::Undecodable { offset: 2 }.to_string(),
            "not UTF-8 or GB18030 text (invalid byte sequence at byte offset 2)"
        );
    }
}
