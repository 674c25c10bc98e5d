//! A config that silences everything is a warning, so the run does not say a plain "ok"
//! (issue 18).

mod support;

use support::*;

#[test]
fn a_config_that_silences_everything_is_a_warning_on_the_config() {
    let tgz = package("a", "1.0.0").file(".env", "TOKEN=1\n").tgz();
    for (config, line) in [
        ("disable: [\"*\"]\n", 1),
        ("fail_on: error\nignore:\n  - \"**\"\n", 3),
        ("severity:\n  \"*\": off\n", 2),
        (
            "ignore:\n  - {paths: [\"**/*\", \"*\"], rules: [\"*\"]}\n",
            2,
        ),
    ] {
        let s = Scratch::new();
        s.write("packguard.yml", config);
        let (code, r) = s.scan_json(&tgz, &[]);
        assert_eq!(code, 0, "a warning does not fail the run: {r:#}");
        let hits = of_rule(&r, "suppression/everything-silenced");
        assert_eq!(hits.len(), 1, "{config}: {r:#}");
        assert_eq!(hits[0]["severity"], "warning");
        assert_eq!(hits[0]["line"], line, "{config}");
        assert!(hits[0]["file"].as_str().unwrap().ends_with("packguard.yml"));

        let out = s
            .cmd()
            .arg("scan")
            .arg(s.path().join("pkg.tgz"))
            .output()
            .unwrap();
        let human = String::from_utf8_lossy(&out.stdout);
        assert!(human.contains("1 warning"), "{human}");
    }
}

#[test]
fn narrower_configs_and_naming_the_rule_are_not_everything() {
    let tgz = package("a", "1.0.0").tgz();
    for config in [
        "disable: [file/*]\n",
        "ignore:\n  - fixtures/**\n  - {paths: [\"**\"], rules: [file/env]}\n",
        "disable: [\"*\", suppression/everything-silenced]\n",
    ] {
        let s = Scratch::new();
        s.write("packguard.yml", config);
        let (_, r) = s.scan_json(&tgz, &[]);
        assert!(
            of_rule(&r, "suppression/everything-silenced").is_empty(),
            "{config}: {r:#}"
        );
    }
}
