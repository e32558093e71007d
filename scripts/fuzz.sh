#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan+UBSan, build/fuzz) and runs
# each for a bounded time from its corpus, fuzz/corpus/<target without _fuzz>/. New inputs go
# to a scratch folder, never into the repository's corpus. Exits non-zero if any target
# crashes, leaks, times out or runs out of memory; the input that did it is kept in
# build/fuzz/artifacts/ and printed (base64), ready to add to the corpus and to a unit test.
#   scripts/fuzz.sh [TARGET [SECONDS]]   (default: every target, LIMITSD_FUZZ_SECONDS or 25 s)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(request_parser_fuzz resp_framer_fuzz http_api_fuzz rate_parser_fuzz config_loader_fuzz
         envoy_match_fuzz envoy_rls_fuzz)
if [ $# -gt 0 ]; then targets=("$1"); fi
seconds="${2:-${LIMITSD_FUZZ_SECONDS:-25}}"

scripts/build.sh fuzz "${targets[@]}"
artifacts="$PWD/build/fuzz/artifacts"
scratch=$(mktemp -d /tmp/limitsd-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

failed=()
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/${target%_fuzz}"
  if [ ! -d "$corpus" ]; then
    echo "fuzz.sh: $target has no corpus folder $corpus" >&2
    exit 1
  fi
  mkdir -p "$scratch/$target"
  rm -f "$artifacts/$target"-*
  echo "== $target: ${seconds} s from $corpus"
  log="$scratch/$target.log"
  if build/fuzz/fuzz/"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
      "$scratch/$target" "$corpus" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$log" | tail -2 || true
  else
    tail -60 "$log"
    for input in "$artifacts/$target"-*; do
      [ -f "$input" ] || continue
      echo "fuzz.sh: $target failed on $input (base64): $(base64 -w0 "$input" | head -c 4000)"
    done
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: every target ran ${seconds} s without a failure"
