//! `packguard ls` output: a table of what would be published, flags on files that rules
//! flag, and a total. JSON is the `Listing` as serde writes it.

use serde::Serialize;

use super::{ArtifactInfo, Report};
use crate::finding::Severity;
use crate::text::human_bytes;

/// One file that would be published.
#[derive(Clone, Debug, Serialize)]
pub struct ListedFile {
    /// As in the tarball (`package/dist/cli.js`).
    pub path: String,
    pub size: u64,
    /// Where it is on disk (directory listings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_path: Option<String>,
    /// The most severe finding on this file, if any.
    pub severity: Option<Severity>,
    /// Rule ids that flag this file, sorted, unique.
    pub rules: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Listing {
    pub artifact: ArtifactInfo,
    pub files: Vec<ListedFile>,
    pub total_bytes: u64,
    /// Findings not tied to a listed file (archive-level issues such as links).
    pub other_findings: usize,
    /// The full scan behind the flags, for the exit code.
    #[serde(skip)]
    pub report: Option<Report>,
}

pub fn human(listings: &[Listing]) -> String {
    let mut out = String::new();
    for l in listings {
        let a = &l.artifact;
        let what = match (&a.name, &a.version) {
            (Some(n), Some(v)) => format!("{n}@{v} ({})", a.path),
            _ => a.path.clone(),
        };
        let by = a
            .packer
            .as_ref()
            .map(|p| format!(", files chosen by {p}"))
            .unwrap_or_default();
        out.push_str(&format!("{what}{by}\n"));
        if let Some(why) = &a.packer_fallback {
            out.push_str(&format!("  (builtin used as a fallback: {why})\n"));
        }
        let width = l
            .files
            .iter()
            .map(|f| human_bytes(f.size).len())
            .max()
            .unwrap_or(0);
        for f in &l.files {
            let flag = match f.severity {
                Some(s) => format!("  <- {}: {}", s.as_str(), f.rules.join(", ")),
                None => String::new(),
            };
            let shown = crate::text::sanitize(&f.path);
            out.push_str(&format!(
                "  {:>width$}  {}{}\n",
                human_bytes(f.size),
                shown,
                flag
            ));
        }
        let flagged = l.files.iter().filter(|f| f.severity.is_some()).count();
        out.push_str(&format!(
            "{} files, {} total; {} flagged",
            l.files.len(),
            human_bytes(l.total_bytes),
            flagged
        ));
        if l.other_findings > 0 {
            out.push_str(&format!(
                "; {} more findings not on a listed file (run `packguard scan`)",
                l.other_findings
            ));
        }
        out.push('\n');
    }
    out
}

pub fn json(listings: &[Listing]) -> String {
    let text = match listings {
        [one] => serde_json::to_string_pretty(one),
        many => serde_json::to_string_pretty(many),
    };
    let mut text = text.expect("a listing serialises: strings, numbers and maps");
    text.push('\n');
    text
}
