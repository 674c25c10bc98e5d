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
