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
        let src = Source::read(path)?;
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

/// What `packguard lock` writes: the existing entries that still cover something (globs and
/// sizes a person wrote are kept), and a literal entry for each file they do not cover.
#[derive(Debug, Default)]
pub struct Update {
    pub entries: Vec<LockEntry>,
    /// Files that were not covered before.
    pub added: Vec<String>,
    /// Entries of the old lock that covered nothing and were left out.
    pub removed: Vec<String>,
}

/// How `packguard lock` writes entries for files the old lock does not cover.
#[derive(Clone, Copy, Debug, Default)]
pub struct Writing {
    /// Give each entry a `max_size` (the size plus headroom), where it has none.
    pub sizes: bool,
    /// Fold a folder of at least this many new files (and no other file) into one glob.
    pub collapse: Option<usize>,
}

/// Builds the new lock's entries from the package's `(rel, size)` files and the old lock.
pub fn update(files: &[(String, u64)], old: Option<&Lock>, how: Writing) -> Update {
    let sizes = how.sizes;
    let mut up = Update::default();
    let mut used = vec![false; old.map_or(0, |l| l.entries.len())];
    let mut uncovered = Vec::new();
    for (rel, size) in files {
        if rel == FILE_NAME {
            continue;
        }
        let covering = old.map(|l| l.covering(rel)).unwrap_or_default();
        if covering.is_empty() {
            uncovered.push((rel, *size));
        }
        for i in covering {
            used[i] = true;
        }
    }
    let size_of: HashMap<&str, u64> = files.iter().map(|(r, s)| (r.as_str(), *s)).collect();
    if let Some(old) = old {
        for (i, e) in old.entries.iter().enumerate() {
            if !used[i] {
                up.removed.push(e.pattern.clone());
                continue;
            }
            let mut e = e.clone();
            if sizes && e.max_size.is_none() {
                if let Some(&s) = e.literal().as_deref().and_then(|l| size_of.get(l)) {
                    e.max_size = Some(headroom(s));
                }
            }
            up.entries.push(e);
        }
    }
    let (folded, uncovered) = match how.collapse {
        Some(min) => fold(files, uncovered, min.max(2), sizes),
        None => (Vec::new(), uncovered),
    };
    for (entry, count) in folded {
        up.added.push(format!("{} ({count} files)", entry.pattern));
        up.entries.push(entry);
    }
    for (rel, size) in uncovered {
        up.added.push(rel.clone());
        up.entries.push(LockEntry {
            pattern: escape(rel),
            max_size: sizes.then(|| headroom(size)),
            line: 0,
            column: 0,
        });
    }
    up.entries
        .sort_by(|a, b| trim_root(&a.pattern).cmp(trim_root(&b.pattern)));
    up.entries.dedup_by(|a, b| a.pattern == b.pattern);
    up
}

/// A file (from the package root) and its size.
type Sized<'f> = (&'f String, u64);

/// Folds the uncovered files into globs where a folder holds at least `min` of them and no
/// other file: in the highest such folder, each extension with at least `min` files becomes
/// `folder/**/*.ext`, so a new kind of file there (a `.map`, a `.env`) is still caught; the
/// rest stay listed by name. Returns the globs with how many files each covers, and the
/// files left to list by name.
fn fold<'f>(
    files: &[(String, u64)],
    uncovered: Vec<Sized<'f>>,
    min: usize,
    sizes: bool,
) -> (Vec<(LockEntry, usize)>, Vec<Sized<'f>>) {
    use std::collections::BTreeMap;
    let folders = |rel: &str| -> Vec<String> {
        rel.match_indices('/')
            .map(|(i, _)| rel[..i].to_string())
            .collect()
    };
    // Folder -> (files in it, uncovered files in it), at every depth.
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (rel, _) in files.iter().filter(|(r, _)| r != FILE_NAME) {
        for d in folders(rel) {
            counts.entry(d).or_default().0 += 1;
        }
    }
    for (rel, _) in &uncovered {
        for d in folders(rel) {
            counts.entry(d).or_default().1 += 1;
        }
    }
    let foldable = |d: &str| {
        counts
            .get(d)
            .is_some_and(|&(all, new)| all == new && new >= min)
    };
    // Each file goes to its highest foldable folder, if any.
    let mut groups: BTreeMap<String, Vec<Sized<'f>>> = BTreeMap::new();
    let mut rest: Vec<Sized<'f>> = Vec::new();
    for (rel, size) in uncovered {
        match folders(rel).into_iter().find(|d| foldable(d)) {
            Some(d) => groups.entry(d).or_default().push((rel, size)),
            None => rest.push((rel, size)),
        }
    }
    let extension = |rel: &str| {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        name.rsplit_once('.')
            .filter(|(stem, _)| !stem.is_empty())
            .map(|(_, ext)| ext.to_string())
    };
    let mut folded = Vec::new();
    for (dir, members) in groups {
        let mut by_ext: BTreeMap<Option<String>, Vec<Sized<'f>>> = BTreeMap::new();
        for m in members {
            by_ext.entry(extension(m.0)).or_default().push(m);
        }
        for (ext, members) in by_ext {
            let Some(ext) = ext.filter(|_| members.len() >= min) else {
                rest.extend(members);
                continue;
            };
            let largest = members.iter().map(|(_, s)| *s).max().unwrap_or(0);
            let entry = LockEntry {
                pattern: format!("{}/**/*.{}", escape(&dir), escape(&ext)),
                max_size: sizes.then(|| headroom(largest)),
                line: 0,
                column: 0,
            };
            folded.push((entry, members.len()));
        }
    }
    (folded, rest)
}

/// A `max_size` for a file of `size` bytes: about 10% more, rounded up to a whole KB (or MB
/// past 10 MB), so an ordinary rebuild fits and a file that doubles does not.
pub fn headroom(size: u64) -> (u64, String) {
    let limit = size.saturating_add(size / 10);
    let kb = limit.div_ceil(1000).max(1);
    if kb >= 10_000 {
        let mb = kb.div_ceil(1000);
        (mb * 1_000_000, format!("{mb}MB"))
    } else {
        (kb * 1000, format!("{kb}KB"))
    }
}

/// The text of a lock file.
pub fn render(entries: &[LockEntry]) -> String {
    let mut s = String::from(
        "# packguard lock: every file this package publishes, from the package root.\n\
         # `packguard scan` fails on a file not covered here (lock/unexpected-file) and warns\n\
         # about an entry that covers nothing (lock/missing-file). When what ships changes,\n\
         # review the change, run `packguard lock` (globs you wrote that still match are\n\
         # kept) and commit this file. Entries: a path, a glob (`dist/**/*.js`, `docs/`), or\n\
         # {path: dist/cli.js, max_size: 2MB}.\n\
         files:\n",
    );
    for e in entries {
        let path = quote(&e.pattern);
        match &e.max_size {
            None => s.push_str(&format!("  - {path}\n")),
            Some((_, text)) => s.push_str(&format!(
                "  - {{path: {path}, max_size: {}}}\n",
                quote(text)
            )),
        }
    }
    s
}

/// A YAML scalar for `s`: plain when that reads back as the same string, else single-quoted
/// (backslashes stay as written), and a JSON string (valid YAML, escapes everything) for a
/// name with control characters.
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-+@~".contains(c))
        && !s.starts_with(['-', '@', '~'])
        && !matches!(s, "true" | "false" | "null" | "yes" | "no" | "on" | "off")
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else if s.chars().any(char::is_control) {
        serde_json::to_string(s).expect("a string serialises")
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
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

    #[test]
    fn written_paths_read_back_as_the_same_file() {
        let names = [
            "pages/[id].js",
            "a{b}.js",
            "weird name.js",
            "-dash.js",
            "@x.js",
            "true",
            "1.5",
            ".npmignore",
            "é.js",
            "a\\b",
            "it's.js",
            "line\nbreak",
        ];
        let files: Vec<(String, u64)> = names.iter().map(|n| (n.to_string(), 1)).collect();
        let text = render(&update(&files, None, Writing::default()).entries);
        let l = lock(&text);
        for n in names {
            assert_eq!(l.covering(n).len(), 1, "{n} in\n{text}");
        }
        assert!(l.covering("pages/i.js").is_empty());
    }

    #[test]
    fn update_keeps_matching_globs_and_drops_stale_ones() {
        let old = lock("files:\n  - {path: 'dist/**', max_size: 1MB}\n  - 'old/*'\n  - gone.js\n");
        let files = vec![("dist/a.js".to_string(), 5), ("new.js".to_string(), 5)];
        let up = update(&files, Some(&old), Writing::default());
        let pats: Vec<&str> = up.entries.iter().map(|e| e.pattern.as_str()).collect();
        assert_eq!(pats, ["dist/**", "new.js"]);
        assert_eq!(up.entries[0].max_size, Some((1_000_000, "1MB".to_string())));
        assert_eq!(up.added, ["new.js"]);
        assert_eq!(up.removed, ["old/*", "gone.js"]);
    }

    #[test]
    fn collapse_folds_folders_of_new_files_only() {
        let files: Vec<(String, u64)> = [
            "dist/a.js",
            "dist/sub/b.js",
            "dist/sub/c.js",
            "assets/x.png",
            "assets/y.png",
            "assets/icons/z.png",
            "assets/z.css",
            "lib/one.js",
            "lib/two.js",
            "lib/three.js",
            "index.js",
        ]
        .iter()
        .map(|n| (n.to_string(), 10))
        .collect();
        let old = lock("files:\n  - lib/one.js\n");
        let how = Writing {
            sizes: false,
            collapse: Some(3),
        };
        let up = update(&files, Some(&old), how);
        let pats: Vec<&str> = up.entries.iter().map(|e| e.pattern.as_str()).collect();
        // lib/ holds a locked file, so its new files stay listed by name.
        assert_eq!(
            pats,
            [
                "assets/**/*.png",
                "assets/z.css",
                "dist/**/*.js",
                "index.js",
                "lib/one.js",
                "lib/three.js",
                "lib/two.js"
            ]
        );
        let l = Lock::new(String::new(), String::new(), up.entries).unwrap();
        for (rel, _) in &files {
            assert!(!l.covering(rel).is_empty(), "{rel}");
        }
        assert!(l.covering("dist/new.map").is_empty());
        assert!(l.covering("assets/new.svg").is_empty());
    }

    #[test]
    fn headroom_rounds_up() {
        assert_eq!(headroom(0), (1000, "1KB".into()));
        assert_eq!(headroom(10_000), (11_000, "11KB".into()));
        assert_eq!(headroom(20_000_000), (22_000_000, "22MB".into()));
    }
}
