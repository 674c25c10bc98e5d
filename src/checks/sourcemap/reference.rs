//! Reading what a map reference says: `data:` URLs, and URLs and paths inside a map or a
//! `sourceMappingURL`, classified against the settings (where the comment is, is `comment`).
//!
//! Everything here works on borrowed bytes and returns small values; nothing is kept.

use crate::rules::sourcemap::Settings;
use base64::Engine as _;

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
pub struct Url {
    /// Lowercase; empty for a scheme-relative `//host/path`.
    pub scheme: String,
    pub host: String,
    /// Everything after the host, query and fragment removed (percent-encoded as WHATWG
    /// serialises it).
    pub path: String,
}

/// The base a scheme-relative URL is resolved against: only its scheme is ever used.
const PROBE_BASE: &str = "https://packguard.invalid/";

/// `input` resolved against `base` (or parsed alone) as WHATWG URL does it. The `url` crate
/// is WHATWG URL but for two cases found by `tests/url_differential.rs`, which holds this to
/// Node's `URL`. One: against a special base (`https:`), any run of two or more `/` and `\`
/// opens a scheme-relative URL (`//\bucket.s3.../x` is host `bucket.s3...` to Node and
/// browsers), and the crate refuses a run that is not `//` first; that run is written `//`
/// before the crate sees it.
pub fn whatwg(input: &str, base: Option<&url::Url>) -> Result<url::Url, url::ParseError> {
    // What the parser itself drops first: C0 controls and spaces at both ends, then every
    // tab and newline.
    let cleaned: String = input
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let parsed = match base {
        None => url::Url::parse(&cleaned),
        Some(base) if base.is_special() => {
            let slashes = cleaned.len() - cleaned.trim_start_matches(['/', '\\']).len();
            if slashes >= 2 {
                base.join(&format!("//{}", &cleaned[slashes..]))
            } else {
                base.join(&cleaned)
            }
        }
        Some(base) => base.join(&cleaned),
    }?;
    // The other: in a non-special URL (`gs://b:65\x`) `\` does not end the authority, so a
    // `\` in its host or port makes the URL invalid; the crate ends the authority there.
    if !parsed.is_special() && parsed.has_host() {
        if let Some((_, rest)) = cleaned.split_once("://") {
            let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if host_port.contains('\\') {
                return Err(url::ParseError::InvalidDomainCharacter);
            }
        }
    }
    Ok(parsed)
}

impl Url {
    /// An absolute URL or a scheme-relative `//host/path`, parsed as browsers and Node parse
    /// it (WHATWG URL, the `url` crate): leading and trailing C0 controls and spaces are
    /// dropped, tabs and newlines anywhere are removed, the scheme is lowercased, and for the
    /// special schemes (`http`, `https`, `ftp`, `ws`, `wss`, `file`) `\` is `/` and the host
    /// is percent-decoded and IDNA-mapped. So `HTTPS:\\b.s3.amazonaws.com/x`,
    /// `ht\ttps://...` and `\u{1}https://...` all name their bucket. Anything else (relative
    /// paths, `data:`, a URL no browser would load) is `None`.
    pub fn parse(s: &str) -> Option<Url> {
        let parsed = match url::Url::parse(s) {
            Ok(u) => u,
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                let u = whatwg(s, Some(&url::Url::parse(PROBE_BASE).ok()?)).ok()?;
                // Only a scheme-relative URL leaves the base's host.
                if u.host_str() == Some("packguard.invalid") {
                    return None;
                }
                return Some(Url {
                    scheme: String::new(),
                    host: u.host_str().unwrap_or_default().to_string(),
                    path: u.path().to_string(),
                });
            }
            Err(_) => return None,
        };
        if parsed.cannot_be_a_base() {
            // `mailto:x`, `javascript:...`, `C:\x` read as scheme `c`: no host to judge.
            return Some(Url {
                scheme: parsed.scheme().to_string(),
                host: String::new(),
                path: String::new(),
            })
            .filter(|u| u.scheme.len() > 1);
        }
        Some(Url {
            scheme: parsed.scheme().to_string(),
            host: parsed.host_str().unwrap_or_default().to_ascii_lowercase(),
            path: parsed.path().to_string(),
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
    // What WHATWG URL strips from both ends: C0 controls and space.
    let value = value.trim_matches(|c: char| c <= ' ');
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
    // A UNC share (`\\server\share`) is scheme-relative to WHATWG, and a path on the build
    // machine to the checks (unless it names a bucket).
    let unc = url.scheme.is_empty() && value.starts_with('\\');
    if unc && settings.bucket(&url.scheme, &url.host).is_none() {
        if is_local_path(value, settings) {
            hits.push(Hit::AbsolutePath);
        }
        return hits;
    }
    if let Some(ext) = settings.archive_extension(&url.path) {
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
            (u.scheme.as_str(), u.host.as_str(), u.path.as_str()),
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
