//! Text helpers every layer shares: making untrusted text safe to print, counting characters
//! in UTF-8 bytes, and the number formats reports use. Pure functions on strings and bytes;
//! nothing here knows about rules, findings or packages.

pub mod kind;

pub use kind::{is_binary, utf16_order};

/// Replaces control characters (a hostile package can put terminal escape sequences in a file
/// name or its content) so nothing packguard prints can drive the user's terminal.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\t') {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Moves an offset back to the start of a UTF-8 character.
pub fn char_boundary(data: &[u8], mut i: usize) -> usize {
    while i > 0 && i < data.len() && (data[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}

/// Backs off `chars` characters from `from`, not past `floor`.
pub fn back_chars(data: &[u8], from: usize, floor: usize, chars: usize) -> usize {
    let mut i = from;
    let mut n = 0;
    while i > floor && n < chars {
        i -= 1;
        if (data[i] & 0xC0) != 0x80 {
            n += 1;
        }
    }
    i
}

pub fn forward_chars(data: &[u8], from: usize, ceil: usize, chars: usize) -> usize {
    let mut i = from;
    let mut n = 0;
    while i < ceil && n < chars {
        i += 1;
        if i >= ceil || (data[i] & 0xC0) != 0x80 {
            n += 1;
        }
    }
    char_boundary(data, i.min(ceil))
}

/// Cuts `text` to at most `max` characters, marking the cut with `…`.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A byte count in binary units: `1536` as `1.5 KiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// Unicode scalar values in UTF-8 bytes (continuation bytes do not start one).
pub fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// `1900` as `1,900`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_replaces_escape_sequences() {
        assert_eq!(sanitize("a\x1b[31mb"), "a\u{fffd}[31mb");
        assert_eq!(sanitize("tab\tok"), "tab\tok");
    }
}
