//! A YAML text read with a position on every node, and the diagnostic that points into it.
//! Rule files, the config, the lock and the source-map settings are all read through this, so
//! every error about a user's file names its line and column and shows the offending text.
//! It knows YAML and spans, nothing about what the files mean.

use std::path::Path;

use marked_yaml::{LoaderOptions, Marker, Span, Spanned};
use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// The largest rule or config file read: ample for hand-written YAML (all built-in rules
/// together are a few hundred KiB), small enough that parsing stays within the memory bound.
pub const MAX_SOURCE_BYTES: u64 = 4 << 20;
/// The largest expected-contents lock read: it lists every file of a package.
pub const MAX_LOCK_BYTES: u64 = 16 << 20;

/// A text that rules or config were read from.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Reads a rule or config file, refused over `MAX_SOURCE_BYTES`.
    pub fn read(path: &Path) -> Result<Source, SpannedError> {
        Source::read_limited(path, MAX_SOURCE_BYTES)
    }

    /// Reads a file of at most `max` bytes. The size is checked before anything is read (and
    /// the read stops past it, for a file that grows or is no regular file): a YAML tree
    /// takes about 40 times its text, so a 100 MB rule file took 4.4 GB before it was refused.
    pub fn read_limited(path: &Path, max: u64) -> Result<Source, SpannedError> {
        use std::io::Read as _;
        let name = path.display().to_string();
        let fail = |message: String, help: Option<String>| SpannedError {
            message,
            src: NamedSource::new(name.clone(), String::new()),
            span: None,
            label: String::new(),
            help,
        };
        let too_large = |size: u64| {
            fail(
                format!("{name} is {size} bytes, over the {max}-byte limit for this kind of file"),
                Some(
                    "split it into several files, or check that this is the file you meant".into(),
                ),
            )
        };
        let file = std::fs::File::open(path)
            .map_err(|e| fail(format!("cannot read {name}: {e}"), None))?;
        if let Ok(meta) = file.metadata() {
            if meta.len() > max {
                return Err(too_large(meta.len()));
            }
        }
        let mut bytes = Vec::new();
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("cannot read {name}: {e}"), None))?;
        if bytes.len() as u64 > max {
            return Err(too_large(bytes.len() as u64));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            fail(
                format!("cannot read {name}: it is not UTF-8 text ({e})"),
                None,
            )
        })?;
        Ok(Source { name, text })
    }

    /// A 1-based line and column (in characters), as the YAML loader reports them, to a byte
    /// offset.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let mut off = 0;
        for (i, l) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let col = l
                    .char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(l.len(), |(b, _)| b);
                return off + col;
            }
            off += l.len();
        }
        self.text.len()
    }

    fn marker_span(&self, marker: &Marker, len: usize) -> SourceSpan {
        let start = self
            .offset(marker.line(), marker.column())
            .min(self.text.len());
        let len = len.min(self.text.len() - start);
        (start, len).into()
    }

    /// The span of a value: from its start, as long as its text, or to the end of its line.
    pub fn span(&self, span: &Span, text_len: Option<usize>) -> Option<SourceSpan> {
        let start = span.start()?;
        let len = text_len.unwrap_or_else(|| {
            let off = self.offset(start.line(), start.column());
            self.text[off.min(self.text.len())..]
                .find('\n')
                .unwrap_or(0)
        });
        Some(self.marker_span(start, len.max(1)))
    }

    /// Where a mapping key is first written (block `key:` or flow `{key: ...}` style).
    fn key_span(&self, key: &str) -> Option<SourceSpan> {
        let re = regex::Regex::new(&format!(
            r"(?m)(?:^[ \t-]*|[{{,][ \t]*){}[ \t]*:",
            regex::escape(key)
        ))
        .ok()?;
        let m = re.find(&self.text)?;
        let start = m.start() + m.as_str().find(key)?;
        Some((start, key.len()).into())
    }

    pub fn error(
        &self,
        message: impl Into<String>,
        span: Option<SourceSpan>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> SpannedError {
        SpannedError {
            message: message.into(),
            src: NamedSource::new(&self.name, self.text.clone()),
            span,
            label: label.into(),
            help,
        }
    }

    /// An error about a value read with `Spanned`.
    pub fn at<T>(
        &self,
        value: &Spanned<T>,
        text_len: Option<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> SpannedError {
        self.error(message, self.span(value.span(), text_len), label, help)
    }

    /// Parses YAML into `T`, mapping the loader's and the deserializer's errors to a
    /// diagnostic at their position.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, SpannedError> {
        let options = LoaderOptions::default().error_on_duplicate_keys(true);
        marked_yaml::from_yaml_with_options(0, &self.text, options).map_err(|e| {
            use marked_yaml::{FromYamlError, LoadError};
            match e {
                FromYamlError::ParseYaml(load) => {
                    let marker = match &load {
                        LoadError::TopLevelMustBeMapping(m)
                        | LoadError::TopLevelMustBeSequence(m)
                        | LoadError::UnexpectedAnchor(m)
                        | LoadError::MappingKeyMustBeScalar(m)
                        | LoadError::UnexpectedTag(m)
                        | LoadError::ScanError(m, _) => Some(*m),
                        LoadError::DuplicateKey(inner) => inner.key.span().start().copied(),
                    };
                    let message = match &load {
                        LoadError::ScanError(_, e) => format!("invalid YAML: {}", e.info()),
                        LoadError::TopLevelMustBeMapping(_) => {
                            "the file must be a YAML mapping (`key: value` at the top level)"
                                .to_string()
                        }
                        LoadError::DuplicateKey(inner) => {
                            format!("duplicate key `{}`", inner.key.as_str())
                        }
                        other => format!("invalid YAML: {other}"),
                    };
                    let span = marker.map(|m| self.marker_span(&m, 1));
                    self.error(message, span, "here", None)
                }
                FromYamlError::FromNode(node) => {
                    let message = node.to_string();
                    let mut span = node.start_mark().map(|m| self.marker_span(&m, 1));
                    // The loader gives unknown fields no position; find the key in the text.
                    if let marked_yaml::Error::UnknownFieldError(field, _, _) = &*node {
                        span = span.or_else(|| self.key_span(field));
                    }
                    let message = message
                        .split_once(": ")
                        .filter(|(pos, _)| pos.contains(':') && !pos.contains(' '))
                        .map_or(message.clone(), |(_, rest)| rest.to_string());
                    self.error(message, span, "here", None)
                }
            }
        })
    }
}

/// An invalid YAML file packguard reads (a rule file, the config, a lock), pointing at the
/// offending text.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(packguard::yaml::invalid))]
pub struct SpannedError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

/// `1048576`, `512KiB`, `10MB`, `1GiB`, `64k`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.replace('_', "").parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}
