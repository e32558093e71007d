#!/usr/bin/env bash
# Runs the performance comparisons side by side, in one run, and writes BENCHMARKS.md.
#
#   scripts/bench.sh [BUILD_DIR]        (default build/release; configured Release if new)
#
# Each comparison alternates A and B for BENCH_ROUNDS rounds (default 3) of about
# BENCH_SECONDS each (default 5), A first in odd rounds and B first in even ones, and reports
# the medians, min-max and the ratio A/B against the target. Every server is started here on
# 127.0.0.1 on a free port and stopped by pid; every run is bounded by `timeout`.
# Environment: BENCH_OUT (default BENCHMARKS.md), BENCH_PROFILE=0 to skip the profile,
# LIMITSD_JOBS (build parallelism, default 2), BENCH_NO_BUILD=1 to use the binaries as built,
# BENCH_PIN=0 not to pin processes to CPUs, BENCH_KEEP=1 to keep the raw results (the report
# can be written again from them: bench/report.py WORK_DIR ROUNDS SECONDS).
#
# On a machine with 2 or more CPUs, every load client runs on CPU 0 and every single server
# under test on CPU 1 (taskset), so that A and B get the same placement and neither shares
# its core with the client. In the redis:// chain (limitsd in front of Redis) limitsd is left
# to the scheduler: pinning it beside Redis would give two servers one core.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${1:-build/release}
rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECONDS:-5}
out=${BENCH_OUT:-BENCHMARKS.md}
python=/usr/bin/python3  # Debian's interpreter: python3-limits lives there
work=$(mktemp -d /tmp/limitsd-bench.XXXXXX)
pids=()
client=()
server=()
if [ "${BENCH_PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  client=(taskset -c 0)
  server=(taskset -c 1)
fi

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

log() { echo "bench: $*" >&2; }

# --- build -----------------------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-O2 -g" >/dev/null
fi
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  cmake --build "$build" --target limitsd limitsd_bench_all -j "${LIMITSD_JOBS:-2}" >/dev/null
fi
limitsd="$build/server/limitsd"
bin="$build/bench"
for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { log "missing $tool (scripts/install-deps.sh)"; exit 1; }
done

{
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel=$(uname -sr)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "redis=$(redis-server --version | awk '{print $3}')"
  echo "build=$build $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt") $(sed -n 's/^CMAKE_CXX_FLAGS:STRING=//p' "$build/CMakeCache.txt")"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "pinning=${client[*]:-none} (clients), ${server[*]:-none} (single servers)"
} >"$work/machine.txt"

# --- servers -----------------------------------------------------------------------------
source scripts/bench-lib.sh  # free_port, wait_port (the working directory is the root)
# start NAME PORT COMMAND...: runs COMMAND in the background, logs to $work/NAME.log.
start() {
  local name=$1 port=$2; shift 2
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  eval "pid_$name=$!"
  wait_port "$port"
}

redis_port=$(free_port)
start redis "$redis_port" "${server[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" \
  --appendonly no --dir "$work"
mem_port=$(free_port)
start mem "$mem_port" "${server[@]}" "$limitsd" --listen "127.0.0.1:$mem_port" --storage memory:// \
  --log-level warn
red_port=$(free_port)
# A backend call's deadline well above the default 50 ms: on a machine this busy, a slow
# call would end redis-benchmark's run (it stops at the first error reply).
cat >"$work/redis.yaml" <<EOF
server: { listen: ["127.0.0.1:$red_port"] }
storage: { uri: "redis://127.0.0.1:$redis_port", timeout_ms: 1000 }
log: { level: warn }
EOF
start red "$red_port" "$limitsd" --config "$work/redis.yaml"
echo_port=$(free_port)
start echo "$echo_port" "${server[@]}" "$bin/limitsd_echo_server" "$echo_port"

# --- measuring -----------------------------------------------------------------------------
# Each run prints one number (the rate); results accumulate in $work/r.<name>.
# rb_rate also leaves the client's own CPU seconds in $work/client.time (client_cpu reads it).
rb_rate() {  # PORT PIPELINE REQUESTS COMMAND...
  local port=$1 pipe=$2 n=$3; shift 3
  timeout 120 /usr/bin/time -f "%U %S" -o "$work/client.time" "${client[@]}" redis-benchmark \
    -h 127.0.0.1 -p "$port" -c 50 -n "$n" -r 100000 -P "$pipe" --csv "$@" 2>/dev/null |
    tail -1 | awk -F'","' '{print $2}' | cut -d. -f1
}
client_cpu() { tail -1 "$work/client.time" | awk '{printf "%.6f\n", $1 + $2}'; }
# Requests for about $secs seconds, from a short calibration run.
rb_requests() {
  local rate; rate=$(rb_rate "$@")
  [ -n "$rate" ] || { log "redis-benchmark failed on port $1"; exit 1; }
  echo $(( rate * secs > 20000 ? rate * secs : 20000 ))
}
loadgen() {  # PORT ARGS... -> the RESULT line
  local port=$1; shift
  timeout $((secs + 60)) "${client[@]}" "$bin/limitsd_loadgen" --port "$port" -c 50 -k 100000 \
    --limit 100/minute -d "$secs" "$@" | tail -1
}
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }

declare -A cmd  # the exact command of each measurement, for the report
record() { echo "$2" >>"$work/r.$1"; }

# alternate NAME_A NAME_B [ROUNDS]: runs run_NAME_A and run_NAME_B ROUNDS times (default
# $rounds), alternating order.
alternate() {
  local a=$1 b=$2
  for r in $(seq 1 "${3:-$rounds}"); do
    if [ $((r % 2)) -eq 1 ]; then "run_$a"; "run_$b"; else "run_$b"; "run_$a"; fi
    log "round $r: $a $(tail -1 "$work/r.$a"), $b $(tail -1 "$work/r.$b")"
  done
}

stats() {  # NAME -> "median min max"
  sort -g "$work/r.$1" | awk '{v[NR]=$1} END {m = NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2;
    printf "%.0f %.0f %.0f\n", m, v[1], v[NR]}'
}

# CPU seconds of a process: Redis from its own INFO cpu, limitsd from /proc/PID/stat.
redis_cpu() {
  redis-cli -p "$redis_port" INFO cpu | tr -d '\r' |
    awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.6f\n", s}'
}
proc_cpu() {  # PID
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.6f\n", ($14 + $15) / hz}' "/proc/$1/stat"
}
# cpu_per_decision NAME BEFORE AFTER REQUESTS: microseconds of CPU per request.
cpu_per_decision() {
  record "$1" "$(awk -v a="$2" -v b="$3" -v n="$4" 'BEGIN {printf "%.3f\n", (b - a) * 1e6 / n}')"
}

# run_resp NAME PID PORT PIPELINE REQUESTS COMMAND...: one redis-benchmark run: its rate, and
# the CPU microseconds per request of the server (PID) and of redis-benchmark itself.
run_resp() {
  local name=$1 pid=$2 port=$3 pipe=$4 n=$5 s0; shift 5
  s0=$(proc_cpu "$pid")
  record "$name" "$(rb_rate "$port" "$pipe" "$n" "$@")"
  cpu_per_decision "${name}_server_cpu" "$s0" "$(proc_cpu "$pid")" "$n"
  cpu_per_decision "${name}_client_cpu" 0 "$(client_cpu)" "$n"
}

# RESP: limitsd memory:// HIT vs redis-server INCR, the same redis-benchmark.
hit_cmd=(HIT 100/minute key:__rand_int__)
for pipe in 16 1; do
  n_mem=$(rb_requests "$mem_port" "$pipe" 50000 "${hit_cmd[@]}")
  n_incr=$(rb_requests "$redis_port" "$pipe" 50000 INCR key:__rand_int__)
  eval "run_resp_mem_p$pipe() { run_resp resp_mem_p$pipe $pid_mem $mem_port $pipe $n_mem ${hit_cmd[*]}; }"
  eval "run_resp_incr_p$pipe() { run_resp resp_incr_p$pipe $pid_redis $redis_port $pipe $n_incr INCR key:__rand_int__; }"
  cmd[resp_mem_p$pipe]="redis-benchmark -p LIMITSD_MEMORY -c 50 -n $n_mem -r 100000 -P $pipe --csv ${hit_cmd[*]}"
  cmd[resp_incr_p$pipe]="redis-benchmark -p REDIS -c 50 -n $n_incr -r 100000 -P $pipe --csv INCR key:__rand_int__"
  log "RESP -P $pipe: limitsd memory:// HIT vs redis INCR"
  alternate "resp_mem_p$pipe" "resp_incr_p$pipe"
done

# RESP -P 16 again with limitsd_loadgen, a client that costs less per request than
# redis-benchmark: what the two servers give when the client is further from its limit.
run_resp_lg_mem() { record resp_lg_mem "$(loadgen "$mem_port" --resp -P 16 | field decisions_per_s)"; }
run_resp_lg_incr() {
  record resp_lg_incr "$(loadgen "$redis_port" --resp --incr -P 16 | field decisions_per_s)"
}
cmd[resp_lg_mem]="limitsd_loadgen --port LIMITSD_MEMORY --resp -c 50 -k 100000 --limit 100/minute -d $secs -P 16"
cmd[resp_lg_incr]="limitsd_loadgen --port REDIS --resp --incr -c 50 -k 100000 -d $secs -P 16"
cmd[resp_p16_cpu]="utime+stime of the server (/proc/PID/stat) and of redis-benchmark (/usr/bin/time) over each resp_*_p16 run / its requests"
log "RESP -P 16 under limitsd_loadgen: limitsd memory:// HIT vs redis INCR"
alternate resp_lg_mem resp_lg_incr

# redis://: limitsd HIT (fixed window) vs the equivalent script straight to Redis.
lua='local c = redis.call("INCRBY", KEYS[1], ARGV[2])
if c == tonumber(ARGV[2]) then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
return {c, redis.call("PTTL", KEYS[1])}'
sha=$(redis-cli -p "$redis_port" SCRIPT LOAD "$lua")
lua_cmd=(EVALSHA "$sha" 1 lua:__rand_int__ 60000 1)
n_red=$(rb_requests "$red_port" 1 20000 "${hit_cmd[@]}")
n_lua=$(rb_requests "$redis_port" 1 20000 "${lua_cmd[@]}")
run_redis_hit() {
  local r0 l0
  r0=$(redis_cpu); l0=$(proc_cpu "$pid_red")
  record redis_hit "$(rb_rate "$red_port" 1 "$n_red" "${hit_cmd[@]}")"
  cpu_per_decision redis_cpu_via "$r0" "$(redis_cpu)" "$n_red"
  cpu_per_decision limitsd_cpu_via "$l0" "$(proc_cpu "$pid_red")" "$n_red"
}
run_redis_lua() {
  local r0
  r0=$(redis_cpu)
  record redis_lua "$(rb_rate "$redis_port" 1 "$n_lua" "${lua_cmd[@]}")"
  cpu_per_decision redis_cpu_direct "$r0" "$(redis_cpu)" "$n_lua"
}
cmd[redis_cpu_via]="Redis used_cpu_sys+used_cpu_user (INFO cpu) over redis_hit / its requests"
cmd[limitsd_cpu_via]="limitsd utime+stime (/proc/PID/stat) over redis_hit / its requests"
cmd[redis_cpu_direct]="Redis used_cpu_sys+used_cpu_user (INFO cpu) over redis_lua / its requests"
cmd[redis_hit]="redis-benchmark -p LIMITSD_REDIS -c 50 -n $n_red -r 100000 -P 1 --csv ${hit_cmd[*]}"
cmd[redis_lua]="redis-benchmark -p REDIS -c 50 -n $n_lua -r 100000 -P 1 --csv ${lua_cmd[*]}"
log "redis://: limitsd HIT vs EVALSHA"
alternate redis_hit redis_lua

# Line protocol: limitsd memory:// vs the bare epoll echo server, the same load generator.
for pipe in 16 1; do
  eval "run_line_mem_p$pipe() { record line_mem_p$pipe \$(loadgen $mem_port -P $pipe | field decisions_per_s); }"
  eval "run_line_echo_p$pipe() { record line_echo_p$pipe \$(loadgen $echo_port -P $pipe | field decisions_per_s); }"
  cmd[line_mem_p$pipe]="limitsd_loadgen --port LIMITSD_MEMORY -c 50 -k 100000 --limit 100/minute -d $secs -P $pipe"
  cmd[line_echo_p$pipe]="limitsd_loadgen --port ECHO -c 50 -k 100000 --limit 100/minute -d $secs -P $pipe"
  log "line -P $pipe: limitsd memory:// vs echo server"
  alternate "line_mem_p$pipe" "line_echo_p$pipe"
done

# HTTP: limitsd memory:// POST /v1/hit vs a bare Beast server answering every request with a
# fixed 200 JSON body (the ceiling of HTTP/1.1 here), the same load generator: keep-alive,
# 50 connections, one request in flight on each.
http_port=$(free_port)
cat >"$work/http.yaml" <<EOF
server: { listen: ["127.0.0.1:$(free_port)"] }
http: { listen: "127.0.0.1:$http_port" }
log: { level: warn }
EOF
start http "$http_port" "${server[@]}" "$limitsd" --config "$work/http.yaml"
bare_port=$(free_port)
start bare "$bare_port" "${server[@]}" "$bin/limitsd_http_bare_server" "$bare_port"
run_http_mem() { record http_mem "$(loadgen "$http_port" --http -P 1 | field decisions_per_s)"; }
run_http_bare() { record http_bare "$(loadgen "$bare_port" --http -P 1 | field decisions_per_s)"; }
cmd[http_mem]="limitsd_loadgen --port LIMITSD_HTTP --http -c 50 -k 100000 --limit 100/minute -d $secs -P 1"
cmd[http_bare]="limitsd_loadgen --port HTTP_BARE --http -c 50 -k 100000 --limit 100/minute -d $secs -P 1"
log "HTTP: limitsd memory:// POST /v1/hit vs the bare Beast server"
alternate http_mem http_bare

# Envoy's rate limit service (gRPC RLS v3): limitsd memory:// vs a bare gRPC server of ours
# answering every call with a fixed OK, the same async load client, 50 calls in flight.
mkdir -p "$work/rls"
cat >"$work/rls/bench.yaml" <<EOF
domain: bench
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 100 }
EOF
rls_line_port=$(free_port)
rls_port=$(free_port)
cat >"$work/rls.yaml" <<EOF
server: { listen: ["127.0.0.1:$rls_line_port"] }
grpc: { listen: "127.0.0.1:$rls_port" }
envoy: { config: ["$work/rls"] }
log: { level: warn }
EOF
start rls "$rls_line_port" "${server[@]}" "$limitsd" --config "$work/rls.yaml"
wait_port "$rls_port"
rls_bare_port=$(free_port)
start rls_bare "$rls_bare_port" "${server[@]}" "$bin/limitsd_rls_bare_server" "$rls_bare_port"
rls_load() {  # PORT -> the RESULT line
  timeout $((secs + 60)) "${client[@]}" "$bin/limitsd_rls_loadgen" --target "127.0.0.1:$1" \
    -c 50 -k 100000 -d "$secs" | tail -1
}
run_grpc_mem() { record grpc_mem "$(rls_load "$rls_port" | field calls_per_s)"; }
run_grpc_bare() { record grpc_bare "$(rls_load "$rls_bare_port" | field calls_per_s)"; }
cmd[grpc_mem]="limitsd_rls_loadgen --target LIMITSD_GRPC -c 50 -k 100000 -d $secs  (rule user: 100/minute, memory://)"
cmd[grpc_bare]="limitsd_rls_loadgen --target BARE_GRPC -c 50 -k 100000 -d $secs  (limitsd_rls_bare_server)"
log "gRPC RLS: limitsd memory:// vs a bare gRPC server"
alternate grpc_mem grpc_bare

# Latency at half the maximum (unpipelined) rate, limitsd and the echo server on the same
# schedule (the client's and the machine's share of it) in alternating rounds: the tail is the
# noisiest measure here, so it gets at least 5 rounds.
half=$(( $(stats line_mem_p1 | cut -d' ' -f1) / 2 ))
run_latency_p99() {
  local res; res=$(loadgen "$mem_port" -P 1 --rate "$half")
  record latency_p99 "$(echo "$res" | field p99_us | cut -d. -f1)"
  record latency_p50 "$(echo "$res" | field p50_us | cut -d. -f1)"
  record latency_rate "$(echo "$res" | field decisions_per_s)"
}
run_latency_echo_p99() {
  local res; res=$(loadgen "$echo_port" -P 1 --rate "$half")
  record latency_echo_p99 "$(echo "$res" | field p99_us | cut -d. -f1)"
  record latency_echo_p50 "$(echo "$res" | field p50_us | cut -d. -f1)"
}
log "latency at $half decisions/s: limitsd memory:// vs echo server (p99, us)"
alternate latency_p99 latency_echo_p99 $(( rounds < 5 ? 5 : rounds ))
cmd[latency_echo]="limitsd_loadgen --port ECHO -c 50 -k 100000 --limit 100/minute -d $secs -P 1 --rate $half"
cmd[latency]="limitsd_loadgen --port LIMITSD_MEMORY -c 50 -k 100000 --limit 100/minute -d $secs -P 1 --rate $half"

# In process: a fixed-window hit vs the Python limits library.
run_inproc_cc() {
  record inproc_cc "$(timeout 120 "$bin/limitsd_inprocess" --mode hits --hits 3000000 \
    --keys 10000 | field hits_per_s)"
}
run_inproc_py() {
  record inproc_py "$(timeout 120 "$python" bench/python_limits_hits.py 150000 10000 \
    | field hits_per_s)"
}
run_inproc_clock() {
  record inproc_clock "$(timeout 120 "$bin/limitsd_inprocess" --mode clock --hits 10000000 \
    | field reads_per_s)"
}
# ns per hit on one hot key and on 1M keys, against the clock read they each contain.
# --batch 16: the clock read once per 16 hits, as the daemon reads it once per batch of
# requests that arrived together (a client pipelining 16), and --prefetch: the 16 prefetched
# before they are decided, as the daemon does (server/request_window.h); the unbatched hot key
# for the record.
run_inproc_hot() {
  record inproc_hot "$(timeout 120 "$bin/limitsd_inprocess" --mode hits --hits 10000000 \
    --keys 1 --batch 16 --prefetch | field hits_per_s)"
  record inproc_hot_unbatched "$(timeout 120 "$bin/limitsd_inprocess" --mode hits \
    --hits 10000000 --keys 1 | field hits_per_s)"
}
run_inproc_1m() {
  record inproc_1m "$(timeout 120 "$bin/limitsd_inprocess" --mode hits --hits 5000000 \
    --keys 1000000 --batch 16 --prefetch | field hits_per_s)"
}
cmd[inproc_hot]="limitsd_inprocess --mode hits --hits 10000000 --keys 1 --batch 16 --prefetch"
cmd[inproc_hot_unbatched]="limitsd_inprocess --mode hits --hits 10000000 --keys 1"
cmd[inproc_1m]="limitsd_inprocess --mode hits --hits 5000000 --keys 1000000 --batch 16 --prefetch"
cmd[inproc_cc]="limitsd_inprocess --mode hits --hits 3000000 --keys 10000"
cmd[inproc_clock]="limitsd_inprocess --mode clock --hits 10000000"
cmd[inproc_py]="$python bench/python_limits_hits.py 150000 10000"
log "in process: limitsd vs python limits"
alternate inproc_cc inproc_py
log "in process: a hot key and 1M keys vs a clock read"
alternate inproc_hot inproc_clock
for r in $(seq 1 "$rounds"); do run_inproc_1m; done

# Memory per live fixed-window key, 1M keys: limitsd's store vs Redis' used_memory.
run_bytes_cc() {
  record bytes_cc "$(timeout 120 "$bin/limitsd_inprocess" --mode memory --keys 1000000 \
    | field bytes_per_key)"
}
redis_fill='for i = ARGV[1], ARGV[2] do
  redis.call("INCR", "fw:" .. i)
  if ARGV[3] == "1" then redis.call("PEXPIRE", "fw:" .. i, 3600000) end
end'
redis_bytes() {  # EXPIRE(0|1) -> bytes per key for 1M keys
  redis-cli -p "$redis_port" FLUSHALL >/dev/null
  local before after
  before=$(redis-cli -p "$redis_port" INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
  for first in $(seq 1 100000 1000000); do
    redis-cli -p "$redis_port" EVAL "$redis_fill" 0 "$first" $((first + 99999)) "$1" >/dev/null
  done
  after=$(redis-cli -p "$redis_port" INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
  echo $(( (after - before) / 1000000 ))
}
run_bytes_redis() { record bytes_redis "$(redis_bytes 1)"; }
run_bytes_redis_noexp() { record bytes_redis_noexp "$(redis_bytes 0)"; }
cmd[bytes_cc]="limitsd_inprocess --mode memory --keys 1000000   (VmRSS delta / keys)"
cmd[bytes_redis]="EVAL of INCR+PEXPIRE on fw:1..fw:1000000, used_memory delta / keys"
log "memory per key"
alternate bytes_cc bytes_redis
run_bytes_redis_noexp
redis-cli -p "$redis_port" FLUSHALL >/dev/null

# Micro-benchmarks, for the record (no target).
micro="$work/micro.txt"
for b in limitsd_limits_bench limitsd_protocol_bench; do
  timeout 600 "$bin/$b" --benchmark_min_time=0.2 2>/dev/null |
    grep -E '^BM_' >>"$micro" || log "$b failed"
done

# --- profile -------------------------------------------------------------------------------
profile="$work/profile.txt"
if [ "${BENCH_PROFILE:-1}" = 1 ] && command -v valgrind >/dev/null; then
  log "profile: callgrind on limitsd memory:// under the load generator"
  prof_port=$(free_port)
  start prof "$prof_port" valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
    "$limitsd" --listen "127.0.0.1:$prof_port" --storage memory:// --log-level warn
  timeout 120 "$bin/limitsd_loadgen" --port "$prof_port" -c 50 -k 100000 --limit 100/minute \
    -P 16 --warmup 0 -n 100000 -d 60 >/dev/null || true
  kill -TERM "$pid_prof"; wait "$pid_prof" 2>/dev/null || true
  callgrind_annotate --inclusive=no "$work/callgrind.out" 2>/dev/null | sed -n '1,/^$/d;p' |
    grep -E '^ *[0-9,]+ ' | head -25 >"$profile" || true
fi

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/machine.txt"

# perf with a software clock event (this machine has no hardware counters), kernel
# included: what the callgrind count of user-space instructions cannot show (syscalls).
if [ "${BENCH_PROFILE:-1}" = 1 ] && command -v perf >/dev/null &&
   perf record -e cpu-clock -o "$work/perf.test" true >/dev/null 2>&1; then
  for pipe in 16 1; do
    log "profile: perf cpu-clock on limitsd memory:// under -P $pipe"
    timeout $((secs + 30)) perf record -e cpu-clock -F 1999 -p "$pid_mem" \
      -o "$work/perf.p$pipe.data" -- sleep $((secs + 2)) >/dev/null 2>&1 &
    perf_pid=$!
    sleep 1  # let perf attach first
    loadgen "$mem_port" -P "$pipe" --warmup 0 >/dev/null || true
    wait "$perf_pid" || true
    perf report -i "$work/perf.p$pipe.data" --stdio --no-children --sort dso,symbol \
      --percent-limit 0.7 2>/dev/null | grep -E '^ +[0-9.]+%' | head -30 >"$work/perf.p$pipe.txt" ||
      true
  done
fi

# --- report --------------------------------------------------------------------------------
log "writing $out"
"$python" "$root/bench/report.py" "$work" "$rounds" "$secs" >"$out" <<EOF
$(for k in "${!cmd[@]}"; do printf '%s\t%s\n' "$k" "${cmd[$k]}"; done)
EOF
mkdir -p "$root/bench/results"
for f in micro.txt profile.txt perf.p16.txt perf.p1.txt; do
  if [ -s "$work/$f" ]; then cp "$work/$f" "$root/bench/results/$f"; fi
done
log "done: $out (raw output in bench/results/)"
