//! Where npm's extractor places an entry: `strip: 1`, then node-tar's path checks (depth,
//! absolute and Windows roots, `..`).

/// Where npm's extractor writes `name` (`strip: 1`, then node-tar's path checks), relative
/// to the package folder; `None` when it does not write it.
pub fn placement(name: &str) -> Option<String> {
    // CHECKPATH splits on `/` only (on POSIX) and drops the first part, whatever it is.
    let parts: Vec<&str> = name.split('/').skip(1).collect();
    if parts.len() > MAX_DEPTH {
        return None;
    }
    let mut rest = parts.join("/");
    // STRIPABSOLUTEPATH: Windows roots are stripped on every platform, until none is left.
    loop {
        let root = win32_root(&rest);
        if root == 0 && !win32_absolute(&rest) {
            break;
        }
        let n = if rest.starts_with('/') && !rest.starts_with("//?/") {
            1
        } else {
            root.max(1)
        };
        rest.drain(..n);
    }
    if rest.replace('\\', "/").split('/').any(|p| p == "..") {
        return None;
    }
    // `path.resolve(cwd, rest)`; the folder itself is never replaced by a file.
    let placed: Vec<&str> = rest
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if placed.is_empty() {
        return None;
    }
    Some(placed.join("/"))
}

/// node-tar's default `maxDepth`.
pub(super) const MAX_DEPTH: usize = 1024;

pub(super) fn is_sep(b: u8) -> bool {
    b == b'/' || b == b'\\'
}

pub(super) fn win32_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    !b.is_empty()
        && (is_sep(b[0])
            || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && is_sep(b[2])))
}

/// The length of `path.win32.parse(p).root`.
pub(super) fn win32_root(p: &str) -> usize {
    let b = p.as_bytes();
    if b.is_empty() {
        return 0;
    }
    if is_sep(b[0]) {
        if b.len() > 1 && is_sep(b[1]) {
            let mut j = 2;
            let last = j;
            while j < b.len() && !is_sep(b[j]) {
                j += 1;
            }
            if j < b.len() && j != last {
                let last = j;
                while j < b.len() && is_sep(b[j]) {
                    j += 1;
                }
                if j < b.len() && j != last {
                    let last = j;
                    while j < b.len() && !is_sep(b[j]) {
                        j += 1;
                    }
                    if j == b.len() {
                        return j;
                    }
                    if j != last {
                        return j + 1;
                    }
                }
            }
        }
        return 1;
    }
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return if b.len() > 2 && is_sep(b[2]) { 3 } else { 2 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each name's placement, as npm's node-tar placed it: these names were written to one
    /// archive (Python's tarfile, PAX) and extracted with `tests/differential/node-tar-extract.mjs`.
    #[test]
    fn names_land_where_node_tar_puts_them() {
        let deep = |part: &str, n: usize| format!("package/{}leaf", format!("{part}/").repeat(n));
        let cases: Vec<(String, Option<String>)> = vec![
            ("package/a.js".into(), Some("a.js".into())),
            ("x/lib/b.js".into(), Some("lib/b.js".into())),
            ("package//abs1".into(), Some("abs1".into())),
            ("package/C:/c.js".into(), Some("c.js".into())),
            ("package/D:d.js".into(), Some("d.js".into())),
            (r"package/\\server\share\e.js".into(), Some("e.js".into())),
            // A leading `/` goes one at a time, except before `?/`: `//?/C:/` goes whole.
            (
                "package///srv/share/f.js".into(),
                Some("srv/share/f.js".into()),
            ),
            ("package///?/C:/x.js".into(), Some("x.js".into())),
            ("package///?/y/z/w.js".into(), Some("z/w.js".into())),
            ("package////?/C:/v.js".into(), Some("v.js".into())),
            (r"package/\l.js".into(), Some("l.js".into())),
            ("package/a/../f".into(), None),
            (r"package/g\..\h".into(), None),
            ("package/..".into(), None),
            ("package/./i".into(), Some("i".into())),
            ("package/m/./n/.".into(), Some("m/n".into())),
            ("package/o/..x".into(), Some("o/..x".into())),
            (r"package/j\k.js".into(), Some(r"j\k.js".into())),
            ("package".into(), None),
            ("package/".into(), None),
            // node-tar's maxDepth: 1024 parts after the first are written, 1025 are not.
            (deep("q", 1023), Some(format!("{}leaf", "q/".repeat(1023)))),
            (deep("r", 1024), None),
        ];
        for (name, want) in cases {
            assert_eq!(placement(&name), want, "{name:.60}");
        }
    }

    /// `win32_root` and `win32_absolute` against Node's `path.win32.parse(p).root` and
    /// `path.win32.isAbsolute(p)`, which node-tar's `stripAbsolutePath` uses.
    #[test]
    fn windows_roots_are_nodes() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let names = [
            "",
            "/",
            "\\",
            "//",
            "\\\\",
            "///",
            "//a",
            "//a/",
            "//a/b",
            "//a/b/",
            "//a/b/c",
            "//a/b//c",
            "\\\\srv\\share\\x",
            "\\\\srv\\share",
            "///a/b",
            "//a//b",
            "//a//b/c",
            "//?/C:/x",
            "\\\\?\\C:\\x",
            "//./x/y",
            "C:",
            "C:x",
            "C:/",
            "C:\\x",
            "c:/x",
            "z:",
            "1:/",
            "ä:/",
            ":/",
            "C",
            "ab",
            "a/b",
            "a:b:/",
            "C:/\\x",
            "//a/\\b",
            "/\\a/b/c",
        ];
        let script = "const p = require('path'); let input = ''; \
            process.stdin.on('data', d => input += d); \
            process.stdin.on('end', () => console.log(JSON.stringify(JSON.parse(input) \
                .map(n => [p.win32.parse(n).root, p.win32.isAbsolute(n)]))))";
        let mut child = Command::new("node")
            .args(["-e", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs (it is needed to test against Node's path.win32)");
        let input = serde_json::to_string(&names[..]).unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "node failed");
        let node: Vec<(String, bool)> = serde_json::from_slice(&out.stdout).unwrap();
        let ours: Vec<(String, bool)> = names
            .iter()
            .map(|n| (n[..win32_root(n)].to_string(), win32_absolute(n)))
            .collect();
        assert_eq!(ours, node);
    }

    #[test]
    fn both_slashes_separate() {
        assert!(is_sep(b'/') && is_sep(b'\\'));
        assert!(!is_sep(b'a') && !is_sep(b':'));
    }
}
