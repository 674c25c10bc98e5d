//! What kind of text a file's bytes are: binary or text, and UTF-16 when it is text with a
//! NUL beside every ASCII character.
//!
//! Content rules skip binary files, so this judgement decides whether a file is scanned at
//! all. A single NUL does not make a file binary: bundlers and JSON writers leave stray NULs
//! in JavaScript, JSON and source maps, and skipping those files hid every secret in them.
//! What makes bytes binary is a share of control bytes that text never has (compressed
//! data, images and fonts have about one in ten).

/// Bytes looked at to judge a file (as git does, the first 8000).
pub const SNIFF: usize = 8000;

/// Whether `data` is binary: its first `SNIFF` bytes have a NUL, are not UTF-16 text, and
/// more than 1% of them are control bytes that text does not use.
pub fn is_binary(data: &[u8]) -> bool {
    let sniff = &data[..data.len().min(SNIFF)];
    if !sniff.contains(&0) || utf16_order(sniff).is_some() {
        return false;
    }
    let controls = sniff
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1b))
        .count();
    controls * 100 > sniff.len()
}

/// The byte order of UTF-16 text (`Some(true)` for little-endian), from a byte order mark
/// or, without one, from mostly ASCII text: a NUL at every other byte and nowhere else.
pub fn utf16_order(data: &[u8]) -> Option<bool> {
    match data {
        [0xFF, 0xFE, ..] => return Some(true),
        [0xFE, 0xFF, ..] => return Some(false),
        _ => {}
    }
    let sniff = &data[..data.len().min(SNIFF) & !1];
    if sniff.len() < 16 {
        return None;
    }
    let pairs = sniff.len() / 2;
    let (mut even, mut odd) = (0, 0);
    for p in sniff.chunks_exact(2) {
        even += usize::from(p[0] == 0);
        odd += usize::from(p[1] == 0);
    }
    // ASCII in UTF-16LE is `c 0`: every odd byte zero, almost no even one.
    if odd * 10 >= pairs * 9 && even * 10 <= pairs {
        Some(true)
    } else if even * 10 >= pairs * 9 && odd * 10 <= pairs {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_nul_does_not_make_text_binary() {
        let mut js = b"var a = 1;\n".repeat(100);
        js[50] = 0;
        assert!(!is_binary(&js));
        let png = [
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 1, 2, 3, 4,
        ];
        assert!(is_binary(&png.repeat(50)));
    }

    #[test]
    fn utf16_text_is_text() {
        let le: Vec<u8> = "token = 1;\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "token = 1;\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16_order(&le.repeat(4)), Some(true));
        assert_eq!(utf16_order(&be.repeat(4)), Some(false));
        assert!(!is_binary(&le.repeat(4)));
        assert_eq!(utf16_order(b"plain ascii text here"), None);
    }
}
