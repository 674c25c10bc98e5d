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

#[test]
fn every_plant_is_found_in_every_encoding() {
    let rules = builtin::rules(&packguard::checks::names()).expect("built-in rules load");
    let plants: Vec<recall::Plant> = recall::plants(&rules)
        .into_iter()
        .filter(|p| p.path.is_none() && !p.text.contains('\n'))
        .collect();
    let text = lines(&plants);
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
