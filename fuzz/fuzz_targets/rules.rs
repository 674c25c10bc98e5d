//! Arbitrary text as a rule file and as a config file: loading must give rules or a
//! diagnostic, never a panic (spans included: they must stay inside the text).
#![no_main]
use libfuzzer_sys::fuzz_target;
use packguard::rules::load::add_from_source;
use packguard::source::Source;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let src = Source::new("fuzz.yaml", text);
    let mut set = packguard::RuleSet::new(&packguard::checks::names());
    if let Err(e) = add_from_source(&mut set, &src) {
        if let Some(span) = e.span {
            assert!(span.offset() + span.len() <= text.len());
        }
    }
    let mut set = packguard::RuleSet::new(&packguard::checks::names());
    if let Err(e) = packguard::config::apply(&src, std::path::Path::new("/nonexistent"), &mut set) {
        if let Some(span) = e.span {
            assert!(span.offset() + span.len() <= text.len());
        }
    }
});
