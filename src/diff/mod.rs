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

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::artifact::{Entry, EntryIssue, Visitor};
use crate::checks::sourcemap::thousands;
use crate::finding::Finding;
use crate::report::human::human_bytes;
use crate::report::{Report, SourceMapSummary};
use crate::scan::{sanitize, CheckHit, Engine};

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
    /// several `chunk-<hash>.js` can each be paired with the chunk it was (see [`sketch`]).
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

/// How an item changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
    /// A source map that names more sources, or ships more of their text, than before.
    Grown,
}

/// The previous release, as the comparison saw it.
#[derive(Clone, Debug, Serialize)]
pub struct Previous {
    pub path: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub files: u64,
    pub unpacked_bytes: u64,
}

/// A file added or removed.
#[derive(Clone, Debug, Serialize)]
pub struct FileSize {
    pub path: String,
    pub size: u64,
}

/// A file that moved to another path: with the same content, or from one hashed build name
/// to the next (`chunks/abnfDiagram-WEYOIA3C.mjs` -> `chunks/abnfDiagram-S7VZAUFO.mjs`) with
/// new content. Neither is a new file.
#[derive(Clone, Debug, Serialize)]
pub struct Renamed {
    pub path: String,
    pub from: String,
    pub old_size: u64,
    pub new_size: u64,
    /// `new_size - old_size`.
    pub delta: i64,
    /// Whether the content is the same (same SHA-256).
    pub same_content: bool,
    /// `path` and `from` relative to the package root, as the inventory keys them.
    #[serde(skip)]
    rel: String,
    #[serde(skip)]
    from_rel: String,
}

/// A file whose content changed (different SHA-256).
#[derive(Clone, Debug, Serialize)]
pub struct FileDelta {
    pub path: String,
    pub old_size: u64,
    pub new_size: u64,
    /// `new_size - old_size`.
    pub delta: i64,
}

/// A source map that is new, or grown since the previous release.
#[derive(Clone, Debug, Serialize)]
pub struct SourceMapChange {
    pub map: String,
    pub change: Status,
    pub inline: bool,
    pub sources: usize,
    pub sources_content: usize,
    /// Bytes of original source text the map ships.
    pub bytes: u64,
    /// Of those originals, the package's own (see `sourcemap: third_party_sources`).
    pub first_party_files: usize,
    pub first_party_lines: u64,
    /// The same figures in the previous release (absent for a new map).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_sources: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_sources_content: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_first_party_files: Option<usize>,
}

/// An install script or an entry point added, removed or changed.
#[derive(Clone, Debug, Serialize)]
pub struct FieldChange {
    /// `scripts.postinstall`, `bin.tool`, `exports["./feature"].import`.
    pub field: String,
    pub change: Status,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A dependency added, removed, or given another version spec.
#[derive(Clone, Debug, Serialize)]
pub struct DependencyChange {
    /// `dependencies`, `optionalDependencies`, `peerDependencies` or `bundleDependencies`.
    pub section: String,
    pub name: String,
    pub change: Status,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What changed between the previous release and this one. The `diff` object of the JSON
/// report; every list is sorted by path or name.
#[derive(Clone, Debug, Serialize)]
pub struct Changes {
    pub previous: Previous,
    pub added: Vec<FileSize>,
    pub removed: Vec<FileSize>,
    pub renamed: Vec<Renamed>,
    pub changed: Vec<FileDelta>,
    pub unchanged: usize,
    pub sourcemaps: Vec<SourceMapChange>,
    pub scripts: Vec<FieldChange>,
    pub entry_points: Vec<FieldChange>,
    pub dependencies: Vec<DependencyChange>,
}

impl Changes {
    /// Whether nothing the comparison looks at changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.renamed.is_empty()
            && self.changed.is_empty()
            && self.sourcemaps.is_empty()
            && self.scripts.is_empty()
            && self.entry_points.is_empty()
            && self.dependencies.is_empty()
    }
}

/// One line of the "what changed" listing that human and Markdown reports show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeLine {
    /// `added`, `removed`, `renamed`, `changed`, `map`, `script`, `entry`, `dependency`.
    pub kind: &'static str,
    /// The file, field or dependency.
    pub what: String,
    /// Sizes, or old and new values.
    pub detail: String,
}

impl Changes {
    /// `name@1.0.0 (old.tgz): 2 added, 0 removed, 1 changed, 40 unchanged; unpacked 1.0 MiB
    /// -> 1.1 MiB (+100.0 KiB)`, given this release's unpacked size.
    pub fn headline(&self, unpacked_now: u64) -> String {
        let p = &self.previous;
        let was = match (&p.name, &p.version) {
            (Some(n), Some(v)) => format!("{n}@{v} ({})", p.path),
            _ => p.path.clone(),
        };
        let renamed = match self.renamed.len() {
            0 => String::new(),
            n => format!(", {n} renamed"),
        };
        format!(
            "{was}: {} added, {} removed{renamed}, {} changed, {} unchanged; unpacked {} -> {} ({})",
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.unchanged,
            human_bytes(p.unpacked_bytes),
            human_bytes(unpacked_now),
            signed_bytes(unpacked_now as i64 - p.unpacked_bytes as i64),
        )
    }

    /// Every change as a line, at most `per_kind` of each kind (then one `and N more`).
    pub fn lines(&self, per_kind: usize) -> Vec<ChangeLine> {
        let mut rows = Vec::new();
        let mut group = |kind: &'static str, lines: Vec<(String, String)>| {
            let n = lines.len();
            for (what, detail) in lines.into_iter().take(per_kind) {
                rows.push(ChangeLine { kind, what, detail });
            }
            if n > per_kind {
                rows.push(ChangeLine {
                    kind,
                    what: format!("and {} more", n - per_kind),
                    detail: String::new(),
                });
            }
        };
        let sized = |f: &FileSize| (f.path.clone(), human_bytes(f.size));
        group("added", self.added.iter().map(sized).collect());
        group("removed", self.removed.iter().map(sized).collect());
        group(
            "renamed",
            self.renamed
                .iter()
                .map(|r| {
                    let detail = if r.same_content {
                        format!("from {}, same content, {}", r.from, human_bytes(r.new_size))
                    } else {
                        format!(
                            "from {}, {} -> {} ({})",
                            r.from,
                            human_bytes(r.old_size),
                            human_bytes(r.new_size),
                            signed_bytes(r.delta)
                        )
                    };
                    (r.path.clone(), detail)
                })
                .collect(),
        );
        group(
            "changed",
            self.changed
                .iter()
                .map(|f| {
                    let sizes = format!(
                        "{} -> {} ({})",
                        human_bytes(f.old_size),
                        human_bytes(f.new_size),
                        signed_bytes(f.delta)
                    );
                    (f.path.clone(), sizes)
                })
                .collect(),
        );
        group(
            "map",
            self.sourcemaps
                .iter()
                .map(|m| {
                    let now = format!("{} sources, {} with text", m.sources, m.sources_content);
                    let detail = match m.change {
                        Status::Added => format!("new: {now}"),
                        _ => format!(
                            "grown: {now} (was {} sources, {} with text)",
                            m.old_sources.unwrap_or(0),
                            m.old_sources_content.unwrap_or(0)
                        ),
                    };
                    (m.map.clone(), detail)
                })
                .collect(),
        );
        let field = |f: &FieldChange| (f.field.clone(), value_change(f.change, &f.old, &f.new));
        group("script", self.scripts.iter().map(field).collect());
        group("entry", self.entry_points.iter().map(field).collect());
        group(
            "dependency",
            self.dependencies
                .iter()
                .map(|d| {
                    (
                        format!("{} ({})", d.name, d.section),
                        value_change(d.change, &d.old, &d.new),
                    )
                })
                .collect(),
        );
        rows
    }
}

fn value_change(change: Status, old: &Option<String>, new: &Option<String>) -> String {
    let show = |v: &Option<String>| format!("`{}`", v.as_deref().unwrap_or(""));
    match change {
        Status::Added => format!("added {}", show(new)),
        Status::Removed => format!("removed (was {})", show(old)),
        _ => format!("{} (was {})", show(new), show(old)),
    }
}

/// `+1.0 KiB`, `-300 B`, `±0 B`.
fn signed_bytes(delta: i64) -> String {
    match delta {
        0 => "±0 B".to_string(),
        d if d > 0 => format!("+{}", human_bytes(d as u64)),
        d => format!("-{}", human_bytes(d.unsigned_abs())),
    }
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

/// Pairs files that left the old release with files new in this one: first by name, where
/// the only difference is a build hash of the same length (see [`shape`]) and the pairing is
/// unambiguous; then by content, where a new file holds exactly what a vanished one did.
fn renames(o: &BTreeMap<String, FileFacts>, n: &BTreeMap<String, FileFacts>) -> Vec<Renamed> {
    let added: Vec<&String> = n.keys().filter(|rel| !o.contains_key(*rel)).collect();
    let removed: Vec<&String> = o.keys().filter(|rel| !n.contains_key(*rel)).collect();
    let mut pairs: Vec<(&String, &String)> = Vec::new();
    let mut by_shape: BTreeMap<String, (Vec<&String>, Vec<&String>)> = BTreeMap::new();
    for rel in &added {
        if let Some(s) = &n[*rel].shape {
            by_shape.entry(s.clone()).or_default().0.push(rel);
        }
    }
    for rel in &removed {
        if let Some(s) = &o[*rel].shape {
            by_shape.entry(s.clone()).or_default().1.push(rel);
        }
    }
    for (now, was) in by_shape.values() {
        match (now.as_slice(), was.as_slice()) {
            ([now], [was]) => pairs.push((now, was)),
            ([], _) | (_, []) => {}
            (now, was) => pairs.extend(pair_similar(now, was, o, n)),
        }
    }
    let taken_new: HashSet<&String> = pairs.iter().map(|p| p.0).collect();
    let taken_old: HashSet<&String> = pairs.iter().map(|p| p.1).collect();
    // By content: empty files all look alike, and say nothing about where one went.
    let mut gone: BTreeMap<[u8; 32], Vec<&String>> = BTreeMap::new();
    for rel in removed.iter().rev().filter(|r| !taken_old.contains(*r)) {
        if let (Some(h), true) = (o[*rel].sha256, o[*rel].size > 0) {
            gone.entry(h).or_default().push(rel);
        }
    }
    for rel in added.iter().filter(|r| !taken_new.contains(*r)) {
        let was = n[*rel]
            .sha256
            .and_then(|h| gone.get_mut(&h))
            .and_then(Vec::pop);
        if let Some(was) = was {
            pairs.push((rel, was));
        }
    }
    let mut out: Vec<Renamed> = pairs
        .into_iter()
        .map(|(now, was)| {
            let (a, b) = (&o[was], &n[now]);
            Renamed {
                path: b.path.clone(),
                from: a.path.clone(),
                old_size: a.size,
                new_size: b.size,
                delta: b.size as i64 - a.size as i64,
                // A file too large to read has no hash: its content is not known to be the same.
                same_content: a.sha256.is_some() && a.sha256 == b.sha256,
                rel: now.clone(),
                from_rel: was.clone(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Files of one shape on both sides (`chunk-<hash>.mjs`, several each): each new file is
/// paired with the old one most like it, most alike first, when half or more of their
/// content is shared (estimated from their sketches). Groups larger than `MAX_GROUP` on
/// either side are left unpaired.
fn pair_similar<'a>(
    now: &[&'a String],
    was: &[&'a String],
    o: &BTreeMap<String, FileFacts>,
    n: &BTreeMap<String, FileFacts>,
) -> Vec<(&'a String, &'a String)> {
    const MAX_GROUP: usize = 2_000;
    if now.len() > MAX_GROUP || was.len() > MAX_GROUP {
        return Vec::new();
    }
    let mut candidates = Vec::new();
    for (i, a) in now.iter().enumerate() {
        for (j, b) in was.iter().enumerate() {
            if let (Some(x), Some(y)) = (&n[*a].sketch, &o[*b].sketch) {
                let shared = similarity(x, y);
                if shared >= 500 {
                    candidates.push((shared, i, j));
                }
            }
        }
    }
    // Most alike first; ties in name order, so the pairing does not depend on hashing.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let (mut used_now, mut used_was) = (vec![false; now.len()], vec![false; was.len()]);
    let mut out = Vec::new();
    for (_, i, j) in candidates {
        if !used_now[i] && !used_was[j] {
            used_now[i] = true;
            used_was[j] = true;
            out.push((now[i], was[j]));
        }
    }
    out
}

/// Values a sketch keeps.
const SKETCH: usize = 32;

/// A bottom-k sketch of a file's content: the `SKETCH` smallest distinct hashes of its
/// pieces (split at newlines and at `;`, `,`, `{`, `}`, `(`, `)`, so minified code has
/// pieces too). Two files share about as many of them as they share pieces.
fn sketch(data: &[u8]) -> Box<[u64]> {
    const CUT: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 7 {
            t[b"\n;,{}()"[i] as usize] = true;
            i += 1;
        }
        t
    };
    // The smallest hashes so far, sorted; most hashes lose to the largest at one compare.
    let mut kept: Vec<u64> = Vec::with_capacity(SKETCH + 1);
    let mut start = 0;
    for end in 0..=data.len() {
        if end < data.len() && !CUT[data[end] as usize] {
            continue;
        }
        let piece = &data[start..end];
        start = end + 1;
        if piece.is_empty() {
            continue;
        }
        let h = piece_hash(piece);
        if kept.len() == SKETCH && h >= kept[SKETCH - 1] {
            continue;
        }
        if let Err(at) = kept.binary_search(&h) {
            kept.insert(at, h);
            kept.truncate(SKETCH);
        }
    }
    kept.into_boxed_slice()
}

/// A hash of a piece, eight bytes at a time, then mixed (splitmix64's finalizer) so its
/// order is uniform: stable across runs and platforms.
fn piece_hash(piece: &[u8]) -> u64 {
    let mut h = piece.len() as u64;
    let mut words = piece.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(0x517c_c1b7_2722_0a95);
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Of the `SKETCH` smallest hashes of both files together, the share both files have, in
/// thousandths: the bottom-k estimate of their similarity.
fn similarity(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut seen, mut both) = (0, 0, 0, 0);
    while seen < SKETCH && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), None) => i += 1,
            _ => j += 1,
        }
        seen += 1;
    }
    both * 1000 / seen.max(1)
}

/// A path with each build-hash-like token replaced by a marker of its length, or `None`
/// when it has none: `dist/chunk-S7VZAUFO.mjs` and `dist/chunk-WEYOIA3C.mjs` have the same
/// shape, `dist/chunk-a.mjs` has none. Tokens are runs of ASCII letters, digits and `_`.
fn shape(rel: &str) -> Option<String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = rel.as_bytes();
    let mut out = String::with_capacity(rel.len());
    let mut hashed = false;
    let mut i = 0;
    while i < bytes.len() {
        let is_token = token(bytes[i]);
        let end = bytes[i..]
            .iter()
            .position(|&b| token(b) != is_token)
            .map_or(bytes.len(), |k| i + k);
        // Both ends are at ASCII bytes or the end, so the slice is on char boundaries.
        let run = &rel[i..end];
        if is_token && hash_like(run) {
            out.push_str(&format!("\u{0}{}\u{0}", run.len()));
            hashed = true;
        } else {
            out.push_str(run);
        }
        i = end;
    }
    hashed.then_some(out)
}

/// Whether a token looks like a content hash or build id rather than a word: at least 8
/// characters, and digits and letters interleaved (hex, base36: `5f3a9c1e`), or no lower
/// case at all (esbuild's base32: `S7VZAUFO`), or upper case in a third of its letters or
/// more (base64: `KvPBmP5_63ykpTV4fqD7V`). `abnfDiagram`, `c4Diagram` and `utf8string`
/// are words.
fn hash_like(token: &str) -> bool {
    let b = token.as_bytes();
    if b.len() < 8 {
        return false;
    }
    let kind = |c: u8| (c.is_ascii_digit(), c.is_ascii_alphabetic());
    let switches = b
        .windows(2)
        .filter(|w| w[0] != b'_' && w[1] != b'_' && kind(w[0]) != kind(w[1]))
        .count();
    let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = b.iter().filter(|c| c.is_ascii_lowercase()).count();
    switches >= 3 || lower == 0 || (upper > 0 && upper * 3 >= upper + lower)
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

/// The `diff.*` checks: findings for what changed, under the rules that claim them.
/// `manifest_path` is this release's `package.json` as the package names it; `proprietary`,
/// whether this release's source is not meant to be public (`crate::license`).
pub fn findings(
    engine: &Engine<'_>,
    changes: &Changes,
    manifest_path: &str,
    unpacked_now: u64,
    proprietary: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut hit = |check: &str, path: &str, detail: String, value: &str| {
        out.extend(engine.check_findings(&CheckHit {
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
    let growth = engine
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
            Some(was) if manifest::off_registry(now) && !manifest::off_registry(was) => hit(
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

/// `diff.grown-file` without a `threshold`: 1 MiB of growth in one file.
const DEFAULT_GROWTH: u64 = 1 << 20;

/// The new release's report, with the comparison: `diff` findings added, every finding
/// marked new or pre-existing, and the changes attached.
pub fn combine(engine: &Engine<'_>, old: Scanned, new: Scanned, took: Duration) -> Report {
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
        findings(
            engine,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_hashes_are_told_from_words() {
        for hash in [
            "S7VZAUFO",              // esbuild, base32
            "ABCDEFGH",              // esbuild without a digit
            "5f3a9c1e",              // webpack contenthash, hex
            "a5f3a9c1e7d0",          // hex starting with a letter
            "KvPBmP5_63ykpTV4fqD7V", // Next.js build id
            "BxYzQaAbCd",            // base64 without a digit
        ] {
            assert!(hash_like(hash), "{hash} is a hash");
        }
        for word in [
            "abnfDiagram",
            "c4Diagram",
            "utf8string",
            "es2015",
            "index",
            "_buildManifest",
            "getElementById",
            "snake_case_name",
        ] {
            assert!(!hash_like(word), "{word} is a word");
        }
    }

    #[test]
    fn a_shape_keeps_everything_but_the_hash_and_its_length() {
        let s = |p| shape(p);
        assert_eq!(
            s("dist/chunk-S7VZAUFO.mjs"),
            s("dist/chunk-WEYOIA3C.mjs"),
            "same shape"
        );
        assert!(s("dist/chunk-S7VZAUFO.mjs").is_some());
        assert_ne!(s("dist/chunk-S7VZAUFO.mjs"), s("dist/chunk-S7VZAUFOX.mjs"));
        assert_ne!(s("dist/chunk-S7VZAUFO.mjs"), s("lib/chunk-S7VZAUFO.mjs"));
        assert_ne!(
            s("dist/chunk-S7VZAUFO.mjs"),
            s("dist/chunk-S7VZAUFO.mjs.map")
        );
        assert_eq!(
            s("_next/static/KvPBmP5_63ykpTV4fqD7V/_ssgManifest.js"),
            s("_next/static/HXklLiVSkDhUiou88A9LT/_ssgManifest.js")
        );
        assert_eq!(s("dist/index.js"), None, "no hash, no shape");
        assert_eq!(s("dist/c4Diagram.js"), None);
        assert!(
            s("dist/ünïcode-5f3a9c1e.js").is_some(),
            "non-ASCII names are fine"
        );
    }

    #[test]
    fn sketches_measure_shared_content() {
        let lines = |range: std::ops::Range<u32>| {
            range
                .map(|i| format!("const v{i} = {i};\n"))
                .collect::<String>()
        };
        let a = sketch(lines(0..1000).as_bytes());
        assert_eq!(a.len(), SKETCH);
        assert_eq!(similarity(&a, &a), 1000);
        // 900 of 1,100 distinct pieces shared: about 0.82.
        let b = sketch(lines(100..1100).as_bytes());
        let ab = similarity(&a, &b);
        assert!((600..=1000).contains(&ab), "{ab}");
        let c = sketch(lines(5000..6000).as_bytes());
        assert!(similarity(&a, &c) < 200, "{}", similarity(&a, &c));
        // Small files are compared on what they have.
        let small = sketch(b"a;b;c");
        assert_eq!(similarity(&small, &sketch(b"a;b;c")), 1000);
        assert_eq!(similarity(&small, &sketch(b"x;y;z")), 0);
        assert_eq!(similarity(&sketch(b""), &sketch(b"")), 0);
    }
}
