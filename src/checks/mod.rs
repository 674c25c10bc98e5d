//! Structural checks: what a regex over one file cannot see (the manifest as a whole, entry
//! points against the file list, archive structure). Each check is named (`manifest.private`)
//! and raises findings under whichever rules claim that name with `check:`, so ids,
//! messages, severities and knobs stay in YAML. Checks never print and never exit.
//!
//! `secrets` is different: it judges what a content rule's regex matched (entropy,
//! checksums, placeholders) and decodes escaped text, as the rule's YAML asks.

pub mod context;
pub mod diff;
pub mod install_files;
pub mod lock;
pub mod manifest;
pub mod secrets;
pub mod sourcemap;
pub mod suppressions;
pub mod workflow;

use std::collections::HashSet;

use crate::artifact::EntryIssue;
use crate::finding::Finding;

/// What the source-map check asks of the scanner: content-rule scans of bytes that are not a
/// file of the package (an original inside a map's `sourcesContent`, a decoded inline map).
/// The engine implements it; a check never sees the engine itself.
pub trait Originals {
    /// The content rules that look at `rel`, for `scan_virtual_with`: a map's thousands of
    /// originals share its path, so the globs are matched once.
    fn content_rules_for(&self, rel: &str) -> Vec<usize>;

    /// Content-rule findings for `data`, shown under `path`, with the rules chosen by
    /// `content_rules_for`. Presence rules (`paths` without `pattern`) do not apply: the
    /// bytes are not a file the package ships.
    fn scan_virtual_with(
        &self,
        rules: &[usize],
        path: &str,
        rel: &str,
        data: &[u8],
        out: &mut Vec<Finding>,
    );

    /// `scan_virtual_with` with the rules that look at `rel`.
    fn scan_virtual(&self, path: &str, rel: &str, data: &[u8], out: &mut Vec<Finding>) {
        let rules = self.content_rules_for(rel);
        self.scan_virtual_with(&rules, path, rel, data, out);
    }
}

/// What the source-map check is handed: the check context, and the scanner for originals.
#[derive(Clone, Copy)]
pub struct MapContext<'a> {
    pub checks: &'a context::Context<'a>,
    pub originals: &'a dyn Originals,
}

/// What a package-level check is handed, once every file of the package was read.
pub struct Package<'a> {
    /// The top folder (`package`).
    pub root: &'a str,
    pub manifest: Option<&'a [u8]>,
    /// Every regular file's path relative to the root.
    pub files: &'a HashSet<String>,
    /// Every regular file with its size, in read order; filled only when there is a lock to
    /// compare with (the one check that needs sizes).
    pub sized: &'a [lock::PackageFile<'a>],
    pub unpacked_bytes: u64,
    /// The repository the package must come from (`owner/name` on GitHub), when known.
    pub expect_repo: Option<&'a str>,
    /// The package folder, for a directory scan: what npm reads besides the files that ship
    /// (`.npmignore` never ships, so only a folder can tell whether there is one).
    pub dir: Option<&'a std::path::Path>,
    /// The expected-contents lock the package is compared with, if any.
    pub lock: Option<&'a crate::lock::Lock>,
    /// The content of the shipped files the install scripts may run.
    pub install_files: &'a install_files::Keeper,
}

/// A structural check: the names it raises findings under (rules claim them with `check:`),
/// and, for a check that judges a package as a whole, `package`, which the engine calls for
/// every package after its files were read, in the order of [`ALL`].
///
/// Checks that judge something other than a finished package are called where that thing
/// is: archive entries as they are read, source maps file by file (they scan originals
/// through `Originals` and keep per-scan state), workflows, the comparison of two releases,
/// and a run's unused suppressions. They are in [`ALL`] for their names.
pub trait Check: Sync {
    /// Every name this check raises findings under.
    fn names(&self) -> &'static [&'static str];

    /// Findings on a whole package.
    fn package(&self, _cx: &context::Context<'_>, _pkg: &Package<'_>, _out: &mut Vec<Finding>) {}
}

/// Hostile or odd archive entries (links, traversal, duplicates), raised as the archive is
/// read (`artifact::EntryIssue`).
pub struct Archive;

impl Check for Archive {
    fn names(&self) -> &'static [&'static str] {
        EntryIssue::CHECKS
    }
}

/// Every check. A new check is its file, a line here, and its rules' YAML.
pub const ALL: &[&dyn Check] = &[
    &Archive,
    &manifest::Manifest,
    &install_files::InstallFiles,
    &workflow::Workflow,
    &sourcemap::SourceMaps,
    &lock::LockCheck,
    &suppressions::Suppressions,
    &diff::Diff,
];

/// Every check name, in the order of [`ALL`]: the names a rule's `check:` may claim, handed
/// to the rule loader (`RuleSet::new`, `rules::builtin::load_all`).
pub fn names() -> Vec<&'static str> {
    ALL.iter().flat_map(|c| c.names().iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    /// A rule claims a check by name, so two checks may not share one.
    #[test]
    fn check_names_are_unique() {
        let names = super::names();
        let unique: std::collections::HashSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len());
    }
}
