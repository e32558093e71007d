#!/usr/bin/env bash
# Installs, as root on Debian 12, every package limitsd needs to build, test and benchmark.
# Quick when everything is already there: apt is only asked for what is missing.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config git
  libboost1.81-dev libboost-program-options1.81-dev libboost-json1.81-dev
  libhiredis-dev libspdlog-dev libyaml-cpp-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools memcached
  netcat-openbsd python3 python3-redis python3-limits faketime openssl
  curl time
  prometheus
  clang-format
  clang libclang-rt-14-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  python3-grpcio python3-protobuf
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The packaged redis-server and memcached may start system-wide instances; limitsd's tests
# start their own on free ports and do not use them.
