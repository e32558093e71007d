#!/bin/sh
# RESP from the shell: redis-cli sends any command as an array of bulk strings.
# Usage: redis_cli.sh [PORT]   (or LIMITSD_PORT; LIMITSD_HOST defaults to 127.0.0.1)
port="${1:-${LIMITSD_PORT:-7400}}"
host="${LIMITSD_HOST:-127.0.0.1}"

# Five integers: allowed (1|0), limit, remaining, reset_ms, retry_ms.
redis-cli -h "$host" -p "$port" HIT api user42
redis-cli -h "$host" -p "$port" PING
# An error reply, printed as "ERR <code> <message>".
redis-cli -h "$host" -p "$port" HIT nosuchlimit user42
