#!/usr/bin/env bash
# Compares packguard's builtin file selection with real npm on package folders.
#
#   scripts/parity.sh [--workspaces] DIR...
#
# For each DIR (and, with --workspaces, each folder its package.json `workspaces` or
# pnpm-workspace.yaml names), lists the files `npm pack --dry-run --json --ignore-scripts`
# would publish and the files `packguard ls --paths --pack builtin` selects, prints every
# difference, and ends with one line per package and a total. Exit 1 if any differ.
# Needs node and npm on PATH; PACKGUARD (default: target/release/packguard, else
# target/debug/packguard) names the binary. Never runs lifecycle scripts.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
pg=${PACKGUARD:-}
if [ -z "$pg" ]; then
  if [ -x "$here/target/release/packguard" ]; then pg="$here/target/release/packguard"; else pg="$here/target/debug/packguard"; fi
fi
command -v npm >/dev/null || { echo "npm is not on PATH: nothing to compare with" >&2; exit 2; }
ws=0
if [ "${1:-}" = "--workspaces" ]; then ws=1; shift; fi

dirs=()
for d in "$@"; do
  d=$(cd "$d" && pwd)
  if [ $ws = 1 ]; then
    # Every workspace folder (private or not: parity is about the selection).
    while IFS= read -r m; do dirs+=("$m"); done < <(
      node -e '
        const fs = require("fs"), path = require("path");
        const root = process.argv[1];
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        let globs = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces && pkg.workspaces.packages) || [];
        try {
          const y = fs.readFileSync(path.join(root, "pnpm-workspace.yaml"), "utf8");
          let inPk = false;
          for (const line of y.split("\n")) {
            if (/^packages\s*:/.test(line)) { inPk = true; continue; }
            if (inPk && /^\s*-\s*/.test(line)) globs.push(line.replace(/^\s*-\s*/, "").replace(/["\x27]/g, "").trim());
            else if (inPk && /^\S/.test(line)) inPk = false;
          }
        } catch {}
        const out = new Set();
        for (const g of globs.filter(g => !g.startsWith("!"))) {
          const parts = g.replace(/^\.\//, "").replace(/\/$/, "").split("/");
          const walk = (dir, i) => {
            if (i === parts.length) { if (fs.existsSync(path.join(dir, "package.json"))) out.add(dir); return; }
            const p = parts[i];
            if (p === "**") { walk(dir, i + 1); for (const e of fs.readdirSync(dir, {withFileTypes: true})) if (e.isDirectory() && e.name !== "node_modules" && !e.name.startsWith(".")) walk(path.join(dir, e.name), i); return; }
            const re = new RegExp("^" + p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*") + "$");
            let entries = []; try { entries = fs.readdirSync(dir, {withFileTypes: true}); } catch {}
            for (const e of entries) if (e.isDirectory() && re.test(e.name)) walk(path.join(dir, e.name), i + 1);
          };
          walk(root, 0);
        }
        console.log([...out].sort().join("\n"));
      ' "$d")
  else
    dirs+=("$d")
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total=0; same=0
for d in "${dirs[@]}"; do
  [ -n "$d" ] || continue
  total=$((total + 1))
  npm_ok=1; pg_ok=1
  (cd "$d" && npm pack --dry-run --json --ignore-scripts 2>"$tmp/npm.err") \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);for(const f of j[0].files)console.log(f.path)}catch(e){process.exit(3)}})' \
    > "$tmp/npm.raw" || npm_ok=0
  LC_ALL=C sort "$tmp/npm.raw" > "$tmp/npm"
  "$pg" ls --paths --pack builtin "$d" > "$tmp/pg.raw" 2>"$tmp/pg.err" || pg_ok=0
  LC_ALL=C sort "$tmp/pg.raw" > "$tmp/pg"
  if [ $npm_ok = 0 ] && [ $pg_ok = 0 ]; then
    same=$((same + 1)); echo "same $d: both refuse to pack it ($(grep -m1 -o 'error.*' "$tmp/npm.err" | head -1))"; continue
  fi
  if [ $npm_ok = 0 ] || [ $pg_ok = 0 ]; then
    echo "DIFF $d: npm ok=$npm_ok, builtin ok=$pg_ok"
    [ $npm_ok = 0 ] && sed 's/^/  npm: /' "$tmp/npm.err" | tail -3
    [ $pg_ok = 0 ] && sed 's/^/  packguard: /' "$tmp/pg.err" | tail -3
    continue
  fi
  n=$(wc -l < "$tmp/npm"); b=$(wc -l < "$tmp/pg")
  if cmp -s "$tmp/npm" "$tmp/pg"; then
    same=$((same + 1))
    echo "same $d: $n files"
  else
    echo "DIFF $d: npm $n files, builtin $b"
    comm -23 "$tmp/npm" "$tmp/pg" | sed 's/^/  only npm:     /' | head -20
    comm -13 "$tmp/npm" "$tmp/pg" | sed 's/^/  only builtin: /' | head -20
  fi
done
echo "parity: $same of $total packages identical"
[ "$same" = "$total" ]
