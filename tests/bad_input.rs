//! Exit 2 per subcommand: every command that reads a file ends with exit 2 on one that is
//! missing or not what it should be, prints nothing on stdout, and says on stderr which file
//! and what is wrong with it. Also `rules list --format json`, read back.

mod support;

use predicates::prelude::*;
use support::*;

/// Runs `packguard ARGS` in `s`; asserts exit 2, empty stdout, and that stderr holds every
/// one of `says` (the file, and the problem).
fn exit_2(s: &Scratch, args: &[&str], says: &[&str]) {
    let out = s.cmd().args(args).output().expect("run packguard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{args:?}: stdout on exit 2: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    for needle in says {
        assert!(
            stderr.contains(needle),
            "{args:?}: no {needle:?} in: {stderr}"
        );
    }
}

/// A rule file that is YAML but not a rule: `severity` has no such value.
const BAD_RULES: &str =
    "rules:\n  - id: test/x\n    message: x\n    severity: sometimes\n    pattern: 'x'\n";

/// `packguard COMMAND` on a tarball that is not there, then on one that is not an archive.
fn missing_then_not_an_archive(command: &str) -> Scratch {
    let s = Scratch::new();
    exit_2(
        &s,
        &[command, "missing.tgz"],
        &["missing.tgz", "No such file"],
    );
    s.write("notes.tgz", "just some text, not gzip");
    exit_2(
        &s,
        &[command, "notes.tgz"],
        &["notes.tgz", "neither gzip nor tar"],
    );
    s
}

#[test]
fn ls_on_a_missing_or_unreadable_input_is_exit_2() {
    missing_then_not_an_archive("ls");
}

#[test]
fn rules_list_with_a_bad_rules_file_is_exit_2() {
    let s = Scratch::new();
    s.write("bad.yaml", BAD_RULES);
    exit_2(
        &s,
        &["rules", "list", "--rules", "bad.yaml"],
        &["bad.yaml:4", "sometimes"],
    );
    exit_2(
        &s,
        &["rules", "list", "--rules", "gone.yaml"],
        &["gone.yaml", "No such file"],
    );
}

#[test]
fn rules_test_on_a_missing_or_invalid_file_is_exit_2() {
    let s = Scratch::new();
    exit_2(
        &s,
        &["rules", "test", "gone.yaml"],
        &["gone.yaml", "No such file"],
    );
    s.write("bad.yaml", BAD_RULES);
    exit_2(
        &s,
        &["rules", "test", "bad.yaml"],
        &["bad.yaml:4", "sometimes"],
    );
    s.write("broken.yaml", "rules: [\n");
    exit_2(&s, &["rules", "test", "broken.yaml"], &["broken.yaml"]);
}

#[test]
fn rules_list_as_json_names_each_rule_with_its_severity() {
    let s = Scratch::new();
    let (code, list) = s.run_json(&["rules", "list", "--format", "json"]);
    assert_eq!(code, 0, "{list:#}");
    let rules = list.as_array().expect("a list of rules");
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {list:#}"))
    };
    assert_eq!(rule("secret/github-pat")["severity"], "error");
    assert_eq!(rule("secret/npmrc-auth")["severity"], "error");
    assert_eq!(rule("file/npmrc")["severity"], "warning");
}

#[test]
fn lock_diff_and_workflow_on_bad_input_are_exit_2() {
    let s = missing_then_not_an_archive("lock");
    s.write("new.tgz", package("p", "1.0.0").tgz());
    exit_2(
        &s,
        &["diff", "old.tgz", "new.tgz"],
        &["old.tgz", "No such file"],
    );
    exit_2(
        &s,
        &["diff", "notes.tgz", "new.tgz"],
        &["notes.tgz", "neither gzip nor tar"],
    );
    exit_2(&s, &["workflow", "gone.yml"], &["gone.yml", "No such file"]);
    // A workflow that does not parse is a finding on it, not a failed run.
    s.write("broken.yml", "on: [push\njobs: {\n");
    s.cmd()
        .args(["workflow", "broken.yml"])
        .assert()
        .code(1)
        .stdout(
            predicates::str::contains("broken.yml: the workflow file cannot be parsed")
                .and(predicates::str::contains("[workflow/invalid]")),
        );
}
