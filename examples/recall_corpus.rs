//! Writes the recall corpus of `tests/secrets_recall.rs` into a folder, so other secret
//! scanners can be run on exactly the files packguard is tested on:
//!
//! ```sh
//! cargo run --example recall_corpus -- /tmp/recall
//! ```
//!
//! It also writes `plants.json`: for every file, the rules whose secrets it holds and the
//! (synthetic) secrets themselves, so other tools' reports can be matched against them.

#[path = "../tests/support/recall.rs"]
mod recall;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: recall_corpus DIR");
        return ExitCode::from(2);
    };
    let rules = match packguard::rules::builtin::rules(&packguard::checks::names()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let files = recall::corpus(&rules);
    let mut index = Vec::new();
    for f in &files {
        let path = dir.join("package").join(&f.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &f.content));
        if let Err(e) = written {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        index.push(serde_json::json!({
            "file": format!("package/{}", f.path),
            "context": f.context,
            "plants": f.plants.iter().map(|p| serde_json::json!({
                "rule": p.rule,
                "secret": p.secret,
            })).collect::<Vec<_>>(),
        }));
    }
    let text = serde_json::to_string_pretty(&index).expect("index serialises");
    if let Err(e) = std::fs::write(dir.join("plants.json"), text) {
        eprintln!("cannot write plants.json: {e}");
        return ExitCode::from(2);
    }
    println!("{} files written under {}", files.len(), dir.display());
    ExitCode::SUCCESS
}
