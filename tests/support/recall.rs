//! The recall corpus: one correctly formatted, synthetic secret per built-in secret rule,
//! planted in varied file types and contexts. Shared by `tests/secrets_recall.rs` (every
//! planted secret must be found) and `examples/recall_corpus.rs` (writes the same files to
//! a folder so other scanners can be run on them; see docs/secrets-comparison.md).
//!
//! The planted text of a rule is what its regex matches in the rule's first `fail`
//! example (context such as `twilio` or `AccountKey=` included), so the corpus follows the
//! rules as they change. GitHub and npm tokens are built here with fresh bodies and valid
//! checksums, so they are not copies of the examples.

#![allow(dead_code)]

use base64::Engine as _;
use packguard::rules::{Rule, RuleSet};

/// One planted secret: which rule must find it, and the text planted.
#[derive(Clone, Debug)]
pub struct Plant {
    pub rule: String,
    pub text: String,
    /// The secret itself (the rule's `secret` group in `text`), for matching other tools'
    /// reports against.
    pub secret: String,
    /// Rules restricted to some paths (`.npmrc`, `.env`) are only planted in their own file.
    pub path: Option<String>,
}

/// A file of the corpus, and the plants it holds.
#[derive(Clone, Debug)]
pub struct CorpusFile {
    pub path: String,
    pub content: Vec<u8>,
    pub plants: Vec<Plant>,
    /// How the secrets are hidden: `minified`, `json`, `yaml`, ...
    pub context: &'static str,
}

/// A small deterministic generator (xorshift) for token bodies: no `rand` dependency and
/// the same corpus on every run.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn base62(&mut self, n: usize) -> String {
        const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..n)
            .map(|_| A[(self.next() % 62) as usize] as char)
            .collect()
    }
}

/// The text a rule matches in its first `fail` example.
fn planted_text(rule: &Rule) -> Option<String> {
    let re = rule.pattern.as_ref()?;
    let example = rule
        .examples
        .iter()
        .find(|e| e.expect_fire && e.severity.is_none())?;
    let entry = example.entries.first()?;
    if let Some(m) = re.find(&entry.content) {
        return Some(String::from_utf8_lossy(m.as_bytes()).into_owned());
    }
    // Keys inside JSON strings are matched through decoding: plant the decoded text.
    let text = String::from_utf8_lossy(&entry.content).replace("\\n", "\n");
    re.find(text.as_bytes())
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
}

/// Every secret rule's plant.
pub fn plants(rules: &RuleSet) -> Vec<Plant> {
    let mut rng = Xorshift(0x5eed_2026_1124);
    let mut out = Vec::new();
    for rule in rules.rules.iter().filter(|r| r.category == "secret") {
        let text = match (rule.validate.checksum, rule.id.as_str()) {
            (Some(sum), id) => {
                let prefix = match id {
                    "secret/github-pat" => "ghp_",
                    "secret/github-oauth-token" => "gho_",
                    "secret/github-app-token" => "ghs_",
                    "secret/github-refresh-token" => "ghr_",
                    _ => "npm_",
                };
                Some(sum.complete(prefix, &rng.base62(30)))
            }
            _ => planted_text(rule),
        };
        let Some(text) = text else { continue };
        let path = rule.paths.set.is_some().then(|| {
            rule.examples
                .iter()
                .find(|e| e.expect_fire)
                .and_then(|e| e.entries.first())
                .map_or_else(|| ".env".to_string(), |e| e.path.clone())
        });
        let secret = rule
            .pattern
            .as_ref()
            .and_then(|re| {
                let caps = re.captures(text.as_bytes())?;
                caps.name("secret")
                    .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
            })
            .unwrap_or_else(|| text.clone());
        out.push(Plant {
            rule: rule.id.clone(),
            text,
            secret,
            path,
        });
    }
    out
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// Percent-encodes every byte that is not a letter or digit.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The corpus: every plant in every context it can live in.
pub fn corpus(rules: &RuleSet) -> Vec<CorpusFile> {
    let plants = plants(rules);
    let (anywhere, placed): (Vec<Plant>, Vec<Plant>) =
        plants.into_iter().partition(|p| p.path.is_none());
    let mut files = Vec::new();

    // A minified bundle: one line of several megabytes, each secret in a string literal
    // (multi-line ones with `\n` escapes, as a bundler writes them).
    let filler = "function(e,t){return e+t|0},".repeat(18_000);
    let mut min = String::from("!function(){var m={");
    min.push_str(&filler);
    for (i, p) in anywhere.iter().enumerate() {
        min.push_str(&format!("s{i}:{},", json_string(&p.text)));
        min.push_str(&filler[..2000]);
    }
    min.push_str(&filler);
    min.push_str("}}();\n");
    files.push(CorpusFile {
        path: "dist/bundle.min.js".into(),
        content: min.into_bytes(),
        plants: anywhere.clone(),
        context: "minified",
    });

    // JSON config.
    let fields: Vec<String> = anywhere
        .iter()
        .enumerate()
        .map(|(i, p)| format!("  \"value{i}\": {}", json_string(&p.text)))
        .collect();
    files.push(CorpusFile {
        path: "config/settings.json".into(),
        content: format!("{{\n{}\n}}\n", fields.join(",\n")).into_bytes(),
        plants: anywhere.clone(),
        context: "json",
    });

    // YAML with block scalars (indented, multi-line values stay multi-line).
    let mut yaml = String::from("services:\n");
    for (i, p) in anywhere.iter().enumerate() {
        yaml.push_str(&format!("  value{i}: |\n"));
        for line in p.text.lines() {
            yaml.push_str(&format!("    {line}\n"));
        }
    }
    files.push(CorpusFile {
        path: "deploy/values.yaml".into(),
        content: yaml.into_bytes(),
        plants: anywhere.clone(),
        context: "yaml",
    });

    // A shell script with heredocs.
    let mut sh = String::from("#!/bin/sh\nset -eu\n");
    for (i, p) in anywhere.iter().enumerate() {
        sh.push_str(&format!("cat > /tmp/v{i} <<'EOF'\n{}\nEOF\n", p.text));
    }
    files.push(CorpusFile {
        path: "scripts/release.sh".into(),
        content: sh.into_bytes(),
        plants: anywhere.clone(),
        context: "shell",
    });

    // A source map whose sourcesContent holds the original source with the secrets.
    let original: String = anywhere
        .iter()
        .enumerate()
        .map(|(i, p)| format!("export const value{i} = {};\n", json_string(&p.text)))
        .collect();
    let map = format!(
        "{{\"version\":3,\"file\":\"index.js\",\"sources\":[\"../src/index.ts\"],\"sourcesContent\":[{}],\"names\":[],\"mappings\":\"AAAA\"}}\n",
        json_string(&original)
    );
    files.push(CorpusFile {
        path: "dist/index.js.map".into(),
        content: map.clone().into_bytes(),
        plants: anywhere.clone(),
        context: "sourcemap",
    });

    // The same map inlined as a base64 data URI (what `devtool: 'inline-source-map'` ships).
    let inline = format!(
        "console.log(1);\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,{}\n",
        base64::engine::general_purpose::STANDARD.encode(map.as_bytes())
    );
    files.push(CorpusFile {
        path: "dist/inline.js".into(),
        content: inline.into_bytes(),
        plants: anywhere.clone(),
        context: "inline-sourcemap-base64",
    });

    // Percent-encoded into URL query strings.
    let mut urls = String::new();
    for (i, p) in anywhere.iter().enumerate() {
        urls.push_str(&format!(
            "const u{i} = \"https://api.acme.io/v1/cb?state={}\";\n",
            percent(&p.text)
        ));
    }
    files.push(CorpusFile {
        path: "lib/links.js".into(),
        content: urls.into_bytes(),
        plants: anywhere.clone(),
        context: "percent",
    });

    // A .env file: every secret as a variable value (single-line secrets only).
    let mut env = String::new();
    let mut env_plants = Vec::new();
    for (i, p) in anywhere.iter().enumerate() {
        if !p.text.contains('\n') {
            env.push_str(&format!(
                "SERVICE_{i}=\"{}\"\n",
                p.text.replace('"', "\\\"")
            ));
            env_plants.push(p.clone());
        }
    }
    files.push(CorpusFile {
        path: ".env.production".into(),
        content: env.into_bytes(),
        plants: env_plants,
        context: "dotenv",
    });

    // Rules tied to a file name, in that file.
    for p in placed {
        let path = p.path.clone().unwrap_or_default();
        files.push(CorpusFile {
            content: format!("{}\n", p.text).into_bytes(),
            plants: vec![p],
            path,
            context: "own-file",
        });
    }
    files
}
