//! npm's reading of an archive, held to recorded node-tar output. A corpus input is one
//! recorded case: a JSON line `{"sha256", "ok", "files": {path: sha256}}` (what node-tar, as npm
//! configures it, wrote to disk for the archive with that hash; recorded by
//! `tests/npm_differential.rs` with `PACKGUARD_DIFF_RECORD=DIR`), then the archive's bytes.
//! While the archive is the recorded one, packguard's list of installed files must be node-tar's
//! exactly; once the fuzzer mutates it (or the line), it must still end in a list or an error,
//! never a panic.
#![no_main]
use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

#[derive(serde::Deserialize)]
struct Recorded {
    sha256: String,
    ok: bool,
    files: BTreeMap<String, String>,
}

fn hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let (line, archive) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let ours = packguard::artifact::installed::installed_files("fuzz.tar", archive);
    let Ok(recorded) = serde_json::from_slice::<Recorded>(line) else {
        return;
    };
    if recorded.sha256 != hex(archive) {
        return;
    }
    match (ours, recorded.ok) {
        (Ok(files), true) => {
            let ours: BTreeMap<String, String> =
                files.iter().map(|(k, v)| (k.clone(), hex(v))).collect();
            assert_eq!(ours, recorded.files, "packguard and node-tar install different files");
        }
        (Err(_), false) => {}
        (ours, ok) => panic!(
            "node-tar ok={ok}, packguard {:?}",
            ours.map(|f| f.keys().cloned().collect::<Vec<_>>()).map_err(|e| e.to_string())
        ),
    }
});
