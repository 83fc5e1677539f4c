#!/bin/sh
# Installs what is missing, builds, and runs the whole test suite with ctest;
# then builds again with AddressSanitizer and UBSan (-DSONDE_SANITIZE=ON) in
# a second build directory and runs the suite there too.
#
#   SONDE_BUILD       the normal build directory (default: build/)
#   SONDE_ASAN_BUILD  the sanitizer build directory (default: SONDE_BUILD-asan)
#   SONDE_SANITIZE=0  skips the sanitizer stage (for a quick local run)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SONDE_BUILD:-$top/build}
asan_build=${SONDE_ASAN_BUILD:-$build-asan}
"$top/scripts/install-deps.sh"

# 1. The normal build: every test, the 60 s fuzz run included.
"$top/scripts/build.sh" "$build"
(cd "$build" && ctest --output-on-failure -j1)

[ "${SONDE_SANITIZE:-1}" = 0 ] && exit 0

# 2. The same suite built with ASan+UBSan: any sanitizer report fails the test
#    that triggered it (UB aborts: -fno-sanitize-recover; leaks are reported
#    at exit).  The fuzz test is not built there: it is sanitized already.
echo "== sanitizer build (ASan+UBSan) in $asan_build"
cmake -S "$top" -B "$asan_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSONDE_SANITIZE=ON >/dev/null
cmake --build "$asan_build" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$asan_build" && ctest --output-on-failure -j1)
