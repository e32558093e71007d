#!/usr/bin/env python3
"""RESP with redis-py (Debian: python3-redis): any command goes through execute_command."""
import os
import sys

import redis

port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LIMITSD_PORT", "7400"))
host = os.environ.get("LIMITSD_HOST", "127.0.0.1")
r = redis.Redis(host=host, port=port)

allowed, limit, remaining, reset_ms, retry_ms = r.execute_command("HIT", "api", "user42")
print(f"allowed={allowed} limit={limit} remaining={remaining} "
      f"reset_ms={reset_ms} retry_ms={retry_ms}")

# Pipelined: both requests go out before either reply is read.
pipe = r.pipeline(transaction=False)
pipe.execute_command("HIT", "3/minute", "user42", 2)
pipe.execute_command("TEST", "3/minute", "user42", 2)
for reply in pipe.execute():
    print(reply)

try:
    r.execute_command("HIT", "nosuchlimit", "user42")
except redis.ResponseError as error:
    print(f"ResponseError: {error}")  # starts with the code: unknown_limit ...
