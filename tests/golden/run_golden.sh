#!/usr/bin/env bash
# Golden tests for the front end.
#
#   run_golden.sh SONDE_BINARY DIR [FLAG]
#
# For every DIR/NAME.bt, runs `SONDE_BINARY FLAG NAME.bt` inside DIR (FLAG
# is --dump=ast unless given; the semantic goldens use --emit-elf=/dev/null
# to run every pass short of loading)
# (so diagnostics name the file as NAME.bt) and compares, byte for byte,
# stdout with DIR/NAME.ast and stderr with DIR/NAME.err, each only if that
# file exists.  Prints a diff for every mismatch, then "N passed, N failed";
# exits non-zero if anything failed.
#
# To (re)generate an expectation after a deliberate change, run the same
# command by hand and review the output before saving it:
#   (cd DIR && SONDE --dump=ast NAME.bt > NAME.ast 2> NAME.err)
set -u

if [ $# -ne 2 ] && [ $# -ne 3 ]; then
	echo "usage: $0 SONDE_BINARY DIR [FLAG]" >&2
	exit 2
fi
sonde=$1
dir=$2
flag=${3:---dump=ast}
case $sonde in
/*) ;;
*) sonde=$PWD/$sonde ;;
esac
if [ ! -x "$sonde" ]; then
	echo "$0: $sonde: not an executable" >&2
	exit 2
fi

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
cd "$dir" || exit 2
for bt in *.bt; do
	[ -e "$bt" ] || continue
	name=${bt%.bt}
	ok=1
	"$sonde" "$flag" "$bt" >"$tmp/out" 2>"$tmp/err" </dev/null
	for kind in ast err; do
		[ -e "$name.$kind" ] || continue
		actual=$tmp/out
		[ $kind = err ] && actual=$tmp/err
		if ! cmp -s "$name.$kind" "$actual"; then
			echo "FAIL $bt: $( [ $kind = ast ] && echo stdout || echo stderr ) differs from $name.$kind"
			diff -u "$name.$kind" "$actual" | sed 's/^/    /'
			ok=0
		fi
	done
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
