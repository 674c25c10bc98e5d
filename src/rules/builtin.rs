//! The built-in rule pack: `rules/*.yaml`, compiled into the binary.
//!
//! Each file is listed here by hand (a test checks none is forgotten), so the binary carries
//! exactly the rules in the repository and a user's `rules list` shows where each came from.

use std::path::PathBuf;

use super::load::{self, add_from_source};
use super::RuleSet;
use crate::source::{Source, SpannedError};

/// (file name, YAML text) of every built-in rule file.
pub const FILES: &[(&str, &str)] = &[
    (
        "rules/archive.yaml",
        include_str!("../../rules/archive.yaml"),
    ),
    ("rules/files.yaml", include_str!("../../rules/files.yaml")),
    (
        "rules/manifest.yaml",
        include_str!("../../rules/manifest.yaml"),
    ),
    (
        "rules/workflow.yaml",
        include_str!("../../rules/workflow.yaml"),
    ),
    ("rules/diff.yaml", include_str!("../../rules/diff.yaml")),
    (
        "rules/sourcemap.yaml",
        include_str!("../../rules/sourcemap.yaml"),
    ),
    (
        "rules/secrets.yaml",
        include_str!("../../rules/secrets.yaml"),
    ),
    (
        "rules/secrets-config.yaml",
        include_str!("../../rules/secrets-config.yaml"),
    ),
    (
        "rules/secrets-keys.yaml",
        include_str!("../../rules/secrets-keys.yaml"),
    ),
    ("rules/lock.yaml", include_str!("../../rules/lock.yaml")),
    (
        "rules/suppression.yaml",
        include_str!("../../rules/suppression.yaml"),
    ),
];

/// The built-in rules, which may claim the structural checks named in `checks`
/// (`checks::names()`). An error here is a bug in `rules/`, caught by the test suite.
pub fn rules(checks: &[&'static str]) -> Result<RuleSet, SpannedError> {
    let mut set = RuleSet::new(checks);
    for (name, text) in FILES {
        add_from_source(&mut set, &Source::new(*name, *text))?;
    }
    Ok(set)
}

/// The rule set a run starts with: the built-ins (unless `builtin` is false) and the rule
/// files or folders in `extra`, with ids unique across all of them; their rules may claim
/// the checks named in `checks`.
pub fn load_all(
    checks: &[&'static str],
    builtin: bool,
    extra: &[PathBuf],
) -> Result<RuleSet, SpannedError> {
    let mut set = if builtin {
        rules(checks)?
    } else {
        RuleSet::new(checks)
    };
    for path in extra {
        for file in load::rule_files(path)? {
            let src = Source::read(&file)?;
            load::add_from_source(&mut set, &src)?;
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_file_is_compiled_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("rules/ exists")
            .filter_map(|e| e.ok())
            .map(|e| format!("rules/{}", e.file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "add new rules/*.yaml files to FILES");
    }

    #[test]
    fn builtin_rules_load_and_every_rule_has_examples() {
        let set = rules(&crate::checks::names()).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(set.rules.len() >= 15);
        for r in &set.rules {
            assert!(
                r.examples.iter().any(|e| e.expect_fire)
                    && r.examples.iter().any(|e| !e.expect_fire),
                "rule {} needs at least one fail and one pass example",
                r.id
            );
        }
    }
}
