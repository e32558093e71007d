#!/usr/bin/env bash
# Runs one client example against a real limitsd and checks what it prints.
#
#   run_client.sh [--needs PROGRAM]... LIMITSD CONFIG EXPECTED COMMAND [ARGS...]
#
# Fails at once, saying so, when a PROGRAM the example runs (nc, redis-cli, node...) is missing.
# Starts LIMITSD with CONFIG on a free port of 127.0.0.1, exports LIMITSD_HOST and
# LIMITSD_PORT, runs COMMAND, and passes when COMMAND exits 0 and its output has as many lines
# as EXPECTED, each matching (in full) the extended regular expression on the same line of
# EXPECTED. Carriage returns count as line ends (redis-benchmark redraws its progress line).
# The daemon is stopped by its pid whatever happens. A missing program is a failure.
set -euo pipefail

while [ "${1:-}" = --needs ]; do
  command -v "$2" >/dev/null || { echo "FAIL: $2 is not installed (scripts/install-deps.sh)" >&2; exit 1; }
  shift 2
done
if [ $# -lt 4 ]; then
  echo "usage: $0 [--needs PROGRAM]... LIMITSD CONFIG EXPECTED COMMAND [ARGS...]" >&2
  exit 2
fi
limitsd="$1" config="$2" expected="$3"
shift 3

work="$(mktemp -d)"
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  [ -n "$daemon_pid" ] && wait "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

FreePort() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PortOpen() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts the daemon; false if it exits or does not listen within 30 s (e.g. the port was taken
# between FreePort and bind: the caller then tries another).
StartDaemon() {
  local port="$1"
  "$limitsd" --config "$config" --listen "127.0.0.1:$port" >"$work/limitsd.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 300); do
    PortOpen "$port" && return 0
    kill -0 "$daemon_pid" 2>/dev/null || { wait "$daemon_pid" || true; daemon_pid=""; return 1; }
    sleep 0.1
  done
  return 1
}

command -v python3 >/dev/null || { echo "FAIL: python3 is needed to pick a free port" >&2; exit 1; }
[ -x "$limitsd" ] || { echo "FAIL: no daemon at $limitsd" >&2; exit 1; }
command -v "$1" >/dev/null || { echo "FAIL: cannot find '$1' to run" >&2; exit 1; }

for attempt in 1 2 3; do
  port="$(FreePort)"
  StartDaemon "$port" && break
  echo "limitsd did not start on port $port (attempt $attempt):" >&2
  cat "$work/limitsd.log" >&2
  [ "$attempt" = 3 ] && exit 1
done

export LIMITSD_HOST=127.0.0.1 LIMITSD_PORT="$port"
command_line="$*"
status=0
timeout 240 "$@" >"$work/out" 2>"$work/err" || status=$?
tr '\r' '\n' <"$work/out" | grep -v "^[[:space:]]*$" >"$work/lines" || true

Report() {
  echo "FAIL: $*" >&2
  echo "--- command: $command_line" >&2
  echo "--- stdout:" >&2; cat "$work/out" >&2
  echo "--- stderr:" >&2; cat "$work/err" >&2
  echo "--- limitsd log:" >&2; cat "$work/limitsd.log" >&2
  exit 1
}

[ "$status" -eq 0 ] || Report "exit status $status"
mapfile -t got <"$work/lines"
mapfile -t want <"$expected"
[ "${#got[@]}" -eq "${#want[@]}" ] ||
  Report "expected ${#want[@]} lines of output, got ${#got[@]}"
for i in "${!want[@]}"; do
  [[ "${got[$i]}" =~ ^(${want[$i]})$ ]] ||
    Report "line $((i + 1)): '${got[$i]}' does not match '${want[$i]}'"
done
kill -0 "$daemon_pid" 2>/dev/null || Report "limitsd exited during the test"
echo "PASS: $command_line (${#got[@]} lines checked, limitsd on port $port)"
