//! What packguard writes goes where the user said, never where a planted symlink points:
//! `init`, `lock`, `--write-baseline` and `--output` refuse a link at the target, dangling
//! or not, and leave its target alone (issue 18).
#![cfg(unix)]

mod support;

use std::path::Path;

use support::*;

/// A package folder for `lock`, and a link named `name` in `at` to `outside/victim`.
fn plant(s: &Scratch, at: &str, name: &str, dangling: bool) -> std::path::PathBuf {
    let victim = s.path().join("outside/victim");
    std::fs::create_dir_all(victim.parent().unwrap()).unwrap();
    if !dangling {
        std::fs::write(&victim, "keep").unwrap();
    }
    let link = s.path().join(at).join(name);
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    victim
}

fn untouched(victim: &Path, dangling: bool) {
    if dangling {
        assert!(!victim.exists(), "wrote through the dangling link");
    } else {
        assert_eq!(std::fs::read_to_string(victim).unwrap(), "keep");
    }
}

#[test]
fn init_does_not_write_through_a_symlink() {
    for dangling in [true, false] {
        for (folder, name) in [("", ".packguard.yml"), (".github/workflows", "release.yml")] {
            let s = Scratch::new();
            let victim = plant(&s, folder, name, dangling);
            // The link is something there: it is kept, and said so.
            s.cmd()
                .args(["init", "--workflow"])
                .assert()
                .code(0)
                .stdout(predicates::str::contains("kept"));
            untouched(&victim, dangling);
            // Not with --force either: it replaces files, not what links point at.
            let _ = s.cmd().args(["init", "--workflow", "--force"]).output();
            untouched(&victim, dangling);
        }
    }
}

#[test]
fn lock_does_not_write_through_a_symlink() {
    for dangling in [true, false] {
        let s = Scratch::new();
        s.write(
            "pkg/package.json",
            r#"{"name":"a","version":"1.0.0","files":["index.js"]}"#,
        );
        s.write("pkg/index.js", "x\n");
        let victim = plant(&s, "pkg", "packguard.lock.yml", dangling);
        let out = s
            .cmd()
            .args(["lock", "pkg", "--pack", "builtin", "--no-config"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        untouched(&victim, dangling);
    }
}

#[test]
fn write_baseline_and_output_do_not_write_through_a_symlink() {
    for dangling in [true, false] {
        for flag in ["--write-baseline", "--output"] {
            let s = Scratch::new();
            s.write("pkg.tgz", package("a", "1.0.0").tgz());
            let victim = plant(&s, "", "report.json", dangling);
            let out = s
                .cmd()
                .args(["scan", "pkg.tgz", "--no-config", flag, "report.json"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{flag}: {out:?}");
            untouched(&victim, dangling);
        }
    }
}

#[test]
fn output_replaces_a_regular_file() {
    let s = Scratch::new();
    s.write("pkg.tgz", package("a", "1.0.0").tgz());
    s.write("report.json", "old");
    s.cmd()
        .args([
            "scan",
            "pkg.tgz",
            "--no-config",
            "--format",
            "json",
            "--output",
            "report.json",
        ])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(s.path().join("report.json")).unwrap();
    assert!(text.contains("\"findings\""), "{text}");
}
