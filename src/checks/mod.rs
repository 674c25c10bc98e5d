//! Structural checks: what a regex over one file cannot see (the manifest as a whole, entry
//! points against the file list, archive structure). Each check is named (`manifest.private`)
//! and raises findings under whichever rules claim that name with `check:`, so ids,
//! messages, severities and knobs stay in YAML. Checks never print and never exit.
//!
//! `secrets` is different: it judges what a content rule's regex matched (entropy,
//! checksums, placeholders) and decodes escaped text, as the rule's YAML asks.

pub mod manifest;
pub mod secrets;
pub mod sourcemap;
pub mod workflow;

use crate::artifact::EntryIssue;

/// Whether a rule may claim this check name.
pub fn is_known(name: &str) -> bool {
    all().any(|c| c == name)
}

/// Every check name, for error messages.
pub fn all() -> impl Iterator<Item = &'static str> {
    EntryIssue::CHECKS
        .iter()
        .chain(manifest::CHECKS.iter())
        .chain(workflow::CHECKS.iter())
        .chain(sourcemap::CHECKS.iter())
        .chain(crate::lock::CHECKS.iter())
        .chain(crate::suppressions::CHECKS.iter())
        .chain(crate::diff::CHECKS.iter())
        .copied()
}
