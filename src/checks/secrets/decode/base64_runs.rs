//! The base64 decoder: runs of base64 or base64url characters (wrapped lines joined) that
//! decode to text, all runs of one input in one `View`.

use super::*;

/// Byte classes for the base64 scan, one bit each.
pub(super) const B64: u8 = 1;
pub(super) const UPPER: u8 = 2;
pub(super) const LOWER: u8 = 4;
pub(super) const DIGIT: u8 = 8;
/// `-` and `_`: base64url only.
pub(super) const URL: u8 = 16;
/// `+` and `/`: standard base64 only.
pub(super) const PLUS: u8 = 32;

pub(super) const CLASSES: [u8; 256] = {
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

pub(super) fn is_b64(b: u8) -> bool {
    CLASSES[usize::from(b)] & B64 != 0
}

pub(super) const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
pub(super) const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
pub(super) const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Where the base64 run ending at `stop` (on a line starting at `line_start`) continues on
/// the next line, if it is wrapped: a full line (a multiple of 4, long enough) with no
/// padding, then a line break, optional indentation and more base64.
pub(super) fn wrapped_continuation(data: &[u8], line_start: usize, stop: usize) -> Option<usize> {
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
pub(super) fn base64_runs(data: &[u8], budget: usize) -> Option<View> {
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
        let piece = std::mem::size_of::<(usize, usize, usize, usize)>();
        if out.len() + decoded.len() + REGION_SEPARATOR.len() + (pieces.len() + 1) * piece > budget
        {
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
