//! Secret validators and decoders: what makes a regex match a credential, and where
//! credentials hide.
//!
//! - `entropy`: Shannon bits per byte, so `aaaa…` and `xxxx…` never pass a rule that asks
//!   for a random-looking value.
//! - `checksum`: the CRC32 suffix GitHub and npm put in their tokens; a token whose suffix
//!   does not verify was not issued by them (a fake, an example, a truncated paste).
//! - `placeholder`: the documentation and template values (`YOUR_API_KEY`, `xxxx`,
//!   `${{ secrets.X }}`, `process.env.X`, `…EXAMPLE`) that look like secrets and are not.
//! - `decode`: views of a file with JS/JSON escapes, percent-encoding and base64 undone,
//!   each mapping its offsets back to the original bytes.
//!
//! `judge` combines the first three for one match; the engine calls it and nothing else.

pub mod checksum;
pub mod decode;
pub mod entropy;
pub mod placeholder;

pub use checksum::Checksum;

use crate::finding::Severity;
use crate::rules::Rule;

/// What happens to one regex match of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Not a secret (a placeholder, too little entropy, an allowed value).
    Drop,
    /// Report it, at this severity, with this note appended to the message.
    Keep(Severity, Option<&'static str>),
}

/// The severity a checksum-bearing token gets when its checksum does not verify: it cannot
/// have been issued by the provider, so it is shown but never fails a default run.
pub const FAKE_SEVERITY: Severity = Severity::Info;

/// Judges one match of `rule` whose secret (the `secret` group, or the whole match) is
/// `secret`; `whole` is the match with the start of its line before it, `near` the lines
/// around it.
pub fn judge(rule: &Rule, secret: &[u8], whole: &[u8], near: &[u8]) -> Verdict {
    let v = &rule.validate;
    if v.allow_match.iter().any(|re| re.is_match(whole)) {
        return Verdict::Drop;
    }
    if v.allow_near.iter().any(|re| re.is_match(near)) {
        return Verdict::Drop;
    }
    if v.placeholders && placeholder::is_placeholder(secret) {
        return Verdict::Drop;
    }
    if v.allow.iter().any(|re| re.is_match(secret)) {
        return Verdict::Drop;
    }
    if let Some(min) = v.entropy {
        if entropy::shannon(secret) < min {
            return Verdict::Drop;
        }
    }
    if let Some(sum) = v.checksum {
        if !sum.verifies(secret) {
            return Verdict::Keep(
                FAKE_SEVERITY.min(rule.severity),
                Some("checksum does not verify: probably a fake or an example"),
            );
        }
    }
    Verdict::Keep(rule.severity, None)
}
