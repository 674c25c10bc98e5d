//! The `packguard` command's side of each subcommand: arguments turned into a library call,
//! and what comes back written out. One file per subcommand; `args` holds the clap
//! definitions, `output` where reports go. Nothing here decides what a package holds: the
//! use cases are the library's `run` module.

pub mod args;
pub mod error;
mod init;
mod lock;
mod ls;
mod output;
mod rules;
mod scan;
mod workflow;

use std::process::ExitCode;

use packguard::finding::{FailOn, Severity};
use packguard::run::setup::Sources;
use packguard::{PackChoice, PackOptions, Packer};

use args::{Command, FailOnArg, PackArg, PackArgs, RuleArgs, RulesCommand};

/// A subcommand's result: its exit code, or an error that ends the run with exit code 2.
pub type Run = Result<ExitCode, miette::Report>;

pub fn run(command: Command) -> Run {
    match command {
        Command::Scan(args) => scan::scan(args),
        Command::Diff(args) => scan::diff(args),
        Command::Workflow(args) => workflow::workflow(args),
        Command::Init(args) => init::init(args),
        Command::Rules(RulesCommand::List { rule_args, format }) => rules::list(rule_args, format),
        Command::Rules(RulesCommand::Test { paths }) => rules::test(&paths),
        Command::Ls(args) => ls::ls(args),
        Command::Lock(args) => lock::lock(args),
    }
}

/// Writes to stdout; a closed pipe (`packguard ... | head`) is not an error worth a panic.
pub fn print(text: &str) {
    packguard::sink::stdout(text);
}

/// Writes a line to stderr. `eprintln!` panics when stderr is gone (`2>&1 | head` that has
/// exited); a message nobody can read must not turn exit code 2 into a crash.
pub fn warn(message: &str) {
    packguard::sink::stderr_line(message);
}

/// Exit code 1 when the run failed, else 0.
fn exit(failed: bool) -> ExitCode {
    ExitCode::from(u8::from(failed))
}

fn sources(args: &RuleArgs) -> Sources {
    Sources {
        builtin: !args.no_builtin_rules,
        rules: args.rules.clone(),
        config: args.config.clone(),
        no_config: args.no_config,
    }
}

fn fail_on(arg: Option<FailOnArg>) -> Option<FailOn> {
    arg.map(|a| match a {
        FailOnArg::Error => FailOn::Severity(Severity::Error),
        FailOnArg::Warning => FailOn::Severity(Severity::Warning),
        FailOnArg::Info => FailOn::Severity(Severity::Info),
        FailOnArg::Never => FailOn::Never,
    })
}

fn pack_options(args: &PackArgs) -> PackOptions {
    let choice = match args.pack {
        PackArg::Auto => PackChoice::Auto,
        PackArg::Npm => PackChoice::Use(Packer::Npm),
        PackArg::Pnpm => PackChoice::Use(Packer::Pnpm),
        PackArg::Yarn => PackChoice::Use(Packer::Yarn),
        PackArg::Bun => PackChoice::Use(Packer::Bun),
        PackArg::Builtin => PackChoice::Use(Packer::Builtin),
    };
    PackOptions {
        choice,
        fallback_builtin: args.pack_fallback,
    }
}
