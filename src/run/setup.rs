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
        let mut rules = builtin::load_all(&checks::names(), self.builtin, &self.rules)?;
        let path = match (&self.config, self.no_config) {
            (Some(p), _) => Some(p.clone()),
            (None, true) => None,
            (None, false) => config::discover(near),
        };
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
