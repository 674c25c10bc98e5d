//! Structural checks: Rust code that understands a file format (source maps today) and raises
//! findings under rule ids declared in `rules/*.yaml` with `check: <name>`.
//!
//! A check never prints, exits or reads the command line. Its knobs live in YAML; its findings
//! carry the id, message and severity of the rule that claims its check name, so a config can
//! turn them off or change their severity like any other rule.

pub mod sourcemap;

/// Every check name a structural check in this module can raise, for validating rules that
/// claim one (archive checks are listed by `artifact::EntryIssue::CHECKS`).
pub fn is_known(name: &str) -> bool {
    sourcemap::CHECKS.contains(&name)
}

/// The check names, for the "known checks" hint of a rule-file error.
pub fn names() -> impl Iterator<Item = &'static str> {
    sourcemap::CHECKS.iter().copied()
}
