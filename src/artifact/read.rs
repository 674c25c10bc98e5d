//! Reading a package archive the way npm's extractor does: what the input is (gzip, tar, or
//! neither), the decompressed-size guard, and the walk over node-tar's entries (`npmtar`)
//! that turns each into an `Entry` or an `EntryIssue` for the visitor, on one thread or with
//! decompression beside the scan.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{self, Read};
use std::rc::Rc;

use super::*;
/// Counts decompressed bytes and fails the read once the limit is passed, so a bomb is
/// stopped after `limit` bytes whatever its headers claim.
struct Counted<R> {
    inner: R,
    seen: Rc<Cell<u64>>,
    limit: u64,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let seen = self.seen.get() + n as u64;
        self.seen.set(seen);
        if seen > self.limit {
            self.tripped.set(true);
            return Err(io::Error::other("unpacked size limit reached"));
        }
        Ok(n)
    }
}

pub(super) enum Compression {
    Gzip,
    None,
    /// Neither gzip nor recognisably tar: node-tar still parses it as tar (skipping blocks it
    /// cannot read), so it is read the same way, and refused only if no header is found.
    Unknown,
}

/// Decides from the first bytes what the input is, so a wrong extension or stdin still works
/// and a zip or random file gets a precise message.
pub(super) fn sniff(name: &str, head: &[u8]) -> Result<Compression, ArtifactError> {
    let not = |detail: &str| ArtifactError::NotAnArchive {
        name: name.to_string(),
        detail: detail.to_string(),
    };
    if head.is_empty() {
        return Err(not("the file is empty"));
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Compression::Gzip);
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Ok(Compression::None);
    }
    if head.len() >= 512 && tar_checksum_ok(&head[..512]) {
        return Ok(Compression::None);
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Err(not("it is a zip archive, not a gzip-compressed tar"));
    }
    if head.starts_with(b"BZh") {
        return Err(not("it is bzip2-compressed; npm tarballs are gzip"));
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return Err(not("it is xz-compressed; npm tarballs are gzip"));
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err(not("it is zstd-compressed; npm tarballs are gzip"));
    }
    Ok(Compression::Unknown)
}

const NOT_TAR: &str = "it is neither gzip nor tar (no gzip magic bytes, no tar header)";
const NO_HEADER: &str = "it holds no tar header npm can read";

/// An input with no header npm can read: the precise message if it never looked like tar.
pub(super) fn no_header(name: &str, compression: &Compression) -> ArtifactError {
    match compression {
        Compression::Unknown => ArtifactError::NotAnArchive {
            name: name.to_string(),
            detail: NOT_TAR.to_string(),
        },
        _ => ArtifactError::Corrupt {
            name: name.to_string(),
            detail: NO_HEADER.to_string(),
        },
    }
}

/// A pre-POSIX tar header has no magic; its checksum is the only way to recognise it.
fn tar_checksum_ok(block: &[u8]) -> bool {
    let field = &block[148..156];
    let digits: String = field
        .iter()
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| *b as char)
        .collect();
    let Ok(expected) = u32::from_str_radix(digits.trim(), 8) else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                *b as u32
            }
        })
        .sum();
    sum == expected && block.iter().any(|b| *b != 0)
}

/// Reads an archive from `input`, handing each entry to `visitor`.
///
/// `name` is used in error messages only.
pub fn read_archive(
    name: &str,
    mut input: impl Read,
    limits: &Limits,
    visitor: &mut dyn Visitor,
) -> Result<Stats, ArtifactError> {
    let unreadable = |source: io::Error| ArtifactError::Unreadable {
        name: name.to_string(),
        source,
    };
    let mut head = Vec::with_capacity(512);
    (&mut input)
        .take(512)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    let compression = sniff(name, &head)?;
    let stream = io::Cursor::new(head).chain(input);
    let decoded: Box<dyn Read> = match compression {
        // Multi-member, and zero padding after the last member ignored, as Node's zlib
        // reads it: a second member must not hide content, and padding is not damage.
        Compression::Gzip => Box::new(gunzip::NodeGunzip::new(io::BufReader::new(stream))),
        Compression::None | Compression::Unknown => Box::new(stream),
    };
    let seen = Rc::new(Cell::new(0));
    let tripped = Rc::new(Cell::new(false));
    let counted = Counted {
        inner: decoded,
        seen: seen.clone(),
        limit: limits.max_total_size,
        tripped: tripped.clone(),
    };
    let result = read_tar(name, counted, limits, visitor);
    match result {
        Err(ArtifactError::Corrupt { detail, .. }) if detail == NO_HEADER => {
            Err(no_header(name, &compression))
        }
        Err(_) if tripped.get() => Err(ArtifactError::TooLarge {
            name: name.to_string(),
            limit: limits.max_total_size,
        }),
        other => other,
    }
}

/// Bytes of entries read ahead and not yet visited. With one entry being read and one being
/// visited, memory stays under this plus twice the largest file.
const READ_AHEAD: u64 = 32 << 20;

/// Like `read_archive`, but decompresses and reads on a second thread while `visitor` works
/// on this one, so scanning hides behind decompression instead of adding to it. Entries reach
/// the visitor in archive order, so results do not depend on timing.
pub fn read_archive_parallel(
    name: &str,
    input: impl Read + Send,
    limits: &Limits,
    visitor: &mut dyn Visitor,
) -> Result<Stats, ArtifactError> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Condvar, Mutex};

    enum Msg {
        File {
            path: String,
            rel: String,
            data: Vec<u8>,
        },
        Issue {
            path: String,
            issue: EntryIssue,
        },
    }

    /// In-flight bytes, and whether the visiting side is gone (so the reader never waits on
    /// a consumer that stopped).
    struct Budget {
        inflight: Mutex<u64>,
        freed: Condvar,
        closed: AtomicBool,
    }

    struct Pipe<'b> {
        tx: mpsc::SyncSender<Msg>,
        budget: &'b Budget,
    }

    impl Visitor for Pipe<'_> {
        fn file(&mut self, entry: Entry<'_>) {
            let size = entry.data.len() as u64;
            let mut inflight = self
                .budget
                .inflight
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            while *inflight > 0
                && *inflight + size > READ_AHEAD
                && !self.budget.closed.load(Ordering::Acquire)
            {
                inflight = self
                    .budget
                    .freed
                    .wait_timeout(inflight, std::time::Duration::from_millis(50))
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
            *inflight += size;
            drop(inflight);
            let _ = self.tx.send(Msg::File {
                path: entry.path.to_string(),
                rel: entry.rel.to_string(),
                data: entry.data.to_vec(),
            });
        }

        fn issue(&mut self, path: &str, issue: EntryIssue) {
            let _ = self.tx.send(Msg::Issue {
                path: path.to_string(),
                issue,
            });
        }
    }

    /// Marks the visiting side closed when it stops, however it stops.
    struct Closer<'b>(&'b Budget);
    impl Drop for Closer<'_> {
        fn drop(&mut self) {
            self.0.closed.store(true, Ordering::Release);
            self.0.freed.notify_all();
        }
    }

    let budget = Budget {
        inflight: Mutex::new(0),
        freed: Condvar::new(),
        closed: AtomicBool::new(false),
    };
    let (tx, rx) = mpsc::sync_channel::<Msg>(1024);
    std::thread::scope(|s| {
        let budget = &budget;
        let reader = s.spawn(move || {
            let mut pipe = Pipe { tx, budget };
            read_archive(name, input, limits, &mut pipe)
        });
        {
            let _closer = Closer(budget);
            for msg in rx.iter() {
                match msg {
                    Msg::File { path, rel, data } => {
                        visitor.file(Entry {
                            path: &path,
                            rel: &rel,
                            data: &data,
                            disk_path: None,
                        });
                        let mut inflight =
                            budget.inflight.lock().unwrap_or_else(|e| e.into_inner());
                        *inflight = inflight.saturating_sub(data.len() as u64);
                        budget.freed.notify_one();
                    }
                    Msg::Issue { path, issue } => visitor.issue(&path, issue),
                }
            }
        }
        reader.join().unwrap_or_else(|_| {
            Err(ArtifactError::Corrupt {
                name: name.to_string(),
                detail: "the archive reader stopped unexpectedly".to_string(),
            })
        })
    })
}

fn read_tar(
    name: &str,
    counted: impl Read,
    limits: &Limits,
    visitor: &mut dyn Visitor,
) -> Result<Stats, ArtifactError> {
    use npmtar::{Body, Item, Kind, NpmTar};

    let corrupt = |e: io::Error| match e.kind() {
        io::ErrorKind::OutOfMemory => ArtifactError::OutOfMemory {
            name: name.to_string(),
            detail: e.to_string(),
        },
        _ => ArtifactError::Corrupt {
            name: name.to_string(),
            detail: describe_io(&e),
        },
    };
    let mut tar = NpmTar::new(counted);
    let mut stats = Stats::default();
    // What npm keeps is the last copy of a path; the first copy's length and CRC-32 tell
    // whether the copies differ. A keyed hash would resist a forged CRC, but costs 4% of a
    // whole scan (SipHash over every byte); a forged copy still gets file/duplicate-entry,
    // and both copies are scanned.
    let mut seen: HashMap<String, Option<(usize, u32)>> = HashMap::new();
    // Quirks are reported on the entry they affect, which follows them.
    let mut quirks: Vec<String> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    while let Some(item) = tar.next_item().map_err(corrupt)? {
        if tar.headers > limits.max_entries {
            return Err(ArtifactError::TooManyEntries {
                name: name.to_string(),
                limit: limits.max_entries,
            });
        }
        let entry = match item {
            Item::Quirk(q) => {
                quirks.push(describe_quirk(&q));
                continue;
            }
            Item::Entry(e) => e,
        };
        stats.entries += 1;
        let mut named = EntryName::parse(entry.name.as_bytes());
        if entry.non_utf8 {
            named.issues.insert(0, EntryIssue::NonUtf8Name);
        }
        let path = named.path.clone();
        let mut issues = std::mem::take(&mut named.issues);
        issues.extend(
            quirks
                .drain(..)
                .map(|detail| EntryIssue::ReaderDisagreement { detail }),
        );
        let is_file = entry.kind == Kind::File;
        match &entry.kind {
            Kind::File => {}
            Kind::Directory => {
                for issue in &issues {
                    visitor.issue(&path, issue.clone());
                }
                continue;
            }
            Kind::Symlink => issues.push(EntryIssue::Symlink {
                target: entry.link.clone(),
            }),
            Kind::Hardlink => issues.push(EntryIssue::Hardlink {
                target: entry.link.clone(),
            }),
            Kind::Special(kind) | Kind::Ignored(kind) => issues.push(special(kind)),
        }

        // npm strips the first component of every name, whatever it is; the first file's
        // folder is the package's, and a name under another one (or none) is reported.
        match (named.components.as_slice(), &stats.root) {
            ([top, _, ..], None) => stats.root = Some(top.clone()),
            ([top, _, ..], Some(root)) if top != root => {
                issues.push(EntryIssue::OutsideRoot { root: root.clone() })
            }
            ([_], root) => issues.push(EntryIssue::OutsideRoot {
                root: root.clone().unwrap_or_else(|| "package".to_string()),
            }),
            _ => {}
        }
        // Where npm writes it decides what is a duplicate: `foo/a.js` and `package/a.js`
        // are the same file to npm.
        let rel = entry
            .placed
            .clone()
            .unwrap_or_else(|| rel_path(&named.components));
        let key = match &entry.placed {
            Some(placed) => placed.clone(),
            None => path.clone(),
        };

        let size = entry.size;
        // A header that claims more than the whole archive may unpack to is a bomb (or a
        // lie): stop before inflating anything.
        if is_file && stats.unpacked_bytes.saturating_add(size) > limits.max_total_size {
            return Err(ArtifactError::TooLarge {
                name: name.to_string(),
                limit: limits.max_total_size,
            });
        }
        if is_file && size > limits.max_file_size {
            issues.push(EntryIssue::Oversized {
                size,
                limit: limits.max_file_size,
            });
        }
        let body = if is_file {
            tar.read_body(&mut buf, limits.max_file_size)
                .map_err(corrupt)?
        } else {
            Body::Skipped
        };
        let hash = (body != Body::Skipped).then(|| (buf.len(), crc32fast::hash(&buf)));
        if let Some(first) = seen.insert(key.clone(), hash) {
            issues.push(EntryIssue::Duplicate);
            if is_file && rel == "package.json" {
                issues.push(EntryIssue::DuplicateManifest);
            } else if is_file && (first.is_none() || first != hash) {
                issues.push(EntryIssue::DuplicateDiffers);
            }
        }
        for issue in &issues {
            visitor.issue(&path, issue.clone());
        }
        if body == Body::Skipped {
            continue;
        }
        stats.files += 1;
        stats.unpacked_bytes += buf.len() as u64;
        visitor.file(Entry {
            path: &path,
            rel: &rel,
            data: &buf,
            disk_path: None,
        });
    }
    if tar.valid == 0 {
        return Err(ArtifactError::Corrupt {
            name: name.to_string(),
            detail: NO_HEADER.to_string(),
        });
    }
    for detail in quirks {
        let at = stats.root.clone().unwrap_or_else(|| "package".to_string());
        visitor.issue(&at, EntryIssue::ReaderDisagreement { detail });
    }
    // Read to the end so the gzip trailer (CRC and length) is checked: a stream cut after
    // the tar end marker is still a damaged download.
    let mut rest = tar.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(corrupt)?;
    Ok(stats)
}

/// What a reader quirk means, for the finding's message.
fn describe_quirk(q: &npmtar::Quirk) -> String {
    use npmtar::Quirk;
    match q {
        Quirk::LoneZeroBlock => {
            "a lone zero block before this entry: strict readers stop there, npm reads on".into()
        }
        Quirk::DirectoryBody { name, size } => format!(
            "directory `{name}` declares a {size} byte body, which npm reads as more entries"
        ),
        Quirk::RepeatedPaxKey { key } => {
            format!("a PAX header gives `{key}` twice; npm keeps the last")
        }
        Quirk::CompetingNames => {
            "a GNU long name and a PAX path name the same entry; npm keeps the later".into()
        }
        Quirk::SkippedHeader { detail } => {
            format!("{detail}; npm skips that block and reads the next as a header")
        }
        Quirk::IgnoredExtension => "an extension header over 1 MiB, which npm ignores".into(),
        Quirk::OddSize { detail } => detail.clone(),
        Quirk::PartialBlock { bytes } => format!(
            "the archive ends {bytes} bytes into a header block; npm ignores them, a strict reader fails"
        ),
    }
}

fn special(kind: &str) -> EntryIssue {
    EntryIssue::Special {
        kind: kind.to_string(),
    }
}

fn rel_path(components: &[String]) -> String {
    if components.len() > 1 {
        components[1..].join("/")
    } else {
        components.join("/")
    }
}

/// io errors from flate2 and tar are terse; say what they mean for an npm tarball.
pub(super) fn describe_io(e: &io::Error) -> String {
    let text = e.to_string();
    if e.kind() == io::ErrorKind::UnexpectedEof || text.contains("unexpected end") {
        return format!("the archive is truncated ({text})");
    }
    if text.contains("corrupt deflate stream")
        || text.contains("invalid gzip header")
        || text.contains("checksum")
    {
        return format!("the gzip stream is damaged ({text})");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tar_is_known_by_its_magic_or_by_its_checksum_alone() {
        let tar = crate::artifact::builder::TarBuilder::new()
            .file("a", "1")
            .tar();
        assert!(matches!(sniff("x", &tar), Ok(Compression::None)));
        // A pre-POSIX header: no magic, a valid checksum.
        let mut v7 = tar[..512].to_vec();
        v7[257..265].fill(0);
        let mut h = tar::Header::from_byte_slice(&v7).clone();
        h.set_cksum();
        let v7 = h.as_bytes().to_vec();
        assert!(matches!(sniff("x", &v7), Ok(Compression::None)));
        // The same with its checksum off by one, or its checksum field empty: not tar.
        let mut bad = v7.clone();
        bad[0] ^= 1;
        assert!(matches!(sniff("x", &bad), Ok(Compression::Unknown)));
        let mut empty_sum = v7.clone();
        empty_sum[148..156].fill(0);
        assert!(matches!(sniff("x", &empty_sum), Ok(Compression::Unknown)));
        assert!(matches!(sniff("x", &[b'x'; 600]), Ok(Compression::Unknown)));
        // Any block whose checksum adds up counts, even one without a zero byte
        // (504 × 'x' + 8 spaces = 0o166500); a zero block never does.
        let mut dense = [b'x'; 512];
        dense[148..156].copy_from_slice(b"166500  ");
        assert!(matches!(sniff("x", &dense), Ok(Compression::None)));
        assert!(matches!(sniff("x", &[0u8; 512]), Ok(Compression::Unknown)));
        assert!(matches!(sniff("x", &[b'x'; 100]), Ok(Compression::Unknown)));
    }

    #[test]
    fn the_unpacked_size_limit_allows_exactly_the_limit() {
        let count = |limit: u64| {
            let tripped = Rc::new(Cell::new(false));
            let mut c = Counted {
                inner: &[7u8; 1000][..],
                seen: Rc::new(Cell::new(0)),
                limit,
                tripped: tripped.clone(),
            };
            let read = io::copy(&mut c, &mut io::sink());
            (read.is_ok(), tripped.get(), c.seen.get())
        };
        assert_eq!(count(1000), (true, false, 1000));
        let (ok, tripped, _) = count(999);
        assert!(!ok && tripped);
    }

    /// Counts the bytes the reader thread takes from the input.
    struct Metered {
        data: io::Cursor<Vec<u8>>,
        taken: std::sync::Arc<std::sync::atomic::AtomicU64>,
    }

    impl Read for Metered {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.data.read(buf)?;
            self.taken
                .fetch_add(n as u64, std::sync::atomic::Ordering::SeqCst);
            Ok(n)
        }
    }

    /// Holds the first file until the reader has read ahead and stopped, and records how
    /// far it got; then takes the rest.
    struct Slow {
        taken: std::sync::Arc<std::sync::atomic::AtomicU64>,
        at_first: Option<u64>,
        files: Vec<(String, usize)>,
    }

    impl Visitor for Slow {
        fn file(&mut self, entry: Entry<'_>) {
            use std::time::{Duration, Instant};
            if self.at_first.is_none() {
                let taken = || self.taken.load(std::sync::atomic::Ordering::SeqCst);
                // The reader goes on while this file is visited...
                let start = Instant::now();
                while taken() < READ_AHEAD / 2 {
                    assert!(
                        start.elapsed() < Duration::from_secs(30),
                        "the reader did not read ahead while a file was visited ({} bytes)",
                        taken()
                    );
                    std::thread::sleep(Duration::from_millis(10));
                }
                // ...until the budget stops it (or it reads everything).
                let mut last = taken();
                loop {
                    std::thread::sleep(Duration::from_millis(300));
                    let now = taken();
                    if now == last || start.elapsed() > Duration::from_secs(10) {
                        break;
                    }
                    last = now;
                }
                self.at_first = Some(taken());
            }
            self.files.push((entry.rel.to_string(), entry.data.len()));
        }
        fn issue(&mut self, _: &str, _: EntryIssue) {}
    }

    #[test]
    fn the_reader_runs_ahead_of_a_slow_visitor_by_the_read_ahead_and_no_further() {
        const MIB: usize = 1 << 20;
        // 3 MiB files: the read-ahead is not a multiple of them, so the bound is crossed,
        // not met exactly.
        let mut b = crate::artifact::builder::TarBuilder::new();
        for i in 0..22 {
            b = b.file(&format!("f{i:02}"), vec![b'a'; 3 * MIB]);
        }
        // One file larger than the whole read-ahead still goes through.
        b = b.file("big", vec![b'b'; READ_AHEAD as usize + 4 * MIB]);
        let tar = b.tar();
        let taken = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let input = Metered {
            data: io::Cursor::new(tar),
            taken: taken.clone(),
        };
        let mut slow = Slow {
            taken,
            at_first: None,
            files: Vec::new(),
        };
        let limits = Limits::default();
        read_archive_parallel("t.tar", input, &limits, &mut slow).unwrap();
        let at_first = slow.at_first.unwrap();
        // In flight: at most the read-ahead (the visited file included), plus the file the
        // reader holds while it waits, plus buffers.
        let bound = READ_AHEAD + 3 * MIB as u64 + MIB as u64;
        assert!(
            at_first <= bound,
            "the reader took {at_first} bytes while one file was visited (bound {bound})"
        );
        assert_eq!(slow.files.len(), 23);
        assert_eq!(
            slow.files[22],
            ("big".to_string(), READ_AHEAD as usize + 4 * MIB)
        );
    }

    #[test]
    fn a_visitor_that_fails_does_not_leave_the_reader_waiting() {
        struct Fails;
        impl Visitor for Fails {
            fn file(&mut self, _: Entry<'_>) {
                // Long enough for the reader to fill the read-ahead and wait on it.
                std::thread::sleep(std::time::Duration::from_millis(500));
                panic!("the visitor fails");
            }
            fn issue(&mut self, _: &str, _: EntryIssue) {}
        }
        let mut b = crate::artifact::builder::TarBuilder::new();
        for i in 0..16 {
            b = b.file(&format!("f{i:02}"), vec![b'a'; 4 << 20]);
        }
        let tar = b.tar();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(|| {
                read_archive_parallel("t.tar", &tar[..], &Limits::default(), &mut Fails)
            });
            let _ = done.send(outcome.is_err());
        });
        let panicked = finished
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the reader still waits for a visitor that is gone");
        assert!(panicked, "the visitor's failure reaches the caller");
    }

    /// Collects what a read hands over.
    #[derive(Default)]
    struct Collect {
        files: Vec<String>,
        issues: Vec<(String, EntryIssue)>,
    }

    impl Visitor for Collect {
        fn file(&mut self, entry: Entry<'_>) {
            self.files.push(entry.rel.to_string());
        }
        fn issue(&mut self, path: &str, issue: EntryIssue) {
            self.issues.push((path.to_string(), issue));
        }
    }

    #[test]
    fn the_entry_limit_allows_exactly_the_limit_and_entries_are_counted() {
        let tar = crate::artifact::builder::TarBuilder::new()
            .file("a", "1")
            .file("b", "2")
            .dir("package/d")
            .tar();
        let limits = |max_entries| Limits {
            max_entries,
            ..Limits::default()
        };
        let mut seen = Collect::default();
        let stats = read_archive("t.tar", &tar[..], &limits(3), &mut seen).unwrap();
        assert_eq!((stats.entries, stats.files), (3, 2));
        assert_eq!(seen.files, ["a", "b"]);
        let err = read_archive("t.tar", &tar[..], &limits(2), &mut Collect::default());
        assert!(matches!(
            err,
            Err(ArtifactError::TooManyEntries { limit: 2, .. })
        ));
    }

    #[test]
    fn a_file_of_exactly_the_file_size_limit_is_read_and_a_larger_one_reported() {
        let tar = crate::artifact::builder::TarBuilder::new()
            .file("fits", "12345678")
            .file("over", "123456789")
            .tar();
        let limits = Limits {
            max_file_size: 8,
            ..Limits::default()
        };
        let mut seen = Collect::default();
        read_archive("t.tar", &tar[..], &limits, &mut seen).unwrap();
        assert_eq!(seen.files, ["fits"]);
        assert_eq!(
            seen.issues,
            [(
                "package/over".to_string(),
                EntryIssue::Oversized { size: 9, limit: 8 }
            )]
        );
    }

    #[test]
    fn reader_quirks_reach_the_visitor_as_disagreements_in_words() {
        let tar = crate::artifact::builder::TarBuilder::new()
            .file("a", "1")
            .zero_block()
            .file("b", "2")
            .tar();
        let mut seen = Collect::default();
        read_archive("t.tar", &tar[..], &Limits::default(), &mut seen).unwrap();
        assert_eq!(seen.files, ["a", "b"]);
        assert_eq!(
            seen.issues,
            // On the entry it affects, which follows it.
            [(
                "package/b".to_string(),
                EntryIssue::ReaderDisagreement {
                    detail: "a lone zero block before this entry: strict readers stop there, npm reads on".into()
                }
            )]
        );
        use npmtar::Quirk;
        for (quirk, words) in [
            (
                Quirk::DirectoryBody { name: "package/d".into(), size: 512 },
                "directory `package/d` declares a 512 byte body, which npm reads as more entries",
            ),
            (
                Quirk::RepeatedPaxKey { key: "path".into() },
                "a PAX header gives `path` twice; npm keeps the last",
            ),
            (
                Quirk::CompetingNames,
                "a GNU long name and a PAX path name the same entry; npm keeps the later",
            ),
            (
                Quirk::SkippedHeader { detail: "a header has no name".into() },
                "a header has no name; npm skips that block and reads the next as a header",
            ),
            (Quirk::IgnoredExtension, "an extension header over 1 MiB, which npm ignores"),
            (Quirk::OddSize { detail: "size 1.5".into() }, "size 1.5"),
            (
                Quirk::PartialBlock { bytes: 7 },
                "the archive ends 7 bytes into a header block; npm ignores them, a strict reader fails",
            ),
        ] {
            assert_eq!(describe_quirk(&quirk), words);
        }
    }

    #[test]
    fn a_path_inside_the_package_drops_the_top_folder_only() {
        assert_eq!(
            rel_path(&["package".into(), "lib".into(), "a.js".into()]),
            "lib/a.js"
        );
        assert_eq!(rel_path(&["package".into(), "a.js".into()]), "a.js");
        assert_eq!(rel_path(&["a.js".into()]), "a.js");
    }

    #[test]
    fn io_errors_say_what_they_mean_for_a_tarball() {
        let other = |text: &str| describe_io(&io::Error::other(text.to_string()));
        assert_eq!(
            describe_io(&io::ErrorKind::UnexpectedEof.into()),
            "the archive is truncated (unexpected end of file)"
        );
        assert_eq!(
            other("unexpected end of stream"),
            "the archive is truncated (unexpected end of stream)"
        );
        for damaged in [
            "corrupt deflate stream",
            "invalid gzip header",
            "bad checksum",
        ] {
            assert_eq!(
                other(damaged),
                format!("the gzip stream is damaged ({damaged})")
            );
        }
        assert_eq!(other("disk on fire"), "disk on fire");
    }

    #[test]
    fn sniff_names_the_format() {
        let err = sniff("x.zip", b"PK\x03\x04rest").err().unwrap();
        assert!(err.to_string().contains("zip"), "{err}");
        let err = sniff("x", b"").err().unwrap();
        assert!(err.to_string().contains("empty"), "{err}");
        assert!(sniff("x", &[0x1f, 0x8b, 8]).is_ok());
    }
}
