//! `packguard init`: a commented config (and a release workflow) written into a package.

use std::process::ExitCode;

use super::args::InitArgs;
use super::{print, Run};

pub fn init(args: InitArgs) -> Run {
    let written = packguard::init::init(&args.dir, args.workflow, args.force)?;
    let mut text = String::new();
    for p in written {
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    print(&text);
    Ok(ExitCode::SUCCESS)
}
