//! `scan --workspaces`: every publishable package of a monorepo, each scanned on its own, or
//! compared with its previous release from a folder of them.

use std::path::{Path, PathBuf};

use super::release::{diff, scan_directory};
use super::setup::Sources;
use super::{Error, Input};
use crate::artifact::{self, ArtifactError};
use crate::config::Config;
use crate::report::Report;
use crate::rules::RuleSet;
use crate::scan::Options;

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
/// A package with a config of its own is judged by it (`sources`), else by `config`.
pub fn diff_workspaces(
    root: &Path,
    previous: &Path,
    rules: &RuleSet,
    config: &Config,
    sources: Option<&Sources>,
    options: &Options,
) -> Result<Vec<Report>, Error> {
    if !previous.is_dir() {
        return Err(Error::PreviousReleasesNeedDirectory {
            path: previous.display().to_string(),
        });
    }
    workspace_reports(root, rules, config, sources, |dir, rules, config| {
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
/// package (`Finding.package`). A package with a config of its own is judged by it
/// (`sources` loads it), as its own lock judges it; the others by `config`, the root's.
pub fn scan_workspaces(
    root: &Path,
    rules: &RuleSet,
    config: &Config,
    sources: Option<&Sources>,
    options: &Options,
) -> Result<Vec<Report>, Error> {
    workspace_reports(root, rules, config, sources, |dir, rules, config| {
        scan_directory(dir, rules, config, options)
    })
}

/// `make`'s report for each publishable package of the workspace at `root`, with the
/// package's own rules and config or the run's, every finding naming its package.
fn workspace_reports(
    root: &Path,
    rules: &RuleSet,
    config: &Config,
    sources: Option<&Sources>,
    mut make: impl FnMut(&Path, &RuleSet, &Config) -> Result<Report, Error>,
) -> Result<Vec<Report>, Error> {
    let mut reports = Vec::new();
    for dir in workspace_packages(root)? {
        let own = match sources {
            Some(s) => s.own_config(&dir, config)?,
            None => None,
        };
        let mut report = match &own {
            Some((rules, config)) => make(&dir, rules, config)?,
            None => make(&dir, rules, config)?,
        };
        if own.is_some() {
            // Its ignores are its own config's, not the run's: the run-wide check of unused
            // ignores judges the run's config on the packages that use it.
            report.used_ignores.clear();
        }
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
