//! The rule sets of one folder level, as npm-packlist builds them: npm's defaults, the
//! `files` field, `.npmignore` or `.gitignore`, and the strict rules nothing overrides; and
//! the manifest fields (`bin`, `main`, `browser`) that put files in whatever the rules say.

use serde_json::Value;

use super::super::glob::Pattern;

/// npm-packlist's `defaults`: applied at every level except inside plain bundled deps.
pub(super) const DEFAULTS: &[&str] = &[
    ".npmignore",
    ".gitignore",
    "**/.git",
    "**/.svn",
    "**/.hg",
    "**/CVS",
    "**/.git/**",
    "**/.svn/**",
    "**/.hg/**",
    "**/CVS/**",
    "/.lock-wscript",
    "/.wafpickle-*",
    "/build/config.gypi",
    "npm-debug.log",
    "**/.npmrc",
    ".*.swp",
    ".DS_Store",
    "**/.DS_Store/**",
    "._*",
    "**/._*/**",
    "*.orig",
    "/archived-packages/**",
];

pub(super) const STRICT_DEFAULTS: &[&str] = &["/.git"];

/// Every rule set npm reads at a package's root (and, with `workspaces`, in each subfolder),
/// in ignore-walk's `ignoreFiles` order.
pub(super) const ALL_SOURCES: [Source; 5] = [
    Source::Defaults,
    Source::PackageJson,
    Source::NpmIgnore,
    Source::GitIgnore,
    Source::Strict,
];

/// The rule sets of one level, in ignore-walk's `ignoreFiles` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    Defaults,
    PackageJson,
    NpmIgnore,
    GitIgnore,
    Strict,
}

impl Source {
    pub(super) fn file_name(self) -> Option<&'static str> {
        match self {
            Source::PackageJson => Some("package.json"),
            Source::NpmIgnore => Some(".npmignore"),
            Source::GitIgnore => Some(".gitignore"),
            Source::Defaults | Source::Strict => None,
        }
    }
}

/// One folder being walked: its rules and a link to the parent's, since a child's verdict
/// starts from its parent's verdict on `child/entry`.
pub(super) struct Level<'a> {
    pub(super) parent: Option<&'a Level<'a>>,
    pub(super) basename: String,
    /// ignore-walk's `exact`: the folder itself was included as a match, so a parent's
    /// "not included" does not end the child's evaluation.
    pub(super) exact: bool,
    pub(super) rules: Vec<(Source, Vec<Pattern>)>,
}

impl Level<'_> {
    /// ignore-walk's `filterEntry`, line for line.
    pub(super) fn filter(&self, entry: &str, partial: bool, entry_basename: Option<&str>) -> bool {
        let mut included = true;
        if let Some(parent) = self.parent {
            let parent_entry = format!("{}/{}", self.basename, entry);
            let parent_basename = entry_basename.unwrap_or(entry);
            included = parent.filter(&parent_entry, partial, Some(parent_basename));
            if !included && !self.exact {
                return false;
            }
        }
        for (_, rules) in &self.rules {
            for rule in rules {
                if rule.negate == included {
                    continue;
                }
                let relative_rule = entry_basename.is_some()
                    && rule.glob_parts.iter().any(|part| {
                        let last_nonempty = part.last().is_some_and(|s| !s.is_empty());
                        part.len() <= if last_nonempty { 1 } else { 2 }
                    });
                let slash = format!("/{entry}");
                let hit = rule.matches(&slash, false)
                    || rule.matches(entry, false)
                    || partial
                        && (rule.matches(&format!("/{entry}/"), false)
                            || rule.matches(&format!("{entry}/"), false)
                            || rule.negate
                                && (rule.matches(&slash, true) || rule.matches(entry, true))
                            || relative_rule && {
                                let b = entry_basename.unwrap_or_default();
                                rule.matches(&format!("/{b}/"), false)
                                    || rule.matches(&format!("{b}/"), false)
                                    || rule.negate
                                        && (rule.matches(&format!("/{b}"), true)
                                            || rule.matches(b, true))
                            });
                if hit {
                    included = rule.negate;
                }
            }
        }
        included
    }
}

/// Ignore-file text to rules: trimmed lines, no blanks or comments.
pub(super) fn parse_rules(text: &str) -> Vec<Pattern> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| Pattern::new(l, true))
        .collect()
}

/// What JavaScript's template literal would print, for the scalar cases npm meets.
pub(super) fn js_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `bin` as npm normalises it (normalize-package-bin): a string becomes `{name: path}`,
/// targets are normalised like `path.join('/', target)` without the leading slash.
pub fn bin_targets(pkg: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match pkg.get("bin") {
        // A string `bin` is named after the package; without a name npm drops it.
        Some(Value::String(s)) if pkg.get("name").and_then(Value::as_str).is_some() => {
            out.push(s.clone());
        }
        Some(Value::Object(o)) => {
            for (k, v) in o {
                let base = posix_normalize(&k.replace(['\\', ':'], "/"));
                let base = base.rsplit('/').next().unwrap_or("");
                if let (Some(v), false) = (v.as_str(), base.is_empty()) {
                    out.push(v.to_string());
                }
            }
        }
        _ => {}
    }
    out.into_iter()
        .map(|t| posix_normalize(&t.replace('\\', "/")))
        .filter(|t| !t.is_empty())
        .collect()
}

/// `path.join('/', p).slice(1)`: `.` and `..` resolved, never above the root.
fn posix_normalize(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}
