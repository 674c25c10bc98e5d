//! `packguard ls`: what would be published, file by file, with sizes and what the rules
//! say about each file. The quick "what am I about to ship?" look.
//!
//! A listing is built from the same file list and the same scan as `packguard scan`, so a
//! file shown here is exactly a file the scan reads; it never re-decides the selection.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Error, Input};
use crate::artifact::{self, Entry, EntryIssue, Visitor};
use crate::config::Config;
use crate::finding::Severity;
use crate::report::listing::{ListedFile, Listing};
use crate::rules::RuleSet;
use crate::scan::{self, Options};

/// Lists `input` (a package folder or a tarball; `-` reads a tarball from stdin).
pub fn list(
    input: &Input,
    rules: &RuleSet,
    config: &Config,
    options: &Options,
) -> Result<Listing, Error> {
    let mut sizes: Vec<(String, u64, Option<String>)> = Vec::new();
    let report = match input {
        Input::Path(dir) if dir.is_dir() => {
            let list = artifact::pack::select(dir, &options.pack)?;
            for rel in &list.files {
                let disk = dir.join(rel);
                let size = std::fs::metadata(&disk).map(|m| m.len()).unwrap_or(0);
                sizes.push((
                    format!("package/{rel}"),
                    size,
                    Some(disk.display().to_string()),
                ));
            }
            let engine = scan::Engine::new(rules, config, options);
            engine.scan_directory(&dir.display().to_string(), dir, &list)?
        }
        other => {
            let name = other.display();
            let bytes = read_input(other, options)?;
            // One read: the sizes are gathered as the scan reads each entry.
            let mut sizer = Sizes(Vec::new());
            let report = scan::Engine::new(rules, config, options).scan_archive_observed(
                &name,
                std::io::Cursor::new(&bytes),
                &mut sizer,
            )?;
            sizes = sizer.0.into_iter().map(|(p, s)| (p, s, None)).collect();
            report
        }
    };
    let mut flags: BTreeMap<&str, (Severity, Vec<String>)> = BTreeMap::new();
    for f in &report.findings {
        let e = flags
            .entry(f.file.as_str())
            .or_insert((f.severity, Vec::new()));
        e.0 = e.0.max(f.severity);
        if !e.1.contains(&f.rule) {
            e.1.push(f.rule.clone());
        }
    }
    let mut files = Vec::new();
    let mut total = 0;
    for (path, size, disk_path) in sizes {
        total += size;
        let (severity, mut rules) = match flags.get(path.as_str()) {
            Some((s, r)) => (Some(*s), r.clone()),
            None => (None, Vec::new()),
        };
        rules.sort();
        files.push(ListedFile {
            path,
            size,
            disk_path,
            severity,
            rules,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let on_files: usize = report
        .findings
        .iter()
        .filter(|f| {
            files
                .binary_search_by(|l| l.path.as_str().cmp(&f.file))
                .is_ok()
        })
        .count();
    Ok(Listing {
        artifact: report.artifact.clone(),
        other_findings: report.findings.len() - on_files,
        files,
        total_bytes: total,
        report: Some(report),
    })
}

/// The selected paths of a package folder (relative, sorted), without scanning: what
/// `ls --paths` prints and `scripts/parity.sh` compares with npm.
pub fn paths(input: &Input, options: &Options) -> Result<Vec<String>, Error> {
    match input {
        Input::Path(dir) if dir.is_dir() => Ok(artifact::pack::select(dir, &options.pack)?.files),
        other => Err(Error::PathsNeedDirectory {
            path: other.display(),
        }),
    }
}

fn read_input(input: &Input, options: &Options) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let name = input.display();
    let unreadable = |source| artifact::ArtifactError::Unreadable {
        name: name.clone(),
        source,
    };
    let mut bytes = Vec::new();
    // The compressed size is bounded by the unpacked limit: gzip never grows data much.
    let cap = options.limits.max_total_size;
    match input {
        Input::Stdin => std::io::stdin()
            .lock()
            .take(cap)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?,
        Input::Path(p) => std::fs::File::open(Path::new(p))
            .and_then(|f| f.take(cap).read_to_end(&mut bytes))
            .map_err(unreadable)?,
    };
    Ok(bytes)
}

/// Records each regular file's size as the archive is read.
struct Sizes(Vec<(String, u64)>);

impl Visitor for Sizes {
    fn file(&mut self, entry: Entry<'_>) {
        self.0
            .push((entry.path.to_string(), entry.data.len() as u64));
    }
    fn issue(&mut self, _path: &str, _issue: EntryIssue) {}
}
