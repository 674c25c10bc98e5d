//! Loading rule files: YAML in, compiled `Rule`s or a diagnostic that points into the file.
//!
//! Every value that can be wrong (an id, a regex, a glob, a severity) is read with its
//! position, so the error names the file, line and column and shows the offending text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use marked_yaml::Spanned;
use miette::SourceSpan;
use serde::Deserialize;

use super::{Example, ExampleEntry, Globs, Rule, RuleSet, Validate};
use crate::finding::Severity;
use crate::source::{parse_size, Source, SpannedError};

/// Regexes are compiled with these bounds: the engine is linear-time already, and a size
/// limit keeps a user's rule from compiling into something huge.
const REGEX_SIZE_LIMIT: usize = 16 << 20;
const REGEX_DFA_SIZE_LIMIT: usize = 32 << 20;
/// Rules one run may load, and the longest pattern text: generous for any real policy, and a
/// clear error instead of a slow start for a generated or hostile rule file.
pub const MAX_RULES: usize = 5_000;
pub const MAX_PATTERN_LEN: usize = 64 << 10;

/// A rule as written. Every field the language has is here, and nothing else is accepted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Spanned<String>,
    pub message: Spanned<String>,
    pub severity: Spanned<String>,
    pub category: Option<Spanned<String>>,
    pub description: Option<String>,
    pub paths: Option<Vec<Spanned<String>>>,
    pub exclude: Option<Vec<Spanned<String>>>,
    pub pattern: Option<Spanned<String>>,
    pub keywords: Option<Vec<Spanned<String>>>,
    pub max_size: Option<Spanned<String>>,
    pub binary: Option<bool>,
    pub redact: Option<bool>,
    pub check: Option<Spanned<String>>,
    pub threshold: Option<Spanned<String>>,
    /// Least Shannon entropy (bits per byte) of the secret, e.g. `3.5`.
    pub entropy: Option<Spanned<String>>,
    /// A named checksum validator: `github` or `npm`.
    pub checksum: Option<Spanned<String>>,
    /// Regexes: a secret matching one is not a finding.
    pub allow: Option<Vec<Spanned<String>>>,
    /// Regexes: a whole match (context included) matching one is not a finding.
    pub allow_match: Option<Vec<Spanned<String>>>,
    /// Regexes: a match whose neighbourhood (the line before, its own, the line after)
    /// matches one is not a finding.
    pub allow_near: Option<Vec<Spanned<String>>>,
    /// Drop well-known placeholders (default: on for category `secret`).
    pub placeholders: Option<bool>,
    /// Also scan decoded views (default: on for category `secret`).
    pub decode: Option<bool>,
    pub examples: Option<RawExamples>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExamples {
    #[serde(default)]
    pub fail: Vec<Spanned<RawExample>>,
    #[serde(default)]
    pub pass: Vec<Spanned<RawExample>>,
}

/// An example: one file (`path`, `content`, ...) or several (`files`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    pub path: Option<String>,
    pub content: Option<String>,
    /// Repeat `content` this many times (long lines, large files).
    pub repeat: Option<usize>,
    pub symlink: Option<String>,
    pub hardlink: Option<String>,
    pub entry: Option<String>,
    pub name_encoding: Option<String>,
    /// `file` (default), `fifo`, or `zero-block` (a lone 512-byte zero block, no path).
    pub kind: Option<String>,
    /// Scan as if `--expect-repo` named this repository.
    pub expect_repo: Option<String>,
    /// Run the example with the rule's `threshold` set to this (large sizes in small examples).
    pub threshold: Option<String>,
    /// Scan the example as a package folder (written to a temporary folder, files chosen by
    /// the built-in packer) instead of a tarball.
    #[serde(default)]
    pub directory: bool,
    pub files: Option<Vec<RawExample>>,
    /// The previous release's files, for rules that compare releases (`check: diff.*`).
    pub previous: Option<Vec<RawExample>>,
    /// The severity the finding must have (`info` for a token whose checksum fails).
    pub severity: Option<String>,
    /// Other rules (ids) to run beside the one under test, for rules about suppressions.
    #[serde(default)]
    pub with: Vec<String>,
    /// A config file's text to scan with (`packguard.yml`).
    pub config: Option<String>,
    /// Fingerprints of a baseline to scan with (`--baseline`).
    pub baseline: Option<Vec<String>>,
}

/// Examples are small: `repeat` may not build more than this.
const MAX_EXAMPLE_BYTES: usize = 4 << 20;

impl RawExample {
    fn entries(&self) -> Result<Vec<ExampleEntry>, String> {
        if let Some(files) = &self.files {
            if self.path.is_some() || self.content.is_some() {
                return Err("an example has either `files` or `path`/`content`, not both".into());
            }
            let mut out = Vec::new();
            for f in files {
                if !f.with.is_empty() || f.config.is_some() || f.baseline.is_some() {
                    return Err(
                        "`with`, `config` and `baseline` belong to the example, not to one of its `files`"
                            .into(),
                    );
                }
                out.extend(f.entries()?);
            }
            return Ok(out);
        }
        if self.kind.as_deref() == Some("zero-block") {
            return Ok(vec![ExampleEntry {
                zero_block: true,
                ..ExampleEntry::default()
            }]);
        }
        let path = self
            .path
            .clone()
            .ok_or("an example needs a `path` (or `files`)")?;
        let mut content = self.content.clone().unwrap_or_default().into_bytes();
        if let Some(n) = self.repeat {
            if content.len().saturating_mul(n) > MAX_EXAMPLE_BYTES {
                return Err(format!(
                    "`repeat` would build more than {MAX_EXAMPLE_BYTES} bytes"
                ));
            }
            content = content.repeat(n);
        }
        let latin1_name = match self.name_encoding.as_deref() {
            None | Some("utf-8") => false,
            Some("latin1") => true,
            Some(other) => {
                return Err(format!(
                    "unknown `name_encoding` `{other}` (latin1 or utf-8)"
                ))
            }
        };
        let fifo = match self.kind.as_deref() {
            None | Some("file") => false,
            Some("fifo") => true,
            Some(other) => {
                return Err(format!(
                    "unknown `kind` `{other}` (file, fifo or zero-block)"
                ))
            }
        };
        Ok(vec![ExampleEntry {
            fifo,
            path,
            content,
            symlink: self.symlink.clone(),
            hardlink: self.hardlink.clone(),
            entry: self.entry.clone(),
            latin1_name,
            zero_block: false,
        }])
    }
}

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

/// Turns a rule as written into a compiled rule, checking everything that can be checked.
pub fn compile(raw: RawRule, src: &Source) -> Result<Rule, SpannedError> {
    let id = raw.id.as_str().to_string();
    let id_len = Some(id.len());
    let valid_id = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-/_.".contains(c))
        && !id.starts_with('/')
        && !id.ends_with('/');
    if !valid_id {
        return Err(src.at(
            &raw.id,
            id_len,
            format!("invalid rule id `{id}`"),
            "not a valid id",
            Some("ids are lowercase kebab-case, optionally prefixed by a family: `team/no-internal-urls`".into()),
        ));
    }
    let severity = Severity::parse(raw.severity.as_str()).ok_or_else(|| {
        src.at(
            &raw.severity,
            Some(raw.severity.len()),
            format!("rule `{id}`: unknown severity `{}`", raw.severity.as_str()),
            "expected error, warning or info",
            None,
        )
    })?;
    let globs = |list: &Option<Vec<Spanned<String>>>, field: &str| -> Result<Globs, SpannedError> {
        let list = list.as_deref().unwrap_or_default();
        let strings: Vec<String> = list.iter().map(|g| g.as_str().to_string()).collect();
        Globs::new(&strings).map_err(|(i, e)| {
            let at = &list[i.min(list.len().saturating_sub(1))];
            src.at(
                at,
                Some(at.len()),
                format!("rule `{id}`: invalid glob in `{field}`: {}", e.kind()),
                "this glob",
                None,
            )
        })
    };
    let paths = globs(&raw.paths, "paths")?;
    let exclude = globs(&raw.exclude, "exclude")?;
    if let Some(p) = raw.pattern.as_ref().filter(|p| p.len() > MAX_PATTERN_LEN) {
        return Err(src.at(
            p,
            Some(40),
            format!(
                "rule `{id}`: `pattern` is {} bytes, over the {MAX_PATTERN_LEN} byte limit",
                p.len()
            ),
            "this pattern",
            Some("split it into several rules, or use `keywords` and a shorter pattern".into()),
        ));
    }
    let pattern = match &raw.pattern {
        None => None,
        Some(p) => Some(compile_regex(p.as_str()).map_err(|e| {
            src.at(
                p,
                None,
                format!("rule `{id}`: invalid regex in `pattern`"),
                "this pattern",
                Some(e),
            )
        })?),
    };
    let max_size = match &raw.max_size {
        None => None,
        Some(s) => Some(parse_size(s.as_str()).ok_or_else(|| {
            src.at(
                s,
                Some(s.len()),
                format!("rule `{id}`: invalid `max_size` `{}`", s.as_str()),
                "not a size",
                Some("write a number of bytes, or with a unit: 512KiB, 10MB, 1GiB".into()),
            )
        })?),
    };
    if let Some(check) = &raw.check {
        if !super::check_names::is_known(check.as_str()) {
            return Err(src.at(
                check,
                Some(check.len()),
                format!("rule `{id}`: unknown check `{}`", check.as_str()),
                "no such check",
                Some(format!(
                    "known checks: {}",
                    super::check_names::NAMES.join(", ")
                )),
            ));
        }
        if raw.paths.is_some() || raw.exclude.is_some() {
            return Err(src.at(
                check,
                Some(check.len()),
                format!("rule `{id}`: a rule with `check` cannot also have `paths` or `exclude`"),
                "structural check",
                Some(
                    "the check decides which files it looks at; drop `paths`, or drop `check`"
                        .into(),
                ),
            ));
        }
    }
    let threshold = match &raw.threshold {
        None => None,
        Some(s) => Some(parse_size(s.as_str()).ok_or_else(|| {
            src.at(
                s,
                Some(s.len()),
                format!("rule `{id}`: invalid `threshold` `{}`", s.as_str()),
                "not a size",
                Some("write a number of bytes, or with a unit: 512KiB, 10MB, 1GiB".into()),
            )
        })?),
    };
    if raw.check.is_none() && raw.pattern.is_none() && raw.paths.is_none() {
        return Err(src.at(
            &raw.id,
            id_len,
            format!(
                "rule `{id}` has neither `pattern` nor `paths`, so it would fire on every file"
            ),
            "this rule",
            Some("add `pattern` (a regex over content), `paths` (globs), or both".into()),
        ));
    }
    let is_secret = raw
        .category
        .as_ref()
        .is_some_and(|c| c.as_str() == "secret");
    let validate = validators(&raw, &id, is_secret, src)?;
    let keywords: Vec<String> = raw
        .keywords
        .unwrap_or_default()
        .into_iter()
        .map(|k| k.as_str().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    let category = raw
        .category
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|| "custom".to_string());
    let redact = raw.redact.unwrap_or(category == "secret");
    let mut examples = Vec::new();
    if let Some(ex) = raw.examples {
        for (expect_fire, list) in [(true, ex.fail), (false, ex.pass)] {
            for e in list {
                let span = src.span(e.span(), None);
                let line = e.span().start().map_or(0, |m| m.line());
                let entries = e.entries().map_err(|why| {
                    src.error(
                        format!("rule `{id}`: invalid example: {why}"),
                        span,
                        "this example",
                        None,
                    )
                })?;
                let previous = match &e.previous {
                    None => None,
                    Some(files) => {
                        let mut out = Vec::new();
                        for f in files {
                            out.extend(f.entries().map_err(|why| {
                                src.error(
                                    format!("rule `{id}`: invalid `previous` example: {why}"),
                                    span,
                                    "this example",
                                    None,
                                )
                            })?);
                        }
                        Some(out)
                    }
                };
                let severity = match e.severity.as_deref() {
                    None => None,
                    Some(name) => Some(Severity::parse(name).ok_or_else(|| {
                        src.error(
                            format!("rule `{id}`: unknown example severity `{name}`"),
                            span,
                            "this example",
                            Some("expected error, warning or info".into()),
                        )
                    })?),
                };
                examples.push(Example {
                    expect_fire,
                    with: e.with.clone(),
                    config: e.config.clone(),
                    baseline: e.baseline.clone(),
                    expect_repo: e.expect_repo.clone(),
                    directory: e.directory,
                    threshold: match &e.threshold {
                        None => None,
                        Some(t) => Some(parse_size(t).ok_or_else(|| {
                            src.error(
                                format!("rule `{id}`: invalid example `threshold` `{t}`"),
                                span,
                                "this example",
                                None,
                            )
                        })?),
                    },
                    severity,
                    entries,
                    previous,
                    line,
                });
            }
        }
    }
    let line = raw.id.span().start().map_or(0, |m| m.line());
    Ok(Rule {
        id,
        message: raw.message.as_str().to_string(),
        severity,
        category,
        description: raw.description,
        paths,
        exclude,
        reach: pattern.as_ref().map_or(0, |re| {
            super::prefilter::reach(re.as_str(), super::prefilter::MAX_REACH)
        }),
        pattern,
        keywords,
        max_size,
        binary: raw.binary.unwrap_or(false),
        redact,
        check: raw.check.map(|c| c.as_str().to_string()),
        threshold,
        examples,
        validate,
        origin: format!("{}:{}", src.name, line),
    })
}

/// Reads `entropy`, `checksum`, `allow`, `placeholders` and `decode`.
fn validators(
    raw: &RawRule,
    id: &str,
    secret: bool,
    src: &Source,
) -> Result<Validate, SpannedError> {
    use super::validators::Checksum;
    let entropy = match &raw.entropy {
        None => None,
        Some(e) => Some(
            e.as_str()
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| (0.0..=8.0).contains(v))
                .ok_or_else(|| {
                    src.at(
                        e,
                        Some(e.len()),
                        format!("rule `{id}`: invalid `entropy` `{}`", e.as_str()),
                        "not a number of bits",
                        Some("write bits per byte between 0 and 8, e.g. 3.5 (hex secrets score about 3.7, random base62 about 5)".into()),
                    )
                })?,
        ),
    };
    let checksum = match &raw.checksum {
        None => None,
        Some(c) => Some(Checksum::parse(c.as_str()).ok_or_else(|| {
            src.at(
                c,
                Some(c.len()),
                format!("rule `{id}`: unknown checksum `{}`", c.as_str()),
                "no such checksum",
                Some(format!("known checksums: {}", Checksum::NAMES.join(", "))),
            )
        })?),
    };
    let regexes = |list: &Option<Vec<Spanned<String>>>, field: &str| {
        let mut out = Vec::new();
        for a in list.as_deref().unwrap_or_default() {
            out.push(compile_regex(a.as_str()).map_err(|e| {
                src.at(
                    a,
                    None,
                    format!("rule `{id}`: invalid regex in `{field}`"),
                    "this pattern",
                    Some(e),
                )
            })?);
        }
        Ok::<_, SpannedError>(out)
    };
    let allow = regexes(&raw.allow, "allow")?;
    let allow_match = regexes(&raw.allow_match, "allow_match")?;
    let allow_near = regexes(&raw.allow_near, "allow_near")?;
    // A structural check may use `allow` as its list of accepted values (registry hosts for
    // `manifest.publish-registry`); the other validators judge what a pattern matched.
    let needs_pattern = entropy.is_some()
        || checksum.is_some()
        || (!allow.is_empty() && raw.check.is_none())
        || !allow_match.is_empty()
        || !allow_near.is_empty();
    if needs_pattern && raw.pattern.is_none() {
        return Err(src.at(
            &raw.id,
            Some(id.len()),
            format!("rule `{id}` has `entropy`, `checksum` or `allow*` but no `pattern`"),
            "this rule",
            Some("validators judge what `pattern` matched; add a pattern or drop them".into()),
        ));
    }
    Ok(Validate {
        entropy,
        checksum,
        allow,
        allow_match,
        allow_near,
        placeholders: raw.placeholders.unwrap_or(secret),
        decode: raw.decode.unwrap_or(secret) && raw.pattern.is_some(),
    })
}

/// Compiles a content regex with the size limits every rule gets. The error text is the
/// regex engine's own, which points at the bad part of the pattern.
pub fn compile_regex(pattern: &str) -> Result<regex::bytes::Regex, String> {
    regex::bytes::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
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
        new.push((compile(r, src)?, span));
    }
    check_unique(&set.rules, &new, src)?;
    set.rules.extend(new.into_iter().map(|(r, _)| r));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
