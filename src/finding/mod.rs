//! Findings: what a check reports, where, how bad, and how it is shown without leaking.
//!
//! A `Finding` is plain data produced by the scan stage and consumed by reports. It owns
//! its excerpt (the lines around the match, already redacted) because reports never go back
//! to the package content. Redaction happens here, once, when the finding is built, so no
//! output format can forget it.

pub mod excerpt;

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A few lines of the scanned file around a finding, cut to a window on long lines and with
/// any secret already redacted. Human output renders it; it is not part of the JSON contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// The window text; lines are separated by `\n`.
    pub text: String,
    /// 1-based line number of the first line of `text` in the original file.
    pub first_line: usize,
    /// Byte range of the highlighted span inside `text`.
    pub highlight: (usize, usize),
    /// 1-based column of the highlight in the original line (the window of a long line
    /// starts mid-line, so it cannot be read off `text`).
    pub column: usize,
}

/// One reported problem.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule: String,
    pub category: String,
    pub severity: Severity,
    pub message: String,
    /// Path inside the package as npm places it (`package/dist/cli.js`).
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<usize>,
    /// The matched text, redacted where the rule says it is a secret, and cut short.
    pub snippet: Option<String>,
    pub fingerprint: String,
    /// Where the finding sits in an original source file, when it was found in a source
    /// map's `sourcesContent` or mapped back through a map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<OriginalLocation>,
    /// The file on disk the entry was read from (directory scans), so CI formats can
    /// annotate the file in the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_path: Option<String>,
    /// The workspace package the finding belongs to (`scan --workspaces`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The decoders that revealed the match (`base64`, `js-escape+base64`), when it was not
    /// in the file's bytes as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
    /// Set only when a previous release was compared (`diff`, `scan --previous`): whether
    /// the same finding (same fingerprint) was already in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_existing: Option<bool>,
    #[serde(skip)]
    pub excerpt: Option<Excerpt>,
    /// The SHA-256 of the matched value the fingerprint was made from: a comparison with
    /// the previous release recomputes the fingerprint under a renamed file's old path.
    #[serde(skip)]
    pub value_digest: [u8; 32],
}

/// A position in an original (pre-build) source file, as a source map names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OriginalLocation {
    /// The source map (path inside the package) that names the original.
    pub map: String,
    /// The original source path as the map writes it (`sources[i]`, with `sourceRoot`).
    pub source: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Finding {
    /// Sets the fingerprint (see [`fingerprint`]) and remembers the value's digest.
    pub fn identify(&mut self, rule: &str, path: &str, value: &[u8]) {
        self.value_digest = digest(value);
        self.fingerprint = fingerprint_of(rule, path, &self.value_digest);
    }

    /// The fingerprint this finding would have in `path`, when its fingerprint was made
    /// from `self.file` (else `None`: it names something else, like a map's original).
    pub fn fingerprint_at(&self, raw_file: &str, path: &str) -> Option<String> {
        (fingerprint_of(&self.rule, raw_file, &self.value_digest) == self.fingerprint)
            .then(|| fingerprint_of(&self.rule, path, &self.value_digest))
    }

    /// The order reports use: by file, line, column, then rule.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (
            self.file.as_str(),
            self.line.unwrap_or(0),
            self.column.unwrap_or(0),
            self.rule.as_str(),
        )
    }
}

/// A stable fingerprint: the rule, the path inside the package (without the top folder, which
/// differs between packers), and a hash of the matched value. No line numbers and no time, so
/// moving code around does not churn baselines.
pub fn fingerprint(rule: &str, path: &str, value: &[u8]) -> String {
    fingerprint_of(rule, path, &digest(value))
}

/// The SHA-256 of a matched value, as fingerprints use it.
pub fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

/// [`fingerprint`] from the value's [`digest`].
pub fn fingerprint_of(rule: &str, path: &str, value_digest: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(strip_top(path).as_bytes());
    h.update([0]);
    h.update(value_digest);
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn strip_top(path: &str) -> &str {
    path.split_once('/').map_or(path, |(_, rest)| rest)
}

/// The severity at or above which a run fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "never" => Some(FailOn::Never),
            other => Severity::parse(other).map(FailOn::Severity),
        }
    }

    pub fn fails(self, severity: Severity) -> bool {
        matches!(self, FailOn::Severity(t) if severity >= t)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Severity(s) => s.as_str(),
            FailOn::Never => "never",
        }
    }
}

/// Shows a secret as a short prefix and its length, never whole: `ghp_…[40 chars]`.
/// The prefix is at most 4 characters and at most a quarter of the secret, so a short
/// secret shows nothing at all.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let shown = (n / 4).min(4);
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}…[{n} chars]")
}

/// A finding with every optional field empty, for unit tests to fill in.
#[cfg(test)]
impl Finding {
    pub(crate) fn bare(rule: &str, file: &str, severity: Severity) -> Finding {
        Finding {
            rule: rule.into(),
            category: "custom".into(),
            severity,
            message: "m".into(),
            file: file.into(),
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            snippet: None,
            fingerprint: String::new(),
            original: None,
            disk_path: None,
            package: None,
            decoded: None,
            pre_existing: None,
            excerpt: None,
            value_digest: [0; 32],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_shows_prefix_and_length_only() {
        let s = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
        let r = redact(s);
        assert_eq!(r, "ghp_…[40 chars]");
        assert!(!r.contains("0123"));
    }

    proptest::proptest! {
        /// Redaction shows at most a quarter of a secret, and never more than 4 characters.
        #[test]
        fn redaction_never_reveals_the_secret(secret in "[\\PC]{1,80}") {
            let r = redact(&secret);
            let n = secret.chars().count();
            let shown: String = r.chars().take_while(|c| *c != '…').collect();
            proptest::prop_assert!(shown.chars().count() <= (n / 4).min(4));
            proptest::prop_assert!(secret.starts_with(&shown));
            if n >= 2 {
                proptest::prop_assert!(!r.contains(&secret));
            }
            let length = format!("[{n} chars]");
            proptest::prop_assert!(r.ends_with(&length));
        }
    }

    #[test]
    fn redact_short_secret_shows_nothing() {
        assert_eq!(redact("abc"), "…[3 chars]");
    }

    #[test]
    fn fingerprint_ignores_top_folder_and_depends_on_value() {
        let a = fingerprint("r", "package/a.js", b"x");
        assert_eq!(a, fingerprint("r", "pkg/a.js", b"x"));
        assert_ne!(a, fingerprint("r", "package/a.js", b"y"));
        assert_ne!(a, fingerprint("s", "package/a.js", b"x"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn a_fingerprint_follows_its_finding_to_a_new_path_and_nothing_else() {
        let mut f = Finding::bare("secret/x", "package/a.js", Severity::Error);
        f.identify("secret/x", "package/a.js", b"value");
        assert_eq!(
            f.fingerprint,
            fingerprint("secret/x", "package/a.js", b"value")
        );
        assert_eq!(f.value_digest, digest(b"value"));
        let moved = f.fingerprint_at("package/a.js", "package/b.js");
        assert_eq!(
            moved,
            Some(fingerprint("secret/x", "package/b.js", b"value"))
        );
        assert_ne!(moved.as_deref(), Some(f.fingerprint.as_str()));
        // Made from another path (a map's original, say): it does not follow a rename.
        assert_eq!(f.fingerprint_at("package/c.js", "package/b.js"), None);
    }
}
