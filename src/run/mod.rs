//! Use cases: what a command does, as library calls. Each one drives the scanner and the
//! checks and returns reports; the CLI only parses arguments and renders what comes back.

pub mod listing;
pub mod lock;
pub mod selftest;
pub mod suppressions;
