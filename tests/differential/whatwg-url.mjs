// Parses each input of a JSON file with Node's WHATWG `URL`, alone and against a base, and
// prints the results as JSON: what `tests/url_differential.rs` compares the `url` crate with.
import { readFileSync } from 'node:fs';

const { base, inputs } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const parse = (input, b) => {
  try {
    const u = b === undefined ? new URL(input) : new URL(input, b);
    return { ok: true, href: u.href, protocol: u.protocol, hostname: u.hostname };
  } catch {
    return { ok: false };
  }
};
process.stdout.write(JSON.stringify(inputs.map((i) => [parse(i), parse(i, base)])));
