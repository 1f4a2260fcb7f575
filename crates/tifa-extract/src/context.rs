//! Document context: what one sentence cannot say by itself.
//!
//! After the rules have matched, [`enrich`] reads the whole document's
//! mentions together:
//! - **Abbreviations.** An organisation named in full once (济宁市实验初中)
//!   and later in short (济宁实验初中, 实验初中 without its area, 市委组织部
//!   in a document about one city) gets the full name as `canonical`.
//! - **Document area.** The area a document is about (the most frequent
//!   area, preferring one named in its opening) becomes the `scope` of star
//!   ratings that name none (else the area named earlier in their
//!   sentence), and the `parent` of schools named after it
//!   without its suffix (金乡一中 in a document about 金乡县).
//! - **Ratings and counts.** Star ratings get `year` and `share` from
//!   their sentence (…分别占43.8%、35.9% in order); quantities a short
//!   `subject` (党员3418名, 32所幼儿园).
//! - **Relations.** `holds` (X 被评为/获评/作为 Y), `runs` (the organisation
//!   a program or formulation belongs to: the nearest organisation before it
//!   in its paragraph that is not a partner or a place visited), `works_for`
//!   (an organisation right before a person's role or name),
//!   `cooperates_with` (X 与 Y 签订…协议, X 联合 Y), and `part_of` rather
//!   than `located_in` when the parent is an organisation, not an area.
//!
//! Everything here is a pure function of the mentions and the text, so
//! extraction stays deterministic.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use tifa_model::{Extraction, Mention, Relation, RelationTag};

/// Organisation kinds that are administrative areas.
const AREA_KINDS: &[&str] = &["province", "city", "district", "county", "town", "village"];

/// Last characters of area names (a party committee whose parent ends so
/// is an area's, not a bureau's).
const AREA_ENDS: [char; 9] = ['市', '省', '县', '区', '州', '旗', '镇', '乡', '道'];

/// Mention types an organisation can run.
const RUNNABLE: &[&str] = &["Program", "NumberedFormulation", "PlusCompound", "OnePerFormulation"];

/// Words between an organisation and an honour that make it the holder.
const HOLD_CUES: &[&str] = &[
    "被评为",
    "评为",
    "获评",
    "荣获",
    "获得",
    "被授予",
    "授予",
    "被命名为",
    "命名为",
    "作为",
    "成为",
    "入选",
    "创成",
    "被确定为",
    "确定为",
    "被认定为",
    "认定为",
    "获批",
];

/// Words that, right before an organisation, make it a partner or a
/// place visited, not the actor of its clause.
const NOT_ACTOR_BEFORE: &[&str] = &["与", "和", "同", "赴", "到", "联合", "携手", "向", "在", "对"];

/// Words that refer back to a school named before (学校建机制、巧布局).
const SCHOOL_ANAPHORS: &[&str] = &["学校", "该校", "我校", "全校"];

/// Verbs after which an area opening a clause is its actor: 金乡县在…开展.
const AREA_ACTOR_VERBS: &[&str] = &[
    "在", "以", "把", "将", "坚持", "推行", "实施", "开展", "通过", "按照", "围绕", "聚焦", "深入",
    "全面", "积极", "大力", "持续", "创新",
];

/// An organisation that can be the actor of its clause: not a partner
/// (与X), a place visited (赴X), a quoted name (组建“X”) or a national body.
fn actor_in_clause(chars: &[char], o: &Mention) -> bool {
    let before = slice(chars, o.start.saturating_sub(2), o.start);
    is_actor(o)
        && !before.ends_with('“')
        && !NATIONAL_RULES.contains(&o.rule.as_str())
        && !NOT_ACTOR_BEFORE.iter().any(|w| before.ends_with(w))
}

/// An area that opens its clause and is followed by a verb acts itself.
fn area_subject(chars: &[char], o: &Mention) -> bool {
    if !is_area(o) {
        return false;
    }
    let prev = if o.start == 0 { '\n' } else { chars[o.start - 1] };
    let opens = matches!(prev, '\n' | '，' | '。' | ',' | '；' | '：');
    let next = slice(chars, o.end, o.end + 2);
    opens && AREA_ACTOR_VERBS.iter().any(|v| next.starts_with(v))
}

/// Rules of the default pack that find national bodies (教育部, 中国共产党):
/// never taken as the actor running a local program.
const NATIONAL_RULES: &[&str] = &["ministry", "central-body"];

/// Verbs that make "X 与 Y …" a cooperation.
const COOPERATE_CUES: &[&str] = &["签订", "签署", "签约", "合作", "共建", "结对", "携手", "联合"];

fn kind(m: &Mention) -> &str {
    m.fields.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn is_area(m: &Mention) -> bool {
    m.kind == "Organization" && AREA_KINDS.contains(&kind(m))
}

/// A mention's `parent`, when it has a non-empty one.
fn parent_of(m: &Mention) -> Option<&str> {
    m.fields.get("parent").and_then(Value::as_str).filter(|p| !p.is_empty())
}

/// A town or village: a place in the document, below its area.
fn is_place(m: &Mention) -> bool {
    m.kind == "Organization" && matches!(kind(m), "town" | "village")
}

fn is_actor(m: &Mention) -> bool {
    m.kind == "Organization" && !is_area(m) && kind(m) != "media"
}

/// The name an organisation is scored and related under.
fn name_of(m: &Mention) -> String {
    name_str(m).to_string()
}

/// [`name_of`], borrowed.
fn name_str(m: &Mention) -> &str {
    m.fields.get("canonical").and_then(Value::as_str).filter(|c| !c.is_empty()).unwrap_or(&m.text)
}

/// Character spans (start, end), in text order.
type Spans = Vec<(usize, usize)>;

/// Character spans of paragraphs (split at line breaks) and sentences
/// (split at 。！？； as well).
fn spans(chars: &[char]) -> (Spans, Spans) {
    let (mut paragraphs, mut sentences) = (Vec::new(), Vec::new());
    let (mut par, mut sent) = (0, 0);
    for (i, &c) in chars.iter().enumerate() {
        // Most characters are ideographs, which end nothing.
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            continue;
        }
        let par_end = c == '\n';
        if par_end || matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';') {
            if i + 1 > sent {
                sentences.push((sent, i + 1));
            }
            sent = i + 1;
        }
        if par_end {
            if i + 1 > par {
                paragraphs.push((par, i + 1));
            }
            par = i + 1;
        }
    }
    for (start, out) in [(par, &mut paragraphs), (sent, &mut sentences)] {
        if start < chars.len() {
            out.push((start, chars.len()));
        }
    }
    (paragraphs, sentences)
}

/// The organisations (sorted by start) that start in `lo..hi`.
fn window<'a, 'm>(orgs: &'a [&'m Mention], lo: usize, hi: usize) -> &'a [&'m Mention] {
    let a = orgs.partition_point(|o| o.start < lo);
    let b = orgs.partition_point(|o| o.start < hi);
    &orgs[a..b.max(a)]
}

/// Of the organisations starting in `lo..hi` that pass `keep`, the one that
/// ends last (the later one on a tie), as `max_by_key(end)` over the
/// window would give; the window is walked backwards and left as soon as
/// no earlier organisation (at most `longest` characters long) can end
/// later, so a long paragraph is not walked once per mention.
fn nearest<'m>(
    orgs: &[&'m Mention],
    lo: usize,
    hi: usize,
    longest: usize,
    keep: impl Fn(&Mention) -> bool,
) -> Option<&'m Mention> {
    let mut best: Option<&'m Mention> = None;
    for &o in window(orgs, lo, hi).iter().rev() {
        if best.is_some_and(|b| o.start + longest <= b.end) {
            break;
        }
        if keep(o) && best.is_none_or(|b| o.end > b.end) {
            best = Some(o);
        }
    }
    best
}

fn span_of(spans: &[(usize, usize)], pos: usize) -> Option<(usize, usize)> {
    let i = spans.partition_point(|s| s.1 <= pos);
    spans.get(i).copied().filter(|s| s.0 <= pos)
}

fn slice(chars: &[char], a: usize, b: usize) -> String {
    chars.get(a.min(b)..b.min(chars.len())).map(string_of).unwrap_or_default()
}

/// The string of `chars`, allocated once at its size (collecting chars
/// reserves a byte a char and grows three times for Chinese).
pub(crate) fn string_of(chars: &[char]) -> String {
    let mut s = String::with_capacity(chars.iter().map(|c| c.len_utf8()).sum());
    s.extend(chars);
    s
}

/// Where the first school anaphor of a paragraph ends: one that opens it
/// (学校…) or follows a comma or full stop (，学校…). A mention at or after
/// that point may refer back to a school named before the paragraph.
fn first_anaphor_end(chars: &[char], par: (usize, usize)) -> Option<usize> {
    let text = chars.get(par.0..par.1.min(chars.len())).unwrap_or_default();
    let at = |i: usize, w: &str| w.chars().enumerate().all(|(k, c)| text.get(i + k) == Some(&c));
    // Each anaphor's first place (the paragraph start, or after a comma
    // or full stop), found in one walk; the earliest end wins.
    let mut found: Vec<Option<usize>> = vec![None; SCHOOL_ANAPHORS.len()];
    let look = |i: usize, found: &mut [Option<usize>]| {
        for (k, w) in SCHOOL_ANAPHORS.iter().enumerate() {
            if found[k].is_none() && at(i, w) {
                found[k] = Some(par.0 + i + w.chars().count());
            }
        }
    };
    look(0, &mut found);
    for (i, c) in text.iter().enumerate() {
        if found.iter().all(Option::is_some) {
            break;
        }
        if matches!(c, '，' | '。' | ',') {
            look(i + 1, &mut found);
        }
    }
    found.into_iter().flatten().min()
}

/// Adds what only the whole document shows to `ex` (see the module doc).
pub fn enrich(doc: &str, original: &str, ex: &mut Extraction) {
    // Without mentions there is nothing to enrich or relate.
    if ex.mentions.is_empty() {
        return;
    }
    let mut chars: Vec<char> = Vec::with_capacity(original.chars().count());
    chars.extend(original.chars());
    let (paragraphs, sentences) = spans(&chars);
    place_ambiguous_areas(&mut ex.mentions);
    let areas = document_areas(&ex.mentions);
    let dropped = absorb_inner_aliases(&mut ex.mentions);
    // (organisation, parent) pairs that a better parent replaced.
    let mut replaced = BTreeSet::new();
    let mut short = resolve_abbreviations(&mut ex.mentions, &chars, &areas, &mut replaced);
    ex.relations.retain(|r| !replaced.contains(&(r.from.clone(), r.to.clone())));
    for (alias, full) in dropped {
        short.entry(alias).or_insert(full);
    }
    let warnings = crate::items::fill(doc, &chars, &mut ex.mentions);
    ex.diagnostics.extend(warnings);
    rating_fields(&chars, &sentences, &mut ex.mentions, areas.first());
    quantity_subjects(&chars, &mut ex.mentions);

    let mut rels: Vec<Relation> = Vec::new();
    let mentions = &ex.mentions;
    let mk =
        |rel: &str, from: &Mention, to: &Mention, from_name: String, to_name: String| Relation {
            doc: doc.to_string(),
            record: RelationTag::Relation,
            rel: rel.to_string(),
            from: from_name,
            to: to_name,
            start: from.start.min(to.start),
            end: from.end.max(to.end),
            rule: format!("context:{rel}"),
        };
    let mut orgs: Vec<&Mention> = mentions.iter().filter(|m| m.kind == "Organization").collect();
    orgs.sort_by_key(|o| o.start);
    let org_texts: BTreeSet<&str> =
        orgs.iter().filter(|o| !is_area(o)).map(|o| o.text.as_str()).collect();
    // National bodies named in a local article are seldom its actors.
    let actor_ok = |o: &Mention| actor_in_clause(&chars, o);

    let longest = orgs.iter().map(|o| o.end - o.start).max().unwrap_or(0);
    let mut persons: Vec<(usize, usize)> =
        mentions.iter().filter(|m| m.kind == "Person").map(|m| (m.start, m.end)).collect();
    persons.sort_unstable();
    // Per paragraph start: where its first school anaphor ends.
    let mut anaphors: BTreeMap<usize, Option<usize>> = BTreeMap::new();
    for m in mentions {
        match m.kind.as_str() {
            "Designation" | "StarRating" => {
                let Some(sent) = span_of(&sentences, m.start) else { continue };
                // The nearest organisation before a holding cue before m.
                // Both cues below are short: only organisations ending at
                // most 30 characters before m are looked at (a sentence can
                // be very long).
                let lo = sent.0.max(m.start.saturating_sub(30 + longest));
                let near = window(&orgs, lo, m.start);
                let holder = near
                    .iter()
                    .filter(|o| (is_actor(o) || is_area(o)) && o.end <= m.start)
                    // 被中共郑州市委授予: a name inside another (郑州市) is
                    // that one's part, no holder of its own.
                    .filter(|o| !inside_another(o, near))
                    .filter(|o| m.start - o.end <= 30)
                    // 被国务院国资委评为: the body after 被 gives the honour.
                    .filter(|o| o.start.checked_sub(1).and_then(|i| chars.get(i)) != Some(&'被'))
                    // 某镇党委书记蓝晓燕等5人被评为: the people named hold it.
                    .filter(|o| {
                        let i = persons.partition_point(|p| p.0 < o.end);
                        persons.get(i).is_none_or(|p| p.1 > m.start)
                    })
                    .filter(|o| {
                        let between = slice(&chars, o.end, m.start);
                        // 某某小学等15所示范点
                        let listed = between.strip_prefix('等').is_some_and(|r| {
                            let d = r.trim_end_matches(['所', '个', '家', '名', '批']);
                            d.len() < r.len()
                                && !d.is_empty()
                                && d.chars().all(|c| c.is_ascii_digit())
                        });
                        listed
                            || HOLD_CUES.iter().any(|c| between.contains(c))
                                && !between.contains('，')
                                && between.chars().count() <= 30
                    })
                    .max_by_key(|o| o.end);
                if let Some(h) = holder {
                    rels.push(mk("holds", h, m, name_of(h), m.text.clone()));
                }
            }
            k if RUNNABLE.contains(&k) => {
                let Some(par) = span_of(&paragraphs, m.start) else { continue };
                let owner = nearest(&orgs, par.0, m.start, longest, |o| {
                    o.end <= m.start && (actor_ok(o) || area_subject(&chars, o))
                })
                .or_else(|| {
                    // 学校建机制…: the school named in an earlier paragraph.
                    let first =
                        *anaphors.entry(par.0).or_insert_with(|| first_anaphor_end(&chars, par));
                    let anaphor = first.is_some_and(|e| e <= m.start);
                    anaphor
                        .then(|| {
                            window(&orgs, par.0.saturating_sub(600), par.0)
                                .iter()
                                .filter(|o| o.end <= par.0 && par.0 - o.end < 600)
                                .filter(|o| matches!(kind(o), "school" | "kindergarten"))
                                .max_by_key(|o| o.end)
                                .copied()
                        })
                        .flatten()
                });
                if let Some(o) = owner {
                    rels.push(mk("runs", o, m, name_of(o), m.text.clone()));
                }
            }
            "Person" => {
                let Some(sent) = span_of(&sentences, m.start) else { continue };
                let lo = m.start.saturating_sub(16).max(sent.0);
                // In a byline the organisation is often on the line before.
                let lo_line = m.start.saturating_sub(30);
                let employer = window(&orgs, lo.min(lo_line), m.start)
                    .iter()
                    .filter(|o| {
                        o.end <= m.start
                            && !is_area(o)
                            && (o.start >= lo
                                || (kind(o) == "media"
                                    && o.start >= lo_line
                                    && slice(&chars, o.end, m.start).matches('\n').count() <= 1))
                    })
                    .filter(|o| {
                        let between = slice(&chars, o.end, m.start);
                        !between.contains(['，', '。', ',']) && between.chars().count() <= 10
                    })
                    .max_by_key(|o| o.end);
                if let Some(e) = employer {
                    // 济南市教育局党组书记、局长王品木: the person works for the
                    // bureau; 吉林大学党委书记张希, whose role is the Party one,
                    // for the committee.
                    let party_role = m
                        .fields
                        .get("role")
                        .and_then(|r| r.as_str())
                        .is_some_and(|r| r.ends_with("书记") || r.ends_with("委员"));
                    let name = match parent_of(e) {
                        Some(p)
                            if matches!(kind(e), "party_committee" | "branch") && !party_role =>
                        {
                            let parent_is_org = org_texts.contains(p) || !p.ends_with(AREA_ENDS);
                            if parent_is_org {
                                p.to_string()
                            } else {
                                name_of(e)
                            }
                        }
                        _ => name_of(e),
                    };
                    rels.push(mk("works_for", m, e, m.text.clone(), name));
                }
            }
            _ => {}
        }
    }
    cooperations(&chars, &sentences, &paragraphs, &orgs, &mut rels, &mk);
    // Parents set or renamed here need their relation too (one the rule
    // already gave, the same in every field, is not made twice).
    let given: HashSet<(&str, &str, &str, usize, usize, &str)> = ex
        .relations
        .iter()
        .map(|r| (r.rel.as_str(), r.from.as_str(), r.to.as_str(), r.start, r.end, r.rule.as_str()))
        .collect();
    for m in mentions.iter().filter(|m| m.kind == "Organization") {
        let Some(p) = parent_of(m) else {
            continue;
        };
        let rel = match kind(m) {
            "province" | "city" | "district" | "county" | "branch" => "part_of",
            _ => "located_in",
        };
        if given.contains(&(rel, name_str(m), p, m.start, m.end, m.rule.as_str())) {
            continue;
        }
        rels.push(Relation {
            doc: doc.to_string(),
            record: RelationTag::Relation,
            rel: rel.into(),
            from: name_of(m),
            to: p.to_string(),
            start: m.start,
            end: m.end,
            rule: m.rule.clone(),
        });
    }
    // Built at the first parent to look up: most organisations are areas.
    let mut named: Option<BTreeSet<&str>> = None;
    // A parent that is not named alone (金乡二中 of 金乡二中党总支), or named
    // without a parent of its own, is still placed in the area its name
    // starts with, or with its stem (the name without its last character)
    // when that keeps two or more.
    let stems: Vec<Option<&str>> = areas
        .iter()
        .map(|a| {
            let last = a.chars().next_back().map_or(0, char::len_utf8);
            Some(&a[..a.len() - last]).filter(|s| s.chars().nth(1).is_some())
        })
        .collect();
    for m in mentions.iter().filter(|m| m.kind == "Organization" && !is_area(m)) {
        let Some(p) = m.fields.get("parent").and_then(Value::as_str) else { continue };
        let named = named.get_or_insert_with(|| {
            mentions
                .iter()
                .filter(|o| o.kind == "Organization" && (is_area(o) || parent_of(o).is_some()))
                .flat_map(|o| [o.text.as_str(), name_str(o)])
                .collect()
        });
        if named.contains(p) {
            continue;
        }
        let area =
            areas.iter().zip(&stems).filter(|(a, _)| a.as_str() != p).find_map(|(a, stem)| {
                (p.starts_with(a.as_str()) || stem.is_some_and(|s| p.starts_with(s))).then_some(a)
            });
        if let Some(a) = area {
            rels.push(Relation {
                doc: doc.to_string(),
                record: RelationTag::Relation,
                rel: "located_in".into(),
                from: p.to_string(),
                to: a.clone(),
                start: m.start,
                end: m.end,
                rule: "context:located_in".into(),
            });
        }
    }
    fix_parent_relations([&mut ex.relations, &mut rels], mentions, &short);
    ex.relations.extend(rels);
    ex.relations.sort_by(|a, b| {
        (a.start, &a.rel, &a.from, &a.to, a.end, &a.rule)
            .cmp(&(b.start, &b.rel, &b.from, &b.to, b.end, &b.rule))
    });
    dedup_relations(&mut ex.relations, |r| r.from != r.to);
}

/// Keeps, of the relations for which `keep` holds, the first of each
/// (relation, from, to), in order; nothing is copied to compare them.
pub(crate) fn dedup_relations(rels: &mut Vec<Relation>, keep: impl Fn(&Relation) -> bool) {
    let mut seen = std::collections::HashSet::new();
    let flags: Vec<bool> = rels
        .iter()
        .map(|r| keep(r) && seen.insert((r.rel.as_str(), r.from.as_str(), r.to.as_str())))
        .collect();
    drop(seen);
    let mut flags = flags.into_iter();
    rels.retain(|_| flags.next().unwrap_or(false));
}

/// A star rating's `year` (a year named earlier in its sentence), `scope`
/// (an area named earlier in its sentence, else the document's area) and
/// `share` (a percentage later in its clause: 五星级标准的612个，占43.8%).
fn rating_fields(
    chars: &[char],
    sentences: &[(usize, usize)],
    mentions: &mut [Mention],
    doc_area: Option<&String>,
) {
    // Everything below is about star ratings (and years_in walks the
    // whole document).
    if !mentions.iter().any(|m| m.kind == "StarRating") {
        return;
    }
    let areas: Vec<(usize, String)> =
        mentions.iter().filter(|m| is_area(m)).map(|m| (m.start, name_of(m))).collect();
    let shares: Vec<(usize, f64)> = mentions
        .iter()
        .filter(|m| {
            m.kind == "Quantity" && m.fields.get("unit").and_then(Value::as_str) == Some("%")
        })
        .filter_map(|m| Some((m.start, m.fields.get("value")?.as_f64()?)))
        .collect();
    let years = years_in(chars);
    for m in mentions.iter_mut().filter(|m| m.kind == "StarRating") {
        let Some(sent) = span_of(sentences, m.start) else { continue };
        if !m.fields.contains_key("year") {
            // The last year (YYYY年) inside the sentence before m.
            let n = years.partition_point(|&(i, _)| i + 5 <= m.start);
            if let Some(&(_, y)) = years[..n].last().filter(|(i, _)| *i >= sent.0) {
                m.fields.insert("year".into(), Value::from(y));
            }
        }
        if !m.fields.contains_key("scope") {
            // Mentions are sorted by start: the last area before m, if it
            // is in m's sentence.
            let n = areas.partition_point(|(s, _)| *s < m.start);
            let named = areas[..n].last().filter(|(s, _)| *s >= sent.0);
            if let Some(a) = named.map(|a| &a.1).or(doc_area) {
                m.fields.insert("scope".into(), Value::String(a.clone()));
            }
        }
        let has_level = m.fields.get("level").is_some_and(|v| !v.is_null());
        if has_level && !m.fields.contains_key("share") {
            let clause_end = (m.end..sent.1.min(chars.len()))
                .find(|&i| matches!(chars[i], '；' | '。' | '、' | '，' | ',' | ';'))
                .unwrap_or(sent.1);
            let n = shares.partition_point(|(s, _)| *s < m.end);
            if let Some((_, v)) = shares.get(n).filter(|(s, _)| *s < clause_end) {
                m.fields.insert("share".into(), Value::from(*v));
            }
        }
    }
    // 五星级标准的612个，四星级标准的501个，分别占43.8%、35.9%: in order.
    // Rated mentions by sentence (in mention order), so that each
    // sentence's ratings are found without a pass over all mentions.
    let mut by_sentence: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, m) in mentions.iter().enumerate() {
        if m.kind != "StarRating" || m.fields.get("level").is_none_or(Value::is_null) {
            continue;
        }
        if let Some(sent) = span_of(sentences, m.start).filter(|s| m.end <= s.1) {
            by_sentence.entry(sent).or_default().push(i);
        }
    }
    for (&(_, b), idx) in &by_sentence {
        let Some(&last) = idx.last() else { continue };
        let after = mentions[last].end;
        let tail = string_of(&chars[after..b.min(chars.len())]);
        let Some(k) = tail.find("分别") else { continue };
        let from = after + tail[..k].chars().count();
        let pct: Vec<f64> =
            shares.iter().filter(|(s, _)| *s >= from && *s < b).map(|x| x.1).collect();
        if pct.len() == idx.len() && idx.len() > 1 {
            for (i, v) in idx.iter().zip(pct) {
                mentions[*i].fields.insert("share".into(), Value::from(v));
            }
        }
    }
}

/// Every four-digit year followed by 年 (not the tail of a longer
/// number), as (char index, year), in text order.
fn years_in(chars: &[char]) -> Vec<(usize, u64)> {
    // From each 年 back to its four digits.
    (4..chars.len())
        .filter(|&j| chars[j] == '年')
        .filter_map(|j| {
            let i = j - 4;
            let w = &chars[i..j];
            let digits = w.iter().all(|c| c.is_ascii_digit());
            let before_ok = i == 0 || !chars[i - 1].is_ascii_digit();
            if digits && before_ok && matches!(w[0], '1' | '2') {
                let year = w.iter().fold(0, |y, &c| y * 10 + u64::from(c as u32 - '0' as u32));
                Some((i, year))
            } else {
                None
            }
        })
        .collect()
}

/// Words after which a counted thing's name starts (有党员3418名).
const SUBJECT_START: &[char] = &[
    '，', '。', '、', '；', '：', '有', '共', '达', '为', '了', '计', '约', '近', '培', '训', '和',
    '的', '（', '“', '”', '\n', ' ', '并', '等', '在', '及', '与', '已',
];

/// Whether a subject may start right after `chars[i]`: not inside 共产党
/// or 在职, which hold a start word.
fn subject_starts_after(chars: &[char], i: usize) -> bool {
    SUBJECT_START.contains(&chars[i])
        && !matches!((chars[i], chars.get(i + 1)), ('共', Some('产')) | ('在', Some('职')))
}

/// A quantity's `subject`: the short noun right before the number in its
/// clause (党员3418名), else the one right after its unit (46个党组织).
fn quantity_subjects(chars: &[char], mentions: &mut [Mention]) {
    for m in mentions.iter_mut().filter(|m| m.kind == "Quantity") {
        // 约为6870万台, 约合3亿元: about, with a verb between 约 and the
        // number (约 right before it is the quantity-about rule's); not
        // the 约 of 签约, 节约 or 预约.
        let s = m.start;
        if m.fields.get("approx") == Some(&Value::Bool(false))
            && s >= 2
            && chars[s - 2] == '约'
            && matches!(chars[s - 1], '为' | '合' | '有' | '占' | '达' | '计')
            && (s < 3 || !"签节预合履公条制集特相邀守违附践婚租简隐契誓".contains(chars[s - 3]))
        {
            m.fields.insert("approx".into(), Value::Bool(true));
        }
        if m.fields.contains_key("subject") {
            continue;
        }
        let mut a = m.start;
        while a > 0 && m.start - a <= 8 && !subject_starts_after(chars, a - 1) {
            a -= 1;
        }
        let bounded = a == 0 || subject_starts_after(chars, a - 1);
        let before = strip_verb(&string_of(&chars[a..m.start]));
        let han = |s: &str| s.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
        let subject = if bounded && (2..=6).contains(&before.chars().count()) && han(&before) {
            Some(before)
        } else {
            let mut e = m.end;
            while e < chars.len()
                && e - m.end <= 6
                && !SUBJECT_START.contains(&chars[e])
                && !is_verb_start(chars, e)
            {
                e += 1;
            }
            let stopped = e < chars.len() && e - m.end <= 6;
            let after = strip_verb(&string_of(&chars[m.end..e]));
            (stopped && (2..=6).contains(&after.chars().count()) && han(&after)).then_some(after)
        };
        if let Some(s) = subject {
            m.fields.insert("subject".into(), Value::String(s));
        }
    }
}

/// A subject without the verb that introduced it (举办专题讲座 → 专题讲座).
fn strip_verb(s: &str) -> String {
    const LEADS: &[&str] = &[
        "举办",
        "开展",
        "开通",
        "发放",
        "评选出",
        "评选",
        "公布",
        "吸纳",
        "建成",
        "新建",
        "培训",
        "组织",
        "累计",
        "完成",
        "覆盖",
        "选派",
        "配备",
        "建立",
        "创建",
        "打造",
        "培育",
        "招聘",
        "投入",
        "来自",
    ];
    let mut s = s.to_string();
    while let Some(l) = LEADS.iter().find(|l| s.starts_with(*l)) {
        s = s[l.len()..].to_string();
    }
    s
}

/// Verbs that end a noun phrase after a count: 46个党组织获评….
fn is_verb_start(chars: &[char], i: usize) -> bool {
    const VERBS: &[&str] = &[
        "获", "被", "参加", "参与", "参赛", "出席", "报名", "达到", "开展", "完成", "实现", "入选",
        "成为", "覆盖", "占",
    ];
    let rest = string_of(&chars[i..(i + 2).min(chars.len())]);
    VERBS.iter().any(|v| rest.starts_with(v))
}

/// Whether `o` lies inside a longer one of `among` (郑州市 of 中共郑州市委).
fn inside_another(o: &Mention, among: &[&Mention]) -> bool {
    among.iter().any(|w| w.start <= o.start && o.end <= w.end && w.end - w.start > o.end - o.start)
}

/// X 与 Y、Z 签订…协议; X 联合 Y、Z 开展… (X may be named earlier in the
/// paragraph, or be the document's main actor, when 联合 opens a clause).
fn cooperations(
    chars: &[char],
    sentences: &[(usize, usize)],
    paragraphs: &[(usize, usize)],
    orgs: &[&Mention],
    rels: &mut Vec<Relation>,
    mk: &dyn Fn(&str, &Mention, &Mention, String, String) -> Relation,
) {
    let main = main_actor(orgs);
    for &(s, e) in sentences {
        let all = window(orgs, s, e);
        // Not the university of 四川大学附属中学: a name inside another
        // is no partner of its own.
        let in_sent: Vec<&Mention> =
            all.iter().copied().filter(|o| o.end <= e && !inside_another(o, all)).collect();
        for (i, y0) in in_sent.iter().enumerate() {
            let lead = slice(chars, y0.start.saturating_sub(2), y0.start);
            let joint = ["联合", "会同", "携手"].iter().any(|w| lead.ends_with(w));
            let x = if joint {
                let par = span_of(paragraphs, y0.start).unwrap_or((s, e));
                window(orgs, par.0, y0.start)
                    .iter()
                    .copied()
                    .filter(|o| actor_in_clause(chars, o) && o.end + 2 <= y0.start)
                    .max_by_key(|o| o.end)
                    .or(main)
            } else {
                let prev = i.checked_sub(1).map(|j| in_sent[j]);
                prev.filter(|x| {
                    ["与", "和", "同"].contains(&slice(chars, x.end, y0.start).as_str())
                })
            };
            let Some(x) = x else { continue };
            // An area cooperates only with an area (厦门航空 is no 厦门).
            if name_of(x) == name_of(y0) || is_area(x) != is_area(y0) {
                continue;
            }
            // The partners: y0 and those listed after it with 、 or 和.
            let mut partners = vec![*y0];
            for y in &in_sent[i + 1..] {
                let last = partners[partners.len() - 1];
                let sep = slice(chars, last.end, y.start);
                if ["、", "和", "及", "与"].contains(&sep.as_str()) && is_area(y) == is_area(x)
                {
                    partners.push(y);
                } else {
                    break;
                }
            }
            let last = partners[partners.len() - 1];
            let rest = slice(chars, last.end, (last.end + 30).min(e));
            if !joint && !COOPERATE_CUES.iter().any(|c| rest.contains(c)) {
                continue;
            }
            for y in partners {
                rels.push(mk("cooperates_with", x, y, name_of(x), name_of(y)));
            }
        }
    }
}

/// The organisation a document is mostly about: the actor named most
/// often, if named at least three times.
fn main_actor<'a>(orgs: &[&'a Mention]) -> Option<&'a Mention> {
    let mut count: BTreeMap<String, (usize, std::cmp::Reverse<usize>)> = BTreeMap::new();
    for o in orgs.iter().filter(|o| is_actor(o) && !NATIONAL_RULES.contains(&o.rule.as_str())) {
        let e = count.entry(name_of(o)).or_insert((0, std::cmp::Reverse(o.start)));
        e.0 += 1;
    }
    // Named in the title or opening: counts as named three times.
    for o in orgs.iter().filter(|o| is_actor(o) && o.start < 60) {
        if let Some(e) = count.get_mut(&name_of(o)) {
            e.0 += 2;
            break;
        }
    }
    let (name, (n, _)) = count.into_iter().max_by_key(|(_, v)| *v)?;
    if n < 3 {
        return None;
    }
    orgs.iter().copied().find(|o| name_of(o) == name)
}

/// A parent that is an organisation, not an area, makes `part_of`.
fn fix_parent_relations(
    lists: [&mut [Relation]; 2],
    mentions: &[Mention],
    short: &BTreeMap<String, String>,
) {
    let canon: BTreeMap<&str, &str> = mentions
        .iter()
        .filter(|m| m.kind == "Organization")
        .map(|m| (m.text.as_str(), name_str(m)))
        .collect();
    // Sets: a document can hold hundreds of areas and relations.
    let area_names: HashSet<&str> =
        mentions.iter().filter(|m| is_area(m)).map(|m| m.text.as_str()).collect();
    // A town or village is in a place, whatever its parent is called
    // (章丘, a short name, is no mention of its own).
    let places: HashSet<&str> =
        mentions.iter().filter(|m| is_place(m)).map(|m| m.text.as_str()).collect();
    // The canonical name of a name (unchanged names are not copied).
    let rename = |name: &mut String| {
        let c = canon
            .get(name.as_str())
            .copied()
            .or_else(|| short.get(name.as_str()).map(String::as_str));
        if let Some(c) = c.filter(|c| c != name) {
            name.clear();
            name.push_str(c);
        }
    };
    for r in lists.into_iter().flat_map(|l| l.iter_mut()) {
        rename(&mut r.from);
        rename(&mut r.to);
        let to_is_area = area_names.contains(r.to.as_str())
            || (r.to.ends_with(['省', '市', '县', '区', '镇', '乡', '村', '旗'])
                && !canon.contains_key(r.to.as_str()))
            || r.to.ends_with("街道");
        if r.rel == "located_in" && !to_is_area && !places.contains(r.from.as_str()) {
            r.rel = "part_of".into();
        }
    }
}

/// An area whose name several divisions of China share (城关区 is in 兰州市
/// and in 拉萨市) comes from the gazetteer without a parent; written right
/// after the city or province it belongs to (兰州市城关区), it gets that
/// one, everywhere in the document.
fn place_ambiguous_areas(mentions: &mut [Mention]) {
    let rank = |m: &Mention| match kind(m) {
        "province" => 3,
        "city" => 2,
        "district" | "county" => 1,
        _ => 0,
    };
    let mut order: Vec<usize> = (0..mentions.len()).filter(|&i| is_area(&mentions[i])).collect();
    order.sort_by_key(|&i| (mentions[i].start, mentions[i].end));
    let orphan = |m: &Mention| parent_of(m).is_none();
    let mut placed: BTreeMap<String, String> = BTreeMap::new();
    for w in order.windows(2) {
        let (outer, inner) = (&mentions[w[0]], &mentions[w[1]]);
        if orphan(inner) && outer.end == inner.start && rank(outer) > rank(inner) && rank(inner) > 0
        {
            placed.entry(inner.text.clone()).or_insert_with(|| name_of(outer));
        }
    }
    for m in mentions.iter_mut().filter(|m| is_area(m)) {
        if let Some(p) = placed.get(&m.text).filter(|_| orphan(m)) {
            m.fields.insert("parent".into(), Value::String(p.clone()));
        }
    }
}

/// Areas of county level and above named in the document, the one it is
/// about first: most mentions, with a bonus for being named in the
/// opening 200 characters; lower levels (district, county) win ties.
fn document_areas(mentions: &[Mention]) -> Vec<String> {
    let mut score: BTreeMap<String, (i64, usize)> = BTreeMap::new();
    // Towns and villages are places in the document, not its area.
    for m in mentions.iter().filter(|m| is_area(m) && !is_place(m)) {
        let level = match kind(m) {
            "district" | "county" => 2,
            "city" => 1,
            _ => 0,
        };
        let e = score.entry(name_of(m)).or_insert((0, level));
        e.0 += 2 + if m.start < 200 { 3 } else { 0 };
    }
    let mut v: Vec<(String, (i64, usize))> = score.into_iter().collect();
    v.sort_by(|a, b| (b.1 .0, b.1 .1).cmp(&(a.1 .0, a.1 .1)).then(a.0.cmp(&b.0)));
    v.into_iter().map(|(n, _)| n).collect()
}

/// The short form of an area inside a longer name (山东 in 山东大学, 济宁 in
/// 济宁实验初中) is part of that name, not a mention of the area: it is
/// dropped, and the area becomes the organisation's `parent` if it has none.
fn absorb_inner_aliases(mentions: &mut Vec<Mention>) -> BTreeMap<String, String> {
    let mut orgs: Vec<(usize, usize, usize)> = mentions
        .iter()
        .enumerate()
        .filter(|(_, m)| m.kind == "Organization" && !is_area(m))
        .map(|(i, m)| (m.start, m.end, i))
        .collect();
    orgs.sort_unstable();
    let mut drop = BTreeSet::new();
    let mut dropped = BTreeMap::new();
    let mut parents = Vec::new();
    for (i, a) in mentions.iter().enumerate() {
        let alias = is_area(a) && a.fields.get("canonical").and_then(Value::as_str).is_some();
        if !alias {
            continue;
        }
        let upto = orgs.partition_point(|o| o.0 <= a.start);
        let outer =
            orgs[..upto].iter().rev().take(8).find(|o| o.1 >= a.end && o.1 - o.0 > a.end - a.start);
        if let Some(&(_, _, oi)) = outer {
            drop.insert(i);
            dropped.insert(a.text.clone(), name_of(a));
            parents.push((oi, name_of(a)));
        }
    }
    for (oi, area) in parents {
        if kind(&mentions[oi]) == "media" {
            continue;
        }
        let f = &mut mentions[oi].fields;
        if f.get("parent").and_then(Value::as_str).is_none_or(|p| p.is_empty()) {
            f.insert("parent".into(), Value::String(area));
        }
    }
    let mut i = 0;
    mentions.retain(|_| {
        i += 1;
        !drop.contains(&(i - 1))
    });
    dropped
}

/// Gives short names of organisations their full name as `canonical`.
fn resolve_abbreviations(
    mentions: &mut [Mention],
    chars: &[char],
    areas: &[String],
    replaced: &mut BTreeSet<(String, String)>,
) -> BTreeMap<String, String> {
    let mut short: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for m in mentions.iter().filter(|m| m.kind == "Organization" && !is_area(m)) {
        let Some(parent) = m.fields.get("parent").and_then(Value::as_str) else { continue };
        let Some(rest) = m.text.strip_prefix(parent) else { continue };
        if rest.chars().count() < 2 {
            continue;
        }
        let entry = (m.text.clone(), Some(parent.to_string()));
        if rest.chars().count() >= 4 {
            short.entry(rest.to_string()).or_insert_with(|| entry.clone());
        }
        let pc: Vec<char> = parent.chars().collect();
        if pc.len() >= 3 && matches!(pc[pc.len() - 1], '市' | '县' | '区') {
            let stem = string_of(&pc[..pc.len() - 1]);
            short.entry(format!("{stem}{rest}")).or_insert(entry);
        }
    }
    // 市委组织部, 区教育局党委, 区发改局党组, 区直机关工委, 县人民医院, 省教育厅:
    // a body of the document's own area, or of
    // the area of the body listed right before it (枣庄市委组织部、市委宣传部).
    let area_of_level = |c: char| areas.iter().find(|a| of_level(a, c)).cloned();
    let listed: BTreeMap<usize, String> = mentions
        .iter()
        .filter(|o| o.kind == "Organization" && !is_area(o))
        .filter(|o| chars.get(o.end).is_some_and(|c| matches!(c, '、' | '和' | '与' | '及')))
        .filter_map(|o| Some((o.end + 1, parent_of(o)?.to_string())))
        .collect();
    for m in mentions.iter_mut().filter(|m| m.kind == "Organization" && !is_area(m)) {
        if m.fields.get("canonical").and_then(Value::as_str).is_some_and(|c| !c.is_empty()) {
            continue;
        }
        if let Some((full, parent)) = short.get(&m.text) {
            if *full != m.text {
                m.fields.insert("canonical".into(), Value::String(full.clone()));
                if let Some(p) = parent {
                    m.fields.entry("parent".to_string()).or_insert(Value::String(p.clone()));
                }
                continue;
            }
        }
        let first = m.text.chars().next().unwrap_or(' ');
        let second: String = m.text.chars().skip(1).take(2).collect();
        // 市中区人民法院 is named in full after its area 市中区, which
        // only begins with 市.
        let named_in_full =
            parent_of(m).is_some_and(|p| p.chars().count() >= 3 && m.text.starts_with(p));
        if !named_in_full
            && matches!(first, '省' | '市' | '区' | '县')
            && (second.starts_with('委')
                || second == "纪委"
                || second == "教育"
                || second == "教体"
                || matches!(kind(m), "bureau" | "party_committee")
                || ["医院", "保健院", "疾控中心", "疾病预防控制中心"]
                    .iter()
                    .any(|s| m.text.ends_with(s)))
        {
            let before = listed.get(&m.start).filter(|p| of_level(p, first)).cloned();
            if let Some(area) = before.or_else(|| area_of_level(first)) {
                let full = format!("{area}{}", &m.text[first.len_utf8()..]);
                // 区教育局党委 belongs to the bureau, 市委组织部 to the area.
                let bureau = ["机关党委", "党委", "党组"]
                    .iter()
                    .find_map(|sfx| full.strip_prefix(&area)?.strip_suffix(sfx))
                    .filter(|b| !b.starts_with('委'))
                    .map(|b| format!("{area}{b}"));
                m.fields.insert("canonical".into(), Value::String(full));
                m.fields.insert("parent".into(), Value::String(bureau.unwrap_or(area)));
            }
        }
    }
    // A school named after an area of the document without its suffix
    // (金乡一中 in a document about 金乡县) is placed there.
    for m in mentions.iter_mut().filter(|m| m.kind == "Organization" && !is_area(m)) {
        if parent_of(m).is_some() {
            continue;
        }
        if !matches!(kind(m), "school" | "kindergarten" | "education_group") {
            continue;
        }
        let placed = areas.iter().find(|a| {
            let stem: String = a.chars().take(a.chars().count().saturating_sub(1)).collect();
            stem.chars().count() >= 2 && m.text.starts_with(&stem)
        });
        if let Some(a) = placed {
            m.fields.insert("parent".into(), Value::String(a.clone()));
        }
    }
    // 兰州市城关区华侨实验学校: the district named after the city is the parent.
    for m in mentions.iter_mut().filter(|m| m.kind == "Organization" && !is_area(m)) {
        let Some(p) = m.fields.get("parent").and_then(Value::as_str) else { continue };
        let Some(rest) = m.text.strip_prefix(p) else { continue };
        let inner = areas
            .iter()
            .filter(|a| a.chars().count() >= 2)
            .find(|a| rest.starts_with(a.as_str()) && rest.len() > a.len());
        if let Some(a) = inner {
            replaced.insert((m.text.clone(), p.to_string()));
            m.fields.insert("parent".into(), Value::String(a.clone()));
        }
    }
    // A town listed right after another (秣陵街道、禄口街道) shares its parent.
    let mut towns: Vec<usize> = (0..mentions.len())
        .filter(|&i| kind(&mentions[i]) == "town" && is_place(&mentions[i]))
        .collect();
    towns.sort_by_key(|&i| mentions[i].start);
    for w in towns.windows(2) {
        let (prev, this) = (&mentions[w[0]], &mentions[w[1]]);
        if this.start == prev.end + 1 && parent_of(this).is_none() {
            if let Some(p) = parent_of(prev).map(Value::from) {
                mentions[w[1]].fields.insert("parent".into(), p);
            }
        }
    }
    // Towns named without their county (李营、长沟等) are in the document's
    // district or county, when it has one.
    let county = areas.iter().find(|a| of_level(a, '区') || of_level(a, '县') || a.ends_with('旗'));
    for m in mentions.iter_mut().filter(|m| m.kind == "Organization" && kind(m) == "town") {
        if parent_of(m).is_none() {
            if let Some(c) = county {
                m.fields.insert("parent".into(), Value::String(c.clone()));
            }
        }
    }
    // Parents named in short take the full name too.
    for m in mentions.iter_mut().filter(|m| m.kind == "Organization") {
        let Some(p) = m.fields.get("parent").and_then(Value::as_str) else { continue };
        if let Some((full, _)) = short.get(p) {
            if full != &m.text {
                m.fields.insert("parent".into(), Value::String(full.clone()));
            }
        }
    }
    short.into_iter().map(|(k, (full, _))| (k, full)).collect()
}

/// Whether area `a` is of the level that `c` (省, 市, 区, 县) names in an
/// abbreviation such as 区教体局: a district, not an autonomous region
/// (宁夏回族自治区) or a special administrative region, for 区.
fn of_level(a: &str, c: char) -> bool {
    a.ends_with(c) && !(c == '区' && (a.ends_with("自治区") || a.ends_with("行政区")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tifa_model::Fields;

    fn org(text: &str, start: usize, kind: &str, parent: Option<&str>) -> Mention {
        let mut fields = Fields::new();
        fields.insert("kind".into(), kind.into());
        if let Some(p) = parent {
            fields.insert("parent".into(), p.into());
        }
        Mention {
            doc: "d".into(),
            kind: "Organization".into(),
            text: text.into(),
            start,
            end: start + text.chars().count(),
            rule: "t".into(),
            fields,
        }
    }

    #[test]
    fn a_town_or_village_is_never_the_documents_area() {
        let ms = vec![
            org("渔一社区", 0, "village", Some("蛇口街道")),
            org("蛇口街道", 10, "town", Some("南山区")),
            org("渔一社区", 300, "village", None),
            org("南山区", 400, "district", None),
        ];
        assert_eq!(document_areas(&ms), vec!["南山区".to_string()]);
    }

    /// `enrich` run on `t` with `mentions`.
    fn enriched(t: &str, mentions: Vec<Mention>) -> Extraction {
        let mut ex = Extraction { mentions, ..Default::default() };
        enrich("d", t, &mut ex);
        ex
    }

    fn at(text: &str, needle: &str) -> usize {
        let b = text.find(needle).expect("needle");
        text[..b].chars().count()
    }

    #[test]
    fn short_school_name_gets_the_full_one() {
        let t = "成都市实验小学开展活动。成都实验小学教师参加。";
        let ex = enriched(
            t,
            vec![
                org("成都市", 0, "city", Some("四川省")),
                org("成都市实验小学", 0, "school", Some("成都市")),
                org("成都实验小学", at(t, "成都实验小学"), "school", None),
            ],
        );
        assert_eq!(ex.mentions[2].fields["canonical"], "成都市实验小学");
        assert_eq!(ex.mentions[2].fields["parent"], "成都市");
    }

    #[test]
    fn nearest_and_anaphors_match_their_definitions() {
        // Organisations of different lengths, overlapping and nested.
        let orgs: Vec<Mention> = [(0, 5), (2, 4), (3, 12), (6, 9), (10, 11), (10, 14), (13, 15)]
            .iter()
            .map(|&(s, e)| {
                let mut o = org(&"甲".repeat(e - s), s, "school", None);
                o.end = e;
                o
            })
            .collect();
        let refs: Vec<&Mention> = orgs.iter().collect();
        let longest = refs.iter().map(|o| o.end - o.start).max().unwrap();
        for lo in 0..16 {
            for hi in lo..17 {
                for odd in [false, true] {
                    let keep = |o: &Mention| o.end <= hi && (o.start % 2 == 1) == odd;
                    let want = window(&refs, lo, hi)
                        .iter()
                        .filter(|o| keep(o))
                        .max_by_key(|o| o.end)
                        .map(|o| (o.start, o.end));
                    let got = nearest(&refs, lo, hi, longest, keep).map(|o| (o.start, o.end));
                    assert_eq!(got, want, "{lo}..{hi} odd={odd}");
                }
            }
        }
        // The first anaphor's end, against the definition on every prefix.
        for t in ["学校建机制，该校布局。", "各地开展，学校建机制", "我们，我校", "没有"]
        {
            let chars: Vec<char> = t.chars().collect();
            let par = (0, chars.len());
            let first = first_anaphor_end(&chars, par);
            for end in 0..=chars.len() {
                let before = slice(&chars, 0, end);
                let want = SCHOOL_ANAPHORS.iter().any(|w| {
                    before.starts_with(w)
                        || ["，", "。", ","].iter().any(|p| before.contains(&format!("{p}{w}")))
                });
                assert_eq!(first.is_some_and(|e| e <= end), want, "{t} up to {end}");
            }
        }
    }

    #[test]
    fn an_ambiguous_district_belongs_to_the_city_written_before_it() {
        let t = "兰州市城关区推行新机制。城关区教育局表示。拉萨市有城关区。";
        let ex = enriched(
            t,
            vec![
                org("兰州市", 0, "city", Some("甘肃省")),
                org("城关区", 3, "district", None),
                org("城关区", at(t, "城关区教育局"), "district", None),
                org("拉萨市", at(t, "拉萨市"), "city", Some("西藏自治区")),
                // Not adjacent: no parent from 拉萨市.
                org("城关区", at(t, "有城关区") + 1, "district", None),
            ],
        );
        for m in ex.mentions.iter().filter(|m| m.text == "城关区") {
            assert_eq!(m.fields["parent"], "兰州市", "at {}", m.start);
        }
        assert!(ex
            .relations
            .iter()
            .any(|r| r.rel == "part_of" && r.from == "城关区" && r.to == "兰州市"));
    }

    #[test]
    fn holder_of_an_honour_and_partners() {
        let t = "长沙市第一中学被评为全国文明校园。长沙市教育局与湖南师范大学签订合作协议。";
        let mut des = org("全国文明校园", at(t, "全国文明校园"), "", None);
        des.kind = "Designation".into();
        let ex = enriched(
            t,
            vec![
                org("长沙市第一中学", 0, "school", Some("长沙市")),
                des,
                org("长沙市教育局", at(t, "长沙市教育局"), "bureau", Some("长沙市")),
                org("湖南师范大学", at(t, "湖南师范大学"), "university", None),
            ],
        );
        let rels: Vec<(&str, &str, &str)> =
            ex.relations.iter().map(|r| (r.rel.as_str(), r.from.as_str(), r.to.as_str())).collect();
        assert!(rels.contains(&("holds", "长沙市第一中学", "全国文明校园")), "{rels:?}");
        assert!(rels.contains(&("cooperates_with", "长沙市教育局", "湖南师范大学")), "{rels:?}");
    }

    /// The relations the context pass derives from `mentions` of text `t`.
    fn enriched_rels(t: &str, mentions: Vec<Mention>) -> Vec<(String, String, String)> {
        rels(&enriched(t, mentions))
    }

    /// The `holds` relations among `rels`, as (from, to).
    fn holds(rels: &[(String, String, String)]) -> Vec<(&str, &str)> {
        rels.iter().filter(|r| r.0 == "holds").map(|r| (r.1.as_str(), r.2.as_str())).collect()
    }

    #[test]
    fn an_area_that_begins_with_a_suffix_is_no_short_name() {
        let t = "广元市市中区人民法院依法审理。";
        let ex = enriched(
            t,
            vec![
                org("广元市", 0, "city", Some("四川省")),
                org("市中区", 3, "district", Some("广元市")),
                org("市中区人民法院", 3, "bureau", Some("市中区")),
            ],
        );
        assert_eq!(ex.mentions[2].fields.get("canonical"), None, "{:?}", ex.mentions[2]);
        assert_eq!(ex.mentions[2].fields["parent"], "市中区");
    }

    #[test]
    fn a_name_inside_the_giver_of_an_honour_does_not_hold_it() {
        let t = "金水区教育局党委被中共郑州市委授予郑州市先进基层党组织称号。";
        let got = enriched_rels(
            t,
            vec![
                org("金水区教育局党委", 0, "party_committee", Some("金水区教育局")),
                org("中共郑州市委", at(t, "中共郑州市委"), "party_committee", Some("郑州市")),
                org("郑州市", at(t, "郑州市委"), "city", Some("河南省")),
                typed("Designation", "郑州市先进基层党组织", at(t, "郑州市先进"), &[]),
            ],
        );
        assert_eq!(holds(&got), vec![("金水区教育局党委", "郑州市先进基层党组织")], "{got:?}");
    }

    #[test]
    fn people_named_after_an_organisation_hold_the_honour_not_it() {
        let t = "老竹镇党委书记蓝晓燕等5人被评为先进个人。";
        let got = enriched_rels(
            t,
            vec![
                org("老竹镇", 0, "town", Some("莲都区")),
                org("老竹镇党委", 0, "party_committee", Some("老竹镇")),
                typed("Person", "蓝晓燕", at(t, "蓝晓燕"), &[("role", "党委书记".into())]),
                typed("Designation", "先进个人", at(t, "先进个人"), &[]),
            ],
        );
        assert!(holds(&got).is_empty(), "{got:?}");
        assert!(
            got.contains(&("works_for".into(), "蓝晓燕".into(), "老竹镇党委".into())),
            "{got:?}"
        );
    }

    #[test]
    fn a_party_role_works_for_the_committee_another_role_for_its_body() {
        let t = "吉林大学党委书记张希出席。济南市教育局党组书记、局长王品木表示。";
        let got = enriched_rels(
            t,
            vec![
                org("吉林大学", 0, "university", None),
                org("吉林大学党委", 0, "party_committee", Some("吉林大学")),
                typed("Person", "张希", at(t, "张希"), &[("role", "党委书记".into())]),
                org("济南市教育局", at(t, "济南市教育局"), "bureau", Some("济南市")),
                org(
                    "济南市教育局党组",
                    at(t, "济南市教育局"),
                    "party_committee",
                    Some("济南市教育局"),
                ),
                typed("Person", "王品木", at(t, "王品木"), &[("role", "局长".into())]),
            ],
        );
        let works: Vec<_> = got.iter().filter(|r| r.0 == "works_for").collect();
        assert!(
            works.contains(&&("works_for".into(), "张希".into(), "吉林大学党委".into())),
            "{got:?}"
        );
        assert!(
            works.contains(&&("works_for".into(), "王品木".into(), "济南市教育局".into())),
            "{got:?}"
        );
        assert_eq!(works.len(), 2, "{got:?}");
    }

    #[test]
    fn the_body_that_gives_an_honour_does_not_hold_it() {
        let t = "长沙市第一中学被长沙市教育局评为市级文明校园。";
        let got = enriched_rels(
            t,
            vec![
                org("长沙市第一中学", 0, "school", Some("长沙市")),
                org("长沙市教育局", at(t, "长沙市教育局"), "bureau", Some("长沙市")),
                typed("Designation", "市级文明校园", at(t, "市级文明校园"), &[]),
            ],
        );
        assert_eq!(holds(&got), vec![("长沙市第一中学", "市级文明校园")]);
    }

    #[test]
    fn a_name_inside_another_is_no_partner() {
        // 四川大学 is named inside the school's name; 潍坊市 inside 潍坊市委.
        let t = "武侯实验中学与四川大学附属中学签订合作协议。研究院和潍坊市委联合召开研讨会。";
        let got = enriched_rels(
            t,
            vec![
                org("武侯实验中学", 0, "school", None),
                org("四川大学", at(t, "四川大学"), "university", None),
                org("四川大学附属中学", at(t, "四川大学"), "school", Some("四川大学")),
                org("研究院", at(t, "研究院"), "institute", None),
                org("潍坊市", at(t, "潍坊市"), "city", None),
                org("潍坊市委", at(t, "潍坊市"), "party_committee", Some("潍坊市")),
            ],
        );
        let partners: Vec<(&str, &str)> = got
            .iter()
            .filter(|r| r.0 == "cooperates_with")
            .map(|r| (r.1.as_str(), r.2.as_str()))
            .collect();
        assert_eq!(partners, [("武侯实验中学", "四川大学附属中学"), ("研究院", "潍坊市委")]);
    }

    #[test]
    fn no_cooperation_without_a_cue() {
        let t = "长沙市教育局和湖南师范大学的代表出席。";
        let ex = enriched(
            t,
            vec![
                org("长沙市教育局", 0, "bureau", None),
                org("湖南师范大学", at(t, "湖南师范大学"), "university", None),
            ],
        );
        assert!(ex.relations.iter().all(|r| r.rel != "cooperates_with"));
    }

    fn typed(kind: &str, text: &str, start: usize, fields: &[(&str, Value)]) -> Mention {
        let mut m = org(text, start, "", None);
        m.kind = kind.into();
        m.fields = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        m
    }

    #[test]
    fn rating_year_scope_and_shares_in_order() {
        let t = "2023年，全省党支部中五星级标准的120个，四星级标准的80个，分别占比为60%、40%。";
        let ex = enriched(
            t,
            vec![
                org("安徽省", 0, "province", None),
                typed("StarRating", "五星级标准", at(t, "五星级标准"), &[("level", 5.into())]),
                typed("StarRating", "四星级标准", at(t, "四星级标准"), &[("level", 4.into())]),
                typed(
                    "Quantity",
                    "60%",
                    at(t, "60%"),
                    &[("value", 60.0.into()), ("unit", "%".into())],
                ),
                typed(
                    "Quantity",
                    "40%",
                    at(t, "40%"),
                    &[("value", 40.0.into()), ("unit", "%".into())],
                ),
            ],
        );
        let five = &ex.mentions[1].fields;
        assert_eq!(five["year"], 2023);
        assert_eq!(five["scope"], "安徽省");
        assert_eq!(five["share"], 60.0);
        assert_eq!(ex.mentions[2].fields["share"], 40.0);
    }

    /// The subjects the context pass gives quantities `qs` of text `t`.
    fn subjects(t: &str, qs: &[&str]) -> Vec<Value> {
        let mentions = qs.iter().map(|q| typed("Quantity", q, at(t, q), &[])).collect();
        let mut ex = Extraction { mentions, ..Default::default() };
        enrich("d", t, &mut ex);
        ex.mentions.iter().map(|m| m.fields["subject"].clone()).collect()
    }

    #[test]
    fn quantity_subject_before_or_after() {
        let got = subjects("全县共有党员2150名，新建32所幼儿园并投入使用。", &["2150名", "32所"]);
        assert_eq!(got[0], "党员");
        assert_eq!(got[1], "幼儿园");
    }

    #[test]
    fn about_with_a_verb_between_yue_and_the_number() {
        let t = "出货量约为6870万台，签约为120家企业服务，增长约3%。";
        let qs = ["6870万台", "120家", "3%"];
        let mentions = qs
            .iter()
            .map(|q| typed("Quantity", q, at(t, q), &[("approx", false.into())]))
            .collect();
        let mut ex = Extraction { mentions, ..Default::default() };
        enrich("d", t, &mut ex);
        let approx: Vec<&Value> = ex.mentions.iter().map(|m| &m.fields["approx"]).collect();
        // 签约为 is no “about”; 约3% is the quantity-about rule's to read.
        assert_eq!(approx, [&Value::Bool(true), &Value::Bool(false), &Value::Bool(false)]);
    }

    #[test]
    fn a_subject_is_not_cut_inside_gongchandang_or_zaizhi() {
        let got = subjects("，优秀共产党员36名，吸纳在职党员120名。", &["36名", "120名"]);
        assert_eq!(got[0], "优秀共产党员");
        assert_eq!(got[1], "在职党员");
    }

    fn rels(ex: &Extraction) -> Vec<(String, String, String)> {
        ex.relations.iter().map(|r| (r.rel.clone(), r.from.clone(), r.to.clone())).collect()
    }

    fn has(ex: &Extraction, rel: &str, from: &str, to: &str) -> bool {
        rels(ex).contains(&(rel.to_string(), from.to_string(), to.to_string()))
    }

    #[test]
    fn joint_work_with_the_documents_actor() {
        let t = "温州市委教育工委扎实推进党建工作\n\n今年以来，全市深化“清廉学校”建设，会同市委宣传部开展评选。";
        let ex = enriched(
            t,
            vec![
                org("温州市", 0, "city", Some("浙江省")),
                org("温州市委教育工委", 0, "party_committee", Some("温州市")),
                org("市委宣传部", at(t, "市委宣传部"), "party_committee", None),
            ],
        );
        assert_eq!(ex.mentions[2].fields["canonical"], "温州市委宣传部");
        assert!(
            has(&ex, "cooperates_with", "温州市委教育工委", "温州市委宣传部"),
            "{:?}",
            rels(&ex)
        );
        assert!(has(&ex, "located_in", "温州市委宣传部", "温州市"), "{:?}", rels(&ex));
    }

    #[test]
    fn programs_run_by_the_school_a_later_paragraph_means() {
        let t =
            "昆明市第一中学作为省级示范校，成绩突出。\n\n为加强队伍建设，学校推行“青蓝结对”制度。";
        let ex = enriched(
            t,
            vec![
                org("昆明市第一中学", 0, "school", Some("昆明市")),
                typed("Program", "青蓝结对", at(t, "青蓝结对"), &[]),
            ],
        );
        assert!(has(&ex, "runs", "昆明市第一中学", "青蓝结对"), "{:?}", rels(&ex));
    }

    #[test]
    fn an_area_opening_its_clause_runs_what_follows() {
        let t = "近年来，宁乡市在全市开展“书香校园”活动。在宁乡市举行的“书香校园”展示中……";
        let ex = enriched(
            t,
            vec![
                org("宁乡市", at(t, "宁乡市"), "county", Some("长沙市")),
                typed("Program", "书香校园", at(t, "书香校园"), &[]),
            ],
        );
        assert!(has(&ex, "runs", "宁乡市", "书香校园"), "{:?}", rels(&ex));
        let t2 = "在宁乡市举行“书香校园”展示。";
        let ex2 = enriched(
            t2,
            vec![
                org("宁乡市", 1, "county", Some("长沙市")),
                typed("Program", "书香校园", at(t2, "书香校园"), &[]),
            ],
        );
        assert!(ex2.relations.iter().all(|r| r.rel != "runs"), "{:?}", rels(&ex2));
    }

    #[test]
    fn a_town_listed_after_another_shares_its_parent() {
        let t = "兰考县城区。江宁区秣陵街道、禄口街道、汤山街道降雨。";
        let ex = enriched(
            t,
            vec![
                org("兰考县", 0, "county", Some("开封市")),
                org("江宁区", at(t, "江宁区"), "district", Some("南京市")),
                org("秣陵街道", at(t, "秣陵街道"), "town", Some("江宁区")),
                org("禄口街道", at(t, "禄口街道"), "town", None),
                org("汤山街道", at(t, "汤山街道"), "town", None),
            ],
        );
        assert!(has(&ex, "located_in", "禄口街道", "江宁区"), "{:?}", rels(&ex));
        assert!(has(&ex, "located_in", "汤山街道", "江宁区"), "{:?}", rels(&ex));
    }

    #[test]
    fn a_village_is_located_in_its_parent_even_a_short_named_one() {
        let t = "学员赴章丘石门村参观。";
        let ex = enriched(t, vec![org("石门村", at(t, "石门村"), "village", Some("章丘"))]);
        assert!(has(&ex, "located_in", "石门村", "章丘"), "{:?}", rels(&ex));
    }

    #[test]
    fn a_bureau_committee_named_in_short_belongs_to_the_bureau() {
        let t = "海曙区教育局召开会议。区教育局党委书记讲话。";
        let ex = enriched(
            t,
            vec![
                org("海曙区", 0, "district", Some("宁波市")),
                org("海曙区教育局", 0, "bureau", Some("海曙区")),
                org("区教育局党委", at(t, "区教育局党委"), "party_committee", None),
            ],
        );
        assert_eq!(ex.mentions[2].fields["canonical"], "海曙区教育局党委");
        assert!(has(&ex, "part_of", "海曙区教育局党委", "海曙区教育局"), "{:?}", rels(&ex));
    }

    #[test]
    fn other_bodies_committees_named_in_short_get_the_full_name() {
        let t = "海曙区召开会议。区发改局党组、区直机关工委发言。";
        let ex = enriched(
            t,
            vec![
                org("海曙区", 0, "district", Some("宁波市")),
                org("区发改局党组", at(t, "区发改局党组"), "party_committee", None),
                org("区直机关工委", at(t, "区直机关工委"), "party_committee", None),
            ],
        );
        assert_eq!(ex.mentions[1].fields["canonical"], "海曙区发改局党组");
        assert_eq!(ex.mentions[1].fields["parent"], "海曙区发改局");
        assert_eq!(ex.mentions[2].fields["canonical"], "海曙区直机关工委");
        assert_eq!(ex.mentions[2].fields["parent"], "海曙区");
    }

    #[test]
    fn a_body_named_in_short_after_another_shares_its_area() {
        // The document is about 甲乙市; the list names 丙丁市's bodies.
        let t = "甲乙市召开会议。甲乙市教育局发言。丙丁市委组织部、市委宣传部联合发文。市委办公室通知。";
        let ex = enriched(
            t,
            vec![
                org("甲乙市", 0, "city", Some("某省")),
                org("甲乙市", at(t, "甲乙市教育局"), "city", Some("某省")),
                org("甲乙市教育局", at(t, "甲乙市教育局"), "bureau", Some("甲乙市")),
                org("丙丁市委组织部", at(t, "丙丁市委"), "party_committee", Some("丙丁市")),
                org("市委宣传部", at(t, "市委宣传部"), "party_committee", None),
                org("市委办公室", at(t, "市委办公室"), "party_committee", None),
            ],
        );
        let canonical = |text: &str| {
            ex.mentions.iter().find(|m| m.text == text).map(|m| m.fields["canonical"].clone())
        };
        assert_eq!(canonical("市委宣传部"), Some("丙丁市委宣传部".into()));
        // Not listed after another body: the document's own city.
        assert_eq!(canonical("市委办公室"), Some("甲乙市委办公室".into()));
    }

    #[test]
    fn an_areas_hospital_named_in_short_gets_the_full_name() {
        let t = "甲乙县召开会议。县人民医院派员参加。";
        let ex = enriched(
            t,
            vec![
                org("甲乙县", 0, "county", Some("某市")),
                org("县人民医院", at(t, "县人民医院"), "other", None),
            ],
        );
        assert_eq!(ex.mentions[1].fields["canonical"], "甲乙县人民医院");
    }

    #[test]
    fn an_autonomous_region_is_no_district_for_a_body_named_in_short() {
        // 宁夏回族自治区 ends with 区 but is a province: 区教体局 and a town
        // named alone belong to the district.
        // The region, named twice, ranks before the district.
        let t = "宁夏回族自治区部署工作。宁夏回族自治区吴忠市利通区召开会议。区教体局局长讲话。金积等镇参加。";
        let second = at(t, "宁夏回族自治区吴忠市");
        let ex = enriched(
            t,
            vec![
                org("宁夏回族自治区", 0, "province", None),
                org("宁夏回族自治区", second, "province", None),
                org("吴忠市", at(t, "吴忠市"), "city", Some("宁夏回族自治区")),
                org("利通区", at(t, "利通区"), "district", Some("吴忠市")),
                org("区教体局", at(t, "区教体局"), "bureau", None),
                org("金积", at(t, "金积"), "town", None),
            ],
        );
        assert_eq!(ex.mentions[4].fields["canonical"], "利通区教体局");
        assert_eq!(ex.mentions[5].fields["parent"], "利通区");
    }

    #[test]
    fn a_provinces_department_or_a_discipline_commission_named_in_short_gets_the_full_name() {
        let t = "甲乙省召开会议。省教育厅公布名单。";
        let ex = enriched(
            t,
            vec![
                org("甲乙省", 0, "province", None),
                org("省教育厅", at(t, "省教育厅"), "bureau", None),
            ],
        );
        assert_eq!(ex.mentions[1].fields["canonical"], "甲乙省教育厅");
        assert_eq!(ex.mentions[1].fields["parent"], "甲乙省");
        // The discipline commission of the document's city.
        let t = "丙丁市召开会议。市纪委监委开展行动。";
        let ex = enriched(
            t,
            vec![
                org("丙丁市", 0, "city", None),
                org("市纪委监委", at(t, "市纪委监委"), "party_committee", None),
            ],
        );
        assert_eq!(ex.mentions[1].fields["canonical"], "丙丁市纪委监委");
    }

    #[test]
    fn an_area_alias_inside_a_name_is_part_of_it() {
        let t = "与厦门大学合作。厦门的学校。";
        let mut alias = org("厦门", at(t, "厦门大学"), "city", Some("福建省"));
        alias.fields.insert("canonical".into(), "厦门市".into());
        let mut alone = org("厦门", at(t, "厦门的"), "city", Some("福建省"));
        alone.fields.insert("canonical".into(), "厦门市".into());
        let ex =
            enriched(t, vec![alias, org("厦门大学", at(t, "厦门大学"), "university", None), alone]);
        let texts: Vec<(&str, usize)> =
            ex.mentions.iter().map(|m| (m.text.as_str(), m.start)).collect();
        assert_eq!(texts, [("厦门大学", 1), ("厦门", 8)]);
        assert_eq!(ex.mentions[0].fields["parent"], "厦门市");
        assert!(has(&ex, "located_in", "厦门大学", "厦门市"), "{:?}", rels(&ex));
    }

    #[test]
    fn towns_named_alone_are_in_the_documents_county() {
        let t = "平阳县推进集团化办学。将水头、鳌江等乡镇学校纳入集团。";
        let ex = enriched(
            t,
            vec![
                org("平阳县", 0, "county", Some("温州市")),
                org("水头", at(t, "水头"), "town", None),
                org("鳌江", at(t, "鳌江"), "town", None),
            ],
        );
        assert_eq!(ex.mentions[1].fields["parent"], "平阳县");
        assert!(has(&ex, "located_in", "鳌江", "平阳县"), "{:?}", rels(&ex));
    }

    #[test]
    fn paragraphs_and_sentences() {
        let chars: Vec<char> = "第一句。第二句！\n新段\n".chars().collect();
        let (pars, sents) = spans(&chars);
        assert_eq!(pars, vec![(0, 9), (9, 12)]);
        assert_eq!(sents, vec![(0, 4), (4, 8), (8, 9), (9, 12)]);
    }

    #[test]
    fn years_are_four_digits_from_1_or_2_before_nian_and_not_a_longer_number() {
        let text = "2019年，12019年，1999年底，3000年，202年，2020 年，２０２１年";
        let chars: Vec<char> = text.chars().collect();
        let at = |s: &str| text[..text.find(s).unwrap()].chars().count();
        assert_eq!(years_in(&chars), vec![(0, 2019), (at("1999"), 1999)]);
    }
}
