//! The `packguard` command: parses arguments, calls the library, prints, picks the exit code.

mod cli;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use packguard::baseline::Baseline;
use packguard::report::{human, json};
use packguard::rules::{load, selftest};
use packguard::{config, Config, FailOn, Input, Options, RuleSet};

use cli::{Cli, ColorArg, Command, FailOnArg, Format, RuleArgs, RulesCommand, ScanArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Rules(RulesCommand::List { rule_args, format }) => list(rule_args, format),
        Command::Rules(RulesCommand::Test { paths }) => test(&paths),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e:?}");
            ExitCode::from(2)
        }
    }
}

type Run = Result<ExitCode, miette::Report>;

/// The rule set and config for a run: built-ins, then --rules, then the config file.
fn rules_and_config(
    args: &RuleArgs,
    near: Option<&Path>,
) -> Result<(RuleSet, Config), miette::Report> {
    let mut rules =
        load::load_all(!args.no_builtin_rules, &args.rules).map_err(miette::Report::new)?;
    let path = match (&args.config, args.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => config::discover(near),
    };
    let config = match path {
        Some(p) => config::load(&p, &mut rules).map_err(miette::Report::new)?,
        None => Config::default(),
    };
    Ok((rules, config))
}

fn scan(args: ScanArgs) -> Run {
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    // The config is looked for next to the first package: its folder, or the tarball's.
    let near = match inputs.first() {
        Some(Input::Path(p)) if p.is_dir() => Some(p.clone()),
        Some(Input::Path(p)) => p.parent().map(Path::to_path_buf),
        _ => None,
    };
    let (rules, config) = rules_and_config(&args.rule_args, near.as_deref())?;
    let mut limits = config.limits();
    limits.max_file_size = args.max_file_size.unwrap_or(limits.max_file_size);
    limits.max_total_size = args.max_total_size.unwrap_or(limits.max_total_size);
    limits.max_entries = args.max_entries.unwrap_or(limits.max_entries);
    let options = Options {
        limits,
        show_secrets: args.show_secrets,
    };
    let fail_on = match args.fail_on {
        Some(FailOnArg::Error) => FailOn::Severity(packguard::finding::Severity::Error),
        Some(FailOnArg::Warning) => FailOn::Severity(packguard::finding::Severity::Warning),
        Some(FailOnArg::Info) => FailOn::Severity(packguard::finding::Severity::Info),
        Some(FailOnArg::Never) => FailOn::Never,
        None => config
            .fail_on
            .unwrap_or(FailOn::Severity(packguard::finding::Severity::Error)),
    };
    // Every input is scanned before anything is printed: a bad input exits 2 with nothing
    // half-written on stdout.
    let mut reports = Vec::new();
    for input in &inputs {
        reports.push(packguard::scan(input, &rules, &config, &options)?);
    }
    if let Some(path) = &args.write_baseline {
        Baseline::from_findings(reports.iter().flat_map(|r| &r.findings)).write(path)?;
    }
    if let Some(path) = &args.baseline {
        let baseline = Baseline::read(path)?;
        for r in &mut reports {
            r.apply_baseline(&baseline);
        }
    }
    let text = match args.format {
        Format::Json => json::render(&reports),
        Format::Human => {
            let color = match args.color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            human::render(&reports, fail_on, human::Style { color, width: 120 })
        }
    };
    print(&text);
    // Writing a baseline accepts what was found, so that run does not fail.
    let failed = args.write_baseline.is_none() && reports.iter().any(|r| r.fails(fail_on));
    Ok(ExitCode::from(u8::from(failed)))
}

fn list(args: RuleArgs, format: Format) -> Run {
    let cwd = std::env::current_dir().ok();
    let (rules, _) = rules_and_config(&args, cwd.as_deref())?;
    let text = match format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = rules
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "severity": r.severity,
                        "category": r.category,
                        "message": r.message,
                        "description": r.description,
                        "paths": r.paths.source,
                        "exclude": r.exclude.source,
                        "pattern": r.pattern.as_ref().map(|p| p.as_str()),
                        "keywords": r.keywords,
                        "check": r.check,
                        "entropy": r.validate.entropy,
                        "checksum": r.validate.checksum.map(|c| c.as_str()),
                        "decode": r.validate.decode,
                        "origin": r.origin,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&rows).expect("rule rows serialise");
            s.push('\n');
            s
        }
        Format::Human => {
            let w = rules.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let mut s = String::new();
            for r in &rules.rules {
                s.push_str(&format!(
                    "{:w$}  {:7}  {:9}  {}\n",
                    r.id,
                    r.severity.as_str(),
                    r.category,
                    r.message
                ));
            }
            s.push_str(&format!("{} rules\n", rules.rules.len()));
            s
        }
    };
    print(&text);
    Ok(ExitCode::SUCCESS)
}

fn test(paths: &[std::path::PathBuf]) -> Run {
    let rules = load::load_all(paths.is_empty(), paths).map_err(miette::Report::new)?;
    let outcome = selftest::run(&rules);
    let mut text = String::new();
    for f in &outcome.failures {
        text.push_str(&format!("FAIL {} ({}): {}\n", f.rule, f.at, f.problem));
    }
    let failed_rules: std::collections::BTreeSet<&str> =
        outcome.failures.iter().map(|f| f.rule.as_str()).collect();
    text.push_str(&format!(
        "{} rules, {} examples\nexamples: {} passed, {} failed\n",
        outcome.rules,
        outcome.examples,
        outcome.examples.saturating_sub(outcome.failures.len()),
        outcome.failures.len()
    ));
    print(&text);
    Ok(ExitCode::from(u8::from(!failed_rules.is_empty())))
}

/// Writes to stdout; a closed pipe (`packguard ... | head`) is not an error worth a panic.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
