//! What the integration tests share: a scratch folder to run the binary in, packages built in
//! code with `TarBuilder` (a minimal one, and the showcase every output format is pinned
//! on), readers of the JSON report, and rendering through the library. `recall.rs` is the
//! secret-recall corpus (`tests/secrets_recall.rs`, `examples/recall_corpus.rs`).
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};

pub mod rng;

use assert_cmd::Command;
use tempfile::TempDir;

pub use packguard::artifact::builder::{gzip, TarBuilder};

/// A scratch folder; the binary runs inside it so no config from the repository is found.
pub struct Scratch {
    pub dir: TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&p, bytes).expect("write file");
        p
    }

    /// `packguard` running in this folder.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("packguard").expect("the binary is built");
        c.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("GITHUB_REPOSITORY");
        c
    }

    /// Runs `packguard scan --format json` on a tarball and returns (exit code, JSON report).
    pub fn scan_json(&self, tgz: &[u8], extra: &[&str]) -> (i32, serde_json::Value) {
        let file = self.write("pkg.tgz", tgz);
        let mut args = vec!["scan".to_string(), file.display().to_string()];
        args.extend(
            ["--format", "json"]
                .iter()
                .chain(extra)
                .map(|a| a.to_string()),
        );
        self.run_json(&args)
    }

    /// Runs `packguard ARGS` here; returns the exit code and stdout parsed as JSON (a test
    /// failure showing stderr when it is not).
    pub fn run_json<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> (i32, serde_json::Value) {
        let out = self.cmd().args(args).output().expect("run packguard");
        let code = out.status.code().expect("an exit code");
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}); code {code}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, json)
    }
}

/// The findings of a report as (rule, file, severity) triples.
pub fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The findings of `rule` in a JSON report, for a test to pick the fields it checks.
pub fn of_rule<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// Whether the report has a finding of `rule` on `file`.
pub fn has(report: &serde_json::Value, rule: &str, file: &str) -> bool {
    findings(report)
        .iter()
        .any(|(r, f, _)| r == rule && f == file)
}

/// A minimal valid package.
pub fn package(name: &str, version: &str) -> TarBuilder {
    TarBuilder::new()
        .file(
            "package.json",
            format!(
                "{{\"name\":\"{name}\",\"version\":\"{version}\",\"main\":\"index.js\",\"repository\":\"github:example/{name}\"}}"
            ),
        )
        .file("index.js", "module.exports = 42;\n")
}

/// The showcase package: one of each mistake packguard exists to catch (a registry token in
/// `.npmrc`, an `.env`, a log file, a GitHub token in the code and in the original source
/// its map ships, a source map pointing at a storage bucket, an install script piping a
/// download into `sh`). Every output format is pinned on it (`tests/output_format.rs`); it is
/// `testdata/leaky-pkg`, the README's example, built in code. Every credential is fake.
pub fn showcase() -> TarBuilder {
    const TOKEN: &str = "ghp_R7nK2mVx9QpL4sT8wYb3Jc6Hd1Fg5Ae0Zu2N";
    let source = format!(
        "// The original source that the source map hands out.\nconst GITHUB_TOKEN = \"{TOKEN}\";\nexport function main(): void {{\n  console.log(\"leaky\", GITHUB_TOKEN.length);\n}}\n"
    );
    let map = serde_json::json!({
        "version": 3,
        "file": "cli.js",
        "sourceRoot": "https://leaky-builds.s3.amazonaws.com/src/",
        "sources": ["cli.ts"],
        "sourcesContent": [source],
        "names": [],
        "mappings": "AACA",
    });
    TarBuilder::new()
        .file(
            "package.json",
            r#"{
  "name": "leaky-pkg",
  "version": "1.0.0",
  "main": "dist/cli.js",
  "bin": { "leaky": "dist/cli.js" },
  "scripts": {
    "postinstall": "curl -fsSL https://leaky-builds.s3.amazonaws.com/setup.sh | sh"
  },
  "repository": "github:example/leaky-pkg",
  "license": "MIT"
}
"#,
        )
        .file(
            ".env",
            "DATABASE_URL=postgres://admin:hunter2-not-real@db.internal.example:5432/prod\n",
        )
        .file(
            ".npmrc",
            "//registry.npmjs.org/:_authToken=npm_Xq7pLm2Rv9Tz4Kw8Bn3Yc6Hd1Fg5Js0Ae7Wx\n",
        )
        .file(
            "dist/cli.js",
            format!(
                "\"use strict\";const GITHUB_TOKEN=\"{TOKEN}\";function main(){{console.log(\"leaky\",GITHUB_TOKEN.length)}}exports.main=main;\n//# sourceMappingURL=cli.js.map\n"
            ),
        )
        .file("dist/cli.js.map", map.to_string())
        .file("npm-debug.log", "0 info it worked if it ends with ok\n")
        .file("src/cli.ts", source)
}

/// A real npm tarball of the test corpus, from `$PACKGUARD_CORPUS` (scripts/fetch-corpus.sh
/// fetches it; scripts/test.sh sets the variable). Tests that read one are `#[ignore]`d with
/// that reason in a plain `cargo test`, and fail here when run without it: a missing input is
/// never a pass.
pub fn real_tarball(file: &str) -> PathBuf {
    let dir = std::env::var_os("PACKGUARD_CORPUS").unwrap_or_else(|| {
        panic!("PACKGUARD_CORPUS is not set: run scripts/test.sh, which fetches {file}")
    });
    let path = PathBuf::from(dir).join(file);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-corpus.sh",
        path.display()
    );
    path
}

/// Draws `reports` in `format` as a terminal without colour would, `width` columns wide, with
/// no rules to describe and no repository to point into.
pub fn render(
    format: packguard::render::Format,
    reports: &[packguard::Report],
    fail_on: packguard::FailOn,
    width: usize,
) -> String {
    let rules = packguard::RuleSet::default();
    let repo = packguard::render::repo::RepoPaths::none();
    let context = packguard::render::Context {
        rules: &rules,
        fail_on,
        repo: &repo,
        color: false,
        width: Some(width),
        quiet: false,
    };
    format.render(reports, &context)
}
