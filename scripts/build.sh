#!/usr/bin/env bash
# Configures and builds one preset (default: release) into build/<preset>; further arguments
# name the targets to build (default: all).
#   scripts/build.sh [PRESET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
jobs="${LIMITSD_JOBS:-$(nproc)}"
# ccache hits across clones in other folders: paths are made relative to the source tree.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake --preset "$preset" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build --preset "$preset" -j "$jobs" --target "$@"
else
  cmake --build --preset "$preset" -j "$jobs"
fi
