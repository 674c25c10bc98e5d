//! Rules: the policy language, as data.
//!
//! This module owns the rule model, loading rule files (YAML, with a position on every value
//! so an error points at its line and column), the built-in pack compiled from `rules/*.yaml`,
//! and `rules test`, which runs every rule's examples. It does not scan: `crate::scan` applies
//! rules to files.

pub mod builtin;
pub mod compile;
pub mod load;
pub mod prefilter;
pub mod schema;
pub mod sourcemap;
pub mod validators;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::bytes::Regex;

use crate::finding::Severity;

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub message: String,
    pub severity: Severity,
    pub category: String,
    pub description: Option<String>,
    pub paths: Globs,
    pub exclude: Globs,
    pub pattern: Option<Regex>,
    /// Literals of which at least one must occur (ASCII case-insensitively) before `pattern`
    /// runs: the prefilter that keeps one pass per file cheap however many rules there are.
    pub keywords: Vec<String>,
    /// The longest match `pattern` allows (at most `prefilter::MAX_REACH`): how far around a
    /// keyword the pattern runs.
    pub reach: usize,
    pub max_size: Option<u64>,
    /// Run on binary files too (by default content rules skip them).
    pub binary: bool,
    /// Never show the matched value whole: the `secret` capture group, or the whole match.
    pub redact: bool,
    /// The structural check (in Rust) whose findings carry this rule's id.
    pub check: Option<String>,
    /// A size a check compares against (e.g. `manifest.large-package`).
    pub threshold: Option<u64>,
    pub examples: Vec<Example>,
    /// What a match must also satisfy (entropy, checksum, not a placeholder) and whether
    /// decoded views of the file are scanned too; see `rules::validators`.
    pub validate: Validate,
    /// Where the rule was defined, `file:line`, for `rules list` and error messages.
    pub origin: String,
}

impl Rule {
    /// Whether the rule looks at a file at this path (relative to the package root).
    pub fn applies_to(&self, rel: &str) -> bool {
        self.check.is_none()
            && self.paths.set.as_ref().is_none_or(|s| s.is_match(rel))
            && !self.exclude.set.as_ref().is_some_and(|s| s.is_match(rel))
    }
}

/// The match validators a rule names in YAML (`entropy`, `checksum`, `allow`,
/// `allow_match`, `allow_near`, `placeholders`, `decode`).
#[derive(Clone, Debug, Default)]
pub struct Validate {
    /// Least Shannon entropy (bits per byte) of the secret.
    pub entropy: Option<f64>,
    /// A checksum the secret must carry to keep the rule's severity.
    pub checksum: Option<validators::Checksum>,
    /// Secrets matching any of these are not findings (documentation values, known fakes).
    pub allow: Vec<Regex>,
    /// A match whose text (with up to 64 bytes of its line before it) matches one of these is
    /// not a finding: `@example\.com` for a URL whose host says it is documentation,
    /// `nextToken` for a pagination cursor.
    pub allow_match: Vec<Regex>,
    /// A match whose neighbourhood (the line before it, its own line and the line after,
    /// each cut to `scan::NEAR_CONTEXT` bytes from the match) matches one of these is not a
    /// finding: a value beside `AKIAIOSFODNN7EXAMPLE` is the same documentation example.
    pub allow_near: Vec<Regex>,
    /// Drop well-known placeholders (`YOUR_KEY`, `xxxx`, `${VAR}`, `…EXAMPLE`). Default on for
    /// the `secret` category.
    pub placeholders: bool,
    /// Also run over decoded views of the file (escapes, percent, base64). Default on for
    /// the `secret` category.
    pub decode: bool,
}

/// Globs as written and as compiled.
#[derive(Clone, Debug, Default)]
pub struct Globs {
    pub source: Vec<String>,
    pub set: Option<GlobSet>,
}

impl Globs {
    /// Compiles globs the way users expect from `.gitignore`: one without a `/` matches a
    /// name at any depth, one with a `/` matches from the package root, a trailing `/` means
    /// everything below that folder, and `*` never crosses a `/` (use `**`).
    pub fn new(globs: &[String]) -> Result<Globs, (usize, globset::Error)> {
        if globs.is_empty() {
            return Ok(Globs::default());
        }
        let mut b = GlobSetBuilder::new();
        for (i, g) in globs.iter().enumerate() {
            for pattern in expand_glob(g) {
                let glob = GlobBuilder::new(&pattern)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| (i, e))?;
                b.add(glob);
            }
        }
        let set = b.build().map_err(|e| (0, e))?;
        Ok(Globs {
            source: globs.to_vec(),
            set: Some(set),
        })
    }

    pub fn is_match(&self, rel: &str) -> bool {
        self.set.as_ref().is_some_and(|s| s.is_match(rel))
    }
}

fn expand_glob(g: &str) -> Vec<String> {
    let g = g.strip_prefix("./").unwrap_or(g);
    let (anchored, g) = match g.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (g.trim_end_matches('/').contains('/'), g),
    };
    let base = if anchored {
        g.to_string()
    } else {
        format!("**/{g}")
    };
    match base.strip_suffix('/') {
        Some(dir) => vec![format!("{dir}/**")],
        None => vec![base],
    }
}

/// One example of a rule: files that must (or must not) make the rule fire.
#[derive(Clone, Debug)]
pub struct Example {
    pub expect_fire: bool,
    /// The severity the finding must have when it fires (checksum downgrades).
    pub severity: Option<Severity>,
    pub entries: Vec<ExampleEntry>,
    /// The previous release's files (`previous:`), for rules that compare releases.
    pub previous: Option<Vec<ExampleEntry>>,
    /// Scan the example as if `--expect-repo` had been given.
    pub expect_repo: Option<String>,
    /// Run the example with the rule's `threshold` set to this.
    pub threshold: Option<u64>,
    /// Scan the example as a package folder rather than a tarball.
    pub directory: bool,
    /// Ids of other rules run beside the one under test.
    pub with: Vec<String>,
    /// The text of a config file the example is scanned with.
    pub config: Option<String>,
    /// Fingerprints of a baseline the example is scanned with.
    pub baseline: Option<Vec<String>>,
    /// Line of the example in its rule file.
    pub line: usize,
}

/// One archive entry of an example.
#[derive(Clone, Debug, Default)]
pub struct ExampleEntry {
    /// Path relative to the package root.
    pub path: String,
    pub content: Vec<u8>,
    /// Make the entry a symbolic or hard link to this target instead of a file.
    pub symlink: Option<String>,
    pub hardlink: Option<String>,
    /// Write this exact tar entry name instead of `package/<path>`.
    pub entry: Option<String>,
    /// Encode the name as Latin-1, to test non-UTF-8 names.
    pub latin1_name: bool,
    /// A FIFO entry instead of a file.
    pub fifo: bool,
    /// A lone 512-byte zero block instead of an entry.
    pub zero_block: bool,
}

/// All active rules, in load order (built-ins first).
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// The source-map check's host lists and limits, from every `sourcemap:` section read.
    pub sourcemap: sourcemap::Settings,
    /// The structural check names a rule's `check:` may claim. The rule language does not
    /// know the checks (they sit above it): whoever builds the set hands it their names
    /// (`checks::names()`). Empty in `RuleSet::default()`: no rule may then claim a check.
    pub checks: Vec<&'static str>,
}

impl RuleSet {
    /// An empty set whose rules may claim the checks named in `checks`.
    pub fn new(checks: &[&'static str]) -> RuleSet {
        RuleSet {
            checks: checks.to_vec(),
            ..RuleSet::default()
        }
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Rules whose id matches `pattern`: an exact id, or a prefix ending in `/*`.
    pub fn matching<'a>(&'a self, pattern: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules
            .iter()
            .filter(move |r| id_matches(pattern, &r.id))
    }
}

/// `secret/*` matches every id in the `secret` family; anything else matches exactly.
pub fn id_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(g: &[&str]) -> Globs {
        Globs::new(&g.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn bare_names_match_at_any_depth() {
        let g = globs(&[".npmrc", "*.pem"]);
        assert!(g.is_match(".npmrc"));
        assert!(g.is_match("a/b/.npmrc"));
        assert!(g.is_match("certs/x.pem"));
        assert!(!g.is_match("x.pem.js"));
    }

    #[test]
    fn slashed_globs_are_anchored_and_star_stays_in_its_folder() {
        let g = globs(&["dist/*.js", "coverage/"]);
        assert!(g.is_match("dist/a.js"));
        assert!(!g.is_match("dist/sub/a.js"));
        assert!(!g.is_match("lib/dist/a.js"));
        assert!(g.is_match("coverage/lcov-report/index.html"));
        let g = globs(&["/README.md"]);
        assert!(g.is_match("README.md"));
        assert!(!g.is_match("docs/README.md"));
    }

    #[test]
    fn id_patterns() {
        assert!(id_matches("secret/*", "secret/github-pat"));
        assert!(!id_matches("secret/*", "file/npmrc"));
        assert!(id_matches("file/npmrc", "file/npmrc"));
        assert!(!id_matches("file/npm", "file/npmrc"));
    }
}
