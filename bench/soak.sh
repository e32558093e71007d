#!/usr/bin/env bash
# The soak: a steady load against one limitsd for a long time (default 10 minutes), with the
# daemon's resident memory, open files and the load's latency sampled every INTERVAL seconds
# into a table, to see whether anything grows or degrades with time. Not part of CI.
#   bench/soak.sh [--seconds N] [--interval S] [--rate R] [--storage memory|redis|memcached]
#                 [--build DIR] [--out FILE]
# Defaults: 600 s, 10 s, 20,000 requests/s over 8 connections (half pipelining 16) on
# 200,000 keys of a 10-per-10-seconds limit (so windows expire and keys are reclaimed all
# along), memory://, build/release (built if needed), bench/results/soak.tsv.
# Each sample is one limitsd_loadgen run of INTERVAL seconds on its schedule (--rate:
# latency counts from each request's scheduled send time), then VmRSS and the entries of
# /proc/PID/fd of the daemon. The last lines compare the first sample with the last.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600 interval=10 rate=20000 storage=memory build=build/release out=bench/results/soak.tsv
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2 ;;
    --interval) interval=$2 ;;
    --rate) rate=$2 ;;
    --storage) storage=$2 ;;
    --build) build=$2 ;;
    --out) out=$2 ;;
    *) echo "soak.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
  shift 2
done
if [ ! -f "$build/CMakeCache.txt" ]; then
  scripts/build.sh "$(basename "$build")" limitsd limitsd_loadgen >/dev/null
else
  cmake --build "$build" --target limitsd limitsd_loadgen -j "${LIMITSD_JOBS:-2}" >/dev/null
fi
source scripts/bench-lib.sh  # free_port, wait_port

work=$(mktemp -d /tmp/limitsd-soak.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

case "$storage" in
  memory) uri="memory://" ;;
  redis)
    backend_port=$(free_port)
    redis-server --port "$backend_port" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$work" >"$work/backend.log" 2>&1 &
    pids+=($!)
    uri="redis://127.0.0.1:$backend_port" ;;
  memcached)
    backend_port=$(free_port)
    memcached -l 127.0.0.1 -p "$backend_port" -U 0 -m 256 >"$work/backend.log" 2>&1 &
    pids+=($!)
    uri="memcached://127.0.0.1:$backend_port" ;;
  *) echo "soak.sh: --storage is memory, redis or memcached" >&2; exit 2 ;;
esac
[ -n "${backend_port:-}" ] && wait_port "$backend_port"

port=$(free_port)
cat >"$work/limitsd.yaml" <<YAML
server: { listen: "127.0.0.1:$port", threads: 2 }
storage: { uri: "$uri", timeout_ms: 200, on_error: error }
log: { level: warn }
YAML
"$build/server/limitsd" --config "$work/limitsd.yaml" >"$work/limitsd.log" 2>&1 &
daemon=$!
pids+=("$daemon")
wait_port "$port"

mkdir -p "$(dirname "$out")"
printf 'elapsed_s\trss_kib\tfds\tdecisions_per_s\tp50_us\tp99_us\tp999_us\terrors\n' >"$out"
echo "soak: $seconds s against limitsd $uri (pid $daemon), one sample every $interval s, into $out"
samples=$(( seconds / interval ))
start=$(date +%s)
status=0
for i in $(seq 1 "$samples"); do
  # Two loads side by side: one request at a time, and pipelined bursts of 16.
  half=$(( rate / 2 ))
  "$build/bench/limitsd_loadgen" --port "$port" -c 4 -P 1 -k 200000 --limit 10/10seconds \
    -d "$interval" --rate "$half" >"$work/plain.out" 2>&1 &
  plain=$!
  "$build/bench/limitsd_loadgen" --port "$port" -c 4 -P 16 -k 200000 --limit 10/10seconds \
    -d "$interval" --rate "$half" >"$work/piped.out" 2>&1 || status=1
  wait "$plain" || status=1
  if ! kill -0 "$daemon" 2>/dev/null; then
    echo "soak: limitsd exited; its log:" >&2; cat "$work/limitsd.log" >&2; exit 1
  fi
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon/status")
  fds=$(ls "/proc/$daemon/fd" | wc -l)
  # The plain load's latency (the pipelined one's counts a burst's wait); both loads' rate
  # and errors (ERR replies, closed connections, failed connects).
  read -r decided p50 p99 p999 errors < <(awk '
    /^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      rate += v["decisions_per_s"]; errors += v["err"] + v["closed"] + v["connect_errors"]
      if (FILENAME ~ /plain/) { p50 = v["p50_us"]; p99 = v["p99_us"]; p999 = v["p999_us"] }
    }
    END { printf "%d %s %s %s %d\n", rate, p50, p99, p999, errors }' "$work/plain.out" "$work/piped.out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(( $(date +%s) - start ))" "$rss" "$fds" \
    "$decided" "$p50" "$p99" "$p999" "$errors" | tee -a "$out"
done
awk -F'\t' 'NR == 2 {first = $0} NR > 1 {last = $0}
  END {split(first, a); split(last, b);
       printf "soak: RSS %s -> %s KiB, open files %s -> %s, p99 %s -> %s us\n",
              a[2], b[2], a[3], b[3], a[6], b[6]}' "$out"
exit "$status"
