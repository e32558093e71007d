#!/usr/bin/env bash
# Checks the custom-storage SDK the way a plugin author uses it: installs the SDK to a
# temporary prefix (cmake --install --component sdk), builds examples/custom_storage out of
# tree against it with find_package(limitsd), and runs the storage conformance suite on the
# two plugins that build produced (loaded with dlopen, as the daemon loads `plugins:`).
#
# Usage: scripts/sdk-out-of-tree.sh [BUILD_DIR]
#   BUILD_DIR: limitsd's build directory (default: build/); configured if needed.
#   JOBS: parallel build jobs (default 2).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${1:-$root/build}")
jobs=${JOBS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/limitsd-sdk.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  step "configuring limitsd in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug
fi
step "building the conformance test binary (it loads the plugins)"
cmake --build "$build" --target storage_plugin_conformance_test -j"$jobs"

step "installing the SDK to $work/prefix"
cmake --install "$build" --prefix "$work/prefix" --component sdk
test -f "$work/prefix/include/limitsd/storage/storage_registry.h"
config=$(find "$work/prefix" -name limitsdConfig.cmake | head -n 1)
test -n "$config"

step "building examples/custom_storage out of tree against the installed SDK"
# A copy of the sources, so that nothing in the limitsd tree is on the include path.
cp -r "$root/examples/custom_storage" "$work/src"
cmake -S "$work/src" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release
cmake --build "$work/build" -j"$jobs"
basicdb=$(find "$work/build" -name '*basicdb*.so' | head -n 1)
advanced=$(find "$work/build" -name '*advanceddatabase*.so' | head -n 1)
if [[ -z "$basicdb" || -z "$advanced" ]]; then
  echo "the out-of-tree build produced no basicdb/advanceddatabase plugin" >&2
  exit 1
fi

step "running the conformance suite on $basicdb and $advanced"
LIMITSD_BASICDB_PLUGIN="$basicdb" LIMITSD_ADVANCEDDATABASE_PLUGIN="$advanced" \
  "$build/tests/storage/plugins/storage_plugin_conformance_test"
step "the out-of-tree plugins pass"
