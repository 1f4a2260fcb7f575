//! China's administrative divisions (GB/T 2260), read from a rule pack's
//! lexicons: `areas` (name, kind, parent, province, code) and
//! `area_aliases` (alias, canonical, ...). The hierarchy follows the codes:
//! a county `370811` is in the city `3708`, which is in the province `37`
//! (for districts of a municipality, `110101` is directly in `11`).

use std::collections::{BTreeMap, HashMap};
use tifa_rules::Lexicon;

/// One administrative division.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area {
    /// Official name (`任城区`).
    pub name: String,
    /// `province`, `city`, `district`, `county`, ...
    pub kind: String,
    /// GB/T 2260 code (`370811`, `3708`, `37`).
    pub code: String,
}

/// The administrative divisions known to the loaded packs.
#[derive(Clone, Debug, Default)]
pub struct Gazetteer {
    by_code: BTreeMap<String, Area>,
    by_name: HashMap<String, Vec<String>>,
    /// `(name, parent name)` for ambiguous names.
    parent_name: HashMap<String, String>,
    aliases: HashMap<String, String>,
}

impl Gazetteer {
    /// Builds a gazetteer from lexicons named `areas` and `area_aliases`
    /// (either may be missing: the result is then empty or alias-free).
    pub fn from_lexicons(lexicons: &BTreeMap<String, Lexicon>) -> Gazetteer {
        let mut g = Gazetteer::default();
        if let Some(areas) = lexicons.get("areas") {
            let col = |c: &str| areas.columns.iter().position(|x| x == c);
            let (Some(kind), Some(parent), Some(code)) = (col("kind"), col("parent"), col("code"))
            else {
                return g;
            };
            for term in &areas.terms {
                for row in areas.rows(term) {
                    let area = Area {
                        name: term.clone(),
                        kind: row[kind].clone(),
                        code: row[code].clone(),
                    };
                    if area.code.is_empty() {
                        continue;
                    }
                    g.parent_name.insert(area.code.clone(), row[parent].clone());
                    g.by_name.entry(term.clone()).or_default().push(area.code.clone());
                    g.by_code.insert(area.code.clone(), area);
                }
            }
        }
        if let Some(aliases) = lexicons.get("area_aliases") {
            for term in &aliases.terms {
                if let Some(c) = aliases.value(term, "canonical") {
                    g.aliases.insert(term.clone(), c.to_string());
                }
            }
        }
        g
    }

    /// Number of divisions.
    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    /// Whether it knows no division.
    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// The official name for an alias (`济宁` → `济宁市`), or the name itself.
    pub fn canonical<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases.get(name).map_or(name, String::as_str)
    }

    /// The division called `name` (after aliases). An ambiguous name
    /// (`朝阳区` is in Beijing and in Changchun) resolves only when `hint`
    /// names its parent or an ancestor; otherwise there is no guess.
    pub fn resolve(&self, name: &str, hint: Option<&str>) -> Option<&Area> {
        let codes = self.by_name.get(self.canonical(name))?;
        if codes.len() == 1 {
            return self.by_code.get(&codes[0]);
        }
        let hint = self.canonical(hint?);
        let mut found = codes
            .iter()
            .filter(|c| self.ancestors_of_code(c).any(|a| a.name == hint))
            .filter_map(|c| self.by_code.get(c));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// The division with GB/T 2260 code `code`.
    pub fn area_by_code(&self, code: &str) -> Option<&Area> {
        self.by_code.get(code)
    }

    /// The division that contains `area` directly.
    pub fn parent(&self, area: &Area) -> Option<&Area> {
        let code = &area.code;
        let by_prefix = [4usize, 2]
            .iter()
            .filter(|&&n| code.len() > n)
            .find_map(|&n| self.by_code.get(&code[..n]));
        by_prefix.or_else(|| {
            let p = self.parent_name.get(code)?;
            let codes = self.by_name.get(p)?;
            (codes.len() == 1).then(|| self.by_code.get(&codes[0])).flatten()
        })
    }

    fn ancestors_of_code<'a>(&'a self, code: &str) -> impl Iterator<Item = &'a Area> + 'a {
        let mut next = self.by_code.get(code).and_then(|a| self.parent(a));
        std::iter::from_fn(move || {
            let cur = next?;
            next = self.parent(cur);
            Some(cur)
        })
    }

    /// The chain of divisions above `area`, nearest first.
    pub fn ancestors<'a>(&'a self, area: &Area) -> impl Iterator<Item = &'a Area> + 'a {
        self.ancestors_of_code(&area.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaz() -> Gazetteer {
        let areas = Lexicon::parse(
            "name\tkind\tparent\tprovince\tcode\n\
             北京市\tprovince\t\t北京市\t11\n\
             朝阳区\tdistrict\t北京市\t北京市\t110105\n\
             吉林省\tprovince\t\t吉林省\t22\n\
             长春市\tcity\t吉林省\t吉林省\t2201\n\
             朝阳区\tdistrict\t长春市\t吉林省\t220104\n\
             浙江省\tprovince\t\t浙江省\t33\n\
             丽水市\tcity\t浙江省\t浙江省\t3311\n\
             遂昌县\tcounty\t丽水市\t浙江省\t331123\n",
        );
        let aliases =
            Lexicon::parse("alias\tcanonical\tkind\tparent\n丽水\t丽水市\tcity\t浙江省\n");
        Gazetteer::from_lexicons(&BTreeMap::from([
            ("areas".to_string(), areas),
            ("area_aliases".to_string(), aliases),
        ]))
    }

    #[test]
    fn a_county_resolves_to_its_city_and_province() {
        let g = gaz();
        let a = g.resolve("遂昌县", None).unwrap();
        let up: Vec<&str> = g.ancestors(a).map(|a| a.name.as_str()).collect();
        assert_eq!(up, ["丽水市", "浙江省"]);
        assert_eq!(g.resolve("丽水", None).unwrap().code, "3311");
    }

    #[test]
    fn ambiguous_names_need_a_hint() {
        let g = gaz();
        assert!(g.resolve("朝阳区", None).is_none());
        assert_eq!(g.resolve("朝阳区", Some("长春市")).unwrap().code, "220104");
        assert_eq!(g.resolve("朝阳区", Some("吉林省")).unwrap().code, "220104");
        let bj = g.resolve("朝阳区", Some("北京市")).unwrap();
        assert_eq!(g.parent(bj).unwrap().name, "北京市");
        assert!(g.resolve("不存在县", None).is_none());
    }
}
