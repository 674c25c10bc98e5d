//! Asking the real packer for its file list, without lifecycle scripts.
//!
//! Each packer has its own "dry run" and its own output, verified against npm 11.19,
//! pnpm 10.34, yarn 1.22 and 4.18, and bun 1.4 (outputs quoted next to each parser):
//!
//! - npm:  `npm pack --dry-run --json --ignore-scripts --script-shell= --node-options=`
//!   -> `[{"files":[{"path":..}]}]`
//! - pnpm: `pnpm pack --dry-run --json --config.ignore-scripts=true
//!   --config.ignore-pnpmfile=true --config.manage-package-manager-versions=false` (pnpm's
//!   `pack` has no `--ignore-scripts` flag; the setting is honoured) -> `{"files":[{"path":..}]}`
//! - bun:  `bun pm pack --dry-run --ignore-scripts` -> text lines `packed 2B lib/a.js`
//! - yarn 1: no dry run; `yarn pack --ignore-scripts --filename <tmp>.tgz` and the names
//!   are read from the tarball it writes to a private temporary folder.
//! - yarn 2+: `yarn pack --dry-run --json` (NDJSON `{"location":..}`) runs `prepack` and
//!   `postpack` even in a dry run and has no switch against it, so a package that has
//!   either script is refused rather than packed.
//!
//! Nor does the project's own code run: settings no flag can switch off (a `yarnPath`, yarn
//! plugins, bun preloads) make `project_code` refuse the packer before it starts.
//!
//! The program can be overridden with `PACKGUARD_NPM`, `PACKGUARD_PNPM`, `PACKGUARD_YARN`,
//! `PACKGUARD_BUN` (a path, or a command and arguments separated by spaces).

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use super::{project_code, read_manifest, PackError, Packer};

/// The packer's list for `dir`, paths as it prints them.
pub fn list(packer: Packer, dir: &Path) -> Result<Vec<String>, PackError> {
    // Before the packer starts at all: yarn hands over to a project's `yarn-path` even for
    // `yarn --version`.
    if let Some(hook) = project_code::find(packer, dir) {
        return Err(PackError::ProjectCode {
            packer: packer.as_str(),
            file: hook.file.display().to_string(),
            setting: hook.setting,
        });
    }
    match packer {
        Packer::Npm => {
            let out = run(
                packer,
                dir,
                &[
                    "pack",
                    "--dry-run",
                    "--json",
                    "--ignore-scripts",
                    // A project's `.npmrc` may name a shell or node options for scripts;
                    // none run, and these empty flags (which outrank `.npmrc`) keep it so.
                    "--script-shell=",
                    "--node-options=",
                ],
            )?;
            let v: Value = parse_json(packer, dir, &out)?;
            // An array of one object per packed package.
            let first = v.as_array().and_then(|a| a.first()).unwrap_or(&v);
            files_of(packer, dir, first)
        }
        Packer::Pnpm => {
            let out = run(
                packer,
                dir,
                &[
                    "pack",
                    "--dry-run",
                    "--json",
                    "--config.ignore-scripts=true",
                    // `.pnpmfile.cjs` hooks (`beforePacking`, `readPackage`) are project code.
                    "--config.ignore-pnpmfile=true",
                    // Otherwise pnpm 10 downloads and runs the pnpm version named in
                    // `packageManager`: a scan must not install anything.
                    "--config.manage-package-manager-versions=false",
                ],
            )?;
            let v: Value = parse_json(packer, dir, &out)?;
            let first = v.as_array().and_then(|a| a.first()).unwrap_or(&v);
            files_of(packer, dir, first)
        }
        Packer::Bun => {
            let out = run(
                packer,
                dir,
                &["pm", "pack", "--dry-run", "--ignore-scripts"],
            )?;
            // `packed 170B package.json`: the size has no space, the path may.
            let files = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.trim().strip_prefix("packed "))
                .filter_map(|rest| rest.split_once(' ').map(|(_, p)| p.to_string()))
                .collect::<Vec<_>>();
            if files.is_empty() {
                return Err(failed(packer, dir, "it listed no files".to_string()));
            }
            Ok(files)
        }
        Packer::Yarn => yarn(dir),
        Packer::Builtin => unreachable!("builtin is not an external packer"),
    }
}

fn yarn(dir: &Path) -> Result<Vec<String>, PackError> {
    let version = run(Packer::Yarn, dir, &["--version"])?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    if version.starts_with("1.") {
        let tmp = std::env::temp_dir().join(format!(
            "packguard-yarn-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir(&tmp).map_err(|e| failed(Packer::Yarn, dir, e.to_string()))?;
        let tgz = tmp.join("package.tgz");
        let tgz_arg = tgz.to_string_lossy().into_owned();
        let result = run(
            Packer::Yarn,
            dir,
            &["pack", "--ignore-scripts", "--filename", &tgz_arg],
        )
        .and_then(|_| tar_names(&tgz).map_err(|e| failed(Packer::Yarn, dir, e)));
        let _ = std::fs::remove_dir_all(&tmp);
        return result;
    }
    let manifest = read_manifest(dir)?;
    for script in ["prepack", "postpack"] {
        if manifest
            .get("scripts")
            .and_then(|s| s.get(script))
            .is_some()
        {
            return Err(PackError::WouldRunScripts {
                command: "yarn pack --dry-run".to_string(),
                dir: dir.display().to_string(),
                script: script.to_string(),
            });
        }
    }
    let out = run(Packer::Yarn, dir, &["pack", "--dry-run", "--json"])?;
    let mut files = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Ok(v) = serde_json::from_str::<Value>(line) {
            if let Some(p) = v.get("location").and_then(Value::as_str) {
                files.push(p.to_string());
            }
        }
    }
    if files.is_empty() {
        return Err(failed(Packer::Yarn, dir, "it listed no files".to_string()));
    }
    Ok(files)
}

/// File names inside a tarball, without the top folder.
fn tar_names(tgz: &Path) -> Result<Vec<String>, String> {
    let file = std::fs::File::open(tgz).map_err(|e| e.to_string())?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = Vec::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.header().entry_type().is_dir() {
            continue;
        }
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if let Some((_, rel)) = path.split_once('/') {
            out.push(rel.to_string());
        }
    }
    Ok(out)
}

fn program(packer: Packer) -> Vec<String> {
    let var = format!("PACKGUARD_{}", packer.as_str().to_ascii_uppercase());
    match std::env::var(&var) {
        Ok(v) if !v.trim().is_empty() => v.split_whitespace().map(String::from).collect(),
        _ => vec![packer.as_str().to_string()],
    }
}

fn command_line(packer: Packer, args: &[&str]) -> String {
    let mut parts = program(packer);
    parts.extend(args.iter().map(|s| s.to_string()));
    parts.join(" ")
}

fn failed(packer: Packer, dir: &Path, detail: String) -> PackError {
    PackError::PackerFailed {
        command: packer.as_str().to_string(),
        dir: dir.display().to_string(),
        detail,
    }
}

fn run(packer: Packer, dir: &Path, args: &[&str]) -> Result<Output, PackError> {
    let prog = program(packer);
    let out = Command::new(&prog[0])
        .args(&prog[1..])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        // npm also reads this; belt and braces against lifecycle scripts.
        .env("npm_config_ignore_scripts", "true")
        // Belt and braces for `project_code`: yarn 1 and 2+ ignore any `yarnPath` with it.
        .env("YARN_IGNORE_PATH", "1")
        .output()
        .map_err(|e| PackError::PackerMissing {
            packer: packer.as_str(),
            dir: dir.display().to_string(),
            detail: if e.kind() == std::io::ErrorKind::NotFound {
                format!("`{}` is not on PATH", prog[0])
            } else {
                e.to_string()
            },
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let text = if stderr.trim().is_empty() {
            stdout
        } else {
            stderr
        };
        let tail: Vec<&str> = text.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(PackError::PackerFailed {
            command: command_line(packer, args),
            dir: dir.display().to_string(),
            detail: format!("{}; it said:\n{}", out.status, tail.join("\n")),
        });
    }
    Ok(out)
}

fn parse_json(packer: Packer, dir: &Path, out: &Output) -> Result<Value, PackError> {
    let text = String::from_utf8_lossy(&out.stdout);
    // Some packers print a banner before the JSON; start at the first bracket.
    let start = text.find(['[', '{']).unwrap_or(0);
    serde_json::from_str(&text[start..]).map_err(|e| {
        failed(
            packer,
            dir,
            format!("its --json output did not parse ({e})"),
        )
    })
}

fn files_of(packer: Packer, dir: &Path, v: &Value) -> Result<Vec<String>, PackError> {
    let files = v
        .get("files")
        .and_then(Value::as_array)
        .ok_or_else(|| failed(packer, dir, "its --json output has no `files` list".into()))?;
    Ok(files
        .iter()
        .filter_map(|f| f.get("path").and_then(Value::as_str).map(String::from))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The only unit test that touches PACKGUARD_BUN, so setting it races with nothing.
    #[test]
    fn the_program_comes_from_its_variable_unless_blank_and_a_failure_names_the_command() {
        std::env::set_var("PACKGUARD_BUN", "  ");
        assert_eq!(program(Packer::Bun), ["bun"]);
        std::env::set_var("PACKGUARD_BUN", "false --x");
        assert_eq!(program(Packer::Bun), ["false", "--x"]);
        let dir = tempfile::tempdir().unwrap();
        let err = run(Packer::Bun, dir.path(), &["pm", "pack"]);
        std::env::remove_var("PACKGUARD_BUN");
        match err {
            Err(PackError::PackerFailed { command, .. }) => {
                assert_eq!(command, "false --x pm pack")
            }
            other => panic!("{other:?}"),
        }
    }
}
