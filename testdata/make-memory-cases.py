#!/usr/bin/env python3
"""Builds the memory cases of issue 17 (BENCHMARKS.md, "Memory") into a folder, by code:
nothing here is committed as a blob. Each case is small on disk and large once read.

    python3 testdata/make-memory-cases.py [OUT_DIR]     # default: /tmp/packguard-memory

Cases:
  escapes-250m.tgz    one 250 MiB file of `\\/` (a 255 KB tarball)
  escapes-2x.tgz      two such files
  sources-10m.tgz     a source map with 10 million `sources`
  rules-100m.yaml     a 100 MB rule file (1.3 million rules)
  header-40g.tgz      a header declaring a 40 GiB file, then a few bytes (scan it with
                      --max-file-size 64GiB --max-total-size 64GiB)
Deterministic: fixed mtimes and owners, gzip without a timestamp.
"""
import gzip
import io
import os
import sys
import tarfile

MANIFEST = b'{"name":"memory-case","version":"1.0.0","repository":"github:example/memory-case"}'


class Repeat(io.RawIOBase):
    """`size` bytes of `head`, then `unit` repeated, then `tail`, read without holding them."""

    def __init__(self, head, unit, count, tail):
        self.parts = [(c, t) for c, t in [(head, 1), (unit, count), (tail, 1)] if c and t > 0]
        self.size = len(head) + len(unit) * count + len(tail)
        self.buf = b""

    def readable(self):
        return True

    def read(self, n=-1):
        while len(self.buf) < n and self.parts:
            chunk, times = self.parts[0]
            batch = max(1, min(times, (1 << 20) // max(1, len(chunk))))
            self.buf += chunk * batch
            times -= batch
            if times:
                self.parts[0] = (chunk, times)
            else:
                self.parts.pop(0)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def info(name, size):
    ti = tarfile.TarInfo("package/" + name)
    ti.size, ti.mtime, ti.mode = size, 499162500, 0o644
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def tgz(path, files):
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for name, stream in files:
                tar.addfile(info(name, stream.size), stream)


def escapes():
    # 250 MiB of `\/`: every pair an escape, as a bundler writes `/` in a JSON string.
    return Repeat(b'var a = "', b"\\/", 125 << 20, b'";\n')


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/packguard-memory"
    os.makedirs(out, exist_ok=True)
    manifest = lambda: Repeat(MANIFEST, b"", 0, b"")
    tgz(f"{out}/escapes-250m.tgz", [("package.json", manifest()), ("a.js", escapes())])
    tgz(
        f"{out}/escapes-2x.tgz",
        [("package.json", manifest()), ("a.js", escapes()), ("b.js", escapes())],
    )
    sources = Repeat(b'{"version":3,"sources":[', b'"a.ts",', 10_000_000, b'"a.ts"],"mappings":""}')
    tgz(
        f"{out}/sources-10m.tgz",
        [("package.json", manifest()), ("index.js.map", sources)],
    )
    with open(f"{out}/rules-100m.yaml", "wb") as f:
        f.write(b"rules:\n")
        rule = "  - {id: test/r%07d, category: secret, severity: error, message: m, pattern: 'x%07d'}\n"
        i = 0
        while f.tell() < 100_000_000:
            f.write(b"".join((rule % (j, j)).encode() for j in range(i, i + 10_000)))
            i += 10_000
    # A GNU header (base-256 size) declaring 40 GiB, then 1 KiB of body and the end.
    header = info("big.bin", 40 << 30).tobuf(format=tarfile.GNU_FORMAT)
    body = b"\0" * 1024
    with open(f"{out}/header-40g.tgz", "wb") as raw:
        raw.write(gzip.compress(header + body, mtime=0))
    for name in sorted(os.listdir(out)):
        print(f"{os.path.getsize(os.path.join(out, name)):>12}  {out}/{name}")


if __name__ == "__main__":
    main()
