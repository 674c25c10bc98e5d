//! Reading an archive: the format sniffed from its first bytes (gzip, plain tar; zip and
//! others refused), decompression counted against the limits, and each tar entry handed to
//! the visitor as it is read, on one thread or with decompression ahead on another.

use std::cell::Cell;
use std::collections::HashSet;
use std::io::{self, Read};
use std::rc::Rc;

use super::{ArtifactError, Entry, EntryIssue, EntryName, Limits, Stats, Visitor};

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

enum Compression {
    Gzip,
    None,
}

/// Decides from the first bytes what the input is, so a wrong extension or stdin still works
/// and a zip or random file gets a precise message.
fn sniff(name: &str, head: &[u8]) -> Result<Compression, ArtifactError> {
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
    Err(not(
        "it is neither gzip nor tar (no gzip magic bytes, no tar header)",
    ))
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
        // Multi-member: `gzip -dc` reads concatenated members, and so must we, or a second
        // member could hide content from the scan while npm's extractor still unpacks it.
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(stream)),
        Compression::None => Box::new(stream),
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
    let corrupt = |e: io::Error| ArtifactError::Corrupt {
        name: name.to_string(),
        detail: describe_io(&e),
    };
    let mut archive = tar::Archive::new(counted);
    let mut stats = Stats::default();
    let mut seen_paths: HashSet<String> = HashSet::new();
    let mut buf: Vec<u8> = Vec::new();
    let entries = archive.entries().map_err(corrupt)?;
    for entry in entries {
        let mut entry = entry.map_err(corrupt)?;
        stats.entries += 1;
        if stats.entries > limits.max_entries {
            return Err(ArtifactError::TooManyEntries {
                name: name.to_string(),
                limit: limits.max_entries,
            });
        }
        let kind = entry.header().entry_type();
        if matches!(
            kind,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader
        ) {
            continue;
        }
        let raw = entry.path_bytes().into_owned();
        let named = EntryName::parse(&raw);
        let path = named.path.clone();
        let mut issues = named.issues.clone();

        let is_file = matches!(
            kind,
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse
        ) || kind.as_byte() == 0;
        let link_target = || {
            entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        match kind {
            _ if is_file => {}
            tar::EntryType::Directory => continue,
            tar::EntryType::Symlink => issues.push(EntryIssue::Symlink {
                target: link_target(),
            }),
            tar::EntryType::Link => issues.push(EntryIssue::Hardlink {
                target: link_target(),
            }),
            tar::EntryType::Char => issues.push(special("character device")),
            tar::EntryType::Block => issues.push(special("block device")),
            tar::EntryType::Fifo => issues.push(special("FIFO")),
            other => issues.push(special(&format!(
                "unknown entry type `{}`",
                (other.as_byte() as char).escape_default()
            ))),
        }

        // npm strips the first component of every name; the first file decides what that
        // folder is, and anything else (or a file with no folder at all) is outside it.
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
        if !seen_paths.insert(path.clone()) {
            issues.push(EntryIssue::Duplicate);
        }

        let size = entry.size();
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
        for issue in &issues {
            visitor.issue(&path, issue.clone());
        }
        if !is_file || size > limits.max_file_size {
            continue;
        }
        buf.clear();
        buf.reserve(size as usize);
        (&mut entry)
            .take(size)
            .read_to_end(&mut buf)
            .map_err(corrupt)?;
        if (buf.len() as u64) < size {
            return Err(ArtifactError::Corrupt {
                name: name.to_string(),
                detail: format!("`{path}` ends early: the archive is truncated"),
            });
        }
        stats.files += 1;
        stats.unpacked_bytes += size;
        let rel = rel_path(&named.components);
        visitor.file(Entry {
            path: &path,
            rel: &rel,
            data: &buf,
            disk_path: None,
        });
    }
    // Read to the end so the gzip trailer (CRC and length) is checked: a stream cut after
    // the tar end marker is still a damaged download.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(corrupt)?;
    Ok(stats)
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
fn describe_io(e: &io::Error) -> String {
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
    fn sniff_names_the_format() {
        let err = sniff("x.zip", b"PK\x03\x04rest").err().unwrap();
        assert!(err.to_string().contains("zip"), "{err}");
        let err = sniff("x", b"").err().unwrap();
        assert!(err.to_string().contains("empty"), "{err}");
        assert!(sniff("x", &[0x1f, 0x8b, 8]).is_ok());
    }
}
