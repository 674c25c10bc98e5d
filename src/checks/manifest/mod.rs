//! `package.json` checks: the mistakes that make npm refuse a publish, break installs, or
//! poison every machine that installs the package.
//!
//! Runs once per artifact, after every entry was read, on the manifest's bytes and the list of
//! file paths (not their content), so entry points can be checked against what actually
//! ships. Knobs live in the claiming rules: `pattern` (install scripts that download or run
//! code), `allow` (expected registries), `threshold` (unpacked size).

use serde_json::Value;

use crate::checks::context::{CheckHit, Context};
use crate::checks::Package;

mod entry_points;
pub mod gyp;
use crate::finding::Finding;
use entry_points::{entry_points, types_file_exists, types_versions};

pub const CHECKS: &[&str] = &[
    "manifest.missing",
    "manifest.invalid-json",
    "manifest.invalid-name",
    "manifest.invalid-version",
    "manifest.private",
    "manifest.repository-missing",
    "manifest.repository-invalid",
    "manifest.repository-mismatch",
    "manifest.install-script",
    "manifest.install-script-download",
    gyp::EXPANSION,
    "manifest.prepare-script",
    "manifest.missing-entry-point",
    "manifest.missing-types",
    "manifest.large-package",
    "manifest.publish-registry",
    "manifest.no-files-list",
];

/// The manifest checks, run once per package.
pub struct Manifest;

impl super::Check for Manifest {
    fn names(&self) -> &'static [&'static str] {
        CHECKS
    }

    fn package(&self, cx: &Context<'_>, pkg: &Package<'_>, out: &mut Vec<Finding>) {
        check(cx, pkg, out);
    }
}

pub fn check(ctx: &Context<'_>, pkg: &Package<'_>, out: &mut Vec<Finding>) {
    // node-gyp runs them whatever the manifest says, even when it does not parse.
    gyp::check(ctx, pkg.root, pkg.install_files.gyp_files(), out);
    let path = format!("{}/package.json", pkg.root);
    let mut hit =
        |check: &str, detail: Option<String>, position: Option<(usize, usize)>, value: &str| {
            out.extend(ctx.check_findings(&CheckHit {
                check,
                path: &path,
                detail,
                position,
                value: value.as_bytes(),
                source: pkg.manifest,
            }));
        };
    let Some(bytes) = pkg.manifest else {
        hit("manifest.missing", None, None, "");
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    let json: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            hit(
                "manifest.invalid-json",
                Some(e.to_string()),
                Some((e.line().max(1), e.column().max(1))),
                "",
            );
            return;
        }
    };
    let Some(obj) = json.as_object() else {
        hit(
            "manifest.invalid-json",
            Some("the top level is not an object".into()),
            Some((1, 1)),
            "",
        );
        return;
    };
    let at = |key: &str| key_position(&text, key);
    let field = |k: &str| obj.get(k).and_then(Value::as_str);

    match field("name") {
        None => hit(
            "manifest.invalid-name",
            Some("`name` is missing".into()),
            None,
            "",
        ),
        Some(name) => {
            if let Some(why) = invalid_name(name) {
                hit(
                    "manifest.invalid-name",
                    Some(format!("`{name}` {why}")),
                    at("name"),
                    name,
                );
            }
        }
    }
    match field("version") {
        None => hit(
            "manifest.invalid-version",
            Some("`version` is missing".into()),
            None,
            "",
        ),
        Some(v) if !is_semver(v) => hit(
            "manifest.invalid-version",
            Some(format!("`{v}` is not a semantic version")),
            at("version"),
            v,
        ),
        _ => {}
    }
    if obj.get("private").and_then(Value::as_bool) == Some(true) {
        hit("manifest.private", None, at("private"), "");
    }
    check_repository(obj.get("repository"), pkg.expect_repo, &mut hit, &at);
    let implicit = gyp::implicit_install(obj, pkg.files.iter());
    check_scripts(ctx, obj.get("scripts"), implicit.as_deref(), &mut hit, &at);
    for (what, target) in entry_points(obj) {
        if !target.resolves(pkg.files) {
            let mut detail = if target.is_pattern() {
                format!(
                    "{what} → the pattern `{}` matches no file in the package",
                    target.path
                )
            } else {
                format!("{what} → `{}` is not in the package", target.path)
            };
            if matches!(what.as_str(), "types" | "typings") {
                // TypeScript reads the types file through `typesVersions` when it has a
                // mapping for the running version: rxjs's `index.d.ts` is `dist/types/*`.
                if let Some(mapped) = types_versions(bytes, &target.path) {
                    if mapped.iter().any(|m| types_file_exists(m, pkg.files)) {
                        continue;
                    }
                    let list: Vec<String> = mapped.iter().map(|m| format!("`{m}`")).collect();
                    detail.push_str(&format!(
                        ", nor where `typesVersions` maps it ({})",
                        list.join(", ")
                    ));
                }
            }
            // Top-level `types` only matters to TypeScript's older resolution modes; the
            // modern ones read `exports`, so a dangling one is a lesser problem.
            let check = match what.as_str() {
                "types" | "typings" => "manifest.missing-types",
                _ => "manifest.missing-entry-point",
            };
            let key = what.split(['[', '.']).next().unwrap_or(&what);
            hit(check, Some(detail), at(key), &target.path);
        }
    }
    for rule in ctx.rules_for_check("manifest.large-package") {
        let limit = rule.threshold.unwrap_or(u64::MAX);
        if pkg.unpacked_bytes > limit {
            let detail = format!("{} bytes unpacked, over {}", pkg.unpacked_bytes, limit);
            hit("manifest.large-package", Some(detail), None, "");
            break;
        }
    }
    // Without `files` and without `.npmignore`, npm publishes everything not in .gitignore.
    if let Some(dir) = pkg.dir {
        if obj.get("files").is_none() && !dir.join(".npmignore").exists() {
            hit("manifest.no-files-list", None, None, "");
        }
    }
    if let Some(registry) = obj
        .get("publishConfig")
        .and_then(|p| p.get("registry"))
        .and_then(Value::as_str)
    {
        let host = url_host(registry);
        // `allow` holds regexes of accepted values: here, registry hosts.
        let expected = ctx
            .rules_for_check("manifest.publish-registry")
            .flat_map(|r| r.validate.allow.iter())
            .any(|re| re.is_match(host.as_bytes()));
        if !expected {
            hit(
                "manifest.publish-registry",
                Some(format!("`{registry}`")),
                at("registry"),
                registry,
            );
        }
    }
}

type Hit<'h> = dyn FnMut(&str, Option<String>, Option<(usize, usize)>, &str) + 'h;

fn check_repository(
    repo: Option<&Value>,
    expect: Option<&str>,
    hit: &mut Hit<'_>,
    at: &dyn Fn(&str) -> Option<(usize, usize)>,
) {
    let Some(repo) = repo else {
        hit("manifest.repository-missing", None, None, "");
        return;
    };
    let url = match repo {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("url").and_then(Value::as_str),
        _ => None,
    };
    let Some(url) = url else {
        hit(
            "manifest.repository-invalid",
            Some("expected a string or an object with `url`".into()),
            at("repository"),
            "",
        );
        return;
    };
    let Some(parsed) = parse_repository(url) else {
        hit(
            "manifest.repository-invalid",
            Some(format!("`{url}` is not a repository URL npm understands")),
            at("repository"),
            url,
        );
        return;
    };
    if let Some(expected) = expect {
        let want = format!("github.com/{}", expected.trim_matches('/'));
        if !parsed.eq_ignore_ascii_case(&want) {
            hit(
                "manifest.repository-mismatch",
                Some(format!(
                    "`{url}` is {parsed}, but this release comes from {want}"
                )),
                at("repository"),
                url,
            );
        }
    }
}

/// `host/owner/name` from the forms npm accepts: `owner/name`, `github:owner/name`,
/// `gitlab:`/`bitbucket:` shorthands, `git+https://`, `git://`, `ssh://git@`, `git@host:`.
pub fn parse_repository(url: &str) -> Option<String> {
    let url = url.trim();
    let hosts = [
        ("github:", "github.com"),
        ("gitlab:", "gitlab.com"),
        ("bitbucket:", "bitbucket.org"),
    ];
    for (prefix, host) in hosts {
        if let Some(rest) = url.strip_prefix(prefix) {
            return owner_name(rest).map(|p| format!("{host}/{p}"));
        }
    }
    if !url.contains(':') {
        return owner_name(url).map(|p| format!("github.com/{p}"));
    }
    let rest = url.strip_prefix("git+").unwrap_or(url);
    let (host, path) = if let Some((scheme, after)) = rest.split_once("://") {
        if !["https", "http", "git", "ssh"].contains(&scheme) {
            return None;
        }
        let after = after.rsplit_once('@').map_or(after, |(_, h)| h);
        let (host, path) = after.split_once('/')?;
        (host.split(':').next()?, path)
    } else {
        // scp-like: git@github.com:owner/name.git
        let (user_host, path) = rest.split_once(':')?;
        (
            user_host.rsplit_once('@').map_or(user_host, |(_, h)| h),
            path,
        )
    };
    if host.is_empty() {
        return None;
    }
    owner_name(path).map(|p| format!("{}/{p}", host.to_ascii_lowercase()))
}

fn owner_name(path: &str) -> Option<String> {
    let path = path.trim_matches('/');
    let path = path.split(['#', '?']).next()?;
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.split('/');
    let owner = parts.next()?;
    let name = parts.next()?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    (ok(owner) && ok(name)).then(|| format!("{owner}/{name}"))
}

/// `gyp` is the root `*.gyp` file that makes npm run `node-gyp rebuild` as the `install`
/// script of a package that has none (see `gyp::implicit_install`).
fn check_scripts(
    ctx: &Context<'_>,
    scripts: Option<&Value>,
    gyp: Option<&str>,
    hit: &mut Hit<'_>,
    at: &dyn Fn(&str) -> Option<(usize, usize)>,
) {
    let scripts = scripts.and_then(Value::as_object);
    for name in ["preinstall", "install", "postinstall", "prepare"] {
        let written = scripts.and_then(|s| s.get(name)).and_then(Value::as_str);
        let (script, detail) = match (written, gyp) {
            (Some(script), _) if !(script.is_empty() && name == "install" && gyp.is_some()) => {
                (script, format!("`{name}`: `{script}`"))
            }
            (_, Some(file)) if name == "install" => (
                "node-gyp rebuild",
                format!(
                    "`install`: `node-gyp rebuild`, implicit: npm adds it because the package \
                     ships `{file}` and has no `install` or `preinstall` script"
                ),
            ),
            _ => continue,
        };
        let detail = Some(detail);
        let downloads = name != "prepare"
            && ctx
                .rules_for_check("manifest.install-script-download")
                .filter_map(|r| r.pattern.as_ref())
                .any(|p| p.is_match(script.as_bytes()));
        let check = match name {
            "prepare" => "manifest.prepare-script",
            _ if downloads => "manifest.install-script-download",
            _ => "manifest.install-script",
        };
        hit(check, detail, at(name), script);
    }
}

/// npm's rules for a package name (validate-npm-package-name), for new packages.
fn invalid_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name.len() > 214 {
        return Some("is longer than 214 characters");
    }
    if name.starts_with('.') || name.starts_with('_') {
        return Some("starts with `.` or `_`");
    }
    if name.trim() != name {
        return Some("has leading or trailing spaces");
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Some("has capital letters");
    }
    let (scope, bare) = match name.strip_prefix('@') {
        Some(rest) => match rest.split_once('/') {
            Some((s, b)) => (Some(s), b),
            None => return Some("is scoped but has no `/name`"),
        },
        None => (None, name),
    };
    let url_safe = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~!*'()".contains(c))
    };
    if scope.is_some_and(|s| !url_safe(s)) || !url_safe(bare) {
        return Some("has characters that are not URL-safe");
    }
    if ["node_modules", "favicon.ico"].contains(&bare) {
        return Some("is a reserved name");
    }
    None
}

/// Semantic Versioning 2.0.0, as npm requires for `version`.
fn is_semver(v: &str) -> bool {
    const SEMVER: &str = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$";
    regex::Regex::new(SEMVER).is_ok_and(|re| re.is_match(v))
}

fn url_host(url: &str) -> String {
    let after = url.split_once("://").map_or(url, |(_, r)| r);
    after
        .split(['/', ':', '?'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// 1-based line and column of the first `"key":` in the manifest text.
fn key_position(text: &str, key: &str) -> Option<(usize, usize)> {
    let re = regex::Regex::new(&format!(r#""{}"\s*:"#, regex::escape(key))).ok()?;
    let m = re.find(text)?;
    let before = &text[..m.start()];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    Some((line, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_forms_npm_accepts() {
        let gh = Some("github.com/o/r".to_string());
        for url in [
            "o/r",
            "github:o/r",
            "git+https://github.com/o/r.git",
            "https://github.com/o/r",
            "git://github.com/o/r.git",
            "git@github.com:o/r.git",
            "ssh://git@github.com/o/r.git",
            "git+ssh://git@github.com/o/r.git",
            "https://github.com/o/r/",
            "https://github.com/o/r.git#main",
        ] {
            assert_eq!(parse_repository(url), gh, "{url}");
        }
        assert_eq!(
            parse_repository("gitlab:g/p").as_deref(),
            Some("gitlab.com/g/p")
        );
        assert_eq!(parse_repository("not a url"), None);
        assert_eq!(parse_repository("ftp://x.org/a/b"), None);
    }

    #[test]
    fn names_and_versions() {
        assert_eq!(invalid_name("@scope/pkg"), None);
        assert_eq!(invalid_name("left-pad"), None);
        assert!(invalid_name("Left-Pad").is_some());
        assert!(invalid_name("_x").is_some());
        assert!(invalid_name("a b").is_some());
        assert!(invalid_name("@scope").is_some());
        assert!(is_semver("1.2.3-beta.1+build.5"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("v1.2.3"));
    }
}
