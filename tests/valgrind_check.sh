#!/bin/sh
# Runs one compile-only sonde command under valgrind (memcheck, full leak
# check) and checks sonde's own exit status.
#
#   tests/valgrind_check.sh EXPECTED_STATUS SONDE ARGS...
#
# valgrind's findings exit with 99, which no sonde run uses; anything else
# must be EXPECTED_STATUS (0 for a program that compiles, 1 for one that gets
# diagnostics).  Skips (77) when valgrind is not installed.
set -u
expected=$1
shift
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind is not installed: skipped"
	exit 77
fi
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$@"
status=$?
if [ $status -eq 99 ]; then
	echo "FAIL: valgrind found errors or leaks (above)"
	exit 1
fi
if [ $status -ne "$expected" ]; then
	echo "FAIL: sonde exited with $status, expected $expected"
	exit 1
fi
echo "valgrind: no error, no leak (sonde exited with $status)"
