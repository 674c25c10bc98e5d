#!/usr/bin/env node
// Runs the packguard binary of this machine's platform package.
//
// npm installs exactly one of the wrapper's optionalDependencies (the one whose os, cpu and
// libc fields match), so this script only finds that package's binary and runs it, passing
// arguments, stdio, the exit code and signals through. PACKGUARD_BINARY overrides the lookup.
"use strict";

const { spawnSync } = require("node:child_process");
const path = require("node:path");

function libc() {
  if (process.platform !== "linux") return null;
  const report = process.report && process.report.getReport ? process.report.getReport() : null;
  const header = report && (typeof report === "string" ? JSON.parse(report) : report).header;
  return header && header.glibcVersionRuntime ? "gnu" : "musl";
}

function candidates() {
  const arch = process.arch;
  switch (process.platform) {
    case "linux": {
      // A static musl build runs on glibc systems too, so it is the fallback.
      const order = libc() === "gnu" ? ["gnu", "musl"] : ["musl", "gnu"];
      return order.map((l) => [`@packguard/cli-linux-${arch}-${l}`, "packguard"]);
    }
    case "darwin":
      return [[`@packguard/cli-darwin-${arch}`, "packguard"]];
    case "win32":
      return [[`@packguard/cli-win32-${arch}`, "packguard.exe"]];
    default:
      return [];
  }
}

function findBinary() {
  if (process.env.PACKGUARD_BINARY) return process.env.PACKGUARD_BINARY;
  for (const [pkg, bin] of candidates()) {
    try {
      const manifest = require.resolve(`${pkg}/package.json`);
      return path.join(path.dirname(manifest), "bin", bin);
    } catch (_) {
      // Not installed for this platform; try the next.
    }
  }
  return null;
}

const binary = findBinary();
if (!binary) {
  const tried = candidates().map(([p]) => p).join(", ") || "none for this platform";
  process.stderr.write(
    `packguard: no prebuilt binary for ${process.platform}-${process.arch} (looked for: ${tried}).\n` +
      "Reinstall without --no-optional/--omit=optional, build from source with `cargo install`, " +
      "or set PACKGUARD_BINARY to a packguard binary.\n",
  );
  process.exit(2);
}

const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  process.stderr.write(`packguard: cannot run ${binary}: ${result.error.message}\n`);
  process.exit(2);
}
if (result.signal) {
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 2 : result.status);
