//! Writing the lock: the new entries from a package's files and the old lock (globs and sizes
//! a person wrote are kept), new folders folded into globs on request, and the file's text.

use std::collections::HashMap;

use super::{escape, trim_root, Lock, LockEntry, FILE_NAME};

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
    use crate::source::Source;

    fn lock(text: &str) -> Lock {
        Lock::parse(&Source::new("packguard.lock.yml", text)).unwrap_or_else(|e| panic!("{e:?}"))
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
