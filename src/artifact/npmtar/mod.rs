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

mod header;
mod path;

use header::*;
pub use path::placement;

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
            other => {
                let flag = (other.unwrap_or(block[156]) as char).escape_default();
                Kind::Ignored(match other.and_then(type_name) {
                    Some(name) => format!("{name} entry (type `{flag}`)"),
                    None => format!("unknown entry type `{flag}`"),
                })
            }
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
    /// than `keep`. The declared size is reserved (address space; pages are touched only as
    /// bytes arrive), fallibly.
    pub fn read_body(&mut self, buf: &mut Vec<u8>, keep: u64) -> io::Result<Body> {
        buf.clear();
        if self.content_left > keep {
            return Ok(Body::Skipped);
        }
        let want = self.content_left;
        // The size comes from the header: memory for it is reserved fallibly before a byte
        // is read (pages are only used as bytes arrive), so a header that declares 40 GiB
        // under raised limits ends the read with an error rather than aborting the process.
        let size = usize::try_from(want).unwrap_or(usize::MAX);
        buf.try_reserve_exact(size).map_err(|e| {
            io::Error::new(
                io::ErrorKind::OutOfMemory,
                format!("an entry declares {want} bytes, which do not fit in memory ({e})"),
            )
        })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::builder::TarBuilder;

    /// Every item of an archive, one line each: an entry with where npm puts it and the body
    /// it reads, or a quirk; `error: …` where reading fails.
    fn items(bytes: &[u8]) -> Vec<String> {
        let mut tar = NpmTar::new(bytes);
        let mut out = Vec::new();
        loop {
            match tar.next_item() {
                Ok(None) => return out,
                Err(e) => {
                    out.push(format!("error: {e}"));
                    return out;
                }
                Ok(Some(Item::Quirk(q))) => out.push(format!("{q:?}")),
                Ok(Some(Item::Entry(e))) => {
                    let mut body = Vec::new();
                    let read = if e.kind == Kind::File {
                        match tar.read_body(&mut body, 1 << 20) {
                            Ok(b) => format!("{b:?} {:?}", String::from_utf8_lossy(&body)),
                            Err(err) => format!("error: {err}"),
                        }
                    } else {
                        String::new()
                    };
                    out.push(format!(
                        "{:?} {:?} -> {:?} size={} link={:?} {read}",
                        e.kind, e.name, e.placed, e.size, e.link
                    ));
                }
            }
        }
    }

    /// A ustar header block with this name, type, size and link target, its checksum set.
    fn header(name: &[u8], kind: tar::EntryType, size: u64, link: &str) -> Vec<u8> {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(0o644);
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    #[test]
    fn a_plain_archive_is_its_entries_and_nothing_else() {
        let tar = TarBuilder::new()
            .dir("package/lib")
            .file("lib/a.js", "a")
            .symlink("package/l", "lib/a.js")
            .hardlink("package/h", "package/lib/a.js")
            .fifo("package/f")
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"Directory "package/lib" -> Some("lib") size=0 link="" "#,
                r#"File "package/lib/a.js" -> Some("lib/a.js") size=1 link="" Read "a""#,
                r#"Symlink "package/l" -> None size=0 link="lib/a.js" "#,
                r#"Hardlink "package/h" -> None size=0 link="package/lib/a.js" "#,
                r#"Special("FIFO") "package/f" -> None size=0 link="" "#,
            ]
        );
    }

    #[test]
    fn npm_reads_on_after_a_lone_zero_block_and_stops_at_two() {
        let tar = TarBuilder::new()
            .file("a", "1")
            .zero_block()
            .file("b", "2")
            .zero_block()
            .zero_block()
            .file("c", "3")
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"File "package/a" -> Some("a") size=1 link="" Read "1""#,
                "LoneZeroBlock",
                r#"File "package/b" -> Some("b") size=1 link="" Read "2""#,
            ]
        );
    }

    #[test]
    fn a_directory_body_is_read_as_more_entries() {
        let inner = TarBuilder::new().file("hidden.js", "h");
        let tar = TarBuilder::new()
            .dir_with_body("package/d/", &inner)
            .file("after", "z")
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"DirectoryBody { name: "package/d/", size: 1024 }"#,
                r#"Directory "package/d/" -> Some("d") size=0 link="" "#,
                r#"File "package/hidden.js" -> Some("hidden.js") size=1 link="" Read "h""#,
                r#"File "package/after" -> Some("after") size=1 link="" Read "z""#,
            ]
        );
    }

    #[test]
    fn a_directory_given_a_body_by_pax_is_read_as_more_entries() {
        let inner = TarBuilder::new().file("hidden.js", "h").tar();
        let tar = TarBuilder::new()
            .pax(&[("size", "1024")])
            .dir("package/d")
            .raw(&inner[..1024])
            .pax(&[("size", "0")])
            .dir("package/e")
            .file("after", "z")
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"DirectoryBody { name: "package/d", size: 0 }"#,
                r#"Directory "package/d" -> Some("d") size=0 link="" "#,
                r#"File "package/hidden.js" -> Some("hidden.js") size=1 link="" Read "h""#,
                r#"Directory "package/e" -> Some("e") size=0 link="" "#,
                r#"File "package/after" -> Some("after") size=1 link="" Read "z""#,
            ]
        );
    }

    #[test]
    fn the_last_of_two_names_wins() {
        let tar = TarBuilder::new()
            .pax(&[("path", "package/first"), ("path", "package/second")])
            .file("header-name", "1")
            .gnu_long_name("package/long")
            .pax(&[("path", "package/pax")])
            .file("other", "2")
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"RepeatedPaxKey { key: "path" }"#,
                r#"File "package/second" -> Some("second") size=1 link="" Read "1""#,
                "CompetingNames",
                r#"File "package/pax" -> Some("pax") size=1 link="" Read "2""#,
            ]
        );
    }

    #[test]
    fn headers_npm_skips_are_named_and_the_next_block_is_a_header() {
        let mut bad_sum = header(b"package/x", tar::EntryType::Regular, 0, "");
        bad_sum[0] = b'q';
        let tar = TarBuilder::new()
            .raw(bad_sum)
            .raw(header(b"", tar::EntryType::Regular, 0, ""))
            .raw(header(b"package/l", tar::EntryType::Symlink, 0, ""))
            .raw(header(b"package/f", tar::EntryType::Regular, 0, "t"))
            .file("ok", "1")
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"SkippedHeader { detail: "a header's checksum is wrong" }"#,
                r#"SkippedHeader { detail: "a header has no name" }"#,
                r#"SkippedHeader { detail: "a link has no target" }"#,
                r#"SkippedHeader { detail: "a header that is not a link names a link target" }"#,
                r#"File "package/ok" -> Some("ok") size=1 link="" Read "1""#,
            ]
        );
    }

    #[test]
    fn an_end_without_a_marker_is_an_end_and_a_partial_block_is_dropped() {
        let mut tar = TarBuilder::new().file("a", "1").tar();
        tar.truncate(tar.len() - 1024);
        let entry = r#"File "package/a" -> Some("a") size=1 link="" Read "1""#;
        assert_eq!(items(&tar), [entry]);
        tar.extend_from_slice(&[b'x'; 100]);
        assert_eq!(items(&tar), [entry, "PartialBlock { bytes: 100 }"]);
    }

    #[test]
    fn a_body_cut_short_fails_as_npm_fails() {
        let mut tar = header(b"package/a", tar::EntryType::Regular, 600, "");
        tar.extend_from_slice(&[b'y'; 512]);
        assert_eq!(
            items(&tar),
            [
                r#"File "package/a" -> Some("a") size=600 link="" error: an entry's body ends early"#,
                "error: an entry's body ends early",
            ]
        );
        // Skipped unread, the same cut is found at the next header.
        let mut reader = NpmTar::new(&tar[..]);
        assert!(matches!(reader.next_item(), Ok(Some(Item::Entry(_)))));
        assert!(reader.next_item().is_err());
    }

    #[test]
    fn an_extension_header_over_a_mebibyte_is_ignored() {
        let big = "v".repeat(MAX_META as usize + 1);
        let tar = TarBuilder::new()
            .pax(&[("comment", &big)])
            .file("a", "1")
            .tar();
        assert_eq!(
            items(&tar),
            [
                "IgnoredExtension",
                r#"File "package/a" -> Some("a") size=1 link="" Read "1""#,
            ]
        );
    }

    /// A file entry with the body `1` whose header bytes `patch` changes, its checksum then
    /// set again.
    fn patched(name: &[u8], patch: impl FnOnce(&mut [u8])) -> Vec<u8> {
        let mut h = header(name, tar::EntryType::Regular, 1, "");
        patch(&mut h);
        let mut block = tar::Header::new_old();
        block.as_mut_bytes().copy_from_slice(&h);
        block.set_cksum();
        let mut out = block.as_bytes().to_vec();
        out.extend_from_slice(b"1");
        out.resize(1024, 0);
        out
    }

    /// A file header whose number field at `at` is not a number node-tar can read (a
    /// base-256 lead byte other than 0x80 and 0xff), its checksum set.
    fn unreadable_number_at(name: &[u8], at: usize) -> Vec<u8> {
        patched(name, |h| h[at] = 0x81)
    }

    #[test]
    fn a_number_node_tar_cannot_read_skips_the_header_unless_an_extension_names_its_field() {
        // Checked with npm's node-tar (tests/differential/node-tar-extract.mjs): a header
        // whose uid, gid, mtime, atime or ctime field throws is skipped; an extended header
        // carrying that key, even empty, replaces the field, so it is never decoded and the
        // file installs; any other key does not.
        for (key, at) in [
            ("uid", 108),
            ("gid", 116),
            ("mtime", 136),
            ("atime", 476),
            ("ctime", 488),
        ] {
            let bad = unreadable_number_at(b"package/f", at);
            let plain = TarBuilder::new().raw(&bad).tar();
            assert_eq!(
                items(&plain),
                [
                    r#"SkippedHeader { detail: "invalid base256 encoding" }"#,
                    // The body block, read as the next header.
                    r#"SkippedHeader { detail: "a header's checksum is wrong" }"#,
                ],
                "{key}"
            );
            let other = TarBuilder::new().pax(&[("comment", "x")]).raw(&bad).tar();
            assert_eq!(
                items(&other),
                [
                    r#"SkippedHeader { detail: "invalid base256 encoding" }"#,
                    // The body block, read as the next header.
                    r#"SkippedHeader { detail: "a header's checksum is wrong" }"#,
                ],
                "{key}"
            );
            for value in ["1", ""] {
                let named = TarBuilder::new().pax(&[(key, value)]).raw(&bad).tar();
                assert_eq!(
                    items(&named),
                    [r#"File "package/f" -> Some("f") size=1 link="" Read "1""#],
                    "{key}={value}"
                );
            }
        }
    }

    #[test]
    fn an_extension_linkpath_names_the_link_target_and_counts_as_a_key() {
        let tar = TarBuilder::new()
            .pax(&[("linkpath", "first"), ("linkpath", "second")])
            .raw(header(b"package/l", tar::EntryType::Symlink, 0, "t"))
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"RepeatedPaxKey { key: "linkpath" }"#,
                r#"Symlink "package/l" -> None size=0 link="second" "#,
            ]
        );
    }

    #[test]
    fn contiguous_files_and_dump_dirs_are_files_and_folders() {
        // npm's node-tar installs both (checked with tests/differential/node-tar-extract.mjs).
        let mut c = header(b"package/c.js", tar::EntryType::Continuous, 2, "");
        c.extend_from_slice(b"hi");
        c.resize(1024, 0);
        let tar = TarBuilder::new()
            .raw(c)
            .raw(header(b"package/d", tar::EntryType::new(b'D'), 0, ""))
            .raw(header(b"package/i", tar::EntryType::new(b'I'), 0, ""))
            .raw(header(b"package/m", tar::EntryType::new(b'M'), 0, ""))
            .raw(header(b"package/v", tar::EntryType::new(b'V'), 0, ""))
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"File "package/c.js" -> Some("c.js") size=2 link="" Read "hi""#,
                r#"Directory "package/d" -> Some("d") size=0 link="" "#,
                r#"Ignored("Inode entry (type `I`)") "package/i" -> None size=0 link="" "#,
                r#"Ignored("ContinuationFile entry (type `M`)") "package/m" -> None size=0 link="" "#,
                r#"Ignored("TapeVolumeHeader entry (type `V`)") "package/v" -> None size=0 link="" "#,
            ]
        );
    }

    #[test]
    fn old_gnu_long_paths_and_long_link_targets_name_the_next_entry() {
        // An `N` (OldGnuLongPath) body names the next entry, as `L` does: npm's node-tar
        // installed `from-n.js` from such an archive. A `K` body is the next link's target.
        let mut tar = ext(tar::EntryType::new(b'N'), b"package/from-n.js\0");
        tar.extend(header(b"package/short.js", tar::EntryType::Regular, 0, ""));
        tar.extend(ext(tar::EntryType::new(b'K'), b"far/target\0"));
        tar.extend(header(b"package/l", tar::EntryType::Symlink, 0, "t"));
        // An `X` (OldExtendedHeader) is read as a PAX header.
        tar.extend(ext(
            tar::EntryType::new(b'X'),
            b"26 path=package/from-x.js\n",
        ));
        tar.extend(header(b"package/short.js", tar::EntryType::Regular, 0, ""));
        tar.extend([0; 1024]);
        assert_eq!(
            items(&tar),
            [
                r#"File "package/from-n.js" -> Some("from-n.js") size=0 link="" Read """#,
                r#"Symlink "package/l" -> None size=0 link="far/target" "#,
                r#"File "package/from-x.js" -> Some("from-x.js") size=0 link="" Read """#,
            ]
        );
    }

    #[test]
    fn a_ustar_prefix_goes_before_the_name_and_is_130_bytes_unless_byte_475_is_set() {
        // Checked with npm's node-tar on the same three headers: a 128-byte prefix, a
        // 148-byte one (reaching byte 475), and one of exactly 130 bytes whose NUL at 475 is
        // followed by "\nq" (node-tar reads those bytes as atime, not as prefix).
        let with_prefix = |prefix: &str, name: &[u8], after: &[u8]| {
            patched(name, |h| {
                h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
                h[476..476 + after.len()].copy_from_slice(after);
            })
        };
        let (d, e, p) = ("d".repeat(120), "e".repeat(140), "p".repeat(122));
        let tar = TarBuilder::new()
            .raw(with_prefix(&format!("package/{d}"), b"f.js", b""))
            .raw(with_prefix(&format!("package/{e}"), b"g.js", b""))
            .raw(with_prefix(&format!("package/{p}"), b"h.js", b"\nq"))
            .tar();
        let file = |dir: &str, name: &str| {
            format!(
                r#"File "package/{dir}/{name}" -> Some("{dir}/{name}") size=1 link="" Read "1""#
            )
        };
        assert_eq!(
            items(&tar),
            [file(&d, "f.js"), file(&e, "g.js"), file(&p, "h.js")]
        );
    }

    #[test]
    fn a_ustar_prefix_that_is_not_utf8_marks_the_name_non_utf8() {
        // Checked with npm's node-tar: a prefix `package/caf\xe9` before `a.js` installs
        // `caf\u{fffd}/a.js`, the prefix decoded lossily like a name.
        let tar = TarBuilder::new()
            .raw(patched(b"a.js", |h| {
                h[345..357].copy_from_slice(b"package/caf\xe9");
            }))
            .raw(patched(b"b.js", |h| {
                h[345..356].copy_from_slice(b"package/caf");
            }))
            .tar();
        let mut reader = NpmTar::new(&tar[..]);
        let mut names = Vec::new();
        while let Some(item) = reader.next_item().expect("readable") {
            if let Item::Entry(e) = item {
                names.push((e.name, e.non_utf8));
            }
        }
        assert_eq!(
            names,
            [
                ("package/caf\u{fffd}/a.js".to_string(), true),
                ("package/caf/b.js".to_string(), false),
            ]
        );
    }

    #[test]
    fn devices_are_special_and_other_types_are_named_as_node_tar_names_them() {
        let tar = TarBuilder::new()
            .raw(header(b"package/c", tar::EntryType::Char, 0, ""))
            .raw(header(b"package/b", tar::EntryType::Block, 0, ""))
            .raw(header(b"package/p", tar::EntryType::Fifo, 0, ""))
            .raw(header(b"package/a", tar::EntryType::new(b'A'), 0, ""))
            .raw(header(b"package/s", tar::EntryType::new(b'S'), 0, ""))
            .raw(header(b"package/z", tar::EntryType::new(b'Z'), 0, ""))
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"Special("character device") "package/c" -> None size=0 link="" "#,
                r#"Special("block device") "package/b" -> None size=0 link="" "#,
                r#"Special("FIFO") "package/p" -> None size=0 link="" "#,
                r#"Ignored("SolarisACL entry (type `A`)") "package/a" -> None size=0 link="" "#,
                r#"Ignored("SparseFile entry (type `S`)") "package/s" -> None size=0 link="" "#,
                r#"Ignored("unknown entry type `Z`") "package/z" -> None size=0 link="" "#,
            ]
        );
    }

    /// An extension header of this type with this body, padded to whole blocks.
    fn ext(kind: tar::EntryType, body: &[u8]) -> Vec<u8> {
        let mut out = header(b"PaxHeader", kind, body.len() as u64, "");
        out.extend_from_slice(body);
        out.resize(out.len().div_ceil(512) * 512, 0);
        out
    }

    #[test]
    fn a_size_that_is_not_a_whole_number_is_odd() {
        let tar = TarBuilder::new()
            .pax(&[("size", "1.5")])
            .file_sized("package/a", 0, "xy")
            .tar();
        let got = items(&tar);
        assert_eq!(
            got[0], r#"OddSize { detail: "size 1.5 is not a whole number" }"#,
            "{got:?}"
        );
    }

    #[test]
    fn an_extension_header_of_exactly_a_mebibyte_is_read() {
        // "1048576 path=package/aaa…\n" is 14 bytes plus the value.
        let value = format!("package/{}", "a".repeat(MAX_META as usize - 14 - 8));
        let tar = TarBuilder::new()
            .pax(&[("path", &value)])
            .file("short", "1")
            .tar();
        let mut reader = NpmTar::new(&tar[..]);
        let Ok(Some(Item::Entry(e))) = reader.next_item() else {
            panic!("a 1 MiB PAX header names the entry after it");
        };
        assert_eq!(e.name, value);
    }

    #[test]
    fn an_extension_header_whose_body_is_not_consumed_fails_the_archive_at_its_end() {
        // A pending `size=512` sizes the global header (read whole); its `size=0` then
        // decides the next extension header, whose body is not consumed: its blocks are
        // read as headers, nothing replaces it, and npm's node-tar fails the archive.
        let tar = TarBuilder::new()
            .file("a", "1")
            .raw(ext(tar::EntryType::XHeader, b"12 size=512\n"))
            .raw(ext(tar::EntryType::XGlobalHeader, b"10 size=0\n"))
            .raw(ext(tar::EntryType::XHeader, b"18 path=package/z\n"))
            .tar();
        assert_eq!(
            items(&tar),
            [
                r#"File "package/a" -> Some("a") size=1 link="" Read "1""#,
                // Once for the global header, once for the one after it.
                r#"OddSize { detail: "a pending PAX size applies to an extension header" }"#,
                r#"OddSize { detail: "a pending PAX size applies to an extension header" }"#,
                r#"SkippedHeader { detail: "a header's checksum is wrong" }"#,
                "error: an entry's body ends early",
            ]
        );
        // An extension header with an empty body at the end consumes nothing: no failure.
        let tar = TarBuilder::new()
            .file("a", "1")
            .raw(ext(tar::EntryType::XHeader, b""))
            .tar();
        assert_eq!(
            items(&tar),
            [r#"File "package/a" -> Some("a") size=1 link="" Read "1""#]
        );
    }

    #[test]
    fn body_sizes_are_whole_bytes_in_whole_blocks_and_unknown_sizes_are_endless() {
        assert_eq!(body_size(0.0), (0, 0));
        assert_eq!(body_size(1.0), (1, 512));
        assert_eq!(body_size(512.0), (512, 512));
        assert_eq!(body_size(513.5), (513, 1024));
        for endless in [f64::NAN, f64::INFINITY, 1.8e19, 1e300] {
            assert_eq!(body_size(endless), (u64::MAX, u64::MAX), "{endless}");
        }
    }

    /// Gives one byte per read, with an interruption before each.
    struct Stutter<'a> {
        data: &'a [u8],
        interrupt: bool,
    }

    impl Read for Stutter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let Some((first, rest)) = self.data.split_first() else {
                return Ok(0);
            };
            if buf.is_empty() {
                return Ok(0);
            }
            buf[0] = *first;
            self.data = rest;
            Ok(1)
        }
    }

    #[test]
    fn a_block_is_read_through_short_reads_and_interruptions() {
        let mut buf = [0u8; 4];
        let mut r = Stutter {
            data: b"abcdef",
            interrupt: false,
        };
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ef");
        // Any other error ends the read, even when the reader would go on.
        struct Broken(bool);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    buf[0] = b'z';
                    return Ok(1);
                }
                Err(io::ErrorKind::ConnectionReset.into())
            }
        }
        let e = read_full(&mut Broken(false), &mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
    }

    #[test]
    fn a_body_longer_than_wanted_is_skipped_not_read() {
        let tar = TarBuilder::new().file("a", "12345").file("b", "6").tar();
        let mut reader = NpmTar::new(&tar[..]);
        let mut buf = Vec::new();
        assert!(matches!(reader.next_item(), Ok(Some(Item::Entry(_)))));
        assert_eq!(reader.read_body(&mut buf, 4).unwrap(), Body::Skipped);
        assert!(buf.is_empty());
        let Ok(Some(Item::Entry(b))) = reader.next_item() else {
            panic!("the next entry follows a skipped body");
        };
        assert_eq!(b.name, "package/b");
        assert_eq!(reader.read_body(&mut buf, 1).unwrap(), Body::Read);
        assert_eq!(buf, b"6");
        assert_eq!((reader.headers, reader.valid), (2, 2));
    }
}
