//! The source-map check's knobs, read from the `sourcemap:` section of rule files and of the
//! config: which hosts are storage buckets, which hosts are trusted, what counts as an
//! internal host, a build-machine path, or an archive.
//!
//! Why a section and not one rule per provider: a bucket host is not a finding of its own but
//! a fact the check uses to classify every URL it meets in a map (`sourceRoot`, `sources`,
//! `file`, `sourceMappingURL`, index-map `url`s), and the same URL must also be tested against
//! the allowlist and the archive list before one finding is raised. Keeping the host list as
//! plain data lets a team add their own bucket host or allow their public CDN in a few lines,
//! while the rule ids (`sourcemap/bucket-url`, ...) stay few and stable. Every file's section
//! adds to the lists, so the built-in list is extended, never replaced.

use marked_yaml::Spanned;
use serde::Deserialize;

use crate::source::{parse_size, Source, SpannedError};

/// The `sourcemap:` section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    pub bucket_hosts: Option<Vec<RawBucket>>,
    pub allow_hosts: Option<Vec<Spanned<String>>>,
    pub internal_hosts: Option<Vec<Spanned<String>>>,
    pub local_path_prefixes: Option<Vec<String>>,
    pub archive_extensions: Option<Vec<String>>,
    pub decode_max_size: Option<Spanned<String>>,
    pub third_party_sources: Option<Vec<Spanned<String>>>,
}

/// A storage provider: a name for messages, host regexes, and URL schemes of its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBucket {
    pub name: String,
    #[serde(default)]
    pub hosts: Vec<Spanned<String>>,
    #[serde(default)]
    pub schemes: Vec<String>,
}

/// A storage provider, compiled.
#[derive(Clone, Debug)]
pub struct Bucket {
    pub name: String,
    /// Anchored, case-insensitive regexes over the host name.
    pub hosts: Vec<regex::Regex>,
    /// Lowercase schemes (`s3`, `gs`) that always mean this provider.
    pub schemes: Vec<String>,
}

/// The compiled settings the check runs with.
#[derive(Clone, Debug)]
pub struct Settings {
    pub buckets: Vec<Bucket>,
    /// Lowercase host names; `*.example.com` also allows every subdomain.
    pub allow_hosts: Vec<String>,
    /// Lowercase names; one starting with `.` is a suffix (`.internal`), else an exact host.
    pub internal_hosts: Vec<String>,
    pub local_path_prefixes: Vec<String>,
    /// Lowercase, with the dot (`.tar.gz`).
    pub archive_extensions: Vec<String>,
    /// Maps up to this size are fully decoded with the `sourcemap` crate to validate their
    /// `mappings`; larger ones only get the one-pass VLQ check (decoding every map doubled the
    /// scan time of next@16 and mermaid@12, whose maps total 98 MB and 84 MB).
    pub decode_max_size: u64,
    /// Regexes over a `sources` entry (with `sourceRoot` applied) that mark it as someone
    /// else's code: dependencies, vendored code, bundler runtimes and virtual modules.
    /// Everything else is the package's own (first-party) source.
    pub third_party_sources: Vec<regex::Regex>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            buckets: Vec::new(),
            allow_hosts: Vec::new(),
            internal_hosts: Vec::new(),
            local_path_prefixes: Vec::new(),
            archive_extensions: Vec::new(),
            decode_max_size: 256 << 10,
            third_party_sources: Vec::new(),
        }
    }
}

impl Settings {
    /// Adds a file's section to these settings, pointing at the bad value on error.
    pub fn extend(&mut self, raw: RawSettings, src: &Source) -> Result<(), SpannedError> {
        for b in raw.bucket_hosts.unwrap_or_default() {
            let mut hosts = Vec::new();
            for h in &b.hosts {
                let re = regex::RegexBuilder::new(&format!("^(?:{})$", h.as_str()))
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        src.at(
                            h,
                            None,
                            format!("sourcemap bucket `{}`: invalid host regex", b.name),
                            "this regex",
                            Some(e.to_string()),
                        )
                    })?;
                hosts.push(re);
            }
            self.buckets.push(Bucket {
                name: b.name,
                hosts,
                schemes: b.schemes.iter().map(|s| s.to_ascii_lowercase()).collect(),
            });
        }
        for h in raw.allow_hosts.unwrap_or_default() {
            let host = h.as_str().trim().to_ascii_lowercase();
            let bare = host.strip_prefix("*.").unwrap_or(&host);
            if bare.is_empty() || bare.contains(['/', ':', '*', ' ']) {
                return Err(src.at(
                    &h,
                    Some(h.len()),
                    format!("invalid host `{}` in `allow_hosts`", h.as_str()),
                    "not a host name",
                    Some("write a host (`cdn.example.com`) or every subdomain of one (`*.example.com`), without scheme or path".into()),
                ));
            }
            self.allow_hosts.push(host);
        }
        for h in raw.internal_hosts.unwrap_or_default() {
            let host = h.as_str().trim().to_ascii_lowercase();
            if host.is_empty() || host == "." {
                return Err(src.at(
                    &h,
                    Some(h.len()),
                    "empty host in `internal_hosts`",
                    "here",
                    None,
                ));
            }
            self.internal_hosts.push(host);
        }
        self.local_path_prefixes
            .extend(raw.local_path_prefixes.unwrap_or_default());
        self.archive_extensions
            .extend(
                raw.archive_extensions
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| {
                        let e = e.to_ascii_lowercase();
                        if e.starts_with('.') {
                            e
                        } else {
                            format!(".{e}")
                        }
                    }),
            );
        for p in raw.third_party_sources.unwrap_or_default() {
            let re = regex::RegexBuilder::new(p.as_str())
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    src.at(
                        &p,
                        None,
                        "invalid regex in `third_party_sources`",
                        "this regex",
                        Some(e.to_string()),
                    )
                })?;
            self.third_party_sources.push(re);
        }
        if let Some(s) = raw.decode_max_size {
            self.decode_max_size = parse_size(s.as_str()).ok_or_else(|| {
                src.at(
                    &s,
                    Some(s.len()),
                    format!("invalid `decode_max_size` `{}`", s.as_str()),
                    "not a size",
                    Some("write a number of bytes, or with a unit: 512KiB, 10MB, 1GiB".into()),
                )
            })?;
        }
        Ok(())
    }

    /// Whether `host` (lowercase) is on the allowlist.
    pub fn allowed(&self, host: &str) -> bool {
        self.allow_hosts.iter().any(|a| match a.strip_prefix("*.") {
            Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
            None => host == a,
        })
    }

    /// The provider a URL belongs to, by scheme or host.
    pub fn bucket(&self, scheme: &str, host: &str) -> Option<&Bucket> {
        self.buckets.iter().find(|b| {
            b.schemes.iter().any(|s| s == scheme)
                || (!host.is_empty() && b.hosts.iter().any(|re| re.is_match(host)))
        })
    }

    /// Whether a host names a machine inside a private network.
    pub fn internal(&self, host: &str) -> bool {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
            return match ip {
                std::net::IpAddr::V4(v4) => {
                    v4.is_private() || v4.is_loopback() || v4.is_link_local()
                }
                std::net::IpAddr::V6(v6) => {
                    v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00
                }
            };
        }
        self.internal_hosts.iter().any(|i| {
            if i.starts_with('.') {
                host.ends_with(i.as_str())
            } else {
                host == i || host.ends_with(&format!(".{i}"))
            }
        })
    }

    /// Whether a `sources` entry (with `sourceRoot` applied) is someone else's code.
    pub fn third_party(&self, source: &str) -> bool {
        self.third_party_sources
            .iter()
            .any(|re| re.is_match(source))
    }

    /// The archive extension a URL path ends with, if any.
    pub fn archive_extension(&self, path: &str) -> Option<&str> {
        let path = path.to_ascii_lowercase();
        self.archive_extensions
            .iter()
            .find(|e| path.ends_with(e.as_str()))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(yaml: &str) -> Result<Settings, SpannedError> {
        let src = Source::new("r.yaml", yaml);
        let raw: RawSettings = src.parse()?;
        let mut s = Settings::default();
        s.extend(raw, &src)?;
        Ok(s)
    }

    #[test]
    fn allowlist_exact_and_subdomains() {
        let s = settings("allow_hosts: [cdn.acme.dev, '*.static.acme.dev']\n").unwrap();
        assert!(s.allowed("cdn.acme.dev"));
        assert!(!s.allowed("x.cdn.acme.dev"));
        assert!(s.allowed("static.acme.dev"));
        assert!(s.allowed("eu.static.acme.dev"));
        assert!(!s.allowed("evilstatic.acme.dev"));
    }

    #[test]
    fn internal_hosts_by_ip_and_name() {
        let s = settings("internal_hosts: [localhost, .corp]\n").unwrap();
        for h in [
            "localhost",
            "api.localhost",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.0.1",
            "127.0.0.1",
            "[::1]",
            "[fd00::1]",
            "git.acme.corp",
        ] {
            assert!(s.internal(h), "{h}");
        }
        for h in [
            "8.8.8.8",
            "example.com",
            "corp.example.com",
            "[2001:db8::1]",
        ] {
            assert!(!s.internal(h), "{h}");
        }
    }

    #[test]
    fn buckets_by_host_or_scheme_and_archives() {
        let s = settings(
            "bucket_hosts:\n  - {name: S3, hosts: ['(?:[a-z0-9.-]+\\.)?s3\\.amazonaws\\.com'], schemes: [S3]}\narchive_extensions: [zip, .tar.gz]\n",
        )
        .unwrap();
        assert_eq!(
            s.bucket("https", "b.s3.amazonaws.com")
                .map(|b| b.name.as_str()),
            Some("S3")
        );
        assert_eq!(
            s.bucket("s3", "anything").map(|b| b.name.as_str()),
            Some("S3")
        );
        assert!(
            s.bucket("https", "s3.amazonaws.com.evil.dev").is_none(),
            "regexes are anchored"
        );
        assert_eq!(s.archive_extension("/a/SRC.ZIP"), Some(".zip"));
        assert_eq!(s.archive_extension("/a/src.tar.gz"), Some(".tar.gz"));
        assert_eq!(s.archive_extension("/a/src.gz"), None);
    }

    #[test]
    fn bad_values_point_at_themselves() {
        let e = settings("allow_hosts: ['https://cdn.acme.dev/']\n").unwrap_err();
        assert!(e.message.contains("allow_hosts"), "{}", e.message);
        let e = settings("decode_max_size: lots\n").unwrap_err();
        assert!(e.message.contains("decode_max_size"), "{}", e.message);
        let e = settings("bucket_hosts: [{name: x, hots: [a]}]\n").unwrap_err();
        assert!(e.message.contains("hots"), "{}", e.message);
        // An empty internal host, or a lone dot, would make every host internal.
        for bad in ["''", "'.'", "' '"] {
            let e = settings(&format!("internal_hosts: [corp, {bad}]\n")).unwrap_err();
            assert_eq!(e.message, "empty host in `internal_hosts`", "{bad}");
        }
        assert!(settings("internal_hosts: ['.a']\n").is_ok());
    }
}
