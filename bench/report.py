#!/usr/bin/env python3
"""Writes BENCHMARKS.md from one run of scripts/bench.sh.

Usage: report.py WORK_DIR ROUNDS SECONDS < commands (lines "name<TAB>command")
WORK_DIR holds r.<name> (one number per round), machine.txt, micro.txt, profile.txt;
bench/soak.md (how to run the soak, written by hand) and bench/findings.md (the profile's
analysis, written by hand) are included as they are."""
import pathlib
import statistics
import sys
import textwrap

work = pathlib.Path(sys.argv[1])
rounds, seconds = sys.argv[2], sys.argv[3]
commands = dict(line.rstrip("\n").split("\t", 1) for line in sys.stdin if "\t" in line)
machine = dict(line.split("=", 1) for line in (work / "machine.txt").read_text().splitlines())
findings = pathlib.Path(__file__).with_name("findings.md")
soak = pathlib.Path(__file__).with_name("soak.md")  # bench/soak.sh: how to run it, a sample


def values(name):
    path = work / f"r.{name}"
    if not path.exists():
        return []
    return [float(v) for v in path.read_text().split() if v.strip()]


def cell(name, unit=""):
    v = values(name)
    if not v:
        return "n/a"
    return f"{statistics.median(v):,.0f}{unit} ({min(v):,.0f}-{max(v):,.0f})"


def ratio(a, b):
    va, vb = values(a), values(b)
    if not va or not vb or statistics.median(vb) == 0:
        return None
    return statistics.median(va) / statistics.median(vb)


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "no data"
    met = value >= target if higher_is_better else value <= target
    return "**met**" if met else "**missed**"


def med(name):
    v = values(name)
    return statistics.median(v) if v else None


def table_row(title, a_cell, b_cell, value, target, higher_is_better=True, unit="x"):
    shown = f"{value:.2f}{unit}" if value is not None else "n/a"
    sign = ">=" if higher_is_better else "<="
    return (f"| {title} | {a_cell} | {b_cell} | {shown} | {sign} {target:g}{unit} | "
            f"{verdict(value, target, higher_is_better)} |")


HEADER = ["| comparison | A: median (min-max) | B: median (min-max) | A/B | target | |",
          "|---|---|---|---|---|---|"]


def comparison_rows():
    rows = [
        ("RESP, 50 conns, -P 16: limitsd memory:// HIT / redis-server INCR",
         "resp_mem_p16", "resp_incr_p16", 1.3),
        ("RESP, 50 conns, unpipelined: limitsd memory:// HIT / redis-server INCR",
         "resp_mem_p1", "resp_incr_p1", 0.97),
        ("Line, 50 conns, -P 16: limitsd memory:// / bare epoll echo server",
         "line_mem_p16", "line_echo_p16", 0.8),
        ("Line, 50 conns, unpipelined: limitsd memory:// / bare epoll echo server",
         "line_mem_p1", "line_echo_p1", 0.9),
    ] + EXTRA_ROWS
    out = list(HEADER)
    for title, a, b, target in rows:
        out.append(table_row(title, cell(a), cell(b), ratio(a, b), target))
    # For the record, no target.
    for title, a, b in [
        ("RESP, 50 conns, -P 16, under limitsd_loadgen --resp: limitsd memory:// HIT / "
         "redis-server INCR", "resp_lg_mem", "resp_lg_incr"),
        ("RESP, 50 conns, unpipelined: limitsd redis:// HIT / EVALSHA straight to Redis",
         "redis_hit", "redis_lua"),
        ("In process, fixed-window hit: limitsd memory store / Python limits MemoryStorage",
         "inproc_cc", "inproc_py"),
    ]:
        r = ratio(a, b)
        shown = f"{r:.2f}x" if r is not None else "n/a"
        out.append(f"| {title} | {cell(a)} | {cell(b)} | {shown} | (none) | |")
    return out


# Rows other front doors add: (title, A, B, target A/B).
EXTRA_ROWS = [
    ("HTTP, 50 keep-alive conns, unpipelined: limitsd memory:// POST /v1/hit / bare Beast "
     "server (fixed 200 JSON)", "http_mem", "http_bare", 0.7),
    ("gRPC RLS v3, 50 calls in flight: limitsd memory:// ShouldRateLimit / bare gRPC server "
     "(fixed OK)", "grpc_mem", "grpc_bare", 0.7),
]


def cpu_rows():
    via, direct, own = med("redis_cpu_via"), med("redis_cpu_direct"), med("limitsd_cpu_via")
    out = ["| redis://, 50 conns unpipelined, CPU per decision (us) | A | B | A/B | target | |",
           "|---|---|---|---|---|---|"]
    r1 = via / direct if via is not None and direct else None
    r2 = own / direct if own is not None and direct else None
    out.append(table_row("Redis CPU through limitsd / Redis CPU per EVALSHA sent straight to it",
                         cell3("redis_cpu_via"), cell3("redis_cpu_direct"), r1, 0.5, False))
    out.append(table_row("limitsd's own CPU / Redis CPU per EVALSHA sent straight to it",
                         cell3("limitsd_cpu_via"), cell3("redis_cpu_direct"), r2, 0.9, False))
    return out


def resp_cpu_rows():
    out = ["| RESP, 50 conns, -P 16, CPU per request (us) | limitsd memory:// HIT | "
           "redis-server INCR | A/B |", "|---|---|---|---|"]
    for title, suffix in [("the server", "server_cpu"), ("redis-benchmark (the client)",
                                                          "client_cpu")]:
        a, b = f"resp_mem_p16_{suffix}", f"resp_incr_p16_{suffix}"
        r = ratio(a, b)
        shown = f"{r:.2f}x" if r is not None else "n/a"
        out.append(f"| {title} | {cell3(a)} | {cell3(b)} | {shown} |")
    return out


def cell3(name):
    v = values(name)
    if not v:
        return "n/a"
    return f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})"


def ns(name):
    v = med(name)
    return 1e9 / v if v else None


def inprocess_rows():
    hot, clock, one_m = ns("inproc_hot"), ns("inproc_clock"), ns("inproc_1m")
    out = ["| in process, fixed-window hit | value | target | |", "|---|---|---|---|"]
    show = lambda v: f"{v:.1f}" if v is not None else "n/a"
    r = hot / clock if hot is not None and clock else None
    out.append(f"| one hot key, the clock read once per 16 hits: ns per hit | {show(hot)} | | |")
    out.append(f"| one hot key, the clock read for every hit: ns per hit | "
               f"{show(ns('inproc_hot_unbatched'))} | | |")
    out.append(f"| a clock read: ns | {show(clock)} | | |")
    out.append(f"| one hot key: ns per hit / ns per clock read | {show(r)}x | <= 2x | "
               f"{verdict(r, 2.0, False)} |")
    out.append(f"| 1M keys, the clock read once per 16 hits: ns per hit | {show(one_m)} | <= 250 | "
               f"{verdict(one_m, 250, False)} |")
    return out


def latency_rows():
    p99, echo = med("latency_p99"), med("latency_echo_p99")
    r = p99 / echo if p99 is not None and echo else None
    n = len(values("latency_p99"))
    return [
        f"| at half the maximum unpipelined rate, 50 conns, line protocol, {n} alternated rounds "
        "| value |",
        "|---|---|",
        f"| offered rate (decisions/s) | {cell('latency_rate')} |",
        f"| p50 (us) | {cell('latency_p50')} |",
        f"| p99 (us) | {cell('latency_p99')} |",
        f"| control, the echo server on the same schedule: p50 (us) | "
        f"{cell('latency_echo_p50')} |",
        f"| control, the echo server on the same schedule: p99 (us) | "
        f"{cell('latency_echo_p99')} |",
        f"| p99 / the control's p99 (target <= 1.0x) | "
        f"{(f'{r:.2f}x' if r is not None else 'n/a')} {verdict(r, 1.0, False)} |",
    ]


def memory_rows():
    return [
        "| 1M live fixed-window keys | bytes per key: median (min-max) |",
        "|---|---|",
        f"| limitsd memory store (VmRSS delta / keys) | {cell('bytes_cc')} |",
        f"| Redis, INCR + PEXPIRE (used_memory delta / keys) | {cell('bytes_redis')} |",
        f"| Redis, INCR only | {cell('bytes_redis_noexp')} |",
        f"| target: limitsd <= 64 bytes | {verdict(med('bytes_cc'), 64, False)} |",
    ]


IN_CODE = [False]


def wrapped_print(text=""):
    """Prints prose wrapped at 100 columns; headings, tables, lists and code blocks pass as they are."""
    out = []
    for line in str(text).split("\n"):
        if line.startswith("```"):
            IN_CODE[0] = not IN_CODE[0]
        prose = not IN_CODE[0] and not line.startswith(("|", "-", "`", " ", "#"))
        out.append(textwrap.fill(line, width=100, break_on_hyphens=False)
                   if prose and len(line) > 100 else line)
    print("\n".join(out))


def main():
    p = wrapped_print
    p("# Benchmarks\n")
    p("Generated by `scripts/bench.sh` (do not edit by hand: rerun it). Every comparison ran "
      f"side by side in this one run: A and B alternated for {rounds} rounds of about "
      f"{seconds} s each, on the same machine at the same time; the numbers are medians with "
      "min-max. The machine is shared with other work, so only the ratios mean something; "
      "absolute rates do not transfer to another machine or another moment.\n")
    p("## Machine\n")
    for key in ("cpu", "nproc", "kernel", "redis", "build", "commit", "date", "pinning",
                "loadavg_start", "loadavg_end"):
        p(f"- {key}: `{machine.get(key, '?')}`")
    p("\n## Throughput ratios (decisions or requests per second; hits/s in process)\n")
    p("\n".join(comparison_rows()))
    p("\n## CPU per decision behind Redis\n")
    p("\n".join(cpu_rows()))
    p("\nCPU seconds over the same runs as the redis:// row above: Redis' own `INFO cpu` "
      "(used_cpu_sys + used_cpu_user) and limitsd's `/proc/PID/stat` (utime + stime), "
      "divided by the requests of the run.\n")
    p("## Who limits the RESP -P 16 row\n")
    p("\n".join(resp_cpu_rows()))
    p("\nCPU seconds over the same runs as the RESP -P 16 row above: each server's "
      "`/proc/PID/stat` (utime + stime) and redis-benchmark's own (`/usr/bin/time`), divided "
      "by the requests of the run. redis-benchmark runs on one thread of the client's CPU: "
      "when it costs more per request than the server, the client is the limit of the row.\n")
    p("## In process\n")
    p("\n".join(inprocess_rows()))
    p("\n## Latency\n")
    p("\n".join(latency_rows()))
    p("\nLatency counts from each batch's scheduled send time (`--rate`), so a stall of the "
      "server is not hidden by the client waiting for it.\n")
    p("## Memory per live key\n")
    p("\n".join(memory_rows()))
    p("\n## Exact commands\n")
    p("Ports are free ports chosen by the script; servers: `limitsd --listen 127.0.0.1:PORT "
      "--storage memory://` (LIMITSD_MEMORY), `limitsd --config redis.yaml` with storage `redis://127.0.0.1:REDIS`, timeout_ms 1000 "
      "(LIMITSD_REDIS), `redis-server --save '' --appendonly no` (REDIS), "
      "`limitsd_echo_server` (ECHO), `limitsd --config http.yaml` with `http.listen` on "
      "memory:// (LIMITSD_HTTP), `limitsd_http_bare_server` (HTTP_BARE). All on 127.0.0.1; one I/O thread each. Clients and "
      "servers are pinned to CPUs as \"pinning\" under Machine says (clients on one CPU, "
      "single servers on the other; limitsd in front of Redis is left to the scheduler).\n")
    p("```")
    for name in sorted(commands):
        p(f"{name}: {commands[name]}")
    p("```\n")
    p("## Raw output\n")
    p("The micro-benchmarks (`limitsd_limits_bench`, `limitsd_protocol_bench`, "
      "`--benchmark_min_time=0.2`) and the profiles of this run are in `bench/results/`: "
      "`micro.txt`; `profile.txt` (`valgrind --tool=callgrind` on the memory:// daemon "
      "serving up to 100,000 pipelined HITs, `callgrind_annotate --inclusive=no`, top symbols "
      "by self cost); `perf.p16.txt` and `perf.p1.txt` (`perf record -e cpu-clock -F 1999` "
      "on the memory:// daemon under `limitsd_loadgen -c 50 -P 16` and `-P 1`, kernel "
      "included).\n")
    if soak.exists():
        p(soak.read_text().rstrip() + "\n")
    if findings.exists():
        p(findings.read_text().rstrip())


main()
