//! Reports: the scan's result as data, and one module per output format.
//!
//! A report is built once from findings and never re-scans anything. Formats render it;
//! the exit code is decided from it.

pub mod human;
pub mod json;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::scan::FailOn;

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Tool {
    pub fn current() -> Tool {
        Tool {
            name: "packguard",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// What was scanned.
#[derive(Clone, Debug, Serialize)]
pub struct ArtifactInfo {
    /// The input as given (`-` shows as `<stdin>`).
    pub path: String,
    /// `tarball` or `directory`.
    pub kind: String,
    /// From `package.json`, when it has them.
    pub name: Option<String>,
    pub version: Option<String>,
    pub files: u64,
    pub unpacked_bytes: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings per rule id, sorted by id.
    pub by_rule: BTreeMap<String, usize>,
    /// Findings left out because a baseline accepted them.
    #[serde(skip_serializing_if = "is_zero")]
    pub baselined: usize,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub duration_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub tool: Tool,
    pub artifact: ArtifactInfo,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl Report {
    /// Sorts findings (file, line, column, rule), drops exact repeats, and counts them.
    pub fn new(artifact: ArtifactInfo, mut findings: Vec<Finding>, took: Duration) -> Report {
        findings.sort_by(|a, b| {
            a.sort_key()
                .cmp(&b.sort_key())
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.fingerprint == b.fingerprint);
        let mut summary = Summary {
            files_scanned: artifact.files,
            bytes_scanned: artifact.unpacked_bytes,
            duration_ms: took.as_millis() as u64,
            ..Summary::default()
        };
        for f in &findings {
            match f.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
            *summary.by_rule.entry(f.rule.clone()).or_default() += 1;
        }
        Report {
            tool: Tool::current(),
            artifact,
            findings,
            summary,
        }
    }

    /// Drops the findings a baseline accepted and recounts the summary.
    pub fn apply_baseline(&mut self, baseline: &crate::baseline::Baseline) {
        let before = self.findings.len();
        self.findings.retain(|f| !baseline.contains(f));
        let s = &mut self.summary;
        s.baselined += before - self.findings.len();
        s.errors = 0;
        s.warnings = 0;
        s.infos = 0;
        s.by_rule.clear();
        for f in &self.findings {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
            *s.by_rule.entry(f.rule.clone()).or_default() += 1;
        }
    }

    /// Whether any finding is at or above the threshold.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        self.findings.iter().any(|f| fail_on.fails(f.severity))
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
