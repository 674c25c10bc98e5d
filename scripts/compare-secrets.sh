#!/bin/sh
# Manual comparison of packguard's secret rules with gitleaks, Kingfisher and secretlint on
# (1) real npm packages and (2) the recall corpus of tests/secrets_recall.rs.
# Not part of `cargo test`: the peer tools are not installed in CI. See
# docs/secrets-comparison.md for the setup and the last results.
#
# usage: scripts/compare-secrets.sh CORPUS_DIR (folder of .tgz) [WORK_DIR] [PEERS_DIR]
set -eu
corpus=${1:?usage: compare-secrets.sh CORPUS_DIR [WORK_DIR] [PEERS_DIR]}
work=${2:-/tmp/packguard-compare}
peers=${3:-/work/peers}
repo=$(cd "$(dirname "$0")/.." && pwd)
gitleaks=$peers/venv/bin/gitleaks
kingfisher=$peers/venv/bin/kingfisher
secretlint=$peers/node_modules/.bin/secretlint

rm -rf "$work" && mkdir -p "$work/real" "$work/out"
for t in "$corpus"/*.tgz; do
  d="$work/real/$(basename "$t" .tgz)"
  mkdir -p "$d" && tar xzf "$t" -C "$d"
done
(cd "$repo" && cargo build --release -q && cargo run --release -q --example recall_corpus -- "$work/recall")
# The index of plants must not be scanned with the corpus.
mv "$work/recall/plants.json" "$work/plants.json"
printf '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}\n' > "$work/.secretlintrc.json"

# tool-name target command...: runs a tool with its output in $work/out/NAME-TARGET.json
# and its wall time in $work/out/NAME-TARGET.time
run() {
  name=$1; target=$2; shift 2
  start=$(date +%s.%N)
  "$@" > "$work/out/$name-$target.json" 2> "$work/out/$name-$target.err" || true
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.2f\n", $2-$1}' > "$work/out/$name-$target.time"
}

pg=$repo/target/release/packguard
tar czf "$work/recall.tgz" -C "$work/recall" package
run packguard real sh -c "for t in '$corpus'/*.tgz; do '$pg' scan --no-config --format json --fail-on never \"\$t\"; done"
run packguard recall "$pg" scan --no-config --format json --fail-on never "$work/recall.tgz"
for target in real recall; do
  dir=$work/$target
  run gitleaks "$target" "$gitleaks" dir "$dir" --no-banner --report-format json --report-path - --exit-code 0
  run kingfisher "$target" "$kingfisher" scan "$dir" --no-validate --no-dedup --format json
  run secretlint "$target" sh -c "cd '$dir' && '$secretlint' --secretlintrc '$work/.secretlintrc.json' --format json '**/*'"
done
python3 "$repo/scripts/compare-secrets.py" "$work"
