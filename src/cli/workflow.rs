//! `packguard workflow`: GitHub Actions release workflows checked.

use packguard::{run, Options};

use super::args::WorkflowArgs;
use super::output::{verdict, Emit};
use super::{fail_on, sources, Run};

pub fn workflow(args: WorkflowArgs) -> Run {
    let (rules, config) = sources(&args.rule_args).load(None)?;
    let fail_on = run::fail_on(fail_on(args.report.fail_on), &config);
    let folder = run::workflows_folder(args.path.as_deref());
    let report = run::scan_workflows(&folder, &rules, &config, &Options::default())?;
    verdict(&[report], &rules, fail_on, &Emit::new(&args.report, None))
}
