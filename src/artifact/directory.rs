//! Reading a package directory: the files a packer selected, from disk, one at a time.
//!
//! Each file is handed to the same `Visitor` as a tarball entry, named as it would sit in
//! the tarball (`package/<rel>`) and carrying its real path on disk, so every rule works
//! unchanged and reports can point at the source file. The limits apply as for a tarball.
//!
//! A listed path is never trusted blindly: one that climbs out (`..`, absolute) is
//! reported, not read, and a symlink is only followed to a regular file inside the
//! package folder (packers that follow links pack the target's content; one pointing
//! outside the package is reported as a symlink and not read). It never writes anything.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{ArtifactError, Entry, EntryIssue, EntryName, Limits, Stats, Visitor};

/// Reads `files` (relative to `root`) and hands each to `visitor`.
pub fn read_directory(
    root: &Path,
    files: &[String],
    limits: &Limits,
    visitor: &mut dyn Visitor,
) -> Result<Stats, ArtifactError> {
    let name = root.display().to_string();
    let canon_root = fs::canonicalize(root).map_err(|source| ArtifactError::Unreadable {
        name: name.clone(),
        source,
    })?;
    let mut stats = Stats {
        root: Some("package".to_string()),
        ..Stats::default()
    };
    let mut buf = Vec::new();
    for rel in files {
        stats.entries += 1;
        if stats.entries > limits.max_entries {
            return Err(ArtifactError::TooManyEntries {
                name,
                limit: limits.max_entries,
            });
        }
        let parsed = EntryName::parse(format!("package/{rel}").as_bytes());
        let path = parsed.path.clone();
        if !parsed.issues.is_empty() {
            for issue in parsed.issues {
                visitor.issue(&path, issue);
            }
            continue;
        }
        let rel_clean = parsed.components[1..].join("/");
        let disk: PathBuf = root.join(&rel_clean);
        let meta = fs::symlink_metadata(&disk).map_err(|source| ArtifactError::Unreadable {
            name: disk.display().to_string(),
            source,
        })?;
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&disk)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            match fs::canonicalize(&disk) {
                Ok(real) if real.starts_with(&canon_root) && real.is_file() => {}
                _ => {
                    visitor.issue(&path, EntryIssue::Symlink { target });
                    continue;
                }
            }
        } else if !meta.is_file() {
            visitor.issue(
                &path,
                EntryIssue::Special {
                    kind: "not a regular file on disk".to_string(),
                },
            );
            continue;
        }
        let size = fs::metadata(&disk).map(|m| m.len()).unwrap_or(0);
        if size > limits.max_file_size {
            visitor.issue(
                &path,
                EntryIssue::Oversized {
                    size,
                    limit: limits.max_file_size,
                },
            );
            continue;
        }
        if stats.unpacked_bytes + size > limits.max_total_size {
            return Err(ArtifactError::TooLarge {
                name,
                limit: limits.max_total_size,
            });
        }
        buf.clear();
        let read = fs::File::open(&disk).and_then(|f| {
            // A file that grows while being read is cut at the limit, not followed.
            f.take(limits.max_file_size).read_to_end(&mut buf)
        });
        read.map_err(|source| ArtifactError::Unreadable {
            name: disk.display().to_string(),
            source,
        })?;
        stats.files += 1;
        stats.unpacked_bytes += buf.len() as u64;
        visitor.file(Entry {
            path: &path,
            rel: &rel_clean,
            data: &buf,
            disk_path: Some(&disk),
        });
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Names(Vec<String>);

    impl Visitor for Names {
        fn file(&mut self, entry: Entry<'_>) {
            self.0.push(format!("{} {}", entry.path, entry.data.len()));
        }
        fn issue(&mut self, path: &str, issue: EntryIssue) {
            self.0.push(format!("{path}: {issue:?}"));
        }
    }

    #[test]
    fn the_entry_limit_allows_exactly_its_value() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<String> = ["a.js", "b.js", "c.js"].map(String::from).to_vec();
        for f in &files {
            fs::write(dir.path().join(f), "x").unwrap();
        }
        let limits = |max_entries| Limits {
            max_entries,
            ..Limits::default()
        };
        let mut seen = Names::default();
        let stats = read_directory(dir.path(), &files, &limits(3), &mut seen).unwrap();
        assert_eq!(
            (stats.entries, stats.files, stats.unpacked_bytes),
            (3, 3, 3)
        );
        assert_eq!(
            seen.0,
            ["package/a.js 1", "package/b.js 1", "package/c.js 1"]
        );
        let err = read_directory(dir.path(), &files, &limits(2), &mut Names::default());
        assert!(matches!(
            err,
            Err(ArtifactError::TooManyEntries { limit: 2, .. })
        ));
    }

    #[test]
    fn size_limits_allow_exactly_their_value() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.js"), "1234").unwrap();
        fs::write(dir.path().join("b.js"), "12345").unwrap();
        let files: Vec<String> = ["a.js", "b.js"].map(String::from).to_vec();
        let limits = |max_file_size, max_total_size| Limits {
            max_file_size,
            max_total_size,
            ..Limits::default()
        };
        // Each file at most 5 bytes, 9 in all: both read whole.
        let mut seen = Names::default();
        let stats = read_directory(dir.path(), &files, &limits(5, 9), &mut seen).unwrap();
        assert_eq!((stats.files, stats.unpacked_bytes), (2, 9));
        assert_eq!(seen.0, ["package/a.js 4", "package/b.js 5"]);
        // A 4-byte limit passes a.js and reports b.js, unread.
        let mut seen = Names::default();
        let stats = read_directory(dir.path(), &files, &limits(4, 9), &mut seen).unwrap();
        assert_eq!((stats.files, stats.unpacked_bytes), (1, 4));
        assert_eq!(
            seen.0,
            [
                "package/a.js 4",
                "package/b.js: Oversized { size: 5, limit: 4 }"
            ]
        );
        // One byte short of the total stops the scan.
        let err = read_directory(dir.path(), &files, &limits(5, 8), &mut Names::default());
        assert!(matches!(err, Err(ArtifactError::TooLarge { limit: 8, .. })));
    }
}
