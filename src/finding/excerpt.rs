//! Where a finding is, shown to a reader: line and column from byte offsets, and the excerpt
//! (the match line with one line of context each side, long lines cut to a window, every
//! redacted secret masked). Line starts are computed once per file and only when a finding
//! needs them, so a multi-megabyte minified line costs nothing unless something matches on it.

use super::Excerpt;
use crate::text::{back_chars, count_chars, forward_chars, sanitize};

/// Characters of a long line shown on each side of a match.
const WINDOW: usize = 60;
/// Lines longer than this are shown as a window around the match.
const LONG_LINE: usize = 160;

/// What an excerpt needs, kept until the file's findings are all known.
pub struct Pending {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub display: String,
}

/// Line starts, computed once per file and only when a finding needs a position.
pub struct LineIndex<'a> {
    data: &'a [u8],
    starts: Option<Vec<usize>>,
    /// The last column computed: findings on one long line are usually in order, so the
    /// next count starts where this one stopped.
    memo: (usize, usize, usize),
}

impl<'a> LineIndex<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        LineIndex {
            data,
            starts: None,
            memo: (usize::MAX, 0, 0),
        }
    }

    pub fn starts(&mut self) -> &[usize] {
        let data = self.data;
        self.starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', data).map(|i| i + 1))
                .collect()
        })
    }

    /// 0-based line index and byte offset of its start.
    pub fn line_of(&mut self, offset: usize) -> (usize, usize) {
        let starts = self.starts();
        let idx = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        (idx, starts[idx])
    }

    /// End of the line starting at `start` (the offset of its `\n`, or the end of data).
    pub fn line_end(&self, start: usize) -> usize {
        memchr::memchr(b'\n', &self.data[start..]).map_or(self.data.len(), |i| start + i)
    }

    /// 1-based line and column (in Unicode scalar values) of a byte offset.
    pub fn position(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.data.len());
        let (idx, start) = self.line_of(offset);
        let (m_start, m_off, m_col) = self.memo;
        let col = if m_start == start && m_off <= offset {
            m_col + count_chars(&self.data[m_off..offset])
        } else {
            count_chars(&self.data[start..offset])
        };
        self.memo = (start, offset, col);
        (idx + 1, col + 1)
    }
}

/// The match line (a window of it if long) with one line of context on each side, the
/// match replaced by its display form (redacted when it is a secret).
pub fn excerpt(
    data: &[u8],
    lines: &mut LineIndex<'_>,
    p: &Pending,
    masks: &[(usize, usize)],
) -> Excerpt {
    let (start, end, line, column) = (p.start, p.end, p.line, p.column);
    let display = p.display.as_str();
    let (_, ls) = lines.line_of(start);
    let le = lines.line_end(ls);
    let me = end.min(le);
    let display = display.split('\n').next().unwrap_or("");
    let text_of = |a: usize, b: usize| masked(data, a, b, masks);
    let long = count_chars(&data[ls..le]) > LONG_LINE;
    let (ws, we) = if long {
        (
            back_chars(data, start, ls, WINDOW),
            forward_chars(data, me, le, WINDOW),
        )
    } else {
        (ls, le)
    };
    let mut prefix = String::new();
    if ws > ls {
        prefix.push('…');
    }
    prefix.push_str(&text_of(ws, start));
    let mut suffix = text_of(me, we);
    if we < le {
        suffix.push('…');
    }
    let mut text = String::new();
    let mut first_line = line;
    if ls > 0 {
        let (_, prev) = lines.line_of(ls - 1);
        text.push_str(&context_line(data, lines, prev, masks));
        text.push('\n');
        first_line -= 1;
    }
    let hl_start = text.len() + prefix.len();
    text.push_str(&prefix);
    text.push_str(display);
    let hl_end = text.len();
    text.push_str(&suffix);
    if le < data.len() {
        text.push('\n');
        text.push_str(&context_line(data, lines, le + 1, masks));
    }
    Excerpt {
        text,
        first_line,
        highlight: (hl_start, hl_end),
        column,
    }
}

/// The excerpt for a finding known by line and column: the rest of that line (without
/// trailing punctuation) is highlighted.
pub fn position_excerpt(data: &[u8], line: usize, column: usize) -> Option<Excerpt> {
    let mut lines = LineIndex::new(data);
    let start_of_line = *lines.starts().get(line.checked_sub(1)?)?;
    let end_of_line = lines.line_end(start_of_line);
    let start = forward_chars(data, start_of_line, end_of_line, column - 1);
    let text = &data[start..end_of_line];
    let len = text
        .iter()
        .rposition(|b| !b" \t\r,{".contains(b))
        .map_or(0, |i| i + 1);
    let end = start + len.min(LONG_LINE);
    let shown = sanitize(&String::from_utf8_lossy(&data[start..end]));
    let place = Pending {
        start,
        end,
        line,
        column,
        display: shown,
    };
    Some(excerpt(data, &mut lines, &place, &[]))
}

/// The text of `data[a..b]`, sanitised, with every masked range (sorted) that overlaps it
/// replaced by a redaction mark.
pub fn masked(data: &[u8], a: usize, b: usize, masks: &[(usize, usize)]) -> String {
    let text = |x: usize, y: usize| sanitize(&String::from_utf8_lossy(&data[x..y]));
    let mut out = String::new();
    let mut cur = a;
    for &(ms, me) in masks {
        if me <= cur || ms >= b {
            continue;
        }
        if ms > cur {
            out.push_str(&text(cur, ms));
        }
        out.push_str("…[redacted]");
        cur = me.min(b);
    }
    if cur < b {
        out.push_str(&text(cur, b));
    }
    out
}

/// A context line around a finding, cut if long.
pub fn context_line(
    data: &[u8],
    lines: &LineIndex<'_>,
    start: usize,
    masks: &[(usize, usize)],
) -> String {
    let end = lines.line_end(start);
    let cut = forward_chars(data, start, end, LONG_LINE);
    let mut s = masked(data, start, cut, masks);
    if cut < end {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let data = "ab\nçé=x\n".as_bytes();
        let mut li = LineIndex::new(data);
        assert_eq!(li.position(0), (1, 1));
        assert_eq!(li.position(3), (2, 1));
        let x = data.iter().position(|b| *b == b'x').unwrap();
        assert_eq!(li.position(x), (2, 4));
    }

    #[test]
    fn columns_on_a_long_minified_line() {
        let mut data = "é".repeat(1_000_000).into_bytes();
        data.extend_from_slice(b"SECRET");
        let mut li = LineIndex::new(&data);
        assert_eq!(li.position(2_000_000), (1, 1_000_001));
    }

    /// The excerpt of the `X` in `line`, with a context line on each side.
    fn excerpt_of_x(line: &str) -> Excerpt {
        excerpt_of_x_in(format!("before\n{line}\nafter").as_bytes())
    }

    /// The excerpt of the first `X` in `data`.
    fn excerpt_of_x_in(data: &[u8]) -> Excerpt {
        let start = data.iter().position(|b| *b == b'X').unwrap();
        let mut li = LineIndex::new(data);
        let (line, column) = li.position(start);
        let place = Pending {
            start,
            end: start + 1,
            line,
            column,
            display: "X".into(),
        };
        excerpt(data, &mut li, &place, &[])
    }

    #[test]
    fn a_line_up_to_the_long_line_bound_is_shown_whole_and_a_longer_one_windowed() {
        let whole = format!("{}X{}", "a".repeat(100), "b".repeat(LONG_LINE - 101));
        let e = excerpt_of_x(&whole);
        assert_eq!(e.text, format!("before\n{whole}\nafter"));
        assert_eq!(&e.text[e.highlight.0..e.highlight.1], "X");
        assert_eq!((e.first_line, e.column), (1, 101));

        let long = format!("{}X{}", "a".repeat(100), "b".repeat(100));
        let e = excerpt_of_x(&long);
        let window = format!("…{}X{}…", "a".repeat(WINDOW), "b".repeat(WINDOW));
        assert_eq!(e.text, format!("before\n{window}\nafter"));
        assert_eq!(&e.text[e.highlight.0..e.highlight.1], "X");
    }

    #[test]
    fn a_long_context_line_is_cut_and_marked() {
        let before = "c".repeat(LONG_LINE + 1);
        let e = excerpt_of_x_in(format!("{before}\nX\nshort").as_bytes());
        assert_eq!(e.text, format!("{}…\nX\nshort", "c".repeat(LONG_LINE)));
    }

    proptest::proptest! {
        /// Positions from the line index agree with counting by hand, whatever the bytes
        /// (invalid UTF-8, CRLF, long lines) and in whatever order they are asked for.
        #[test]
        fn positions_match_a_naive_count(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000),
            offsets in proptest::collection::vec(0usize..2100, 1..20),
        ) {
            let mut li = LineIndex::new(&data);
            for off in offsets {
                let off = off.min(data.len());
                let line = 1 + data[..off].iter().filter(|b| **b == b'\n').count();
                let start = data[..off].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                let col = 1 + data[start..off].iter().filter(|b| (**b & 0xC0) != 0x80).count();
                proptest::prop_assert_eq!(li.position(off), (line, col));
            }
        }

        /// Excerpts never panic and their highlight always lies inside their text on
        /// character boundaries, for any match in any bytes.
        #[test]
        fn excerpts_stay_in_range(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..3000),
            a in 0usize..3000,
            len in 0usize..300,
        ) {
            let start = a.min(data.len() - 1);
            let end = (start + len).min(data.len());
            let mut li = LineIndex::new(&data);
            let (line, col) = li.position(start);
            let shown = sanitize(&String::from_utf8_lossy(&data[start..end]));
            let place = Pending { start, end, line, column: col, display: shown };
            let e = excerpt(&data, &mut li, &place, &[]);
            proptest::prop_assert!(e.highlight.0 <= e.highlight.1 && e.highlight.1 <= e.text.len());
            proptest::prop_assert!(e.text.is_char_boundary(e.highlight.0));
            proptest::prop_assert!(e.text.is_char_boundary(e.highlight.1));
            proptest::prop_assert!(!e.text.contains('\x1b'));
        }
    }
}
