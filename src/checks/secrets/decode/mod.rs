//! Decoded views of a file: where a secret is written escaped or encoded, the rules run
//! again over the decoded text.
//!
//! Three decoders, applied to the file and then to what they produce, down to `MAX_DEPTH`:
//! - `js-escape`: `\uXXXX` (surrogate pairs joined), `\u{…}`, `\xXX`, `\/` and the
//!   one-letter escapes of JS and JSON strings. Bundlers and JSON encoders write `/` as `\/`
//!   and non-ASCII (sometimes all) characters as `\u…`; a PEM key in a JSON string has `\n`.
//! - `percent`: `%XX` in URLs and query strings.
//! - `base64`: runs of at least `MIN_BASE64` base64 (or base64url) characters that decode
//!   to text. Binary results (fonts, images, hashes) are thrown away, which is also what
//!   keeps integrity hashes and data-URI images quiet.
//!
//! Every view maps an offset in its bytes back to an offset in the original file, so a
//! finding still points at the bytes a user can find in the file. Work is bounded: a file
//! makes at most `MAX_VIEWS` views and `MAX_DECODED` decoded bytes, and a base64 run longer
//! than `MAX_BASE64_RUN` is skipped (those are embedded assets, not credentials).

use memchr::memmem;

mod base64_runs;
use base64_runs::base64_runs;

/// How deep decoders nest (base64 inside a JSON string inside base64 is three).
pub const MAX_DEPTH: usize = 3;
/// Most decoded views one file may produce.
pub const MAX_VIEWS: usize = 256;
/// Most decoded bytes one file may produce, all views together.
pub const MAX_DECODED: usize = 64 << 20;
/// Shortest base64 run worth decoding: shorter ones decode to fewer than 24 bytes, and
/// the rules' tokens are longer than that.
pub const MIN_BASE64: usize = 32;
/// Longest base64 run decoded (about 3 MiB of output).
pub const MAX_BASE64_RUN: usize = 4 << 20;

/// Which decoder produced a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoding {
    JsEscape,
    Percent,
    Base64,
}

impl Decoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Decoding::JsEscape => "js-escape",
            Decoding::Percent => "percent",
            Decoding::Base64 => "base64",
        }
    }
}

/// How a view's offsets relate to the original file's.
#[derive(Clone, Debug)]
enum OffsetMap {
    /// Piecewise linear: `(view offset, original offset)` at each point where the two stop
    /// advancing together, sorted by view offset.
    Segments(Vec<(usize, usize)>),
    /// Every byte comes from the original range `start..end` as a whole (base64).
    Whole(usize, usize),
}

/// A decoded copy of (part of) a file.
#[derive(Clone, Debug)]
pub struct View {
    pub data: Vec<u8>,
    /// The decoders applied, outermost first: `["base64", "js-escape"]`.
    pub chain: Vec<Decoding>,
    map: OffsetMap,
}

impl View {
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
        match &self.map {
            OffsetMap::Whole(a, b) => (*a, *b),
            OffsetMap::Segments(segs) => {
                let at = |off: usize, end: bool| {
                    // For an end offset, the segment that contains the last byte.
                    let probe = if end { off.saturating_sub(1) } else { off };
                    let i = segs.partition_point(|&(v, _)| v <= probe).saturating_sub(1);
                    let (v, o) = segs.get(i).copied().unwrap_or((0, 0));
                    let mapped = o + (probe - v.min(probe));
                    if end {
                        // The end of a decoded escape is the end of the escape text.
                        let next = segs.get(i + 1).map(|&(_, o2)| o2);
                        match next {
                            Some(n) if segs[i + 1].0 == off => n,
                            _ => mapped + 1,
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

    /// Composes this view's map with its parent's, so offsets go straight to the file.
    fn rebase(mut self, parent: &View) -> View {
        self.map = match self.map {
            OffsetMap::Whole(a, b) => {
                let (s, e) = parent.to_original(a, b);
                OffsetMap::Whole(s, e)
            }
            OffsetMap::Segments(segs) => match &parent.map {
                OffsetMap::Whole(a, b) => OffsetMap::Whole(*a, *b),
                OffsetMap::Segments(_) => OffsetMap::Segments(
                    segs.into_iter()
                        .map(|(v, o)| (v, parent.to_original(o, o).0))
                        .collect(),
                ),
            },
        };
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
        map: OffsetMap::Segments(vec![(0, 0)]),
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
            made.extend(base64_runs(bytes, &mut budget));
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
    let decoded = regional(data, b'\\', |at| {
        let (ch, used) = escape_at(&data[at..]);
        ch.map(|c| (Decoded1::char(c), used))
    })?;
    Some(View {
        data: decoded.0,
        chain: vec![Decoding::JsEscape],
        map: OffsetMap::Segments(decoded.1),
    })
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

/// Decodes every escape (introduced by `trigger`, decoded by `decode_at(offset)` into bytes
/// and the length it used) in `data`. When the escapes touch most of the file (a source map
/// whose sourcesContent is all escaped), the view is the whole file decoded; otherwise it
/// is only the regions around them, so a large file with a handful of escapes does not
/// cost a full copy and a full rescan. `None` when nothing decodes.
fn regional(
    data: &[u8],
    trigger: u8,
    decode_at: impl Fn(usize) -> Option<(Decoded1, usize)>,
) -> Option<Decoded> {
    let mut regions: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(rel) = memchr::memchr(trigger, &data[i..]) {
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
            let Some(rel) = memchr::memchr(trigger, &data[i..b]) else {
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
    let decoded = regional(data, b'%', |at| {
        data.get(at + 1..at + 3)
            .and_then(hex_value)
            .map(|v| (Decoded1::byte(v as u8), 3))
    })?;
    Some(View {
        data: decoded.0,
        chain: vec![Decoding::Percent],
        map: OffsetMap::Segments(decoded.1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

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
    fn plain_text_makes_no_views() {
        assert!(views(b"const a = 1; // nothing encoded here\n").is_empty());
    }
}
