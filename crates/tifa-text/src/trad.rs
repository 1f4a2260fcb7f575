//! Traditional characters read as simplified ones, for matching only.
//!
//! The table is OpenCC's `TSCharacters.txt` (Apache-2.0; the file and its
//! licence are in `data/`), the traditional → simplified character
//! dictionary that OpenCC itself maintains. Only one-to-one character
//! mappings are used, so every normalized character still maps to one
//! original character and offsets point into the original text. Entries
//! whose key is also one of its own simplified forms (乾 → 干/乾, 於 →
//! 于/於) are left out: the key is a valid simplified character too, and
//! changing it would alter simplified text.

use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/TSCharacters.txt");

/// Sorted (traditional, simplified) pairs.
fn pairs() -> &'static [(char, char)] {
    static PAIRS: OnceLock<Vec<(char, char)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let mut v: Vec<(char, char)> = TABLE
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (key, values) = l.split_once('\t')?;
                let mut k = key.chars();
                let t = k.next().filter(|_| k.next().is_none())?;
                let mut candidates = values.split(' ');
                let first = candidates.next()?;
                let mut f = first.chars();
                let s = f.next().filter(|_| f.next().is_none())?;
                let ambiguous = values.split(' ').any(|c| c.chars().eq(std::iter::once(t)));
                (!ambiguous && s != t).then_some((t, s))
            })
            .collect();
        v.sort_unstable();
        v.dedup_by_key(|p| p.0);
        v
    })
}

/// Start and end of the range that [`mapped`] covers (the BMP's CJK
/// ideographs and Extension A, where nearly every character of a Chinese
/// text is).
const DENSE: (u32, u32) = (0x3400, 0xA000);

/// One bit per character of [`DENSE`]: whether it has a simplified form.
/// Most characters do not, and the bit says so without a search.
fn mapped() -> &'static [u64] {
    static BITS: OnceLock<Vec<u64>> = OnceLock::new();
    BITS.get_or_init(|| {
        let mut bits = vec![0u64; ((DENSE.1 - DENSE.0) as usize).div_ceil(64)];
        for &(t, _) in pairs() {
            let u = t as u32;
            if (DENSE.0..DENSE.1).contains(&u) {
                let k = (u - DENSE.0) as usize;
                bits[k / 64] |= 1 << (k % 64);
            }
        }
        bits
    })
}

/// For a character `u` inside [`DENSE`]: whether it has a simplified
/// form, by the bits of [`mapped`].
#[inline]
fn dense_mapped(bits: &[u64], u: u32) -> bool {
    let k = u.wrapping_sub(DENSE.0) as usize;
    bits.get(k / 64).is_some_and(|w| w & (1 << (k % 64)) != 0)
}

/// Every character that has a simplified form different from itself.
pub(crate) fn traditional() -> impl Iterator<Item = char> {
    pairs().iter().map(|p| p.0)
}

/// The simplified form of a traditional character, or the character itself.
pub fn simplified(c: char) -> char {
    let u = c as u32;
    if u < DENSE.0 {
        return c;
    }
    if u < DENSE.1 && !dense_mapped(mapped(), u) {
        return c;
    }
    let p = pairs();
    p.binary_search_by_key(&c, |x| x.0).map_or(c, |i| p[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bit_table_agrees_with_the_pairs() {
        let p = pairs();
        for u in 0x3000..0xA100u32 {
            let Some(c) = char::from_u32(u) else { continue };
            let want = p.binary_search_by_key(&c, |x| x.0).map_or(c, |i| p[i].1);
            assert_eq!(simplified(c), want, "U+{u:04X}");
        }
    }

    #[test]
    fn traditional_becomes_simplified() {
        let t: String = "濟寧市東門大街小學黨支部獲評五星級".chars().map(simplified).collect();
        assert_eq!(t, "济宁市东门大街小学党支部获评五星级");
    }

    #[test]
    fn simplified_and_ambiguous_characters_stay() {
        for c in "济宁党建乾隆於是著作，。ABC1".chars() {
            assert_eq!(simplified(c), c, "{c}");
        }
        assert!(pairs().len() > 3000);
    }
}
