//! `packguard lock`: the expected-contents lock written, or with `--check` compared.

use std::process::ExitCode;

use packguard::lock::Writing;
use packguard::run::{self, setup};
use packguard::text::sanitize;
use packguard::{Input, Options};

use super::args::LockArgs;
use super::output::{verdict, Emit};
use super::{fail_on, pack_options, print, sources, Run};

pub fn lock(args: LockArgs) -> Run {
    let input = Input::parse(&args.path);
    let near = setup::config_dir(&input);
    let (mut rules, config) = sources(&args.rule_args).load(near.as_deref())?;
    let path = run::lock::path(&input, args.lock, &config);
    let options = Options {
        limits: config.limits(),
        pack: pack_options(&args.pack_args),
        ..Options::default()
    };
    if args.check {
        let report = run::lock::check(&input, &path, &mut rules, &config, &options)?;
        let fail_on = match fail_on(args.report.fail_on) {
            Some(f) => run::fail_on(Some(f), &config),
            None => run::lock::CHECK_FAILS_ON,
        };
        return verdict(&[report], &rules, fail_on, &Emit::new(&args.report, None));
    }
    let how = Writing {
        sizes: args.sizes,
        collapse: args.collapse,
    };
    let written = run::lock::write(&input, &path, how, &options)?;
    let mut text = format!(
        "wrote {}: {} entries for {} files\n",
        path.display(),
        written.entries,
        written.files
    );
    for a in &written.added {
        text.push_str(&format!("  added    {}\n", sanitize(a)));
    }
    for r in &written.removed {
        text.push_str(&format!("  removed  {} (covers no file)\n", sanitize(r)));
    }
    print(&text);
    Ok(ExitCode::SUCCESS)
}
