//! Telling a renamed file from a removed one and an added one: names that differ only by a
//! build hash of the same length (`chunk-4f2a.js` -> `chunk-9b1c.js`), paired when unambiguous
//! and otherwise by a small similarity sketch of their content; then files whose content
//! moved unchanged to a new path.

use std::collections::{BTreeMap, HashSet};

use super::{FileFacts, Renamed};

/// Pairs files that left the old release with files new in this one: first by name, where
/// the only difference is a build hash of the same length (see [`shape`]) and the pairing is
/// unambiguous; then by content, where a new file holds exactly what a vanished one did.
pub(super) fn renames(
    o: &BTreeMap<String, FileFacts>,
    n: &BTreeMap<String, FileFacts>,
) -> Vec<Renamed> {
    let added: Vec<&String> = n.keys().filter(|rel| !o.contains_key(*rel)).collect();
    let removed: Vec<&String> = o.keys().filter(|rel| !n.contains_key(*rel)).collect();
    let mut pairs: Vec<(&String, &String)> = Vec::new();
    let mut by_shape: BTreeMap<String, (Vec<&String>, Vec<&String>)> = BTreeMap::new();
    for rel in &added {
        if let Some(s) = &n[*rel].shape {
            by_shape.entry(s.clone()).or_default().0.push(rel);
        }
    }
    for rel in &removed {
        if let Some(s) = &o[*rel].shape {
            by_shape.entry(s.clone()).or_default().1.push(rel);
        }
    }
    for (now, was) in by_shape.values() {
        match (now.as_slice(), was.as_slice()) {
            ([now], [was]) => pairs.push((now, was)),
            ([], _) | (_, []) => {}
            (now, was) => pairs.extend(pair_similar(now, was, o, n)),
        }
    }
    let taken_new: HashSet<&String> = pairs.iter().map(|p| p.0).collect();
    let taken_old: HashSet<&String> = pairs.iter().map(|p| p.1).collect();
    // By content: empty files all look alike, and say nothing about where one went.
    let mut gone: BTreeMap<[u8; 32], Vec<&String>> = BTreeMap::new();
    for rel in removed.iter().rev().filter(|r| !taken_old.contains(*r)) {
        if let (Some(h), true) = (o[*rel].sha256, o[*rel].size > 0) {
            gone.entry(h).or_default().push(rel);
        }
    }
    for rel in added.iter().filter(|r| !taken_new.contains(*r)) {
        let was = n[*rel]
            .sha256
            .and_then(|h| gone.get_mut(&h))
            .and_then(Vec::pop);
        if let Some(was) = was {
            pairs.push((rel, was));
        }
    }
    let mut out: Vec<Renamed> = pairs
        .into_iter()
        .map(|(now, was)| {
            let (a, b) = (&o[was], &n[now]);
            Renamed {
                path: b.path.clone(),
                from: a.path.clone(),
                old_size: a.size,
                new_size: b.size,
                delta: b.size as i64 - a.size as i64,
                // A file too large to read has no hash: its content is not known to be the same.
                same_content: a.sha256.is_some() && a.sha256 == b.sha256,
                rel: now.clone(),
                from_rel: was.clone(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Files of one shape on both sides (`chunk-<hash>.mjs`, several each): each new file is
/// paired with the old one most like it, most alike first, when half or more of their
/// content is shared (estimated from their sketches). Groups larger than `MAX_GROUP` on
/// either side are left unpaired.
fn pair_similar<'a>(
    now: &[&'a String],
    was: &[&'a String],
    o: &BTreeMap<String, FileFacts>,
    n: &BTreeMap<String, FileFacts>,
) -> Vec<(&'a String, &'a String)> {
    const MAX_GROUP: usize = 2_000;
    if now.len() > MAX_GROUP || was.len() > MAX_GROUP {
        return Vec::new();
    }
    let mut candidates = Vec::new();
    for (i, a) in now.iter().enumerate() {
        for (j, b) in was.iter().enumerate() {
            if let (Some(x), Some(y)) = (&n[*a].sketch, &o[*b].sketch) {
                let shared = similarity(x, y);
                if shared >= 500 {
                    candidates.push((shared, i, j));
                }
            }
        }
    }
    // Most alike first; ties in name order, so the pairing does not depend on hashing.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let (mut used_now, mut used_was) = (vec![false; now.len()], vec![false; was.len()]);
    let mut out = Vec::new();
    for (_, i, j) in candidates {
        if !used_now[i] && !used_was[j] {
            used_now[i] = true;
            used_was[j] = true;
            out.push((now[i], was[j]));
        }
    }
    out
}

/// Values a sketch keeps.
const SKETCH: usize = 32;

/// A bottom-k sketch of a file's content: the `SKETCH` smallest distinct hashes of its
/// pieces (split at newlines and at `;`, `,`, `{`, `}`, `(`, `)`, so minified code has
/// pieces too). Two files share about as many of them as they share pieces.
pub(super) fn sketch(data: &[u8]) -> Box<[u64]> {
    const CUT: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 7 {
            t[b"\n;,{}()"[i] as usize] = true;
            i += 1;
        }
        t
    };
    // The smallest hashes so far, sorted; most hashes lose to the largest at one compare.
    let mut kept: Vec<u64> = Vec::with_capacity(SKETCH + 1);
    let mut start = 0;
    for end in 0..=data.len() {
        if end < data.len() && !CUT[data[end] as usize] {
            continue;
        }
        let piece = &data[start..end];
        start = end + 1;
        if piece.is_empty() {
            continue;
        }
        let h = piece_hash(piece);
        if kept.len() == SKETCH && h >= kept[SKETCH - 1] {
            continue;
        }
        if let Err(at) = kept.binary_search(&h) {
            kept.insert(at, h);
            kept.truncate(SKETCH);
        }
    }
    kept.into_boxed_slice()
}

/// A hash of a piece, eight bytes at a time, then mixed (splitmix64's finalizer) so its
/// order is uniform: stable across runs and platforms.
fn piece_hash(piece: &[u8]) -> u64 {
    let mut h = piece.len() as u64;
    let mut words = piece.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(0x517c_c1b7_2722_0a95);
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Of the `SKETCH` smallest hashes of both files together, the share both files have, in
/// thousandths: the bottom-k estimate of their similarity.
fn similarity(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut seen, mut both) = (0, 0, 0, 0);
    while seen < SKETCH && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), None) => i += 1,
            _ => j += 1,
        }
        seen += 1;
    }
    both * 1000 / seen.max(1)
}

/// A path with each build-hash-like token replaced by a marker of its length, or `None`
/// when it has none: `dist/chunk-S7VZAUFO.mjs` and `dist/chunk-WEYOIA3C.mjs` have the same
/// shape, `dist/chunk-a.mjs` has none. Tokens are runs of ASCII letters, digits and `_`.
pub(super) fn shape(rel: &str) -> Option<String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = rel.as_bytes();
    let mut out = String::with_capacity(rel.len());
    let mut hashed = false;
    let mut i = 0;
    while i < bytes.len() {
        let is_token = token(bytes[i]);
        let end = bytes[i..]
            .iter()
            .position(|&b| token(b) != is_token)
            .map_or(bytes.len(), |k| i + k);
        // Both ends are at ASCII bytes or the end, so the slice is on char boundaries.
        let run = &rel[i..end];
        if is_token && hash_like(run) {
            out.push_str(&format!("\u{0}{}\u{0}", run.len()));
            hashed = true;
        } else {
            out.push_str(run);
        }
        i = end;
    }
    hashed.then_some(out)
}

/// Whether a token looks like a content hash or build id rather than a word: at least 8
/// characters, and digits and letters interleaved (hex, base36: `5f3a9c1e`), or no lower
/// case at all (esbuild's base32: `S7VZAUFO`), or upper case in a third of its letters or
/// more (base64: `KvPBmP5_63ykpTV4fqD7V`). `abnfDiagram`, `c4Diagram` and `utf8string`
/// are words.
fn hash_like(token: &str) -> bool {
    let b = token.as_bytes();
    if b.len() < 8 {
        return false;
    }
    let kind = |c: u8| (c.is_ascii_digit(), c.is_ascii_alphabetic());
    let switches = b
        .windows(2)
        .filter(|w| w[0] != b'_' && w[1] != b'_' && kind(w[0]) != kind(w[1]))
        .count();
    let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = b.iter().filter(|c| c.is_ascii_lowercase()).count();
    switches >= 3 || lower == 0 || (upper > 0 && upper * 3 >= upper + lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_hashes_are_told_from_words() {
        for hash in [
            "S7VZAUFO",              // esbuild, base32
            "ABCDEFGH",              // esbuild without a digit
            "5f3a9c1e",              // webpack contenthash, hex
            "a5f3a9c1e7d0",          // hex starting with a letter
            "KvPBmP5_63ykpTV4fqD7V", // Next.js build id
            "BxYzQaAbCd",            // base64 without a digit
        ] {
            assert!(hash_like(hash), "{hash} is a hash");
        }
        for word in [
            "abnfDiagram",
            "c4Diagram",
            "utf8string",
            "es2015",
            "index",
            "_buildManifest",
            "getElementById",
            "snake_case_name",
        ] {
            assert!(!hash_like(word), "{word} is a word");
        }
    }

    #[test]
    fn a_shape_keeps_everything_but_the_hash_and_its_length() {
        let s = |p| shape(p);
        assert_eq!(
            s("dist/chunk-S7VZAUFO.mjs"),
            s("dist/chunk-WEYOIA3C.mjs"),
            "same shape"
        );
        assert!(s("dist/chunk-S7VZAUFO.mjs").is_some());
        assert_ne!(s("dist/chunk-S7VZAUFO.mjs"), s("dist/chunk-S7VZAUFOX.mjs"));
        assert_ne!(s("dist/chunk-S7VZAUFO.mjs"), s("lib/chunk-S7VZAUFO.mjs"));
        assert_ne!(
            s("dist/chunk-S7VZAUFO.mjs"),
            s("dist/chunk-S7VZAUFO.mjs.map")
        );
        assert_eq!(
            s("_next/static/KvPBmP5_63ykpTV4fqD7V/_ssgManifest.js"),
            s("_next/static/HXklLiVSkDhUiou88A9LT/_ssgManifest.js")
        );
        assert_eq!(s("dist/index.js"), None, "no hash, no shape");
        assert_eq!(s("dist/c4Diagram.js"), None);
        assert!(
            s("dist/ünïcode-5f3a9c1e.js").is_some(),
            "non-ASCII names are fine"
        );
    }

    #[test]
    fn sketches_measure_shared_content() {
        let lines = |range: std::ops::Range<u32>| {
            range
                .map(|i| format!("const v{i} = {i};\n"))
                .collect::<String>()
        };
        let a = sketch(lines(0..1000).as_bytes());
        assert_eq!(a.len(), SKETCH);
        assert_eq!(similarity(&a, &a), 1000);
        // 900 of 1,100 distinct pieces shared: about 0.82.
        let b = sketch(lines(100..1100).as_bytes());
        let ab = similarity(&a, &b);
        assert!((600..=1000).contains(&ab), "{ab}");
        let c = sketch(lines(5000..6000).as_bytes());
        assert!(similarity(&a, &c) < 200, "{}", similarity(&a, &c));
        // Small files are compared on what they have.
        let small = sketch(b"a;b;c");
        assert_eq!(similarity(&small, &sketch(b"a;b;c")), 1000);
        assert_eq!(similarity(&small, &sketch(b"x;y;z")), 0);
        assert_eq!(similarity(&sketch(b""), &sketch(b"")), 0);
    }
}
