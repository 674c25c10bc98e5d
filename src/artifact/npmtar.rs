//! A tar stream read the way npm reads it: node-tar 7's parser, as pacote (npm's fetcher)
//! configures its extractor (`strip: 1`, links filtered out, not strict).
//!
//! The `tar` crate's iterator is a strict reader: it stops at the first zero block, trusts a
//! directory's size, and keeps the first of two PAX `path` keys. node-tar reads on after a
//! lone zero block, treats a directory's body as more entries, lets the last PAX key win, and
//! skips a header it cannot read instead of failing. Every such place is a way to ship a file
//! that a strict scanner never sees, so this module follows node-tar block for block
//! (`dist/commonjs/{parse,header,pax,read-entry,unpack}.js`) and reports each departure from
//! a plain archive as a [`Quirk`]. It uses the `tar` crate's header layout for the fields.
//!
//! Invariants: bodies are read in bounded chunks, never sized from a header (a header may
//! declare 40 GiB); a body the caller does not want is skipped, not buffered. It never writes
//! to disk and knows nothing about rules.

use std::io::{self, Read};

/// What node-tar calls an entry's type, after its header and extended headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Symlink,
    Hardlink,
    /// Devices and FIFOs: parsed, and skipped by the extractor.
    Special(String),
    /// A type node-tar ignores (its body is skipped): sparse, ACL, unknown codes.
    Ignored(String),
}

/// One entry that node-tar hands to its extractor.
#[derive(Debug)]
pub struct NpmEntry {
    /// node-tar's `entry.path`, before `strip: 1`.
    pub name: String,
    /// Whether the name's bytes were not UTF-8 (node-tar decodes them lossily).
    pub non_utf8: bool,
    pub kind: Kind,
    /// node-tar's `entry.linkpath`.
    pub link: String,
    /// Bytes of content the header declares (0 for a directory).
    pub size: u64,
    /// Where npm writes the file (or makes the folder), relative to the package folder, or
    /// `None` when the extractor does not write it (a link, a device, a name that strips to
    /// nothing or climbs with `..`).
    pub placed: Option<String>,
}

/// Where this archive departs from what a strict reader accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quirk {
    /// One 512-byte zero block followed by more headers: node-tar reads on.
    LoneZeroBlock,
    /// A directory (or a file named with a trailing `/`) declaring a body, which node-tar
    /// reads as more headers.
    DirectoryBody { name: String, size: u64 },
    /// A PAX header giving one key twice: node-tar keeps the last.
    RepeatedPaxKey { key: String },
    /// A GNU long name and a PAX `path` for the same entry: the later one wins.
    CompetingNames,
    /// A header node-tar skips (bad checksum, no name, a link without target, ...); the
    /// blocks after it are read as headers.
    SkippedHeader { detail: String },
    /// A PAX or GNU extension header that node-tar ignores (over 1 MiB).
    IgnoredExtension,
    /// The input ends inside a header block; node-tar drops those bytes.
    PartialBlock { bytes: usize },
    /// A size node-tar reads differently from a strict reader (not an integer, repeated,
    /// not octal digits only).
    OddSize { detail: String },
}

/// node-tar refuses PAX and GNU extension bodies larger than this.
const MAX_META: u64 = 1024 * 1024;

/// Fields of a PAX or GNU extension header that later headers take (node-tar's `Pax`).
#[derive(Clone, Debug, Default)]
struct Ext {
    path: Option<String>,
    linkpath: Option<String>,
    size: Option<f64>,
    /// Keys whose presence alone stops node-tar from decoding the header's own field.
    has_uid: bool,
    has_gid: bool,
    has_mtime: bool,
    has_atime: bool,
    has_ctime: bool,
}

impl Ext {
    /// `Pax.parse(body, previous)`: the new keys over the previous ones.
    fn parse(body: &str, previous: Option<&Ext>, quirks: &mut Vec<Quirk>) -> Ext {
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
fn type_name(code: u8) -> Option<&'static str> {
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
fn normal_fs(code: u8) -> bool {
    matches!(code, b'0'..=b'7' | 0 | b'D')
}

/// A decoded header, or why node-tar would skip the block.
struct Header {
    path: String,
    non_utf8: bool,
    size: f64,
    /// The type code after node-tar's fixes (`0` with a trailing `/` is a directory).
    code: Option<u8>,
    linkpath: String,
    cksum_valid: bool,
    null_block: bool,
}

/// `new Header(block, 0, ex, gex)`; `Err` where its constructor throws.
fn decode_header(block: &[u8; 512], ex: Option<&Ext>, gex: Option<&Ext>) -> Result<Header, String> {
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
fn dec_string(field: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(field);
    let bad = matches!(text, std::borrow::Cow::Owned(_));
    (cut_nul(&text), bad)
}

/// JavaScript's `.replace(/\0.*/, '')`: from the first NUL up to the next line terminator
/// (`.` does not match one).
fn cut_nul(text: &str) -> String {
    match text.find('\0') {
        None => text.to_string(),
        Some(i) => {
            let rest = &text[i..];
            let end = rest.find(is_line_terminator).unwrap_or(rest.len());
            format!("{}{}", &text[..i], &rest[end..])
        }
    }
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn is_js_space(c: char) -> bool {
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
fn dec_number(field: &[u8]) -> Result<Option<f64>, String> {
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
    let text = String::from_utf8_lossy(field);
    // `/\0.*$/`: a NUL with no line terminator after it, up to the end.
    let cut = text
        .char_indices()
        .filter(|(_, c)| *c == '\0')
        .map(|(i, _)| i)
        .find(|&i| !text[i..].contains(is_line_terminator))
        .unwrap_or(text.len());
    Ok(js_parse_int(text[..cut].trim_matches(is_js_space), 8))
}

/// large-numbers.js `twos`: a negative base-256 number.
fn twos(field: &[u8]) -> f64 {
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
fn js_parse_int(text: &str, radix: u32) -> Option<f64> {
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
fn js_number(text: &str) -> f64 {
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
    let ok = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && !t.contains("inf");
    if !ok {
        return -1.0;
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| !v.is_nan())
        .unwrap_or(-1.0)
}

/// `line.slice(n)` in UTF-16 code units.
fn utf16_slice_from(line: &str, n: usize) -> &str {
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= n {
            return &line[i..];
        }
        units += c.len_utf16();
    }
    ""
}

/// Where npm's extractor writes `name` (`strip: 1`, then node-tar's path checks), relative
/// to the package folder; `None` when it does not write it.
pub fn placement(name: &str) -> Option<String> {
    // CHECKPATH splits on `/` only (on POSIX) and drops the first part, whatever it is.
    let parts: Vec<&str> = name.split('/').skip(1).collect();
    if parts.len() > MAX_DEPTH {
        return None;
    }
    let mut rest = parts.join("/");
    // STRIPABSOLUTEPATH: Windows roots are stripped on every platform, until none is left.
    loop {
        let root = win32_root(&rest);
        if root == 0 && !win32_absolute(&rest) {
            break;
        }
        let n = if rest.starts_with('/') && !rest.starts_with("//?/") {
            1
        } else {
            root.max(1)
        };
        rest.drain(..n);
    }
    if rest.replace('\\', "/").split('/').any(|p| p == "..") {
        return None;
    }
    // `path.resolve(cwd, rest)`; the folder itself is never replaced by a file.
    let placed: Vec<&str> = rest
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if placed.is_empty() {
        return None;
    }
    Some(placed.join("/"))
}

/// node-tar's default `maxDepth`.
const MAX_DEPTH: usize = 1024;

fn is_sep(b: u8) -> bool {
    b == b'/' || b == b'\\'
}

fn win32_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    !b.is_empty()
        && (is_sep(b[0])
            || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && is_sep(b[2])))
}

/// The length of `path.win32.parse(p).root`.
fn win32_root(p: &str) -> usize {
    let b = p.as_bytes();
    if b.is_empty() {
        return 0;
    }
    if is_sep(b[0]) {
        if b.len() > 1 && is_sep(b[1]) {
            let mut j = 2;
            let last = j;
            while j < b.len() && !is_sep(b[j]) {
                j += 1;
            }
            if j < b.len() && j != last {
                let last = j;
                while j < b.len() && is_sep(b[j]) {
                    j += 1;
                }
                if j < b.len() && j != last {
                    let last = j;
                    while j < b.len() && !is_sep(b[j]) {
                        j += 1;
                    }
                    if j == b.len() {
                        return j;
                    }
                    if j != last {
                        return j + 1;
                    }
                }
            }
        }
        return 1;
    }
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return if b.len() > 2 && is_sep(b[2]) { 3 } else { 2 };
    }
    0
}

/// What [`NpmTar::next_item`] yields, in archive order.
#[derive(Debug)]
pub enum Item {
    Entry(NpmEntry),
    Quirk(Quirk),
}

/// How reading an entry's body went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// All of it, in the buffer.
    Read,
    /// Longer than the caller wanted: skipped, not buffered.
    Skipped,
}

/// npm's extractor fails on an input that ends inside a body (`TAR_BAD_ARCHIVE` is fatal
/// when unpacking), so this reader does too.
fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "an entry's body ends early")
}

/// node-tar's parser over a decompressed tar stream.
pub struct NpmTar<R> {
    inner: R,
    ex: Option<Ext>,
    gex: Option<Ext>,
    saw_null: bool,
    done: bool,
    queue: std::collections::VecDeque<Item>,
    /// Of the current entry: content bytes not yet read, and bytes to its next header.
    content_left: u64,
    block_left: u64,
    /// Headers read so far, extension headers included.
    pub headers: u64,
    /// Headers node-tar accepted; with none, npm fails ("Unrecognized archive format").
    pub valid: u64,
    /// An extension header whose body node-tar did not consume (a pending `size=0`), still
    /// node-tar's current entry: if no header replaces it, npm fails as on a truncated body.
    dangling: bool,
}

impl<R: Read> NpmTar<R> {
    pub fn new(inner: R) -> Self {
        NpmTar {
            inner,
            ex: None,
            gex: None,
            saw_null: false,
            done: false,
            queue: Default::default(),
            content_left: 0,
            block_left: 0,
            headers: 0,
            valid: 0,
            dangling: false,
        }
    }

    /// The stream after the archive's end, to read it to its end.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The next entry or quirk; `None` at node-tar's end of archive (two zero blocks in a
    /// row, or the end of input). An unread body is skipped first.
    pub fn next_item(&mut self) -> io::Result<Option<Item>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Ok(Some(item));
            }
            if self.done {
                if self.dangling {
                    return Err(truncated());
                }
                return Ok(None);
            }
            self.skip_body()?;
            if self.done {
                return Ok(None);
            }
            let mut block = [0u8; 512];
            let n = read_full(&mut self.inner, &mut block)?;
            if n < 512 {
                // A partial block at the end is dropped, as node-tar drops its buffer.
                if n > 0 {
                    self.queue
                        .push_back(Item::Quirk(Quirk::PartialBlock { bytes: n }));
                }
                self.done = true;
                continue;
            }
            self.header(&block)?;
        }
    }

    fn skip(&mut self, detail: &str) {
        self.queue.push_back(Item::Quirk(Quirk::SkippedHeader {
            detail: detail.to_string(),
        }));
    }

    /// `[CONSUMEHEADER]`: queues what one header block yields.
    fn header(&mut self, block: &[u8; 512]) -> io::Result<()> {
        let h = match decode_header(block, self.ex.as_ref(), self.gex.as_ref()) {
            Ok(h) => h,
            Err(e) => {
                self.skip(&e);
                return Ok(());
            }
        };
        if h.null_block {
            if self.saw_null {
                self.done = true;
            } else {
                self.saw_null = true;
            }
            return Ok(());
        }
        if self.saw_null {
            self.queue.push_back(Item::Quirk(Quirk::LoneZeroBlock));
        }
        self.saw_null = false;
        self.headers += 1;
        if !h.cksum_valid {
            self.skip("a header's checksum is wrong");
            return Ok(());
        }
        if h.path.is_empty() {
            self.skip("a header has no name");
            return Ok(());
        }
        let is_link = matches!(h.code, Some(b'1') | Some(b'2'));
        if is_link && h.linkpath.is_empty() {
            self.skip("a link has no target");
            return Ok(());
        }
        if !is_link && !matches!(h.code, Some(b'g') | Some(b'x')) && !h.linkpath.is_empty() {
            self.skip("a header that is not a link names a link target");
            return Ok(());
        }
        self.valid += 1;
        self.dangling = false;
        let (content, blocks) = body_size(h.size);
        if h.size.fract() != 0.0 || h.size.is_infinite() {
            self.queue.push_back(Item::Quirk(Quirk::OddSize {
                detail: format!("size {} is not a whole number", h.size),
            }));
        }
        self.content_left = content;
        self.block_left = blocks;
        match h.code {
            Some(code @ (b'L' | b'K' | b'N' | b'g' | b'x' | b'X')) => self.meta(code, h.size),
            code => self.entry(code, h, block),
        }
    }

    /// An extension header: its body describes the next entry (or all, for `g`).
    fn meta(&mut self, code: u8, size: f64) -> io::Result<()> {
        // node-tar decides from `entry.size`, which a pending PAX or global `size` replaces,
        // but consumes the header's own size: a global `size=0` turns every later extension
        // header's body into headers.
        let decided = self
            .gex
            .as_ref()
            .and_then(|g| g.size)
            .or(self.ex.as_ref().and_then(|e| e.size))
            .unwrap_or(size);
        if decided != size {
            self.queue.push_back(Item::Quirk(Quirk::OddSize {
                detail: "a pending PAX size applies to an extension header".into(),
            }));
        }
        if decided > MAX_META as f64 {
            self.queue.push_back(Item::Quirk(Quirk::IgnoredExtension));
            return Ok(());
        }
        if decided <= 0.0 {
            self.dangling = self.block_left > 0;
            self.content_left = 0;
            self.block_left = 0;
            return Ok(());
        }
        let mut buf = Vec::new();
        self.read_body(&mut buf, MAX_META)?;
        let text = String::from_utf8_lossy(&buf);
        let mut quirks = Vec::new();
        let had_path = self.ex.as_ref().is_some_and(|e| e.path.is_some());
        match code {
            b'x' | b'X' => {
                let ex = Ext::parse(&text, self.ex.as_ref(), &mut quirks);
                let sets_path = Ext::parse(&text, None, &mut Vec::new()).path.is_some();
                if had_path && sets_path {
                    quirks.push(Quirk::CompetingNames);
                }
                self.ex = Some(ex);
            }
            b'g' => self.gex = Some(Ext::parse(&text, self.gex.as_ref(), &mut quirks)),
            b'L' | b'N' => {
                if had_path {
                    quirks.push(Quirk::CompetingNames);
                }
                self.ex.get_or_insert_with(Ext::default).path = Some(cut_nul(&text));
            }
            _ => self.ex.get_or_insert_with(Ext::default).linkpath = Some(cut_nul(&text)),
        }
        self.queue.extend(quirks.into_iter().map(Item::Quirk));
        Ok(())
    }

    /// A file system entry: what `ReadEntry`, pacote's filter and `Unpack` make of it.
    fn entry(&mut self, code: Option<u8>, h: Header, block: &[u8; 512]) -> io::Result<()> {
        let ex = self.ex.take();
        let (name, non_utf8) = match ex.as_ref().and_then(|e| e.path.clone()) {
            Some(p) => (p, false),
            None => (h.path, h.non_utf8),
        };
        let link = self
            .gex
            .as_ref()
            .and_then(|g| g.linkpath.clone())
            .or(ex.as_ref().and_then(|e| e.linkpath.clone()))
            .unwrap_or(h.linkpath);
        let kind = match code {
            Some(b'0' | b'7') => Kind::File,
            Some(b'5' | b'D') => Kind::Directory,
            Some(b'1') => Kind::Hardlink,
            Some(b'2') => Kind::Symlink,
            Some(b'3') => Kind::Special("character device".into()),
            Some(b'4') => Kind::Special("block device".into()),
            Some(b'6') => Kind::Special("FIFO".into()),
            other => Kind::Ignored(format!(
                "unknown entry type `{}`",
                (other.unwrap_or(block[156]) as char).escape_default()
            )),
        };
        let raw_dir_size = dec_number(&block[124..136]).ok().flatten().unwrap_or(0.0);
        if code == Some(b'5')
            && (raw_dir_size > 0.0 || ex.as_ref().is_some_and(|e| e.size.is_some_and(|s| s > 0.0)))
        {
            self.queue.push_back(Item::Quirk(Quirk::DirectoryBody {
                name: name.clone(),
                size: raw_dir_size as u64,
            }));
        }
        let placed = match kind {
            Kind::File | Kind::Directory => placement(&name),
            _ => None,
        };
        if placed.as_ref().is_some_and(|p| p.contains('\0')) {
            // The name reaches the file system with a NUL in it (the NUL-stripping regex
            // stops at a newline): Node throws, and the install fails.
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "entry `{}` has a NUL byte in its name, on which npm's extractor fails",
                    name.escape_debug()
                ),
            ));
        }
        self.queue.push_back(Item::Entry(NpmEntry {
            name,
            non_utf8,
            kind,
            link,
            size: self.content_left,
            placed,
        }));
        Ok(())
    }

    /// Reads the current entry's content into `buf` (cleared first) unless it is longer
    /// than `keep`. Grows `buf` as bytes arrive, never from the declared size.
    pub fn read_body(&mut self, buf: &mut Vec<u8>, keep: u64) -> io::Result<Body> {
        buf.clear();
        if self.content_left > keep {
            return Ok(Body::Skipped);
        }
        let want = self.content_left;
        let got = (&mut self.inner).take(want).read_to_end(buf)? as u64;
        self.content_left = 0;
        self.block_left = self.block_left.saturating_sub(got);
        if got < want {
            return Err(truncated());
        }
        Ok(Body::Read)
    }

    fn skip_body(&mut self) -> io::Result<()> {
        if self.block_left == 0 {
            return Ok(());
        }
        let want = self.block_left;
        let got = io::copy(&mut (&mut self.inner).take(want), &mut io::sink())?;
        self.content_left = 0;
        self.block_left = 0;
        if got < want {
            return Err(truncated());
        }
        Ok(())
    }
}

/// Content bytes and block bytes of a body of `size` (node-tar: `remain` and
/// `512 * ceil(remain / 512)`; a fraction of a byte is not written).
fn body_size(size: f64) -> (u64, u64) {
    if !size.is_finite() || size >= 1.8e19 {
        return (u64::MAX, u64::MAX);
    }
    let blocks = (size / 512.0).ceil() as u64;
    (size.floor() as u64, blocks.saturating_mul(512))
}

/// Reads up to `buf.len()` bytes; fewer only at the end of input.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
