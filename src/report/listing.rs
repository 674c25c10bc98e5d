//! `packguard ls`'s model: what would be published, file by file, with the rules that flag
//! each file. Drawn by `render::listing`.

use serde::Serialize;

use super::{ArtifactInfo, Report};
use crate::finding::Severity;

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
