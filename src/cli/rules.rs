//! `packguard rules list` and `packguard rules test`.

use std::path::PathBuf;
use std::process::ExitCode;

use packguard::render::rules;
use packguard::run::selftest;
use packguard::run::setup::Sources;

use super::args::{ListFormat, RuleArgs};
use super::{exit, print, sources, Run};

pub fn list(args: RuleArgs, format: ListFormat) -> Run {
    let cwd = std::env::current_dir().ok();
    let (set, _) = sources(&args).load(cwd.as_deref())?;
    print(&match format {
        ListFormat::Json => rules::json(&set),
        ListFormat::Human => rules::human(&set),
    });
    Ok(ExitCode::SUCCESS)
}

pub fn test(paths: &[PathBuf]) -> Run {
    // The built-ins only when no file is named; never a config.
    let only = Sources {
        builtin: paths.is_empty(),
        rules: paths.to_vec(),
        config: None,
        no_config: true,
    };
    let (set, _) = only.load(None)?;
    let outcome = selftest::run(&set);
    let mut text = String::new();
    for f in &outcome.failures {
        text.push_str(&format!("FAIL {} ({}): {}\n", f.rule, f.at, f.problem));
    }
    text.push_str(&format!(
        "{} rules, {} examples\nexamples: {} passed, {} failed\n",
        outcome.rules,
        outcome.examples,
        outcome.examples.saturating_sub(outcome.failures.len()),
        outcome.failures.len()
    ));
    print(&text);
    Ok(exit(!outcome.failures.is_empty()))
}
