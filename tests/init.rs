//! `packguard init`: the files it writes work; it writes what is missing and keeps what
//! exists (saying so) unless --force; workflows go to the repository's root.

mod support;

use predicates::prelude::*;
use support::{package, Scratch};

#[test]
fn init_writes_a_working_config_and_release_workflow() {
    let s = Scratch::new();
    s.write("package-lock.json", "{}");
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
fn init_keeps_what_exists_says_so_and_writes_what_is_missing() {
    let s = Scratch::new();
    s.write("packguard.yaml", "fail_on: warning\n");
    s.cmd()
        .args(["init", "--workflow"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("kept ./packguard.yaml").and(predicate::str::contains(
                "wrote ./.github/workflows/release.yml",
            )),
        );
    // The config under another accepted name was noticed: no second one.
    assert!(!s.path().join(".packguard.yml").exists());
    assert_eq!(
        std::fs::read_to_string(s.path().join("packguard.yaml")).unwrap(),
        "fail_on: warning\n"
    );
    // `init` then `init --workflow`: the second adds the workflow only.
    let t = Scratch::new();
    t.cmd().args(["init"]).assert().code(0);
    t.cmd()
        .args(["init", "--workflow"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("kept ./.packguard.yml"));
    assert!(t.path().join(".github/workflows/release.yml").is_file());
    // --force replaces the existing config in place.
    s.cmd().args(["init", "--force"]).assert().code(0);
    assert!(std::fs::read_to_string(s.path().join("packguard.yaml"))
        .unwrap()
        .contains("packguard configuration"));
    assert!(!s.path().join(".packguard.yml").exists());
}

#[test]
fn init_writes_the_workflow_at_the_repository_root_for_a_package_folder() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path().join(".git")).unwrap();
    s.write(
        "packages/cli/package.json",
        r#"{"name":"cli","version":"1.0.0"}"#,
    );
    s.cmd()
        .args(["init", "--workflow", "packages/cli"])
        .assert()
        .code(0);
    assert!(s.path().join("packages/cli/.packguard.yml").is_file());
    assert!(!s.path().join("packages/cli/.github").exists());
    let workflow = std::fs::read_to_string(s.path().join(".github/workflows/release.yml")).unwrap();
    assert!(
        workflow.contains("working-directory: \"packages/cli\""),
        "{workflow}"
    );
    // No lockfile: `npm ci` would fail, so the workflow installs.
    assert!(workflow.contains("- run: npm install"), "{workflow}");
    assert!(!workflow.contains("npm ci"), "{workflow}");
    // The tarball scan uses the package folder's config and lock.
    assert!(workflow.contains("--project ."), "{workflow}");
    // It passes packguard's own checks, found from the package folder.
    s.cmd()
        .current_dir(s.path().join("packages/cli"))
        .args(["workflow"])
        .assert()
        .code(0);
    // A lockfile at the workspace root: `npm ci`.
    s.write("package-lock.json", "{}");
    s.cmd()
        .args(["init", "--workflow", "--force", "packages/cli"])
        .assert()
        .code(0);
    let workflow = std::fs::read_to_string(s.path().join(".github/workflows/release.yml")).unwrap();
    assert!(workflow.contains("- run: npm ci"), "{workflow}");
}
