//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`)
//! and any other SARIF consumer.
//!
//! The log is built from typed structs that mirror the part of the OASIS schema packguard
//! emits, so a misspelt or misplaced property is a compile error; the test suite validates the
//! output against the official schema. We do not use `serde-sarif`: it generates every SARIF
//! type from the schema in a build script (schemafy + syn) and builds them through type-state
//! builders, which costs more build time than the ~25 properties we write, and makes optional
//! properties awkward to set conditionally.
//!
//! One run holds every scanned input. `driver.rules` lists every active rule (GitHub shows a
//! rule's help next to its alerts), results point at it by `ruleIndex`, and each result's
//! `partialFingerprints` carries the finding's stable fingerprint so alerts survive code moving.
//! A location is a repository path when the file exists there (see `repo`), else the path inside
//! the package; a finding about a whole file has the region `startLine: 1`, since code scanning
//! places no result without one. Snippets in messages are already redacted by the scan.

use std::collections::BTreeMap;

use serde::Serialize;

use super::repo::RepoPaths;
use crate::finding::{Finding, Severity};
use crate::report::Report;
use crate::rules::RuleSet;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The `partialFingerprints` key: versioned, so a change of the fingerprint recipe can use a
/// new key instead of silently re-keying every alert.
const FINGERPRINT_KEY: &str = "packguard/v1";
/// GitHub code scanning rejects a run with more results than this (and keeps only the 5,000
/// most severe), so a run holds at most this many, most severe first.
pub const MAX_RESULTS: usize = 25_000;

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties {
    tags: Vec<String>,
    /// GitHub ranks security alerts by this CVSS-like score (a string, 0.0 to 10.0).
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
    properties: InvocationProperties,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InvocationProperties {
    /// The inputs as given on the command line.
    artifacts: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    /// After a comparison with the previous release: `new`, or `unchanged` for a finding
    /// the previous release already had (SARIF's own word for it, §3.27.24).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    /// Always present: a whole-file finding starts at line 1.
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    /// Exclusive, like SARIF's: the column after the last character.
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    category: String,
    /// The input the finding came from, and the path inside its package.
    artifact: String,
    package_path: String,
}

pub fn render(reports: &[Report], context: &super::Context<'_>) -> String {
    sarif(reports, context.rules, context.repo)
}

fn sarif(reports: &[Report], rules: &RuleSet, repo: &RepoPaths) -> String {
    let mut descriptors: Vec<Descriptor> = rules
        .rules
        .iter()
        .map(|r| {
            descriptor(
                &r.id,
                &r.message,
                r.description.as_deref(),
                &r.category,
                r.severity,
            )
        })
        .collect();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, d) in descriptors.iter().enumerate() {
        index.entry(d.id.clone()).or_insert(i);
    }
    let mut findings: Vec<(&Report, &Finding)> = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r, f)))
        .collect();
    // Most severe first (stable: file order within a severity), so a cut keeps the worst.
    findings.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
    let omitted = findings.len().saturating_sub(MAX_RESULTS);
    findings.truncate(MAX_RESULTS);
    let mut results = Vec::new();
    for (report, f) in findings {
        // A finding whose rule is not in the set (a structural check with no YAML rule)
        // still needs a descriptor for `ruleIndex` to point at.
        let rule_index = *index.entry(f.rule.clone()).or_insert_with(|| {
            descriptors.push(descriptor(
                &f.rule,
                &f.message,
                None,
                &f.category,
                f.severity,
            ));
            descriptors.len() - 1
        });
        results.push(result(f, rule_index, &report.artifact.path, repo));
    }
    let names: Vec<&str> = reports
        .iter()
        .filter_map(|r| r.artifact.name.as_deref())
        .collect();
    // GitHub keys alerts by tool and category (the id up to its last `/`): one package per
    // category keeps scans of different packages from replacing each other's alerts.
    let automation = match names.as_slice() {
        [one] if reports.len() == 1 => format!("packguard/{one}/"),
        _ => "packguard/".to_string(),
    };
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "packguard",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: descriptors,
                },
            },
            automation_details: AutomationDetails { id: automation },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: (omitted > 0)
                    .then(|| Notification {
                        level: "warning",
                        message: Text {
                            text: format!(
                                "{omitted} less severe findings were left out: GitHub code \
                                 scanning rejects a run of more than {MAX_RESULTS} results. \
                                 `--format json` lists them all."
                            ),
                        },
                    })
                    .into_iter()
                    .collect(),
                properties: InvocationProperties {
                    artifacts: reports.iter().map(|r| r.artifact.path.clone()).collect(),
                },
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log)
        .expect("the SARIF log holds only strings, numbers and maps");
    text.push('\n');
    text
}

fn descriptor(
    id: &str,
    message: &str,
    description: Option<&str>,
    category: &str,
    severity: Severity,
) -> Descriptor {
    let full = description.unwrap_or(message).trim().to_string();
    let help = format!(
        "{full}\n\nRule `{id}` ({category}, {severity}). If the file is meant to ship, list it \
         under `ignore:` in packguard.yml (`{{paths: [...], rules: [{id}]}}`); to turn the rule \
         off, list `{id}` under `disable:`."
    );
    let mut tags = vec!["packguard".to_string(), category.to_string()];
    // Everything packguard reports is about what a release leaks or lets run; GitHub lists
    // results tagged `security` as security alerts.
    tags.push("security".to_string());
    let security_severity = (category == "secret").then_some(match severity {
        Severity::Error => "9.0",
        Severity::Warning => "7.0",
        Severity::Info => "4.0",
    });
    Descriptor {
        id: id.to_string(),
        name: pascal_case(id),
        short_description: Text {
            text: message.to_string(),
        },
        full_description: Text { text: full },
        help: Help {
            text: help.replace('`', ""),
            markdown: help,
        },
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: DescriptorProperties {
            tags,
            security_severity,
        },
    }
}

fn result(f: &Finding, rule_index: usize, artifact: &str, repo: &RepoPaths) -> SarifResult {
    let at = repo.locate(f);
    let mut text = super::repo::message_at(f, at.as_ref());
    if let Some(s) = &f.snippet {
        text.push_str(&format!(": {s}"));
    }
    let (uri, line, column, end_line, end_column) = match &at {
        Some(a) => (a.path.as_str(), a.line, a.column, a.end_line, a.end_column),
        None => (f.file.as_str(), f.line, f.column, f.end_line, f.end_column),
    };
    // A finding about a whole file (`file/env`, `file/npmrc`, a manifest field without a
    // position) has no line. GitHub code scanning cannot place a result without a region,
    // so such a result points at the file's first line: the file is the finding.
    let region = match line.filter(|l| *l >= 1) {
        Some(start_line) => Region {
            start_line,
            start_column: column.filter(|c| *c >= 1),
            end_line: end_line.filter(|e| *e >= start_line),
            end_column: end_column.filter(|c| *c >= 1),
        },
        None => Region {
            start_line: 1,
            start_column: None,
            end_line: None,
            end_column: None,
        },
    };
    SarifResult {
        rule_id: f.rule.clone(),
        rule_index,
        level: level(f.severity),
        message: Text { text },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri_encode(uri),
                },
                region,
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint.clone())]),
        baseline_state: f
            .pre_existing
            .map(|pre| if pre { "unchanged" } else { "new" }),
        properties: ResultProperties {
            category: f.category.clone(),
            artifact: artifact.to_string(),
            package_path: f.file.clone(),
        },
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `secret/github-pat` -> `SecretGithubPat`: SARIF's `name` is an identifier-like label.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A relative URI reference for a path: entry names may hold spaces, `%`, `#` or any byte,
/// which a URI must percent-encode. `:` is encoded too, so `a:b/c` never reads as a scheme.
fn uri_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: Option<&str>, findings: Vec<Finding>) -> Report {
        let info = crate::report::ArtifactInfo {
            path: format!("{}.tgz", name.unwrap_or("unnamed")),
            kind: "tarball".into(),
            name: name.map(str::to_string),
            version: None,
            files: 0,
            unpacked_bytes: 0,
            packer: None,
            packer_fallback: None,
        };
        Report::new(info, findings, std::time::Duration::ZERO)
    }

    fn log(reports: &[Report]) -> serde_json::Value {
        serde_json::from_str(&sarif(reports, &RuleSet::default(), &RepoPaths::none())).unwrap()
    }

    #[test]
    fn a_finding_without_a_rule_in_the_set_gets_a_descriptor_its_index_points_at() {
        let f = |rule: &str, file: &str| Finding {
            fingerprint: crate::finding::fingerprint(rule, file, b"v"),
            ..Finding::bare(rule, file, Severity::Warning)
        };
        let log = log(&[report(
            Some("a"),
            vec![
                f("x/one", "package/a"),
                f("x/two", "package/b"),
                f("x/one", "package/c"),
            ],
        )]);
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 2, "{rules:?}");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        for r in results {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"], "{r}");
        }
    }

    #[test]
    fn alerts_are_keyed_by_package_only_for_a_single_named_package() {
        let id = |reports: &[Report]| log(reports)["runs"][0]["automationDetails"]["id"].clone();
        assert_eq!(id(&[report(Some("a"), vec![])]), "packguard/a/");
        assert_eq!(id(&[report(None, vec![])]), "packguard/");
        assert_eq!(
            id(&[report(Some("a"), vec![]), report(None, vec![])]),
            "packguard/"
        );
        assert_eq!(
            id(&[report(Some("a"), vec![]), report(Some("b"), vec![])]),
            "packguard/"
        );
    }

    #[test]
    fn uris_are_percent_encoded_relative_references() {
        assert_eq!(uri_encode("package/dist/cli.js"), "package/dist/cli.js");
        assert_eq!(uri_encode("package/a b#%.js"), "package/a%20b%23%25.js");
        assert_eq!(uri_encode("package/é"), "package/%C3%A9");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("secret/github-pat"), "SecretGithubPat");
        assert_eq!(pascal_case("file/npmrc"), "FileNpmrc");
    }
}
