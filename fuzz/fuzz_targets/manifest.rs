//! Arbitrary bytes as package.json: the manifest checks must never panic.
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
    let tar = TarBuilder::new()
        .file("package.json", data)
        .file("index.js", "x")
        .tar();
    let options = Options {
        expect_repo: Some("acme/widget".into()),
        ..Options::default()
    };
    let _ = packguard::scan::scan_reader("fuzz.tar", tar.as_slice(), rules(), &Config::default(), &options);
});
