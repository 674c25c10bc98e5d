//! Scanning a package directory: the packer's file list decides what is scanned, findings
//! keep the tarball path and the disk path, `ls` shows what ships, `--workspaces` covers a
//! monorepo, and the builtin selection matches real npm on a table of edge cases.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A rule that flags a fake secret, so content scanning is visible in these tests
/// whatever built-in secret rules exist.
const SECRET_RULE: &str = r#"
rules:
  - id: test/fake-secret
    message: a fake secret
    severity: error
    category: secret
    placeholders: false # test values are deliberately simple
    pattern: 'FAKESECRET_[A-Z0-9]{8}'
    keywords: [FAKESECRET_]
    examples:
      fail: [{path: a.js, content: "k = FAKESECRET_ABCDEFGH"}]
      pass: [{path: a.js, content: "k = 1"}]
"#;

/// Builds a folder from `(path, content)` pairs; parents are created.
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), files);
    dir
}

/// Content that makes [`write`] create a symbolic link to the rest of it instead of a file
/// (the table rows spell it out: `"\0symlink to lib"`).
const LINK: &str = "\0symlink to ";

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().expect("a file has a parent")).expect("mkdir");
        match content.strip_prefix(LINK) {
            Some(target) => std::os::unix::fs::symlink(target, &p).expect("symlink"),
            None => fs::write(&p, content).expect("write"),
        }
    }
}

fn rules_file(dir: &Path) -> PathBuf {
    let p = dir.join("secret-rule.yaml");
    fs::write(&p, SECRET_RULE).expect("write rule");
    p
}

fn packguard() -> Command {
    let mut c = Command::cargo_bin("packguard").expect("binary");
    c.env("NO_COLOR", "1");
    c
}

/// `scan --format json` of `dir` with the given extra args; returns (exit code, JSON).
fn scan_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let rules_dir = tempfile::tempdir().expect("temp dir");
    let rules = rules_file(rules_dir.path());
    let out = packguard()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json", "--no-config", "--rules"])
        .arg(&rules)
        .args(args)
        .output()
        .expect("run");
    let code = out.status.code().expect("exit code");
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

fn rules_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn npm_available() -> bool {
    StdCommand::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Says why part of a test cannot run here; under CI (`CI` set, where .ci/run installs
/// node and npm) that is a failure, so a dropped half is never an unnoticed "ok".
fn not_here(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "{why}, and CI is set");
    eprintln!("skipped: {why}");
}

#[test]
fn an_env_file_that_slips_past_npmignore_is_a_finding_with_its_disk_path() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"demo","version":"1.0.0","main":"index.js"}"#,
        ),
        (".npmignore", "secrets/\n"),
        (".env", "TOKEN=1\n"),
        ("secrets/.env", "TOKEN=2\n"),
        ("index.js", "module.exports = 1\n"),
    ]);
    let (code, report) = scan_json(dir.path(), &["--pack", "builtin"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["artifact"]["kind"], "directory");
    assert_eq!(report["artifact"]["packer"], "builtin");
    assert_eq!(report["artifact"]["name"], "demo");
    let env: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "file/env")
        .collect();
    assert_eq!(env.len(), 1, "only the .env that ships: {report:#}");
    assert_eq!(env[0]["file"], "package/.env");
    let disk = env[0]["disk_path"].as_str().expect("disk_path");
    assert_eq!(Path::new(disk), dir.path().join(".env"));
}

#[test]
fn a_secret_that_files_leaves_out_is_not_a_finding_and_one_it_ships_is() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"demo","version":"1.0.0","files":["lib"]}"#,
        ),
        ("src/config.js", "const k = 'FAKESECRET_A7K2Q9ZX'\n"),
        (
            "lib/index.js",
            "// built\nconst k = 'FAKESECRET_B7K2Q9ZX'\n",
        ),
    ]);
    let (code, report) = scan_json(dir.path(), &["--pack", "builtin"]);
    assert_eq!(code, 1);
    let hits: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "test/fake-secret")
        .collect();
    assert_eq!(hits.len(), 1, "{report:#}");
    assert_eq!(hits[0]["file"], "package/lib/index.js");
    assert_eq!(hits[0]["line"], 2);
    assert_eq!(hits[0]["column"], 12);
    assert_eq!(
        Path::new(hits[0]["disk_path"].as_str().unwrap()),
        dir.path().join("lib/index.js")
    );
    // Redacted by default, like a tarball scan.
    let snippet = hits[0]["snippet"].as_str().expect("a snippet");
    assert!(!snippet.contains("FAKESECRET_B7K2Q9ZX"), "{snippet}");
    assert!(!snippet.contains("B7K2Q9ZX"), "{snippet}");
    assert!(snippet.contains("FAKE…[19 chars]"), "{snippet}");
}

#[test]
fn a_clean_package_passes_and_reports_its_files() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"clean","version":"2.0.0","repository":"github:example/clean","files":["index.js"]}"#,
        ),
        ("index.js", "module.exports = 1\n"),
        ("README.md", "# clean\n"),
    ]);
    let (code, report) = scan_json(dir.path(), &["--pack", "builtin"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["artifact"]["files"], 3);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn auto_asks_npm_when_it_is_installed() {
    if !npm_available() {
        return not_here("npm is not on PATH");
    }
    let dir = tree(&[
        (
            "package.json",
            // A prepack script that would leave a mark: it must never run.
            r#"{"name":"auto","version":"1.0.0","files":["lib"],"scripts":{"prepack":"node -e \"require('fs').writeFileSync('RAN','')\"","prepare":"node -e \"require('fs').writeFileSync('RAN','')\""}}"#,
        ),
        ("lib/.env", "A=1\n"),
        ("src/.env", "A=1\n"),
    ]);
    let (code, report) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["artifact"]["packer"], "npm");
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "file/env")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["package/lib/.env"]);
    assert!(
        !dir.path().join("RAN").exists(),
        "a lifecycle script ran during the scan"
    );
}

#[test]
fn a_missing_packer_is_exit_2_unless_fallback_is_asked() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"p","version":"1.0.0","packageManager":"pnpm@10.0.0"}"#,
        ),
        (".env", "A=1\n"),
    ]);
    let out = packguard()
        .arg("scan")
        .arg(dir.path())
        .env("PACKGUARD_PNPM", "/nonexistent/pnpm")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pnpm is needed"), "{stderr}");
    assert!(stderr.contains("--pack-fallback"), "{stderr}");
    assert!(out.stdout.is_empty());

    let rules_dir = tempfile::tempdir().unwrap();
    let out = packguard()
        .arg("scan")
        .arg(dir.path())
        .args(["--pack-fallback", "--format", "json", "--rules"])
        .arg(rules_file(rules_dir.path()))
        .env("PACKGUARD_PNPM", "/nonexistent/pnpm")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["artifact"]["packer"], "builtin");
    assert!(report["artifact"]["packer_fallback"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/pnpm"));
    assert!(rules_of(&report).contains(&"file/env".to_string()));
}

#[test]
fn a_folder_without_package_json_is_exit_2_with_a_clear_message() {
    let dir = tree(&[("index.js", "1\n")]);
    let out = packguard()
        .args(["scan", "--pack", "builtin"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no readable package.json"), "{stderr}");
}

#[test]
fn broken_package_json_and_unreadable_ignore_file_are_exit_2() {
    let dir = tree(&[("package.json", "{ not json")]);
    let out = packguard()
        .args(["scan", "--pack", "builtin"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));

    // A folder where .npmignore should be: npm stops on it too (EISDIR).
    let dir = tree(&[
        ("package.json", r#"{"name":"x","version":"1.0.0"}"#),
        (".npmignore/oops", ""),
    ]);
    let out = packguard()
        .args(["scan", "--pack", "builtin"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ignore file"), "{stderr}");

    // The same folder at a workspace member's root, which the member also reads: npm 11
    // fails there with EISDIR as well.
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"root","version":"1.0.0","workspaces":["packages/*"]}"#,
        ),
        (".npmignore/oops", ""),
        (
            "packages/a/package.json",
            r#"{"name":"a","version":"1.0.0"}"#,
        ),
        ("packages/a/index.js", ""),
    ]);
    let out = packguard()
        .args(["scan", "--pack", "builtin"])
        .arg(dir.path().join("packages/a"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ignore file") && stderr.contains(".npmignore"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_left_out_like_npm_and_never_followed_outside() {
    use std::os::unix::fs::symlink;
    let outside = tree(&[("secret.txt", "FAKESECRET_OUTSIDE1\n")]);
    let dir = tree(&[
        ("package.json", r#"{"name":"l","version":"1.0.0"}"#),
        ("real.js", "1\n"),
    ]);
    symlink(
        outside.path().join("secret.txt"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    let out = packguard()
        .args(["ls", "--paths", "--pack", "builtin"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "package.json\nreal.js\n"
    );
    if npm_available() {
        assert_eq!(
            npm_list(dir.path()).expect("npm pack"),
            vec!["package.json", "real.js"],
            "npm leaves links (to files and to folders) out too"
        );
    }

    // A packer that lists a link (pnpm and bun follow them) gets it read only when it
    // stays inside the package; one pointing outside is reported, not read.
    struct Seen(Vec<String>, Vec<String>);
    impl packguard::artifact::Visitor for Seen {
        fn file(&mut self, e: packguard::artifact::Entry<'_>) {
            self.0.push(e.path.to_string());
        }
        fn issue(&mut self, path: &str, issue: packguard::artifact::EntryIssue) {
            self.1.push(format!("{path}: {}", issue.check_name()));
        }
    }
    symlink(dir.path().join("real.js"), dir.path().join("inside.js")).unwrap();
    let mut seen = Seen(Vec::new(), Vec::new());
    let files = ["inside.js", "link.txt", "real.js", "../escape.js"].map(String::from);
    packguard::artifact::directory::read_directory(
        dir.path(),
        &files,
        &packguard::artifact::Limits::default(),
        &mut seen,
    )
    .expect("read");
    assert_eq!(seen.0, vec!["package/inside.js", "package/real.js"]);
    assert_eq!(
        seen.1,
        vec![
            "package/link.txt: archive.symlink",
            "package/../escape.js: archive.path-traversal"
        ]
    );
}

#[test]
fn limits_apply_to_directory_files() {
    let big = "x".repeat(5000);
    let dir = tree(&[
        ("package.json", r#"{"name":"big","version":"1.0.0"}"#),
        ("big.js", &big),
    ]);
    let (_, report) = scan_json(
        dir.path(),
        &["--pack", "builtin", "--max-file-size", "1KiB"],
    );
    assert!(
        rules_of(&report).contains(&"file/oversized-entry".to_string()),
        "{report:#}"
    );
    let out = packguard()
        .args(["scan", "--pack", "builtin", "--max-total-size", "1KiB"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn ls_shows_sizes_total_and_flags() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"shop","version":"1.0.0","repository":"github:example/shop"}"#,
        ),
        (".npmignore", "test/\n"),
        (".env", "A=1\n"),
        ("index.js", "module.exports = 42;\n"),
    ]);
    let out = packguard()
        .args(["ls", "--pack", "builtin", "--no-config"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("shop@1.0.0"), "{text}");
    assert!(text.contains("files chosen by builtin"), "{text}");
    let env_line = text
        .lines()
        .find(|l| l.contains("package/.env"))
        .expect("the .env is listed");
    assert!(env_line.contains("4 B"), "{env_line}");
    assert!(env_line.contains("<- error: file/env"), "{env_line}");
    let js_line = text.lines().find(|l| l.contains("index.js")).unwrap();
    assert!(!js_line.contains("<-"), "{js_line}");
    assert!(text.contains("3 files"), "{text}");
    assert!(text.contains("1 flagged"), "{text}");

    let out = packguard()
        .args(["ls", "--pack", "builtin", "--no-config", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    let listing: Value = serde_json::from_slice(&out.stdout).expect("json");
    let files = listing["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    let env = files.iter().find(|f| f["path"] == "package/.env").unwrap();
    assert_eq!(env["size"], 4);
    assert_eq!(env["severity"], "error");
    assert_eq!(env["rules"][0], "file/env");
    let total: u64 = files.iter().map(|f| f["size"].as_u64().unwrap()).sum();
    assert_eq!(listing["total_bytes"], total);
}

#[test]
fn ls_reads_a_tarball_too() {
    let tgz = packguard::artifact::builder::TarBuilder::new()
        .file("package.json", r#"{"name":"t","version":"1.0.0"}"#)
        .file(".npmrc", "//registry.npmjs.org/:_authToken=x\n")
        .tgz();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.tgz");
    fs::write(&path, tgz).unwrap();
    let out = packguard()
        .args(["ls", "--no-config"])
        .arg(&path)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    // `ls` lists; it does not judge: exit 0 even with an error-level file in the list.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.lines()
            .any(|l| l.contains("package/.npmrc") && l.contains("file/npmrc")),
        "{text}"
    );
    assert!(text.contains("2 files"), "{text}");
}

fn monorepo() -> TempDir {
    tree(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"workspaces":["packages/*"]}"#,
        ),
        (
            "packages/a/package.json",
            r#"{"name":"@m/a","version":"1.0.0"}"#,
        ),
        ("packages/a/.env", "A=1\n"),
        (
            "packages/b/package.json",
            r#"{"name":"@m/b","version":"1.0.0","files":["dist"]}"#,
        ),
        (
            "packages/b/dist/index.js",
            "const k = 'FAKESECRET_C7K2Q9ZX'\n",
        ),
        (
            "packages/internal/package.json",
            r#"{"name":"@m/internal","version":"1.0.0","private":true}"#,
        ),
        ("packages/internal/.env", "A=1\n"),
    ])
}

#[test]
fn workspaces_scan_every_publishable_package_and_name_it() {
    let dir = monorepo();
    let (code, reports) = scan_json(dir.path(), &["--workspaces", "--pack", "builtin"]);
    assert_eq!(code, 1);
    let reports = reports.as_array().expect("one report per package");
    let names: Vec<&str> = reports
        .iter()
        .map(|r| r["artifact"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["@m/a", "@m/b"], "private ones are skipped");
    let a = &reports[0]["findings"];
    assert_eq!(a[0]["rule"], "file/env");
    assert_eq!(a[0]["package"], "@m/a");
    assert!(a[0]["disk_path"]
        .as_str()
        .unwrap()
        .ends_with("packages/a/.env"));
    let b = &reports[1]["findings"];
    assert_eq!(b[0]["rule"], "test/fake-secret");
    assert_eq!(b[0]["package"], "@m/b");
    assert_eq!(b[0]["file"], "package/dist/index.js");
}

/// The packages `scan --workspaces` reports on, by name (one package is a lone report, not
/// a list); a report without a name fails.
fn workspace_names(dir: &Path) -> Vec<String> {
    let (code, reports) = scan_json(dir, &["--workspaces", "--pack", "builtin"]);
    let list = match reports.as_array() {
        Some(a) => a.clone(),
        None => vec![reports.clone()],
    };
    list.iter()
        .map(|r| match r["artifact"]["name"].as_str() {
            Some(n) => n.to_string(),
            None => panic!("exit {code}, a report without a package name: {reports:#}"),
        })
        .collect()
}

#[test]
fn workspaces_from_pnpm_workspace_yaml() {
    let dir = tree(&[
        ("package.json", r#"{"name":"root","private":true}"#),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - 'libs/*'\n  - '!libs/skip'\n",
        ),
        (
            "libs/one/package.json",
            r#"{"name":"one","version":"1.0.0"}"#,
        ),
        ("libs/one/.env", "A=1\n"),
        (
            "libs/skip/package.json",
            r#"{"name":"skip","version":"1.0.0"}"#,
        ),
    ]);
    assert_eq!(workspace_names(dir.path()), ["one"]);
}

#[test]
fn workspaces_in_yarn_classics_object_form() {
    // `"workspaces": {"packages": [...], "nohoist": [...]}`, as yarn 1 writes it.
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"workspaces":{"packages":["pkgs/*"],"nohoist":["**/x"]}}"#,
        ),
        ("pkgs/a/package.json", r#"{"name":"a","version":"1.0.0"}"#),
        ("pkgs/b/package.json", r#"{"name":"b","version":"1.0.0"}"#),
    ]);
    assert_eq!(workspace_names(dir.path()), ["a", "b"]);
}

#[test]
fn workspace_members_need_a_manifest_and_are_never_in_node_modules() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"workspaces":["packages/*"]}"#,
        ),
        (
            "packages/a/package.json",
            r#"{"name":"a","version":"1.0.0"}"#,
        ),
        ("packages/docs/readme.md", "no manifest here\n"),
        (
            "packages/node_modules/package.json",
            r#"{"name":"nm","version":"1.0.0"}"#,
        ),
    ]);
    assert_eq!(workspace_names(dir.path()), ["a"]);
}

/// The ignore files between a workspace root and a member apply to the member, as npm
/// applies them; a package that is no workspace's member takes none from the folders above.
#[test]
fn ignore_files_above_a_package_apply_only_to_workspace_members() {
    let dir = tree(&[
        (".gitignore", "*.js\n"),
        ("pkg/package.json", r#"{"name":"p","version":"1.0.0"}"#),
        ("pkg/a.js", "1\n"),
        (
            "ws/package.json",
            r#"{"name":"root","private":true,"workspaces":["m"]}"#,
        ),
        ("ws/.npmignore", "*.txt\n"),
        ("ws/m/package.json", r#"{"name":"m","version":"1.0.0"}"#),
        ("ws/m/a.js", "1\n"),
        ("ws/m/notes.txt", "x\n"),
    ]);
    let list = |rel: &str| {
        let out = packguard()
            .args(["ls", "--paths", "--pack", "builtin"])
            .arg(dir.path().join(rel))
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{rel}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(list("pkg"), "a.js\npackage.json\n");
    assert_eq!(list("ws/m"), "a.js\npackage.json\n");
    if !npm_available() {
        return not_here("npm is not installed");
    }
    assert_eq!(
        npm_list(&dir.path().join("pkg")).expect("npm pack"),
        ["a.js", "package.json"]
    );
    assert_eq!(
        npm_list(&dir.path().join("ws/m")).expect("npm pack"),
        ["a.js", "package.json"]
    );
}

/// Workspace globs reach six folders down and no further: packguard's bound on the search
/// (npm's glob has none; no monorepo nests that deep).
#[test]
fn workspace_members_are_searched_six_levels_deep() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"workspaces":["**"]}"#,
        ),
        ("a/package.json", r#"{"name":"one","version":"1.0.0"}"#),
        (
            "a/b/c/d/e/six/package.json",
            r#"{"name":"six","version":"1.0.0"}"#,
        ),
        (
            "a/b/c/d/e/f/seven/package.json",
            r#"{"name":"seven","version":"1.0.0"}"#,
        ),
    ]);
    assert_eq!(workspace_names(dir.path()), ["one", "six"]);
}

#[test]
fn an_unreadable_pnpm_workspace_file_is_exit_2() {
    // A folder where pnpm-workspace.yaml should be: pnpm fails to read it too.
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"workspaces":["p/*"]}"#,
        ),
        ("p/a/package.json", r#"{"name":"a","version":"1.0.0"}"#),
        ("pnpm-workspace.yaml/x", ""),
    ]);
    let out = packguard()
        .args(["scan", "--workspaces", "--pack", "builtin"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pnpm-workspace.yaml"), "{stderr}");
}

#[test]
fn workspaces_without_any_is_exit_2() {
    let dir = tree(&[("package.json", r#"{"name":"solo","version":"1.0.0"}"#)]);
    let out = packguard()
        .args(["scan", "--workspaces", "--pack", "builtin"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("declares no workspaces"));
}

/// Brace expansion is bounded per rule as npm bounds it (100,000) and over a listing by
/// packguard (300,000 added patterns): past that the listing stops with exit 2 and names the
/// file, instead of holding patterns without limit.
#[test]
fn brace_expansion_over_a_listing_is_bounded() {
    let list = |npmignore: &str| {
        let dir = tree(&[
            ("package.json", r#"{"name":"c","version":"1.0.0"}"#),
            (".npmignore", npmignore),
            ("x7.js", "1\n"),
            ("y.js", "1\n"),
        ]);
        packguard()
            .args(["ls", "--paths", "--pack", "builtin"])
            .arg(dir.path())
            .output()
            .expect("run")
    };
    // 99,999 + 99,999 + 99,998 added, and 4 by npm's own `readme{,.*[^~$]}`-style rules:
    // exactly the bound.
    let at_bound = "x{1..100000}.js\nx{1..100000}.js\nx{1..99999}.js\n";
    let out = list(at_bound);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "package.json\ny.js\n");
    let out = list(&format!("{at_bound}z{{1..10}}\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(".npmignore expand"), "{stderr}");
    assert!(stderr.contains("300000 patterns"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// Manifest values npm's packer throws a TypeError on: npm pack fails, and so does the
/// builtin listing, with exit 2 and what is wrong in which package.json.
#[test]
fn manifests_npm_pack_throws_on_are_exit_2() {
    let cases = [
        (
            r#""files":["a.js",1]"#,
            "`files` entry 1 is a number, not a string",
        ),
        (r#""files":[null]"#, "`files` entry 0 is null, not a string"),
        (r#""files":{"a":1}"#, "`files` is an object, not a list"),
        (r#""files":true"#, "`files` is a boolean, not a list"),
        (r#""bin":["cli.js",2]"#, "`bin` entry 1 is not a string"),
    ];
    for (field, why) in cases {
        let manifest = format!(r#"{{"name":"c","version":"1.0.0",{field}}}"#);
        let dir = tree(&[("package.json", &manifest), ("a.js", "1\n")]);
        let out = packguard()
            .args(["ls", "--pack", "builtin"])
            .arg(dir.path())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{field}: {stderr}");
        assert!(stderr.contains(why), "{field}: {stderr}");
        assert!(stderr.contains("package.json"), "{field}: {stderr}");
        assert!(out.stdout.is_empty(), "{field}: nothing listed");
        if npm_available() {
            assert!(npm_list(dir.path()).is_err(), "{field}: npm pack fails too");
        } else {
            not_here("npm is not installed");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parity with npm: each case is a folder; builtin's list must equal
// `npm pack --dry-run --json --ignore-scripts`. The expected lists are also written out,
// so the table documents npm's behaviour (verified with npm 11.19) and builtin is checked
// against them even where npm is absent.
// ---------------------------------------------------------------------------------------

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    /// Where npm runs, relative to the case folder ("" = its root).
    pack_in: &'static str,
    /// npm 11's answer, relative paths sorted.
    expected: &'static [&'static str],
}

const PJ: &str = "package.json";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "no files field, no ignore file: everything but npm's defaults",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                ("index.js", ""),
                (".eslintrc", ""),
                (".npmrc", ""),
                ("sub/.npmrc", ""),
                ("package-lock.json", "{}"),
                ("sub/package-lock.json", "{}"),
                ("yarn.lock", ""),
                ("pnpm-lock.yaml", ""),
                ("bun.lockb", ""),
                (".DS_Store", ""),
                ("a.orig", ""),
                ("npm-debug.log", ""),
                (".x.swp", ""),
                ("._resource", ""),
                (".git/config", ""),
                ("sub/.git/config", ""),
                ("node_modules/dep/index.js", ""),
                ("sub/node_modules/dep/index.js", ""),
                ("build/config.gypi", ""),
                ("sub/build/config.gypi", ""),
                ("star*name.js", ""),
            ],
            pack_in: "",
            expected: &[
                ".eslintrc",
                "index.js",
                "package.json",
                // npm's defaults apply afresh in every folder, so `/build/config.gypi`
                // also hides sub/build/config.gypi; lock files and node_modules are only
                // refused at the root.
                "sub/node_modules/dep/index.js",
                "sub/package-lock.json",
            ],
        },
        Case {
            name: "files: folder, glob, file, ./ prefix, trailing /*, negation",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","files":["lib","*.d.ts","./bin/cli.js","dist/*","!lib/test"]}"#,
                ),
                ("lib/a.js", ""),
                ("lib/test/t.js", ""),
                ("lib/.env", ""),
                ("types.d.ts", ""),
                ("sub/deep.d.ts", ""),
                ("bin/cli.js", ""),
                ("bin/other.js", ""),
                ("dist/x.js", ""),
                ("dist/nested/y.js", ""),
                ("src/s.js", ""),
            ],
            pack_in: "",
            expected: &[
                "bin/cli.js",
                "dist/nested/y.js",
                "dist/x.js",
                "lib/.env",
                "lib/a.js",
                "package.json",
                // `*.d.ts` in `files` does not reach sub/deep.d.ts: the leading `*` rule
                // shuts `sub` and the negation only matches at the top.
                "types.d.ts",
            ],
        },
        Case {
            name: "files plus a nested .npmignore inside an included folder",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0","files":["lib"]}"#),
                (".npmignore", "lib\n"),
                ("lib/a.js", ""),
                ("lib/a.test.js", ""),
                ("lib/.npmignore", "*.test.js\n"),
            ],
            pack_in: "",
            expected: &["lib/a.js", "package.json"],
        },
        Case {
            name: ".npmignore wins over .gitignore; negation and case-insensitivity",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".gitignore", "dist\n"),
                (".npmignore", "*.LOG\n!keep.log\n/rooted.js\ntmp/\n"),
                ("dist/d.js", ""),
                ("a.log", ""),
                ("keep.log", ""),
                ("rooted.js", ""),
                ("sub/rooted.js", ""),
                ("tmp/x", ""),
                ("sub/tmp/y", ""),
            ],
            pack_in: "",
            expected: &["dist/d.js", "keep.log", "package.json", "sub/rooted.js"],
        },
        Case {
            name: "only .gitignore, at two levels",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".gitignore", "coverage\n*.tmp\n"),
                ("coverage/lcov.info", ""),
                ("a.tmp", ""),
                ("src/b.tmp", ""),
                ("src/.gitignore", "local.js\n"),
                ("src/local.js", ""),
                ("src/keep.js", ""),
            ],
            pack_in: "",
            expected: &["package.json", "src/keep.js"],
        },
        Case {
            name: "an empty .npmignore publishes what .gitignore hides",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".gitignore", ".env\n"),
                (".npmignore", ""),
                (".env", "A=1"),
            ],
            pack_in: "",
            expected: &[".env", "package.json"],
        },
        Case {
            name: "always included: readme, license, licence, copying, main, bin, browser",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","files":[],"main":"lib/main.js","browser":"web.js","bin":{"c":"./bin/c.js"}}"#,
                ),
                ("README.md", ""),
                ("readme.txt", ""),
                ("README~", ""),
                ("LICENSE", ""),
                ("LICENCE.md", ""),
                ("COPYING", ""),
                ("docs/README.md", ""),
                ("lib/main.js", ""),
                ("lib/other.js", ""),
                ("web.js", ""),
                ("bin/c.js", ""),
                ("CHANGELOG.md", ""),
            ],
            pack_in: "",
            expected: &[
                "bin/c.js",
                "COPYING",
                "LICENCE.md",
                "LICENSE",
                "lib/main.js",
                "package.json",
                "README.md",
                "readme.txt",
                "web.js",
            ],
        },
        Case {
            name: "main with ./ and a string bin survive an .npmignore that hides them",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","main":"./index.js","bin":"./cli.js"}"#,
                ),
                (".npmignore", "*.js\n"),
                ("index.js", ""),
                ("cli.js", ""),
                ("other.js", ""),
            ],
            pack_in: "",
            expected: &["cli.js", "package.json"],
        },
        Case {
            name: "files with a trailing slash folder and a nested glob",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","files":["dist/","src/**/*.ts"]}"#,
                ),
                ("dist/a.js", ""),
                ("dist/.env", ""),
                ("src/x.ts", ""),
                ("src/deep/y.ts", ""),
                ("src/deep/y.js", ""),
            ],
            pack_in: "",
            expected: &[
                "dist/.env",
                "dist/a.js",
                "package.json",
                "src/deep/y.ts",
                "src/x.ts",
            ],
        },
        Case {
            name: "bundled dependencies and their own dependencies",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","dependencies":{"dep":"1","other":"1"},"devDependencies":{"dev":"1"},"bundleDependencies":["dep","dev"]}"#,
                ),
                ("index.js", ""),
                (
                    "node_modules/dep/package.json",
                    r#"{"name":"dep","version":"1.0.0","files":["lib"],"dependencies":{"sub":"1"}}"#,
                ),
                ("node_modules/dep/lib/d.js", ""),
                ("node_modules/dep/test/t.js", ""),
                ("node_modules/dep/.npmignore", "lib\n"),
                (
                    "node_modules/sub/package.json",
                    r#"{"name":"sub","version":"1.0.0"}"#,
                ),
                ("node_modules/sub/s.js", ""),
                ("node_modules/sub/.gitignore", "s.js\n"),
                (
                    "node_modules/other/package.json",
                    r#"{"name":"other","version":"1.0.0"}"#,
                ),
                (
                    "node_modules/dev/package.json",
                    r#"{"name":"dev","version":"1.0.0"}"#,
                ),
            ],
            pack_in: "",
            expected: &[
                "index.js",
                "node_modules/dep/lib/d.js",
                "node_modules/dep/package.json",
                "node_modules/sub/.gitignore",
                "node_modules/sub/package.json",
                "node_modules/sub/s.js",
                "package.json",
            ],
        },
        Case {
            name: "a workspace member also obeys the ignore files above it",
            files: &[
                (
                    PJ,
                    r#"{"name":"root","version":"1.0.0","workspaces":["packages/*"]}"#,
                ),
                (".gitignore", "dist\n*.secret\n"),
                (
                    "packages/a/package.json",
                    r#"{"name":"a","version":"1.0.0"}"#,
                ),
                ("packages/a/dist/x.js", ""),
                ("packages/a/k.secret", ""),
                ("packages/a/index.js", ""),
            ],
            pack_in: "packages/a",
            expected: &["index.js", "package.json"],
        },
        Case {
            name: "a workspaces root: a subfolder package.json silences its .npmignore",
            files: &[
                (
                    PJ,
                    r#"{"name":"root","version":"1.0.0","workspaces":["packages/*"]}"#,
                ),
                (
                    "packages/a/package.json",
                    r#"{"name":"a","version":"1.0.0"}"#,
                ),
                ("packages/a/.npmignore", "x.js\n"),
                ("packages/a/x.js", ""),
                ("tools/.npmignore", "y.js\n"),
                ("tools/y.js", ""),
                ("tools/z.js", ""),
            ],
            pack_in: "",
            expected: &[
                "package.json",
                "packages/a/package.json",
                "packages/a/x.js",
                "tools/z.js",
            ],
        },
        Case {
            name: "extglob negation in files (rxjs ships `dist/cjs/**/!(*.tsbuildinfo)`)",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","files":["dist/**/!(*.tsbuildinfo)","@(a|b).js"]}"#,
                ),
                ("dist/a.js", ""),
                ("dist/x.tsbuildinfo", ""),
                ("dist/sub/b.js", ""),
                ("dist/sub/y.tsbuildinfo", ""),
                ("a.js", ""),
                ("c.js", ""),
            ],
            pack_in: "",
            expected: &["a.js", "dist/a.js", "dist/sub/b.js", "package.json"],
        },
        Case {
            name: "rooted and folder patterns, ** and dot folders",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (
                    ".npmignore",
                    "**/fixtures/**\n/docs\ntest/\n.github\n!.github/keep.yml\n",
                ),
                ("a/fixtures/f.json", ""),
                ("fixtures/g.json", ""),
                ("docs/d.md", ""),
                ("sub/docs/e.md", ""),
                ("test/t.js", ""),
                ("sub/test/u.js", ""),
                (".github/workflows/ci.yml", ""),
                (".github/keep.yml", ""),
                (".vscode/settings.json", ""),
            ],
            pack_in: "",
            // `!.github/keep.yml` re-opens `.github` as a folder that may hold an included
            // file, and npm then keeps all of it: the whole folder ships.
            expected: &[
                ".github/keep.yml",
                ".github/workflows/ci.yml",
                ".vscode/settings.json",
                "package.json",
                "sub/docs/e.md",
            ],
        },
        Case {
            name: "files naming single files keeps them past a nested .npmignore",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","files":["lib/a.js","lib/c.js"]}"#,
                ),
                ("lib/.npmignore", "*.js\n"),
                ("lib/a.js", ""),
                ("lib/b.js", ""),
                ("lib/c.js", ""),
            ],
            pack_in: "",
            expected: &["lib/a.js", "lib/c.js", "package.json"],
        },
        Case {
            name:
                "a subfolder's package.json is a file, not a manifest: its files field is ignored",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (
                    "sub/package.json",
                    r#"{"name":"s","version":"1.0.0","files":["only.js"]}"#,
                ),
                ("sub/only.js", ""),
                ("sub/other.js", ""),
            ],
            pack_in: "",
            expected: &[
                "package.json",
                "sub/only.js",
                "sub/other.js",
                "sub/package.json",
            ],
        },
        Case {
            name: "a folder-only pattern leaves a file of that name",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".npmignore", "logs/\n"),
                ("logs", "x"),
                ("sub/logs/x.txt", ""),
                ("sub/keep.js", ""),
            ],
            pack_in: "",
            expected: &["logs", "package.json", "sub/keep.js"],
        },
        Case {
            name: "re-including a folder under `*`",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".npmignore", "*\n!dist\n"),
                ("dist/a.js", ""),
                ("dist/sub/b.js", ""),
                ("x.js", ""),
            ],
            pack_in: "",
            // `*` also matches the files inside: only package.json (always kept) ships.
            expected: &["package.json"],
        },
        Case {
            name: "re-including a folder under `/*`",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".npmignore", "/*\n!dist\n"),
                ("dist/a.js", ""),
                ("dist/sub/b.js", ""),
                ("x.js", ""),
            ],
            pack_in: "",
            expected: &["dist/a.js", "dist/sub/b.js", "package.json"],
        },
        Case {
            name: "bundleDependencies: true bundles every dependency",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","dependencies":{"dep":"1"},"bundleDependencies":true}"#,
                ),
                ("index.js", ""),
                (
                    "node_modules/dep/package.json",
                    r#"{"name":"dep","version":"1.0.0"}"#,
                ),
                ("node_modules/dep/i.js", ""),
            ],
            pack_in: "",
            expected: &[
                "index.js",
                "node_modules/dep/i.js",
                "node_modules/dep/package.json",
                "package.json",
            ],
        },
        Case {
            name: "case-insensitive as npm is: the Kelvin sign is a k to `*.key`, the long s no s",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".npmignore", "*.key\nid_rsa\n"),
                ("a.\u{212a}ey", ""),
                ("b.KEY", ""),
                ("id_r\u{17f}a", ""),
                ("ID_RSA", ""),
            ],
            pack_in: "",
            expected: &["id_r\u{17f}a", "package.json"],
        },
        Case {
            name: "a class folds as JavaScript's `i` does: `[k]` is no Kelvin sign",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".npmignore", "[k]*.pem\n[a-z]*.key\n"),
                ("\u{212a}ey.pem", ""),
                ("Key.pem", ""),
                ("\u{212a}.key", ""),
                ("x.KEY", ""),
            ],
            pack_in: "",
            expected: &["\u{212a}.key", "\u{212a}ey.pem", "package.json"],
        },
        Case {
            name: "a folder re-included only as a folder (`!lib/`) still reads its own ignore file",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".npmignore", "*\n!lib/\n!src\n!package.json\n"),
                ("lib/.npmignore", "!a.js\n"),
                ("lib/a.js", ""),
                ("lib/b.js", ""),
                ("src/.npmignore", "!c.js\n"),
                ("src/c.js", ""),
                ("src/d.js", ""),
            ],
            pack_in: "",
            expected: &["lib/a.js", "package.json", "src/c.js"],
        },
        Case {
            name: "a `files` entry that is a symlink adds no pattern (one that would take another case)",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","files":["x.js","lnd"]}"#,
                ),
                ("x.js", "\0symlink to lib/a.js"),
                ("X.JS", ""),
                ("lnd", "\0symlink to lib"),
                ("LND/b.js", ""),
                ("lib/a.js", ""),
            ],
            pack_in: "",
            expected: &["package.json"],
        },
        Case {
            name: "a rule with one relative alternative: only a negated one may match a folder's start",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".npmignore", "{x,d/e}\n"),
                ("c/d/f.js", ""),
                ("d/e", ""),
                ("d/g.js", ""),
            ],
            pack_in: "",
            expected: &["c/d/f.js", "d/g.js", "package.json"],
        },
        Case {
            name: "a negated rule re-includes a nested folder when its basename starts a match",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0"}"#),
                (".npmignore", "c/d\n!{x,d/e}\n"),
                ("c/d/f.js", ""),
                ("c/g.js", ""),
            ],
            pack_in: "",
            expected: &["c/d/f.js", "c/g.js", "package.json"],
        },
        Case {
            name: "`main` and `browser` as JavaScript prints them, and only when truthy",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0","main":1,"browser":false}"#),
                (".npmignore", "*\n"),
                ("1", ""),
                ("false", ""),
            ],
            pack_in: "",
            expected: &["1", "package.json"],
        },
        Case {
            name: "`main: true` and an object `browser` (`[object Object]`, a class)",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0","main":true,"browser":{}}"#),
                (".npmignore", "*\n"),
                ("true", ""),
                ("o", ""),
                ("x", ""),
            ],
            pack_in: "",
            expected: &["o", "package.json", "true"],
        },
        Case {
            name: "a string `files` is taken character by character",
            files: &[
                (PJ, r#"{"name":"c","version":"1.0.0","files":"a.js"}"#),
                ("a.js", ""),
                ("b.js", ""),
                ("a", ""),
                ("j", ""),
                ("s", ""),
            ],
            pack_in: "",
            expected: &["a", "j", "package.json", "s"],
        },
        Case {
            name: "bundleDependencies entries that are not strings bundle nothing",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","dependencies":{"1":"*","true":"*"},"bundleDependencies":[1,true]}"#,
                ),
                ("node_modules/1/package.json", r#"{"name":"1","version":"1.0.0"}"#),
                (
                    "node_modules/true/package.json",
                    r#"{"name":"true","version":"1.0.0"}"#,
                ),
            ],
            pack_in: "",
            expected: &["package.json"],
        },
        Case {
            name: "a `bin` list is keyed by basename, the last of a name wins",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","files":["x.js"],"bin":["a/cli.js","b/cli.js"]}"#,
                ),
                ("a/cli.js", ""),
                ("b/cli.js", ""),
                ("x.js", ""),
            ],
            pack_in: "",
            expected: &["b/cli.js", "package.json", "x.js"],
        },
        Case {
            name: "`bin` keys and targets secured as npm secures them; a bundled dep's string `bin` needs a name",
            files: &[
                (
                    PJ,
                    r#"{"name":"c","version":"1.0.0","files":["x.js"],"bin":{"x/.":"cli.js","a:b":"t.js","..":"u.js","k":"../w.js","m":"d/","n":"e\\f.js"},"dependencies":{"dep":"*"},"bundleDependencies":["dep"]}"#,
                ),
                ("cli.js", ""),
                ("t.js", ""),
                ("u.js", ""),
                ("w.js", ""),
                ("d/g.js", ""),
                ("e/f.js", ""),
                ("x.js", ""),
                (
                    "node_modules/dep/package.json",
                    r#"{"name":"","version":"1.0.0","bin":"cli.js","files":["x.js"]}"#,
                ),
                ("node_modules/dep/cli.js", ""),
                ("node_modules/dep/x.js", ""),
            ],
            pack_in: "",
            expected: &[
                "cli.js",
                "e/f.js",
                "node_modules/dep/package.json",
                "node_modules/dep/x.js",
                "package.json",
                "t.js",
                "w.js",
                "x.js",
            ],
        },
    ]
}

fn npm_list(dir: &Path) -> Result<Vec<String>, String> {
    let out = StdCommand::new("npm")
        .args(["pack", "--dry-run", "--json", "--ignore-scripts"])
        .current_dir(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let mut files: Vec<String> = v[0]["files"]
        .as_array()
        .ok_or("no files")?
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    files.sort();
    Ok(files)
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn builtin_matches_npm_on_the_edge_case_table() {
    // `PACKGUARD_TEST_RECORDED_ONLY` leaves npm out on purpose: a mutation run changes
    // builtin, not npm, and asking npm takes most of this test's time.
    let recorded_only = std::env::var_os("PACKGUARD_TEST_RECORDED_ONLY").is_some();
    let npm = !recorded_only && npm_available();
    if !npm {
        not_here("npm is not asked: checking builtin against the recorded npm answers only");
    }
    let mut failures = Vec::new();
    for case in cases() {
        let dir = tree(case.files);
        let at = dir.path().join(case.pack_in);
        let builtin = packguard::artifact::pack::builtin::select(&at)
            .map_err(|e| e.to_string())
            .map(|mut v| {
                v.sort();
                v
            });
        let expected = sorted(case.expected);
        if builtin.as_ref() != Ok(&expected) {
            failures.push(format!(
                "{}\n  recorded npm: {expected:?}\n  builtin:      {builtin:?}",
                case.name
            ));
        }
        if npm {
            match npm_list(&at) {
                Ok(real) if real == expected => {}
                Ok(real) => failures.push(format!(
                    "{}: the recorded answer is stale\n  npm now:  {real:?}\n  recorded: {expected:?}",
                    case.name
                )),
                Err(e) => failures.push(format!("{}: npm failed: {e}", case.name)),
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------
// Other packers, asked for real: `#[ignore]`d in a plain `cargo test`, and run by
// scripts/test.sh, which installs them (scripts/fetch-packers.sh) and names each in
// `PACKGUARD_TEST_*`. Run without it they fail: a missing packer is never a pass. Each must
// list the same files for a plain package and never run its lifecycle scripts.
// ---------------------------------------------------------------------------------------

/// The packer command `var` names; a missing one fails the test.
fn real_packer(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run scripts/fetch-packers.sh and set it (scripts/test.sh does)")
    })
}

fn check_packer(name: &str, cmd: &str, with_scripts: bool) {
    let scripts = if with_scripts {
        r#","scripts":{"prepack":"node -e \"require('fs').writeFileSync('RAN','')\"","prepare":"node -e \"require('fs').writeFileSync('RAN','')\""}"#
    } else {
        ""
    };
    let manifest = format!(r#"{{"name":"pk","version":"1.0.0","files":["lib"]{scripts}}}"#);
    let dir = tree(&[
        ("package.json", manifest.as_str()),
        ("lib/a.js", "1\n"),
        ("lib/.env", "A=1\n"),
        ("src/s.js", "1\n"),
    ]);
    let out = packguard()
        .args(["ls", "--paths", "--pack", name])
        .arg(dir.path())
        .env(format!("PACKGUARD_{}", name.to_ascii_uppercase()), cmd)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "lib/.env\nlib/a.js\npackage.json\n",
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join("RAN").exists(),
        "{name} ran a lifecycle script"
    );
}

#[test]
#[ignore = "needs pnpm: PACKGUARD_TEST_PNPM (scripts/fetch-packers.sh installs it, scripts/test.sh sets it)"]
fn pnpm_lists_without_scripts() {
    check_packer("pnpm", &real_packer("PACKGUARD_TEST_PNPM"), true);
}

#[test]
#[ignore = "needs bun: PACKGUARD_TEST_BUN (scripts/fetch-packers.sh installs it, scripts/test.sh sets it)"]
fn bun_lists_without_scripts() {
    check_packer("bun", &real_packer("PACKGUARD_TEST_BUN"), true);
}

/// The packer command in `var`, checked to report a version starting with `major`.
fn packer_at(var: &str, major: &str) -> String {
    let cmd = real_packer(var);
    let version = packer_version(&cmd);
    assert!(version.starts_with(major), "{var} is version {version}");
    cmd
}

/// The version a packer command reports (`yarn --version`).
fn packer_version(cmd: &str) -> String {
    let parts: Vec<&str> = cmd.split_whitespace().collect();
    let out = StdCommand::new(parts[0])
        .args(&parts[1..])
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("{cmd} --version: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
#[ignore = "needs yarn 1: PACKGUARD_TEST_YARN1 (scripts/fetch-packers.sh installs it, scripts/test.sh sets it)"]
fn yarn1_lists_a_package_without_running_its_scripts() {
    let cmd = packer_at("PACKGUARD_TEST_YARN1", "1.");
    check_packer("yarn", &cmd, true);
}

#[test]
#[ignore = "needs yarn 4: PACKGUARD_TEST_YARN4 (scripts/fetch-packers.sh installs it, scripts/test.sh sets it)"]
fn yarn4_lists_a_package_or_refuses_one_with_pack_scripts() {
    let cmd = packer_at("PACKGUARD_TEST_YARN4", "4.");
    check_packer("yarn", &cmd, false);
    // yarn 2+ runs prepack on `pack --dry-run` and has no switch to stop it: a package with
    // one is refused with exit 2, and nothing runs.
    let dir = tree(&[
        (
            "package.json",
            r#"{"name":"pk","version":"1.0.0","scripts":{"prepack":"node -e \"require('fs').writeFileSync('RAN','')\""}}"#,
        ),
        ("yarn.lock", ""),
    ]);
    let out = packguard()
        .args(["ls", "--paths", "--pack", "yarn"])
        .arg(dir.path())
        .env("PACKGUARD_YARN", &cmd)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("never runs lifecycle scripts"), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(!dir.path().join("RAN").exists());
}

/// The glob matcher against npm's own minimatch, with the options ignore-walk passes
/// (`dot`, `nocase`, `flipNegate`, with and without `matchBase`), full and partial.
#[test]
fn glob_matches_npms_minimatch() {
    let Some(minimatch) = npm_minimatch() else {
        return not_here("npm's minimatch is not installed (needs node and npm)");
    };
    let patterns = [
        "*.js",
        "/lib",
        "lib/",
        "lib/**",
        "**/test/**",
        "!*.log",
        "!!*.log",
        "readme{,.*[^~$]}",
        "/readme{,.*[^~$]}",
        "a/*/c",
        "a/**/c",
        "a/**",
        ".*",
        "*",
        "?.js",
        "[abc].js",
        "[!a].js",
        "**",
        "/build/config.gypi",
        "dist/*",
        "dist/**",
        "foo/**/*.ts",
        "*.D.TS",
        "x/../y",
        "**/.git",
        "**/.git/**",
        "/.wafpickle-*",
        "._*",
        "{a,b}/c",
        "/node_modules",
        ".npmrc",
        "lib/*.js",
        "**/*.map",
        "/*",
        "*/",
        "a/**/b/**/c",
        "!(*.tsbuildinfo)",
        "dist/**/!(*.map)",
        "@(a|b).js",
        "*(a|b)",
        "+(a|b).js",
        "?(a).js",
        "!(a|b)",
        "a!(b)c",
        "x/!(*.d).ts",
        // Literal segments compared without case: ASCII, and Unicode where one side is not
        // ASCII (the Kelvin sign lowercases to `k`, `ſ` does not become `s`).
        "kit.js",
        "\u{212a}it.js",
        "ſrc",
        "ÄB.js",
        "ſ*",
        "k*.js",
        "*\u{212a}*",
        "ä?.js",
        // minimatch's fast tests (`*<tail>`, `?…?<tail>`) lowercase instead.
        "*.KEY",
        "*it.js",
        "??t.js",
        "?????",
        "*\\.js",
        // Backslash escapes: a magic character taken literally, and a trailing backslash.
        "\\*.js",
        "a\\?b",
        "\\[a]",
        "x\\",
        "?\\*",
        "*\\?",
        "\\!x",
        "??",
        "?",
        // `x/..` cancels out, except after `..` or `.` (and `**`, whose partial match
        // against a `..` segment is the known difference above).
        "a/../../c",
        "./../c",
        // Classes fold as JavaScript's `i` flag does: `[k]` takes `K` but not the Kelvin
        // sign, `[s]` not `ſ`; ranges, negation, and `-` as a member.
        "[k]it.js",
        "[a-z]it.js",
        "[^k]it.js",
        "[!a-j]it.js",
        "[\u{212a}]it.js",
        "[ſ]rc",
        "[s]rc",
        "[r-t]RC",
        "[^s]rc",
        "[a-c-e]",
        "[-k]it.js",
        "[K\\-]it.js",
        "[ä]b.js",
        "[À-Ö]b.js",
        "[[:alpha:]]it.js",
        // Parentheses: extglob only after `!?+*@`, unclosed ones literal, escapes inside,
        // a negation after the group.
        "x(1).js",
        "a(b|c)",
        "@(a|b)!(c)",
        "@(a|b",
        "+(a",
        "@(a\\)b)",
        "@(a\\|b)",
        // An escaped `|` splits minimatch's regex, anchors and all.
        "a\\|b",
        "1\\|2",
        "1*\\|2",
        "x!(a\\|b)",
        "!(a|b\\|c)d",
        "@(a\\|b)c",
        "[a]\\|y",
        // Groups inside groups; classes unclosed, at the end, or opening with `]`.
        "@(x|+(a|b))",
        "+(a|@(b|c))d",
        "a[",
        "[",
        "[ab",
        "[]a]",
        "[!]a]",
        "[^]a]",
        // Escapes and dashes inside a class; `[` and `:` as members.
        "[\\]]",
        "[a\\-z]",
        "[a\\",
        "[-a]",
        "[a-]",
        "[!-a]",
        "[a-\\]]",
        "[\\\\]",
        "[a-c-]",
        "[[a]",
        "[a:b]",
        "[[:digit:]a]",
        // Braces: unclosed, escaped, nested, ranges, empty, one after another.
        "{a,b",
        "a{",
        "{a\\,b,c}",
        "\\{a,b}",
        "{a,{b,c}}d",
        "{1..3}",
        "{a}",
        "x{}y",
        "{a,b}{c,d}",
        "{,a}b",
        "{1..10}",
        "{a..c}",
        "{3..1}",
        "{01..3}",
        "{a..cd}",
        "\\{a,b}",
        // A group inside the first alternative of a group.
        "@(+(a|b)|x)",
    ];
    let paths = [
        "kit.js",
        "KIT.js",
        "\u{212a}it.js",
        "\u{212a}IT.JS",
        "src",
        "SRC",
        "ſrc",
        "äb.js",
        "ÄB.js",
        "../c",
        "c",
        "*.js",
        "x*.js",
        "a?b",
        "acb",
        "[a]",
        "x\\",
        "x",
        "a*",
        "!x",
        "ab",
        "a.\u{212a}ey",
        "a.KEY",
        ".key",
        "x\\.js",
        "😀t.js",
        "😀😀t",
        // No bare `.` or `..`: folder listings never contain them, and minimatch's partial
        // match of `**/x/**` against them (true) is the one known difference.
        "/lib",
        "lib",
        "lib/",
        "/lib/",
        "/lib/a.js",
        "lib/a.js",
        "a.js",
        "/a.js",
        "",
        "/",
        "a/b/c",
        "a/c",
        "a/../c",
        "a/b/",
        "README.md",
        "/README.md",
        "readme.md~",
        "/readme",
        "sub/test/x.js",
        "/sub/test/x.js",
        "/.eslintrc",
        "x.log",
        "b.js",
        "ab.js",
        "foo/bar/baz.ts",
        "foo/baz.ts",
        "y",
        "/y",
        "x/y",
        "/.git",
        "/sub/.git",
        "/sub/.git/x",
        "a",
        "/a/",
        "/dist/x.js",
        "dist/nested/y.js",
        "/a/x/b/y/c",
        "/a/b/c/",
        "b/c",
        "/node_modules",
        "sub/node_modules",
        "/x.d.ts",
        "/._x",
        "/.wafpickle-1",
        "x.tsbuildinfo",
        "dist/x/a.map",
        "/dist/x/a.js",
        "abc",
        "ac",
        "abbc",
        "aab.js",
        "ab",
        "x/y.d.ts",
        "x/y.ts",
        "b.js",
        "ba.js",
        "d",
        "e",
        "-",
        "-it.js",
        "x(1).js",
        "x1.js",
        "a(b|c)",
        "ac",
        "aa.js",
        ".js",
        "a)b",
        "a|b",
        "@(a|b",
        "+(a",
        "a\\",
        "1|2",
        "12",
        "xc",
        "a|bc",
        "ad",
        "cd",
        "bb",
        "(a|b|c)d",
        "!.js",
        "[.js",
        "]",
        "]a",
        "a[",
        "[",
        "[ab",
        "bd",
        "aab",
        "z",
        "a-",
        "-a",
        ":",
        "7",
        "\\",
        "{a,b",
        "{a}",
        "x{}y",
        "a,b",
        "1",
        "3",
        "4",
        "{a,b}",
        "02",
        "10",
    ];
    let mut cases = Vec::new();
    for p in patterns {
        for base in [true, false] {
            for path in paths {
                for partial in [false, true] {
                    cases.push((p, base, path, partial));
                }
            }
        }
    }
    let script = format!(
        r#"const {{Minimatch}} = require({mm:?});
           const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
           const out = cases.map(([p, base, path, partial]) => {{
             const m = new Minimatch(p, {{matchBase: base, dot: true, flipNegate: true, nocase: true}});
             return [m.match(path, partial), !!m.negate];
           }});
           console.log(JSON.stringify(out));"#,
        mm = minimatch
    );
    let expected: Vec<(bool, bool)> = node_json(&script, &cases);
    let mut wrong = Vec::new();
    for ((p, base, path, partial), (want, negate)) in cases.iter().zip(expected) {
        let pat = packguard::artifact::pack::glob::Pattern::new(p, *base);
        let got = pat.matches(path, *partial);
        if got != want || pat.negate != negate {
            wrong.push(format!(
                "{p:?} matchBase={base} path={path:?} partial={partial}: minimatch {want} (negate {negate}), ours {got} (negate {})",
                pat.negate
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

/// Brace expansion is held to npm's own: minimatch's `braceExpand` (its shortcut, then
/// brace-expansion) on hand-picked patterns and on every short string over the characters that
/// matter to it, drawn at random with a fixed seed.
#[test]
fn brace_expansion_matches_npms() {
    let Some(minimatch) = npm_minimatch() else {
        return not_here("npm's minimatch is not installed (needs node and npm)");
    };
    let mut patterns: Vec<String> = [
        "a{b,c}d",
        "{1..10}",
        "{a..c}",
        "{3..1}",
        "{01..3}",
        "{-03..3}",
        "{1..10..-3}",
        "{a..e..2}",
        "{Z..a}",
        "{+1..3}",
        "{1..a}",
        "{a..cd}",
        "{1..3..2}",
        "{a..a}",
        "{1..}",
        "{1.5..3}",
        "{0..10000}",
        "{10001..1}",
        "{5000..5002}",
        "\\{a,b}x",
        "a\\\\*{b,c}",
        "{}a,b}",
        "a{},b}c",
        "${a,b}",
        "{a},b}",
        "x{a\\,b,c}",
        "{a,b}{",
        "{{a,b}}",
        "a{b{c,d}",
        "{a,}",
        "{,}",
        "{a,b}/{c,d}",
        "{a,{b,c}}d",
        "{a,b}{c,d}{e,f}",
        "a{b,c{d,e}f}g",
        "{a\\.b..c}",
        "{a.b}",
        "{a..b\\}",
        "x{a,b}y{1..3}z",
        "{,a}b",
        "{a,b,}",
        // JavaScript's `.` stops at line terminators; the last code points stay themselves.
        "{a\n,b}",
        "{a\r,b}",
        "{a\u{2028},b}",
        "{a\u{2029},b}",
        "{a,b}\r{c,d}",
        "{\u{10FFFF},\u{10FFFE}\u{10FFFD},\u{10FFFC}}",
        "{\u{10FFFF}a,b\u{10FFFC}}",
        // balanced-match keeps the outer pair once the inner one has closed.
        "{{a}b,c}",
        "{{a},b}",
        "x{{a}b,c}y",
        "{a{b}c{d}e,f}",
        // A set without a comma is literal unless a `,` and a `}` follow it.
        "{a}{1..3}",
        "{a}x{b..d}",
        "{a}{b,c}",
        "{a}b,c}",
        "{a}b,,}",
        "{a}x,\r}",
        "{a}x,\u{2028}}",
        "{a}x,\n,y}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Nested as deep as packguard follows (its bound is past this).
    patterns.push(format!("{}a,b{}", "{".repeat(65), "}".repeat(65)));
    let alphabet = [
        '{', '{', '{', '}', '}', '}', ',', ',', '.', '.', '\\', '$', 'a', 'b', '1', '0', '-',
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = 1 + (seed % 12) as usize;
        let mut r = seed;
        let s: String = (0..len)
            .map(|_| {
                r = r
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                alphabet[(r >> 33) as usize % alphabet.len()]
            })
            .collect();
        patterns.push(s);
    }
    let script = format!(
        r#"const {{braceExpand}} = require({minimatch:?});
           const ps = JSON.parse(require('fs').readFileSync(0, 'utf8'));
           console.log(JSON.stringify(ps.map(p => braceExpand(p))));"#
    );
    let expected: Vec<Vec<String>> = node_json(&script, &patterns);
    assert_eq!(expected.len(), patterns.len());
    let mut expanded = 0;
    let mut wrong = Vec::new();
    for (p, want) in patterns.iter().zip(&expected) {
        let got = packguard::artifact::pack::brace::brace_expand(p);
        if want.len() != 1 || want[0] != *p {
            expanded += 1;
        }
        if got != *want {
            wrong.push(format!("{p:?}: brace-expansion {want:?}, ours {got:?}"));
        }
    }
    // The random strings must exercise expansion, not only the shortcut.
    assert!(expanded > 2000, "only {expanded} patterns expanded");
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        patterns.len(),
        wrong.join("\n")
    );
}

/// Runs a Node script that reads JSON on stdin and prints JSON: `input` in, its answer out.
fn node_json<T: serde::de::DeserializeOwned>(script: &str, input: &impl serde::Serialize) -> T {
    use std::io::Write;
    let mut child = StdCommand::new("node")
        .args(["-e", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    let input = serde_json::to_vec(input).expect("json");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write");
    let out = child.wait_with_output().expect("node output");
    assert!(out.status.success(), "node failed: {}", out.status);
    serde_json::from_slice(&out.stdout).expect("node json")
}

/// npm's bundled minimatch, if node and npm are installed.
fn npm_minimatch() -> Option<String> {
    let out = StdCommand::new("npm").args(["root", "-g"]).output().ok()?;
    let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let p = Path::new(&root).join("npm/node_modules/minimatch");
    p.join("package.json")
        .is_file()
        .then(|| p.display().to_string())
}

mod path_safety {
    use super::*;
    use proptest::prelude::*;

    struct DiskPaths(Vec<PathBuf>);
    impl packguard::artifact::Visitor for DiskPaths {
        fn file(&mut self, e: packguard::artifact::Entry<'_>) {
            self.0.push(
                e.disk_path
                    .expect("directory entries have a disk path")
                    .to_path_buf(),
            );
        }
        fn issue(&mut self, _: &str, _: packguard::artifact::EntryIssue) {}
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Whatever a packer lists, nothing outside the package folder is read.
        #[test]
        fn listed_paths_never_escape_the_package(
            lists in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof!["a", "b", "c", r"\.\.", r"\.", "", "outside\\.txt", "pkg"],
                    1..5,
                ).prop_map(|segs| segs.join("/")),
                1..6,
            )
        ) {
            let top = tree(&[
                ("outside.txt", "FAKESECRET_OUTSIDE1"),
                ("pkg/a", "1"),
                ("pkg/b/c", "2"),
            ]);
            let root = top.path().join("pkg");
            let mut seen = DiskPaths(Vec::new());
            // Errors (a listed file that does not exist) are fine; escaping is not.
            let _ = packguard::artifact::directory::read_directory(
                &root,
                &lists,
                &packguard::artifact::Limits::default(),
                &mut seen,
            );
            let canon_root = fs::canonicalize(&root).unwrap();
            for p in seen.0 {
                let real = fs::canonicalize(&p).unwrap();
                prop_assert!(real.starts_with(&canon_root), "{} escaped", p.display());
            }
        }
    }
}

fn shop() -> TempDir {
    tree(&[
        (
            "package.json",
            r#"{"name":"shop","version":"1.0.0","files":["lib"]}"#,
        ),
        ("lib/.env", "A=1\n"),
        ("lib/index.js", "const k = 'FAKESECRET_D7K2Q9ZX';\n"),
        ("src/index.ts", "const k = 'FAKESECRET_E7K2Q9ZX';\n"),
    ])
}

#[test]
fn ls_human_snapshot() {
    let dir = shop();
    let rules_dir = tempfile::tempdir().unwrap();
    let out = packguard()
        .current_dir(dir.path())
        .args(["ls", ".", "--pack", "builtin", "--no-config", "--rules"])
        .arg(rules_file(rules_dir.path()))
        .output()
        .expect("run");
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn directory_json_report_snapshot() {
    let dir = shop();
    let rules_dir = tempfile::tempdir().unwrap();
    let out = packguard()
        .current_dir(dir.path())
        .args([
            "scan",
            ".",
            "--pack",
            "builtin",
            "--no-config",
            "--format",
            "json",
            "--rules",
        ])
        .arg(rules_file(rules_dir.path()))
        .output()
        .expect("run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    insta::assert_json_snapshot!(report, {".summary.duration_ms" => "[ms]", ".tool.version" => "[version]"});
}
