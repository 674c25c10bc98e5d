//! `packguard lock`'s use cases: writing the lock from the files a package would publish
//! (read with an empty rule set), and checking a package against it with only the lock's
//! rules. The lock's format lives in `crate::lock`, its check in `crate::checks::lock`.

use std::path::{Path, PathBuf};

use super::{Error, Input};
use crate::config::Config;
use crate::finding::{FailOn, Severity};
use crate::lock::{self as lockfile, Lock, LockChoice, Writing};
use crate::report::Report;
use crate::rules::RuleSet;
use crate::scan::Options;

/// `lock --check` fails on any difference unless `--fail-on` says otherwise.
pub const CHECK_FAILS_ON: FailOn = FailOn::Severity(Severity::Info);

/// The lock `packguard lock` writes and checks: `--lock`, the config's `lock:`, else
/// packguard.lock.yml in the package folder; for a tarball, in the working directory.
/// Writing and checking use the same file.
pub fn path(input: &Input, flag: Option<PathBuf>, config: &Config) -> PathBuf {
    let dir = match input {
        Input::Path(p) if p.is_dir() => Some(p.as_path()),
        _ => None,
    };
    let choice = flag.map_or(LockChoice::Auto, LockChoice::File);
    lockfile::locate(&choice, config.lock.as_deref(), dir)
        .unwrap_or_else(|| dir.unwrap_or(Path::new(".")).join(lockfile::FILE_NAME))
}

/// `lock --check`: the package compared with the lock at `path`, by the lock's rules only
/// (`rules` keeps just those: a check for a hook, not a full scan).
pub fn check(
    input: &Input,
    path: &Path,
    rules: &mut RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Report, Error> {
    if !path.is_file() {
        return Err(Error::NoLockToCheck {
            input: input.display(),
            path: path.display().to_string(),
        });
    }
    rules
        .rules
        .retain(|r| r.check.as_deref().is_some_and(|c| c.starts_with("lock.")));
    let options = Options {
        lock: LockChoice::File(path.to_path_buf()),
        ..options.clone()
    };
    super::scan(input, rules, config, &options)
}

/// What `packguard lock` wrote.
#[derive(Clone, Debug)]
pub struct Written {
    pub entries: usize,
    /// Files of the package (the lock itself left out).
    pub files: usize,
    /// Files the old lock did not cover.
    pub added: Vec<String>,
    /// Entries of the old lock that covered nothing.
    pub removed: Vec<String>,
}

/// `packguard lock`: writes the lock at `path` for `input`'s files, keeping what the old
/// lock there said.
pub fn write(
    input: &Input,
    path: &Path,
    how: Writing,
    options: &Options,
) -> Result<Written, Error> {
    let old = if path.is_file() {
        Some(Lock::read(path)?)
    } else {
        None
    };
    let files = package_files(input, options)?;
    let update = lockfile::update(&files, old.as_ref(), how);
    crate::safe_write::replace(path, lockfile::render(&update.entries).as_bytes()).map_err(
        |error| Error::LockUnwritable {
            path: path.display().to_string(),
            error,
        },
    )?;
    Ok(Written {
        entries: update.entries.len(),
        files: files
            .iter()
            .filter(|(rel, _)| rel != lockfile::FILE_NAME)
            .count(),
        added: update.added,
        removed: update.removed,
    })
}

/// The files `input` would publish, as `(path from the package root, size)`, sorted: what
/// `packguard lock` records.
pub fn package_files(input: &Input, options: &Options) -> Result<Vec<(String, u64)>, Error> {
    // An empty rule set: the listing reads the files and sizes and scans nothing.
    let listing = super::listing::list(input, &RuleSet::default(), &Config::default(), options)?;
    let mut files: Vec<(String, u64)> = listing
        .files
        .into_iter()
        .map(|f| {
            let rel = f.path.split_once('/').map_or(f.path.as_str(), |(_, r)| r);
            (rel.to_string(), f.size)
        })
        .collect();
    files.sort();
    Ok(files)
}
