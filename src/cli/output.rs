//! Where a command's reports go: `--output` files, stdout, and on GitHub Actions the
//! annotations in the log and the job summary.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use packguard::render::repo::RepoPaths;
use packguard::render::{summary, Context, Format};
use packguard::{FailOn, Report, RuleSet};

use super::args::{ColorArg, OutputArg, ReportArgs};
use super::{exit, print, warn, Run};

/// How a command's reports are written: `--format`, `--color`, `--output`, `--root`,
/// `--quiet`.
pub struct Emit<'a> {
    pub format: Format,
    pub color: ColorArg,
    pub outputs: &'a [OutputArg],
    pub root: Option<&'a Path>,
    pub quiet: bool,
}

impl<'a> Emit<'a> {
    pub fn new(report: &'a ReportArgs, root: Option<&'a Path>) -> Emit<'a> {
        Emit {
            format: report.format,
            color: report.color,
            outputs: &report.output,
            root,
            quiet: report.quiet,
        }
    }
}

/// The width the human report wraps at on stdout: `COLUMNS` when it is a number, else the
/// terminal's. Output that is not a terminal (a pipe, a CI log, a file) never wraps: it is
/// read with grep, and a line cut in two cannot be found.
fn stdout_width() -> Option<usize> {
    let terminal = std::io::stdout().is_terminal();
    let columns = std::env::var("COLUMNS").ok();
    width(
        terminal,
        columns.as_deref(),
        terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)),
    )
}

fn width(terminal: bool, columns: Option<&str>, size: Option<usize>) -> Option<usize> {
    if !terminal {
        return None;
    }
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
        .or(size)
}

/// Writes the reports and picks the exit code from them.
pub fn verdict(reports: &[Report], rules: &RuleSet, fail_on: FailOn, how: &Emit<'_>) -> Run {
    emit(reports, rules, fail_on, how)?;
    Ok(exit(reports.iter().any(|r| r.fails(fail_on))))
}

/// Writes the reports where they were asked for.
pub fn emit(
    reports: &[Report],
    rules: &RuleSet,
    fail_on: FailOn,
    args: &Emit<'_>,
) -> Result<(), miette::Report> {
    // Everything written from here on is masked with every secret the scans matched.
    for r in reports {
        packguard::sink::learn(&r.secrets);
    }
    let masked = packguard::sink::masked_reports(reports);
    let reports = &masked[..];
    let on_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    if let Some(root) = args.root {
        if !root.is_dir() {
            return Err(miette::miette!(
                help = "give the folder the tarball was packed from (where its package.json is)",
                "--root {}: not a folder",
                root.display()
            ));
        }
    }
    // Repository paths are relative to the checkout: GITHUB_WORKSPACE on Actions.
    let workspace = std::env::var_os("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let repo = RepoPaths::new(&workspace, args.root);
    // Files never wrap; only stdout follows the terminal.
    let context = |color: bool, width: Option<usize>| Context {
        rules,
        fail_on,
        repo: &repo,
        color,
        width,
        quiet: args.quiet,
    };

    // `--output FILE` takes the --format report off stdout; stdout then shows the human one
    // so the job log still says what failed.
    let redirected = args.outputs.iter().any(|o| o.format.is_none());
    let stdout_format = match (redirected, args.format) {
        (false, f) => Some(f),
        (true, Format::Human) => None,
        (true, _) => Some(Format::Human),
    };
    for out in args.outputs {
        let format = out.format.unwrap_or(args.format);
        packguard::sink::write_file(&out.path, &format.render(reports, &context(false, None)))
            .map_err(|e| {
                miette::miette!(
                    help = "check that the folder exists and is writable",
                    "could not write the {} report to {}: {e}",
                    format.name(),
                    out.path.display()
                )
            })?;
    }
    if let Some(format) = stdout_format {
        let color = match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        let mut text = format.render(reports, &context(color, stdout_width()));
        // On Actions the human log also carries annotations, so the run page shows them;
        // machine formats on stdout stay parseable.
        if on_actions && format == Format::Human {
            text.push_str(&Format::Github.render(reports, &context(false, None)));
        }
        print(&text);
    }
    // A summary that cannot be written must not hide the scan's verdict: warn and go on.
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let appended = packguard::sink::append_file(
            Path::new(&path),
            &summary::render(reports, &context(false, None)),
        );
        if let Err(e) = appended {
            warn(&format!(
                "packguard: warning: could not append the job summary to {}: {e}",
                Path::new(&path).display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::width;

    #[test]
    fn only_a_terminal_wraps_and_columns_wins_over_its_size() {
        assert_eq!(width(false, Some("40"), Some(100)), None);
        assert_eq!(width(false, None, None), None);
        assert_eq!(width(true, Some("40"), Some(100)), Some(40));
        assert_eq!(width(true, None, Some(100)), Some(100));
        assert_eq!(width(true, Some("wide"), Some(100)), Some(100));
        assert_eq!(width(true, Some("0"), None), None);
    }
}
