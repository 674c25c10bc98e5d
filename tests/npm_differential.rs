//! Differential test: packguard's reading of hostile and mutated archives against npm's own
//! extractor (node-tar, as npm ships and configures it).
//!
//! Seeded archives are built from the structures a strict reader and node-tar read
//! differently (lone zero blocks, directory bodies, repeated PAX keys, GNU long names, stripped
//! first components, duplicates, odd sizes, gzip padding), then mutated byte by byte. Every
//! archive is extracted by `tests/differential/node-tar-extract.mjs` in one Node process;
//! the files that land on disk, with their content, must be what
//! `packguard::artifact::installed::installed_files` says npm installs, and both must agree on whether
//! the archive can be installed at all.
//!
//! It needs Node and npm. Without them it fails: a differential that cannot run is not a pass.
//! `PACKGUARD_DIFF_ARCHIVES` sets the count (10,000 by default) and `PACKGUARD_DIFF_SEED` the
//! seed. `PACKGUARD_DIFF_RECORD=DIR` also writes every case, node-tar's result with its
//! archive, into `DIR`: the seed corpus of the `npmtar_differential` fuzz target.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use packguard::artifact::builder::gzip;
use sha2::{Digest, Sha256};

mod support;
use support::rng::{env_or, first_differences, Rng};

/// Files never named like a folder another file lives in, so that no extraction has to
/// replace a file with a folder (the file system's business, not the reader's).
const FILES: &[&str] = &[
    "package.json",
    "index.js",
    ".npmrc",
    "lib/a.js",
    "lib/b.js",
    "README.md",
    "docs/guide.md",
    "a\\b.js",
];
const DIRS: &[&str] = &["lib/", "docs/", "empty/"];
const TOPS: &[&str] = &[
    "package",
    "package",
    "package",
    "foo",
    "./package",
    "/package",
    ".",
    "pkg",
    "package/.",
    "C:",
    "..",
];
const CONTENTS: &[&str] = &[
    "",
    "x",
    "module.exports = 1;\n",
    "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n",
    "{\"name\":\"p\",\"version\":\"1.0.0\"}",
];

fn name(rng: &mut Rng) -> String {
    match rng.below(20) {
        0 => rng.pick(FILES).to_string(),
        1 => format!("package//{}", rng.pick(FILES)),
        2 => format!("package/../{}", rng.pick(FILES)),
        3 => format!("//package/{}", rng.pick(FILES)),
        _ => format!("{}/{}", rng.pick(TOPS), rng.pick(FILES)),
    }
}

fn content(rng: &mut Rng) -> Vec<u8> {
    let mut c = rng.pick(CONTENTS).as_bytes().to_vec();
    if rng.chance(10) {
        c = c.repeat(1 + rng.below(300));
    }
    c
}

/// A header block, checksum set; `size` is written as given.
fn header(name: &[u8], kind: u8, size: &[u8], link: &str, ustar: bool) -> [u8; 512] {
    let mut h = [0u8; 512];
    let (prefix, name) = if ustar && name.len() > 100 {
        match name[..name.len() - 1].iter().rposition(|b| *b == b'/') {
            Some(i) if i <= 155 && name.len() - i - 1 <= 100 => (&name[..i], &name[i + 1..]),
            _ => (&b""[..], name),
        }
    } else {
        (&b""[..], name)
    };
    let n = name.len().min(100);
    h[..n].copy_from_slice(&name[..n]);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    let s = size.len().min(12);
    h[124..124 + s].copy_from_slice(&size[..s]);
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = kind;
    let l = link.len().min(100);
    h[157..157 + l].copy_from_slice(&link.as_bytes()[..l]);
    if ustar {
        h[257..265].copy_from_slice(b"ustar\x0000");
        let p = prefix.len().min(155);
        h[345..345 + p].copy_from_slice(&prefix[..p]);
    }
    set_checksum(&mut h);
    h
}

fn set_checksum(h: &mut [u8; 512]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| *b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

fn octal(n: usize) -> Vec<u8> {
    format!("{n:011o}\0").into_bytes()
}

fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn entry(out: &mut Vec<u8>, name: &[u8], kind: u8, body: &[u8], rng: &mut Rng) {
    let size = match rng.below(12) {
        0 => {
            // base-256
            let mut f = vec![0x80u8; 1];
            f.extend_from_slice(&(body.len() as u64).to_be_bytes()[..]);
            f.resize(12, 0);
            let v = (body.len() as u64).to_be_bytes();
            f[1..12].fill(0);
            f[4..12].copy_from_slice(&v);
            f
        }
        1 => format!("  {:o} ", body.len()).into_bytes(),
        2 => format!("{:o}x9", body.len()).into_bytes(),
        _ => octal(body.len()),
    };
    out.extend_from_slice(&header(name, kind, &size, "", rng.below(5) != 0));
    out.extend_from_slice(body);
    pad(out);
}

fn pax(out: &mut Vec<u8>, kind: u8, records: &[(String, String)]) {
    let mut body = Vec::new();
    for (k, v) in records {
        let rest = format!(" {k}={v}\n");
        let mut len = rest.len() + 1;
        while format!("{len}").len() + rest.len() != len {
            len += 1;
        }
        body.extend(format!("{len}{rest}").into_bytes());
    }
    out.extend_from_slice(&header(b"PaxHeader", kind, &octal(body.len()), "", true));
    out.extend_from_slice(&body);
    pad(out);
}

/// One archive: a sequence of structures, then an ending, then mutations and compression.
fn archive(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1 + rng.below(7) {
        match rng.below(16) {
            0..=4 => {
                let c = content(rng);
                entry(
                    &mut out,
                    name(rng).as_bytes(),
                    rng.pick(&[&b'0', &b'0', &0u8, &b'7']).to_owned(),
                    &c,
                    rng,
                )
            }
            5 => {
                let d = format!("{}/{}", rng.pick(TOPS), rng.pick(DIRS));
                entry(&mut out, d.as_bytes(), b'5', &[], rng)
            }
            6 => {
                // A directory, or a file named with a trailing slash, whose body is entries.
                let mut inner = Vec::new();
                for _ in 0..1 + rng.below(2) {
                    let c = content(rng);
                    entry(&mut inner, name(rng).as_bytes(), b'0', &c, rng);
                }
                let d = format!("package/{}", rng.pick(DIRS));
                let kind = if rng.chance(50) { b'5' } else { b'0' };
                out.extend_from_slice(&header(d.as_bytes(), kind, &octal(inner.len()), "", true));
                out.extend(inner);
            }
            7 => out.extend_from_slice(&[0u8; 512]),
            8 => {
                // PAX records, repeated keys included, for the next file.
                let c = content(rng);
                let mut recs = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    if rng.chance(60) {
                        recs.push(("path".to_string(), name(rng)));
                    } else {
                        let wrong = rng.below(2000);
                        recs.push(("size".to_string(), wrong.to_string()));
                    }
                }
                if rng.chance(70) {
                    recs.push(("size".to_string(), c.len().to_string()));
                }
                let kind = if rng.chance(85) { b'x' } else { b'g' };
                pax(&mut out, kind, &recs);
                let declared = if rng.chance(50) {
                    c.len()
                } else {
                    rng.below(600)
                };
                out.extend_from_slice(&header(
                    name(rng).as_bytes(),
                    b'0',
                    &octal(declared),
                    "",
                    true,
                ));
                out.extend_from_slice(&c);
                pad(&mut out);
            }
            9 => {
                // GNU long name, maybe with a PAX path before or after it.
                let long = format!("package/{}/{}", "d".repeat(rng.below(120)), rng.pick(FILES));
                let mut body = long.into_bytes();
                body.push(0);
                if rng.chance(30) {
                    pax(&mut out, b'x', &[("path".into(), name(rng))]);
                }
                out.extend_from_slice(&header(
                    b"././@LongLink",
                    b'L',
                    &octal(body.len()),
                    "",
                    false,
                ));
                out.extend(body);
                pad(&mut out);
                if rng.chance(40) {
                    pax(&mut out, b'x', &[("path".into(), name(rng))]);
                }
                let c = content(rng);
                entry(&mut out, b"package/short", b'0', &c, rng);
            }
            10 => {
                let kind = *rng.pick(&[&b'1', &b'2', &b'3', &b'6']);
                let link = if rng.chance(80) {
                    "package/index.js"
                } else {
                    ""
                };
                out.extend_from_slice(&header(name(rng).as_bytes(), kind, &octal(0), link, true));
            }
            11 => {
                let c = content(rng);
                let kind = *rng.pick(&[&b'S', &b'Z', &b'D', &b'A', &b'V']);
                entry(&mut out, name(rng).as_bytes(), kind, &c, rng);
            }
            12 => {
                // A block that is not a valid header.
                let mut b = [0u8; 512];
                for x in b.iter_mut().take(1 + rng.below(300)) {
                    *x = rng.next() as u8;
                }
                out.extend_from_slice(&b);
            }
            13 => {
                let long = format!(
                    "package/{}/{}",
                    "p".repeat(60 + rng.below(90)),
                    rng.pick(FILES)
                );
                let c = content(rng);
                entry(&mut out, long.as_bytes(), b'0', &c, rng);
            }
            14 => {
                // Two zero blocks, then more entries npm never reads.
                out.extend_from_slice(&[0u8; 1024]);
                let c = content(rng);
                entry(&mut out, b"package/after-end.js", b'0', &c, rng);
            }
            _ => {
                // A copy of an earlier path, same or different content.
                let c = content(rng);
                entry(&mut out, b"package/index.js", b'0', &c, rng);
            }
        }
    }
    match rng.below(4) {
        0 => {}
        1 => out.extend_from_slice(&[0u8; 512]),
        _ => out.extend_from_slice(&[0u8; 1024]),
    }
    if rng.chance(30) && !out.is_empty() {
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(out.len());
            out[at] = rng.next() as u8;
        }
        if rng.chance(50) {
            // Mutated, then made valid again: the header says something new.
            for block in out.chunks_exact_mut(512) {
                let b: &mut [u8; 512] = block.try_into().expect("512-byte chunk");
                if b.iter().any(|x| *x != 0) && &b[257..262] == b"ustar" {
                    set_checksum(b);
                }
            }
        }
    }
    if rng.chance(50) {
        let mut z = if rng.chance(20) && out.len() > 1024 {
            let cut = 512 * rng.below(out.len() / 512);
            let mut z = gzip(&out[..cut]);
            z.extend(gzip(&out[cut..]));
            z
        } else {
            gzip(&out)
        };
        if rng.chance(30) {
            z.extend(std::iter::repeat_n(0u8, rng.below(3000)));
        }
        return z;
    }
    out
}

#[derive(serde::Deserialize)]
struct NodeResult {
    name: String,
    ok: bool,
    files: BTreeMap<String, String>,
}

/// Writes one case as the `npmtar_differential` fuzz target reads it: node-tar's result as a
/// JSON line with the archive's digest, then the archive.
fn record_case(folder: &Path, r: &NodeResult, archive: &[u8]) {
    std::fs::create_dir_all(folder).expect("create the corpus folder");
    let line = serde_json::json!({ "sha256": sha(archive), "ok": r.ok, "files": r.files });
    let mut case = line.to_string().into_bytes();
    case.push(b'\n');
    case.extend_from_slice(archive);
    std::fs::write(folder.join(&r.name), case).expect("write the case");
}

fn sha(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
#[ignore = "builds and extracts 10,000 archives through Node (about a minute); scripts/test.sh runs it"]
fn packguard_reads_archives_as_node_tar_does() {
    let count: usize = env_or("PACKGUARD_DIFF_ARCHIVES", 10_000);
    let seed: u64 = env_or("PACKGUARD_DIFF_SEED", 17);
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut rng = Rng(seed);
    for i in 0..count {
        std::fs::write(dir.path().join(format!("{i:06}.tar")), archive(&mut rng))
            .expect("write archive");
    }
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/node-tar-extract.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(dir.path())
        .output()
        .expect(
            "this test needs Node and npm (node-tar as npm ships it); install them, do not skip it",
        );
    assert!(
        out.status.success(),
        "the node-tar side failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("JSON lines");
    let results: Vec<NodeResult> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line per archive"))
        .collect();
    assert_eq!(results.len(), count, "node-tar listed every archive");
    let record = std::env::var_os("PACKGUARD_DIFF_RECORD").map(std::path::PathBuf::from);
    let mut differences = Vec::new();
    for r in &results {
        let bytes = std::fs::read(dir.path().join(&r.name)).expect("read archive");
        if let Some(folder) = &record {
            record_case(folder, r, &bytes);
        }
        let ours = packguard::artifact::installed::installed_files(&r.name, &bytes[..]);
        let same = match (&ours, r.ok) {
            (Ok(files), true) => {
                let ours: BTreeMap<String, String> =
                    files.iter().map(|(k, v)| (k.clone(), sha(v))).collect();
                ours == r.files
            }
            (Err(_), false) => true,
            _ => false,
        };
        if !same {
            differences.push(format!(
                "{}: node-tar ok={} files={:?}\n  packguard {:?}",
                r.name,
                r.ok,
                r.files.keys().collect::<Vec<_>>(),
                ours.as_ref()
                    .map(|f| f.keys().collect::<Vec<_>>())
                    .map_err(|e| e.to_string()),
            ));
        }
    }
    println!(
        "differential: {count} archives (seed {seed}), {} differences",
        differences.len()
    );
    if !differences.is_empty() {
        let keep = std::env::var("PACKGUARD_DIFF_KEEP").is_ok();
        if keep {
            let kept = dir.keep();
            println!("archives kept in {}", kept.display());
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {count} archives read differently:\n{}",
        differences.len(),
        first_differences(&differences)
    );
}
