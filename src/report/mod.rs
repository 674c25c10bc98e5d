//! Reports: the scan's result as data. No rendering here: `render` draws a report in each
//! output format.
//!
//! A report is built once from findings and never re-scans anything. Formats render it;
//! the exit code is decided from it.

pub mod changes;
pub mod listing;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::finding::FailOn;
use crate::finding::{Finding, Severity};

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
    /// For a directory: the packer that chose the files (`npm`, `pnpm`, `yarn`, `bun`,
    /// `builtin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packer: Option<String>,
    /// For a directory: why `builtin` stood in for the detected packer (`--pack-fallback`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packer_fallback: Option<String>,
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
    /// Findings the previous release already had (`diff`, `scan --previous`).
    #[serde(skip_serializing_if = "is_zero")]
    pub pre_existing: usize,
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
    /// Every source map found (files and inline), with what it exposes, largest first.
    /// Left out of the JSON when the package has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sourcemaps: Vec<SourceMapSummary>,
    /// Whose source the package is and how much of it its maps ship (package scans only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceExposure>,
    /// Per config `ignore` entry, whether it kept a rule from a file of this package (empty
    /// when not tracked); `crate::suppressions` reports the ones no package used.
    #[serde(skip)]
    pub used_ignores: Vec<bool>,
    /// What changed since the previous release (`diff`, `scan --previous`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<changes::Changes>,
    /// Only findings new since the previous release fail the run (`--new-only`).
    #[serde(skip)]
    pub fail_new_only: bool,
    /// The config file the scan used (None: no config), for the human summary to name.
    #[serde(skip)]
    pub config: Option<String>,
    /// Every secret value the scan matched, reported or not: what `crate::sink` masks in
    /// everything written (`crate::redact`). Never serialised.
    #[serde(skip)]
    pub secrets: crate::redact::Secrets,
}

/// One source map and what it gives away: the exposure table of the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceMapSummary {
    /// The map file (`package/dist/cli.js.map`), or the generated file an inline map is in.
    pub map: String,
    /// Whether the map is a `data:` URL inside `map` rather than a file of its own.
    pub inline: bool,
    /// The generated files whose `sourceMappingURL` names this map.
    pub referenced_by: Vec<String>,
    /// Entries in `sources` (index maps: all sections together).
    pub sources: usize,
    /// Original files whose full text ships in `sourcesContent`.
    pub sources_content: usize,
    /// Lines and bytes of that original text.
    pub lines: u64,
    pub bytes: u64,
    /// Entries of `sources` that are the package's own code (not matched by the
    /// `third_party_sources` settings).
    pub first_party_sources: usize,
    /// The original text in `sourcesContent`, split by whose code it is.
    pub first_party: OriginalText,
    pub third_party: OriginalText,
    /// Where `sourcesContent` starts (line, column, end column) in `map`, for a finding
    /// about the text it ships.
    #[serde(skip)]
    pub content_at: Option<(usize, usize, usize)>,
}

/// The package's source-exposure verdict: whose source it is, and what all its maps together
/// ship of it (each original counted once, however many maps carry it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceExposure {
    /// Open or proprietary, from the licence or the config, and why.
    #[serde(flatten)]
    pub verdict: crate::license::SourceVerdict,
    /// Original text in `sourcesContent`: the package's own, and its dependencies'.
    pub first_party: OriginalText,
    pub third_party: OriginalText,
    /// The package's own files named in `sources`, with or without their text.
    pub first_party_sources: usize,
    /// Top folders of the first-party originals whose text ships (of those named, when no
    /// text ships), largest first.
    pub first_party_folders: Vec<FolderText>,
}

/// A top folder of first-party originals (`src/`) and what ships of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FolderText {
    pub folder: String,
    pub files: usize,
    pub lines: u64,
}

/// Original files whose text a map ships, and their size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OriginalText {
    pub files: usize,
    pub lines: u64,
    pub bytes: u64,
}

impl OriginalText {
    pub fn add(&mut self, lines: u64, bytes: u64) {
        self.files += 1;
        self.lines += lines;
        self.bytes += bytes;
    }
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
        summary.count(&findings);
        Report {
            tool: Tool::current(),
            artifact,
            findings,
            summary,
            sourcemaps: Vec::new(),
            source: None,
            used_ignores: Vec::new(),
            diff: None,
            fail_new_only: false,
            config: None,
            secrets: crate::redact::Secrets::default(),
        }
    }

    /// Attaches what changed since the previous release.
    pub fn with_diff(mut self, changes: changes::Changes) -> Report {
        self.diff = Some(changes);
        self
    }

    /// Adds the source maps found, largest exposure first.
    pub fn with_sourcemaps(mut self, mut maps: Vec<SourceMapSummary>) -> Report {
        maps.sort_by(|a, b| {
            (b.lines, b.sources_content, b.sources)
                .cmp(&(a.lines, a.sources_content, a.sources))
                .then_with(|| a.map.cmp(&b.map))
        });
        self.sourcemaps = maps;
        self
    }

    /// Drops the findings a baseline accepted and recounts the summary.
    pub fn apply_baseline(&mut self, baseline: &crate::baseline::Baseline) {
        let before = self.findings.len();
        self.findings.retain(|f| !baseline.contains(f));
        self.summary.baselined += before - self.findings.len();
        self.summary.count(&self.findings);
    }

    /// Adds findings raised after the scan (unused suppressions), in report order.
    pub fn add_findings(&mut self, findings: Vec<Finding>) {
        if findings.is_empty() {
            return;
        }
        self.findings.extend(findings);
        self.findings.sort_by(|a, b| {
            a.sort_key()
                .cmp(&b.sort_key())
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        self.summary.count(&self.findings);
    }

    /// Whether any finding that counts is at or above the threshold. With `fail_new_only`,
    /// findings the previous release already had do not count.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        self.findings.iter().any(|f| self.fails_by(f, fail_on))
    }

    /// Whether `finding` alone would fail the run.
    pub fn fails_by(&self, finding: &Finding, fail_on: FailOn) -> bool {
        !(self.fail_new_only && finding.pre_existing == Some(true))
            && fail_on.fails(finding.severity)
    }
}

impl Summary {
    /// Recounts the per-severity, per-rule and pre-existing tallies from `findings`.
    fn count(&mut self, findings: &[Finding]) {
        self.errors = 0;
        self.warnings = 0;
        self.infos = 0;
        self.pre_existing = 0;
        self.by_rule.clear();
        for f in findings {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
            if f.pre_existing == Some(true) {
                self.pre_existing += 1;
            }
            *self.by_rule.entry(f.rule.clone()).or_default() += 1;
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::fingerprint;

    fn finding(rule: &str, file: &str, line: Option<usize>, value: &str) -> Finding {
        Finding {
            line,
            column: line,
            fingerprint: fingerprint(rule, file, value.as_bytes()),
            ..Finding::bare(rule, file, Severity::Warning)
        }
    }

    proptest::proptest! {
        /// Findings come out sorted by (file, line, column, rule) with no exact repeats,
        /// whatever order the checks produced them in.
        #[test]
        fn findings_are_sorted_and_unique(raw in proptest::collection::vec(
            (0u8..3, 0u8..3, proptest::option::of(1usize..4), 0u8..2), 0..40)) {
            let findings: Vec<Finding> = raw
                .iter()
                .map(|(r, f, l, v)| finding(&format!("r{r}"), &format!("package/f{f}"), *l, &v.to_string()))
                .collect();
            let info = ArtifactInfo {
                path: "p".into(), kind: "tarball".into(), name: None, version: None,
                files: 0, unpacked_bytes: 0, packer: None, packer_fallback: None,
            };
            let report = Report::new(info, findings.clone(), Duration::ZERO);
            for w in report.findings.windows(2) {
                proptest::prop_assert!(w[0].sort_key() <= w[1].sort_key());
                proptest::prop_assert!(!(w[0].sort_key() == w[1].sort_key() && w[0].fingerprint == w[1].fingerprint));
            }
            let distinct: std::collections::HashSet<_> = findings
                .iter()
                .map(|f| (f.file.clone(), f.line, f.rule.clone(), f.fingerprint.clone()))
                .collect();
            proptest::prop_assert_eq!(report.findings.len(), distinct.len());
            proptest::prop_assert_eq!(report.summary.warnings, distinct.len());
        }
    }
}
