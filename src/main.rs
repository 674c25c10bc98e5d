//! The `packguard` command: parses arguments, hands them to the subcommand's file in `cli/`,
//! and turns an error into exit code 2. What each command does is the library's `run`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::args::Cli::parse();
    match cli::run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            // Drawn by `cli::error`: each cause once, no internal code, never wrapped.
            cli::warn(&cli::error::text(&e));
            ExitCode::from(2)
        }
    }
}
