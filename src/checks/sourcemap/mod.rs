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

use memchr::memmem;
use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::artifact::Entry;
use crate::checks::MapContext;
use crate::finding::{Excerpt, Finding, OriginalLocation};
use crate::license::{SourceKind, SourceVerdict};
use crate::report::{FolderText, OriginalText, SourceExposure, SourceMapSummary};
use crate::text::{count_chars, plural, sanitize, shorten, thousands};

use reference::Hit;

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

/// A map as the checks read it: `mappings` is borrowed and only checked for well-formed VLQ,
/// never decoded. Unknown fields (`names`,
/// `x_google_ignoreList`, ...) are allowed, as in every consumer of maps.
#[derive(Debug, Deserialize)]
struct RawMap<'a> {
    #[serde(default)]
    file: Option<String>,
    #[serde(default, rename = "sourceRoot")]
    source_root: Option<String>,
    #[serde(default)]
    sources: Vec<Option<String>>,
    #[serde(default, rename = "sourcesContent")]
    // Kept as raw JSON and decoded one original at a time, so a 60 MB map never holds all
    // of its originals decoded at once.
    #[serde(borrow)]
    sources_content: Vec<Option<&'a RawValue>>,
    #[serde(default, borrow)]
    sections: Option<Vec<RawSection<'a>>>,
    #[serde(default, borrow)]
    mappings: Option<Borrowed<'a>>,
}

/// A JSON string borrowed from the map's bytes when it has no escapes. (serde borrows a
/// `Cow` only when it is a field of its own, not inside an `Option`.)
#[derive(Debug, Deserialize)]
struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);

/// A section of an index map: an embedded map or the URL of one.
#[derive(Debug, Deserialize)]
struct RawSection<'a> {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    #[serde(borrow)]
    map: Option<RawMap<'a>>,
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
        if lower.ends_with(".map") {
            self.maps
                .push((entry.path.to_string(), entry.rel.to_string()));
            let src = MapSource {
                path: entry.path,
                rel: entry.rel,
                data: entry.data,
                anchor: Anchor::MapText,
            };
            let summary = self.analyze(cx, &src, false, out);
            self.summaries.push(summary);
            let generated: HashSet<&str> = self
                .references
                .iter()
                .filter(|r| r.has_findings && r.target == entry.path)
                .map(|r| r.from.as_str())
                .collect();
            if !generated.is_empty() {
                map_back(entry.path, entry.data, &generated, out);
            }
            // Spans are only kept when they lie in this entry's bytes (an inline map's are
            // in a decoded copy), and the check met them in file order.
            let (base, len) = (entry.data.as_ptr() as usize, entry.data.len());
            let mut spans = std::mem::take(&mut self.skip);
            spans.retain(|&(start, end)| start >= base && end <= base + len);
            for span in &mut spans {
                *span = (span.0 - base, span.1 - base);
            }
            spans.sort_unstable();
            return spans;
        } else if is_generated(&lower) {
            self.generated(cx, entry, out);
        }
        Vec::new()
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

    /// A generated file: reads its `sourceMappingURL` and checks what it names.
    fn generated(&mut self, cx: MapContext<'_>, entry: &Entry<'_>, out: &mut Vec<Finding>) {
        let Some((offset, url)) = reference::find(entry.data) else {
            return;
        };
        // The engine has just scanned this entry, so its findings are the last ones.
        let has_findings = out
            .iter()
            .rev()
            .take_while(|f| f.file == entry.path)
            .any(|f| f.category != "sourcemap" && f.line.is_some());
        let range = (offset, offset + url.len());
        if let Some(decoded) = reference::decode_data_url(url) {
            // Point at `data:...,` only: the payload can be megabytes on one line.
            let head = url
                .iter()
                .position(|&b| b == b',')
                .map_or(url.len(), |i| i + 1);
            let range = (offset, offset + head.min(80));
            match decoded {
                Err(why) => {
                    for rule in cx.checks.check_rules(INVALID, entry.rel) {
                        let mut f = located(cx, rule, entry.path, entry.data, range);
                        f.message = format!("{}: inline map: {why}", rule.message);
                        out.push(f);
                    }
                }
                Ok(map) => {
                    let src = MapSource {
                        path: entry.path,
                        rel: entry.rel,
                        data: &map,
                        anchor: Anchor::Fixed(entry.data, range),
                    };
                    let first = out.len();
                    let mut summary = self.analyze(cx, &src, true, out);
                    // Content found in the map's originals was hidden by the data URL's
                    // encoding: say so, as a decoded view of the file would.
                    let how = if url.windows(8).any(|w| w == b";base64,") {
                        "base64"
                    } else {
                        "percent"
                    };
                    let before = &entry.data[..offset.min(entry.data.len())];
                    let line = 1 + memchr::memchr_iter(b'\n', before).count();
                    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
                    let column = 1 + String::from_utf8_lossy(&before[line_start..])
                        .chars()
                        .count();
                    for f in out[first..]
                        .iter_mut()
                        .filter(|f| f.category != "sourcemap")
                    {
                        if f.decoded.is_none() {
                            f.decoded = Some(how.to_string());
                            f.message = format!("{} (found after decoding: {how})", f.message);
                        }
                        // In the generated file, the finding is in the data URL.
                        if f.line.is_none() {
                            (f.line, f.column) = (Some(line), Some(column));
                        }
                    }
                    summary.referenced_by = vec![entry.path.to_string()];
                    self.summaries.push(summary);
                    map_back(entry.path, &map, &HashSet::from([entry.path]), out);
                    // The decoded text itself (names, URLs with tokens): base64 hid it from
                    // the plain scan of the file.
                    let start = out.len();
                    cx.originals.scan_virtual(entry.path, entry.rel, &map, out);
                    for f in &mut out[start..] {
                        f.message = format!("{} (in the file's inline source map)", f.message);
                        f.line = None;
                        f.column = None;
                        f.end_line = None;
                        f.end_column = None;
                    }
                    // The engine's decoded view of this file may have found the same secrets
                    // (same rule and fingerprint) with their exact position: keep those.
                    // A finding is the same when it has the same rule and either the same
                    // fingerprint or the same line of the same original source (mapping back
                    // through a map is exact to the line, not always to the column).
                    let key = |f: &Finding| {
                        let place = f
                            .original
                            .as_ref()
                            .map(|o| format!("{}:{:?}", o.source, o.line));
                        (f.rule.clone(), f.fingerprint.clone(), place)
                    };
                    let earlier: Vec<(String, String, Option<String>)> = out[..first]
                        .iter()
                        .filter(|f| f.file == entry.path)
                        .map(key)
                        .collect();
                    let tail = out.split_off(first);
                    out.extend(tail.into_iter().filter(|f| {
                        let (rule, fp, place) = key(f);
                        f.category == "sourcemap"
                            || !earlier.iter().any(|(r, e_fp, e_place)| {
                                *r == rule
                                    && (*e_fp == fp || (place.is_some() && *e_place == place))
                            })
                    }));
                }
            }
            return;
        }
        let text = String::from_utf8_lossy(url).into_owned();
        let settings = &cx.checks.rule_set().sourcemap;
        let hits = reference::classify(&text, settings);
        let anchor = Anchor::Fixed(entry.data, range);
        let src = MapSource {
            path: entry.path,
            rel: entry.rel,
            data: entry.data,
            anchor,
        };
        for hit in &hits {
            let (check, detail) = describe(hit, "sourceMappingURL", &text);
            emit(cx, &src, check, &detail, &text, None, out);
        }
        if hits.is_empty() && reference::Url::parse(&text).is_none() {
            let (line, column) = position(entry.data, offset);
            self.references.push(Reference {
                from: entry.path.to_string(),
                from_rel: entry.rel.to_string(),
                target: resolve(entry.path, &text),
                url: text,
                line,
                column,
                declaration: is_declaration(&entry.rel.to_ascii_lowercase()),
                has_findings,
            });
        }
    }

    /// Parses and checks one map; always returns its summary (zeros when it does not parse).
    fn analyze(
        &mut self,
        cx: MapContext<'_>,
        src: &MapSource<'_>,
        inline: bool,
        out: &mut Vec<Finding>,
    ) -> SourceMapSummary {
        let mut summary = SourceMapSummary {
            map: src.path.to_string(),
            inline,
            ..SourceMapSummary::default()
        };
        let settings = &cx.checks.rule_set().sourcemap;
        let data = strip_junk(src.data);
        let map: RawMap<'_> = match serde_json::from_slice(data) {
            Ok(m) => m,
            Err(e) => {
                let start = out.len();
                emit_invalid(cx, src, &format!("not valid JSON: {e}"), out);
                // The parser knows where in the map it stopped.
                if let (Anchor::MapText, true) = (src.anchor, e.line() > 0) {
                    for f in &mut out[start..] {
                        f.line = Some(e.line());
                        f.column = Some(e.column());
                    }
                }
                return summary;
            }
        };
        if map.mappings.is_none() && map.sections.is_none() {
            emit_invalid(
                cx,
                src,
                "it has neither `mappings` nor `sections`, so no tool can read it as a source map",
                out,
            );
            return summary;
        }
        let malformed = map
            .mappings
            .as_ref()
            .map(|m| m.0.as_ref())
            .and_then(|m| check_mappings(m).err());
        if let (None, Some(Borrowed(Cow::Borrowed(m)))) = (&malformed, &map.mappings) {
            self.skip.push(span_of(m));
        }
        if let Some(why) = malformed {
            emit_invalid(cx, src, &why, out);
        } else if map.sections.is_none() && data.len() as u64 <= settings.decode_max_size {
            if let Err(e) = sourcemap::decode_slice(data) {
                emit_invalid(cx, src, &e.to_string(), out);
            }
        }

        let base = src.rel.rsplit_once('/').map_or("", |(d, _)| d);
        let mut groups: BTreeMap<&'static str, Group> = BTreeMap::new();
        let mut note = |check: &'static str, value: &str, detail: String| {
            groups
                .entry(check)
                .and_modify(|g| g.count += 1)
                .or_insert_with(|| Group {
                    value: value.to_string(),
                    detail,
                    count: 1,
                });
        };
        let mut section_urls = Vec::new();
        let mut stack: Vec<(String, &RawMap<'_>)> = vec![(String::new(), &map)];
        while let Some((prefix, m)) = stack.pop() {
            let root = m.source_root.as_deref().unwrap_or("");
            let mut values: Vec<(String, &str)> = Vec::new();
            if let Some(r) = &m.source_root {
                values.push((format!("{prefix}sourceRoot"), r));
            }
            if let Some(f) = &m.file {
                values.push((format!("{prefix}file"), f));
            }
            for s in m.sources.iter().flatten() {
                values.push((format!("{prefix}sources"), s));
                let joined = join(root, s);
                if !settings.third_party(&joined) {
                    summary.first_party_sources += 1;
                    self.own_listed.insert(resolve_source(base, &joined));
                }
                if reference::climbs_out(base, root, s) {
                    note(
                        OUTSIDE_PACKAGE,
                        s,
                        format!("`{}` resolves above the package root", join(root, s)),
                    );
                }
            }
            for (i, section) in m.sections.iter().flatten().enumerate() {
                let at = format!("{prefix}sections[{i}].");
                if let Some(u) = &section.url {
                    values.push((format!("{at}url"), u));
                    section_urls.push(u.clone());
                }
                if let Some(inner) = &section.map {
                    stack.push((format!("{at}map."), inner));
                }
            }
            for (field, value) in values {
                for hit in reference::classify(value, settings) {
                    let (check, detail) = describe(&hit, &field, value);
                    note(check, value, detail);
                }
            }
            summary.sources += m.sources.len();
            self.sources_content(cx, src, m, &mut summary, out);
        }
        for (check, g) in groups {
            let more = match g.count {
                1 => String::new(),
                n => format!(" (and {} more in this map)", thousands(n as u64 - 1)),
            };
            let detail = format!("{}{more}", g.detail);
            let needle = serde_json::to_string(&g.value).unwrap_or_default();
            emit(
                cx,
                src,
                check,
                &detail,
                &g.value,
                Some(needle.as_bytes()),
                out,
            );
        }
        if summary.sources_content > 0 {
            // The package's verdict is one finding, raised once the archive is read; it
            // points at the `sourcesContent` of the map that ships the most.
            summary.content_at = match src.anchor {
                Anchor::Fixed(data, (start, end)) => {
                    let (line, column) = position(data, start);
                    let end = end.min(data.len()).max(start);
                    Some((line, column, column + count_chars(&data[start..end])))
                }
                Anchor::MapText => memmem::find(src.data, b"\"sourcesContent\"").map(|p| {
                    let (line, column) = position(src.data, p + 1);
                    (line, column, column + "sourcesContent".len())
                }),
            };
        }
        // Section maps named by URL are references like a `sourceMappingURL`.
        if let Anchor::MapText = src.anchor {
            for u in section_urls {
                if reference::Url::parse(&u).is_none() && !u.starts_with("data:") {
                    self.references.push(Reference {
                        from: src.path.to_string(),
                        from_rel: src.rel.to_string(),
                        target: resolve(src.path, &u),
                        url: u,
                        line: 1,
                        column: 1,
                        declaration: false,
                        has_findings: false,
                    });
                }
            }
        }
        summary
    }

    /// Counts a map's `sourcesContent` and runs the content rules over each original source.
    fn sources_content(
        &mut self,
        cx: MapContext<'_>,
        src: &MapSource<'_>,
        m: &RawMap<'_>,
        summary: &mut SourceMapSummary,
        out: &mut Vec<Finding>,
    ) {
        let root = m.source_root.as_deref().unwrap_or("");
        let settings = &cx.checks.rule_set().sourcemap;
        let base = src.rel.rsplit_once('/').map_or("", |(d, _)| d);
        let rules = cx.originals.content_rules_for(src.rel);
        for (i, raw) in m.sources_content.iter().enumerate() {
            let Some(raw) = raw else { continue };
            let text: Cow<'_, str> = match serde_json::from_str(raw.get()) {
                Ok(t) => t,
                Err(e) => {
                    emit_invalid(cx, src, &format!("`sourcesContent[{i}]`: {e}"), out);
                    continue;
                }
            };
            let (lines, bytes) = (line_count(text.as_bytes()), text.len() as u64);
            summary.sources_content += 1;
            summary.bytes += bytes;
            summary.lines += lines;
            let source = match m.sources.get(i) {
                Some(Some(s)) => join(root, s),
                _ => format!("sourcesContent[{i}]"),
            };
            // An original with no `sources` entry is counted as the package's own: a gate
            // does not guess in the leak's favour.
            let key = resolve_source(base, &source);
            if settings.third_party(&source) {
                summary.third_party.add(lines, bytes);
                self.other_text.insert(key, (lines, bytes));
            } else {
                summary.first_party.add(lines, bytes);
                self.own_text.insert(key, (lines, bytes));
            }
            let start = out.len();
            cx.originals
                .scan_virtual_with(&rules, src.path, src.rel, text.as_bytes(), out);
            let raw = raw.get();
            self.skip.push(span_of(raw));
            for f in &mut out[start..] {
                self.virtual_hits
                    .insert((f.file.clone(), f.fingerprint.clone()));
                // Two originals can hold the same secret: each is its own finding.
                let inner = f.fingerprint.clone();
                let rule = f.rule.clone();
                f.identify(
                    &rule,
                    &format!("{}\0{}", src.path, source),
                    inner.as_bytes(),
                );
                f.original = Some(OriginalLocation {
                    map: src.path.to_string(),
                    source: sanitize(&source),
                    line: f.line,
                    column: f.column,
                });
                f.line = None;
                f.column = None;
                f.end_line = None;
                f.end_column = None;
            }
        }
    }
}

/// The address range of a string borrowed from a map's bytes, for `SourceMapCheck::skip`.
fn span_of(text: &str) -> (usize, usize) {
    (text.as_ptr() as usize, text.as_ptr() as usize + text.len())
}

/// Names the original source, line and column of content findings already raised in the
/// generated files that reference this map. This is the one place `mappings` are decoded,
/// and only when such a finding exists. A generated file read after its map (npm packs in
/// path order, so `cli.js` comes before `cli.js.map`) is not mapped back: keeping maps
/// until the end would break the memory bound. An inline map is always in hand.
fn map_back(map_path: &str, map: &[u8], generated: &HashSet<&str>, out: &mut [Finding]) {
    let wanted = |f: &Finding| {
        f.original.is_none()
            && f.category != "sourcemap"
            && f.line.is_some()
            && generated.contains(f.file.as_str())
    };
    if generated.is_empty() || !out.iter().any(wanted) {
        return;
    }
    let Ok(decoded) = sourcemap::decode_slice(strip_junk(map)) else {
        return;
    };
    for f in out.iter_mut().filter(|f| wanted(f)) {
        let (Some(line), Some(column)) = (f.line, f.column) else {
            continue;
        };
        let (Ok(l), Ok(c)) = (u32::try_from(line - 1), u32::try_from(column - 1)) else {
            continue;
        };
        let Some(token) = decoded.lookup_token(l, c) else {
            continue;
        };
        let Some(source) = token.get_source() else {
            continue;
        };
        let (src_line, src_col) = (
            token.get_src_line() as usize + 1,
            token.get_src_col() as usize + 1,
        );
        f.message = format!(
            "{} (original: {}:{src_line}:{src_col})",
            f.message,
            sanitize(source)
        );
        f.original = Some(OriginalLocation {
            map: map_path.to_string(),
            source: sanitize(source),
            line: Some(src_line),
            column: Some(src_col),
        });
    }
}

/// The check and the message detail for one hit on `field`.
fn describe(hit: &Hit, field: &str, value: &str) -> (&'static str, String) {
    let v = sanitize(&crate::text::shorten(value, 160));
    match hit {
        Hit::Bucket(name) => (BUCKET_URL, format!("{field} `{v}` is on {name}")),
        Hit::External(host) => (EXTERNAL_URL, format!("{field} `{v}` is on `{host}`")),
        Hit::Archive(ext) => (
            ARCHIVE_URL,
            format!("{field} `{v}` points at a `{ext}` archive"),
        ),
        Hit::Internal(host) => (
            INTERNAL_HOST,
            format!("{field} `{v}` names internal host `{host}`"),
        ),
        Hit::AbsolutePath => (ABSOLUTE_PATH, format!("{field} `{v}`")),
    }
}

/// Raises `check` for every rule claiming it, at the value when it can be found.
fn emit(
    cx: MapContext<'_>,
    src: &MapSource<'_>,
    check: &str,
    detail: &str,
    value: &str,
    needle: Option<&[u8]>,
    out: &mut Vec<Finding>,
) {
    let at = match (src.anchor, needle) {
        (Anchor::Fixed(data, range), _) => Some((data, range)),
        (Anchor::MapText, Some(n)) => memmem::find(src.data, n).map(|p| {
            // Inside the quotes when the needle is a JSON string.
            let inner = usize::from(n.first() == Some(&b'"'));
            (src.data, (p + inner, p + n.len() - inner))
        }),
        (Anchor::MapText, None) => None,
    };
    for rule in cx.checks.check_rules(check, src.rel) {
        let mut f = match at {
            Some((data, range)) => located(cx, rule, src.path, data, range),
            None => cx.checks.file_finding(rule, src.path),
        };
        f.message = format!("{}: {}", rule.message, sanitize(detail));
        f.identify(&rule.id, src.path, value.as_bytes());
        out.push(f);
    }
}

/// A finding at a value, whose excerpt shows the value alone. The lines around a value in a
/// map are other parts of the map, `sourcesContent` included, and a context window would print
/// them unredacted. Positions are counted here, from the start of the value's line only: a
/// map is often one line of megabytes, and the engine's excerpt measures the whole line.
fn located(
    cx: MapContext<'_>,
    rule: &crate::rules::Rule,
    path: &str,
    data: &[u8],
    (start, end): (usize, usize),
) -> Finding {
    let mut f = cx.checks.file_finding(rule, path);
    let end = end.min(data.len());
    let start = start.min(end);
    let (line, column) = position(data, start);
    let value = &data[start..end];
    let shown = sanitize(&String::from_utf8_lossy(value));
    let snippet = shorten(&shown, 200);
    let first = snippet.split('\n').next().unwrap_or("").to_string();
    let (end_line, end_column) = match memchr::memchr(b'\n', value) {
        None => (line, column + count_chars(value)),
        Some(_) => position(data, end),
    };
    f.line = Some(line);
    f.column = Some(column);
    f.end_line = Some(end_line);
    f.end_column = Some(end_column);
    f.excerpt = Some(Excerpt {
        highlight: (0, first.len()),
        text: first,
        first_line: line,
        column,
    });
    f.snippet = Some(snippet);
    f
}

fn emit_invalid(cx: MapContext<'_>, src: &MapSource<'_>, why: &str, out: &mut Vec<Finding>) {
    for rule in cx.checks.check_rules(INVALID, src.rel) {
        let mut f = match src.anchor {
            Anchor::Fixed(data, range) => located(cx, rule, src.path, data, range),
            Anchor::MapText => cx.checks.file_finding(rule, src.path),
        };
        f.message = format!("{}: {}", rule.message, sanitize(why));
        out.push(f);
    }
}

const INVALID_DIGIT: u8 = 0xff;

/// Base64 digit values by byte; the check runs over every byte of every map's `mappings`.
const BASE64: [u8; 256] = {
    let mut t = [INVALID_DIGIT; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Checks that `mappings` is well-formed base64 VLQ: every segment has 1, 4 or 5 values and no
/// value is cut off. One pass over the bytes and no allocation, so it runs on every map, even a
/// 60 MB one, where a full decode (which also builds every token) would not be worth it.
fn check_mappings(mappings: &str) -> Result<(), String> {
    let mut values = 0usize;
    let mut continued = false;
    let segment_end = |values: usize, continued: bool, at: usize| {
        if continued {
            Err(format!("`mappings`: a VLQ value is cut off at offset {at}"))
        } else if !matches!(values, 0 | 1 | 4 | 5) {
            Err(format!(
                "`mappings`: a segment has {values} values at offset {at} (expected 1, 4 or 5)"
            ))
        } else {
            Ok(())
        }
    };
    for (i, b) in mappings.bytes().enumerate() {
        if b == b',' || b == b';' {
            segment_end(values, continued, i)?;
            values = 0;
            continue;
        }
        let digit = BASE64[usize::from(b)];
        if digit == INVALID_DIGIT {
            return Err(format!(
                "`mappings`: `{}` at offset {i} is not a base64 VLQ character",
                sanitize(&String::from_utf8_lossy(&[b]))
            ));
        }
        continued = digit & 32 != 0;
        if !continued {
            values += 1;
        }
    }
    segment_end(values, continued, mappings.len())
}

/// Skips the `)]}'` line some servers prefix maps with against JSON hijacking, and a BOM.
fn strip_junk(data: &[u8]) -> &[u8] {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    if data.starts_with(b")]}") {
        return memchr::memchr(b'\n', data).map_or(&data[data.len()..], |i| &data[i + 1..]);
    }
    data
}

/// `sourceRoot` joined to a source, as a consumer of the map would.
fn join(root: &str, source: &str) -> String {
    if root.is_empty() || source.contains("://") || source.starts_with('/') {
        source.to_string()
    } else if root.ends_with('/') {
        format!("{root}{source}")
    } else {
        format!("{root}/{source}")
    }
}

/// A `sources` entry (with `sourceRoot` applied) as a path in the package, so that the same
/// original named by two maps is one file: a bundler's `webpack://name/` or any other
/// `scheme://host` prefix is dropped, and a relative path is resolved from the map's folder
/// `base` (climbing above the root keeps its `..`).
fn resolve_source(base: &str, source: &str) -> String {
    let source = source.replace('\\', "/");
    let (relative, path) = match source.split_once("://") {
        Some((_, rest)) => (
            false,
            rest.split_once('/').map_or("", |(_, p)| p).to_string(),
        ),
        None => (!source.starts_with('/'), source),
    };
    let mut parts: Vec<&str> = Vec::new();
    let joined = if relative && !base.is_empty() {
        format!("{base}/{path}")
    } else {
        path
    };
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The top folder of a resolved original (`src/` for `../src/a/b.ts`), `./` for a file at
/// the top.
fn top_folder(path: &str) -> String {
    let mut parts = path.split('/').skip_while(|p| *p == "..");
    match (parts.next(), parts.next()) {
        (Some(first), Some(_)) => format!("{first}/"),
        _ => "./".to_string(),
    }
}

/// "top folders: src/ (1,902 files, 513,676 lines), scripts/ (3 files, 90 lines)", at most
/// five, with the rest counted.
fn folder_list(folders: &[FolderText], with_lines: bool) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = folders
        .iter()
        .take(SHOWN)
        .map(|f| {
            let files = format!(
                "{} {}",
                thousands(f.files as u64),
                plural(f.files as u64, "file", "files")
            );
            if with_lines {
                format!(
                    "{} ({files}, {} {})",
                    sanitize(&f.folder),
                    thousands(f.lines),
                    plural(f.lines, "line", "lines")
                )
            } else {
                format!("{} ({files})", sanitize(&f.folder))
            }
        })
        .collect();
    if folders.len() > SHOWN {
        parts.push(format!("{} more", folders.len() - SHOWN));
    }
    format!(
        "top {}: {}",
        plural(folders.len() as u64, "folder", "folders"),
        parts.join(", ")
    )
}

/// A relative URL resolved against the generated file's folder, inside the archive.
fn resolve(from: &str, url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or("");
    let url = percent_encoding::percent_decode_str(url).decode_utf8_lossy();
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for p in url.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// 1-based line and column (in characters) of an offset.
fn position(data: &[u8], offset: usize) -> (usize, usize) {
    let before = &data[..offset.min(data.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, count_chars(&before[start..]) + 1)
}

fn line_count(text: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', text).count() as u64;
    newlines + u64::from(!text.is_empty() && !text.ends_with(b"\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(thousands(512_000), "512,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(line_count(b"a\nb"), 2);
        assert_eq!(line_count(b"a\nb\n"), 2);
        assert_eq!(line_count(b""), 0);
        assert_eq!(
            resolve("package/dist/a.js", "a.js.map"),
            "package/dist/a.js.map"
        );
        assert_eq!(
            resolve("package/dist/a.js", "../maps/a.map?v=1"),
            "package/maps/a.map"
        );
        assert_eq!(join("src", "a.ts"), "src/a.ts");
        assert_eq!(resolve_source("", "../src/a/b.ts"), "../src/a/b.ts");
        assert_eq!(resolve_source("dist", "../src/a.ts"), "src/a.ts");
        assert_eq!(
            resolve_source("dist", "webpack://acme/./src/a.ts"),
            "src/a.ts"
        );
        assert_eq!(resolve_source("dist", "webpack:///src/a.ts"), "src/a.ts");
        assert_eq!(resolve_source("a/b", "../../../x.ts"), "../x.ts");
        assert_eq!(top_folder("../src/a/b.ts"), "src/");
        assert_eq!(top_folder("src/a.ts"), "src/");
        assert_eq!(top_folder("a.ts"), "./");
        assert_eq!(join("https://x/", "a.ts"), "https://x/a.ts");
        assert_eq!(strip_junk(b")]}'\n{}"), b"{}");
        assert_eq!(position(b"ab\ncd", 4), (2, 2));
        assert!(check_mappings("AAAA,CAAC;;EAAEC,G").is_ok());
        assert!(check_mappings("").is_ok());
        assert!(check_mappings("AA").unwrap_err().contains("2 values"));
        assert!(check_mappings("AAAg").unwrap_err().contains("cut off"));
        assert!(check_mappings("AA!A").unwrap_err().contains("`!`"));
    }
}
