#!/usr/bin/env python3
"""Summarises scripts/compare-secrets.sh output: findings on real packages, recall on the
recall corpus, and wall time, per tool. Manual tooling, not part of the test suite."""
import json
import os
import sys
from collections import Counter, defaultdict

work = sys.argv[1]
out = os.path.join(work, "out")


def load_stream(path):
    """Every JSON document in a file (packguard prints one report per tarball)."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return []
    dec, i, docs = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        try:
            doc, i = dec.raw_decode(text, i)
        except json.JSONDecodeError:
            return docs
        docs.append(doc)


def rel(path, target):
    """A reported path, relative to the scanned folder (`package/...` for the recall set)."""
    root = os.path.join(work, target) + "/"
    return path[len(root):] if path.startswith(root) else path


def findings(tool, target):
    """(file, rule, severity, text) for every finding a tool reported."""
    rows = []
    for doc in load_stream(os.path.join(out, f"{tool}-{target}.json")):
        if tool == "packguard":
            for f in doc.get("findings", []):
                if f["category"] == "secret":
                    rows.append((f["file"], f["rule"], f["severity"], f.get("snippet") or ""))
        elif tool == "gitleaks":
            for f in doc:
                rows.append((rel(f["File"], target), f["RuleID"], "", f.get("Secret", "") + " " + f.get("Match", "")))
        elif tool == "kingfisher":
            items = doc.get("findings", doc) if isinstance(doc, dict) else doc
            for f in items if isinstance(items, list) else []:
                fd = f.get("finding", f)
                path = fd.get("path") or fd.get("file") or ""
                rule = f.get("rule", {}).get("id") if isinstance(f.get("rule"), dict) else f.get("rule_id", "")
                text = json.dumps(fd)
                rows.append((rel(path, target), rule or "", "", text))
        elif tool == "secretlint":
            for fileres in doc if isinstance(doc, list) else []:
                src = fileres.get("sourceContent", "")
                for m in fileres.get("messages", []):
                    # secretlint masks the secret in its message; its `range` points at it.
                    a, b = (m.get("range") or [0, 0])[:2]
                    rows.append((rel(fileres["filePath"], target), m.get("ruleId", ""), m.get("severity", ""), src[a:b]))
    return rows


def seconds(tool, target):
    try:
        return float(open(os.path.join(out, f"{tool}-{target}.time")).read())
    except OSError:
        return float("nan")


tools = ["packguard", "gitleaks", "kingfisher", "secretlint"]
plants = json.load(open(os.path.join(work, "plants.json")))
total = sum(len(p["plants"]) for p in plants)

print("| tool | real: findings | real: files | real: time (s) | recall | recall: time (s) |")
print("|---|---|---|---|---|---|")
details = {}
for tool in tools:
    real = findings(tool, "real")
    rec = findings(tool, "recall")
    by_file = defaultdict(list)
    for f in rec:
        by_file[f[0].lstrip("./")].append(f)
    found, missed = 0, Counter()
    for entry in plants:
        for p in entry["plants"]:
            cands = by_file.get(entry["file"], [])
            if tool == "packguard":
                ok = any(c[1] == p["rule"] for c in cands)
            else:
                s = p["secret"]
                windows = [s[i:i + 16] for i in range(0, max(1, len(s) - 15), 4)] or [s]
                ok = any(any(w in c[3] for w in windows) for c in cands)
            found += ok
            if not ok:
                missed[entry["context"]] += 1
    sev = Counter(f[2] for f in real) if tool == "packguard" else None
    extra = f" ({', '.join(f'{k}: {v}' for k, v in sorted(sev.items()))})" if sev else ""
    print(f"| {tool} | {len(real)}{extra} | {len({f[0] for f in real})} | {seconds(tool, 'real'):.1f} | "
          f"{found}/{total} ({100 * found / total:.0f}%) | {seconds(tool, 'recall'):.1f} |")
    details[tool] = (Counter(f[1] for f in real), missed)

for tool in tools:
    rules, missed = details[tool]
    print(f"\n{tool}: real-corpus findings by rule: {dict(rules.most_common(12))}")
    print(f"{tool}: recall misses by context: {dict(missed)}")
