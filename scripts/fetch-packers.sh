#!/usr/bin/env bash
# Installs the packers tests/packers.rs and tests/directory.rs ask for real besides npm
# (yarn 1, yarn 4, pnpm and bun, pinned) into DIR (default target/packers) with npm, and prints their
# paths as shell assignments for `eval`. Idempotent: a packer already installed is kept. Fails naming the packer it
# could not install, so a missing packer is never silent.
#
#   eval "$(scripts/fetch-packers.sh [DIR])"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/target/packers}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

install() { # VAR SPEC SUBDIR BIN
  local var=$1 spec=$2 sub=$3 bin=$4
  if [ ! -x "$dir/$sub/node_modules/.bin/$bin" ]; then
    npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$dir/$sub" "$spec" >&2 \
      || { echo "could not install $spec into $dir/$sub" >&2; exit 1; }
  fi
  printf '%s=%q\n' "$var" "$dir/$sub/node_modules/.bin/$bin"
}
install PACKGUARD_TEST_YARN1 yarn@1.22.22 yarn1 yarn
# yarn 2+ is published as @yarnpkg/cli-dist (the `yarn` package stays at 1.x).
install PACKGUARD_TEST_YARN4 @yarnpkg/cli-dist@4.18.1 yarn4 yarn
install PACKGUARD_TEST_PNPM pnpm@10.34.9 pnpm pnpm
# bun's npm package ships the binary in an optional platform package (@oven/bun-linux-x64,
# -baseline, -musl, ...) and links it from a postinstall script, which --ignore-scripts
# skips: take the platform binary itself, the first one that runs here.
bun_spec=bun@1.4.5
if [ ! -d "$dir/bun/node_modules/@oven" ]; then
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$dir/bun" "$bun_spec" >&2 \
    || { echo "could not install $bun_spec into $dir/bun" >&2; exit 1; }
fi
bun=
for b in "$dir"/bun/node_modules/@oven/bun-*/bin/bun; do
  if [ -x "$b" ] && "$b" --version >/dev/null 2>&1; then bun=$b; break; fi
done
[ -n "$bun" ] || { echo "$bun_spec installed no bun binary that runs here" >&2; exit 1; }
printf '%s=%q\n' PACKGUARD_TEST_BUN "$bun"
