//! The CI formats as a release job sees them: GitHub annotations, the job summary, SARIF,
//! jsonl and `--output`. Each test builds its package in code, scans it with the real binary
//! from inside a temporary "repository", and pins the output with a snapshot or asserts what a
//! user would notice (a file annotated, a secret never printed, a schema-valid SARIF log).

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use packguard::artifact::builder::TarBuilder;
use serde_json::Value;

/// A test token the rule below matches; it must never appear whole in any output.
const TOKEN: &str = "tok_abcdefghij0123456789";

const RULES: &str = r#"
rules:
  - id: secret/test-token
    category: secret
    placeholders: false # test values are deliberately simple
    severity: error
    message: test token in the code
    description: A token of the test provider; anyone holding it can act as the account.
    pattern: 'tok_(?P<secret>[a-z0-9]{20})'
    keywords: [tok_]
    redact: true
    examples:
      fail:
        - {path: a.js, content: "x = 'tok_abcdefghij0123456789'"}
      pass:
        - {path: a.js, content: "x"}
  - id: sourcemap/test-map
    category: sourcemap
    severity: warning
    message: source map in the package
    paths: ["*.map"]
    examples:
      fail:
        - {path: a.js.map, content: "{}"}
      pass:
        - {path: a.js, content: "x"}
  - id: manifest/test-note
    category: manifest
    severity: info
    message: "package.json: has a note, 100% informational"
    paths: ["/package.json"]
    examples:
      fail:
        - {path: package.json, content: "{}"}
      pass:
        - {path: a.js, content: "x"}
"#;

/// A repository checkout: `pkg/` is the package folder the tarball was packed from.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("rules.yaml"), RULES).expect("write rules");
        Repo { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file of the checked-out package folder (`pkg/<rel>`).
    fn checkout(&self, rel: &str, content: &str) -> &Repo {
        let p = self.path().join("pkg").join(rel);
        std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(p, content).expect("write");
        self
    }

    fn tarball(&self, name: &str, b: TarBuilder) -> &Repo {
        std::fs::write(self.path().join(name), b.tgz()).expect("write tgz");
        self
    }

    /// `packguard scan --rules rules.yaml --no-config ARGS`, run in the repository with no
    /// GitHub Actions variables unless the test sets them.
    fn scan(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("packguard").expect("binary");
        c.current_dir(self.path())
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("GITHUB_WORKSPACE")
            .env("NO_COLOR", "1")
            .args([
                "scan",
                "--no-config",
                "--no-builtin-rules",
                "--rules",
                "rules.yaml",
            ])
            .args(args);
        c
    }

    /// The stdout of `scan ARGS`, which must exit with `code`.
    fn stdout(&self, code: i32, args: &[&str]) -> String {
        let out = self.scan(args).output().expect("runs");
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }
}

/// The package of most tests: a token in a built file covered by the checkout, a source map,
/// and a package.json; `dist/gone.js` has no counterpart in the checkout.
fn package() -> TarBuilder {
    TarBuilder::new()
        .file("package.json", r#"{"name":"demo","version":"1.2.3"}"#)
        .file(
            "dist/cli.js",
            format!("const a = 1;\nconst t = \"{TOKEN}\";\n"),
        )
        .file(
            "dist/cli.js.map",
            r#"{"version":3,"sources":["../src/cli.ts"]}"#,
        )
        .file("dist/gone.js", format!("x='{TOKEN}'"))
}

fn repo_with_package() -> Repo {
    let repo = Repo::new();
    repo.checkout("package.json", "{}")
        .checkout("dist/cli.js", "built")
        .tarball("demo.tgz", package());
    repo
}

#[test]
fn github_annotations_point_at_repository_files_when_they_exist() {
    let repo = repo_with_package();
    let out = repo.stdout(1, &["demo.tgz", "--format", "github", "--root", "pkg"]);
    insta::assert_snapshot!("github_with_root", out);
    // Mapped: the file exists under --root. Not mapped: no `file=`, the package path in text.
    assert!(out.contains("::error file=pkg/dist/cli.js,line=2,endLine=2,col=12,endColumn=35,"));
    assert!(out.contains("::error title=packguard secret/test-token::test token in the code in package/dist/gone.js:1:4"));
    assert!(!out.contains(TOKEN));
}

#[test]
fn github_annotations_without_root_have_no_position() {
    let repo = repo_with_package();
    let out = repo.stdout(1, &["demo.tgz", "--format", "github"]);
    insta::assert_snapshot!("github_without_root", out);
    assert!(!out.contains("file="));
}

#[test]
fn github_properties_and_messages_are_escaped() {
    let repo = Repo::new();
    repo.checkout("dist/a,b:c%.js", "built").tarball(
        "odd.tgz",
        TarBuilder::new().file("dist/a,b:c%.js", format!("t='{TOKEN}'\r\n")),
    );
    let out = repo.stdout(1, &["odd.tgz", "--format", "github", "--root", "pkg"]);
    assert!(
        out.contains("::error file=pkg/dist/a%2Cb%3Ac%25.js,line=1,"),
        "{out}"
    );
    // One command per line: no raw CR or LF inside an annotation.
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("::test token in the code%0A"));
}

#[test]
fn github_cap_shows_most_severe_first_and_says_what_was_left_out() {
    let repo = Repo::new();
    let many: String = (0..25).map(|i| format!("t{i}='{TOKEN}'\n")).collect();
    let maps = (0..3).fold(TarBuilder::new(), |b, i| {
        b.file(&format!("m{i}.js.map"), "{}")
    });
    repo.tarball("many.tgz", maps.file("a.js", many));
    let out = repo.stdout(1, &["many.tgz", "--format", "github"]);
    let errors = out.lines().filter(|l| l.starts_with("::error ")).count();
    let warnings = out.lines().filter(|l| l.starts_with("::warning ")).count();
    assert_eq!((errors, warnings), (10, 3), "{out}");
    // Errors come before warnings, and the tenth error slot says how many more there are.
    let first_warning = out.find("::warning ").expect("a warning");
    assert!(out.rfind("::error ").expect("an error") < first_warning);
    assert!(out.contains("16 more packguard errors not shown as annotations"));
    assert!(out.ends_with("packguard: not annotated (GitHub's per-step cap): 16 errors\n"));
}

#[test]
fn original_source_location_is_annotated_when_the_source_exists() {
    // The scan fills `Finding.original` (source-map work); the renderer maps it to the
    // repository. Exercised through the library so it does not depend on that check.
    use packguard::finding::OriginalLocation;
    use packguard::render::repo::RepoPaths;
    let repo = repo_with_package();
    repo.checkout("src/cli.ts", "const t = 1;\n");
    let mut report = scan_lib(&repo.path().join("demo.tgz"));
    for f in &mut report.findings {
        if f.file == "package/dist/cli.js" {
            f.original = Some(OriginalLocation {
                map: "package/dist/cli.js.map".into(),
                source: "../src/cli.ts".into(),
                line: Some(7),
                column: Some(3),
            });
        }
    }
    let paths = RepoPaths::new(repo.path(), Some(&repo.path().join("pkg")));
    let rules = packguard::RuleSet::default();
    let context = packguard::render::Context {
        rules: &rules,
        fail_on: packguard::FailOn::Never,
        repo: &paths,
        color: false,
        width: Some(120),
        quiet: false,
    };
    let out = packguard::render::github::render(std::slice::from_ref(&report), &context);
    assert!(
        out.contains("::error file=pkg/src/cli.ts,line=7,endLine=7,col=3,title=packguard secret/test-token::test token in the code (found in package/dist/cli.js:2:12, mapped to its original source)"),
        "{out}"
    );
}

/// A footer the map does not cover (esbuild writes one after the last mapping) has no
/// original: the annotation goes on the built file under `--root`, not on the line of
/// `src/cli.ts` that the nearest earlier mapping names.
#[test]
fn an_unmapped_generated_line_is_annotated_on_the_built_file() {
    let repo = Repo::new();
    repo.checkout("src/cli.ts", "main();\n")
        .checkout("dist/cli.js", "built")
        .tarball(
            "demo.tgz",
            TarBuilder::new()
                .file(
                    "dist/cli.js",
                    format!("main();\nconst t=\"{TOKEN}\";\n//# sourceMappingURL=cli.js.map\n"),
                )
                .file(
                    "dist/cli.js.map",
                    r#"{"version":3,"sources":["../src/cli.ts"],"names":[],"mappings":"AAAA;"}"#,
                ),
        );
    let out = repo.stdout(1, &["demo.tgz", "--format", "github", "--root", "pkg"]);
    assert!(
        out.contains("::error file=pkg/dist/cli.js,line=2,endLine=2,col=10,"),
        "{out}"
    );
    assert!(!out.contains("pkg/src/cli.ts"), "{out}");
    let sarif = repo.stdout(1, &["demo.tgz", "--format", "sarif", "--root", "pkg"]);
    assert!(!sarif.contains("src/cli.ts"), "{sarif}");
}

fn scan_lib(path: &Path) -> packguard::Report {
    let mut rules = packguard::RuleSet::default();
    let src = packguard::source::Source::new("rules.yaml", RULES);
    packguard::rules::load::add_from_source(&mut rules, &src).expect("rules load");
    let input = packguard::Input::Path(PathBuf::from(path));
    packguard::scan(
        &input,
        &rules,
        &packguard::Config::default(),
        &packguard::Options::default(),
    )
    .expect("scan")
}

#[test]
fn on_github_actions_human_output_carries_annotations_and_json_stays_clean() {
    let repo = repo_with_package();
    let out = repo
        .scan(&["demo.tgz", "--root", "pkg"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL: "), "{text}");
    assert!(text.contains("::error file=pkg/dist/cli.js,"), "{text}");

    let out = repo
        .scan(&["demo.tgz", "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(json["summary"]["errors"], 2);
}

#[test]
fn job_summary_is_appended_with_verdict_counts_findings_and_exposure() {
    let repo = repo_with_package();
    let summary = repo.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").expect("write");
    let out = repo
        .scan(&["demo.tgz"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&summary).expect("summary written");
    assert!(md.starts_with("# earlier step\n\n## ❌ packguard: release blocked"));
    assert!(!md.contains(TOKEN));
    insta::assert_snapshot!("job_summary", md);
}

#[test]
fn job_summary_escapes_markdown_and_html_from_the_package() {
    let repo = Repo::new();
    repo.tarball(
        "evil.tgz",
        TarBuilder::new().file(
            "<img src=x>|[a](javascript:x).js",
            format!("`{TOKEN}`|**b**"),
        ),
    );
    let summary = repo.path().join("summary.md");
    repo.scan(&["evil.tgz"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    let md = std::fs::read_to_string(&summary).expect("summary written");
    let row = md
        .lines()
        .find(|l| l.starts_with("| error |"))
        .expect("a finding row");
    // Six cells: nothing from the package added a `|`, and no tag or link survived.
    assert_eq!(row.matches('|').count(), 6, "{row}");
    for raw in ["<img", "](", "**", "`"] {
        assert!(!row.contains(raw), "{raw} in {row}");
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema = sarif_schema();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let repo = repo_with_package();
    repo.tarball(
        "odd.tgz",
        TarBuilder::new()
            .file("a b/é#%.js", format!("t='{TOKEN}'"))
            .file("x.js.map", "{}"),
    );
    for args in [
        &["demo.tgz", "--format", "sarif", "--root", "pkg"][..],
        &["demo.tgz", "odd.tgz", "--format", "sarif"][..],
    ] {
        let sarif: Value = serde_json::from_str(&repo.stdout(1, args)).expect("SARIF is JSON");
        let errors = schema_errors(&validator, &sarif);
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        // Code scanning places a result only with a region: a whole-file finding (`.npmrc`,
        // `x.js.map` here) starts at line 1.
        for r in sarif["runs"][0]["results"].as_array().expect("results") {
            let line = &r["locations"][0]["physicalLocation"]["region"]["startLine"];
            assert!(
                line.as_u64().is_some_and(|l| l >= 1),
                "{args:?}: no region in {r:#}"
            );
        }
    }
    // The check has teeth: a level SARIF does not know is rejected.
    let mut broken: Value =
        serde_json::from_str(&repo.stdout(1, &["demo.tgz", "--format", "sarif"])).expect("JSON");
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

/// GitLab publishes no schema file for Code Quality reports; `testdata/` holds one written
/// from its documentation. Every issue has the documented fields, a known severity and a
/// line, and no two issues share a fingerprint (GitLab would show only one of them).
#[test]
fn gitlab_code_quality_validates_against_the_documented_format() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gitlab-code-quality.schema.json"),
    )
    .expect("the schema is in testdata/");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let repo = repo_with_package();
    // The same token twice in one file: two issues, two fingerprints.
    repo.tarball(
        "twice.tgz",
        TarBuilder::new()
            .file("a.js", format!("t='{TOKEN}'\nu='{TOKEN}'\n"))
            .file("x.js.map", "{}"),
    );
    for args in [
        &["demo.tgz", "--format", "gitlab", "--root", "pkg"][..],
        &["demo.tgz", "twice.tgz", "--format", "gitlab"][..],
    ] {
        let out = repo.stdout(1, args);
        assert!(!out.contains(TOKEN));
        let issues: Value = serde_json::from_str(&out).expect("JSON");
        let errors = schema_errors(&validator, &issues);
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        let issues = issues.as_array().expect("an array");
        let fingerprints: std::collections::HashSet<&str> = issues
            .iter()
            .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
            .collect();
        assert_eq!(fingerprints.len(), issues.len(), "{args:?}: {out}");
    }
    // The check has teeth: a severity GitLab does not know is rejected.
    let out = repo.stdout(1, &["demo.tgz", "--format", "gitlab"]);
    let mut broken: Value = serde_json::from_str(&out).expect("JSON");
    broken[0]["severity"] = "error".into();
    assert!(!validator.is_valid(&broken));
}

/// JUnit XML is well-formed whatever the package names hold, has one suite per package and
/// a failure per failing (file, rule) pair, and is written with `--output junit=FILE`.
#[test]
fn junit_is_well_formed_xml_with_a_suite_per_package() {
    let repo = repo_with_package();
    repo.tarball(
        "odd.tgz",
        TarBuilder::new().file("a<b>&\"c'\u{1b}.js", format!("t='{TOKEN}' <!-- ]]> &amp;")),
    );
    let out = repo.stdout(
        1,
        &[
            "demo.tgz",
            "odd.tgz",
            "--output",
            "junit=report.xml",
            "--fail-on",
            "warning",
        ],
    );
    assert!(out.contains("FAIL"), "stdout keeps the human report: {out}");
    let xml = std::fs::read_to_string(repo.path().join("report.xml")).expect("junit= wrote it");
    assert!(!xml.contains(TOKEN));
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut suites, mut failures, mut names) = (0, 0, Vec::new());
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                match e.name().as_ref() {
                    b"testsuite" => suites += 1,
                    b"failure" => failures += 1,
                    b"testcase" => {
                        let file = e
                            .try_get_attribute("classname")
                            .expect("attributes parse")
                            .expect("a classname");
                        names.push(
                            file.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .expect("unescapes")
                                .into_owned(),
                        );
                    }
                    _ => {}
                }
            }
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}\n{xml}", reader.error_position()),
        }
    }
    assert_eq!(suites, 2, "{xml}");
    // demo: the token in two files, the map (a warning); odd: the token.
    assert_eq!(failures, 4, "{xml}");
    assert!(
        names.contains(&"package/a<b>&\"c'\u{FFFD}.js".to_string()),
        "{names:?}"
    );
}

/// What `validator` says is wrong with `value`, each error with where it is.
fn schema_errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The official schema, from shared/ next to the repository (never vendored into it)./// The official schema, from shared/ next to the repository (never vendored into it), or
/// from the folder `PACKGUARD_SCHEMAS` names (a worktree elsewhere). Unreadable, the test
/// fails: a validation that did not run is not a pass.
fn sarif_schema() -> Value {
    let dir = std::env::var_os("PACKGUARD_SCHEMAS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("the repository has a parent folder")
                .join("shared/schemas")
        });
    let path = dir.join("sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the SARIF schema {} is unreadable ({e}): put shared/schemas next to the repository or set PACKGUARD_SCHEMAS",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("the schema is JSON")
}

#[test]
fn sarif_results_carry_rule_metadata_locations_and_stable_fingerprints() {
    let repo = repo_with_package();
    let out = repo.stdout(1, &["demo.tgz", "--format", "sarif", "--root", "pkg"]);
    assert!(!out.contains(TOKEN));
    insta::assert_snapshot!("sarif_with_root", out);
    let sarif: Value = serde_json::from_str(&out).expect("JSON");

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for r in &run["results"].as_array().expect("results")[..] {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let secret = rules
        .iter()
        .find(|r| r["id"] == "secret/test-token")
        .expect("rule");
    assert_eq!(secret["properties"]["security-severity"], "9.0");

    // Moving the secret two lines down keeps its fingerprint: alerts are not re-opened.
    let fp = |sarif: &Value| {
        sarif["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == "pkg/dist/cli.js"
            })
            .map(|r| r["partialFingerprints"]["packguard/v1"].clone())
            .expect("a result on pkg/dist/cli.js")
    };
    let before = fp(&sarif);
    repo.tarball(
        "demo.tgz",
        TarBuilder::new().file("dist/cli.js", format!("\n\n\nconst t = \"{TOKEN}\";\n")),
    );
    let moved: Value =
        serde_json::from_str(&repo.stdout(1, &["demo.tgz", "--format", "sarif", "--root", "pkg"]))
            .expect("JSON");
    assert_eq!(fp(&moved), before);
}

#[test]
fn jsonl_prints_one_compact_report_per_input() {
    let repo = repo_with_package();
    repo.tarball("clean.tgz", TarBuilder::new().file("index.js", "ok"));
    let out = repo.stdout(1, &["demo.tgz", "clean.tgz", "--format", "jsonl"]);
    let reports: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is a JSON report"))
        .collect();
    assert_eq!(reports.len(), 2);
    assert!(!out.contains(TOKEN));
    // Pinned as the text a line reader gets, with the run's timing taken out.
    let timing = regex::Regex::new(r#""duration_ms":\d+"#).expect("regex");
    insta::assert_snapshot!(
        "jsonl",
        timing.replace_all(&out, r#""duration_ms":"[duration]""#)
    );
}

#[test]
fn output_writes_the_format_to_a_file_and_human_to_stdout() {
    let repo = repo_with_package();
    let out = repo
        .scan(&["demo.tgz", "--format", "sarif", "--output", "out.sarif"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAIL: 2 errors, 1 warning, 1 info"),
        "{stdout}"
    );
    let file = std::fs::read_to_string(repo.path().join("out.sarif")).expect("written");
    let sarif: Value = serde_json::from_str(&file).expect("SARIF in the file");
    assert_eq!(sarif["version"], "2.1.0");

    // FORMAT=FILE adds outputs and leaves stdout to --format.
    let out = repo
        .scan(&[
            "demo.tgz",
            "--format",
            "json",
            "--output",
            "sarif=both.sarif",
            "--output",
            "jsonl=both.jsonl",
        ])
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["artifact"]["name"], "demo");
    assert!(repo.path().join("both.sarif").is_file());
    let jsonl = std::fs::read_to_string(repo.path().join("both.jsonl")).expect("written");
    assert_eq!(jsonl.lines().count(), 1);
}

#[test]
fn output_to_an_unwritable_place_exits_2() {
    let repo = repo_with_package();
    let out = repo
        .scan(&[
            "demo.tgz",
            "--format",
            "sarif",
            "--output",
            "no/such/dir/x.sarif",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not write the sarif report"));
}

#[test]
fn no_format_prints_a_secret_whole() {
    let repo = repo_with_package();
    let summary = repo.path().join("s.md");
    for format in ["human", "json", "jsonl", "sarif", "github"] {
        let out = repo
            .scan(&["demo.tgz", "--format", format, "--root", "pkg"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("tok_"), "{format}: the finding is shown");
        assert!(!text.contains(TOKEN), "{format} leaked the token");
    }
    assert!(!std::fs::read_to_string(summary)
        .expect("summary")
        .contains(TOKEN));
}

/// A report holding `n` copies of a finding, built through the library as the scan would.
fn report_with(n: usize, severity: packguard::finding::Severity, name: &str) -> packguard::Report {
    use packguard::finding::Finding;
    use packguard::report::{ArtifactInfo, Report};
    let findings = (0..n)
        .map(|i| Finding {
            rule: "secret/test-token".into(),
            category: "secret".into(),
            severity,
            message: "test token in the code ✓".into(),
            file: format!("package/dist/f{i}.js"),
            line: Some(1),
            column: Some(1),
            end_line: Some(1),
            end_column: Some(5),
            snippet: Some("tok_…[20 chars] ✓✓✓".into()),
            fingerprint: format!("{i:032x}"),
            original: None,
            disk_path: None,
            package: None,
            decoded: None,
            pre_existing: None,
            excerpt: None,
            value_digest: [0; 32],
        })
        .collect();
    let artifact = ArtifactInfo {
        path: format!("{name}.tgz"),
        kind: "tarball".into(),
        name: Some(name.into()),
        version: Some("1.0.0".into()),
        files: n as u64,
        unpacked_bytes: 0,
        packer: None,
        packer_fallback: None,
    };
    Report::new(artifact, findings, std::time::Duration::ZERO)
}

#[test]
fn sarif_keeps_to_githubs_result_limit_and_says_what_it_left_out() {
    use packguard::finding::Severity;
    use packguard::render::{sarif, Format};
    let max = sarif::MAX_RESULTS;
    let reports = [
        report_with(max, Severity::Warning, "a"),
        report_with(3, Severity::Error, "b"),
    ];
    let out = support::render(Format::Sarif, &reports, packguard::FailOn::Never, 120);
    let log: Value = serde_json::from_str(&out).expect("JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), max);
    // The errors of the second input survive the cut: most severe first.
    assert!(results[..3].iter().all(|r| r["level"] == "error"));
    let note = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert!(note["message"]["text"]
        .as_str()
        .expect("text")
        .starts_with("3 less severe findings were left out"));
}

#[test]
fn job_summary_stays_within_githubs_size_limit() {
    use packguard::finding::Severity;
    use packguard::render::repo::RepoPaths;
    use packguard::render::{summary, Context};
    use packguard::FailOn;
    let rules = packguard::RuleSet::default();
    let repo = RepoPaths::none();
    let context = Context {
        rules: &rules,
        fail_on: FailOn::Never,
        repo: &repo,
        color: false,
        width: Some(120),
        quiet: false,
    };
    // One input: the findings table stops at MAX_ROWS and says how many it left out.
    let md = summary::render(&[report_with(300, Severity::Error, "one")], &context);
    let rows = md.lines().filter(|l| l.starts_with("| error |")).count();
    assert_eq!(rows, summary::MAX_ROWS);
    assert!(md.contains("100 findings are not listed here"));
    assert!(md
        .starts_with("\n## ✅ packguard: passed\n\nNo finding fails the run (`--fail-on never`)."));
    // Thousands of inputs: every one has a heading, so the text is cut at a line.
    let many: Vec<_> = (0..6000)
        .map(|i| report_with(1, Severity::Error, &format!("package-{i}")))
        .collect();
    let md = summary::render(&many, &context);
    assert!(md.len() <= summary::BUDGET + 200, "{} bytes", md.len());
    assert!(md.ends_with("the job log has every finding.**\n"));
}

#[test]
fn package_text_cannot_inject_workflow_commands_into_the_actions_log() {
    // The runner runs any stdout line that starts with `::`; a package controls its name,
    // its file names and its content.
    let repo = Repo::new();
    repo.tarball(
        "inject.tgz",
        TarBuilder::new()
            .file(
                "package.json",
                r#"{"name":"x\n::error::injected-name","version":"1\r\n::add-mask::v"}"#,
            )
            .file(
                "a\n::error::injected-path.js",
                format!("t='{TOKEN}'\n::error::injected-content\n"),
            ),
    );
    let summary = repo.path().join("s.md");
    for format in ["human", "github"] {
        let out = repo
            .scan(&["inject.tgz", "--format", format])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("::error "),
            "{format}: the finding is annotated: {text}"
        );
        for line in text.lines() {
            assert!(
                !line.starts_with("::error::") && !line.starts_with("::add-mask::"),
                "{format}: injected command {line:?}"
            );
        }
    }
}
