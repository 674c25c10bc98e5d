//! Command-line definitions (clap) and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "packguard",
    version,
    about = "Stops a bad npm release before `npm publish`: scans what would be published against policy rules.",
    after_help = "Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 bad usage, unreadable or invalid input, invalid rules or config."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan npm tarballs (or `-` for one on stdin) and report findings.
    Scan(ScanArgs),
    /// List or test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Where rules come from; shared by `scan` and `rules list`.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Add rules from a YAML file, or every .yaml/.yml file in a folder (repeatable).
    #[arg(long = "rules", value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Config file (default: packguard.yml or .packguard.yml next to the package, else in the
    /// working directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not look for a config file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Leave out the built-in rules (only --rules and config rules apply).
    #[arg(long)]
    pub no_builtin_rules: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// .tgz or .tar files, or `-` for a tarball on stdin.
    #[arg(value_name = "PATH|-", default_value = ".")]
    pub paths: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub rule_args: RuleArgs,
    /// Exit 1 when a finding is at or above this severity [default: error, or the config's
    /// fail_on].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Largest file scanned; a larger one is reported and skipped [default: 256MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Largest total unpacked size; past it the archive is refused (gzip bombs) [default: 2GiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_total_size: Option<u64>,
    /// Most entries in one archive [default: 200000].
    #[arg(long, value_name = "N")]
    pub max_entries: Option<u64>,
    /// Print secrets whole instead of redacted. For local use only: never in CI logs.
    #[arg(long)]
    pub show_secrets: bool,
    /// Leave out findings accepted in this baseline file (see --write-baseline); new
    /// findings still fail.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every finding of this scan to FILE as the accepted baseline, then exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print the active rules (built-in, --rules, and config).
    List {
        #[command(flatten)]
        rule_args: RuleArgs,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Run every rule's examples: each `fail` example must fire and each `pass` must not.
    /// With no PATH, tests the built-in rules.
    Test {
        #[arg(value_name = "FILE|DIR")]
        paths: Vec<PathBuf>,
    },
}

fn parse_size(s: &str) -> Result<u64, String> {
    packguard::rules::load::parse_size(s)
        .ok_or_else(|| format!("`{s}` is not a size (write bytes, or 512KiB, 10MB, 1GiB)"))
}
