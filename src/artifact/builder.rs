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

    /// The uncompressed tar bytes.
    pub fn tar(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, kind) in &self.entries {
            let (entry_type, data, link): (tar::EntryType, &[u8], &str) = match kind {
                Kind::File(d) => (tar::EntryType::Regular, d, ""),
                Kind::Symlink(t) => (tar::EntryType::Symlink, &[], t),
                Kind::Hardlink(t) => (tar::EntryType::Link, &[], t),
                Kind::Dir => (tar::EntryType::Directory, &[], ""),
                Kind::Fifo => (tar::EntryType::Fifo, &[], ""),
            };
            if name.len() > 100 {
                let mut long = name.clone();
                long.push(0);
                write_entry(
                    &mut out,
                    b"././@LongLink",
                    tar::EntryType::GNULongName,
                    &long,
                    "",
                );
            }
            write_entry(&mut out, name, entry_type, data, link);
        }
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    /// The gzip-compressed tarball, as `npm pack` writes it.
    pub fn tgz(&self) -> Vec<u8> {
        gzip(&self.tar())
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

fn write_entry(out: &mut Vec<u8>, name: &[u8], kind: tar::EntryType, data: &[u8], link: &str) {
    let mut header = tar::Header::new_gnu();
    {
        let old = header.as_old_mut();
        let n = name.len().min(old.name.len());
        old.name[..n].copy_from_slice(&name[..n]);
        let l = link.len().min(old.linkname.len());
        old.linkname[..l].copy_from_slice(&link.as_bytes()[..l]);
    }
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    header.set_mtime(499162500); // npm pins mtimes to 1985-10-26 for reproducible packs.
    header.set_cksum();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    let pad = (512 - data.len() % 512) % 512;
    out.extend(std::iter::repeat_n(0u8, pad));
}
