//! A rule as written (`schema::RawRule`) compiled into a `Rule`: every value checked (id,
//! severity, globs, regex, sizes, check name, validators, examples), an error pointing at
//! the value that is wrong.

use marked_yaml::Spanned;

use super::schema::{RawExamples, RawRule};
use super::{Example, Globs, Rule, Validate};
use crate::finding::Severity;
use crate::source::{parse_size, Source, SpannedError};

/// Regexes are compiled with these bounds: the engine is linear-time already, and a size
/// limit keeps a user's rule from compiling into something huge.
const REGEX_SIZE_LIMIT: usize = 16 << 20;
const REGEX_DFA_SIZE_LIMIT: usize = 32 << 20;
/// The longest pattern text: a clear error instead of a slow start for a generated or
/// hostile rule file.
pub const MAX_PATTERN_LEN: usize = 64 << 10;

/// Turns a rule as written into a compiled rule, checking everything that can be checked.
pub fn compile(raw: RawRule, src: &Source, checks: &[&str]) -> Result<Rule, SpannedError> {
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
        if !checks.contains(&check.as_str()) {
            return Err(src.at(
                check,
                Some(check.len()),
                format!("rule `{id}`: unknown check `{}`", check.as_str()),
                "no such check",
                Some(format!("known checks: {}", checks.join(", "))),
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
    let examples = examples(raw.examples, &id, src)?;
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

/// Reads a rule's `examples`: each `fail` and `pass` example's files, and what it is scanned
/// with.
fn examples(
    raw: Option<RawExamples>,
    id: &str,
    src: &Source,
) -> Result<Vec<Example>, SpannedError> {
    let mut examples = Vec::new();
    if let Some(ex) = raw {
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
    Ok(examples)
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
