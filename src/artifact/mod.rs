//! The artifact: what would be published, as a stream of entries.
//!
//! This module owns reading a package (`.tgz`, plain `.tar`, stdin) entirely in memory, the
//! limits that keep memory bounded, and the archive-level observations (links, traversal,
//! duplicates, odd names) that the scan stage turns into findings. It never writes to disk,
//! never follows a link, and never holds more than one entry's bytes at a time: entries are
//! handed to a `Visitor` as they are read, so memory does not grow with the number of files.
//!
//! It knows nothing about rules or findings.

pub mod builder;
pub mod directory;
pub mod gunzip;
pub mod installed;
pub mod npmtar;
pub mod pack;
mod read;
pub mod zip;

pub use read::{read_archive, read_archive_parallel};

use std::io;

use miette::Diagnostic;
use thiserror::Error;

/// Safe defaults; each has a flag to raise it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one file; a larger one is reported and not scanned.
    pub max_file_size: u64,
    /// Decompressed bytes of the whole archive; past this the archive is refused (gzip bombs).
    pub max_total_size: u64,
    /// Number of entries; past this the archive is refused.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 256 << 20,
            max_total_size: 2 << 30,
            max_entries: 200_000,
        }
    }
}

/// One regular file of the package.
#[derive(Debug)]
pub struct Entry<'a> {
    /// Normalised path as npm places it, top folder included (`package/dist/cli.js`).
    pub path: &'a str,
    /// Path relative to the package root (`dist/cli.js`); rules' globs match this.
    pub rel: &'a str,
    pub data: &'a [u8],
    /// Where the file is on disk, for a directory scan; `None` inside a tarball.
    pub disk_path: Option<&'a std::path::Path>,
}

/// Something about an entry that is suspicious in itself, whatever its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryIssue {
    /// A `..` component: extracting it writes outside the target folder.
    PathTraversal,
    /// A name starting at the filesystem root or a drive.
    AbsolutePath,
    Symlink {
        target: String,
    },
    Hardlink {
        target: String,
    },
    /// A device, FIFO or unknown entry type.
    Special {
        kind: String,
    },
    /// Not under the package's top folder (npm strips the first component of every name).
    OutsideRoot {
        root: String,
    },
    /// The same path twice: an extractor keeps the last one, a naive scanner sees the first.
    Duplicate,
    NonUtf8Name,
    /// Control characters (escape sequences, newlines) in a name: they can rewrite a
    /// terminal or forge lines in logs.
    ControlCharacters,
    /// An archive inside the package that could not be opened: its content was not scanned.
    NestedUnreadable {
        detail: String,
    },
    Oversized {
        size: u64,
        limit: u64,
    },
    /// npm's extractor (node-tar) reads this part of the archive differently from a strict
    /// tar reader: the two could disagree on what the package holds.
    ReaderDisagreement {
        detail: String,
    },
    /// A second `package.json`: npm installs the last one.
    DuplicateManifest,
    /// A second copy of a file with different content: npm installs the last one.
    DuplicateDiffers,
}

impl EntryIssue {
    /// The `check` name a rule uses to claim this issue (`check: archive.symlink`).
    pub fn check_name(&self) -> &'static str {
        match self {
            EntryIssue::PathTraversal => "archive.path-traversal",
            EntryIssue::AbsolutePath => "archive.absolute-path",
            EntryIssue::Symlink { .. } => "archive.symlink",
            EntryIssue::Hardlink { .. } => "archive.hardlink",
            EntryIssue::Special { .. } => "archive.special-entry",
            EntryIssue::OutsideRoot { .. } => "archive.outside-root",
            EntryIssue::Duplicate => "archive.duplicate-entry",
            EntryIssue::NonUtf8Name => "archive.non-utf8-name",
            EntryIssue::ControlCharacters => "archive.control-characters",
            EntryIssue::NestedUnreadable { .. } => "archive.nested-unreadable",
            EntryIssue::Oversized { .. } => "archive.oversized-entry",
            EntryIssue::ReaderDisagreement { .. } => "archive.reader-disagreement",
            EntryIssue::DuplicateManifest => "archive.duplicate-manifest",
            EntryIssue::DuplicateDiffers => "archive.duplicate-differs",
        }
    }

    /// Every check name, for validating rules that claim one.
    pub const CHECKS: &'static [&'static str] = &[
        "archive.path-traversal",
        "archive.absolute-path",
        "archive.symlink",
        "archive.hardlink",
        "archive.special-entry",
        "archive.outside-root",
        "archive.duplicate-entry",
        "archive.non-utf8-name",
        "archive.control-characters",
        "archive.nested-unreadable",
        "archive.oversized-entry",
        "archive.reader-disagreement",
        "archive.duplicate-manifest",
        "archive.duplicate-differs",
    ];

    /// What to add to the rule's message.
    pub fn detail(&self) -> Option<String> {
        match self {
            EntryIssue::Symlink { target } | EntryIssue::Hardlink { target } => {
                Some(format!("points to `{target}`"))
            }
            EntryIssue::Special { kind } => Some(kind.clone()),
            EntryIssue::NestedUnreadable { detail } | EntryIssue::ReaderDisagreement { detail } => {
                Some(detail.clone())
            }
            EntryIssue::OutsideRoot { root } => Some(format!("package root is `{root}/`")),
            EntryIssue::Oversized { size, limit } => Some(format!(
                "{} bytes, over the {} byte limit; raise it with --max-file-size",
                size, limit
            )),
            _ => None,
        }
    }
}

/// Receives the archive as it is read.
pub trait Visitor {
    fn file(&mut self, entry: Entry<'_>);
    fn issue(&mut self, path: &str, issue: EntryIssue);
}

/// Hands every entry and issue to two visitors, `0` first: one read of the input serves a
/// scan and an observer (`diff` records file hashes while the scan runs).
pub struct Tee<'a>(pub &'a mut dyn Visitor, pub &'a mut dyn Visitor);

impl Visitor for Tee<'_> {
    fn file(&mut self, entry: Entry<'_>) {
        let again = Entry {
            path: entry.path,
            rel: entry.rel,
            data: entry.data,
            disk_path: entry.disk_path,
        };
        self.0.file(entry);
        self.1.file(again);
    }
    fn issue(&mut self, path: &str, issue: EntryIssue) {
        self.0.issue(path, issue.clone());
        self.1.issue(path, issue);
    }
}

/// A visitor that keeps nothing: the observer of a plain scan.
pub struct Ignore;

impl Visitor for Ignore {
    fn file(&mut self, _entry: Entry<'_>) {}
    fn issue(&mut self, _path: &str, _issue: EntryIssue) {}
}

/// What reading the archive measured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub entries: u64,
    pub files: u64,
    /// Sum of regular files' sizes.
    pub unpacked_bytes: u64,
    /// The package's top folder (`package` for anything `npm pack` wrote).
    pub root: Option<String>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum ArtifactError {
    #[error("cannot read {name}: {source}")]
    #[diagnostic(code(packguard::input::unreadable))]
    Unreadable {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("{name} is not an npm tarball: {detail}")]
    #[diagnostic(
        code(packguard::input::not_an_archive),
        help(
            "packguard reads the .tgz that `npm pack` writes, a plain .tar, or a package directory"
        )
    )]
    NotAnArchive { name: String, detail: String },
    #[error("{name} is corrupt: {detail}")]
    #[diagnostic(code(packguard::input::corrupt))]
    Corrupt { name: String, detail: String },
    #[error("{name} expands past the {limit} byte limit on unpacked size; stopped reading (a gzip bomb, or a very large package)")]
    #[diagnostic(
        code(packguard::input::too_large),
        help("if this package is legitimate, raise the limit with --max-total-size")
    )]
    TooLarge { name: String, limit: u64 },
    #[error("{name}: {detail}; stopped reading")]
    #[diagnostic(
        code(packguard::input::out_of_memory),
        help("lower --max-file-size so that an entry this large is reported and skipped instead of read")
    )]
    OutOfMemory { name: String, detail: String },
    #[error("{name} has more than {limit} entries; stopped reading")]
    #[diagnostic(
        code(packguard::input::too_many_entries),
        help("if this package is legitimate, raise the limit with --max-entries")
    )]
    TooManyEntries { name: String, limit: u64 },
}

/// An entry name taken apart: its normalised form and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryName {
    /// Normalised: `./`, empty components and backslashes folded, `..` kept so it shows.
    pub path: String,
    /// The components without `.` and empty ones; `..` kept.
    pub components: Vec<String>,
    pub issues: Vec<EntryIssue>,
}

impl EntryName {
    pub fn parse(raw: &[u8]) -> EntryName {
        let mut issues = Vec::new();
        let text = match std::str::from_utf8(raw) {
            Ok(s) => s.to_string(),
            Err(_) => {
                issues.push(EntryIssue::NonUtf8Name);
                String::from_utf8_lossy(raw).into_owned()
            }
        };
        let bytes = text.as_bytes();
        let absolute = text.starts_with('/')
            || text.starts_with('\\')
            || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':');
        if absolute {
            issues.push(EntryIssue::AbsolutePath);
        }
        if text.chars().any(char::is_control) {
            issues.push(EntryIssue::ControlCharacters);
        }
        // Windows extractors split on backslashes too, so `..` between them climbs as well.
        let components: Vec<String> = text
            .split(['/', '\\'])
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_string)
            .collect();
        if components.iter().any(|c| c == "..") {
            issues.push(EntryIssue::PathTraversal);
        }
        let path = if absolute {
            format!("/{}", components.join("/"))
        } else {
            components.join("/")
        };
        EntryName {
            path,
            components,
            issues,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_issue_says_what_its_message_needs() {
        let detail = |i: EntryIssue| i.detail();
        assert_eq!(
            detail(EntryIssue::Symlink {
                target: "../x".into()
            })
            .as_deref(),
            Some("points to `../x`")
        );
        assert_eq!(
            detail(EntryIssue::Hardlink { target: "y".into() }).as_deref(),
            Some("points to `y`")
        );
        assert_eq!(
            detail(EntryIssue::Special {
                kind: "FIFO".into()
            })
            .as_deref(),
            Some("FIFO")
        );
        for issue in [
            EntryIssue::NestedUnreadable {
                detail: "bad gzip".into(),
            },
            EntryIssue::ReaderDisagreement {
                detail: "bad gzip".into(),
            },
        ] {
            assert_eq!(detail(issue).as_deref(), Some("bad gzip"));
        }
        assert_eq!(
            detail(EntryIssue::OutsideRoot {
                root: "package".into()
            })
            .as_deref(),
            Some("package root is `package/`")
        );
        assert_eq!(
            detail(EntryIssue::Oversized { size: 9, limit: 8 }).as_deref(),
            Some("9 bytes, over the 8 byte limit; raise it with --max-file-size")
        );
        assert_eq!(detail(EntryIssue::Duplicate), None);
    }

    #[test]
    fn names_are_normalised_and_classified() {
        let n = EntryName::parse(b"./package//dist/./cli.js");
        assert_eq!(n.path, "package/dist/cli.js");
        assert!(n.issues.is_empty());

        let n = EntryName::parse(b"package/../../etc/passwd");
        assert_eq!(n.issues, vec![EntryIssue::PathTraversal]);

        let n = EntryName::parse(b"package\\..\\evil.js");
        assert_eq!(n.issues, vec![EntryIssue::PathTraversal]);

        let n = EntryName::parse(b"/etc/passwd");
        assert_eq!(n.issues, vec![EntryIssue::AbsolutePath]);
        assert_eq!(n.path, "/etc/passwd");

        let n = EntryName::parse(b"C:\\x.js");
        assert!(n.issues.contains(&EntryIssue::AbsolutePath));

        let n = EntryName::parse(b"package/caf\xe9.js");
        assert_eq!(n.issues, vec![EntryIssue::NonUtf8Name]);
    }

    proptest::proptest! {
        /// A name the reader does not flag as traversal or absolute never escapes the
        /// package: no `..` component, not rooted, no drive.
        #[test]
        fn unflagged_names_never_escape(raw in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(b'/'), proptest::strategy::Just(b'\\'),
                proptest::strategy::Just(b'.'), proptest::strategy::Just(b':'),
                proptest::strategy::Just(b'a'), proptest::strategy::Just(b'C'),
                proptest::prelude::any::<u8>(),
            ], 0..40)) {
            let n = EntryName::parse(&raw);
            let flagged = n.issues.contains(&EntryIssue::PathTraversal)
                || n.issues.contains(&EntryIssue::AbsolutePath);
            if !flagged {
                proptest::prop_assert!(!n.components.iter().any(|c| c == ".."));
                proptest::prop_assert!(!n.path.starts_with('/'));
                let lossy = String::from_utf8_lossy(&raw);
                proptest::prop_assert!(!lossy.starts_with('/') && !lossy.starts_with('\\'));
                proptest::prop_assert!(!(raw.len() >= 2 && raw[0].is_ascii_alphabetic() && raw[1] == b':'));
            }
            proptest::prop_assert!(!n.path.contains("//"));
        }
    }
}
