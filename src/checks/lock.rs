//! The lock check: a package's files against the expected-contents lock
//! (`packguard.lock.yml`, read by `crate::lock`). A file no entry covers, an entry that covers
//! nothing, a file over an entry's `max_size`.

use crate::finding::Finding;
use crate::lock::{Lock, LockEntry, FILE_NAME};

use super::context::{CheckHit, Context};
use super::suppressions::located;

/// The checks rules claim for lock findings.
pub const CHECKS: &[&str] = &[UNEXPECTED, MISSING, SIZE];

/// The lock check, run once per package when there is a lock to compare with.
pub struct LockCheck;

impl super::Check for LockCheck {
    fn names(&self) -> &'static [&'static str] {
        CHECKS
    }

    fn package(&self, cx: &Context<'_>, pkg: &super::Package<'_>, out: &mut Vec<Finding>) {
        if let Some(lock) = pkg.lock {
            check(cx, lock, pkg.sized, out);
        }
    }
}
const UNEXPECTED: &str = "lock.unexpected-file";
const MISSING: &str = "lock.missing-file";
const SIZE: &str = "lock.size";

/// One file of the package, as the lock sees it.
#[derive(Clone, Debug)]
pub struct PackageFile<'a> {
    /// From the package root (`dist/cli.js`).
    pub rel: &'a str,
    /// As in the tarball (`package/dist/cli.js`), for findings.
    pub path: &'a str,
    pub size: u64,
}

/// Compares a package's files with the lock: a file no entry covers (`lock.unexpected-file`),
/// an entry that covers nothing (`lock.missing-file`), a file over an entry's `max_size`
/// (`lock.size`).
pub fn check(ctx: &Context<'_>, lock: &Lock, files: &[PackageFile<'_>], out: &mut Vec<Finding>) {
    let mut used = vec![false; lock.entries.len()];
    let lock_pos = |e: &LockEntry| format!("{}:{}", lock.path, e.line);
    for f in files {
        if f.rel == FILE_NAME {
            continue;
        }
        let covering = lock.covering(f.rel);
        for &i in &covering {
            used[i] = true;
        }
        if covering.is_empty() {
            out.extend(ctx.check_findings(&CheckHit {
                check: UNEXPECTED,
                path: f.path,
                detail: Some(format!(
                    "not in {}; once reviewed, add it with `packguard lock`",
                    lock.path
                )),
                position: None,
                value: b"",
                source: None,
            }));
            continue;
        }
        // A literal entry is the reviewer's word on this one file; otherwise every glob's
        // limit holds.
        let limits: Vec<usize> = match lock.exact(f.rel) {
            Some(i) => vec![i],
            None => covering,
        };
        for i in limits {
            let e = &lock.entries[i];
            let Some((max, written)) = &e.max_size else {
                continue;
            };
            if f.size > *max {
                out.extend(ctx.check_findings(&CheckHit {
                    check: SIZE,
                    path: f.path,
                    detail: Some(format!(
                        "{} bytes, over `max_size: {written}` of `{}` ({})",
                        f.size,
                        e.pattern,
                        lock_pos(e)
                    )),
                    position: None,
                    value: e.pattern.as_bytes(),
                    source: None,
                }));
            }
        }
    }
    for (i, e) in lock.entries.iter().enumerate() {
        if used[i] || e.literal().as_deref() == Some(FILE_NAME) {
            continue;
        }
        let detail = match e.literal() {
            Some(lit) => format!("`{lit}` is in the lock but not in the package"),
            None => format!("`{}` matches no file in the package", e.pattern),
        };
        let found = ctx.check_findings(&CheckHit {
            check: MISSING,
            path: &lock.path,
            detail: Some(detail),
            position: (e.line > 0).then_some((e.line, e.column)),
            value: e.pattern.as_bytes(),
            source: Some(lock.text.as_bytes()),
        });
        out.extend(located(found, &lock.path));
    }
}
