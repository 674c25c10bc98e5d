//! Recall for issue 19: credentials in the formats and hiding places real packages leaked
//! them. Every provider plant of the recall corpus (`tests/support/recall.rs`) is hidden
//! once more in each encoding real files use (UTF-16, wrapped and deeply nested base64,
//! a blob after hundreds of others, a stray NUL, string concatenation, octal escapes, HTML
//! entities), and every hiding place of the issue (npm auth copies, env files by other
//! names, agent folders, `@mux/mux-node@2.8.0`'s `.env-dylan`) is a file of its own. Each
//! must give an error finding, at the rule's own severity, with the secret redacted.

#[path = "support/recall.rs"]
mod recall;

use std::collections::BTreeMap;

use base64::Engine as _;
use packguard::artifact::builder::TarBuilder;
use packguard::finding::Finding;
use packguard::rules::builtin;
use packguard::{Config, Options};

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn wrap(s: &str, width: usize) -> String {
    s.as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn scan(files: &[(String, Vec<u8>)]) -> Vec<Finding> {
    let rules = builtin::rules(&packguard::checks::names()).expect("built-in rules load");
    let mut b = TarBuilder::new();
    for (path, content) in files {
        b = b.file(path, content);
    }
    packguard::scan::scan_reader(
        "issue19.tgz",
        b.tgz().as_slice(),
        &rules,
        &Config::default(),
        &Options::default(),
    )
    .expect("the corpus scans")
    .findings
}

/// No finding shows `secret` whole, in its snippet, message or excerpt.
fn assert_redacted(findings: &[Finding], secret: &str) {
    for f in findings {
        let shown = [
            f.snippet.clone().unwrap_or_default(),
            f.message.clone(),
            f.excerpt
                .as_ref()
                .map(|e| e.text.clone())
                .unwrap_or_default(),
        ];
        for s in shown {
            assert!(!s.contains(secret), "{} shows its secret: {s}", f.rule);
        }
    }
}

/// Every provider plant, one per line, as `NAME_i=text` (single-line plants only).
fn lines(plants: &[recall::Plant]) -> String {
    plants
        .iter()
        .enumerate()
        .map(|(i, p)| format!("VALUE_{i}={}\n", p.text))
        .collect()
}

/// The built-in rules, their single-line provider plants, and those plants one per line.
fn single_line_plants() -> (packguard::RuleSet, Vec<recall::Plant>, String) {
    let rules = builtin::rules(&packguard::checks::names()).expect("built-in rules load");
    let plants: Vec<recall::Plant> = recall::plants(&rules)
        .into_iter()
        .filter(|p| p.path.is_none() && !p.text.contains('\n'))
        .collect();
    let text = lines(&plants);
    (rules, plants, text)
}

#[test]
fn every_plant_is_found_in_every_encoding() {
    let (rules, plants, text) = single_line_plants();
    let utf16 = |le: bool| -> Vec<u8> {
        let mut out = if le { vec![0xFF, 0xFE] } else { Vec::new() };
        for u in text.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    };
    let mut nested = text.clone();
    for _ in 0..4 {
        nested = b64(nested.as_bytes());
    }
    let mut many = String::new();
    for i in 0..300 {
        many.push_str(&format!(
            "const a{i} = \"{}\";\n",
            b64(format!("an ordinary configuration string number {i}").as_bytes())
        ));
    }
    many.push_str(&format!("const last = \"{}\";\n", b64(text.as_bytes())));
    let mut nul = b"/* build \0 */\n".to_vec();
    nul.extend(text.as_bytes());
    let octal: String = text
        .bytes()
        .map(|b| format!("\\{b:03o}"))
        .collect::<String>();
    let html: String = text.bytes().map(|b| format!("&#{b};")).collect();
    let concat: String = plants
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            // Split the secret in its middle, where both sides are token characters.
            let start = p.text.find(&p.secret)?;
            let bytes = p.text.as_bytes();
            let at = (start + 1..start + p.secret.len())
                .filter(|&i| {
                    bytes[i - 1].is_ascii_alphanumeric() && bytes[i].is_ascii_alphanumeric()
                })
                .min_by_key(|&i| i.abs_diff(start + p.secret.len() / 2))?;
            let (l, r) = p.text.split_at(at);
            (!p.text.contains(['"', '\\'])).then(|| format!("const k{i} = \"{l}\" + \"{r}\";\n"))
        })
        .collect();

    let contexts: Vec<(&str, String, Vec<u8>)> = vec![
        ("utf-16le", "docs/notes-le.txt".into(), utf16(true)),
        ("utf-16be", "docs/notes-be.txt".into(), utf16(false)),
        (
            "base64-76",
            "config/blob76.txt".into(),
            wrap(&b64(text.as_bytes()), 76).into_bytes(),
        ),
        (
            "base64-64",
            "config/blob64.pem".into(),
            wrap(&b64(text.as_bytes()), 64).into_bytes(),
        ),
        (
            "base64-4-deep",
            "dist/nested.js".into(),
            format!("module.exports = \"{nested}\";\n").into_bytes(),
        ),
        ("base64-after-300", "dist/many.js".into(), many.into_bytes()),
        ("stray-nul", "dist/nul.js".into(), nul),
        (
            "octal",
            "scripts/octal.sh".into(),
            format!("printf '{octal}' > .env\n").into_bytes(),
        ),
        (
            "html-entities",
            "docs/page.html".into(),
            format!("<pre>{html}</pre>\n").into_bytes(),
        ),
        ("concat", "dist/concat.js".into(), concat.into_bytes()),
    ];
    let files: Vec<(String, Vec<u8>)> = contexts
        .iter()
        .map(|(_, p, c)| (p.clone(), c.clone()))
        .collect();
    let findings = scan(&files);
    let mut missed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (context, path, _) in &contexts {
        let file = format!("package/{path}");
        for p in &plants {
            let severity = rules.get(&p.rule).expect("known rule").severity;
            let found = findings
                .iter()
                .any(|f| f.file == file && f.rule == p.rule && f.severity == severity);
            // Concatenation is planted only for secrets written without quotes or escapes.
            let planted = *context != "concat" || !p.text.contains(['"', '\\']);
            if planted && !found {
                missed.entry(context).or_default().push(&p.rule);
            }
        }
    }
    assert!(missed.is_empty(), "missed (context -> rules): {missed:#?}");
    for p in &plants {
        assert_redacted(&findings, &p.secret);
    }
}

/// `(path, content, rule that must report it as an error, the secret)`.
fn hiding_places() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let oat = "sk-ant-oat01-2onCZxmhI_6SnkAt2N2TQvZw-Qm8hAipocnQ2rI7AIGmF1epvgTnaNMv1MjBvfoa-L2OxWR4xW_splKtq6kJ_d-C6DhF9AA";
    let ort = "sk-ant-ort01-Bfk9dsUZx8mzrfDZcKamsrgmZyTCIcELwZZfqLzFoa4-Jxa-VPLz24sUUxO3TA_E82o-aqbLz1Rn98xZI4PN74YUy4BFuAA";
    let uuid = "c56e6692-eb29-4fc4-8366-ee60a4cdf6fc";
    let random = "SmBxpbeBMbldXrTTV8tqvaHAaAq66DyXEf5SNlXV";
    let auth = "Y2ktYm90OnprTnZQZVNnN1NRbmJINHdpMEJS";
    let creds = format!(
        "{{\"claudeAiOauth\":{{\"accessToken\":\"{oat}\",\"refreshToken\":\"{ort}\",\"expiresAt\":1767225600000,\"scopes\":[\"user:inference\"]}}}}\n"
    );
    vec![
        (".claude/.credentials.json", creds.clone(), "secret/anthropic-oauth-access-token", oat),
        ("pkg/.claude/.credentials.json", creds, "secret/anthropic-oauth-refresh-token", ort),
        ("dist/agent.js", format!("const t={{a:\"{oat}\"}};\n"), "secret/anthropic-oauth-access-token", oat),
        ("tools/npmrc.txt", format!("//registry.npmjs.org/:_authToken={uuid}\n"), "secret/npmrc-auth", uuid),
        ("scripts/setup.sh", format!("echo '//registry.npmjs.org/:_authToken={uuid}' >> ~/.npmrc\n"), "secret/npm-auth-line", uuid),
        (".npmrc.old", format!("//registry.npmjs.org/:_authToken={uuid}\n"), "secret/npmrc-auth", uuid),
        (".npmrc.save", format!("_auth={auth}\n"), "secret/npmrc-auth", auth),
        ("npmrc.backup", format!("//npm.acme.io/:_authToken={uuid}\n"), "secret/npmrc-auth", uuid),
        (".NPMRC", format!("//registry.npmjs.org/:_authToken={uuid}\n"), "secret/npmrc-auth", uuid),
        (".yarnrc", format!("\"//registry.npmjs.org/:_authToken\" {uuid}\n"), "secret/npm-auth-line", uuid),
        (".yarnrc.yml", format!("npmAuthToken: \"{uuid}\"\n"), "secret/yarnrc-auth", uuid),
        ("bunfig.toml", format!("[install]\nregistry = {{ url = \"https://npm.acme.io/\", token = \"{random}\" }}\n"), "secret/bunfig-auth", random),
        ("package.json", format!("{{\"name\":\"x\",\"version\":\"1.0.0\",\"publishConfig\":{{\"//npm.acme.io/:_authToken\":\"{uuid}\"}}}}\n"), "secret/npm-auth-line", uuid),
        (".env_prod", format!("API_TOKEN={random}\n"), "secret/dotenv-value", random),
        (".ENV", format!("SECRET_KEY={random}\n"), "secret/dotenv-value", random),
        (".Env", format!("DB_PASSWORD={random}\n"), "secret/dotenv-value", random),
        (".claude/settings.json", format!("{{\"env\":{{\"GITHUB_TOKEN\":\"{random}\"}}}}\n"), "secret/agent-config-value", random),
        (".claude/settings.local.json", format!("{{\"env\":{{\"SENTRY_AUTH_TOKEN\":\"{random}\"}}}}\n"), "secret/agent-config-value", random),
        (".cursor/mcp.json", format!("{{\"mcpServers\":{{\"x\":{{\"env\":{{\"API_KEY\":\"{random}\"}}}}}}}}\n"), "secret/agent-config-value", random),
        (".aider.conf.yml", format!("openai-api-key: {random}\n"), "secret/agent-config-value", random),
        (".codex/auth.json", format!("{{\"tokens\":{{\"access_token\":\"{random}\"}}}}\n"), "secret/agent-config-value", random),
        (".gemini/settings.json", format!("{{\"apiKey\":\"{random}\"}}\n"), "secret/agent-config-value", random),
        (".continue/config.json", format!("{{\"models\":[{{\"apiKey\":\"{random}\"}}]}}\n"), "secret/agent-config-value", random),
        (".windsurf/mcp_config.json", format!("{{\"env\":{{\"AUTH_TOKEN\":\"{random}\"}}}}\n"), "secret/agent-config-value", random),
    ]
}

#[test]
fn every_hiding_place_gives_an_error() {
    for (path, content, rule, secret) in hiding_places() {
        let findings = scan(&[(path.to_string(), content.into_bytes())]);
        let file = format!("package/{path}");
        assert!(
            findings.iter().any(|f| f.file == file
                && f.rule == rule
                && f.severity == packguard::finding::Severity::Error),
            "{path}: no error from {rule}: {:?}",
            findings
                .iter()
                .map(|f| (&f.rule, f.severity, &f.file))
                .collect::<Vec<_>>()
        );
        assert_redacted(&findings, secret);
        let agent = [
            ".claude/",
            ".cursor/",
            ".aider",
            ".codex/",
            ".gemini/",
            ".continue/",
            ".windsurf/",
        ];
        if agent.iter().any(|a| path.contains(a)) {
            assert!(
                findings.iter().any(|f| f.rule == "file/agent-config"),
                "{path}: agent folder not reported as a file"
            );
        }
    }
}

/// `@mux/mux-node@2.8.0` shipped `.env-dylan`, a developer's env file: a Mux access token
/// id and secret and other keys, unquoted. Rebuilt here with synthetic values.
#[test]
fn the_mux_node_leak_is_found() {
    let env = "MUX_TOKEN_ID=39e72e54-7b02-4c50-9424-30954912da42\n\
               MUX_TOKEN_SECRET=QOSlo3cUHI6RSYKaMwKUF8JMpLVHL3QF35VN9kdr+vN0p8yFz2Tq3kXnR1bLwJ7mGcAe0s\n\
               MUX_WEBHOOK_SECRET=0ENMwDrPuctvyFwAfGIxFCjnACOx4sEZ\n\
               NODE_ENV=development\n";
    let findings = scan(&[
        (
            "package.json".into(),
            b"{\"name\":\"@mux/mux-node\",\"version\":\"2.8.0\"}".to_vec(),
        ),
        (".env-dylan".into(), env.as_bytes().to_vec()),
    ]);
    let errors = |rule: &str| {
        findings
            .iter()
            .filter(|f| {
                f.file == "package/.env-dylan"
                    && f.rule == rule
                    && f.severity == packguard::finding::Severity::Error
            })
            .count()
    };
    assert_eq!(errors("file/env"), 1, "{findings:#?}");
    assert_eq!(errors("secret/dotenv-value"), 3, "{findings:#?}");
    for secret in [
        "39e72e54-7b02-4c50-9424-30954912da42",
        "QOSlo3cUHI6RSYKaMwKUF8JMpLVHL3QF35VN9kdr+vN0p8yFz2Tq3kXnR1bLwJ7mGcAe0s",
        "0ENMwDrPuctvyFwAfGIxFCjnACOx4sEZ",
    ] {
        assert_redacted(&findings, secret);
    }
}

/// A zip archive of `files`, each entry compressed with its method.
fn zip_of(files: &[(&str, zip::CompressionMethod, &[u8])]) -> Vec<u8> {
    use std::io::Write as _;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, method, data) in files {
        let options = zip::write::SimpleFileOptions::default().compression_method(*method);
        w.start_file(*name, options).expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A zip archive of one LZMA-compressed entry (method 14, APPNOTE 5.8.8), written by hand:
/// the zip crate reads LZMA entries but does not write them.
fn lzma_zip(name: &str, data: &[u8]) -> Vec<u8> {
    use lzma_rust2::{LzmaOptions, LzmaWriter};
    use std::io::Write as _;
    let options = LzmaOptions::with_preset(6);
    let mut w = LzmaWriter::new_no_header(Vec::new(), &options, true).expect("lzma");
    let props = w.props();
    w.write_all(data).expect("lzma write");
    let stream = w.finish().expect("lzma finish");
    // LZMA version 10.2, properties size 5, the properties, then the raw stream.
    let mut body = vec![10, 2, 5, 0, props];
    body.extend(options.dict_size.to_le_bytes());
    body.extend(stream);
    let crc = crc32fast::hash(data);
    let (n, c, u) = (name.len() as u16, body.len() as u32, data.len() as u32);
    // Flags bit 1: the stream ends with an end-of-stream marker.
    let fixed = |out: &mut Vec<u8>| {
        for v in [63u16, 2, 14, 0, 0] {
            out.extend(v.to_le_bytes());
        }
        for v in [crc, c, u] {
            out.extend(v.to_le_bytes());
        }
        out.extend(n.to_le_bytes());
        out.extend(0u16.to_le_bytes());
    };
    let mut zip = 0x04034b50u32.to_le_bytes().to_vec();
    fixed(&mut zip);
    zip.extend(name.as_bytes());
    zip.extend(&body);
    let cd_start = zip.len() as u32;
    zip.extend(0x02014b50u32.to_le_bytes());
    zip.extend(63u16.to_le_bytes());
    fixed(&mut zip);
    // Comment length, disk, internal and external attributes, local header offset.
    zip.extend([0u8; 2 + 2 + 2 + 4]);
    zip.extend(0u32.to_le_bytes());
    zip.extend(name.as_bytes());
    let cd_len = zip.len() as u32 - cd_start;
    zip.extend(0x06054b50u32.to_le_bytes());
    zip.extend([0u8; 4]);
    zip.extend(1u16.to_le_bytes());
    zip.extend(1u16.to_le_bytes());
    zip.extend(cd_len.to_le_bytes());
    zip.extend(cd_start.to_le_bytes());
    zip.extend(0u16.to_le_bytes());
    zip
}

fn gzip_of(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

/// Containers: a gzip-compressed single file, a tarball inside the package, and zip entries
/// compressed with every method the zip crate reads besides deflate. Each plant is found in
/// each, at `outer!/inner`, with the rule's own severity, and redacted.
#[test]
fn every_plant_is_found_in_every_container() {
    use zip::CompressionMethod as M;
    let (rules, plants, text) = single_line_plants();
    let inner = TarBuilder::new()
        .file("package.json", r#"{"name":"inner","version":"1.0.0"}"#)
        .file("notes.txt", text.as_bytes())
        .tgz();
    let methods = [("bzip2", M::Bzip2), ("xz", M::Xz), ("zstd", M::Zstd)];
    let zip_files: Vec<(String, M)> = methods
        .iter()
        .map(|(n, m)| (format!("notes-{n}.txt"), *m))
        .collect();
    let zip = zip_of(
        &zip_files
            .iter()
            .map(|(n, m)| (n.as_str(), *m, text.as_bytes()))
            .collect::<Vec<_>>(),
    );
    let files = vec![
        (
            "config/settings.json.gz".to_string(),
            gzip_of(text.as_bytes()),
        ),
        ("vendor/inner.tgz".to_string(), inner),
        ("lib/notes.zip".to_string(), zip),
        (
            "lib/lzma.zip".to_string(),
            lzma_zip("notes-lzma.txt", text.as_bytes()),
        ),
    ];
    let findings = scan(&files);
    let mut places = vec![
        "package/config/settings.json.gz!/settings.json".to_string(),
        "package/vendor/inner.tgz!/package/notes.txt".to_string(),
        "package/lib/lzma.zip!/notes-lzma.txt".to_string(),
    ];
    places.extend(
        zip_files
            .iter()
            .map(|(n, _)| format!("package/lib/notes.zip!/{n}")),
    );
    let mut missed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for place in &places {
        for p in &plants {
            let severity = rules.get(&p.rule).expect("known rule").severity;
            if !findings
                .iter()
                .any(|f| &f.file == place && f.rule == p.rule && f.severity == severity)
            {
                missed.entry(place).or_default().push(&p.rule);
            }
        }
    }
    assert!(
        missed.is_empty(),
        "missed (container -> rules): {missed:#?}"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f.rule == "file/nested-archive-unreadable"),
        "a container was not opened: {:?}",
        findings
            .iter()
            .filter(|f| f.rule == "file/nested-archive-unreadable")
            .map(|f| &f.message)
            .collect::<Vec<_>>()
    );
    for p in &plants {
        assert_redacted(&findings, &p.secret);
    }
}

/// A gzip-compressed file is judged by its name without `.gz`: a compressed `.env` is an
/// env file, and one that does not decompress is reported, not skipped.
#[test]
fn a_compressed_env_file_is_an_env_file_and_a_broken_one_is_reported() {
    let env = gzip_of(b"API_TOKEN=SmBxpbeBMbldXrTTV8tqvaHAaAq66DyXEf5SNlXV\n");
    let findings = scan(&[
        (".env.gz".to_string(), env),
        (
            "data/broken.json.gz".to_string(),
            b"\x1f\x8b\x08\0garbage".to_vec(),
        ),
    ]);
    let at = |rule: &str, file: &str| findings.iter().any(|f| f.rule == rule && f.file == file);
    assert!(at("file/env", "package/.env.gz!/.env"), "{findings:#?}");
    assert!(
        at("secret/dotenv-value", "package/.env.gz!/.env"),
        "{findings:#?}"
    );
    assert!(
        at(
            "file/nested-archive-unreadable",
            "package/data/broken.json.gz"
        ),
        "{findings:#?}"
    );
}
