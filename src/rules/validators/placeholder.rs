//! Values that stand in for a secret: documentation examples, template variables,
//! redaction marks and references to where the real secret lives.
//!
//! They are matched on the secret itself (not the line around it), case-insensitively.
//! Every marker here is at least four characters that a random token contains with
//! negligible probability (below one in a million for a 40-character base62 token).

use memchr::memmem;

/// Substrings that make a value a placeholder.
const MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "your_",
    "your-",
    "yourtoken",
    "yourkey",
    "yoursecret",
    "placeholder",
    "dummy",
    "sample",
    "changeme",
    "change_me",
    "redacted",
    "insert",
    "replace",
    "${",
    "{{",
    "}}",
    "<%",
    "process.env",
    "import.meta.env",
    "env.",
    "secrets.",
    "****",
    "....",
    "····",
    "____",
    "----",
    "0000000000",
    "1234567890",
    "abcdefghij",
    "notreal",
    "not_real",
    "not-a-",
    "fake",
];

/// Whether `secret` is a placeholder rather than a credential.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    if MARKERS
        .iter()
        .any(|m| memmem::find(&lower, m.as_bytes()).is_some())
    {
        return true;
    }
    // `<token>`, `[API_KEY]`, `%TOKEN%`: the whole value is a named hole.
    let wrapped =
        |open: u8, close: u8| secret.first() == Some(&open) && secret.last() == Some(&close);
    if wrapped(b'<', b'>') || wrapped(b'[', b']') || wrapped(b'%', b'%') || wrapped(b'$', b'$') {
        return true;
    }
    // A run of eight identical characters: `aaaaaaaa`, `00000000`.
    secret.windows(8).any(|w| w.iter().all(|&b| b == w[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wrapping_alone_is_a_hole_and_half_of_one_is_not() {
        // Mutation testing (CONTRIBUTING.md): each `||`/`&&` in the wrapping test matters.
        for hole in ["<token>", "[API_KEY]", "%TOKEN%", "$SECRET$"] {
            assert!(is_placeholder(hole.as_bytes()), "{hole}");
        }
        for value in ["<rK8vQ2xZw", "rK8vQ2xZw>", "[rK8vQ2xZw", "%rK8vQ2xZw"] {
            assert!(!is_placeholder(value.as_bytes()), "{value}");
        }
        // Eight identical characters, none of them a marker.
        assert!(is_placeholder(b"k9QQQQQQQQm2"));
    }

    #[test]
    fn placeholders_and_real_looking_values() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "YOUR_API_KEY",
            "<token>",
            "${{ secrets.NPM_TOKEN }}",
            "process.env.NPM_TOKEN",
            "sk_live_****************",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for real in [
            "ghp_Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J2kQw9",
            "AKIAQ3EGQ7WZJ5XK2N4M",
        ] {
            assert!(!is_placeholder(real.as_bytes()), "{real}");
        }
    }
}
