#!/bin/bash
# Regenerate tests/bench/hot_symbols.txt: the functions sonde runs when it
# starts and compiles typical scripts, in the order valgrind first lists them.
#
#   tests/bench/hot_symbols.sh [SONDE] > tests/bench/hot_symbols.txt
#
# CMake hands the list to lld (--symbol-ordering-file) so these functions sit
# together at the start of .text.  Why: the static LLVM is ~24 MB of code of
# which sonde runs a few MB, scattered; every first call into a page maps the
# 64 KB around it (the kernel's fault-around), so scattered hot code made most
# of the text resident.  Packed, the peak RSS of BEGIN { exit(); } halves
# (README, "Peak RSS").  Stale names are harmless (lld ignores them), so
# regenerate only when LLVM or the code generator changes much.  Needs
# valgrind; compile-only runs, plus two real runs when root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sonde=${1:-$repo/build/sonde}
tmp=$(mktemp -d /tmp/sonde-hot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ls /sys/kernel/tracing/events/syscalls 2>/dev/null | grep '^sys_enter_' | head -n 20 |
	while read -r tp; do
		printf 'tracepoint:syscalls:%s /pid > 1/ { @calls[probe, comm] = count(); @lat = hist(nsecs & 0xffff); printf("%%s %%d\\n", comm, pid); }\n' "$tp"
	done >"$tmp/many.bt"

n=0
trace() {
	n=$((n + 1))
	valgrind --tool=callgrind --demangle=no --callgrind-out-file="$tmp/cg.$n" \
		"$sonde" "$@" >/dev/null 2>&1 || true
}
trace --version
# a real run too, when root: loading and attaching (libbpf, linked in)
if [ "$(id -u)" = 0 ]; then
	trace -e 'BEGIN { printf("hi\n"); exit(); }'
	trace -e 'tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); } interval:ms:200 { exit(); }'
fi
trace --emit-elf "$tmp/x.o" -e 'BEGIN { exit(); }'
trace --emit-elf "$tmp/x.o" "$tmp/many.bt"
trace --emit-elf "$tmp/x.o" -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); @s[str(args.filename)] = count(); @h = hist(args.flags); @l = lhist(pid, 0, 100, 10); @a = avg(pid); printf("%s %d %s\n", comm, tid, str(args.filename)); if (pid > 100) { @m[pid, comm] = max(nsecs); } } interval:s:1 { print(@h); clear(@a); }'
trace --emit-elf "$tmp/x.o" -e 'uprobe:/bin/sh:main { @[ustack] = count(); $i = 0; while ($i < 10) { $i++; } } END { printf("%s\n", strftime("%H", nsecs)); }'

# defined in the binary, in first-listed order, each once
nm --defined-only "$sonde" | awk '{ print $3 }' | sort -u >"$tmp/defined"
for ((i = 1; i <= n; i++)); do
	sed -n 's/^c\{0,1\}fn=([0-9]*) //p' "$tmp/cg.$i"
done | awk 'NR == FNR { d[$0] = 1; next } d[$0] && !seen[$0]++' "$tmp/defined" -
