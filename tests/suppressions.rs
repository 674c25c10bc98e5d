//! Suppressions that suppress nothing any more (an inline `packguard-ignore`, a config
//! `ignore:` entry, a baseline entry) are reported as warnings where they are written, and the
//! ones still in use stay quiet. Tarballs are built in code with `TarBuilder`.

mod support;

use support::{findings, Scratch, TarBuilder};

/// An AWS key id the built-in `secret/aws-access-key-id` rule reports.
const KEY: &str = "AKIAQK2C7C54QGP7JYT3";
const MANIFEST: &str = r#"{"name":"demo","version":"1.0.0","repository":"github:o/demo"}"#;

fn package(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = TarBuilder::new().file("package.json", MANIFEST);
    for (path, content) in files {
        b = b.file(path, content);
    }
    b.tgz()
}

/// The findings of `rule` as (file, line, column).
fn of_rule(report: &serde_json::Value, rule: &str) -> Vec<(String, u64, u64)> {
    support::of_rule(report, rule)
        .into_iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn an_inline_ignore_that_silences_nothing_is_reported_at_its_place() {
    let s = Scratch::new();
    let code = format!(
        "const a = 1;\nconst b = 2; // packguard-ignore\n// packguard-ignore secret/aws-access-key-id\nconst key = \"{KEY}\";\n// packguard-ignore secret/github-pat\nconst region = 'eu';\n"
    );
    let (exit, report) = s.scan_json(&package(&[("dist/index.js", &code)]), &[]);
    assert_eq!(
        of_rule(&report, "suppression/unused-inline-ignore"),
        [
            ("package/dist/index.js".to_string(), 2, 17),
            ("package/dist/index.js".to_string(), 5, 4),
        ]
    );
    // The marker in use silenced the key, and stays quiet itself.
    assert!(of_rule(&report, "secret/aws-access-key-id").is_empty());
    assert_eq!(exit, 0, "unused suppressions are warnings");
}

#[test]
fn an_inline_ignore_in_use_is_not_reported() {
    let s = Scratch::new();
    let code = format!("const key = \"{KEY}\"; // packguard-ignore: secret/*\n");
    let (_, report) = s.scan_json(&package(&[("dist/index.js", &code)]), &[]);
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(
        !rules
            .iter()
            .any(|r| r.starts_with("suppression/") || r.starts_with("secret/")),
        "{rules:?}"
    );
}

#[test]
fn a_config_ignore_that_covers_no_file_is_reported_at_its_line_in_the_config() {
    let s = Scratch::new();
    s.write(
        "packguard.yml",
        "# team policy\nignore:\n  - fixtures/**\n  - {paths: ['test/**'], rules: ['secret/*']}\n  - {paths: ['dist/**'], rules: [file/log]}\n",
    );
    let tgz = package(&[
        ("test/keys.js", &format!("k = \"{KEY}\"")),
        ("dist/index.js", "1"),
    ]);
    let (_, report) = s.scan_json(&tgz, &["--config", "packguard.yml"]);
    // `fixtures/**` covers nothing; `dist/**` covers files, but none that `file/log` looks
    // at (it only looks at *.log); `test/**` kept the secret rules from test/keys.js.
    assert_eq!(
        of_rule(&report, "suppression/unused-config-ignore"),
        [
            ("packguard.yml".to_string(), 3, 5),
            ("packguard.yml".to_string(), 5, 5),
        ]
    );
    assert!(of_rule(&report, "secret/aws-access-key-id").is_empty());
}

#[test]
fn a_config_ignore_is_judged_over_every_package_of_the_run() {
    let s = Scratch::new();
    s.write("packguard.yml", "ignore:\n  - fixtures/**\n");
    let a = s.write("a.tgz", package(&[("fixtures/x.js", "1")]));
    let b = s.write("b.tgz", package(&[("index.js", "1")]));
    let out = s
        .cmd()
        .args(["scan", "--format", "json", "--config", "packguard.yml"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("suppression/unused-config-ignore"), "{text}");
    let out = s
        .cmd()
        .args(["scan", "--format", "json", "--config", "packguard.yml"])
        .arg(&b)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("suppression/unused-config-ignore"), "{text}");
}

#[test]
fn a_baseline_entry_whose_finding_is_gone_is_reported_and_one_in_use_is_not() {
    let s = Scratch::new();
    let with_key = package(&[
        ("dist/a.js", &format!("k = \"{KEY}\"")),
        (
            "dist/b.js",
            "k = \"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\"",
        ),
    ]);
    let (code, _) = s.scan_json(&with_key, &["--write-baseline", "baseline.json"]);
    assert_eq!(code, 0);
    let (code, report) = s.scan_json(&with_key, &["--baseline", "baseline.json"]);
    assert_eq!(code, 0);
    assert!(
        of_rule(&report, "suppression/unused-baseline-entry").is_empty(),
        "{report}"
    );
    // The key in b.js was removed: its entry now matches nothing.
    let fixed = package(&[("dist/a.js", &format!("k = \"{KEY}\"")), ("dist/b.js", "1")]);
    let (code, report) = s.scan_json(&fixed, &["--baseline", "baseline.json"]);
    assert_eq!(code, 0);
    let unused = of_rule(&report, "suppression/unused-baseline-entry");
    assert_eq!(unused.len(), 1, "{report}");
    assert_eq!(unused[0].0, "baseline.json");
    let text = std::fs::read_to_string(s.path().join("baseline.json")).unwrap();
    let line = text.lines().nth(unused[0].1 as usize - 1).unwrap();
    assert!(line.contains("\"fingerprint\""), "{line}");
    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "suppression/unused-baseline-entry")
        .unwrap()["message"]
        .clone();
    assert!(
        message.as_str().unwrap().contains("package/dist/b.js"),
        "{message}"
    );
}

#[test]
fn a_partial_rule_set_judges_no_suppression() {
    let s = Scratch::new();
    s.write("packguard.yml", "ignore:\n  - fixtures/**\n");
    s.write(
        "team.yaml",
        "rules:\n  - id: team/todo\n    message: todo\n    severity: info\n    pattern: TODO\n    examples:\n      fail: [{path: a.js, content: TODO}]\n      pass: [{path: a.js, content: done}]\n",
    );
    let tgz = package(&[("dist/index.js", "x = 1 // packguard-ignore")]);
    let (_, report) = s.scan_json(
        &tgz,
        &[
            "--no-builtin-rules",
            "--rules",
            "team.yaml",
            "--config",
            "packguard.yml",
        ],
    );
    assert!(findings(&report).is_empty(), "{report}");
}

#[test]
fn unused_suppressions_can_be_turned_off_or_made_errors_in_the_config() {
    let s = Scratch::new();
    let tgz = package(&[("dist/index.js", "x = 1 // packguard-ignore")]);
    s.write(
        "packguard.yml",
        "severity:\n  suppression/unused-inline-ignore: error\n",
    );
    let (code, _) = s.scan_json(&tgz, &["--config", "packguard.yml"]);
    assert_eq!(code, 1);
    s.write("packguard.yml", "disable: [suppression/*]\n");
    let (code, report) = s.scan_json(&tgz, &["--config", "packguard.yml"]);
    assert_eq!(code, 0);
    assert!(of_rule(&report, "suppression/unused-inline-ignore").is_empty());
}

/// One run with every kind of unused suppression and a lock finding, in each format.
fn formats_fixture(s: &Scratch) -> std::path::PathBuf {
    s.write("packguard.yml", "ignore:\n  - fixtures/**\n");
    s.write(
        "packguard.lock.yml",
        "files:\n  - package.json\n  - dist/index.js\n",
    );
    s.write(
        "baseline.json",
        "{\n  \"version\": 1,\n  \"findings\": [\n    {\n      \"fingerprint\": \"00000000000000000000000000000000\",\n      \"rule\": \"secret/github-pat\",\n      \"file\": \"package/dist/old.js\"\n    }\n  ]\n}\n",
    );
    s.write(
        "pkg.tgz",
        package(&[
            (
                "dist/index.js",
                "const a = 1;\nconst b = 2; // packguard-ignore\n",
            ),
            ("dist/extra.js", "2"),
        ]),
    )
}

fn format_output(format: &str) -> String {
    let s = Scratch::new();
    formats_fixture(&s);
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let out = s
        .cmd()
        .args([
            "scan",
            "pkg.tgz",
            "--no-builtin-rules",
            "--rules",
            &format!("{rules}/suppression.yaml"),
            "--rules",
            &format!("{rules}/lock.yaml"),
            "--rules",
            &format!("{rules}/secrets.yaml"),
            "--config",
            "packguard.yml",
            "--lock",
            "packguard.lock.yml",
            "--baseline",
            "baseline.json",
            "--format",
            format,
        ])
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let text = regex::Regex::new(r#"in \d+ ms"#)
        .unwrap()
        .replace_all(&text, "in [duration]");
    let text = regex::Regex::new(r#""duration_ms": ?\d+"#)
        .unwrap()
        .replace_all(&text, r#""duration_ms": 0"#);
    text.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[tool version]\"",
    )
}

#[test]
fn unused_suppressions_and_lock_findings_in_human_output() {
    insta::assert_snapshot!("suppressions_human", format_output("human"));
}

#[test]
fn unused_suppressions_and_lock_findings_in_github_output() {
    insta::assert_snapshot!("suppressions_github", format_output("github"));
}

#[test]
fn unused_suppressions_and_lock_findings_in_json_output() {
    insta::assert_snapshot!("suppressions_json", format_output("json"));
}

#[test]
fn unused_suppressions_and_lock_findings_in_sarif_output() {
    let out = format_output("sarif");
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            format!(
                "{} {} {}:{}",
                r["level"].as_str().unwrap_or_default(),
                r["ruleId"].as_str().unwrap_or_default(),
                loc["artifactLocation"]["uri"].as_str().unwrap_or("-"),
                loc["region"]["startLine"]
            )
        })
        .collect();
    insta::assert_snapshot!("suppressions_sarif_results", results.join("\n"));
}
