//! What a check is given instead of the scanner: the rules that claim check names, with the
//! config's `ignore` entries applied (and their use noted, for unused-suppression findings),
//! and the one way a check's hit becomes findings. A check judges a file or a package, asks
//! this context which rules claim its check, and pushes findings into the sink it is handed;
//! it never sees the engine, never prints and never exits.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::artifact::EntryIssue;
use crate::config::Config;
use crate::finding::excerpt::position_excerpt;
use crate::finding::{digest, fingerprint, Finding};
use crate::rules::{Rule, RuleSet};
use crate::text::sanitize;

/// The check whose rules report unused config `ignore:` entries: only when some rule claims
/// it does the context note which entries were used (`checks::suppressions` judges them).
pub const UNUSED_CONFIG: &str = "suppression.unused-config-ignore";

/// The rules and config every check is judged under.
pub struct Context<'a> {
    rules: &'a RuleSet,
    config: &'a Config,
    /// Per config `ignore` entry, whether it kept a rule from a file (`checks::suppressions`);
    /// empty when no rule reports unused ignores, so the common scan pays nothing.
    ignore_used: Vec<AtomicBool>,
}

impl<'a> Context<'a> {
    pub fn new(rules: &'a RuleSet, config: &'a Config) -> Context<'a> {
        Context {
            rules,
            config,
            ignore_used: ignore_tracking(rules, config),
        }
    }

    /// Whether the config keeps `rule` from `rel`, noting which `ignore` entries were used.
    pub fn ignored(&self, rule: &Rule, rel: &str) -> bool {
        if self.ignore_used.is_empty() {
            return self.config.ignores(&rule.id, rel);
        }
        ignores_noting_use(self.config, &self.ignore_used, &rule.id, rel)
    }

    /// The rules that claim a structural check and look at `rel` (not ignored by the config).
    pub fn check_rules<'s>(
        &'s self,
        check: &'s str,
        rel: &'s str,
    ) -> impl Iterator<Item = &'s Rule> + 's {
        self.rules
            .rules
            .iter()
            .filter(move |r| r.check.as_deref() == Some(check) && !self.ignored(r, rel))
    }

    /// The rule set the engine runs (structural checks read their settings from it).
    pub fn rule_set(&self) -> &RuleSet {
        self.rules
    }

    /// A finding of `rule` on a whole file, with no position.
    pub fn file_finding(&self, rule: &Rule, path: &str) -> Finding {
        self.presence_finding(rule, path)
    }

    fn presence_finding(&self, rule: &Rule, path: &str) -> Finding {
        Finding {
            rule: rule.id.clone(),
            category: rule.category.clone(),
            severity: rule.severity,
            message: rule.message.clone(),
            // Entry names are the packer's (or an attacker's) bytes: no control characters
            // may reach a terminal or a CI log, where a line can become a command.
            file: sanitize(path),
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            snippet: None,
            fingerprint: fingerprint(&rule.id, path, b""),
            original: None,
            disk_path: None,
            package: None,
            decoded: None,
            pre_existing: None,
            excerpt: None,
            value_digest: digest(b""),
        }
    }

    /// A finding for an archive-level issue, under every rule that claims its check.
    pub fn issue_findings(&self, path: &str, issue: &EntryIssue, out: &mut Vec<Finding>) {
        out.extend(self.check_findings(&CheckHit {
            check: issue.check_name(),
            path,
            detail: issue.detail(),
            position: None,
            value: issue.check_name().as_bytes(),
            source: None,
        }));
    }

    /// The rules that claim a structural check (`check: NAME`), with their config applied.
    pub fn rules_for_check<'r>(&'r self, check: &'r str) -> impl Iterator<Item = &'r Rule> + 'r {
        self.rules
            .rules
            .iter()
            .filter(move |r| r.check.as_deref() == Some(check))
    }

    /// Findings for a structural check's hit: one per rule that claims the check and does
    /// not ignore the path.
    pub fn check_findings(&self, hit: &CheckHit<'_>) -> Vec<Finding> {
        let rel = hit.path.split_once('/').map_or(hit.path, |(_, r)| r);
        self.rules_for_check(hit.check)
            .filter(|rule| !self.ignored(rule, rel))
            .map(|rule| {
                let mut f = self.presence_finding(rule, hit.path);
                if let Some(detail) = &hit.detail {
                    f.message = format!("{}: {}", rule.message, sanitize(detail));
                }
                if let Some((line, column)) = hit.position {
                    f.line = Some(line);
                    f.column = Some(column);
                    if let Some(data) = hit.source {
                        f.excerpt = position_excerpt(data, line, column);
                    }
                }
                f.identify(&rule.id, hit.path, hit.value);
                f
            })
            .collect()
    }

    /// Which config `ignore` entries kept a rule from a file, for the report.
    pub fn used_ignores(&self) -> Vec<bool> {
        self.ignore_used
            .iter()
            .map(|f| f.load(Ordering::Relaxed))
            .collect()
    }
}

/// What a structural check found, before it becomes findings.
#[derive(Clone, Debug)]
pub struct CheckHit<'a> {
    /// The check's name, as rules claim it (`manifest.private`).
    pub check: &'a str,
    /// The file, as npm places it (`package/package.json`).
    pub path: &'a str,
    /// Added to the rule's message.
    pub detail: Option<String>,
    /// 1-based line and column, where known.
    pub position: Option<(usize, usize)>,
    /// What the fingerprint hashes besides rule and path (the offending value).
    pub value: &'a [u8],
    /// The file's text, to show the line in context.
    pub source: Option<&'a [u8]>,
}

/// One flag per config `ignore` entry when some rule reports unused ones, else none (and the
/// scan uses the plain `Config::ignores`).
fn ignore_tracking(rules: &RuleSet, config: &Config) -> Vec<AtomicBool> {
    if config.ignores.is_empty() || !claims(rules, UNUSED_CONFIG) {
        return Vec::new();
    }
    config
        .ignores
        .iter()
        .map(|_| AtomicBool::new(false))
        .collect()
}

/// Whether some rule of `rules` claims `check`.
pub fn claims(rules: &RuleSet, check: &str) -> bool {
    rules
        .rules
        .iter()
        .any(|r| r.check.as_deref() == Some(check))
}

/// `Config::ignores`, noting every entry that covers the pair (not only the first).
fn ignores_noting_use(config: &Config, used: &[AtomicBool], rule: &str, rel: &str) -> bool {
    let mut hit = false;
    for (ig, flag) in config.ignores.iter().zip(used) {
        if ig.covers(rule, rel) {
            flag.store(true, Ordering::Relaxed);
            hit = true;
        }
    }
    hit
}
