//! Rules (built-in and user), config, exit codes, and the human and JSON reports.

mod support;

use predicates::prelude::*;
use support::*;

const TEAM_RULES: &str = r#"rules:
  - id: team/internal-host
    message: internal hostname in shipped code
    severity: warning
    category: policy
    paths: ["*.js"]
    pattern: 'https?://[a-z0-9.-]+\.corp\.internal\b'
    keywords: [corp.internal]
    examples:
      fail:
        - {path: a.js, content: "fetch('https://api.corp.internal/v1')"}
      pass:
        - {path: a.js, content: "fetch('https://api.example.com')"}
  - id: team/api-token
    message: team API token
    severity: error
    category: secret
    placeholders: false # test values are deliberately simple
    pattern: 'TEAMTOKEN_(?P<secret>[A-Za-z0-9]{24})'
    keywords: [TEAMTOKEN_]
    examples:
      fail:
        - {path: a.js, content: "t='TEAMTOKEN_abcdefghijklmnopqrstuvwx'"}
      pass:
        - {path: a.js, content: "t='TEAMTOKEN_short'"}
"#;

fn leaky() -> TarBuilder {
    let minified = format!(
        "{}var t=\"TEAMTOKEN_abcdefghijklmnopqrstuvwx\";{}",
        "var a=1;".repeat(250_000),
        "var b=2;".repeat(1000)
    );
    package("leaky", "0.1.0")
        .file(".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")
        .file("npm-debug.log", "0 info it worked if it ends with ok\n")
        .file("dist/app.min.js", minified)
        .file(
            "lib/client.js",
            "const base = 'https://api.corp.internal/v2';\nmodule.exports = base;\n",
        )
}

#[test]
fn user_rules_fire_with_positions_on_a_two_megabyte_line() {
    let s = Scratch::new();
    s.write("team.yaml", TEAM_RULES);
    let (code, r) = s.scan_json(&leaky().tgz(), &["--rules", "team.yaml"]);
    assert_eq!(code, 1);
    let token = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "team/api-token")
        .expect("token found");
    assert_eq!(token["file"], "package/dist/app.min.js");
    assert_eq!(token["category"], "secret");
    assert_eq!(token["line"], 1);
    // `var t="` is 7 characters before the token.
    assert_eq!(token["column"], 2_000_008);
    let host = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "team/internal-host")
        .expect("host found");
    assert_eq!(
        (host["line"].as_u64(), host["column"].as_u64()),
        (Some(1), Some(15))
    );
    assert_eq!(host["category"], "policy");
}

#[test]
fn secrets_are_redacted_unless_asked() {
    let s = Scratch::new();
    s.write("team.yaml", TEAM_RULES);
    let tgz = leaky().tgz();
    let (_, r) = s.scan_json(&tgz, &["--rules", "team.yaml"]);
    let text = r.to_string();
    assert!(
        !text.contains("abcdefghijklmnopqrstuvwx"),
        "JSON leaks the secret"
    );
    assert!(text.contains("TEAMTOKEN_abcd…[24 chars]"), "{text}");
    let f = s.write("pkg.tgz", &tgz);
    s.cmd()
        .arg("scan")
        .arg(&f)
        .args(["--rules", "team.yaml"])
        .assert()
        .stdout(predicate::str::contains("abcdefghijklmnopqrstuvwx").not());
    let (_, r) = s.scan_json(&tgz, &["--rules", "team.yaml", "--show-secrets"]);
    assert!(r.to_string().contains("abcdefghijklmnopqrstuvwx"));
}

#[test]
fn fail_on_decides_the_exit_code() {
    let s = Scratch::new();
    // Only a warning (a log file) and an info (editor litter).
    let tgz = package("p", "1.0.0")
        .file("debug.log", "x")
        .file(".DS_Store", "x")
        .tgz();
    for (fail_on, code) in [("error", 0), ("warning", 1), ("info", 1), ("never", 0)] {
        let (got, _) = s.scan_json(&tgz, &["--fail-on", fail_on]);
        assert_eq!(got, code, "--fail-on {fail_on}");
    }
    let litter = package("p", "1.0.0").file(".DS_Store", "x").tgz();
    assert_eq!(s.scan_json(&litter, &["--fail-on", "warning"]).0, 0);
    assert_eq!(s.scan_json(&litter, &["--fail-on", "info"]).0, 1);
    let env = package("p", "1.0.0").file(".env", "x").tgz();
    assert_eq!(s.scan_json(&env, &["--fail-on", "never"]).0, 0);
    assert_eq!(s.scan_json(&env, &[]).0, 1);
    // A bad value on a tarball that exists: exit 2 because of the value, which stderr names.
    s.write("x.tgz", &env);
    s.cmd()
        .args(["scan", "x.tgz", "--fail-on", "sometimes"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("sometimes").and(predicate::str::contains("--fail-on")));
}

#[test]
fn content_rules_skip_binary_files_but_read_invalid_utf8() {
    let s = Scratch::new();
    s.write("team.yaml", TEAM_RULES);
    let mut latin1 = b"// caf\xe9 \xff\xfe\n".to_vec();
    latin1.extend_from_slice(b"fetch('https://x.corp.internal/')\n");
    let mut binary = vec![0u8, 1, 2, 3];
    binary.extend_from_slice(b"https://x.corp.internal/");
    let tgz = package("p", "1.0.0")
        .file("lib/latin1.js", latin1)
        .file("lib/blob.js", binary)
        .tgz();
    let (_, r) = s.scan_json(&tgz, &["--rules", "team.yaml"]);
    assert!(
        has(&r, "team/internal-host", "package/lib/latin1.js"),
        "{r:#}"
    );
    assert!(
        !has(&r, "team/internal-host", "package/lib/blob.js"),
        "{r:#}"
    );
}

#[test]
fn rule_folders_load_every_yaml_file() {
    let s = Scratch::new();
    s.write("policies/team.yaml", TEAM_RULES);
    s.write(
        "policies/more.yml",
        "rules:\n  - id: team/no-todo\n    message: TODO shipped\n    severity: info\n    pattern: TODO\n",
    );
    s.write("policies/notes.txt", "ignored");
    let tgz = package("p", "1.0.0").file("a.js", "// TODO\n").tgz();
    let (_, r) = s.scan_json(&tgz, &["--rules", "policies"]);
    assert!(has(&r, "team/no-todo", "package/a.js"));
}

#[test]
fn invalid_rules_exit_2_pointing_at_line_and_column() {
    let s = Scratch::new();
    let tgz = s.write("p.tgz", package("p", "1.0.0").tgz());
    let cases = [
        (
            "rules:\n  - id: x\n    message: m\n    severity: error\n    pattern: 'a(b'\n",
            "bad.yaml:5:14",
            "unclosed group",
        ),
        (
            "rules:\n  - id: x\n    message: m\n    severity: error\n    paths: ['a[']\n",
            "bad.yaml:5:13",
            "invalid glob",
        ),
        (
            "rules:\n  - id: x\n    message: m\n    severity: error\n    pattern: a\n    patern: b\n",
            "bad.yaml:6:5",
            "patern",
        ),
        (
            "rules:\n  - id: x\n    message: m\n    severity: critical\n    pattern: a\n",
            "bad.yaml:4:15",
            "unknown severity",
        ),
        (
            "rules:\n  - id: file/npmrc\n    message: m\n    severity: error\n    pattern: a\n",
            "bad.yaml:2:9",
            "duplicate rule id",
        ),
        ("rules: [\n", "bad.yaml", "invalid YAML"),
    ];
    for (yaml, at, what) in cases {
        s.write("bad.yaml", yaml);
        s.cmd()
            .arg("scan")
            .arg(&tgz)
            .args(["--rules", "bad.yaml"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(at).and(predicate::str::contains(what)));
    }
}

#[test]
fn config_next_to_the_tarball_changes_rules_and_ignores_paths() {
    let s = Scratch::new();
    s.write(
        "release/packguard.yml",
        "severity:\n  file/npmrc: warning\n  file/log: 'off'\nignore:\n  - test/fixtures/**\n",
    );
    let tgz = package("p", "1.0.0")
        .file(".npmrc", "x")
        .file("debug.log", "x")
        .file("test/fixtures/.env", "A=1")
        .tgz();
    let f = s.write("release/p.tgz", tgz);
    let out = s
        .cmd()
        .arg("scan")
        .arg(&f)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        findings(&r),
        vec![(
            "file/npmrc".into(),
            "package/.npmrc".into(),
            "warning".into()
        )]
    );
    // --no-config restores the defaults.
    s.cmd()
        .arg("scan")
        .arg(&f)
        .arg("--no-config")
        .assert()
        .code(1);
}

#[test]
fn config_errors_exit_2_at_their_position() {
    let s = Scratch::new();
    let tgz = s.write("p.tgz", package("p", "1.0.0").tgz());
    s.write("packguard.yml", "severity:\n  file/nprmc: warning\n");
    s.cmd()
        .arg("scan")
        .arg(&tgz)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("packguard.yml:2:3")
                .and(predicate::str::contains("file/nprmc")),
        );
    s.write("other.yml", "fail_on: sometimes\n");
    s.cmd()
        .arg("scan")
        .arg(&tgz)
        .args(["--config", "other.yml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("other.yml:1:10"));
}

#[test]
fn config_can_add_rules_inline_and_set_fail_on() {
    let s = Scratch::new();
    s.write(
        ".packguard.yml",
        "fail_on: info\nrules:\n  - id: team/no-todo\n    message: TODO shipped\n    severity: info\n    pattern: TODO\n",
    );
    let tgz = s.write("p.tgz", package("p", "1.0.0").file("a.js", "// TODO").tgz());
    s.cmd()
        .arg("scan")
        .arg(&tgz)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("team/no-todo"));
    s.cmd()
        .arg("scan")
        .arg(&tgz)
        .args(["--fail-on", "error"])
        .assert()
        .code(0);
}

#[test]
fn rules_list_and_rules_test() {
    let s = Scratch::new();
    s.cmd().args(["rules", "list"]).assert().code(0).stdout(
        predicate::str::contains("file/npmrc").and(predicate::str::contains("file/symlink")),
    );
    s.cmd()
        .args(["rules", "test"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(" 0 failed"));
    s.write("team.yaml", TEAM_RULES);
    s.cmd()
        .args(["rules", "test", "team.yaml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("4 passed, 0 failed"));
    // A pass example that fires, and a rule with no examples, both fail.
    s.write(
        "broken.yaml",
        "rules:\n  - id: t/a\n    message: m\n    severity: info\n    pattern: foo\n    examples:\n      fail: [{path: a.js, content: foo}]\n      pass: [{path: a.js, content: food}]\n  - id: t/b\n    message: m\n    severity: info\n    pattern: bar\n",
    );
    s.cmd()
        .args(["rules", "test", "broken.yaml"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("FAIL t/a (broken.yaml:8)")
                .and(predicate::str::contains("`pass` example fired"))
                .and(predicate::str::contains("FAIL t/b"))
                .and(predicate::str::contains("needs at least one")),
        );
}

#[test]
fn hostile_file_names_cannot_drive_the_terminal() {
    let s = Scratch::new();
    let tgz = package("p", "1.0.0")
        .raw_file(b"package/\x1b[2J\x1b]0;owned\x07.env", "A=1")
        .tgz();
    let f = s.write("p.tgz", tgz);
    let out = s.cmd().arg("scan").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stdout.contains(&0x1b), "an escape byte reached stdout");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("file/control-character-name"), "{stdout}");
}

fn stable(text: &str) -> String {
    let re = regex::Regex::new(r"in \d+ ms").unwrap();
    re.replace_all(text, "in [time] ms").into_owned()
}

#[test]
fn human_report_snapshot() {
    let s = Scratch::new();
    s.write("team.yaml", TEAM_RULES);
    s.write("pkg.tgz", leaky().tgz());
    let out = s
        .cmd()
        .args(["scan", "pkg.tgz", "--rules", "team.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stable(&String::from_utf8_lossy(&out.stdout)));
}

#[test]
fn json_report_snapshot() {
    let s = Scratch::new();
    s.write("team.yaml", TEAM_RULES);
    s.write("pkg.tgz", leaky().tgz());
    let out = s
        .cmd()
        .args([
            "scan",
            "pkg.tgz",
            "--rules",
            "team.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    insta::assert_json_snapshot!(r, {".summary.duration_ms" => "[ms]", ".tool.version" => "[version]"});
}

#[test]
fn several_tarballs_give_an_array_and_one_bad_input_fails_the_run() {
    let s = Scratch::new();
    s.write("a.tgz", package("a", "1.0.0").tgz());
    s.write("b.tgz", package("b", "2.0.0").file(".env", "x").tgz());
    let out = s
        .cmd()
        .args(["scan", "a.tgz", "b.tgz", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r.as_array().map(Vec::len), Some(2));
    assert_eq!(r[1]["artifact"]["name"], "b");
    s.write("bad.tgz", "nope");
    s.cmd()
        .args(["scan", "a.tgz", "bad.tgz"])
        .assert()
        .code(2)
        .stdout("");
}

/// `.npmrc` is judged wherever it is in the package, not only at its root: a nested one with
/// a literal registry token is `secret/npmrc-auth`, an error, through `packguard scan`.
#[test]
fn an_npmrc_below_the_package_root_with_a_token_is_an_error() {
    let s = Scratch::new();
    let tgz = package("p", "1.0.0")
        .file(
            "config/.npmrc",
            "//registry.npmjs.org/:_authToken=npm_Q7vLm2Rx9Tz4Kw8Bn3Yc6Hd1Fg5Js0Ae7WxP\n",
        )
        .tgz();
    let (code, r) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 1, "{r:#}");
    let hits = of_rule(&r, "secret/npmrc-auth");
    assert_eq!(hits.len(), 1, "{r:#}");
    assert_eq!(hits[0]["file"], "package/config/.npmrc", "{r:#}");
    assert_eq!(hits[0]["severity"], "error", "{r:#}");
}
