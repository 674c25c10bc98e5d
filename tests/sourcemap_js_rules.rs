//! Source maps read with JavaScript's rules (issue 17): map JSON as `JSON.parse` reads it, URLs
//! as WHATWG URL (Node's `URL`, browsers) parses them, `sourceMappingURL` where V8 finds it,
//! and a map analysed whatever its name. Each case hid a storage-bucket URL before.

mod support;

use support::*;

const BUCKET: &str = "acme-src.s3.amazonaws.com";

/// A package with `files` besides its manifest and `index.js`, scanned; the report.
fn scan(files: &[(&str, &str)]) -> serde_json::Value {
    let tar = files
        .iter()
        .fold(package("a", "1.0.0"), |t, (p, c)| t.file(p, c));
    Scratch::new().scan_json(&tar.tgz(), &["--no-config"]).1
}

fn buckets(report: &serde_json::Value) -> Vec<String> {
    of_rule(report, "sourcemap/bucket-url")
        .iter()
        .map(|f| f["file"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `dist/a.js` naming `dist/a.js.map`, whose JSON is `map`.
fn with_map(map: &str) -> serde_json::Value {
    scan(&[
        ("dist/a.js", "x();\n//# sourceMappingURL=a.js.map\n"),
        ("dist/a.js.map", map),
    ])
}

#[test]
fn map_json_is_read_as_json_parse_reads_it() {
    // JSON.parse keeps the last copy of a key.
    let r = with_map(&format!(
        r#"{{"version":3,"sourceRoot":"","sources":["a.ts"],"sourceRoot":"https://{BUCKET}/app/","mappings":"AAAA"}}"#
    ));
    assert_eq!(buckets(&r), vec!["package/dist/a.js.map"], "{r:#}");
    // A wrong type in fields the check does not need hides nothing.
    let r = with_map(&format!(
        r#"{{"version":"3","file":7,"names":{{"a":1}},"sourcesContent":5,"sourceRoot":"https://{BUCKET}/","sources":["a.ts",4],"mappings":"AAAA"}}"#
    ));
    assert_eq!(buckets(&r), vec!["package/dist/a.js.map"], "{r:#}");
    // A non-string entry in `sources` does not hide the string ones.
    let r = with_map(&format!(
        r#"{{"version":3,"sources":[null,{{}},"https://{BUCKET}/a.ts"],"mappings":"AAAA"}}"#
    ));
    assert_eq!(buckets(&r), vec!["package/dist/a.js.map"], "{r:#}");
}

#[test]
fn urls_are_parsed_as_whatwg_url_parses_them() {
    for url in [
        format!(r"https:\\\\{BUCKET}/app/"),
        format!(r"ht\ttps://{BUCKET}/app/"),
        format!(r"h\nttps://{BUCKET}/app/"),
        format!(r"\u0001https://{BUCKET}/app/"),
        format!(r" https://{BUCKET}/app/"),
        format!("HTTPS://{}/app/", BUCKET.to_uppercase()),
        format!("https://{}/app/", BUCKET.replace('.', "%2E")),
        format!(r"//{BUCKET}/app/"),
    ] {
        let r = with_map(&format!(
            r#"{{"version":3,"sources":["{url}a.ts"],"mappings":"AAAA"}}"#
        ));
        assert_eq!(buckets(&r), vec!["package/dist/a.js.map"], "{url}: {r:#}");
    }
}

#[test]
fn source_mapping_url_is_found_where_v8_finds_it() {
    let url = format!("https://{BUCKET}/maps/a.js.map");
    for js in [
        format!("x();//# sourceMappingURL={url}\n"),
        format!("x();\r//# sourceMappingURL={url}"),
        format!("x();\u{2028}//# sourceMappingURL={url}"),
        format!("x();\u{2029}//#\tsourceMappingURL= {url} \n"),
        format!("/* a */ //@ sourceMappingURL={url}"),
    ] {
        let r = scan(&[("dist/a.js", &js)]);
        assert_eq!(buckets(&r), vec!["package/dist/a.js"], "{js:?}: {r:#}");
    }
    // Not comments to V8, or comments it reads as no URL.
    for js in [
        format!("var s = \"//# sourceMappingURL={url}\";"),
        format!("x();\n//# sourceMappingURL={url}\n//# sourceMappingURL=b.map c\n"),
    ] {
        let r = scan(&[("dist/a.js", &js)]);
        assert!(buckets(&r).is_empty(), "{js:?}: {r:#}");
    }
}

#[test]
fn a_referenced_map_is_analysed_whatever_its_name_and_place_in_the_archive() {
    let map = format!(
        r#"{{"version":3,"sourceRoot":"https://{BUCKET}/","sources":["cli.ts"],"mappings":"AAAA"}}"#
    );
    let js = |name: &str| format!("x();\n//# sourceMappingURL={name}\n");
    // The map after the file that names it, and before it (npm packs in path order).
    for (files, map_path) in [
        (
            [
                ("dist/cli.js", js("cli.js.txt")),
                ("dist/cli.js.txt", map.clone()),
            ],
            "package/dist/cli.js.txt",
        ),
        (
            [("dist/a.json", map.clone()), ("dist/b.js", js("a.json"))],
            "package/dist/a.json",
        ),
        (
            [
                ("maps/m.json", map.clone()),
                ("z/cli.js", js("..\\maps\\m.json")),
            ],
            "package/maps/m.json",
        ),
    ] {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
        let r = scan(&files);
        assert_eq!(buckets(&r), vec![map_path], "{files:?}: {r:#}");
        assert!(of_rule(&r, "sourcemap/missing-map").is_empty(), "{r:#}");
    }
    // A JSON file nothing names is not a map.
    let r = scan(&[("dist/data.json", &map)]);
    assert!(buckets(&r).is_empty(), "{r:#}");
}
