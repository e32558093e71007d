#!/usr/bin/env bash
# Checks the formatting (clang-format with .clang-format: Google style, 100 columns) of the
# C and C++ lines changed relative to the merge base with the main branch, committed or not.
# Only changed lines are checked, so older code is reformatted when it is next touched.
#   scripts/check-format.sh [BASE_REF]   (default: $LIMITSD_FORMAT_BASE, origin/main, main)
# On main itself (the merge base is HEAD) there is nothing to check.
set -euo pipefail
cd "$(dirname "$0")/.."
ref="${1:-${LIMITSD_FORMAT_BASE:-}}"
if [ -z "$ref" ]; then
  for candidate in origin/main main; do
    if git rev-parse -q --verify "$candidate^{commit}" >/dev/null; then ref="$candidate"; break; fi
  done
fi
if [ -z "$ref" ]; then
  echo "check-format: no base branch (origin/main or main) to compare with; nothing checked"
  exit 0
fi
base="$(git merge-base HEAD "$ref")"
files="$(git diff --name-only --diff-filter=ACMR "$base" -- '*.cc' '*.h' '*.c' '*.hpp' '*.cpp')"
if [ -z "$files" ]; then
  echo "check-format: no C/C++ file changed relative to $ref ($(git rev-parse --short "$base"))"
  exit 0
fi
format="$(command -v clang-format-14 || command -v clang-format)"
out="$(git clang-format --binary "$format" --diff --extensions c,cc,cpp,h,hpp "$base" -- $files)"
if printf '%s\n' "$out" | grep -q '^diff '; then
  printf '%s\n' "$out"
  echo "check-format: the lines above are not formatted; run: git clang-format $(git rev-parse --short "$base")"
  exit 1
fi
echo "check-format: $(printf '%s\n' "$files" | wc -l) changed file(s) formatted"
