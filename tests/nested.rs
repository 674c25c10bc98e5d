//! Archives inside the package: opened one level deep, under the same limits, with findings
//! named through the outer archive.

mod support;

use std::io::Write;
use support::*;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_tarball_inside_the_package_is_scanned() {
    let s = Scratch::new();
    let inner = TarBuilder::new()
        .file("package.json", "{}")
        .file(".npmrc", "//registry.npmjs.org/:_authToken=x")
        .tgz();
    let (code, r) = s.scan_json(
        &package("p", "1.0.0")
            .file("vendor/old-1.0.0.tgz", inner)
            .tgz(),
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        has(
            &r,
            "file/npmrc",
            "package/vendor/old-1.0.0.tgz!/package/.npmrc"
        ),
        "{r:#}"
    );
    // The tarball itself is flagged too.
    assert!(has(
        &r,
        "file/package-tarball",
        "package/vendor/old-1.0.0.tgz"
    ));
}

#[test]
fn zip_and_jar_entries_are_scanned_and_their_names_checked() {
    let s = Scratch::new();
    let jar = zip_of(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("config/.env", b"DB_PASSWORD=x"),
        ("../../escape.sh", b"echo pwned"),
    ]);
    let (code, r) = s.scan_json(&package("p", "1.0.0").file("lib/tool.jar", jar).tgz(), &[]);
    assert_eq!(code, 1);
    assert!(
        has(&r, "file/env", "package/lib/tool.jar!/config/.env"),
        "{r:#}"
    );
    assert!(
        has(
            &r,
            "file/path-traversal",
            "package/lib/tool.jar!/../../escape.sh"
        ),
        "{r:#}"
    );
}

#[test]
fn only_one_level_deep() {
    let s = Scratch::new();
    let innermost = TarBuilder::new().file(".env", "A=1").tgz();
    let inner = TarBuilder::new().file("deeper.tgz", innermost).tgz();
    let (_, r) = s.scan_json(&package("p", "1.0.0").file("a.tgz", inner).tgz(), &[]);
    let files: Vec<String> = findings(&r).into_iter().map(|(_, f, _)| f).collect();
    assert!(
        files.contains(&"package/a.tgz!/package/deeper.tgz".to_string()),
        "{files:?}"
    );
    assert!(!files.iter().any(|f| f.contains(".env")), "{files:?}");
}

#[test]
fn a_broken_or_oversized_nested_archive_is_reported_not_fatal() {
    let s = Scratch::new();
    let mut cut = TarBuilder::new().file("a.js", "x".repeat(20_000)).tgz();
    cut.truncate(cut.len() / 2);
    let bomb = TarBuilder::new()
        .file("zeros.bin", vec![0u8; 4 << 20])
        .tgz();
    let tgz = package("p", "1.0.0")
        .file("vendor/cut.tgz", cut)
        .file("vendor/bomb.tgz", bomb)
        .file("vendor/fake.zip", "not a zip")
        .tgz();
    let (code, r) = s.scan_json(
        &tgz,
        &["--max-total-size", "2MiB", "--max-file-size", "1MiB"],
    );
    assert_eq!(code, 0, "{r:#}");
    for f in [
        "package/vendor/cut.tgz",
        "package/vendor/bomb.tgz",
        "package/vendor/fake.zip",
    ] {
        assert!(has(&r, "file/nested-archive-unreadable", f), "{f}: {r:#}");
    }
}
