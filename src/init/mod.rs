//! `packguard init`: writes a commented config and, on request, a release workflow that
//! publishes with npm trusted publishing after a packguard scan.
//!
//! The templates are files next to this module, so they can be read and reviewed as what they
//! are; tests check that the config parses and the workflow passes `packguard workflow`.
//! What exists is kept (and said so) unless `force`.

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

pub const CONFIG: &str = include_str!("config.yml");
pub const RELEASE_WORKFLOW: &str = include_str!("release.yml");

#[derive(Debug, Error, Diagnostic)]
pub enum InitError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::Ambiguous),
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(packguard::init::write))]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What `init` did with one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    Wrote(PathBuf),
    /// Left as it was: it exists and `force` was not given.
    Kept(PathBuf),
}

/// The config for the package in `dir`: the template, with the guess packguard made about
/// whose source the package is, and how to change it.
pub fn config_for(dir: &Path) -> String {
    let manifest: Option<serde_json::Value> = std::fs::read(dir.join("package.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let v = crate::license::from_manifest(manifest.as_ref());
    let (kind, other) = match v.kind {
        crate::license::SourceKind::Open => ("open", "proprietary"),
        crate::license::SourceKind::Proprietary => ("proprietary", "open"),
    };
    let consequence = match v.kind {
        crate::license::SourceKind::Open => {
            "source maps that ship original source text are a note (sourcemap/sources-content)"
        }
        crate::license::SourceKind::Proprietary => {
            "source maps that ship the package's own source text fail the run\n# (sourcemap/proprietary-source)"
        }
    };
    let section = format!(
        "# Whose source this package is. packguard guessed `{kind}` from package.json: {}.\n\
         # So {consequence}.\n\
         # The guess follows `license`; to decide it yourself, uncomment one of these:\n\
         # source: {kind}\n\
         # source: {other}",
        v.reason.replace('\n', " ")
    );
    CONFIG.replace("# {{source}}", &section)
}

/// Writes what is missing: the config into the package folder `dir` (unless one exists
/// under any accepted name) and, with `workflow`, the release workflow at the root of the
/// git work tree `dir` is in (GitHub reads workflows nowhere else; outside a work tree, `dir`
/// is taken as the root). What exists is kept, and said so, unless `force`, which replaces it
/// in place (an existing config keeps its name: never two configs).
pub fn init(dir: &Path, workflow: bool, force: bool) -> Result<Vec<Done>, InitError> {
    let config_path = match crate::config::in_folder(dir)? {
        Some(existing) => existing,
        None => dir.join(".packguard.yml"),
    };
    let mut plan = vec![(config_path, config_for(dir))];
    if workflow {
        let root = crate::project_path::work_tree_root(dir);
        let (root, package) = match &root {
            Some(root) => (root.clone(), package_folder(root, dir)),
            None => (dir.to_path_buf(), String::new()),
        };
        let lockfile = has_npm_lockfile(dir, &root);
        plan.push((
            root.join(".github/workflows/release.yml"),
            release_workflow(&package, lockfile),
        ));
    }
    let mut done = Vec::new();
    for (path, text) in plan {
        // A dangling symlink is something too: `exists` would follow it and say no.
        if !force && crate::safe_write::occupied(&path) {
            done.push(Done::Kept(path));
            continue;
        }
        let fail = |source| InitError::Write {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        crate::safe_write::replace(&path, text.as_bytes()).map_err(fail)?;
        done.push(Done::Wrote(path));
    }
    Ok(done)
}

/// `dir` relative to the work tree's `root`, with `/` (empty for the root itself): the
/// workflow's `working-directory`.
fn package_folder(root: &Path, dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    dir.strip_prefix(root)
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default()
}

/// Whether `npm ci` can run for the package in `dir`: a `package-lock.json` or
/// `npm-shrinkwrap.json` in it or in a folder above it up to `root` (an npm workspace keeps
/// one lockfile at its root). `npm ci` fails without one.
fn has_npm_lockfile(dir: &Path, root: &Path) -> bool {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    dir.ancestors()
        .take_while(|d| d.starts_with(&root))
        .any(|d| {
            ["package-lock.json", "npm-shrinkwrap.json"]
                .iter()
                .any(|f| d.join(f).is_file())
        })
}

/// The release workflow for the package at `package` (relative to the repository root,
/// empty for the root): its steps run there, and `npm ci` becomes `npm install` when there
/// is no lockfile.
pub fn release_workflow(package: &str, lockfile: bool) -> String {
    let mut text = RELEASE_WORKFLOW.to_string();
    if !lockfile {
        text = text.replace(
            "      - run: npm ci\n",
            "      - run: npm install # no package-lock.json yet to install exactly from\n",
        );
    }
    if !package.is_empty() {
        let quoted = serde_json::to_string(package).unwrap_or_default();
        text = text.replace(
            "    steps:\n",
            &format!(
                "    defaults:\n      run:\n        working-directory: {quoted}\n    steps:\n"
            ),
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_template_is_a_valid_config() {
        let mut rules =
            crate::rules::builtin::rules(&crate::checks::names()).expect("built-in rules");
        let src = crate::source::Source::new(".packguard.yml", CONFIG);
        crate::config::apply(&src, Path::new("."), &mut rules).expect("the template parses");
    }

    #[test]
    fn the_config_states_the_guess_and_parses_with_either_choice() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"license":"UNLICENSED"}"#,
        )
        .unwrap();
        let text = config_for(dir.path());
        assert!(text.contains("packguard guessed `proprietary`"), "{text}");
        assert!(text.contains("`license` is `UNLICENSED`"), "{text}");
        for choice in ["proprietary", "open"] {
            let line = format!("# source: {choice}");
            assert!(text.contains(&line), "{text}");
            let chosen = text.replace(&line, &format!("source: {choice}"));
            let mut rules =
                crate::rules::builtin::rules(&crate::checks::names()).expect("built-in rules");
            let src = crate::source::Source::new(".packguard.yml", &chosen);
            let c = crate::config::apply(&src, Path::new("."), &mut rules).expect("parses");
            assert_eq!(c.source.map(|k| k.as_str()), Some(choice));
        }
        std::fs::write(dir.path().join("package.json"), r#"{"license":"MIT"}"#).unwrap();
        assert!(config_for(dir.path()).contains("packguard guessed `open`"));
    }
}
