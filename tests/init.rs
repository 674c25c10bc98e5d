//! `packguard init`: the files it writes work, and it never overwrites without --force.

mod support;

use predicates::prelude::*;
use support::{package, Scratch};

#[test]
fn init_writes_a_working_config_and_release_workflow() {
    let s = Scratch::new();
    s.cmd()
        .args(["init", "--workflow"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains(".packguard.yml").and(predicate::str::contains("release.yml")),
        );
    // The workflow passes packguard's own workflow checks.
    s.cmd().args(["workflow"]).assert().code(0);
    // The config is found and valid: a scan next to it runs.
    s.write("p.tgz", package("p", "1.0.0").tgz());
    s.cmd().args(["scan", "p.tgz"]).assert().code(0);
    // The workflow is the example in docs/checks.md.
    let readme = include_str!("../docs/checks.md");
    let written = std::fs::read_to_string(s.path().join(".github/workflows/release.yml")).unwrap();
    let example = readme
        .split("<!-- release-workflow:start -->\n```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    assert!(
        written.ends_with(example),
        "src/init/release.yml and the docs/checks.md example differ"
    );
}

#[test]
fn init_never_overwrites_without_force() {
    let s = Scratch::new();
    s.write(".packguard.yml", "fail_on: warning\n");
    s.cmd()
        .args(["init", "--workflow"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("already exists").and(predicate::str::contains("--force")),
        );
    assert_eq!(
        std::fs::read_to_string(s.path().join(".packguard.yml")).unwrap(),
        "fail_on: warning\n"
    );
    // Nothing half-done: the workflow was not written either.
    assert!(!s.path().join(".github").exists());
    s.cmd().args(["init", "--force"]).assert().code(0);
    assert!(std::fs::read_to_string(s.path().join(".packguard.yml"))
        .unwrap()
        .contains("packguard configuration"));
}
