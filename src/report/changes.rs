//! What changed since the previous release, as a report carries it: files added, removed,
//! renamed and changed, source maps that grew, scripts, entry points and dependencies, and
//! the display text every format shows for them. Data only: `crate::diff` computes it.

use serde::Serialize;

use crate::text::human_bytes;

/// How an item changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
    /// A source map that names more sources, or ships more of their text, than before.
    Grown,
}

/// The previous release, as the comparison saw it.
#[derive(Clone, Debug, Serialize)]
pub struct Previous {
    pub path: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub files: u64,
    pub unpacked_bytes: u64,
}

/// A file added or removed.
#[derive(Clone, Debug, Serialize)]
pub struct FileSize {
    pub path: String,
    pub size: u64,
}

/// A file that moved to another path: with the same content, or from one hashed build name
/// to the next (`chunks/abnfDiagram-WEYOIA3C.mjs` -> `chunks/abnfDiagram-S7VZAUFO.mjs`) with
/// new content. Neither is a new file.
#[derive(Clone, Debug, Serialize)]
pub struct Renamed {
    pub path: String,
    pub from: String,
    pub old_size: u64,
    pub new_size: u64,
    /// `new_size - old_size`.
    pub delta: i64,
    /// Whether the content is the same (same SHA-256).
    pub same_content: bool,
    /// `path` and `from` relative to the package root, as the inventory keys them.
    #[serde(skip)]
    pub rel: String,
    #[serde(skip)]
    pub from_rel: String,
}

/// A file whose content changed (different SHA-256).
#[derive(Clone, Debug, Serialize)]
pub struct FileDelta {
    pub path: String,
    pub old_size: u64,
    pub new_size: u64,
    /// `new_size - old_size`.
    pub delta: i64,
}

/// A source map that is new, or grown since the previous release.
#[derive(Clone, Debug, Serialize)]
pub struct SourceMapChange {
    pub map: String,
    pub change: Status,
    pub inline: bool,
    pub sources: usize,
    pub sources_content: usize,
    /// Bytes of original source text the map ships.
    pub bytes: u64,
    /// Of those originals, the package's own (see `sourcemap: third_party_sources`).
    pub first_party_files: usize,
    pub first_party_lines: u64,
    /// The same figures in the previous release (absent for a new map).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_sources: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_sources_content: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_first_party_files: Option<usize>,
}

/// An install script or an entry point added, removed or changed.
#[derive(Clone, Debug, Serialize)]
pub struct FieldChange {
    /// `scripts.postinstall`, `bin.tool`, `exports["./feature"].import`.
    pub field: String,
    pub change: Status,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A dependency added, removed, or given another version spec.
#[derive(Clone, Debug, Serialize)]
pub struct DependencyChange {
    /// `dependencies`, `optionalDependencies`, `peerDependencies` or `bundleDependencies`.
    pub section: String,
    pub name: String,
    pub change: Status,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What changed between the previous release and this one. The `diff` object of the JSON
/// report; every list is sorted by path or name.
#[derive(Clone, Debug, Serialize)]
pub struct Changes {
    pub previous: Previous,
    pub added: Vec<FileSize>,
    pub removed: Vec<FileSize>,
    pub renamed: Vec<Renamed>,
    pub changed: Vec<FileDelta>,
    pub unchanged: usize,
    pub sourcemaps: Vec<SourceMapChange>,
    pub scripts: Vec<FieldChange>,
    pub entry_points: Vec<FieldChange>,
    pub dependencies: Vec<DependencyChange>,
}

impl Changes {
    /// Whether nothing the comparison looks at changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.renamed.is_empty()
            && self.changed.is_empty()
            && self.sourcemaps.is_empty()
            && self.scripts.is_empty()
            && self.entry_points.is_empty()
            && self.dependencies.is_empty()
    }
}

/// One line of the "what changed" listing that human and Markdown reports show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeLine {
    /// `added`, `removed`, `renamed`, `changed`, `map`, `script`, `entry`, `dependency`.
    pub kind: &'static str,
    /// The file, field or dependency.
    pub what: String,
    /// Sizes, or old and new values.
    pub detail: String,
}

impl Changes {
    /// `name@1.0.0 (old.tgz): 2 added, 0 removed, 1 changed, 40 unchanged; unpacked 1.0 MiB
    /// -> 1.1 MiB (+100.0 KiB)`, given this release's unpacked size.
    pub fn headline(&self, unpacked_now: u64) -> String {
        let p = &self.previous;
        let was = match (&p.name, &p.version) {
            (Some(n), Some(v)) => format!("{n}@{v} ({})", p.path),
            _ => p.path.clone(),
        };
        let renamed = match self.renamed.len() {
            0 => String::new(),
            n => format!(", {n} renamed"),
        };
        format!(
            "{was}: {} added, {} removed{renamed}, {} changed, {} unchanged; unpacked {} -> {} ({})",
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.unchanged,
            human_bytes(p.unpacked_bytes),
            human_bytes(unpacked_now),
            signed_bytes(unpacked_now as i64 - p.unpacked_bytes as i64),
        )
    }

    /// Every change as a line, at most `per_kind` of each kind (then one `and N more`).
    pub fn lines(&self, per_kind: usize) -> Vec<ChangeLine> {
        let mut rows = Vec::new();
        let mut group = |kind: &'static str, lines: Vec<(String, String)>| {
            let n = lines.len();
            for (what, detail) in lines.into_iter().take(per_kind) {
                rows.push(ChangeLine { kind, what, detail });
            }
            if n > per_kind {
                rows.push(ChangeLine {
                    kind,
                    what: format!("and {} more", n - per_kind),
                    detail: String::new(),
                });
            }
        };
        let sized = |f: &FileSize| (f.path.clone(), human_bytes(f.size));
        group("added", self.added.iter().map(sized).collect());
        group("removed", self.removed.iter().map(sized).collect());
        group(
            "renamed",
            self.renamed
                .iter()
                .map(|r| {
                    let detail = if r.same_content {
                        format!("from {}, same content, {}", r.from, human_bytes(r.new_size))
                    } else {
                        format!(
                            "from {}, {} -> {} ({})",
                            r.from,
                            human_bytes(r.old_size),
                            human_bytes(r.new_size),
                            signed_bytes(r.delta)
                        )
                    };
                    (r.path.clone(), detail)
                })
                .collect(),
        );
        group(
            "changed",
            self.changed
                .iter()
                .map(|f| {
                    let sizes = format!(
                        "{} -> {} ({})",
                        human_bytes(f.old_size),
                        human_bytes(f.new_size),
                        signed_bytes(f.delta)
                    );
                    (f.path.clone(), sizes)
                })
                .collect(),
        );
        group(
            "map",
            self.sourcemaps
                .iter()
                .map(|m| {
                    let now = format!("{} sources, {} with text", m.sources, m.sources_content);
                    let detail = match m.change {
                        Status::Added => format!("new: {now}"),
                        _ => format!(
                            "grown: {now} (was {} sources, {} with text)",
                            m.old_sources.unwrap_or(0),
                            m.old_sources_content.unwrap_or(0)
                        ),
                    };
                    (m.map.clone(), detail)
                })
                .collect(),
        );
        let field = |f: &FieldChange| (f.field.clone(), value_change(f.change, &f.old, &f.new));
        group("script", self.scripts.iter().map(field).collect());
        group("entry", self.entry_points.iter().map(field).collect());
        group(
            "dependency",
            self.dependencies
                .iter()
                .map(|d| {
                    (
                        format!("{} ({})", d.name, d.section),
                        value_change(d.change, &d.old, &d.new),
                    )
                })
                .collect(),
        );
        rows
    }
}

fn value_change(change: Status, old: &Option<String>, new: &Option<String>) -> String {
    let show = |v: &Option<String>| format!("`{}`", v.as_deref().unwrap_or(""));
    match change {
        Status::Added => format!("added {}", show(new)),
        Status::Removed => format!("removed (was {})", show(old)),
        _ => format!("{} (was {})", show(new), show(old)),
    }
}

/// `+1.0 KiB`, `-300 B`, `±0 B`.
fn signed_bytes(delta: i64) -> String {
    match delta {
        0 => "±0 B".to_string(),
        d if d > 0 => format!("+{}", human_bytes(d as u64)),
        d => format!("-{}", human_bytes(d.unsigned_abs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Changes {
        Changes {
            previous: Previous {
                path: "old.tgz".into(),
                name: None,
                version: None,
                files: 0,
                unpacked_bytes: 0,
            },
            added: vec![],
            removed: vec![],
            renamed: vec![],
            changed: vec![],
            unchanged: 3,
            sourcemaps: vec![],
            scripts: vec![],
            entry_points: vec![],
            dependencies: vec![],
        }
    }

    fn file() -> FileSize {
        FileSize {
            path: "package/a.js".into(),
            size: 1,
        }
    }

    fn field() -> FieldChange {
        FieldChange {
            field: "scripts.postinstall".into(),
            change: Status::Added,
            old: None,
            new: Some("node x.js".into()),
        }
    }

    fn map(change: Status, old: Option<usize>) -> SourceMapChange {
        SourceMapChange {
            map: "package/a.js.map".into(),
            change,
            inline: false,
            sources: 3,
            sources_content: 2,
            bytes: 10,
            first_party_files: 1,
            first_party_lines: 5,
            old_sources: old,
            old_sources_content: old,
            old_bytes: None,
            old_first_party_files: None,
        }
    }

    fn rows(c: &Changes, per_kind: usize) -> Vec<String> {
        c.lines(per_kind)
            .into_iter()
            .map(|l| format!("{} {}: {}", l.kind, l.what, l.detail))
            .collect()
    }

    #[test]
    fn lines_show_each_kind_up_to_the_limit_then_a_count() {
        let mut c = none();
        for name in ["a", "b", "c"] {
            c.added.push(FileSize {
                path: format!("package/{name}.js"),
                size: 1,
            });
        }
        assert_eq!(
            rows(&c, 3),
            [
                "added package/a.js: 1 B",
                "added package/b.js: 1 B",
                "added package/c.js: 1 B"
            ],
            "exactly the limit: no count line"
        );
        assert_eq!(
            rows(&c, 2),
            [
                "added package/a.js: 1 B",
                "added package/b.js: 1 B",
                "added and 1 more: "
            ]
        );
        assert_eq!(rows(&c, 0), ["added and 3 more: "]);
    }

    #[test]
    fn a_new_map_and_a_grown_one_read_differently() {
        let mut c = none();
        c.sourcemaps.push(map(Status::Added, None));
        c.sourcemaps.push(map(Status::Grown, Some(1)));
        assert_eq!(
            rows(&c, 5),
            [
                "map package/a.js.map: new: 3 sources, 2 with text",
                "map package/a.js.map: grown: 3 sources, 2 with text (was 1 sources, 1 with text)",
            ]
        );
    }

    #[test]
    fn a_value_reads_as_added_removed_or_changed() {
        let (old, new) = (Some("1".to_string()), Some("2".to_string()));
        assert_eq!(value_change(Status::Added, &None, &new), "added `2`");
        assert_eq!(
            value_change(Status::Removed, &old, &None),
            "removed (was `1`)"
        );
        assert_eq!(value_change(Status::Changed, &old, &new), "`2` (was `1`)");
        assert_eq!(signed_bytes(0), "±0 B");
        assert_eq!(signed_bytes(1), "+1 B");
        assert_eq!(signed_bytes(-1), "-1 B");
    }

    #[test]
    fn any_one_change_is_a_change() {
        assert!(none().is_empty(), "unchanged files are not a change");
        let each: [fn(&mut Changes); 6] = [
            |c| c.added.push(file()),
            |c| c.removed.push(file()),
            |c| {
                c.changed.push(FileDelta {
                    path: "package/a.js".into(),
                    old_size: 1,
                    new_size: 2,
                    delta: 1,
                })
            },
            |c| c.scripts.push(field()),
            |c| c.entry_points.push(field()),
            |c| {
                c.dependencies.push(DependencyChange {
                    section: "dependencies".into(),
                    name: "x".into(),
                    change: Status::Added,
                    old: None,
                    new: Some("1".into()),
                })
            },
        ];
        for (i, add) in each.iter().enumerate() {
            let mut c = none();
            add(&mut c);
            assert!(!c.is_empty(), "change {i}");
        }
    }
}
