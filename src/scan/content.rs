//! Content matching: for one file (or a decoded view of it, or a source map's original),
//! the rules that apply, the prefilter's windows, each regex match judged (validators,
//! inline `packguard-ignore`, allow lists) and turned into a finding with its excerpt.

use std::collections::{HashMap, HashSet};

use super::{Engine, MAX_MATCHES_EXAMINED, MAX_MATCHES_PER_RULE, SNIPPET_MAX};
use crate::artifact::Entry;
use crate::checks::secrets::{self, decode, Verdict};
use crate::checks::suppressions::IGNORE_MARKER;
use crate::checks::Originals;
use crate::finding::excerpt::{excerpt, LineIndex, Pending};
use crate::finding::{digest, fingerprint_of, redact, Finding, Severity};
use crate::rules::prefilter::captures_in;
use crate::rules::Rule;
use crate::text::{sanitize, shorten};

impl<'a> Engine<'a> {
    /// Indices of the rules that look at `rel`; content rules only unless `presence`.
    pub(super) fn applicable(&self, rel: &str, presence: bool) -> Vec<usize> {
        self.rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                (presence || r.pattern.is_some())
                    && r.applies_to(rel)
                    && !self.checks.ignored(r, rel)
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub(super) fn scan_applicable(
        &self,
        entry: &Entry<'_>,
        applicable: &[usize],
        skip: &[(usize, usize)],
        markers: Markers,
        out: &mut Vec<Finding>,
    ) {
        if applicable.is_empty() {
            return;
        }
        let binary = crate::text::is_binary(entry.data);
        let mut wants_content = Vec::new();
        for &i in applicable {
            let rule = &self.rules.rules[i];
            if rule.pattern.is_none() {
                out.push(self.checks.file_finding(rule, entry.path));
                continue;
            }
            if (binary && !rule.binary)
                || rule.max_size.is_some_and(|m| entry.data.len() as u64 > m)
            {
                continue;
            }
            wants_content.push(i);
        }
        if wants_content.is_empty() {
            return;
        }
        let regions = complement(skip, entry.data.len());
        let windows = self.windows(entry.data, &regions, &wants_content);
        let mut lines = LineIndex::new(entry.data);
        let mut ctx = FileContext {
            entry,
            lines: &mut lines,
            ignore_marker: memchr::memmem::find(entry.data, IGNORE_MARKER).is_some(),
            used_markers: Vec::new(),
            places: HashSet::new(),
            by_secret: HashMap::new(),
            masks: Vec::new(),
            pending: None,
            excerpts: Vec::new(),
        };
        let root = Target {
            data: entry.data,
            view: None,
        };
        for &i in &wants_content {
            let rule = &self.rules.rules[i];
            let within = if rule.keywords.is_empty() {
                &regions[..]
            } else {
                windows.of(i)
            };
            if within.is_empty() {
                continue;
            }
            self.match_rule(rule, &root, within, &mut ctx, out);
        }
        // Second pass over decoded views, only for rules that ask for it and only for what
        // the file as written did not already show.
        let decoding: Vec<usize> = wants_content
            .into_iter()
            .filter(|&i| self.rules.rules[i].validate.decode)
            .collect();
        let views = if decoding.is_empty() {
            Vec::new()
        } else if skip.is_empty() {
            decode::views(entry.data)
        } else {
            // Decoders over the file with the skipped ranges blanked: offsets stay those of
            // the file, and nothing is decoded twice.
            let mut outside = vec![b' '; entry.data.len()];
            for &(a, b) in &regions {
                outside[a..b].copy_from_slice(&entry.data[a..b]);
            }
            decode::views(&outside)
        };
        for view in &views {
            let windows = self.windows(&view.data, &[(0, view.data.len())], &decoding);
            let target = Target {
                data: &view.data,
                view: Some(view),
            };
            let whole = [(0, view.data.len())];
            for &i in &decoding {
                let rule = &self.rules.rules[i];
                let within = if rule.keywords.is_empty() {
                    &whole[..]
                } else {
                    windows.of(i)
                };
                if within.is_empty() {
                    continue;
                }
                self.match_rule(rule, &target, within, &mut ctx, out);
            }
        }
        // Markers are judged in a file's own scan, and only when it read the whole file: an
        // original inside a map is not a file of its own, and a map's skipped
        // sourcesContent had its markers honoured by those originals' scans.
        if ctx.ignore_marker && matches!(markers, Markers::Judge) && skip.is_empty() {
            crate::checks::suppressions::unused_inline(&self.checks, entry, &ctx.used_markers, out);
        }
        let FileContext {
            mut masks,
            excerpts,
            lines,
            ..
        } = ctx;
        masks.sort_unstable();
        for (i, p) in excerpts {
            out[i].excerpt = Some(excerpt(entry.data, lines, &p, &masks));
        }
    }

    /// Where in `data` each of `candidates` must run its pattern (see `rules::prefilter`).
    fn windows(
        &self,
        data: &[u8],
        regions: &[(usize, usize)],
        candidates: &[usize],
    ) -> crate::rules::prefilter::Windows {
        let keyed: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| !self.rules.rules[i].keywords.is_empty())
            .collect();
        self.prefilter
            .windows(&self.rules.rules, data, regions, &keyed)
    }

    fn match_rule(
        &self,
        rule: &Rule,
        target: &Target<'_>,
        within: &[(usize, usize)],
        ctx: &mut FileContext<'_, '_>,
        out: &mut Vec<Finding>,
    ) {
        let Some(re) = &rule.pattern else { return };
        let secret_group = re.capture_names().position(|n| n == Some("secret"));
        let named: Vec<usize> = re
            .capture_names()
            .enumerate()
            .filter_map(|(i, n)| n.map(|_| i))
            .collect();
        // This call's findings (indices in `out`), and how many the cap left out.
        let mut kept: Vec<usize> = Vec::new();
        let mut over = 0usize;
        for caps in captures_in(re, target.data, within) {
            let Some(whole) = caps.get(0) else { continue };
            if whole.is_empty() {
                continue;
            }
            let secret = secret_group
                .and_then(|g| caps.get(g))
                .map_or((whole.start(), whole.end()), |m| (m.start(), m.end()));
            let judged = secrets::judge(
                rule,
                &target.data[secret.0..secret.1],
                &target.data[line_context(target.data, whole.start())..whole.end()],
                &target.data[near_context(target.data, whole.start(), whole.end())],
            );
            let (severity, note) = match judged {
                Verdict::Drop => continue,
                Verdict::Keep(severity, note) => (severity, note),
            };
            if rule.redact {
                // Before any suppression or cap: a silenced secret is still one that no
                // output may print.
                self.remember_secret(&target.data[secret.0..secret.1]);
                // As written, too, when it was found decoded (base64 of a short value; a
                // long encoded span is the blob around it, not the secret).
                if target.view.is_some() {
                    let (a, b) = target.to_original(secret.0, secret.1);
                    let b = b.min(ctx.entry.data.len());
                    if b - a.min(b) <= 1024 {
                        self.remember_secret(&ctx.entry.data[a.min(b)..b]);
                    }
                }
            }
            let root = target.to_original(whole.start(), whole.end());
            if ctx.ignore_marker {
                if let Some(line) = inline_ignore(ctx.entry.data, ctx.lines, root.0, &rule.id) {
                    ctx.used_markers.push(line);
                    continue;
                }
            }
            let mut f = self.content_finding(
                rule,
                target,
                ctx,
                (whole.start(), reported_end(&caps, &named)),
                secret,
            );
            // A decoded view re-finds everything the file shows as written, at the same
            // place: only what is new is kept. The same secret elsewhere (written plainly
            // on one line, in base64 on another) is a finding of its own, as it would be
            // if both were plain.
            if !ctx.places.insert((rule.id.clone(), root.0)) && target.view.is_some() {
                continue;
            }
            // One secret, one finding: a generic rule that re-finds what a provider rule
            // already reported (at least as severely) adds nothing.
            let value = target.data[secret.0..secret.1].to_vec();
            match ctx.by_secret.get(&value) {
                Some((other, sev)) if *other != rule.id && *sev >= severity => continue,
                _ => {
                    ctx.by_secret.insert(value, (rule.id.clone(), severity));
                }
            }
            f.severity = severity;
            if let Some(note) = note {
                f.message = format!("{} ({note})", f.message);
            }
            if kept.len() >= MAX_MATCHES_PER_RULE {
                over += 1;
                let pending = ctx.pending.take();
                // The least severe kept finding makes room for a worse one.
                if let Some(&weakest) = kept.iter().min_by_key(|&&i| out[i].severity) {
                    if f.severity > out[weakest].severity {
                        out[weakest] = f;
                        ctx.excerpts.retain(|(i, _)| *i != weakest);
                        if let Some(p) = pending {
                            ctx.excerpts.push((weakest, p));
                        }
                    }
                }
                if over + kept.len() >= MAX_MATCHES_EXAMINED {
                    break;
                }
                continue;
            }
            if let Some(p) = ctx.pending.take() {
                ctx.excerpts.push((out.len(), p));
            }
            kept.push(out.len());
            out.push(f);
        }
        if over > 0 {
            if let Some(&last) = kept.last() {
                let f = &mut out[last];
                f.message = format!(
                    "{} ({over} more matches of this rule in this file are not listed)",
                    f.message
                );
            }
        }
    }

    /// A finding for the match `start..end` of `target` (the file or a decoded view of
    /// it). Positions and excerpt are in the file as written; the snippet and the
    /// fingerprint use the decoded secret, so neither depends on how it was encoded.
    fn content_finding(
        &self,
        rule: &Rule,
        target: &Target<'_>,
        ctx: &mut FileContext<'_, '_>,
        (start, end): (usize, usize),
        (s_start, s_end): (usize, usize),
    ) -> Finding {
        let data = target.data;
        let entry = ctx.entry;
        // A view's map is exact for the file's own bytes; clamp anyway so that no decoder
        // quirk can ever index past the file.
        let (o_start, o_end) = target.to_original(start, end);
        let o_start = o_start.min(entry.data.len());
        let o_end = o_end.clamp(o_start, entry.data.len());
        let (line, column) = ctx.lines.position(o_start);
        let (end_line, end_column) = ctx.lines.position(o_end);
        let redact_it = rule.redact && !self.options.show_secrets;
        let shown = |a: usize, b: usize| sanitize(&String::from_utf8_lossy(&data[a..b]));
        let display = if redact_it {
            format!(
                "{}{}{}",
                shown(start, s_start),
                redact(&String::from_utf8_lossy(&data[s_start..s_end])),
                shown(s_end, end)
            )
        } else {
            shown(start, end)
        };
        if redact_it {
            let (ms, me) = target.to_original(s_start, s_end);
            ctx.masks.push((ms, me.max(ms + 1)));
        }
        // The excerpt is built once every finding of the file is known, so that other
        // secrets in its context lines can be masked too.
        ctx.pending = Some(Pending {
            start: o_start,
            end: o_end,
            line,
            column,
            display: display.clone(),
        });
        let decoded = target.view.map(|v| v.describe());
        let value_digest = digest(&data[s_start..s_end]);
        let message = match &decoded {
            Some(how) => format!("{} (found after decoding: {how})", rule.message),
            None => rule.message.clone(),
        };
        Finding {
            rule: rule.id.clone(),
            category: rule.category.clone(),
            severity: rule.severity,
            message,
            file: sanitize(entry.path),
            line: Some(line),
            column: Some(column),
            end_line: Some(end_line),
            end_column: Some(end_column),
            snippet: Some(shorten(&display, SNIPPET_MAX)),
            fingerprint: fingerprint_of(&rule.id, entry.path, &value_digest),
            original: None,
            disk_path: entry.disk_path.map(|p| p.display().to_string()),
            package: None,
            decoded,
            pre_existing: None,
            excerpt: None,
            value_digest,
        }
    }
}

/// The source-map check scans a map's originals through the engine, with the content rules
/// of the map's path.
impl Originals for Engine<'_> {
    fn content_rules_for(&self, rel: &str) -> Vec<usize> {
        self.applicable(rel, false)
    }

    fn scan_virtual_with(
        &self,
        rules: &[usize],
        path: &str,
        rel: &str,
        data: &[u8],
        out: &mut Vec<Finding>,
    ) {
        let entry = Entry {
            path,
            rel,
            data,
            disk_path: None,
        };
        self.scan_applicable(&entry, rules, &[], Markers::Honour, out);
    }
}

/// The bytes one pass matches against: the file as written, or a decoded view of it.
struct Target<'d> {
    data: &'d [u8],
    view: Option<&'d decode::View>,
}

impl Target<'_> {
    /// The range in the file as written that `start..end` of this target came from.
    fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        match self.view {
            None => (start, end),
            Some(v) => {
                let (s, e) = v.to_original(start, end);
                (s, e.max(s))
            }
        }
    }
}

/// What the passes over one file share.
struct FileContext<'e, 'l> {
    entry: &'e Entry<'e>,
    lines: &'l mut LineIndex<'e>,
    /// Whether `packguard-ignore` occurs anywhere in the file (else no line is looked at).
    ignore_marker: bool,
    /// Starts of the lines whose `packguard-ignore` silenced a match.
    used_markers: Vec<usize>,
    /// (rule, original offset) of every finding so far.
    places: HashSet<(String, usize)>,
    /// Secret value -> (rule, severity) of the first finding that reported it.
    by_secret: HashMap<Vec<u8>, (String, Severity)>,
    /// Original-byte ranges of every redacted secret found in the file: no excerpt shows
    /// them, even in another finding's context lines.
    masks: Vec<(usize, usize)>,
    /// The excerpt of the finding being built, then (index in `out`, excerpt) of each one.
    pending: Option<Pending>,
    excerpts: Vec<(usize, Pending)>,
}

/// Where a finding ends: at the end of the match's last named group, when it has one. The
/// regex crate has no look-ahead, so a pattern consumes what must follow a secret (the
/// closing quote of `"…"`, the `(?:[^0-9A-Za-z_-]|$)` after a key) to say it is there; that
/// text is context, not part of what was found, and a span or snippet that includes it
/// points one character too far.
fn reported_end(caps: &regex::bytes::Captures<'_>, named: &[usize]) -> usize {
    let whole = caps.get(0).map_or(0, |m| m.end());
    named
        .iter()
        .filter_map(|&g| caps.get(g))
        .map(|m| m.end())
        .max()
        .unwrap_or(whole)
}

/// Bytes before a match that `allow_match` also sees: the name a value is assigned to
/// (`NextContinuationToken: "…"`) sits just before a match that starts at its keyword.
const ALLOW_CONTEXT: usize = 64;

/// Where `allow_match` starts looking: up to `ALLOW_CONTEXT` bytes back, not past the start
/// of the line.
fn line_context(data: &[u8], start: usize) -> usize {
    let floor = start.saturating_sub(ALLOW_CONTEXT);
    memchr::memrchr(b'\n', &data[floor..start]).map_or(floor, |i| floor + i + 1)
}

/// How far `allow_near` looks on each side of a match: the neighbouring lines of a JSON or
/// YAML document, without reading a minified bundle's whole line.
pub const NEAR_CONTEXT: usize = 256;

/// The neighbourhood `allow_near` sees: from the start of the line before the match to the
/// end of the line after it, at most `NEAR_CONTEXT` bytes on each side.
fn near_context(data: &[u8], start: usize, end: usize) -> std::ops::Range<usize> {
    let floor = start.saturating_sub(NEAR_CONTEXT);
    let ceil = end.saturating_add(NEAR_CONTEXT).min(data.len());
    // Two line breaks back is the start of the line before; two forward, the end of the
    // line after.
    let lo = memchr::memrchr_iter(b'\n', &data[floor..start])
        .nth(1)
        .map_or(floor, |i| floor + i + 1);
    let hi = memchr::memchr_iter(b'\n', &data[end..ceil])
        .nth(1)
        .map_or(ceil, |i| end + i);
    lo..hi
}

/// Whether a content scan reports the `packguard-ignore` markers that silenced nothing.
#[derive(Clone, Copy)]
pub(super) enum Markers {
    Judge,
    Honour,
}

/// The ranges of `0..len` outside `skip` (sorted, disjoint).
fn complement(skip: &[(usize, usize)], len: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(skip.len() + 1);
    let mut at = 0;
    for &(a, b) in skip {
        if a > at {
            out.push((at, a.min(len)));
        }
        at = at.max(b);
    }
    if at < len {
        out.push((at, len));
    }
    out
}

/// Whether the line holding `offset`, or the line before it, carries `packguard-ignore`
/// naming this rule (or no rule: `packguard-ignore` alone silences every rule there), and
/// if so the start of that line. Ids follow the marker after `:` or spaces, separated by
/// commas or spaces; `secret/*` names a family.
fn inline_ignore(
    data: &[u8],
    lines: &mut LineIndex<'_>,
    offset: usize,
    rule: &str,
) -> Option<usize> {
    let (idx, start) = lines.line_of(offset);
    let end = lines.line_end(start);
    let mut ranges = vec![(start, end)];
    if idx > 0 {
        let (_, prev) = lines.line_of(start - 1);
        ranges.push((prev, start - 1));
    }
    let silences = |&(a, b): &(usize, usize)| {
        let line = &data[a..b];
        memchr::memmem::find_iter(line, IGNORE_MARKER).any(|at| {
            let rest = &line[at + IGNORE_MARKER.len()..];
            let rest = rest.strip_prefix(b":").unwrap_or(rest);
            let ids: Vec<&[u8]> = rest
                .split(|&b| b == b' ' || b == b',' || b == b'\t')
                .skip_while(|w| w.is_empty())
                .take_while(|w| {
                    !w.is_empty()
                        && w.iter().all(|&c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || b"-/_.*".contains(&c)
                        })
                        && w.contains(&b'/')
                })
                .collect();
            ids.is_empty()
                || ids
                    .iter()
                    .any(|w| crate::rules::id_matches(&String::from_utf8_lossy(w), rule))
        })
    };
    ranges.iter().find(|r| silences(r)).map(|r| r.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_context_is_the_lines_around_a_match_and_bounded() {
        let data = b"one\ntwo\nthree MATCH four\nfive\nsix\n";
        let m = data.windows(5).position(|w| w == b"MATCH").unwrap();
        let r = near_context(data, m, m + 5);
        assert_eq!(&data[r], b"two\nthree MATCH four\nfive");
        // One long line: at most NEAR_CONTEXT bytes on each side.
        let mut long = vec![b'x'; 10_000];
        long.extend_from_slice(b"MATCH");
        long.extend(vec![b'y'; 10_000]);
        let r = near_context(&long, 10_000, 10_005);
        assert_eq!(r, 10_000 - NEAR_CONTEXT..10_005 + NEAR_CONTEXT);
    }
}
