#!/bin/sh
# Runs the front-end fuzzer (tests/fuzz/fuzz_frontend.c) for a while.
#
#   tests/fuzz/run.sh FUZZER SECONDS [WORKDIR] [-- LIBFUZZER-FLAGS...]
#
# FUZZER is the libFuzzer binary (BUILD/fuzz/tests/fuzz_frontend, built when
# clang-19 is installed).  WORKDIR (default: a fresh temporary directory)
# keeps the growing corpus in WORKDIR/corpus between runs and any finding in
# WORKDIR/findings.  The seed corpus is made anew each run from the tests'
# programs: tests/golden/*/*.bt, tests/cases/**/*.bt, the PROG lines of
# tests/cases/*.case, examples/*.bt, and tests/fuzz/regressions/* (inputs
# the fuzzer once found a fault with: each is run first, every time).  Uses both cores (-fork=2) when
# SONDE_FUZZ_JOBS=2 is set; one by default, as ctest runs it.
#
# Exits 0 when the fuzzer found nothing, non-zero otherwise: the crashing
# input is then in WORKDIR/findings (reproduce: FUZZER FILE, with
# SONDE_FUZZ_VERBOSE=1 to see the diagnostics).
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 FUZZER SECONDS [WORKDIR] [-- LIBFUZZER-FLAGS...]" >&2
	exit 2
fi
fuzzer=$1
seconds=$2
shift 2
work=
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	work=$1
	shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ ! -x "$fuzzer" ]; then
	echo "$0: $fuzzer: not built (it needs clang-19)" >&2
	exit 2
fi
if [ -z "$work" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/corpus" "$work/findings"
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds"

# Seeds: every program the tests and examples hold, one file each.
n=0
for f in "$top"/tests/golden/*/*.bt "$top"/tests/cases/*/*.bt "$top"/examples/*.bt \
	"$here"/regressions/*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	cp "$f" "$seeds/file$n.bt"
done
python3 - "$seeds" "$top"/tests/cases/*.case <<'PY'
import sys
out, files = sys.argv[1], sys.argv[2:]
n = 0
for path in files:
    prog = None
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if prog is not None and line[:1] in (" ", "\t"):
            prog += "\n" + line[1:]
            continue
        if prog is not None:
            n += 1
            open(f"{out}/prog{n}.bt", "w").write(prog)
            prog = None
        if line.startswith("PROG "):
            prog = line[5:]
    if prog is not None:
        n += 1
        open(f"{out}/prog{n}.bt", "w").write(prog)
PY

echo "fuzzing $fuzzer for ${seconds}s; seeds: $(ls "$seeds" | wc -l); corpus: $work/corpus"
jobs=${SONDE_FUZZ_JOBS:-1}
fork=
[ "$jobs" -gt 1 ] && fork="-fork=$jobs -ignore_crashes=0"
# Leaks are checked on every input; -timeout flags a hang, -rss_limit_mb a
# runaway allocation; the dictionary holds the language's words.
# shellcheck disable=SC2086
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 \
	-dict="$here/sonde.dict" -artifact_prefix="$work/findings/" -print_final_stats=1 \
	$fork "$@" "$work/corpus" "$seeds"
