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

use crate::artifact::Entry;
use crate::baseline::Baseline;
use crate::config::Config;
use crate::finding::Finding;
use crate::report::Report;
use crate::rules::RuleSet;

pub use super::context::UNUSED_CONFIG;
use super::context::{CheckHit, Context};

/// The checks rules claim for unused-suppression findings.
pub const CHECKS: &[&str] = &[
    UNUSED_INLINE,
    UNUSED_CONFIG,
    UNUSED_BASELINE,
    EVERYTHING_SILENCED,
];
pub use crate::config::EVERYTHING_SILENCED;

/// Unused suppressions: inline ignores judged per file by the content scan, config ignores
/// and baseline entries over a whole run (`run::suppressions`), and a config that silences
/// everything.
pub struct Suppressions;

impl super::Check for Suppressions {
    fn names(&self) -> &'static [&'static str] {
        CHECKS
    }
}
pub const UNUSED_INLINE: &str = "suppression.unused-inline-ignore";
pub const UNUSED_BASELINE: &str = "suppression.unused-baseline-entry";

/// The inline suppression comment.
pub const IGNORE_MARKER: &[u8] = b"packguard-ignore";

/// Findings for the `packguard-ignore` markers of `entry` whose lines silenced nothing;
/// `used` holds the starts of the lines that did.
pub fn unused_inline(ctx: &Context<'_>, entry: &Entry<'_>, used: &[usize], out: &mut Vec<Finding>) {
    if ctx.rules_for_check(UNUSED_INLINE).next().is_none() {
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
        out.extend(ctx.check_findings(&CheckHit {
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
    ctx: &Context<'_>,
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
            ctx.check_findings(&CheckHit {
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

/// A finding on the config (written in `file`) when it turns off every rule or ignores
/// every file (`Config::silenced`), so such a run does not pass as a plain "ok".
pub fn everything_silenced(rules: &RuleSet, config: &Config, file: Written<'_>) -> Vec<Finding> {
    let Some(silenced) = &config.silenced else {
        return Vec::new();
    };
    // The config's own `ignore` entries would cover the config file too (`**` does): the
    // finding about them must not be hidden by them.
    let unignored = Config {
        ignores: Vec::new(),
        ..config.clone()
    };
    let ctx = Context::new(rules, &unignored);
    located(
        ctx.check_findings(&CheckHit {
            check: EVERYTHING_SILENCED,
            path: file.shown,
            detail: Some(silenced.how.clone()),
            position: (silenced.line > 0).then_some((silenced.line, silenced.column)),
            value: silenced.how.as_bytes(),
            source: Some(file.text),
        }),
        file.shown,
    )
}

/// Findings for the baseline entries (read from `file`) that no finding of the run matches.
/// `findings` are the run's findings before the baseline is applied.
pub fn unused_baseline_entries<'f>(
    ctx: &Context<'_>,
    baseline: &Baseline,
    file: Written<'_>,
    findings: impl IntoIterator<Item = &'f Finding>,
) -> Vec<Finding> {
    if !ctx.rules_for_check(UNUSED_BASELINE).any(|_| true) {
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
            ctx.check_findings(&CheckHit {
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
