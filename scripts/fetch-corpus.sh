#!/usr/bin/env bash
# Fetches the real npm tarballs the corpus tests read (pinned versions, a subset of
# ../shared/corpus.sh plus the release before the claude-code leak) with `npm pack`, into
# DIR (default target/corpus), and prints DIR. Idempotent: a tarball already there is kept.
# Exits 1 naming every tarball it could not fetch, so a missing input is never silent.
#
#   scripts/fetch-corpus.sh [DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/target/corpus}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

specs=(
  axios@1.21.1
  socket.io-client@4.8.4
  @octokit/rest@22.0.1
  jquery@4.0.0
  node-forge@1.4.3
  @anthropic-ai/claude-code@2.1.87
  @anthropic-ai/claude-code@2.1.88
)

tgz_name() { # @scope/name@1.2.3 -> scope-name-1.2.3.tgz, as npm pack names it
  local spec=$1 name ver
  name=${spec%@*}; ver=${spec##*@}
  name=${name#@}
  echo "${name//\//-}-$ver.tgz"
}

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-corpus: npm is not installed; install Node.js and npm to fetch the corpus" >&2
  exit 1
fi
missing=()
for spec in "${specs[@]}"; do
  file=$(tgz_name "$spec")
  [ -s "$dir/$file" ] && continue
  if ! (cd "$dir" && timeout 300 npm pack "$spec" --silent >/dev/null 2>&1) || [ ! -s "$dir/$file" ]; then
    missing+=("$spec")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fetch-corpus: could not fetch: ${missing[*]}" >&2
  exit 1
fi
echo "$dir"
