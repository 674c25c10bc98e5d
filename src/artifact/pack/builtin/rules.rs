//! The rule sets of one folder level, as npm-packlist builds them: npm's defaults, the
//! `files` field, `.npmignore` or `.gitignore`, and the strict rules nothing overrides; and
//! the manifest fields (`bin`, `main`, `browser`) that put files in whatever the rules say.

use serde_json::Value;

use super::super::glob::Pattern;
use super::super::js;

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
    rule_lines(text).map(|l| Pattern::new(l, true)).collect()
}

/// The lines of ignore-file text that are rules.
pub(super) fn rule_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// `bin` as npm normalises it (@npmcli/package-json's `normalizePackageBin`), as the targets
/// it keeps. A falsy `bin` has none; a string is named after the package (none when `name` is
/// falsy); a list is keyed by each entry's basename, a later entry replacing an earlier one of
/// the same basename. An entry then needs a string target and a key whose basename survives
/// [`secure_path`], and its target is the secured path. `Err` when a list entry is not a
/// string: `path.basename` throws and npm stops. (Two object keys of the same basename: npm
/// keeps the later in the manifest's order, which a parsed `Value` no longer has; both stay.)
pub fn bin_targets(pkg: &Value) -> Result<Vec<String>, String> {
    let Some(bin) = pkg.get("bin").filter(|b| js::truthy_template(b).is_some()) else {
        return Ok(Vec::new());
    };
    let entries: Vec<(String, &Value)> = match bin {
        Value::String(_) => match pkg.get("name").and_then(js::truthy_template) {
            Some(name) => vec![(name, bin)],
            None => Vec::new(),
        },
        Value::Array(list) => {
            // A later entry of the same basename replaces the earlier; a map keeps it linear.
            let mut keyed = std::collections::HashMap::new();
            for (i, entry) in list.iter().enumerate() {
                let Value::String(path) = entry else {
                    return Err(format!("`bin` entry {i} is not a string"));
                };
                keyed.insert(js_basename(path).to_string(), entry);
            }
            keyed.into_iter().collect()
        }
        Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), v)).collect(),
        _ => Vec::new(),
    };
    Ok(entries
        .into_iter()
        .filter_map(|(key, target)| {
            let base = js_basename(&secure_path(&key)).to_string();
            let target = secure_path(target.as_str()?);
            (!base.is_empty() && !target.is_empty()).then_some(target)
        })
        .collect())
}

/// `secureAndUnixifyPath`: `\` and `:` as `/`, then `path.join('.', path.join('/', p))`, and
/// empty when that leaves `./` (nothing). A trailing slash stays, as `path.join` keeps it.
fn secure_path(p: &str) -> String {
    let unix = p.replace(['\\', ':'], "/");
    let joined = posix_normalize(&unix);
    if joined.is_empty() || !unix.ends_with('/') {
        joined
    } else {
        joined + "/"
    }
}

/// Node's `path.posix.basename`: the last segment, trailing slashes ignored.
fn js_basename(p: &str) -> &str {
    p.trim_end_matches('/').rsplit('/').next().unwrap_or("")
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
