//! The config file (`packguard.yml`, `.packguard.yml`, `packguard.yaml` or `.packguard.yaml`):
//! a team's changes to the rule set.
//!
//! It can add rules (inline under `rules:`, in exactly the rule-file language, or from
//! `rule_files:`), turn rules off, change their severity, ignore paths for all or some rules,
//! and set defaults for `--fail-on` and the limits. Every id it names must exist, so a typo
//! is an error rather than a silently ignored setting.

use std::path::{Path, PathBuf};

use marked_yaml::Spanned;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::artifact::Limits;
use crate::finding::FailOn;
use crate::finding::Severity;
use crate::rules::load::{add_from_source, add_raw, RawRule};
use crate::rules::{id_matches, Globs, RuleSet};
use crate::source::{parse_size, Source, SpannedError};

mod silenced;
pub use silenced::{Silenced, EVERYTHING_SILENCED};

/// Names looked for next to the package and then in the working directory. A folder holds
/// at most one of them: two would leave the reader guessing which one applies.
pub const FILE_NAMES: &[&str] = &[
    "packguard.yml",
    ".packguard.yml",
    "packguard.yaml",
    ".packguard.yaml",
];

/// Two config files in one folder: neither is picked silently.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{dir} holds two config files, {first} and {second}; packguard reads only one")]
#[diagnostic(
    code(packguard::config::ambiguous),
    help("keep one of them (merge what the other says into it), or name one with --config")
)]
pub struct Ambiguous {
    pub dir: String,
    pub first: String,
    pub second: String,
}

/// What a config file says, once applied to the rule set.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    pub ignores: Vec<Ignore>,
    pub fail_on: Option<FailOn>,
    pub max_file_size: Option<u64>,
    pub max_total_size: Option<u64>,
    pub max_entries: Option<u64>,
    /// `lock:`, the expected-contents lock (relative to the config file's folder).
    pub lock: Option<PathBuf>,
    /// `source: open|proprietary`: whose source the package is, over the guess from its
    /// `license` (`crate::license`).
    pub source: Option<crate::license::SourceKind>,
    /// Where the config turns off every rule or ignores every file, if it does.
    pub silenced: Option<Silenced>,
}

/// Paths that some (or all) rules do not look at.
#[derive(Clone, Debug)]
pub struct Ignore {
    pub paths: Globs,
    /// Rule ids or `family/*` patterns; empty means every rule.
    pub rules: Vec<String>,
    /// 1-based line and column of the entry in the config file, for reporting it unused.
    pub line: usize,
    pub column: usize,
}

impl Ignore {
    /// Whether this entry keeps `rule` from the file `rel`.
    pub fn covers(&self, rule: &str, rel: &str) -> bool {
        (self.rules.is_empty() || self.rules.iter().any(|p| id_matches(p, rule)))
            && self.paths.is_match(rel)
    }
}

impl Config {
    pub fn ignores(&self, rule: &str, rel: &str) -> bool {
        self.ignores.iter().any(|i| i.covers(rule, rel))
    }

    /// The limits, with the config's values over the defaults.
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_file_size: self.max_file_size.unwrap_or(d.max_file_size),
            max_total_size: self.max_total_size.unwrap_or(d.max_total_size),
            max_entries: self.max_entries.unwrap_or(d.max_entries),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    rules: Option<Vec<RawRule>>,
    rule_files: Option<Vec<Spanned<String>>>,
    disable: Option<Vec<Spanned<String>>>,
    severity: Option<std::collections::HashMap<Spanned<String>, Spanned<String>>>,
    ignore: Option<Vec<Spanned<RawIgnore>>>,
    fail_on: Option<Spanned<String>>,
    limits: Option<RawLimits>,
    /// The expected-contents lock, for scans of tarballs (`crate::lock`).
    lock: Option<Spanned<String>>,
    /// Whether the package's source is public (`open`) or not (`proprietary`).
    source: Option<Spanned<String>>,
    /// Source-map check settings (allow a CDN, add a bucket host), as in rule files.
    sourcemap: Option<crate::rules::sourcemap::RawSettings>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_file_size: Option<Spanned<String>>,
    max_total_size: Option<Spanned<String>>,
    max_entries: Option<Spanned<String>>,
}

/// `- "fixtures/**"` or `- {paths: [...], rules: [...]}`.
#[derive(Debug, Default)]
struct RawIgnore {
    paths: Vec<String>,
    rules: Vec<String>,
}

impl<'de> Deserialize<'de> for RawIgnore {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawIgnore;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a glob, or a mapping with `paths` and optionally `rules`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawIgnore, E> {
                Ok(RawIgnore {
                    paths: vec![v.to_string()],
                    rules: vec![],
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawIgnore, A::Error> {
                let mut out = RawIgnore::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "paths" => out.paths = map.next_value()?,
                        "rules" => out.rules = map.next_value()?,
                        other => return Err(de::Error::unknown_field(other, &["paths", "rules"])),
                    }
                }
                if out.paths.is_empty() {
                    return Err(de::Error::missing_field("paths"));
                }
                Ok(out)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<RawIgnore, A::Error> {
                Err(de::Error::invalid_type(de::Unexpected::Seq, &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// Finds the config for a package: next to it (`dir` is the package folder, or the folder
/// holding the tarball), then in the working directory.
pub fn discover(dir: Option<&Path>) -> Result<Option<PathBuf>, Ambiguous> {
    let cwd = std::env::current_dir().ok();
    for d in dir.into_iter().chain(cwd.as_deref()) {
        if let Some(found) = in_folder(d)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The config file in `dir` itself (under any accepted name), if there is one.
pub fn in_folder(dir: &Path) -> Result<Option<PathBuf>, Ambiguous> {
    let mut found = FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file());
    match (found.next(), found.next()) {
        (Some(first), Some(second)) => Err(Ambiguous {
            dir: dir.display().to_string(),
            first: first.display().to_string(),
            second: second.display().to_string(),
        }),
        (first, _) => Ok(first),
    }
}

/// Reads a config file and applies it to `rules`.
pub fn load(path: &Path, rules: &mut RuleSet) -> Result<Config, SpannedError> {
    let src = Source::read(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    apply(&src, base, rules).map(|mut c| {
        c.path = Some(path.to_path_buf());
        c
    })
}

/// Applies a config's text; `base` is where relative `rule_files` are looked for.
pub fn apply(src: &Source, base: &Path, rules: &mut RuleSet) -> Result<Config, SpannedError> {
    // An empty file is a valid (empty) config.
    if src.text.trim().is_empty() {
        return Ok(Config::default());
    }
    let raw: RawConfig = src.parse()?;
    let refused = |named: &Spanned<String>, why: String| {
        src.at(
            named,
            Some(named.len()),
            format!("cannot use `{}`: {why}", named.as_str()),
            "this file",
            Some("name a .yml file inside the project, or give it on the command line (--rules, --lock)".into()),
        )
    };
    let confined = |named: &Spanned<String>| {
        crate::project_path::confine(base, named.as_str(), false).map_err(|why| refused(named, why))
    };
    for file in raw.rule_files.unwrap_or_default() {
        let paths = match crate::project_path::confine(base, file.as_str(), true) {
            Ok(p) if p.is_dir() => crate::project_path::yaml_files(base, file.as_str()),
            other => other.map(|p| vec![p]),
        }
        .map_err(|why| refused(&file, why))?;
        for path in paths {
            let rule_src = Source::read(&path).map_err(|e| {
                src.at(
                    &file,
                    Some(file.len()),
                    format!("cannot read rule file `{}`", file.as_str()),
                    "this file",
                    Some(e.message),
                )
            })?;
            add_from_source(rules, &rule_src)?;
        }
    }
    add_raw(rules, raw.rules.unwrap_or_default(), src)?;
    if let Some(settings) = raw.sourcemap {
        rules.sourcemap.extend(settings, src)?;
    }

    let known = |pattern: &Spanned<String>, rules: &RuleSet| -> Result<(), SpannedError> {
        if rules.matching(pattern.as_str()).next().is_none() {
            return Err(src.at(
                pattern,
                Some(pattern.len()),
                format!("no rule has the id `{}`", pattern.as_str()),
                "unknown rule",
                Some(
                    "`packguard rules list` shows every rule id; `family/*` names a whole family"
                        .into(),
                ),
            ));
        }
        Ok(())
    };
    let mut disabled = Vec::new();
    // The first entry that turns rules off, to point at when every rule ends up off.
    let mut first_off: Option<(usize, usize, String)> = None;
    let at = |s: &Spanned<String>, how: String| {
        let (line, column) = s.span().start().map_or((0, 0), |m| (m.line(), m.column()));
        (line, column, how)
    };
    for id in raw.disable.unwrap_or_default() {
        known(&id, rules)?;
        first_off.get_or_insert_with(|| at(&id, format!("`disable: [{}]`", id.as_str())));
        disabled.push(id.as_str().to_string());
    }
    let mut levels: Vec<_> = raw.severity.unwrap_or_default().into_iter().collect();
    levels.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    for (id, level) in levels {
        known(&id, rules)?;
        if level.as_str() == "off" {
            first_off.get_or_insert_with(|| at(&id, format!("`{}: off`", id.as_str())));
            disabled.push(id.as_str().to_string());
            continue;
        }
        let severity = Severity::parse(level.as_str()).ok_or_else(|| {
            src.at(
                &level,
                Some(level.len()),
                format!("unknown severity `{}`", level.as_str()),
                "expected error, warning, info or off",
                None,
            )
        })?;
        for r in rules
            .rules
            .iter_mut()
            .filter(|r| id_matches(id.as_str(), &r.id))
        {
            r.severity = severity;
        }
    }
    let others = |rules: &RuleSet| {
        rules
            .rules
            .iter()
            .filter(|r| r.check.as_deref() != Some(EVERYTHING_SILENCED))
            .count()
    };
    let before = others(rules);
    rules.rules.retain(|r| {
        !disabled
            .iter()
            .any(|p| silenced::turns_off(p, &r.id, r.check.as_deref()))
    });

    let mut config = Config::default();
    if before > 0 && others(rules) == 0 {
        config.silenced = first_off.map(|(line, column, how)| Silenced {
            line,
            column,
            how: format!("{how} turns off every rule"),
        });
    }
    for ig in raw.ignore.unwrap_or_default() {
        let span = src.span(ig.span(), None);
        let paths = Globs::new(&ig.paths).map_err(|(_, e)| {
            src.error(
                format!("invalid glob in `ignore`: {}", e.kind()),
                span,
                "this entry",
                None,
            )
        })?;
        let (line, column) = ig.span().start().map_or((0, 0), |m| (m.line(), m.column()));
        let ignore = Ignore {
            paths,
            rules: ig.rules.clone(),
            line,
            column,
        };
        if config.silenced.is_none() && silenced::ignore_covers_everything(&ignore) {
            config.silenced = Some(Silenced {
                line,
                column,
                how: format!(
                    "`ignore: [{}]` keeps every rule from every file",
                    ignore.paths.source.join(", ")
                ),
            });
        }
        config.ignores.push(ignore);
    }
    config.lock = raw.lock.as_ref().map(confined).transpose()?;
    if let Some(f) = raw.fail_on {
        config.fail_on = Some(FailOn::parse(f.as_str()).ok_or_else(|| {
            src.at(
                &f,
                Some(f.len()),
                format!("unknown `fail_on` value `{}`", f.as_str()),
                "expected error, warning, info or never",
                None,
            )
        })?);
    }
    if let Some(k) = raw.source {
        config.source = Some(crate::license::SourceKind::parse(k.as_str()).ok_or_else(|| {
            src.at(
                &k,
                Some(k.len()),
                format!("unknown `source` value `{}`", k.as_str()),
                "expected open or proprietary",
                Some("`open`: the package's source is public, so source maps that ship it are fine; `proprietary`: shipping it is a leak".into()),
            )
        })?);
    }
    if let Some(l) = raw.limits {
        let size = |v: Option<Spanned<String>>, what: &str| -> Result<Option<u64>, SpannedError> {
            v.map(|v| {
                parse_size(v.as_str()).ok_or_else(|| {
                    src.at(
                        &v,
                        Some(v.len()),
                        format!("invalid `{what}` `{}`", v.as_str()),
                        "not a size",
                        Some("write a number of bytes, or with a unit: 512KiB, 10MB, 1GiB".into()),
                    )
                })
            })
            .transpose()
        };
        config.max_file_size = size(l.max_file_size, "max_file_size")?;
        config.max_total_size = size(l.max_total_size, "max_total_size")?;
        config.max_entries = size(l.max_entries, "max_entries")?;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply_text(yaml: &str) -> Result<(Config, RuleSet), SpannedError> {
        let mut rules = crate::rules::builtin::rules(&crate::checks::names()).unwrap();
        let c = apply(
            &Source::new("packguard.yml", yaml),
            Path::new("."),
            &mut rules,
        )?;
        Ok((c, rules))
    }

    #[test]
    fn severity_disable_and_ignore() {
        let (c, rules) = apply_text(
            "severity:\n  file/log: error\n  file/coverage-output: off\ndisable: [file/editor-litter]\nignore:\n  - fixtures/**\n  - {paths: ['*.pem'], rules: ['file/*']}\nfail_on: warning\n",
        )
        .unwrap();
        assert_eq!(rules.get("file/log").unwrap().severity, Severity::Error);
        assert!(rules.get("file/coverage-output").is_none());
        assert!(rules.get("file/editor-litter").is_none());
        assert!(c.ignores("file/npmrc", "fixtures/a/.npmrc"));
        assert!(c.ignores("file/private-key", "certs/a.pem"));
        assert!(!c.ignores("secret/x", "certs/a.pem"));
        assert_eq!(c.fail_on, Some(FailOn::Severity(Severity::Warning)));
    }

    #[test]
    fn source_kind() {
        let (c, _) = apply_text("source: proprietary\n").unwrap();
        assert_eq!(c.source, Some(crate::license::SourceKind::Proprietary));
        let (c, _) = apply_text("source: open\n").unwrap();
        assert_eq!(c.source, Some(crate::license::SourceKind::Open));
        let e = apply_text("source: closed\n").unwrap_err();
        assert!(e.message.contains("`source`"), "{}", e.message);
    }

    #[test]
    fn unknown_rule_id_is_an_error_at_its_position() {
        let e = apply_text("severity:\n  file/lgo: error\n").unwrap_err();
        assert!(e.message.contains("file/lgo"), "{}", e.message);
        assert_eq!(e.span.unwrap().offset(), 12);
    }

    #[test]
    fn inline_rules_use_the_rule_language() {
        let (_, rules) = apply_text(
            "rules:\n  - id: team/no-internal\n    message: internal host\n    severity: error\n    pattern: 'corp\\.internal'\n",
        )
        .unwrap();
        assert!(rules.get("team/no-internal").is_some());
        let e = apply_text(
            "rules:\n  - id: file/npmrc\n    message: m\n    severity: error\n    paths: [x]\n",
        )
        .unwrap_err();
        assert!(e.message.contains("duplicate rule id"), "{}", e.message);
    }
}
