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
use crate::checks::context::Context;
use crate::checks::secrets::{self, decode, Verdict};
use crate::checks::sourcemap::SourceMapCheck;
use crate::checks::suppressions::IGNORE_MARKER;
use crate::checks::{MapContext, Originals};
use crate::config::Config;
use crate::finding::excerpt::{excerpt, LineIndex, Pending};
use crate::finding::{digest, fingerprint_of, redact, Finding, Severity};
use crate::report::{ArtifactInfo, Report, SourceMapSummary};
use crate::rules::prefilter::{captures_in, Prefilter};
use crate::rules::{Rule, RuleSet};
use crate::text::{sanitize, shorten};

/// Findings one rule may raise in one file; past this the file is clearly full of them and
/// more would bury everything else. The most severe are kept (a valid token after 50 fakes
/// is the one that matters) and the rest counted, so the cap never changes the verdict.
const MAX_MATCHES_PER_RULE: usize = 50;
/// Matches of one rule looked at in one file: past the cap only their severity and their
/// secret are needed, but a file of a million fakes must not cost a million judgements.
const MAX_MATCHES_EXAMINED: usize = 10_000;
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
    /// The rules as checks see them, with the config's ignores applied and their use noted.
    checks: Context<'a>,
    /// Every secret value matched so far, reported or silenced: the report hands them to
    /// the output's one redaction pass (`crate::redact`). One scanning thread per engine,
    /// so the lock is never contended.
    secrets: std::sync::Mutex<crate::redact::Secrets>,
}

impl<'a> Engine<'a> {
    pub fn new(rules: &'a RuleSet, config: &'a Config, options: &'a Options) -> Engine<'a> {
        Engine {
            rules,
            config,
            options,
            prefilter: Prefilter::new(&rules.rules),
            lock: None,
            checks: Context::new(rules, config),
            secrets: Default::default(),
        }
    }

    /// The rules as the checks see them (config ignores applied).
    pub fn checks(&self) -> &Context<'a> {
        &self.checks
    }

    /// What the source-map check is handed.
    fn map_context(&self) -> MapContext<'_> {
        MapContext {
            checks: &self.checks,
            originals: self,
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
            &self.checks,
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
        crate::checks::install_files::check(
            &self.checks,
            root,
            collector.manifest.as_deref(),
            &collector.install_files,
            &mut collector.findings,
        );
        if let Some(lock) = self.lock {
            let files: Vec<crate::checks::lock::PackageFile<'_>> = collector
                .paths
                .iter()
                .zip(&collector.sizes)
                .filter_map(|(path, &size)| {
                    let rel = path.strip_prefix(&prefix)?;
                    Some(crate::checks::lock::PackageFile { rel, path, size })
                })
                .collect();
            crate::checks::lock::check(&self.checks, lock, &files, &mut collector.findings);
        }
        (info.name, info.version) = collector
            .manifest
            .as_deref()
            .map(package_identity)
            .unwrap_or_default();
        let mut report = Report::new(info, collector.findings, started.elapsed());
        report.used_ignores = self.checks.used_ignores();
        report.secrets = self.take_secrets();
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
            crate::checks::workflow::check(&self.checks, &sanitize(path), text, &mut findings);
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
        let mut report = Report::new(info, findings, started.elapsed());
        report.secrets = self.take_secrets();
        report
    }

    /// The secrets matched since the last call.
    fn take_secrets(&self) -> crate::redact::Secrets {
        std::mem::take(&mut *self.secrets.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Remembers a matched secret value, for the output's redaction pass.
    fn remember_secret(&self, value: &[u8]) {
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(value);
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
            self.checks.issue_findings(entry.path, &issue, out);
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

    /// The options the engine scans with.
    pub fn options(&self) -> &Options {
        self.options
    }

    /// Indices of the rules that look at `rel`; content rules only unless `presence`.
    fn applicable(&self, rel: &str, presence: bool) -> Vec<usize> {
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
    /// The content of files the install scripts may run, for `checks::install_files`.
    install_files: crate::checks::install_files::Keeper,
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
            install_files: Default::default(),
        }
    }

    /// The source-map checks that need the whole archive, run once after its last entry.
    fn finish_sourcemaps(
        &mut self,
        verdict: crate::license::SourceVerdict,
    ) -> (Vec<SourceMapSummary>, crate::report::SourceExposure) {
        self.sourcemaps
            .finish(self.engine.map_context(), verdict, &mut self.findings)
    }
}

impl Visitor for Collector<'_> {
    fn file(&mut self, entry: Entry<'_>) {
        // npm installs the last copy of a path, so the manifest judged is the last
        // `package.json` (a duplicate is reported by the archive reader).
        if entry.rel == "package.json" && entry.path.matches('/').count() == 1 {
            self.manifest = Some(entry.data.to_vec());
            self.install_files.manifest(entry.data);
        }
        self.install_files.file(entry.rel, entry.data);
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
            let scanned =
                self.sourcemaps
                    .file(self.engine.map_context(), &entry, &mut self.findings);
            self.engine
                .scan_file_except(&entry, &scanned, &mut self.findings);
        } else {
            // A generated file's own findings come first: its map, read later, maps them
            // back to the original sources.
            self.engine.scan_file(&entry, &mut self.findings);
            self.sourcemaps
                .file(self.engine.map_context(), &entry, &mut self.findings);
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
            .checks
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
        self.engine
            .checks
            .issue_findings(&path, &issue, self.findings);
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
