#!/usr/bin/env bash
# The benchmarks' smoke run (CI, via scripts/test.sh): a few seconds, no thresholds. Builds
# the benchmark tools in BUILD_DIR (default build/dev) if needed, runs each one briefly,
# drives a limitsd memory:// and the echo server with the load generator on both wires, and
# exits non-zero if anything crashes, errs, or a server stops answering.
#   scripts/bench-quick.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "bench-quick: $build is not configured (scripts/build.sh dev)" >&2
  exit 1
fi
cmake --build "$build" --target limitsd limitsd_bench_all -j "${LIMITSD_JOBS:-2}" >/dev/null
bin="$build/bench"
work=$(mktemp -d /tmp/limitsd-bench-quick.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

source scripts/bench-lib.sh  # free_port, wait_port (the working directory is the root)
run() { echo "== $*"; timeout 120 "$@"; }

run "$bin/limitsd_limits_bench" --benchmark_min_time=0.01
run "$bin/limitsd_protocol_bench" --benchmark_min_time=0.01
run "$bin/limitsd_inprocess" --mode hits --hits 20000 --keys 1000
run "$bin/limitsd_inprocess" --mode memory --keys 20000

mem_port=$(free_port)
"$build/server/limitsd" --listen "127.0.0.1:$mem_port" --storage memory:// --log-level warn \
  >"$work/limitsd.log" 2>&1 &
mem_pid=$!
pids+=("$mem_pid")
echo_port=$(free_port)
"$bin/limitsd_echo_server" "$echo_port" >"$work/echo.log" 2>&1 &
echo_pid=$!
pids+=("$echo_pid")
wait_port "$mem_port"
wait_port "$echo_port"

load=("$bin/limitsd_loadgen" -c 8 -k 1000 --limit 50/minute --warmup 0 -d 1)
run "${load[@]}" --port "$mem_port" -P 16
run "${load[@]}" --port "$mem_port" -P 1 --resp --distribution zipf
run "${load[@]}" --port "$mem_port" -P 4 --rate 2000 -t 2
run "${load[@]}" --port "$echo_port" -P 16
for pid in "$mem_pid" "$echo_pid"; do
  kill -0 "$pid" 2>/dev/null || { echo "bench-quick: a server died" >&2; cat "$work"/*.log; exit 1; }
done
echo "bench-quick: ok"
