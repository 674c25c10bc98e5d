//! Baselines: findings a team has accepted, so they stop failing CI while new ones still do.
//!
//! A baseline is a JSON file of finding fingerprints (rule, path inside the package, and a
//! hash of the matched value; no line numbers and no time), written by
//! `--write-baseline FILE` and read by `--baseline FILE`. Moving code around does not churn
//! it; changing a secret or adding one does. The rule and file are stored next to each
//! fingerprint only so a reviewer can read the file; matching uses the fingerprint alone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::finding::Finding;

/// The file format's version; a reader refuses other versions rather than guessing.
pub const VERSION: u32 = 1;

#[derive(Debug, Error, Diagnostic)]
pub enum BaselineError {
    #[error("cannot read the baseline {path}: {source}")]
    #[diagnostic(
        code(packguard::baseline::unreadable),
        help("write one with `packguard scan --write-baseline FILE`")
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the baseline {path} is not a packguard baseline: {detail}")]
    #[diagnostic(
        code(packguard::baseline::invalid),
        help("regenerate it with `packguard scan --write-baseline FILE`")
    )]
    Invalid { path: PathBuf, detail: String },
    #[error("cannot write the baseline {path}: {source}")]
    #[diagnostic(code(packguard::baseline::unwritable))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One accepted finding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: BTreeSet<Entry>,
}

impl Baseline {
    /// A baseline accepting every one of `findings`.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        Baseline {
            version: VERSION,
            findings: findings
                .into_iter()
                .map(|f| Entry {
                    fingerprint: f.fingerprint.clone(),
                    rule: f.rule.clone(),
                    file: f.file.clone(),
                })
                .collect(),
        }
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |detail: String| BaselineError::Invalid {
            path: path.to_path_buf(),
            detail,
        };
        let b: Baseline = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if b.version != VERSION {
            return Err(invalid(format!(
                "version {} (this packguard reads version {VERSION})",
                b.version
            )));
        }
        Ok(b)
    }

    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let mut text = serde_json::to_string_pretty(self).expect("a baseline serialises");
        text.push('\n');
        crate::safe_write::replace(path, text.as_bytes()).map_err(|source| BaselineError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Whether the finding was accepted.
    pub fn contains(&self, finding: &Finding) -> bool {
        self.findings
            .iter()
            .any(|e| e.fingerprint == finding.fingerprint)
    }
}
