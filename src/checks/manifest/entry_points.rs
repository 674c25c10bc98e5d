//! A manifest's entry points (`main`, `bin`, `exports`, `types`, `typesVersions`, ...) and
//! whether each resolves to a file the package ships, as Node, a bundler or TypeScript
//! would resolve it.

use std::collections::HashSet;

use serde_json::Value;

/// An entry point and how Node (or a bundler, or TypeScript) resolves it.
pub(super) struct Target {
    pub(super) path: String,
    resolution: Resolution,
}

#[derive(Clone, Copy)]
enum Resolution {
    /// `require()`: exact, then with `.js`/`.json`/`.node`, then as a folder's `index`.
    Node,
    /// `exports` targets are exact paths; `*` matches any string.
    Exact,
    /// `types`: exact, or with `.d.ts` added.
    Types,
}

impl Target {
    /// An `exports` subpath pattern: its `*` stands for any non-empty string, `/` included.
    pub(super) fn is_pattern(&self) -> bool {
        matches!(self.resolution, Resolution::Exact) && self.path.contains('*')
    }

    pub(super) fn resolves(&self, files: &HashSet<String>) -> bool {
        let p = normalize(&self.path);
        // A trailing `/` maps a whole folder (the old `"./": "./"` subpath form).
        if self.path.ends_with('/') {
            return p.is_empty() || files.iter().any(|f| f.starts_with(&format!("{p}/")));
        }
        match self.resolution {
            Resolution::Exact if p.contains('*') => pattern_matches(&p, files),
            Resolution::Exact => files.contains(&p),
            Resolution::Types => files.contains(&p) || files.contains(&format!("{p}.d.ts")),
            Resolution::Node => {
                let base = p.trim_end_matches('/');
                files.contains(base)
                    || [".js", ".json", ".node", ".mjs", ".cjs"]
                        .iter()
                        .any(|e| files.contains(&format!("{base}{e}")))
                    || ["index.js", "index.json", "index.node"].iter().any(|i| {
                        files.contains(&format!("{base}/{i}"))
                            || (base.is_empty() && files.contains(*i))
                    })
            }
        }
    }
}

/// The TypeScript release `typesVersions` is resolved for. A package is judged by what a
/// current compiler sees; a range written for older releases only (`<4.0`) is skipped, as
/// that compiler skips it.
const TYPESCRIPT: &str = "5.9.0";

/// Where `typesVersions` sends TypeScript for the types file `types`, as TypeScript resolves
/// it: the first range (in the order written) the compiler's version satisfies, then in its
/// path map the key equal to the file, or else the `*` pattern with the longest prefix, each
/// of whose substitutions gets the text `*` matched. `None` when no mapping applies.
pub(super) fn types_versions(manifest: &[u8], types: &str) -> Option<Vec<String>> {
    use nodejs_semver::{Range, Version};
    let ts = Version::parse(TYPESCRIPT).expect("TYPESCRIPT is a valid version");
    // Read again for the order of the ranges: serde_json's map sorts its keys.
    let TypesVersions { ranges } = serde_json::from_slice(manifest).ok()?;
    let paths = ranges?
        .0
        .into_iter()
        .find(|(range, _)| Range::parse(range.trim()).is_ok_and(|r| r.satisfies(&ts)))?
        .1;
    let paths = paths.as_object()?;
    let name = normalize(types);
    let (star, subs) = match paths.get(&name) {
        Some(subs) => (String::new(), subs),
        None => paths
            .iter()
            .filter_map(|(key, subs)| {
                let (prefix, suffix) = key.split_once('*')?;
                let rest = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
                Some((prefix.len(), rest.to_string(), subs))
            })
            .max_by_key(|(len, _, _)| *len)
            .map(|(_, rest, subs)| (rest, subs))?,
    };
    let mapped: Vec<String> = subs
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(|s| normalize(&s.replacen('*', &star, 1)))
        .collect();
    (!mapped.is_empty()).then_some(mapped)
}

#[derive(serde::Deserialize)]
struct TypesVersions {
    #[serde(rename = "typesVersions")]
    ranges: Option<InOrder>,
}

/// A JSON object's members in the order written.
struct InOrder(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for InOrder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = InOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<InOrder, A::Error> {
                let mut out = Vec::new();
                while let Some(member) = map.next_entry::<String, Value>()? {
                    out.push(member);
                }
                Ok(InOrder(out))
            }
        }
        d.deserialize_map(Members)
    }
}

/// Whether TypeScript finds a declaration file at `path`: as written, with `.d.ts` added,
/// with a `.js` extension swapped for `.d.ts`, or as a folder's `index.d.ts`.
pub(super) fn types_file_exists(path: &str, files: &HashSet<String>) -> bool {
    let swapped = [(".js", ".d.ts"), (".mjs", ".d.mts"), (".cjs", ".d.cts")]
        .iter()
        .find_map(|(js, dts)| path.strip_suffix(js).map(|base| format!("{base}{dts}")));
    files.contains(path)
        || files.contains(&format!("{path}.d.ts"))
        || swapped.is_some_and(|s| files.contains(&s))
        || files.contains(&format!("{path}/index.d.ts"))
}

fn normalize(p: &str) -> String {
    let mut out = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.join("/")
}

/// `dist/*.js` (an `exports` pattern) against the file list: at least one file must match.
fn pattern_matches(pattern: &str, files: &HashSet<String>) -> bool {
    let parts: Vec<String> = pattern.split('*').map(regex::escape).collect();
    let Ok(re) = regex::Regex::new(&format!("^{}$", parts.join(".+"))) else {
        return false;
    };
    files.iter().any(|f| re.is_match(f))
}

/// Every entry point the manifest declares, with where it was declared.
pub(super) fn entry_points(obj: &serde_json::Map<String, Value>) -> Vec<(String, Target)> {
    let mut out = Vec::new();
    let mut push = |what: String, path: &str, resolution| {
        out.push((
            what,
            Target {
                path: path.to_string(),
                resolution,
            },
        ))
    };
    if let Some(main) = obj.get("main").and_then(Value::as_str) {
        push("main".into(), main, Resolution::Node);
    }
    if let Some(module) = obj.get("module").and_then(Value::as_str) {
        push("module".into(), module, Resolution::Node);
    }
    for key in ["types", "typings"] {
        if let Some(t) = obj.get(key).and_then(Value::as_str) {
            push(key.into(), t, Resolution::Types);
        }
    }
    match obj.get("bin") {
        Some(Value::String(b)) => push("bin".into(), b, Resolution::Exact),
        Some(Value::Object(map)) => {
            for (name, v) in map {
                if let Some(b) = v.as_str() {
                    push(format!("bin.{name}"), b, Resolution::Exact);
                }
            }
        }
        _ => {}
    }
    match obj.get("browser") {
        Some(Value::String(b)) => push("browser".into(), b, Resolution::Node),
        Some(Value::Object(map)) => {
            for (from, v) in map {
                if let Some(b) = v
                    .as_str()
                    .filter(|b| b.starts_with("./") || b.starts_with("../"))
                {
                    push(format!("browser[{from}]"), b, Resolution::Node);
                }
            }
        }
        _ => {}
    }
    if let Some(exports) = obj.get("exports") {
        let mut targets = Vec::new();
        export_targets(exports, "exports".to_string(), &mut targets);
        for (what, t) in targets {
            push(what, &t, Resolution::Exact);
        }
    }
    out
}

/// Walks `exports`: strings are targets, arrays are fallbacks, objects are subpaths (keys
/// starting with `.`) or conditions; `null` excludes a path and is not a target.
fn export_targets(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((at, s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                export_targets(item, format!("{at}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                export_targets(item, format!("{at}[\"{k}\"]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_resolution_of_main() {
        let files: HashSet<String> = ["lib/index.js", "cli.js", "dist/a.mjs", "types/index.d.ts"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let t = |p: &str, r| {
            Target {
                path: p.into(),
                resolution: r,
            }
            .resolves(&files)
        };
        assert!(t("./lib", Resolution::Node));
        assert!(t("lib/index", Resolution::Node));
        assert!(t("./cli", Resolution::Node));
        assert!(!t("./missing.js", Resolution::Node));
        assert!(t("./dist/*.mjs", Resolution::Exact));
        assert!(!t("./dist/*.cjs", Resolution::Exact));
        assert!(t("types/index", Resolution::Types));
        assert!(!t("./cli", Resolution::Exact));
    }

    #[test]
    fn types_versions_resolves_like_typescript() {
        let obj = |json: &str| json.as_bytes().to_vec();
        // The first range the compiler satisfies wins, even if a later one also matches.
        let m = obj(
            r#"{"typesVersions":{"<4.0":{"*":["ts3/*"]},">=4.2":{"*":["dist/types/*"]},"*":{"*":["other/*"]}}}"#,
        );
        assert_eq!(
            types_versions(&m, "./index.d.ts"),
            Some(vec!["dist/types/index.d.ts".to_string()])
        );
        // An exact key beats a pattern; among patterns the longest prefix wins.
        let m =
            obj(r#"{"typesVersions":{"*":{"*":["a/*"],"lib/*":["b/*"],"index.d.ts":["c.d.ts"]}}}"#);
        assert_eq!(
            types_versions(&m, "index.d.ts"),
            Some(vec!["c.d.ts".into()])
        );
        assert_eq!(
            types_versions(&m, "lib/x.d.ts"),
            Some(vec!["b/x.d.ts".into()])
        );
        // No range for this compiler: no mapping.
        let m = obj(r#"{"typesVersions":{"<4.0":{"*":["ts3/*"]}}}"#);
        assert_eq!(types_versions(&m, "index.d.ts"), None);
    }
}
