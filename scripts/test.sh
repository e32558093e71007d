#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the unit, storage conformance
# (memory, redis, redis cluster, redis sentinel, memcached, plugins) and end-to-end suites
# under CTest, then the checks that live outside CTest (the SDK built out of tree, the quick
# benchmark run, the .deb), and, after a dev run, the suites again under AddressSanitizer +
# UndefinedBehaviorSanitizer and ThreadSanitizer (scripts/sanitize.sh; LIMITSD_SKIP_SANITIZERS=1
# skips them) and each libFuzzer target for a bounded time (scripts/fuzz.sh;
# LIMITSD_SKIP_FUZZ=1 skips it). Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${LIMITSD_TEST_PRESET:-dev}"
# A full run compiles four trees (dev, asan, tsan, fuzz), more than ccache's default 5 GB
# holds beside a release tree: each run evicted what the next one needed.
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-12G}"
scripts/install-deps.sh
scripts/check-format.sh
scripts/build.sh "$preset"
ctest --preset "$preset" --output-on-failure -j "${LIMITSD_TEST_JOBS:-2}"
for extra in scripts/sdk-out-of-tree.sh scripts/bench-quick.sh; do
  if [ -x "$extra" ]; then
    echo "== $extra"
    "$extra" "build/$preset"
  fi
done
scripts/deb-test.sh "build/$preset"  # the .deb: dpkg -i, serve, purge (root only)
if [ "$preset" = dev ] && [ -z "${LIMITSD_SKIP_SANITIZERS:-}" ]; then
  for sanitizer in asan tsan; do
    echo "== scripts/sanitize.sh $sanitizer"
    scripts/sanitize.sh "$sanitizer"
  done
fi
if [ "$preset" = dev ] && [ -z "${LIMITSD_SKIP_FUZZ:-}" ]; then
  echo "== scripts/fuzz.sh"
  scripts/fuzz.sh
fi
echo "test.sh: every test passed"
