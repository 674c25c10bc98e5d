//! The expected-contents lock: `packguard lock` writes what ships, `scan` and `lock --check`
//! fail on a file that is not in it, warn about an entry that covers nothing, and hold files
//! to their `max_size`. Packages are built in code: folders with `Scratch`, tarballs with
//! `TarBuilder`.

mod support;

use support::{findings, Scratch, TarBuilder};

const MANIFEST: &str = r#"{"name":"demo","version":"1.0.0","repository":"github:o/demo"}"#;

/// A package folder `pkg/` inside the scratch folder.
fn package(s: &Scratch, files: &[(&str, &str)]) {
    s.write("pkg/package.json", MANIFEST);
    for (path, content) in files {
        s.write(&format!("pkg/{path}"), content);
    }
}

/// Runs `packguard ARGS` in the scratch folder: (exit code, stdout, stderr).
fn run(s: &Scratch, args: &[&str]) -> (i32, String, String) {
    let out = s.cmd().args(args).output().expect("run packguard");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `scan --format json` of the folder `pkg` with the builtin packer: (code, lock findings).
fn scan_dir(s: &Scratch, extra: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let mut args = vec!["scan", "pkg", "--pack", "builtin", "--format", "json"];
    args.extend(extra);
    let (code, out, err) = run(s, &args);
    let json: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let lock = findings(&json)
        .into_iter()
        .filter(|f| f.0.starts_with("lock/"))
        .collect();
    (code, lock)
}

fn lock_dir(s: &Scratch, extra: &[&str]) -> String {
    let mut args = vec!["lock", "pkg", "--pack", "builtin"];
    args.extend(extra);
    let (code, out, err) = run(s, &args);
    assert_eq!(code, 0, "{out}\n{err}");
    out
}

/// The entry lines of the folder's lock.
fn lock_entries(s: &Scratch) -> Vec<String> {
    let text = std::fs::read_to_string(s.path().join("pkg/packguard.lock.yml")).expect("a lock");
    text.lines()
        .filter(|l| l.starts_with("  - "))
        .map(str::to_string)
        .collect()
}

fn triple(rule: &str, file: &str, severity: &str) -> (String, String, String) {
    (rule.into(), file.into(), severity.into())
}

#[test]
fn a_written_lock_lists_every_file_sorted_and_the_scan_is_clean() {
    let s = Scratch::new();
    package(
        &s,
        &[
            ("dist/cli.js", "run()"),
            ("README.md", "# demo"),
            ("dist/a.js", "1"),
        ],
    );
    let out = lock_dir(&s, &[]);
    assert!(
        out.starts_with("wrote pkg/packguard.lock.yml: 4 entries for 4 files"),
        "{out}"
    );
    assert_eq!(
        lock_entries(&s),
        [
            "  - README.md",
            "  - dist/a.js",
            "  - dist/cli.js",
            "  - package.json"
        ]
    );
    let text = std::fs::read_to_string(s.path().join("pkg/packguard.lock.yml")).unwrap();
    assert!(text.starts_with("# packguard lock:"), "{text}");
    // The lock itself now ships too (no `files` field); it is always covered.
    assert_eq!(scan_dir(&s, &[]), (0, vec![]));
    assert_eq!(
        run(&s, &["lock", "pkg", "--pack", "builtin", "--check"]).0,
        0
    );
}

#[test]
fn a_new_file_is_an_error_and_a_vanished_one_a_warning() {
    let s = Scratch::new();
    package(&s, &[("dist/cli.js", "run()"), ("dist/old.js", "1")]);
    lock_dir(&s, &[]);
    s.write("pkg/dist/debug.log.js", "dump");
    std::fs::remove_file(s.path().join("pkg/dist/old.js")).unwrap();
    let (code, found) = scan_dir(&s, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        [
            triple("lock/unexpected-file", "package/dist/debug.log.js", "error"),
            triple("lock/missing-file", "pkg/packguard.lock.yml", "warning"),
        ]
    );
    // A vanished file alone is a warning: the release is not failed for it by default.
    std::fs::remove_file(s.path().join("pkg/dist/debug.log.js")).unwrap();
    let (code, found) = scan_dir(&s, &[]);
    assert_eq!(code, 0);
    assert_eq!(found.len(), 1);
}

#[test]
fn the_missing_entry_finding_points_at_its_line_in_the_lock() {
    let s = Scratch::new();
    package(&s, &[]);
    s.write(
        "pkg/packguard.lock.yml",
        "files:\n  - package.json\n  - dist/cli.js\n",
    );
    let (code, out, _) = run(
        &s,
        &["scan", "pkg", "--pack", "builtin", "--format", "json"],
    );
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "lock/missing-file")
        .expect("a missing-file finding");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(3), Some(5))
    );
    assert!(
        f["message"].as_str().unwrap().contains("`dist/cli.js`"),
        "{f}"
    );
}

#[test]
fn globs_cover_files_anchored_at_the_root_and_within_folders() {
    let s = Scratch::new();
    package(
        &s,
        &[
            ("dist/a.js", "1"),
            ("dist/x/b.js", "2"),
            ("dist/a.js.map", "{}"),
            ("docs/guide/intro.md", "hi"),
            ("lib/package.json", "{}"),
        ],
    );
    s.write(
        "pkg/packguard.lock.yml",
        "files:\n  - package.json\n  - 'dist/**/*.js'\n  - docs/\n  - 'types/*.d.ts'\n",
    );
    let (code, found) = scan_dir(&s, &[]);
    assert_eq!(code, 1);
    // `package.json` is the root one only; a glob matching nothing is reported like a
    // missing file.
    assert_eq!(
        found,
        [
            triple("lock/unexpected-file", "package/dist/a.js.map", "error"),
            triple("lock/unexpected-file", "package/lib/package.json", "error"),
            triple("lock/missing-file", "pkg/packguard.lock.yml", "warning"),
        ]
    );
}

#[test]
fn rewriting_the_lock_keeps_hand_written_globs_that_still_match() {
    let s = Scratch::new();
    package(&s, &[("dist/a.js", "1"), ("dist/b.js", "2")]);
    s.write(
        "pkg/packguard.lock.yml",
        "files:\n  - package.json\n  - {path: 'dist/*.js', max_size: 1MB}\n  - 'old/**'\n",
    );
    s.write("pkg/CHANGELOG.md", "1.0.0");
    let out = lock_dir(&s, &[]);
    assert!(out.contains("added    CHANGELOG.md"), "{out}");
    assert!(out.contains("removed  old/** (covers no file)"), "{out}");
    assert_eq!(
        lock_entries(&s),
        [
            "  - CHANGELOG.md",
            "  - {path: 'dist/*.js', max_size: 1MB}",
            "  - package.json"
        ]
    );
}

#[test]
fn sizes_are_recorded_with_headroom_and_a_grown_file_is_an_error() {
    let s = Scratch::new();
    package(&s, &[("dist/cli.js", &"x".repeat(5_000))]);
    lock_dir(&s, &["--sizes"]);
    let text = std::fs::read_to_string(s.path().join("pkg/packguard.lock.yml")).unwrap();
    assert!(
        text.contains("  - {path: dist/cli.js, max_size: 6KB}"),
        "{text}"
    );
    s.write("pkg/dist/cli.js", "x".repeat(5_900));
    assert_eq!(scan_dir(&s, &[]), (0, vec![]));
    s.write("pkg/dist/cli.js", "x".repeat(6_001));
    let (code, found) = scan_dir(&s, &[]);
    assert_eq!(code, 1);
    assert_eq!(found, [triple("lock/size", "package/dist/cli.js", "error")]);
}

#[test]
fn lock_check_exits_0_when_matching_1_when_not_and_2_without_a_lock() {
    let s = Scratch::new();
    package(&s, &[("index.js", "1")]);
    let check = ["lock", "pkg", "--pack", "builtin", "--check"];
    let (code, _, err) = run(&s, &check);
    assert_eq!(code, 2);
    assert!(err.contains("no lock to check"), "{err}");
    lock_dir(&s, &[]);
    assert_eq!(run(&s, &check).0, 0);
    s.write("pkg/secret-notes.txt", "launch plan");
    let (code, out, _) = run(&s, &check);
    assert_eq!(code, 1);
    assert!(out.contains("package/secret-notes.txt"), "{out}");
    assert!(out.contains("[lock/unexpected-file]"), "{out}");
    // Only the lock is judged: the scan's other rules stay out of a hook's way.
    assert!(!out.contains("manifest/"), "{out}");
    // A missing file alone still fails the check: the lock and the package differ.
    std::fs::remove_file(s.path().join("pkg/secret-notes.txt")).unwrap();
    std::fs::remove_file(s.path().join("pkg/index.js")).unwrap();
    let (code, out, _) = run(&s, &check);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing-file]"), "{out}");
}

#[test]
fn lock_check_speaks_json() {
    let s = Scratch::new();
    package(&s, &[("index.js", "1")]);
    lock_dir(&s, &[]);
    s.write("pkg/extra.js", "2");
    let (code, out, _) = run(
        &s,
        &[
            "lock", "pkg", "--pack", "builtin", "--check", "--format", "json",
        ],
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        findings(&json),
        [triple("lock/unexpected-file", "package/extra.js", "error")]
    );
}

#[test]
fn an_invalid_lock_is_exit_2_pointing_at_its_line_and_column() {
    let s = Scratch::new();
    package(&s, &[]);
    s.write(
        "pkg/packguard.lock.yml",
        "files:\n  - package.json\n  - {path: a.js, max_size: lots}\n",
    );
    let (code, _, err) = run(&s, &["scan", "pkg", "--pack", "builtin"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid `max_size` `lots`"), "{err}");
    assert!(err.contains("packguard.lock.yml:3:5"), "{err}");
    s.write(
        "pkg/packguard.lock.yml",
        "files:\n  - package.json\n  - [unclosed\n",
    );
    let (code, _, err) = run(&s, &["lock", "pkg", "--pack", "builtin", "--check"]);
    assert_eq!(code, 2);
    assert!(err.contains("packguard.lock.yml:"), "{err}");
    s.write("pkg/packguard.lock.yml", "entries: [package.json]\n");
    let (code, _, err) = run(&s, &["lock", "pkg", "--pack", "builtin"]);
    assert_eq!(code, 2, "rewriting refuses to guess over an invalid lock");
    assert!(err.contains("entries"), "{err}");
}

fn tarball(extra: &[(&str, &str)]) -> Vec<u8> {
    let mut b = TarBuilder::new()
        .file("package.json", MANIFEST)
        .file("dist/cli.js", "run()");
    for (path, content) in extra {
        b = b.file(path, content);
    }
    b.tgz()
}

#[test]
fn a_tarball_is_locked_and_checked_with_an_explicit_lock() {
    let s = Scratch::new();
    s.write("v1.tgz", tarball(&[]));
    let (code, out, err) = run(&s, &["lock", "v1.tgz"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("wrote ./packguard.lock.yml: 2 entries"),
        "{out}"
    );
    assert_eq!(run(&s, &["lock", "v1.tgz", "--check"]).0, 0);

    let (code, report) = s.scan_json(&tarball(&[(".env", "TOKEN=1")]), &[]);
    assert!(
        findings(&report).iter().all(|f| !f.0.starts_with("lock/")),
        "a tarball is not compared with a lock nobody named"
    );
    assert_eq!(code, 1, "the .env itself is an error");
    let (code, report) = s.scan_json(
        &tarball(&[("dist/extra.js", "2")]),
        &["--lock", "packguard.lock.yml"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report)
            .into_iter()
            .filter(|f| f.0.starts_with("lock/"))
            .collect::<Vec<_>>(),
        [triple(
            "lock/unexpected-file",
            "package/dist/extra.js",
            "error"
        )]
    );
    // The config's `lock:` names it too; --no-lock turns it off.
    s.write("packguard.yml", "lock: packguard.lock.yml\n");
    let (code, _) = s.scan_json(&tarball(&[("dist/extra.js", "2")]), &[]);
    assert_eq!(code, 1);
    let (code, _) = s.scan_json(&tarball(&[("dist/extra.js", "2")]), &["--no-lock"]);
    assert_eq!(code, 0);
}

#[test]
fn a_lock_named_with_lock_that_does_not_exist_is_exit_2() {
    let s = Scratch::new();
    s.write("pkg.tgz", tarball(&[]));
    let (code, _, err) = run(&s, &["lock", "--check", "--lock", "nope.yml", "pkg.tgz"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope.yml does not exist"), "{err}");
    let (code, _, err) = run(&s, &["scan", "pkg.tgz", "--lock", "nope.yml"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope.yml"), "{err}");
}

#[test]
fn lock_check_human_output() {
    let s = Scratch::new();
    s.write("v1.tgz", tarball(&[("dist/old.js", "1")]));
    run(&s, &["lock", "v1.tgz"]);
    s.write("v2.tgz", tarball(&[("dist/cli.js.map", "{}")]));
    let (code, out, _) = run(&s, &["lock", "v2.tgz", "--check"]);
    assert_eq!(code, 1);
    let out = regex::Regex::new(r"in \d+ ms")
        .unwrap()
        .replace_all(&out, "in [ms] ms");
    insta::assert_snapshot!("lock_check_human", out);
}

#[test]
fn collapse_writes_a_folder_of_new_files_as_one_glob_per_extension() {
    let s = Scratch::new();
    let mut files: Vec<(String, String)> = (0..30)
        .map(|i| (format!("dist/chunks/c{i}.js"), "1".to_string()))
        .collect();
    files.push(("dist/index.d.ts".into(), "export {}".into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    package(&s, &refs);
    let out = lock_dir(&s, &["--collapse", "10"]);
    assert!(out.contains("added    dist/**/*.js (30 files)"), "{out}");
    assert_eq!(
        lock_entries(&s),
        [
            "  - 'dist/**/*.js'",
            "  - dist/index.d.ts",
            "  - package.json"
        ]
    );
    assert_eq!(scan_dir(&s, &[]), (0, vec![]));
    // A new kind of file in the folded folder is still caught.
    s.write("pkg/dist/chunks/c1.js.map", "{}");
    let (code, found) = scan_dir(&s, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        [triple(
            "lock/unexpected-file",
            "package/dist/chunks/c1.js.map",
            "error"
        )]
    );
}
