//! Workspaces: which folders of a monorepo are packages, from npm/yarn `workspaces` globs
//! in package.json and pnpm's `pnpm-workspace.yaml`.
//!
//! Globs are matched against folder paths relative to the workspace root with npm's glob
//! dialect (`!` excludes); `node_modules` and dot-folders are never entered. Only folders
//! holding a `package.json` count, as in npm's map-workspaces.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::glob::Pattern;
use super::PackError;

/// How deep the search for workspace folders goes; monorepos nest a few levels at most.
const MAX_DEPTH: usize = 6;

/// The workspace globs `manifest` (the package.json of `root`) declares, plus those of a
/// `pnpm-workspace.yaml` next to it.
pub fn globs(root: &Path, manifest: &Value) -> Result<Vec<String>, PackError> {
    let mut out = Vec::new();
    let list = match manifest.get("workspaces") {
        Some(Value::Array(a)) => Some(a),
        Some(Value::Object(o)) => o.get("packages").and_then(Value::as_array),
        _ => None,
    };
    for g in list.into_iter().flatten() {
        if let Some(s) = g.as_str() {
            out.push(s.to_string());
        }
    }
    let pnpm = root.join("pnpm-workspace.yaml");
    match fs::read_to_string(&pnpm) {
        Ok(text) => out.extend(pnpm_globs(&pnpm, &text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(PackError::Unreadable {
                path: pnpm.display().to_string(),
                source,
            })
        }
    }
    Ok(out)
}

fn pnpm_globs(path: &Path, text: &str) -> Result<Vec<String>, PackError> {
    let bad = |detail: String| PackError::BadWorkspaceFile {
        path: path.display().to_string(),
        detail,
    };
    let node = marked_yaml::parse_yaml(0, text).map_err(|e| bad(e.to_string()))?;
    let Some(map) = node.as_mapping() else {
        return Ok(Vec::new());
    };
    let Some(packages) = map.get_node("packages") else {
        return Ok(Vec::new());
    };
    let seq = packages
        .as_sequence()
        .ok_or_else(|| bad("`packages` is not a list".to_string()))?;
    Ok(seq
        .iter()
        .filter_map(|n| n.as_scalar().map(|s| s.as_str().to_string()))
        .collect())
}

/// The package folders of the workspace rooted at `root` (absolute when `root` is).
pub fn member_dirs(root: &Path, manifest: &Value) -> Result<Vec<PathBuf>, PackError> {
    let globs = globs(root, manifest)?;
    if globs.is_empty() {
        return Ok(Vec::new());
    }
    let patterns: Vec<Pattern> = globs
        .iter()
        .map(|g| {
            let g = g.trim();
            let (neg, body) = match g.strip_prefix('!') {
                Some(b) => ("!", b),
                None => ("", g),
            };
            let body = body.trim_start_matches("./").trim_end_matches('/');
            Pattern::new(&format!("{neg}{body}"), false)
        })
        .collect();
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, rel, depth)) = stack.pop() {
        if !rel.is_empty() && dir.join("package.json").is_file() {
            let mut included = false;
            for p in &patterns {
                if p.matches(&rel, false) {
                    included = !p.negate;
                }
            }
            if included {
                out.push(dir.clone());
            }
        }
        if depth >= MAX_DEPTH {
            continue;
        }
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            if name == "node_modules" || name.starts_with('.') {
                continue;
            }
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                let child_rel = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                // Only enter folders some glob could reach.
                if patterns
                    .iter()
                    .any(|p| !p.negate && p.matches(&child_rel, true))
                {
                    stack.push((e.path(), child_rel, depth + 1));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The npm workspace root that `dir` is a member of: the first ancestor whose package.json
/// `workspaces` globs include `dir` (what npm does when run inside a workspace).
pub fn root_of(dir: &Path) -> Option<PathBuf> {
    let dir = fs::canonicalize(dir).ok()?;
    let mut cur = dir.parent();
    while let Some(p) = cur {
        if let Ok(bytes) = fs::read(p.join("package.json")) {
            if let Ok(manifest) = serde_json::from_slice::<Value>(&bytes) {
                if manifest.get("workspaces").is_some() {
                    let members = member_dirs(p, &manifest).unwrap_or_default();
                    if members.contains(&dir) {
                        return Some(p.to_path_buf());
                    }
                }
            }
        }
        cur = p.parent();
    }
    None
}
