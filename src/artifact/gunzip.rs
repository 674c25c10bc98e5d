//! Gzip as Node's zlib (and so npm) reads it.
//!
//! After a member ends, Node inflates the next one only if the next byte is not zero;
//! trailing zero padding, and anything after it, is ignored (`ZlibContext` in Node's
//! `node_zlib.cc`). flate2's `MultiGzDecoder` tries to read every trailing byte as another
//! member, so a tarball that npm extracts (padded to a block size) would be refused. Junk
//! that does not start with a zero byte is an error for both.

use std::io::{self, BufRead, Read};

use flate2::bufread::GzDecoder;

pub struct NodeGunzip<R: BufRead> {
    member: Option<GzDecoder<R>>,
}

impl<R: BufRead> NodeGunzip<R> {
    pub fn new(inner: R) -> Self {
        NodeGunzip {
            member: Some(GzDecoder::new(inner)),
        }
    }
}

impl<R: BufRead> Read for NodeGunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(member) = self.member.as_mut() else {
                return Ok(0);
            };
            let n = member.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let mut inner = self
                .member
                .take()
                .map(GzDecoder::into_inner)
                .expect("set above");
            let next = inner.fill_buf()?;
            if next.first().is_some_and(|b| *b != 0) {
                self.member = Some(GzDecoder::new(inner));
            }
        }
    }
}

/// A single gzip-compressed file inside the package (`config.json.gz`), decompressed as
/// Node's zlib reads it, up to `limit` bytes: past that it is refused, not truncated, so a
/// bomb costs at most `limit` bytes of memory. `name` is used in errors.
pub fn gunzip_file(name: &str, data: &[u8], limit: u64) -> Result<Vec<u8>, super::ArtifactError> {
    let mut out = Vec::new();
    NodeGunzip::new(data)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| super::ArtifactError::Corrupt {
            name: name.to_string(),
            detail: format!("the gzip stream is damaged ({e})"),
        })?;
    if out.len() as u64 > limit {
        return Err(super::ArtifactError::TooLarge {
            name: name.to_string(),
            limit,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_single_file_is_decompressed_within_its_limit_and_refused_past_it() {
        let data = gz(b"{\"token\":\"x\"}");
        assert_eq!(
            gunzip_file("a.gz", &data, 13).unwrap(),
            b"{\"token\":\"x\"}"
        );
        let err = gunzip_file("a.gz", &data, 12).unwrap_err();
        assert!(err.to_string().contains("a.gz"), "{err}");
        let bomb = gz(&vec![0u8; 1 << 20]);
        assert!(matches!(
            gunzip_file("b.gz", &bomb, 1 << 16),
            Err(super::super::ArtifactError::TooLarge { .. })
        ));
        assert!(gunzip_file("c.gz", b"\x1f\x8bnot gzip", 1 << 16).is_err());
    }
}
