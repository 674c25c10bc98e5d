//! The expected-contents lock (`packguard.lock.yml`): the reviewed list of what a package
//! publishes, so that a file that was never shipped before cannot ship unnoticed.
//!
//! This module owns the lock's format (reading it with positions, writing it), finding the
//! lock for a scan, and comparing a package's files with it. The comparison returns findings
//! under the rules that claim `check: lock.*` (`rules/lock.yaml`); it never prints or exits.
//!
//! Entries are paths from the package root (no `package/` prefix), always anchored there:
//! `index.js` means the root `index.js`, not one at any depth. An entry with an unescaped
//! `*`, `?`, `[` or `{`, or ending in `/`, is a glob (`*` stays inside one folder, `**`
//! crosses folders, `dist/` is everything below `dist`); a literal file name holding such a
//! character is written escaped (`pages/\[id\].js`). The lock file itself is always covered,
//! since a package without a `files` field publishes it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use marked_yaml::Spanned;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::source::{parse_size, Source, SpannedError};

mod write;
pub use write::{headroom, render, update, Update, Writing};

/// The lock's name in a package folder.
pub const FILE_NAME: &str = "packguard.lock.yml";

/// Which lock a scan checks against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LockChoice {
    /// `--lock FILE`, else the config's `lock:`, else `packguard.lock.yml` in a scanned
    /// package folder (a tarball has no folder to look in).
    #[default]
    Auto,
    /// `--lock FILE`.
    File(PathBuf),
    /// `--no-lock`.
    Off,
}

/// Where the lock for a package is, if it has one. `dir` is the package folder of a
/// directory scan; `config_lock` is the config's `lock:`.
pub fn locate(
    choice: &LockChoice,
    config_lock: Option<&Path>,
    dir: Option<&Path>,
) -> Option<PathBuf> {
    match choice {
        LockChoice::Off => None,
        LockChoice::File(p) => Some(p.clone()),
        LockChoice::Auto => config_lock
            .map(Path::to_path_buf)
            .or_else(|| dir.map(|d| d.join(FILE_NAME)).filter(|p| p.is_file())),
    }
}

/// One line of the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockEntry {
    /// As written (escapes included).
    pub pattern: String,
    /// The largest size a file it covers may have, and how it was written.
    pub max_size: Option<(u64, String)>,
    /// 1-based position of the entry in the lock file (0 for entries not read from a file).
    pub line: usize,
    pub column: usize,
}

impl LockEntry {
    /// The file this entry names, when it is not a glob.
    pub fn literal(&self) -> Option<String> {
        literal(&self.pattern)
    }
}

/// A lock read from its file, ready to match paths.
#[derive(Clone, Debug)]
pub struct Lock {
    /// How the lock file is shown in findings (as given or found).
    pub path: String,
    pub text: String,
    pub entries: Vec<LockEntry>,
    /// Literal path -> entry index.
    exact: HashMap<String, usize>,
    globs: GlobSet,
    /// For each glob in `globs`, its entry index.
    glob_entries: Vec<usize>,
}

impl Lock {
    pub fn read(path: &Path) -> Result<Lock, SpannedError> {
        let src = Source::read_limited(path, crate::source::MAX_LOCK_BYTES)?;
        Lock::parse(&src)
    }

    /// Reads a lock's text; an error points at the offending line and column.
    pub fn parse(src: &Source) -> Result<Lock, SpannedError> {
        if src.text.trim().is_empty() {
            return Err(src.error(
                "the lock is empty",
                None,
                "",
                Some("write it with `packguard lock`".into()),
            ));
        }
        let raw: RawLock = src.parse()?;
        let mut entries = Vec::new();
        for e in raw.files {
            let (line, column) = e.span().start().map_or((0, 0), |m| (m.line(), m.column()));
            let max_size = match &e.max_size {
                None => None,
                Some(text) => Some((
                    parse_size(text).ok_or_else(|| {
                        src.error(
                            format!("invalid `max_size` `{text}`"),
                            src.span(e.span(), None),
                            "this entry",
                            Some("write a number of bytes, or with a unit: 512KiB, 10MB".into()),
                        )
                    })?,
                    text.clone(),
                )),
            };
            entries.push(LockEntry {
                pattern: e.path.clone(),
                max_size,
                line,
                column,
            });
        }
        let places: Vec<(usize, usize)> = entries.iter().map(|e| (e.line, e.column)).collect();
        Lock::new(src.name.clone(), src.text.clone(), entries).map_err(|(i, e)| {
            let span = places.get(i).filter(|p| p.0 > 0).map(|&(line, column)| {
                let start = src.offset(line, column);
                let len = src.text[start..]
                    .find('\n')
                    .unwrap_or(src.text.len() - start);
                miette::SourceSpan::from((start, len.max(1)))
            });
            src.error(
                format!("invalid glob in the lock: {e}"),
                span,
                "this entry",
                None,
            )
        })
    }

    /// Compiles `entries`; the error names the index of a bad glob.
    pub fn new(
        path: String,
        text: String,
        entries: Vec<LockEntry>,
    ) -> Result<Lock, (usize, String)> {
        let mut exact = HashMap::new();
        let mut builder = GlobSetBuilder::new();
        let mut glob_entries = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            match e.literal() {
                Some(lit) => {
                    exact.entry(lit).or_insert(i);
                }
                None => {
                    let g = GlobBuilder::new(&anchored_glob(&e.pattern))
                        .literal_separator(true)
                        .backslash_escape(true)
                        .build()
                        .map_err(|err| (i, err.kind().to_string()))?;
                    builder.add(g);
                    glob_entries.push(i);
                }
            }
        }
        let globs = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Lock {
            path,
            text,
            entries,
            exact,
            globs,
            glob_entries,
        })
    }

    /// The literal entry written for exactly this file, if any.
    pub fn exact(&self, rel: &str) -> Option<usize> {
        self.exact.get(rel).copied()
    }

    /// The entries covering `rel` (a path from the package root): the literal entry first.
    pub fn covering(&self, rel: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.exact.get(rel).copied().into_iter().collect();
        out.extend(
            self.globs
                .matches(rel)
                .into_iter()
                .map(|g| self.glob_entries[g]),
        );
        out
    }
}

/// The file a pattern names when it has no glob syntax (escapes removed).
fn literal(pattern: &str) -> Option<String> {
    let p = trim_root(pattern);
    if p.ends_with('/') || p.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '*' | '?' | '[' | '{' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

fn trim_root(pattern: &str) -> &str {
    let p = pattern.strip_prefix("./").unwrap_or(pattern);
    p.strip_prefix('/').unwrap_or(p)
}

/// A lock glob for globset: anchored at the root, `dir/` meaning everything below.
fn anchored_glob(pattern: &str) -> String {
    let p = trim_root(pattern);
    match p.strip_suffix('/') {
        Some(dir) => format!("{dir}/**"),
        None => p.to_string(),
    }
}

/// A path written so that the lock reads it back as exactly that file.
pub fn escape(rel: &str) -> String {
    let mut out = String::with_capacity(rel.len());
    for c in rel.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `path` or `{path: ..., max_size: ...}`.
#[derive(Debug, Default)]
struct RawEntry {
    path: String,
    max_size: Option<String>,
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path or glob, or a mapping with `path` and `max_size`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawEntry, E> {
                Ok(RawEntry {
                    path: v.to_string(),
                    max_size: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry, A::Error> {
                let mut out = RawEntry::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "path" => out.path = map.next_value()?,
                        "max_size" => out.max_size = Some(map.next_value()?),
                        other => {
                            return Err(de::Error::unknown_field(other, &["path", "max_size"]))
                        }
                    }
                }
                if out.path.is_empty() {
                    return Err(de::Error::missing_field("path"));
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLock {
    files: Vec<Spanned<RawEntry>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(text: &str) -> Lock {
        Lock::parse(&Source::new("packguard.lock.yml", text)).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn literal_entries_are_anchored_and_globs_stay_in_folders() {
        let l = lock("files:\n  - index.js\n  - 'dist/*.js'\n  - docs/\n");
        assert!(!l.covering("index.js").is_empty());
        assert!(l.covering("lib/index.js").is_empty());
        assert!(!l.covering("dist/a.js").is_empty());
        assert!(l.covering("dist/sub/a.js").is_empty());
        assert!(!l.covering("docs/a/b.md").is_empty());
    }
}
