//! Arbitrary text as a GitHub Actions workflow: the workflow checks must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use packguard::scan::Engine;
use packguard::{Config, Options};
use std::sync::OnceLock;

fn rules() -> &'static packguard::RuleSet {
    static RULES: OnceLock<packguard::RuleSet> = OnceLock::new();
    RULES.get_or_init(|| packguard::rules::builtin::rules(&packguard::checks::names()).expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let config = Config::default();
    let options = Options::default();
    let engine = Engine::new(rules(), &config, &options);
    let _ = engine.scan_workflows("fuzz", &[("release.yml".to_string(), text.to_string())]);
});
