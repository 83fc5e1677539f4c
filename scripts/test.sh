#!/bin/sh
# Installs what is missing, builds, and runs the whole test suite with ctest.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SONDE_BUILD:-$top/build}
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" "$build"
cd "$build"
ctest --output-on-failure -j1
