//! Recall: every built-in secret rule finds its planted, correctly formatted synthetic
//! secret in every context of the recall corpus (a megabyte minified line, JSON, YAML, a
//! shell heredoc, a source map's sourcesContent, an inline base64 source map,
//! percent-encoded URLs, a .env file), at the rule's own severity.

#[path = "support/recall.rs"]
mod recall;

use std::collections::BTreeMap;

use packguard::artifact::builder::TarBuilder;
use packguard::rules::builtin;
use packguard::{Config, Options};

#[test]
fn every_planted_secret_is_found_in_every_context() {
    let rules = builtin::rules(&packguard::checks::names()).expect("built-in rules load");
    let files = recall::corpus(&rules);
    let plants = recall::plants(&rules);
    let secret_rules = rules
        .rules
        .iter()
        .filter(|r| r.category == "secret")
        .count();
    assert_eq!(plants.len(), secret_rules, "every secret rule has a plant");
    assert!(secret_rules >= 60, "at least 60 secret formats");

    let mut b = TarBuilder::new();
    for f in &files {
        b = b.file(&f.path, &f.content);
    }
    let report = packguard::scan::scan_reader(
        "recall.tgz",
        b.tgz().as_slice(),
        &rules,
        &Config::default(),
        &Options::default(),
    )
    .expect("the corpus scans");

    let mut missed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut checked = 0;
    for f in &files {
        let path = format!("package/{}", f.path);
        for p in &f.plants {
            checked += 1;
            let rule = rules.get(&p.rule).expect("plant of a known rule");
            let found = report
                .findings
                .iter()
                .any(|x| x.file == path && x.rule == p.rule && x.severity == rule.severity);
            if !found {
                missed.entry(f.context).or_default().push(&p.rule);
            }
        }
    }
    assert!(missed.is_empty(), "missed (context -> rules): {missed:#?}");
    assert!(checked >= secret_rules * 7, "{checked} plants checked");
}

#[test]
fn decoded_findings_say_how_and_point_at_the_encoded_text() {
    let rules = builtin::rules(&packguard::checks::names()).expect("built-in rules load");
    let files = recall::corpus(&rules);
    let inline = files
        .iter()
        .find(|f| f.context == "inline-sourcemap-base64")
        .expect("inline map file");
    let report = packguard::scan::scan_reader(
        "inline.tgz",
        TarBuilder::new()
            .file(&inline.path, &inline.content)
            .tgz()
            .as_slice(),
        &rules,
        &Config::default(),
        &Options::default(),
    )
    .expect("scans");
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "secret/github-pat")
        .expect("the GitHub token in the inline map is found");
    assert_eq!(f.decoded.as_deref(), Some("base64"));
    // The data URL is on line 2 of the generated file, and the source-map check names the
    // original source the token sits in, inside the decoded map.
    assert_eq!(f.line, Some(2));
    assert!(f.column.is_some());
    assert!(f.original.is_some(), "{f:?}");
    assert!(f.message.contains("found after decoding: base64"));
}
