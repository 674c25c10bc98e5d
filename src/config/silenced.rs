//! A config that silences everything: `disable: ["*"]`, a severity map turning every rule
//! `off`, or an `ignore` entry whose globs cover every file for every rule. The run would
//! then say "ok" about anything, so `config::apply` notes where the config does it and the
//! rules claiming `suppression.everything-silenced` turn that into a warning.
//!
//! So that the warning can be given at all, a bare `*` (in `disable` or as `"*": off`) does
//! not turn off the rules that claim this check; naming them (by id or family) does.

use super::Ignore;

/// The check name rules claim to report a config that silences everything.
pub const EVERYTHING_SILENCED: &str = "suppression.everything-silenced";

/// Where and how a config silences everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Silenced {
    /// 1-based line and column of the entry that does it (0 when unknown).
    pub line: usize,
    pub column: usize,
    pub how: String,
}

/// Whether a `disable` / `severity: off` pattern turns off the rule with this id and check.
pub fn turns_off(pattern: &str, id: &str, check: Option<&str>) -> bool {
    crate::rules::id_matches(pattern, id) && !(pattern == "*" && check == Some(EVERYTHING_SILENCED))
}

/// Paths of every shape a package holds; globs matching all of them match every file.
const PROBES: &[&str] = &[
    "package.json",
    "index.js",
    "README.md",
    ".env",
    "LICENSE",
    "dist/index.js",
    "lib/deep/nested/file.d.ts",
    "node_modules/dep/package.json",
];

/// Whether an `ignore` entry keeps every rule from every file.
pub fn ignore_covers_everything(ignore: &Ignore) -> bool {
    (ignore.rules.is_empty() || ignore.rules.iter().any(|r| r == "*"))
        && PROBES.iter().all(|p| ignore.paths.is_match(p))
}
