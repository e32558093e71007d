#!/usr/bin/env python3
"""Checks that the build enforces the layering of the source folders.

    scripts/check-layers.py BUILD_DIR

For each component library, one probe file per layer, holding only an include of one of
that layer's headers, is compiled with the flags of one of the library's own source files
(from BUILD_DIR/compile_commands.json). It must compile when the library may use that layer
and fail, not finding the header, when it may not. strategy/ is header-only (no flags of its
own): its headers are checked to include nothing but strategy/.

The layers (see the top-level CMakeLists.txt):
  strategy, protocol, config   nothing else
  storage                      strategy (its own backends too)
  limits                       storage's interfaces, strategy
  server                       every other one, storage's interfaces but not its backends,
                               and the generated gRPC code (envoy/...)
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# One header of each layer.
HEADERS = {
    "strategy": "strategy/verdict.h",
    "protocol": "protocol/request.h",
    "storage": "storage/storage_error.h",
    "storage backends": "storage/redis/redis_storage.h",
    "limits": "limits/rate_parser.h",
    "config": "config/diagnostic.h",
    "server": "server/logging.h",
    "grpc": "envoy/service/ratelimit/v3/rls.pb.h",
}
MAY_USE = {
    "protocol": {"protocol"},
    "config": {"config"},
    "storage": {"storage", "storage backends", "strategy"},
    "limits": {"limits", "storage", "strategy"},
    "server": {"server", "protocol", "storage", "limits", "config", "strategy", "grpc"},
}


def compile_command(entries, source_root, component):
    """(arguments, directory) compiling one .cc of the component's top folder, with neither
    the source file nor -o/-c."""
    folder = os.path.join(source_root, component)
    for entry in entries:
        source = entry["file"]
        if os.path.dirname(source) != folder or not source.endswith(".cc"):
            continue
        args = entry.get("arguments") or shlex.split(entry["command"])
        if os.path.basename(args[0]) == "ccache":
            args = args[1:]
        out, skip = [], False
        for arg in args:
            if skip:
                skip = False
            elif arg in ("-o", "-c"):
                skip = True
            elif arg != source:
                out.append(arg)
        return out, entry["directory"]
    raise SystemExit(f"check-layers: no compile command for a .cc file of {component}/ in "
                     "compile_commands.json")


def probe(args, directory, tmp, component, layer, header):
    """None when the outcome is the expected one, else what went wrong."""
    path = os.path.join(tmp, f"{component}_{layer.replace(' ', '_')}.cc")
    with open(path, "w") as f:
        f.write(f'#include "{header}"\n')
    result = subprocess.run(args + ["-fsyntax-only", path], cwd=directory, capture_output=True,
                            text=True)
    if layer in MAY_USE[component]:
        if result.returncode == 0:
            return None
        return f"{component}/ may include {header}, but it does not compile:\n{result.stderr[-2000:]}"
    if result.returncode != 0 and f"{header}: No such file or directory" in result.stderr:
        return None
    return (f"{component}/ may not include {header}, yet "
            + ("it compiles" if result.returncode == 0 else "it fails otherwise:\n" +
               result.stderr[-2000:]))


def strategy_includes(source_root):
    """Problems with strategy/'s includes: it may include only strategy/ headers."""
    problems = []
    folder = os.path.join(source_root, "strategy")
    for name in sorted(os.listdir(folder)):
        if not name.endswith((".h", ".cc")):
            continue
        for number, line in enumerate(open(os.path.join(folder, name)), 1):
            match = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if match and not match.group(1).startswith("strategy/"):
                problems.append(f"strategy/{name}:{number}: strategy/ may include only "
                                f"strategy/, not {match.group(1)}")
    return problems


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/dev")
    source_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    for header in HEADERS.values():
        if not header.startswith("envoy/") and not os.path.exists(
                os.path.join(source_root, header)):
            raise SystemExit(f"check-layers: {header} no longer exists; name another header")
    problems = strategy_includes(source_root)
    passed = 0 if problems else 1
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        jobs = []
        for component in MAY_USE:
            args, directory = compile_command(entries, source_root, component)
            for layer, header in HEADERS.items():
                jobs.append(pool.submit(probe, args, directory, tmp, component, layer, header))
        for job in jobs:
            if job.result():
                problems.append(job.result())
            else:
                passed += 1
    for problem in problems:
        print("FAIL", problem)
    print(f"check-layers: {passed} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
