#!/bin/sh
# Load the daemon with redis-benchmark: 5 connections, 16 pipelined requests in flight on each.
# Usage: redis_benchmark.sh [PORT] [REQUESTS]   (or LIMITSD_PORT; LIMITSD_HOST)
# redis-benchmark warns "Could not fetch server CONFIG" (limitsd has no CONFIG): harmless.
# Its PING_INLINE test cannot work: an inline command is a line-protocol request to limitsd,
# answered with a plain line; use ping_mbulk, or a custom command as below.
port="${1:-${LIMITSD_PORT:-7400}}"
requests="${2:-2000}"
host="${LIMITSD_HOST:-127.0.0.1}"
key="bench-$$"  # a fresh key, so the count below is this run's alone

redis-benchmark -h "$host" -p "$port" -c 5 -n "$requests" -P 16 --csv -t ping_mbulk
redis-benchmark -h "$host" -p "$port" -c 5 -n "$requests" -P 16 --csv HIT 1000000/minute "$key"
# Every HIT took 1 from the budget: remaining is 1000000 - REQUESTS.
redis-cli -h "$host" -p "$port" STATS 1000000/minute "$key"
