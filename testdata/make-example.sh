#!/usr/bin/env bash
# Packs testdata/leaky-pkg/ into testdata/leaky-pkg-1.0.0.tgz, laid out as `npm pack` lays
# out a tarball (every name under `package/`), but with every file included: npm itself would
# leave `.npmrc` out, and this example exists to show what packguard says about such files.
# Deterministic: sorted names, fixed owner and mtime, gzip without a timestamp.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tar --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime='1985-10-26 08:15:00Z' --format=ustar \
    --transform 's,^leaky-pkg,package,' \
    -C "$here" -cf - leaky-pkg | gzip -9n > "$here/leaky-pkg-1.0.0.tgz"
echo "wrote $here/leaky-pkg-1.0.0.tgz"
