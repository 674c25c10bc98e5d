#!/usr/bin/env bash
# The whole test suite, as CI runs it: fetches the real npm tarballs the corpus tests read
# (scripts/fetch-corpus.sh, from the npm registry) and the packers tests/packers.rs asks
# (scripts/fetch-packers.sh: yarn 1 and 4, pnpm, bun), then runs every test, including those
# `cargo test` alone leaves out because they need that corpus. A corpus that cannot be
# fetched fails the run; nothing is skipped silently.
#
#   scripts/test.sh [extra cargo test arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PACKGUARD_CORPUS=$(bash scripts/fetch-corpus.sh "${PACKGUARD_CORPUS:-$root/target/corpus}")
export PACKGUARD_CORPUS
echo "corpus: $PACKGUARD_CORPUS"
# yarn 1 and 4, pnpm and bun for tests/packers.rs and tests/directory.rs (npm is already needed).
packers=$(bash scripts/fetch-packers.sh)
eval "$(sed 's/^/export /' <<<"$packers")"
echo "packers: $PACKGUARD_TEST_YARN1 $PACKGUARD_TEST_YARN4 $PACKGUARD_TEST_PNPM $PACKGUARD_TEST_BUN"
cargo test --locked "$@" -- --include-ignored
