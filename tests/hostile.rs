//! Archives built to break scanners. Each must end in a clean result or a clean exit 2: no
//! panic, no hang, nothing written, nothing half-printed.

mod support;

use predicates::prelude::*;
use support::*;

/// A raw ustar header block with the given name, type and size field text.
fn header(name: &str, kind: u8, size_field: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[124..124 + size_field.len()].copy_from_slice(size_field);
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| *b as u32).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

/// A PAX extended header (`x`) carrying `records`, then a file entry.
fn pax(records: &str, then: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for r in records.lines() {
        // A PAX record is "<len> <key>=<value>\n" where len counts itself.
        let mut len = r.len() + 3;
        while format!("{len} {r}\n").len() != len {
            len += 1;
        }
        body.extend_from_slice(format!("{len} {r}\n").as_bytes());
    }
    let mut out = header(
        "PaxHeaders/x",
        b'x',
        format!("{:011o}", body.len()).as_bytes(),
    );
    out.extend_from_slice(&body);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(then);
    out
}

fn expect_clean_exit(s: &Scratch, name: &str, bytes: &[u8], codes: &[i32]) -> String {
    expect_clean_exit_with(s, name, bytes, &[], codes)
}

/// `scan NAME ARGS` on `bytes` ends with one of `codes`, no panic, and on exit 2 nothing on
/// stdout and the file named on stderr; returns stderr.
fn expect_clean_exit_with(
    s: &Scratch,
    name: &str,
    bytes: &[u8],
    args: &[&str],
    codes: &[i32],
) -> String {
    let f = s.write(name, bytes);
    let out = s
        .cmd()
        .arg("scan")
        .arg(&f)
        .args(args)
        .output()
        .expect("run packguard");
    let code = out.status.code().expect("exited, not killed by a signal");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        codes.contains(&code),
        "{name}: exit {code}, stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{name} panicked: {stderr}");
    if code == 2 {
        assert!(out.stdout.is_empty(), "{name}: stdout on exit 2");
        assert!(
            stderr.contains(name),
            "{name}: the error does not name the file: {stderr}"
        );
    }
    stderr
}

/// Each outcome is what npm does with the same archive (node-tar 7 as
/// tests/differential/node-tar-extract.mjs runs it): a PAX size past what a JavaScript
/// number holds exactly fails npm's extraction, and packguard refuses it (exit 2, naming the
/// limit); a size that is not a plain number (`-1`, `not-a-number`) is ignored by node-tar,
/// which keeps the header's own size, so `a.js` (1 byte) installs, and packguard reads it the
/// same; a PAX path that climbs out is dropped by npm and reported by packguard.
#[test]
fn pax_headers_with_huge_or_negative_sizes() {
    let s = Scratch::new();
    let file = header("package/a.js", b'0', b"00000000001");
    let mut body = file.clone();
    body.extend_from_slice(&[b'x'; 512]);
    body.extend_from_slice(&[0u8; 1024]);
    for (i, records) in ["size=99999999999999999999999", "size=18446744073709551615"]
        .iter()
        .enumerate()
    {
        let tgz = gzip(&pax(records, &body));
        let stderr = expect_clean_exit(&s, &format!("pax{i}.tgz"), &tgz, &[2]);
        assert!(stderr.contains("--max-total-size"), "{records}: {stderr}");
    }
    for records in ["size=-1", "size=not-a-number"] {
        let (code, r) = s.scan_json(&gzip(&pax(records, &body)), &[]);
        assert_eq!(code, 1, "{records}: {r:#}");
        assert_eq!(
            findings(&r),
            [(
                "manifest/missing".to_string(),
                "package/package.json".to_string(),
                "error".to_string()
            )],
            "{records}: only the missing package.json"
        );
        assert_eq!(r["artifact"]["files"], 1, "{records}: {r:#}");
        assert_eq!(r["artifact"]["unpacked_bytes"], 1, "{records}: {r:#}");
    }
    // A PAX path that climbs out is reported like any other name.
    for target in ["package/../../etc/passwd", "package/../../etc/cron.d/x"] {
        let tgz = gzip(&pax(&format!("path={target}"), &body));
        let (code, r) = s.scan_json(&tgz, &[]);
        assert_eq!(code, 1);
        assert!(has(&r, "file/path-traversal", target), "{r:#}");
    }
}

#[test]
fn a_size_field_in_base_256_claiming_petabytes_is_refused() {
    let s = Scratch::new();
    // GNU base-256 size: high bit set, then a big-endian number (here 2^50 bytes).
    let mut field = vec![0x80u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    field[5] = 0x04;
    let mut h = header("package/huge.bin", b'0', b"");
    h[124..136].copy_from_slice(&field);
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| *b as u32).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let stderr = expect_clean_exit(&s, "petabytes.tgz", &gzip(&h), &[2]);
    assert!(stderr.contains("--max-total-size"), "{stderr}");
}

/// A small tarball that inflates past the limit only after its last entry: a valid package,
/// then 64 MiB of zeros inside the same gzip stream. No header claims a large size, so only
/// the count of decompressed bytes (`Counted` in artifact/read.rs) can stop it.
#[test]
fn zero_padding_inside_the_gzip_stream_is_stopped_by_the_decompressed_size_limit() {
    let s = Scratch::new();
    let mut tar = package("p", "1.0.0").tar();
    tar.resize(tar.len() + (64 << 20), 0);
    let tgz = gzip(&tar);
    assert!(tgz.len() < 1 << 20, "{} bytes compressed", tgz.len());
    let stderr =
        expect_clean_exit_with(&s, "padded.tgz", &tgz, &["--max-total-size", "16MiB"], &[2]);
    assert!(stderr.contains("--max-total-size"), "{stderr}");
    assert!(stderr.contains("16777216 byte limit"), "{stderr}");
}

#[test]
fn sparse_and_unknown_entry_types_do_not_crash() {
    let s = Scratch::new();
    // npm installs nothing from a lone sparse entry; packguard reads no file and reports it.
    let mut tar = header("package/sparse.bin", b'S', b"00000000000");
    tar.extend_from_slice(&[0u8; 1024]);
    let (code, r) = s.scan_json(&gzip(&tar), &[]);
    assert_eq!(code, 1, "{r:#}");
    assert!(has(&r, "file/special-entry", "package/sparse.bin"), "{r:#}");
    assert_eq!(r["artifact"]["files"], 0, "{r:#}");
    let mut tar = package("p", "1.0.0").tar();
    tar.truncate(tar.len() - 1024);
    tar.extend(header("package/weird", b'Z', b"00000000000"));
    tar.extend_from_slice(&[0u8; 1024]);
    let (code, r) = s.scan_json(&gzip(&tar), &[]);
    assert_eq!(code, 1);
    assert!(has(&r, "file/special-entry", "package/weird"), "{r:#}");
}

#[test]
fn truncated_headers_exit_2() {
    let s = Scratch::new();
    let tar = package("p", "1.0.0").tar();
    for cut in [100, 511, 513] {
        expect_clean_exit(&s, &format!("cut{cut}.tgz"), &gzip(&tar[..cut]), &[2]);
    }
}

#[test]
fn a_partial_header_after_complete_entries_is_dropped_as_npm_drops_it_and_reported() {
    // npm installs package.json from this and ignores the 476 bytes of the next header.
    let s = Scratch::new();
    let tar = package("p", "1.0.0").tar();
    let (code, r) = s.scan_json(&gzip(&tar[..1500]), &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(of_rule(&r, "archive/reader-disagreement").len(), 1, "{r:#}");
}

#[test]
fn thousands_of_empty_entries_are_counted_and_limited() {
    let s = Scratch::new();
    let mut b = package("p", "1.0.0");
    for i in 0..5000 {
        b = b.file(&format!("empty/{i}.js"), "");
    }
    let tgz = b.tgz();
    let (code, r) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 0);
    assert_eq!(r["artifact"]["files"], 5002);
    let f = s.write("many.tgz", &tgz);
    s.cmd()
        .arg("scan")
        .arg(&f)
        .args(["--max-entries", "1000"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn very_deep_paths_are_read_and_reported() {
    let s = Scratch::new();
    let deep = format!("{}.env", "d/".repeat(2000));
    let (code, r) = s.scan_json(&package("p", "1.0.0").file(&deep, "A=1").tgz(), &[]);
    assert_eq!(code, 1);
    assert!(has(&r, "file/env", &format!("package/{deep}")));
}

#[test]
fn garbage_after_the_gzip_stream_is_an_error() {
    let s = Scratch::new();
    let mut tgz = package("p", "1.0.0").tgz();
    tgz.extend_from_slice(b"trailing garbage that is not a gzip member");
    expect_clean_exit(&s, "trailing.tgz", &tgz, &[2]);
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let s = Scratch::new();
    let tgz = package("p", "1.0.0")
        .file(".npmrc", "x")
        .file(".env", "x")
        .symlink("package/l", "/etc/passwd")
        .file("b/.DS_Store", "x")
        .tgz();
    let f = s.write("p.tgz", tgz);
    let run_with = |threads: &str| {
        let out = s
            .cmd()
            .arg("scan")
            .arg(&f)
            .args(["--format", "json"])
            .env("PACKGUARD_THREADS", threads)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let re = regex::Regex::new(r#""duration_ms": \d+"#).unwrap();
        re.replace_all(&text, r#""duration_ms": 0"#).into_owned()
    };
    let first = run_with("0");
    // Identical empty reports would prove nothing: the report must hold the findings.
    let report: serde_json::Value = serde_json::from_str(&first).expect("JSON");
    for rule in ["file/npmrc", "file/env", "file/symlink"] {
        assert!(!of_rule(&report, rule).is_empty(), "no {rule}: {first}");
    }
    for threads in ["0", "1", "2", "0"] {
        assert_eq!(run_with(threads), first, "PACKGUARD_THREADS={threads}");
    }
    // SARIF carries no timing at all: byte-identical as it is.
    let sarif = |threads: &str| {
        s.cmd()
            .arg("scan")
            .arg(&f)
            .args(["--format", "sarif"])
            .env("PACKGUARD_THREADS", threads)
            .output()
            .unwrap()
            .stdout
    };
    let first_sarif = sarif("0");
    assert!(!first_sarif.is_empty());
    for threads in ["1", "2", "0"] {
        assert_eq!(
            sarif(threads),
            first_sarif,
            "SARIF with PACKGUARD_THREADS={threads}"
        );
    }
    s.cmd()
        .arg("scan")
        .arg(&f)
        .assert()
        .stdout(predicate::str::contains("file/symlink"));
}

/// Reading the error is not required: with stderr closed (`packguard … 2>&1 | head -0`),
/// bad input still exits 2 rather than crashing on the write.
#[test]
fn a_closed_stderr_does_not_turn_exit_2_into_a_crash() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("packguard"))
        .args(["scan", "/nonexistent/packguard-test.tgz"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn packguard");
    drop(child.stderr.take());
    let status = child.wait().expect("packguard ends");
    assert_eq!(status.code(), Some(2));
}
