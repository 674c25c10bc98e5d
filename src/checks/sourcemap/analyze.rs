//! One map at a time: a generated file's `sourceMappingURL` followed, a map read and checked
//! (its URLs, its `sources`, `sourcesContent` scanned through the engine), and each problem
//! turned into a finding at the bytes that show it.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use memchr::memmem;

use super::json::RawMap;
use super::read::{
    check_mappings, join, line_count, position, resolve, resolve_source, strip_junk,
};
use super::reference::{self, Hit};
use super::{
    is_declaration, Anchor, Group, MapSource, Reference, SourceMapCheck, ABSOLUTE_PATH,
    ARCHIVE_URL, BUCKET_URL, EXTERNAL_URL, INTERNAL_HOST, INVALID, OUTSIDE_PACKAGE,
};
use crate::artifact::Entry;
use crate::checks::MapContext;
use crate::finding::{Excerpt, Finding, OriginalLocation};
use crate::report::SourceMapSummary;
use crate::text::{count_chars, sanitize, shorten, thousands};

/// How many of the package's own `sources` are kept by path, for the source-exposure verdict's
/// folder list and count: enough for any real package (the largest in the corpus names a few
/// thousand), and a bound on a hostile map with millions of entries.
const MAX_LISTED: usize = 100_000;

impl SourceMapCheck {
    /// A generated file: reads its `sourceMappingURL` and checks what it names.
    pub(super) fn generated(
        &mut self,
        cx: MapContext<'_>,
        entry: &Entry<'_>,
        out: &mut Vec<Finding>,
    ) {
        let Some((offset, url)) = super::comment::find(entry.data) else {
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
            let target = resolve(entry.path, &text);
            self.references.push(Reference {
                from: entry.path.to_string(),
                from_rel: entry.rel.to_string(),
                target: target.clone(),
                url: text,
                line,
                column,
                declaration: is_declaration(&entry.rel.to_ascii_lowercase()),
                has_findings,
            });
            self.wants_map(cx, &target, out);
        }
    }

    /// Parses and checks one map; always returns its summary (zeros when it does not parse).
    pub(super) fn analyze(
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
        let map = match RawMap::parse(data) {
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
            .as_deref()
            .and_then(|m| check_mappings(m).err());
        if let (None, Some(Cow::Borrowed(m))) = (&malformed, &map.mappings) {
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
            for (field, value) in values {
                for hit in reference::classify(value, settings) {
                    let (check, detail) = describe(&hit, &field, value);
                    note(check, value, detail);
                }
            }
            // `sources` is streamed: only the names of the originals whose text ships are
            // kept, for `sources_content` to name them.
            let field = format!("{prefix}sources");
            let shipped: HashSet<usize> = (m.sources_content.iter().enumerate())
                .filter_map(|(i, c)| c.map(|_| i))
                .collect();
            let mut names: HashMap<usize, String> = HashMap::new();
            let (mut first_party, own_listed) = (0, &mut self.own_listed);
            let count = m.each_source(|i, s| {
                let Some(s) = s else { return };
                let joined = join(root, &s);
                if !settings.third_party(&joined) {
                    first_party += 1;
                    if own_listed.len() < MAX_LISTED {
                        own_listed.insert(resolve_source(base, &joined));
                    }
                }
                if reference::climbs_out(base, root, &s) {
                    note(
                        OUTSIDE_PACKAGE,
                        &s,
                        format!("`{joined}` resolves above the package root"),
                    );
                }
                for hit in reference::classify(&s, settings) {
                    let (check, detail) = describe(&hit, &field, &s);
                    note(check, &s, detail);
                }
                if shipped.contains(&i) {
                    names.insert(i, joined);
                }
            });
            summary.sources += count;
            summary.first_party_sources += first_party;
            for (i, section) in m.sections.iter().flatten().enumerate() {
                let at = format!("{prefix}sections[{i}].");
                if let Some(u) = &section.url {
                    for hit in reference::classify(u, settings) {
                        let (check, detail) = describe(&hit, &format!("{at}url"), u);
                        note(check, u, detail);
                    }
                    section_urls.push(u.clone());
                }
                if let Some(inner) = &section.map {
                    stack.push((format!("{at}map."), inner));
                }
            }
            self.sources_content(cx, src, m, &names, &mut summary, out);
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
    pub(super) fn sources_content(
        &mut self,
        cx: MapContext<'_>,
        src: &MapSource<'_>,
        m: &RawMap<'_>,
        names: &HashMap<usize, String>,
        summary: &mut SourceMapSummary,
        out: &mut Vec<Finding>,
    ) {
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
            let source = match names.get(&i) {
                Some(name) => name.clone(),
                None => format!("sourcesContent[{i}]"),
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
pub(super) fn span_of(text: &str) -> (usize, usize) {
    (text.as_ptr() as usize, text.as_ptr() as usize + text.len())
}

/// Names the original source, line and column of content findings already raised in the
/// generated files that reference this map. This is the one place `mappings` are decoded,
/// and only when such a finding exists. A generated file read after its map (npm packs in
/// path order, so `cli.js` comes before `cli.js.map`) is not mapped back: keeping maps
/// until the end would break the memory bound. An inline map is always in hand.
pub(super) fn map_back(map_path: &str, map: &[u8], generated: &HashSet<&str>, out: &mut [Finding]) {
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
        // An unmapped position has no original: the finding stays on the generated file.
        let Some((token, source)) = mapped_token(&decoded, l, c) else {
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

/// The mapping that covers generated line `line`, column `col` (0-based), with its source.
///
/// `lookup_token` returns the nearest token at or before the position, across lines: a
/// footer after a line's last mapping, or a column before the first mapping of its line,
/// would take a token from an earlier line and its original, a line that does not hold the
/// text. A token counts only on the queried line, and only when it names a source (a
/// one-field segment marks generated code that has no original). An index map's section is
/// looked up by its offset first, since its tokens' lines are the section's own.
fn mapped_token(
    map: &sourcemap::DecodedMap,
    line: u32,
    col: u32,
) -> Option<(sourcemap::Token<'_>, &str)> {
    if let sourcemap::DecodedMap::Index(index) = map {
        let section = index
            .sections()
            .filter(|s| s.get_offset() <= (line, col))
            .last()?;
        let (off_line, off_col) = section.get_offset();
        let col = if line == off_line { col - off_col } else { col };
        return mapped_token(section.get_sourcemap()?, line - off_line, col);
    }
    let token = map.lookup_token(line, col)?;
    if token.get_dst_line() != line {
        return None;
    }
    let source = token.get_source()?;
    Some((token, source))
}

/// The check and the message detail for one hit on `field`.
pub(super) fn describe(hit: &Hit, field: &str, value: &str) -> (&'static str, String) {
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
pub(super) fn emit(
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
pub(super) fn located(
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

pub(super) fn emit_invalid(
    cx: MapContext<'_>,
    src: &MapSource<'_>,
    why: &str,
    out: &mut Vec<Finding>,
) {
    for rule in cx.checks.check_rules(INVALID, src.rel) {
        let mut f = match src.anchor {
            Anchor::Fixed(data, range) => located(cx, rule, src.path, data, range),
            Anchor::MapText => cx.checks.file_finding(rule, src.path),
        };
        f.message = format!("{}: {}", rule.message, sanitize(why));
        out.push(f);
    }
}
