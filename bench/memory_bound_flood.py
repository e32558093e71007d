#!/usr/bin/env python3
"""Floods a running limitsd with distinct keys and reports its RSS (not run in CI).

    bench/memory_bound_flood.py --port 7400 --pid PID --keys 5000000 [--admin 7401]

Sends `HIT <limit> f<i>` for i in [0, keys), pipelined in batches over one connection,
counts the replies by kind (OK, DENY, ERR <code>), and prints the daemon's VmRSS (and
VmHWM, its peak) from /proc before and after, and limitsd_memory_keys from /metrics when
--admin is given. Used to check the bound of storage.options.max_keys (docs/storage-memory.md).
"""

import argparse
import collections
import socket
import sys
import time
import urllib.request


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def memory_metrics(admin):
    page = urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=10).read().decode()
    return {line.split()[0]: line.split()[1] for line in page.splitlines()
            if line.startswith("limitsd_memory_")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--admin", type=int, default=0)
    parser.add_argument("--keys", type=int, default=5_000_000)
    parser.add_argument("--limit", default="1/hour")
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()

    before = status_kib(args.pid, "VmRSS")
    counts = collections.Counter()
    sock = socket.create_connection(("127.0.0.1", args.port))
    reader = sock.makefile("rb", buffering=1 << 20)
    start = time.monotonic()
    for first in range(0, args.keys, args.batch):
        last = min(first + args.batch, args.keys)
        sock.sendall("".join(f"HIT {args.limit} f{i}\n" for i in range(first, last)).encode())
        for _ in range(first, last):
            reply = reader.readline().split(b" ", 2)
            counts[(reply[0] + (b" " + reply[1] if reply[0] == b"ERR" else b"")).decode()] += 1
    elapsed = time.monotonic() - start
    after = status_kib(args.pid, "VmRSS")
    peak = status_kib(args.pid, "VmHWM")
    print(f"keys sent: {args.keys} in {elapsed:.1f} s; replies: {dict(counts)}")
    print(f"RSS before: {before / 1024:.1f} MiB, after: {after / 1024:.1f} MiB, "
          f"peak: {peak / 1024:.1f} MiB")
    if args.admin:
        print(f"metrics: {memory_metrics(args.admin)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
