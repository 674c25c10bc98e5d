//! `packguard workflow`: release workflows, with findings at their line.

mod support;

use predicates::prelude::*;
use support::Scratch;

fn run_json(s: &Scratch, path: &str) -> (i32, serde_json::Value) {
    let out = s
        .cmd()
        .args(["workflow", path, "--format", "json"])
        .output()
        .expect("run packguard");
    let r = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), r)
}

fn rules_at(r: &serde_json::Value) -> Vec<(String, u64)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn the_documented_release_workflow_passes_every_check() {
    let readme = include_str!("../docs/checks.md");
    let start = readme
        .find("<!-- release-workflow:start -->")
        .expect("start marker");
    let end = readme
        .find("<!-- release-workflow:end -->")
        .expect("end marker");
    let block = &readme[start..end];
    let yaml = block
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a yaml block between the markers");
    let s = Scratch::new();
    s.write(".github/workflows/release.yml", yaml);
    let (code, r) = run_json(&s, ".github/workflows");
    assert_eq!(code, 0);
    assert_eq!(r["findings"].as_array().unwrap().len(), 0, "{r:#}");
    assert_eq!(r["artifact"]["files"], 1);
}

#[test]
fn a_leaky_release_workflow_is_reported_line_by_line() {
    let s = Scratch::new();
    s.write(
        "release.yml",
        r#"name: release
on:
  pull_request_target:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: echo "${{ github.event.pull_request.title }}"
      - run: npm publish --provenance
        env:
          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}
"#,
    );
    let (code, r) = run_json(&s, "release.yml");
    assert_eq!(code, 1);
    let got = rules_at(&r);
    for (rule, line) in [
        ("workflow/untrusted-trigger", 3),
        ("workflow/untrusted-input", 13),
        ("workflow/long-lived-token", 16),
        ("workflow/missing-id-token", 14),
        ("workflow/no-scan-before-publish", 14),
    ] {
        assert!(
            got.contains(&(rule.to_string(), line)),
            "{rule} at line {line}: {got:?}"
        );
    }
    // A long-lived token is not trusted publishing, so old npm does not matter here.
    assert!(!got.iter().any(|(r, _)| r == "workflow/old-npm"), "{got:?}");
    assert_eq!(r["findings"][0]["file"], "release.yml");
}

#[test]
fn trusted_publishing_pitfalls() {
    let s = Scratch::new();
    s.write(
        "wf/release.yml",
        r#"on: {push: {tags: ['v*']}}
permissions:
  contents: read
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with: {node-version: 22}
      - run: npx packguard scan $(npm pack --silent)
      - run: pnpm publish --no-git-checks
        env:
          NODE_AUTH_TOKEN: ""
"#,
    );
    s.write(
        "wf/ci.yml",
        "on: push\njobs:\n  test:\n    runs-on: x\n    steps:\n      - run: npm test\n",
    );
    let (code, r) = run_json(&s, "wf");
    assert_eq!(code, 1);
    let got = rules_at(&r);
    assert!(
        got.contains(&("workflow/empty-node-auth-token".into(), 13)),
        "{got:?}"
    );
    assert!(
        got.contains(&("workflow/missing-id-token".into(), 11)),
        "{got:?}"
    );
    assert!(got.contains(&("workflow/old-npm".into(), 9)), "{got:?}");
    assert!(!got
        .iter()
        .any(|(r, _)| r == "workflow/no-scan-before-publish"));
    // ci.yml does not publish: nothing to say about it.
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["file"] == "wf/release.yml"));
    assert_eq!(r["artifact"]["files"], 2);
}

#[test]
fn a_broken_workflow_is_a_finding_and_a_missing_folder_exits_2() {
    let s = Scratch::new();
    s.write("bad.yml", "on: push\njobs: [\n");
    let (code, r) = run_json(&s, "bad.yml");
    assert_eq!(code, 1);
    assert_eq!(r["findings"][0]["rule"], "workflow/invalid");
    s.cmd()
        .args(["workflow", "nowhere"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("nowhere"));
}

/// A workflow that packguard has nothing to say about.
const CLEAN: &str = "name: ci\non: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

#[test]
fn a_repository_root_means_its_workflows_and_its_config_is_never_one() {
    let s = Scratch::new();
    s.write(".packguard.yml", "fail_on: warning\n");
    s.write("packguard.lock.yml", "files: []\n");
    s.write(".github/workflows/ci.yml", CLEAN);
    let (code, r) = run_json(&s, ".");
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["artifact"]["files"], 1, "{r:#}");
    assert!(r["artifact"]["path"]
        .as_str()
        .unwrap()
        .ends_with(".github/workflows"));
    // A folder holding workflows and a config: the config is left out.
    s.write("flows/ci.yml", CLEAN);
    s.write("flows/.packguard.yaml", "");
    let (code, r) = run_json(&s, "flows");
    assert_eq!(
        (code, r["artifact"]["files"].as_u64()),
        (0, Some(1)),
        "{r:#}"
    );
}

#[test]
fn with_no_path_the_work_trees_workflows_are_found_from_a_package_folder() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path().join(".git")).unwrap();
    s.write(".github/workflows/ci.yml", CLEAN);
    s.write("packages/cli/package.json", "{}");
    let out = s
        .cmd()
        .current_dir(s.path().join("packages/cli"))
        .args(["workflow", "--format", "json"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(r["artifact"]["files"], 1, "{r:#}");
}

#[test]
fn no_workflow_files_is_exit_2_naming_where_it_looked() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path().join(".git")).unwrap();
    s.write(".packguard.yml", "");
    // No PATH: the work tree's .github/workflows, which is not there.
    s.cmd()
        .args(["workflow"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(".github/workflows"));
    // A folder holding YAML but no workflow (the config is not one).
    s.cmd()
        .args(["workflow", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no workflow files (.yml or .yaml) in .",
        ));
    std::fs::create_dir_all(s.path().join(".github/workflows")).unwrap();
    s.cmd()
        .args(["workflow"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no workflow files"))
        .stderr(predicate::str::contains(".github/workflows"));
}
