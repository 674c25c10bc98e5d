//! Judging secrets: what makes a regex match a credential, and where credentials hide.
//!
//! `judge` applies a rule's validators (`rules::validators`: entropy, checksum, placeholder,
//! allow lists) to one match; the engine calls it and nothing else. `decode`: views of a
//! file with JS/JSON escapes, percent-encoding and base64 undone, each mapping its offsets
//! back to the original bytes.

pub mod decode;

use crate::finding::Severity;
use crate::rules::validators::{entropy, placeholder};
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
