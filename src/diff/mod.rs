//! `packguard diff OLD NEW` and `scan --previous OLD`: what changed since the last release.
//!
//! Most leaks are a file that was never in the package before. This module owns the
//! comparison of two artifacts: an `Inventory` of each (path, size and SHA-256 of every
//! file, plus the manifest's bytes), recorded by an observer in the same read as the normal
//! scan, so stdin works and no file is read twice; `Changes`, the plain-data difference
//! (files added, removed, renamed and changed, source maps new or grown, install scripts, entry
//! points and dependencies); the `diff.*` structural checks that turn changes into findings
//! under whichever rules claim them (`rules/diff.yaml`); and marking each finding of the new
//! release that the old one already had (same fingerprint) as pre-existing.
//!
//! Memory stays bounded as in a scan: of the old release only hashes, sizes, its
//! package.json and its report are kept, never file contents (and for files with a build
//! hash in their name, a 32-value similarity sketch). Nothing here prints or exits.

pub mod manifest;
mod rename;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::artifact::{Entry, EntryIssue, Visitor};
use crate::checks::context::Context;
pub use crate::report::changes::{
    ChangeLine, Changes, DependencyChange, FieldChange, FileDelta, FileSize, Previous, Renamed,
    SourceMapChange, Status,
};
use crate::report::{Report, SourceMapSummary};
use crate::text::sanitize;
use rename::{renames, shape, sketch};

/// What one side of the comparison holds besides its report: per file a hash and a size.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// By path relative to the package root (`dist/cli.js`), so a different top folder
    /// (`package/` against `node/`) is not a change.
    files: BTreeMap<String, FileFacts>,
    manifest: Option<Vec<u8>>,
}

#[derive(Clone, Debug)]
struct FileFacts {
    /// As the package names it (`package/dist/cli.js`), sanitized for display.
    path: String,
    size: u64,
    /// `None` for a file over `--max-file-size`, which is never read: such a file compares
    /// by size alone.
    sha256: Option<[u8; 32]>,
    /// For a file whose name holds a build hash: a similarity sketch of its content, so that
    /// several `chunk-<hash>.js` can each be paired with the chunk it was (see `rename::sketch`).
    sketch: Option<Box<[u64]>>,
    /// The path's [`shape`], when it holds a build hash.
    shape: Option<String>,
}

impl Visitor for Inventory {
    fn file(&mut self, entry: Entry<'_>) {
        // The manifest is the first `<root>/package.json`, as the scan takes it.
        if entry.rel == "package.json"
            && entry.path.matches('/').count() == 1
            && self.manifest.is_none()
        {
            self.manifest = Some(entry.data.to_vec());
        }
        // A duplicate entry: extractors keep the last one, so the inventory does too.
        let name_shape = shape(entry.rel);
        self.files.insert(
            entry.rel.to_string(),
            FileFacts {
                path: sanitize(entry.path),
                size: entry.data.len() as u64,
                sha256: Some(Sha256::digest(entry.data).into()),
                sketch: name_shape.as_ref().map(|_| sketch(entry.data)),
                shape: name_shape,
            },
        );
    }
    fn issue(&mut self, path: &str, issue: EntryIssue) {
        // An oversized file is reported and skipped by the reader, yet it ships: it must
        // still show up as added or removed.
        if let EntryIssue::Oversized { size, .. } = issue {
            self.files.insert(
                strip_top(path).to_string(),
                FileFacts {
                    path: sanitize(path),
                    size,
                    sha256: None,
                    sketch: None,
                    shape: shape(strip_top(path)),
                },
            );
        }
    }
}

/// One side, scanned: its report (every rule ran on it) and its inventory.
#[derive(Clone, Debug)]
pub struct Scanned {
    pub report: Report,
    pub inventory: Inventory,
}

/// Compares two scanned sides.
pub fn compare(old: &Scanned, new: &Scanned) -> Changes {
    let (o, n) = (&old.inventory.files, &new.inventory.files);
    let renamed = renames(o, n);
    let moved_to: HashSet<&str> = renamed.iter().map(|r| r.rel.as_str()).collect();
    let moved_from: HashSet<&str> = renamed.iter().map(|r| r.from_rel.as_str()).collect();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for (rel, now) in n {
        match o.get(rel) {
            None if moved_to.contains(rel.as_str()) => {}
            None => added.push(FileSize {
                path: now.path.clone(),
                size: now.size,
            }),
            Some(before) if differ(before, now) => changed.push(FileDelta {
                path: now.path.clone(),
                old_size: before.size,
                new_size: now.size,
                delta: now.size as i64 - before.size as i64,
            }),
            Some(_) => unchanged += 1,
        }
    }
    let removed = o
        .iter()
        .filter(|(rel, _)| !n.contains_key(*rel) && !moved_from.contains(rel.as_str()))
        .map(|(_, f)| FileSize {
            path: f.path.clone(),
            size: f.size,
        })
        .collect();

    let parsed = |inv: &Inventory| -> Map<String, Value> {
        inv.manifest
            .as_deref()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (om, nm) = (parsed(&old.inventory), parsed(&new.inventory));
    let gyp = |inv: &Inventory| inv.files.contains_key("binding.gyp");
    let scripts = manifest::compare_fields(
        &manifest::install_scripts(&om, gyp(&old.inventory)),
        &manifest::install_scripts(&nm, gyp(&new.inventory)),
        "scripts.",
    );
    let entry_points = manifest::compare_fields(
        &manifest::entry_points(&om),
        &manifest::entry_points(&nm),
        "",
    );
    let dependencies =
        manifest::compare_dependencies(&manifest::dependencies(&om), &manifest::dependencies(&nm));
    let a = &old.report.artifact;
    Changes {
        previous: Previous {
            path: a.path.clone(),
            name: a.name.clone(),
            version: a.version.clone(),
            files: a.files,
            unpacked_bytes: a.unpacked_bytes,
        },
        sourcemaps: sourcemap_changes(&old.report.sourcemaps, &new.report.sourcemaps, &renamed),
        added,
        removed,
        renamed,
        changed,
        unchanged,
        scripts,
        entry_points,
        dependencies,
    }
}

/// Maps are matched by path without the top folder. A map is grown when it names more
/// sources or ships more of their text; original text merely edited is not growth, or every
/// release of a package that ships maps would be flagged.
/// A map in a renamed file is compared with the map of the file it was.
fn sourcemap_changes(
    old: &[SourceMapSummary],
    new: &[SourceMapSummary],
    renamed: &[Renamed],
) -> Vec<SourceMapChange> {
    let key = |m: &SourceMapSummary| strip_top(&m.map).to_string();
    let before: BTreeMap<String, &SourceMapSummary> = old.iter().map(|m| (key(m), m)).collect();
    let was_at = old_paths(renamed);
    let mut out: Vec<SourceMapChange> = new
        .iter()
        .filter_map(|m| {
            let now = key(m);
            let was = before.get(was_at.get(now.as_str()).copied().unwrap_or(&now));
            let change = match was {
                None => Status::Added,
                Some(w)
                    if m.sources > w.sources
                        || m.sources_content > w.sources_content
                        || m.first_party.files > w.first_party.files =>
                {
                    Status::Grown
                }
                Some(_) => return None,
            };
            Some(SourceMapChange {
                map: m.map.clone(),
                change,
                inline: m.inline,
                sources: m.sources,
                sources_content: m.sources_content,
                bytes: m.bytes,
                first_party_files: m.first_party.files,
                first_party_lines: m.first_party.lines,
                old_sources: was.map(|w| w.sources),
                old_sources_content: was.map(|w| w.sources_content),
                old_bytes: was.map(|w| w.bytes),
                old_first_party_files: was.map(|w| w.first_party.files),
            })
        })
        .collect();
    out.sort_by(|a, b| a.map.cmp(&b.map));
    out
}

/// Each renamed file's old path, by its new one (both relative to the package root).
fn old_paths(renamed: &[Renamed]) -> BTreeMap<&str, &str> {
    renamed
        .iter()
        .map(|r| (r.rel.as_str(), r.from_rel.as_str()))
        .collect()
}

/// Different content, or, when either file was too large to read, a different size.
fn differ(a: &FileFacts, b: &FileFacts) -> bool {
    match (a.sha256, b.sha256) {
        (Some(x), Some(y)) => x != y,
        _ => a.size != b.size,
    }
}

fn strip_top(path: &str) -> &str {
    path.split_once('/').map_or(path, |(_, rest)| rest)
}

/// The new release's report, with the comparison: `diff` findings added, every finding
/// marked new or pre-existing, and the changes attached.
pub fn combine(ctx: &Context<'_>, old: Scanned, new: Scanned, took: Duration) -> Report {
    let changes = compare(&old, &new);
    let root = new
        .report
        .findings
        .iter()
        .find_map(|f| f.file.split_once('/').map(|(r, _)| r.to_string()))
        .or_else(|| {
            new.inventory
                .files
                .values()
                .find_map(|f| f.path.split_once('/').map(|(r, _)| r.to_string()))
        })
        .unwrap_or_else(|| "package".to_string());
    let manifest_path = format!("{root}/package.json");
    let before: HashSet<&str> = old
        .report
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    // A finding in a renamed file is pre-existing when the file's old path had it: its
    // fingerprint is recomputed under that path (same rule, same matched value).
    let was_at = old_paths(&changes.renamed);
    let mut all = new.report.findings;
    for f in &mut all {
        let moved = was_at.get(strip_top(&f.file)).and_then(|was| {
            let now = strip_top(&f.file);
            f.fingerprint_at(&format!("/{now}"), &format!("/{was}"))
        });
        let known = |fp: &str| before.contains(fp);
        f.pre_existing = Some(known(&f.fingerprint) || moved.as_deref().is_some_and(known));
    }
    // What the comparison itself found is new by definition.
    all.extend(
        crate::checks::diff::findings(
            ctx,
            &changes,
            &manifest_path,
            new.report.artifact.unpacked_bytes,
            new.report
                .source
                .as_ref()
                .is_some_and(|s| s.verdict.kind == crate::license::SourceKind::Proprietary),
        )
        .into_iter()
        .map(|mut f| {
            f.pre_existing = Some(false);
            f
        }),
    );
    let mut report = Report::new(new.report.artifact, all, took)
        .with_sourcemaps(new.report.sourcemaps)
        .with_diff(changes);
    report.source = new.report.source;
    report.secrets = new.report.secrets;
    report.secrets.extend(&old.report.secrets);
    report
}
