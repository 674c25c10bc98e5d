//! packguard: stops a bad npm release before `npm publish`.
//!
//! The library's face. Data flows one way: an input is read as an artifact
//! (`artifact`), every file goes through the rules (`rules`, `scan`), findings (`finding`)
//! become a report (`report`). `main.rs` only parses arguments, calls `scan`, and prints.

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
pub mod listing;
pub mod lock;
pub mod report;
pub mod rules;
pub mod scan;
pub mod suppressions;
pub mod text;

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

pub use artifact::pack::{PackChoice, PackError, PackOptions, Packer};
pub use artifact::ArtifactError;
pub use config::Config;
pub use report::Report;
pub use rules::load::SpannedError;
pub use rules::RuleSet;
pub use scan::{FailOn, Options};

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A tarball on standard input (`-`).
    Stdin,
    /// A `.tgz`/`.tar` file or a package directory.
    Path(PathBuf),
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    /// How the input is named in reports and errors.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// Everything that ends a run with exit code 2.
#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Artifact(#[from] ArtifactError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] Box<SpannedError>),
    #[error("cannot read workflows from {path}: {source}")]
    #[diagnostic(
        code(packguard::input::workflows),
        help("give the folder of your workflows (default .github/workflows) or one workflow file")
    )]
    Workflows {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Pack(#[from] PackError),
    #[error(
        "{path} declares no workspaces (no `workspaces` in package.json, no pnpm-workspace.yaml)"
    )]
    #[diagnostic(
        code(packguard::input::no_workspaces),
        help("run --workspaces from the monorepo's root folder, or scan the package folder without it")
    )]
    NoWorkspaces { path: String },
    #[error("--paths lists a package folder, and {path} is not one")]
    #[diagnostic(
        code(packguard::input::paths_need_directory),
        help("for a tarball, `packguard ls` without --paths lists its files with sizes")
    )]
    PathsNeedDirectory { path: String },
    #[error("both releases to compare are `-`; only one can be read from standard input")]
    #[diagnostic(
        code(packguard::input::both_stdin),
        help("give the previous release as a .tgz file or a package folder")
    )]
    BothStdin,
    #[error("cannot read the previous release {path}")]
    #[diagnostic(
        code(packguard::input::previous),
        help("give the tarball of the last published version (`npm pack NAME@latest` writes it) or its package folder")
    )]
    Previous {
        path: String,
        #[source]
        source: Box<Error>,
    },
    #[error("--workspaces needs a directory, and {path} is not one")]
    #[diagnostic(code(packguard::input::workspaces_need_directory))]
    WorkspacesNeedDirectory { path: String },
    #[error("with --workspaces, --previous is a folder of previous releases, and {path} is not a folder")]
    #[diagnostic(
        code(packguard::input::previous_releases),
        help("fetch each package's last release into one folder: `npm pack NAME@latest --pack-destination DIR`, then `--previous DIR`")
    )]
    PreviousReleasesNeedDirectory { path: String },
    #[error("{dir} holds more than one release of {name}: {found}")]
    #[diagnostic(
        code(packguard::input::previous_releases),
        help("keep only the last published release of each package in the folder")
    )]
    SeveralPreviousReleases {
        dir: String,
        name: String,
        found: String,
    },
}

impl From<SpannedError> for Error {
    fn from(e: SpannedError) -> Self {
        Error::Config(Box::new(e))
    }
}

/// Checks the GitHub Actions workflows in a folder (every `.yml`/`.yaml` file) or one file.
pub fn scan_workflows(
    path: &std::path::Path,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Report, Error> {
    let name = path.display().to_string();
    let unreadable = |source: std::io::Error| Error::Workflows {
        path: name.clone(),
        source,
    };
    let mut files = Vec::new();
    if path.is_dir() {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(unreadable)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("yml") | Some("yaml")
                    )
            })
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(unreadable)?;
            files.push((p.display().to_string(), text));
        }
    } else {
        files.push((
            name.clone(),
            std::fs::read_to_string(path).map_err(unreadable)?,
        ));
    }
    Ok(scan::Engine::new(rules, config, options).scan_workflows(&name, &files))
}

/// Scans one input.
pub fn scan(
    input: &Input,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Report, Error> {
    let lock = read_lock(config, options, package_dir(input))?;
    let engine = scan::Engine::new(rules, config, options).with_lock(lock.as_ref());
    scan_observed(&engine, input, &mut artifact::Ignore)
}

/// Scans one input, also handing every file to `observer` in the same read.
fn scan_observed(
    engine: &scan::Engine<'_>,
    input: &Input,
    observer: &mut dyn artifact::Visitor,
) -> Result<Report, Error> {
    let name = input.display();
    match input {
        Input::Stdin => {
            let stdin = std::io::stdin();
            Ok(engine.scan_archive_observed(&name, stdin, observer)?)
        }
        Input::Path(path) => {
            if path.is_dir() {
                let list = artifact::pack::select(path, &engine.options().pack)?;
                return Ok(engine.scan_directory_observed(&name, path, &list, observer)?);
            }
            let file = std::fs::File::open(path).map_err(|source| ArtifactError::Unreadable {
                name: name.clone(),
                source,
            })?;
            let reader = std::io::BufReader::with_capacity(1 << 16, file);
            Ok(engine.scan_archive_observed(&name, reader, observer)?)
        }
    }
}

/// `packguard diff OLD NEW`, `scan --previous OLD NEW`: scans both releases with the same
/// rules and returns NEW's report with what changed (`Report.diff`), the `diff/*`
/// findings, and every finding marked new or pre-existing.
pub fn diff(
    old: &Input,
    new: &Input,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Report, Error> {
    if *old == Input::Stdin && *new == Input::Stdin {
        return Err(Error::BothStdin);
    }
    let started = std::time::Instant::now();
    // The lock judges the release being made; the previous one shipped already.
    let lock = read_lock(config, options, package_dir(new))?;
    let engine = scan::Engine::new(rules, config, options).with_lock(lock.as_ref());
    let old_engine = scan::Engine::new(rules, config, options);
    let side = |engine: &scan::Engine<'_>, input: &Input| -> Result<diff::Scanned, Error> {
        let mut inventory = diff::Inventory::default();
        let report = scan_observed(engine, input, &mut inventory)?;
        Ok(diff::Scanned { report, inventory })
    };
    // The two releases are read at once: each read is mostly decompression and matching, and
    // the machine usually has a core to spare for the other (PACKGUARD_THREADS=1: one by one).
    let (previous, current) = if options.threads == 1 {
        (side(&old_engine, old), side(&engine, new))
    } else {
        std::thread::scope(|s| {
            let previous = s.spawn(|| side(&old_engine, old));
            let current = side(&engine, new);
            let previous = previous.join().unwrap_or_else(|_| {
                Err(Error::Artifact(ArtifactError::Corrupt {
                    name: old.display(),
                    detail: "the scan stopped unexpectedly".to_string(),
                }))
            });
            (previous, current)
        })
    };
    let previous = previous.map_err(|e| Error::Previous {
        path: old.display(),
        source: Box::new(e),
    })?;
    let current = current?;
    Ok(diff::combine(&engine, previous, current, started.elapsed()))
}

/// Scans several inputs, as many at once as the machine has cores (each on one thread, which
/// beats splitting one scan when there are several), returning results in input order.
pub fn scan_many(
    inputs: &[Input],
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Vec<Result<Report, Error>> {
    let workers = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(inputs.len());
    if workers <= 1 {
        return inputs
            .iter()
            .map(|i| scan(i, rules, config, options))
            .collect();
    }
    let one_thread_each = Options {
        threads: 1,
        ..options.clone()
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<Report, Error>>>> =
        inputs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { break };
                let result = scan(input, rules, config, &one_thread_each);
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            });
        }
    });
    results
        .into_iter()
        .zip(inputs)
        .map(|(slot, input)| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| {
                    Err(Error::Artifact(ArtifactError::Corrupt {
                        name: input.display(),
                        detail: "the scan stopped unexpectedly".to_string(),
                    }))
                })
        })
        .collect()
}

/// Scans the files a package folder would publish, as its packer (or `options.pack`)
/// selects them.
pub fn scan_directory(
    dir: &Path,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Report, Error> {
    let list = artifact::pack::select(dir, &options.pack)?;
    let lock = read_lock(config, options, Some(dir))?;
    let engine = scan::Engine::new(rules, config, options).with_lock(lock.as_ref());
    Ok(engine.scan_directory(&dir.display().to_string(), dir, &list)?)
}

/// The package folder an input is, for finding the lock in it.
fn package_dir(input: &Input) -> Option<&Path> {
    match input {
        Input::Path(p) if p.is_dir() => Some(p.as_path()),
        _ => None,
    }
}

/// The expected-contents lock a scan checks against (`--lock`, the config's `lock:`, or
/// `packguard.lock.yml` in the package folder `dir`), read and compiled.
pub fn read_lock(
    config: &Config,
    options: &Options,
    dir: Option<&Path>,
) -> Result<Option<lock::Lock>, Error> {
    match lock::locate(&options.lock, config.lock.as_deref(), dir) {
        None => Ok(None),
        Some(path) => Ok(Some(lock::Lock::read(&path)?)),
    }
}

/// The publishable packages of the workspace rooted at `root`: every member folder (and
/// the root itself) whose package.json is not `private` and has a name and a version
/// (npm publishes nothing else).
pub fn workspace_packages(root: &Path) -> Result<Vec<PathBuf>, Error> {
    if !root.is_dir() {
        return Err(Error::WorkspacesNeedDirectory {
            path: root.display().to_string(),
        });
    }
    let manifest = artifact::pack::read_manifest(root)?;
    let globs = artifact::pack::workspace::globs(root, &manifest)?;
    if globs.is_empty() {
        return Err(Error::NoWorkspaces {
            path: root.display().to_string(),
        });
    }
    let mut out = Vec::new();
    let publishable = |m: &serde_json::Value| {
        let named = |k: &str| {
            m.get(k)
                .and_then(|v| v.as_str())
                .is_some_and(|s| !s.is_empty())
        };
        m.get("private").and_then(|p| p.as_bool()) != Some(true)
            && named("name")
            && named("version")
    };
    if publishable(&manifest) {
        out.push(root.to_path_buf());
    }
    for dir in artifact::pack::workspace::member_dirs(root, &manifest)? {
        let m = artifact::pack::read_manifest(&dir)?;
        if publishable(&m) {
            out.push(dir);
        }
    }
    Ok(out)
}

/// `scan --workspaces --previous DIR`: each publishable package compared with its previous
/// release in `previous` (see [`previous_release`]), or, when the folder has none (a first
/// release), scanned alone: its report then has no `diff`. Every finding names its package.
pub fn diff_workspaces(
    root: &Path,
    previous: &Path,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Vec<Report>, Error> {
    if !previous.is_dir() {
        return Err(Error::PreviousReleasesNeedDirectory {
            path: previous.display().to_string(),
        });
    }
    workspace_reports(root, |dir| {
        let manifest = artifact::pack::read_manifest(dir)?;
        let name = manifest
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        match previous_release(previous, name)? {
            Some(old) => diff(
                &Input::Path(old),
                &Input::Path(dir.to_path_buf()),
                rules,
                config,
                options,
            ),
            None => scan_directory(dir, rules, config, options),
        }
    })
}

/// The tarball of package `name` in `dir`, named as `npm pack` names it
/// (`@scope/name` 1.2.0: `scope-name-1.2.0.tgz`): `None` when there is none, an error when
/// there are several.
pub fn previous_release(dir: &Path, name: &str) -> Result<Option<PathBuf>, Error> {
    let stem = format!("{}-", name.trim_start_matches('@').replace('/', "-"));
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::Artifact(ArtifactError::Unreadable {
            name: dir.display().to_string(),
            source: e,
        })
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let Some(file) = p.file_name().and_then(|f| f.to_str()) else {
                return false;
            };
            // The version starts with a digit, so `foo-` does not take `foo-bar-1.0.0.tgz`.
            file.strip_prefix(&stem)
                .and_then(|rest| rest.strip_suffix(".tgz"))
                .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
                && p.is_file()
        })
        .collect();
    found.sort();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(Error::SeveralPreviousReleases {
            dir: dir.display().to_string(),
            name: name.to_string(),
            found: found
                .iter()
                .filter_map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// `scan --workspaces`: one report per publishable package, every finding naming its
/// package (`Finding.package`).
pub fn scan_workspaces(
    root: &Path,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Vec<Report>, Error> {
    workspace_reports(root, |dir| scan_directory(dir, rules, config, options))
}

/// `make`'s report for each publishable package of the workspace at `root`, every finding
/// naming its package.
fn workspace_reports(
    root: &Path,
    mut make: impl FnMut(&Path) -> Result<Report, Error>,
) -> Result<Vec<Report>, Error> {
    let mut reports = Vec::new();
    for dir in workspace_packages(root)? {
        let mut report = make(&dir)?;
        let package = report
            .artifact
            .name
            .clone()
            .unwrap_or_else(|| dir.display().to_string());
        for f in &mut report.findings {
            f.package = Some(package.clone());
        }
        reports.push(report);
    }
    Ok(reports)
}
