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

/// Every check name the checks raise findings under.
pub fn all() -> impl Iterator<Item = &'static str> {
    EntryIssue::CHECKS
        .iter()
        .chain(manifest::CHECKS.iter())
        .chain(install_files::CHECKS.iter())
        .chain(workflow::CHECKS.iter())
        .chain(sourcemap::CHECKS.iter())
        .chain(lock::CHECKS.iter())
        .chain(suppressions::CHECKS.iter())
        .chain(diff::CHECKS.iter())
        .copied()
}

#[cfg(test)]
mod tests {
    /// The loader validates `check:` against `rules::check_names`; it must name exactly the
    /// checks that exist.
    #[test]
    fn the_loader_knows_every_check_and_no_other() {
        let ours: Vec<&str> = super::all().collect();
        assert_eq!(ours, crate::rules::check_names::NAMES);
    }
}
