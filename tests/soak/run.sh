#!/bin/sh
# The soak run (not a ctest test: it takes two minutes and both CPUs).
#   tests/soak/run.sh [BUILD_DIR] [SECONDS]
# BUILD_DIR defaults to build; see tests/soak/soak.py for what it measures.
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
exec python3 "$here/soak.py" --sonde "$build/sonde" --progs "$build/tests/progs" \
	--seconds "${2:-120}" --every 10
