//! What node-gyp runs besides the manifest's scripts: npm gives a package that ships a `*.gyp`
//! file at its root and has no `install`/`preinstall` script `install: node-gyp rebuild`
//! (`@npmcli/package-json`'s `gypfile` step; `@npmcli/run-script` does the same when it finds
//! `binding.gyp`), and gyp runs the command expansions of every `.gyp`/`.gypi` it reads while
//! it generates the build: `<!(cmd)`, `<!@(cmd)` (its output split into a list), the late `>!`
//! and latelate `^!` forms, and `<!pymod_do_main(module args)` (a Python module's `DoMain`).
//!
//! So an expansion is an install script: its command is matched against the `pattern` of the
//! rules claiming `manifest.gyp-command-expansion` (the built-in one holds the download-and-run
//! shapes of `manifest/install-script-download`).
//! Works on the bytes the install-file keeper holds; keeps nothing.

use serde_json::{Map, Value};

use crate::checks::context::{CheckHit, Context};
use crate::finding::excerpt::LineIndex;
use crate::finding::Finding;

pub const EXPANSION: &str = "manifest.gyp-command-expansion";

/// The `*.gyp` file at the package root that makes npm add `install: node-gyp rebuild`, when
/// it does: no truthy `install` or `preinstall`, and `gypfile` not `false`. `binding.gyp` is
/// named first, as node-gyp reads it.
pub fn implicit_install<'f>(
    manifest: &Map<String, Value>,
    files: impl Iterator<Item = &'f String>,
) -> Option<String> {
    let truthy = |v: Option<&Value>| match v {
        None | Some(Value::Null | Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(_) => true,
    };
    let scripts = manifest.get("scripts").and_then(Value::as_object);
    let has = |name: &str| truthy(scripts.and_then(|s| s.get(name)));
    if has("install") || has("preinstall") || manifest.get("gypfile") == Some(&Value::Bool(false)) {
        return None;
    }
    // npm's glob `*.gyp` skips dot files and does not descend.
    let mut gyp: Vec<&String> = files
        .filter(|f| !f.contains('/') && !f.starts_with('.') && f.ends_with(".gyp"))
        .collect();
    gyp.sort_by_key(|f| (f.as_str() != "binding.gyp", f.as_str()));
    gyp.first().map(|f| f.to_string())
}

/// Whether gyp may read the file: a `.gyp` build file or a `.gypi` include.
pub fn is_gyp(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    lower.ends_with(".gyp") || lower.ends_with(".gypi")
}

/// One command expansion: the offset of its `<`, `>` or `^`, the whole expansion, and the
/// command (for `pymod_do_main`, the module and its arguments).
#[derive(Debug, PartialEq, Eq)]
pub struct Expansion<'a> {
    pub offset: usize,
    pub text: &'a [u8],
    pub command: &'a [u8],
}

/// Every command expansion in a gyp file, as gyp's variable regex finds them
/// (`(<|>|^)(!@?|@?!?)(name)?(`), closed at the matching parenthesis (gyp counts brackets).
pub fn expansions(data: &[u8]) -> Vec<Expansion<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if !matches!(data[i], b'<' | b'>' | b'^') || data.get(i + 1) != Some(&b'!') {
            i += 1;
            continue;
        }
        let mut j = i + 2;
        if data.get(j) == Some(&b'@') {
            j += 1;
        }
        while data
            .get(j)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            j += 1;
        }
        if data.get(j) != Some(&b'(') {
            i += 1;
            continue;
        }
        let open = j;
        let mut depth = 0usize;
        let mut end = None;
        for (k, &b) in data.iter().enumerate().skip(open) {
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        // An unclosed expansion runs to the end of the file: gyp would fail on it, but judge
        // what is there rather than nothing.
        let close = end.unwrap_or(data.len());
        out.push(Expansion {
            offset: i,
            text: &data[i..(close + 1).min(data.len())],
            command: &data[open + 1..close],
        });
        i = close.max(i + 1);
    }
    out
}

/// Findings for each expansion, in the gyp files `files` (path relative to the root and
/// content), that downloads or runs hidden code.
pub fn check<'f>(
    ctx: &Context<'_>,
    root: &str,
    files: impl Iterator<Item = (&'f str, &'f [u8])>,
    out: &mut Vec<Finding>,
) {
    let patterns: Vec<&regex::bytes::Regex> = ctx
        .rules_for_check(EXPANSION)
        .filter_map(|r| r.pattern.as_ref())
        .collect();
    if patterns.is_empty() {
        return;
    }
    for (rel, data) in files {
        let mut lines = None;
        for e in expansions(data) {
            if !patterns.iter().any(|p| p.is_match(e.command)) {
                continue;
            }
            let path = format!("{root}/{rel}");
            let lines = lines.get_or_insert_with(|| LineIndex::new(data));
            out.extend(ctx.check_findings(&CheckHit {
                check: EXPANSION,
                path: &path,
                detail: Some(format!(
                    "gyp runs `{}` while node-gyp builds the package",
                    String::from_utf8_lossy(&e.text[..e.text.len().min(200)])
                )),
                position: Some(lines.position(e.offset)),
                value: e.text,
                source: Some(data),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(data: &str) -> Vec<String> {
        expansions(data.as_bytes())
            .iter()
            .map(|e| String::from_utf8_lossy(e.command).into_owned())
            .collect()
    }

    #[test]
    fn finds_every_form_gyp_runs() {
        assert_eq!(
            commands(
                r#"{'include_dirs': ["<!(node -e \"require('nan')\")", '<!@(pkg-config --cflags x)'],
                   'a': '>!(late)', 'b': '^!(latelate)', 'c': '<!pymod_do_main(mod arg)',
                   'd': '<(not_a_command)', 'e': '<@(list)', 'f': '<!(echo (nested) done)'}"#
            ),
            vec![
                "node -e \\\"require('nan')\\\"",
                "pkg-config --cflags x",
                "late",
                "latelate",
                "mod arg",
                "echo (nested) done",
            ]
        );
        assert_eq!(commands("'<!(curl x | sh"), vec!["curl x | sh"]);
    }

    #[test]
    fn npm_adds_the_install_script_only_without_one() {
        let files: Vec<String> = ["binding.gyp", "src/x.gyp", "a.gyp"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let implicit = |manifest: Value| {
            implicit_install(manifest.as_object().expect("an object"), files.iter())
        };
        assert_eq!(
            implicit(serde_json::json!({})).as_deref(),
            Some("binding.gyp")
        );
        assert_eq!(
            implicit(serde_json::json!({"scripts": {"install": ""}})).as_deref(),
            Some("binding.gyp"),
            "an empty script is falsy to npm"
        );
        assert_eq!(
            implicit(serde_json::json!({"scripts": {"preinstall": "x"}})),
            None
        );
        assert_eq!(implicit(serde_json::json!({"gypfile": false})), None);
        let only_nested = ["src/x.gyp".to_string()];
        assert_eq!(
            implicit_install(&Map::new(), only_nested.iter()),
            None,
            "npm's glob does not descend"
        );
    }
}
