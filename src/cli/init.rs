//! `packguard init`: a commented config (and a release workflow) written into a package.

use std::process::ExitCode;

use packguard::init::Done;

use super::args::InitArgs;
use super::{print, Run};

pub fn init(args: InitArgs) -> Run {
    let done = packguard::init::init(&args.dir, args.workflow, args.force)?;
    let mut text = String::new();
    for d in done {
        match d {
            Done::Wrote(p) => text.push_str(&format!("wrote {}\n", p.display())),
            Done::Kept(p) => text.push_str(&format!(
                "kept {}: it exists already (--force replaces it)\n",
                p.display()
            )),
        }
    }
    print(&text);
    Ok(ExitCode::SUCCESS)
}
