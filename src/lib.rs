//! packguard: stops a bad npm release before `npm publish`.
//!
//! The library's face. Data flows one way: an input is read as an artifact (`artifact`),
//! every file goes through the rules and checks (`rules`, `checks`, driven by `scan`),
//! findings (`finding`) become a report (`report`), drawn by a format (`render`). The use
//! cases a command runs are in `run`; the binary (`main.rs`, `cli/`) only parses arguments,
//! calls them, prints what `render` draws, and picks the exit code.
//!
//! Layers, bottom to top. A module imports only from its own layer and the ones below it,
//! and no two modules import each other (`tests/layers.rs` checks both):
//!
//! ```text
//! text, source, artifact, finding, license,  small shared pieces, the input, the output record,
//! redact, safe_write, project_path, repo_name redaction, safe writes, paths a config may name
//! rules                                       the rule language: schema, validators, loading
//! config, baseline, lock                      the user's files
//! report                                      the report model (data, no rendering)
//! checks                                      each check gets a narrow context, never the engine
//! scan, diff                                  drive artifact entries through rules and checks
//! run, init                                   use cases: scan, diff, workspaces, ls, lock, rules test
//! render, sink                                one file per output format, behind one signature; the
//!                                             one output sink every byte written passes
//! main.rs, cli/ (the binary)                  arguments in, output and exit code out
//! ```
//!
//! This root only declares the modules and re-exports the names callers use most.

// The library never prints: output is the binary's job (`cli/`), which writes what `render`
// returns. A `println!` here would bypass `--output`, redaction and a closed pipe's handling.
#![deny(clippy::print_stdout, clippy::print_stderr)]
// A rule or config error carries its file's text so the diagnostic can show the offending
// line; such errors end the run, once, so their size on the error path does not matter.
#![allow(clippy::result_large_err)]

pub mod artifact;
pub mod baseline;
pub mod checks;
pub mod config;
pub mod diff;
pub mod finding;
pub mod init;
pub mod license;
pub mod lock;
pub mod project_path;
pub mod redact;
pub mod render;
pub mod repo_name;
pub mod report;
pub mod rules;
pub mod run;
pub mod safe_write;
pub mod scan;
pub mod sink;
pub mod source;
pub mod text;

pub use artifact::pack::{PackChoice, PackError, PackOptions, Packer};
pub use artifact::ArtifactError;
pub use config::Config;
pub use finding::FailOn;
pub use report::Report;
pub use rules::RuleSet;
pub use run::{
    diff, diff_workspaces, previous_release, read_lock, scan, scan_directory, scan_many,
    scan_workflows, scan_workspaces, workspace_packages, Error, Input,
};
pub use scan::Options;
pub use source::SpannedError;
