#!/usr/bin/env python3
"""redis-cell's CL.THROTTLE with redis-py (Debian: python3-redis), unchanged code written for
redis-cell: a bucket of 5 (max_burst 4) that gets 1 unit back every 10 seconds."""
import os
import sys

import redis

port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LIMITSD_PORT", "7400"))
host = os.environ.get("LIMITSD_HOST", "127.0.0.1")
r = redis.Redis(host=host, port=port)


def throttle(key, max_burst, count, period, quantity=1):
    limited, limit, remaining, retry_after, reset_after = r.execute_command(
        "CL.THROTTLE", key, max_burst, count, period, quantity)
    print(f"limited={limited} limit={limit} remaining={remaining} "
          f"retry_after={retry_after} reset_after={reset_after}")


throttle("py:vectors", 4, 1, 10, 6)  # 6 never fits a bucket of 5
for _ in range(6):                   # 5 pass, the 6th waits 10 s
    throttle("py:vectors", 4, 1, 10)
throttle("py:vectors", 4, 1, 10, 0)  # quantity 0 peeks

# Pipelined, as a client throttling a batch would.
pipe = r.pipeline(transaction=False)
for _ in range(3):
    pipe.execute_command("CL.THROTTLE", "py:pipe", 1, 1, 60)
print(pipe.execute())

try:
    r.execute_command("CL.THROTTLE", "py:bad", 4, 1, 0)
except redis.ResponseError as error:
    print(f"ResponseError: {error}")
