//! Asking a project's packer for its file list never runs the project's code (issue 18).
//!
//! Each test plants a hook that would write a marker file if the packer ran project code,
//! scans the folder, and asserts the marker is absent. npm is asked for real. yarn 1 and
//! pnpm are asked for real in the tests marked ignored: they read the packer's path from
//! `PACKGUARD_TEST_YARN1` / `PACKGUARD_TEST_PNPM`, which `scripts/fetch-packers.sh` installs
//! and `scripts/test.sh` sets. The settings that make packguard refuse a packer before
//! starting it (`yarnPath`, yarn plugins, bun preloads) are also shown with a stand-in
//! packer that leaves the marker whenever it is started at all.
#![cfg(unix)]

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const MARK: &str = "RAN-PROJECT-CODE";

/// A Node script that leaves the marker in the package folder, wherever it is loaded from.
const HOOK_JS: &str = "require('fs').writeFileSync(require('path').join(__dirname, 'RAN-PROJECT-CODE'), '');\nmodule.exports = {};\n";

/// Builds a package folder (a `.git` marks it a repository top) from `(path, content)`.
fn package(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        fs::write(&p, content).expect("write");
    }
    fs::create_dir_all(dir.path().join(".git")).expect("mkdir .git");
    dir
}

/// `scan --format json` of `dir` with `env`; the report, after checking it ran.
fn scan(dir: &Path, env: &[(&str, &str)]) -> Value {
    let mut cmd = Command::cargo_bin("packguard").expect("binary");
    cmd.args(["scan", "--no-config", "--format", "json"])
        .arg(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run packguard");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn assert_no_mark(dir: &Path) {
    assert!(
        !dir.join(MARK).exists(),
        "project code ran while packguard asked the packer for its files"
    );
}

/// The path of a real packer a test needs, from `var`; a missing one fails the test.
fn real_packer(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run scripts/fetch-packers.sh and set it (scripts/test.sh does)")
    })
}

/// A stand-in packer: leaves the marker in `dir` whenever it is started, then answers
/// like yarn 1 would (`--version`), so a packer that is started is caught by the marker.
fn stand_in(dir: &Path) -> String {
    let script = dir.join(".git/stand-in.sh");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\ntouch '{}'\necho 1.22.22\n",
            dir.join(MARK).display()
        ),
    )
    .expect("write stand-in");
    format!("sh {}", script.display())
}

/// The package the tests scan, with a prepack script that would also leave the marker.
fn manifest(package_manager: &str) -> String {
    format!(
        r#"{{"name":"p","version":"1.0.0","packageManager":"{package_manager}","files":["lib"],"scripts":{{"prepack":"node -e \"require('fs').writeFileSync('{MARK}','')\""}}}}"#
    )
}

fn fallback_reason(report: &Value) -> &str {
    assert_eq!(report["artifact"]["packer"], "builtin", "{report:#}");
    report["artifact"]["packer_fallback"]
        .as_str()
        .expect("a fallback reason in the report")
}

#[test]
fn npm_ignores_a_projects_npmrc_shell_and_node_options() {
    let manifest = manifest("npm@11.0.0");
    let dir = package(&[
        ("package.json", &manifest),
        ("lib/index.js", "module.exports = 1\n"),
        ("hook.cjs", HOOK_JS),
    ]);
    let hook = dir.path().join("hook.cjs");
    let shell = dir.path().join("shell.sh");
    fs::write(
        &shell,
        format!("#!/bin/sh\ntouch '{}'\n", dir.path().join(MARK).display()),
    )
    .expect("write shell");
    fs::write(
        dir.path().join(".npmrc"),
        format!(
            "ignore-scripts=false\nscript-shell={}\nnode-options=--require {}\n",
            shell.display(),
            hook.display()
        ),
    )
    .expect("write .npmrc");
    let mut perms = fs::metadata(&shell).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    fs::set_permissions(&shell, perms).expect("chmod");

    let report = scan(dir.path(), &[]);
    assert_no_mark(dir.path());
    assert_eq!(report["artifact"]["packer"], "npm", "{report:#}");
    assert!(report["artifact"]["packer_fallback"].is_null());
}

#[test]
#[ignore = "needs yarn 1.22: PACKGUARD_TEST_YARN1 (scripts/fetch-packers.sh installs it, scripts/test.sh sets it)"]
fn yarn1_is_not_handed_over_to_a_projects_yarn_path() {
    let yarn = real_packer("PACKGUARD_TEST_YARN1");
    let manifest = manifest("yarn@1.22.22");
    for (file, setting) in [
        (".yarnrc", "yarn-path \"./hook.cjs\"\n"),
        (".yarnrc.yml", "yarnPath: ./hook.cjs\n"),
    ] {
        let dir = package(&[
            ("package.json", &manifest),
            ("lib/index.js", "module.exports = 1\n"),
            ("hook.cjs", HOOK_JS),
            (file, setting),
        ]);
        let report = scan(dir.path(), &[("PACKGUARD_YARN", &yarn)]);
        assert_no_mark(dir.path());
        let why = fallback_reason(&report);
        assert!(why.contains(file) && why.contains("project"), "{why}");
        assert_eq!(report["artifact"]["files"], 2, "{report:#}");
    }
    // Without the setting, the same yarn is asked and nothing runs either.
    let dir = package(&[
        ("package.json", &manifest),
        ("lib/index.js", "module.exports = 1\n"),
    ]);
    let report = scan(dir.path(), &[("PACKGUARD_YARN", &yarn)]);
    assert_no_mark(dir.path());
    assert_eq!(report["artifact"]["packer"], "yarn", "{report:#}");
}

#[test]
#[ignore = "needs pnpm 10: PACKGUARD_TEST_PNPM (scripts/fetch-packers.sh installs it, scripts/test.sh sets it)"]
fn pnpm_never_loads_the_projects_pnpmfile() {
    let pnpm = real_packer("PACKGUARD_TEST_PNPM");
    let manifest = manifest("pnpm@10.0.0");
    let dir = package(&[
        ("package.json", &manifest),
        ("lib/index.js", "module.exports = 1\n"),
        (".pnpmfile.cjs", HOOK_JS),
    ]);
    let report = scan(dir.path(), &[("PACKGUARD_PNPM", &pnpm)]);
    assert_no_mark(dir.path());
    assert_eq!(report["artifact"]["packer"], "pnpm", "{report:#}");
}

#[test]
fn yarn_is_not_started_where_a_yarn_path_or_plugin_is_set() {
    let manifest = manifest("yarn@4.5.0");
    for (file, setting, name) in [
        (".yarnrc", "yarn-path \"./hook.cjs\"\n", "yarn-path"),
        (
            ".yarnrc.yml",
            "yarnPath: .yarn/releases/yarn.cjs\n",
            "yarnPath",
        ),
        (".yarnrc.yml", "plugins:\n  - path: hook.cjs\n", "plugins"),
    ] {
        // The setting sits at the repository top, above the package folder.
        let dir = package(&[
            ("pkg/package.json", &manifest),
            ("pkg/lib/index.js", "module.exports = 1\n"),
            (file, setting),
        ]);
        let report = scan(
            &dir.path().join("pkg"),
            &[("PACKGUARD_YARN", &stand_in(dir.path()))],
        );
        assert_no_mark(dir.path());
        let why = fallback_reason(&report);
        assert!(why.contains(name) && why.contains(file), "{why}");
    }
}

#[test]
fn bun_is_not_started_where_bunfig_preloads_a_script() {
    let manifest = manifest("bun@1.2.0");
    let dir = package(&[
        ("package.json", &manifest),
        ("lib/index.js", "module.exports = 1\n"),
        ("bunfig.toml", "preload = [\"./hook.ts\"]\n"),
    ]);
    let report = scan(dir.path(), &[("PACKGUARD_BUN", &stand_in(dir.path()))]);
    assert_no_mark(dir.path());
    let why = fallback_reason(&report);
    assert!(
        why.contains("preload") && why.contains("bunfig.toml"),
        "{why}"
    );
}
