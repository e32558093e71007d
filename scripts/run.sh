#!/usr/bin/env bash
# Installs what is missing, builds the release preset and runs limitsd in the foreground.
# Without arguments it serves examples/limitsd.yaml (memory:// on 127.0.0.1:7400 with the
# README's named limits); arguments go to limitsd instead, e.g.
#   scripts/run.sh --config /etc/limitsd/limitsd.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release limitsd
if [ $# -eq 0 ]; then set -- --config examples/limitsd.yaml; fi
exec build/release/server/limitsd "$@"
