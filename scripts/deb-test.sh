#!/usr/bin/env bash
# Builds the .deb from a build directory and checks it on this machine: `cpack -G DEB`,
# `dpkg -i`, the installed /usr/bin/limitsd started on the installed
# /etc/limitsd/limitsd.yaml (its addresses moved to free loopback ports), a HIT over TCP and
# /readyz asked, the daemon stopped by its PID, `dpkg --purge`, and every file of the
# package checked gone.
#
# Usage: scripts/deb-test.sh [BUILD_DIR]   (default: build/release; must be configured)
#
# It installs a package system-wide, so it needs root and is meant for a throwaway machine
# (CI). Without root it skips. It refuses to run when limitsd is already known to dpkg, or
# when a file the package would install is already there. Concurrent runs on one machine
# take turns (flock).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${1:-$root/build/release}")
say() { printf 'deb-test: %s\n' "$*"; }
fail() { printf 'deb-test: FAIL: %s\n' "$*" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  say "SKIP: installing the .deb with dpkg -i needs root (run as root on a throwaway machine)"
  exit 0
fi
[[ -f $build/CMakeCache.txt ]] || fail "$build is not a configured build directory"
exec 9>/run/lock/limitsd-deb-test.lock
flock 9

status=$(dpkg-query -W -f='${db:Status-Status}' limitsd 2>/dev/null || true)
if [[ -n $status && $status != not-installed ]]; then
  fail "limitsd is already known to dpkg (status: $status); this test installs and purges its
  own copy, so remove that one first if it is yours to remove (dpkg --purge limitsd)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/limitsd-deb.XXXXXX")
pid=""
installed=0
cleanup() {
  if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [[ $installed -eq 1 ]]; then dpkg --purge limitsd >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

say "cpack -G DEB in $build"
(cd "$build" && cpack -G DEB -B "$work/out") >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb="$work/out/limitsd_${version}_$(dpkg --print-architecture).deb"
[[ -f $deb ]] || fail "cpack made no $(basename "$deb"): $(ls "$work/out")"
depends=$(dpkg-deb -f "$deb" Depends)
say "$(basename "$deb"), $(du -k "$deb" | cut -f1) KiB, Depends: $depends"
for lib in libc6 libhiredis libyaml-cpp libspdlog curl; do
  [[ $depends == *"$lib"* ]] || fail "Depends names no $lib (dpkg-shlibdeps did not run?)"
done
[[ $(dpkg-deb -I "$deb" conffiles) == /etc/limitsd/limitsd.yaml ]] \
  || fail "the conffiles are not exactly /etc/limitsd/limitsd.yaml: $(dpkg-deb -I "$deb" conffiles)"

# Every file and link of the package (not the directories, which others share).
dpkg-deb --fsys-tarfile "$deb" | tar -tv | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' \
  >"$work/files"
for wanted in /usr/bin/limitsd /etc/limitsd/limitsd.yaml /usr/lib/systemd/system/limitsd.service \
  /usr/share/doc/limitsd/README.md /usr/include/limitsd/storage/storage.h; do
  grep -qx "$wanted" "$work/files" || fail "the package holds no $wanted"
done
while read -r file; do
  if [[ -e $file || -L $file ]]; then
    fail "$file is already on this machine and the package would replace it; not installing"
  fi
done <"$work/files"

say "dpkg -i"
installed=1
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i failed"; }
cmp -s "$root/examples/limitsd.yaml" /etc/limitsd/limitsd.yaml \
  || fail "/etc/limitsd/limitsd.yaml is not examples/limitsd.yaml"
/usr/bin/limitsd --check --config /etc/limitsd/limitsd.yaml >"$work/check.log" 2>&1 \
  || { cat "$work/check.log" >&2; fail "limitsd --check rejects /etc/limitsd/limitsd.yaml"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
admin=$(free_port)
# The installed file, with its admin address moved to a free port (there is no flag for it).
sed "s/127\.0\.0\.1:7401/127.0.0.1:$admin/" /etc/limitsd/limitsd.yaml >"$work/limitsd.yaml"
grep -q "127.0.0.1:$admin" "$work/limitsd.yaml" || fail "found no admin.listen 127.0.0.1:7401 to move"
say "starting /usr/bin/limitsd on 127.0.0.1:$port (admin $admin)"
/usr/bin/limitsd --config "$work/limitsd.yaml" --listen "127.0.0.1:$port" >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/daemon.log" >&2; fail "limitsd exited at start-up"; }
  sleep 0.1
done
reply=$(printf 'HIT api deb-test\n' | nc -q1 127.0.0.1 "$port")
[[ $reply == "OK 100 99 "* ]] || { cat "$work/daemon.log" >&2; fail "HIT api answered \"$reply\""; }
say "HIT api deb-test -> $reply"
ready=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/readyz")
[[ $ready == 200 ]] || fail "/readyz answered $ready"
kill -TERM "$pid"
wait "$pid" || fail "limitsd exited with status $? on SIGTERM"
pid=""

say "dpkg --purge"
dpkg --purge limitsd >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg --purge failed"; }
installed=0
while read -r file; do
  if [[ -e $file || -L $file ]]; then fail "$file is still there after dpkg --purge"; fi
done <"$work/files"
[[ ! -e /etc/limitsd ]] || fail "/etc/limitsd is still there after dpkg --purge"
say "the .deb installs, serves and purges cleanly"
