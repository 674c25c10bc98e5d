//! Reading what `npm pack` wrote: normal, hostile and broken archives, and the limits.

mod support;

use predicates::prelude::*;
use support::*;

#[test]
fn clean_package_passes_and_reports_identity() {
    let s = Scratch::new();
    let (code, r) = s.scan_json(&package("clean", "1.2.3").tgz(), &[]);
    assert_eq!(code, 0);
    assert_eq!(r["artifact"]["name"], "clean");
    assert_eq!(r["artifact"]["version"], "1.2.3");
    assert_eq!(r["artifact"]["kind"], "tarball");
    assert_eq!(r["artifact"]["files"], 2);
    assert_eq!(r["findings"].as_array().unwrap().len(), 0);
    assert_eq!(r["tool"]["name"], "packguard");
}

#[test]
fn plain_tar_and_stdin_are_read_too() {
    let s = Scratch::new();
    let pkg = package("p", "1.0.0").file(".env", "x");
    let tar = s.write("p.tar", pkg.tar());
    s.cmd()
        .arg("scan")
        .arg(&tar)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("file/env"));
    s.cmd()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(pkg.tgz())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"path\": \"<stdin>\""));
}

#[test]
fn every_hostile_entry_is_reported_and_nothing_is_written() {
    let s = Scratch::new();
    let tgz = package("evil", "1.0.0")
        .raw_file(b"package/../../escape.sh", "echo pwned")
        .raw_file(b"/etc/cron.d/evil", "* * * * * root id")
        .symlink("package/passwd", "/etc/passwd")
        .hardlink("package/shadow", "../../etc/shadow")
        .fifo("package/pipe")
        .raw_file(b"other/hidden.js", "x")
        .raw_file(b"package/caf\xe9.js", "x")
        .file("index.js", "second copy")
        .tgz();
    let (code, r) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 1);
    let f = findings(&r);
    let expect = [
        ("file/path-traversal", "package/../../escape.sh", "error"),
        ("file/absolute-path", "/etc/cron.d/evil", "error"),
        ("file/outside-package-root", "/etc/cron.d/evil", "warning"),
        ("file/symlink", "package/passwd", "error"),
        ("file/hardlink", "package/shadow", "error"),
        ("file/special-entry", "package/pipe", "error"),
        ("file/outside-package-root", "other/hidden.js", "warning"),
        ("file/non-utf8-name", "package/caf\u{fffd}.js", "warning"),
        ("file/duplicate-entry", "package/index.js", "warning"),
    ];
    for (rule, file, sev) in expect {
        assert!(
            f.iter().any(|(r, p, s)| r == rule && p == file && s == sev),
            "missing {rule} {sev} on {file}; got {f:#?}"
        );
    }
    // The symlink's target is named, so a reviewer sees where it pointed.
    let link = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "file/symlink")
        .unwrap();
    assert!(link["message"].as_str().unwrap().contains("/etc/passwd"));
    // Never extracted: the scratch folder holds only the tarball.
    let names: Vec<_> = std::fs::read_dir(s.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
    assert!(!s.path().join("escape.sh").exists());
}

#[test]
fn a_long_gnu_name_is_read_whole() {
    let s = Scratch::new();
    let deep = format!("{}/.env", "very-long-folder-name".repeat(8));
    let (_, r) = s.scan_json(&package("p", "1.0.0").file(&deep, "A=1").tgz(), &[]);
    assert!(has(&r, "file/env", &format!("package/{deep}")), "{r:#}");
}

#[test]
fn not_an_archive_exits_2_naming_the_file_with_nothing_on_stdout() {
    let s = Scratch::new();
    let f = s.write("notes.tgz", "just some text, not gzip");
    s.cmd()
        .arg("scan")
        .arg(&f)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("notes.tgz")
                .and(predicate::str::contains("neither gzip nor tar")),
        );
    let z = s.write("pkg.zip", b"PK\x03\x04rest of a zip");
    s.cmd()
        .arg("scan")
        .arg(&z)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("zip archive"));
    let e = s.write("empty.tgz", b"");
    s.cmd()
        .arg("scan")
        .arg(&e)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty"));
    s.cmd()
        .args(["scan", "missing.tgz"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("missing.tgz"));
}

#[test]
fn truncated_and_corrupt_gzip_exit_2() {
    let s = Scratch::new();
    let big = "x = 1;\n".repeat(20_000);
    let tgz = package("p", "1.0.0").file("big.js", &big).tgz();
    let cut = s.write("cut.tgz", &tgz[..tgz.len() / 2]);
    s.cmd()
        .arg("scan")
        .arg(&cut)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("cut.tgz").and(predicate::str::contains("truncated")));
    let mut bad = tgz.clone();
    let mid = bad.len() / 2;
    for b in &mut bad[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let bad = s.write("bad.tgz", &bad);
    s.cmd()
        .arg("scan")
        .arg(&bad)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("bad.tgz"));
}

#[test]
fn a_truncated_tar_inside_a_valid_gzip_exits_2() {
    let s = Scratch::new();
    let tar = package("p", "1.0.0").file("a.js", "y".repeat(5000)).tar();
    let cut = gzip(&tar[..1024 + 700]);
    let f = s.write("short.tgz", cut);
    s.cmd()
        .arg("scan")
        .arg(&f)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("short.tgz"));
}

#[test]
fn gzip_bomb_is_stopped_at_the_limit() {
    let s = Scratch::new();
    // 64 MiB of zeros compresses to a few tens of KiB.
    let bomb = package("bomb", "1.0.0")
        .file("zeros.bin", vec![0u8; 64 << 20])
        .tgz();
    assert!(bomb.len() < 1 << 20);
    let f = s.write("bomb.tgz", &bomb);
    s.cmd()
        .arg("scan")
        .arg(&f)
        .args(["--max-total-size", "16MiB", "--max-file-size", "128MiB"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--max-total-size"));
}

#[test]
fn a_header_that_claims_a_huge_entry_is_refused_before_inflating() {
    let s = Scratch::new();
    // A tar header declaring a 1 TiB file, followed by nothing: refused on the header alone.
    let mut header = tar::Header::new_gnu();
    header.set_path("package/huge.bin").unwrap();
    header.set_size(1 << 40);
    header.set_cksum();
    let f = s.write("claims.tgz", gzip(header.as_bytes()));
    s.cmd()
        .arg("scan")
        .arg(&f)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("claims.tgz")
                .and(predicate::str::contains("--max-total-size")),
        );
}

#[test]
fn oversized_file_is_a_warning_and_not_scanned() {
    let s = Scratch::new();
    let tgz = package("p", "1.0.0")
        .file("dist/big.js", format!("{}AKIA", "x".repeat(4096)))
        .tgz();
    let (code, r) = s.scan_json(&tgz, &["--max-file-size", "1KiB"]);
    assert_eq!(code, 0);
    assert!(has(&r, "file/oversized-entry", "package/dist/big.js"));
    let (code, _) = s.scan_json(&tgz, &["--max-file-size", "1KiB", "--fail-on", "warning"]);
    assert_eq!(code, 1);
}

#[test]
fn too_many_entries_exits_2() {
    let s = Scratch::new();
    let mut b = package("p", "1.0.0");
    for i in 0..50 {
        b = b.file(&format!("f{i}.js"), "x");
    }
    let f = s.write("many.tgz", b.tgz());
    s.cmd()
        .arg("scan")
        .arg(&f)
        .args(["--max-entries", "10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--max-entries"));
}

#[test]
fn concatenated_gzip_members_are_all_read() {
    let s = Scratch::new();
    // A second gzip member carrying a file: `gzip -dc` and npm's extractor see it, so must we.
    let first = package("p", "1.0.0").tar();
    let head = &first[..first.len() - 1024];
    let second = TarBuilder::new().file(".env", "x").tar();
    let mut tgz = gzip(head);
    tgz.extend(gzip(&second));
    let (code, r) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 1);
    assert!(has(&r, "file/env", "package/.env"), "{r:#}");
}
