#!/usr/bin/env bash
# Splits a binary into a stripped one and its debug information, linked by .gnu_debuglink
# (gdb finds the .debug file beside the binary or under /usr/lib/debug).
#   scripts/strip-binary.sh BINARY OUT_BINARY OUT_DEBUG
set -euo pipefail
in="$1" out="$2" debug="$3"
objcopy --only-keep-debug "$in" "$debug"
objcopy --strip-debug --strip-unneeded "$in" "$out.tmp"
objcopy --add-gnu-debuglink="$debug" "$out.tmp" "$out"
rm -f "$out.tmp"
chmod 0755 "$out"
chmod 0644 "$debug"
echo "strip-binary: $(stat -c %s "$in") -> $(stat -c %s "$out") bytes (+ $(stat -c %s "$debug") of debug info in $debug)"
