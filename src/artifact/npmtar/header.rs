//! One tar header as node-tar decodes it (`header.js`, `pax.js`): the fields, numbers read
//! with JavaScript's rules, and the PAX and GNU extension records that override them.

use super::*;

/// node-tar refuses PAX and GNU extension bodies larger than this.
pub(super) const MAX_META: u64 = 1024 * 1024;

/// Fields of a PAX or GNU extension header that later headers take (node-tar's `Pax`).
#[derive(Clone, Debug, Default)]
pub(super) struct Ext {
    pub(super) path: Option<String>,
    pub(super) linkpath: Option<String>,
    pub(super) size: Option<f64>,
    /// Keys whose presence alone stops node-tar from decoding the header's own field.
    pub(super) has_uid: bool,
    pub(super) has_gid: bool,
    pub(super) has_mtime: bool,
    pub(super) has_atime: bool,
    pub(super) has_ctime: bool,
}

impl Ext {
    /// `Pax.parse(body, previous)`: the new keys over the previous ones.
    pub(super) fn parse(body: &str, previous: Option<&Ext>, quirks: &mut Vec<Quirk>) -> Ext {
        let mut out = previous.cloned().unwrap_or_default();
        let mut seen: Vec<String> = Vec::new();
        let body = body.strip_suffix('\n').unwrap_or(body);
        for line in body.split('\n') {
            let Some(n) = js_parse_int(line, 10) else {
                continue;
            };
            if n != (line.len() + 1) as f64 {
                continue;
            }
            let rest = utf16_slice_from(line, format!("{n} ").encode_utf16().count());
            let (key, value) = match rest.split_once('=') {
                Some((k, v)) => (k, v),
                None => (rest, ""),
            };
            if key.is_empty() {
                continue;
            }
            let value = cut_nul(value);
            let key = ["dev", "ino", "nlink"]
                .iter()
                .find(|k| {
                    key.strip_prefix("SCHILY.")
                        .is_some_and(|r| r.starts_with(*k))
                })
                .map_or(key.to_string(), |k| {
                    format!("{k}{}", &key["SCHILY.".len() + k.len()..])
                });
            let known = match key.as_str() {
                "path" => {
                    out.path = Some(value);
                    true
                }
                "linkpath" => {
                    out.linkpath = Some(value);
                    true
                }
                "size" => {
                    let s = js_number(&value);
                    if s >= 0.0 {
                        out.size = Some(s);
                    }
                    true
                }
                "uid" => {
                    out.has_uid = true;
                    false
                }
                "gid" => {
                    out.has_gid = true;
                    false
                }
                "mtime" => {
                    out.has_mtime = true;
                    false
                }
                "atime" => {
                    out.has_atime = true;
                    false
                }
                "ctime" => {
                    out.has_ctime = true;
                    false
                }
                _ => false,
            };
            if known {
                if seen.contains(&key) {
                    quirks.push(Quirk::RepeatedPaxKey { key: key.clone() });
                }
                seen.push(key);
            }
        }
        out
    }
}

/// node-tar's name for a type code, and whether it is one (`types.name`).
pub(super) fn type_name(code: u8) -> Option<&'static str> {
    Some(match code {
        b'0' => "File",
        0 => "OldFile",
        b'1' => "Link",
        b'2' => "SymbolicLink",
        b'3' => "CharacterDevice",
        b'4' => "BlockDevice",
        b'5' => "Directory",
        b'6' => "FIFO",
        b'7' => "ContiguousFile",
        b'g' => "GlobalExtendedHeader",
        b'x' => "ExtendedHeader",
        b'A' => "SolarisACL",
        b'D' => "GNUDumpDir",
        b'I' => "Inode",
        b'K' => "NextFileHasLongLinkpath",
        b'L' => "NextFileHasLongPath",
        b'M' => "ContinuationFile",
        b'N' => "OldGnuLongPath",
        b'S' => "SparseFile",
        b'V' => "TapeVolumeHeader",
        b'X' => "OldExtendedHeader",
        _ => return None,
    })
}

/// The types a pending extended header applies to (`types.normalFsTypes`).
pub(super) fn normal_fs(code: u8) -> bool {
    matches!(code, b'0'..=b'7' | 0 | b'D')
}

/// A decoded header, or why node-tar would skip the block.
pub(super) struct Header {
    pub(super) path: String,
    pub(super) non_utf8: bool,
    pub(super) size: f64,
    /// The type code after node-tar's fixes (`0` with a trailing `/` is a directory).
    pub(super) code: Option<u8>,
    pub(super) linkpath: String,
    pub(super) cksum_valid: bool,
    pub(super) null_block: bool,
}

/// `new Header(block, 0, ex, gex)`; `Err` where its constructor throws.
pub(super) fn decode_header(
    block: &[u8; 512],
    ex: Option<&Ext>,
    gex: Option<&Ext>,
) -> Result<Header, String> {
    let h = tar::Header::from_byte_slice(block);
    let old = h.as_old();
    let raw_type = old.linkflag[0];
    // decString turns a NUL byte into '' which `t || '0'` makes '0'.
    let t = if raw_type == 0 { 0 } else { raw_type };
    let (exf, gexf) = if normal_fs(t) {
        (ex, gex)
    } else {
        (None, None)
    };
    let (mut path, mut non_utf8) = match exf.and_then(|e| e.path.clone()) {
        Some(p) => (p, false),
        None => dec_string(&old.name),
    };
    let has = |f: fn(&Ext) -> bool| exf.is_some_and(f) || gexf.is_some_and(f);
    // mode: `Pax` never carries it, so it is always decoded.
    dec_number(&old.mode)?;
    if !has(|e| e.has_uid) {
        dec_number(&old.uid)?;
    }
    if !has(|e| e.has_gid) {
        dec_number(&old.gid)?;
    }
    let ext_size = exf.and_then(|e| e.size).or(gexf.and_then(|e| e.size));
    let mut size = match ext_size {
        Some(s) => Some(s),
        None => dec_number(&old.size)?,
    }
    .filter(|s| *s >= 0.0);
    if !has(|e| e.has_mtime) {
        dec_number(&old.mtime)?;
    }
    // The checksum field is read as 12 bytes, over the type flag and into the link name.
    let cksum = dec_number(&block[148..160])?;
    if let Some(p) = exf.and_then(|e| e.path.clone()) {
        path = p;
        non_utf8 = false;
    }
    let mut code = type_name(t).map(|_| t);
    if matches!(code, Some(0) | Some(b'0')) && path.ends_with('/') {
        code = Some(b'5');
    }
    if code == Some(0) {
        code = Some(b'0');
    }
    if code == Some(b'5') {
        size = Some(0.0);
    }
    let (linkpath, _) = dec_string(&old.linkname);
    if &block[257..265] == b"ustar\x0000" {
        let ustar = h
            .as_ustar()
            .ok_or_else(|| "ustar header without ustar fields".to_string())?;
        dec_number(&ustar.dev_major)?;
        dec_number(&ustar.dev_minor)?;
        let prefix_len = if block[475] != 0 { 155 } else { 130 };
        let (prefix, bad) = dec_string(&ustar.prefix[..prefix_len]);
        if block[475] != 0 || !prefix.is_empty() {
            path = format!("{prefix}/{path}");
            non_utf8 |= bad;
        }
        if block[475] == 0 {
            if !(ex.is_some_and(|e| e.has_atime) || gex.is_some_and(|e| e.has_atime)) {
                dec_number(&block[476..488])?;
            }
            if !(ex.is_some_and(|e| e.has_ctime) || gex.is_some_and(|e| e.has_ctime)) {
                dec_number(&block[488..500])?;
            }
        }
    }
    let sum: u64 = 8 * 0x20
        + block[..148].iter().map(|b| *b as u64).sum::<u64>()
        + block[156..].iter().map(|b| *b as u64).sum::<u64>();
    Ok(Header {
        path,
        non_utf8,
        size: size.unwrap_or(0.0),
        code,
        linkpath,
        cksum_valid: cksum == Some(sum as f64),
        null_block: cksum.is_none() && sum == 8 * 0x20,
    })
}

/// `decString`: UTF-8 (lossy), then `.replace(/\0.*/, '')`.
pub(super) fn dec_string(field: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(field);
    let bad = matches!(text, std::borrow::Cow::Owned(_));
    (cut_nul(&text), bad)
}

/// JavaScript's `.replace(/\0.*/, '')`: from the first NUL up to the next line terminator
/// (`.` does not match one).
pub(super) fn cut_nul(text: &str) -> String {
    match text.find('\0') {
        None => text.to_string(),
        Some(i) => {
            let rest = &text[i..];
            let end = rest.find(is_line_terminator).unwrap_or(rest.len());
            format!("{}{}", &text[..i], &rest[end..])
        }
    }
}

pub(super) fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

pub(super) fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `decNumber`: base-256 when the high bit is set, else `parseInt(text.trim(), 8)`.
/// `Err` where node-tar throws, `Ok(None)` for NaN.
pub(super) fn dec_number(field: &[u8]) -> Result<Option<f64>, String> {
    if field[0] & 0x80 != 0 {
        const MAX_SAFE: f64 = 9007199254740991.0;
        let value = match field[0] {
            0x80 => field[1..]
                .iter()
                .fold(0f64, |acc, b| acc * 256.0 + *b as f64),
            0xff => twos(field),
            _ => return Err("invalid base256 encoding".to_string()),
        };
        if value.abs() > MAX_SAFE {
            return Err("parsed number outside of javascript safe integer range".to_string());
        }
        return Ok(Some(value));
    }
    // node-tar cuts the text at `/\0.*$/` and trims it before `parseInt`, which changes
    // nothing `parseInt` reads: it skips leading white space itself and stops at the first
    // character that is not a digit, a NUL included.
    Ok(js_parse_int(&String::from_utf8_lossy(field), 8))
}

/// large-numbers.js `twos`: a negative base-256 number.
pub(super) fn twos(field: &[u8]) -> f64 {
    let mut sum = 0f64;
    let mut flipped = false;
    for (k, byte) in field.iter().rev().enumerate() {
        let f = if flipped {
            0xff ^ byte
        } else if *byte == 0 {
            0
        } else {
            flipped = true;
            (0xffu8 ^ byte).wrapping_add(1)
        };
        if f != 0 {
            sum -= f as f64 * 256f64.powi(k as i32);
        }
    }
    sum
}

/// JavaScript's `parseInt(text, radix)` for radix 8 or 10; `None` for NaN.
pub(super) fn js_parse_int(text: &str, radix: u32) -> Option<f64> {
    let t = text.trim_start_matches(is_js_space);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: Vec<u32> = t.chars().map_while(|c| c.to_digit(radix)).collect();
    if digits.is_empty() {
        return None;
    }
    let v = digits
        .iter()
        .fold(0f64, |acc, d| acc * radix as f64 + *d as f64);
    Some(if neg { -v } else { v })
}

/// JavaScript's `+text` (Number), enough for a PAX size: NaN comes back as -1.
pub(super) fn js_number(text: &str) -> f64 {
    let t = text.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    let radix = |p: &str, r: u32| {
        let d = &t[p.len()..];
        if d.is_empty() {
            return -1.0;
        }
        d.chars()
            .try_fold(0f64, |acc, c| {
                c.to_digit(r).map(|v| acc * r as f64 + v as f64)
            })
            .unwrap_or(-1.0)
    };
    let lower = t.to_ascii_lowercase();
    for (p, r) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if lower.starts_with(p) {
            return radix(p, r);
        }
    }
    let unsigned = t.strip_prefix('+').unwrap_or(t);
    if unsigned == "Infinity" {
        return f64::INFINITY;
    }
    // Letters other than `e` (Rust would also read `inf` and `infinity`) make it NaN.
    let ok = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !ok {
        return -1.0;
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| !v.is_nan())
        .unwrap_or(-1.0)
}

/// `line.slice(n)` in UTF-16 code units.
pub(super) fn utf16_slice_from(line: &str, n: usize) -> &str {
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= n {
            return &line[i..];
        }
        units += c.len_utf16();
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Strings as a tar header's text fields and PAX records hold them: numbers in every
    /// notation JavaScript reads, with spaces, signs, NULs and line terminators.
    const STRINGS: &[&str] = &[
        "",
        " ",
        "0",
        "-0",
        "7",
        "8",
        "17",
        " 17 ",
        "\t644\n",
        "0000644",
        "+7",
        "-12",
        "  -12",
        "--1",
        "+-1",
        "-",
        "+",
        "12abc",
        "9",
        "19",
        "0x10",
        "0X1f",
        " 0x1F ",
        "0x",
        "0xg",
        "0o17",
        "0O7",
        "0o8",
        "0b101",
        "0B2",
        "0b",
        "1e3",
        "1E3",
        "1e",
        "e1",
        "1e-1",
        ".5",
        "5.",
        ".",
        "1.5",
        "+.5e1",
        "1_0",
        "12 34",
        "1e1000",
        "-1e1000",
        "Infinity",
        "+Infinity",
        "-Infinity",
        "infinity",
        "Infinityx",
        "NaN",
        "\u{a0}12\u{3000}",
        "\u{feff}12",
        "\u{2028}5",
        "\u{85}5",
        "\u{180e}5",
        "١٢",
        "12\0",
        "1\0junk",
        "\0",
        "a\0b",
        "a\0b\nc",
        "a\0b\u{2028}c",
        "a\0b\0c",
        "a\0\rb",
        "x=y\0z",
        "9007199254740993",
        "777777777777777777",
        "123456789012",
    ];

    /// Header number fields: octal text in its forms, base-256 positive and negative, and
    /// base-256 that node-tar refuses (a bad lead byte, outside the safe-integer range).
    fn fields() -> Vec<Vec<u8>> {
        let mut f: Vec<Vec<u8>> = vec![
            b"0000644\0".to_vec(),
            b" 644 \0\0\0".to_vec(),
            b"644\0junk".to_vec(),
            b"12\0\n34\0\0".to_vec(),
            b"12\0\n34\0x".to_vec(),
            b"8\0\0\0\0\0\0\0".to_vec(),
            b"\0\0\0\0\0\0\0\0".to_vec(),
            b"       \0".to_vec(),
            b"-7\0\0\0\0\0\0".to_vec(),
            b"77777777777\0".to_vec(),
            b"00000000017 ".to_vec(),
            b"7777777\n".to_vec(),
            b"\0\n 17\0\0\0".to_vec(),
            b"\n\t17\0\n\0\0".to_vec(),
            b"\xc2\xa017\0\0\0\0".to_vec(),
            b"\xe3\x80\x8017\0\0\0".to_vec(),
            b" \xef\xbb\xbf17\0\0\0".to_vec(),
            vec![0x80, 0, 0, 0, 0, 0, 1, 0],
            vec![0x80, 0, 0, 0, 0, 0, 0, 0],
            vec![0xff; 8],
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x00],
            vec![0xff, 0, 0, 0, 0, 0, 0, 0],
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01],
            vec![0x81, 0, 0, 0, 0, 0, 0, 0],
            vec![0xfe, 0, 0, 0, 0, 0, 0, 1],
            vec![0xc0, 0, 0, 0, 0, 0, 0, 0],
        ];
        let mut big = vec![0x80, 0, 0, 0, 0x00, 0x1f];
        big.extend([0xff; 6]);
        f.push(big.clone()); // 2^53 - 1: the largest safe integer
        big[5] = 0x20;
        big[6..].fill(0);
        f.push(big); // 2^53
        let mut neg = vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xe0];
        neg.extend([0; 5]);
        neg.push(1); // -(2^53 - 1)
        f.push(neg.clone());
        neg[11] = 0; // -2^53
        f.push(neg);
        f
    }

    fn number(v: f64) -> Value {
        if v.is_nan() {
            Value::Null
        } else if v.is_infinite() {
            json!(if v > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            json!(v)
        }
    }

    fn same(node: &Value, ours: &Value) -> bool {
        match (node.as_f64(), ours.as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => node == ours,
        }
    }

    /// The emulation of JavaScript's `parseInt`, `+s`, `.replace(/\0.*/, '')` and `\s`, and
    /// of node-tar's `decNumber`, against Node and npm's node-tar on the same inputs
    /// (`tests/differential/node-tar-numbers.mjs`).
    #[test]
    fn numbers_and_strings_are_read_as_node_tar_reads_them() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/differential/node-tar-numbers.mjs"
        );
        let fields = fields();
        let input = json!({ "strings": STRINGS, "fields": fields });
        let mut child = Command::new("node")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs (it is needed to test against node-tar)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "node-tar-numbers.mjs failed");
        let node: Value = serde_json::from_slice(&out.stdout).unwrap();

        let mut wrong = Vec::new();
        for (i, s) in STRINGS.iter().enumerate() {
            let ours = [
                ("parseInt8", js_parse_int(s, 8).map_or(Value::Null, number)),
                (
                    "parseInt10",
                    js_parse_int(s, 10).map_or(Value::Null, number),
                ),
                ("cutNul", json!(cut_nul(s))),
            ];
            for (what, v) in ours {
                if !same(&node[what][i], &v) {
                    wrong.push(format!("{what}({s:?}): node {} ours {v}", node[what][i]));
                }
            }
            // A PAX size is kept only when `+s >= 0`; below that, or NaN, it is ignored.
            let size = |v: &Value| match v {
                Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
                v => v.as_f64().filter(|n| *n >= 0.0),
            };
            let theirs = size(&node["number"][i]);
            let mine = Some(js_number(s)).filter(|n| *n >= 0.0);
            if theirs != mine {
                wrong.push(format!("size {s:?}: node {theirs:?} ours {mine:?}"));
            }
        }
        for (i, f) in fields.iter().enumerate() {
            let ours = match dec_number(f) {
                Ok(v) => v.map_or(Value::Null, number),
                Err(e) => json!({ "error": e }),
            };
            if !same(&node["fields"][i], &ours) {
                wrong.push(format!(
                    "field {f:?}: node {} ours {ours}",
                    node["fields"][i]
                ));
            }
        }
        let spaces: Vec<u32> = (0..0x3100u32)
            .chain([0xfeff])
            .filter(|c| char::from_u32(*c).is_some_and(is_js_space))
            .collect();
        if node["spaces"] != json!(spaces) {
            wrong.push(format!("\\s: node {} ours {spaces:?}", node["spaces"]));
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn slices_count_utf16_units() {
        assert_eq!(utf16_slice_from("12 path=x", 3), "path=x");
        // `😀` is two UTF-16 units: JavaScript's `slice(3)` starts after it and `a`.
        assert_eq!(utf16_slice_from("😀ab", 3), "b");
        assert_eq!(utf16_slice_from("éab", 1), "ab");
        assert_eq!(utf16_slice_from("ab", 2), "");
        assert_eq!(utf16_slice_from("ab", 5), "");
        assert!(is_line_terminator('\u{2029}') && !is_line_terminator('\u{85}'));
    }
}
