//! Command-line definitions (clap) and nothing else. The report formats are the library's
//! (`render::Format`), so a new format needs no change here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
pub use packguard::render::Format;

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
    /// Compare a release with the previous one: files added, removed and changed, new or
    /// grown source maps, install scripts, entry points and dependencies; every rule runs
    /// on NEW and each finding says whether OLD already had it. Takes `scan`'s options.
    Diff(DiffArgs),
    /// Check GitHub Actions release workflows (jobs that publish to npm).
    Workflow(WorkflowArgs),
    /// Write a commented .packguard.yml (and, with --workflow, a trusted-publishing release
    /// workflow that scans with packguard before `npm publish`).
    Init(InitArgs),
    /// List or test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Show what would be published (a package folder or a .tgz), with sizes and a total,
    /// flagging files that rules flag.
    Ls(LsArgs),
    /// Write the expected-contents lock (packguard.lock.yml: every file the package
    /// publishes), or with --check compare the package with it.
    Lock(LockArgs),
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// A package folder, a .tgz, or `-` for a tarball on stdin.
    #[arg(value_name = "DIR|TGZ|-", default_value = ".")]
    pub path: String,
    /// Compare the package with the lock instead of writing it: exit 1 when a file is not
    /// covered, an entry covers nothing, or a file is over its max_size; 0 when they match.
    #[arg(long)]
    pub check: bool,
    /// The lock to write or check [default: the config's `lock:`, else packguard.lock.yml in
    /// the package folder; for a tarball, in the working directory].
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// Record a max_size (the size plus about 10%) for each file listed by name that has
    /// none.
    #[arg(long, conflicts_with = "check")]
    pub sizes: bool,
    /// Write a folder holding at least N new files (and no file the lock already lists) as
    /// one glob: `dist/**/*.js` when its files share an extension, else `dist/`.
    #[arg(long, value_name = "N", conflicts_with = "check")]
    pub collapse: Option<usize>,
    #[command(flatten)]
    pub pack_args: PackArgs,
    #[command(flatten)]
    pub rule_args: RuleArgs,
    #[command(flatten)]
    pub report: ReportArgs,
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
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    /// Print only the paths (relative to the package), one a line; no scan.
    #[arg(long, conflicts_with = "format")]
    pub paths: bool,
    #[command(flatten)]
    pub pack_args: PackArgs,
    #[command(flatten)]
    pub rule_args: RuleArgs,
}

/// `--output [FORMAT=]FILE`: a report written to a file instead of (or besides) stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputArg {
    /// `None`: the `--format` report.
    pub format: Option<Format>,
    pub path: PathBuf,
}

/// Formats of `rules list`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
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
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not look for a config file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Leave out the built-in rules (only --rules and config rules apply).
    #[arg(long)]
    pub no_builtin_rules: bool,
}

/// How findings are reported and judged; shared by `scan` and `workflow`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(short = 'f', long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when a finding is at or above this severity [default: error, or the config's
    /// fail_on].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Write a report to FILE (repeatable). `--output FILE` writes the --format report there
    /// and prints the human report on stdout; `--output FORMAT=FILE` (sarif=, json=, jsonl=,
    /// github=, gitlab=, junit=, human=) writes that format besides whatever stdout shows.
    #[arg(short = 'o', long, value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    pub output: Vec<OutputArg>,
    /// Human report: show only the findings that are errors (or fail the run) and the
    /// summary line. Machine formats (json, sarif, ...) are complete whatever this says.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// .tgz or .tar files, package folders, or `-` for a tarball on stdin.
    #[arg(value_name = "PATH|-", default_value = ".")]
    pub paths: Vec<String>,
    /// Scan every publishable (not `private`) package of the workspace rooted at each PATH
    /// (package.json `workspaces`, pnpm-workspace.yaml): one report per package.
    #[arg(long)]
    pub workspaces: bool,
    /// Compare with the previous release OLD (a .tgz, e.g. from `npm pack NAME@latest`, a
    /// package folder, or `-`): show what changed, run the diff/* rules, and mark each
    /// finding new or pre-existing. Needs exactly one PATH; with --workspaces, OLD is a
    /// folder of each package's previous tarball (`npm pack NAME@latest --pack-destination
    /// OLD`), and a package with none there is scanned without a comparison.
    #[arg(long, value_name = "OLD")]
    pub previous: Option<String>,
    #[command(flatten)]
    pub options: ScanOptions,
}

/// What `scan` and `diff` share: how a package is read, which rules judge it, and how the
/// findings are reported.
#[derive(Debug, Args)]
pub struct ScanOptions {
    #[command(flatten)]
    pub pack_args: PackArgs,
    #[command(flatten)]
    pub rule_args: RuleArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Largest file scanned; a larger one is reported and skipped [default: 256MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Largest total unpacked size; past it the archive is refused (gzip bombs) [default: 2GiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_total_size: Option<u64>,
    /// Most entries in one archive [default: 200000].
    #[arg(long, value_name = "N")]
    pub max_entries: Option<u64>,
    /// The GitHub repository (`owner/name`) this release must come from: `repository` in
    /// package.json must match it, as npm's trusted publishing requires [default: the
    /// GITHUB_REPOSITORY environment variable, when set].
    #[arg(long, value_name = "OWNER/NAME")]
    pub expect_repo: Option<String>,
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
    /// Compare the package's files with this expected-contents lock (see `packguard lock`)
    /// [default: the config's `lock:`, else packguard.lock.yml in a scanned package folder].
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// Do not compare with any lock.
    #[arg(long, conflicts_with = "lock")]
    pub no_lock: bool,
    /// With --previous or `diff`: only findings new since the previous release count toward
    /// --fail-on (pre-existing ones are still reported).
    #[arg(long)]
    pub new_only: bool,
    /// The folder a scanned tarball's `package/` was packed from (usually the package's folder
    /// in the repository): GitHub annotations and SARIF then point at `DIR/dist/cli.js` for
    /// `package/dist/cli.js` when that file exists [default: --project].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The package folder a scanned tarball was packed from: its config and its
    /// packguard.lock.yml apply, as in a scan of the folder itself (`npm pack` in CI writes
    /// the tarball elsewhere).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

/// `packguard diff OLD [NEW]`: `scan --previous OLD NEW`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The previous release: a .tgz (`npm pack NAME@latest` writes the published one), a
    /// package folder, or `-` for a tarball on stdin.
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The release to check: a .tgz, a package folder, or `-` for a tarball on stdin.
    #[arg(value_name = "NEW", default_value = ".")]
    pub new: String,
    #[command(flatten)]
    pub options: ScanOptions,
}

#[derive(Debug, Args)]
pub struct WorkflowArgs {
    /// A workflow file, a folder of them, or a repository root (its .github/workflows)
    /// [default: the .github/workflows of the git work tree the working directory is in].
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub rule_args: RuleArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The package folder to write into.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Also write .github/workflows/release.yml at the root of the git work tree DIR is in,
    /// running in DIR.
    #[arg(long)]
    pub workflow: bool,
    /// Replace files that already exist (by default they are kept, and said so).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print the active rules (built-in, --rules, and config).
    List {
        #[command(flatten)]
        rule_args: RuleArgs,
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Run every rule's examples: each `fail` example must fire and each `pass` must not.
    /// With no PATH, tests the built-in rules.
    Test {
        #[arg(value_name = "FILE|DIR")]
        paths: Vec<PathBuf>,
    },
}

fn parse_size(s: &str) -> Result<u64, String> {
    packguard::source::parse_size(s)
        .ok_or_else(|| format!("`{s}` is not a size (write bytes, or 512KiB, 10MB, 1GiB)"))
}

fn parse_output(s: &str) -> Result<OutputArg, String> {
    // Only a known format name before `=` selects a format, so `out=1.sarif` is a file name;
    // write `./sarif=x` for a file literally named `sarif=x`.
    if let Some((name, path)) = s.split_once('=') {
        if let Ok(format) = Format::from_str(name, true) {
            if path.is_empty() {
                return Err(format!("`{s}` names no file after `=`"));
            }
            return Ok(OutputArg {
                format: Some(format),
                path: PathBuf::from(path),
            });
        }
    }
    if s.is_empty() {
        return Err("--output needs a file name".to_string());
    }
    Ok(OutputArg {
        format: None,
        path: PathBuf::from(s),
    })
}
