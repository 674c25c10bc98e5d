//! What npm's install leaves on disk from an archive: the reference the differential test
//! (`tests/npm_differential.rs`) holds against node-tar's own extraction.
//!
//! It reads with the same pieces as the scan (`sniff`, `NodeGunzip`, `NpmTar`), and adds what
//! the file system decides (a later folder replaces a file of its name), which the scan does
//! not need: it judges every copy it reads, so it judges at least what is installed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};

use super::read::{describe_io, no_header, sniff, Compression};
use super::{gunzip, npmtar, ArtifactError};

/// The files npm installs from an archive, by path inside the package, with their content:
/// the last copy of each path, and nothing npm does not write (links, devices, names that
/// strip to nothing or climb, a file a later folder of the same name replaces).
pub fn installed_files(
    name: &str,
    mut input: impl Read,
) -> Result<BTreeMap<String, Vec<u8>>, ArtifactError> {
    let corrupt = |e: io::Error| ArtifactError::Corrupt {
        name: name.to_string(),
        detail: describe_io(&e),
    };
    let mut head = Vec::with_capacity(512);
    (&mut input)
        .take(512)
        .read_to_end(&mut head)
        .map_err(corrupt)?;
    let compression = sniff(name, &head)?;
    let stream = io::Cursor::new(head).chain(input);
    let decoded: Box<dyn Read> = match compression {
        Compression::Gzip => Box::new(gunzip::NodeGunzip::new(io::BufReader::new(stream))),
        Compression::None | Compression::Unknown => Box::new(stream),
    };
    let mut tar = npmtar::NpmTar::new(decoded);
    let mut files = BTreeMap::new();
    let mut dirs = BTreeSet::new();
    while let Some(item) = tar.next_item().map_err(corrupt)? {
        let npmtar::Item::Entry(entry) = item else {
            continue;
        };
        let Some(placed) = entry.placed else {
            continue;
        };
        // The file system has its say: a folder replaces a file of its name, and neither a
        // file nor a folder can be made under a file or over a folder that holds something.
        let parents: Vec<&str> = placed
            .match_indices('/')
            .map(|(i, _)| &placed[..i])
            .collect();
        if parents.iter().any(|p| files.contains_key(*p)) {
            continue;
        }
        let under = format!("{placed}/");
        let occupied = |files: &BTreeMap<String, Vec<u8>>, dirs: &BTreeSet<String>| {
            files
                .range(under.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&under))
                || dirs
                    .range(under.clone()..)
                    .next()
                    .is_some_and(|k| k.starts_with(&under))
        };
        if entry.kind == npmtar::Kind::Directory {
            files.remove(&placed);
            dirs.extend(parents.iter().map(|p| p.to_string()));
            dirs.insert(placed);
            continue;
        }
        let mut data = Vec::new();
        tar.read_body(&mut data, u64::MAX).map_err(corrupt)?;
        if dirs.contains(&placed) {
            if occupied(&files, &dirs) {
                continue;
            }
            dirs.remove(&placed);
        }
        dirs.extend(parents.iter().map(|p| p.to_string()));
        files.insert(placed, data);
    }
    if tar.valid == 0 {
        return Err(no_header(name, &compression));
    }
    io::copy(&mut tar.into_inner(), &mut io::sink()).map_err(corrupt)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::builder::TarBuilder;

    /// The file system's say, as npm's node-tar showed it on this very archive (a folder
    /// replaces a file; nothing lands under a file or over a folder that holds something).
    #[test]
    fn what_npm_installs_is_what_the_file_system_keeps() {
        let tar = TarBuilder::new()
            .file("a", "1")
            .dir("package/a")
            .file("a/b", "2")
            .file("c", "3")
            .file("c/d", "4")
            .file("e/f", "5")
            .file("e", "6")
            .dir("package/g")
            .file("g", "7")
            .file("h", "8")
            .file("h", "9")
            .symlink("package/l", "h")
            .dir("package/m")
            .dir("package/m/n")
            .file("m", "10")
            .tar();
        let files = installed_files("case.tar", &tar[..]).unwrap();
        let got: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        let want: Vec<(&str, &[u8])> = vec![
            ("a/b", b"2"),
            ("c", b"3"),
            ("e/f", b"5"),
            ("g", b"7"),
            ("h", b"9"),
        ];
        assert_eq!(got, want);
        // Gzip is read through the same way.
        let gz = crate::artifact::builder::gzip(&tar);
        assert_eq!(installed_files("case.tgz", &gz[..]).unwrap(), files);
    }

    #[test]
    fn input_without_a_tar_header_installs_nothing_and_says_so() {
        let err = installed_files("junk.tar", &[b'x'; 1024][..]).unwrap_err();
        assert!(err.to_string().contains("junk.tar"), "{err}");
    }
}
