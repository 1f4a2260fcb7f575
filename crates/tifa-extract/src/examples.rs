//! Running the examples written inside rules: texts a rule must match
//! (with the expected text and fields) and texts it must not.

use crate::Extractor;
use tifa_rules::Pack;

/// One example that did not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleFailure {
    /// Rule id.
    pub rule: String,
    /// The example text.
    pub text: String,
    /// What was expected and what came out, in a few lines.
    pub diff: String,
}

/// Runs every example of every rule of `packs[pack]` through the whole set
/// of `packs`, as extraction would. Returns the number of examples run and
/// the failures.
pub fn run(packs: &[Pack], pack: usize) -> (usize, Vec<ExampleFailure>) {
    let ex = Extractor::new(packs);
    let mut count = 0;
    let mut failures = Vec::new();
    for rule in &packs[pack].rules {
        for e in &rule.examples {
            count += 1;
            let out = ex.extract("example", &e.text);
            let mine: Vec<_> = out.mentions.iter().filter(|m| m.rule == rule.id).collect();
            let want_text = e.expect.as_deref();
            let hit = mine.iter().find(|m| want_text.is_none_or(|t| m.text == t));
            let problem = match hit {
                None => Some(format!(
                    "- expected: {} from rule {}\n+ got:      {}",
                    want_text.unwrap_or("a match"),
                    rule.id,
                    describe(&out.mentions)
                )),
                Some(m) => {
                    let wrong: Vec<String> = e
                        .fields
                        .iter()
                        .filter(|(k, v)| !same(m.fields.get(*k), v))
                        .map(|(k, v)| {
                            format!(
                                "- {k}: {v}\n+ {k}: {}",
                                m.fields.get(k).map_or("(missing)".to_string(), |x| x.to_string())
                            )
                        })
                        .collect();
                    (!wrong.is_empty())
                        .then(|| format!("fields of {}:\n{}", m.text, wrong.join("\n")))
                }
            };
            if let Some(diff) = problem {
                failures.push(ExampleFailure { rule: rule.id.clone(), text: e.text.clone(), diff });
            }
        }
        for text in &rule.non_examples {
            count += 1;
            let out = ex.extract("example", text);
            let mine: Vec<_> = out.mentions.iter().filter(|m| m.rule == rule.id).cloned().collect();
            if !mine.is_empty() {
                failures.push(ExampleFailure {
                    rule: rule.id.clone(),
                    text: text.clone(),
                    diff: format!(
                        "- expected: no match from rule {}\n+ got:      {}",
                        rule.id,
                        describe(&mine)
                    ),
                });
            }
        }
    }
    (count, failures)
}

fn same(got: Option<&serde_json::Value>, want: &serde_json::Value) -> bool {
    match (got, want) {
        (Some(g), w) if g == w => true,
        (Some(g), w) => match (g.as_f64(), w.as_f64()) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
            _ => false,
        },
        (None, serde_json::Value::Null) => true,
        (None, _) => false,
    }
}

fn describe(ms: &[tifa_model::Mention]) -> String {
    if ms.is_empty() {
        return "nothing".to_string();
    }
    ms.iter().map(|m| format!("{} {} ({})", m.kind, m.text, m.rule)).collect::<Vec<_>>().join("; ")
}
