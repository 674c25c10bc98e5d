//! Settings in a project's own files that would make its packer run code the project chose.
//!
//! packguard asks the project's packer for its file list, and the project it scans is not
//! trusted: a scan must never run its code. Lifecycle scripts are switched off by flags in
//! `external`; this module finds the settings no flag switches off, so `external` can refuse
//! the packer before starting it at all (the refusal is a `PackError::ProjectCode`, and
//! `select` then lists the files with the builtin packer and says why):
//!
//! - yarn (1 and 2+): `yarn-path` / `yarnPath` in `.yarnrc` and `yarnPath` in `.yarnrc.yml`
//!   make the yarn on PATH hand over to a file of the project (yarn 1.22 reads both files);
//!   `plugins` in `.yarnrc.yml` are loaded into yarn 2+. Both are read from the folder and
//!   every folder above it, so every one of them is looked at.
//! - bun: `preload` in `bunfig.toml` (top level or any section) names scripts bun loads
//!   before running code; `bun pm pack` should not load them, but without a way to turn
//!   them off on the command line that cannot be promised, so bun is not asked.
//!
//! pnpm's `.pnpmfile.cjs` and npm's `script-shell` / `node-options` need nothing here: the
//! command line in `external` turns them off (`--config.ignore-pnpmfile=true`,
//! `--script-shell= --node-options=`). This module reads files and never runs anything.

use std::path::{Path, PathBuf};

use marked_yaml::Node;

use super::Packer;

/// A setting that would make `packer` run project code, and the file that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    pub file: PathBuf,
    pub setting: &'static str,
}

/// The first setting under `dir` or a folder above it that would make `packer` run
/// project code, if any.
pub fn find(packer: Packer, dir: &Path) -> Option<Hook> {
    let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    abs.ancestors().find_map(|d| match packer {
        Packer::Yarn => yarnrc(&d.join(".yarnrc")).or_else(|| yarnrc_yml(&d.join(".yarnrc.yml"))),
        Packer::Bun => bunfig(&d.join("bunfig.toml")),
        Packer::Npm | Packer::Pnpm | Packer::Builtin => None,
    })
}

/// yarn 1's `.yarnrc`: `key value` lines, the key optionally quoted.
fn yarnrc(path: &Path) -> Option<Hook> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|key| key.trim_matches(|c| c == '"' || c == '\''))
        .find(|key| matches!(*key, "yarn-path" | "yarnPath"))
        .map(|_| Hook {
            file: path.to_path_buf(),
            setting: "yarn-path",
        })
}

/// `.yarnrc.yml`: `yarnPath` and `plugins` at the top level. A file that does not parse
/// cannot be shown to be free of them, so it counts as having them.
fn yarnrc_yml(path: &Path) -> Option<Hook> {
    let text = std::fs::read_to_string(path).ok()?;
    let hook = |setting| {
        Some(Hook {
            file: path.to_path_buf(),
            setting,
        })
    };
    match marked_yaml::parse_yaml(0, &text) {
        Ok(Node::Mapping(m)) => {
            for setting in ["yarnPath", "plugins"] {
                if m.get_node(setting).is_some() {
                    return hook(setting);
                }
            }
            None
        }
        // (An empty file, or one of comments only, is an empty mapping; any top level other
        // than a mapping is refused by the parser, and taken as a hook.)
        _ => hook("yarnPath"),
    }
}

/// `bunfig.toml`: any key named `preload`, dotted (`test.preload`) or under a section.
fn bunfig(path: &Path) -> Option<Hook> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(key, _)| key.trim())
        .filter(|key| !key.starts_with('#'))
        .find(|key| {
            key.rsplit('.')
                .next()
                .is_some_and(|last| last.trim().trim_matches('"') == "preload")
        })
        .map(|_| Hook {
            file: path.to_path_buf(),
            setting: "preload",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("temp dir");
        for (p, c) in files {
            let path = d.path().join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, c).expect("write");
        }
        d
    }

    fn setting(packer: Packer, d: &tempfile::TempDir, sub: &str) -> Option<&'static str> {
        find(packer, &d.path().join(sub)).map(|h| h.setting)
    }

    #[test]
    fn yarn_paths_and_plugins_are_found_here_and_above() {
        let d = folder(&[
            (".yarnrc", "# x\n\"yarn-path\" \"./evil.cjs\"\n"),
            ("p/a", ""),
        ]);
        assert_eq!(setting(Packer::Yarn, &d, "p"), Some("yarn-path"));
        let d = folder(&[(".yarnrc.yml", "yarnPath: .yarn/releases/y.cjs\n")]);
        assert_eq!(setting(Packer::Yarn, &d, ""), Some("yarnPath"));
        let d = folder(&[(".yarnrc.yml", "plugins:\n  - path: p.cjs\n")]);
        assert_eq!(setting(Packer::Yarn, &d, ""), Some("plugins"));
        let d = folder(&[(".yarnrc.yml", "{yarnPath: x.cjs")]);
        assert_eq!(
            setting(Packer::Yarn, &d, ""),
            Some("yarnPath"),
            "unparsable"
        );
    }

    #[test]
    fn ordinary_yarn_settings_are_not_hooks() {
        let d = folder(&[
            (".yarnrc", "registry \"https://registry.npmjs.org\"\n"),
            (".yarnrc.yml", "nodeLinker: node-modules\n# yarnPath: x\n"),
        ]);
        assert_eq!(setting(Packer::Yarn, &d, ""), None);
        for text in ["# only a comment\n", "", "\n\n", "  # indented\n"] {
            let d = folder(&[(".yarnrc.yml", text)]);
            assert_eq!(setting(Packer::Yarn, &d, ""), None, "{text:?}");
        }
        // Text that is no mapping cannot be read for settings: taken as a hook.
        for text in ["yarnPath\n", "- plugins\n", "'x'\n"] {
            let d = folder(&[(".yarnrc.yml", text)]);
            assert_eq!(setting(Packer::Yarn, &d, ""), Some("yarnPath"), "{text:?}");
        }
    }

    #[test]
    fn bun_preloads_anywhere_in_bunfig_are_found() {
        for text in [
            "preload = [\"./x.ts\"]\n",
            "[test]\npreload = \"./setup.ts\"\n",
            "run.preload = [\"./x.ts\"]\n",
        ] {
            let d = folder(&[("bunfig.toml", text)]);
            assert_eq!(setting(Packer::Bun, &d, ""), Some("preload"), "{text}");
        }
        let d = folder(&[("bunfig.toml", "# preload = 1\n[install]\nexact = true\n")]);
        assert_eq!(setting(Packer::Bun, &d, ""), None);
    }

    #[test]
    fn other_packers_have_no_file_hooks_here() {
        let d = folder(&[
            (".yarnrc", "yarn-path x\n"),
            ("bunfig.toml", "preload = 1\n"),
        ]);
        assert_eq!(setting(Packer::Npm, &d, ""), None);
        assert_eq!(setting(Packer::Pnpm, &d, ""), None);
    }
}
