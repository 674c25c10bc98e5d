//! `--format human`: compiler-style diagnostics, one per finding, then a summary line.
//!
//! Rendering goes through miette so findings look like the config errors packguard prints.
//! A finding's excerpt is a window of the real file; `ExcerptSource` tells miette the real
//! line and column so the header and gutter show them, not the window's.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::finding::{Excerpt, FailOn, Finding, Severity};
use crate::report::Report;
use crate::text::{human_bytes, thousands};

/// How to draw: colour only on a terminal (and never with `NO_COLOR`), the width to wrap
/// at (none: never wrap), and `--quiet`.
#[derive(Clone, Copy, Debug)]
struct Style {
    color: bool,
    width: Option<usize>,
    quiet: bool,
}

pub fn render(reports: &[Report], context: &super::Context<'_>) -> String {
    let style = Style {
        color: context.color,
        width: context.width,
        quiet: context.quiet,
    };
    diagnostics(reports, context.fail_on, style)
}

/// miette's drawing, set to wrap between words only. By default textwrap also breaks after
/// `-` and `/` and splits long words, which cut `[manifest/repository-missing]` and
/// `package/dist/cli.js` across lines where grep cannot find them; a word longer than the
/// line now runs past the edge instead.
fn handler(style: Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    match style.width {
        Some(width) => handler.with_width(width),
        None => handler.with_wrap_lines(false),
    }
}

fn diagnostics(reports: &[Report], fail_on: FailOn, style: Style) -> String {
    let handler = handler(style);
    let mut out = String::new();
    for report in reports {
        // `--quiet`: the findings that are errors or fail this run, and the summary line.
        if style.quiet {
            for f in report
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error || report.fails_by(f, fail_on))
            {
                out.push_str(&draw(&handler, f));
            }
            out.push_str(&summary_line(report, fail_on));
            out.push('\n');
            continue;
        }
        if let Some(changes) = &report.diff {
            out.push_str(&changes_section(changes, &report.artifact));
        }
        // After a comparison, what the previous release already shipped and does not fail
        // this run is counted, not drawn: the reader is after what is new.
        let (shown, quiet): (Vec<&Finding>, Vec<&Finding>) =
            report.findings.iter().partition(|f| {
                report.diff.is_none() || f.pre_existing != Some(true) || report.fails_by(f, fail_on)
            });
        // Notes that do not fail the run are drawn a few per rule and the rest counted: a
        // package with 500 maps has 500 notes of one kind, and the first few say what they are.
        let mut drawn: std::collections::HashMap<&str, usize> = Default::default();
        let (shown, more): (Vec<&Finding>, Vec<&Finding>) = shown.into_iter().partition(|f| {
            if f.severity != Severity::Info || report.fails_by(f, fail_on) {
                return true;
            }
            let n = drawn.entry(f.rule.as_str()).or_default();
            *n += 1;
            *n <= INFOS_PER_RULE
        });
        for f in shown {
            out.push_str(&draw(&handler, f));
        }
        out.push_str(&counted_lines(
            &more,
            "more info",
            "not shown (they do not fail this run; --format json lists them)",
        ));
        out.push_str(&counted_lines(
            &quiet,
            "pre-existing",
            "not shown (they do not fail this run; --format json lists them)",
        ));
        out.push_str(&sourcemap_lines(report));
        out.push_str(&summary_line(report, fail_on));
        out.push('\n');
    }
    out
}

/// One finding as a diagnostic, followed by a blank line.
fn draw(handler: &GraphicalReportHandler, f: &Finding) -> String {
    let mut text = String::new();
    if handler
        .render_report(&mut text, &FindingDiagnostic::new(f))
        .is_err()
    {
        return String::new();
    }
    text.push('\n');
    text
}

fn summary_line(report: &Report, fail_on: FailOn) -> String {
    let s = &report.summary;
    let a = &report.artifact;
    let what = match (&a.name, &a.version) {
        (Some(n), Some(v)) => format!("{n}@{v} ({})", a.path),
        _ => a.path.clone(),
    };
    let verdict = if report.fails(fail_on) { "FAIL" } else { "ok" };
    let chosen = match (&a.packer, &a.packer_fallback) {
        (Some(p), None) => format!(" (files chosen by {p})"),
        (Some(p), Some(why)) => format!(" (files chosen by {p}, as a fallback: {why})"),
        _ => String::new(),
    };
    let pre = match (&report.diff, report.fail_new_only) {
        (None, _) => String::new(),
        (Some(_), false) => format!(" ({} pre-existing)", s.pre_existing),
        (Some(_), true) => format!(" ({} pre-existing, not counted)", s.pre_existing),
    };
    format!(
        "{verdict}: {}{pre} in {what}: {} files{chosen}, {} scanned in {} ms{}",
        counts(s.errors, s.warnings, s.infos),
        a.files,
        human_bytes(a.unpacked_bytes),
        s.duration_ms,
        report
            .config
            .as_ref()
            .map_or(String::new(), |c| format!(", config {c}"))
    )
}

/// Info findings drawn per rule in one report; the rest are counted.
const INFOS_PER_RULE: usize = 3;

/// Findings that are counted rather than drawn ("N pre-existing findings not shown ..."),
/// per rule, most first.
fn counted_lines(quiet: &[&Finding], what: &str, why: &str) -> String {
    if quiet.is_empty() {
        return String::new();
    }
    let mut per_rule: std::collections::BTreeMap<(&str, Severity), usize> = Default::default();
    for f in quiet {
        *per_rule.entry((f.rule.as_str(), f.severity)).or_default() += 1;
    }
    let mut rows: Vec<_> = per_rule.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = format!(
        "{} {what} {} {why}:\n",
        thousands(quiet.len() as u64),
        if quiet.len() == 1 {
            "finding"
        } else {
            "findings"
        }
    );
    for ((rule, severity), n) in rows {
        out.push_str(&format!(
            "  {:>7}  {rule} ({})\n",
            thousands(n as u64),
            severity.as_str()
        ));
    }
    out.push('\n');
    out
}

/// Maps shown one by one in the summary; the rest are totalled on one line.
const MAPS_SHOWN: usize = 5;

/// What the package's source maps expose, largest first: the lines a reviewer reads before
/// publishing ("package/dist/cli.js.map exposes 1,900 original files, 512,000 lines").
fn sourcemap_lines(report: &Report) -> String {
    let maps = &report.sourcemaps;
    if maps.is_empty() {
        return String::new();
    }
    let exposing: Vec<_> = maps.iter().filter(|m| m.sources_content > 0).collect();
    let mut out = format!(
        "source maps: {} found, {} ship original source text\n",
        thousands(maps.len() as u64),
        thousands(exposing.len() as u64)
    );
    if let Some(e) = &report.source {
        out.push_str(&format!(
            "  the package's source is {}: {}\n",
            e.verdict.kind.as_str(),
            e.verdict.reason
        ));
    }
    for m in exposing.iter().take(MAPS_SHOWN) {
        out.push_str(&format!(
            "  {}{} exposes {} original {}, {} {} ({} first-party)\n",
            m.map,
            if m.inline { " (inline map)" } else { "" },
            thousands(m.sources_content as u64),
            if m.sources_content == 1 {
                "file"
            } else {
                "files"
            },
            thousands(m.lines),
            if m.lines == 1 { "line" } else { "lines" },
            thousands(m.first_party.files as u64),
        ));
    }
    if exposing.len() > MAPS_SHOWN {
        let rest = &exposing[MAPS_SHOWN..];
        let files: u64 = rest.iter().map(|m| m.sources_content as u64).sum();
        let lines: u64 = rest.iter().map(|m| m.lines).sum();
        out.push_str(&format!(
            "  and {} more maps expose {} original files, {} lines\n",
            thousands(rest.len() as u64),
            thousands(files),
            thousands(lines)
        ));
    }
    out
}

fn counts(e: usize, w: usize, i: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {}",
        plural(e, "error", "errors"),
        plural(w, "warning", "warnings"),
        plural(i, "info", "infos")
    )
}

/// Lines of one kind of change shown; the rest are counted on one line.
const CHANGES_SHOWN: usize = 50;

/// "What changed since the previous release": files added, removed and changed with their
/// sizes, then source maps, install scripts, entry points and dependencies.
fn changes_section(
    c: &crate::report::changes::Changes,
    now: &crate::report::ArtifactInfo,
) -> String {
    let mut out = format!("changes since {}\n", c.headline(now.unpacked_bytes));
    let rows = c.lines(CHANGES_SHOWN);
    let w = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(0);
    for r in rows {
        let line = format!("  {:10} {:w$}  {}", r.kind, r.what, r.detail);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
    out
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: Option<ExcerptSource<'a>>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(finding: &'a Finding) -> Self {
        // A finding inside a map's `sourcesContent` (it has no line in `file`): the excerpt is
        // the original source.
        let name = match &finding.original {
            Some(o) if finding.line.is_none() => format!("{} → {}", finding.file, o.source),
            _ => finding.file.clone(),
        };
        let source = finding
            .excerpt
            .as_ref()
            .map(|e| ExcerptSource { name, excerpt: e });
        FindingDiagnostic { finding, source }
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic")
            .field("rule", &self.finding.rule)
            .finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let f0 = self.finding;
        // After a comparison with the previous release, every finding says which it is.
        let rule = match f0.pre_existing {
            None => f0.rule.clone(),
            Some(true) => format!("{}, pre-existing", f0.rule),
            Some(false) => format!("{}, new", f0.rule),
        };
        if self.source.is_some() {
            write!(f, "{} [{rule}]", f0.message)
        } else if let (Some(line), Some(col)) = (f0.line, f0.column) {
            write!(f, "{}:{line}:{col}: {} [{rule}]", f0.file, f0.message)
        } else {
            write!(f, "{}: {} [{rule}]", f0.file, f0.message)
        }
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let e = self.finding.excerpt.as_ref()?;
        let (a, b) = e.highlight;
        let label = match self.finding.category.as_str() {
            "secret" => "this value (redacted)",
            _ => "here",
        };
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(label.to_string()),
                SourceSpan::from((a, b.saturating_sub(a).max(1))),
            ),
        )))
    }
}

/// The excerpt as miette sees it: its text, with line numbers and the highlight's column
/// shifted to where they are in the real file.
struct ExcerptSource<'a> {
    name: String,
    excerpt: &'a Excerpt,
}

impl SourceCode for ExcerptSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.excerpt.text.as_str().read_span(span, before, after)?;
        let column = if span.offset() == self.excerpt.highlight.0 && before == 0 {
            self.excerpt.column - 1
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.excerpt.first_line - 1,
            column,
            inner.line_count(),
        )))
    }
}
