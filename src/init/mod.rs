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

/// Writes the files into `dir`; returns the paths written.
pub fn init(dir: &Path, workflow: bool, force: bool) -> Result<Vec<PathBuf>, InitError> {
    let mut plan = vec![(dir.join(".packguard.yml"), CONFIG)];
    if workflow {
        plan.push((dir.join(".github/workflows/release.yml"), RELEASE_WORKFLOW));
    }
    // Check everything before writing anything, so a refusal leaves the folder untouched.
    if !force {
        if let Some((p, _)) = plan.iter().find(|(p, _)| p.exists()) {
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
        std::fs::write(&path, text).map_err(fail)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_template_is_a_valid_config() {
        let mut rules = crate::rules::builtin::rules().expect("built-in rules");
        let src = crate::rules::load::Source::new(".packguard.yml", CONFIG);
        crate::config::apply(&src, Path::new("."), &mut rules).expect("the template parses");
    }
}
