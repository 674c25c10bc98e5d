//! Where output leaves the process: stdout, stderr, report files and the job summary, all
//! masked by one [`Redactor`] (`crate::redact`).
//!
//! The CLI prints only through these functions, so no format, command or error path can
//! write a secret the run found: the reports' secrets are learned once they exist
//! ([`learn`]), and everything written after that (including the last error on stderr) is
//! masked with the whole set. Before any report exists, the URL user-info and
//! credential-parameter masks still apply. The redactor is process-wide because the error
//! path at the end of `main` has no report in hand, and it must mask with the same set.
//!
//! Files are written with [`crate::safe_write`]: never through a symlink.

use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use crate::redact::{Redactor, Secrets};
use crate::report::Report;

/// Every escaping an output format applies to finding text.
const ESCAPINGS: &[crate::redact::Escaping] = &[
    crate::render::github::data,
    crate::render::github::property,
    crate::render::summary::text,
    crate::render::junit::xml,
];

struct State {
    secrets: Secrets,
    redactor: Redactor,
}

fn state() -> &'static Mutex<State> {
    static STATE: OnceLock<Mutex<State>> = OnceLock::new();
    STATE.get_or_init(|| {
        Mutex::new(State {
            secrets: Secrets::default(),
            redactor: Redactor::default(),
        })
    })
}

/// Adds `secrets` to the set every later output is masked with.
pub fn learn(secrets: &Secrets) {
    if secrets.is_empty() {
        return;
    }
    let mut s = state().lock().unwrap_or_else(|e| e.into_inner());
    if s.redactor.is_off() {
        return;
    }
    s.secrets.extend(secrets);
    s.redactor = Redactor::new(&s.secrets, ESCAPINGS);
}

/// `--show-secrets`: from now on nothing is masked (a local run, asked for by the user).
pub fn show_secrets() {
    state().lock().unwrap_or_else(|e| e.into_inner()).redactor = Redactor::off();
}

/// `text` as it may be written.
pub fn mask(text: &str) -> String {
    let s = state().lock().unwrap_or_else(|e| e.into_inner());
    s.redactor.mask(text).into_owned()
}

/// Writes to stdout; a closed pipe (`packguard ... | head`) is not an error worth a panic.
pub fn stdout(text: &str) {
    let text = mask(text);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes a line to stderr. `eprintln!` panics when stderr is gone (`2>&1 | head` that has
/// exited); a message nobody can read must not turn exit code 2 into a crash.
pub fn stderr_line(text: &str) {
    let text = mask(text);
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Replaces the file at `path` with `text` (see [`crate::safe_write::replace`]).
pub fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    crate::safe_write::replace(path, mask(text).as_bytes())
}

/// Appends `text` to the file at `path` (the job summary), creating it if needed.
pub fn append_file(path: &Path, text: &str) -> std::io::Result<()> {
    let text = mask(text);
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
}

/// The reports with every finding's text masked field by field, before a format lays it
/// out: a renderer that wraps lines (the human report cuts long words at 120 columns) or
/// escapes characters could otherwise split a credential where the final pass cannot see
/// it whole.
pub fn masked_reports(reports: &[Report]) -> Vec<Report> {
    let s = state().lock().unwrap_or_else(|e| e.into_inner());
    let r = &s.redactor;
    let m = |text: &mut String| {
        if let std::borrow::Cow::Owned(masked) = r.mask(text) {
            *text = masked;
        }
    };
    let mut out = reports.to_vec();
    for report in &mut out {
        m(&mut report.artifact.path);
        for f in &mut report.findings {
            m(&mut f.message);
            m(&mut f.file);
            if let Some(snippet) = &mut f.snippet {
                m(snippet);
            }
            if let Some(o) = &mut f.original {
                m(&mut o.source);
            }
            if let Some(e) = &mut f.excerpt {
                mask_excerpt(r, e);
            }
        }
    }
    out
}

/// Masks an excerpt's text around and inside its highlight, keeping the highlight on the
/// same (masked) text.
fn mask_excerpt(r: &Redactor, e: &mut crate::finding::Excerpt) {
    let (a, b) = e.highlight;
    let (Some(before), Some(inside), Some(after)) =
        (e.text.get(..a), e.text.get(a..b), e.text.get(b..))
    else {
        e.text = r.mask(&e.text).into_owned();
        e.highlight = (0, 0);
        return;
    };
    let before = r.mask(before);
    let inside = r.mask(inside);
    let after = r.mask(after);
    e.highlight = (before.len(), before.len() + inside.len());
    e.text = format!("{before}{inside}{after}");
}
