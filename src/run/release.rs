//! Scanning one input, several at once, or two releases side by side: the engine driven over
//! a tarball, a package folder or standard input, with the lock that judges it.

use std::path::{Path, PathBuf};

use super::{Error, Input};
use crate::artifact::{self, ArtifactError};
use crate::config::Config;
use crate::lock::Lock;
use crate::report::Report;
use crate::rules::RuleSet;
use crate::scan::{Engine, Options};

/// Where `packguard workflow` looks when given `path` (or nothing): a repository root (a
/// folder with `.github/workflows`) means its workflows; with no path, the workflows of the
/// git work tree the working directory is in, else `.github/workflows` here.
pub fn workflows_folder(path: Option<&Path>) -> PathBuf {
    match path {
        Some(p) if p.join(".github/workflows").is_dir() => p.join(".github/workflows"),
        Some(p) => p.to_path_buf(),
        None => {
            let here = Path::new(".");
            match crate::project_path::work_tree_root(here) {
                Some(top) => top.join(".github/workflows"),
                None => here.join(".github/workflows"),
            }
        }
    }
}

/// Checks the GitHub Actions workflows in a folder (every `.yml`/`.yaml` file but a
/// packguard config or lock) or one file. A folder without any is an error: a check of
/// nothing must not look like a pass.
pub fn scan_workflows(
    path: &Path,
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
            .filter(|p| p.is_file() && is_workflow_name(p))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(unreadable)?;
            files.push((p.display().to_string(), text));
        }
        if files.is_empty() {
            return Err(Error::NoWorkflows { path: name });
        }
    } else {
        files.push((
            name.clone(),
            std::fs::read_to_string(path).map_err(unreadable)?,
        ));
    }
    Ok(Engine::new(rules, config, options).scan_workflows(&name, &files))
}

/// A `.yml`/`.yaml` file that is not packguard's own (a config under any of its names, or
/// the lock): those are YAML too, and never workflows.
fn is_workflow_name(p: &Path) -> bool {
    let Some(file) = p.file_name().and_then(|f| f.to_str()) else {
        return false;
    };
    (file.ends_with(".yml") || file.ends_with(".yaml"))
        && !crate::config::FILE_NAMES.contains(&file)
        && file != crate::lock::FILE_NAME
}

/// Scans one input.
pub fn scan(
    input: &Input,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Report, Error> {
    let lock = read_lock(config, options, package_dir(input))?;
    let engine = Engine::new(rules, config, options).with_lock(lock.as_ref());
    scan_observed(&engine, input, &mut artifact::Ignore)
}

/// Scans one input, also handing every file to `observer` in the same read.
fn scan_observed(
    engine: &Engine<'_>,
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
    let engine = Engine::new(rules, config, options).with_lock(lock.as_ref());
    let old_engine = Engine::new(rules, config, options);
    let side = |engine: &Engine<'_>, input: &Input| -> Result<crate::diff::Scanned, Error> {
        let mut inventory = crate::diff::Inventory::default();
        let report = scan_observed(engine, input, &mut inventory)?;
        Ok(crate::diff::Scanned { report, inventory })
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
    Ok(crate::diff::combine(
        engine.checks(),
        previous,
        current,
        started.elapsed(),
    ))
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
    let engine = Engine::new(rules, config, options).with_lock(lock.as_ref());
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
) -> Result<Option<Lock>, Error> {
    match crate::lock::locate(&options.lock, config.lock.as_deref(), dir) {
        None => Ok(None),
        Some(path) => Ok(Some(Lock::read(&path)?)),
    }
}
