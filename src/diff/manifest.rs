//! The package.json side of a comparison: install scripts, entry points and dependencies,
//! compared field by field between the previous release's manifest and this one.
//!
//! It reads two parsed manifests (either may be missing or not an object) and returns
//! changes as plain data; it raises no findings (`super::checks` does) and never fails: a
//! manifest that does not parse compares as an empty one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{DependencyChange, FieldChange, Status};

/// Lifecycle scripts npm runs on the machine of whoever installs the package (`prepare` for
/// git dependencies, the uninstall ones on removal). Other scripts only run in the
/// package's own checkout.
pub const INSTALL_SCRIPTS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "preprepare",
    "prepare",
    "postprepare",
    "preuninstall",
    "uninstall",
    "postuninstall",
];

/// Fields through which a consumer reaches the package's code: imports, commands on PATH,
/// CDN entry files, type entry points.
const ENTRY_FIELDS: &[&str] = &[
    "main", "module", "browser", "exports", "bin", "types", "typings", "unpkg", "jsdelivr",
];

/// Dependency sections whose entries npm installs alongside the package.
const DEPENDENCY_SECTIONS: &[&str] = &["dependencies", "optionalDependencies", "peerDependencies"];

/// The install scripts npm would run, by name. `binding.gyp` at the root with no `install`
/// or `preinstall` script makes npm run `node-gyp rebuild` on install, an install script no
/// package.json shows.
pub fn install_scripts(
    manifest: &Map<String, Value>,
    has_binding_gyp: bool,
) -> BTreeMap<String, String> {
    let scripts = manifest.get("scripts").and_then(Value::as_object);
    let mut out: BTreeMap<String, String> = INSTALL_SCRIPTS
        .iter()
        .filter_map(|name| {
            let text = scripts?.get(*name)?.as_str()?;
            Some((name.to_string(), text.to_string()))
        })
        .collect();
    if has_binding_gyp && !out.contains_key("install") && !out.contains_key("preinstall") {
        out.insert(
            "install".to_string(),
            "node-gyp rebuild (implicit: binding.gyp)".to_string(),
        );
    }
    out
}

/// Every entry point as `field.key…` -> value: `exports["./feature"].import` ->
/// `./dist/feature.mjs`, `bin.tool` -> `cli.js`.
pub fn entry_points(manifest: &Map<String, Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for field in ENTRY_FIELDS {
        let Some(value) = manifest.get(*field) else {
            continue;
        };
        match (*field, value) {
            // `"bin": "cli.js"` is a command named after the package (without its scope):
            // name it so, so that moving to the object form is not a change.
            ("bin", Value::String(file)) => {
                let name = manifest
                    .get("name")
                    .and_then(Value::as_str)
                    .map(|n| n.rsplit('/').next().unwrap_or(n))
                    .unwrap_or("");
                out.insert(join("bin", name), file.clone());
            }
            _ => leaves(field.to_string(), value, &mut out),
        }
    }
    if let Some(dir) = manifest.get("directories").and_then(|d| d.get("bin")) {
        leaves("directories.bin".to_string(), dir, &mut out);
    }
    out
}

/// Dependencies by (section, name) -> version spec. `bundleDependencies` (or
/// `bundledDependencies`) lists names that ship inside the tarball; `true` means all of
/// `dependencies`.
pub fn dependencies(manifest: &Map<String, Value>) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for section in DEPENDENCY_SECTIONS {
        if let Some(deps) = manifest.get(*section).and_then(Value::as_object) {
            for (name, spec) in deps {
                out.insert((section.to_string(), name.clone()), text(spec));
            }
        }
    }
    let bundled = manifest
        .get("bundleDependencies")
        .or_else(|| manifest.get("bundledDependencies"));
    let names: BTreeSet<String> = match bundled {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::Bool(true)) => manifest
            .get("dependencies")
            .and_then(Value::as_object)
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default(),
        _ => BTreeSet::new(),
    };
    for name in names {
        out.insert(
            ("bundleDependencies".to_string(), name),
            "bundled".to_string(),
        );
    }
    out
}

/// Keyed values compared: what was added, removed, or changed, in key order.
pub fn compare_fields(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    prefix: &str,
) -> Vec<FieldChange> {
    compare(old, new)
        .into_iter()
        .map(|(key, change, old, new)| FieldChange {
            field: format!("{prefix}{key}"),
            change,
            old,
            new,
        })
        .collect()
}

pub fn compare_dependencies(
    old: &BTreeMap<(String, String), String>,
    new: &BTreeMap<(String, String), String>,
) -> Vec<DependencyChange> {
    compare(old, new)
        .into_iter()
        .map(|((section, name), change, old, new)| DependencyChange {
            section,
            name,
            change,
            old,
            new,
        })
        .collect()
}

type Compared<K> = Vec<(K, Status, Option<String>, Option<String>)>;

fn compare<K: Ord + Clone>(old: &BTreeMap<K, String>, new: &BTreeMap<K, String>) -> Compared<K> {
    let keys: BTreeSet<&K> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (old.get(k), new.get(k));
            let change = match (o, n) {
                (None, Some(_)) => Status::Added,
                (Some(_), None) => Status::Removed,
                (Some(a), Some(b)) if a != b => Status::Changed,
                _ => return None,
            };
            Some((k.clone(), change, o.cloned(), n.cloned()))
        })
        .collect()
}

fn leaves(prefix: String, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                leaves(join(&prefix, k), v, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                leaves(format!("{prefix}[{i}]"), v, out);
            }
        }
        other => {
            out.insert(prefix, text(other));
        }
    }
}

/// `exports` + `./feature` -> `exports["./feature"]`; plain identifiers join with a dot.
fn join(prefix: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    if plain {
        format!("{prefix}.{key}")
    } else {
        format!("{prefix}[{}]", Value::String(key.to_string()))
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn entry_points_flatten_exports_and_name_a_string_bin() {
        let m = obj(serde_json::json!({
            "name": "@s/tool",
            "bin": "cli.js",
            "exports": {".": {"import": "./a.mjs"}, "./x": "./x.js"},
        }));
        let e = entry_points(&m);
        assert_eq!(e.get("bin.tool").map(String::as_str), Some("cli.js"));
        assert_eq!(
            e.get("exports[\".\"].import").map(String::as_str),
            Some("./a.mjs")
        );
        assert_eq!(
            e.get("exports[\"./x\"]").map(String::as_str),
            Some("./x.js")
        );
    }

    #[test]
    fn binding_gyp_is_an_implicit_install_script() {
        let m = obj(serde_json::json!({"scripts": {"test": "x"}}));
        assert!(install_scripts(&m, false).is_empty());
        assert!(install_scripts(&m, true).contains_key("install"));
        let m = obj(serde_json::json!({"scripts": {"preinstall": "x"}}));
        assert!(!install_scripts(&m, true).contains_key("install"));
    }
}
