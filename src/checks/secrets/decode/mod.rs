//! Decoded views of a file: where a secret is written escaped or encoded, the rules run
//! again over the decoded text.
//!
//! Decoders, applied to the file and then to what they produce, as deep as the budget
//! allows (an inline source map of a bundle of a base64 config is four deep):
//! - `js-escape`: `\uXXXX` (surrogate pairs joined), `\u{…}`, `\xXX`, three-digit octal
//!   `\101`, `\/` and the one-letter escapes of JS and JSON strings. Bundlers and JSON
//!   encoders write `/` as `\/` and non-ASCII (sometimes all) characters as `\u…`; a PEM
//!   key in a JSON string has `\n`; shell `printf` and C strings use octal.
//! - `percent`: `%XX` in URLs and query strings.
//! - `html-entity`: `&#103;`, `&#x67;` and the named entities of token characters, in a
//!   file with a numeric one.
//! - `concat`: `"ghp_" + "…"`, a token split into string literals joined with `+`.
//! - `utf-16`: a UTF-16LE or UTF-16BE file (with or without a byte order mark) as UTF-8.
//! - `base64`: runs of at least `MIN_BASE64` base64 (or base64url) characters that decode
//!   to text, lines wrapped at any width (64 and 76 are common) joined first. Binary
//!   results (fonts, images, hashes) are thrown away, which is also what keeps integrity
//!   hashes and data-URI images quiet. All runs of one text make one view, so a file with
//!   hundreds of small blobs still has its last one decoded.
//!
//! Every view maps an offset in its bytes back to an offset in the original file, so a
//! finding still points at the bytes a user can find in the file. Work is bounded by bytes,
//! not by counts: a file makes at most `MAX_DECODED` decoded bytes over all views, and a
//! base64 run longer than `MAX_BASE64_RUN` is skipped (those are embedded assets, not
//! credentials). `MAX_DEPTH` and `MAX_VIEWS` only stop degenerate inputs that decode to
//! themselves.

use std::sync::Arc;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use memchr::memmem;

/// How deep decoders nest at most; the byte budget is what normally ends the descent.
pub const MAX_DEPTH: usize = 8;
/// Most decoded views one file may produce (a safety net; every decoder makes at most one
/// view of each text).
pub const MAX_VIEWS: usize = 1024;
/// Most decoded bytes one file may produce, all views together.
pub const MAX_DECODED: usize = 64 << 20;
/// Shortest base64 run worth decoding: shorter ones decode to fewer than 24 bytes, and
/// the rules' tokens are longer than that.
pub const MIN_BASE64: usize = 32;
/// Longest base64 run decoded (about 3 MiB of output).
pub const MAX_BASE64_RUN: usize = 4 << 20;
/// Shortest base64 line that may continue on the next one: wrapped base64 is written in
/// lines of 64 or 76 characters, and a shorter line ends the block.
const MIN_WRAPPED_LINE: usize = 40;

/// Which decoder produced a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoding {
    JsEscape,
    Percent,
    HtmlEntity,
    Concat,
    Utf16,
    Base64,
}

impl Decoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Decoding::JsEscape => "js-escape",
            Decoding::Percent => "percent",
            Decoding::HtmlEntity => "html-entity",
            Decoding::Concat => "concat",
            Decoding::Utf16 => "utf-16",
            Decoding::Base64 => "base64",
        }
    }
}

/// How a view's offsets relate to its parent's (the file's, for a view of the file).
#[derive(Clone, Debug)]
enum OffsetMap {
    /// Piecewise linear: `(view offset, parent offset)` at each point where the two stop
    /// advancing together, sorted by view offset.
    Segments(Vec<(usize, usize)>),
    /// Like `Segments`, with two parent bytes per view byte (UTF-16 code units).
    Doubled(Vec<(usize, usize)>),
    /// `(view start, view end, parent start, parent end)`, sorted: every byte of a piece
    /// comes from its parent range as a whole (a base64 run).
    Pieces(Vec<(usize, usize, usize, usize)>),
}

impl OffsetMap {
    /// The parent range of the view range `start..end`.
    fn to_parent(&self, start: usize, end: usize) -> (usize, usize) {
        match self {
            OffsetMap::Pieces(pieces) => {
                let piece = |off: usize| {
                    let i = pieces.partition_point(|p| p.0 <= off).saturating_sub(1);
                    pieces.get(i).copied().unwrap_or((0, 0, 0, 0))
                };
                let first = piece(start);
                let last = piece(end.saturating_sub(1).max(start));
                (first.2, last.3.max(first.2))
            }
            OffsetMap::Segments(segs) | OffsetMap::Doubled(segs) => {
                let step = if matches!(self, OffsetMap::Doubled(_)) {
                    2
                } else {
                    1
                };
                let at = |off: usize, end: bool| {
                    // For an end offset, the segment that contains the last byte.
                    let probe = if end { off.saturating_sub(1) } else { off };
                    let i = segs.partition_point(|&(v, _)| v <= probe).saturating_sub(1);
                    let (v, o) = segs.get(i).copied().unwrap_or((0, 0));
                    let mapped = o + step * (probe - v.min(probe));
                    if end {
                        // The end of a decoded escape is the end of the escape text.
                        let next = segs.get(i + 1).map(|&(_, o2)| o2);
                        match next {
                            Some(n) if segs[i + 1].0 == off => n,
                            _ => mapped + step,
                        }
                    } else {
                        mapped
                    }
                };
                if end <= start {
                    let s = at(start, false);
                    return (s, s);
                }
                (at(start, false), at(end, true))
            }
        }
    }
}

/// A decoded copy of (part of) a file.
#[derive(Clone, Debug)]
pub struct View {
    pub data: Vec<u8>,
    /// The decoders applied, outermost first: `["base64", "js-escape"]`.
    pub chain: Vec<Decoding>,
    /// This view's map to its parent, then the parent's to its own, out to the file.
    /// Shared, because every view of a large escaped view would otherwise copy its map.
    maps: Vec<Arc<OffsetMap>>,
}

impl View {
    fn new(data: Vec<u8>, decoding: Decoding, map: OffsetMap) -> View {
        View {
            data,
            chain: vec![decoding],
            maps: vec![Arc::new(map)],
        }
    }

    /// `base64+js-escape`: how the finding's message names what revealed it.
    pub fn describe(&self) -> String {
        self.chain
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// The original-file range of the view range `start..end`.
    pub fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        self.maps
            .iter()
            .fold((start, end), |(s, e), map| map.to_parent(s, e))
    }

    /// Makes a view of `parent`'s bytes a view of the file.
    fn rebase(mut self, parent: &View) -> View {
        self.maps.extend(parent.maps.iter().cloned());
        let mut chain = parent.chain.clone();
        chain.extend(self.chain);
        self.chain = chain;
        self
    }
}

/// Every decoded view of `data`, breadth first, within the module's bounds.
pub fn views(data: &[u8]) -> Vec<View> {
    let mut out: Vec<View> = Vec::new();
    let mut budget = MAX_DECODED;
    let root = View {
        data: Vec::new(),
        chain: Vec::new(),
        maps: Vec::new(),
    };
    let mut frontier: Vec<Option<usize>> = vec![None];
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for parent in frontier {
            let (bytes, parent_view) = match parent {
                None => (data, &root),
                Some(i) => (out[i].data.as_slice(), &out[i]),
            };
            // The same decoder may apply twice: a source map's sourcesContent holds source
            // code whose own strings are escaped, so a key there is escaped twice.
            let mut made = Vec::new();
            made.extend(js_unescape(bytes));
            made.extend(percent_decode(bytes));
            made.extend(html_entities(bytes));
            made.extend(concatenation(bytes));
            made.extend(utf16(bytes));
            made.extend(base64_runs(bytes, budget));
            let parent_digest = digest(bytes);
            let made: Vec<View> = made
                .into_iter()
                .map(|v| match parent {
                    None => v,
                    Some(_) => v.rebase(parent_view),
                })
                .collect();
            for v in made {
                if out.len() >= MAX_VIEWS || v.data.len() > budget {
                    return out;
                }
                // Decoders mostly commute (`%2F` inside `\u…` text and the reverse), so
                // different chains often reach the same bytes: scan those once.
                let d = digest(&v.data);
                if d == parent_digest || !seen.insert(d) {
                    continue;
                }
                budget -= v.data.len();
                out.push(v);
                next.push(Some(out.len() - 1));
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    out
}

/// Length and CRC-32 of a view: tells two views apart at memory speed (a source map's view
/// is tens of megabytes, and SipHash showed in profiles). A collision only skips a view.
fn digest(data: &[u8]) -> u64 {
    ((data.len() as u64) << 32) | u64::from(crc32fast::hash(data))
}

/// Whether the file has an escape that can hide part of a token: a `\u`/`\x` escape, an
/// escaped `/`, or a `\n` next to a PEM header (a key inside a JSON string).
fn has_token_escapes(data: &[u8]) -> bool {
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
fn octal_at(s: &[u8]) -> Option<char> {
    let d = s.get(1..4)?;
    if !matches!(d[0], b'0'..=b'3') || !d[1..].iter().all(|b| (b'0'..=b'7').contains(b)) {
        return None;
    }
    let v = d.iter().fold(0u32, |acc, &b| acc * 8 + u32::from(b - b'0'));
    char::from_u32(v)
}

fn hex(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

fn hex_value(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, &b| Some(acc * 16 + hex(b)?))
}

/// Undoes JS/JSON string escapes in `data` (the decoder does not know where strings start,
/// and does not need to: outside strings a backslash is rare).
fn js_unescape(data: &[u8]) -> Option<View> {
    if !has_token_escapes(data) {
        return None;
    }
    let decoded = regional(data, b"\\", |at| {
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
struct Decoded1 {
    buf: [u8; 4],
    len: u8,
}

impl Decoded1 {
    fn char(c: char) -> Decoded1 {
        let mut buf = [0u8; 4];
        let len = c.encode_utf8(&mut buf).len() as u8;
        Decoded1 { buf, len }
    }

    /// An escape that stands for nothing (the `" + "` between two literals).
    fn empty() -> Decoded1 {
        Decoded1 {
            buf: [0; 4],
            len: 0,
        }
    }

    fn byte(b: u8) -> Decoded1 {
        Decoded1 {
            buf: [b, 0, 0, 0],
            len: 1,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// Bytes kept on each side of a decoded escape in a regional view: more than the longest
/// single-line token the rules know, so a token with one escaped character is whole.
const REGION_MARGIN: usize = 512;
/// Between two regions of a regional view: a line break and a NUL, which no token spans.
const REGION_SEPARATOR: &[u8] = b"\n\0\n";

/// The first of `triggers` (one to three bytes) in `hay`.
fn find_trigger(triggers: &[u8], hay: &[u8]) -> Option<usize> {
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
fn regional(
    data: &[u8],
    triggers: &[u8],
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
    let mut out = Vec::with_capacity(covered.min(data.len()) + regions.len() * 3);
    let mut segs = Vec::new();
    for (a, b) in regions {
        if !out.is_empty() {
            out.extend_from_slice(REGION_SEPARATOR);
        }
        segs.push((out.len(), a));
        let mut i = a;
        while i < b {
            let Some(rel) = find_trigger(triggers, &data[i..b]) else {
                out.extend_from_slice(&data[i..b]);
                break;
            };
            let at = i + rel;
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
        }
    }
    Some((out, segs))
}

/// The character an escape at the start of `s` (which begins with `\`) stands for, and
/// how many bytes it takes; `None` keeps the bytes as they are.
fn escape_at(s: &[u8]) -> (Option<char>, usize) {
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
fn percent_decode(data: &[u8]) -> Option<View> {
    let token_char = |w: &[u8]| {
        w[0] == b'%'
            && hex_value(&w[1..3]).is_some_and(|v| {
                let c = v as u8;
                c.is_ascii_alphanumeric() || b"+/=_-.:@\n".contains(&c)
            })
    };
    memchr::memchr_iter(b'%', data).find(|&i| data.get(i..i + 3).is_some_and(token_char))?;
    let decoded = regional(data, b"%", |at| {
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
const ENTITIES: &[(&[u8], char)] = &[
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
fn entity_at(s: &[u8]) -> Option<(char, usize)> {
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
fn html_entities(data: &[u8]) -> Option<View> {
    memmem::find_iter(data, b"&#")
        .find(|&i| entity_at(&data[i..]).is_some_and(|(c, _)| c.is_ascii_alphanumeric()))?;
    let decoded = regional(data, b"&", |at| {
        entity_at(&data[at..]).map(|(c, used)| (Decoded1::char(c), used))
    })?;
    Some(View::new(
        decoded.0,
        Decoding::HtmlEntity,
        OffsetMap::Segments(decoded.1),
    ))
}

/// Characters of tokens and of the text rules match around them (base64, URLs, `user:pass@`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-+/=.%~:@".contains(&b)
}

/// Token characters the two sides of a join must have together: less cannot be a token
/// of any rule, and requiring it keeps ordinary concatenation (`"Invalid " + name`,
/// `"px" + "…"`) from making a view of most bundles.
const MIN_JOINED: usize = 16;

/// The length of `" + "` at `at` (a closing quote, a `+` between blanks, the same quote
/// opening again), when it joins two runs of token characters long enough for a token.
fn join_at(data: &[u8], at: usize) -> Option<usize> {
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
fn concatenation(data: &[u8]) -> Option<View> {
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
    let decoded = regional(data, b"\"'`", |at| {
        join_at(data, at).map(|used| (Decoded1::empty(), used))
    })?;
    Some(View::new(
        decoded.0,
        Decoding::Concat,
        OffsetMap::Segments(decoded.1),
    ))
}

/// A UTF-16 text as UTF-8.
fn utf16(data: &[u8]) -> Option<View> {
    let le = crate::text::utf16_order(data)?;
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

/// Byte classes for the base64 scan, one bit each.
const B64: u8 = 1;
const UPPER: u8 = 2;
const LOWER: u8 = 4;
const DIGIT: u8 = 8;
/// `-` and `_`: base64url only.
const URL: u8 = 16;
/// `+` and `/`: standard base64 only.
const PLUS: u8 = 32;

const CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_uppercase() {
            B64 | UPPER
        } else if c.is_ascii_lowercase() {
            B64 | LOWER
        } else if c.is_ascii_digit() {
            B64 | DIGIT
        } else if c == b'-' || c == b'_' {
            B64 | URL
        } else if c == b'+' || c == b'/' {
            B64 | PLUS
        } else {
            0
        };
        b += 1;
    }
    t
};

fn is_b64(b: u8) -> bool {
    CLASSES[usize::from(b)] & B64 != 0
}

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Where the base64 run ending at `stop` (on a line starting at `line_start`) continues on
/// the next line, if it is wrapped: a full line (a multiple of 4, long enough) with no
/// padding, then a line break, optional indentation and more base64.
fn wrapped_continuation(data: &[u8], line_start: usize, stop: usize) -> Option<usize> {
    let len = stop - line_start;
    if len < MIN_WRAPPED_LINE || len % 4 != 0 {
        return None;
    }
    let mut i = stop;
    if data.get(i) == Some(&b'\r') {
        i += 1;
    }
    if data.get(i) != Some(&b'\n') {
        return None;
    }
    i += 1;
    let indent = i;
    while data.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') && i - indent < 16 {
        i += 1;
    }
    data.get(i).copied().is_some_and(is_b64).then_some(i)
}

/// The base64 runs of `data` that decode to text, as one view (runs separated by
/// `REGION_SEPARATOR`), within `budget` decoded bytes.
fn base64_runs(data: &[u8], budget: usize) -> Option<View> {
    let mut out = Vec::new();
    let mut pieces = Vec::new();
    // Wrapped lines are joined here; a run on one line is decoded in place.
    let mut joined = Vec::new();
    // Invariant: `i` is 0 or follows a byte that is not base64, so a run starts at or after
    // `i`. A run of `MIN_BASE64` starting anywhere in `i..i + MIN_BASE64` covers the byte at
    // `i + MIN_BASE64 - 1`: when that byte is not base64, the whole stretch is skipped
    // unread, which is what keeps this fast on text.
    let mut i = 0;
    while i + MIN_BASE64 <= data.len() {
        let probe = i + MIN_BASE64 - 1;
        if !is_b64(data[probe]) {
            i = probe + 1;
            continue;
        }
        let mut start = probe;
        while start > i && is_b64(data[start - 1]) {
            start -= 1;
        }
        let mut seen = 0u8;
        let mut stop = start;
        let mut line_start = start;
        let mut wrapped = false;
        joined.clear();
        loop {
            while stop < data.len() {
                let class = CLASSES[usize::from(data[stop])];
                if class & B64 == 0 {
                    break;
                }
                seen |= class;
                stop += 1;
            }
            match wrapped_continuation(data, line_start, stop) {
                Some(next) if stop - start <= MAX_BASE64_RUN => {
                    joined.extend_from_slice(&data[line_start..stop]);
                    wrapped = true;
                    line_start = next;
                    stop = next;
                }
                _ => break,
            }
        }
        if wrapped {
            joined.extend_from_slice(&data[line_start..stop]);
        }
        // The next search starts after the byte that ended this run.
        i = stop + 1;
        let run = if wrapped {
            &joined[..]
        } else {
            &data[start..stop]
        };
        // Encoded data mixes upper case, lower case and digits; words, paths, hex and the
        // middle of `a-b_c` identifiers do not.
        let mixed = seen & (UPPER | LOWER | DIGIT) == UPPER | LOWER | DIGIT;
        if run.len() < MIN_BASE64 || run.len() > MAX_BASE64_RUN || !mixed {
            continue;
        }
        let (url, plus) = (seen & URL != 0, seen & PLUS != 0);
        if url && plus {
            continue;
        }
        let mut end = stop;
        while end < data.len() && data[end] == b'=' && end - stop < 2 {
            end += 1;
        }
        let engine = if url { &URL_SAFE } else { &STANDARD };
        let Ok(decoded) = engine.decode(run) else {
            continue;
        };
        if out.len() + decoded.len() > budget {
            break;
        }
        if !texty(&decoded) {
            continue;
        }
        if !out.is_empty() {
            out.extend_from_slice(REGION_SEPARATOR);
        }
        pieces.push((out.len(), out.len() + decoded.len(), start, end));
        out.extend_from_slice(&decoded);
    }
    (!pieces.is_empty()).then(|| View::new(out, Decoding::Base64, OffsetMap::Pieces(pieces)))
}

/// Decoded bytes worth scanning: valid UTF-8 and almost all printable.
fn texty(decoded: &[u8]) -> bool {
    if std::str::from_utf8(decoded).is_err() {
        return false;
    }
    // Counted over bytes (this runs on every decoded blob): characters are the bytes that
    // do not continue one, controls are C0 (but tab and line breaks), DEL and C1
    // (`0xC2 0x80..=0x9F` in UTF-8).
    let chars = decoded.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    let c0 = decoded
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t')) || b == 0x7F)
        .count();
    let c1 = decoded
        .windows(2)
        .filter(|w| w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1]))
        .count();
    (chars - c0 - c1) * 100 >= chars * 95
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(v: &View, needle: &[u8]) -> (usize, usize) {
        let s = memmem::find(&v.data, needle).expect("needle in view");
        (s, s + needle.len())
    }

    #[test]
    fn js_escapes_decode_and_map_back() {
        let data = br#"x="\u0067hp\u005fabc\/def" tail"#;
        let vs = views(data);
        let v = vs.iter().find(|v| v.chain == [Decoding::JsEscape]).unwrap();
        assert_eq!(v.data, br#"x="ghp_abc/def" tail"#);
        let (s, e) = find(v, b"ghp_abc/def");
        let (os, oe) = v.to_original(s, e);
        assert_eq!(&data[os..oe], br#"\u0067hp\u005fabc\/def"#);
        let (s, e) = find(v, b"tail");
        let (os, oe) = v.to_original(s, e);
        assert_eq!(&data[os..oe], b"tail");
    }

    #[test]
    fn surrogate_pairs_and_braces() {
        let (c, n) = escape_at(br"\ud83d\ude00");
        assert_eq!((c, n), (Some('😀'), 12));
        let (c, n) = escape_at(br"\u{41}");
        assert_eq!((c, n), (Some('A'), 6));
        assert_eq!(escape_at(br"\u12"), (None, 2));
        assert_eq!(escape_at(br"\"), (None, 1));
    }

    #[test]
    fn percent_decoding() {
        let data = b"u=https%3A%2F%2Fx%40y";
        let v = views(data)
            .into_iter()
            .find(|v| v.chain == [Decoding::Percent])
            .unwrap();
        assert_eq!(v.data, b"u=https://x@y");
        let (s, e) = find(&v, b"x@y");
        assert_eq!(
            &data[v.to_original(s, e).0..v.to_original(s, e).1],
            b"x%40y"
        );
    }

    #[test]
    fn base64_text_decodes_binary_does_not() {
        let secret = b"token=ghp_Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J2kQw9";
        let enc = base64::engine::general_purpose::STANDARD.encode(secret);
        let data = format!("var a = \"{enc}\";");
        let vs = views(data.as_bytes());
        let v = vs.iter().find(|v| v.chain == [Decoding::Base64]).unwrap();
        assert_eq!(v.data, secret);
        let (os, oe) = v.to_original(3, 10);
        assert_eq!(&data.as_bytes()[os..oe], enc.as_bytes());
        let bin = base64::engine::general_purpose::STANDARD
            .encode([0u8, 1, 2, 3, 200, 201, 255, 7].repeat(8));
        assert!(views(bin.as_bytes()).is_empty());
    }

    #[test]
    fn nested_base64_in_escaped_json() {
        let inner = base64::engine::general_purpose::STANDARD
            .encode(b"{\"k\":\"npm_Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J2kQw9\"}");
        let outer =
            base64::engine::general_purpose::STANDARD.encode(format!("{{\"m\":\"{inner}\"}}"));
        let data = format!("//# sourceMappingURL=data:application/json;base64,{outer}");
        let vs = views(data.as_bytes());
        let deep = vs
            .iter()
            .find(|v| memmem::find(&v.data, b"npm_Zq8").is_some())
            .unwrap();
        assert_eq!(deep.describe(), "base64+base64");
        let (os, oe) = deep.to_original(0, 5);
        assert_eq!(&data.as_bytes()[os..oe], outer.as_bytes());
    }

    #[test]
    fn the_last_of_many_blobs_maps_back_to_its_own_run() {
        let mut data = String::new();
        for i in 0..300 {
            let blob = base64::engine::general_purpose::STANDARD
                .encode(format!("an ordinary configuration string number {i}"));
            data.push_str(&format!("a{i}=\"{blob}\";\n"));
        }
        let last = base64::engine::general_purpose::STANDARD
            .encode("k=npm_Zq8LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J2kQw9");
        data.push_str(&format!("z=\"{last}\";\n"));
        let vs = views(data.as_bytes());
        let v = vs.iter().find(|v| v.chain == [Decoding::Base64]).unwrap();
        let (s, e) = find(v, b"npm_Zq8");
        let (os, oe) = v.to_original(s, e);
        assert_eq!(&data.as_bytes()[os..oe], last.as_bytes());
    }

    #[test]
    fn utf16_and_concatenation_map_back() {
        let text = "x = \"ghp_abcdefghij\" + \"klmnopqrstuvwxyz\";\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let vs = views(&le);
        let v = vs.iter().find(|v| v.chain == [Decoding::Utf16]).unwrap();
        let (s, e) = find(v, b"ghp_");
        assert_eq!(v.to_original(s, e), (2 + 2 * 5, 2 + 2 * 9));
        let joined = vs
            .iter()
            .find(|v| v.chain == [Decoding::Utf16, Decoding::Concat])
            .unwrap();
        let (s, e) = find(joined, b"ghp_abcdefghijklmnopqrstuvwxyz");
        assert_eq!(joined.to_original(s, e), (2 + 2 * 5, 2 + 2 * 40));
    }

    #[test]
    fn octal_and_html_entities_decode() {
        let v = views(br"printf '\147\150\160\137'");
        assert!(v.iter().any(|v| v.data.ends_with(b"'ghp_'")));
        let v = views(b"<p>&#103;&#x68;p&lowbar;</p>");
        assert!(v.iter().any(|v| v.data == b"<p>ghp_</p>"));
    }

    #[test]
    fn plain_text_makes_no_views() {
        assert!(views(b"const a = 1; // nothing encoded here\n").is_empty());
    }
}
