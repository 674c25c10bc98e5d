//! Arbitrary bytes as a source map file, and as an inline `data:` map in a script: the
//! source-map check (reference parsing, data-URL decoding, JSON, index maps, mapping back)
//! must never panic.
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
    let text = String::from_utf8_lossy(data);
    let inline = format!("var a=1;\n//# sourceMappingURL=data:application/json;base64,{text}\n");
    let tar = TarBuilder::new()
        .file("package.json", r#"{"name":"f","version":"1.0.0"}"#)
        .file("dist/a.js", "var a=1;\n//# sourceMappingURL=a.js.map\n")
        .file("dist/a.js.map", data)
        .file("dist/b.js", inline)
        .tar();
    let _ = packguard::scan::scan_reader("fuzz.tar", tar.as_slice(), rules(), &Config::default(), &Options::default());
});
