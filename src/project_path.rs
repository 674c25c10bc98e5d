//! Files a config may name (`rule_files`, `lock`): inside the project, and YAML. Also the
//! git work tree a folder is in (`work_tree_root`), where GitHub reads workflows from.
//!
//! A config is picked up from the folder a package (or a downloaded tarball) sits in, so it
//! is the package author's text, not the user's. Were it free to name any file, it could
//! make packguard read `/proc/self/environ` or `~/.npmrc` and print it in a parse error. So a
//! name in a config is relative, has no `..`, resolves (symlinks followed) inside the
//! config's folder, is a regular file when it exists, and is a `.yml`/`.yaml` file, so an
//! error only ever quotes YAML the user meant packguard to read. Paths given on the command
//! line are the user's own choice and are not checked here.

use std::path::{Component, Path, PathBuf};

/// `named` (as written in the config) resolved against `base`, the config's folder, or why
/// it is refused. A file that does not exist yet (a lock to be written) is allowed, and a
/// folder when `folders` (`rule_files` may name one).
pub fn confine(base: &Path, named: &str, folders: bool) -> Result<PathBuf, String> {
    let rel = Path::new(named);
    if named.is_empty() {
        return Err("the path is empty".into());
    }
    if rel.is_absolute() || rel.has_root() || named.starts_with(['/', '\\']) || named.contains(':')
    {
        return Err(format!(
            "`{named}` is an absolute path; a config may only name files inside its project"
        ));
    }
    if rel
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
    {
        return Err(format!(
            "`{named}` leaves the project (`..`); a config may only name files inside it"
        ));
    }
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let path = base.join(rel);
    match std::fs::metadata(&path) {
        Err(_) if std::fs::symlink_metadata(&path).is_err() && is_yaml(rel) => Ok(path),
        Err(_) if std::fs::symlink_metadata(&path).is_err() => {
            Err(format!("`{named}` is not a .yml or .yaml file"))
        }
        Err(_) => Err(format!("`{named}` is a dangling link")),
        Ok(meta) => {
            let allowed = meta.is_file() || (folders && meta.is_dir());
            if !allowed {
                return Err(format!("`{named}` is not a regular file"));
            }
            if meta.is_file() && !is_yaml(rel) {
                return Err(format!("`{named}` is not a .yml or .yaml file"));
            }
            let root = base.canonicalize().map_err(|e| e.to_string())?;
            let real = path.canonicalize().map_err(|e| e.to_string())?;
            if !real.starts_with(&root) {
                return Err(format!(
                    "`{named}` is a link to a file outside the project ({})",
                    real.display()
                ));
            }
            Ok(path)
        }
    }
}

fn is_yaml(rel: &Path) -> bool {
    rel.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// The `.yml`/`.yaml` files of a folder named by a config (each confined like the folder:
/// a link in it to a file outside is refused), sorted.
pub fn yaml_files(base: &Path, folder: &str) -> Result<Vec<PathBuf>, String> {
    let dir = confine(base, folder, true)?;
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| is_yaml(Path::new(n)))
        .collect();
    names.sort();
    let folder = folder.trim_end_matches('/');
    names
        .iter()
        .map(|n| confine(base, &format!("{folder}/{n}"), false))
        .collect()
}

/// The top of the git work tree `start` is in: the nearest folder, from `start` up, holding
/// `.git` (a folder, or the file a linked worktree or submodule has). Git is not run: the
/// answer must not depend on a git binary or its configuration. `None` outside a work tree.
pub fn work_tree_root(start: &Path) -> Option<PathBuf> {
    // Canonical, so `packages/cli/..` walks up from the folder it names.
    let start = start
        .canonicalize()
        .or_else(|_| std::path::absolute(start))
        .ok()?;
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_leaves_the_project_or_is_not_yaml() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yml"), "rules: []\n").unwrap();
        assert!(confine(dir.path(), "r.yml", false).is_ok());
        assert!(confine(dir.path(), "new.lock.yml", false).is_ok());
        for bad in [
            "/proc/self/environ",
            "/etc/x.yml",
            "../x.yml",
            "a/../../x.yml",
            "notes.txt",
            "",
        ] {
            assert!(confine(dir.path(), bad, true).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("env.yml")).unwrap();
            assert!(confine(dir.path(), "env.yml", false).is_err());
        }
    }
}
