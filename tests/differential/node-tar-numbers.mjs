// How npm's node-tar and JavaScript itself read the numbers and strings of a tar header, for
// the unit test that holds packguard's emulation (src/artifact/npmtar/header.rs) to them.
//
// Reads {"strings": [...], "fields": [[byte, ...], ...]} on stdin and prints one JSON object:
// for each string, `parseInt(s, 8)`, `parseInt(s, 10)`, `+s` (as a PAX size is read) and
// `s.replace(/\0.*/, '')`; for each field, what `new Header(block)` decodes there (8 bytes
// as the uid, 12 as the checksum), or the error it throws; and the code points below U+3100
// (and U+FEFF) that JavaScript's `\s` matches. NaN is null; infinities are strings.
//
// usage: node node-tar-numbers.mjs < input.json
import { execSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

const npmRoot = process.env.NPM_ROOT || execSync('npm root -g', { encoding: 'utf8' }).trim()
const require = createRequire(import.meta.url)
const tar = require(path.join(npmRoot, 'npm', 'node_modules', 'tar'))

const num = (v) =>
  v === undefined || Number.isNaN(v) ? null : Number.isFinite(v) ? v : v > 0 ? 'Infinity' : '-Infinity'

let text = ''
process.stdin.setEncoding('utf8')
for await (const chunk of process.stdin) text += chunk
const input = JSON.parse(text)

const field = (bytes) => {
  const block = Buffer.alloc(512)
  const at = bytes.length === 8 ? 108 : 148
  Buffer.from(bytes).copy(block, at)
  try {
    const h = new tar.Header(block)
    return num(bytes.length === 8 ? h.uid : h.cksum)
  } catch (e) {
    return { error: e.message }
  }
}

const spaces = []
for (let c = 0; c < 0x3100; c++) if (/\s/.test(String.fromCodePoint(c))) spaces.push(c)
if (/\s/.test('\ufeff')) spaces.push(0xfeff)

console.log(
  JSON.stringify({
    parseInt8: input.strings.map((s) => num(parseInt(s, 8))),
    parseInt10: input.strings.map((s) => num(parseInt(s, 10))),
    number: input.strings.map((s) => num(+s)),
    cutNul: input.strings.map((s) => s.replace(/\0.*/, '')),
    fields: input.fields.map(field),
    spaces,
  }),
)
