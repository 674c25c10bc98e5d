//! Reading a map as its consumers do: `mappings` validated, junk before the JSON skipped,
//! `sourceRoot` joined and sources resolved as URLs, positions and line counts from bytes.

use crate::report::FolderText;
use crate::text::{count_chars, plural, sanitize, thousands};

pub(super) const INVALID_DIGIT: u8 = 0xff;

/// Base64 digit values by byte; the check runs over every byte of every map's `mappings`.
pub(super) const BASE64: [u8; 256] = {
    let mut t = [INVALID_DIGIT; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Checks that `mappings` is well-formed base64 VLQ: every segment has 1, 4 or 5 values and no
/// value is cut off. One pass over the bytes and no allocation, so it runs on every map, even a
/// 60 MB one, where a full decode (which also builds every token) would not be worth it.
pub(super) fn check_mappings(mappings: &str) -> Result<(), String> {
    let mut values = 0usize;
    let mut continued = false;
    let segment_end = |values: usize, continued: bool, at: usize| {
        if continued {
            Err(format!("`mappings`: a VLQ value is cut off at offset {at}"))
        } else if !matches!(values, 0 | 1 | 4 | 5) {
            Err(format!(
                "`mappings`: a segment has {values} values at offset {at} (expected 1, 4 or 5)"
            ))
        } else {
            Ok(())
        }
    };
    for (i, b) in mappings.bytes().enumerate() {
        if b == b',' || b == b';' {
            segment_end(values, continued, i)?;
            values = 0;
            continue;
        }
        let digit = BASE64[usize::from(b)];
        if digit == INVALID_DIGIT {
            return Err(format!(
                "`mappings`: `{}` at offset {i} is not a base64 VLQ character",
                sanitize(&String::from_utf8_lossy(&[b]))
            ));
        }
        continued = digit & 32 != 0;
        if !continued {
            values += 1;
        }
    }
    segment_end(values, continued, mappings.len())
}

/// Skips the `)]}'` line some servers prefix maps with against JSON hijacking, and a BOM.
pub(super) fn strip_junk(data: &[u8]) -> &[u8] {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    if data.starts_with(b")]}") {
        return memchr::memchr(b'\n', data).map_or(&data[data.len()..], |i| &data[i + 1..]);
    }
    data
}

/// `sourceRoot` joined to a source, as a consumer of the map would.
pub(super) fn join(root: &str, source: &str) -> String {
    if root.is_empty() || source.contains("://") || source.starts_with('/') {
        source.to_string()
    } else if root.ends_with('/') {
        format!("{root}{source}")
    } else {
        format!("{root}/{source}")
    }
}

/// A `sources` entry (with `sourceRoot` applied) as a path in the package, so that the same
/// original named by two maps is one file: a bundler's `webpack://name/` or any other
/// `scheme://host` prefix is dropped, and a relative path is resolved from the map's folder
/// `base` (climbing above the root keeps its `..`).
pub(super) fn resolve_source(base: &str, source: &str) -> String {
    let source = source.replace('\\', "/");
    let (relative, path) = match source.split_once("://") {
        Some((_, rest)) => (
            false,
            rest.split_once('/').map_or("", |(_, p)| p).to_string(),
        ),
        None => (!source.starts_with('/'), source),
    };
    let mut parts: Vec<&str> = Vec::new();
    let joined = if relative && !base.is_empty() {
        format!("{base}/{path}")
    } else {
        path
    };
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The top folder of a resolved original (`src/` for `../src/a/b.ts`), `./` for a file at
/// the top.
pub(super) fn top_folder(path: &str) -> String {
    let mut parts = path.split('/').skip_while(|p| *p == "..");
    match (parts.next(), parts.next()) {
        (Some(first), Some(_)) => format!("{first}/"),
        _ => "./".to_string(),
    }
}

/// "top folders: src/ (1,902 files, 513,676 lines), scripts/ (3 files, 90 lines)", at most
/// five, with the rest counted.
pub(super) fn folder_list(folders: &[FolderText], with_lines: bool) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = folders
        .iter()
        .take(SHOWN)
        .map(|f| {
            let files = format!(
                "{} {}",
                thousands(f.files as u64),
                plural(f.files as u64, "file", "files")
            );
            if with_lines {
                format!(
                    "{} ({files}, {} {})",
                    sanitize(&f.folder),
                    thousands(f.lines),
                    plural(f.lines, "line", "lines")
                )
            } else {
                format!("{} ({files})", sanitize(&f.folder))
            }
        })
        .collect();
    if folders.len() > SHOWN {
        parts.push(format!("{} more", folders.len() - SHOWN));
    }
    format!(
        "top {}: {}",
        plural(folders.len() as u64, "folder", "folders"),
        parts.join(", ")
    )
}

/// A relative URL resolved against the generated file's path inside the archive, as Node
/// resolves it against the file's URL (WHATWG: `\\` is `/`, tabs and newlines dropped, `..`
/// stops at the root, query and fragment removed), then percent-decoded.
pub(super) fn resolve(from: &str, url: &str) -> String {
    const BASE: &str = "https://packguard.invalid/";
    let resolved = url::Url::parse(BASE).ok().and_then(|mut base| {
        base.set_path(from);
        super::reference::whatwg(url, Some(&base)).ok()
    });
    let path = match &resolved {
        Some(u) if u.host_str() == Some("packguard.invalid") => u.path(),
        // Another host: not a file of the archive; the caller judges it as a URL.
        _ => url,
    };
    let path = path.trim_start_matches('/');
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// 1-based line and column (in characters) of an offset.
pub(super) fn position(data: &[u8], offset: usize) -> (usize, usize) {
    let before = &data[..offset.min(data.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, count_chars(&before[start..]) + 1)
}

pub(super) fn line_count(text: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', text).count() as u64;
    newlines + u64::from(!text.is_empty() && !text.ends_with(b"\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(thousands(512_000), "512,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(line_count(b"a\nb"), 2);
        assert_eq!(line_count(b"a\nb\n"), 2);
        assert_eq!(line_count(b""), 0);
        assert_eq!(
            resolve("package/dist/a.js", "a.js.map"),
            "package/dist/a.js.map"
        );
        assert_eq!(
            resolve("package/dist/a.js", "../maps/a.map?v=1"),
            "package/maps/a.map"
        );
        assert_eq!(
            resolve("package/dist/a.js", "..\\maps\\a%20b.map#x"),
            "package/maps/a b.map"
        );
        assert_eq!(resolve("package/a.js", "../../../a.map"), "a.map");
        assert_eq!(join("src", "a.ts"), "src/a.ts");
        assert_eq!(resolve_source("", "../src/a/b.ts"), "../src/a/b.ts");
        assert_eq!(resolve_source("dist", "../src/a.ts"), "src/a.ts");
        assert_eq!(
            resolve_source("dist", "webpack://acme/./src/a.ts"),
            "src/a.ts"
        );
        assert_eq!(resolve_source("dist", "webpack:///src/a.ts"), "src/a.ts");
        assert_eq!(resolve_source("a/b", "../../../x.ts"), "../x.ts");
        assert_eq!(top_folder("../src/a/b.ts"), "src/");
        assert_eq!(top_folder("src/a.ts"), "src/");
        assert_eq!(top_folder("a.ts"), "./");
        assert_eq!(join("https://x/", "a.ts"), "https://x/a.ts");
        assert_eq!(strip_junk(b")]}'\n{}"), b"{}");
        assert_eq!(position(b"ab\ncd", 4), (2, 2));
        assert!(check_mappings("AAAA,CAAC;;EAAEC,G").is_ok());
        assert!(check_mappings("").is_ok());
        assert!(check_mappings("AA").unwrap_err().contains("2 values"));
        assert!(check_mappings("AAAg").unwrap_err().contains("cut off"));
        assert!(check_mappings("AA!A").unwrap_err().contains("`!`"));
    }
}
