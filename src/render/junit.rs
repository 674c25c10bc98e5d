//! `--format junit`: JUnit XML, the test report GitLab (`artifacts: reports: junit:`),
//! Jenkins and most CI servers read.
//!
//! One `<testsuite>` per scanned package. Its test cases are the (file, rule) pairs that have
//! findings: `classname` is the file (a repository path when it exists there, see `repo`,
//! else the path inside the package) and `name` the rule id, so a failed case reads as "this
//! rule on this file". A case fails when at least one of its findings is at or above
//! `--fail-on`; it then has exactly one `<failure>` (several per case are not read alike by
//! every consumer) whose text lists each such finding on its own line. Findings below the
//! threshold pass, listed in `<system-out>`. A package with no findings has one passing case,
//! so its suite is never empty. Times are left out: the report is the same for the same
//! package, and scan time is not a test's.
//!
//! Text is escaped for XML 1.0: the five markup characters, and characters XML cannot carry
//! at all (most control characters) become U+FFFD. Finding text is already redacted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::finding::Finding;
use crate::report::Report;

pub fn render(reports: &[Report], context: &super::Context<'_>) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures) = (0, 0);
    for report in reports {
        let suite = suite(report, context);
        tests += suite.tests;
        failures += suite.failures;
        suites.push_str(&suite.xml);
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"packguard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n{suites}</testsuites>\n"
    )
}

struct Suite {
    tests: usize,
    failures: usize,
    xml: String,
}

fn suite(report: &Report, context: &super::Context<'_>) -> Suite {
    let a = &report.artifact;
    let name = match (&a.name, &a.version) {
        (Some(n), Some(v)) => format!("{n}@{v} ({})", a.path),
        _ => a.path.clone(),
    };
    // (file, rule) -> findings, in file then rule order.
    let mut cases: BTreeMap<(String, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        let file = context
            .repo
            .locate(f)
            .map_or_else(|| f.file.clone(), |at| at.path);
        cases.entry((file, f.rule.as_str())).or_default().push(f);
    }
    let mut body = String::new();
    let mut failures = 0;
    for ((file, rule), findings) in &cases {
        let (failing, passing): (Vec<&Finding>, Vec<&Finding>) = findings
            .iter()
            .partition(|f| report.fails_by(f, context.fail_on));
        let _ = write!(
            body,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\">",
            xml(rule),
            xml(file),
            xml(file)
        );
        if let Some(first) = failing.first() {
            failures += 1;
            let more = match failing.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            let _ = write!(
                body,
                "\n      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(&format!("{}{more}", first.message)),
                first.severity.as_str(),
                xml(&lines(&failing))
            );
        }
        if !passing.is_empty() {
            let _ = write!(
                body,
                "\n      <system-out>{}</system-out>",
                xml(&lines(&passing))
            );
        }
        if failing.is_empty() && passing.is_empty() {
            body.push_str("</testcase>\n");
        } else {
            body.push_str("\n    </testcase>\n");
        }
    }
    let mut tests = cases.len();
    if cases.is_empty() {
        tests = 1;
        body.push_str("    <testcase name=\"packguard\" classname=\"packguard\"/>\n");
    }
    Suite {
        tests,
        failures,
        xml: format!(
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n{body}  </testsuite>\n",
            xml(&name)
        ),
    }
}

/// One line per finding: where, how bad, what, and the (redacted) snippet.
fn lines(findings: &[&Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        // A finding inside a map's `sourcesContent` has its line in the original only.
        let place = match (&f.original, f.line, f.column) {
            (_, Some(l), Some(c)) => format!("{}:{l}:{c}", f.file),
            (_, Some(l), None) => format!("{}:{l}", f.file),
            (Some(o), None, _) => match (o.line, o.column) {
                (Some(l), Some(c)) => format!("{} → {}:{l}:{c}", f.file, o.source),
                (Some(l), None) => format!("{} → {}:{l}", f.file, o.source),
                _ => format!("{} → {}", f.file, o.source),
            },
            (None, None, _) => f.file.clone(),
        };
        let _ = write!(out, "{place}: {}: {} [{}]", f.severity, f.message, f.rule);
        if let Some(s) = &f.snippet {
            let _ = write!(out, ": {s}");
        }
        out.push('\n');
    }
    out
}

/// `s` as XML 1.0 text or attribute value. Characters XML 1.0 cannot represent, even as a
/// character reference (control characters other than tab and newlines, U+FFFE, U+FFFF),
/// become U+FFFD; a carriage return is written as a reference so a parser keeps it.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn markup_and_characters_xml_cannot_hold_are_escaped() {
        assert_eq!(xml(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml("x\u{1b}[31my\r\n"), "x\u{FFFD}[31my&#13;\n");
    }
}
