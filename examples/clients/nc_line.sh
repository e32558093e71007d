#!/bin/sh
# The line protocol from the shell: pipelined requests through nc, one reply line each.
# Usage: nc_line.sh [PORT]   (or LIMITSD_PORT; LIMITSD_HOST defaults to 127.0.0.1)
port="${1:-${LIMITSD_PORT:-7400}}"
host="${LIMITSD_HOST:-127.0.0.1}"

# QUIT makes the daemon answer BYE and close, so nc exits without a timeout.
printf 'HIT api user42\nHIT 3/minute user42 5\nPING\nQUIT\n' | nc "$host" "$port"
