//! The `diff.*` checks: findings for what changed since the previous release (new and grown
//! files and source maps, a doubled size, new or changed install scripts, entry points and
//! dependencies), under whichever rules claim them (`rules/diff.yaml`). The changes come
//! computed (`crate::diff`); this only judges them.

use crate::finding::Finding;
use crate::report::changes::{Changes, Status};
use crate::text::{human_bytes, thousands};

use super::context::{CheckHit, Context};

/// The check names rules can claim (`check: diff.new-file`).
pub const CHECKS: &[&str] = &[
    "diff.new-file",
    "diff.grown-file",
    "diff.new-sourcemap",
    "diff.grown-sourcemap",
    "diff.proprietary-source",
    "diff.size-doubled",
    "diff.new-install-script",
    "diff.changed-install-script",
    "diff.new-entry-point",
    "diff.new-dependency",
    "diff.dependency-source",
];

/// The comparison checks, run on the changes between two releases (`diff::combine`).
pub struct Diff;

impl super::Check for Diff {
    fn names(&self) -> &'static [&'static str] {
        CHECKS
    }
}

/// `diff.grown-file` without a `threshold`: 1 MiB of growth in one file.
const DEFAULT_GROWTH: u64 = 1 << 20;

/// The `diff.*` checks: findings for what changed, under the rules that claim them.
/// `manifest_path` is this release's `package.json` as the package names it; `proprietary`,
/// whether this release's source is not meant to be public (`crate::license`).
pub fn findings(
    ctx: &Context<'_>,
    changes: &Changes,
    manifest_path: &str,
    unpacked_now: u64,
    proprietary: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut hit = |check: &str, path: &str, detail: String, value: &str| {
        out.extend(ctx.check_findings(&CheckHit {
            check,
            path,
            detail: Some(detail),
            position: None,
            value: value.as_bytes(),
            source: None,
        }));
    };
    for f in &changes.added {
        hit("diff.new-file", &f.path, human_bytes(f.size), "");
    }
    // Each rule may set its own `threshold`; the smallest one decides, as for
    // `manifest.large-package`.
    let growth = ctx
        .rules_for_check("diff.grown-file")
        .filter_map(|r| r.threshold)
        .min()
        .unwrap_or(DEFAULT_GROWTH);
    let grown = changes
        .changed
        .iter()
        .map(|f| (&f.path, f.old_size, f.new_size, None))
        .chain((changes.renamed.iter()).map(|r| (&r.path, r.old_size, r.new_size, Some(&r.from))));
    for (path, old, new, from) in grown {
        if new > old && new - old > growth {
            let was = match from {
                Some(from) => format!("{} as {from}", human_bytes(old)),
                None => human_bytes(old),
            };
            let detail = format!(
                "grew by {} to {} (was {was})",
                human_bytes(new - old),
                human_bytes(new)
            );
            hit("diff.grown-file", path, detail, "");
        }
    }
    size_doubled(changes, unpacked_now, &mut hit);
    for m in &changes.sourcemaps {
        let shipped = format!(
            "{} sources, {} with their text",
            m.sources, m.sources_content
        );
        // A proprietary package whose map newly ships more of its own source: the leak
        // itself, not a change to look at.
        if proprietary && m.first_party_files > m.old_first_party_files.unwrap_or(0) {
            let how = match m.old_first_party_files {
                None => "new in this release".to_string(),
                Some(n) => format!("{n} in the previous release"),
            };
            let detail = format!(
                "ships the text of {} of the package's own original files ({} lines; {how}), and the package is proprietary",
                thousands(m.first_party_files as u64),
                thousands(m.first_party_lines),
            );
            hit("diff.proprietary-source", &m.map, detail, "");
            continue;
        }
        match m.change {
            Status::Added => hit("diff.new-sourcemap", &m.map, shipped, ""),
            _ => {
                let detail = format!(
                    "{shipped} (was {} sources, {} with their text)",
                    m.old_sources.unwrap_or(0),
                    m.old_sources_content.unwrap_or(0)
                );
                hit("diff.grown-sourcemap", &m.map, detail, "");
            }
        }
    }
    for s in &changes.scripts {
        let Some(now) = &s.new else { continue };
        let value = format!("{}\0{now}", s.field);
        match &s.old {
            None => hit(
                "diff.new-install-script",
                manifest_path,
                format!("`{}`: `{now}`", s.field),
                &value,
            ),
            Some(was) => hit(
                "diff.changed-install-script",
                manifest_path,
                format!("`{}`: `{now}` (was `{was}`)", s.field),
                &value,
            ),
        }
    }
    for e in &changes.entry_points {
        let Some(now) = &e.new else { continue };
        let detail = match &e.old {
            None => format!("`{}` -> `{now}`", e.field),
            Some(was) => format!("`{}` -> `{now}` (was `{was}`)", e.field),
        };
        hit(
            "diff.new-entry-point",
            manifest_path,
            detail,
            &format!("{}\0{now}", e.field),
        );
    }
    for d in &changes.dependencies {
        let Some(now) = &d.new else { continue };
        let value = format!("{}\0{}", d.section, d.name);
        match &d.old {
            None => hit(
                "diff.new-dependency",
                manifest_path,
                format!("`{}` `{now}` in {}", d.name, d.section),
                &value,
            ),
            Some(was) if off_registry(now) && !off_registry(was) => hit(
                "diff.dependency-source",
                manifest_path,
                format!("`{}` in {}: `{now}` (was `{was}`)", d.name, d.section),
                &value,
            ),
            Some(_) => {}
        }
    }
    out
}

/// A release whose unpacked size more than doubled, with the file that added the most.
fn size_doubled(
    changes: &Changes,
    unpacked_now: u64,
    hit: &mut impl FnMut(&str, &str, String, &str),
) {
    let was = changes.previous.unpacked_bytes;
    if was == 0 || unpacked_now <= was.saturating_mul(2) {
        return;
    }
    let added = changes.added.iter().map(|f| (&f.path, f.size, "new"));
    let grown = (changes.changed.iter())
        .filter(|f| f.delta > 0)
        .map(|f| (&f.path, f.delta as u64, "grown"));
    let renamed = (changes.renamed.iter())
        .filter(|r| r.new_size > r.old_size)
        .map(|r| (&r.path, r.new_size - r.old_size, "grown"));
    let Some((path, by, how)) = added
        .chain(grown)
        .chain(renamed)
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
    else {
        return;
    };
    let detail = format!(
        "{} -> {} ({:.1}x); most of the growth is `{path}` (+{}, {how})",
        human_bytes(was),
        human_bytes(unpacked_now),
        unpacked_now as f64 / was as f64,
        human_bytes(by),
    );
    hit("diff.size-doubled", path, detail, "");
}

/// Whether a dependency spec fetches from somewhere other than the registry: a git or
/// tarball URL, a GitHub shorthand, a local path, or an `npm:` alias to another name.
pub fn off_registry(spec: &str) -> bool {
    let s = spec.trim();
    s.contains(':') || (s.contains('/') && !s.starts_with('@')) || s.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_registry_specs() {
        for s in [
            "github:a/b",
            "a/b",
            "git+https://x/y.git",
            "file:../x",
            "npm:other@1",
            "./x",
        ] {
            assert!(off_registry(s), "{s}");
        }
        for s in ["^1.2.3", "1.x", "latest", "*", ">=1 <2"] {
            assert!(!off_registry(s), "{s}");
        }
    }
}
