#!/usr/bin/env bash
# Builds one sanitizer preset and runs the tests it is for (run by scripts/test.sh):
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer): every CTest test
#         but the packaging and build-layering checks, which run no limitsd code: the unit,
#         storage conformance, end-to-end and client suites, on a daemon built the same way.
#   tsan  ThreadSanitizer: every test of the daemon (end to end), server and in-process
#         storage binaries, and the concurrency tests of the storages with a backend process,
#         building only those binaries. The gRPC front door's tests are left out: Debian's
#         gRPC and Abseil are not built with ThreadSanitizer, which then reports races inside
#         them that it cannot judge (their own locks are invisible to it).
# The sanitizer options are the test presets' (CMakePresets.json): a report stops the process
# that made it, which fails its test; DaemonProcess fails a test whose daemon wrote one.
#   scripts/sanitize.sh asan|tsan
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:?usage: scripts/sanitize.sh asan|tsan}"
# Most of these tests wait on windows, backends and sockets, not on the CPU.
jobs="${LIMITSD_SANITIZER_TEST_JOBS:-3}"

case "$preset" in
  asan)
    scripts/build.sh asan
    ctest --preset asan -j "$jobs" --no-tests=error -E '^(Packaging|BuildLayers)$'
    ;;
  tsan)
    scripts/build.sh tsan limitsd limitsd_basicdb limitsd_advanceddatabase e2e_test server_test \
      storage_memory_test storage_core_test storage_redis_test storage_memcached_test \
      storage_plugin_conformance_test
    ctest --preset tsan -j "$jobs" --no-tests=error \
      -L '^(e2e_test|server_test|storage_memory_test|storage_core_test)$' -E '^EnvoyRls'
    ctest --preset tsan -j "$jobs" --no-tests=error -R 'Concurren|Thread' \
      -L '^(storage_redis_test|storage_memcached_test|storage_plugin_conformance_test)$'
    ;;
  *)
    echo "sanitize.sh: unknown preset '$preset'; use asan or tsan" >&2
    exit 2
    ;;
esac
echo "sanitize.sh: $preset passed"
