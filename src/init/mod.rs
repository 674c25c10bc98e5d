//! `packguard init`: writes a commented config and, on request, a release workflow that
//! publishes with npm trusted publishing after a packguard scan.
//!
//! The templates are files next to this module, so they can be read and reviewed as what they
//! are; tests check that the config parses and the workflow passes `packguard workflow`.
//! Nothing is overwritten without `force`.

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

pub const CONFIG: &str = include_str!("config.yml");
pub const RELEASE_WORKFLOW: &str = include_str!("release.yml");

#[derive(Debug, Error, Diagnostic)]
pub enum InitError {
    #[error("{0} already exists; not overwriting it")]
    #[diagnostic(
        code(packguard::init::exists),
        help("pass --force to replace it, or edit it by hand")
    )]
    Exists(String),
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(packguard::init::write))]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
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

/// Writes the files into `dir`; returns the paths written.
pub fn init(dir: &Path, workflow: bool, force: bool) -> Result<Vec<PathBuf>, InitError> {
    let config = config_for(dir);
    let mut plan = vec![(dir.join(".packguard.yml"), config.as_str())];
    if workflow {
        plan.push((dir.join(".github/workflows/release.yml"), RELEASE_WORKFLOW));
    }
    // Check everything before writing anything, so a refusal leaves the folder untouched.
    if !force {
        // A dangling symlink is something too: `exists` would follow it and say no.
        if let Some((p, _)) = plan.iter().find(|(p, _)| crate::safe_write::occupied(p)) {
            return Err(InitError::Exists(p.display().to_string()));
        }
    }
    let mut written = Vec::new();
    for (path, text) in plan {
        let fail = |source| InitError::Write {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        crate::safe_write::replace(&path, text.as_bytes()).map_err(fail)?;
        written.push(path);
    }
    Ok(written)
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
