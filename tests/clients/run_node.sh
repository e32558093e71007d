#!/usr/bin/env bash
# Installs the Node.js example's locked dependencies into WORKDIR with `npm ci` and runs it.
#   run_node.sh EXAMPLE_DIR WORKDIR
# npm's output goes to stderr so that stdout holds only what the example prints. A missing
# node or npm is a failure, not a skip.
set -euo pipefail
example="$1" workdir="$2"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
rm -rf "$workdir"
mkdir -p "$workdir"
cp "$example/package.json" "$example/package-lock.json" "$example/hit.js" "$workdir/"
(cd "$workdir" && npm ci --no-audit --no-fund) >&2
exec node "$workdir/hit.js"
