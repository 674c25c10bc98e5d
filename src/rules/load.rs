//! Loading rule files: which files, YAML in, each rule compiled (`compile`), ids kept unique,
//! or a diagnostic that points into the file. The rule language's fields are in `schema`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use miette::SourceSpan;
use serde::Deserialize;

pub use super::compile::{compile, compile_regex, MAX_PATTERN_LEN};
pub use super::schema::RawRule;
use super::{Rule, RuleSet};
use crate::source::{Source, SpannedError};

/// Rules one run may load: generous for any real policy, and a clear error instead of a slow
/// start for a generated or hostile rule file.
pub const MAX_RULES: usize = 5_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleFile {
    #[serde(default)]
    rules: Vec<RawRule>,
    /// Knobs of the source-map check (bucket hosts, allowed hosts, ...), added to the
    /// built-in ones.
    sourcemap: Option<super::sourcemap::RawSettings>,
}

pub fn rule_files(path: &Path) -> Result<Vec<PathBuf>, SpannedError> {
    let fail = |e: std::io::Error| {
        Source::new(path.display().to_string(), "").error(
            format!("cannot read rules from {}: {e}", path.display()),
            None,
            "",
            None,
        )
    };
    let meta = std::fs::metadata(path).map_err(fail)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(fail)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml") | Some("yml")
                )
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(fail(std::io::Error::other(
            "the folder has no .yaml or .yml files",
        )));
    }
    Ok(files)
}

/// Rejects a second rule with an id already taken, pointing at the second definition.
pub fn check_unique(
    rules: &[Rule],
    new: &[(Rule, SourceSpan)],
    src: &Source,
) -> Result<(), SpannedError> {
    let mut seen: HashMap<&str, &str> = rules
        .iter()
        .map(|r| (r.id.as_str(), r.origin.as_str()))
        .collect();
    for (rule, span) in new {
        if let Some(first) = seen.insert(&rule.id, &rule.origin) {
            return Err(src.error(
                format!("duplicate rule id `{}`", rule.id),
                Some(*span),
                "this id is already defined",
                Some(format!(
                    "first defined at {first}; to change a built-in rule, set its severity in the config instead"
                )),
            ));
        }
    }
    Ok(())
}

/// Adds a file's rules to `set`, refusing ids that are taken.
pub fn add_from_source(set: &mut RuleSet, src: &Source) -> Result<(), SpannedError> {
    let file: RawRuleFile = src.parse()?;
    if let Some(settings) = file.sourcemap {
        set.sourcemap.extend(settings, src)?;
    }
    add_raw(set, file.rules, src)
}

/// Adds rules as written (from a rule file or a config's `rules:`), refusing ids that are
/// taken.
pub fn add_raw(set: &mut RuleSet, raw: Vec<RawRule>, src: &Source) -> Result<(), SpannedError> {
    if set.rules.len() + raw.len() > MAX_RULES {
        return Err(src.error(
            format!(
                "{} rules would be loaded, over the limit of {MAX_RULES}",
                set.rules.len() + raw.len()
            ),
            None,
            "",
            Some("packguard loads at most that many rules in one run".into()),
        ));
    }
    let mut new = Vec::new();
    for r in raw {
        let span = src
            .span(r.id.span(), Some(r.id.len()))
            .unwrap_or_else(|| (0, 0).into());
        new.push((compile(r, src, &set.checks)?, span));
    }
    check_unique(&set.rules, &new, src)?;
    set.rules.extend(new.into_iter().map(|(r, _)| r));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::parse_size;

    fn err(yaml: &str) -> SpannedError {
        let mut set = RuleSet::default();
        add_from_source(&mut set, &Source::new("r.yaml", yaml)).unwrap_err()
    }

    fn line_col(e: &SpannedError) -> (usize, usize) {
        let off = e.span.unwrap().offset();
        let text = e.src.inner();
        let before = &text[..off];
        let line = before.matches('\n').count() + 1;
        let col = off - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        (line, col)
    }

    #[test]
    fn unknown_field_points_at_it() {
        let e = err("rules:\n  - id: a\n    message: m\n    severity: error\n    paths: [x]\n    patern: y\n");
        assert!(e.message.contains("patern"), "{}", e.message);
        assert_eq!(line_col(&e).0, 6);
    }

    #[test]
    fn bad_regex_points_at_pattern_and_says_why() {
        let e =
            err("rules:\n  - id: a\n    message: m\n    severity: error\n    pattern: 'ab(c'\n");
        assert!(e.message.contains("invalid regex"), "{}", e.message);
        assert!(
            e.help.as_deref().unwrap().contains("unclosed group"),
            "{:?}",
            e.help
        );
        assert_eq!(line_col(&e), (5, 14));
    }

    #[test]
    fn bad_glob_severity_and_duplicate_id() {
        let e = err("rules:\n  - id: a\n    message: m\n    severity: error\n    paths: ['a[']\n");
        assert!(e.message.contains("invalid glob"), "{}", e.message);
        let e = err("rules:\n  - id: a\n    message: m\n    severity: fatal\n    paths: [x]\n");
        assert!(e.message.contains("unknown severity"), "{}", e.message);
        assert_eq!(line_col(&e), (4, 15));
        let e = err("rules:\n  - {id: a, message: m, severity: info, paths: [x]}\n  - {id: a, message: m, severity: info, paths: [y]}\n");
        assert!(e.message.contains("duplicate rule id"), "{}", e.message);
        assert_eq!(line_col(&e).0, 3);
    }

    #[test]
    fn rules_cannot_make_a_scan_slow_or_huge() {
        // Compiles past the size limit: a clear error, not minutes of compiling.
        let e = err("rules:\n  - id: a\n    message: m\n    severity: info\n    pattern: '\\w{1000}{1000}'\n");
        assert!(e.message.contains("invalid regex"), "{}", e.message);
        assert!(
            e.help.as_deref().unwrap_or("").contains("size limit"),
            "{:?}",
            e.help
        );
        // A pattern that backtracks exponentially elsewhere is linear here.
        let mut set = RuleSet::default();
        add_from_source(
            &mut set,
            &Source::new(
                "r.yaml",
                "rules:\n  - id: a\n    message: m\n    severity: info\n    pattern: '(a|aa)*c'\n",
            ),
        )
        .unwrap();
        let re = set.rules[0].pattern.as_ref().unwrap();
        assert!(!re.is_match("a".repeat(100_000).as_bytes()));
        let long = format!(
            "rules:\n  - id: a\n    message: m\n    severity: info\n    pattern: '{}'\n",
            "a".repeat(MAX_PATTERN_LEN + 1)
        );
        assert!(err(&long).message.contains("byte limit"));
        let mut many = String::from("rules:\n");
        for i in 0..=MAX_RULES {
            many.push_str(&format!(
                "  - {{id: r{i}, message: m, severity: info, pattern: x}}\n"
            ));
        }
        assert!(err(&many).message.contains("over the limit"));
        // The limit counts the rules already loaded, and allows exactly MAX_RULES.
        let rules = |from: usize, to: usize| {
            let mut yaml = String::from("rules:\n");
            for i in from..to {
                yaml.push_str(&format!(
                    "  - {{id: r{i}, message: m, severity: info, pattern: x}}\n"
                ));
            }
            Source::new("r.yaml", yaml)
        };
        let mut set = RuleSet::default();
        add_from_source(&mut set, &rules(0, MAX_RULES - 1)).unwrap();
        add_from_source(&mut set, &rules(MAX_RULES - 1, MAX_RULES)).unwrap();
        let e = add_from_source(&mut set, &rules(MAX_RULES, MAX_RULES + 1)).unwrap_err();
        assert!(e.message.contains("over the limit"), "{}", e.message);
        assert_eq!(set.rules.len(), MAX_RULES);
    }

    #[test]
    fn rule_ids_are_lowercase_names_with_an_optional_family() {
        let rule = |id: &str| {
            format!("rules:\n  - id: '{id}'\n    message: m\n    severity: info\n    paths: [x]\n")
        };
        for bad in ["", "Upper", "a b", "a:b", "/a", "a/", "caf\u{e9}"] {
            let e = err(&rule(bad));
            assert!(
                e.message.contains("invalid rule id"),
                "{bad:?}: {}",
                e.message
            );
        }
        let mut set = RuleSet::default();
        for good in ["a", "team/no-internal-urls", "x_1.2/b-c"] {
            add_from_source(&mut set, &Source::new("r.yaml", rule(good))).unwrap();
        }
        assert_eq!(set.rules.len(), 3);
    }

    #[test]
    fn a_large_regex_under_the_size_limit_compiles() {
        // Unicode classes repeated make a sizeable program, well under 16 MiB.
        for pattern in [r"\w{100}", r"[\p{L}\p{N}]{200}", r"(?:\w+\s+){20}"] {
            assert!(compile_regex(pattern).is_ok(), "{pattern}");
        }
        assert!(compile_regex(r"\w{1000}{1000}")
            .unwrap_err()
            .contains("size limit"));
    }

    #[test]
    fn a_pattern_of_exactly_the_byte_limit_is_accepted() {
        let rule = format!(
            "rules:\n  - id: a\n    message: m\n    severity: info\n    pattern: '{}'\n",
            "a".repeat(MAX_PATTERN_LEN)
        );
        let mut set = RuleSet::default();
        add_from_source(&mut set, &Source::new("r.yaml", rule)).unwrap();
    }

    #[test]
    fn a_structural_check_takes_neither_paths_nor_exclude() {
        let rule = |extra: &str| {
            format!("rules:\n  - id: a\n    message: m\n    severity: info\n    check: archive.symlink\n{extra}")
        };
        let mut set = RuleSet {
            checks: vec!["archive.symlink"],
            ..Default::default()
        };
        for extra in ["    paths: [x]\n", "    exclude: [x]\n"] {
            let e = add_from_source(&mut set, &Source::new("r.yaml", rule(extra))).unwrap_err();
            assert!(
                e.message.contains("cannot also have"),
                "{extra}: {}",
                e.message
            );
        }
        add_from_source(&mut set, &Source::new("r.yaml", rule(""))).unwrap();
    }

    #[test]
    fn every_validator_needs_a_pattern_to_judge() {
        let rule = |extra: &str| {
            format!("rules:\n  - id: a\n    message: m\n    severity: info\n    paths: [x]\n    {extra}\n")
        };
        for extra in [
            "entropy: '3.5'",
            "checksum: github",
            "allow: [x]",
            "allow_match: [x]",
            "allow_near: [x]",
        ] {
            let e = err(&rule(extra));
            assert!(
                e.message.contains("but no `pattern`"),
                "{extra}: {}",
                e.message
            );
            let mut set = RuleSet::default();
            let with_pattern = rule(&format!("{extra}\n    pattern: 'ghp_\\w+'"));
            add_from_source(&mut set, &Source::new("r.yaml", with_pattern)).unwrap();
        }
    }

    #[test]
    fn secret_rules_decode_and_skip_placeholders_by_default_and_others_do_not() {
        let compiled = |fields: &str| {
            let mut set = RuleSet::default();
            let yaml = format!("rules:\n  - id: a\n    message: m\n    severity: info\n{fields}");
            add_from_source(&mut set, &Source::new("r.yaml", yaml)).unwrap();
            let v = &set.rules[0].validate;
            (v.decode, v.placeholders)
        };
        let secret = "    category: secret\n";
        let pattern = "    pattern: 'k_\\w+'\n";
        assert_eq!(compiled(&format!("{secret}{pattern}")), (true, true));
        assert_eq!(
            compiled(&format!("{secret}    paths: [x]\n")),
            (false, true)
        );
        assert_eq!(compiled(pattern), (false, false));
        assert_eq!(
            compiled(&format!(
                "{secret}{pattern}    decode: false\n    placeholders: false\n"
            )),
            (false, false)
        );
        assert_eq!(
            compiled(&format!(
                "{pattern}    decode: true\n    placeholders: true\n"
            )),
            (true, true)
        );
    }

    #[test]
    fn empty_keywords_are_dropped() {
        let mut set = RuleSet::default();
        let yaml = "rules:\n  - id: a\n    message: m\n    severity: info\n    pattern: 'k_\\w+'\n    keywords: ['k_', '', 'K2']\n";
        add_from_source(&mut set, &Source::new("r.yaml", yaml)).unwrap();
        assert_eq!(set.rules[0].keywords, ["k_", "K2"]);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512KiB"), Some(512 * 1024));
        assert_eq!(parse_size("10MB"), Some(10_000_000));
        assert_eq!(parse_size("42"), Some(42));
        assert_eq!(parse_size("1 GiB"), Some(1 << 30));
        assert_eq!(parse_size("lots"), None);
    }
}
