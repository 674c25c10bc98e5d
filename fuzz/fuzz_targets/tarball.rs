//! Arbitrary bytes as a tarball (gzip or not): intake and every built-in rule must end in a
//! report or an error, never a panic, with memory bounded by the limits.
#![no_main]
use libfuzzer_sys::fuzz_target;
use packguard::artifact::Limits;
use packguard::{Config, Options};
use std::sync::OnceLock;

fn rules() -> &'static packguard::RuleSet {
    static RULES: OnceLock<packguard::RuleSet> = OnceLock::new();
    RULES.get_or_init(|| packguard::rules::builtin::rules(&packguard::checks::names()).expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let options = Options {
        limits: Limits {
            max_file_size: 1 << 20,
            max_total_size: 8 << 20,
            max_entries: 10_000,
        },
        ..Options::default()
    };
    let _ = packguard::scan::scan_reader("fuzz.tgz", data, rules(), &Config::default(), &options);
});
