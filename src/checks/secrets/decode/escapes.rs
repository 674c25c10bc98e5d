//! The decoders of written-out characters: JavaScript and JSON string escapes, percent
//! encoding, HTML entities, string concatenation and UTF-16 text, each a `View` of the
//! whole input with its offsets mapped back.

use super::*;

/// Whether the file has an escape that can hide part of a token: a `\u`/`\x` escape, an
/// escaped `/`, or a `\n` next to a PEM header (a key inside a JSON string).
pub(super) fn has_token_escapes(data: &[u8]) -> bool {
    memmem::find(data, b"\\u").is_some()
        || memmem::find(data, b"\\x").is_some()
        || memmem::find(data, b"\\/").is_some()
        || (memmem::find(data, b"\\n").is_some() && memmem::find(data, b"-----BEGIN").is_some())
        // Octal only when one stands for a letter or digit: `\033` (ANSI colours in every
        // CLI) and `\000` hide no token.
        || memchr::memchr_iter(b'\\', data)
            .any(|i| octal_at(&data[i..]).is_some_and(|c| c.is_ascii_alphanumeric()))
}

/// A three-digit octal escape (`\101`) at the start of `s`: its character.
pub(super) fn octal_at(s: &[u8]) -> Option<char> {
    let d = s.get(1..4)?;
    if !matches!(d[0], b'0'..=b'3') || !d[1..].iter().all(|b| (b'0'..=b'7').contains(b)) {
        return None;
    }
    let v = d.iter().fold(0u32, |acc, &b| acc * 8 + u32::from(b - b'0'));
    char::from_u32(v)
}

pub(super) fn hex(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

pub(super) fn hex_value(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, &b| Some(acc * 16 + hex(b)?))
}

/// Undoes JS/JSON string escapes in `data` (the decoder does not know where strings start,
/// and does not need to: outside strings a backslash is rare).
pub(super) fn js_unescape(data: &[u8], budget: usize) -> Option<View> {
    if !has_token_escapes(data) {
        return None;
    }
    let decoded = regional(data, b"\\", budget, |at| {
        let (ch, used) = escape_at(&data[at..]);
        ch.map(|c| (Decoded1::char(c), used))
    })?;
    Some(View::new(
        decoded.0,
        Decoding::JsEscape,
        OffsetMap::Segments(decoded.1),
    ))
}

/// Decoded bytes and their `(view offset, original offset)` segments.
type Decoded = (Vec<u8>, Vec<(usize, usize)>);

/// What one escape decodes to: at most one UTF-8 character, kept on the stack (a source
/// map's sourcesContent has millions of escapes; one allocation each was most of the cost).
#[derive(Clone, Copy)]
pub(super) struct Decoded1 {
    buf: [u8; 4],
    len: u8,
}

impl Decoded1 {
    pub(super) fn char(c: char) -> Decoded1 {
        let mut buf = [0u8; 4];
        let len = c.encode_utf8(&mut buf).len() as u8;
        Decoded1 { buf, len }
    }

    /// An escape that stands for nothing (the `" + "` between two literals).
    pub(super) fn empty() -> Decoded1 {
        Decoded1 {
            buf: [0; 4],
            len: 0,
        }
    }

    pub(super) fn byte(b: u8) -> Decoded1 {
        Decoded1 {
            buf: [b, 0, 0, 0],
            len: 1,
        }
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// Bytes kept on each side of a decoded escape in a regional view: more than the longest
/// single-line token the rules know, so a token with one escaped character is whole.
pub(super) const REGION_MARGIN: usize = 512;
/// Between two regions of a regional view: a line break and a NUL, which no token spans.
pub(super) const REGION_SEPARATOR: &[u8] = b"\n\0\n";

/// The first of `triggers` (one to three bytes) in `hay`.
pub(super) fn find_trigger(triggers: &[u8], hay: &[u8]) -> Option<usize> {
    match *triggers {
        [a] => memchr::memchr(a, hay),
        [a, b] => memchr::memchr2(a, b, hay),
        [a, b, c, ..] => memchr::memchr3(a, b, c, hay),
        [] => None,
    }
}

/// Decodes every escape (introduced by one of `triggers`, decoded by `decode_at(offset)` into bytes
/// and the length it used) in `data`. When the escapes touch most of the file (a source map
/// whose sourcesContent is all escaped), the view is the whole file decoded; otherwise it
/// is only the regions around them, so a large file with a handful of escapes does not
/// cost a full copy and a full rescan. `None` when nothing decodes.
pub(super) fn regional(
    data: &[u8],
    triggers: &[u8],
    budget: usize,
    decode_at: impl Fn(usize) -> Option<(Decoded1, usize)>,
) -> Option<Decoded> {
    let mut regions: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(rel) = find_trigger(triggers, &data[i..]) {
        let at = i + rel;
        match decode_at(at) {
            Some((_, used)) => {
                let (a, b) = (
                    at.saturating_sub(REGION_MARGIN),
                    (at + used + REGION_MARGIN).min(data.len()),
                );
                match regions.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => regions.push((a, b)),
                }
                i = at + used.max(1);
            }
            None => i = at + 1,
        }
    }
    if regions.is_empty() {
        return None;
    }
    let covered: usize = regions.iter().map(|(a, b)| b - a).sum();
    if covered * 2 > data.len() {
        regions = vec![(0, data.len())];
    }
    let mut out = Vec::with_capacity(covered.min(data.len()).min(budget) + regions.len() * 3);
    let mut segs = Vec::new();
    // Within `budget` bytes, the map's points counted: a view of 250 MiB of `\/` would
    // otherwise be 125 MiB of text and 2 GiB of map. What does not fit is left out (the
    // view is a prefix of the decoded file); the file itself is still scanned whole.
    // What the next step may add at most: a decoded character and its point, or a region's
    // separator and first point.
    const STEP: usize = 2 * SEGMENT_COST + 4 + REGION_SEPARATOR.len();
    let room = |out: &Vec<u8>, segs: &Vec<(usize, usize)>| {
        budget
            .saturating_sub(out.len() + segs.len() * SEGMENT_COST)
            .saturating_sub(STEP)
    };
    'regions: for (a, b) in regions {
        if room(&out, &segs) == 0 {
            break;
        }
        if !out.is_empty() {
            out.extend_from_slice(REGION_SEPARATOR);
        }
        segs.push((out.len(), a));
        let mut i = a;
        while i < b {
            let left = room(&out, &segs);
            let Some(rel) = find_trigger(triggers, &data[i..b]) else {
                out.extend_from_slice(&data[i..b.min(i + left)]);
                break;
            };
            let at = i + rel;
            if at - i > left {
                out.extend_from_slice(&data[i..i + left]);
                break 'regions;
            }
            out.extend_from_slice(&data[i..at]);
            match decode_at(at) {
                Some((bytes, used)) => {
                    out.extend_from_slice(bytes.as_bytes());
                    i = at + used;
                    segs.push((out.len(), i));
                }
                None => {
                    out.push(data[at]);
                    i = at + 1;
                }
            }
            if room(&out, &segs) == 0 {
                break 'regions;
            }
        }
    }
    (!out.is_empty()).then_some((out, segs))
}

/// The character an escape at the start of `s` (which begins with `\`) stands for, and
/// how many bytes it takes; `None` keeps the bytes as they are.
pub(super) fn escape_at(s: &[u8]) -> (Option<char>, usize) {
    let Some(&kind) = s.get(1) else {
        return (None, 1);
    };
    let simple = |c: char| (Some(c), 2);
    match kind {
        b'n' => simple('\n'),
        b'r' => simple('\r'),
        b't' => simple('\t'),
        b'/' => simple('/'),
        b'\\' => simple('\\'),
        b'"' => simple('"'),
        b'\'' => simple('\''),
        b'0'..=b'3' => match octal_at(s) {
            Some(c) => (Some(c), 4),
            None => (None, 2),
        },
        b'x' => match s.get(2..4).and_then(hex_value).and_then(char::from_u32) {
            Some(c) => (Some(c), 4),
            None => (None, 2),
        },
        b'u' if s.get(2) == Some(&b'{') => {
            let close = s.iter().take(12).position(|&b| b == b'}');
            match close.and_then(|c| hex_value(&s[3..c]).map(|v| (v, c))) {
                Some((v, c)) => (
                    char::from_u32(v),
                    if char::from_u32(v).is_some() {
                        c + 1
                    } else {
                        2
                    },
                ),
                None => (None, 2),
            }
        }
        b'u' => {
            let Some(hi) = s.get(2..6).and_then(hex_value) else {
                return (None, 2);
            };
            if (0xD800..0xDC00).contains(&hi) && s.get(6..8) == Some(b"\\u") {
                if let Some(lo) = s.get(8..12).and_then(hex_value) {
                    if (0xDC00..0xE000).contains(&lo) {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return (char::from_u32(c), 12);
                    }
                }
            }
            match char::from_u32(hi) {
                Some(c) => (Some(c), 6),
                None => (None, 6),
            }
        }
        _ => (None, 2),
    }
}

/// Undoes `%XX` escapes, when the file has one that decodes to a token character.
pub(super) fn percent_decode(data: &[u8], budget: usize) -> Option<View> {
    let token_char = |w: &[u8]| {
        w[0] == b'%'
            && hex_value(&w[1..3]).is_some_and(|v| {
                let c = v as u8;
                c.is_ascii_alphanumeric() || b"+/=_-.:@\n".contains(&c)
            })
    };
    memchr::memchr_iter(b'%', data).find(|&i| data.get(i..i + 3).is_some_and(token_char))?;
    let decoded = regional(data, b"%", budget, |at| {
        data.get(at + 1..at + 3)
            .and_then(hex_value)
            .map(|v| (Decoded1::byte(v as u8), 3))
    })?;
    Some(View::new(
        decoded.0,
        Decoding::Percent,
        OffsetMap::Segments(decoded.1),
    ))
}

/// Named HTML entities of characters tokens and their surroundings use.
pub(super) const ENTITIES: &[(&[u8], char)] = &[
    (b"amp;", '&'),
    (b"lt;", '<'),
    (b"gt;", '>'),
    (b"quot;", '"'),
    (b"apos;", '\''),
    (b"sol;", '/'),
    (b"lowbar;", '_'),
    (b"hyphen;", '-'),
    (b"plus;", '+'),
    (b"equals;", '='),
    (b"colon;", ':'),
    (b"period;", '.'),
];

/// The character an entity at the start of `s` (which begins with `&`) stands for, and
/// its length.
pub(super) fn entity_at(s: &[u8]) -> Option<(char, usize)> {
    let rest = s.get(1..)?;
    if let Some(num) = rest.strip_prefix(b"#") {
        let (digits, radix, skip) = match num.first() {
            Some(b'x' | b'X') => (&num[1..], 16, 3),
            _ => (num, 10, 2),
        };
        let len = digits
            .iter()
            .take(8)
            .take_while(|b| char::from(**b).is_digit(radix))
            .count();
        if len == 0 || digits.get(len) != Some(&b';') {
            return None;
        }
        let text = std::str::from_utf8(&digits[..len]).ok()?;
        let c = char::from_u32(u32::from_str_radix(text, radix).ok()?)?;
        return Some((c, skip + len + 1));
    }
    ENTITIES
        .iter()
        .find(|(name, _)| rest.starts_with(name))
        .map(|&(name, c)| (c, 1 + name.len()))
}

/// Undoes HTML character references, in a file with a numeric one for a letter or digit
/// (named ones, `&amp;` in every HTML page, and `&#39;` quotes in templates hide no token).
pub(super) fn html_entities(data: &[u8], budget: usize) -> Option<View> {
    memmem::find_iter(data, b"&#")
        .find(|&i| entity_at(&data[i..]).is_some_and(|(c, _)| c.is_ascii_alphanumeric()))?;
    let decoded = regional(data, b"&", budget, |at| {
        entity_at(&data[at..]).map(|(c, used)| (Decoded1::char(c), used))
    })?;
    Some(View::new(
        decoded.0,
        Decoding::HtmlEntity,
        OffsetMap::Segments(decoded.1),
    ))
}

/// Characters of tokens and of the text rules match around them (base64, URLs, `user:pass@`).
pub(super) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-+/=.%~:@".contains(&b)
}

/// Token characters the two sides of a join must have together: less cannot be a token
/// of any rule, and requiring it keeps ordinary concatenation (`"Invalid " + name`,
/// `"px" + "…"`) from making a view of most bundles.
pub(super) const MIN_JOINED: usize = 16;

/// The length of `" + "` at `at` (a closing quote, a `+` between blanks, the same quote
/// opening again), when it joins two runs of token characters long enough for a token.
pub(super) fn join_at(data: &[u8], at: usize) -> Option<usize> {
    let quote = data[at];
    let left = data[..at]
        .iter()
        .rev()
        .take(MIN_JOINED)
        .take_while(|b| is_token_byte(**b))
        .count();
    if left < 2 {
        return None;
    }
    let blank = |i: usize| data.get(i).is_some_and(|b| b" \t\r\n".contains(b));
    let mut i = at + 1;
    while blank(i) && i - at < 16 {
        i += 1;
    }
    if data.get(i) != Some(&b'+') {
        return None;
    }
    i += 1;
    while blank(i) && i - at < 32 {
        i += 1;
    }
    if data.get(i) != Some(&quote) {
        return None;
    }
    let right = data[i + 1..]
        .iter()
        .take(MIN_JOINED)
        .take_while(|b| is_token_byte(**b))
        .count();
    (right >= 2 && left + right >= MIN_JOINED).then_some(i + 1 - at)
}

/// Joins string literals concatenated with `+` where both sides are token characters:
/// `"ghp_" + "Zq8…"` becomes `"ghp_Zq8…"`.
pub(super) fn concatenation(data: &[u8], budget: usize) -> Option<View> {
    // Quotes are everywhere in code and `+` is not: find a join from its `+` first, so a
    // file without one costs one `memchr` pass.
    memchr::memchr_iter(b'+', data).find(|&plus| {
        let mut at = plus;
        while at > 0 && plus - at < 16 && b" \t\r\n".contains(&data[at - 1]) {
            at -= 1;
        }
        at.checked_sub(1)
            .is_some_and(|q| b"\"'`".contains(&data[q]) && join_at(data, q).is_some())
    })?;
    let decoded = regional(data, b"\"'`", budget, |at| {
        join_at(data, at).map(|used| (Decoded1::empty(), used))
    })?;
    Some(View::new(
        decoded.0,
        Decoding::Concat,
        OffsetMap::Segments(decoded.1),
    ))
}

/// A UTF-16 text as UTF-8.
pub(super) fn utf16(data: &[u8], budget: usize) -> Option<View> {
    let le = crate::text::utf16_order(data)?;
    // UTF-8 of UTF-16 text takes at most 3 bytes per 2; a text that would not fit is left to
    // the plain scan.
    if data.len() / 2 * 3 > budget {
        return None;
    }
    let start = if matches!(data, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) {
        2
    } else {
        0
    };
    let units = data[start..].chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let mut out = Vec::with_capacity(data.len() / 2);
    // A point wherever a character is not one unit and one byte, so the map stays small
    // for ASCII text.
    let mut segs = vec![(0, start)];
    let mut orig = start;
    let mut buf = [0u8; 4];
    for r in char::decode_utf16(units) {
        let (c, units) = match r {
            Ok(c) => (c, c.len_utf16()),
            Err(_) => (char::REPLACEMENT_CHARACTER, 1),
        };
        let bytes = c.encode_utf8(&mut buf).len();
        out.extend_from_slice(&buf[..bytes]);
        orig += 2 * units;
        if bytes != 1 || units != 1 {
            segs.push((out.len(), orig));
        }
    }
    texty(&out).then(|| View::new(out, Decoding::Utf16, OffsetMap::Doubled(segs)))
}
