//! `--format gitlab`: a GitLab Code Quality report (`artifacts: reports: codequality:`), so a
//! merge request shows each finding on its file.
//!
//! The format is a JSON array of issues with the fields GitLab documents as required
//! ("Code Quality report format"): `description`, `check_name` (the rule id), `fingerprint`,
//! `severity` (`info`, `minor`, `major`, `critical`, `blocker`) and `location` (`path`,
//! `lines.begin`). GitLab shows an issue only once per fingerprint, so a fingerprint repeated
//! in one report (the same value twice in a file, or the same file in two packages) gets a
//! `-2`, `-3` suffix in report order; the first keeps packguard's own fingerprint, the one the
//! JSON report and baselines use. The path is a repository path when the file exists there
//! (see `repo`), else the path inside the package; a finding without a line (a whole file)
//! starts at line 1, as in SARIF. Every finding is listed, whatever `--fail-on` says.

use std::collections::HashMap;

use serde::Serialize;

use crate::finding::Severity;
use crate::report::Report;

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

pub fn render(reports: &[Report], context: &super::Context<'_>) -> String {
    let several = reports.len() > 1;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut issues = Vec::new();
    for report in reports {
        for f in &report.findings {
            let at = context.repo.locate(f);
            let mut description = super::repo::message_at(f, at.as_ref());
            if several {
                description.push_str(&format!(" [{}]", report.artifact.path));
            }
            if let Some(s) = &f.snippet {
                description.push_str(&format!(": {s}"));
            }
            let (path, line) = match at {
                Some(a) => (a.path, a.line),
                None => (f.file.clone(), f.line),
            };
            let n = seen.entry(f.fingerprint.as_str()).or_default();
            *n += 1;
            let fingerprint = match *n {
                1 => f.fingerprint.clone(),
                n => format!("{}-{n}", f.fingerprint),
            };
            issues.push(Issue {
                description,
                check_name: f.rule.clone(),
                fingerprint,
                severity: severity(f.severity),
                location: Location {
                    path,
                    lines: Lines {
                        begin: line.filter(|l| *l >= 1).unwrap_or(1),
                    },
                },
            });
        }
    }
    let mut text = serde_json::to_string_pretty(&issues)
        .expect("Code Quality issues hold only strings and numbers");
    text.push('\n');
    text
}

/// GitLab's scale has five steps; packguard's three take the ones that keep them apart in
/// the merge request widget: an error (a leaked credential, a script piping a download into
/// `sh`) is `critical`, a warning `major`, a note `info`.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}
