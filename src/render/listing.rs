//! `packguard ls` output: a table of what would be published, flags on files that rules
//! flag, and a total. JSON is the `Listing` as serde writes it.

use crate::report::listing::Listing;
use crate::text::human_bytes;

pub fn human(listings: &[Listing]) -> String {
    let mut out = String::new();
    for l in listings {
        let a = &l.artifact;
        let what = match (&a.name, &a.version) {
            (Some(n), Some(v)) => format!("{n}@{v} ({})", a.path),
            _ => a.path.clone(),
        };
        let by = a
            .packer
            .as_ref()
            .map(|p| format!(", files chosen by {p}"))
            .unwrap_or_default();
        out.push_str(&format!("{what}{by}\n"));
        if let Some(why) = &a.packer_fallback {
            out.push_str(&format!("  (builtin used as a fallback: {why})\n"));
        }
        let width = l
            .files
            .iter()
            .map(|f| human_bytes(f.size).len())
            .max()
            .unwrap_or(0);
        for f in &l.files {
            let flag = match f.severity {
                Some(s) => format!("  <- {}: {}", s.as_str(), f.rules.join(", ")),
                None => String::new(),
            };
            let shown = crate::text::sanitize(&f.path);
            out.push_str(&format!(
                "  {:>width$}  {}{}\n",
                human_bytes(f.size),
                shown,
                flag
            ));
        }
        let flagged = l.files.iter().filter(|f| f.severity.is_some()).count();
        out.push_str(&format!(
            "{} files, {} total; {} flagged",
            l.files.len(),
            human_bytes(l.total_bytes),
            flagged
        ));
        if l.other_findings > 0 {
            out.push_str(&format!(
                "; {} more findings not on a listed file (run `packguard scan`)",
                l.other_findings
            ));
        }
        out.push('\n');
    }
    out
}

pub fn json(listings: &[Listing]) -> String {
    let text = match listings {
        [one] => serde_json::to_string_pretty(one),
        many => serde_json::to_string_pretty(many),
    };
    let mut text = text.expect("a listing serialises: strings, numbers and maps");
    text.push('\n');
    text
}
