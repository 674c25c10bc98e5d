//! Builds tarballs in memory, hostile ones included, so a fixture's content sits next to the
//! assertion that uses it. `packguard rules test` builds each rule example with it, and the
//! integration tests build every archive they scan with it.
//!
//! Unlike `tar::Builder::append_data`, it writes names exactly as given (`..`, absolute,
//! non-UTF-8, over 100 bytes through a GNU long-name entry), because those are what a
//! scanner must be tested against.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

#[derive(Clone, Debug)]
enum Kind {
    File(Vec<u8>),
    Symlink(String),
    Hardlink(String),
    Dir,
    Fifo,
    /// Bytes written as they are, between entries: the hostile structures.
    Raw(Vec<u8>),
}

#[derive(Clone, Debug, Default)]
pub struct TarBuilder {
    entries: Vec<(Vec<u8>, Kind)>,
}

impl TarBuilder {
    pub fn new() -> Self {
        TarBuilder::default()
    }

    /// A regular file at `package/<rel>`, as `npm pack` writes it.
    pub fn file(self, rel: &str, content: impl AsRef<[u8]>) -> Self {
        let name = format!("package/{rel}");
        self.raw_file(name.as_bytes(), content)
    }

    /// A regular file whose tar name is exactly `name`.
    pub fn raw_file(mut self, name: &[u8], content: impl AsRef<[u8]>) -> Self {
        self.entries
            .push((name.to_vec(), Kind::File(content.as_ref().to_vec())));
        self
    }

    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        self.entries
            .push((name.as_bytes().to_vec(), Kind::Symlink(target.to_string())));
        self
    }

    pub fn hardlink(mut self, name: &str, target: &str) -> Self {
        self.entries
            .push((name.as_bytes().to_vec(), Kind::Hardlink(target.to_string())));
        self
    }

    pub fn dir(mut self, name: &str) -> Self {
        self.entries.push((name.as_bytes().to_vec(), Kind::Dir));
        self
    }

    pub fn fifo(mut self, name: &str) -> Self {
        self.entries.push((name.as_bytes().to_vec(), Kind::Fifo));
        self
    }

    /// Bytes written as they are at this point of the archive.
    pub fn raw(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.entries
            .push((Vec::new(), Kind::Raw(bytes.as_ref().to_vec())));
        self
    }

    /// One 512-byte zero block: half an end-of-archive marker, which npm reads past.
    pub fn zero_block(self) -> Self {
        self.raw([0u8; 512])
    }

    /// A directory entry whose body is `inner` (the tar bytes of more entries), as npm
    /// reads it: a directory has no body, so the body's blocks are headers.
    pub fn dir_with_body(self, name: &str, inner: &TarBuilder) -> Self {
        let body = inner.entries_tar();
        let mut out = Vec::new();
        write_entry(
            &mut out,
            name.as_bytes(),
            tar::EntryType::Directory,
            &body,
            "",
        );
        self.raw(out)
    }

    /// A PAX extended header with these records, in order (repeats allowed), for the next
    /// entry.
    pub fn pax(self, records: &[(&str, &str)]) -> Self {
        let mut body = Vec::new();
        for (k, v) in records {
            body.extend(pax_record(k, v));
        }
        let mut out = Vec::new();
        write_entry(&mut out, b"PaxHeader", tar::EntryType::XHeader, &body, "");
        self.raw(out)
    }

    /// A GNU long-name entry naming the next entry.
    pub fn gnu_long_name(self, name: &str) -> Self {
        let mut out = Vec::new();
        write_long_name(&mut out, name.as_bytes());
        self.raw(out)
    }

    /// A regular file entry with this header name and an explicit declared size, for
    /// entries whose size an extended header replaces.
    pub fn file_sized(self, name: &str, declared: u64, body: impl AsRef<[u8]>) -> Self {
        let mut out = Vec::new();
        write_header(
            &mut out,
            name.as_bytes(),
            tar::EntryType::Regular,
            declared,
            "",
        );
        out.extend_from_slice(body.as_ref());
        pad_block(&mut out, body.as_ref().len());
        self.raw(out)
    }

    /// The uncompressed tar bytes.
    pub fn tar(&self) -> Vec<u8> {
        let mut out = self.entries_tar();
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    /// The entries, without the end-of-archive marker.
    fn entries_tar(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, kind) in &self.entries {
            let (entry_type, data, link): (tar::EntryType, &[u8], &str) = match kind {
                Kind::File(d) => (tar::EntryType::Regular, d, ""),
                Kind::Symlink(t) => (tar::EntryType::Symlink, &[], t),
                Kind::Hardlink(t) => (tar::EntryType::Link, &[], t),
                Kind::Dir => (tar::EntryType::Directory, &[], ""),
                Kind::Fifo => (tar::EntryType::Fifo, &[], ""),
                Kind::Raw(bytes) => {
                    out.extend_from_slice(bytes);
                    continue;
                }
            };
            if name.len() > 100 {
                write_long_name(&mut out, name);
            }
            write_entry(&mut out, name, entry_type, data, link);
        }
        out
    }

    /// The gzip-compressed tarball, as `npm pack` writes it.
    pub fn tgz(&self) -> Vec<u8> {
        gzip(&self.tar())
    }
}

/// `"<len> key=value\n"`, where `len` counts itself.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let rest = format!(" {key}={value}\n");
    let mut len = rest.len();
    while format!("{len}").len() + rest.len() != len {
        len += 1;
    }
    format!("{len}{rest}").into_bytes()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// A GNU long-name entry (`././@LongLink`) carrying `name` for the entry after it.
fn write_long_name(out: &mut Vec<u8>, name: &[u8]) {
    let mut long = name.to_vec();
    long.push(0);
    write_entry(
        out,
        b"././@LongLink",
        tar::EntryType::GNULongName,
        &long,
        "",
    );
}

fn write_entry(out: &mut Vec<u8>, name: &[u8], kind: tar::EntryType, data: &[u8], link: &str) {
    write_header(out, name, kind, data.len() as u64, link);
    out.extend_from_slice(data);
    pad_block(out, data.len());
}

/// Zeros after a body of `len` bytes, up to the next 512-byte block.
fn pad_block(out: &mut Vec<u8>, len: usize) {
    out.extend(std::iter::repeat_n(0u8, (512 - len % 512) % 512));
}

fn write_header(out: &mut Vec<u8>, name: &[u8], kind: tar::EntryType, size: u64, link: &str) {
    let mut header = tar::Header::new_gnu();
    {
        let old = header.as_old_mut();
        let n = name.len().min(old.name.len());
        old.name[..n].copy_from_slice(&name[..n]);
        let l = link.len().min(old.linkname.len());
        old.linkname[..l].copy_from_slice(&link.as_bytes()[..l]);
    }
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    header.set_mtime(499162500); // npm pins mtimes to 1985-10-26 for reproducible packs.
    header.set_cksum();
    out.extend_from_slice(header.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_fills_the_header_field_needs_no_long_name_entry() {
        let name = "a".repeat(100);
        let fits = TarBuilder::new().raw_file(name.as_bytes(), "x").tar();
        // Header and body, then the end-of-archive blocks.
        assert_eq!(fits.len(), 2 * 512 + 1024);
        assert_eq!(&fits[..100], name.as_bytes());
        let longer = format!("{name}b");
        let long = TarBuilder::new().raw_file(longer.as_bytes(), "x").tar();
        // A `././@LongLink` header and its one-block body come first.
        assert_eq!(long.len(), 4 * 512 + 1024);
        assert_eq!(&long[..13], b"././@LongLink");
        assert_eq!(&long[512..613], longer.as_bytes());
    }

    #[test]
    fn folders_get_mode_755_and_everything_else_644() {
        let tar = TarBuilder::new().dir("package/d").file("f", "x").tar();
        let mode = |block: &[u8]| tar::Header::from_byte_slice(block).mode().unwrap();
        assert_eq!(mode(&tar[..512]), 0o755);
        assert_eq!(mode(&tar[512..1024]), 0o644);
    }

    #[test]
    fn a_pax_record_counts_its_own_length() {
        assert_eq!(pax_record("path", "x"), b"9 path=x\n");
        // 98 bytes after the number: 100 would need three digits, so it is 101.
        let r = pax_record("k", &"v".repeat(94));
        assert_eq!((r.len(), &r[..4]), (101, &b"101 "[..]));
    }

    #[test]
    fn bodies_are_padded_to_whole_blocks() {
        for (body, blocks) in [(0, 0), (1, 1), (511, 1), (512, 1), (513, 2)] {
            let tar = TarBuilder::new()
                .file_sized("package/a", body as u64, vec![b'y'; body])
                .tar();
            assert_eq!(tar.len(), 512 * (1 + blocks) + 1024, "{body}");
        }
    }
}
