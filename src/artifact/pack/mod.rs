//! Which files of a package directory would be published: the packer's file list.
//!
//! The real packer is the truth (npm, pnpm, yarn and bun disagree in places), so by default
//! the project's packer is detected (`packageManager` field, then lockfiles) and asked for
//! its list without running lifecycle scripts (`external`). `builtin` is npm's selection
//! in Rust for machines without Node. A missing or failing packer is an error; falling back
//! to `builtin` happens only when the user asked for it.
//!
//! This module decides *which* files; `artifact::directory` reads them.

pub mod brace;
pub mod builtin;
mod external;
pub mod glob;
mod js;
mod project_code;
pub mod workspace;

use std::fs;
use std::path::Path;

use miette::Diagnostic;
use serde_json::Value;
use thiserror::Error;

/// A packer that can list a package's files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Packer {
    Npm,
    Pnpm,
    Yarn,
    Bun,
    Builtin,
}

impl Packer {
    pub fn as_str(self) -> &'static str {
        match self {
            Packer::Npm => "npm",
            Packer::Pnpm => "pnpm",
            Packer::Yarn => "yarn",
            Packer::Bun => "bun",
            Packer::Builtin => "builtin",
        }
    }
}

/// `--pack`: detect the packer, or use this one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PackChoice {
    #[default]
    Auto,
    Use(Packer),
}

/// How to get a directory's file list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackOptions {
    pub choice: PackChoice,
    /// When the packer is missing or fails, use `builtin` instead of stopping.
    pub fallback_builtin: bool,
}

/// The files a packer would publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileList {
    /// Which packer decided (`npm`, `builtin`, ...).
    pub packer: Packer,
    /// Why builtin was used instead of the detected packer, when it was a fallback.
    pub fallback_reason: Option<String>,
    /// Paths relative to the package folder, `/`-separated, sorted, unique.
    pub files: Vec<String>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum PackError {
    #[error("{dir} has no readable package.json: {source}")]
    #[diagnostic(
        code(packguard::pack::no_manifest),
        help("point packguard at a package folder (the one holding package.json), or at a .tgz")
    )]
    NoManifest {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {detail}")]
    #[diagnostic(code(packguard::pack::bad_manifest))]
    BadManifest { path: String, detail: String },
    #[error("{path} cannot be packed: {detail}")]
    #[diagnostic(code(packguard::pack::not_packable))]
    NotPackable { path: String, detail: String },
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(packguard::pack::unreadable))]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the ignore file {path}: {source}")]
    #[diagnostic(
        code(packguard::pack::ignore_file),
        help("npm stops on an unreadable .npmignore/.gitignore too; fix its permissions or remove it")
    )]
    IgnoreFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the braces in {path} expand, with the rules read before it, to more than {limit} patterns"
    )]
    #[diagnostic(
        code(packguard::pack::too_many_patterns),
        help("npm would expand them all; packguard stops there so that memory stays bounded. Write the rules with fewer braces, or scan the .tgz that npm pack writes")
    )]
    TooManyPatterns { path: String, limit: usize },
    #[error("{path} is not valid UTF-8; packguard cannot name it in a report")]
    #[diagnostic(code(packguard::pack::non_utf8_name), help("rename the file"))]
    NonUtf8Name { path: String },
    #[error("{path} is invalid: {detail}")]
    #[diagnostic(code(packguard::pack::bad_workspace_file))]
    BadWorkspaceFile { path: String, detail: String },
    #[error("{packer} is needed to list the files of {dir} but could not be run: {detail}")]
    #[diagnostic(
        code(packguard::pack::packer_missing),
        help("install it, choose another packer with --pack npm|pnpm|yarn|bun|builtin, or add --pack-fallback to use packguard's built-in npm rules when the packer is unavailable")
    )]
    PackerMissing {
        packer: &'static str,
        dir: String,
        detail: String,
    },
    #[error("`{command}` failed in {dir}: {detail}")]
    #[diagnostic(
        code(packguard::pack::packer_failed),
        help("run the command yourself to see why, choose another packer with --pack, or add --pack-fallback to use packguard's built-in npm rules")
    )]
    PackerFailed {
        command: String,
        dir: String,
        detail: String,
    },
    #[error("`{command}` would run the `{script}` script of {dir}; packguard never runs lifecycle scripts")]
    #[diagnostic(
        code(packguard::pack::would_run_scripts),
        help("yarn 2+ has no way to pack without running prepack/postpack: use --pack npm or --pack builtin, or run `yarn pack` yourself and scan the .tgz")
    )]
    WouldRunScripts {
        command: String,
        dir: String,
        script: String,
    },
    #[error("{packer} was not asked: `{setting}` in {file} would make it run code the project chose, and packguard never runs project code")]
    #[diagnostic(code(packguard::pack::project_code))]
    ProjectCode {
        packer: &'static str,
        file: String,
        setting: &'static str,
    },
}

impl PackError {
    /// Errors that a fallback to builtin may recover from: the packer, not the package, failed.
    fn is_packer_failure(&self) -> bool {
        matches!(
            self,
            PackError::PackerMissing { .. }
                | PackError::PackerFailed { .. }
                | PackError::WouldRunScripts { .. }
        )
    }
}

/// The files `dir` would publish, by the chosen or detected packer.
pub fn select(dir: &Path, options: &PackOptions) -> Result<FileList, PackError> {
    let packer = match options.choice {
        PackChoice::Use(p) => p,
        PackChoice::Auto => detect(dir)?,
    };
    let listed = match packer {
        Packer::Builtin => builtin::select(dir),
        other => external::list(other, dir),
    };
    match listed {
        Ok(files) => Ok(FileList {
            packer,
            fallback_reason: None,
            files: normalise(files),
        }),
        // Refusing a packer that would run project code is packguard's choice, not a
        // failure the user must opt into recovering from: the builtin list always stands in.
        Err(e)
            if matches!(e, PackError::ProjectCode { .. })
                || (options.fallback_builtin && e.is_packer_failure()) =>
        {
            Ok(FileList {
                packer: Packer::Builtin,
                // One line for the summary: the packer's own output stays out of the report.
                fallback_reason: Some(
                    e.to_string()
                        .split("; it said:")
                        .next()
                        .unwrap_or_default()
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                ),
                files: normalise(builtin::select(dir)?),
            })
        }
        Err(e) => Err(e),
    }
}

fn normalise(mut files: Vec<String>) -> Vec<String> {
    for f in &mut files {
        *f = f.replace('\\', "/");
        while let Some(rest) = f.strip_prefix("./") {
            *f = rest.to_string();
        }
    }
    files.sort();
    files.dedup();
    files
}

/// The project's packer: `packageManager` in the package's (or its workspace root's)
/// package.json, else the lockfile found nearest up the tree, else npm.
pub fn detect(dir: &Path) -> Result<Packer, PackError> {
    let manifest = read_manifest(dir)?;
    let abs = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut cur = Some(abs.as_path());
    let mut first = true;
    while let Some(d) = cur {
        let m = if first {
            Some(manifest.clone())
        } else {
            fs::read(d.join("package.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        };
        first = false;
        if let Some(pm) = m
            .as_ref()
            .and_then(|m| m.get("packageManager"))
            .and_then(Value::as_str)
        {
            let name = pm.split('@').next().unwrap_or("");
            if let Some(p) = by_name(name) {
                return Ok(p);
            }
        }
        for (lock, packer) in [
            ("pnpm-lock.yaml", Packer::Pnpm),
            ("yarn.lock", Packer::Yarn),
            ("bun.lockb", Packer::Bun),
            ("bun.lock", Packer::Bun),
            ("package-lock.json", Packer::Npm),
            ("npm-shrinkwrap.json", Packer::Npm),
        ] {
            if d.join(lock).is_file() {
                return Ok(packer);
            }
        }
        // The repository's top ends the search: a lockfile above it belongs to someone else.
        if d.join(".git").exists() {
            break;
        }
        cur = d.parent();
    }
    Ok(Packer::Npm)
}

fn by_name(name: &str) -> Option<Packer> {
    match name {
        "npm" => Some(Packer::Npm),
        "pnpm" => Some(Packer::Pnpm),
        "yarn" => Some(Packer::Yarn),
        "bun" => Some(Packer::Bun),
        _ => None,
    }
}

/// The package.json of `dir`, parsed.
pub fn read_manifest(dir: &Path) -> Result<Value, PackError> {
    let path = dir.join("package.json");
    let text = fs::read(&path).map_err(|source| PackError::NoManifest {
        dir: dir.display().to_string(),
        source,
    })?;
    serde_json::from_slice(&text).map_err(|e| PackError::BadManifest {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("temp dir");
        for (p, c) in files {
            let path = d.path().join(p);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, c).expect("write");
        }
        // Stop the upward search here, as a repository top would.
        fs::create_dir_all(d.path().join(".git")).expect("mkdir");
        d
    }

    #[test]
    fn package_manager_field_wins_over_lockfiles() {
        let d = dir(&[
            ("package.json", r#"{"packageManager":"yarn@4.1.0"}"#),
            ("pnpm-lock.yaml", ""),
        ]);
        assert_eq!(detect(d.path()).unwrap(), Packer::Yarn);
        for (pm, packer) in [
            ("npm@10.9.0", Packer::Npm),
            ("pnpm@10.1.0", Packer::Pnpm),
            ("bun@1.2.0", Packer::Bun),
        ] {
            let d = dir(&[
                ("package.json", &format!(r#"{{"packageManager":"{pm}"}}"#)),
                ("yarn.lock", ""),
            ]);
            assert_eq!(detect(d.path()).unwrap(), packer, "{pm}");
        }
        // A name that is not a packer is passed over: the lockfile decides.
        let d = dir(&[
            ("package.json", r#"{"packageManager":"deno@2.0.0"}"#),
            ("yarn.lock", ""),
        ]);
        assert_eq!(detect(d.path()).unwrap(), Packer::Yarn);
    }

    #[test]
    fn lockfiles_decide_and_are_found_up_the_tree() {
        let d = dir(&[
            ("package.json", r#"{}"#),
            ("pnpm-lock.yaml", ""),
            ("packages/a/package.json", r#"{}"#),
        ]);
        assert_eq!(detect(&d.path().join("packages/a")).unwrap(), Packer::Pnpm);
        let d = dir(&[("package.json", "{}"), ("bun.lock", "")]);
        assert_eq!(detect(d.path()).unwrap(), Packer::Bun);
        let d = dir(&[("package.json", "{}")]);
        assert_eq!(detect(d.path()).unwrap(), Packer::Npm);
    }

    #[test]
    fn detection_needs_a_manifest() {
        let d = dir(&[("index.js", "")]);
        assert!(matches!(
            detect(d.path()),
            Err(PackError::NoManifest { .. })
        ));
    }
}
