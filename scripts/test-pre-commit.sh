#!/usr/bin/env bash
# The pre-commit hooks, tested for real with `pre-commit try-repo` (pre-commit from PyPI, in a
# throwaway virtualenv) in a scratch git repository: the hooks must fail on a leaky package,
# a leaky release workflow and a file missing from the lock, and pass once they are fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
precommit="$work/venv/bin/pre-commit"
# pre-commit installs the hook with `cargo install`; sharing the repository's target folder
# reuses the release build instead of compiling everything again.
export CARGO_TARGET_DIR="$root/target"
export PRE_COMMIT_HOME="$work/cache"

repo="$work/repo"
mkdir -p "$repo/.github/workflows"
cd "$repo"
git init --quiet
git config user.email ci@example.invalid
git config user.name ci
printf '{"name":"scratch-pkg","version":"1.0.0","main":"index.js","repository":"github:example/scratch-pkg"}\n' > package.json
echo 'module.exports = 1;' > index.js
echo 'API_KEY=not-a-real-key' > .env
# The reviewed list of what ships: the .env is not in it.
cat > packguard.lock.yml <<'YAML'
files:
  - .github/workflows/release.yml
  - index.js
  - package.json
YAML
cat > .github/workflows/release.yml <<'YAML'
on: {push: {tags: ['v*']}}
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: ''
YAML
git add -A && git commit --quiet -m "leaky"

expect() { # expect CODE HOOK: run the hook over all files and check its outcome
  set +e
  "$precommit" try-repo "$root" "$2" --all-files > "$work/out.txt" 2>&1
  local code=$?
  set -e
  if [[ $1 == pass && $code != 0 ]] || [[ $1 == fail && $code == 0 ]]; then
    cat "$work/out.txt"
    echo "pre-commit: hook $2 should $1 (exit $code)" >&2
    exit 1
  fi
  echo "hook $2: ${1}ed as expected"
}

passed=0
for hook in ${HOOKS:-packguard packguard-workflows packguard-lock}; do
  expect fail "$hook"
  passed=$((passed + 1))
done
rm .env
cat > .github/workflows/release.yml <<'YAML'
on: {push: {tags: ['v*']}}
permissions: {id-token: write, contents: read}
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with: {node-version: 24, registry-url: https://registry.npmjs.org}
      - run: npx packguard scan $(npm pack --silent)
      - run: npm publish
YAML
git add -A && git commit --quiet -m "fixed"
for hook in ${HOOKS:-packguard packguard-workflows packguard-lock}; do
  expect pass "$hook"
  passed=$((passed + 1))
done
echo "pre-commit hooks: $passed passed, 0 failed"
