#!/bin/sh
# redis-cell's CL.THROTTLE from redis-cli: the reference vectors of a bucket of 5 (max_burst
# 4) that gets 1 unit back every 10 seconds. Each reply is five integers: limited (0|1),
# limit, remaining, retry_after and reset_after in seconds (-1: no retry needed, or never).
# Usage: cl_throttle_cli.sh [PORT]   (or LIMITSD_PORT; LIMITSD_HOST defaults to 127.0.0.1)
port="${1:-${LIMITSD_PORT:-7400}}"
host="${LIMITSD_HOST:-127.0.0.1}"
cli() { redis-cli -h "$host" -p "$port" "$@" | tr '\n' ' ' | sed 's/ *$//'; echo; }

cli CL.THROTTLE cell:vectors 4 1 10 6   # 6 never fits a bucket of 5: 1 5 5 -1 0
for hit in 1 2 3 4 5; do
  cli CL.THROTTLE cell:vectors 4 1 10   # remaining 4..0, reset 10..50
done
cli CL.THROTTLE cell:vectors 4 1 10     # limited: retry in 10 s
cli CL.THROTTLE cell:peek 4 1 10        # one unit taken...
cli CL.THROTTLE cell:peek 4 1 10 0      # ...and a peek (quantity 0) takes nothing
cli CL.THROTTLE cell:peek 4 1 10 0
cli CL.THROTTLE cell:readme 15 30 60    # redis-cell's README example: 0 16 15 -1 2
cli CL.THROTTLE cell:zero 4 0 10        # a zero rate is an error
