#!/usr/bin/env bash
# Installs every Debian 12 package micro-cpp needs to build, run and test.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache mold pkg-config git
  # transport and codegen: gRPC 1.51, protobuf 3.21
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libprotoc-dev
  # HTTP (Asio/Beast), logging, JSON, config, CLI, storage, crypto
  libboost-dev libboost-system-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev
  libcli11-dev libsqlite3-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-grpcio python3-protobuf curl wrk
  # governance and observability: the distributed limiter's Redis, Prometheus and promtool
  libhiredis-dev redis-server prometheus
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "setup: installing ${missing[*]}" >&2
# The package lists may be absent on a fresh machine; refresh them once.
if ! $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi
