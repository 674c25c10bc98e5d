//! Token checksums: the suffix some providers append so a token can be checked offline.
//!
//! GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens are a prefix, 30
//! random base62 characters, then the CRC32 of those 30 characters written in base62
//! (`0-9A-Za-z`) and left-padded with `0` to 6 characters. Documentation and test fixtures
//! rarely bother to compute it, so a token that fails the check is almost surely not a real
//! credential; the engine downgrades it rather than dropping it, because a truncated or
//! mangled real token still deserves a look.

/// A named checksum validator (`checksum: github` in a rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// GitHub's `<prefix>_<30 base62><6 base62 CRC32>` classic token format.
    Github,
    /// npm's `npm_<30 base62><6 base62 CRC32>`, the same scheme.
    Npm,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY: usize = 30;
const SUM: usize = 6;

impl Checksum {
    /// Names accepted in rule files.
    pub const NAMES: &'static [&'static str] = &["github", "npm"];

    pub fn parse(name: &str) -> Option<Checksum> {
        match name {
            "github" => Some(Checksum::Github),
            "npm" => Some(Checksum::Npm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Checksum::Github => "github",
            Checksum::Npm => "npm",
        }
    }

    /// Whether `token` (prefix included, or just the 36 characters after it) carries a
    /// valid checksum.
    pub fn verifies(self, token: &[u8]) -> bool {
        let tail = match token.iter().rposition(|&b| b == b'_') {
            Some(i) => &token[i + 1..],
            None => token,
        };
        if tail.len() != BODY + SUM || !tail.iter().all(u8::is_ascii_alphanumeric) {
            return false;
        }
        let (body, sum) = tail.split_at(BODY);
        encode_crc(crc32fast::hash(body)).as_slice() == sum
    }

    /// Appends a valid checksum to a 30-character base62 body: how tests build tokens that
    /// verify without any real credential.
    pub fn complete(self, prefix: &str, body: &str) -> String {
        let sum = encode_crc(crc32fast::hash(body.as_bytes()));
        format!("{prefix}{body}{}", String::from_utf8_lossy(&sum))
    }
}

fn encode_crc(mut n: u32) -> [u8; SUM] {
    let mut out = [b'0'; SUM];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rules list --format json` shows a rule's checksum by this name, and a rule file
    /// names it the same way: every name reads back as the validator it came from.
    #[test]
    fn every_name_reads_back_as_its_validator() {
        for name in Checksum::NAMES {
            let c = Checksum::parse(name).expect("a listed name parses");
            assert_eq!(c.as_str(), *name);
        }
        assert_eq!(Checksum::parse("crc32"), None);
    }

    #[test]
    fn built_tokens_verify_and_mangled_ones_do_not() {
        let t = Checksum::Github.complete("ghp_", "Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J");
        assert_eq!(t.len(), 40);
        assert!(Checksum::Github.verifies(t.as_bytes()));
        let mut bad = t.clone().into_bytes();
        bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
        assert!(!Checksum::Github.verifies(&bad));
        let n = Checksum::Npm.complete("npm_", "Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J");
        assert!(Checksum::Npm.verifies(n.as_bytes()));
    }

    #[test]
    fn githubs_documentation_example_is_a_fake() {
        // From GitHub's own docs; its suffix is not the CRC of its body.
        assert!(!Checksum::Github.verifies(b"gho_16C7e42F292c6912E7710c838347Ae178B4a"));
        assert!(!Checksum::Github.verifies(b"ghp_short"));
    }

    #[test]
    fn base62_is_padded_to_six() {
        assert_eq!(&encode_crc(0), b"000000");
        assert_eq!(&encode_crc(61), b"00000z");
        assert_eq!(&encode_crc(62), b"000010");
    }
}
