//! The `packguard` command: parses arguments, hands them to the subcommand's file in `cli/`,
//! and turns an error into exit code 2. What each command does is the library's `run`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Errors go to stderr unwrapped: CI logs are read with grep, and a message cut mid-phrase
    // cannot be found.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .wrap_lines(false)
                .terminal_links(false)
                .build(),
        )
    }));
    let cli = cli::args::Cli::parse();
    match cli::run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            cli::warn(&format!("{e:?}"));
            ExitCode::from(2)
        }
    }
}
