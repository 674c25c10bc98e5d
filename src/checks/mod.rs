//! Checks that judge what a rule's regex matched, beyond the regex itself.
//!
//! A rule's YAML names them (`entropy`, `checksum`, `allow`, `placeholders`, `decode`); the
//! code lives here so the scan engine stays a loop over rules and the rules stay data.
//! Nothing here reads files, prints or exits: every function takes bytes and returns a
//! verdict or a decoded view.

pub mod secrets;
