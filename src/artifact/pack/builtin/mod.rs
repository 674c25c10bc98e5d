//! `--pack builtin`: npm's file selection, in Rust, for machines without Node.
//!
//! A port of npm-packlist 10 (npm 11) and the ignore-walk walker it extends, kept close to
//! their structure so a difference can be traced to a line there:
//!
//! - every folder level has rule sets, applied in a fixed order: npm's defaults (`.git`,
//!   `.npmrc`, `.DS_Store`, ...), the `files` field (root only), `.npmignore`, else
//!   `.gitignore`, then "strict" rules that nothing can override (package.json, README,
//!   LICENSE/LICENCE, COPYING, `main`, `browser`, `bin` targets are always in; `/.git`,
//!   `/node_modules`, lock files, `.npmrc` are always out);
//! - a file passes when the last matching rule of its own level, after its parent folders'
//!   verdict, includes it; a folder is entered when it could contain an included file;
//! - `files` present at the root silences the root's `.npmignore`/`.gitignore`, but nested
//!   ones still apply below it (npm's real behaviour, often surprising);
//! - symlinks and other non-regular entries are left out (npm lstat()s and skips them);
//! - `bundleDependencies` are walked in `node_modules` with their own `files` rules.
//!
//! It reads folder listings, `package.json` and ignore files; it never reads other files'
//! content and never follows a symlink.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::glob::Pattern;
use super::{js, read_manifest, workspace, PackError};

mod rules;
use rules::{
    bin_targets, parse_rules, rule_lines, Level, Source, ALL_SOURCES, DEFAULTS, STRICT_DEFAULTS,
};

/// Patterns that brace expansion may add, beyond one per rule, over a whole listing. npm
/// bounds each rule (100,000 expansions); this bounds their sum, so that memory stays bounded
/// whatever the ignore files and manifests hold (about 1 KB per pattern).
pub const MAX_EXPANDED_PATTERNS: usize = 300_000;

/// How a walker treats one package or folder.
#[derive(Clone)]
struct WalkOpts {
    /// This folder is a package root: its package.json gives `files` and strict rules.
    is_package: bool,
    /// Rule sources read at this level, in order.
    sources: Vec<Source>,
    /// Files the parent's `files` field names directly in this folder.
    required: Vec<String>,
    /// Extra default rules (the ignore files above a workspace package).
    extra_defaults: Vec<String>,
    /// The package being walked declares `workspaces` (changes what subfolders read).
    tree_workspaces: bool,
}

/// The files npm would pack from `root`, relative, `/`-separated, sorted.
pub fn select(root: &Path) -> Result<Vec<String>, PackError> {
    let root = &fs::canonicalize(root).map_err(|source| PackError::Unreadable {
        path: root.display().to_string(),
        source,
    })?;
    let manifest = read_manifest(root)?;
    // npm refuses to pack such a package ("Invalid package, must have name and version").
    for field in ["name", "version"] {
        if manifest
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(PackError::NotPackable {
                path: root.join("package.json").display().to_string(),
                detail: format!(
                    "it has no `{field}`, and npm packs only a package with a name and a version"
                ),
            });
        }
    }
    let mut walker = Walker {
        root: root.to_path_buf(),
        result: BTreeSet::new(),
        seen_bundles: HashSet::new(),
        expanded: 0,
    };
    let mut extra = Vec::new();
    // Packing a workspace: npm also applies the ignore files between the workspace root
    // and the package, as default rules of the package's root level.
    if let Some(ws_root) = workspace::root_of(root) {
        extra.extend(out_of_tree_ignore_rules(&ws_root, root)?);
    }
    let opts = WalkOpts {
        is_package: true,
        sources: ALL_SOURCES.to_vec(),
        required: Vec::new(),
        extra_defaults: extra,
        tree_workspaces: manifest.get("workspaces").is_some(),
    };
    walker.walk_package(root, &manifest, opts, "")?;
    Ok(walker.result.into_iter().collect())
}

/// npm-packlist's `readOutOfTreeIgnoreFiles`: from the workspace root down to the
/// package's parent folder, the `.npmignore` (else `.gitignore`) of each level.
fn out_of_tree_ignore_rules(ws_root: &Path, pkg: &Path) -> Result<Vec<String>, PackError> {
    let mut rules = Vec::new();
    let Some(parent) = pkg.parent() else {
        return Ok(rules);
    };
    let Ok(rel) = parent.strip_prefix(ws_root) else {
        return Ok(rules);
    };
    let mut dir = ws_root.to_path_buf();
    let mut levels = vec![dir.clone()];
    for c in rel.components() {
        dir.push(c);
        levels.push(dir.clone());
    }
    for level in levels {
        for name in [".npmignore", ".gitignore"] {
            match fs::read(level.join(name)) {
                Ok(bytes) => {
                    rules.push(String::from_utf8_lossy(&bytes).into_owned());
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(PackError::IgnoreFile {
                        path: level.join(name).display().to_string(),
                        source,
                    })
                }
            }
        }
    }
    Ok(rules)
}

struct Walker {
    root: PathBuf,
    result: BTreeSet<String>,
    seen_bundles: HashSet<PathBuf>,
    /// Patterns brace expansion has added so far (see [`MAX_EXPANDED_PATTERNS`]).
    expanded: usize,
}

impl Walker {
    /// [`parse_rules`], counting what brace expansion adds against the listing's bound;
    /// `from` is the file the rules come from, for the error.
    fn rules(&mut self, text: &str, from: &Path) -> Result<Vec<Pattern>, PackError> {
        let mut set = Vec::new();
        for line in rule_lines(text) {
            let rule = Pattern::new(line, true);
            self.expanded += rule.glob_parts.len().saturating_sub(1);
            if self.expanded > MAX_EXPANDED_PATTERNS {
                return Err(PackError::TooManyPatterns {
                    path: from.display().to_string(),
                    limit: MAX_EXPANDED_PATTERNS,
                });
            }
            set.push(rule);
        }
        Ok(set)
    }

    fn walk_package(
        &mut self,
        dir: &Path,
        manifest: &Value,
        opts: WalkOpts,
        prefix: &str,
    ) -> Result<(), PackError> {
        self.walk(dir, prefix, None, "", false, &opts, Some(manifest))?;
        self.gather_bundles(dir, manifest, prefix.is_empty())
    }

    /// Walks one folder. `prefix` is the folder's path relative to the packed root.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        dir: &Path,
        prefix: &str,
        parent: Option<&Level<'_>>,
        basename: &str,
        exact: bool,
        opts: &WalkOpts,
        manifest: Option<&Value>,
    ) -> Result<(), PackError> {
        let unreadable = |source| PackError::Unreadable {
            path: dir.display().to_string(),
            source,
        };
        let mut names = Vec::new();
        for entry in fs::read_dir(dir).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            match entry.file_name().into_string() {
                Ok(name) => names.push(name),
                Err(raw) => {
                    return Err(PackError::NonUtf8Name {
                        path: dir.join(raw).display().to_string(),
                    })
                }
            }
        }
        names.sort();

        let mut rules: Vec<(Source, Vec<Pattern>)> = Vec::new();
        for &source in &opts.sources {
            let set = match source {
                Source::Defaults => {
                    // Compiled once: every folder level starts from the same defaults.
                    static COMPILED: OnceLock<Vec<Pattern>> = OnceLock::new();
                    let mut set = COMPILED
                        .get_or_init(|| parse_rules(&DEFAULTS.join("\n")))
                        .clone();
                    set.extend(self.rules(&opts.extra_defaults.join("\n"), dir)?);
                    Some(set)
                }
                Source::Strict if !opts.is_package => {
                    let mut lines: Vec<String> =
                        STRICT_DEFAULTS.iter().map(|s| s.to_string()).collect();
                    lines.extend(opts.required.iter().map(|f| format!("!{f}")));
                    Some(self.rules(&lines.join("\n"), dir)?)
                }
                Source::Strict => None, // filled from package.json below
                Source::PackageJson if opts.is_package => None,
                other => {
                    let name = other.file_name().expect("file-backed source");
                    if names.iter().any(|n| n == name) {
                        let path = dir.join(name);
                        let bytes = fs::read(&path).map_err(|source| PackError::IgnoreFile {
                            path: path.display().to_string(),
                            source,
                        })?;
                        Some(self.rules(&String::from_utf8_lossy(&bytes), &path)?)
                    } else {
                        None
                    }
                }
            };
            if let Some(set) = set {
                rules.push((source, set));
            }
        }
        let mut required = opts.required.clone();
        // Only a package's own folder is walked with its manifest (read from its
        // package.json, so that file is there); a subfolder's package.json is just a file.
        if let Some(manifest) = manifest {
            let (files_rules, strict, files_required) = self.package_rules(dir, manifest)?;
            required.extend(files_required);
            if let Some(files_rules) = files_rules {
                let set = self.rules(&files_rules.join("\n"), &dir.join("package.json"))?;
                rules.push((Source::PackageJson, set));
            }
            let set = self.rules(&strict.join("\n"), &dir.join("package.json"))?;
            rules.push((Source::Strict, set));
        }
        // Precedence: `files` silences .npmignore and .gitignore; .npmignore silences .gitignore.
        let has = |s: Source| rules.iter().any(|(x, _)| *x == s);
        if has(Source::PackageJson) {
            rules.retain(|(s, _)| !matches!(s, Source::NpmIgnore | Source::GitIgnore));
        } else if has(Source::NpmIgnore) {
            rules.retain(|(s, _)| *s != Source::GitIgnore);
        }
        // Evaluate in the fixed source order, whatever order they were added in.
        let order = |s: &Source| {
            opts.sources
                .iter()
                .position(|x| x == s)
                .unwrap_or(usize::MAX)
        };
        rules.sort_by_key(|(s, _)| order(s));

        let level = Level {
            parent,
            basename: basename.to_string(),
            exact,
            rules,
        };

        for name in &names {
            // npm refuses names with `*` (invalid on Windows).
            if name.contains('*') {
                continue;
            }
            let pass_file = level.filter(name, false, None);
            let pass_dir = level.filter(name, true, None);
            if !pass_file && !pass_dir {
                continue;
            }
            let path = dir.join(name);
            let meta = fs::symlink_metadata(&path).map_err(|source| PackError::Unreadable {
                path: path.display().to_string(),
                source,
            })?;
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if meta.is_dir() {
                if !pass_dir {
                    continue;
                }
                let child_exact = pass_file || level.filter(&format!("{name}/"), false, None);
                let child = child_opts(&required, name, opts.tree_workspaces);
                self.walk(&path, &rel, Some(&level), name, child_exact, &child, None)?;
            } else if meta.is_file() && pass_file {
                self.result.insert(rel);
            }
        }
        Ok(())
    }
}

/// npm-packlist's `walkerOpt`: what a subfolder reads.
fn child_opts(parent_required: &[String], entry: &str, tree_workspaces: bool) -> WalkOpts {
    let required = parent_required
        .iter()
        .filter_map(|f| {
            let (dir, file) = f.rsplit_once('/')?;
            (dir == entry).then(|| file.to_string())
        })
        .collect();
    // With `workspaces` in the root package, every subfolder gets npm's full list,
    // `package.json` included: a subfolder's package.json is read as an ignore file and
    // silences that folder's .npmignore/.gitignore (npm's quirk, checked against npm 11).
    let sources = if tree_workspaces {
        ALL_SOURCES.to_vec()
    } else {
        vec![
            Source::Defaults,
            Source::NpmIgnore,
            Source::GitIgnore,
            Source::Strict,
        ]
    };
    WalkOpts {
        is_package: false,
        sources,
        required,
        extra_defaults: Vec::new(),
        tree_workspaces,
    }
}

/// `files` rules (`None` without a `files`), strict rules, and the files named one by one.
type PackageRules = (Option<Vec<String>>, Vec<String>, Vec<String>);

/// What npm-packlist's `if (files) for (let file of files)` takes: nothing when `files` is
/// falsy, a string's characters one by one, an array's strings; anything else fails.
fn files_entries(dir: &Path, files: Option<&Value>) -> Result<Option<Vec<String>>, PackError> {
    let refuse = |what: String| type_error(dir, what);
    let Some(files) = files.filter(|f| js::truthy_template(f).is_some()) else {
        return Ok(None);
    };
    match files {
        Value::String(s) => Ok(Some(s.chars().map(String::from).collect())),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, f)| match f {
                Value::String(s) => Ok(s.clone()),
                other => Err(refuse(format!(
                    "`files` entry {i} is {}, not a string",
                    js_type(other)
                ))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        other => Err(refuse(format!("`files` is {}, not a list", js_type(other)))),
    }
}

/// A manifest value npm's code throws on: npm pack fails, so the package cannot be listed.
fn type_error(dir: &Path, what: String) -> PackError {
    PackError::NotPackable {
        path: dir.join("package.json").display().to_string(),
        detail: format!("{what}, and npm pack stops on it with a TypeError"),
    }
}

fn js_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl Walker {
    /// npm-packlist's `processPackage`: the `files` rules (inverted, after a `*`) and the
    /// strict rules. A `files` that npm-packlist cannot iterate, or an entry that is not a
    /// string, stops npm with a TypeError: it is an error here too.
    fn package_rules(&self, dir: &Path, pkg: &Value) -> Result<PackageRules, PackError> {
        let mut required = Vec::new();
        let mut strict: Vec<String> = STRICT_DEFAULTS.iter().map(|s| s.to_string()).collect();
        strict.extend(
            [
                "!/package.json",
                "!/readme{,.*[^~$]}",
                "!/copying{,.*[^~$]}",
                "!/license{,.*[^~$]}",
                "!/licence{,.*[^~$]}",
                "/.git",
                "/node_modules",
                ".npmrc",
                "/package-lock.json",
                "/yarn.lock",
                "/pnpm-lock.yaml",
                "/bun.lockb",
            ]
            .map(String::from),
        );
        let mut files_rules = None;
        if let Some(files) = files_entries(dir, pkg.get("files"))? {
            let mut ignores = vec!["*".to_string()];
            for mut file in files {
                if file.starts_with("./") {
                    file = file[1..].to_string();
                }
                if file.ends_with("/*") {
                    file.push('*');
                }
                let inverse = format!("!{file}");
                let target = dir.join(file.trim_start_matches('!').trim_start_matches('/'));
                match fs::symlink_metadata(&target) {
                    Ok(m) if m.is_file() => {
                        strict.insert(0, inverse);
                        required.push(file.strip_prefix('/').unwrap_or(&file).to_string());
                    }
                    Ok(m) if m.is_dir() => {
                        ignores.push(inverse.clone());
                        ignores.push(format!("{inverse}/**"));
                    }
                    Ok(_) => {}
                    Err(_) => ignores.push(inverse),
                }
            }
            files_rules = Some(ignores);
        }
        if let Some(browser) = pkg.get("browser").and_then(js::truthy_template) {
            strict.push(format!("!/{browser}"));
        }
        if let Some(main) = pkg.get("main").and_then(js::truthy_template) {
            strict.push(format!("!/{main}"));
        }
        let bins = bin_targets(pkg).map_err(|what| type_error(dir, what))?;
        for target in bins {
            strict.push(format!("!/{target}"));
        }
        Ok((files_rules, strict, required))
    }

    /// npm-packlist's `gatherBundles`: bundled dependencies' own packlists, recursively.
    fn gather_bundles(&mut self, dir: &Path, pkg: &Value, is_root: bool) -> Result<(), PackError> {
        let key = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !self.seen_bundles.insert(key) {
            return Ok(());
        }
        let deps = |k: &str| -> Vec<String> {
            pkg.get(k)
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        let to_bundle: Vec<String> = if is_root {
            match pkg
                .get("bundleDependencies")
                .or_else(|| pkg.get("bundledDependencies"))
            {
                // Arborist looks names up in a Map: an entry that is not a string finds nothing.
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
                Some(Value::Bool(true)) => deps("dependencies"),
                _ => Vec::new(),
            }
        } else {
            let mut d = deps("dependencies");
            d.extend(deps("optionalDependencies"));
            d
        };
        let prod: HashSet<String> = deps("dependencies")
            .into_iter()
            .chain(deps("optionalDependencies"))
            .collect();
        for dep in to_bundle {
            // npm bundles only what an edge reaches: a dependency declared as prod or
            // optional (not dev, not peer) that is installed.
            if !prod.contains(&dep) {
                continue;
            }
            let Some(node) = resolve(&self.root, dir, &dep) else {
                continue;
            };
            let Ok(manifest) = read_manifest(&node) else {
                continue;
            };
            let is_link = fs::symlink_metadata(&node)
                .map(|m| m.file_type().is_symlink())
                .unwrap_or(false);
            let sources = if is_link {
                ALL_SOURCES.to_vec()
            } else {
                vec![Source::PackageJson, Source::Strict]
            };
            let Ok(rel) = node.strip_prefix(&self.root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let opts = WalkOpts {
                is_package: true,
                sources,
                required: Vec::new(),
                extra_defaults: Vec::new(),
                tree_workspaces: manifest.get("workspaces").is_some(),
            };
            self.walk(&node, &rel, None, "", false, &opts, Some(&manifest))?;
            self.gather_bundles(&node, &manifest, false)?;
        }
        Ok(())
    }
}

/// Node's resolution of `name` from `from`: `from/node_modules/name`, then each parent's,
/// never above `root`.
fn resolve(root: &Path, from: &Path, name: &str) -> Option<PathBuf> {
    let mut dir = Some(from);
    while let Some(d) = dir {
        let candidate = d.join("node_modules").join(name);
        if candidate.join("package.json").is_file() {
            return Some(candidate);
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    None
}
