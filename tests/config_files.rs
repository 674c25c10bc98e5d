//! Files a config may name stay inside its project, and an error never quotes a file that
//! is not the YAML being parsed (issue 18). The config next to a downloaded tarball is the
//! tarball author's text, not the user's.

mod support;

use support::*;

const MARKER: &str = "PACKGUARD_TEST_ENV_MARKER_9f2c1e";

/// Runs `scan pkg.tgz` with `config` as `.packguard.yml` beside it; returns (code, stderr).
fn scan_with_config(s: &Scratch, config: &str) -> (Option<i32>, String) {
    s.write("pkg.tgz", package("a", "1.0.0").tgz());
    s.write(".packguard.yml", config);
    let out = s
        .cmd()
        .args(["scan", "pkg.tgz"])
        .env("NPM_TOKEN", MARKER)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_config_cannot_name_files_outside_its_project() {
    let outside = Scratch::new();
    let secret_yml = outside.write("rules.yml", format!("# {MARKER}\nrules: [\n"));
    for config in [
        "rule_files: [/proc/self/environ]\n".to_string(),
        "lock: /proc/self/environ\n".to_string(),
        format!("rule_files: [{}]\n", secret_yml.display()),
        "rule_files: [../rules.yml]\n".to_string(),
        "rule_files: [notes.txt]\n".to_string(),
    ] {
        let s = Scratch::new();
        s.write("notes.txt", format!("NPM_TOKEN={MARKER}\n"));
        let (code, err) = scan_with_config(&s, &config);
        assert_eq!(code, Some(2), "{config}: {err}");
        assert!(!err.contains(MARKER), "{config}: {err}");
        assert!(err.contains("cannot use"), "{config}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_config_cannot_reach_out_through_a_link() {
    let s = Scratch::new();
    std::os::unix::fs::symlink("/proc/self/environ", s.path().join("env.yml")).unwrap();
    let (code, err) = scan_with_config(&s, "rule_files: [env.yml]\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains(MARKER), "{err}");
}

#[test]
fn files_inside_the_project_and_on_the_command_line_still_work() {
    let s = Scratch::new();
    s.write(
        "rules/extra.yml",
        "rules:\n  - id: custom/x\n    category: custom\n    severity: info\n    message: m\n    paths: [index.js]\n",
    );
    let (code, err) = scan_with_config(&s, "rule_files: [rules/extra.yml]\n");
    assert_eq!(code, Some(0), "{err}");
    // The command line may name any file: the user chose it.
    let other = Scratch::new();
    let rules = other.write("r.yml", "rules: []\n");
    s.write(".packguard.yml", "");
    s.cmd()
        .args(["scan", "pkg.tgz", "--rules"])
        .arg(&rules)
        .assert()
        .code(0);
}

#[test]
fn a_config_may_name_a_folder_of_rule_files_inside_the_project() {
    let s = Scratch::new();
    s.write(
        "policies/extra.yml",
        "rules:\n  - id: custom/x\n    category: custom\n    severity: error\n    message: m\n    paths: [index.js]\n",
    );
    let (code, err) = scan_with_config(&s, "rule_files: [./policies]\n");
    assert_eq!(code, Some(1), "the folder's rule ran: {err}");
}
