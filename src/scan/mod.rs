//! The scan stage: applies the rules to every entry of an artifact and collects findings.
//!
//! Per file it makes one pass: rules are filtered by path, a single Aho-Corasick automaton
//! over every rule's keywords finds where content regexes can match (`rules::prefilter`),
//! and only those run, only there. A map's `sourcesContent` is scanned as its original
//! files by the source-map check, so the map's own scan leaves those bytes out.
//! Line and column are computed from byte offsets for findings only, so a multi-megabyte
//! minified line costs nothing unless something matches on it. Checks never print or exit.

use std::time::Instant;

use crate::artifact::pack::{FileList, PackOptions};
use crate::artifact::{self, directory, ArtifactError, Entry, EntryIssue, Limits, Visitor};
use crate::checks::context::Context;
use crate::checks::sourcemap::SourceMapCheck;
use crate::checks::{self, MapContext, Package};
use crate::config::Config;
use crate::finding::Finding;
use crate::report::{ArtifactInfo, Report, SourceMapSummary};
use crate::rules::prefilter::Prefilter;
use crate::rules::RuleSet;
use crate::text::sanitize;

mod content;
use content::Markers;
pub use content::NEAR_CONTEXT;

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

    /// What every package scan ends with: the package-level checks (`checks::ALL`), which
    /// need the whole file list, then the report. `dir` is the package folder for a directory scan.
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
        // The lock's check is the one that needs sizes; without a lock none are gathered.
        let sized: Vec<crate::checks::lock::PackageFile<'_>> = match self.lock {
            None => Vec::new(),
            Some(_) => collector
                .paths
                .iter()
                .zip(&collector.sizes)
                .filter_map(|(path, &size)| {
                    let rel = path.strip_prefix(&prefix)?;
                    Some(crate::checks::lock::PackageFile { rel, path, size })
                })
                .collect(),
        };
        let package = Package {
            root,
            manifest: collector.manifest.as_deref(),
            files: &files,
            sized: &sized,
            unpacked_bytes: stats.unpacked_bytes,
            expect_repo: self.options.expect_repo.as_deref(),
            dir,
            lock: self.lock,
            install_files: &collector.install_files,
        };
        for check in checks::ALL {
            check.package(&self.checks, &package, &mut collector.findings);
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
        report.config = self
            .config
            .path
            .as_ref()
            .map(|p| sanitize(&p.display().to_string()));
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
            NestedKind::Gzip => self.scan_gzipped(entry, &mut nested),
        };
        if let Err(e) = read {
            let issue = EntryIssue::NestedUnreadable {
                detail: e.to_string(),
            };
            self.checks.issue_findings(entry.path, &issue, out);
        }
    }

    /// A single gzip-compressed file (`config.json.gz`): its content is scanned as the file
    /// it decompresses to, named `outer!/config.json` and judged by path as if it shipped as
    /// `config.json` where the `.gz` is; a tar inside is read as a nested archive.
    fn scan_gzipped(
        &self,
        entry: &Entry<'_>,
        nested: &mut Nested<'_, '_>,
    ) -> Result<artifact::Stats, ArtifactError> {
        let limits = &self.options.limits;
        let data = artifact::gunzip::gunzip_file(entry.path, entry.data, limits.max_file_size)?;
        if data.get(257..262) == Some(b"ustar") {
            return artifact::read_archive(entry.path, &data[..], limits, nested);
        }
        let rel = &entry.rel[..entry.rel.len() - ".gz".len()];
        let name = rel.rsplit('/').next().unwrap_or(rel);
        nested.file(Entry {
            path: name,
            rel,
            data: &data,
            disk_path: None,
        });
        Ok(artifact::Stats::default())
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
    /// One gzip-compressed file (`.gz` but not `.tar.gz`).
    Gzip,
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
    } else if lower.ends_with(".gz") && lower.len() > ".gz".len() {
        Some(NestedKind::Gzip)
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
