#!/usr/bin/env node
// Assembles the npm packages from `cargo build --release` output.
//
//   node scripts/npm-package.mjs --version 1.2.3 --out DIR [--target TRIPLE=BINARY]...
//
// Writes DIR/packguard (the wrapper: bin/packguard.js, optionalDependencies on every platform
// package at the same version) and DIR/<platform> for each --target given (package.json with
// os/cpu/libc, and the binary in bin/). Platforms come from npm/platforms.json. The release
// workflow runs it with every target; the test runs it with the local build for the host target.
import { copyFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const platforms = JSON.parse(readFileSync(join(root, "npm/platforms.json"), "utf8"));
delete platforms["//"];

const args = process.argv.slice(2);
let version = null;
let out = null;
const targets = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--version") version = args[++i];
  else if (a === "--out") out = args[++i];
  else if (a === "--target") targets.push(args[++i]);
  else fail(`unknown argument ${a}`);
}
if (!version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) fail("--version X.Y.Z is required");
if (!out) fail("--out DIR is required");

function fail(msg) {
  process.stderr.write(`npm-package: ${msg}\n`);
  process.exit(2);
}

const wrapperSrc = join(root, "npm/packguard");
const wrapper = JSON.parse(readFileSync(join(wrapperSrc, "package.json"), "utf8"));
const common = {
  version,
  license: wrapper.license,
  repository: wrapper.repository,
  description: wrapper.description,
};

rmSync(out, { recursive: true, force: true });
const wrapperOut = join(out, "packguard");
mkdirSync(join(wrapperOut, "bin"), { recursive: true });
wrapper.version = version;
wrapper.optionalDependencies = Object.fromEntries(
  Object.values(platforms).map((p) => [p.package, version]),
);
writeFileSync(join(wrapperOut, "package.json"), JSON.stringify(wrapper, null, 2) + "\n");
copyFileSync(join(wrapperSrc, "bin/packguard.js"), join(wrapperOut, "bin/packguard.js"));
chmodSync(join(wrapperOut, "bin/packguard.js"), 0o755);
copyFileSync(join(root, "README.md"), join(wrapperOut, "README.md"));
copyFileSync(join(root, "LICENSE"), join(wrapperOut, "LICENSE"));

for (const spec of targets) {
  const [triple, binary] = spec.split("=");
  const p = platforms[triple];
  if (!p || !binary) fail(`--target wants TRIPLE=BINARY with a triple from npm/platforms.json, got ${spec}`);
  const dir = join(out, p.package.split("/")[1]);
  mkdirSync(join(dir, "bin"), { recursive: true });
  const manifest = {
    name: p.package,
    ...common,
    description: `The packguard binary for ${triple}. Install \`packguard\`, not this package.`,
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc ? { libc: [p.libc] } : {}),
    files: ["bin/"],
    preferUnplugged: true,
  };
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  copyFileSync(binary, join(dir, "bin", p.binary));
  chmodSync(join(dir, "bin", p.binary), 0o755);
  copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
  process.stdout.write(`${dir}\n`);
}
process.stdout.write(`${wrapperOut}\n`);
