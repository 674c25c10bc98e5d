#!/usr/bin/env bash
# Mutation testing of the security-relevant code, one group of modules at a time, each with
# the tests that exercise it (see CONTRIBUTING.md, "Mutation testing"). Needs cargo-mutants
# (`cargo install cargo-mutants --locked`). Runs in place (the tree must be clean; an
# interrupted run can leave a mutated file: `git checkout src/`), builds with the `mutants`
# profile (.cargo/mutants.toml) and writes target/mutants/GROUP/mutants.out.
#
#   scripts/mutants.sh GROUP [extra cargo-mutants arguments, e.g. --iterate or --list]
#
# GROUP: output (finding, redaction, SARIF), reader (the archive reader), rules, pack
# (the packer emulation and folder reading), report (diff and listing reports).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
group=${1:?usage: scripts/mutants.sh output|reader|rules|pack|report [cargo-mutants arguments]}
shift

test_args=()
case $group in
  output)
    files=(src/redact.rs 'src/finding/**' src/render/sarif.rs)
    tests=(redaction secrets formats cli_output output_format credentials_recall) ;;
  reader)
    files=('src/artifact/npmtar/**' src/artifact/read.rs src/artifact/gunzip.rs
      src/artifact/zip.rs src/artifact/mod.rs src/artifact/installed.rs)
    tests=(hostile intake nested caps memory_bounds bad_input properties install_scripts) ;;
  rules)
    files=('src/rules/**')
    tests=(rules_and_reports secrets credentials_recall secrets_recall suppressions source_exposure) ;;
  pack)
    files=('src/artifact/pack/**' src/artifact/directory.rs src/artifact/builder.rs)
    tests=(directory packers hostile package_config)
    # The real packers' tests are #[ignore]d in a plain run: install them and include them.
    packers=$(bash scripts/fetch-packers.sh)
    eval "$(sed 's/^/export /' <<<"$packers")"
    test_args=(-- -- --include-ignored)
    # Mutants change builtin, not npm: the npm pack table checks the recorded npm answers
    # only (asking npm again for each mutant takes most of the directory tests' time).
    export PACKGUARD_TEST_RECORDED_ONLY=1 ;;
  report)
    files=('src/report/**')
    tests=(diff lock formats suppressions secrets source_exposure sourcemap redaction) ;;
  *)
    echo "unknown group \`$group\`: output, reader, rules, pack or report" >&2
    exit 2 ;;
esac

# A mutant whose tests run past this many seconds is a timeout (a hang, or a loaded machine:
# raise MUTANTS_TIMEOUT when the unmutated run itself takes more than about half of it).
args=(--in-place --no-shuffle --timeout "${MUTANTS_TIMEOUT:-120}" --output "target/mutants/$group")
for f in "${files[@]}"; do args+=(--file "$f"); done
# Build and run only the lib's unit tests and the named integration tests: every mutant is
# a rebuild, and these are the tests that exercise the group.
args+=(--cargo-arg=--lib)
for t in "${tests[@]}"; do args+=(--cargo-arg=--test "--cargo-arg=$t"); done
mkdir -p "target/mutants/$group"
# Extra arguments are cargo-mutants options; the test binaries' own arguments come last.
exec cargo mutants "${args[@]}" "$@" "${test_args[@]}"
