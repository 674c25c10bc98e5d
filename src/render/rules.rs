//! `packguard rules list`: the active rules, as a table or as JSON (one object per rule).

use serde::Serialize;

use crate::finding::Severity;
use crate::rules::{Rule, RuleSet};

/// One rule in `rules list --format json`. Fields are in alphabetical order, the order the
/// output has always had (it was a `serde_json` map, which sorts its keys).
#[derive(Serialize)]
struct Row<'a> {
    category: &'a str,
    check: Option<&'a str>,
    checksum: Option<&'static str>,
    decode: bool,
    description: Option<&'a str>,
    entropy: Option<f64>,
    exclude: &'a [String],
    id: &'a str,
    keywords: &'a [String],
    message: &'a str,
    origin: &'a str,
    paths: &'a [String],
    pattern: Option<&'a str>,
    severity: Severity,
}

impl<'a> Row<'a> {
    fn of(r: &'a Rule) -> Row<'a> {
        Row {
            category: &r.category,
            check: r.check.as_deref(),
            checksum: r.validate.checksum.map(|c| c.as_str()),
            decode: r.validate.decode,
            description: r.description.as_deref(),
            entropy: r.validate.entropy,
            exclude: &r.exclude.source,
            id: &r.id,
            keywords: &r.keywords,
            message: &r.message,
            origin: &r.origin,
            paths: &r.paths.source,
            pattern: r.pattern.as_ref().map(|p| p.as_str()),
            severity: r.severity,
        }
    }
}

pub fn json(rules: &RuleSet) -> String {
    let rows: Vec<Row<'_>> = rules.rules.iter().map(Row::of).collect();
    let mut s = serde_json::to_string_pretty(&rows).expect("rule rows serialise");
    s.push('\n');
    s
}

pub fn human(rules: &RuleSet) -> String {
    let w = rules.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut s = String::new();
    for r in &rules.rules {
        s.push_str(&format!(
            "{:w$}  {:7}  {:9}  {}\n",
            r.id,
            r.severity.as_str(),
            r.category,
            r.message
        ));
    }
    s.push_str(&format!("{} rules\n", rules.rules.len()));
    s
}
