//! Inputs whose size comes from the input itself end in a finding or a clean refusal, never in
//! an abort or an unbounded allocation (issue 17). Memory numbers live in BENCHMARKS.md
//! ("Memory"); these tests pin the behaviour.

mod support;

use support::*;

/// A header declaring more bytes than any machine holds, under limits raised past it: the
/// reservation fails and the run ends with exit 2 and a message, not SIGABRT.
#[test]
fn a_header_declaring_more_than_memory_is_exit_2_with_a_message() {
    let s = Scratch::new();
    // 4 PiB: past any address space, inside the safe-integer range node-tar accepts.
    let declared: u64 = 1 << 52;
    let tgz = TarBuilder::new()
        .file("package.json", r#"{"name":"a","version":"1.0.0"}"#)
        .file_sized("package/big.bin", declared, [0u8; 1024])
        .tgz();
    let file = s.write("big.tgz", tgz);
    let limit = (declared * 2).to_string();
    let out = s
        .cmd()
        .args(["scan", &file.display().to_string(), "--no-config"])
        .args(["--max-file-size", &limit, "--max-total-size", &limit])
        .output()
        .expect("run packguard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stderr}{stdout}");
    assert!(stderr.contains("do not fit in memory"), "{stderr}");
    assert!(stderr.contains("--max-file-size"), "{stderr}");
}

/// A rule file is refused by its size before it is read (a 100 MB one took 4.4 GB to parse).
#[test]
fn an_oversized_rule_file_is_refused_before_it_is_parsed() {
    let s = Scratch::new();
    let rule = "  - {id: test/r, category: secret, severity: error, message: m, pattern: 'x'}\n";
    let big = format!("rules:\n{}", rule.repeat((5 << 20) / rule.len()));
    let rules = s.write("big.yaml", big);
    let tgz = s.write("a.tgz", package("a", "1.0.0").tgz());
    let out = s
        .cmd()
        .args(["scan", &tgz.display().to_string(), "--no-config", "--rules"])
        .arg(&rules)
        .output()
        .expect("run packguard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("4194304-byte limit"), "{stderr}");
}
