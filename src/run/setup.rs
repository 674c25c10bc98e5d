//! Where a run's rules and config come from: the built-in rules, `--rules` files, and the
//! config file (`--config`, else one found next to the package, else none with
//! `--no-config`). Every command loads them here, the same way.

use std::path::{Path, PathBuf};

use super::{Error, Input};
use crate::checks;
use crate::config::{self, Config};
use crate::rules::{builtin, RuleSet};

/// The rule and config sources a command was given.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// Include the built-in rules.
    pub builtin: bool,
    /// Rule files or folders (`--rules`), after the built-ins.
    pub rules: Vec<PathBuf>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--no-config`: look for no config file.
    pub no_config: bool,
}

impl Sources {
    /// The rule set and config: built-ins, then the rule files, then the config file (given,
    /// or discovered from `near`), whose rules and ignores apply last.
    pub fn load(&self, near: Option<&Path>) -> Result<(RuleSet, Config), Error> {
        let path = match (&self.config, self.no_config) {
            (Some(p), _) => Some(p.clone()),
            (None, true) => None,
            (None, false) => config::discover(near)?,
        };
        self.load_config(path)
    }

    /// A workspace package's own rule set and config: `None` when it has no config file of
    /// its own, or the run's config is fixed (`--config`, `--no-config`), or its config is
    /// `run`'s (the workspace root is a package too). The run's config then applies.
    pub fn own_config(&self, dir: &Path, run: &Config) -> Result<Option<(RuleSet, Config)>, Error> {
        if self.config.is_some() || self.no_config {
            return Ok(None);
        }
        match config::in_folder(dir)? {
            Some(path) if run.path.as_ref() != Some(&path) => {
                self.load_config(Some(path)).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The rule set, with the config file at `path` (if any) applied.
    fn load_config(&self, path: Option<PathBuf>) -> Result<(RuleSet, Config), Error> {
        let mut rules = builtin::load_all(&checks::names(), self.builtin, &self.rules)?;
        let config = match path {
            Some(p) => config::load(&p, &mut rules)?,
            None => Config::default(),
        };
        Ok((rules, config))
    }
}

/// Where the config is looked for when scanning `input`: the package folder, or the folder
/// the tarball is in (nowhere for standard input).
pub fn config_dir(input: &Input) -> Option<PathBuf> {
    match input {
        Input::Path(p) if p.is_dir() => Some(p.clone()),
        Input::Path(p) => p.parent().map(Path::to_path_buf),
        Input::Stdin => None,
    }
}
