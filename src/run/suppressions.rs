//! Unused suppressions judged over a whole run: config `ignore:` entries and baseline entries
//! that no package of the run used become findings on the config or baseline file, added to
//! the run's first report. The judging itself is a check (`checks::suppressions`); this is
//! the use case that reads the file again and places the findings.

use crate::baseline::Baseline;
use crate::checks::context::{claims, Context};
use crate::checks::suppressions::{
    everything_silenced, unused_baseline_entries, unused_config_ignores, Written, UNUSED_BASELINE,
};
use crate::config::Config;
use crate::finding::Finding;
use crate::report::Report;
use crate::rules::RuleSet;

/// Adds to the run's first report a finding for each config `ignore` entry that no report
/// used (`scan`, after every input is scanned).
pub fn report_unused_config_ignores(rules: &RuleSet, config: &Config, reports: &mut [Report]) {
    let Some(path) = &config.path else { return };
    if reports.iter().all(|r| r.used_ignores.is_empty()) {
        return;
    }
    add_to_run(rules, config, path, reports, |ctx, file, reports| {
        unused_config_ignores(ctx, config, file, reports)
    });
}

/// Adds to the run's first report a warning when the config turns off every rule or
/// ignores every file (`scan`, after every input is scanned).
pub fn report_everything_silenced(rules: &RuleSet, config: &Config, reports: &mut [Report]) {
    let Some(path) = &config.path else { return };
    if config.silenced.is_none() {
        return;
    }
    add_to_run(rules, config, path, reports, |_, file, _| {
        everything_silenced(rules, config, file)
    });
}

/// Adds to the run's first report a finding for each entry of the baseline read from `path`
/// that no finding matches; call it before the baseline is applied.
pub fn report_unused_baseline_entries(
    rules: &RuleSet,
    config: &Config,
    baseline: &Baseline,
    path: &std::path::Path,
    reports: &mut [Report],
) {
    if !claims(rules, UNUSED_BASELINE) {
        return;
    }
    add_to_run(rules, config, path, reports, |ctx, file, reports| {
        let findings = reports.iter().flat_map(|r| &r.findings);
        unused_baseline_entries(ctx, baseline, file, findings)
    });
}

/// Runs `judge` on the suppressions written in `path` and adds what it finds to the run's
/// first report (findings about the run as a whole have no package of their own).
fn add_to_run(
    rules: &RuleSet,
    config: &Config,
    path: &std::path::Path,
    reports: &mut [Report],
    judge: impl FnOnce(&Context<'_>, Written<'_>, &[Report]) -> Vec<Finding>,
) {
    // Unreadable now (it was read moments ago): the findings just go without an excerpt.
    let text = std::fs::read(path).unwrap_or_default();
    let shown = path.display().to_string();
    let file = Written {
        shown: &shown,
        text: &text,
    };
    let ctx = Context::new(rules, config);
    let found = judge(&ctx, file, reports);
    if let Some(first) = reports.first_mut() {
        first.add_findings(found);
    }
}
