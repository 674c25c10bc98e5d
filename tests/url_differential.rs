//! Differential test: the `url` crate, as packguard resolves source-map URLs with it
//! (`sourceRoot`, `sources`, `sourceMappingURL`, through `reference::whatwg`, which works around
//! the one difference that matters), against Node's WHATWG `URL`, on seeded
//! hostile URL strings: backslashes, tabs and newlines, C0 controls and spaces at the ends,
//! percent-encoding, IDNA and full-width characters, ports, `..`, user info, case. Each string
//! is parsed alone and against a base; scheme, host and the whole `href` must agree, and so
//! must whether it parses at all. One Node process reads all of them from a JSON file.
//!
//! It needs Node. Without it it fails: a differential that cannot run is not a pass.
//! `PACKGUARD_URL_CASES` sets the count (4,000 by default) and `PACKGUARD_URL_SEED` the seed.

use std::process::Command;

use packguard::checks::sourcemap::reference::whatwg;

mod support;
use support::rng::{env_or, first_differences, Rng};

const BASE: &str = "https://packguard.invalid/dist/a.js";

const TEMPLATES: &[&str] = &[
    "https://acme-src.s3.amazonaws.com/app/a.ts",
    "https://storage.googleapis.com/bucket/a.js.map",
    "http://example.com:8080/x/y?q=1#frag",
    "//cdn.example.com/maps/a.map",
    "s3://acme-bucket/src/",
    "gs://bucket/a",
    "webpack:///./src/a.ts",
    "webpack://acme/./src/b.ts",
    "file:///home/ci/app/src/a.ts",
    "ftp://user:pass@files.example.org/pub/",
    "https://user@Bucket.S3.us-east-1.amazonaws.com:443/src/a.zip",
    "https://[::1]:3000/a",
    "http://127.0.0.1/a",
    "../src/a.ts",
    "a.js.map",
    "/abs/path.map",
    "data:application/json;base64,e30=",
];

/// Characters and pieces the mutations insert.
const PIECES: &[&str] = &[
    "\\",
    "\\\\",
    "/",
    "//",
    "\t",
    "\n",
    "\r",
    " ",
    "\u{0}",
    "\u{1}",
    "\u{1f}",
    "\u{7f}",
    "%",
    "%2e",
    "%2E%2e",
    "%2F",
    "%5C",
    "%41",
    "%zz",
    "%00",
    "..",
    ".",
    "./",
    "../",
    "@",
    ":",
    "::",
    "#",
    "?",
    "[",
    "]",
    "ü",
    "ß",
    "Ａ",
    "。",
    "．",
    "xn--",
    "xn--nxasmq6b",
    "ǅ",
    "\u{200b}",
    "\u{ad}",
    "\u{fffd}",
    "é",
    "🙂",
    ":0",
    ":65535",
    ":65536",
    ":99999",
    ":-1",
    ":08",
    "0x7f",
    "0x7f.1",
    "1.2.3.4.5",
    "%31%32%37.0.0.1",
    "HTTPS:",
    "Https://",
    "ht\ttps",
    "h\nttp",
];

fn mutate(rng: &mut Rng, template: &str) -> String {
    let mut chars: Vec<char> = template.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(chars.len() + 1);
        match rng.below(6) {
            0 | 1 => {
                let piece = rng.pick(PIECES);
                chars.splice(at..at, piece.chars());
            }
            2 => {
                // Every `/` of the scheme's or path's slashes as `\`, or one.
                let all = rng.chance(50);
                let mut done = false;
                for c in chars.iter_mut().filter(|c| **c == '/') {
                    if all || !done {
                        *c = '\\';
                        done = true;
                    }
                }
            }
            3 => {
                let prefix = rng.pick(&["\u{0}", "\u{1}", " ", "\u{1f}", "\t", "\u{c}", " \u{b}"]);
                chars.splice(0..0, prefix.chars());
            }
            4 => {
                for c in chars.iter_mut() {
                    if rng.chance(40) {
                        *c = c.to_ascii_uppercase();
                    }
                }
            }
            _ => {
                if at < chars.len() {
                    let c = chars[at];
                    let encoded: String =
                        c.to_string().bytes().map(|b| format!("%{b:02X}")).collect();
                    chars.splice(at..=at, encoded.chars());
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// What one parse gave, in Node's terms.
#[derive(Debug, PartialEq)]
enum Parsed {
    Ok {
        href: String,
        protocol: String,
        hostname: String,
    },
    Err,
}

fn rust(input: &str, base: Option<&url::Url>) -> Parsed {
    match whatwg(input, base) {
        Ok(u) => Parsed::Ok {
            href: u.as_str().to_string(),
            protocol: format!("{}:", u.scheme()),
            hostname: u.host_str().unwrap_or_default().to_string(),
        },
        Err(_) => Parsed::Err,
    }
}

fn node(v: &serde_json::Value) -> Parsed {
    if v["ok"] != true {
        return Parsed::Err;
    }
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Parsed::Ok {
        href: s("href"),
        protocol: s("protocol"),
        hostname: s("hostname"),
    }
}

/// Whether the two parses agree. For `file:` URLs the `href` is left out: packguard judges
/// every `file:` URL as a build-machine path by its scheme alone, and the `url` crate writes
/// some `file:` paths differently from Node's parser (Ada): `file:%2e///x` is `file:///x` to
/// one and `file://///x` to the other. Scheme and host must still agree.
fn same(ours: &Parsed, theirs: &Parsed) -> bool {
    match (ours, theirs) {
        (
            Parsed::Ok {
                protocol: p1,
                hostname: h1,
                ..
            },
            Parsed::Ok {
                protocol: p2,
                hostname: h2,
                ..
            },
        ) if p1 == "file:" && p2 == "file:" => h1 == h2,
        _ => ours == theirs,
    }
}

#[test]
fn the_url_crate_parses_hostile_urls_as_node_does() {
    let count: usize = env_or("PACKGUARD_URL_CASES", 4_000);
    let seed: u64 = env_or("PACKGUARD_URL_SEED", 17);
    let mut rng = Rng(seed);
    let mut inputs: Vec<String> = TEMPLATES.iter().map(|t| t.to_string()).collect();
    while inputs.len() < count {
        let template = rng.pick(TEMPLATES);
        inputs.push(mutate(&mut rng, template));
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("urls.json");
    let json = serde_json::json!({ "base": BASE, "inputs": inputs });
    std::fs::write(&file, json.to_string()).expect("write the inputs");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/differential/whatwg-url.mjs"
    );
    let out = Command::new("node")
        .arg(script)
        .arg(&file)
        .output()
        .expect("node runs (the URL differential needs Node on PATH)");
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<[serde_json::Value; 2]> =
        serde_json::from_slice(&out.stdout).expect("node prints JSON");
    assert_eq!(results.len(), inputs.len());
    let base = url::Url::parse(BASE).expect("the base parses");
    let mut differences = Vec::new();
    for (input, [alone, joined]) in inputs.iter().zip(&results) {
        for (what, ours, theirs) in [
            ("alone", rust(input, None), node(alone)),
            ("against the base", rust(input, Some(&base)), node(joined)),
        ] {
            if !same(&ours, &theirs) {
                differences.push(format!("{input:?} {what}: url {ours:?}, node {theirs:?}"));
            }
        }
    }
    println!(
        "{} URL strings (seed {seed}) parsed alone and against a base: {} differences",
        inputs.len(),
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "{} differences, the first ones:\n{}",
        differences.len(),
        first_differences(&differences)
    );
}
