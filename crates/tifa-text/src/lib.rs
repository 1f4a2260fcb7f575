//! Text input for tifa: from the bytes of a file to sentences that rules
//! can match, and from matches back to the original document.
//!
//! * [`decode`] detects UTF-8 / GB18030 and refuses binaries.
//! * [`NormText`] is the matching view: full-width characters and quote
//!   styles unified, words broken across lines rejoined, photo captions
//!   moved out of the sentences they interrupt, with every character
//!   mapped back to its original character offset.
//! * [`trad::simplified`] reads traditional characters as simplified
//!   ones (OpenCC's character table) inside the matching view.
//! * [`sentences`] splits the matching view into bounded sentences.
//! * [`parse_number`] and [`numbers_in`] read Arabic and Chinese numerals.
//!
//! ```
//! use tifa_text::{decode, numbers_in, sentences, Encoding, NormText};
//!
//! let bytes = "全面落实“三会一课”制度，各支部开展了２０２２年度基\n\n础教育调研。".as_bytes();
//! let decoded = decode(bytes).unwrap();
//! assert_eq!(decoded.encoding, Encoding::Utf8);
//!
//! let norm = NormText::new(&decoded.text);
//! assert_eq!(norm.text(), "全面落实“三会一课”制度，各支部开展了2022年度基础教育调研。");
//!
//! let sentence = sentences(norm.text())[0].clone();
//! let start = norm.text().find("2022").unwrap();
//! let span = start..start + "2022年度基础".len();
//! assert_eq!(norm.surface(span.clone()), "２０２２年度基础");
//! assert_eq!(norm.original_span(span), (19, 29)); // the blank line lies inside
//! assert!(sentence.contains(&start));
//!
//! assert_eq!(numbers_in("三会一课"), [3, 1]);
//! ```

pub mod decode;
pub mod normalize;
pub mod numerals;
pub mod sentences;
pub mod trad;

pub use decode::{decode, DecodeError, Decoded, Encoding};
pub use normalize::NormText;
pub use numerals::{digit_value, numbers_in, parse_number};
pub use sentences::{sentences, MAX_SENTENCE_CHARS};
