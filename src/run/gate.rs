//! `packguard scan` and `packguard diff`: every input scanned (alone, per workspace package,
//! or compared with its previous release), then what only the whole run can judge: unused
//! config ignores and baseline entries, the baseline written or applied, and the verdict.
//!
//! Every input is scanned before the caller renders anything, so a bad input ends the run
//! (exit 2) with nothing half-written on stdout.

use std::path::Path;

use super::{suppressions, Error, Input};
use crate::baseline::Baseline;
use crate::config::Config;
use crate::finding::FailOn;
use crate::report::Report;
use crate::rules::RuleSet;
use crate::scan::Options;

/// What to scan and how to judge it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// Packages, or with `workspaces` workspace roots.
    pub inputs: &'a [Input],
    pub workspaces: bool,
    /// The previous release (with `workspaces`: a folder of previous releases).
    pub previous: Option<&'a Input>,
    /// Only findings new since `previous` fail the run.
    pub new_only: bool,
    /// `--fail-on`; the config's `fail_on` otherwise.
    pub fail_on: Option<FailOn>,
    /// Leave out the findings this baseline accepts.
    pub baseline: Option<&'a Path>,
    /// Write every finding here as the accepted baseline; the run then does not fail.
    pub write_baseline: Option<&'a Path>,
    /// Where the run's config came from, for a workspace package's own config (`None`:
    /// every package is judged by the run's config).
    pub sources: Option<&'a super::setup::Sources>,
}

/// The reports of a run and its verdict.
#[derive(Debug)]
pub struct Outcome {
    pub reports: Vec<Report>,
    pub fail_on: FailOn,
    /// A finding at or above `fail_on` (never when a baseline was written).
    pub failed: bool,
}

/// Runs `request`. `warn` receives what the caller should tell the user on the side.
pub fn run(
    request: &Request<'_>,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
    warn: &mut dyn FnMut(&str),
) -> Result<Outcome, Error> {
    let fail_on = super::fail_on(request.fail_on, config);
    let mut reports = scan_all(request, rules, config, options, warn)?;
    suppressions::report_unused_config_ignores(rules, config, &mut reports);
    suppressions::report_everything_silenced(rules, config, &mut reports);
    if let Some(path) = request.write_baseline {
        Baseline::from_findings(reports.iter().flat_map(|r| &r.findings)).write(path)?;
    }
    if let Some(path) = request.baseline {
        let baseline = Baseline::read(path)?;
        // Judged on the findings before the baseline drops them; the new findings are not
        // in the baseline, so applying it keeps them.
        suppressions::report_unused_baseline_entries(rules, config, &baseline, path, &mut reports);
        for r in &mut reports {
            r.apply_baseline(&baseline);
        }
    }
    if reports.is_empty() {
        // Only --workspaces can get here: every package of the workspace is private.
        warn("packguard: no publishable package in the workspace (all are `private` or lack a name and version)");
    }
    // Writing a baseline accepts what was found, so that run does not fail.
    let failed = request.write_baseline.is_none() && reports.iter().any(|r| r.fails(fail_on));
    Ok(Outcome {
        reports,
        fail_on,
        failed,
    })
}

/// One report per input, or per workspace package, in order.
fn scan_all(
    request: &Request<'_>,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
    warn: &mut dyn FnMut(&str),
) -> Result<Vec<Report>, Error> {
    let inputs = request.inputs;
    let mut reports = Vec::new();
    if let (Some(previous), true) = (request.previous, request.workspaces) {
        let Input::Path(releases) = previous else {
            return Err(Error::PreviousReleasesFromStdin);
        };
        for input in inputs {
            let Input::Path(root) = input else {
                return Err(Error::WorkspacesFromStdin);
            };
            for mut report in
                super::diff_workspaces(root, releases, rules, config, request.sources, options)?
            {
                if report.diff.is_none() {
                    let name = report
                        .artifact
                        .name
                        .as_deref()
                        .unwrap_or(&report.artifact.path);
                    warn(&format!(
                        "packguard: no previous release of {name} in {} (a first release?): scanned without a comparison",
                        releases.display()
                    ));
                }
                report.fail_new_only = request.new_only;
                reports.push(report);
            }
        }
    } else if let Some(previous) = request.previous {
        let [input] = inputs else {
            return Err(Error::PreviousWithSeveral {
                given: inputs.len(),
            });
        };
        let mut report = super::diff(previous, input, rules, config, options)?;
        report.fail_new_only = request.new_only;
        reports.push(report);
    } else if request.new_only {
        return Err(Error::NewOnlyWithoutPrevious);
    } else if request.workspaces {
        for input in inputs {
            match input {
                Input::Path(root) => reports.extend(super::scan_workspaces(
                    root,
                    rules,
                    config,
                    request.sources,
                    options,
                )?),
                Input::Stdin => reports.push(super::scan(input, rules, config, options)?),
            }
        }
    } else {
        for result in super::scan_many(inputs, rules, config, options) {
            reports.push(result?);
        }
    }
    Ok(reports)
}
