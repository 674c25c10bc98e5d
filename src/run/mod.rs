//! Use cases: what a command does, as library calls. Each one drives the scanner and the
//! checks and returns reports or data; the CLI only parses arguments, renders what comes
//! back, and picks the exit code. Nothing here prints: a use case with something to say on
//! the side (a package with no previous release) hands it to the caller's `warn`.

pub mod gate;
pub mod input;
pub mod listing;
pub mod lock;
pub mod release;
pub mod selftest;
pub mod setup;
pub mod suppressions;
pub mod workspace;

pub use input::{Error, Input};
pub use release::{
    diff, read_lock, scan, scan_directory, scan_many, scan_workflows, workflows_folder,
};
pub use workspace::{diff_workspaces, previous_release, scan_workspaces, workspace_packages};

use crate::config::Config;
use crate::finding::{FailOn, Severity};

/// The threshold of a run: `--fail-on`, else the config's `fail_on`, else `error`.
pub fn fail_on(flag: Option<FailOn>, config: &Config) -> FailOn {
    flag.or(config.fail_on)
        .unwrap_or(FailOn::Severity(Severity::Error))
}
