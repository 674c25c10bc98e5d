//! Reading what a map reference says: the `sourceMappingURL` comment at the end of a generated
//! file, `data:` URLs, and URLs and paths inside a map, classified against the settings.
//!
//! Everything here works on borrowed bytes and returns small values; nothing is kept.

use base64::Engine as _;
use memchr::memmem;

use crate::rules::sourcemap::Settings;

const MARKER: &[u8] = b"sourceMappingURL=";

/// The map reference of a generated file: the byte offset of its URL and the URL.
///
/// Tools take the last reference in the file, so this does too. The marker must open a line
/// comment (`//#`, or the old `//@`) or a block comment (`/*# ... */`, CSS) that starts its
/// line: a bundler's own source builds the comment in a string (`"//# sourceMappingURL=" +
/// url`), and that is code, not a reference.
pub fn find(data: &[u8]) -> Option<(usize, &[u8])> {
    for pos in memmem::rfind_iter(data, MARKER) {
        let line_start = memchr::memrchr(b'\n', &data[..pos]).map_or(0, |i| i + 1);
        let opener = data[line_start..pos].trim_ascii();
        let block = match opener {
            b"//#" | b"//@" => false,
            b"/*#" | b"/*@" => true,
            _ => continue,
        };
        let start = pos + MARKER.len();
        let end = data[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`'))
            .map_or(data.len(), |i| start + i);
        let mut url = &data[start..end];
        if block {
            if let Some(i) = memmem::find(url, b"*/") {
                url = &url[..i];
            }
        }
        // A template (`${url}`) or an expression is code that writes a reference.
        if url.is_empty() || url.contains(&b'$') || url.contains(&b'+') || url.contains(&b'(') {
            continue;
        }
        return Some((start, url));
    }
    None
}

/// Decodes a `data:` URL's payload (base64 or percent-encoded). `None` if `url` is not one.
pub fn decode_data_url(url: &[u8]) -> Option<Result<Vec<u8>, String>> {
    let rest = strip_prefix_ci(url, b"data:")?;
    let Some(comma) = rest.iter().position(|&b| b == b',') else {
        return Some(Err("the data: URL has no `,` before its payload".into()));
    };
    let (meta, payload) = (&rest[..comma], &rest[comma + 1..]);
    if meta.to_ascii_lowercase().ends_with(b";base64") {
        // Bundlers differ on padding and a few write the URL-safe alphabet.
        let lenient = base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
        let standard = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
        let url_safe = base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
        Some(
            standard
                .decode(payload)
                .or_else(|_| url_safe.decode(payload))
                .map_err(|e| format!("invalid base64 in the data: URL: {e}")),
        )
    } else {
        Some(Ok(percent_encoding::percent_decode(payload).collect()))
    }
}

fn strip_prefix_ci<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// A URL split the way the checks need it. Hosts are lowercase, without user info or port.
#[derive(Debug, PartialEq, Eq)]
pub struct Url<'a> {
    /// Lowercase; empty for a protocol-relative `//host/path`.
    pub scheme: String,
    pub host: String,
    /// Everything after the host, query and fragment removed.
    pub path: &'a str,
}

impl<'a> Url<'a> {
    /// `scheme://host/path` or `//host/path`; anything else (relative paths, `data:`) is `None`.
    pub fn parse(s: &'a str) -> Option<Url<'a>> {
        let s = s.trim();
        let (scheme, rest) = match s.find("://") {
            Some(i)
                if i > 0
                    && s[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                    && s[..i]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) =>
            {
                (s[..i].to_ascii_lowercase(), &s[i + 3..])
            }
            _ => (String::new(), s.strip_prefix("//")?),
        };
        let host_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
        let authority = &rest[..host_end];
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if host.starts_with('[') {
            host.split_once(']').map_or(host, |(h, _)| h).to_string() + "]"
        } else {
            host.split(':').next().unwrap_or("").to_string()
        };
        let path = &rest[host_end..];
        let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
        Some(Url {
            scheme,
            host: host.to_ascii_lowercase(),
            path,
        })
    }

    /// Schemes that fetch over a network: what a reader of the map could follow.
    fn is_network(&self, settings: &Settings) -> bool {
        matches!(
            self.scheme.as_str(),
            "" | "http" | "https" | "ftp" | "ftps" | "ws" | "wss"
        ) || settings
            .buckets
            .iter()
            .any(|b| b.schemes.contains(&self.scheme))
    }
}

/// What a value in a map (or a `sourceMappingURL`) gives away. One value can be several
/// things: a bucket URL that ends in `.zip` is both.
#[derive(Debug, PartialEq, Eq)]
pub enum Hit {
    Bucket(String),
    External(String),
    Archive(String),
    Internal(String),
    AbsolutePath,
}

/// Classifies one value against the settings.
pub fn classify(value: &str, settings: &Settings) -> Vec<Hit> {
    let mut hits = Vec::new();
    let value = value.trim();
    if value.is_empty() || value.starts_with("data:") {
        return hits;
    }
    // A network URL's path is on a server, not the build machine: `https://x/builds/a.ts`.
    let url = Url::parse(value).filter(|u| u.is_network(settings));
    let Some(url) = url else {
        if is_local_path(value, settings) {
            hits.push(Hit::AbsolutePath);
        }
        return hits;
    };
    if let Some(ext) = settings.archive_extension(url.path) {
        hits.push(Hit::Archive(ext.to_string()));
    }
    if url.host.is_empty() && url.scheme.is_empty() {
        return hits;
    }
    if !url.host.is_empty() && settings.allowed(&url.host) {
        return hits;
    }
    if let Some(b) = settings.bucket(&url.scheme, &url.host) {
        hits.push(Hit::Bucket(b.name.clone()));
    } else if settings.internal(&url.host) {
        hits.push(Hit::Internal(url.host.clone()));
    } else if !url.host.is_empty() {
        hits.push(Hit::External(url.host.clone()));
    }
    hits
}

/// A path on the build machine: `file:`, a drive (`C:\`), a UNC share, or a home or build
/// folder (also behind a bundler's scheme, as in `webpack:///home/ci/app/src/x.js`).
pub fn is_local_path(value: &str, settings: &Settings) -> bool {
    let b = value.as_bytes();
    if b.len() >= 5 && b[..5].eq_ignore_ascii_case(b"file:") {
        return true;
    }
    let drive = |s: &[u8]| {
        s.len() >= 3 && s[0].is_ascii_alphabetic() && s[1] == b':' && matches!(s[2], b'\\' | b'/')
    };
    if drive(b) || value.starts_with("\\\\") {
        return true;
    }
    // `webpack:///Users/me/app/x.js`, `webpack://[name]/C:/...`: look past the scheme.
    let path = match value.find("://") {
        Some(i) => {
            let rest = &value[i + 3..];
            if rest.starts_with('/') {
                rest
            } else {
                rest.find('/').map_or("", |j| &rest[j..])
            }
        }
        None => value,
    };
    if drive(path.trim_start_matches('/').as_bytes())
        && path.starts_with('/')
        && value.contains("://")
    {
        return true;
    }
    settings
        .local_path_prefixes
        .iter()
        .any(|p| path.starts_with(p.as_str()))
}

/// Whether a relative source path, resolved from `base` (the map's folder inside the package,
/// `dist/esm`), climbs above the package root. Scheme-qualified and absolute sources are not
/// relative and never count.
pub fn climbs_out(base: &str, source_root: &str, source: &str) -> bool {
    let is_relative = |s: &str| {
        !s.contains("://") && !s.starts_with('/') && !s.starts_with('\\') && !s.contains(':')
    };
    if !is_relative(source) || (!source_root.is_empty() && !is_relative(source_root)) {
        return false;
    }
    let mut depth: i64 = 0;
    let parts = base
        .split('/')
        .chain(source_root.split(['/', '\\']))
        .chain(source.split(['/', '\\']));
    for part in parts {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_last_real_reference() {
        let js =
            b"var a = 1;\nvar s = \"//# sourceMappingURL=\" + u;\n//# sourceMappingURL=a.js.map\n";
        let (off, url) = find(js).unwrap();
        assert_eq!(url, b"a.js.map");
        assert_eq!(&js[off..off + 8], b"a.js.map");
        assert_eq!(
            find(b"/*# sourceMappingURL=s.css.map */").unwrap().1,
            b"s.css.map"
        );
        assert_eq!(find(b"//@ sourceMappingURL=old.map").unwrap().1, b"old.map");
        assert!(find(b"x = `\n//# sourceMappingURL=${url}`").is_none());
        assert!(find(b"no reference").is_none());
    }

    #[test]
    fn data_urls() {
        let b = decode_data_url(b"data:application/json;charset=utf-8;base64,eyJ2IjozfQ").unwrap();
        assert_eq!(b.unwrap(), b"{\"v\":3}");
        let p = decode_data_url(b"data:application/json,%7B%22v%22%3A3%7D").unwrap();
        assert_eq!(p.unwrap(), b"{\"v\":3}");
        assert!(decode_data_url(b"a.js.map").is_none());
    }

    #[test]
    fn urls_split_host_and_path() {
        let u = Url::parse("https://user@Bucket.S3.amazonaws.com:443/src/a.zip?x=1").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.path),
            ("https", "bucket.s3.amazonaws.com", "/src/a.zip")
        );
        let u = Url::parse("s3://my-bucket/src").unwrap();
        assert_eq!((u.scheme.as_str(), u.host.as_str()), ("s3", "my-bucket"));
        assert!(Url::parse("../src/a.ts").is_none());
        assert_eq!(
            Url::parse("//cdn.example.com/x").unwrap().host,
            "cdn.example.com"
        );
    }

    #[test]
    fn climbing() {
        assert!(!climbs_out("dist", "", "../src/a.ts"));
        assert!(climbs_out("dist", "", "../../src/a.ts"));
        assert!(climbs_out("", "../", "a.ts"));
        assert!(!climbs_out("dist", "", "webpack://pkg/../../a.ts"));
    }
}
