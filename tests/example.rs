//! The README's first command: packguard on the example package the repository ships.

mod support;

use support::Scratch;

#[test]
fn the_readme_example_fails_with_the_findings_it_promises() {
    let s = Scratch::new();
    let tgz = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/leaky-pkg-1.0.0.tgz");
    let out = s
        .cmd()
        .args(["scan", tgz, "--format", "json"])
        .output()
        .expect("run packguard");
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(r["artifact"]["name"], "leaky-pkg");
    for (rule, file) in [
        ("file/npmrc", "package/.npmrc"),
        ("file/env", "package/.env"),
        ("file/log", "package/npm-debug.log"),
        ("manifest/install-script-download", "package/package.json"),
        ("sourcemap/bucket-url", "package/dist/cli.js.map"),
        ("sourcemap/sources-content", "package/dist/cli.js.map"),
    ] {
        assert!(
            support::has(&r, rule, file),
            "{rule} on {file} missing: {r:#}"
        );
    }
}

#[test]
fn the_example_tarball_matches_its_source_folder() {
    // testdata/make-example.sh packs testdata/leaky-pkg/; the committed tarball must hold
    // exactly those files with that content, or the README example is stale.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
    let tgz = std::fs::read(format!("{root}/leaky-pkg-1.0.0.tgz")).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz.as_slice()));
    let mut count = 0;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_dir() {
            continue;
        }
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let rel = name.strip_prefix("package/").expect("under package/");
        let mut packed = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut packed).unwrap();
        let on_disk = std::fs::read(format!("{root}/leaky-pkg/{rel}")).unwrap();
        assert_eq!(
            packed, on_disk,
            "{rel} differs: run testdata/make-example.sh"
        );
        count += 1;
    }
    let walk = walk(&format!("{root}/leaky-pkg"));
    assert_eq!(
        count, walk,
        "file count differs: run testdata/make-example.sh"
    );
}

fn walk(dir: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(p.to_str().unwrap())
            } else {
                1
            }
        })
        .sum()
}
