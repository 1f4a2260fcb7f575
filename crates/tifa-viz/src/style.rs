//! One colour and one shape per entity type, shared by every writer so that
//! DOT, GEXF and HTML views of one graph look alike.

/// How nodes of one entity type are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Fill colour, `#rrggbb`.
    pub color: &'static str,
    /// Graphviz shape name.
    pub dot_shape: &'static str,
    /// Cytoscape.js shape name.
    pub cy_shape: &'static str,
}

const KNOWN: &[(&str, Style)] = &[
    ("Organization", s("#8ecae6", "box", "round-rectangle")),
    ("Program", s("#ffb703", "ellipse", "ellipse")),
    ("PlusCompound", s("#fb8500", "hexagon", "hexagon")),
    ("StarRating", s("#ffd6a5", "star", "star")),
    ("OnePerFormulation", s("#caffbf", "octagon", "octagon")),
    ("NumberedFormulation", s("#a0c4ff", "diamond", "diamond")),
    ("Designation", s("#bdb2ff", "house", "tag")),
    ("Person", s("#ffadad", "oval", "ellipse")),
    ("Quantity", s("#e9edc9", "plaintext", "rectangle")),
];

/// For types not listed above: a colour picked by the type's name.
const SPARE: &[&str] = &["#d4a373", "#90be6d", "#f28482", "#84a59d", "#cdb4db", "#b5838d"];

const fn s(color: &'static str, dot_shape: &'static str, cy_shape: &'static str) -> Style {
    Style { color, dot_shape, cy_shape }
}

/// The style of entity type `kind`; stable for unknown types too.
pub fn style(kind: &str) -> Style {
    if let Some((_, st)) = KNOWN.iter().find(|(k, _)| *k == kind) {
        return *st;
    }
    // A stable (FNV-1a) hash: the same type always gets the same colour.
    let h = kind
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    s(SPARE[(h % SPARE.len() as u64) as usize], "component", "round-tag")
}

/// `#rrggbb` as three bytes.
pub fn rgb(color: &str) -> (u8, u8, u8) {
    let c = color.trim_start_matches('#');
    let p = |i: usize| c.get(i..i + 2).and_then(|x| u8::from_str_radix(x, 16).ok()).unwrap_or(0);
    (p(0), p(2), p(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_differ_and_unknown_types_are_stable() {
        assert_ne!(style("Organization").color, style("Program").color);
        assert_eq!(style("Whatever"), style("Whatever"));
        assert_eq!(rgb("#8ecae6"), (0x8e, 0xca, 0xe6));
    }
}
