//! The `base64` decoder: runs of base64 or base64url characters long enough to hold a
//! credential, decoded, and kept only when the result is text.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};

use super::{Decoding, OffsetMap, View, MAX_BASE64_RUN, MAX_VIEWS, MIN_BASE64};

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

/// Base64 runs of `data` that decode to text.
pub(super) fn base64_runs(data: &[u8], budget: &mut usize) -> Vec<View> {
    let mut out = Vec::new();
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
        while stop < data.len() {
            let class = CLASSES[usize::from(data[stop])];
            if class & B64 == 0 {
                break;
            }
            seen |= class;
            stop += 1;
        }
        // The next search starts after the byte that ended this run.
        i = stop + 1;
        let run = &data[start..stop];
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
        if decoded.len() > *budget || !texty(&decoded) {
            continue;
        }
        out.push(View {
            data: decoded,
            chain: vec![Decoding::Base64],
            map: OffsetMap::Whole(start, end),
        });
        if out.len() >= MAX_VIEWS {
            break;
        }
    }
    out
}

/// Decoded bytes worth scanning: valid UTF-8 and almost all printable.
fn texty(decoded: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(decoded) else {
        return false;
    };
    let printable = s
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .count();
    printable * 100 >= s.chars().count() * 95
}
