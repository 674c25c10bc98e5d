//! Brace expansion exactly as npm's minimatch does it: its `braceExpand` shortcut, then
//! `brace-expansion` 5 (with `balanced-match` 4) step for step, so that `a{b,c}`, `{1..10..3}`,
//! `{01..3}`, `{a..e}`, `{a},b}`, `${a,b}` and the escapes `\{ \} \, \. \\` give the patterns npm
//! matches with. Output is bounded as npm bounds it: at most [`EXPANSION_MAX`] results of at most
//! [`EXPANSION_MAX_LENGTH`] characters in all, whatever the input; nesting deeper than
//! [`MAX_DEPTH`] is left unexpanded instead of growing the stack. Pure text work: no I/O.

/// brace-expansion's `EXPANSION_MAX`: results kept per pattern.
pub const EXPANSION_MAX: usize = 100_000;
/// brace-expansion's `EXPANSION_MAX_LENGTH`: characters held at any point.
pub const EXPANSION_MAX_LENGTH: usize = 4_000_000;
/// minimatch's `MAX_PATTERN_LENGTH`, in UTF-16 units.
pub const MAX_PATTERN_LENGTH: usize = 64 * 1024;
/// Brace sets nested deeper than this are kept as written, so the recursion stays small on
/// any thread (npm recurses on, to about 9,000 levels; no real ignore file nests 64).
pub const MAX_DEPTH: usize = 64;

/// A character, or one of brace-expansion's placeholders for an escaped `\\ \{ \} \, \.`
/// (codes above `char::MAX`, so no input character can be mistaken for one).
type Tok = u32;
const SLASH: Tok = 0x11_0000;
const OPEN: Tok = 0x11_0001;
const CLOSE: Tok = 0x11_0002;
const COMMA: Tok = 0x11_0003;
const PERIOD: Tok = 0x11_0004;
const LBRACE: Tok = '{' as Tok;
const RBRACE: Tok = '}' as Tok;

/// minimatch's `braceExpand`: the pattern itself when no `{` is followed by a `}` before
/// another `{` (on one line), else brace-expansion's `expand`.
pub fn brace_expand(pattern: &str) -> Vec<String> {
    // minimatch refuses a pattern longer than this (npm stops); it is not worth expanding.
    if !has_brace_set(pattern) || pattern.encode_utf16().count() > MAX_PATTERN_LENGTH {
        return vec![pattern.to_string()];
    }
    expand(pattern)
}

/// `/\{(?:(?!\{).)*\}/`: JavaScript's `.` stops at a line terminator.
fn has_brace_set(s: &str) -> bool {
    let mut open = false;
    for c in s.chars() {
        match c {
            '{' => open = true,
            '}' if open => return true,
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => open = false,
            _ => {}
        }
    }
    false
}

/// brace-expansion's `expand`.
fn expand(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut toks = escape_braces(s);
    // Bash keeps a leading `{}` as written.
    if toks.len() >= 2 && toks[0] == LBRACE && toks[1] == RBRACE {
        toks[0] = OPEN;
        toks[1] = CLOSE;
    }
    expand_(&toks, true, 0)
        .iter()
        .map(|t| unescape_braces(t))
        .collect()
}

fn escape_braces(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let escaped = match (chars[i], chars.get(i + 1)) {
            ('\\', Some('\\')) => Some(SLASH),
            ('\\', Some('{')) => Some(OPEN),
            ('\\', Some('}')) => Some(CLOSE),
            ('\\', Some(',')) => Some(COMMA),
            ('\\', Some('.')) => Some(PERIOD),
            _ => None,
        };
        match escaped {
            Some(t) => {
                out.push(t);
                i += 2;
            }
            None => {
                out.push(chars[i] as Tok);
                i += 1;
            }
        }
    }
    out
}

/// Placeholders back to one character each: the escape's backslash is gone, as in npm.
fn unescape_braces(t: &[Tok]) -> String {
    t.iter()
        .map(|&c| match c {
            SLASH => '\\',
            OPEN => '{',
            CLOSE => '}',
            COMMA => ',',
            PERIOD => '.',
            c => char::from_u32(c).unwrap_or('\u{FFFD}'),
        })
        .collect()
}

fn index_of(s: &[Tok], t: Tok, from: usize) -> Option<usize> {
    s.get(from..)?
        .iter()
        .position(|&c| c == t)
        .map(|p| p + from)
}

/// balanced-match's `range('{', '}', str)`: the first balanced pair, as its odd algorithm
/// finds it (`{a{b}` gives `{b}`).
fn balanced_range(s: &[Tok]) -> Option<(usize, usize)> {
    let mut ai = index_of(s, LBRACE, 0);
    let mut bi = index_of(s, RBRACE, ai? + 1);
    let mut i = ai;
    if bi? == 0 {
        return None;
    }
    let mut begs: Vec<usize> = Vec::new();
    let mut left = s.len();
    let mut right = None;
    let mut result = None;
    while let Some(at) = i {
        if result.is_some() {
            break;
        }
        if Some(at) == ai {
            begs.push(at);
            ai = index_of(s, LBRACE, at + 1);
        } else if begs.len() == 1 {
            if let (Some(r), Some(b)) = (begs.pop(), bi) {
                result = Some((r, b));
            }
        } else {
            if let Some(beg) = begs.pop() {
                if beg < left {
                    left = beg;
                    right = bi;
                }
            }
            bi = index_of(s, RBRACE, at + 1);
        }
        // `ai < bi && ai >= 0 ? ai : bi`, where -1 is "not found".
        i = match (ai, bi) {
            (Some(a), Some(b)) if a < b => Some(a),
            _ => bi,
        };
    }
    if !begs.is_empty() {
        if let Some(r) = right {
            result = Some((left, r));
        }
    }
    result
}

/// `balanced('{', '}', str)`: pre, body and post.
fn balanced(s: &[Tok]) -> Option<(&[Tok], &[Tok], &[Tok])> {
    let (a, b) = balanced_range(s)?;
    Some((&s[..a], &s[a + 1..b], &s[b + 1..]))
}

fn split_commas(s: &[Tok]) -> Vec<Vec<Tok>> {
    s.split(|&c| c == ',' as Tok).map(<[Tok]>::to_vec).collect()
}

/// `parseCommaParts`: split on `,` outside nested brace sets (iterative: brace-expansion
/// recurses once per brace set in the body).
fn parse_comma_parts(s: &[Tok]) -> Vec<Vec<Tok>> {
    if s.is_empty() {
        return vec![Vec::new()];
    }
    let mut parts: Vec<Vec<Tok>> = Vec::new();
    let mut rest = s;
    loop {
        let (mut p, post) = match balanced(rest) {
            None => (split_commas(rest), &[][..]),
            Some((pre, body, post)) => {
                let mut p = split_commas(pre);
                if let Some(last) = p.last_mut() {
                    last.push(LBRACE);
                    last.extend_from_slice(body);
                    last.push(RBRACE);
                }
                (p, post)
            }
        };
        // The first piece continues the last part (`a{b}c,d`).
        if let Some(last) = parts.last_mut() {
            last.extend(p.remove(0));
        }
        parts.extend(p);
        if post.is_empty() {
            return parts;
        }
        rest = post;
    }
}

fn chars_len(s: &[Tok]) -> usize {
    // brace-expansion counts UTF-16 units; placeholders stand for one ASCII character.
    s.iter()
        .map(|&c| char::from_u32(c).map_or(1, char::len_utf16))
        .sum()
}

/// `combine`: `acc[a] + pre + values[v]` for every pair, within `max` and `maxLength`.
fn combine(
    acc: &[Vec<Tok>],
    pre: &[Tok],
    values: &[Vec<Tok>],
    drop_empties: bool,
) -> Vec<Vec<Tok>> {
    let mut out = Vec::new();
    let mut length = 0;
    for a in acc {
        for v in values {
            if out.len() >= EXPANSION_MAX {
                return out;
            }
            let mut e = Vec::with_capacity(a.len() + pre.len() + v.len());
            e.extend_from_slice(a);
            e.extend_from_slice(pre);
            e.extend_from_slice(v);
            if drop_empties && e.is_empty() {
                continue;
            }
            let n = chars_len(&e);
            if length + n > EXPANSION_MAX_LENGTH {
                return out;
            }
            length += n;
            out.push(e);
        }
    }
    out
}

fn literal(s: &[Tok]) -> Vec<Vec<Tok>> {
    vec![s.to_vec()]
}

/// `/^-?\d+$/` for one part of a numeric sequence.
fn is_int(s: &[Tok]) -> bool {
    let digits = s.strip_prefix(&['-' as Tok]).unwrap_or(s);
    !digits.is_empty()
        && digits
            .iter()
            .all(|&c| (b'0' as Tok..=b'9' as Tok).contains(&c))
}

fn is_letter(s: &[Tok]) -> bool {
    s.len() == 1 && char::from_u32(s[0]).is_some_and(|c| c.is_ascii_alphabetic())
}

/// The parts of `1..5`, `1..9..2`, `a..e` or `a..e..2`, and whether it is alphabetic.
fn sequence(body: &[Tok]) -> Option<(Vec<&[Tok]>, bool)> {
    let mut parts: Vec<&[Tok]> = Vec::new();
    let mut from = 0;
    let mut i = 0;
    while i + 1 < body.len() {
        if body[i] == '.' as Tok && body[i + 1] == '.' as Tok {
            parts.push(&body[from..i]);
            i += 2;
            from = i;
        } else {
            i += 1;
        }
    }
    parts.push(&body[from..]);
    if !(2..=3).contains(&parts.len()) || parts.get(2).is_some_and(|s| !is_int(s)) {
        return None;
    }
    if is_int(parts[0]) && is_int(parts[1]) {
        Some((parts, false))
    } else if is_letter(parts[0]) && is_letter(parts[1]) {
        Some((parts, true))
    } else {
        None
    }
}

/// `numeric`: `parseInt` of a number, else the first character's code.
fn numeric(s: &[Tok]) -> f64 {
    let text = unescape_braces(s);
    text.parse::<f64>()
        .unwrap_or_else(|_| s.first().map_or(f64::NAN, |&c| c as f64))
}

/// `expandSequence`.
fn expand_sequence(parts: &[&[Tok]], alpha: bool) -> Vec<Vec<Tok>> {
    let x = numeric(parts[0]);
    let y = numeric(parts[1]);
    let width = chars_len(parts[0]).max(chars_len(parts[1]));
    let mut incr = parts.get(2).map_or(1.0, |s| numeric(s).abs().max(1.0));
    let reverse = y < x;
    if reverse {
        incr = -incr;
    }
    let pad = parts.iter().any(|p| {
        let d = p.strip_prefix(&['-' as Tok]).unwrap_or(p);
        d.len() >= 2 && d[0] == '0' as Tok && is_int(&d[1..2])
    });
    let mut out = Vec::new();
    let mut length = 0;
    let mut i = x;
    while (if reverse { i >= y } else { i <= y }) && out.len() < EXPANSION_MAX {
        let c: Vec<Tok> = if alpha {
            // Letters only, so the code stays within `A`..`z`; `\` gives nothing.
            match i as u32 {
                0x5c => Vec::new(),
                code => vec![code],
            }
        } else {
            let mut c = super::js::number_string(i);
            if pad {
                let need = width.saturating_sub(c.len());
                if need > 0 {
                    let z = "0".repeat(need);
                    c = if i < 0.0 {
                        format!("-{z}{}", &c[1..])
                    } else {
                        format!("{z}{c}")
                    };
                }
            }
            c.chars().map(|ch| ch as Tok).collect()
        };
        if length + c.len() > EXPANSION_MAX_LENGTH {
            break;
        }
        length += c.len();
        out.push(c);
        i += incr;
    }
    out
}

/// `/,(?!,).*\}/`: a `,` not followed by `,`, then a `}` later on the same line.
fn comma_then_close(post: &[Tok]) -> bool {
    // Right to left, knowing whether a `}` follows on the same line: one pass, not one per
    // comma (a line of commas without a `}` was quadratic).
    let mut close_ahead = false;
    for k in (0..post.len()).rev() {
        match post[k] {
            0x0a | 0x0d | 0x2028 | 0x2029 => close_ahead = false,
            RBRACE => close_ahead = true,
            c if c == ',' as Tok && close_ahead && post.get(k + 1) != Some(&c) => return true,
            _ => {}
        }
    }
    false
}

/// `expand_`: the top-level brace sets left to right, threading the combined prefixes.
fn expand_(input: &[Tok], mut is_top: bool, depth: usize) -> Vec<Vec<Tok>> {
    if depth > MAX_DEPTH {
        return literal(input);
    }
    // What is left to expand is `buf[at..]`; `buf` is only rebuilt for `{a},b}`.
    let mut buf = input.to_vec();
    let mut at = 0;
    let mut acc: Vec<Vec<Tok>> = vec![Vec::new()];
    let mut drop_empties = false;
    let mut first_group = true;
    loop {
        let s = &buf[at..];
        let Some((open, close)) = balanced_range(s) else {
            return combine(&acc, s, &[Vec::new()], drop_empties);
        };
        let (pre, body, post) = (&s[..open], &s[open + 1..close], &s[close + 1..]);
        let last = post.is_empty();
        if pre.last() == Some(&('$' as Tok)) {
            acc = combine(&acc, &s[..=close], &[Vec::new()], drop_empties && last);
            first_group = false;
            if last {
                break;
            }
            at += close + 1;
            continue;
        }
        let seq = sequence(body);
        let is_options = body.contains(&(',' as Tok));
        if seq.is_none() && !is_options {
            if comma_then_close(post) {
                // `{a},b}`: the first `}` is taken literally and the set runs on.
                let mut next = s.to_vec();
                next[close] = CLOSE;
                buf = next;
                at = 0;
                is_top = true;
                continue;
            }
            return combine(&acc, s, &[Vec::new()], drop_empties);
        }
        if first_group {
            drop_empties = is_top && seq.is_none();
            first_group = false;
        }
        let values = match seq {
            Some((parts, alpha)) => expand_sequence(&parts, alpha),
            None => {
                let mut n = parse_comma_parts(body);
                if n.len() == 1 {
                    // x{{a,b}}y -> x{a}y x{b}y
                    n = expand_(&n[0], false, depth + 1)
                        .into_iter()
                        .map(|v| [&[LBRACE][..], &v, &[RBRACE]].concat())
                        .collect();
                    if n.len() == 1 {
                        let whole = [pre, &n[0][..]].concat();
                        acc = combine(&acc, &whole, &[Vec::new()], drop_empties && last);
                        if last {
                            break;
                        }
                        at += close + 1;
                        continue;
                    }
                }
                // Empty values `combine` would drop do not count against the limits.
                let drops = drop_empties && last && pre.is_empty() && acc.iter().all(Vec::is_empty);
                let mut values = Vec::new();
                let mut values_length = 0;
                'outer: for part in &n {
                    for v in expand_(part, false, depth + 1) {
                        if drops && v.is_empty() {
                            continue;
                        }
                        let len = chars_len(&v);
                        if values.len() >= EXPANSION_MAX
                            || values_length + len > EXPANSION_MAX_LENGTH
                        {
                            break 'outer;
                        }
                        values_length += len;
                        values.push(v);
                    }
                }
                values
            }
        };
        acc = combine(&acc, pre, &values, drop_empties && last);
        if last {
            break;
        }
        at += close + 1;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(p: &str) -> Vec<String> {
        brace_expand(p)
    }

    #[test]
    fn follows_brace_expansion() {
        // Each expectation is what npm 11's minimatch 10.2.5 puts in `globSet`.
        assert_eq!(x("a{b,c}d"), ["abd", "acd"]);
        assert_eq!(x("readme{,.*}"), ["readme", "readme.*"]);
        assert_eq!(x("{x}"), ["{x}"]);
        assert_eq!(x("a{1..3}"), ["a1", "a2", "a3"]);
        assert_eq!(x("\\{a,b}x"), ["{a,b}x"]);
        assert_eq!(x("a\\\\*{b,c}"), ["a\\*b", "a\\*c"]);
        assert_eq!(x("{}a,b}"), ["{}a,b}"]);
        assert_eq!(x("a{},b}c"), ["a}c", "abc"]);
        assert_eq!(x("${a,b}"), ["${a,b}"]);
        assert_eq!(x("{a},b}"), ["a}", "b"]);
        assert_eq!(x("x{a\\,b,c}"), ["xa,b", "xc"]);
        assert_eq!(x("{a..c..2}"), ["a", "c"]);
        assert_eq!(x("{Z..a}"), ["Z", "[", "", "]", "^", "_", "`", "a"]);
        assert_eq!(x("{1..10..-3}"), ["1", "4", "7", "10"]);
        assert_eq!(
            x("{-03..3}"),
            ["-03", "-02", "-01", "000", "001", "002", "003"]
        );
        assert_eq!(x("{a,b}{"), ["a{", "b{"]);
        assert_eq!(x("{{a,b}}"), ["{a}", "{b}"]);
        assert_eq!(x("a{b{c,d}"), ["a{bc", "a{bd"]);
        assert_eq!(x("{a,}"), ["a"]);
        assert!(x("{,}").is_empty());
        assert_eq!(x("{a,b}/{c,d}"), ["a/c", "a/d", "b/c", "b/d"]);
        assert_eq!(x("{+1..3}"), ["{+1..3}"]);
        assert_eq!(x("{1..a}"), ["{1..a}"]);
        assert_eq!(x("{3..1}"), ["3", "2", "1"]);
    }

    #[test]
    fn output_is_bounded_as_npm_bounds_it() {
        assert_eq!(x("{1..200000}").len(), EXPANSION_MAX);
        assert_eq!(x(&"{a,b}".repeat(40)).len(), EXPANSION_MAX);
        let long = x(&format!("{}{{1..100000}}", "x".repeat(100)));
        let total: usize = long.iter().map(String::len).sum();
        assert!(total <= EXPANSION_MAX_LENGTH, "{total}");
        assert!(long.len() < EXPANSION_MAX);
        // Past MAX_DEPTH the innermost sets stay as written (65 levels are followed, and
        // the differential holds them to npm).
        let past = format!("{}a,b{}", "{".repeat(66), "}".repeat(66));
        assert_eq!(x(&past), std::slice::from_ref(&past));
        let deep = format!("{}a,b{}", "{".repeat(5000), "}".repeat(5000));
        let deep = x(&deep);
        assert!(!deep.is_empty() && deep.iter().all(|d| d.contains("{a,b}")));
        // The bound holds through sets inside a set's alternatives too (no stack overflow).
        let chain = format!("{}y{}", "{x,".repeat(5000), "}".repeat(5000));
        let chain = x(&chain);
        assert_eq!(chain.first().map(String::as_str), Some("x"));
        assert!(chain.iter().any(|c| c.contains("{x,{x,")));
        // Zero-padded to 50,000 characters: 80 of them make the 4,000,000 characters a
        // sequence may hold, and no more are built.
        let padded = x(&format!("{{{}1..100000}}", "0".repeat(49_999)));
        assert_eq!(padded.len(), 80);
        assert!(padded.iter().all(|p| p.len() == 50_000));
        // minimatch refuses patterns over 65,536 UTF-16 units; up to that they expand.
        let at_limit = format!("{}{{a,b}}", "\u{e9}".repeat(65_536 - 5));
        assert_eq!(x(&at_limit).len(), 2);
        let over = format!("{}{{a,b}}", "\u{1F600}".repeat(65_536 / 2));
        assert_eq!(x(&over), std::slice::from_ref(&over));
    }
}
