#!/usr/bin/env python3
"""Generates the benchmark package: a large, realistic npm tarball, byte-identical for a seed.

    gen_package.py OUT.tgz [--seed N] [--scale F]

At --scale 1 (the default) it unpacks to about 170 MB:
  - dist/cli.js           a 24 MB minified bundle, 24 lines of about 1 MB each
  - dist/cli.js.map       a 60 MB source map with `sourcesContent` (1,900 original files)
  - lib/**                4,000 small modules (2-12 KB), with .d.ts files beside them
  - data/*.json           JSON data files (about 48 MB)
  - a few planted fake credentials, as real leaks would sit in such a package
It is what packguard meets in the worst real releases (the incident map was about 60 MB), so
scan time is measured against `gzip -dc` of the same file.
"""
import argparse
import gzip
import io
import json
import random
import tarfile

WORDS = ("const let var function return if else for while new this typeof instanceof await async "
         "import export default class extends super null undefined true false Object Array Promise "
         "Map Set Symbol JSON Math Error module require exports process console document window "
         "value key index item result options config data error callback handler state props").split()
IDENT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def ident(r):
    return "".join(r.choice(IDENT) for _ in range(r.randint(1, 3)))


def minified(r, size):
    out, n = [], 0
    while n < size:
        piece = r.choice((
            f"var {ident(r)}={r.randint(0, 99999)};",
            f"function {ident(r)}({ident(r)},{ident(r)}){{return {ident(r)}.{r.choice(WORDS)}({ident(r)})}}",
            f'{ident(r)}["{r.choice(WORDS)}"]="{r.choice(WORDS)} {r.choice(WORDS)}";',
            f"if({ident(r)}&&{ident(r)}.{r.choice(WORDS)}){{{ident(r)}=null}}",
            f"{ident(r)}=`{r.choice(WORDS)} ${{{ident(r)}}}`;",
        ))
        out.append(piece)
        n += len(piece)
    return "".join(out)


def source_file(r, lines):
    body = []
    for i in range(lines):
        depth = "  " * r.randint(0, 3)
        body.append(f"{depth}{r.choice(WORDS)} {ident(r)}{i} = {r.choice(WORDS)}({ident(r)}, {r.randint(0, 999)});")
    return "\n".join(body) + "\n"


def add(tar, name, data):
    if isinstance(data, str):
        data = data.encode()
    info = tarfile.TarInfo("package/" + name)
    info.size = len(data)
    info.mtime = 499162500
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--scale", type=float, default=1.0)
    a = p.parse_args()
    r = random.Random(a.seed)
    s = a.scale
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add(tar, "package.json", json.dumps({
            "name": "bench-pkg", "version": "1.0.0", "main": "dist/cli.js",
            "bin": {"bench": "dist/cli.js"}, "repository": "github:example/bench-pkg",
        }, indent=2))
        add(tar, "README.md", "# bench-pkg\n\nA generated package for packguard's benchmark.\n")
        # The bundle: long minified lines, with a fake token buried in the middle of one.
        lines = [minified(r, int(1_000_000 * s)) for _ in range(24)]
        lines[11] = lines[11][:500_000] + 'var t="ghp_' + "".join(r.choice(B64[:62]) for _ in range(36)) + '";' + lines[11][500_000:]
        add(tar, "dist/cli.js", "\n".join(lines) + "\n//# sourceMappingURL=cli.js.map\n")
        # The map: 1,900 originals in sourcesContent, a long mappings string.
        n_sources = max(1, int(1900 * s))
        sources = [f"../src/{r.choice(WORDS)}/{ident(r)}{i}.ts" for i in range(n_sources)]
        contents = [source_file(r, r.randint(300, 700)) for _ in range(n_sources)]
        contents[7] += '\nconst AWS_SECRET_ACCESS_KEY = "' + "".join(r.choice(B64) for _ in range(40)) + '";\n'
        mappings = ";".join(",".join("".join(r.choice(B64) for _ in range(r.randint(4, 8))) for _ in range(40)) for _ in range(int(80_000 * s)))
        add(tar, "dist/cli.js.map", json.dumps({
            "version": 3, "file": "cli.js", "sourceRoot": "", "sources": sources,
            "sourcesContent": contents, "names": [], "mappings": mappings,
        }))
        # Thousands of small modules and their declarations.
        for i in range(int(4000 * s)):
            folder = f"lib/{r.choice(WORDS)}"
            add(tar, f"{folder}/m{i}.js", source_file(r, r.randint(40, 250)))
            if i % 2 == 0:
                add(tar, f"{folder}/m{i}.d.ts", f"export declare function {ident(r)}{i}(x: number): string;\n" * r.randint(5, 40))
        # Data files.
        for i in range(int(48 * s)):
            rows = [{"id": j, "name": f"{r.choice(WORDS)} {r.choice(WORDS)}", "score": r.random(), "tags": [r.choice(WORDS) for _ in range(4)]} for j in range(int(9_000))]
            add(tar, f"data/table{i}.json", json.dumps(rows))
    with open(a.out, "wb") as f:
        # npm pack writes gzip at the default level; mtime 0 keeps the file byte-identical.
        f.write(gzip.compress(raw.getvalue(), compresslevel=6, mtime=0))


if __name__ == "__main__":
    main()
