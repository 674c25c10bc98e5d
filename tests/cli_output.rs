//! What a user sees on the terminal and in a CI log: the human report's line width, the
//! short flags and `--quiet`, and the error a run ends with (exit code 2).

mod support;

use packguard::artifact::builder::TarBuilder;
use support::Scratch;

/// A rule id and a path longer than a narrow terminal, after a message long enough to wrap.
const RULE_ID: &str = "test/a-rule-id-long-enough-to-cross-a-narrow-terminal";
const PATH: &str = "lib/a-very-long-folder-name/another-long-folder-name/some-file-name.js";
const MESSAGE: &str = "this message is long enough that a narrow terminal wraps it";

fn rules() -> String {
    format!(
        r#"
rules:
  - id: {RULE_ID}
    category: file
    severity: error
    message: {MESSAGE}
    pattern: 'needle'
    examples:
      fail: [{{path: a.js, content: "needle"}}]
      pass: [{{path: a.js, content: "hay"}}]
  - id: test/hay
    category: file
    severity: warning
    message: hay in the file
    pattern: 'hay'
    examples:
      fail: [{{path: a.js, content: "hay"}}]
      pass: [{{path: a.js, content: "needle"}}]
"#
    )
}

/// A scratch folder with `rules.yaml` and `pkg.tgz`: a needle (error) and hay (warning).
fn scratch() -> Scratch {
    let s = Scratch::new();
    s.write("rules.yaml", rules());
    s.write(
        "pkg.tgz",
        TarBuilder::new()
            .file(PATH, "const a = 'needle';\n")
            .file("b.js", "hay\n")
            .tgz(),
    );
    s
}

/// `packguard scan pkg.tgz` with only the test rules, plus `args`; (exit code, stdout).
fn scan(s: &Scratch, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = s.cmd();
    cmd.args([
        "scan",
        "pkg.tgz",
        "--no-config",
        "--no-builtin-rules",
        "--rules",
        "rules.yaml",
    ])
    .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run packguard");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8(out.stdout).expect("UTF-8"),
    )
}

fn line_with<'a>(text: &'a str, what: &str) -> Option<&'a str> {
    text.lines().find(|l| l.contains(what))
}

#[test]
fn piped_human_output_never_wraps_even_with_columns_set() {
    let s = scratch();
    let (code, out) = scan(&s, &[], &[("COLUMNS", "40")]);
    assert_eq!(code, 1, "{out}");
    // grep finds the rule id and the path whole, and the message is on the same line.
    let line = line_with(&out, &format!("[{RULE_ID}]")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains(MESSAGE), "{line}");
    assert!(out.contains(&format!("package/{PATH}")), "{out}");
}

#[test]
fn a_narrow_terminal_wraps_between_words_but_never_inside_an_id_or_a_path() {
    let rules = {
        let mut set = packguard::RuleSet::default();
        let src = packguard::source::Source::new("rules.yaml", rules());
        packguard::rules::load::add_from_source(&mut set, &src).expect("rules load");
        set
    };
    let tgz = TarBuilder::new().file(PATH, "const a = 'needle';\n").tgz();
    let report = packguard::scan::scan_reader(
        "pkg.tgz",
        tgz.as_slice(),
        &rules,
        &packguard::Config::default(),
        &packguard::Options::default(),
    )
    .expect("scans");
    let out = support::render(
        packguard::render::Format::Human,
        std::slice::from_ref(&report),
        packguard::FailOn::Severity(packguard::finding::Severity::Error),
        40,
    );
    // 40 columns wrap the message...
    assert!(line_with(&out, MESSAGE).is_none(), "{out}");
    // ...but the id and the path stay whole, each on one line.
    assert!(line_with(&out, RULE_ID).is_some(), "{out}");
    assert!(
        line_with(&out, &format!("package/{PATH}")).is_some(),
        "{out}"
    );
}

#[test]
fn short_flags_are_the_long_ones() {
    let s = scratch();
    // -f: the format.
    let (_, out) = scan(&s, &["-f", "json"], &[]);
    let json: serde_json::Value = serde_json::from_str(&out).expect("-f json prints JSON");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(2));
    // -o: a report file; the human report on stdout.
    let (_, out) = scan(&s, &["-f", "sarif", "-o", "out.sarif"], &[]);
    assert!(out.contains(&format!("[{RULE_ID}]")), "{out}");
    let sarif = std::fs::read_to_string(s.path().join("out.sarif")).expect("-o wrote the file");
    assert!(sarif.contains("\"version\": \"2.1.0\""));
    // -c: the config (`fail_on: never` turns exit 1 into 0).
    s.write("ci.yml", "fail_on: never\n");
    let mut cmd = s.cmd();
    cmd.args([
        "scan",
        "pkg.tgz",
        "--no-builtin-rules",
        "--rules",
        "rules.yaml",
        "-c",
        "ci.yml",
    ]);
    assert_eq!(cmd.output().expect("runs").status.code(), Some(0));
}

#[test]
fn quiet_shows_only_errors_and_the_summary() {
    let s = scratch();
    let (code, loud) = scan(&s, &[], &[]);
    assert_eq!(code, 1);
    assert!(loud.contains("[test/hay]"), "{loud}");
    for flag in ["-q", "--quiet"] {
        let (code, out) = scan(&s, &[flag], &[]);
        assert_eq!(code, 1, "{flag}: the verdict does not change");
        assert!(out.contains(&format!("[{RULE_ID}]")), "{flag}: {out}");
        assert!(!out.contains("test/hay"), "{flag}: {out}");
        assert!(
            out.lines()
                .last()
                .is_some_and(|l| l.starts_with("FAIL: 1 error, 1 warning, 0 infos in ")),
            "{flag}: {out}"
        );
    }
    // Machine formats are complete by contract: --quiet leaves them alone.
    let (_, json) = scan(&s, &["-q", "-f", "jsonl"], &[]);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(2));
}

/// Exit code 2 and its stderr.
fn error_of(s: &Scratch, args: &[&str]) -> String {
    let out = s.cmd().args(args).output().expect("run packguard");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        !stderr.contains("packguard::"),
        "an internal code: {stderr}"
    );
    stderr
}

#[test]
fn errors_name_the_file_and_say_their_cause_once_without_internal_codes() {
    let s = scratch();
    s.write("packguard.yml", "fail_on: sometimes\n");
    let e = error_of(&s, &["scan", "pkg.tgz", "--config", "packguard.yml"]);
    assert!(e.contains("packguard.yml"), "{e}");
    assert_eq!(e.matches("unknown `fail_on` value").count(), 1, "{e}");

    let e = error_of(&s, &["scan", "pkg.tgz", "--config", "missing.yml"]);
    assert!(e.contains("missing.yml"), "{e}");
    assert_eq!(e.matches("No such file or directory").count(), 1, "{e}");

    // A rule file without a field: serde gives no position, so no snippet names the file.
    s.write("bad.yaml", "rules:\n  - id: x/y\n    pattern: 'x'\n");
    let e = error_of(
        &s,
        &["scan", "pkg.tgz", "--no-config", "--rules", "bad.yaml"],
    );
    assert!(e.contains("bad.yaml"), "{e}");
    assert_eq!(e.matches("missing field `message`").count(), 1, "{e}");

    let e = error_of(&s, &["scan", "gone.tgz", "--no-config"]);
    assert!(e.contains("gone.tgz"), "{e}");
    assert_eq!(e.matches("No such file or directory").count(), 1, "{e}");

    s.write("junk.tgz", "not a tarball");
    let e = error_of(&s, &["scan", "junk.tgz", "--no-config"]);
    assert!(e.contains("junk.tgz is not an npm tarball"), "{e}");
}
