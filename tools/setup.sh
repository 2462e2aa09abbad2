#!/usr/bin/env bash
# Installs npusim's Debian dependencies, builds everything with CMake and
# installs `npusim` (on PATH) and the `npusim` Python package (for
# /usr/bin/python3) into /usr/local. Safe to rerun: builds are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
PKGS="build-essential cmake ninja-build ccache pkg-config libsystemc-dev pybind11-dev python3-dev catch2
      nlohmann-json3-dev libboost-dev python3-numpy python3-pandas python3-matplotlib python3-pytest
      python3-distributed python3-tqdm protobuf-compiler libprotobuf-dev"
missing=$(dpkg-query -W -f='${Status} ${Package}\n' $PKGS 2>/dev/null | grep -v "^install ok installed" | awk '{print $NF}' || true)
if [ -n "$missing" ] || ! dpkg-query -W $PKGS >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PKGS >/dev/null
fi
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build -j2
$SUDO cmake --install build >/dev/null
echo "npusim built and installed: $(command -v npusim)"
