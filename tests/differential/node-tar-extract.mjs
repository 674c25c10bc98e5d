// Extracts every archive in a folder the way npm installs a package, and prints what lands
// on disk: one JSON line per archive, {"name", "ok", "files": {path: sha256}}.
//
// It uses the node-tar that npm itself ships (`$(npm root -g)/npm/node_modules/tar`) with
// the options pacote (npm's fetcher) passes to it (`lib/fetcher.js`, `#tarxOptions`):
// `strip: 1`, links filtered out, `.gitignore` renamed, not strict. `ok` is false where the
// extraction fails (npm's install fails too). One process for all archives, in name order.
//
// usage: node node-tar-extract.mjs FOLDER
import { execSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

const folder = process.argv[2]
if (!folder) {
  console.error('usage: node node-tar-extract.mjs FOLDER')
  process.exit(2)
}
const npmRoot = process.env.NPM_ROOT || execSync('npm root -g', { encoding: 'utf8' }).trim()
const require = createRequire(import.meta.url)
const tar = require(path.join(npmRoot, 'npm', 'node_modules', 'tar'))

// pacote's filter, its mode fix included (a folder that the archive makes unreadable would
// otherwise hide files from the listing).
const pacoteOptions = (cwd) => {
  const sawIgnores = new Set()
  return {
    cwd,
    noChmod: true,
    noMtime: true,
    filter: (name, entry) => {
      if (/Link$/.test(entry.type)) return false
      const m = /Directory|GNUDumpDir/.test(entry.type) ? 0o777 : /File$/.test(entry.type) ? 0o666 : 0
      entry.mode = ((entry.mode | m) & ~0o022) | 0o600
      if (/File$/.test(entry.type)) {
        const base = path.basename(entry.path)
        if (base === '.npmignore') {
          sawIgnores.add(entry.path)
        } else if (base === '.gitignore') {
          const ni = entry.path.replace(/\.gitignore$/, '.npmignore')
          if (sawIgnores.has(ni)) return false
          entry.path = ni
        }
      }
      return true
    },
    strip: 1,
    onwarn: () => {},
    preserveOwner: false,
  }
}

const walk = (dir, rel, out) => {
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name)
    const r = rel ? `${rel}/${d.name}` : d.name
    if (d.isDirectory()) walk(full, r, out)
    else if (d.isFile()) out[r] = createHash('sha256').update(fs.readFileSync(full)).digest('hex')
  }
  return out
}

const scratchRoot = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir()
const scratch = fs.mkdtempSync(path.join(scratchRoot, 'node-tar-'))
try {
  const names = fs.readdirSync(folder).sort()
  const lines = []
  for (const [i, name] of names.entries()) {
    const dest = path.join(scratch, `x${i}`)
    fs.mkdirSync(dest)
    let ok = true
    try {
      await new Promise((resolve, reject) => {
        // Some names make node-tar throw from inside a callback (a NUL byte reaching
        // fs.lstat): npm's install fails there, so this archive is not installable.
        process.removeAllListeners('uncaughtException')
        process.on('uncaughtException', reject)
        const x = tar.x(pacoteOptions(dest))
        x.on('end', resolve)
        x.on('error', reject)
        const input = fs.createReadStream(path.join(folder, name))
        input.on('error', reject)
        input.pipe(x)
      })
    } catch {
      ok = false
    }
    lines.push(JSON.stringify({ name, ok, files: ok ? walk(dest, '', {}) : {} }))
    fs.rmSync(dest, { recursive: true, force: true })
  }
  process.stdout.write(lines.join('\n') + '\n')
} finally {
  fs.rmSync(scratch, { recursive: true, force: true })
}
