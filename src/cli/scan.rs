//! `packguard scan` and `packguard diff` (which is `scan --previous OLD NEW`).

use packguard::lock::LockChoice;
use packguard::run::{gate, setup};
use packguard::{Input, Options};

use super::args::{DiffArgs, ScanArgs, ScanOptions};
use super::output::{emit, Emit};
use super::{exit, fail_on, pack_options, sources, warn, Run};

pub fn scan(args: ScanArgs) -> Run {
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    let previous = args.previous.as_deref().map(Input::parse);
    scan_inputs(&inputs, args.workspaces, previous.as_ref(), args.options)
}

pub fn diff(args: DiffArgs) -> Run {
    let old = Input::parse(&args.old);
    scan_inputs(&[Input::parse(&args.new)], false, Some(&old), args.options)
}

fn scan_inputs(
    inputs: &[Input],
    workspaces: bool,
    previous: Option<&Input>,
    args: ScanOptions,
) -> Run {
    // A --project that is not a folder would silently fall back to other configs and no lock.
    if let Some(project) = args.project.as_deref().filter(|p| !p.is_dir()) {
        return Err(miette::miette!(
            help = "give the package folder the tarball was packed from",
            "--project {} is not a folder",
            project.display()
        ));
    }
    // The config is looked for in --project, else next to the first package.
    let near = args
        .project
        .clone()
        .or_else(|| inputs.first().and_then(setup::config_dir));
    let sources = sources(&args.rule_args);
    let (rules, config) = sources.load(near.as_deref())?;
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
    if args.show_secrets {
        packguard::sink::show_secrets();
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
        lock: match (args.no_lock, args.lock, &args.project) {
            (true, _, _) => LockChoice::Off,
            (false, Some(path), _) => LockChoice::File(path),
            // The project's lock judges the tarball packed from it.
            (false, None, Some(project)) => {
                packguard::lock::locate(&LockChoice::Auto, config.lock.as_deref(), Some(project))
                    .map_or(LockChoice::Auto, LockChoice::File)
            }
            (false, None, None) => LockChoice::Auto,
        },
    };
    let request = gate::Request {
        inputs,
        workspaces,
        previous,
        new_only: args.new_only,
        fail_on: fail_on(args.report.fail_on),
        baseline: args.baseline.as_deref(),
        write_baseline: args.write_baseline.as_deref(),
        sources: Some(&sources),
    };
    let outcome = gate::run(&request, &rules, &config, &options, &mut |m| warn(m))?;
    let root = args.root.as_deref().or(args.project.as_deref());
    let how = Emit::new(&args.report, root);
    emit(&outcome.reports, &rules, outcome.fail_on, &how)?;
    Ok(exit(outcome.failed))
}
