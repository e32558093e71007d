#!/usr/bin/env bash
# Installs what is missing, builds the release preset and runs limitsd in the foreground.
# Without arguments it serves memory:// on 127.0.0.1:7400; arguments go to limitsd, e.g.
#   scripts/run.sh --config examples/limitsd.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release limitsd
exec build/release/server/limitsd "$@"
