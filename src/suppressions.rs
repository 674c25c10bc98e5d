//! Unused suppressions: `packguard-ignore` comments, config `ignore:` entries and baseline
//! entries that no longer suppress anything, so stale exceptions do not pile up.
//!
//! Findings carry the ids of the rules that claim `check: suppression.*`
//! (`rules/suppression.yaml`); a run whose rule set has none of them (`--no-builtin-rules`,
//! `lock --check`, a rule's examples run alone) judges nothing, so a partial rule set never
//! makes a needed suppression look unused.
//!
//! What "used" means, and what it costs:
//! - an inline marker is used when it silenced a match on its line or the next one; only
//!   files that contain the marker are looked at again (the scan already knows which do);
//! - a config `ignore` entry is used when it kept a rule from a file the rule looks at (the
//!   rule's `paths` match and it applies), noted as the scan decides which rules run, so no
//!   extra matching is done. An entry is therefore reported when its globs (for its rules)
//!   cover no shipped file any rule looks at: a renamed or deleted path. An entry that still
//!   covers a file on which the rule would now find nothing is not reported, because knowing
//!   that would mean running every ignored rule on every ignored file;
//! - a baseline entry is used when a finding of this run has its fingerprint.
//!
//! Config and baseline entries are judged over every package of the run, so with several
//! inputs or `--workspaces` an entry one package needs is not reported in another.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::artifact::Entry;
use crate::baseline::Baseline;
use crate::config::Config;
use crate::finding::Finding;
use crate::report::Report;
use crate::rules::RuleSet;
use crate::scan::{CheckHit, Engine, IGNORE_MARKER};

/// The checks rules claim for unused-suppression findings.
pub const CHECKS: &[&str] = &[UNUSED_INLINE, UNUSED_CONFIG, UNUSED_BASELINE];
const UNUSED_INLINE: &str = "suppression.unused-inline-ignore";
const UNUSED_CONFIG: &str = "suppression.unused-config-ignore";
const UNUSED_BASELINE: &str = "suppression.unused-baseline-entry";

/// One flag per config `ignore` entry when some rule reports unused ones, else none (and the
/// scan uses the plain `Config::ignores`).
pub fn ignore_tracking(rules: &RuleSet, config: &Config) -> Vec<AtomicBool> {
    if config.ignores.is_empty() || !claims(rules, UNUSED_CONFIG) {
        return Vec::new();
    }
    config
        .ignores
        .iter()
        .map(|_| AtomicBool::new(false))
        .collect()
}

fn claims(rules: &RuleSet, check: &str) -> bool {
    rules
        .rules
        .iter()
        .any(|r| r.check.as_deref() == Some(check))
}

/// `Config::ignores`, noting every entry that covers the pair (not only the first).
pub fn ignores_noting_use(config: &Config, used: &[AtomicBool], rule: &str, rel: &str) -> bool {
    let mut hit = false;
    for (ig, flag) in config.ignores.iter().zip(used) {
        if ig.covers(rule, rel) {
            flag.store(true, Ordering::Relaxed);
            hit = true;
        }
    }
    hit
}

/// The flags as plain values, for the report.
pub fn used_ignores(used: &[AtomicBool]) -> Vec<bool> {
    used.iter().map(|f| f.load(Ordering::Relaxed)).collect()
}

/// Findings for the `packguard-ignore` markers of `entry` whose lines silenced nothing;
/// `used` holds the starts of the lines that did.
pub fn unused_inline(
    engine: &Engine<'_>,
    entry: &Entry<'_>,
    used: &[usize],
    out: &mut Vec<Finding>,
) {
    if engine.rules_for_check(UNUSED_INLINE).next().is_none() {
        return;
    }
    let data = entry.data;
    // Lines are counted as the markers are met, in order, so a file full of markers is
    // still read once.
    let (mut line, mut counted_to, mut last_line_start) = (1usize, 0usize, None);
    for at in memchr::memmem::find_iter(data, IGNORE_MARKER) {
        line += memchr::memchr_iter(b'\n', &data[counted_to..at]).count();
        counted_to = at;
        let start = memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1);
        if last_line_start == Some(start) || used.contains(&start) {
            last_line_start = Some(start);
            continue;
        }
        last_line_start = Some(start);
        let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
        let column = 1 + data[start..at]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        out.extend(engine.check_findings(&CheckHit {
            check: UNUSED_INLINE,
            path: entry.path,
            detail: None,
            position: Some((line, column)),
            value: data[at..end].trim_ascii(),
            source: Some(data),
        }));
    }
}

/// A file of the repository a suppression is written in: how it is shown, and its text (to
/// quote the entry's line).
#[derive(Clone, Copy, Debug)]
pub struct Written<'a> {
    pub shown: &'a str,
    pub text: &'a [u8],
}

/// Findings for the config's `ignore` entries (written in `file`) that no package of the
/// run used.
pub fn unused_config_ignores(
    engine: &Engine<'_>,
    config: &Config,
    file: Written<'_>,
    reports: &[Report],
) -> Vec<Finding> {
    let tracked: Vec<&Report> = reports
        .iter()
        .filter(|r| !r.used_ignores.is_empty())
        .collect();
    if tracked.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, ig) in config.ignores.iter().enumerate() {
        if tracked.iter().any(|r| r.used_ignores.get(i) == Some(&true)) {
            continue;
        }
        let detail = match ig.rules.as_slice() {
            [] => format!(
                "`{}` covers no file that ships",
                ig.paths.source.join("`, `")
            ),
            rules => format!(
                "`{}` covers no file that ships for {}",
                ig.paths.source.join("`, `"),
                rules.join(", ")
            ),
        };
        out.extend(located(
            engine.check_findings(&CheckHit {
                check: UNUSED_CONFIG,
                path: file.shown,
                detail: Some(detail),
                position: (ig.line > 0).then_some((ig.line, ig.column)),
                value: format!("{:?}{:?}", ig.paths.source, ig.rules).as_bytes(),
                source: Some(file.text),
            }),
            file.shown,
        ));
    }
    out
}

/// Findings for the baseline entries (read from `file`) that no finding of the run matches.
/// `findings` are the run's findings before the baseline is applied.
pub fn unused_baseline_entries<'f>(
    engine: &Engine<'_>,
    baseline: &Baseline,
    file: Written<'_>,
    findings: impl IntoIterator<Item = &'f Finding>,
) -> Vec<Finding> {
    if !engine.rules_for_check(UNUSED_BASELINE).any(|_| true) {
        return Vec::new();
    }
    let seen: std::collections::HashSet<&str> = findings
        .into_iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let text = String::from_utf8_lossy(file.text);
    let mut out = Vec::new();
    for e in &baseline.findings {
        if seen.contains(e.fingerprint.as_str()) {
            continue;
        }
        // The entry's place in the file: the line of its fingerprint (the writer puts each
        // on a line of its own).
        let position = text.find(&e.fingerprint).map(|off| {
            let line_start = text[..off].rfind('\n').map_or(0, |i| i + 1);
            let line = 1 + text[..off].matches('\n').count();
            let column = 1 + text[line_start..off].chars().count();
            (line, column)
        });
        out.extend(located(
            engine.check_findings(&CheckHit {
                check: UNUSED_BASELINE,
                path: file.shown,
                detail: Some(format!("{} in {} is no longer found", e.rule, e.file)),
                position,
                value: e.fingerprint.as_bytes(),
                source: Some(file.text),
            }),
            file.shown,
        ));
    }
    out
}

/// Findings on a file of the repository (config, baseline, lock) rather than of the
/// package: annotations point at it on disk.
pub fn located(mut found: Vec<Finding>, disk: &str) -> Vec<Finding> {
    for f in &mut found {
        f.disk_path = Some(disk.to_string());
    }
    found
}

/// Adds to the run's first report a finding for each config `ignore` entry that no report
/// used (`scan`, after every input is scanned).
pub fn report_unused_config_ignores(
    rules: &RuleSet,
    config: &Config,
    options: &crate::Options,
    reports: &mut [Report],
) {
    let Some(path) = &config.path else { return };
    if reports.iter().all(|r| r.used_ignores.is_empty()) {
        return;
    }
    add_to_run(
        rules,
        config,
        options,
        path,
        reports,
        |engine, file, reports| unused_config_ignores(engine, config, file, reports),
    );
}

/// Adds to the run's first report a finding for each entry of the baseline read from `path`
/// that no finding matches; call it before the baseline is applied.
pub fn report_unused_baseline_entries(
    rules: &RuleSet,
    config: &Config,
    options: &crate::Options,
    baseline: &Baseline,
    path: &std::path::Path,
    reports: &mut [Report],
) {
    if !claims(rules, UNUSED_BASELINE) {
        return;
    }
    add_to_run(
        rules,
        config,
        options,
        path,
        reports,
        |engine, file, reports| {
            let findings = reports.iter().flat_map(|r| &r.findings);
            unused_baseline_entries(engine, baseline, file, findings)
        },
    );
}

/// Runs `judge` on the suppressions written in `path` and adds what it finds to the run's
/// first report (findings about the run as a whole have no package of their own).
fn add_to_run(
    rules: &RuleSet,
    config: &Config,
    options: &crate::Options,
    path: &std::path::Path,
    reports: &mut [Report],
    judge: impl FnOnce(&Engine<'_>, Written<'_>, &[Report]) -> Vec<Finding>,
) {
    // Unreadable now (it was read moments ago): the findings just go without an excerpt.
    let text = std::fs::read(path).unwrap_or_default();
    let shown = path.display().to_string();
    let file = Written {
        shown: &shown,
        text: &text,
    };
    let engine = Engine::new(rules, config, options);
    let found = judge(&engine, file, reports);
    if let Some(first) = reports.first_mut() {
        first.add_findings(found);
    }
}
