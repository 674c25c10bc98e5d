//! The GitHub Action (`action.yml`) run locally, step by step, in a scratch repository (issue
//! 20): the real runner is not available, so this harness does what it does for a composite
//! action. It reads `action.yml`, substitutes `${{ inputs.* }}`, `${{ steps.*.outputs.* }}`
//! and `${{ github.* }}`, runs each `run:` step with `bash -eo pipefail` and the step's
//! `env:`, with a fake RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_PATH, and
//! stops at the first failing step, as the runner does.
//!
//! The install step downloads from a `file://` mirror of a release (PACKGUARD_RELEASE_URL)
//! holding the binary this test suite built, archived and summed as `release.yml` does, so
//! the checksum check runs for real. The Action's verdict is then compared with a direct
//! `packguard scan FOLDER`: the two must agree.
#![cfg(target_os = "linux")]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::Scratch;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One `run:` step of the composite action.
struct Step {
    name: String,
    id: Option<String>,
    condition: Option<String>,
    env: Vec<(String, String)>,
    run: String,
}

/// `action.yml`: its inputs' defaults and its steps.
struct Action {
    defaults: HashMap<String, String>,
    steps: Vec<Step>,
}

fn load_action() -> Action {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
        .expect("read action.yml");
    let doc = marked_yaml::parse_yaml(0, &text).expect("action.yml is YAML");
    let doc = doc.as_mapping().expect("a mapping");
    let scalar = |m: &marked_yaml::types::MarkedMappingNode, k: &str| {
        m.get_scalar(k).map(|s| s.as_str().to_string())
    };
    let mut defaults = HashMap::new();
    for (name, input) in doc.get_mapping("inputs").expect("inputs").iter() {
        let input = input.as_mapping().expect("an input is a mapping");
        defaults.insert(
            name.as_str().to_string(),
            scalar(input, "default").unwrap_or_default(),
        );
    }
    let runs = doc.get_mapping("runs").expect("runs");
    assert_eq!(scalar(runs, "using").as_deref(), Some("composite"));
    let steps = runs
        .get_sequence("steps")
        .expect("steps")
        .iter()
        .map(|s| {
            let s = s.as_mapping().expect("a step is a mapping");
            assert!(
                s.get_node("uses").is_none(),
                "the harness runs `run:` steps only"
            );
            assert_eq!(scalar(s, "shell").as_deref(), Some("bash"));
            Step {
                name: scalar(s, "name").unwrap_or_default(),
                id: scalar(s, "id"),
                condition: scalar(s, "if"),
                env: s
                    .get_mapping("env")
                    .map(|e| {
                        e.iter()
                            .map(|(k, v)| {
                                let v = v.as_scalar().expect("an env value is a scalar");
                                (k.as_str().to_string(), v.as_str().to_string())
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                run: scalar(s, "run").expect("a run step"),
            }
        })
        .collect();
    Action { defaults, steps }
}

/// What the runner would report: the exit code of the first failing step (0 when all
/// passed), which step that was, everything the steps printed, and the outputs.
struct Outcome {
    code: i32,
    failed_step: Option<String>,
    log: String,
    outputs: HashMap<String, String>,
    summary: String,
}

/// The scratch repository the Action runs in, and a release mirror to install from.
struct Harness {
    scratch: Scratch,
    mirror: PathBuf,
}

impl Harness {
    fn new() -> Harness {
        let scratch = Scratch::new();
        std::fs::create_dir_all(scratch.path().join("repo/.git")).unwrap();
        let mirror = scratch.path().join("mirror");
        let h = Harness { scratch, mirror };
        h.publish_release(Path::new(env!("CARGO_BIN_EXE_packguard")));
        h
    }

    fn repo(&self) -> PathBuf {
        self.scratch.path().join("repo")
    }

    fn write(&self, rel: &str, text: &str) {
        self.scratch.write(&format!("repo/{rel}"), text);
    }

    /// The release's assets as `release.yml` makes them: the binary archived as
    /// `packguard-vX.Y.Z-TARGET.tar.gz`, and SHA256SUMS over the archives.
    fn publish_release(&self, binary: &Path) {
        let tag = format!("v{VERSION}");
        let dir = self.mirror.join(&tag);
        let bin = self.scratch.path().join("bin");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(binary, bin.join("packguard")).unwrap();
        let asset = format!("packguard-{tag}-{}.tar.gz", target());
        sh(
            &format!(
                "tar -czf '{}/{asset}' -C '{}' . && cd '{}' && sha256sum -- *.tar.gz > SHA256SUMS",
                dir.display(),
                bin.display(),
                dir.display()
            ),
            self.scratch.path(),
        );
    }

    /// The release archive, replaced after SHA256SUMS was written (a tampered download).
    fn tamper_with_release(&self) {
        let tag = format!("v{VERSION}");
        let bin = self.scratch.path().join("bin/packguard");
        let mut bytes = std::fs::read(&bin).unwrap();
        bytes.extend_from_slice(b"tampered");
        std::fs::write(&bin, bytes).unwrap();
        sh(
            &format!(
                "tar -czf '{}/{tag}/packguard-{tag}-{}.tar.gz' -C '{}' .",
                self.mirror.display(),
                target(),
                bin.parent().unwrap().display()
            ),
            self.scratch.path(),
        );
    }

    /// Runs the Action with `inputs`, as a workflow step `uses: packguard/packguard@REF`.
    fn run_action(&self, inputs: &[(&str, &str)]) -> Outcome {
        let action = load_action();
        let mut values = action.defaults.clone();
        for (k, v) in inputs {
            assert!(values.contains_key(*k), "action.yml has no input `{k}`");
            values.insert(k.to_string(), v.to_string());
        }
        let temp = self.scratch.path().join("runner-temp");
        let _ = std::fs::remove_dir_all(&temp);
        std::fs::create_dir_all(&temp).unwrap();
        let summary = temp.join("step-summary.md");
        let github_path = temp.join("github-path");
        std::fs::write(&summary, "").unwrap();
        std::fs::write(&github_path, "").unwrap();
        let mut steps: HashMap<String, HashMap<String, String>> = HashMap::new();
        let mut log = String::new();
        for (i, step) in action.steps.iter().enumerate() {
            let eval = |expr: &str| evaluate(expr, &values, &steps);
            if let Some(condition) = &step.condition {
                if !condition_holds(condition, &eval) {
                    continue;
                }
            }
            let output = temp.join(format!("output-{i}"));
            std::fs::write(&output, "").unwrap();
            let script = temp.join(format!("step-{i}.sh"));
            std::fs::write(&script, substitute(&step.run, &eval)).unwrap();
            let added: String = std::fs::read_to_string(&github_path).unwrap();
            let path = added
                .lines()
                .rev()
                .chain(std::env::var("PATH").ok().as_deref())
                .collect::<Vec<_>>()
                .join(":");
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script)
                .current_dir(self.repo())
                .env_clear()
                .env("PATH", path)
                .env("HOME", std::env::var("HOME").unwrap_or_default())
                .env("NO_COLOR", "1")
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_WORKSPACE", self.repo())
                .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
                .env("GITHUB_OUTPUT", &output)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("GITHUB_PATH", &github_path)
                .env("RUNNER_TEMP", &temp)
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", runner_arch())
                .env(
                    "PACKGUARD_RELEASE_URL",
                    format!("file://{}", self.mirror.display()),
                );
            for (k, v) in &step.env {
                cmd.env(k, substitute(v, &eval));
            }
            let out = cmd.output().expect("run bash");
            log.push_str(&format!("== {}\n", step.name));
            log.push_str(&String::from_utf8_lossy(&out.stdout));
            log.push_str(&String::from_utf8_lossy(&out.stderr));
            if let Some(id) = &step.id {
                let text = std::fs::read_to_string(&output).unwrap();
                let outputs = text
                    .lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                steps.insert(id.clone(), outputs);
            }
            let code = out.status.code().unwrap_or(-1);
            if code != 0 {
                return Outcome {
                    code,
                    failed_step: Some(step.name.clone()),
                    log,
                    outputs: action_outputs(&steps),
                    summary: std::fs::read_to_string(&summary).unwrap(),
                };
            }
        }
        Outcome {
            code: 0,
            failed_step: None,
            log,
            outputs: action_outputs(&steps),
            summary: std::fs::read_to_string(&summary).unwrap(),
        }
    }

    /// `packguard scan ARGS` run directly in the repository: the answer the Action must give.
    fn scan(&self, args: &[&str]) -> (i32, String) {
        let out = self
            .scratch
            .cmd()
            .current_dir(self.repo())
            .arg("scan")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// A publishable package at `packages/cli` with a build log in it (`file/log`, a warning).
    fn package(&self) {
        self.write(
            "packages/cli/package.json",
            r#"{"name":"cli","version":"1.0.0","main":"index.js","repository":"github:example/cli"}"#,
        );
        self.write("packages/cli/index.js", "module.exports = 42;\n");
        self.write("packages/cli/build.log", "compiled in 3s\n");
    }

    /// The Action on `packages/cli` and a direct scan of it agree; returns the Action's run.
    fn agree(&self, inputs: &[(&str, &str)], direct: &[&str], expected: i32) -> Outcome {
        let mut all = vec![("path", "packages/cli")];
        all.extend_from_slice(inputs);
        let action = self.run_action(&all);
        let mut args = vec!["packages/cli"];
        args.extend_from_slice(direct);
        let (code, stdout) = self.scan(&args);
        assert_eq!(code, expected, "direct scan:\n{stdout}");
        assert_eq!(
            action.code, code,
            "the Action and `packguard scan packages/cli` disagree\nAction:\n{}\ndirect:\n{stdout}",
            action.log
        );
        if expected != 0 {
            assert_eq!(
                action.failed_step.as_deref(),
                Some("Scan with packguard"),
                "{}",
                action.log
            );
        }
        action
    }
}

/// The action's `outputs:` (only `tarball`, from the pack step).
fn action_outputs(steps: &HashMap<String, HashMap<String, String>>) -> HashMap<String, String> {
    let tarball = steps.get("pack").and_then(|o| o.get("tarball"));
    HashMap::from([("tarball".to_string(), tarball.cloned().unwrap_or_default())])
}

fn sh(script: &str, dir: &Path) {
    let status = Command::new("bash")
        .args(["-ec", script])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
}

fn target() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-gnu",
        _ => "x86_64-unknown-linux-gnu",
    }
}

fn runner_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "ARM64",
        _ => "X64",
    }
}

/// The value of an expression the action uses; any other is a harness gap, not a pass.
fn evaluate(
    expr: &str,
    inputs: &HashMap<String, String>,
    steps: &HashMap<String, HashMap<String, String>>,
) -> String {
    let parts: Vec<&str> = expr.trim().split('.').collect();
    match parts.as_slice() {
        ["inputs", name] => inputs
            .get(*name)
            .unwrap_or_else(|| panic!("unknown input {name}"))
            .clone(),
        ["steps", id, "outputs", name] => steps
            .get(*id)
            .and_then(|o| o.get(*name))
            .cloned()
            .unwrap_or_default(),
        ["github", "action_path"] => env!("CARGO_MANIFEST_DIR").to_string(),
        ["github", "action_repository"] => "packguard/packguard".to_string(),
        ["github", "action_ref"] => format!("v{VERSION}"),
        _ => panic!("the harness cannot evaluate `{expr}` in action.yml"),
    }
}

/// `${{ expr }}` replaced by its value.
fn substitute(text: &str, eval: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("a closed ${{") + start;
        out.push_str(&eval(&rest[start + 3..end]));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `if:` as the action writes it: `EXPR != ''` or `EXPR == ''`.
fn condition_holds(condition: &str, eval: &dyn Fn(&str) -> String) -> bool {
    if let Some(expr) = condition.strip_suffix("!= ''") {
        !eval(expr).is_empty()
    } else if let Some(expr) = condition.strip_suffix("== ''") {
        eval(expr).is_empty()
    } else {
        panic!("the harness cannot evaluate `if: {condition}`")
    }
}

#[test]
fn the_package_folders_config_raises_a_rule_in_the_action_as_in_a_scan() {
    let h = Harness::new();
    h.package();
    h.agree(&[], &[], 0);
    h.write(
        "packages/cli/packguard.yml",
        "severity:\n  file/log: error\n",
    );
    let action = h.agree(&[], &[], 1);
    assert!(
        action.log.contains("config packages/cli/packguard.yml"),
        "{}",
        action.log
    );
    assert!(action.summary.contains("file/log"), "{}", action.summary);
    // The fail-on input still decides when it is given.
    h.agree(&[("fail-on", "never")], &["--fail-on", "never"], 0);
}

#[test]
fn the_package_folders_lock_judges_the_packed_tarball() {
    let h = Harness::new();
    h.package();
    h.scratch
        .cmd()
        .current_dir(h.repo())
        .args(["lock", "packages/cli"])
        .assert()
        .success();
    h.agree(&[], &[], 0);
    h.write(
        "packages/cli/extra.js",
        "module.exports = 'not in the lock';\n",
    );
    let action = h.agree(&[], &[], 1);
    assert!(
        action.log.contains("lock/unexpected-file"),
        "{}",
        action.log
    );
    assert!(action.outputs["tarball"].ends_with("cli-1.0.0.tgz"));
}

#[test]
fn a_configs_fail_on_applies_when_the_input_is_not_set() {
    let h = Harness::new();
    h.package();
    h.write("packages/cli/.packguard.yaml", "fail_on: warning\n");
    h.agree(&[], &[], 1);
    h.agree(&[("fail-on", "error")], &["--fail-on", "error"], 0);
}

#[test]
fn a_tampered_release_is_refused_before_it_runs() {
    let h = Harness::new();
    h.package();
    h.tamper_with_release();
    let action = h.run_action(&[("path", "packages/cli")]);
    assert_ne!(action.code, 0, "{}", action.log);
    assert_eq!(action.failed_step.as_deref(), Some("Install packguard"));
    assert!(
        action.log.contains("does not match the checksum"),
        "{}",
        action.log
    );
}

#[test]
fn the_version_input_pins_an_exact_release_and_refuses_a_range() {
    let h = Harness::new();
    h.package();
    let action = h.run_action(&[("path", "packages/cli"), ("version", VERSION)]);
    assert_eq!(action.code, 0, "{}", action.log);
    assert!(action
        .log
        .contains(&format!("installed packguard {VERSION}")));
    let action = h.run_action(&[("path", "packages/cli"), ("version", "0")]);
    assert_eq!(action.failed_step.as_deref(), Some("Install packguard"));
    assert!(
        action.log.contains("not an exact release"),
        "{}",
        action.log
    );
    // A release that is not there is not replaced by another one.
    let action = h.run_action(&[("path", "packages/cli"), ("version", "99.0.0")]);
    assert_eq!(action.failed_step.as_deref(), Some("Install packguard"));
    assert!(action.log.contains("cannot download"), "{}", action.log);
}
