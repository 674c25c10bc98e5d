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
    /// Scan npm tarballs (or `-` for one on stdin) or package folders (the files their
    /// packer would publish) and report findings.
    Scan(ScanArgs),
    /// List or test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Show what would be published (a package folder or a .tgz), with sizes and a total,
    /// flagging files that rules flag.
    Ls(LsArgs),
}

/// How a package folder's files are chosen; shared by `scan` and `ls`.
#[derive(Debug, Args)]
pub struct PackArgs {
    /// Which packer decides the files of a package folder: `auto` detects the project's
    /// (packageManager field, then lockfile; npm if none) and asks it without running
    /// scripts; `builtin` is packguard's own port of npm's rules (no Node needed).
    #[arg(long, value_enum, default_value_t = PackArg::Auto)]
    pub pack: PackArg,
    /// When the packer is missing or fails, use `builtin` instead of exiting 2.
    #[arg(long)]
    pub pack_fallback: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PackArg {
    Auto,
    Npm,
    Pnpm,
    Yarn,
    Bun,
    Builtin,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// A package folder, a .tgz, or `-` for a tarball on stdin.
    #[arg(value_name = "DIR|TGZ|-", default_value = ".")]
    pub path: String,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Print only the paths (relative to the package), one a line; no scan.
    #[arg(long, conflicts_with = "format")]
    pub paths: bool,
    #[command(flatten)]
    pub pack_args: PackArgs,
    #[command(flatten)]
    pub rule_args: RuleArgs,
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
    /// .tgz or .tar files, package folders, or `-` for a tarball on stdin.
    #[arg(value_name = "PATH|-", default_value = ".")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub pack_args: PackArgs,
    /// Scan every publishable (not `private`) package of the workspace rooted at each PATH
    /// (package.json `workspaces`, pnpm-workspace.yaml): one report per package.
    #[arg(long)]
    pub workspaces: bool,
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
