//! Files an install script runs, judged by their content: `postinstall: node scripts/setup.js`
//! is as dangerous as what `setup.js` does, so a shipped file that `preinstall`, `install` or
//! `postinstall` runs is matched against the `pattern` of the rules claiming
//! `manifest.install-file-download` (download-then-run shapes). One level deep: what that
//! file runs in turn is not followed.
//!
//! In a tarball `package.json` may come after the file it names, so the engine hands every
//! entry to a `Keeper`, which keeps the content of the files that could be run, bounded
//! (`MAX_FILE` each, `MAX_KEPT` in all, first come first kept) until the manifest is known,
//! then only of the files the install scripts name. A named file over the bounds is not
//! judged by its content; the script itself still is (`manifest.install-script*`).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::checks::context::{CheckHit, Context};
use crate::finding::excerpt::LineIndex;
use crate::finding::Finding;

pub const CHECKS: &[&str] = &["manifest.install-file-download"];

/// The lifecycle scripts npm runs on every install of the package.
const INSTALL_SCRIPTS: [&str; 3] = ["preinstall", "install", "postinstall"];

/// An install script's file is a small program; a bigger one is not kept.
pub const MAX_FILE: usize = 256 * 1024;
/// What all kept files may hold together, while the manifest is not known yet.
pub const MAX_KEPT: usize = 16 * 1024 * 1024;

/// Programs whose arguments name the file they run.
const INTERPRETERS: &[&str] = &[
    "node",
    "nodejs",
    "bun",
    "deno",
    "tsx",
    "ts-node",
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "python",
    "python2",
    "python3",
    "py",
    "perl",
    "ruby",
    "php",
    "pwsh",
    "powershell",
    "powershell.exe",
    "cmd",
    "cmd.exe",
];

/// Flags after which the next word is code, not a file: nothing there is followed.
const INLINE_CODE: &[&str] = &["-e", "--eval", "-p", "--print", "-c", "-Command", "/c"];

/// Extensions (lower case) of files a script could run; a name without one counts too.
const RUNNABLE: &[&str] = &[
    "js", "cjs", "mjs", "ts", "cts", "mts", "sh", "bash", "zsh", "py", "pl", "rb", "php", "ps1",
    "psm1", "cmd", "bat",
];

/// The content of the files an install script may run, kept while entries stream by.
#[derive(Debug, Default)]
pub struct Keeper {
    /// The files the install scripts name, once the manifest is known.
    named: Option<HashSet<String>>,
    /// Path relative to the package root -> content.
    kept: HashMap<String, Vec<u8>>,
    total: usize,
    /// gyp build files and includes (`binding.gyp`, `common.gypi`), whose command expansions
    /// node-gyp runs at install; kept whatever the manifest says (a package without an install
    /// script gets `node-gyp rebuild` from npm), under the same bounds. The last copy wins.
    gyp: HashMap<String, Vec<u8>>,
    gyp_total: usize,
}

impl Keeper {
    /// The manifest is known: keep only what its install scripts name, from now on too.
    pub fn manifest(&mut self, manifest: &[u8]) {
        let named = named_files(manifest);
        self.kept.retain(|rel, _| named.contains(rel));
        self.total = self.kept.values().map(Vec::len).sum();
        self.named = Some(named);
    }

    /// A file of the package, `rel` relative to its root.
    pub fn file(&mut self, rel: &str, data: &[u8]) {
        if data.len() <= MAX_FILE && crate::checks::manifest::gyp::is_gyp(rel) {
            let old = self.gyp.get(rel).map_or(0, Vec::len);
            if self.gyp_total - old + data.len() <= MAX_KEPT {
                self.gyp_total = self.gyp_total - old + data.len();
                self.gyp.insert(rel.to_string(), data.to_vec());
            }
        }
        if data.len() > MAX_FILE || self.kept.contains_key(rel) {
            return;
        }
        let keep = match &self.named {
            Some(named) => named.contains(rel),
            None => runnable(rel) && self.total + data.len() <= MAX_KEPT,
        };
        if keep {
            self.total += data.len();
            self.kept.insert(rel.to_string(), data.to_vec());
        }
    }
}

impl Keeper {
    /// The gyp files kept, path relative to the root and content, in path order.
    pub fn gyp_files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let mut files: Vec<(&str, &[u8])> = self
            .gyp
            .iter()
            .map(|(rel, data)| (rel.as_str(), data.as_slice()))
            .collect();
        files.sort_unstable();
        files.into_iter()
    }
}

/// Shipped files the install scripts run, judged by the patterns of the rules that claim
/// `manifest.install-file-download`.
pub struct InstallFiles;

impl super::Check for InstallFiles {
    fn names(&self) -> &'static [&'static str] {
        CHECKS
    }

    fn package(&self, cx: &Context<'_>, pkg: &super::Package<'_>, out: &mut Vec<Finding>) {
        check(cx, pkg.root, pkg.manifest, pkg.install_files, out);
    }
}

/// Findings for each shipped file an install script runs whose content downloads and runs
/// code. `root` is the package's top folder (`package`).
pub fn check(
    ctx: &Context<'_>,
    root: &str,
    manifest: Option<&[u8]>,
    keeper: &Keeper,
    out: &mut Vec<Finding>,
) {
    let Some(scripts) = manifest.and_then(install_scripts) else {
        return;
    };
    let patterns: Vec<&regex::bytes::Regex> = ctx
        .rules_for_check(CHECKS[0])
        .filter_map(|r| r.pattern.as_ref())
        .collect();
    let mut judged = HashSet::new();
    for (name, script) in &scripts {
        for rel in run_targets(script) {
            let Some(data) = keeper.kept.get(&rel) else {
                continue;
            };
            if !judged.insert(rel.clone()) {
                continue;
            }
            let Some(m) = patterns.iter().find_map(|p| p.find(data)) else {
                continue;
            };
            let path = format!("{root}/{rel}");
            out.extend(ctx.check_findings(&CheckHit {
                check: CHECKS[0],
                path: &path,
                detail: Some(format!("`{name}` runs it: `{script}`")),
                position: Some(LineIndex::new(data).position(m.start())),
                value: m.as_bytes(),
                source: Some(data),
            }));
        }
    }
}

/// `(name, script)` of the install scripts in a manifest.
fn install_scripts(manifest: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let json: Value = serde_json::from_slice(manifest).ok()?;
    let scripts = json.get("scripts")?.as_object()?;
    Some(
        INSTALL_SCRIPTS
            .iter()
            .filter_map(|&name| Some((name, scripts.get(name)?.as_str()?.to_string())))
            .collect(),
    )
}

/// Every file the manifest's install scripts may run, with the names Node would also try.
fn named_files(manifest: &[u8]) -> HashSet<String> {
    install_scripts(manifest)
        .unwrap_or_default()
        .iter()
        .flat_map(|(_, script)| run_targets(script))
        .collect()
}

/// The package files a script runs: the arguments of an interpreter (`node x.js`,
/// `sh ./install.sh`, `python3 x.py`) and a command that is itself a path (`./install.sh`),
/// each as a path relative to the package root, plus what Node resolves an extensionless
/// name to. Words that are not files of the package simply match nothing.
pub fn run_targets(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    for command in commands(script) {
        let mut words = command
            .iter()
            .map(String::as_str)
            // `FOO=1 node x.js`, `env FOO=1 node x.js`, `exec node x.js`
            .skip_while(|w| w.contains('=') || matches!(*w, "env" | "exec" | "sudo"));
        let Some(program) = words.next() else {
            continue;
        };
        let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
        if INTERPRETERS.contains(&base.to_ascii_lowercase().as_str()) {
            for word in words {
                if INLINE_CODE.contains(&word) {
                    break;
                }
                if !word.starts_with('-') {
                    push_target(&mut out, word, base.starts_with("node"));
                }
            }
        } else if program.contains('/') || program.contains('\\') {
            push_target(&mut out, program, false);
        }
    }
    out
}

/// A script as shell commands of words: split on `&&`, `||`, `|`, `;`, newlines and
/// parentheses outside quotes, words on whitespace outside quotes, quotes removed. Enough
/// to find what a command runs; quoted code (`node -e "..."`) stays one word.
fn commands(script: &str) -> Vec<Vec<String>> {
    let mut all = vec![Vec::new()];
    let mut word = String::new();
    let mut quote = None;
    let end_word = |word: &mut String, all: &mut Vec<Vec<String>>| {
        if !word.is_empty() {
            all.last_mut()
                .expect("never empty")
                .push(std::mem::take(word));
        }
    };
    for c in script.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '&' | '|' | ';' | '\n' | '(' | ')') => {
                end_word(&mut word, &mut all);
                all.push(Vec::new());
            }
            (None, c) if c.is_whitespace() => end_word(&mut word, &mut all),
            (None, c) => word.push(c),
        }
    }
    end_word(&mut word, &mut all);
    all.retain(|c| !c.is_empty());
    all
}

fn push_target(out: &mut Vec<String>, word: &str, node: bool) {
    let Some(rel) = package_relative(word) else {
        return;
    };
    if node && !rel.contains('.') {
        out.push(format!("{rel}.js"));
        out.push(format!("{rel}/index.js"));
    }
    out.push(rel);
}

/// `./scripts/x.js` -> `scripts/x.js`; absolute paths and `..` leave the package: none.
fn package_relative(word: &str) -> Option<String> {
    let word = word.replace('\\', "/");
    if word.starts_with('/') || word.contains('$') || word.contains(':') {
        return None;
    }
    let mut parts = Vec::new();
    for part in word.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn runnable(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match name.rsplit_once('.') {
        Some((_, ext)) => RUNNABLE.contains(&ext.to_ascii_lowercase().as_str()),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_of_common_install_scripts() {
        let t = |s: &str| run_targets(s);
        assert_eq!(
            t("node scripts/setup.js"),
            vec!["scripts/setup.js".to_string()]
        );
        assert_eq!(
            t("sh ./install.sh && ./bin/post"),
            vec!["install.sh", "bin/post"]
        );
        assert_eq!(t("FOO=1 python3 -u x.py arg"), vec!["x.py", "arg"]);
        assert_eq!(
            t("node install"),
            vec!["install.js", "install/index.js", "install"]
        );
        assert!(t("node -e \"require('./x.js')\"").is_empty());
        assert!(t("node-gyp rebuild || echo ok").is_empty());
        assert!(t("node /etc/x.js ../up.js $HOME/x.js").is_empty());
    }

    #[test]
    fn the_keeper_keeps_what_could_run_then_only_what_is_named() {
        let mut k = Keeper::default();
        k.file("scripts/setup.js", b"curl x | sh");
        k.file("lib/other.js", b"x");
        k.file("README.md", b"x");
        k.file("big.js", &vec![b'x'; MAX_FILE + 1]);
        assert_eq!(k.kept.len(), 2);
        k.manifest(br#"{"scripts":{"postinstall":"node scripts/setup.js"}}"#);
        assert_eq!(k.kept.keys().collect::<Vec<_>>(), vec!["scripts/setup.js"]);
        k.file("lib/more.js", b"x");
        assert_eq!(
            k.kept.len(),
            1,
            "unnamed files are not kept once the manifest is known"
        );
    }
}
