//! The README and the reference in `docs/` against the code: the README's two commands are
//! the ones the project runs, its command list is the CLI's, every reference page is linked
//! from it, and every field of the rule language is documented in `docs/rules.md` (and no
//! field that does not exist).

mod support;

use std::collections::BTreeSet;
use std::path::Path;

const README: &str = include_str!("../README.md");
const RULES_DOC: &str = include_str!("../docs/rules.md");
const SCHEMA: &str = include_str!("../src/rules/schema.rs");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The first line of every fenced `sh` block, in order.
fn shell_commands(markdown: &str) -> Vec<&str> {
    markdown
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.lines().next())
        .collect()
}

#[test]
fn the_readme_starts_with_the_two_commands_and_they_work() {
    let commands = shell_commands(README);
    assert_eq!(
        commands[..2],
        [
            "cargo run --release -- scan testdata/leaky-pkg-1.0.0.tgz",
            "scripts/test.sh"
        ],
        "the README's first two commands"
    );
    assert!(root().join("scripts/test.sh").is_file());
    // The first command, through the binary cargo built: the example fails the scan.
    let s = support::Scratch::new();
    let tgz = root().join("testdata/leaky-pkg-1.0.0.tgz");
    let out = s
        .cmd()
        .arg("scan")
        .arg(&tgz)
        .output()
        .expect("run packguard");
    assert_eq!(out.status.code(), Some(1), "the example fails its scan");
}

#[test]
fn the_readme_lists_every_command_the_cli_has() {
    let help = support::Scratch::new()
        .cmd()
        .arg("--help")
        .output()
        .expect("run packguard --help");
    let help = String::from_utf8(help.stdout).expect("UTF-8 help");
    // clap's "Commands:" section: two-space indent, the name, then its summary.
    let cli: BTreeSet<String> = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section")
        .lines()
        .take_while(|l| l.starts_with("  "))
        // A summary wrapped onto the next line is indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    let usage = README
        .split("## Usage\n\n```\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a command block under ## Usage");
    let listed: BTreeSet<String> = usage
        .lines()
        .filter_map(|l| l.strip_prefix("packguard "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert_eq!(listed, cli, "README ## Usage against `packguard --help`");
}

#[test]
fn every_reference_page_is_linked_from_the_readme_and_every_link_resolves() {
    let linked: BTreeSet<String> = README
        .match_indices("](docs/")
        .map(|(at, _)| {
            let rest = &README[at + 2..];
            rest[..rest.find(')').expect("a closed link")]
                .split('#')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    for page in &linked {
        assert!(
            root().join(page).is_file(),
            "README links {page}, which is missing"
        );
    }
    let pages: BTreeSet<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok())
        .map(|e| format!("docs/{}", e.file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".md"))
        .collect();
    assert_eq!(linked, pages, "docs/ pages linked from the README");
}

/// The fields of one struct of `src/rules/schema.rs`, as serde reads them.
fn fields(schema: &str, name: &str) -> BTreeSet<String> {
    let body = schema
        .split(&format!("pub struct {name} {{"))
        .nth(1)
        .and_then(|b| b.split("\n}").next())
        .unwrap_or_else(|| panic!("struct {name} in schema.rs"));
    body.lines()
        .filter_map(|l| l.trim().strip_prefix("pub "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_rule_field_is_documented_and_every_documented_field_exists() {
    let code = fields(SCHEMA, "RawRule");
    assert!(code.contains("pattern") && code.contains("examples"));
    // The table under "| field | meaning |": one row per field, "| `name` | ... |".
    let table = RULES_DOC
        .split("| field | meaning |\n")
        .nth(1)
        .expect("the rule field table in docs/rules.md");
    let documented: BTreeSet<String> = table
        .lines()
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    assert_eq!(
        documented, code,
        "docs/rules.md field table against RawRule"
    );
    // Example fields are documented in the prose and examples that follow.
    for field in fields(SCHEMA, "RawExample") {
        assert!(
            RULES_DOC.contains(&format!("`{field}`")) || RULES_DOC.contains(&format!("{field}:")),
            "example field `{field}` is not documented in docs/rules.md"
        );
    }
}
