//! The one redaction pass: every string packguard writes (any format, any file, stderr) is
//! masked here, from one set of secrets, before it leaves the process.
//!
//! Findings redact their own match when they are built, but other findings echo the same
//! bytes (a token in `repository.url` is in the message of `manifest/repository-mismatch`, a
//! `packguard-ignore`d secret is in the next finding's context lines, a diff lists changed
//! scripts). Rather than trusting every rule and every format to remember, the scan collects
//! every secret value it matched (any rule with `redact`, any severity, silenced or not) into
//! [`Secrets`], and [`Redactor::mask`] replaces each of them, wherever it appears, in the
//! final text. Two shapes are masked without being found first, because they are credentials
//! by their place alone: URL user info (`https://TOKEN:x-oauth-basic@host`) and credential
//! query parameters (`X-Amz-Security-Token=…`, `sig=…`, `access_token=…`).
//!
//! Invariants: masking never adds a secret's text; it only removes it. What it must not do:
//! decide what is a secret (the rules do), or touch anything when the user asked for
//! `--show-secrets`.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use crate::finding::redact;

/// Secrets shorter than this are masked in their own finding only: replacing a 3-letter
/// value everywhere in the output would mangle words and JSON keys, and says nothing an
/// attacker could not guess.
pub const MIN_GLOBAL: usize = 8;
/// A secret cut by a window or `shorten` (`…` marks the cut) is masked when at least this
/// many of its characters are shown.
const MIN_PARTIAL: usize = 6;

/// Every secret value a run matched, as text. Ordered so that output does not depend on
/// the order files were scanned in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secrets(BTreeSet<String>);

impl Secrets {
    /// Remembers a matched value (lossy UTF-8, surrounding whitespace trimmed); values too
    /// short to mask globally are left out.
    pub fn insert(&mut self, value: &[u8]) {
        let text = String::from_utf8_lossy(value);
        let text = text.trim();
        if text.chars().count() >= MIN_GLOBAL && !self.0.contains(text) {
            self.0.insert(text.to_string());
        }
    }

    pub fn extend(&mut self, other: &Secrets) {
        self.0.extend(other.0.iter().cloned());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

/// Masks a set of secrets and the credential-shaped parts of URLs in text.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Every secret in each form an output writes it (as is, JSON-escaped, escaped for a
    /// GitHub annotation), longest first where two overlap.
    automaton: Option<AhoCorasick>,
    /// The replacement for each pattern of `automaton`.
    masks: Vec<String>,
    /// The secrets as found, for masking what a cut left of them.
    secrets: Vec<String>,
    /// `--show-secrets`: nothing is masked.
    off: bool,
}

/// How an output format escapes text (JSON strings, GitHub annotation properties, Markdown
/// character references): a secret is masked in each form a format may write it.
pub type Escaping = fn(&str) -> String;

impl Redactor {
    /// Masks `secrets` as written and in each of `escapings`.
    pub fn new(secrets: &Secrets, escapings: &[Escaping]) -> Redactor {
        let mut patterns = Vec::new();
        let mut masks = Vec::new();
        for s in secrets.iter() {
            let mask = redact(s);
            let json = serde_json::to_string(s).unwrap_or_default();
            let json = json
                .strip_prefix('"')
                .and_then(|j| j.strip_suffix('"'))
                .unwrap_or(s);
            let mut forms = vec![
                (s.to_string(), mask.clone()),
                (json.to_string(), mask.clone()),
            ];
            for escape in escapings {
                forms.push((escape(s), escape(&mask)));
            }
            forms.sort();
            forms.dedup_by(|a, b| a.0 == b.0);
            for (form, mask) in forms {
                patterns.push(form);
                masks.push(mask);
            }
        }
        let automaton = (!patterns.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        Redactor {
            automaton,
            masks,
            secrets: secrets.iter().map(str::to_string).collect(),
            off: false,
        }
    }

    /// A redactor that leaves everything as it is (`--show-secrets`).
    pub fn off() -> Redactor {
        Redactor {
            off: true,
            ..Redactor::default()
        }
    }

    pub fn is_off(&self) -> bool {
        self.off
    }

    /// `text` with every known secret, URL user info and credential query value masked.
    pub fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.off {
            return Cow::Borrowed(text);
        }
        let mut out = Cow::Borrowed(text);
        if let Some(ac) = &self.automaton {
            if ac.is_match(out.as_ref()) {
                let mut s = String::with_capacity(out.len());
                ac.replace_all_with(out.as_ref(), &mut s, |m, _, dst| {
                    dst.push_str(&self.masks[m.pattern().as_usize()]);
                    true
                });
                out = Cow::Owned(s);
            }
        }
        if !self.secrets.is_empty() && out.contains('…') {
            if let Some(s) = mask_cut(&out, &self.secrets) {
                out = Cow::Owned(s);
            }
        }
        if out.contains("://") {
            if let Cow::Owned(s) = mask_user_info(&out) {
                out = Cow::Owned(s);
            }
        }
        if out.contains('=') {
            if let Cow::Owned(s) = mask_credential_params(&out) {
                out = Cow::Owned(s);
            }
        }
        out
    }
}

/// A Markdown character reference (the job summary writes `_` as `&#95;`) other than the
/// ones that end a URL part: `#` (35), `&` (38), `/` (47), `?` (63), `@` (64).
const ENTITY: &str = "&#(?:[0-9]|[125789][0-9]|3[0-4679]|4[0-689]|6[0-25-9]|[0-9]{3,});|&amp;";

/// `scheme://USERINFO@`: the user info is masked whole, except the SSH convention `git@`,
/// which names no one.
fn mask_user_info(text: &str) -> Cow<'_, str> {
    static URL: OnceLock<Regex> = OnceLock::new();
    let re = URL.get_or_init(|| {
        Regex::new(&format!(
            r#"(?i)\b([a-z][a-z0-9+.-]{{0,30}}://)((?:[^/?#@&\s"'<>\\]|{ENTITY})+)@"#
        ))
        .expect("the user-info pattern is valid")
    });
    re.replace_all(text, |c: &regex::Captures<'_>| {
        let info = &c[2];
        let shown = if info == "git" {
            info.to_string()
        } else {
            mask_value(info)
        };
        format!("{}{shown}@", &c[1])
    })
}

/// Query parameters that carry a credential by name (presigned URLs, OAuth, SAS tokens).
fn mask_credential_params(text: &str) -> Cow<'_, str> {
    static PARAM: OnceLock<Regex> = OnceLock::new();
    let re = PARAM.get_or_init(|| {
        Regex::new(&format!(
            r#"(?i)([?&;](?:x-amz-security-token|x-amz-signature|x-amz-credential|x-goog-signature|x-goog-credential|x-goog-security-token|sig|signature|token|access_token|id_token|refresh_token|auth|authorization|api_key|apikey|key|client_secret|secret|password|passwd|pwd|sas|session_token|security_token)=)((?:[^&#\s"'<>\\]|{ENTITY})+)"#,
        ))
        .expect("the credential-parameter pattern is valid")
    });
    re.replace_all(text, |c: &regex::Captures<'_>| {
        format!("{}{}", &c[1], mask_value(&c[2]))
    })
}

/// A credential's mask: its redacted form, or a plain mark when an earlier step already
/// masked part of it (so no length is reported twice).
fn mask_value(value: &str) -> String {
    if value.contains('…') {
        "…[redacted]".to_string()
    } else {
        redact(value)
    }
}

/// Masks what a cut (`…`) left of a secret: a start before the mark, an end after it.
fn mask_cut(text: &str, secrets: &[String]) -> Option<String> {
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for (at, _) in text.match_indices('…') {
        let before = &text[..at];
        let after = &text[at + '…'.len_utf8()..];
        for s in secrets {
            if let Some(k) = longest_prefix_at_end(before, s) {
                cuts.push((at - k, at));
            }
            if let Some(k) = longest_suffix_at_start(after, s) {
                let from = at + '…'.len_utf8();
                cuts.push((from, from + k));
            }
        }
    }
    if cuts.is_empty() {
        return None;
    }
    cuts.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut cur = 0;
    for (a, b) in cuts {
        if b <= cur {
            continue;
        }
        out.push_str(&text[cur..a.max(cur)]);
        out.push_str("[redacted]");
        cur = b;
    }
    out.push_str(&text[cur..]);
    Some(out)
}

/// The byte length of the longest start of `secret` (at least [`MIN_PARTIAL`] characters,
/// shorter than the secret) that `text` ends with.
fn longest_prefix_at_end(text: &str, secret: &str) -> Option<usize> {
    let ends: Vec<usize> = secret
        .char_indices()
        .map(|(i, _)| i)
        .skip(MIN_PARTIAL)
        .collect();
    ends.into_iter()
        .rev()
        .find(|&k| text.ends_with(&secret[..k]))
}

/// The byte length of the longest end of `secret` (at least [`MIN_PARTIAL`] characters,
/// shorter than the secret) that `text` starts with.
fn longest_suffix_at_start(text: &str, secret: &str) -> Option<usize> {
    let n = secret.chars().count();
    secret
        .char_indices()
        .map(|(i, _)| i)
        .skip(1)
        .take(n.saturating_sub(MIN_PARTIAL))
        .find(|&k| text.starts_with(&secret[k..]))
        .map(|k| secret.len() - k)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghp_R8kq2Lm9Vx4Tz7Nw1Bc5Hd0Jf3Gs6Pa2Ye8Ui";

    fn redactor(values: &[&str]) -> Redactor {
        let mut s = Secrets::default();
        for v in values {
            s.insert(v.as_bytes());
        }
        Redactor::new(&s, &[])
    }

    #[test]
    fn only_values_long_enough_to_mask_everywhere_are_kept_trimmed_and_once() {
        let mut s = Secrets::default();
        s.insert(b" abc1234 \n");
        s.insert(b"short");
        assert!(s.is_empty(), "{s:?}");
        assert_eq!(s.len(), 0);
        s.insert(b" abcd1234\n");
        s.insert(b"abcd1234");
        assert_eq!(s.iter().collect::<Vec<_>>(), ["abcd1234"]);
        assert_eq!(s.len(), 1);
        s.insert(b"efgh5678");
        assert_eq!(s.len(), 2);
        assert!(!s.is_empty());
    }

    #[test]
    fn masks_known_secrets_in_every_escaping() {
        fn percent(s: &str) -> String {
            s.replace('%', "%25").replace(':', "%3A")
        }
        let mut set = Secrets::default();
        set.insert(TOKEN.as_bytes());
        set.insert(b"pa\"ss%wo:rd,1");
        let r = Redactor::new(&set, &[percent]);
        let text = format!("a {TOKEN} b pa\\\"ss%wo:rd,1 c pa\"ss%25wo%3Ard,1");
        let out = r.mask(&text);
        assert!(!out.contains("R8kq2"), "{out}");
        assert!(!out.contains("ss%wo") && !out.contains("ss%25wo"), "{out}");
    }

    #[test]
    fn masks_user_info_and_credential_parameters() {
        let r = Redactor::default();
        let text = format!(
            "https://{TOKEN}:x-oauth-basic@github.com/a git+ssh://git@github.com/a/b \
             https://b.s3.amazonaws.com/k?X-Amz-Security-Token=FQoGZXIvYXdzEJr&X-Amz-Signature=abcdef0123&x=1"
        );
        let out = r.mask(&text);
        assert!(!out.contains("R8kq2") && !out.contains("oauth"), "{out}");
        assert!(out.contains("git+ssh://git@github.com/a/b"), "{out}");
        assert!(
            !out.contains("FQoGZXIv") && !out.contains("abcdef0123"),
            "{out}"
        );
        assert!(out.contains("&x=1"), "{out}");
    }

    #[test]
    fn user_info_is_replaced_by_its_redacted_form() {
        let r = Redactor::default();
        assert_eq!(
            r.mask(&format!("see https://{TOKEN}:x-oauth-basic@github.com/a")),
            "see https://ghp_…[55 chars]@github.com/a"
        );
        // Already cut short (a window's edge): nothing of it is shown.
        assert_eq!(
            r.mask("https://ghp_R8kq2Lm9…@github.com/a"),
            "https://…[redacted]@github.com/a"
        );
    }

    #[test]
    fn masks_what_a_cut_left() {
        let r = redactor(&[TOKEN]);
        let text = format!("x = '{}…", &TOKEN[..20]);
        assert_eq!(r.mask(&text), "x = '[redacted]…");
        let text = format!("…{} = x", &TOKEN[15..]);
        assert_eq!(r.mask(&text), "…[redacted] = x");
        // Five characters say too little to mask; the rest of the text is left alone.
        let text = format!("a…{} b", &TOKEN[TOKEN.len() - 5..]);
        assert_eq!(r.mask(&text), text);
    }

    proptest::proptest! {
        /// No secret of the set survives masking, whatever surrounds it.
        #[test]
        fn no_known_secret_survives(
            secret in "[A-Za-z0-9_%:,\"-]{8,40}",
            before in "[ -~]{0,20}",
            after in "[ -~]{0,20}",
        ) {
            let r = redactor(&[&secret]);
            let text = format!("{before}{secret}{after}");
            let out = r.mask(&text);
            proptest::prop_assert!(!out.contains(&secret));
        }
    }
}
