//! Whose source a package ships: open source, or a product's own code.
//!
//! The source-map verdict hangs on this. A map that carries its originals in `sourcesContent`
//! is routine for an open-source package (the same text is on GitHub) and a leak for a
//! proprietary one (`@anthropic-ai/claude-code@2.1.88` shipped 1,902 of its own TypeScript files
//! that way). The guess comes from the manifest's `license`, read as an SPDX expression with the
//! `spdx` crate: open only when every licence the expression names is OSI-approved or FSF-libre,
//! whichever way its `OR`s are taken. `UNLICENSED`, `SEE LICENSE IN ...`, a `LicenseRef-`, an
//! expression that does not parse, or no `license` at all is proprietary: a gate errs on the
//! side of the leak. A config's `source: open|proprietary` overrides the guess, and the verdict
//! always carries the reason it was reached, so a report can say why.
//!
//! This module reads a manifest value and returns data; it never prints.

use serde::Serialize;

/// Whether a package's source is meant to be public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Open,
    Proprietary,
}

impl SourceKind {
    pub fn parse(s: &str) -> Option<SourceKind> {
        match s {
            "open" => Some(SourceKind::Open),
            "proprietary" => Some(SourceKind::Proprietary),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Open => "open",
            SourceKind::Proprietary => "proprietary",
        }
    }
}

/// Where a verdict came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictFrom {
    /// The manifest's `license` (or its absence).
    License,
    /// The config's `source:` key.
    Config,
}

/// The package's source kind and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceVerdict {
    pub kind: SourceKind,
    pub from: VerdictFrom,
    /// One sentence: "license `MIT` is OSI-approved", "`license` is `UNLICENSED`",
    /// "`source: proprietary` in packguard.yml".
    pub reason: String,
}

/// The verdict from a config's `source:` key; `config` names the file.
pub fn from_config(kind: SourceKind, config: &str) -> SourceVerdict {
    SourceVerdict {
        kind,
        from: VerdictFrom::Config,
        reason: format!("`source: {}` in {config}", kind.as_str()),
    }
}

/// The verdict from a parsed `package.json` (`None` when the package has none, or it is not
/// JSON).
pub fn from_manifest(manifest: Option<&serde_json::Value>) -> SourceVerdict {
    let proprietary = |reason: String| SourceVerdict {
        kind: SourceKind::Proprietary,
        from: VerdictFrom::License,
        reason,
    };
    let Some(m) = manifest else {
        return proprietary("the package has no readable `package.json`, so no `license`".into());
    };
    match m.get("license") {
        Some(serde_json::Value::String(s)) => from_expression(s),
        // The legacy object form `{"type": "MIT", "url": ...}`, which npm still accepts.
        Some(serde_json::Value::Object(o)) => match o.get("type").and_then(|t| t.as_str()) {
            Some(t) => from_expression(t),
            None => proprietary("`license` is an object without a `type`".into()),
        },
        Some(_) => proprietary("`license` is not a string".into()),
        None => match m.get("licenses").and_then(|l| l.as_array()) {
            // The legacy `licenses: [{type}, ...]`: every one must be open.
            Some(list) if !list.is_empty() => {
                let types: Vec<&str> = list
                    .iter()
                    .map(|l| l.get("type").and_then(|t| t.as_str()).unwrap_or(""))
                    .collect();
                match types
                    .iter()
                    .map(|t| from_expression(t))
                    .find(|v| v.kind == SourceKind::Proprietary)
                {
                    Some(v) => v,
                    None => SourceVerdict {
                        kind: SourceKind::Open,
                        from: VerdictFrom::License,
                        reason: format!(
                            "legacy `licenses` {} are all open-source licences",
                            quoted_list(&types)
                        ),
                    },
                }
            }
            _ => proprietary("the package declares no `license`".into()),
        },
    }
}

/// The verdict for one `license` string.
pub fn from_expression(text: &str) -> SourceVerdict {
    let shown = crate::text::shorten(&crate::text::sanitize(text.trim()), 80);
    let proprietary = |reason: String| SourceVerdict {
        kind: SourceKind::Proprietary,
        from: VerdictFrom::License,
        reason,
    };
    let t = text.trim();
    if t.is_empty() {
        return proprietary("`license` is empty".into());
    }
    if t.eq_ignore_ascii_case("UNLICENSED") {
        return proprietary("`license` is `UNLICENSED`".into());
    }
    if t.to_ascii_uppercase().starts_with("SEE LICENSE IN") {
        return proprietary(format!(
            "`license` is `{shown}`, not an open-source licence"
        ));
    }
    let expr = match spdx::Expression::parse_mode(t, spdx::ParseMode::LAX) {
        Ok(e) => e,
        Err(_) => {
            return proprietary(format!(
                "`license` `{shown}` is not an SPDX expression packguard can read as open source"
            ))
        }
    };
    for req in expr.requirements() {
        let open = match &req.req.license {
            spdx::LicenseItem::Spdx { id, .. } => id.is_osi_approved() || id.is_fsf_free_libre(),
            spdx::LicenseItem::Other(_) => false,
        };
        if !open {
            let name = crate::text::sanitize(&t[req.span.start as usize..req.span.end as usize]);
            return proprietary(format!(
                "`license` `{shown}` names `{name}`, which is neither OSI-approved nor FSF-libre"
            ));
        }
    }
    SourceVerdict {
        kind: SourceKind::Open,
        from: VerdictFrom::License,
        reason: format!("`license` `{shown}` is an open-source licence"),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|t| format!("`{}`", crate::text::sanitize(t)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(license: &str) -> SourceKind {
        from_expression(license).kind
    }

    #[test]
    fn open_only_when_every_choice_is_open() {
        for open in [
            "MIT",
            "Apache-2.0",
            "(MIT OR Apache-2.0)",
            "BSD-3-Clause AND MIT",
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "GPL-3.0+",
            "0BSD",
            "ISC",
            "MPL-2.0",
            "Unlicense",
        ] {
            assert_eq!(kind(open), SourceKind::Open, "{open}");
        }
        for closed in [
            "UNLICENSED",
            "unlicensed",
            "SEE LICENSE IN README.md",
            "SEE LICENSE IN LICENSE.txt",
            "LicenseRef-Proprietary",
            "MIT OR LicenseRef-Commercial",
            "MIT AND LicenseRef-Commercial",
            "CC-BY-NC-4.0",
            "BUSL-1.1",
            "Elastic-2.0",
            "SSPL-1.0",
            "Proprietary",
            "all rights reserved",
            "",
        ] {
            assert_eq!(kind(closed), SourceKind::Proprietary, "{closed}");
        }
    }

    #[test]
    fn manifest_forms() {
        let v = |j: &str| from_manifest(Some(&serde_json::from_str(j).unwrap()));
        assert_eq!(v(r#"{"license":"MIT"}"#).kind, SourceKind::Open);
        assert_eq!(v(r#"{"license":{"type":"MIT"}}"#).kind, SourceKind::Open);
        assert_eq!(
            v(r#"{"licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#).kind,
            SourceKind::Open
        );
        assert_eq!(
            v(r#"{"licenses":[{"type":"MIT"},{"type":"Commercial"}]}"#).kind,
            SourceKind::Proprietary
        );
        let none = v(r#"{"name":"x"}"#);
        assert_eq!(none.kind, SourceKind::Proprietary);
        assert!(none.reason.contains("no `license`"), "{}", none.reason);
        assert_eq!(from_manifest(None).kind, SourceKind::Proprietary);
        let see = v(r#"{"license":"SEE LICENSE IN README.md"}"#);
        assert!(
            see.reason.contains("SEE LICENSE IN README.md"),
            "{}",
            see.reason
        );
        assert_eq!(see.from, VerdictFrom::License);
    }

    #[test]
    fn config_overrides_and_says_so() {
        let v = from_config(SourceKind::Open, "packguard.yml");
        assert_eq!(v.kind, SourceKind::Open);
        assert_eq!(v.from, VerdictFrom::Config);
        assert_eq!(v.reason, "`source: open` in packguard.yml");
    }
}
