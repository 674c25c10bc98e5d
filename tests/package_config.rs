//! Which config a scan uses (issue 20): every accepted name is found, two in one folder is
//! an error naming both, the human summary names the config in use, `--project` takes a
//! tarball's config and lock from its package folder, and `--workspaces` gives each package
//! its own config.

mod support;

use support::*;

/// Turns the warning `file/log` into an error, so the verdict shows the config was read.
const RAISE_LOG: &str = "severity:\n  file/log: error\n";

fn logged_package() -> TarBuilder {
    package("a", "1.0.0").file("debug.log", "npm ERR! something\n")
}

#[test]
fn every_accepted_config_name_is_found_and_named_in_the_summary() {
    for name in [
        "packguard.yml",
        ".packguard.yml",
        "packguard.yaml",
        ".packguard.yaml",
    ] {
        let s = Scratch::new();
        s.write("pkg.tgz", logged_package().tgz());
        let out = s.cmd().args(["scan", "pkg.tgz"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "no config yet: file/log warns");
        s.write(name, RAISE_LOG);
        let out = s.cmd().args(["scan", "pkg.tgz"]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{name}: {stdout}");
        let summary = stdout.lines().last().unwrap_or_default();
        assert!(summary.contains(", config "), "{name}: {summary}");
        assert!(
            summary.ends_with(&format!("/{name}")) || summary.ends_with(&format!(" {name}")),
            "{name}: {summary}"
        );
    }
}

#[test]
fn two_configs_in_one_folder_is_an_error_naming_both() {
    let s = Scratch::new();
    s.write("pkg.tgz", logged_package().tgz());
    s.write("packguard.yml", RAISE_LOG);
    s.write(".packguard.yaml", "");
    let out = s.cmd().args(["scan", "pkg.tgz"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("packguard.yml"), "{stderr}");
    assert!(stderr.contains(".packguard.yaml"), "{stderr}");
    // Naming one on the command line settles it.
    let out = s
        .cmd()
        .args(["scan", "pkg.tgz", "--config", "packguard.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn the_project_folder_gives_a_tarball_its_config_and_lock() {
    let s = Scratch::new();
    s.write("out/a-1.0.0.tgz", logged_package().tgz());
    s.write("pkg/packguard.yaml", RAISE_LOG);
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "out/a-1.0.0.tgz"];
        args.extend_from_slice(extra);
        s.cmd().args(&args).output().unwrap().status.code()
    };
    assert_eq!(scan(&[]), Some(0), "no config next to the tarball");
    assert_eq!(
        scan(&["--project", "pkg"]),
        Some(1),
        "pkg's config raises file/log"
    );
    // The project's lock: it lists no debug.log, so the packed tarball breaks it.
    std::fs::remove_file(s.path().join("pkg/packguard.yaml")).unwrap();
    s.write("clean.tgz", package("a", "1.0.0").tgz());
    s.cmd()
        .args(["lock", "clean.tgz", "--lock", "pkg/packguard.lock.yml"])
        .assert()
        .success();
    let (code, r) = s.run_json(&[
        "scan",
        "out/a-1.0.0.tgz",
        "--project",
        "pkg",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{r:#}");
    assert!(
        has(&r, "lock/unexpected-file", "package/debug.log"),
        "{r:#}"
    );
    assert_eq!(scan(&["--project", "pkg", "--no-lock"]), Some(0));
    // A project that is not there is an error, not a scan without its config and lock.
    assert_eq!(scan(&["--project", "pgk"]), Some(2));
}

#[test]
fn each_workspace_package_uses_its_own_config_else_the_roots() {
    let s = Scratch::new();
    s.write(
        "package.json",
        r#"{"name":"root","private":true,"workspaces":["packages/*"]}"#,
    );
    // The root's config makes the log a note; package a's own config makes it an error.
    s.write(".packguard.yml", "severity:\n  file/log: info\n");
    for p in ["a", "b"] {
        s.write(
            &format!("packages/{p}/package.json"),
            format!(r#"{{"name":"{p}","version":"1.0.0","repository":"github:example/{p}"}}"#),
        );
        s.write(&format!("packages/{p}/debug.log"), "compiled\n");
    }
    s.write("packages/a/packguard.yml", RAISE_LOG);
    let workspaces = [
        "scan",
        ".",
        "--workspaces",
        "--pack",
        "builtin",
        "--format",
        "json",
    ];
    let (code, reports) = s.run_json(&workspaces);
    assert_eq!(reports[0]["artifact"]["name"], "a", "{reports:#}");
    assert_eq!(
        log_severity(&reports, 0).as_deref(),
        Some("error"),
        "{reports:#}"
    );
    assert_eq!(
        log_severity(&reports, 1).as_deref(),
        Some("info"),
        "{reports:#}"
    );
    assert_eq!(code, 1);
    // --config names one config for every package.
    let (code, reports) = s.run_json(&[&workspaces[..], &["--config", ".packguard.yml"]].concat());
    assert_eq!(
        (code, log_severity(&reports, 0).as_deref()),
        (0, Some("info")),
        "{reports:#}"
    );
}

/// The severity of the `file/log` finding in the `i`th report.
fn log_severity(reports: &serde_json::Value, i: usize) -> Option<String> {
    of_rule(&reports[i], "file/log")
        .first()
        .map(|f| f["severity"].as_str().unwrap_or_default().to_string())
}
