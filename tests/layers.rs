//! The library's layers, checked from the source: every `crate::x` a file of `src/` names
//! must be on its own layer or one below it, and no two top-level modules may import each
//! other, directly or round a longer circle. The order is the one in `src/lib.rs`'s doc and
//! in CONTRIBUTING.md; a new top-level module gets a layer here, or this test fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. A module may import its own layer and the ones before it.
const LAYERS: &[&[&str]] = &[
    &[
        "text",
        "source",
        "artifact",
        "finding",
        "license",
        "redact",
        "safe_write",
        "project_path",
        "repo_name",
    ],
    &["rules"],
    &["config", "baseline", "lock"],
    &["report"],
    &["checks"],
    &["scan", "diff"],
    &["run", "init"],
    &["render", "sink"],
    // The crate root only declares modules and re-exports; it sits above them all.
    &["lib"],
];

/// Files of the binary crate (`main.rs`, `cli/`), where `crate::` means the binary: they sit
/// on top of everything.
const BINARY: &[&str] = &["main", "cli"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/checks/lock.rs` -> `checks`, `src/lib.rs` ->
/// `lib`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src/");
    let first = rel.components().next().expect("a path");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// The top-level names a file's code takes from `crate::` (comments are left out: docs name
/// modules in prose). A file's unit tests (its trailing `#[cfg(test)]` module) are left out
/// too: a test may build its fixture with a higher layer (a config test loads the built-in
/// rules, which need the checks' names), and no shipped code depends on it.
fn crate_imports(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let text = text
        .split("\n#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(text);
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let code = code.split(" //").next().unwrap_or(code);
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = &rest[..at];
            rest = &rest[at + "crate::".len()..];
            // `$crate::` and `packguard_crate::` are not this crate's paths.
            if before.ends_with('$') || before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let head = item.trim().split("::").next().unwrap_or("").trim();
                    if !head.is_empty() {
                        out.insert(top_name(head, modules));
                    }
                }
                continue;
            }
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !head.is_empty() {
                out.insert(top_name(&head, modules));
            }
        }
    }
    out
}

/// A `crate::` name that is not a top-level module is an item of the crate root.
fn top_name(head: &str, modules: &BTreeSet<String>) -> String {
    if modules.contains(head) {
        head.to_string()
    } else {
        "lib".to_string()
    }
}

#[test]
fn modules_import_only_their_layer_and_below_and_never_in_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(&src, f))
        .filter(|m| m != "lib" && !BINARY.contains(&m.as_str()))
        .collect();

    let mut problems = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if BINARY.contains(&module.as_str()) {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            problems.push(format!("`{module}` has no layer: add it to LAYERS"));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for used in crate_imports(&text, &modules) {
            if used == module {
                continue;
            }
            match layer_of(&used) {
                None => problems.push(format!("`{used}` has no layer: add it to LAYERS")),
                Some(l) if l > own => problems.push(format!(
                    "{} imports `{used}` (layer {l}) from layer {own}",
                    file.strip_prefix(&src).unwrap().display()
                )),
                Some(_) => {}
            }
            graph.entry(module.clone()).or_default().insert(used);
        }
    }

    // A circle between top-level modules, found by depth-first search.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m.to_string());
            circles.push(circle.join(" -> "));
            return;
        }
        if !done.insert(m.to_string()) {
            return;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    problems.extend(circles.into_iter().map(|c| format!("import circle: {c}")));

    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}
