#!/bin/bash
# bpf_floor.sh [--progs DIR] [--events N] [--rounds N]: BPF ns per event of
# hand-written C programs on sys_enter_getppid (bpf_floor.bpf.c, compiled by
# clang-19): the least any tracer can spend on run.sh's per-event rows with
# the same maps on this machine.  Needs root, clang-19 and libbpf-dev; see
# README ("What the floor is").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
progs= events=500000 rounds=5
while [ $# -gt 0 ]; do
	case $1 in
	--progs) progs=$2; shift 2 ;;
	--events) events=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	*) echo "bpf_floor.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
# the live tests' lock (see live_lock.sh)
. "$here/live_lock.sh"
live_lock bpf_floor.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; sysctl -q kernel.bpf_stats_enabled=0' EXIT
trigger=${progs:+$progs/getppid_loop}
if [ -z "$trigger" ] || [ ! -x "$trigger" ]; then
	cc -O2 -o "$tmp/getppid_loop" "$repo/tests/progs/getppid_loop.c"
	trigger=$tmp/getppid_loop
fi
clang-19 -O2 -g -target bpf -I"/usr/include/$(gcc -print-multiarch)" \
	-c "$here/bpf_floor.bpf.c" -o "$tmp/floor.o"
cc -O2 -Wall -o "$tmp/load" "$here/bpf_floor_load.c" -lbpf
sysctl -q kernel.bpf_stats_enabled=1
"$tmp/load" "$tmp/floor.o" "$trigger" "$events" "$rounds" |
	while read -r name ns; do
		printf '%-12s %6s ns/ev\n' "$name" "$ns"
	done
