//! `--format json`: the report as one JSON document (an array of them for several inputs).
//! The schema is documented in docs/json-report.md and is a public contract: add fields, never
//! rename or remove them.

use super::Context;
use crate::report::Report;

pub fn render(reports: &[Report], _: &Context<'_>) -> String {
    let text = match reports {
        [one] => serde_json::to_string_pretty(one),
        many => serde_json::to_string_pretty(many),
    };
    let mut text = text.expect("a report serialises: it holds only strings, numbers and maps");
    text.push('\n');
    text
}
