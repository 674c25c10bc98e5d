#!/usr/bin/env bash
# The npm distribution, tested for real: builds the platform package of this machine's Rust
# host target (`rustc -vV`; it must be one of npm/platforms.json) from the local release
# binary, packs it and the wrapper with `npm pack`, installs both tarballs into a scratch
# project, and runs `npx packguard --version` and a scan through the wrapper.
#
# Nothing comes from the registry: optional dependencies are left out (the platform package
# is installed from its tarball), and no install script runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
host=$(rustc -vV | sed -n 's/^host: //p')
# The platform package for the host, and its binary's file name, from npm/platforms.json.
read -r package binary < <(node -e '
  const p = require(process.argv[1])[process.argv[2]];
  if (!p) { console.error(`no npm platform package for ${process.argv[2]} in npm/platforms.json`); process.exit(1); }
  console.log(p.package, p.binary);
' "$root/npm/platforms.json" "$host")
(cd "$root" && cargo build --release --locked --quiet)
node "$root/scripts/npm-package.mjs" --version "$version" --out "$work/npm" \
  --target "$host=$root/target/release/$binary" >/dev/null

mkdir -p "$work/tarballs"
for pkg in "$work"/npm/*/; do
  (cd "$pkg" && npm pack --silent --pack-destination "$work/tarballs" >/dev/null)
done
ls "$work/tarballs"

mkdir -p "$work/project"
cd "$work/project"
printf '{"name":"scratch","version":"1.0.0","private":true}\n' > package.json
npm install --silent --no-audit --no-fund --ignore-scripts --omit=optional \
  "$work"/tarballs/packguard-"$version".tgz \
  "$work"/tarballs/"$(echo "${package#@}" | tr / -)"-"$version".tgz

got=$(npx --no-install packguard --version)
echo "npx packguard --version: $got"
[[ $got == "packguard $version" ]] || { echo "unexpected version output" >&2; exit 1; }

# A scan through the wrapper: the example package must fail (exit 1) with its findings.
set +e
npx --no-install packguard scan "$root/testdata/leaky-pkg-1.0.0.tgz" --format json > scan.json
code=$?
set -e
[[ $code == 1 ]] || { echo "expected exit 1 from the example scan, got $code" >&2; exit 1; }
grep -q '"rule": "file/npmrc"' scan.json || { echo "scan output lacks file/npmrc" >&2; exit 1; }
# Exit codes pass through the wrapper: a clean package exits 0.
npx --no-install packguard scan "$work/tarballs/packguard-$version.tgz" --no-config --fail-on error >/dev/null
echo "npm package: 3 passed, 0 failed"
