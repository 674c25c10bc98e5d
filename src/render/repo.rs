//! Where a finding lives in the repository's working tree, for the formats a forge reads
//! (GitHub annotations, SARIF).
//!
//! A finding names a path inside the package (`package/dist/cli.js`). GitHub can only point
//! at a file of the checked-out repository, so this module maps a finding to such a file, in
//! this order: the original source a source map names (`Finding.original`), the file a
//! directory scan read (`Finding.disk_path`), and for a tarball the file under `--root DIR`
//! (the folder its `package/` was packed from). A candidate counts only if it is a file that
//! exists inside the workspace: an annotation on a missing file is dropped by GitHub, so the
//! caller falls back to a position-less form instead. This module looks at the file system
//! (existence only) and never reads or scans a file.

use std::path::{Component, Path, PathBuf};

use crate::finding::Finding;

/// How a finding was placed in the repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The original source file a source map names; the position is the original's.
    Original,
    /// The file a directory scan read.
    Disk,
    /// `--root DIR` joined with the path inside the package.
    Root,
}

/// A finding's place in the repository: a path relative to the workspace, `/`-separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoLocation {
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    /// Exclusive, like `Finding.end_column`.
    pub end_column: Option<usize>,
    pub via: Via,
}

/// The workspace (repository checkout) and where a tarball's `package/` came from.
#[derive(Clone, Debug, Default)]
pub struct RepoPaths {
    /// Canonical workspace folder; `None` maps nothing (every finding is position-less).
    workspace: Option<PathBuf>,
    /// Canonical `--root DIR`.
    root: Option<PathBuf>,
}

impl RepoPaths {
    /// `workspace` is `GITHUB_WORKSPACE` or the current folder; `root` is `--root DIR`,
    /// relative to the current folder. Folders that do not exist map nothing.
    pub fn new(workspace: &Path, root: Option<&Path>) -> RepoPaths {
        RepoPaths {
            workspace: std::fs::canonicalize(workspace).ok(),
            root: root.and_then(|r| std::fs::canonicalize(r).ok()),
        }
    }

    /// Maps nothing: every finding keeps only its path inside the package.
    pub fn none() -> RepoPaths {
        RepoPaths::default()
    }

    pub fn locate(&self, f: &Finding) -> Option<RepoLocation> {
        self.via_original(f)
            .or_else(|| self.via_disk(f))
            .or_else(|| self.via_root(f))
    }

    fn via_original(&self, f: &Finding) -> Option<RepoLocation> {
        let o = f.original.as_ref()?;
        let base = self.package_base(f)?;
        let map_dir = Path::new(strip_top(&o.map))
            .parent()
            .unwrap_or(Path::new(""));
        let source = strip_scheme(&o.source);
        if source.as_os_str().is_empty() {
            return None;
        }
        // A map's `sources` are relative to the map itself; bundlers that write
        // `webpack://name/./src/x.ts` mean the project root, which is the package root.
        let candidates = [base.join(map_dir).join(&source), base.join(&source)];
        let path = candidates.iter().find_map(|c| self.inside(&lexical(c)))?;
        Some(RepoLocation {
            path,
            line: o.line,
            column: o.column,
            end_line: None,
            end_column: None,
            via: Via::Original,
        })
    }

    fn via_disk(&self, f: &Finding) -> Option<RepoLocation> {
        let disk = f.disk_path.as_deref()?;
        let path = self.inside(Path::new(disk))?;
        Some(same_position(f, path, Via::Disk))
    }

    fn via_root(&self, f: &Finding) -> Option<RepoLocation> {
        let root = self.root.as_ref()?;
        let path = self.inside(&root.join(safe_relative(strip_top(&f.file))?))?;
        Some(same_position(f, path, Via::Root))
    }

    /// The folder on disk that holds the package root: `--root`, or for a directory scan
    /// the disk path with the path inside the package taken off its end.
    fn package_base(&self, f: &Finding) -> Option<PathBuf> {
        if let Some(root) = &self.root {
            return Some(root.clone());
        }
        let disk = Path::new(f.disk_path.as_deref()?);
        let rel = Path::new(strip_top(&f.file));
        let mut base = disk.to_path_buf();
        for _ in rel.components() {
            base.pop();
        }
        Some(base)
    }

    /// The path relative to the workspace when `p` is an existing file inside it.
    fn inside(&self, p: &Path) -> Option<String> {
        let ws = self.workspace.as_ref()?;
        let real = std::fs::canonicalize(p).ok()?;
        if !real.is_file() {
            return None;
        }
        let rel = real.strip_prefix(ws).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }
}

fn same_position(f: &Finding, path: String, via: Via) -> RepoLocation {
    RepoLocation {
        path,
        line: f.line,
        column: f.column,
        end_line: f.end_line,
        end_column: f.end_column,
        via,
    }
}

/// The finding's message as a format that places it at `at` writes it: a result mapped to
/// an original says which built file it was found in, and one that is not in the repository
/// names its path inside the package (the location then shows the package path or nothing).
pub fn message_at(f: &Finding, at: Option<&RepoLocation>) -> String {
    match at.map(|a| a.via) {
        Some(Via::Original) => format!("{} (found in {})", f.message, f.file),
        Some(_) => f.message.clone(),
        None => format!("{} in {}", f.message, f.file),
    }
}

/// The path without its top folder (`package/`), as the file sits under the package root.
pub fn strip_top(path: &str) -> &str {
    path.split_once('/').map_or(path, |(_, rest)| rest)
}

/// A relative path that cannot climb out of the folder it is joined to; `None` otherwise.
/// Entry names come from the archive, which an attacker writes.
fn safe_relative(rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    p.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| p.to_path_buf())
}

/// A source map's source name without its URL scheme: `webpack://name/./src/a.ts` is
/// `./src/a.ts`, `file:///x/y` is `/x/y`.
fn strip_scheme(source: &str) -> PathBuf {
    if let Some(rest) = source.strip_prefix("webpack://") {
        // The first segment is webpack's namespace (often the package name, often empty).
        return PathBuf::from(rest.split_once('/').map_or("", |(_, p)| p));
    }
    if let Some(rest) = source.strip_prefix("file://") {
        return PathBuf::from(rest);
    }
    if source.contains("://") {
        return PathBuf::new();
    }
    PathBuf::from(source)
}

/// Resolves `.` and `..` without touching the disk (the file may be a symlink's target).
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{OriginalLocation, Severity};

    fn finding(file: &str) -> Finding {
        Finding {
            category: "secret".into(),
            line: Some(2),
            column: Some(3),
            end_line: Some(2),
            end_column: Some(9),
            fingerprint: "f".into(),
            ..Finding::bare("r/x", file, Severity::Error)
        }
    }

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("pkg/dist")).unwrap();
        std::fs::create_dir_all(d.path().join("pkg/src")).unwrap();
        std::fs::write(d.path().join("pkg/dist/cli.js"), "x").unwrap();
        std::fs::write(d.path().join("pkg/src/cli.ts"), "x").unwrap();
        d
    }

    #[test]
    fn root_maps_existing_files_only() {
        let d = tree();
        let repo = RepoPaths::new(d.path(), Some(&d.path().join("pkg")));
        let loc = repo.locate(&finding("package/dist/cli.js")).unwrap();
        assert_eq!(loc.path, "pkg/dist/cli.js");
        assert_eq!((loc.line, loc.via), (Some(2), Via::Root));
        assert_eq!(repo.locate(&finding("package/dist/gone.js")), None);
        assert_eq!(repo.locate(&finding("package/../pkg/dist/cli.js")), None);
    }

    #[test]
    fn original_source_wins_and_carries_its_own_line() {
        let d = tree();
        let repo = RepoPaths::new(d.path(), Some(&d.path().join("pkg")));
        for source in ["../src/cli.ts", "webpack://my-pkg/./src/cli.ts"] {
            let mut f = finding("package/dist/cli.js");
            f.original = Some(OriginalLocation {
                map: "package/dist/cli.js.map".into(),
                source: source.into(),
                line: Some(40),
                column: Some(1),
            });
            let loc = repo.locate(&f).unwrap();
            assert_eq!((loc.path.as_str(), loc.line), ("pkg/src/cli.ts", Some(40)));
            assert_eq!(loc.via, Via::Original);
        }
    }

    #[test]
    fn disk_path_is_made_relative_to_the_workspace() {
        let d = tree();
        let repo = RepoPaths::new(d.path(), None);
        let mut f = finding("package/dist/cli.js");
        f.disk_path = Some(d.path().join("pkg/dist/cli.js").display().to_string());
        assert_eq!(repo.locate(&f).unwrap().path, "pkg/dist/cli.js");
        // Outside the workspace: not annotatable.
        let other = tempfile::tempdir().unwrap();
        let repo = RepoPaths::new(other.path(), None);
        assert_eq!(repo.locate(&f), None);
    }
}
