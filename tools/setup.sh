#!/usr/bin/env bash
# Installs what lae needs from Debian's packages (when something is missing) and builds it
# into build/. Safe to run again: it installs nothing that is present and rebuilds only
# what changed. Needs root (or sudo) for apt-get on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    build-essential meson ninja-build pkg-config python3
    ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
    libclblast-dev libopenblas-dev liblapacke-dev
    zlib1g-dev libpng-dev libcairo2-dev fonts-dejavu-core
    libcmocka-dev
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
fi

if [ ! -f build/build.ninja ]; then
    meson setup build --buildtype=release
fi
ninja -C build
