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

mod base64_runs;
mod escapes;

use base64_runs::*;
use escapes::*;

use ::base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use ::base64::engine::DecodePaddingMode;
use ::base64::{alphabet, Engine as _};
use memchr::memmem;

/// How deep decoders nest at most; the byte budget is what normally ends the descent.
pub const MAX_DEPTH: usize = 8;
/// Most decoded views one file may produce (a safety net; every decoder makes at most one
/// view of each text).
pub const MAX_VIEWS: usize = 1024;
/// Most decoded bytes one file may produce, all views together.
pub const MAX_DECODED: usize = 64 << 20;
/// ... and at most this many times the file's own size (plus `SMALL_FILE_ALLOWANCE`), maps
/// included: the bound on what decoding adds to a scan's memory.
pub const DECODED_PER_BYTE: usize = 4;
/// What a small file may decode to whatever its size (nested views of a short blob).
pub const SMALL_FILE_ALLOWANCE: usize = 64 << 10;
/// What one point of a view's offset map costs in memory, counted against the budget.
pub(super) const SEGMENT_COST: usize = std::mem::size_of::<(usize, usize)>();
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

    /// The memory this view adds: its bytes and its own offset map (a parent's is shared).
    pub fn cost(&self) -> usize {
        let map = match self.maps.first().map(|m| &**m) {
            Some(OffsetMap::Segments(s) | OffsetMap::Doubled(s)) => s.len() * SEGMENT_COST,
            Some(OffsetMap::Pieces(p)) => {
                p.len() * std::mem::size_of::<(usize, usize, usize, usize)>()
            }
            None => 0,
        };
        self.data.len() + map
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

/// The decoded bytes (maps included) `views` may make of a file of `len` bytes.
pub fn budget_for(len: usize) -> usize {
    MAX_DECODED.min(len.saturating_mul(DECODED_PER_BYTE) + SMALL_FILE_ALLOWANCE)
}

/// Every decoded view of `data`, breadth first, within the module's bounds: together their
/// `cost` never exceeds `budget_for(data.len())`, as each decoder is handed what is left.
pub fn views(data: &[u8]) -> Vec<View> {
    type Decoder = fn(&[u8], usize) -> Option<View>;
    // The same decoder may apply twice: a source map's sourcesContent holds source code
    // whose own strings are escaped, so a key there is escaped twice.
    const DECODERS: [Decoder; 6] = [
        js_unescape,
        percent_decode,
        html_entities,
        concatenation,
        utf16,
        base64_runs,
    ];
    let mut out: Vec<View> = Vec::new();
    let mut budget = budget_for(data.len());
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
            let parent_digest = digest(match parent {
                None => data,
                Some(i) => &out[i].data,
            });
            for decode in DECODERS {
                let (bytes, parent_view) = match parent {
                    None => (data, &root),
                    Some(i) => (out[i].data.as_slice(), &out[i]),
                };
                let Some(v) = decode(bytes, budget) else {
                    continue;
                };
                let v = match parent {
                    None => v,
                    Some(_) => v.rebase(parent_view),
                };
                if out.len() >= MAX_VIEWS || v.cost() > budget {
                    return out;
                }
                // Decoders mostly commute (`%2F` inside `\u…` text and the reverse), so
                // different chains often reach the same bytes: scan those once.
                let d = digest(&v.data);
                if d == parent_digest || !seen.insert(d) {
                    continue;
                }
                budget -= v.cost();
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
    fn decoded_views_stay_within_a_multiple_of_the_file() {
        // Issue 17: 250 MiB of `\/` made a 125 MiB view with a 2 GiB offset map.
        for data in [
            b"\\/".repeat(1 << 20),
            b"%41".repeat(1 << 19),
            b"&#65;".repeat(1 << 18),
            br#""ghp_aaaaaaaaaaaaaaaa" + "bbbbbbbbbbbbbbbbbbbb" + "#.repeat(1 << 15),
        ] {
            let total: usize = views(&data).iter().map(View::cost).sum();
            assert!(total > 0, "a view is still made");
            assert!(
                total <= budget_for(data.len()),
                "{total} decoded bytes for a {} byte file",
                data.len()
            );
            assert!(budget_for(data.len()) <= DECODED_PER_BYTE * data.len() + SMALL_FILE_ALLOWANCE);
        }
        // A prefix is decoded when the whole does not fit.
        let v = views(&b"\\/".repeat(1 << 20));
        assert!(v[0].data.starts_with(b"////"));
    }

    #[test]
    fn plain_text_makes_no_views() {
        assert!(views(b"const a = 1; // nothing encoded here\n").is_empty());
    }
}
