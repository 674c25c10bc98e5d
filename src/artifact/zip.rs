//! Zip and jar archives, read from memory like tarballs: every entry accounted for, names
//! checked, sizes bounded, nothing written to disk. Used for archives found inside a package.

use std::io::{Cursor, Read};

use super::{ArtifactError, Entry, EntryIssue, EntryName, Limits, Stats, Visitor};

/// Reads the zip archive `data`, handing each file to `visitor`. `name` is used in errors.
pub fn read_zip(
    name: &str,
    data: &[u8],
    limits: &Limits,
    visitor: &mut dyn Visitor,
) -> Result<Stats, ArtifactError> {
    let corrupt = |e: zip::result::ZipError| ArtifactError::Corrupt {
        name: name.to_string(),
        detail: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(data)).map_err(corrupt)?;
    if archive.len() as u64 > limits.max_entries {
        return Err(ArtifactError::TooManyEntries {
            name: name.to_string(),
            limit: limits.max_entries,
        });
    }
    let mut stats = Stats::default();
    let mut buf = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(corrupt)?;
        stats.entries += 1;
        if file.is_dir() {
            continue;
        }
        let named = EntryName::parse(file.name_raw());
        let path = named.path.clone();
        let mut issues = named.issues.clone();
        if !seen.insert(path.clone()) {
            issues.push(EntryIssue::Duplicate);
        }
        if file.is_symlink() {
            issues.push(EntryIssue::Symlink {
                target: String::new(),
            });
        }
        // The declared size can lie; the read below is bounded by the limit whatever it says.
        let declared = file.size();
        if declared > limits.max_file_size {
            issues.push(EntryIssue::Oversized {
                size: declared,
                limit: limits.max_file_size,
            });
        }
        for issue in &issues {
            visitor.issue(&path, issue.clone());
        }
        if file.is_symlink() || declared > limits.max_file_size {
            continue;
        }
        buf.clear();
        (&mut file)
            .take(limits.max_file_size + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ArtifactError::Corrupt {
                name: name.to_string(),
                detail: format!("`{path}`: {e}"),
            })?;
        if buf.len() as u64 > limits.max_file_size {
            visitor.issue(
                &path,
                EntryIssue::Oversized {
                    size: buf.len() as u64,
                    limit: limits.max_file_size,
                },
            );
            continue;
        }
        stats.files += 1;
        stats.unpacked_bytes += buf.len() as u64;
        if stats.unpacked_bytes > limits.max_total_size {
            return Err(ArtifactError::TooLarge {
                name: name.to_string(),
                limit: limits.max_total_size,
            });
        }
        visitor.file(Entry {
            path: &path,
            rel: &path,
            data: &buf,
            disk_path: None,
        });
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[derive(Default)]
    struct Collect {
        files: Vec<(String, Vec<u8>)>,
        issues: Vec<(String, EntryIssue)>,
    }

    impl Visitor for Collect {
        fn file(&mut self, entry: Entry<'_>) {
            self.files
                .push((entry.rel.to_string(), entry.data.to_vec()));
        }
        fn issue(&mut self, path: &str, issue: EntryIssue) {
            self.issues.push((path.to_string(), issue));
        }
    }

    #[test]
    fn limits_allow_exactly_their_value() {
        let data = zip_of(&[("a.txt", b"12345678"), ("b/c.txt", b"123456789")]);
        let limits = Limits {
            max_file_size: 8,
            max_entries: 2,
            ..Limits::default()
        };
        let mut seen = Collect::default();
        let stats = read_zip("x.zip", &data, &limits, &mut seen).unwrap();
        assert_eq!(
            (stats.entries, stats.files, stats.unpacked_bytes),
            (2, 1, 8)
        );
        assert_eq!(seen.files, [("a.txt".to_string(), b"12345678".to_vec())]);
        assert_eq!(
            seen.issues,
            [(
                "b/c.txt".to_string(),
                EntryIssue::Oversized { size: 9, limit: 8 }
            )]
        );
        let fewer = Limits {
            max_entries: 1,
            ..limits
        };
        let err = read_zip("x.zip", &data, &fewer, &mut Collect::default());
        assert!(matches!(
            err,
            Err(ArtifactError::TooManyEntries { limit: 1, .. })
        ));
        // The unpacked total: exactly the limit passes, one byte less does not.
        let total = |max_total_size| Limits {
            max_total_size,
            ..limits
        };
        assert!(read_zip("x.zip", &data, &total(8), &mut Collect::default()).is_ok());
        let err = read_zip("x.zip", &data, &total(7), &mut Collect::default());
        assert!(matches!(err, Err(ArtifactError::TooLarge { limit: 7, .. })));
    }

    #[test]
    fn a_size_the_archive_understates_makes_it_corrupt() {
        // A 2,000-byte file whose headers (local and central) claim 10 bytes: the zip crate
        // stops reading at the declared size, so the read never gets near the limit (the
        // `take` bound is a second guard) and the archive is refused, naming the file.
        let mut data = zip_of(&[("big.txt", &[b'x'; 2000])]);
        for (sig, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let start = data.windows(4).position(|w| w == sig).unwrap();
            data[start + at..start + at + 4].copy_from_slice(&10u32.to_le_bytes());
        }
        let limits = Limits {
            max_file_size: 100,
            ..Limits::default()
        };
        let mut seen = Collect::default();
        let err = read_zip("x.zip", &data, &limits, &mut seen).unwrap_err();
        assert!(
            matches!(&err, ArtifactError::Corrupt { name, detail }
                if name == "x.zip" && detail.starts_with("`big.txt`: ")),
            "{err:?}"
        );
        assert!(seen.files.is_empty() && seen.issues.is_empty());
    }
}
