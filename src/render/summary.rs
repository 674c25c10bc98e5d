//! The GitHub job summary: Markdown appended to `$GITHUB_STEP_SUMMARY`, so whoever pushed the
//! tag sees on the run's page why the release was stopped: the verdict, counts by severity and
//! by rule, a table of the findings, and which source maps expose original sources.
//!
//! Everything that comes from the package (paths, messages, snippets) is untrusted text in a
//! Markdown document GitHub renders as HTML: it is written as HTML character references for
//! every character Markdown or HTML would act on, so a file named `<img src=x>` or a snippet
//! holding `|` or `](javascript:` renders as the text it is. Snippets are already redacted.
//! GitHub caps a step's summary at 1 MiB, so the tables stop at `MAX_ROWS` findings and
//! `MAX_MAP_ROWS` maps over all inputs, say how many they left out, and the whole text is cut
//! at `BUDGET` as a last resort.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::finding::FailOn;
use crate::finding::{Finding, Severity};
use crate::report::Report;

/// Finding rows in one summary, over all inputs: far below GitHub's 1 MiB cap even with long
/// snippets (a row is under 1 KiB), and more than anyone reads on a run page.
pub const MAX_ROWS: usize = 200;
/// Rows of the source-map exposure tables, over all inputs: a package can ship thousands of
/// maps, and the findings table already lists the worst.
pub const MAX_MAP_ROWS: usize = 50;
/// GitHub refuses a step summary over 1 MiB; stay clear of it whatever the inputs.
pub const BUDGET: usize = 1000 * 1000;

pub fn render(reports: &[Report], context: &super::Context<'_>) -> String {
    markdown(reports, context.fail_on)
}

fn markdown(reports: &[Report], fail_on: FailOn) -> String {
    let failed = reports.iter().any(|r| r.fails(fail_on));
    // A blank line first: the file may end in another step's paragraph.
    let mut out = String::from("\n");
    let verdict = match (failed, fail_on) {
        (true, _) => format!(
            "## ❌ packguard: release blocked\n\nFindings at or above `{}` were found.",
            fail_on.as_str()
        ),
        (false, FailOn::Never) => {
            "## ✅ packguard: passed\n\nNo finding fails the run (`--fail-on never`).".to_string()
        }
        (false, _) => format!(
            "## ✅ packguard: passed\n\nNo finding at or above `{}`.",
            fail_on.as_str()
        ),
    };
    let _ = writeln!(out, "{verdict} Secrets are shown redacted.\n");
    let mut left = Left {
        rows: MAX_ROWS,
        map_rows: MAX_MAP_ROWS,
    };
    for report in reports {
        artifact_section(&mut out, report, fail_on, &mut left);
    }
    if out.len() > BUDGET {
        // Many inputs, each with its own tables: cut at a line and say so.
        // By bytes: BUDGET need not fall on a character boundary, a newline always does.
        let cut = out.as_bytes()[..BUDGET]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap_or(0);
        out.truncate(cut);
        out.push_str(
            "\n\n**The summary was cut at GitHub's size limit; the job log has every finding.**\n",
        );
    }
    out
}

/// Rows the rest of the summary may still use.
struct Left {
    rows: usize,
    map_rows: usize,
}

fn artifact_section(out: &mut String, report: &Report, fail_on: FailOn, left: &mut Left) {
    let a = &report.artifact;
    let what = match (&a.name, &a.version) {
        (Some(n), Some(v)) => format!("{}@{}", text(n), text(v)),
        (Some(n), None) => text(n),
        _ => text(&a.path),
    };
    let verdict = if report.fails(fail_on) { "FAIL" } else { "ok" };
    let s = &report.summary;
    let _ = writeln!(
        out,
        "### {what} ({}): {verdict}\n\n| Errors | Warnings | Infos | Files |\n|---:|---:|---:|---:|\n| {} | {} | {} | {} |\n",
        text(&a.path),
        s.errors,
        s.warnings,
        s.infos,
        a.files
    );
    if let Some(changes) = &report.diff {
        changes_section(out, changes, a.unpacked_bytes, left);
    }
    if report.findings.is_empty() {
        return;
    }

    // By rule, most severe first, then by id.
    let mut by_rule: BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> = BTreeMap::new();
    for f in &report.findings {
        *by_rule
            .entry((std::cmp::Reverse(f.severity), f.rule.as_str()))
            .or_default() += 1;
    }
    out.push_str("| Rule | Severity | Findings |\n|---|---|---:|\n");
    for ((sev, rule), n) in &by_rule {
        let _ = writeln!(out, "| {} | {} | {n} |", code(rule), sev.0);
    }
    out.push('\n');

    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let shown = findings.len().min(left.rows);
    left.rows -= shown;
    // After a comparison, a column says which findings the previous release had too.
    let compared = report.diff.is_some();
    if shown > 0 {
        out.push_str("| Severity | Rule | Location | Message | Match |");
        out.push_str(if compared { " Release |\n" } else { "\n" });
        out.push_str("|---|---|---|---|---|");
        out.push_str(if compared { "---|\n" } else { "\n" });
    }
    for f in &findings[..shown] {
        let _ = write!(
            out,
            "| {} | {} | {} | {} | {} |",
            f.severity,
            code(&f.rule),
            code(&place(f)),
            text(&f.message),
            f.snippet.as_deref().map(code).unwrap_or_default()
        );
        let release = match f.pre_existing {
            Some(true) => " pre-existing |",
            Some(false) => " **new** |",
            None => "",
        };
        let _ = writeln!(out, "{release}");
    }
    if shown < findings.len() {
        let _ = writeln!(
            out,
            "\n{} findings are not listed here (the summary lists {MAX_ROWS} in all); the job \
             log has them all.",
            findings.len() - shown
        );
    }
    out.push('\n');
    let rows = exposures(report);
    let shown = rows.len().min(left.map_rows);
    left.map_rows -= shown;
    exposure_table(out, &rows[..shown], rows.len() - shown);
}

/// "Changes since OLD": the headline, then one row per change, sharing the finding rows'
/// budget so many inputs stay under GitHub's cap.
fn changes_section(
    out: &mut String,
    c: &crate::report::changes::Changes,
    unpacked: u64,
    left: &mut Left,
) {
    let _ = writeln!(out, "#### Changes since {}\n", text(&c.headline(unpacked)));
    if c.is_empty() {
        out.push_str("Nothing changed.\n\n");
        return;
    }
    let lines = c.lines(MAX_CHANGE_ROWS);
    let shown = lines.len().min(left.rows);
    left.rows -= shown;
    out.push_str("| Change | File, field or dependency | Detail |\n|---|---|---|\n");
    for l in &lines[..shown] {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            l.kind,
            code(&l.what),
            text(&l.detail)
        );
    }
    if shown < lines.len() {
        let _ = writeln!(
            out,
            "\n{} more changes are not listed here; the job log has them all.",
            lines.len() - shown
        );
    }
    out.push('\n');
}

/// Rows of one kind of change (added files, dependencies, ...) in the summary.
pub const MAX_CHANGE_ROWS: usize = 50;

/// One source map and what it exposes: a row of the exposure table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapExposure {
    /// The map's path inside the package (or the file holding an inline map).
    pub map: String,
    /// Entries in the map's `sources`.
    pub sources: usize,
    /// Original files whose full text ships in `sourcesContent`, and their lines.
    pub originals: usize,
    pub lines: u64,
    /// Findings about this map or located through it.
    pub findings: usize,
    /// The most severe of those findings.
    pub worst: Option<Severity>,
}

/// The rows of the exposure table: one per source map the scan found (`Report::sourcemaps`),
/// largest exposure first, with the findings about each map or located through it.
pub fn exposures(report: &Report) -> Vec<MapExposure> {
    let mut rows: Vec<MapExposure> = report
        .sourcemaps
        .iter()
        .map(|m| {
            let related: Vec<&crate::finding::Finding> = report
                .findings
                .iter()
                .filter(|f| f.file == m.map || f.original.as_ref().is_some_and(|o| o.map == m.map))
                .collect();
            MapExposure {
                map: m.map.clone(),
                sources: m.sources,
                originals: m.sources_content,
                lines: m.lines,
                findings: related.len(),
                worst: related.iter().map(|f| f.severity).max(),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.map.cmp(&b.map)));
    rows
}

/// The exposure table; `more` maps were left out for space.
pub fn exposure_table(out: &mut String, rows: &[MapExposure], more: usize) {
    if rows.is_empty() && more == 0 {
        return;
    }
    out.push_str("#### Source-map exposure\n\n");
    if !rows.is_empty() {
        out.push_str(
            "| Map | Sources | Originals shipped | Original lines | Findings | Worst |\n|---|---:|---:|---:|---:|---|\n",
        );
    }
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            code(&r.map),
            r.sources,
            r.originals,
            r.lines,
            r.findings,
            r.worst.map(Severity::as_str).unwrap_or("")
        );
    }
    if more > 0 {
        let _ = writeln!(out, "\n{more} more source maps are not listed here.");
    }
    out.push('\n');
}

fn place(f: &Finding) -> String {
    match (f.line, f.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", f.file),
        (Some(l), None) => format!("{}:{l}", f.file),
        _ => f.file.clone(),
    }
}

/// Untrusted text as inert Markdown: every character Markdown, GFM tables or HTML act on is
/// a character reference, and line breaks (which end a table row) become spaces.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '&' | '<' | '>' | '"' | '\'' | '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')'
            | '#' | '~' | '!' | '{' | '}' | '$' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Untrusted text in a code span; `<code>` rather than backticks, which a snippet can close.
fn code(s: &str) -> String {
    format!("<code>{}</code>", text(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_html_in_content_are_inert() {
        let t = text("a|b <img src=x> [x](javascript:alert(1)) `c`\n**d**");
        for bad in ["|", "<", ">", "[", "](", "`", "**", "\n"] {
            assert!(!t.contains(bad), "{bad:?} survived in {t}");
        }
        assert!(t.starts_with("a&#124;b &#60;img"));
    }

    proptest::proptest! {
        #[test]
        fn no_package_text_can_end_a_cell_or_open_a_tag(s in "\\PC{0,60}|[|<>`\n\r\\\\*_]{0,20}") {
            let t = text(&s);
            proptest::prop_assert!(!t.contains(['|', '<', '>', '`', '\n', '\r']));
        }
    }
}
