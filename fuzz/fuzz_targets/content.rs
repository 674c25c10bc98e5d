//! Arbitrary bytes as one file's content under several names: the content scanner (prefilter,
//! regexes, positions, excerpts, redaction) must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use packguard::artifact::builder::TarBuilder;
use packguard::{Config, Options};
use std::sync::OnceLock;

fn rules() -> &'static packguard::RuleSet {
    static RULES: OnceLock<packguard::RuleSet> = OnceLock::new();
    RULES.get_or_init(|| packguard::rules::builtin::rules(&packguard::checks::names()).expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let tgz = TarBuilder::new()
        .file("dist/index.js", data)
        .file(".env", data)
        .file("dist/index.js.map", data)
        .tar();
    let _ = packguard::scan::scan_reader("fuzz.tar", tgz.as_slice(), rules(), &Config::default(), &Options::default());
});
