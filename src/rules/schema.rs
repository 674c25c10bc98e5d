//! The rule language as written: every field a rule file may hold, read with positions so a
//! wrong value can be pointed at, and nothing else accepted. `compile` turns it into a `Rule`.

use marked_yaml::Spanned;
use serde::Deserialize;

use super::ExampleEntry;

/// A rule as written. Every field the language has is here, and nothing else is accepted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Spanned<String>,
    pub message: Spanned<String>,
    pub severity: Spanned<String>,
    pub category: Option<Spanned<String>>,
    pub description: Option<String>,
    pub paths: Option<Vec<Spanned<String>>>,
    pub exclude: Option<Vec<Spanned<String>>>,
    pub pattern: Option<Spanned<String>>,
    pub keywords: Option<Vec<Spanned<String>>>,
    pub max_size: Option<Spanned<String>>,
    pub binary: Option<bool>,
    pub redact: Option<bool>,
    pub check: Option<Spanned<String>>,
    pub threshold: Option<Spanned<String>>,
    /// Least Shannon entropy (bits per byte) of the secret, e.g. `3.5`.
    pub entropy: Option<Spanned<String>>,
    /// A named checksum validator: `github` or `npm`.
    pub checksum: Option<Spanned<String>>,
    /// Regexes: a secret matching one is not a finding.
    pub allow: Option<Vec<Spanned<String>>>,
    /// Regexes: a whole match (context included) matching one is not a finding.
    pub allow_match: Option<Vec<Spanned<String>>>,
    /// Regexes: a match whose neighbourhood (the line before, its own, the line after)
    /// matches one is not a finding.
    pub allow_near: Option<Vec<Spanned<String>>>,
    /// Drop well-known placeholders (default: on for category `secret`).
    pub placeholders: Option<bool>,
    /// Also scan decoded views (default: on for category `secret`).
    pub decode: Option<bool>,
    pub examples: Option<RawExamples>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExamples {
    #[serde(default)]
    pub fail: Vec<Spanned<RawExample>>,
    #[serde(default)]
    pub pass: Vec<Spanned<RawExample>>,
}

/// An example: one file (`path`, `content`, ...) or several (`files`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    pub path: Option<String>,
    pub content: Option<String>,
    /// Repeat `content` this many times (long lines, large files).
    pub repeat: Option<usize>,
    pub symlink: Option<String>,
    pub hardlink: Option<String>,
    pub entry: Option<String>,
    pub name_encoding: Option<String>,
    /// `file` (default), `fifo`, or `zero-block` (a lone 512-byte zero block, no path).
    pub kind: Option<String>,
    /// Scan as if `--expect-repo` named this repository.
    pub expect_repo: Option<String>,
    /// Run the example with the rule's `threshold` set to this (large sizes in small examples).
    pub threshold: Option<String>,
    /// Scan the example as a package folder (written to a temporary folder, files chosen by
    /// the built-in packer) instead of a tarball.
    #[serde(default)]
    pub directory: bool,
    pub files: Option<Vec<RawExample>>,
    /// The previous release's files, for rules that compare releases (`check: diff.*`).
    pub previous: Option<Vec<RawExample>>,
    /// The severity the finding must have (`info` for a token whose checksum fails).
    pub severity: Option<String>,
    /// Other rules (ids) to run beside the one under test, for rules about suppressions.
    #[serde(default)]
    pub with: Vec<String>,
    /// A config file's text to scan with (`packguard.yml`).
    pub config: Option<String>,
    /// Fingerprints of a baseline to scan with (`--baseline`).
    pub baseline: Option<Vec<String>>,
}

/// Examples are small: `repeat` may not build more than this.
const MAX_EXAMPLE_BYTES: usize = 4 << 20;

impl RawExample {
    pub(super) fn entries(&self) -> Result<Vec<ExampleEntry>, String> {
        if let Some(files) = &self.files {
            if self.path.is_some() || self.content.is_some() {
                return Err("an example has either `files` or `path`/`content`, not both".into());
            }
            let mut out = Vec::new();
            for f in files {
                if !f.with.is_empty() || f.config.is_some() || f.baseline.is_some() {
                    return Err(
                        "`with`, `config` and `baseline` belong to the example, not to one of its `files`"
                            .into(),
                    );
                }
                out.extend(f.entries()?);
            }
            return Ok(out);
        }
        if self.kind.as_deref() == Some("zero-block") {
            return Ok(vec![ExampleEntry {
                zero_block: true,
                ..ExampleEntry::default()
            }]);
        }
        let path = self
            .path
            .clone()
            .ok_or("an example needs a `path` (or `files`)")?;
        let mut content = self.content.clone().unwrap_or_default().into_bytes();
        if let Some(n) = self.repeat {
            if content.len().saturating_mul(n) > MAX_EXAMPLE_BYTES {
                return Err(format!(
                    "`repeat` would build more than {MAX_EXAMPLE_BYTES} bytes"
                ));
            }
            content = content.repeat(n);
        }
        let latin1_name = match self.name_encoding.as_deref() {
            None | Some("utf-8") => false,
            Some("latin1") => true,
            Some(other) => {
                return Err(format!(
                    "unknown `name_encoding` `{other}` (latin1 or utf-8)"
                ))
            }
        };
        let fifo = match self.kind.as_deref() {
            None | Some("file") => false,
            Some("fifo") => true,
            Some(other) => {
                return Err(format!(
                    "unknown `kind` `{other}` (file, fifo or zero-block)"
                ))
            }
        };
        Ok(vec![ExampleEntry {
            fifo,
            path,
            content,
            symlink: self.symlink.clone(),
            hardlink: self.hardlink.clone(),
            entry: self.entry.clone(),
            latin1_name,
            zero_block: false,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(yaml: &str) -> RawExample {
        marked_yaml::from_yaml(0, yaml).expect("an example")
    }

    fn error(yaml: &str) -> String {
        example(yaml).entries().expect_err("refused")
    }

    #[test]
    fn files_exclude_path_and_content_and_keep_example_settings_to_the_example() {
        let both = "an example has either `files` or `path`/`content`, not both";
        assert_eq!(error("{files: [{path: a}], path: b}"), both);
        assert_eq!(error("{files: [{path: a}], content: x}"), both);
        let belongs =
            "`with`, `config` and `baseline` belong to the example, not to one of its `files`";
        assert_eq!(error("{files: [{path: a, with: [r/x]}]}"), belongs);
        assert_eq!(error("{files: [{path: a, config: 'x: 1'}]}"), belongs);
        assert_eq!(error("{files: [{path: a, baseline: [f]}]}"), belongs);
        let entries = example("{files: [{path: a, content: x}, {path: b}]}")
            .entries()
            .expect("two files");
        let got: Vec<_> = entries
            .iter()
            .map(|e| (&e.path[..], &e.content[..]))
            .collect();
        assert_eq!(got, [("a", &b"x"[..]), ("b", &b""[..])]);
    }

    #[test]
    fn repeat_builds_up_to_the_example_limit_and_not_past_it() {
        let at = MAX_EXAMPLE_BYTES / 16;
        let entries = example(&format!(
            "{{path: a, content: 0123456789abcdef, repeat: {at}}}"
        ))
        .entries()
        .expect("exactly the limit");
        assert_eq!(entries[0].content.len(), MAX_EXAMPLE_BYTES);
        assert_eq!(
            error(&format!(
                "{{path: a, content: 0123456789abcdef, repeat: {}}}",
                at + 1
            )),
            format!("`repeat` would build more than {MAX_EXAMPLE_BYTES} bytes")
        );
    }
}
