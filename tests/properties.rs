//! Invariants over the whole pipeline, with random inputs.

mod support;

use packguard::artifact::builder::TarBuilder;
use packguard::render::Format;
use packguard::rules::load::add_from_source;
use packguard::source::Source;
use packguard::{Config, FailOn, Options, RuleSet};
use proptest::prelude::*;

const RULE: &str = r#"rules:
  - id: t/token
    message: token
    severity: error
    category: secret
    placeholders: false # test values are deliberately simple
    pattern: 'tok_(?P<secret>[A-Za-z0-9+/=_-]{8,64})'
    keywords: [tok_]
"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the secret and wherever it sits (start, middle of a long line, several
    /// lines), neither the JSON nor the human report contains it whole.
    #[test]
    fn no_report_reveals_a_secret(
        secret in "[A-Za-z0-9+/=_-]{8,64}",
        before in "[ -~\n]{0,300}",
        after in "[ -~\n]{0,300}",
        repeat in 0usize..3,
    ) {
        let mut rules = RuleSet::default();
        add_from_source(&mut rules, &Source::new("t.yaml", RULE)).unwrap();
        // Keep the secret delimited, so the match is exactly the planted value.
        let content = format!("{}{before} tok_{secret} {after}", "x=1;".repeat(repeat * 5000));
        let tgz = TarBuilder::new().file("package.json", "{}").file("a.js", &content).tgz();
        let report = packguard::scan::scan_reader("t.tgz", tgz.as_slice(), &rules, &Config::default(), &Options::default()).unwrap();
        prop_assert!(report.findings.iter().any(|f| f.rule == "t/token"));
        let reports = [report];
        let out_json = support::render(Format::Json, &reports, FailOn::Never, 120);
        let out_human = support::render(Format::Human, &reports, FailOn::Never, 120);
        prop_assert!(!out_json.contains(&secret), "JSON reveals {secret}");
        prop_assert!(!out_human.contains(&secret), "human output reveals {secret}");
    }
}
