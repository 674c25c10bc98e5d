//! Output formats: one file per format, each drawing finished reports into text behind the
//! same signature ([`Renderer`]). A format never scans, never decides the exit code, and never
//! prints: it returns the text, and the CLI writes it where it was asked for.
//!
//! Adding a format is its file here and one variant of [`Format`].

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod listing;
pub mod repo;
pub mod rules;
pub mod sarif;
pub mod summary;

use crate::finding::FailOn;
use crate::report::Report;
use crate::rules::RuleSet;
use repo::RepoPaths;

/// What a format may need besides the reports: the rules (SARIF describes them), the
/// `--fail-on` threshold (the verdict), where findings sit in the repository (annotations,
/// SARIF), and how the terminal draws.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub rules: &'a RuleSet,
    pub fail_on: FailOn,
    pub repo: &'a RepoPaths,
    /// Colour (human only): on a terminal, never with `NO_COLOR`.
    pub color: bool,
    /// Line width (human only): the terminal's, or `COLUMNS`; `None` never wraps (output
    /// that is not a terminal is read with grep, and a cut line cannot be found).
    pub width: Option<usize>,
    /// `--quiet` (human only): draw only error findings, and the summary.
    pub quiet: bool,
}

/// Every format's entry point.
pub type Renderer = fn(&[Report], &Context<'_>) -> String;

/// The report formats of `--format` and `--output FORMAT=FILE`. The CLI takes its values from
/// this enum (hence clap's `ValueEnum`, whose doc comments are the values' help), so a new
/// format is one variant here and one file above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the files.
    Github,
    /// One compact JSON report per line, one line per input.
    Jsonl,
    /// GitLab Code Quality JSON (`artifacts: reports: codequality:`).
    Gitlab,
    /// JUnit XML: one test suite per package, a failing test case per rule and file.
    Junit,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Jsonl => "jsonl",
            Format::Gitlab => "gitlab",
            Format::Junit => "junit",
        }
    }

    pub fn renderer(self) -> Renderer {
        match self {
            Format::Human => human::render,
            Format::Json => json::render,
            Format::Sarif => sarif::render,
            Format::Github => github::render,
            Format::Jsonl => jsonl::render,
            Format::Gitlab => gitlab::render,
            Format::Junit => junit::render,
        }
    }

    pub fn render(self, reports: &[Report], context: &Context<'_>) -> String {
        (self.renderer())(reports, context)
    }
}
