//! `packguard rules test`: every rule's examples, run through the real scanner.
//!
//! Each example becomes a small tarball (built in memory) scanned with only the rule under
//! test. A `fail` example must make the rule fire, a `pass` example must not. Examples are
//! scanned with a 1 MiB per-file limit so a rule about oversized files can be shown firing.

use crate::artifact::builder::TarBuilder;
use crate::artifact::Limits;
use crate::config::Config;
use crate::rules::{Example, Rule, RuleSet};
use crate::scan::{Engine, Options};

/// An example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub rule: String,
    /// `file:line` of the example.
    pub at: String,
    pub problem: String,
}

/// Outcome of testing a rule set.
#[derive(Debug, Default)]
pub struct Outcome {
    pub rules: usize,
    pub examples: usize,
    pub failures: Vec<Failure>,
}

pub fn run(rules: &RuleSet) -> Outcome {
    let mut outcome = Outcome::default();
    let options = Options {
        limits: Limits {
            max_file_size: 1 << 20,
            ..Limits::default()
        },
        ..Options::default()
    };
    for rule in &rules.rules {
        outcome.rules += 1;

        if !has_examples(rule) {
            outcome.failures.push(Failure {
                rule: rule.id.clone(),
                at: rule.origin.clone(),
                problem: "the rule needs at least one `fail` and one `pass` example".into(),
            });
        }
        for example in &rule.examples {
            outcome.examples += 1;
            let at = format!(
                "{}:{}",
                rule.origin.rsplit_once(':').map_or("", |(f, _)| f),
                example.line
            );
            let tgz = build(example).tgz();
            let options = Options {
                expect_repo: example.expect_repo.clone(),
                ..options.clone()
            };
            let mut under_test = rule.clone();
            under_test.threshold = example.threshold.or(rule.threshold);
            let mut only = RuleSet {
                rules: vec![under_test],
                sourcemap: rules.sourcemap.clone(),
                checks: rules.checks.clone(),
            };
            let config = match with_setup(example, rules, &mut only, &at) {
                Ok(c) => c,
                Err(problem) => {
                    outcome.failures.push(Failure {
                        rule: rule.id.clone(),
                        at,
                        problem,
                    });
                    continue;
                }
            };
            let engine = Engine::new(&only, &config, &options);
            let scanned = if rule
                .check
                .as_deref()
                .is_some_and(|c| c.starts_with("workflow."))
            {
                // Workflow rules judge workflow files, not packages.
                let files: Vec<(String, String)> = example
                    .entries
                    .iter()
                    .map(|e| {
                        (
                            e.path.clone(),
                            String::from_utf8_lossy(&e.content).into_owned(),
                        )
                    })
                    .collect();
                Ok(engine.scan_workflows(&at, &files))
            } else if rule
                .check
                .as_deref()
                .is_some_and(|c| c.starts_with("diff."))
            {
                // Release-comparison rules judge the example against its `previous` files.
                let previous = Example {
                    entries: example.previous.clone().unwrap_or_default(),
                    ..example.clone()
                };
                scan_as_diff(&engine, &at, &build(&previous).tgz(), &tgz)
            } else if example.directory {
                scan_as_directory(example, &only, &config, &options, outcome.examples)
            } else {
                engine.scan_archive(&at, tgz.as_slice())
            };
            let problem = match scanned {
                Err(e) => Some(format!("the example could not be scanned: {e}")),
                Ok(mut report) => {
                    add_unused_suppressions(&engine, example, &config, &mut report);
                    if let Some(text) = &example.config {
                        report.add_findings(crate::checks::suppressions::everything_silenced(
                            &only,
                            &config,
                            crate::checks::suppressions::Written {
                                shown: "packguard.yml",
                                text: text.as_bytes(),
                            },
                        ));
                    }
                    let mine: Vec<_> = report
                        .findings
                        .iter()
                        .filter(|f| f.rule == rule.id)
                        .collect();
                    match (example.expect_fire, mine.first()) {
                        (true, None) => Some("`fail` example did not fire".to_string()),
                        (false, Some(_)) => Some("`pass` example fired".to_string()),
                        (true, Some(f)) => example
                            .severity
                            .filter(|want| *want != f.severity)
                            .map(|want| format!("fired at {}, expected {want}", f.severity)),
                        _ => None,
                    }
                }
            };
            let unkeyed = example
                .expect_fire
                .then(|| match_without_keyword(rule, example))
                .flatten();
            for problem in problem.into_iter().chain(unkeyed) {
                outcome.failures.push(Failure {
                    rule: rule.id.clone(),
                    at: at.clone(),
                    problem,
                });
            }
        }
    }
    outcome
}

/// The config an example is scanned with (its `config:` text applied to `only`), after
/// adding the rules it names in `with:` from the full set.
fn with_setup(
    example: &Example,
    rules: &RuleSet,
    only: &mut RuleSet,
    at: &str,
) -> Result<Config, String> {
    for id in &example.with {
        let other = rules
            .get(id)
            .ok_or_else(|| format!("`with` names `{id}`, which is not a rule"))?;
        only.rules.push(other.clone());
    }
    match &example.config {
        None => Ok(Config::default()),
        Some(text) => crate::config::apply(
            &crate::source::Source::new(at, text.as_str()),
            std::path::Path::new("."),
            only,
        )
        .map_err(|e| format!("the example's `config` is invalid: {}", e.message)),
    }
}

/// What `scan` adds after scanning: the example's config and baseline entries that
/// suppressed nothing.
fn add_unused_suppressions(
    engine: &Engine<'_>,
    example: &Example,
    config: &Config,
    report: &mut crate::report::Report,
) {
    use crate::checks::suppressions::{unused_baseline_entries, unused_config_ignores, Written};
    if let Some(text) = &example.config {
        let file = Written {
            shown: "packguard.yml",
            text: text.as_bytes(),
        };
        let found =
            unused_config_ignores(engine.checks(), config, file, std::slice::from_ref(report));
        report.add_findings(found);
    }
    if let Some(prints) = &example.baseline {
        let baseline = crate::baseline::Baseline {
            version: crate::baseline::VERSION,
            findings: prints
                .iter()
                .map(|p| crate::baseline::Entry {
                    fingerprint: p.clone(),
                    rule: String::new(),
                    file: String::new(),
                })
                .collect(),
        };
        let file = Written {
            shown: "baseline.json",
            text: b"",
        };
        let found = unused_baseline_entries(engine.checks(), &baseline, file, &report.findings);
        report.add_findings(found);
    }
}

/// Writes the example's files into a fresh temporary folder, scans it as a package folder
/// with the built-in packer (no external program runs), and removes the folder.
fn scan_as_directory(
    example: &Example,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
    n: usize,
) -> Result<crate::report::Report, crate::artifact::ArtifactError> {
    use crate::artifact::pack::{PackChoice, PackOptions, Packer};
    let dir = std::env::temp_dir().join(format!("packguard-rules-test-{}-{n}", std::process::id()));
    let io = |source| crate::artifact::ArtifactError::Unreadable {
        name: dir.display().to_string(),
        source,
    };
    let _ = std::fs::remove_dir_all(&dir);
    let result = (|| {
        for e in &example.entries {
            let path = dir.join(&e.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&path, &e.content).map_err(io)?;
        }
        let options = Options {
            pack: PackOptions {
                choice: PackChoice::Use(Packer::Builtin),
                fallback_builtin: false,
            },
            ..options.clone()
        };
        super::scan_directory(&dir, rules, config, &options).map_err(|e| {
            crate::artifact::ArtifactError::Corrupt {
                name: dir.display().to_string(),
                detail: e.to_string(),
            }
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Scans both tarballs and compares them, as `packguard diff` does.
fn scan_as_diff(
    engine: &Engine<'_>,
    at: &str,
    old: &[u8],
    new: &[u8],
) -> Result<crate::report::Report, crate::artifact::ArtifactError> {
    let side = |bytes: &[u8]| {
        let mut inventory = crate::diff::Inventory::default();
        engine
            .scan_archive_observed(at, bytes, &mut inventory)
            .map(|report| crate::diff::Scanned { report, inventory })
    };
    let (old, new) = (side(old)?, side(new)?);
    Ok(crate::diff::combine(
        engine.checks(),
        old,
        new,
        std::time::Duration::ZERO,
    ))
}

fn build(example: &Example) -> TarBuilder {
    let mut b = TarBuilder::new();
    for e in &example.entries {
        if e.zero_block {
            b = b.zero_block();
            continue;
        }
        let name: Vec<u8> = match &e.entry {
            Some(exact) => exact.as_bytes().to_vec(),
            None => format!("package/{}", e.path).into_bytes(),
        };
        let name = if e.latin1_name {
            String::from_utf8_lossy(&name)
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect()
        } else {
            name
        };
        let text = String::from_utf8_lossy(&name).into_owned();
        b = match (&e.symlink, &e.hardlink) {
            (Some(t), _) => b.symlink(&text, t),
            (_, Some(t)) => b.hardlink(&text, t),
            _ if e.fifo => b.fifo(&text),
            _ => b.raw_file(&name, &e.content),
        };
    }
    b
}

/// A match of `rule` in `example` that contains none of the rule's keywords. The pattern
/// only runs in windows around keyword occurrences (`rules::prefilter`), so such a match
/// would go unseen in a real file.
fn match_without_keyword(rule: &Rule, example: &Example) -> Option<String> {
    let re = rule.pattern.as_ref()?;
    if rule.keywords.is_empty() {
        return None;
    }
    let keywords: Vec<Vec<u8>> = rule
        .keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .collect();
    example.entries.iter().find_map(|entry| {
        re.find_iter(&entry.content).find_map(|m| {
            let text = m.as_bytes().to_ascii_lowercase();
            let keyed = keywords
                .iter()
                .any(|k| memchr::memmem::find(&text, k).is_some());
            (!keyed).then(|| {
                format!(
                    "the match `{}` contains none of the rule's keywords: the pattern only runs \
                     around them, so add a keyword that every match contains",
                    crate::text::shorten(&String::from_utf8_lossy(m.as_bytes()), 60)
                )
            })
        })
    })
}

/// Whether a rule is exercised by at least one example of each kind.
pub fn has_examples(rule: &Rule) -> bool {
    rule.examples.iter().any(|e| e.expect_fire) && rule.examples.iter().any(|e| !e.expect_fire)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_example_behaves() {
        let rules =
            crate::rules::builtin::rules(&crate::checks::names()).expect("built-in rules load");
        let outcome = run(&rules);
        assert!(outcome.examples > outcome.rules);
        assert!(outcome.failures.is_empty(), "{:#?}", outcome.failures);
    }
}
