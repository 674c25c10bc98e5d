//! One showcase package (`support::showcase`) through every output format, one snapshot each,
//! as ruff's `output_format` tests do: a change to a format, or to what a scan finds, shows
//! in every format at once. Timings are replaced by `[ms]`.

mod support;

use support::Scratch;

/// `packguard scan showcase.tgz --format FORMAT` with the built-in rules: the showcase fails.
fn output(format: &str) -> String {
    let s = Scratch::new();
    s.write("leaky-pkg-1.0.0.tgz", support::showcase().tgz());
    let out = s
        .cmd()
        .args([
            "scan",
            "leaky-pkg-1.0.0.tgz",
            "--no-config",
            "--format",
            format,
        ])
        .output()
        .expect("run packguard");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    let text = regex::Regex::new(r#"("duration_ms": ?)\d+"#)
        .expect("valid regex")
        .replace_all(&text, r#"${1}"[ms]""#);
    regex::Regex::new(r"in \d+ ms")
        .expect("valid regex")
        .replace_all(&text, "in [ms] ms")
        .into_owned()
}

#[test]
fn human() {
    insta::assert_snapshot!(output("human"));
}

#[test]
fn json() {
    insta::assert_snapshot!(output("json"));
}

#[test]
fn jsonl() {
    insta::assert_snapshot!(output("jsonl"));
}

#[test]
fn github() {
    insta::assert_snapshot!(output("github"));
}

#[test]
fn gitlab() {
    insta::assert_snapshot!(output("gitlab"));
}

#[test]
fn junit() {
    insta::assert_snapshot!(output("junit"));
}

/// SARIF describes every active rule (over a hundred built-ins); the snapshot keeps the
/// descriptors of the rules that fired, so it shows the findings rather than the rule
/// catalogue. Each result's `ruleIndex` is checked against the full list, then renumbered
/// into the kept one.
#[test]
fn sarif() {
    let mut log: serde_json::Value = serde_json::from_str(&output("sarif")).expect("SARIF JSON");
    let run = &mut log["runs"][0];
    let all: Vec<serde_json::Value> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rule descriptors")
        .clone();
    let mut kept: Vec<serde_json::Value> = Vec::new();
    for result in run["results"].as_array_mut().expect("results") {
        let id = result["ruleId"].as_str().expect("ruleId").to_string();
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(all[index]["id"], id.as_str(), "ruleIndex of {id}");
        let at = match kept.iter().position(|r| r["id"] == id.as_str()) {
            Some(at) => at,
            None => {
                kept.push(all[index].clone());
                kept.len() - 1
            }
        };
        result["ruleIndex"] = at.into();
    }
    run["tool"]["driver"]["rules"] = kept.into();
    insta::assert_snapshot!(serde_json::to_string_pretty(&log).expect("serialises"));
}
