//! `packguard rules list` and `packguard rules test`.

use std::path::PathBuf;
use std::process::ExitCode;

use packguard::render::rules;
use packguard::run::selftest;

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
    let set = packguard::rules::builtin::load_all(paths.is_empty(), paths)
        .map_err(miette::Report::new)?;
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
