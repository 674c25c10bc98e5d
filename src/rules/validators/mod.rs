//! The named validators a rule's `validate:` section can ask for: part of the rule language,
//! so the loader can check them and the scanner can apply them.
//!
//! - `entropy`: Shannon bits per byte, so `aaaa…` and `xxxx…` never pass a rule that asks
//!   for a random-looking value.
//! - `checksum`: the CRC32 suffix GitHub and npm put in their tokens; a token whose suffix
//!   does not verify was not issued by them (a fake, an example, a truncated paste).
//! - `placeholder`: the documentation and template values (`YOUR_API_KEY`, `xxxx`,
//!   `${{ secrets.X }}`, `process.env.X`, `…EXAMPLE`) that look like secrets and are not.

pub mod checksum;
pub mod entropy;
pub mod placeholder;

pub use checksum::Checksum;
