//! Where V8 (so Node and Chrome) finds a generated file's `sourceMappingURL`.
//!
//! V8's scanner reads a magic comment wherever it meets a single-line comment that opens with
//! `//#` or `//@`: after code on the same line (`x();//# sourceMappingURL=a.map`), after any
//! line terminator (`\n`, a bare `\r`, U+2028, U+2029), never inside a string, template or
//! regular expression. The form is exact: one whitespace character, `sourceMappingURL=`,
//! optional whitespace, the value (up to whitespace), and only whitespace after it; a comment
//! of that name with anything else after the value (or no value) resets the URL to none. The
//! last such comment wins. Checked against `new vm.Script(src).sourceMapURL` on Node 20
//! (`tests/sourcemap_v8.rs`).
//!
//! Telling comments from strings takes a lexer: this is a small one (strings, templates with
//! nested `${}`, block comments, regular expressions told from division by the token before
//! them). Where it cannot be sure (a file that ends inside a string, template or comment, so
//! it lost its way), the older rule is used instead: the last `//#`/`//@` comment that starts
//! its line. A `/*# sourceMappingURL=... */` block at the start of its line is CSS's form and
//! counts too.

use memchr::memmem;

const MARKER: &[u8] = b"sourceMappingURL=";

/// The map reference of a generated file: the byte offset of its URL and the URL.
pub fn find(data: &[u8]) -> Option<(usize, &[u8])> {
    memmem::find(data, MARKER)?;
    let range = match lex(data) {
        Some(found) => found,
        None => by_lines(data),
    };
    range.map(|(start, end)| (start, &data[start..end]))
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Code,
    Str(u8),
    Template,
    Regex { class: bool },
    Block,
}

/// The V8 reading: `Some(found)` when the lexer reached the end in code.
#[allow(clippy::option_option)]
fn lex(data: &[u8]) -> Option<Option<(usize, usize)>> {
    let mut found = None;
    let mut state = State::Code;
    // For each open `${`, the depth of `{` inside it.
    let mut templates: Vec<u32> = Vec::new();
    let mut i = if data.starts_with(b"#!") {
        line_end(data, 0)
    } else {
        0
    };
    while i < data.len() {
        let b = data[i];
        match state {
            State::Code => match b {
                b'/' if data.get(i + 1) == Some(&b'/') => {
                    let end = line_end(data, i);
                    if matches!(data.get(i + 2), Some(b'#' | b'@')) {
                        if let Some(value) = magic(data, i + 3, end) {
                            found = value;
                        }
                    }
                    i = end;
                    continue;
                }
                b'/' if data.get(i + 1) == Some(&b'*') => {
                    if matches!(data.get(i + 2), Some(b'#' | b'@')) && starts_line(data, i) {
                        if let Some(value) = block_magic(data, i + 3) {
                            found = Some(value);
                        }
                    }
                    state = State::Block;
                    i += 2;
                    continue;
                }
                b'/' if regex_may_start(data, i) => state = State::Regex { class: false },
                b'\'' | b'"' => state = State::Str(b),
                b'`' => state = State::Template,
                b'{' => {
                    if let Some(depth) = templates.last_mut() {
                        *depth += 1;
                    }
                }
                b'}' => match templates.last_mut() {
                    Some(0) => {
                        templates.pop();
                        state = State::Template;
                    }
                    Some(depth) => *depth -= 1,
                    None => {}
                },
                _ => {}
            },
            State::Str(q) => match b {
                b'\\' => i += 1,
                // An unterminated string is a syntax error; recover at the line's end.
                b'\n' | b'\r' => state = State::Code,
                _ if b == q => state = State::Code,
                _ => {}
            },
            State::Template => match b {
                b'\\' => i += 1,
                b'`' => state = State::Code,
                b'$' if data.get(i + 1) == Some(&b'{') => {
                    templates.push(0);
                    state = State::Code;
                    i += 1;
                }
                _ => {}
            },
            State::Regex { class } => match b {
                b'\\' => i += 1,
                b'[' => state = State::Regex { class: true },
                b']' => state = State::Regex { class: false },
                b'/' if !class => state = State::Code,
                b'\n' | b'\r' => state = State::Code,
                _ => {}
            },
            State::Block => {
                if b == b'*' && data.get(i + 1) == Some(&b'/') {
                    state = State::Code;
                    i += 1;
                }
            }
        }
        i += 1;
    }
    (state == State::Code && templates.is_empty()).then_some(found)
}

/// The value of a `//#` or `//@` comment whose text after the `#` is `data[start..end]`:
/// `None` when it is not a `sourceMappingURL` comment, `Some(None)` when it is one V8 reads
/// as no URL.
#[allow(clippy::option_option)]
fn magic(data: &[u8], start: usize, end: usize) -> Option<Option<(usize, usize)>> {
    let line = &data[..end];
    let mut i = start + whitespace(line, start).filter(|&n| n > 0)?;
    if !line[i..].starts_with(MARKER) {
        return None;
    }
    i += MARKER.len();
    while let Some(n) = whitespace(line, i).filter(|&n| n > 0) {
        i += n;
    }
    let value_start = i;
    while i < end && whitespace(line, i) == Some(0) {
        i += 1;
    }
    let value_end = i;
    while let Some(n) = whitespace(line, i).filter(|&n| n > 0) {
        i += n;
    }
    Some((i == end && value_end > value_start).then_some((value_start, value_end)))
}

/// `/*# sourceMappingURL=URL */`: the URL, up to whitespace, a quote or `*/`.
fn block_magic(data: &[u8], start: usize) -> Option<(usize, usize)> {
    let rest = &data[start..line_end(data, start)];
    let at = memmem::find(rest, MARKER)?;
    if !rest[..at].iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let value_start = start + at + MARKER.len();
    let value = &data[value_start..start + rest.len()];
    let len = value
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`'))
        .unwrap_or(value.len());
    let len = memmem::find(&value[..len], b"*/").unwrap_or(len);
    (len > 0).then_some((value_start, value_start + len))
}

/// The byte length of the ECMAScript whitespace character at `i` (0 when it is another
/// character, `None` at the end): tab, vertical tab, form feed, space, U+00A0, U+FEFF and the
/// Unicode space separators. Line terminators are not whitespace.
fn whitespace(data: &[u8], i: usize) -> Option<usize> {
    let rest = data.get(i..).filter(|r| !r.is_empty())?;
    Some(match rest {
        [b'\t' | 0x0b | 0x0c | b' ', ..] => 1,
        [0xc2, 0xa0, ..] => 2,
        [0xe1, 0x9a, 0x80, ..] | [0xe2, 0x80, 0x80..=0x8a | 0xaf, ..] => 3,
        [0xe2, 0x81, 0x9f, ..] | [0xe3, 0x80, 0x80, ..] | [0xef, 0xbb, 0xbf, ..] => 3,
        _ => 0,
    })
}

/// Where the line holding `i` ends: the next `\n`, `\r`, U+2028 or U+2029, or the end.
fn line_end(data: &[u8], i: usize) -> usize {
    let mut at = i;
    while let Some(p) = memchr::memchr3(b'\n', b'\r', 0xe2, &data[at..]) {
        let p = at + p;
        if data[p] != 0xe2 || matches!(data.get(p + 1..p + 3), Some([0x80, 0xa8 | 0xa9])) {
            return p;
        }
        at = p + 1;
    }
    data.len()
}

fn is_line_terminator(data: &[u8], i: usize) -> bool {
    matches!(data[i], b'\n' | b'\r')
        || (data[i] == 0xe2 && matches!(data.get(i + 1..i + 3), Some([0x80, 0xa8 | 0xa9])))
}

/// Whether only whitespace comes between the start of `i`'s line and `i`.
fn starts_line(data: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 {
        let b = data[j - 1];
        if b == b'\n' || b == b'\r' {
            return true;
        }
        if !b.is_ascii_whitespace() {
            return j >= 3 && is_line_terminator(data, j - 3);
        }
        j -= 1;
    }
    true
}

/// Whether a `/` at `i` opens a regular expression rather than dividing: it does after an
/// operator, an opening bracket, a keyword such as `return`, or at the start.
fn regex_may_start(data: &[u8], i: usize) -> bool {
    let before = &data[i.saturating_sub(256)..i];
    let Some(p) = before.iter().rposition(|b| !b.is_ascii_whitespace()) else {
        return true;
    };
    let prev = before[p];
    if prev.is_ascii_alphanumeric() || prev == b'_' || prev == b'$' {
        let word_start = before[..=p]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$'))
            .map_or(0, |s| s + 1);
        return matches!(
            &before[word_start..=p],
            b"return"
                | b"typeof"
                | b"instanceof"
                | b"in"
                | b"of"
                | b"new"
                | b"delete"
                | b"void"
                | b"throw"
                | b"case"
                | b"do"
                | b"else"
                | b"yield"
                | b"await"
        );
    }
    !matches!(prev, b')' | b']' | b'}' | b'"' | b'\'' | b'`')
}

/// The older reading, for a file the lexer lost its way in: the last `//#`/`//@` comment
/// (or `/*#` block) that starts its line, its URL up to whitespace or a quote.
fn by_lines(data: &[u8]) -> Option<(usize, usize)> {
    for pos in memmem::rfind_iter(data, MARKER) {
        let line_start = memchr::memrchr2(b'\n', b'\r', &data[..pos]).map_or(0, |i| i + 1);
        let opener = data[line_start..pos].trim_ascii();
        let block = match opener {
            b"//#" | b"//@" => false,
            b"/*#" | b"/*@" => true,
            _ => continue,
        };
        let start = pos + MARKER.len();
        let mut end = data[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`'))
            .map_or(data.len(), |i| start + i);
        if block {
            if let Some(i) = memmem::find(&data[start..end], b"*/") {
                end = start + i;
            }
        }
        let url = &data[start..end];
        // A template (`${url}`) or an expression is code that writes a reference.
        if url.is_empty() || url.contains(&b'$') || url.contains(&b'+') || url.contains(&b'(') {
            continue;
        }
        return Some((start, end));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(data: &str) -> Option<String> {
        find(data.as_bytes()).map(|(_, u)| String::from_utf8_lossy(u).into_owned())
    }

    #[test]
    fn reads_magic_comments_as_v8_does() {
        let a = Some("a.map".to_string());
        assert_eq!(url("x();//# sourceMappingURL=a.map\n"), a);
        assert_eq!(url("x();\r//# sourceMappingURL=a.map"), a);
        assert_eq!(url("x();\u{2028}//# sourceMappingURL=a.map"), a);
        assert_eq!(url("x()\u{2029}//# sourceMappingURL=a.map"), a);
        assert_eq!(url("/* x */ //# sourceMappingURL=a.map"), a);
        assert_eq!(url("//#\tsourceMappingURL= a.map \u{3000}\n"), a);
        assert_eq!(url("//#\u{a0}sourceMappingURL=a.map"), a);
        assert_eq!(url("//@ sourceMappingURL=a.map"), a);
        assert_eq!(url("#!/usr/bin/env node\n//# sourceMappingURL=a.map"), a);
        assert_eq!(
            url("var a = b / 2; var c = 'x'; //# sourceMappingURL=a.map"),
            a
        );
        assert_eq!(url("var t = `${ {a:1}.a }`; //# sourceMappingURL=a.map"), a);
        assert_eq!(
            url("//# sourceMappingURL=a.map\n//#  sourceMappingURL=b.map"),
            a
        );
        assert_eq!(url("//# sourceMappingURL=a.map\n//# sourceURL=x.js"), a);
        assert_eq!(
            url("//# sourceMappingURL=a.map\n//# sourceMappingURL=b.map\n"),
            Some("b.map".into())
        );
        assert_eq!(
            url("//# sourceMappingURL=a.map\"x"),
            Some("a.map\"x".into())
        );
        // Not a magic comment, or one V8 reads as no URL.
        for none in [
            "//#sourceMappingURL=a.map",
            "//#  sourceMappingURL=a.map",
            "//# sourceMappingURL=a.map foo",
            "//# sourceMappingURL=a.map\n//# sourceMappingURL=b.map c\n",
            "//# sourceMappingURL=a.map\n//# sourceMappingURL=\n",
            "var s = \"//# sourceMappingURL=a.map\";",
            "var s = `\n//# sourceMappingURL=a.map\n`;",
            "var r = /'/g; var s = '//# sourceMappingURL=a.map';",
            "x = `\n//# sourceMappingURL=${url}`",
        ] {
            assert_eq!(url(none), None, "{none:?}");
        }
    }

    #[test]
    fn css_blocks_and_lost_lexers() {
        assert_eq!(
            url("a{}\n/*# sourceMappingURL=s.css.map */"),
            Some("s.css.map".into())
        );
        // An unterminated template: the lexer lost its way, the line rule decides.
        assert_eq!(
            url("x = `oops\n//# sourceMappingURL=a.map\n"),
            Some("a.map".into())
        );
        let (offset, _) = find(b"x();//# sourceMappingURL=a.map").expect("found");
        assert_eq!(offset, 25);
    }
}
