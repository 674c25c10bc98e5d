#!/usr/bin/env bash
# The Action's install step: puts exactly one packguard release on PATH, downloaded from the
# GitHub release's assets and checked against that release's SHA256SUMS before it runs.
#
# Which release: PACKGUARD_VERSION (the `version` input) when set, else the version in the
# Cargo.toml of the Action's own checkout (ACTION_PATH): a tag vX.Y.Z, or a commit SHA, of
# the Action carries the Cargo.toml of the release it was tagged as, so the binary is the
# one built from the Action's own ref. Nothing is installed from npm.
#
# Environment: ACTION_PATH, ACTION_REPOSITORY (owner/name releases are downloaded from,
# default packguard/packguard), RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH.
# PACKGUARD_RELEASE_URL replaces https://github.com/OWNER/NAME/releases/download (the test
# harness points it at a file:// mirror; the checksum is verified all the same).
set -euo pipefail

fail() {
  echo "::error title=packguard install::$*"
  exit 1
}

version=${PACKGUARD_VERSION:-}
if [[ -z $version ]]; then
  version=$(sed -n 's/^version *= *"\(.*\)"$/\1/p' "${ACTION_PATH:?}/Cargo.toml" | head -n 1)
fi
version=${version#v}
# An exact release only: a range (`0`, `^1.2`) would let a different binary run tomorrow.
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  fail "version '$version' is not an exact release (X.Y.Z)"
fi

case "${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
  Linux-X64) target=x86_64-unknown-linux-gnu ;;
  Linux-ARM64) target=aarch64-unknown-linux-gnu ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
  Windows-X64) target=x86_64-pc-windows-msvc ;;
  *) fail "no packguard release for runner ${RUNNER_OS:-?} ${RUNNER_ARCH:-?}" ;;
esac

tag="v$version"
asset="packguard-$tag-$target.tar.gz"
repository=${ACTION_REPOSITORY:-}
[[ -n $repository ]] || repository=packguard/packguard
base=${PACKGUARD_RELEASE_URL:-https://github.com/$repository/releases/download}
dir="${RUNNER_TEMP:?}/packguard-$tag"
rm -rf "$dir"
mkdir -p "$dir/bin"

fetch() { # fetch NAME: from the release into $dir
  curl --fail --silent --show-error --location --retry 3 -o "$dir/$1" "$base/$tag/$1" ||
    fail "cannot download $base/$tag/$1"
}
fetch SHA256SUMS
fetch "$asset"

# SHA256SUMS lines are `HASH  NAME` (`*NAME` in binary mode, `./NAME` from `sha256sum ./*`).
expected=$(awk -v a="$asset" '{ n = $2; sub(/^\*/, "", n); sub(/^\.\//, "", n); if (n == a) print $1 }' "$dir/SHA256SUMS")
[[ -n $expected ]] || fail "SHA256SUMS of $tag lists no $asset"
if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "$dir/$asset" | cut -d ' ' -f 1)
else
  actual=$(shasum -a 256 "$dir/$asset" | cut -d ' ' -f 1)
fi
if [[ $actual != "$expected" ]]; then
  rm -f "$dir/$asset"
  fail "$asset does not match the checksum in SHA256SUMS of $tag (expected $expected, got $actual): refusing to run it"
fi

tar -xzf "$dir/$asset" -C "$dir/bin"
bin="$dir/bin/packguard"
[[ $target != *windows* ]] || bin="$bin.exe"
[[ -x $bin ]] || fail "$asset holds no packguard binary"
said=$("$bin" --version)
[[ $said == "packguard $version" ]] || fail "$asset says '$said', not packguard $version"
echo "$dir/bin" >>"${GITHUB_PATH:?}"
echo "installed $said ($target) from $base/$tag"
