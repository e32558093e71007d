#!/usr/bin/env bash
# Configures and builds one preset (default: release) into build/<preset>.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
jobs="${LIMITSD_JOBS:-$(nproc)}"
# ccache hits across clones in other folders: paths are made relative to the source tree.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
