//! Caps keep the worst: a file full of fake tokens cannot hide the real one behind them, and
//! no cap changes the exit code (issue 18).

mod support;

use packguard::rules::validators::Checksum;
use support::*;

/// `n` distinct random-looking `ghp_` tokens whose checksum does not verify.
fn fakes(n: usize) -> Vec<String> {
    const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            let body: String = (0..36)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ALNUM[(x >> 33) as usize % 62] as char
                })
                .collect();
            format!("ghp_{body}")
        })
        .filter(|t| !Checksum::Github.verifies(t.as_bytes()))
        .collect()
}

#[test]
fn a_valid_token_after_fifty_fakes_is_reported_and_fails_the_run() {
    let valid = Checksum::Github.complete("ghp_", "Vq7Wm2Qx7LbN4cVt9YzK1pJd6HfG3c");
    let mut text: String = fakes(50)
        .iter()
        .map(|t| format!("const t = '{t}';\n"))
        .collect();
    text.push_str(&format!("const real = '{valid}';\n"));
    let s = Scratch::new();
    let tgz = package("a", "1.0.0").file("lib/tokens.js", &text).tgz();
    let (code, json) = s.scan_json(&tgz, &[]);
    assert_eq!(code, 1, "the valid token fails the run");
    let pats = of_rule(&json, "secret/github-pat");
    assert_eq!(pats.len(), 50, "the cap still holds");
    let errors: Vec<_> = pats.iter().filter(|f| f["severity"] == "error").collect();
    assert_eq!(errors.len(), 1, "{pats:?}");
    assert_eq!(errors[0]["line"], 51);
    assert!(
        pats.iter().any(|f| f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1 more matches of this rule in this file are not listed")),
        "what was left out is counted"
    );
    // No output shows the token whole, in any format.
    for format in ["human", "json", "sarif", "github"] {
        let out = s
            .cmd()
            .args(["scan", "pkg.tgz", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(&valid[4..20]), "{format}: {all}");
    }
}

#[test]
fn the_fake_left_out_by_the_cap_is_never_printed() {
    let tokens = fakes(52);
    let text: String = tokens.iter().map(|t| format!("x('{t}');\n")).collect();
    let s = Scratch::new();
    s.write(
        "pkg.tgz",
        package("a", "1.0.0").file("lib/tokens.js", &text).tgz(),
    );
    for format in ["human", "json"] {
        let out = s
            .cmd()
            .args(["scan", "pkg.tgz", "--format", format])
            .output()
            .unwrap();
        let all = String::from_utf8_lossy(&out.stdout);
        for t in &tokens {
            assert!(!all.contains(&t[4..20]), "{format}: {t} printed");
        }
    }
}
