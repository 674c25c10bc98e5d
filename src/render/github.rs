//! `--format github`: GitHub Actions workflow commands (`::error file=…,line=…::message`), so
//! a failed release job shows each finding on the file in the run's summary and the PR diff.
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per
//! job); the rest are silently dropped. So annotations go out most severe first, the last
//! slot of a kind that overflows says how many more there are, and a plain log line lists
//! what was left out. `file` is a path in the repository only when such a file exists
//! (`repo::RepoPaths`); otherwise the annotation has no position and names the path inside
//! the package in its text. Messages and snippets come from findings, already redacted.

use std::fmt::Write as _;

use super::repo::{RepoLocation, RepoPaths, Via};
use crate::finding::{Finding, Severity};
use crate::report::Report;

/// Annotations of one kind GitHub shows per step (actions/toolkit docs, "Limitations").
pub const PER_KIND: usize = 10;

pub fn render(reports: &[Report], context: &super::Context<'_>) -> String {
    annotations(reports, context.repo)
}

fn annotations(reports: &[Report], repo: &RepoPaths) -> String {
    let several = reports.len() > 1;
    let mut out = String::new();
    let mut left_out: Vec<(Severity, usize)> = Vec::new();
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let of_kind: Vec<(&Report, &Finding)> = reports
            .iter()
            .flat_map(|r| r.findings.iter().map(move |f| (r, f)))
            .filter(|(_, f)| f.severity == severity)
            .collect();
        // Of a kind, findings new in this release take the few annotation slots first.
        let mut of_kind = of_kind;
        of_kind.sort_by_key(|(_, f)| f.pre_existing == Some(true));
        let shown = if of_kind.len() > PER_KIND {
            PER_KIND - 1
        } else {
            of_kind.len()
        };
        for (report, f) in &of_kind[..shown] {
            let artifact = several.then_some(report.artifact.path.as_str());
            out.push_str(&annotation(f, repo.locate(f).as_ref(), artifact));
        }
        let more = of_kind.len() - shown;
        if more > 0 {
            let text = format!(
                "{more} more packguard {} not shown as annotations (GitHub shows {PER_KIND} per \
                 kind and step); the job log and summary list them all",
                plural(more, severity)
            );
            let _ = writeln!(
                out,
                "::{} title={}::{}",
                command(severity),
                property("packguard: more findings"),
                data(&text)
            );
            left_out.push((severity, more));
        }
    }
    if !left_out.is_empty() {
        let parts: Vec<String> = left_out
            .iter()
            .map(|(s, n)| format!("{n} {}", plural(*n, *s)))
            .collect();
        let _ = writeln!(
            out,
            "packguard: not annotated (GitHub's per-step cap): {}",
            parts.join(", ")
        );
    }
    out
}

/// One workflow command for a finding.
fn annotation(f: &Finding, at: Option<&RepoLocation>, artifact: Option<&str>) -> String {
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(at) = at {
        props.push(("file", at.path.clone()));
        if let Some(line) = at.line {
            props.push(("line", line.to_string()));
            let end_line = at.end_line.unwrap_or(line);
            props.push(("endLine", end_line.to_string()));
            // GitHub honours columns only on a one-line range; its endColumn is inclusive.
            if let (Some(col), true) = (at.column, end_line == line) {
                props.push(("col", col.to_string()));
                if let Some(end) = at.end_column {
                    props.push(("endColumn", end.saturating_sub(1).max(col).to_string()));
                }
            }
        }
    }
    props.push(("title", format!("packguard {}", f.rule)));

    let mut text = f.message.clone();
    let place = package_place(f);
    match at.map(|a| a.via) {
        Some(Via::Original) => {
            let _ = write!(text, " (found in {place}, mapped to its original source)");
        }
        Some(_) => {}
        None => {
            let _ = write!(text, " in {place}");
        }
    }
    if let Some(a) = artifact {
        let _ = write!(text, " [{a}]");
    }
    match f.pre_existing {
        Some(true) => text.push_str(" (pre-existing: the previous release had it too)"),
        Some(false) => text.push_str(" (new in this release)"),
        None => {}
    }
    if let Some(snippet) = &f.snippet {
        let _ = write!(text, "\n{snippet}");
    }

    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", property(v)))
        .collect();
    format!(
        "::{} {}::{}\n",
        command(f.severity),
        props.join(","),
        data(&text)
    )
}

/// `package/dist/cli.js:3:5`, or just the path for a finding without a position.
fn package_place(f: &Finding) -> String {
    match (f.line, f.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", f.file),
        (Some(l), None) => format!("{}:{l}", f.file),
        _ => f.file.clone(),
    }
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

fn plural(n: usize, s: Severity) -> &'static str {
    match (s, n == 1) {
        (Severity::Error, true) => "error",
        (Severity::Error, false) => "errors",
        (Severity::Warning, true) => "warning",
        (Severity::Warning, false) => "warnings",
        (Severity::Info, true) => "notice",
        (Severity::Info, false) => "notices",
    }
}

/// Escapes a command's message, as the Actions runner unescapes it (`%`, CR, LF).
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: the message rules plus `:` and `,`, which end a property.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // A message may hold `::` and `,`: only properties need them escaped.
        assert_eq!(data("a::b,c"), "a::b,c");
    }

    /// What the runner does to a property value (`%25` last, as it must be).
    fn unescape(s: &str) -> String {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_stays_on_one_line_and_round_trips(s in "[%:,\r\na-z0-9ACD2]{0,40}") {
            let d = data(&s);
            proptest::prop_assert!(!d.contains(['\r', '\n']));
            proptest::prop_assert_eq!(unescape(&d), s.clone());
            let p = property(&s);
            proptest::prop_assert!(!p.contains(['\r', '\n', ':', ',']));
            proptest::prop_assert_eq!(unescape(&p), s);
        }
    }
}
