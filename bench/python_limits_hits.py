#!/usr/bin/env python3
"""The Python `limits` library's in-process fixed-window hit rate, the baseline of
limitsd_inprocess --mode hits: same limit (1e9 per hour, nothing denied), same keys
("user0".."user<keys-1>" in turn). Run with Debian's interpreter (python3-limits 2.8).
The last line is machine-readable: "RESULT key=value ...".
Usage: python_limits_hits.py HITS KEYS"""
import sys
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter


def main() -> int:
    hits = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    key_count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    limiter = FixedWindowRateLimiter(MemoryStorage())
    item = parse("1000000000/hour")
    keys = [f"user{i}" for i in range(key_count)]
    allowed = 0
    start = time.perf_counter()
    for i in range(hits):
        allowed += limiter.hit(item, keys[i % key_count])
    seconds = time.perf_counter() - start
    print(f"RESULT hits_per_s={hits / seconds:.0f} hits={hits} allowed={allowed} "
          f"keys={key_count} seconds={seconds:.3f}")
    return 0 if allowed == hits else 1


if __name__ == "__main__":
    sys.exit(main())
