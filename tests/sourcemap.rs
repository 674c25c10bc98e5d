//! Source-map analysis, end to end: tarballs built in code next to what packguard must say
//! about them, and real packages from the corpus pinned as snapshots.

mod support;

use std::path::Path;

use assert_cmd::Command;
use base64::Engine as _;
use packguard::artifact::builder::TarBuilder;
use packguard::config;
use packguard::finding::{Finding, Severity};
use packguard::rules::load::add_from_source;
use packguard::rules::{builtin, RuleSet};
use packguard::scan::scan_reader;
use packguard::source::Source;
use packguard::{Config, Options, Report};

/// A rule pack the tests add: a content rule that finds a fake API key, to show that the
/// originals inside `sourcesContent` and inline maps go through the content rules.
const TEST_RULES: &str = r#"
rules:
  - id: test/acme-key
    category: secret
    placeholders: false # test values are deliberately simple
    severity: error
    message: ACME API key
    pattern: 'acme_live_(?P<secret>[a-z0-9]{16})'
    keywords: [acme_live_]
    examples:
      fail: [{path: a.js, content: "acme_live_0123456789abcdef"}]
      pass: [{path: a.js, content: "acme_test"}]
"#;

/// The built-in rules without the manifest family: these fixtures are bare tarballs of maps
/// and scripts, with no package.json on purpose.
fn builtin_without_manifest() -> RuleSet {
    let mut set = builtin::rules(&packguard::checks::names()).expect("built-in rules load");
    set.rules.retain(|r| r.category != "manifest");
    set
}

fn rules() -> RuleSet {
    let mut set = builtin_without_manifest();
    add_from_source(&mut set, &Source::new("test.yaml", TEST_RULES)).expect("test rules load");
    set
}

fn scan_with(tar: &TarBuilder, rules: &RuleSet, config: &Config) -> Report {
    scan_reader(
        "test.tgz",
        tar.tgz().as_slice(),
        rules,
        config,
        &Options::default(),
    )
    .expect("the fixture is a valid tarball")
}

fn scan(tar: &TarBuilder) -> Report {
    scan_with(tar, &rules(), &Config::default())
}

/// Rules and config as a `packguard.yml` with `text` would make them.
fn with_config(text: &str) -> (RuleSet, Config) {
    let mut set = rules();
    let config = config::apply(
        &Source::new("packguard.yml", text),
        Path::new("."),
        &mut set,
    )
    .unwrap_or_else(|e| panic!("config applies: {e:?}"));
    (set, config)
}

fn of<'a>(report: &'a Report, rule: &str) -> Vec<&'a Finding> {
    report.findings.iter().filter(|f| f.rule == rule).collect()
}

fn only<'a>(report: &'a Report, rule: &str) -> &'a Finding {
    let found = of(report, rule);
    assert_eq!(
        found.len(),
        1,
        "one {rule} expected in {:#?}",
        report.findings
    );
    found[0]
}

fn map(fields: &str) -> String {
    format!(r#"{{"version":3,{fields},"mappings":"AAAA"}}"#)
}

fn js_with_map(name: &str) -> String {
    format!("console.log(1);\n//# sourceMappingURL={name}\n")
}

#[test]
fn bucket_source_root_is_an_error_at_the_value() {
    let tar = TarBuilder::new()
        .file("dist/cli.js", js_with_map("cli.js.map"))
        .file(
            "dist/cli.js.map",
            map(r#""sourceRoot":"https://acme-src.s3.amazonaws.com/app/","sources":["cli.ts"]"#),
        );
    let report = scan(&tar);
    let f = only(&report, "sourcemap/bucket-url");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.file, "package/dist/cli.js.map");
    assert!(f.message.contains("sourceRoot"), "{}", f.message);
    assert!(f.message.contains("Amazon S3"), "{}", f.message);
    assert_eq!(
        f.snippet.as_deref(),
        Some("https://acme-src.s3.amazonaws.com/app/")
    );
    assert_eq!((f.line, f.column), (Some(1), Some(28)));
    assert!(of(&report, "sourcemap/external-url").is_empty());
}

#[test]
fn every_listed_storage_provider_is_recognised() {
    let cases = [
        (
            "https://acme.s3.eu-west-1.amazonaws.com/src/a.ts",
            "Amazon S3",
        ),
        ("https://s3.amazonaws.com/acme/src/a.ts", "Amazon S3"),
        ("https://s3-us-west-2.amazonaws.com/acme/a.ts", "Amazon S3"),
        ("s3://acme-builds/src/a.ts", "Amazon S3"),
        (
            "https://storage.googleapis.com/acme/src/a.ts",
            "Google Cloud Storage",
        ),
        ("gs://acme/src/a.ts", "Google Cloud Storage"),
        (
            "https://firebasestorage.googleapis.com/v0/b/acme.appspot.com/o/a.ts",
            "Firebase Storage",
        ),
        ("https://acme.blob.core.windows.net/src/a.ts", "Azure"),
        ("https://acme.dfs.core.windows.net/src/a.ts", "Azure"),
        ("https://pub-0123456789abcdef.r2.dev/a.ts", "Cloudflare R2"),
        (
            "https://acct.r2.cloudflarestorage.com/acme/a.ts",
            "Cloudflare R2",
        ),
        (
            "https://acme.nyc3.digitaloceanspaces.com/a.ts",
            "DigitalOcean Spaces",
        ),
        (
            "https://f002.backblazeb2.com/file/acme/a.ts",
            "Backblaze B2",
        ),
        ("https://s3.eu-central-1.wasabisys.com/acme/a.ts", "Wasabi"),
        (
            "https://acme.oss-cn-hangzhou.aliyuncs.com/a.ts",
            "Alibaba Cloud OSS",
        ),
        (
            "https://abc123.public.blob.vercel-storage.com/a.ts",
            "Vercel Blob",
        ),
        (
            "https://abcdefgh.supabase.co/storage/v1/object/public/src/a.ts",
            "Supabase Storage",
        ),
    ];
    for (url, provider) in cases {
        let tar = TarBuilder::new().file("dist/a.js.map", map(&format!(r#""sources":["{url}"]"#)));
        let report = scan(&tar);
        let found = of(&report, "sourcemap/bucket-url");
        assert_eq!(found.len(), 1, "{url}: {:#?}", report.findings);
        assert!(
            found[0].message.contains(provider),
            "{url}: {}",
            found[0].message
        );
    }
}

#[test]
fn one_finding_per_map_counts_every_offending_source() {
    let sources: Vec<String> = (0..1900)
        .map(|i| format!("\"https://acme.storage.googleapis.com/src/f{i}.ts\""))
        .collect();
    let tar = TarBuilder::new().file(
        "dist/a.js.map",
        map(&format!(r#""sources":[{}]"#, sources.join(","))),
    );
    let report = scan(&tar);
    let f = only(&report, "sourcemap/bucket-url");
    assert!(
        f.message.contains("(and 1,899 more in this map)"),
        "{}",
        f.message
    );
}

#[test]
fn external_source_mapping_url_points_at_the_comment() {
    let tar = TarBuilder::new().file(
        "dist/a.js",
        "x();\n//# sourceMappingURL=https://maps.acme.dev/a.js.map\n",
    );
    let report = scan(&tar);
    let f = only(&report, "sourcemap/external-url");
    assert_eq!(f.file, "package/dist/a.js");
    assert_eq!((f.line, f.column), (Some(2), Some(22)));
    assert!(f.message.contains("maps.acme.dev"), "{}", f.message);
    // An external map is not a missing one.
    assert!(of(&report, "sourcemap/missing-map").is_empty());
}

#[test]
fn allow_hosts_in_the_config_silences_a_public_cdn_but_not_an_archive() {
    let tar = TarBuilder::new().file(
        "dist/a.js.map",
        map(r#""sourceRoot":"https://cdn.acme.dev/src/","sources":["a.ts","https://cdn.acme.dev/all.zip"]"#),
    );
    let report = scan(&tar);
    assert_eq!(of(&report, "sourcemap/external-url").len(), 1);
    let (rules, config) = with_config("sourcemap:\n  allow_hosts: ['*.acme.dev']\n");
    let report = scan_with(&tar, &rules, &config);
    assert!(
        of(&report, "sourcemap/external-url").is_empty(),
        "{:#?}",
        report.findings
    );
    let f = only(&report, "sourcemap/archive-url");
    assert!(f.message.contains("`.zip`"), "{}", f.message);
}

#[test]
fn bucket_hosts_from_a_config_extend_the_built_in_list() {
    let tar = TarBuilder::new().file(
        "dist/a.js.map",
        map(r#""sources":["https://minio.acme.dev/builds/a.ts"]"#),
    );
    let (rules, config) = with_config(
        "sourcemap:\n  bucket_hosts:\n    - {name: ACME MinIO, hosts: ['minio\\.acme\\.dev']}\n",
    );
    let report = scan_with(&tar, &rules, &config);
    let f = only(&report, "sourcemap/bucket-url");
    assert!(f.message.contains("ACME MinIO"), "{}", f.message);
    assert!(of(&report, "sourcemap/external-url").is_empty());
}

#[test]
fn a_bad_host_regex_in_a_config_points_at_it() {
    let mut set = rules();
    let text = "sourcemap:\n  bucket_hosts:\n    - {name: x, hosts: ['minio(']}\n";
    let e = config::apply(
        &Source::new("packguard.yml", text),
        Path::new("."),
        &mut set,
    )
    .expect_err("an invalid regex is a config error");
    assert!(e.message.contains("invalid host regex"), "{}", e.message);
    assert_eq!(e.span.map(|s| s.offset()), text.find("'minio("));
}

#[test]
fn archive_url_is_an_error_whatever_the_host() {
    let tar = TarBuilder::new().file(
        "dist/a.js.map",
        map(
            r#""sourceRoot":"https://acme.s3.amazonaws.com/release/src.tar.gz","sources":["a.ts"]"#,
        ),
    );
    let report = scan(&tar);
    assert_eq!(
        only(&report, "sourcemap/archive-url").severity,
        Severity::Error
    );
    assert_eq!(of(&report, "sourcemap/bucket-url").len(), 1);
}

#[test]
fn absolute_build_paths_are_warnings() {
    for source in [
        "/Users/alice/acme/src/a.ts",
        "/home/runner/work/acme/src/a.ts",
        "C:\\\\build\\\\acme\\\\a.ts",
        "file:///srv/acme/a.ts",
        "webpack:///home/ci/acme/a.ts",
    ] {
        let tar =
            TarBuilder::new().file("dist/a.js.map", map(&format!(r#""sources":["{source}"]"#)));
        let report = scan(&tar);
        let found = of(&report, "sourcemap/absolute-path");
        assert_eq!(found.len(), 1, "{source}: {:#?}", report.findings);
        assert_eq!(found[0].severity, Severity::Warning);
    }
    let tar = TarBuilder::new().file(
        "dist/a.js.map",
        map(r#""sources":["webpack://acme/./src/a.ts","../src/b.ts","/src/c.ts"]"#),
    );
    assert!(of(&scan(&tar), "sourcemap/absolute-path").is_empty());
}

#[test]
fn internal_hosts() {
    for url in [
        "http://localhost:3000/a.ts",
        "http://192.168.1.20/a.ts",
        "https://build.acme.internal/a.ts",
        "https://git.acme.corp/a.ts",
    ] {
        let tar = TarBuilder::new().file("dist/a.js.map", map(&format!(r#""sources":["{url}"]"#)));
        let report = scan(&tar);
        assert_eq!(of(&report, "sourcemap/internal-host").len(), 1, "{url}");
        assert!(of(&report, "sourcemap/external-url").is_empty(), "{url}");
    }
}

#[test]
fn sources_climbing_out_of_the_package() {
    let tar = TarBuilder::new()
        .file("dist/esm/a.js.map", map(r#""sources":["../../src/a.ts"]"#))
        .file(
            "dist/b.js.map",
            map(r#""sourceRoot":"../../","sources":["internal/b.ts"]"#),
        );
    let report = scan(&tar);
    let found = of(&report, "sourcemap/source-outside-package");
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    assert_eq!(found[0].file, "package/dist/b.js.map");
    assert_eq!(found[0].severity, Severity::Info);
}

#[test]
fn sources_content_reports_what_the_map_exposes() {
    let tar = TarBuilder::new()
        .file("package.json", r#"{"name":"acme","version":"1.0.0","license":"MIT"}"#)
        .file("dist/cli.js", js_with_map("cli.js.map"))
        .file(
            "dist/cli.js.map",
            map(r#""sources":["../src/cli.ts","../src/util.ts","../src/gone.ts"],"sourcesContent":["a\nb\nc\n","d",null]"#),
        );
    let report = scan(&tar);
    let f = only(&report, "sourcemap/sources-content");
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.message
            .contains("1 map ships the text of 2 original files, 4 lines"),
        "{}",
        f.message
    );
    assert_eq!(report.sourcemaps.len(), 1);
    let m = &report.sourcemaps[0];
    assert_eq!(m.map, "package/dist/cli.js.map");
    assert_eq!(m.referenced_by, vec!["package/dist/cli.js".to_string()]);
    assert_eq!(
        (m.sources, m.sources_content, m.lines, m.bytes),
        (3, 2, 4, 7)
    );

    let json: serde_json::Value = serde_json::from_str(&support::render(
        packguard::render::Format::Json,
        std::slice::from_ref(&report),
        packguard::FailOn::Never,
        120,
    ))
    .expect("json output parses");
    assert_eq!(json["sourcemaps"][0]["sources_content"], 2);
    assert_eq!(json["sourcemaps"][0]["lines"], 4);
}

#[test]
fn the_human_summary_states_each_maps_exposure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tgz = dir.path().join("acme-1.0.0.tgz");
    let content: Vec<String> = (0..1900).map(|i| format!("\"// file {i}\\n\"")).collect();
    let sources: Vec<String> = (0..1900).map(|i| format!("\"../src/f{i}.ts\"")).collect();
    let tar = TarBuilder::new()
        .file(
            "package.json",
            r#"{"name":"acme","version":"1.0.0","license":"MIT"}"#,
        )
        .file("dist/cli.js", js_with_map("cli.js.map"))
        .file(
            "dist/cli.js.map",
            map(&format!(
                r#""sources":[{}],"sourcesContent":[{}]"#,
                sources.join(","),
                content.join(",")
            )),
        );
    std::fs::write(&tgz, tar.tgz()).expect("write fixture");
    let out = Command::cargo_bin("packguard")
        .expect("binary is built")
        .args(["scan", "--no-config", "--color", "never"])
        .arg(&tgz)
        .output()
        .expect("packguard runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("source maps: 1 found, 1 ship original source text\n  the package's source is open: `license` `MIT` is an open-source licence\n  package/dist/cli.js.map exposes 1,900 original files, 1,900 lines (1,900 first-party)\n"),
        "{stdout}"
    );
    // A note about an open-source package's maps does not fail the run.
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[test]
fn a_closed_source_package_fails_by_default_and_every_case_keeps_its_switch() {
    // No package.json, so no licence: proprietary.
    let closed = TarBuilder::new().file(
        "dist/a.js.map",
        map(r#""sources":["a.ts"],"sourcesContent":["x"]"#),
    );
    let report = scan(&closed);
    assert_eq!(
        only(&report, "sourcemap/proprietary-source").severity,
        Severity::Error
    );
    assert!(of(&report, "sourcemap/sources-content").is_empty());
    let (rules, config) = with_config("severity:\n  sourcemap/proprietary-source: warning\n");
    let report = scan_with(&closed, &rules, &config);
    assert_eq!(
        only(&report, "sourcemap/proprietary-source").severity,
        Severity::Warning
    );
    let open = closed.clone().file(
        "package.json",
        r#"{"name":"a","version":"1.0.0","license":"MIT"}"#,
    );
    let (rules, config) = with_config("severity:\n  sourcemap/sources-content: error\n");
    let report = scan_with(&open, &rules, &config);
    assert_eq!(
        only(&report, "sourcemap/sources-content").severity,
        Severity::Error
    );
}

#[test]
fn secrets_inside_sources_content_name_the_original_file_and_line() {
    let tar = TarBuilder::new().file(
        "dist/a.js.map",
        map(r#""sourceRoot":"src/","sources":["a.ts","config.ts"],"sourcesContent":["export {};\n","const x = 1;\n\nconst key = \"acme_live_0123456789abcdef\";\n"]"#),
    );
    let report = scan(&tar);
    // The plain scan of the map text finds it too; only the finding that knows the original
    // source is kept.
    let f = only(&report, "test/acme-key");
    assert_eq!(f.file, "package/dist/a.js.map");
    let o = f
        .original
        .as_ref()
        .expect("the finding names the original source");
    assert_eq!(o.map, "package/dist/a.js.map");
    assert_eq!(o.source, "src/config.ts");
    assert_eq!((o.line, o.column), (Some(3), Some(14)));
    let snippet = f.snippet.as_deref().expect("the finding shows a snippet");
    assert!(!snippet.contains("0123456789abcdef"), "redacted: {snippet}");
    assert!(
        snippet.contains("acme_live_0123…[16 chars]"),
        "redacted: {snippet}"
    );
}

#[test]
fn the_same_secret_in_two_originals_is_two_findings() {
    let tar = TarBuilder::new().file(
        "dist/a.js.map",
        map(r#""sources":["a.ts","b.ts"],"sourcesContent":["k='acme_live_0123456789abcdef'","k='acme_live_0123456789abcdef'"]"#),
    );
    let report = scan(&tar);
    let sources: Vec<_> = of(&report, "test/acme-key")
        .iter()
        .map(|f| f.original.as_ref().map(|o| o.source.clone()))
        .collect();
    assert_eq!(
        sources,
        vec![Some("a.ts".to_string()), Some("b.ts".to_string())]
    );
}

#[test]
fn inline_base64_map_is_analysed_and_scanned() {
    let inline = map(
        r#""sourceRoot":"https://acme.blob.core.windows.net/src/","sources":["a.ts"],"sourcesContent":["const k = 'acme_live_0123456789abcdef';\n"]"#,
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&inline);
    let js =
        format!("x();\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,{b64}\n");
    let report = scan(&TarBuilder::new().file("dist/a.js", &js));
    let bucket = only(&report, "sourcemap/bucket-url");
    assert_eq!(bucket.file, "package/dist/a.js");
    assert_eq!(bucket.line, Some(2));
    assert!(bucket.message.contains("Azure"), "{}", bucket.message);
    assert_eq!(
        only(&report, "sourcemap/proprietary-source").file,
        "package/dist/a.js"
    );
    let key = only(&report, "test/acme-key");
    assert_eq!(
        key.original.as_ref().map(|o| o.source.as_str()),
        Some("https://acme.blob.core.windows.net/src/a.ts")
    );
    assert!(report.sourcemaps[0].inline);
    // An inline map is referenced by its own file, so nothing is missing or unreferenced.
    assert!(of(&report, "sourcemap/missing-map").is_empty());
    assert!(of(&report, "sourcemap/unreferenced-map").is_empty());
}

#[test]
fn inline_url_encoded_map_in_css() {
    let inline = map(r#""sources":["/Users/alice/acme/s.scss"]"#);
    let encoded: String =
        percent_encoding::utf8_percent_encode(&inline, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let css = format!("a{{color:red}}\n/*# sourceMappingURL=data:application/json,{encoded} */\n");
    let report = scan(&TarBuilder::new().file("dist/s.css", &css));
    assert_eq!(
        only(&report, "sourcemap/absolute-path").file,
        "package/dist/s.css"
    );
}

#[test]
fn a_secret_in_an_inline_map_without_sources_content_is_found() {
    // A token in a source URL: base64 hides it from the plain scan of the file.
    let inline = map(r#""sources":["webpack://acme/a.ts?acme_live_0123456789abcdef"]"#);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&inline);
    let js = format!("x();\n//# sourceMappingURL=data:application/json;base64,{b64}\n");
    let report = scan(&TarBuilder::new().file("dist/a.js", &js));
    let f = only(&report, "test/acme-key");
    // Found by the decoded view of the file (with its exact place), or else by the
    // source-map check's scan of the decoded map: either way once, and saying how.
    assert!(
        f.message.contains("inline source map") || f.decoded.as_deref() == Some("base64"),
        "{}",
        f.message
    );
}

#[test]
fn index_maps_are_checked_section_by_section() {
    let index = r#"{"version":3,"sections":[
        {"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.ts"],"mappings":"AAAA"}},
        {"offset":{"line":10,"column":0},"map":{"version":3,"sourceRoot":"gs://acme-src/","sources":["b.ts"],"sourcesContent":["b\n"],"mappings":"AAAA"}},
        {"offset":{"line":20,"column":0},"url":"part.js.map"}
    ]}"#;
    let tar = TarBuilder::new()
        .file("dist/a.js", js_with_map("a.js.map"))
        .file("dist/a.js.map", index)
        .file("dist/part.js.map", map(r#""sources":["c.ts"]"#));
    let report = scan(&tar);
    let f = only(&report, "sourcemap/bucket-url");
    assert!(
        f.message.contains("sections[1].map.sourceRoot"),
        "{}",
        f.message
    );
    assert_eq!(
        only(&report, "sourcemap/proprietary-source").file,
        "package/dist/a.js.map"
    );
    assert!(
        of(&report, "sourcemap/invalid").is_empty(),
        "{:#?}",
        report.findings
    );
    // The section's `url` references the other map.
    assert!(
        of(&report, "sourcemap/unreferenced-map").is_empty(),
        "{:#?}",
        report.findings
    );
    let m = report
        .sourcemaps
        .iter()
        .find(|m| m.map == "package/dist/a.js.map")
        .expect("listed");
    assert_eq!(m.sources, 2);
}

#[test]
fn a_map_that_does_not_parse_is_a_warning_with_the_reason() {
    let tar = TarBuilder::new()
        .file("dist/a.js.map", r#"{"version":3,"sources":["a.ts"],"#)
        .file(
            "dist/b.js.map",
            r#"{"version":3,"sources":["b.ts"],"mappings":"!!!"}"#,
        )
        .file("dist/c.js.map", "\u{0}\u{1}binary")
        .file(
            "dist/d.js.map",
            r#"{"version":3,"sources":[1,2],"mappings":""}"#,
        )
        .file(
            "dist/e.js",
            "x();\n//# sourceMappingURL=data:application/json;base64,%%%\n",
        );
    let report = scan(&tar);
    let found = of(&report, "sourcemap/invalid");
    let files: Vec<&str> = found.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "package/dist/a.js.map",
            "package/dist/b.js.map",
            "package/dist/c.js.map",
            "package/dist/d.js.map",
            "package/dist/e.js"
        ]
    );
    assert!(found.iter().all(|f| f.severity == Severity::Warning));
    assert!(found[0].message.contains("EOF"), "{}", found[0].message);
    assert!(
        found[1].message.contains("vlq")
            || found[1].message.contains("VLQ")
            || found[1].message.contains("base64"),
        "{}",
        found[1].message
    );
    assert!(found[4].message.contains("base64"), "{}", found[4].message);
}

#[test]
fn missing_and_unreferenced_maps_are_paired_across_the_archive() {
    // The map comes before the file that names it, and one file names a map in another folder.
    let tar = TarBuilder::new()
        .file("maps/b.js.map", map(r#""sources":["b.ts"]"#))
        .file("dist/b.js", js_with_map("../maps/b.js.map"))
        .file("dist/gone.js", js_with_map("gone.js.map"))
        .file("dist/old.js", "//@ sourceMappingURL=old.js.map\n")
        .file("dist/old.js.map", map(r#""sources":["old.ts"]"#))
        .file("dist/s.css", "a{}\n/*# sourceMappingURL=s.css.map */")
        .file("dist/orphan.js.map", map(r#""sources":["o.ts"]"#))
        .file(
            "types/a.d.ts",
            "export {};\n//# sourceMappingURL=a.d.ts.map\n",
        )
        .file("types/a.d.ts.map", map(r#""sources":["a.ts"]"#))
        // A declaration map only serves editors: not shipping it is not worth a finding.
        .file(
            "types/b.d.ts",
            "export {};\n//# sourceMappingURL=b.d.ts.map\n",
        );
    let report = scan(&tar);
    let missing: Vec<(&str, Option<usize>)> = of(&report, "sourcemap/missing-map")
        .iter()
        .map(|f| (f.file.as_str(), f.line))
        .collect();
    assert_eq!(
        missing,
        [
            ("package/dist/gone.js", Some(2)),
            ("package/dist/s.css", Some(2))
        ]
    );
    let orphans: Vec<&str> = of(&report, "sourcemap/unreferenced-map")
        .iter()
        .map(|f| f.file.as_str())
        .collect();
    assert_eq!(orphans, ["package/dist/orphan.js.map"]);
}

#[test]
fn a_bundlers_own_code_that_writes_a_reference_is_not_one() {
    let js = "function emit(u) {\n  return code + \"\\n//# sourceMappingURL=\" + u;\n}\nconst t = `\n//# sourceMappingURL=${url}`;\n";
    let report = scan(&TarBuilder::new().file("lib/emit.js", js));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn config_ignore_and_disable_apply_to_sourcemap_rules() {
    let tar = TarBuilder::new()
        .file("dist/a.js.map", map(r#""sources":["s3://acme/a.ts"]"#))
        .file("fixtures/b.js.map", map(r#""sources":["s3://acme/b.ts"]"#));
    let (rules, config) =
        with_config("ignore:\n  - {paths: ['fixtures/'], rules: ['sourcemap/*']}\ndisable: [sourcemap/unreferenced-map]\n");
    let report = scan_with(&tar, &rules, &config);
    let files: Vec<&str> = report.findings.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files, ["package/dist/a.js.map"], "{:#?}", report.findings);
}

#[test]
fn the_cli_fails_on_a_bucket_and_rules_test_runs_the_sourcemap_examples() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tgz = dir.path().join("p.tgz");
    let tar = TarBuilder::new()
        .file("dist/a.js", js_with_map("a.js.map"))
        .file(
            "dist/a.js.map",
            map(r#""sourceRoot":"https://acme.r2.dev/","sources":["a.ts"]"#),
        );
    std::fs::write(&tgz, tar.tgz()).expect("write fixture");
    Command::cargo_bin("packguard")
        .expect("binary is built")
        .args(["scan", "--no-config", "--format", "json"])
        .arg(&tgz)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "\"rule\": \"sourcemap/bucket-url\"",
        ));
    Command::cargo_bin("packguard")
        .expect("binary is built")
        .args(["rules", "test"])
        .assert()
        .success();
}

/// What packguard says about a real package's source maps, in a stable text form. The
/// tarball comes from `$PACKGUARD_CORPUS` (scripts/fetch-corpus.sh); these tests are ignored
/// in a plain `cargo test` and fail when run without it, so they never pass unrun.
fn corpus_summary(file: &str) -> String {
    let path = support::real_tarball(file);
    let data = std::fs::read(&path).expect("corpus tarball readable");
    let report = scan_reader(
        file,
        data.as_slice(),
        &rules(),
        &Config::default(),
        &Options::default(),
    )
    .expect("a real package scans");
    let mut out = String::new();
    for f in report.findings.iter().filter(|f| f.category == "sourcemap") {
        let at = match (f.line, f.column) {
            (Some(l), Some(c)) => format!(":{l}:{c}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{} {} {}{at}\n  {}\n",
            f.severity, f.rule, f.file, f.message
        ));
    }
    out.push_str("exposure:\n");
    for m in &report.sourcemaps {
        out.push_str(&format!(
            "  {}{} sources={} sources_content={} lines={} bytes={} referenced_by={:?}\n",
            m.map,
            if m.inline { " (inline)" } else { "" },
            m.sources,
            m.sources_content,
            m.lines,
            m.bytes,
            m.referenced_by
        ));
    }
    out
}

#[test]
#[ignore = "needs real npm tarballs in $PACKGUARD_CORPUS (scripts/test.sh fetches them)"]
fn corpus_axios() {
    insta::assert_snapshot!(corpus_summary("axios-1.21.1.tgz"));
}

#[test]
#[ignore = "needs real npm tarballs in $PACKGUARD_CORPUS (scripts/test.sh fetches them)"]
fn corpus_socket_io_client() {
    insta::assert_snapshot!(corpus_summary("socket.io-client-4.8.4.tgz"));
}

#[test]
#[ignore = "needs real npm tarballs in $PACKGUARD_CORPUS (scripts/test.sh fetches them)"]
fn corpus_octokit_rest() {
    insta::assert_snapshot!(corpus_summary("octokit-rest-22.0.1.tgz"));
}

#[test]
#[ignore = "needs real npm tarballs in $PACKGUARD_CORPUS (scripts/test.sh fetches them)"]
fn corpus_jquery() {
    insta::assert_snapshot!(corpus_summary("jquery-4.0.0.tgz"));
}

#[test]
#[ignore = "needs real npm tarballs in $PACKGUARD_CORPUS (scripts/test.sh fetches them)"]
fn corpus_node_forge() {
    insta::assert_snapshot!(corpus_summary("node-forge-1.4.3.tgz"));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn arb_text() -> impl Strategy<Value = String> {
        // Pieces of real maps and references, shuffled into hostile shapes.
        let piece = prop_oneof![
            Just("{\"version\":3,".to_string()),
            Just("\"sources\":[".to_string()),
            Just("\"sourcesContent\":[".to_string()),
            Just("\"sections\":[{\"map\":".to_string()),
            Just("\"sourceRoot\":\"".to_string()),
            Just("\"mappings\":\"AAAA\"".to_string()),
            Just("//# sourceMappingURL=".to_string()),
            Just("data:application/json;base64,".to_string()),
            Just("file:é".to_string()),
            Just("https://[::1]:80/".to_string()),
            Just("s3://".to_string()),
            Just("../".to_string()),
            "[\\PC]{0,12}",
            Just("\n".to_string()),
            Just("]}\"".to_string()),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_map_or_script_scans_without_panicking(map in arb_text(), js in arb_text()) {
            let tar = TarBuilder::new()
                .file("dist/a.js", &js)
                .file("dist/a.js.map", &map);
            let report = scan(&tar);
            for f in &report.findings {
                prop_assert!(f.file.starts_with("package/"));
            }
        }
    }
}

#[test]
fn human_output_never_shows_a_secret_from_a_map() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tgz = dir.path().join("p.tgz");
    let rules = dir.path().join("acme.yaml");
    std::fs::write(&rules, TEST_RULES).expect("write rules");
    let inline = map(r#""sources":["b.ts"],"sourcesContent":["k='acme_live_0123456789abcdef'"]"#);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&inline);
    let tar = TarBuilder::new()
        .file(
            "dist/a.js.map",
            map(r#""sourceRoot":"https://acme.r2.dev/","sources":["a.ts"],"sourcesContent":["const k = 'acme_live_0123456789abcdef';\n"]"#),
        )
        .file("dist/b.js", format!("x();\n//# sourceMappingURL=data:application/json;base64,{b64}\n"));
    std::fs::write(&tgz, tar.tgz()).expect("write fixture");
    for format in ["human", "json"] {
        let out = Command::cargo_bin("packguard")
            .expect("binary is built")
            .args([
                "scan",
                "--no-config",
                "--color",
                "never",
                "--format",
                format,
                "--rules",
            ])
            .arg(&rules)
            .arg(&tgz)
            .output()
            .expect("packguard runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("test/acme-key"), "{stdout}");
        assert!(stdout.contains("sourcemap/proprietary-source"), "{stdout}");
        assert!(
            !stdout.contains("456789abcdef"),
            "{format} output leaks the secret:\n{stdout}"
        );
    }
}

/// A package with one of everything, as the human and JSON reports show it.
fn showcase() -> TarBuilder {
    TarBuilder::new()
        .file("package.json", r#"{"name":"acme-cli","version":"2.0.0"}"#)
        .file("dist/cli.js", js_with_map("cli.js.map"))
        .file(
            "dist/cli.js.map",
            map(r#""file":"cli.js","sourceRoot":"https://acme-src.s3.amazonaws.com/cli/","sources":["main.ts","/Users/alice/acme/util.ts"],"sourcesContent":["import './util';\nmain();\n","export const u = 1;\n"]"#),
        )
        .file("dist/web.js", "w();\n//# sourceMappingURL=web.js.map\n")
        .file("dist/old.js.map", "{not json")
}

#[test]
fn human_report_snapshot() {
    let report = scan(&showcase());
    let text = support::render(
        packguard::render::Format::Human,
        std::slice::from_ref(&report),
        packguard::FailOn::Severity(Severity::Error),
        100,
    );
    let text = regex::Regex::new(r"in \d+ ms")
        .expect("valid regex")
        .replace(&text, "in [ms] ms");
    insta::assert_snapshot!(text);
}

#[test]
fn json_report_snapshot() {
    let report = scan(&showcase());
    insta::assert_json_snapshot!(report, {".summary.duration_ms" => "[ms]"});
}

#[test]
fn a_secret_in_generated_code_is_mapped_back_to_its_original() {
    // Generated line 1: `a();` then the key at column 5; the mapping `AAAA,IAEE` says column 0
    // comes from a.ts 1:1 and column 4 from a.ts line 3, column 3 (0-based 2,2).
    let tar = TarBuilder::new()
        .file(
            "dist/a.js",
            "a();const k='acme_live_0123456789abcdef';\n//# sourceMappingURL=a.js.map\n",
        )
        .file(
            "dist/a.js.map",
            r#"{"version":3,"sources":["../src/a.ts"],"names":[],"mappings":"AAAA,IAEE"}"#,
        );
    let report = scan(&tar);
    let f = only(&report, "test/acme-key");
    assert_eq!(f.file, "package/dist/a.js");
    assert_eq!((f.line, f.column), (Some(1), Some(14)));
    let o = f.original.as_ref().expect("mapped back through the map");
    assert_eq!(
        (o.map.as_str(), o.source.as_str()),
        ("package/dist/a.js.map", "../src/a.ts")
    );
    assert_eq!((o.line, o.column), (Some(3), Some(3)));
    assert!(
        f.message.contains("(original: ../src/a.ts:3:3)"),
        "{}",
        f.message
    );
}

/// A generated position the map does not cover has no original: `lookup_token` would hand
/// back the nearest earlier mapping (another line's), so the finding would name a line of
/// `a.ts` that does not hold the secret. It stays on the generated file instead.
#[test]
fn a_secret_on_an_unmapped_generated_position_keeps_the_generated_file() {
    let key = "const k='acme_live_0123456789abcdef';";
    let cases = [
        // An esbuild-style footer: line 2 has no mapping; line 1's is the nearest earlier one.
        (format!("a();\n{key}\n"), "AAAA;"),
        // The key sits before the first mapping of its line (`b();` at column 37).
        (format!("a();\n{key}b();\n"), "AAAA;qCAEA"),
        // A one-field segment at column 4: generated code with no original.
        (format!("a();{key}\n"), "AAAA,I"),
    ];
    for (js, mappings) in cases {
        let map = format!(
            r#"{{"version":3,"sources":["../src/a.ts"],"names":[],"mappings":"{mappings}"}}"#
        );
        let tar = TarBuilder::new()
            .file("dist/a.js", format!("{js}//# sourceMappingURL=a.js.map\n"))
            .file("dist/a.js.map", map);
        let report = scan(&tar);
        let f = only(&report, "test/acme-key");
        assert_eq!(f.file, "package/dist/a.js", "{mappings}");
        assert!(f.line.is_some(), "{mappings}: the generated line is kept");
        assert_eq!(
            f.original, None,
            "{mappings}: no original for an unmapped position"
        );
        assert!(
            !f.message.contains("original:"),
            "{mappings}: {}",
            f.message
        );
    }
}

#[test]
fn a_secret_in_code_with_an_inline_map_is_mapped_back_too() {
    let inline = r#"{"version":3,"sources":["../src/a.ts"],"names":[],"mappings":"AAAA,IAEE"}"#;
    let b64 = base64::engine::general_purpose::STANDARD.encode(inline);
    let js = format!(
        "a();const k='acme_live_0123456789abcdef';\n//# sourceMappingURL=data:application/json;base64,{b64}\n"
    );
    let report = scan(&TarBuilder::new().file("dist/a.js", &js));
    let f = only(&report, "test/acme-key");
    let o = f
        .original
        .as_ref()
        .expect("mapped back through the inline map");
    assert_eq!(
        (o.map.as_str(), o.source.as_str(), o.line),
        ("package/dist/a.js", "../src/a.ts", Some(3))
    );
}

#[test]
fn the_maps_file_field_is_checked_like_the_others() {
    let tar = TarBuilder::new().file(
        "dist/a.js.map",
        map(r#""file":"https://acme.nyc3.digitaloceanspaces.com/dist/a.js","sources":["a.ts"]"#),
    );
    let report = scan(&tar);
    let f = only(&report, "sourcemap/bucket-url");
    assert!(
        f.message
            .starts_with("source map points at a cloud storage bucket: file `"),
        "{}",
        f.message
    );
    assert!(f.message.contains("DigitalOcean Spaces"), "{}", f.message);
}
