//! The `packguard` command: parses arguments, calls the library, prints, picks the exit code.

mod cli;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use packguard::baseline::Baseline;
use packguard::lock::{self as lockfile, LockChoice};
use packguard::report::repo::RepoPaths;
use packguard::report::{github, human, json, jsonl, listing, sarif, summary};
use packguard::run::selftest;
use packguard::{
    config, run::suppressions, Config, FailOn, Input, Options, PackChoice, PackOptions, Packer,
    RuleSet,
};

use cli::{
    Cli, ColorArg, Command, FailOnArg, Format, InitArgs, ListFormat, LockArgs, LsArgs, OutputArg,
    PackArg, PackArgs, RuleArgs, RulesCommand, ScanArgs, ScanOptions, WorkflowArgs,
};

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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Diff(args) => diff(args),
        Command::Workflow(args) => workflow(args),
        Command::Init(args) => init(args),
        Command::Rules(RulesCommand::List { rule_args, format }) => list(rule_args, format),
        Command::Rules(RulesCommand::Test { paths }) => test(&paths),
        Command::Ls(args) => ls(args),
        Command::Lock(args) => lock(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            warn(&format!("{e:?}"));
            ExitCode::from(2)
        }
    }
}

type Run = Result<ExitCode, miette::Report>;

/// Writes a line to stderr. `eprintln!` panics when stderr is gone (`2>&1 | head` that has
/// exited); a message nobody can read must not turn exit code 2 into a crash.
fn warn(message: &str) {
    packguard::sink::stderr_line(message);
}

/// The rule set and config for a run: built-ins, then --rules, then the config file.
fn rules_and_config(
    args: &RuleArgs,
    near: Option<&Path>,
) -> Result<(RuleSet, Config), miette::Report> {
    let mut rules = packguard::rules::builtin::load_all(!args.no_builtin_rules, &args.rules)
        .map_err(miette::Report::new)?;
    let path = match (&args.config, args.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => config::discover(near),
    };
    let config = match path {
        Some(p) => config::load(&p, &mut rules).map_err(miette::Report::new)?,
        None => Config::default(),
    };
    Ok((rules, config))
}

fn scan(args: ScanArgs) -> Run {
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    let previous = args.previous.as_deref().map(Input::parse);
    scan_inputs(&inputs, args.workspaces, previous.as_ref(), args.options)
}

/// `packguard diff OLD [NEW]` is `scan --previous OLD [NEW]`.
fn diff(args: cli::DiffArgs) -> Run {
    let old = Input::parse(&args.old);
    scan_inputs(&[Input::parse(&args.new)], false, Some(&old), args.options)
}

/// Scans `inputs` (each a workspace root with `workspaces`), compared with `previous` when
/// given, and reports.
fn scan_inputs(
    inputs: &[Input],
    workspaces: bool,
    previous: Option<&Input>,
    args: ScanOptions,
) -> Run {
    // The config is looked for next to the first package: its folder, or the tarball's.
    let near = match inputs.first() {
        Some(Input::Path(p)) if p.is_dir() => Some(p.clone()),
        Some(Input::Path(p)) => p.parent().map(Path::to_path_buf),
        _ => None,
    };
    let (rules, config) = rules_and_config(&args.rule_args, near.as_deref())?;
    let mut limits = config.limits();
    limits.max_file_size = args.max_file_size.unwrap_or(limits.max_file_size);
    limits.max_total_size = args.max_total_size.unwrap_or(limits.max_total_size);
    limits.max_entries = args.max_entries.unwrap_or(limits.max_entries);
    // An empty --expect-repo is a mistake too, not "no repository".
    let expect_repo = args.expect_repo.or_else(|| {
        std::env::var("GITHUB_REPOSITORY")
            .ok()
            .filter(|r| !r.is_empty())
    });
    if let Some(repo) = expect_repo
        .as_deref()
        .filter(|r| !packguard::repo_name::is_owner_name(r))
    {
        return Err(miette::miette!(
            help = "give the GitHub repository as owner/name, e.g. --expect-repo acme/widget",
            "--expect-repo `{repo}` is not a repository name (owner/name)"
        ));
    }
    let options = Options {
        limits,
        show_secrets: args.show_secrets,
        expect_repo,
        pack: pack_options(&args.pack_args),
        // PACKGUARD_THREADS=1 reads and scans on one thread (for comparing and debugging).
        threads: std::env::var("PACKGUARD_THREADS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
        lock: match (args.no_lock, args.lock) {
            (true, _) => LockChoice::Off,
            (false, Some(path)) => LockChoice::File(path),
            (false, None) => LockChoice::Auto,
        },
    };
    if args.show_secrets {
        packguard::sink::show_secrets();
    }
    let fail_on = fail_on(args.report.fail_on, &config);
    // Every input is scanned before anything is printed: a bad input exits 2 with nothing
    // half-written on stdout.
    let mut reports = Vec::new();
    if let (Some(previous), true) = (previous, workspaces) {
        let Input::Path(releases) = previous else {
            return Err(miette::miette!(
                help = "fetch each package's last release into one folder (`npm pack NAME@latest --pack-destination DIR`), then `--previous DIR`",
                "with --workspaces, --previous is a folder of previous releases, not `-`"
            ));
        };
        for input in inputs {
            let Input::Path(root) = input else {
                return Err(miette::miette!(
                    "--workspaces needs the workspace's root folder, not `-`"
                ));
            };
            for mut report in packguard::diff_workspaces(root, releases, &rules, &config, &options)?
            {
                if report.diff.is_none() {
                    let name = report
                        .artifact
                        .name
                        .as_deref()
                        .unwrap_or(&report.artifact.path);
                    warn(&format!(
                        "packguard: no previous release of {name} in {} (a first release?): scanned without a comparison",
                        releases.display()
                    ));
                }
                report.fail_new_only = args.new_only;
                reports.push(report);
            }
        }
    } else if let Some(previous) = previous {
        let [input] = inputs else {
            return Err(miette::miette!(
                help = "compare one release at a time: `packguard scan --previous OLD.tgz NEW.tgz`",
                "--previous compares with one package, and {} were given",
                inputs.len()
            ));
        };
        let mut report = packguard::diff(previous, input, &rules, &config, &options)?;
        report.fail_new_only = args.new_only;
        reports.push(report);
    } else if args.new_only {
        return Err(miette::miette!(
            help = "add --previous OLD.tgz (the last published release), or use `packguard diff`",
            "--new-only needs a previous release to compare with"
        ));
    } else if workspaces {
        for input in inputs {
            match input {
                Input::Path(root) => {
                    reports.extend(packguard::scan_workspaces(root, &rules, &config, &options)?)
                }
                Input::Stdin => reports.push(packguard::scan(input, &rules, &config, &options)?),
            }
        }
    } else {
        for result in packguard::scan_many(inputs, &rules, &config, &options) {
            reports.push(result?);
        }
    }
    suppressions::report_unused_config_ignores(&rules, &config, &mut reports);
    suppressions::report_everything_silenced(&rules, &config, &mut reports);
    if let Some(path) = &args.write_baseline {
        Baseline::from_findings(reports.iter().flat_map(|r| &r.findings)).write(path)?;
    }
    if let Some(path) = &args.baseline {
        let baseline = Baseline::read(path)?;
        // Judged on the findings before the baseline drops them; the new findings are not
        // in the baseline, so applying it keeps them.
        suppressions::report_unused_baseline_entries(
            &rules,
            &config,
            &baseline,
            path,
            &mut reports,
        );
        for r in &mut reports {
            r.apply_baseline(&baseline);
        }
    }
    if reports.is_empty() {
        // Only --workspaces can get here: every package of the workspace is private.
        warn("packguard: no publishable package in the workspace (all are `private` or lack a name and version)");
    }
    let how = Emit {
        format: args.report.format,
        color: args.report.color,
        outputs: &args.report.output,
        root: args.root.as_deref(),
    };
    emit(&reports, &rules, fail_on, &how)?;
    // Writing a baseline accepts what was found, so that run does not fail.
    let failed = args.write_baseline.is_none() && reports.iter().any(|r| r.fails(fail_on));
    Ok(ExitCode::from(u8::from(failed)))
}

/// `--fail-on`, else the config's `fail_on`, else `error`.
fn fail_on(arg: Option<FailOnArg>, config: &Config) -> FailOn {
    use packguard::finding::Severity;
    match arg {
        Some(FailOnArg::Error) => FailOn::Severity(Severity::Error),
        Some(FailOnArg::Warning) => FailOn::Severity(Severity::Warning),
        Some(FailOnArg::Info) => FailOn::Severity(Severity::Info),
        Some(FailOnArg::Never) => FailOn::Never,
        None => config.fail_on.unwrap_or(FailOn::Severity(Severity::Error)),
    }
}

/// Emits the reports and picks the exit code.
fn output(reports: &[packguard::Report], rules: &RuleSet, fail_on: FailOn, how: &Emit<'_>) -> Run {
    emit(reports, rules, fail_on, how)?;
    let failed = reports.iter().any(|r| r.fails(fail_on));
    Ok(ExitCode::from(u8::from(failed)))
}

fn workflow(args: WorkflowArgs) -> Run {
    let (rules, config) = rules_and_config(&args.rule_args, None)?;
    let fail_on = fail_on(args.report.fail_on, &config);
    let report = packguard::scan_workflows(&args.path, &rules, &config, &Options::default())?;
    let how = Emit {
        format: args.report.format,
        color: args.report.color,
        outputs: &args.report.output,
        root: None,
    };
    output(&[report], &rules, fail_on, &how)
}

fn init(args: InitArgs) -> Run {
    let written = packguard::init::init(&args.dir, args.workflow, args.force)?;
    let mut text = String::new();
    for p in written {
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    print(&text);
    Ok(ExitCode::SUCCESS)
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

fn ls(args: LsArgs) -> Run {
    let input = Input::parse(&args.path);
    let options = Options {
        pack: pack_options(&args.pack_args),
        ..Options::default()
    };
    if args.paths {
        let files =
            packguard::run::listing::paths(&input, &options).map_err(miette::Report::new)?;
        let mut text = String::new();
        for f in &files {
            text.push_str(&packguard::text::sanitize(f));
            text.push('\n');
        }
        print(&text);
        return Ok(ExitCode::SUCCESS);
    }
    let near = match &input {
        Input::Path(p) if p.is_dir() => Some(p.clone()),
        Input::Path(p) => p.parent().map(Path::to_path_buf),
        _ => None,
    };
    let (rules, config) = rules_and_config(&args.rule_args, near.as_deref())?;
    let options = Options {
        limits: config.limits(),
        ..options
    };
    let listing = packguard::run::listing::list(&input, &rules, &config, &options)
        .map_err(miette::Report::new)?;
    let text = match args.format {
        ListFormat::Json => listing::json(std::slice::from_ref(&listing)),
        ListFormat::Human => listing::human(std::slice::from_ref(&listing)),
    };
    print(&text);
    Ok(ExitCode::SUCCESS)
}

fn lock(args: LockArgs) -> Run {
    let input = Input::parse(&args.path);
    let dir = match &input {
        Input::Path(p) if p.is_dir() => Some(p.clone()),
        _ => None,
    };
    let near = match &input {
        Input::Path(p) if p.is_dir() => Some(p.clone()),
        Input::Path(p) => p.parent().map(Path::to_path_buf),
        Input::Stdin => None,
    };
    let (mut rules, config) = rules_and_config(&args.rule_args, near.as_deref())?;
    let choice = args.lock.map_or(LockChoice::Auto, LockChoice::File);
    let located = lockfile::locate(&choice, config.lock.as_deref(), dir.as_deref());
    let options = Options {
        limits: config.limits(),
        pack: pack_options(&args.pack_args),
        ..Options::default()
    };
    // Writing and checking use the same file: for a tarball with no --lock or config
    // `lock:`, the working directory's.
    let path = located.unwrap_or_else(|| {
        dir.as_deref()
            .unwrap_or(Path::new("."))
            .join(lockfile::FILE_NAME)
    });
    if args.check {
        if !path.is_file() {
            return Err(miette::miette!(
                help = "write one with `packguard lock`, or name it with --lock FILE",
                "no lock to check {}: {} does not exist",
                input.display(),
                path.display()
            ));
        }
        // Only the lock's rules: a check for a hook, not a full scan.
        rules
            .rules
            .retain(|r| r.check.as_deref().is_some_and(|c| c.starts_with("lock.")));
        let options = Options {
            lock: LockChoice::File(path),
            ..options
        };
        let report = packguard::scan(&input, &rules, &config, &options)?;
        // Any difference fails the check unless --fail-on says otherwise.
        let fail_on = args
            .report
            .fail_on
            .map_or(FailOn::Severity(packguard::finding::Severity::Info), |f| {
                fail_on(Some(f), &config)
            });
        let how = Emit {
            format: args.report.format,
            color: args.report.color,
            outputs: &args.report.output,
            root: None,
        };
        return output(&[report], &rules, fail_on, &how);
    }
    let old = if path.is_file() {
        Some(lockfile::Lock::read(&path).map_err(miette::Report::new)?)
    } else {
        None
    };
    let files = packguard::run::lock::package_files(&input, &options)?;
    let how = lockfile::Writing {
        sizes: args.sizes,
        collapse: args.collapse,
    };
    let update = lockfile::update(&files, old.as_ref(), how);
    packguard::safe_write::replace(&path, lockfile::render(&update.entries).as_bytes()).map_err(
        |e| {
            miette::miette!(
                help = "check that the folder exists and is writable",
                "could not write the lock {}: {e}",
                path.display()
            )
        },
    )?;
    let mut text = format!(
        "wrote {}: {} entries for {} files\n",
        path.display(),
        update.entries.len(),
        files
            .iter()
            .filter(|(rel, _)| rel != lockfile::FILE_NAME)
            .count()
    );
    for a in &update.added {
        text.push_str(&format!("  added    {}\n", packguard::text::sanitize(a)));
    }
    for r in &update.removed {
        text.push_str(&format!(
            "  removed  {} (covers no file)\n",
            packguard::text::sanitize(r)
        ));
    }
    print(&text);
    Ok(ExitCode::SUCCESS)
}

/// Where and how a command's reports go: `--format`, `--color`, `--output`, `--root`.
struct Emit<'a> {
    format: Format,
    color: ColorArg,
    outputs: &'a [OutputArg],
    root: Option<&'a Path>,
}

/// Writes the reports where they were asked for: `--output` files, stdout, and on GitHub
/// Actions the annotations and the job summary.
fn emit(
    reports: &[packguard::Report],
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
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let repo = RepoPaths::new(&workspace, args.root);
    let render = |format: Format, color: bool| -> String {
        match format {
            Format::Json => json::render(reports),
            Format::Jsonl => jsonl::render(reports),
            Format::Sarif => sarif::render(reports, rules, &repo),
            Format::Github => github::render(reports, &repo),
            Format::Human => human::render(reports, fail_on, human::Style { color, width: 120 }),
        }
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
        packguard::sink::write_file(&out.path, &render(format, false)).map_err(|e| {
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
        let mut text = render(format, color);
        // On Actions the human log also carries annotations, so the run page shows them;
        // machine formats on stdout stay parseable.
        if on_actions && format == Format::Human {
            text.push_str(&github::render(reports, &repo));
        }
        print(&text);
    }
    // A summary that cannot be written must not hide the scan's verdict: warn and go on.
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let appended =
            packguard::sink::append_file(Path::new(&path), &summary::render(reports, fail_on));
        if let Err(e) = appended {
            warn(&format!(
                "packguard: warning: could not append the job summary to {}: {e}",
                std::path::Path::new(&path).display()
            ));
        }
    }
    Ok(())
}

fn list(args: RuleArgs, format: ListFormat) -> Run {
    let cwd = std::env::current_dir().ok();
    let (rules, _) = rules_and_config(&args, cwd.as_deref())?;
    let text = match format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = rules
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "severity": r.severity,
                        "category": r.category,
                        "message": r.message,
                        "description": r.description,
                        "paths": r.paths.source,
                        "exclude": r.exclude.source,
                        "pattern": r.pattern.as_ref().map(|p| p.as_str()),
                        "keywords": r.keywords,
                        "check": r.check,
                        "entropy": r.validate.entropy,
                        "checksum": r.validate.checksum.map(|c| c.as_str()),
                        "decode": r.validate.decode,
                        "origin": r.origin,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&rows).expect("rule rows serialise");
            s.push('\n');
            s
        }
        ListFormat::Human => {
            let w = rules.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let mut s = String::new();
            for r in &rules.rules {
                s.push_str(&format!(
                    "{:w$}  {:7}  {:9}  {}\n",
                    r.id,
                    r.severity.as_str(),
                    r.category,
                    r.message
                ));
            }
            s.push_str(&format!("{} rules\n", rules.rules.len()));
            s
        }
    };
    print(&text);
    Ok(ExitCode::SUCCESS)
}

fn test(paths: &[std::path::PathBuf]) -> Run {
    let rules = packguard::rules::builtin::load_all(paths.is_empty(), paths)
        .map_err(miette::Report::new)?;
    let outcome = selftest::run(&rules);
    let mut text = String::new();
    for f in &outcome.failures {
        text.push_str(&format!("FAIL {} ({}): {}\n", f.rule, f.at, f.problem));
    }
    let failed_rules: std::collections::BTreeSet<&str> =
        outcome.failures.iter().map(|f| f.rule.as_str()).collect();
    text.push_str(&format!(
        "{} rules, {} examples\nexamples: {} passed, {} failed\n",
        outcome.rules,
        outcome.examples,
        outcome.examples.saturating_sub(outcome.failures.len()),
        outcome.failures.len()
    ));
    print(&text);
    Ok(ExitCode::from(u8::from(!failed_rules.is_empty())))
}

/// Writes to stdout; a closed pipe (`packguard ... | head`) is not an error worth a panic.
fn print(text: &str) {
    packguard::sink::stdout(text);
}
