//! The source-map check: finds every source map a package ships and says what it exposes.
//!
//! It owns three jobs. Per file, as the archive is read: a `.map` file is parsed and its
//! `sourceRoot`, `sources`, `file` and index-map section `url`s are classified (storage
//! bucket, other external URL, archive, internal host, build-machine path, climbing out of the
//! package); its `sourcesContent` is counted and each original source is run through the
//! content rules; a `.js`/`.mjs`/`.cjs`/`.css` file's `sourceMappingURL` is read, and an inline
//! `data:` map is decoded and treated like a map file. Once, after the last entry: references
//! are paired with maps, so a map named but not shipped, and a map nothing names, are
//! reported.
//!
//! Invariants. Memory stays bounded: a map is parsed while its entry is in hand and dropped;
//! only paths and counts are kept for the cross-file step. `mappings` are never decoded for
//! the checks (real maps carry tens of megabytes of them): every map gets a one-pass check
//! that they are well-formed VLQ, and only maps up to `decode_max_size` are fully decoded by
//! the `sourcemap` crate to validate them further. A map that does not parse is a
//! `sourcemap.invalid` finding with the parser's reason, never an error of the run.
//!
//! What it must not do: print, exit, or hard-code a host. Hosts, prefixes and extensions are
//! data in the `sourcemap:` section of rule files (see `settings`), and every finding carries
//! the id, message and severity of the rule that claims its check name in `rules/*.yaml`.

pub mod reference;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::artifact::Entry;
use crate::checks::MapContext;
use crate::finding::Finding;
use crate::license::{SourceKind, SourceVerdict};
use crate::report::{FolderText, OriginalText, SourceExposure, SourceMapSummary};
use crate::text::{plural, sanitize, thousands};

mod analyze;
mod comment;
mod json;
mod read;
use analyze::map_back;
use read::{folder_list, top_folder};

pub const BUCKET_URL: &str = "sourcemap.bucket-url";
pub const EXTERNAL_URL: &str = "sourcemap.external-url";
pub const ARCHIVE_URL: &str = "sourcemap.archive-url";
pub const INTERNAL_HOST: &str = "sourcemap.internal-host";
pub const ABSOLUTE_PATH: &str = "sourcemap.absolute-path";
pub const OUTSIDE_PACKAGE: &str = "sourcemap.source-outside-package";
pub const SOURCES_CONTENT: &str = "sourcemap.sources-content";
pub const PROPRIETARY_SOURCE: &str = "sourcemap.proprietary-source";
pub const PROPRIETARY_SOURCE_PATHS: &str = "sourcemap.proprietary-source-paths";
pub const INVALID: &str = "sourcemap.invalid";
pub const MISSING_MAP: &str = "sourcemap.missing-map";
pub const UNREFERENCED_MAP: &str = "sourcemap.unreferenced-map";

/// Every check name this module raises.
pub const CHECKS: &[&str] = &[
    BUCKET_URL,
    EXTERNAL_URL,
    ARCHIVE_URL,
    INTERNAL_HOST,
    ABSOLUTE_PATH,
    OUTSIDE_PACKAGE,
    SOURCES_CONTENT,
    PROPRIETARY_SOURCE,
    PROPRIETARY_SOURCE_PATHS,
    INVALID,
    MISSING_MAP,
    UNREFERENCED_MAP,
];

/// The source-map checks' names. The work is `SourceMapCheck`, driven by the engine file by file:
/// it keeps state across a scan and scans originals through `Originals`.
pub struct SourceMaps;

impl super::Check for SourceMaps {
    fn names(&self) -> &'static [&'static str] {
        CHECKS
    }
}

/// Generated files whose `sourceMappingURL` is read: scripts and styles, and TypeScript
/// declarations (`.d.ts` files name their declaration maps the same way). Files without an
/// extension are read too: npm `bin` scripts (`dist/bin/next`) are built JavaScript.
const GENERATED: &[&str] = &[
    ".js", ".mjs", ".cjs", ".jsx", ".css", ".ts", ".mts", ".cts", ".tsx",
];

fn is_declaration(rel_lower: &str) -> bool {
    [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|e| rel_lower.ends_with(e))
}

fn is_generated(rel_lower: &str) -> bool {
    let name = rel_lower.rsplit('/').next().unwrap_or(rel_lower);
    GENERATED.iter().any(|e| name.ends_with(e)) || (!name.contains('.') && !name.is_empty())
}

/// A `sourceMappingURL` that names a map by relative path, kept until the archive ends.
#[derive(Debug)]
struct Reference {
    /// The generated file (`package/dist/a.js`) and its path relative to the root.
    from: String,
    from_rel: String,
    /// The map's path as resolved inside the archive (`package/dist/a.js.map`).
    target: String,
    url: String,
    line: usize,
    column: usize,
    /// Whether the generated file has content findings to map back through the map.
    has_findings: bool,
    /// From a TypeScript declaration (`.d.ts`): its map only serves an editor's
    /// go-to-definition, so a missing one is not reported (apollo-client names 587 of them).
    declaration: bool,
}

/// Where a map's findings point.
#[derive(Clone, Copy)]
enum Anchor<'a> {
    /// At the offending value inside the map's own text (a `.map` file).
    MapText,
    /// At the `sourceMappingURL` of the generated file an inline map is in.
    Fixed(&'a [u8], (usize, usize)),
}

/// One map being analysed.
struct MapSource<'a> {
    /// Shown as the finding's file: the `.map`, or the generated file of an inline map.
    path: &'a str,
    rel: &'a str,
    /// The map's JSON text.
    data: &'a [u8],
    anchor: Anchor<'a>,
}

/// Findings of one kind in one map: the first offending value and how many there are.
struct Group {
    value: String,
    detail: String,
    count: usize,
}

/// The check's state across an archive: paths and counts, never file contents.
#[derive(Debug, Default)]
pub struct SourceMapCheck {
    /// Every entry path seen (files, and entries reported as issues such as an oversized map).
    seen: HashSet<String>,
    /// `.map` files with their path relative to the root, in archive order.
    maps: Vec<(String, String)>,
    references: Vec<Reference>,
    summaries: Vec<SourceMapSummary>,
    /// (file, fingerprint) of content findings also raised, with their original location,
    /// from a map's `sourcesContent`: the plain scan of the same map text is dropped for them.
    virtual_hits: HashSet<(String, String)>,
    /// Byte ranges of the map being read that its plain content scan may leave out (see
    /// `file`).
    skip: Vec<(usize, usize)>,
    /// Originals whose text ships, by path resolved in the package, with (lines, bytes):
    /// the package's own and its dependencies'. Keyed so that an original carried by several
    /// maps counts once in the package's verdict.
    own_text: HashMap<String, (u64, u64)>,
    other_text: HashMap<String, (u64, u64)>,
    /// The package's own files named in any map's `sources`, resolved.
    own_listed: HashSet<String>,
    /// Paths a `sourceMappingURL` names that have not been read yet: analysed as maps when
    /// they come, whatever their name.
    wanted: HashSet<String>,
    /// Files read so far that look like maps but are not named `.map`, by path, with their
    /// path relative to the root: a `sourceMappingURL` read later may name them.
    pending: HashMap<String, (String, Vec<u8>)>,
    pending_bytes: usize,
}

/// What the files kept in case a later `sourceMappingURL` names them may hold together. A
/// map over it that is named only after it was read is not analysed.
const MAX_PENDING: usize = 32 * 1024 * 1024;

/// A JSON object with a `mappings` or `sections` key: a map under another name.
fn looks_like_map(data: &[u8]) -> bool {
    let data = read::strip_junk(data);
    data.trim_ascii_start().starts_with(b"{")
        && (memchr::memmem::find(data, b"\"mappings\"").is_some()
            || memchr::memmem::find(data, b"\"sections\"").is_some())
}

impl SourceMapCheck {
    /// Looks at one file of the archive. For a map file, returns the byte ranges the plain
    /// content scan of the map can leave out: the `sourcesContent` strings this check ran the
    /// content rules over as original sources (decoded, with positions in the originals),
    /// and a well-formed `mappings`, which is base64 VLQ and holds no text. Those are most
    /// of a map's bytes, and reading them again would only re-find the same secrets escaped
    /// or find noise in VLQ.
    pub fn file(
        &mut self,
        cx: MapContext<'_>,
        entry: &Entry<'_>,
        out: &mut Vec<Finding>,
    ) -> Vec<(usize, usize)> {
        self.skip.clear();
        self.seen.insert(entry.path.to_string());
        let lower = entry.rel.to_ascii_lowercase();
        // A map is a `.map` file, or any file a `sourceMappingURL` read earlier names.
        if lower.ends_with(".map") || self.wanted.remove(entry.path) {
            return self.map_file(cx, entry.path, entry.rel, entry.data, out);
        }
        if is_generated(&lower) {
            self.generated(cx, entry, out);
        }
        // A generated file read later may name this one as its map (`cli.js.txt`): keep
        // what looks like a map, bounded, until the archive ends.
        if looks_like_map(entry.data)
            && self.pending_bytes + entry.data.len() <= MAX_PENDING
            && !self.pending.contains_key(entry.path)
        {
            self.pending_bytes += entry.data.len();
            self.pending.insert(
                entry.path.to_string(),
                (entry.rel.to_string(), entry.data.to_vec()),
            );
        }
        Vec::new()
    }

    /// A map file (see `file`): analysed, mapped back to the generated files already read,
    /// and the byte ranges its plain content scan can leave out.
    fn map_file(
        &mut self,
        cx: MapContext<'_>,
        path: &str,
        rel: &str,
        data: &[u8],
        out: &mut Vec<Finding>,
    ) -> Vec<(usize, usize)> {
        self.maps.push((path.to_string(), rel.to_string()));
        let src = MapSource {
            path,
            rel,
            data,
            anchor: Anchor::MapText,
        };
        let summary = self.analyze(cx, &src, false, out);
        self.summaries.push(summary);
        let generated: HashSet<&str> = self
            .references
            .iter()
            .filter(|r| r.has_findings && r.target == path)
            .map(|r| r.from.as_str())
            .collect();
        if !generated.is_empty() {
            map_back(path, data, &generated, out);
        }
        // Spans are only kept when they lie in this entry's bytes (an inline map's are
        // in a decoded copy), and the check met them in file order.
        let (base, len) = (data.as_ptr() as usize, data.len());
        let mut spans = std::mem::take(&mut self.skip);
        spans.retain(|&(start, end)| start >= base && end <= base + len);
        for span in &mut spans {
            *span = (span.0 - base, span.1 - base);
        }
        spans.sort_unstable();
        spans
    }

    /// A generated file names `target` as its map: analysed now if it was read already under
    /// a name that is not `.map`, else when it comes.
    fn wants_map(&mut self, cx: MapContext<'_>, target: &str, out: &mut Vec<Finding>) {
        if let Some((rel, data)) = self.pending.remove(target) {
            self.pending_bytes -= data.len();
            self.map_file(cx, target, &rel, &data, out);
            self.skip.clear();
        } else if !self.seen.contains(target) {
            self.wanted.insert(target.to_string());
        }
    }

    /// An entry the archive reader reported instead of handing over (an oversized map still
    /// exists, so a reference to it is not "missing").
    pub fn issue(&mut self, path: &str) {
        self.seen.insert(path.to_string());
        if path.to_ascii_lowercase().ends_with(".map") {
            let rel = path.split_once('/').map_or(path, |(_, r)| r);
            self.maps.push((path.to_string(), rel.to_string()));
        }
    }

    /// The cross-file checks, once the archive is read: references paired with maps, and the
    /// package's one source-exposure verdict given whose source it is. Returns every map's
    /// exposure and the package's.
    pub fn finish(
        &mut self,
        cx: MapContext<'_>,
        verdict: SourceVerdict,
        out: &mut Vec<Finding>,
    ) -> (Vec<SourceMapSummary>, SourceExposure) {
        let virtual_hits = std::mem::take(&mut self.virtual_hits);
        if !virtual_hits.is_empty() {
            out.retain(|f| {
                f.original.is_some()
                    || !virtual_hits.contains(&(f.file.clone(), f.fingerprint.clone()))
            });
        }
        let mut referenced: HashSet<&str> = HashSet::new();
        for r in &self.references {
            referenced.insert(r.target.as_str());
            if r.declaration || self.seen.contains(&r.target) {
                continue;
            }
            for rule in cx.checks.check_rules(MISSING_MAP, &r.from_rel) {
                let mut f = cx.checks.file_finding(rule, &r.from);
                f.message = format!(
                    "{}: `{}` (no `{}` in the package)",
                    rule.message,
                    sanitize(&r.url),
                    sanitize(&r.target)
                );
                f.line = Some(r.line);
                f.column = Some(r.column);
                f.identify(&rule.id, &r.from, r.url.as_bytes());
                out.push(f);
            }
        }
        for (path, rel) in &self.maps {
            if referenced.contains(path.as_str()) {
                continue;
            }
            for rule in cx.checks.check_rules(UNREFERENCED_MAP, rel) {
                out.push(cx.checks.file_finding(rule, path));
            }
        }
        for s in &mut self.summaries {
            if !s.inline {
                s.referenced_by = self
                    .references
                    .iter()
                    .filter(|r| r.target == s.map)
                    .map(|r| r.from.clone())
                    .collect();
            }
        }
        let exposure = self.exposure(verdict);
        self.verdict_findings(cx, &exposure, out);
        (std::mem::take(&mut self.summaries), exposure)
    }

    /// What all maps together ship, each original counted once.
    fn exposure(&self, verdict: SourceVerdict) -> SourceExposure {
        let total = |m: &HashMap<String, (u64, u64)>| {
            let mut t = OriginalText::default();
            for &(lines, bytes) in m.values() {
                t.add(lines, bytes);
            }
            t
        };
        let mut folders: BTreeMap<String, (usize, u64)> = BTreeMap::new();
        if self.own_text.is_empty() {
            for path in &self.own_listed {
                folders.entry(top_folder(path)).or_default().0 += 1;
            }
        } else {
            for (path, &(lines, _)) in &self.own_text {
                let e = folders.entry(top_folder(path)).or_default();
                e.0 += 1;
                e.1 += lines;
            }
        }
        let mut first_party_folders: Vec<FolderText> = folders
            .into_iter()
            .map(|(folder, (files, lines))| FolderText {
                folder,
                files,
                lines,
            })
            .collect();
        first_party_folders.sort_by(|a, b| {
            (b.lines, b.files)
                .cmp(&(a.lines, a.files))
                .then_with(|| a.folder.cmp(&b.folder))
        });
        SourceExposure {
            verdict,
            first_party: total(&self.own_text),
            third_party: total(&self.other_text),
            first_party_sources: self.own_listed.len(),
            first_party_folders,
        }
    }

    /// The package's one finding about original source in its maps: an error when a
    /// proprietary package ships its own source text, a warning when its maps only name its
    /// own files, and otherwise (open source, or dependencies' text only) one note for the
    /// whole package, never one per map.
    fn verdict_findings(&self, cx: MapContext<'_>, e: &SourceExposure, out: &mut Vec<Finding>) {
        let proprietary = e.verdict.kind == SourceKind::Proprietary;
        let why = sanitize(&e.verdict.reason);
        let folders = folder_list(&e.first_party_folders, !self.own_text.is_empty());
        let (check, largest, detail) = if proprietary && e.first_party.files > 0 {
            let maps: Vec<&SourceMapSummary> = self
                .summaries
                .iter()
                .filter(|s| s.first_party.files > 0)
                .collect();
            let largest = maps
                .iter()
                .max_by_key(|s| (s.first_party.lines, s.first_party.files));
            let third = match e.third_party.files {
                0 => String::new(),
                n => format!(
                    "; also {} third-party {}",
                    thousands(n as u64),
                    plural(n as u64, "file", "files")
                ),
            };
            let detail = format!(
                "{} of its own original {} ({} {}, {}) ship in the `sourcesContent` of {} {}, largest `{}`; {folders}{third}. The package is proprietary: {why} (set `source: open` in the config if its source is public)",
                thousands(e.first_party.files as u64),
                plural(e.first_party.files as u64, "file", "files"),
                thousands(e.first_party.lines),
                plural(e.first_party.lines, "line", "lines"),
                crate::text::human_bytes(e.first_party.bytes),
                thousands(maps.len() as u64),
                plural(maps.len() as u64, "map", "maps"),
                largest.map_or("", |s| s.map.as_str()),
            );
            (PROPRIETARY_SOURCE, largest.copied(), detail)
        } else if proprietary && e.first_party_sources > 0 {
            let maps: Vec<&SourceMapSummary> = self
                .summaries
                .iter()
                .filter(|s| s.first_party_sources > 0)
                .collect();
            let largest = maps.iter().max_by_key(|s| s.first_party_sources);
            let detail = format!(
                "{} {} {} of its own source files without their text, so the product's file tree is public; {folders}. The package is proprietary: {why}",
                thousands(maps.len() as u64),
                plural(maps.len() as u64, "map names", "maps name"),
                thousands(e.first_party_sources as u64),
            );
            (PROPRIETARY_SOURCE_PATHS, largest.copied(), detail)
        } else if e.first_party.files + e.third_party.files > 0 {
            let maps: Vec<&SourceMapSummary> = self
                .summaries
                .iter()
                .filter(|s| s.sources_content > 0)
                .collect();
            let largest = maps.iter().max_by_key(|s| (s.lines, s.sources_content));
            let files = e.first_party.files + e.third_party.files;
            let detail = format!(
                "{} {} the text of {} original {}, {} {} ({} first-party, {} third-party), largest `{}`; the package is {}: {why}",
                thousands(maps.len() as u64),
                plural(maps.len() as u64, "map ships", "maps ship"),
                thousands(files as u64),
                plural(files as u64, "file", "files"),
                thousands(e.first_party.lines + e.third_party.lines),
                plural(e.first_party.lines + e.third_party.lines, "line", "lines"),
                thousands(e.first_party.files as u64),
                thousands(e.third_party.files as u64),
                largest.map_or("", |s| s.map.as_str()),
                e.verdict.kind.as_str(),
            );
            (SOURCES_CONTENT, largest.copied(), detail)
        } else {
            return;
        };
        let Some(map) = largest else { return };
        let rel = map.map.split_once('/').map_or(map.map.as_str(), |(_, r)| r);
        for rule in cx.checks.check_rules(check, rel) {
            let mut f = cx.checks.file_finding(rule, &map.map);
            f.message = format!("{}: {}", rule.message, sanitize(&detail));
            if let Some((line, column, end_column)) = map.content_at {
                (f.line, f.column) = (Some(line), Some(column));
                (f.end_line, f.end_column) = (Some(line), Some(end_column));
                f.snippet = Some("sourcesContent".into());
            }
            f.identify(&rule.id, &map.map, b"sourcesContent");
            out.push(f);
        }
    }
}
