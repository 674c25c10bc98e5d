//! The scan stage: applies the rules to every entry of an artifact and collects findings.
//!
//! Per file it makes one pass: rules are filtered by path, a single Aho-Corasick automaton
//! over every rule's keywords finds where content regexes can match (`rules::prefilter`),
//! and only those run, only there. A map's `sourcesContent` is scanned as its original
//! files by the source-map check, so the map's own scan leaves those bytes out.
//! Line and column are computed from byte offsets for findings only, so a multi-megabyte
//! minified line costs nothing unless something matches on it. Checks never print or exit.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use crate::artifact::pack::{FileList, PackOptions};
use crate::artifact::{self, directory, ArtifactError, Entry, EntryIssue, Limits, Visitor};
use crate::checks::secrets::{self, decode, Verdict};
use crate::checks::sourcemap::SourceMapCheck;
use crate::config::Config;
use crate::finding::{
    digest, fingerprint, fingerprint_of, redact, shorten, Excerpt, Finding, Severity,
};
use crate::report::{ArtifactInfo, Report, SourceMapSummary};
use crate::rules::prefilter::{captures_in, Prefilter};
use crate::rules::{Rule, RuleSet};

/// Findings one rule may raise in one file; past this the file is clearly full of them and
/// more would bury everything else.
const MAX_MATCHES_PER_RULE: usize = 50;
/// Characters of a long line shown on each side of a match.
const WINDOW: usize = 60;
/// Lines longer than this are shown as a window around the match.
const LONG_LINE: usize = 160;
const SNIPPET_MAX: usize = 200;

/// How a scan behaves, from the command line and config.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub limits: Limits,
    /// Print secrets whole (local use only).
    pub show_secrets: bool,
    /// The repository releases must come from (`owner/name` on GitHub): `--expect-repo`, or
    /// `GITHUB_REPOSITORY` in Actions.
    pub expect_repo: Option<String>,
    /// How a package directory's files are chosen.
    pub pack: PackOptions,
    /// Threads for one scan: 1 reads and scans on one thread; otherwise decompression runs
    /// beside scanning. 0 (the default) means "as the machine allows".
    pub threads: usize,
    /// Which expected-contents lock the package is compared with (`crate::lock`).
    pub lock: crate::lock::LockChoice,
}

/// Rules prepared for scanning: the prefilter is built once and reused for every file.
pub struct Engine<'a> {
    rules: &'a RuleSet,
    config: &'a Config,
    options: &'a Options,
    prefilter: Prefilter,
    /// The expected-contents lock the package's file list is compared with.
    lock: Option<&'a crate::lock::Lock>,
    /// Per config `ignore` entry, whether it kept a rule from a file (`crate::suppressions`);
    /// empty when no rule reports unused ignores, so the common scan pays nothing.
    ignore_used: Vec<std::sync::atomic::AtomicBool>,
}

impl<'a> Engine<'a> {
    pub fn new(rules: &'a RuleSet, config: &'a Config, options: &'a Options) -> Engine<'a> {
        Engine {
            rules,
            config,
            options,
            prefilter: Prefilter::new(&rules.rules),
            lock: None,
            ignore_used: crate::suppressions::ignore_tracking(rules, config),
        }
    }

    /// Compares the package's files with `lock` at the end of each scan.
    pub fn with_lock(mut self, lock: Option<&'a crate::lock::Lock>) -> Engine<'a> {
        self.lock = lock;
        self
    }

    /// Scans an archive read from `input`. `name` is how the input is shown.
    pub fn scan_archive(
        &self,
        name: &str,
        input: impl std::io::Read + Send,
    ) -> Result<Report, ArtifactError> {
        self.scan_archive_observed(name, input, &mut artifact::Ignore)
    }

    /// `scan_archive`, also handing every entry to `observer` in the same read (so stdin
    /// can be both scanned and inventoried).
    pub fn scan_archive_observed(
        &self,
        name: &str,
        input: impl std::io::Read + Send,
        observer: &mut dyn Visitor,
    ) -> Result<Report, ArtifactError> {
        let started = Instant::now();
        let mut collector = Collector::new(self);
        let mut tee = artifact::Tee(&mut collector, observer);
        // Decompression on one thread, scanning on this one, unless asked for one thread.
        let stats = if self.options.threads == 1 {
            artifact::read_archive(name, input, &self.options.limits, &mut tee)?
        } else {
            artifact::read_archive_parallel(name, input, &self.options.limits, &mut tee)?
        };
        let info = ArtifactInfo {
            path: name.to_string(),
            kind: "tarball".to_string(),
            name: None,
            version: None,
            files: stats.files,
            unpacked_bytes: stats.unpacked_bytes,
            packer: None,
            packer_fallback: None,
        };
        Ok(self.finish(collector, &stats, info, None, started))
    }

    /// What every package scan ends with: the manifest checks, which need the whole file
    /// list, then the report. `dir` is the package folder for a directory scan.
    fn finish(
        &self,
        mut collector: Collector<'_>,
        stats: &artifact::Stats,
        mut info: ArtifactInfo,
        dir: Option<&std::path::Path>,
        started: Instant,
    ) -> Report {
        let manifest: Option<serde_json::Value> = collector
            .manifest
            .as_deref()
            .and_then(|m| serde_json::from_slice(m).ok());
        let verdict = match self.config.source {
            Some(kind) => {
                let name = self.config.path.as_deref().map_or_else(
                    || "the config".to_string(),
                    |p| sanitize(&p.display().to_string()),
                );
                crate::license::from_config(kind, &name)
            }
            None => crate::license::from_manifest(manifest.as_ref()),
        };
        let (sourcemaps, exposure) = collector.finish_sourcemaps(verdict);
        let root = stats.root.as_deref().unwrap_or("package");
        let prefix = format!("{root}/");
        let files: std::collections::HashSet<String> = collector
            .paths
            .iter()
            .filter_map(|p| p.strip_prefix(&prefix).map(str::to_string))
            .collect();
        crate::checks::manifest::check(
            self,
            &crate::checks::manifest::Package {
                root,
                manifest: collector.manifest.as_deref(),
                files: &files,
                unpacked_bytes: stats.unpacked_bytes,
                expect_repo: self.options.expect_repo.as_deref(),
                dir,
            },
            &mut collector.findings,
        );
        if let Some(lock) = self.lock {
            let files: Vec<crate::lock::PackageFile<'_>> = collector
                .paths
                .iter()
                .zip(&collector.sizes)
                .filter_map(|(path, &size)| {
                    let rel = path.strip_prefix(&prefix)?;
                    Some(crate::lock::PackageFile { rel, path, size })
                })
                .collect();
            crate::lock::check(self, lock, &files, &mut collector.findings);
        }
        (info.name, info.version) = collector
            .manifest
            .as_deref()
            .map(package_identity)
            .unwrap_or_default();
        let mut report = Report::new(info, collector.findings, started.elapsed());
        report.used_ignores = crate::suppressions::used_ignores(&self.ignore_used);
        report.source = Some(exposure);
        report.with_sourcemaps(sourcemaps)
    }

    /// Scans the files `list` selected in the package folder `root`; `name` is how the
    /// input is shown.
    pub fn scan_directory(
        &self,
        name: &str,
        root: &std::path::Path,
        list: &FileList,
    ) -> Result<Report, ArtifactError> {
        self.scan_directory_observed(name, root, list, &mut artifact::Ignore)
    }

    /// `scan_directory`, also handing every file to `observer` in the same read.
    pub fn scan_directory_observed(
        &self,
        name: &str,
        root: &std::path::Path,
        list: &FileList,
        observer: &mut dyn Visitor,
    ) -> Result<Report, ArtifactError> {
        let started = Instant::now();
        let mut collector = Collector::new(self);
        let mut tee = artifact::Tee(&mut collector, observer);
        let stats = directory::read_directory(root, &list.files, &self.options.limits, &mut tee)?;
        let info = ArtifactInfo {
            path: name.to_string(),
            kind: "directory".to_string(),
            name: None,
            version: None,
            files: stats.files,
            unpacked_bytes: stats.unpacked_bytes,
            packer: Some(list.packer.as_str().to_string()),
            packer_fallback: list.fallback_reason.clone(),
        };
        Ok(self.finish(collector, &stats, info, Some(root), started))
    }

    /// Checks GitHub Actions workflow files (`(path, text)` pairs); `name` is how the set is
    /// shown (the folder or file given).
    pub fn scan_workflows(&self, name: &str, files: &[(String, String)]) -> Report {
        let started = Instant::now();
        let mut findings = Vec::new();
        for (path, text) in files {
            crate::checks::workflow::check(self, &sanitize(path), text, &mut findings);
        }
        let info = ArtifactInfo {
            path: name.to_string(),
            kind: "workflows".to_string(),
            name: None,
            version: None,
            files: files.len() as u64,
            unpacked_bytes: files.iter().map(|(_, t)| t.len() as u64).sum(),
            packer: None,
            packer_fallback: None,
        };
        Report::new(info, findings, started.elapsed())
    }

    fn ignored(&self, rule: &Rule, rel: &str) -> bool {
        if self.ignore_used.is_empty() {
            return self.config.ignores(&rule.id, rel);
        }
        crate::suppressions::ignores_noting_use(self.config, &self.ignore_used, &rule.id, rel)
    }

    /// Opens an archive inside the package (`.tgz`, `.tar`, `.zip`, `.jar`) one level deep,
    /// under the same limits, and scans its files. One that cannot be opened is a finding.
    fn scan_nested(&self, entry: &Entry<'_>, out: &mut Vec<Finding>) {
        let Some(kind) = nested_kind(entry.rel) else {
            return;
        };
        let mut nested = Nested {
            engine: self,
            outer: entry.path,
            findings: out,
        };
        let read = match kind {
            NestedKind::Tar => {
                artifact::read_archive(entry.path, entry.data, &self.options.limits, &mut nested)
            }
            NestedKind::Zip => {
                artifact::zip::read_zip(entry.path, entry.data, &self.options.limits, &mut nested)
            }
        };
        if let Err(e) = read {
            let issue = EntryIssue::NestedUnreadable {
                detail: e.to_string(),
            };
            self.issue_findings(entry.path, &issue, out);
        }
    }

    /// Findings for one file's path and content.
    pub fn scan_file(&self, entry: &Entry<'_>, out: &mut Vec<Finding>) {
        self.scan_file_except(entry, &[], out);
    }

    /// `scan_file`, with the content rules kept out of the byte ranges `skip` (sorted,
    /// disjoint): parts of the file that were already scanned another way.
    pub fn scan_file_except(
        &self,
        entry: &Entry<'_>,
        skip: &[(usize, usize)],
        out: &mut Vec<Finding>,
    ) {
        let applicable = self.applicable(entry.rel, true);
        self.scan_applicable(entry, &applicable, skip, Markers::Judge, out);
    }

    /// Content-rule findings for bytes that are not an archive entry of their own (an original
    /// source inside a map's `sourcesContent`, a decoded inline map), shown under `path` and
    /// filtered by `rel`. Presence rules (`paths` without `pattern`) do not apply: the bytes
    /// are not a file the package ships.
    pub fn scan_virtual(&self, path: &str, rel: &str, data: &[u8], out: &mut Vec<Finding>) {
        let rules = self.content_rules_for(rel);
        self.scan_virtual_with(&rules, path, rel, data, out);
    }

    /// The content rules that look at `rel`, for `scan_virtual_with`: a map's thousands of
    /// originals share its path, so the globs are matched once.
    pub fn content_rules_for(&self, rel: &str) -> Vec<usize> {
        self.applicable(rel, false)
    }

    /// `scan_virtual` with the rules already chosen by `content_rules_for`.
    pub fn scan_virtual_with(
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

    /// The rules that claim a structural check and look at `rel` (not ignored by the config).
    pub fn check_rules<'s>(
        &'s self,
        check: &'s str,
        rel: &'s str,
    ) -> impl Iterator<Item = &'s Rule> + 's {
        self.rules
            .rules
            .iter()
            .filter(move |r| r.check.as_deref() == Some(check) && !self.ignored(r, rel))
    }

    /// The options the engine scans with.
    pub fn options(&self) -> &Options {
        self.options
    }

    /// The rule set the engine runs (structural checks read their settings from it).
    pub fn rule_set(&self) -> &RuleSet {
        self.rules
    }

    /// A finding of `rule` on a whole file, with no position.
    pub fn file_finding(&self, rule: &Rule, path: &str) -> Finding {
        self.presence_finding(rule, path)
    }

    /// Indices of the rules that look at `rel`; content rules only unless `presence`.
    fn applicable(&self, rel: &str, presence: bool) -> Vec<usize> {
        self.rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                (presence || r.pattern.is_some()) && r.applies_to(rel) && !self.ignored(r, rel)
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn scan_applicable(
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
                out.push(self.presence_finding(rule, entry.path));
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
            crate::suppressions::unused_inline(self, entry, &ctx.used_markers, out);
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
        let mut count = 0;
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
            );
            let (severity, note) = match judged {
                Verdict::Drop => continue,
                Verdict::Keep(severity, note) => (severity, note),
            };
            let root = target.to_original(whole.start(), whole.end());
            if ctx.ignore_marker {
                if let Some(line) = inline_ignore(ctx.entry.data, ctx.lines, root.0, &rule.id) {
                    ctx.used_markers.push(line);
                    continue;
                }
            }
            let mut f =
                self.content_finding(rule, target, ctx, (whole.start(), whole.end()), secret);
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
            if let Some(p) = ctx.pending.take() {
                ctx.excerpts.push((out.len(), p));
            }
            out.push(f);
            count += 1;
            if count >= MAX_MATCHES_PER_RULE {
                break;
            }
        }
    }

    fn presence_finding(&self, rule: &Rule, path: &str) -> Finding {
        Finding {
            rule: rule.id.clone(),
            category: rule.category.clone(),
            severity: rule.severity,
            message: rule.message.clone(),
            // Entry names are the packer's (or an attacker's) bytes: no control characters
            // may reach a terminal or a CI log, where a line can become a command.
            file: sanitize(path),
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            snippet: None,
            fingerprint: fingerprint(&rule.id, path, b""),
            original: None,
            disk_path: None,
            package: None,
            decoded: None,
            pre_existing: None,
            excerpt: None,
            value_digest: digest(b""),
        }
    }

    /// A finding for an archive-level issue, under every rule that claims its check.
    fn issue_findings(&self, path: &str, issue: &EntryIssue, out: &mut Vec<Finding>) {
        out.extend(self.check_findings(&CheckHit {
            check: issue.check_name(),
            path,
            detail: issue.detail(),
            position: None,
            value: issue.check_name().as_bytes(),
            source: None,
        }));
    }

    /// The rules that claim a structural check (`check: NAME`), with their config applied.
    pub fn rules_for_check<'r>(&'r self, check: &'r str) -> impl Iterator<Item = &'r Rule> + 'r {
        self.rules
            .rules
            .iter()
            .filter(move |r| r.check.as_deref() == Some(check))
    }

    /// Findings for a structural check's hit: one per rule that claims the check and does
    /// not ignore the path.
    pub fn check_findings(&self, hit: &CheckHit<'_>) -> Vec<Finding> {
        let rel = hit.path.split_once('/').map_or(hit.path, |(_, r)| r);
        self.rules_for_check(hit.check)
            .filter(|rule| !self.ignored(rule, rel))
            .map(|rule| {
                let mut f = self.presence_finding(rule, hit.path);
                if let Some(detail) = &hit.detail {
                    f.message = format!("{}: {}", rule.message, sanitize(detail));
                }
                if let Some((line, column)) = hit.position {
                    f.line = Some(line);
                    f.column = Some(column);
                    if let Some(data) = hit.source {
                        f.excerpt = position_excerpt(data, line, column);
                    }
                }
                f.identify(&rule.id, hit.path, hit.value);
                f
            })
            .collect()
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

/// What a structural check found, before it becomes findings.
#[derive(Clone, Debug)]
pub struct CheckHit<'a> {
    /// The check's name, as rules claim it (`manifest.private`).
    pub check: &'a str,
    /// The file, as npm places it (`package/package.json`).
    pub path: &'a str,
    /// Added to the rule's message.
    pub detail: Option<String>,
    /// 1-based line and column, where known.
    pub position: Option<(usize, usize)>,
    /// What the fingerprint hashes besides rule and path (the offending value).
    pub value: &'a [u8],
    /// The file's text, to show the line in context.
    pub source: Option<&'a [u8]>,
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

/// What an excerpt needs, kept until the file's findings are all known.
struct Pending {
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    display: String,
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

/// Whether a content scan reports the `packguard-ignore` markers that silenced nothing.
#[derive(Clone, Copy)]
enum Markers {
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

/// The inline suppression comment.
pub const IGNORE_MARKER: &[u8] = b"packguard-ignore";

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

struct Collector<'e> {
    engine: &'e Engine<'e>,
    findings: Vec<Finding>,
    manifest: Option<Vec<u8>>,
    /// Every regular file's path, for checks that compare the manifest with what ships.
    paths: Vec<String>,
    /// Each of `paths`' size, for the lock's `max_size`.
    sizes: Vec<u64>,
    /// Source maps seen so far (small metadata only) for the cross-file checks.
    sourcemaps: SourceMapCheck,
}

impl<'e> Collector<'e> {
    fn new(engine: &'e Engine<'e>) -> Self {
        Collector {
            engine,
            findings: Vec::new(),
            manifest: None,
            paths: Vec::new(),
            sizes: Vec::new(),
            sourcemaps: SourceMapCheck::default(),
        }
    }

    /// The source-map checks that need the whole archive, run once after its last entry.
    fn finish_sourcemaps(
        &mut self,
        verdict: crate::license::SourceVerdict,
    ) -> (Vec<SourceMapSummary>, crate::report::SourceExposure) {
        self.sourcemaps
            .finish(self.engine, verdict, &mut self.findings)
    }
}

impl Visitor for Collector<'_> {
    fn file(&mut self, entry: Entry<'_>) {
        // The package root is the first file's folder, so the manifest is the first
        // `<root>/package.json` (a duplicate is reported by the archive reader).
        if entry.rel == "package.json"
            && entry.path.matches('/').count() == 1
            && self.manifest.is_none()
        {
            self.manifest = Some(entry.data.to_vec());
        }
        self.paths.push(entry.path.to_string());
        self.sizes.push(entry.data.len() as u64);
        // Paths go into every report; a hostile name must not carry escape sequences there.
        let path = sanitize(entry.path);
        let entry = Entry {
            path: &path,
            ..entry
        };
        let before = self.findings.len();
        if entry.rel.to_ascii_lowercase().ends_with(".map") {
            // The map's check runs first: what it scans as original sources, the plain scan
            // of the map leaves out.
            let scanned = self
                .sourcemaps
                .file(self.engine, &entry, &mut self.findings);
            self.engine
                .scan_file_except(&entry, &scanned, &mut self.findings);
        } else {
            // A generated file's own findings come first: its map, read later, maps them
            // back to the original sources.
            self.engine.scan_file(&entry, &mut self.findings);
            self.sourcemaps
                .file(self.engine, &entry, &mut self.findings);
        }
        self.engine.scan_nested(&entry, &mut self.findings);
        // Presence findings are built from the path alone; give them the disk path too.
        if let Some(disk) = entry.disk_path {
            for f in &mut self.findings[before..] {
                f.disk_path
                    .get_or_insert_with(|| disk.display().to_string());
            }
        }
    }

    fn issue(&mut self, path: &str, issue: EntryIssue) {
        self.sourcemaps.issue(path);
        self.engine
            .issue_findings(&sanitize(path), &issue, &mut self.findings);
    }
}

/// What an archive inside the package is, by its name.
enum NestedKind {
    Tar,
    Zip,
}

fn nested_kind(rel: &str) -> Option<NestedKind> {
    let lower = rel.to_ascii_lowercase();
    if [".tgz", ".tar.gz", ".tar"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        Some(NestedKind::Tar)
    } else if [".zip", ".jar"].iter().any(|e| lower.ends_with(e)) {
        Some(NestedKind::Zip)
    } else {
        None
    }
}

/// Scans the entries of an archive inside the package, naming each `outer!/inner`. Only the
/// content and presence rules run there: one level deep, so an archive inside it is not
/// opened, and the package-level checks (manifest, source-map pairing) are the outer
/// package's.
struct Nested<'e, 'o> {
    engine: &'e Engine<'e>,
    outer: &'o str,
    findings: &'o mut Vec<Finding>,
}

impl Visitor for Nested<'_, '_> {
    fn file(&mut self, entry: Entry<'_>) {
        let path = sanitize(&format!("{}!/{}", self.outer, entry.path));
        let inner = Entry {
            path: &path,
            rel: entry.rel,
            data: entry.data,
            disk_path: None,
        };
        self.engine.scan_file(&inner, self.findings);
    }

    fn issue(&mut self, path: &str, issue: EntryIssue) {
        let path = sanitize(&format!("{}!/{}", self.outer, path));
        self.engine.issue_findings(&path, &issue, self.findings);
    }
}

/// `name` and `version` from `package.json`, when it parses.
fn package_identity(data: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return (None, None);
    };
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(sanitize);
    (field("name"), field("version"))
}

/// Replaces control characters (a hostile package can put terminal escape sequences in a file
/// name or its content) so nothing packguard prints can drive the user's terminal.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\t') {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Line starts, computed once per file and only when a finding needs a position.
struct LineIndex<'a> {
    data: &'a [u8],
    starts: Option<Vec<usize>>,
    /// The last column computed: findings on one long line are usually in order, so the
    /// next count starts where this one stopped.
    memo: (usize, usize, usize),
}

impl<'a> LineIndex<'a> {
    fn new(data: &'a [u8]) -> Self {
        LineIndex {
            data,
            starts: None,
            memo: (usize::MAX, 0, 0),
        }
    }

    fn starts(&mut self) -> &[usize] {
        let data = self.data;
        self.starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', data).map(|i| i + 1))
                .collect()
        })
    }

    /// 0-based line index and byte offset of its start.
    fn line_of(&mut self, offset: usize) -> (usize, usize) {
        let starts = self.starts();
        let idx = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        (idx, starts[idx])
    }

    /// End of the line starting at `start` (the offset of its `\n`, or the end of data).
    fn line_end(&self, start: usize) -> usize {
        memchr::memchr(b'\n', &self.data[start..]).map_or(self.data.len(), |i| start + i)
    }

    /// 1-based line and column (in Unicode scalar values) of a byte offset.
    fn position(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.data.len());
        let (idx, start) = self.line_of(offset);
        let (m_start, m_off, m_col) = self.memo;
        let col = if m_start == start && m_off <= offset {
            m_col + count_chars(&self.data[m_off..offset])
        } else {
            count_chars(&self.data[start..offset])
        };
        self.memo = (start, offset, col);
        (idx + 1, col + 1)
    }
}

fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// Moves an offset back to the start of a UTF-8 character.
fn char_boundary(data: &[u8], mut i: usize) -> usize {
    while i > 0 && i < data.len() && (data[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}

/// Backs off `chars` characters from `from`, not past `floor`.
fn back_chars(data: &[u8], from: usize, floor: usize, chars: usize) -> usize {
    let mut i = from;
    let mut n = 0;
    while i > floor && n < chars {
        i -= 1;
        if (data[i] & 0xC0) != 0x80 {
            n += 1;
        }
    }
    i
}

fn forward_chars(data: &[u8], from: usize, ceil: usize, chars: usize) -> usize {
    let mut i = from;
    let mut n = 0;
    while i < ceil && n < chars {
        i += 1;
        if i >= ceil || (data[i] & 0xC0) != 0x80 {
            n += 1;
        }
    }
    char_boundary(data, i.min(ceil))
}

/// The match line (a window of it if long) with one line of context on each side, the
/// match replaced by its display form (redacted when it is a secret).
fn excerpt(
    data: &[u8],
    lines: &mut LineIndex<'_>,
    p: &Pending,
    masks: &[(usize, usize)],
) -> Excerpt {
    let (start, end, line, column) = (p.start, p.end, p.line, p.column);
    let display = p.display.as_str();
    let (_, ls) = lines.line_of(start);
    let le = lines.line_end(ls);
    let me = end.min(le);
    let display = display.split('\n').next().unwrap_or("");
    let text_of = |a: usize, b: usize| masked(data, a, b, masks);
    let long = count_chars(&data[ls..le]) > LONG_LINE;
    let (ws, we) = if long {
        (
            back_chars(data, start, ls, WINDOW),
            forward_chars(data, me, le, WINDOW),
        )
    } else {
        (ls, le)
    };
    let mut prefix = String::new();
    if ws > ls {
        prefix.push('…');
    }
    prefix.push_str(&text_of(ws, start));
    let mut suffix = text_of(me, we);
    if we < le {
        suffix.push('…');
    }
    let mut text = String::new();
    let mut first_line = line;
    if ls > 0 {
        let (_, prev) = lines.line_of(ls - 1);
        text.push_str(&context_line(data, lines, prev, masks));
        text.push('\n');
        first_line -= 1;
    }
    let hl_start = text.len() + prefix.len();
    text.push_str(&prefix);
    text.push_str(display);
    let hl_end = text.len();
    text.push_str(&suffix);
    if le < data.len() {
        text.push('\n');
        text.push_str(&context_line(data, lines, le + 1, masks));
    }
    Excerpt {
        text,
        first_line,
        highlight: (hl_start, hl_end),
        column,
    }
}

/// The excerpt for a finding known by line and column: the rest of that line (without
/// trailing punctuation) is highlighted.
fn position_excerpt(data: &[u8], line: usize, column: usize) -> Option<Excerpt> {
    let mut lines = LineIndex::new(data);
    let start_of_line = *lines.starts().get(line.checked_sub(1)?)?;
    let end_of_line = lines.line_end(start_of_line);
    let start = forward_chars(data, start_of_line, end_of_line, column - 1);
    let text = &data[start..end_of_line];
    let len = text
        .iter()
        .rposition(|b| !b" \t\r,{".contains(b))
        .map_or(0, |i| i + 1);
    let end = start + len.min(LONG_LINE);
    let shown = sanitize(&String::from_utf8_lossy(&data[start..end]));
    let place = Pending {
        start,
        end,
        line,
        column,
        display: shown,
    };
    Some(excerpt(data, &mut lines, &place, &[]))
}

/// The text of `data[a..b]`, sanitised, with every masked range (sorted) that overlaps it
/// replaced by a redaction mark.
fn masked(data: &[u8], a: usize, b: usize, masks: &[(usize, usize)]) -> String {
    let text = |x: usize, y: usize| sanitize(&String::from_utf8_lossy(&data[x..y]));
    let mut out = String::new();
    let mut cur = a;
    for &(ms, me) in masks {
        if me <= cur || ms >= b {
            continue;
        }
        if ms > cur {
            out.push_str(&text(cur, ms));
        }
        out.push_str("…[redacted]");
        cur = me.min(b);
    }
    if cur < b {
        out.push_str(&text(cur, b));
    }
    out
}

/// A context line around a finding, cut if long.
fn context_line(
    data: &[u8],
    lines: &LineIndex<'_>,
    start: usize,
    masks: &[(usize, usize)],
) -> String {
    let end = lines.line_end(start);
    let cut = forward_chars(data, start, end, LONG_LINE);
    let mut s = masked(data, start, cut, masks);
    if cut < end {
        s.push('…');
    }
    s
}

/// Scans one input with the given rules and config; the library's entry point for a tarball.
pub fn scan_reader(
    name: &str,
    input: impl std::io::Read + Send,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Report, ArtifactError> {
    Engine::new(rules, config, options).scan_archive(name, input)
}

/// The severity at or above which a run fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "never" => Some(FailOn::Never),
            other => Severity::parse(other).map(FailOn::Severity),
        }
    }

    pub fn fails(self, severity: Severity) -> bool {
        matches!(self, FailOn::Severity(t) if severity >= t)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Severity(s) => s.as_str(),
            FailOn::Never => "never",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let data = "ab\nçé=x\n".as_bytes();
        let mut li = LineIndex::new(data);
        assert_eq!(li.position(0), (1, 1));
        assert_eq!(li.position(3), (2, 1));
        let x = data.iter().position(|b| *b == b'x').unwrap();
        assert_eq!(li.position(x), (2, 4));
    }

    #[test]
    fn columns_on_a_long_minified_line() {
        let mut data = "é".repeat(1_000_000).into_bytes();
        data.extend_from_slice(b"SECRET");
        let mut li = LineIndex::new(&data);
        assert_eq!(li.position(2_000_000), (1, 1_000_001));
    }

    proptest::proptest! {
        /// Positions from the line index agree with counting by hand, whatever the bytes
        /// (invalid UTF-8, CRLF, long lines) and in whatever order they are asked for.
        #[test]
        fn positions_match_a_naive_count(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000),
            offsets in proptest::collection::vec(0usize..2100, 1..20),
        ) {
            let mut li = LineIndex::new(&data);
            for off in offsets {
                let off = off.min(data.len());
                let line = 1 + data[..off].iter().filter(|b| **b == b'\n').count();
                let start = data[..off].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                let col = 1 + data[start..off].iter().filter(|b| (**b & 0xC0) != 0x80).count();
                proptest::prop_assert_eq!(li.position(off), (line, col));
            }
        }

        /// Excerpts never panic and their highlight always lies inside their text on
        /// character boundaries, for any match in any bytes.
        #[test]
        fn excerpts_stay_in_range(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..3000),
            a in 0usize..3000,
            len in 0usize..300,
        ) {
            let start = a.min(data.len() - 1);
            let end = (start + len).min(data.len());
            let mut li = LineIndex::new(&data);
            let (line, col) = li.position(start);
            let shown = sanitize(&String::from_utf8_lossy(&data[start..end]));
            let place = Pending { start, end, line, column: col, display: shown };
            let e = excerpt(&data, &mut li, &place, &[]);
            proptest::prop_assert!(e.highlight.0 <= e.highlight.1 && e.highlight.1 <= e.text.len());
            proptest::prop_assert!(e.text.is_char_boundary(e.highlight.0));
            proptest::prop_assert!(e.text.is_char_boundary(e.highlight.1));
            proptest::prop_assert!(!e.text.contains('\x1b'));
        }
    }

    #[test]
    fn sanitize_replaces_escape_sequences() {
        assert_eq!(sanitize("a\x1b[31mb"), "a\u{fffd}[31mb");
        assert_eq!(sanitize("tab\tok"), "tab\tok");
    }
}
