//! Writing a file so that nobody else decides where it goes.
//!
//! packguard writes into folders it scans (`init`, `lock`, `--write-baseline`, `--output`),
//! and a package folder is not trusted: a symlink planted at `.packguard.yml` or
//! `packguard.lock.yml`, even a dangling one, would turn `std::fs::write` into a write to
//! wherever the link points. So a file is written as a temporary file created new in the
//! same folder and renamed over the target; a symlink at the target is refused, and
//! `rename` replaces a link rather than following it, so one planted between the check and
//! the rename redirects nothing either. Only the last component is guarded: the folders on
//! the way are the user's choice.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether anything (a file, a folder, a symlink, dangling or not) is at `path`.
pub fn occupied(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Replaces (or creates) the regular file at `path` with `bytes`, never through a symlink.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let existing = match std::fs::symlink_metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(m) = &existing {
        if m.file_type().is_symlink() {
            return Err(std::io::Error::other(format!(
                "{} is a symbolic link; packguard does not write through links (remove it, or name a regular file)",
                path.display()
            )));
        }
        if !m.is_file() {
            return Err(std::io::Error::other(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    let (tmp, mut file) = create_temp(&dir, &name)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            if let Some(m) = &existing {
                file.set_permissions(m.permissions())?;
            }
            Ok(())
        });
    drop(file);
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

/// A new file next to the target (`create_new`: an existing name, link or not, is never
/// opened).
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let pid = std::process::id();
    let mut last = None;
    for n in 0..100u32 {
        let tmp = dir.join(format!(".{name}.packguard-{pid}-{n}.tmp"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_symlink_dangling_or_not_and_leaves_its_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert!(replace(&link, b"x").is_err());
        assert!(!outside.exists());
        std::fs::write(&outside, b"keep").unwrap();
        assert!(replace(&link, b"x").is_err());
        assert_eq!(std::fs::read(&outside).unwrap(), b"keep");
    }

    #[test]
    fn replaces_a_regular_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        std::fs::write(&p, b"old").unwrap();
        replace(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
