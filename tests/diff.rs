//! `packguard diff OLD NEW` and `scan --previous`: what changed since the last release, each
//! case with both releases built in code next to its assertions.

mod support;

use serde_json::Value;
use support::{Scratch, TarBuilder};

const MANIFEST: &str = r#"{"name":"demo","version":"1.0.0","main":"index.js","license":"MIT","repository":"github:example/demo","files":["index.js"]}"#;
const MANIFEST_2: &str = r#"{"name":"demo","version":"1.1.0","main":"index.js","license":"MIT","repository":"github:example/demo","files":["index.js"]}"#;
/// A GitHub token with a valid checksum: the built-in rules flag it as an error
/// (`secret/github-pat`).
fn token() -> String {
    packguard::rules::validators::Checksum::Github
        .complete("ghp_", "R8sWm2Qx7LbN4cVt9YzK1pJd6HfG3a")
}

/// The previous release: a manifest and one file.
fn v1() -> TarBuilder {
    TarBuilder::new()
        .file("package.json", MANIFEST)
        .file("index.js", "module.exports = 1;\n")
}

/// The next release with `extra` files on top of a bumped manifest and the same index.js.
fn v2() -> TarBuilder {
    TarBuilder::new()
        .file("package.json", MANIFEST_2)
        .file("index.js", "module.exports = 1;\n")
}

/// Runs `packguard diff old.tgz new.tgz --format json EXTRA` and returns (code, report).
fn diff(s: &Scratch, old: &TarBuilder, new: &TarBuilder, extra: &[&str]) -> (i32, Value) {
    s.write("old.tgz", old.tgz());
    s.write("new.tgz", new.tgz());
    let mut args = vec!["diff", "old.tgz", "new.tgz", "--format", "json"];
    args.extend(extra);
    s.run_json(&args)
}

/// The findings of `rule` as (file, message, pre_existing).
fn of_rule(report: &Value, rule: &str) -> Vec<(String, String, Option<bool>)> {
    support::of_rule(report, rule)
        .into_iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
                f["pre_existing"].as_bool(),
            )
        })
        .collect()
}

#[test]
fn an_added_file_is_listed_with_its_size_and_flagged_as_info() {
    let s = Scratch::new();
    let (code, r) = diff(&s, &v1(), &v2().file("dist/debug.log", "0123456789"), &[]);
    assert_eq!(code, 0, "an info finding does not fail the default run");
    assert_eq!(
        r["diff"]["added"],
        serde_json::json!([{"path": "package/dist/debug.log", "size": 10}])
    );
    assert_eq!(r["diff"]["unchanged"], 1, "index.js did not change");
    let found = of_rule(&r, "diff/new-file");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "package/dist/debug.log");
    assert_eq!(found[0].2, Some(false));
    assert_eq!(r["diff"]["previous"]["version"], "1.0.0");
    assert_eq!(r["artifact"]["version"], "1.1.0");
}

#[test]
fn a_file_too_large_to_scan_is_still_listed_as_added() {
    let s = Scratch::new();
    let new = v2().file("data/dump.bin", vec![b'x'; 4096]);
    let (_, r) = diff(&s, &v1(), &new, &["--max-file-size", "1KiB"]);
    assert_eq!(
        r["diff"]["added"],
        serde_json::json!([{"path": "package/data/dump.bin", "size": 4096}])
    );
    assert_eq!(of_rule(&r, "diff/new-file").len(), 1);
}

#[test]
fn a_removed_file_is_listed_with_its_old_size() {
    let s = Scratch::new();
    let old = v1().file("legacy.js", "old code");
    let (code, r) = diff(&s, &old, &v2(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        r["diff"]["removed"],
        serde_json::json!([{"path": "package/legacy.js", "size": 8}])
    );
    assert!(r["diff"]["added"].as_array().expect("list").is_empty());
}

#[test]
fn a_changed_file_shows_old_and_new_size_and_a_large_growth_is_flagged() {
    let s = Scratch::new();
    let old = v1().file("dist/bundle.js", "x".repeat(1000));
    let new = v2().file("dist/bundle.js", "y".repeat(1000 + (2 << 20)));
    let (_, r) = diff(&s, &old, &new, &[]);
    let changed = r["diff"]["changed"].as_array().expect("list");
    let bundle = changed
        .iter()
        .find(|c| c["path"] == "package/dist/bundle.js")
        .expect("bundle.js changed");
    assert_eq!(bundle["old_size"], 1000);
    assert_eq!(bundle["new_size"], 1000 + (2 << 20));
    assert_eq!(bundle["delta"], 2 << 20);
    let grown = of_rule(&r, "diff/grown-file");
    assert_eq!(grown.len(), 1);
    assert!(grown[0].1.contains("grew by 2.0 MiB"), "{}", grown[0].1);

    // Same size, other bytes: still a change (content hash), and no growth finding.
    let (_, r) = diff(
        &s,
        &v1().file("a.js", "aaaa"),
        &v2().file("a.js", "bbbb"),
        &[],
    );
    let changed = r["diff"]["changed"].as_array().expect("list");
    assert!(changed
        .iter()
        .any(|c| c["path"] == "package/a.js" && c["delta"] == 0));
    assert!(of_rule(&r, "diff/grown-file").is_empty());

    // A bundle renamed by its build hash grows like any file, measured against what it was.
    let (_, r) = diff(
        &s,
        &v1().file("dist/app-5f3a9c1e.js", "x".repeat(1000)),
        &v2().file("dist/app-7d2b4e0f.js", "x".repeat(1000 + (2 << 20))),
        &[],
    );
    assert_eq!(
        of_rule(&r, "diff/grown-file"),
        [(
            "package/dist/app-7d2b4e0f.js".to_string(),
            "file grew a lot since the previous release: grew by 2.0 MiB to 2.0 MiB (was 1000 B as package/dist/app-5f3a9c1e.js)".to_string(),
            Some(false)
        )]
    );
    assert!(of_rule(&r, "diff/new-file").is_empty());
}

const MAP_WITHOUT_TEXT: &str =
    r#"{"version":3,"sources":["../src/a.ts"],"names":[],"mappings":"AAAA"}"#;
const MAP_WITH_TEXT: &str = r#"{"version":3,"sources":["../src/a.ts","../src/b.ts"],"sourcesContent":["let a","let b"],"names":[],"mappings":"AAAA"}"#;

#[test]
fn hashed_chunk_names_and_moved_files_are_renames_not_new_files() {
    let s = Scratch::new();
    let leaky = format!("const t = \"{}\";\n", token());
    let other = packguard::rules::validators::Checksum::Github
        .complete("ghp_", "Zq7Wm2Qx7LbN4cVt9YzK1pJd6HfG3b");
    // A bundler's chunk: 200 lines of its own, plus `extra`.
    let chunk = |n: u32, extra: &str| {
        let mut text: String = (0..200)
            .map(|i| format!("export const c{n}_{i} = {i};\n"))
            .collect();
        text.push_str(extra);
        text
    };
    let map = |sources: &[&str]| {
        let content: Vec<String> = sources.iter().map(|s| format!("// {s}")).collect();
        serde_json::json!({"version": 3, "sources": sources, "sourcesContent": content, "mappings": ""})
            .to_string()
    };
    let old = v1()
        .file("dist/chunk-AAAA1111.js", chunk(1, &leaky))
        .file("dist/chunk-BBBB2222.js", chunk(2, ""))
        .file("dist/chunk-BBBB2222.js.map", map(&["a.ts"]))
        .file("lib/util.js", "module.exports = 'util';\n");
    let new = v2()
        // Each chunk edited and renamed by its new hash: paired with the one it is most like.
        .file("dist/chunk-CCCC3333.js", chunk(2, "// edited\n"))
        .file(
            "dist/chunk-DDDD4444.js",
            chunk(1, &format!("{leaky}// edited\n")),
        )
        // The map of chunk 2 renamed, and now naming one more source.
        .file("dist/chunk-CCCC3333.js.map", map(&["a.ts", "b.ts"]))
        // Moved, same content.
        .file("src/util.js", "module.exports = 'util';\n")
        // A chunk like no old one, with a new secret: new.
        .file(
            "dist/chunk-EEEE5555.js",
            chunk(3, &format!("const u = \"{other}\";\n")),
        );
    let (code, r) = diff(&s, &old, &new, &["--new-only"]);
    let d = &r["diff"];
    let paths = |list: &Value| -> Vec<String> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|f| f["path"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        paths(&d["added"]),
        ["package/dist/chunk-EEEE5555.js"],
        "{d}"
    );
    assert!(paths(&d["removed"]).is_empty(), "{d}");
    let renamed: Vec<(String, String, bool)> = d["renamed"]
        .as_array()
        .expect("renamed")
        .iter()
        .map(|r| {
            (
                r["from"].as_str().unwrap_or_default().to_string(),
                r["path"].as_str().unwrap_or_default().to_string(),
                r["same_content"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    let p = |f: &str| format!("package/{f}");
    assert_eq!(
        renamed,
        [
            (
                p("dist/chunk-BBBB2222.js"),
                p("dist/chunk-CCCC3333.js"),
                false
            ),
            (
                p("dist/chunk-BBBB2222.js.map"),
                p("dist/chunk-CCCC3333.js.map"),
                false
            ),
            (
                p("dist/chunk-AAAA1111.js"),
                p("dist/chunk-DDDD4444.js"),
                false
            ),
            (p("lib/util.js"), p("src/util.js"), true),
        ]
    );
    // The renamed map is compared with the one it was: grown, not new.
    assert_eq!(d["sourcemaps"][0]["change"], "grown", "{d}");
    assert_eq!(d["sourcemaps"][0]["old_sources"], 1, "{d}");
    assert!(of_rule(&r, "diff/new-sourcemap").is_empty());
    assert_eq!(
        of_rule(&r, "diff/new-file"),
        [(
            p("dist/chunk-EEEE5555.js"),
            "file not in the previous release: 5.1 KiB".to_string(),
            Some(false)
        )]
    );
    // The secret the old chunk had is pre-existing under the chunk's new name; the one in
    // the new chunk is new, and fails the run even with --new-only.
    let pats = of_rule(&r, "secret/github-pat");
    assert_eq!(
        pats.iter().map(|f| (f.0.as_str(), f.2)).collect::<Vec<_>>(),
        [
            (p("dist/chunk-DDDD4444.js").as_str(), Some(true)),
            (p("dist/chunk-EEEE5555.js").as_str(), Some(false)),
        ]
    );
    assert_eq!(code, 1);

    let out = run_diff(&s, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 added, 0 removed, 4 renamed, 1 changed, 1 unchanged"),
        "{text}"
    );
    assert!(
        text.contains("renamed    package/src/util.js                 from package/lib/util.js, same content, 25 B"),
        "{text}"
    );
}

#[test]
fn a_new_source_map_is_a_warning() {
    let s = Scratch::new();
    let new = v2()
        .file("dist/a.js", "a()\n//# sourceMappingURL=a.js.map\n")
        .file("dist/a.js.map", MAP_WITHOUT_TEXT);
    let (_, r) = diff(&s, &v1().file("dist/a.js", "a()\n"), &new, &[]);
    let maps = r["diff"]["sourcemaps"].as_array().expect("list");
    assert_eq!(maps.len(), 1);
    assert_eq!(maps[0]["map"], "package/dist/a.js.map");
    assert_eq!(maps[0]["change"], "added");
    let found = of_rule(&r, "diff/new-sourcemap");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "package/dist/a.js.map");
}

#[test]
fn a_source_map_that_now_ships_original_text_has_grown() {
    let s = Scratch::new();
    let old = v1()
        .file("dist/a.js", "a()\n//# sourceMappingURL=a.js.map\n")
        .file("dist/a.js.map", MAP_WITHOUT_TEXT);
    let new = v2()
        .file("dist/a.js", "a()\n//# sourceMappingURL=a.js.map\n")
        .file("dist/a.js.map", MAP_WITH_TEXT);
    let (_, r) = diff(&s, &old, &new, &[]);
    let maps = r["diff"]["sourcemaps"].as_array().expect("list");
    assert_eq!(maps.len(), 1);
    assert_eq!(maps[0]["change"], "grown");
    assert_eq!(maps[0]["sources"], 2);
    assert_eq!(maps[0]["old_sources"], 1);
    assert_eq!(maps[0]["sources_content"], 2);
    assert_eq!(maps[0]["old_sources_content"], 0);
    let found = of_rule(&r, "diff/grown-sourcemap");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("was 1 sources, 0 with their text"));
    assert!(of_rule(&r, "diff/new-sourcemap").is_empty());

    // The same map again is no change at all.
    let (_, r) = diff(
        &s,
        &v1().file("dist/a.js.map", MAP_WITH_TEXT),
        &v2().file("dist/a.js.map", MAP_WITH_TEXT),
        &[],
    );
    assert!(r["diff"]["sourcemaps"].as_array().expect("list").is_empty());
}

#[test]
fn a_new_install_script_is_an_error_and_a_changed_one_a_warning() {
    let s = Scratch::new();
    let with_script = |version: &str, script: &str| {
        TarBuilder::new().file(
            "package.json",
            format!(r#"{{"name":"demo","version":"{version}","repository":"github:example/demo","scripts":{{"postinstall":"{script}","test":"t"}}}}"#),
        )
    };
    let (code, r) = diff(&s, &v1(), &with_script("1.1.0", "node setup.js"), &[]);
    assert_eq!(code, 1, "a new install script blocks the release");
    assert_eq!(
        r["diff"]["scripts"],
        serde_json::json!([{"field": "scripts.postinstall", "change": "added", "old": null, "new": "node setup.js"}])
    );
    let found = of_rule(&r, "diff/new-install-script");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "package/package.json");
    assert!(found[0].1.contains("`node setup.js`"));

    let (code, r) = diff(
        &s,
        &with_script("1.0.0", "node setup.js"),
        &with_script("1.1.0", "node setup.js --fetch"),
        &["--fail-on", "warning"],
    );
    assert_eq!(code, 1);
    assert!(of_rule(&r, "diff/new-install-script").is_empty());
    assert_eq!(of_rule(&r, "diff/changed-install-script").len(), 1);
}

#[test]
fn new_entry_points_bin_and_exports_are_warnings() {
    let s = Scratch::new();
    let old = TarBuilder::new().file(
        "package.json",
        r#"{"name":"demo","version":"1.0.0","bin":"cli.js","exports":{".":"./index.js"}}"#,
    );
    let new = TarBuilder::new().file(
        "package.json",
        r#"{"name":"demo","version":"1.1.0","bin":{"demo":"cli.js","demo-admin":"admin.js"},"exports":{".":"./index.js","./internal":"./internal.js"}}"#,
    );
    let (_, r) = diff(&s, &old, &new, &[]);
    let fields: Vec<&str> = r["diff"]["entry_points"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default())
        .collect();
    // `"bin": "cli.js"` is the command `demo`: moving to the object form changes nothing.
    assert_eq!(fields, ["bin.demo-admin", "exports[\"./internal\"]"]);
    let found = of_rule(&r, "diff/new-entry-point");
    assert_eq!(found.len(), 2);
    assert!(found
        .iter()
        .any(|f| f.1.contains("`bin.demo-admin` -> `admin.js`")));
}

#[test]
fn a_new_dependency_is_a_warning_and_a_move_off_the_registry_an_error() {
    let s = Scratch::new();
    let with_deps = |version: &str, deps: &str| {
        TarBuilder::new().file(
            "package.json",
            format!(r#"{{"name":"demo","version":"{version}","repository":"github:example/demo","dependencies":{deps}}}"#),
        )
    };
    let (code, r) = diff(
        &s,
        &with_deps("1.0.0", r#"{"left-pad":"^1.3.0","chalk":"^4"}"#),
        &with_deps(
            "1.1.0",
            r#"{"left-pad":"github:someone/left-pad","chalk":"^5","lodahs":"^4.17.21"}"#,
        ),
        &[],
    );
    assert_eq!(code, 1, "a dependency moved to a git source is an error");
    let deps = r["diff"]["dependencies"].as_array().expect("list");
    assert_eq!(deps.len(), 3);
    assert!(deps
        .iter()
        .any(|d| d["name"] == "chalk" && d["change"] == "changed" && d["old"] == "^4"));
    let new_dep = of_rule(&r, "diff/new-dependency");
    assert_eq!(new_dep.len(), 1);
    assert!(new_dep[0].1.contains("`lodahs`"));
    let moved = of_rule(&r, "diff/dependency-source");
    assert_eq!(moved.len(), 1);
    assert!(moved[0].1.contains("was `^1.3.0`"));
}

#[test]
fn findings_the_previous_release_had_are_marked_pre_existing() {
    let s = Scratch::new();
    let leaky = format!("const t = \"{}\";\n", token());
    let old = v1().file("lib/config.js", &leaky);
    let new = v2()
        .file("lib/config.js", format!("// moved down\n{leaky}"))
        .file("lib/other.js", &leaky);
    let (code, r) = diff(&s, &old, &new, &[]);
    assert_eq!(code, 1, "a pre-existing secret still fails by default");
    let pats = of_rule(&r, "secret/github-pat");
    let state = |file: &str| {
        pats.iter()
            .find(|f| f.0 == file)
            .unwrap_or_else(|| panic!("no finding on {file}: {pats:?}"))
            .2
    };
    // The fingerprint has no line number: the same token moved down a line is the same finding.
    assert_eq!(state("package/lib/config.js"), Some(true));
    assert_eq!(state("package/lib/other.js"), Some(false));
    assert_eq!(r["summary"]["pre_existing"], 1);
    assert!(
        !r.to_string().contains(&token()),
        "the secret stays redacted"
    );
}

#[test]
fn new_only_lets_pre_existing_findings_pass_but_not_new_ones() {
    let s = Scratch::new();
    let leaky = format!("const t = \"{}\";\n", token());
    let old = v1().file("lib/config.js", &leaky);
    let same = v2().file("lib/config.js", &leaky);
    assert_eq!(diff(&s, &old, &same, &[]).0, 1);
    assert_eq!(diff(&s, &old, &same, &["--new-only"]).0, 0);
    assert_eq!(diff(&s, &old, &same, &["--fail-on", "never"]).0, 0);
    let worse = same.clone().file("lib/second.js", &leaky);
    assert_eq!(diff(&s, &old, &worse, &["--new-only"]).0, 1);

    // The human verdict agrees with the exit code.
    let out = run_diff(&s, &["--new-only"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL: "), "{text}");
    assert!(text.contains("pre-existing, not counted"), "{text}");
}

#[test]
fn human_output_counts_pre_existing_findings_that_do_not_fail_instead_of_drawing_them() {
    let s = Scratch::new();
    let leaky = format!("const t = \"{}\";\n", token());
    // A warning both releases have (an install script), an error both have (a token), and a
    // new warning.
    let manifest = |v: &str| {
        format!(
            r#"{{"name":"demo","version":"{v}","main":"index.js","repository":"github:example/demo","scripts":{{"postinstall":"node x.js"}}}}"#
        )
    };
    let old = TarBuilder::new()
        .file("package.json", manifest("1.0.0"))
        .file("index.js", "1")
        .file("lib/config.js", &leaky);
    let new = TarBuilder::new()
        .file("package.json", manifest("1.1.0"))
        .file("index.js", "1")
        .file("lib/config.js", &leaky)
        .file(
            "index.js.map",
            r#"{"version":3,"sources":["a.ts"],"mappings":""}"#,
        );
    s.write("old.tgz", old.tgz());
    s.write("new.tgz", new.tgz());
    let human = |extra: &[&str]| String::from_utf8_lossy(&run_diff(&s, extra).stdout).into_owned();

    // By default the pre-existing error fails the run, so it is drawn; the pre-existing
    // warning does not, so it is counted; what is new is drawn.
    let text = human(&[]);
    assert!(text.contains("[secret/github-pat, pre-existing]"), "{text}");
    assert!(!text.contains("install-script, pre-existing]"), "{text}");
    assert!(
        text.contains("1 pre-existing finding not shown (they do not fail this run; --format json lists them):\n        1  manifest/install-script (warning)\n"),
        "{text}"
    );
    assert!(text.contains("[diff/new-file, new]"), "{text}");

    // With --new-only neither pre-existing finding fails: both are counted, most first.
    let text = human(&["--new-only"]);
    assert!(!text.contains("pre-existing]"), "{text}");
    assert!(text.contains("2 pre-existing findings not shown"), "{text}");
    assert!(text.contains("  secret/github-pat (error)\n"), "{text}");
    assert!(text.contains("[diff/new-file, new]"), "{text}");

    // With --fail-on warning the pre-existing warning fails too, and is drawn.
    let text = human(&["--fail-on", "warning"]);
    assert!(text.contains("install-script, pre-existing]"), "{text}");
    assert!(!text.contains("not shown"), "{text}");

    // The JSON report still lists every finding.
    let (_, r) = s.run_json(&[
        "diff",
        "old.tgz",
        "new.tgz",
        "--new-only",
        "--format",
        "json",
    ]);
    assert_eq!(r["summary"]["pre_existing"], 2, "{r}");
}

#[test]
fn scan_previous_is_the_same_comparison() {
    let s = Scratch::new();
    let (_, via_diff) = diff(&s, &v1(), &v2().file("x.js", "1"), &[]);
    let out = s
        .cmd()
        .args([
            "scan",
            "--previous",
            "old.tgz",
            "new.tgz",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    let via_scan: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(via_scan["diff"], via_diff["diff"]);
    assert_eq!(via_scan["findings"], via_diff["findings"]);
}

#[test]
fn the_previous_release_can_be_a_package_folder() {
    let s = Scratch::new();
    s.write("prev/package.json", MANIFEST);
    s.write("prev/index.js", "module.exports = 1;\n");
    s.write("prev/notes.txt", "not in `files`, so not published");
    s.write("new.tgz", v2().file("index.d.ts", "export {}").tgz());
    let out = s
        .cmd()
        .args([
            "diff", "prev", "new.tgz", "--pack", "builtin", "--format", "json",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(r["diff"]["previous"]["path"], "prev");
    assert_eq!(
        r["diff"]["added"],
        serde_json::json!([{"path": "package/index.d.ts", "size": 9}])
    );
    assert!(r["diff"]["removed"].as_array().expect("list").is_empty());
}

#[test]
fn one_side_can_come_from_stdin() {
    let s = Scratch::new();
    s.write("new.tgz", v2().file("added.js", "1").tgz());
    let out = s
        .cmd()
        .args(["diff", "-", "new.tgz", "--format", "json"])
        .write_stdin(v1().tgz())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(r["diff"]["previous"]["path"], "<stdin>");
    assert_eq!(r["diff"]["added"][0]["path"], "package/added.js");

    let out = s.cmd().args(["diff", "-", "-"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only one can be read from standard input")
    );
}

#[test]
fn a_bad_previous_release_exits_2_naming_it() {
    let s = Scratch::new();
    s.write("new.tgz", v2().tgz());
    s.write("broken.tgz", b"this is not a tarball");
    for (old, why) in [
        ("missing.tgz", "missing.tgz"),
        ("broken.tgz", "broken.tgz is not an npm tarball"),
    ] {
        let out = s
            .cmd()
            .args(["diff", old, "new.tgz"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty(), "nothing half-written on stdout");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("cannot read the previous release {old}")),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
    }
}

#[test]
fn previous_needs_exactly_one_input_and_new_only_needs_previous() {
    let s = Scratch::new();
    s.write("old.tgz", v1().tgz());
    s.write("a.tgz", v2().tgz());
    s.write("b.tgz", v2().tgz());
    let cases: [(&[&str], &str); 6] = [
        (
            &["scan", "--previous", "old.tgz", "a.tgz", "b.tgz"],
            "--previous compares with one package, and 2 were given",
        ),
        (
            &["scan", "--previous", "old.tgz", "--workspaces", "."],
            "with --workspaces, --previous is a folder of previous releases, and old.tgz is not a folder",
        ),
        (
            &["scan", "--new-only", "a.tgz"],
            "--new-only needs a previous release",
        ),
        // `diff` names the previous release itself and compares one package: clap refuses
        // the scan-only flags, so `diff --help` does not offer them either.
        (
            &["diff", "old.tgz", "a.tgz", "--previous", "b.tgz"],
            "unexpected argument '--previous'",
        ),
        (
            &["diff", "old.tgz", "a.tgz", "--workspaces"],
            "unexpected argument '--workspaces'",
        ),
        (
            &["diff", "old.tgz", "a.tgz", "b.tgz"],
            "unexpected argument 'b.tgz'",
        ),
    ];
    for (args, message) in cases {
        let out = s.cmd().args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let help = s.cmd().args(["diff", "--help"]).output().expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--new-only") && help.contains("--fail-on"),
        "{help}"
    );
    for flag in ["--previous", "--workspaces"] {
        let offered = help.lines().any(|l| l.trim_start().starts_with(flag));
        assert!(!offered, "diff --help offers {flag}:\n{help}");
    }
}

#[test]
fn each_workspace_package_is_compared_with_its_own_previous_release() {
    let s = Scratch::new();
    let leaky = format!("const t = \"{}\";\n", token());
    s.write(
        "repo/package.json",
        r#"{"name":"root","private":true,"workspaces":["packages/*"]}"#,
    );
    s.write(
        "repo/packages/a/package.json",
        r#"{"name":"@demo/a","version":"1.1.0","main":"index.js"}"#,
    );
    s.write("repo/packages/a/index.js", &leaky);
    s.write("repo/packages/a/new.js", "module.exports = 'new';\n");
    s.write(
        "repo/packages/b/package.json",
        r#"{"name":"b","version":"2.0.0","main":"index.js"}"#,
    );
    s.write("repo/packages/b/index.js", &leaky);
    // @demo/a's last release, named as `npm pack @demo/a@latest` names it; none for b, and a
    // release of another package whose name starts with `b-`.
    let old_a = TarBuilder::new()
        .file(
            "package.json",
            r#"{"name":"@demo/a","version":"1.0.0","main":"index.js"}"#,
        )
        .file("index.js", &leaky);
    s.write("prev/demo-a-1.0.0.tgz", old_a.tgz());
    s.write("prev/b-extra-1.0.0.tgz", v1().tgz());

    let args = [
        "scan",
        "repo",
        "--workspaces",
        "--previous",
        "prev",
        "--pack",
        "builtin",
        "--format",
        "json",
        "--new-only",
    ];
    let out = s.cmd().args(args).output().expect("runs");
    let reports: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let of = |name: &str| {
        reports
            .as_array()
            .expect("one report per package")
            .iter()
            .find(|r| r["artifact"]["name"] == name)
            .unwrap_or_else(|| panic!("no report for {name}: {reports}"))
    };
    let (a, b) = (of("@demo/a"), of("b"));
    assert_eq!(a["diff"]["previous"]["version"], "1.0.0", "{a}");
    assert_eq!(a["diff"]["added"][0]["path"], "package/new.js", "{a}");
    assert_eq!(
        of_rule(a, "secret/github-pat"),
        [(
            "package/index.js".to_string(),
            "GitHub personal access token (classic) in the package".to_string(),
            Some(true)
        )]
    );
    let new_files = support::of_rule(a, "diff/new-file");
    assert!(!new_files.is_empty(), "{a}");
    assert!(new_files.iter().all(|f| f["package"] == "@demo/a"), "{a}");
    // b has no previous release there: scanned alone, and its secret fails the run.
    assert!(b.get("diff").is_none(), "{b}");
    assert_eq!(of_rule(b, "secret/github-pat")[0].2, None);
    assert!(
        stderr.contains(
            "no previous release of b in prev (a first release?): scanned without a comparison"
        ),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "b's secret is not pre-existing");

    // Two releases of one package in the folder: which one is the previous is a guess.
    s.write("prev/demo-a-0.9.0.tgz", old_a.tgz());
    let out = s.cmd().args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "prev holds more than one release of @demo/a: demo-a-0.9.0.tgz, demo-a-1.0.0.tgz"
        ),
        "{err}"
    );
}

#[test]
fn diff_rules_are_tuned_like_any_rule() {
    let s = Scratch::new();
    s.write(
        ".packguard.yml",
        "severity:\n  diff/new-file: off\n  diff/new-dependency: error\n",
    );
    let new = TarBuilder::new()
        .file("package.json", r#"{"name":"demo","version":"1.1.0","repository":"github:example/demo","dependencies":{"x":"1"}}"#)
        .file("index.js", "module.exports = 1;\n")
        .file("added.js", "1");
    let (code, r) = diff(&s, &v1(), &new, &[]);
    assert!(of_rule(&r, "diff/new-file").is_empty());
    assert_eq!(code, 1, "new-dependency raised to error");
}

/// The two releases the format snapshots compare: a new file with a secret, a new
/// postinstall, a new dependency, a removed file, and a secret both releases have.
fn release_pair(s: &Scratch) {
    let leaky = format!("const t = \"{}\";\n", token());
    let old = TarBuilder::new()
        .file("package.json", r#"{"name":"demo","version":"1.0.0","main":"index.js","repository":"github:example/demo","dependencies":{"chalk":"^4.1.0"}}"#)
        .file("index.js", "module.exports = 1;\n")
        .file("lib/config.js", &leaky)
        .file("legacy.js", "old");
    let new = TarBuilder::new()
        .file("package.json", r#"{"name":"demo","version":"1.1.0","main":"index.js","repository":"github:example/demo","dependencies":{"chalk":"^5.0.0","left-pad":"^1.3.0"},"scripts":{"postinstall":"node setup.js"}}"#)
        .file("index.js", "module.exports = 2; // bigger\n")
        .file("lib/config.js", &leaky)
        .file(".env", format!("GITHUB_TOKEN={}\n", token()));
    s.write("old.tgz", old.tgz());
    s.write("new.tgz", new.tgz());
}

/// Runs `packguard diff old.tgz new.tgz EXTRA`.
fn run_diff(s: &Scratch, extra: &[&str]) -> std::process::Output {
    s.cmd()
        .args(["diff", "old.tgz", "new.tgz"])
        .args(extra)
        .output()
        .expect("runs")
}

fn stdout(s: &Scratch, extra: &[&str]) -> String {
    let out = run_diff(s, extra);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let timing = regex::Regex::new(r#"("duration_ms": ?)\d+|in \d+ ms"#).expect("regex");
    timing
        .replace_all(&String::from_utf8_lossy(&out.stdout), "${1}[duration]")
        .into_owned()
}

#[test]
fn human_report_lists_changes_then_marked_findings() {
    let s = Scratch::new();
    release_pair(&s);
    let out = stdout(&s, &[]);
    assert!(!out.contains(&token()));
    insta::assert_snapshot!("diff_human", out);
}

#[test]
fn json_report_has_a_diff_object() {
    let s = Scratch::new();
    release_pair(&s);
    let out = stdout(&s, &["--format", "json"]);
    assert!(!out.contains(&token()));
    insta::assert_snapshot!("diff_json", out);
}

#[test]
fn sarif_results_carry_baseline_state() {
    let s = Scratch::new();
    release_pair(&s);
    let out = stdout(&s, &["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out).expect("SARIF is JSON");
    let states: Vec<(&str, &str)> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or_default(),
                r["baselineState"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        states.contains(&("secret/github-pat", "unchanged")),
        "{states:?}"
    );
    assert!(
        states.contains(&("diff/new-install-script", "new")),
        "{states:?}"
    );
    // The results only: the rule catalogue beside them is every rule, pinned elsewhere.
    let results = serde_json::to_string_pretty(&sarif["runs"][0]["results"]).expect("JSON");
    insta::assert_snapshot!("diff_sarif_results", results);
}

#[test]
fn github_annotations_say_new_or_pre_existing() {
    let s = Scratch::new();
    release_pair(&s);
    let out = stdout(&s, &["--format", "github"]);
    assert!(out.contains("(pre-existing: the previous release had it too)"));
    assert!(out.contains("(new in this release)"));
    insta::assert_snapshot!("diff_github", out);
}

#[test]
fn job_summary_has_a_changes_section() {
    let s = Scratch::new();
    release_pair(&s);
    let summary = s.path().join("summary.md");
    let out = s
        .cmd()
        .args(["diff", "old.tgz", "new.tgz"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&summary).expect("summary written");
    assert!(md.contains("#### Changes since demo@1.0.0"));
    assert!(md.contains("| Release |"));
    assert!(!md.contains(&token()));
    insta::assert_snapshot!("diff_job_summary", md);
}

#[test]
fn diff_holds_the_new_release_to_its_lock() {
    let s = Scratch::new();
    s.write("old.tgz", v1().file("CHANGELOG.md", "# 1.0.0\n").tgz());
    let manifest =
        r#"{"name":"demo","version":"1.1.0","main":"index.js","repository":"github:example/demo"}"#;
    s.write("pkg/package.json", manifest);
    s.write("pkg/index.js", "module.exports = 1;\n");
    s.write("pkg/debug.log", "new, and not in the lock\n");
    s.write(
        "pkg/packguard.lock.yml",
        "files:\n  - package.json\n  - index.js\n",
    );
    let out = s
        .cmd()
        .args([
            "diff", "old.tgz", "pkg", "--pack", "builtin", "--format", "json",
        ])
        .output()
        .expect("runs");
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let unexpected: Vec<String> = of_rule(&r, "lock/unexpected-file")
        .into_iter()
        .map(|(file, _, _)| file)
        .collect();
    assert_eq!(unexpected, vec!["package/debug.log".to_string()]);
    assert_eq!(out.status.code(), Some(1), "an unexpected file is an error");
}
