//! `packguard ls`: what would be published, with sizes and the rules that flag each file.

use std::process::ExitCode;

use packguard::render::listing;
use packguard::run::{self, setup};
use packguard::text::sanitize;
use packguard::{Input, Options};

use super::args::{ListFormat, LsArgs};
use super::{pack_options, print, sources, Run};

pub fn ls(args: LsArgs) -> Run {
    let input = Input::parse(&args.path);
    let options = Options {
        pack: pack_options(&args.pack_args),
        ..Options::default()
    };
    if args.paths {
        let files = run::listing::paths(&input, &options)?;
        let mut text = String::new();
        for f in &files {
            text.push_str(&sanitize(f));
            text.push('\n');
        }
        print(&text);
        return Ok(ExitCode::SUCCESS);
    }
    let near = setup::config_dir(&input);
    let (rules, config) = sources(&args.rule_args).load(near.as_deref())?;
    let options = Options {
        limits: config.limits(),
        ..options
    };
    let listing = run::listing::list(&input, &rules, &config, &options)?;
    // The listing prints names and the package's identity: mask every secret its scan
    // matched, as `scan` does (a token can be a file name or the package's `name`).
    if let Some(report) = &listing.report {
        packguard::sink::learn(&report.secrets);
    }
    let listings = std::slice::from_ref(&listing);
    print(&match args.format {
        ListFormat::Json => listing::json(listings),
        ListFormat::Human => listing::human(listings),
    });
    Ok(ExitCode::SUCCESS)
}
