//! The source-exposure verdict, end to end through the command line: whose source a package
//! is (its `license`, or the config's `source:`), which originals in its maps are its own,
//! and the one finding that follows, on packages built in code and on the real
//! `@anthropic-ai/claude-code` 2.1.87 and 2.1.88 tarballs.

mod support;

use support::{of_rule, Scratch, TarBuilder};

/// A CLI package whose `dist/cli.js.map` ships two of its own TypeScript files (31 lines)
/// and one dependency's text, under `license`.
fn cli_package(license: Option<&str>) -> TarBuilder {
    let manifest = match license {
        Some(l) => format!(
            r#"{{"name":"acme-cli","version":"1.0.0","license":"{l}","repository":"github:acme/cli"}}"#
        ),
        None => {
            r#"{"name":"acme-cli","version":"1.0.0","repository":"github:acme/cli"}"#.to_string()
        }
    };
    let own_a = "export function main() {\n".repeat(20);
    let own_b = "export const b = 1;\n".repeat(11);
    let map = serde_json::json!({
        "version": 3,
        "file": "cli.js",
        "sources": [
            "../src/main.ts",
            "../src/commands/b.ts",
            "../node_modules/lodash-es/_listCacheClear.js",
            "webpack/runtime/define property getters"
        ],
        "sourcesContent": [own_a, own_b, "export default function(){}\n", "x\n"],
        "mappings": "AAAA"
    });
    TarBuilder::new()
        .file("package.json", manifest)
        .file("dist/cli.js", "main();\n//# sourceMappingURL=cli.js.map\n")
        .file("dist/cli.js.map", map.to_string())
}

fn sourcemap_findings(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["category"] == "sourcemap")
        .collect()
}

#[test]
fn a_proprietary_package_shipping_its_own_source_fails_with_one_error_naming_it() {
    for license in [
        Some("UNLICENSED"),
        Some("SEE LICENSE IN README.md"),
        Some("LicenseRef-Acme"),
        None,
    ] {
        let s = Scratch::new();
        let (code, report) = s.scan_json(&cli_package(license).tgz(), &[]);
        assert_eq!(code, 1, "license {license:?}: {report:#}");
        let maps = sourcemap_findings(&report);
        assert_eq!(maps.len(), 1, "one finding for the package: {maps:#?}");
        let f = maps[0];
        assert_eq!(f["rule"], "sourcemap/proprietary-source");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["file"], "package/dist/cli.js.map");
        let msg = f["message"].as_str().unwrap();
        assert!(
            msg.contains("2 of its own original files (31 lines"),
            "first-party counts: {msg}"
        );
        assert!(
            msg.contains("src/ (2 files, 31 lines)"),
            "top folder: {msg}"
        );
        assert!(msg.contains("also 2 third-party files"), "{msg}");
        assert_eq!(report["source"]["kind"], "proprietary");
        assert_eq!(report["source"]["from"], "license");
        assert_eq!(report["source"]["first_party"]["files"], 2);
        assert_eq!(report["source"]["first_party"]["lines"], 31);
        assert_eq!(report["source"]["third_party"]["files"], 2);
        assert_eq!(report["source"]["first_party_folders"][0]["folder"], "src/");
        // The map's own row keeps the split too.
        assert_eq!(report["sourcemaps"][0]["first_party"]["files"], 2);
        assert_eq!(report["sourcemaps"][0]["third_party"]["files"], 2);
    }
}

#[test]
fn the_same_package_under_an_open_licence_passes_with_one_note() {
    for license in ["MIT", "(MIT OR Apache-2.0)", "GPL-3.0-or-later"] {
        let s = Scratch::new();
        let (code, report) = s.scan_json(&cli_package(Some(license)).tgz(), &[]);
        assert_eq!(code, 0, "{license}: {report:#}");
        let maps = sourcemap_findings(&report);
        assert_eq!(maps.len(), 1, "{license}: {maps:#?}");
        assert_eq!(maps[0]["rule"], "sourcemap/sources-content");
        assert_eq!(maps[0]["severity"], "info");
        let msg = maps[0]["message"].as_str().unwrap();
        assert!(
            msg.contains("1 map ships the text of 4 original files"),
            "{msg}"
        );
        assert!(msg.contains("(2 first-party, 2 third-party)"), "{msg}");
        assert_eq!(report["source"]["kind"], "open");
    }
}

#[test]
fn the_config_decides_over_the_licence_and_the_report_says_so() {
    let s = Scratch::new();
    s.write("packguard.yml", "source: open\n");
    let (code, report) = s.scan_json(&cli_package(Some("UNLICENSED")).tgz(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["source"]["kind"], "open");
    assert_eq!(report["source"]["from"], "config");
    let reason = report["source"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("`source: open`") && reason.contains("packguard.yml"),
        "{reason}"
    );
    assert_eq!(of_rule(&report, "sourcemap/sources-content").len(), 1);

    let s = Scratch::new();
    s.write("packguard.yml", "source: proprietary\n");
    let (code, report) = s.scan_json(&cli_package(Some("MIT")).tgz(), &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(of_rule(&report, "sourcemap/proprietary-source").len(), 1);

    // And the human summary says which was used and why.
    let s = Scratch::new();
    s.write("packguard.yml", "source: proprietary\n");
    let tgz = s.write("pkg.tgz", cli_package(Some("MIT")).tgz());
    let out = s.cmd().arg("scan").arg(&tgz).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the package's source is proprietary: `source: proprietary` in"),
        "{text}"
    );

    // Every case keeps its switch: the error can be turned into a warning.
    let s = Scratch::new();
    s.write(
        "packguard.yml",
        "severity:\n  sourcemap/proprietary-source: warning\n",
    );
    let (code, report) = s.scan_json(&cli_package(Some("UNLICENSED")).tgz(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        of_rule(&report, "sourcemap/proprietary-source")[0]["severity"],
        "warning"
    );
}

#[test]
fn a_proprietary_package_whose_maps_only_name_its_files_gets_a_warning() {
    let map = r#"{"version":3,"sources":["../src/billing/stripe.ts","../src/auth.ts","../node_modules/x/i.js"],"mappings":"AAAA"}"#;
    let tgz = TarBuilder::new()
        .file(
            "package.json",
            r#"{"name":"a","version":"1.0.0","license":"UNLICENSED"}"#,
        )
        .file("dist/a.js", "x();\n//# sourceMappingURL=a.js.map\n")
        .file("dist/a.js.map", map)
        .tgz();
    let s = Scratch::new();
    let (code, report) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 0, "a warning does not fail by default");
    let maps = sourcemap_findings(&report);
    assert_eq!(maps.len(), 1, "{maps:#?}");
    assert_eq!(maps[0]["rule"], "sourcemap/proprietary-source-paths");
    assert_eq!(maps[0]["severity"], "warning");
    let msg = maps[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("1 map names 2 of its own source files"),
        "{msg}"
    );
    assert!(msg.contains("src/ (2 files)"), "{msg}");
}

/// 60 maps of an open-source package, each with its text: one finding, one SARIF result, and
/// a human report a reader can take in.
#[test]
fn many_maps_give_one_finding_one_sarif_result_and_a_short_human_report() {
    let mut tar = TarBuilder::new().file(
        "package.json",
        r#"{"name":"big","version":"1.0.0","license":"MIT","repository":"github:a/b","types":"index.d.ts"}"#,
    );
    tar = tar.file("index.d.ts", "export {};\n");
    for i in 0..60 {
        let map = format!(
            r#"{{"version":3,"sources":["../src/m{i}.ts"],"sourcesContent":["export const m = {i};\n"],"mappings":"AAAA"}}"#
        );
        tar = tar
            .file(
                &format!("dist/m{i}.js"),
                format!("m();\n//# sourceMappingURL=m{i}.js.map\n"),
            )
            .file(&format!("dist/m{i}.js.map"), map);
    }
    let s = Scratch::new();
    let (code, report) = s.scan_json(&tar.tgz(), &[]);
    assert_eq!(code, 0);
    let maps = sourcemap_findings(&report);
    assert_eq!(maps.len(), 1, "{maps:#?}");
    assert!(maps[0]["message"]
        .as_str()
        .unwrap()
        .contains("60 maps ship the text of 60 original files"));
    assert_eq!(
        report["sourcemaps"].as_array().unwrap().len(),
        60,
        "JSON keeps every map"
    );

    let tgz = s.write("big.tgz", tar.tgz());
    let out = s
        .cmd()
        .args(["scan", "--format", "sarif"])
        .arg(&tgz)
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let about_content = results
        .iter()
        .filter(|r| r["ruleId"] == "sourcemap/sources-content")
        .count();
    assert_eq!(about_content, 1);

    let out = s.cmd().arg("scan").arg(&tgz).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().count() <= 30,
        "{} lines:\n{text}",
        text.lines().count()
    );
    assert!(text.contains("and 55 more maps expose"), "{text}");
}

fn proprietary(version: &str, with_map: bool) -> TarBuilder {
    let mut t = TarBuilder::new()
        .file(
            "package.json",
            format!(r#"{{"name":"acme","version":"{version}","license":"UNLICENSED","repository":"github:a/b"}}"#),
        )
        .file("cli.js", "main();\n".repeat(200));
    if with_map {
        let text = "export const secretSauce = 1;\n".repeat(400);
        t = t.file(
            "cli.js.map",
            serde_json::json!({"version":3,"sources":["src/main.ts"],"sourcesContent":[text],"mappings":"AAAA"}).to_string(),
        );
    }
    t
}

#[test]
fn diff_fails_the_release_where_a_proprietary_map_appears_and_says_the_size_doubled() {
    let s = Scratch::new();
    let old = s.write("old.tgz", proprietary("1.0.0", false).tgz());
    let new = s.write("new.tgz", proprietary("1.0.1", true).tgz());
    let (code, report) = s.run_json(&[
        "diff".as_ref(),
        old.as_os_str(),
        new.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 1, "{report:#}");
    let leak = of_rule(&report, "diff/proprietary-source");
    assert_eq!(leak.len(), 1, "{report:#}");
    assert_eq!(leak[0]["file"], "package/cli.js.map");
    assert!(
        of_rule(&report, "diff/new-sourcemap").is_empty(),
        "raised instead of it"
    );
    let grew = of_rule(&report, "diff/size-doubled");
    assert_eq!(grew.len(), 1, "{report:#}");
    assert_eq!(grew[0]["severity"], "warning");
    let msg = grew[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("`package/cli.js.map`") && msg.contains("new"),
        "{msg}"
    );

    // Between two releases that both ship no map, neither fires.
    let again = s.write("again.tgz", proprietary("1.0.2", false).tgz());
    let (code, report) = s.run_json(&[
        "diff".as_ref(),
        old.as_os_str(),
        again.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 0, "{report:#}");
    assert!(of_rule(&report, "diff/size-doubled").is_empty());
}

#[test]
#[ignore = "needs real npm tarballs in $PACKGUARD_CORPUS (scripts/test.sh fetches them)"]
fn real_claude_code_2_1_88_fails_by_default_and_its_diff_from_2_1_87_fails() {
    let leak = support::real_tarball("anthropic-ai-claude-code-2.1.88.tgz");
    let before = support::real_tarball("anthropic-ai-claude-code-2.1.87.tgz");
    let s = Scratch::new();
    let (code, report) = s.run_json(&[
        "scan".as_ref(),
        leak.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 1);
    let f = of_rule(&report, "sourcemap/proprietary-source");
    assert_eq!(f.len(), 1, "{:#?}", report["findings"]);
    let msg = f[0]["message"].as_str().unwrap();
    assert!(msg.contains("1,902 of its own original files"), "{msg}");
    assert!(msg.contains("src/ (1,902 files"), "{msg}");
    assert!(msg.contains("SEE LICENSE IN README.md"), "{msg}");
    assert_eq!(f[0]["file"], "package/cli.js.map");

    let (code, report) = s.run_json(&[
        "diff".as_ref(),
        before.as_os_str(),
        leak.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(of_rule(&report, "diff/proprietary-source").len(), 1);
    assert_eq!(of_rule(&report, "diff/size-doubled").len(), 1);
}
