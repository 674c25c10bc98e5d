//! `--format jsonl`: one compact JSON report per line, one line per input, for runs over many
//! tarballs whose output is read line by line (`jq -c`, log shippers). Each line is exactly the
//! document `--format json` prints for that input.

use super::Context;
use crate::report::Report;

pub fn render(reports: &[Report], _: &Context<'_>) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(
            &serde_json::to_string(r)
                .expect("a report serialises: it holds only strings, numbers and maps"),
        );
        out.push('\n');
    }
    out
}
