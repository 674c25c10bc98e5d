//! packguard: stops a bad npm release before `npm publish`.
//!
//! The library's face. Data flows one way: an input is read as an artifact
//! (`artifact`), every file goes through the rules (`rules`, `scan`), findings (`finding`)
//! become a report (`report`). `main.rs` only parses arguments, calls `scan`, and prints.

// A rule or config error carries its file's text so the diagnostic can show the offending
// line; such errors end the run, once, so their size on the error path does not matter.
#![allow(clippy::result_large_err)]

pub mod artifact;
pub mod baseline;
pub mod checks;
pub mod config;
pub mod finding;
pub mod report;
pub mod rules;
pub mod scan;

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

pub use artifact::ArtifactError;
pub use config::Config;
pub use report::Report;
pub use rules::load::SpannedError;
pub use rules::RuleSet;
pub use scan::{FailOn, Options};

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A tarball on standard input (`-`).
    Stdin,
    /// A `.tgz`/`.tar` file or a package directory.
    Path(PathBuf),
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    /// How the input is named in reports and errors.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// Everything that ends a run with exit code 2.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Artifact(#[from] ArtifactError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] Box<SpannedError>),
    #[error("{path} is a directory; scanning a package directory is not supported yet")]
    #[diagnostic(
        code(packguard::input::directory),
        help("run `npm pack` in it and scan the .tgz that it writes: `packguard scan $(npm pack --silent)`")
    )]
    Directory { path: String },
}

impl From<SpannedError> for Error {
    fn from(e: SpannedError) -> Self {
        Error::Config(Box::new(e))
    }
}

/// Scans one input.
pub fn scan(
    input: &Input,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Report, Error> {
    let name = input.display();
    match input {
        Input::Stdin => {
            let stdin = std::io::stdin().lock();
            Ok(scan::scan_reader(&name, stdin, rules, config, options)?)
        }
        Input::Path(path) => {
            if path.is_dir() {
                return Err(Error::Directory { path: name });
            }
            let file = std::fs::File::open(path).map_err(|source| ArtifactError::Unreadable {
                name: name.clone(),
                source,
            })?;
            let reader = std::io::BufReader::with_capacity(1 << 16, file);
            Ok(scan::scan_reader(&name, reader, rules, config, options)?)
        }
    }
}
