//! How an error that ends the run (exit code 2) is written: its message, its help, the
//! place in the user's file it points at, and each cause once.
//!
//! miette's own report prints the diagnostic's code first (`packguard::config::invalid`, a
//! name for packguard's code, not for the user) and then every `source()` in the chain, so an
//! error whose message already says its cause (`cannot read x.tgz: No such file`) showed the
//! cause twice. The error is drawn through [`Shown`], which hides the code and keeps only the
//! causes its message does not already say.

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

/// The text written to stderr for `error`. Never wrapped: CI logs are read with grep, and a
/// message cut mid-phrase cannot be found.
pub fn text(error: &miette::Report) -> String {
    let shown = Shown::new(error.as_ref());
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_links(false)
        .with_wrap_lines(false)
        .with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, &shown).is_err() {
        // A diagnostic whose span lies outside its text: still say what went wrong.
        out = format!("error: {error}\n");
    }
    out.trim_end().to_string()
}

/// A diagnostic as the user sees it: no code, no URL, a cause chain without repeats, and
/// the file named when it has a file but no place in it to draw.
struct Shown<'a> {
    inner: &'a dyn Diagnostic,
    causes: Option<Cause>,
    /// The name of the file the diagnostic is about, when no label will show it.
    file: Option<String>,
}

impl<'a> Shown<'a> {
    fn new(inner: &'a dyn Diagnostic) -> Shown<'a> {
        let file = unnamed_file(inner);
        let mut said = inner.to_string();
        let mut kept = Vec::new();
        let mut next = inner.source();
        while let Some(cause) = next {
            let text = cause.to_string();
            if !text.is_empty() && !said.contains(&text) {
                said.push('\n');
                said.push_str(&text);
                kept.push(text);
            }
            next = cause.source();
        }
        let causes = kept.into_iter().rev().fold(None, |next, text| {
            Some(Cause {
                text,
                next: next.map(Box::new),
            })
        });
        Shown {
            inner,
            causes,
            file,
        }
    }
}

/// A diagnostic about a file (it has the file's text) with no label in it draws no snippet,
/// so nothing would say which file: a rule file's `missing field` error, say. Its name then
/// goes before the message, unless the message names it already.
fn unnamed_file(d: &dyn Diagnostic) -> Option<String> {
    if d.labels().is_some_and(|mut l| l.next().is_some()) {
        return None;
    }
    let contents = d.source_code()?.read_span(&(0, 0).into(), 0, 0).ok()?;
    let name = contents.name()?.to_string();
    (!name.is_empty() && !d.to_string().contains(&name)).then_some(name)
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for Shown<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.causes
            .as_ref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl Diagnostic for Shown<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.inner.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.inner.related()
    }
}

/// One cause the message does not already say, and the ones after it.
#[derive(Debug)]
struct Cause {
    text: String,
    next: Option<Box<Cause>>,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.next
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error, Diagnostic)]
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(packguard::test::read), help("check the path"))]
    struct Read {
        path: String,
        #[source]
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error, Diagnostic)]
    #[error("cannot load the config")]
    struct Outer {
        #[source]
        source: Read,
    }

    fn io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory")
    }

    #[test]
    fn a_cause_the_message_says_is_not_repeated_and_no_code_is_shown() {
        let e = miette::Report::new(Read {
            path: "x.tgz".into(),
            source: io(),
        });
        let out = text(&e);
        assert_eq!(out.matches("No such file or directory").count(), 1, "{out}");
        assert!(!out.contains("packguard::"), "{out}");
        assert!(out.contains("check the path"), "{out}");
    }

    #[test]
    fn a_cause_the_message_does_not_say_is_shown_once() {
        let e = miette::Report::new(Outer {
            source: Read {
                path: "x.yml".into(),
                source: io(),
            },
        });
        let out = text(&e);
        assert!(out.contains("cannot load the config"), "{out}");
        assert_eq!(out.matches("cannot read x.yml").count(), 1, "{out}");
        // Said by the first cause already.
        assert_eq!(out.matches("No such file or directory").count(), 1, "{out}");
    }
}
