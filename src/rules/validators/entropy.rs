//! Shannon entropy in bits per byte.
//!
//! Random base62 tokens score about 5.2-5.9, hex about 3.7-4.0 (at lengths 32-64), words
//! and identifiers 2.5-3.5, and `xxxxxxxx` zero. Rules set their own floor (`entropy:`),
//! because a hex secret and a base64 one cannot share a threshold.

/// Shannon entropy of `data`, in bits per byte (0 for empty input).
pub fn shannon(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[usize::from(b)] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"xxxxxxxx"), 0.0);
        assert!((shannon(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon(b"q8Zr2LmX0pVt7Ka9Wn4Bd1Ys6Hc3Fg5J") > 4.5);
        assert!(shannon(b"your_api_key_here") < 3.6);
    }
}
