//! Secret detection as a user sees it: checksums, placeholders and other look-alikes,
//! decoding, inline suppression, baselines and redaction in every output.

mod support;

use assert_cmd::Command;
use base64::Engine as _;
use packguard::artifact::builder::TarBuilder;
use packguard::render::Format;
use packguard::rules::builtin;
use packguard::rules::validators::Checksum;
use packguard::{Config, FailOn, Options};
use proptest::prelude::*;
use serde_json::Value;

const BODY: &str = "Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J";

fn token() -> String {
    Checksum::Github.complete("ghp_", BODY)
}

fn scan_json(tgz: &[u8], extra: &[&str]) -> (Value, i32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("pkg.tgz");
    std::fs::write(&path, tgz).expect("write tarball");
    let out = Command::cargo_bin("packguard")
        .expect("binary")
        .args(["scan", "--no-config", "--format", "json"])
        .args(extra)
        .arg(&path)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json report");
    (v, out.status.code().unwrap_or(-1))
}

fn secret_findings(v: &Value) -> Vec<&Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["category"] == "secret")
        .collect()
}

#[test]
fn a_valid_checksum_is_an_error_and_a_broken_one_is_info() {
    let good = token();
    let mut bad = good.clone();
    bad.replace_range(10..11, if &good[10..11] == "a" { "b" } else { "a" });
    let tgz = TarBuilder::new()
        .file("a.js", format!("const t = '{good}';\n"))
        .file("b.js", format!("const t = '{bad}';\n"))
        .tgz();
    let (v, code) = scan_json(&tgz, &[]);
    assert_eq!(code, 1);
    let f = secret_findings(&v);
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!(f[0]["file"], "package/a.js");
    assert_eq!(f[0]["severity"], "error");
    assert_eq!(f[1]["severity"], "info");
    assert!(f[1]["message"]
        .as_str()
        .unwrap()
        .contains("checksum does not verify"));
}

#[test]
fn look_alikes_are_not_secrets() {
    let pem_library = "var HEADER = '-----BEGIN RSA PRIVATE KEY-----\\r\\n';\n\
        function pem(type) { return '-----BEGIN ' + type + ' PRIVATE KEY-----'; }\n";
    let tgz = TarBuilder::new()
        .file(
            "README.md",
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n\
             aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
             token: ${{ secrets.NPM_TOKEN }}\n\
             //registry.npmjs.org/:_authToken=${NPM_TOKEN}\n\
             const key = process.env.OPENAI_API_KEY;\n\
             Authorization: Bearer <token>\n\
             ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\
             sk_live_YOUR_STRIPE_SECRET_KEY_GOES_HERE\n",
        )
        .file(
            "package-lock.json",
            "{\"integrity\": \"sha512-Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J2kQw9Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J2kQw9Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc==\",\n\
             \"resolved\": \"https://registry.npmjs.org/a/-/a-1.0.0.tgz\", \"id\": \"3f2b8c1e-9d4a-4c6b-8e2f-7a1d5c9b0e3f\",\n\
             \"gitHead\": \"8f65455c0a3b2d1e4f5a6b7c8d9e0f1a2b3c4d5e\"}\n",
        )
        .file("lib/pem.js", pem_library)
        .file(
            "lib/icon.js",
            "export default 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAABHNCSVQICAgIfAhkiAAAAAlwSFlzAAALEwAACxMBAJqcGAAAAB1JREFUOI1jYBgFo2AUjIJRMApGwSgYBaNgFAxXAAAq8AABkVZo6wAAAABJRU5ErkJggg==';\n",
        )
        .file(
            "certs/ca.pem",
            "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J2kQw9ZwCgYIKoZIzj0EAwIw\nDzENMAsGA1UEAwwEdGVzdDAeFw0yNDAxMDEwMDAwMDBaFw0zNDAxMDEwMDAwMDBaMA8x\n-----END CERTIFICATE-----\n",
        )
        .tgz();
    let (v, _) = scan_json(&tgz, &["--fail-on", "never"]);
    assert!(secret_findings(&v).is_empty(), "{:#?}", secret_findings(&v));
}

#[test]
fn escaped_and_encoded_secrets_are_found_and_say_how() {
    let t = token();
    let escaped: String = t.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("token={t}"));
    let tgz = TarBuilder::new()
        .file("a.js", format!("var a = \"{escaped}\";\n"))
        .file("b.js", format!("var b = \"{b64}\";\n"))
        .file(
            "c.js",
            format!("fetch('https://x.io/?t={}')\n", t.replace('_', "%5F")),
        )
        .tgz();
    let (v, _) = scan_json(&tgz, &[]);
    let f = secret_findings(&v);
    let how: Vec<(&str, &str, u64)> = f
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["decoded"].as_str().unwrap_or(""),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        how,
        [
            ("package/a.js", "js-escape", 10),
            ("package/b.js", "base64", 10),
            ("package/c.js", "percent", 24),
        ]
    );
}

#[test]
fn inline_ignore_on_the_line_or_the_line_before() {
    let t = token();
    let tgz = TarBuilder::new()
        .file("a.js", format!("const t = '{t}'; // packguard-ignore\n"))
        .file(
            "b.js",
            format!("// packguard-ignore: secret/github-pat\nconst t = '{t}';\n"),
        )
        .file(
            "c.js",
            format!("// packguard-ignore secret/*\nconst t = '{t}';\n"),
        )
        .file(
            "d.js",
            format!("// packguard-ignore: secret/npm-token\nconst t = '{t}';\n"),
        )
        .file("e.js", format!("// packguard-ignore\n\nconst t = '{t}';\n"))
        .tgz();
    let (v, _) = scan_json(&tgz, &[]);
    let files: Vec<&str> = secret_findings(&v)
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["package/d.js", "package/e.js"]);
}

#[test]
fn a_baseline_accepts_known_findings_and_still_fails_new_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let baseline = dir.path().join("baseline.json");
    let base = baseline.to_str().unwrap();
    let old = TarBuilder::new()
        .file("a.js", format!("const t = '{}';\n", token()))
        .tgz();
    let (_, code) = scan_json(&old, &["--write-baseline", base]);
    assert_eq!(code, 0, "writing a baseline accepts what it found");
    let text = std::fs::read_to_string(&baseline).expect("baseline written");
    assert!(!text.contains(&token()), "the baseline holds no secret");

    // The same secret, moved to another line: still accepted.
    let moved = TarBuilder::new()
        .file("a.js", format!("\n\n// moved\nconst t = '{}';\n", token()))
        .tgz();
    let (v, code) = scan_json(&moved, &["--baseline", base]);
    assert_eq!(code, 0);
    // The secret, and manifest/missing (these fixtures have no package.json).
    assert_eq!(v["summary"]["baselined"], 2);

    let newer = Checksum::Npm.complete("npm_", "Hc3Fg5J2kQw9Zq8LmX0pVt7Ka9Wn4B");
    let added = TarBuilder::new()
        .file("a.js", format!("const t = '{}';\n", token()))
        .file("b.js", format!("const n = '{newer}';\n"))
        .tgz();
    let (v, code) = scan_json(&added, &["--baseline", base]);
    assert_eq!(code, 1);
    // The two known findings are counted as baselined; the new one is not.
    assert_eq!(v["summary"]["baselined"], 2);
    let f = secret_findings(&v);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["rule"], "secret/npm-token");
}

#[test]
fn a_bad_baseline_is_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let baseline = dir.path().join("b.json");
    std::fs::write(&baseline, "{\"not\": \"a baseline\"}").unwrap();
    let tgz = TarBuilder::new().file("a.js", "x").tgz();
    let path = dir.path().join("p.tgz");
    std::fs::write(&path, tgz).unwrap();
    Command::cargo_bin("packguard")
        .unwrap()
        .args(["scan", "--no-config", "--baseline"])
        .arg(&baseline)
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a packguard baseline"));
}

#[test]
fn npmrc_and_env_values_are_errors_whatever_they_look_like() {
    let tgz = TarBuilder::new()
        .file(".npmrc", "//npm.pkg.github.com/:_authToken=hello\n")
        .file(".env", "DB_PASSWORD=hunter2\nPORT=8080\n")
        .tgz();
    let (v, code) = scan_json(&tgz, &[]);
    assert_eq!(code, 1);
    let rules: Vec<&str> = secret_findings(&v)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["secret/dotenv-value", "secret/npmrc-auth"]);
}

/// Renders a report in every format and returns the texts.
fn rendered(files: &[(&str, String)]) -> Vec<String> {
    let rules = builtin::rules(&packguard::checks::names()).expect("rules");
    let mut b = TarBuilder::new();
    for (p, c) in files {
        b = b.file(p, c);
    }
    let report = packguard::scan::scan_reader(
        "p.tgz",
        b.tgz().as_slice(),
        &rules,
        &Config::default(),
        &Options::default(),
    )
    .expect("scans");
    assert!(!report.findings.is_empty());
    let reports = [report];
    vec![
        support::render(Format::Json, &reports, FailOn::Never, 120),
        support::render(Format::Human, &reports, FailOn::Never, 200),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever surrounds it and however it is encoded, no output shows a secret whole, nor
    /// any 8 characters of its random part; neighbouring secrets stay hidden in each other's
    /// context lines.
    #[test]
    fn redaction_never_reveals_a_secret(
        body in "[A-Za-z0-9]{30}",
        other in "[A-Za-z0-9]{30}",
        before in "[ -~]{0,80}",
        after in "[ -~]{0,80}",
        encoding in 0..3usize,
        long_line in any::<bool>(),
    ) {
        let t = Checksum::Github.complete("ghp_", &body);
        let n = Checksum::Npm.complete("npm_", &other);
        let written = match encoding {
            0 => t.clone(),
            1 => t.chars().map(|c| format!("\\x{:02x}", c as u32)).collect(),
            _ => base64::engine::general_purpose::STANDARD.encode(format!("k={t}")),
        };
        let pad = if long_line { "x=1;".repeat(100) } else { String::new() };
        let content = format!("{n}\n{pad}{before} '{written}' {after}{pad}\n{n}\n");
        for text in rendered(&[("dist/a.js", content)]) {
            prop_assert!(!text.contains(&t));
            prop_assert!(!text.contains(&n));
            for w in body.as_bytes().windows(8).chain(other.as_bytes().windows(8)) {
                let w = std::str::from_utf8(w).unwrap();
                prop_assert!(!text.contains(w), "{w} shown in\n{text}");
            }
        }
    }
}

#[test]
fn every_built_in_rule_example_behaves() {
    let rules = builtin::rules(&packguard::checks::names()).expect("rules");
    let outcome = packguard::run::selftest::run(&rules);
    assert!(outcome.examples > 300);
    assert!(outcome.failures.is_empty(), "{:#?}", outcome.failures);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Escape-, percent- and base64-heavy noise around a real token never panics the
    /// decoders, and every position reported is inside the file.
    #[test]
    fn positions_stay_in_the_file_whatever_the_encoding_noise(
        noise in proptest::collection::vec(
            prop_oneof![
                Just("\\u0067".to_string()), Just("\\x5f".to_string()), Just("\\/".to_string()),
                Just("\\".to_string()), Just("%5F".to_string()), Just("%".to_string()),
                Just("\\ud83d".to_string()), Just("\\u{1F600}".to_string()), Just("\n".to_string()),
                "[A-Za-z0-9+/=]{0,40}", Just(token()), Just("é".to_string()),
            ],
            0..40,
        ),
    ) {
        let content = noise.concat();
        let lines: Vec<&str> = content.split('\n').collect();
        let rules = builtin::rules(&packguard::checks::names()).expect("rules");
        let report = packguard::scan::scan_reader(
            "p.tgz",
            TarBuilder::new().file("a.js", &content).tgz().as_slice(),
            &rules,
            &Config::default(),
            &Options::default(),
        )
        .expect("scans");
        // Content findings only: the fixture has no package.json, so manifest/missing (a
        // finding about the whole package, without a position) is there too.
        for f in report.findings.iter().filter(|f| f.category == "secret") {
            let (line, col) = (f.line.unwrap(), f.column.unwrap());
            prop_assert!(line >= 1 && line <= lines.len(), "{f:?}");
            prop_assert!(col >= 1 && col <= lines[line - 1].chars().count() + 1, "{f:?}");
        }
    }
}

#[test]
fn human_output_of_plain_decoded_and_downgraded_secrets() {
    let t = token();
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("token={t}"));
    let fake = format!("npm_{BODY}abcdef");
    let texts = rendered(&[(
        "dist/a.js",
        format!(
            "const x = 1;\nconst cfg = \"{b64}\";\nconst gh = '{t}';\nconst npm = \"{fake}\";\n"
        ),
    )]);
    let human = regex::Regex::new(r"in \d+ ms")
        .unwrap()
        .replace_all(&texts[1], "in [time] ms")
        .into_owned();
    insta::assert_snapshot!(human);
}

/// A secret's span and snippet end at its last character, not at the closing quote (or
/// the boundary character) its pattern needs to see after it.
#[test]
fn a_quoted_secret_spans_exactly_its_characters() {
    let key = "AIzaxQZYimn8hYzsSlSfcKhIVrC0bK2HfJpUl8f";
    let generic = "3ldoplQPpoqQny5bU2XnKSpNsejSFeFK";
    let tgz = TarBuilder::new()
        .file("a.js", format!("const k = '{key}';\n"))
        .file("b.js", format!("const apiKey = \"{generic}\";\n"))
        .tgz();
    let (v, _) = scan_json(&tgz, &[]);
    let f = secret_findings(&v);
    assert_eq!(f.len(), 2, "{f:#?}");
    let span = |f: &Value| {
        (
            f["rule"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
            f["column"].as_u64().unwrap(),
            f["end_line"].as_u64().unwrap(),
            f["end_column"].as_u64().unwrap(),
            f["snippet"].as_str().unwrap().to_string(),
        )
    };
    // `const k = '` is 11 characters: the key is columns 12..=50, so the span ends at 51.
    assert_eq!(
        span(f[0]),
        (
            "secret/google-api-key".into(),
            1,
            12,
            1,
            51,
            "AIza…[39 chars]".into()
        )
    );
    // The generic rule's match starts at the name; it still ends with the value.
    assert_eq!(
        span(f[1]),
        (
            "secret/generic-assignment".into(),
            1,
            7,
            1,
            7 + "apiKey = \"".len() as u64 + generic.len() as u64,
            "apiKey = \"3ldo…[32 chars]".into()
        )
    );
}

/// A shipped `.npmrc` that reads its token from the environment holds no credential: the
/// file is a warning. A literal token in it is still an error.
#[test]
fn a_placeholder_npmrc_is_a_warning_and_a_literal_token_an_error() {
    const MANIFEST: &str = r#"{"name":"p","version":"1.0.0","repository":"o/p"}"#;
    let placeholder = TarBuilder::new()
        .file("package.json", MANIFEST)
        .file(
            ".npmrc",
            "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nalways-auth=true\n",
        )
        .tgz();
    let (v, code) = scan_json(&placeholder, &[]);
    assert_eq!(code, 0, "{v:#}");
    let rules: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .filter(|(r, _)| r.starts_with("file/") || r.starts_with("secret/"))
        .collect();
    assert_eq!(rules, [("file/npmrc", "warning")]);
    let literal = TarBuilder::new()
        .file("package.json", MANIFEST)
        .file(".npmrc", "//registry.npmjs.org/:_authToken=abc123def456\n")
        .tgz();
    let (v, code) = scan_json(&literal, &[]);
    assert_eq!(code, 1);
    let f = secret_findings(&v);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0]["rule"].as_str(), f[0]["severity"].as_str()),
        (Some("secret/npmrc-auth"), Some("error"))
    );
}
