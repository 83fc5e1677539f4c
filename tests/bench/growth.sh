#!/bin/bash
# How cost grows, sonde vs bpftrace, side by side.  See README.
#
#   tests/bench/growth.sh [--sonde PATH] [--bpftrace PATH|none] [--progs DIR]
#                         [--max-keys N] [--stacks N]
#
# Rows: compile time and memory against script size (10/100/1000 probes);
# run, read and print time and memory against distinct map keys (10 ..
# --max-keys, default 1000000); printing a map of --stacks (default 10000)
# distinct user stacks, symbolised.  Needs root.  Prints numbers, no verdict.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sonde=
bpftrace=$(command -v bpftrace || true)
progs=
max_keys=1000000
nstacks=10000

usage() {
	sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--sonde) sonde=${2:?}; shift 2 ;;
	--bpftrace) bpftrace=${2:?}; shift 2 ;;
	--progs) progs=${2:?}; shift 2 ;;
	--max-keys) max_keys=${2:?}; shift 2 ;;
	--stacks) nstacks=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) echo "growth.sh: unknown argument: $1" >&2; usage ;;
	esac
done
[ "$bpftrace" = none ] && bpftrace=
if [ -z "$sonde" ]; then
	for s in "$repo/build/sonde" "$repo"/build-*/sonde; do
		[ -x "$s" ] && { sonde=$s; break; }
	done
fi
if [ "$(id -u)" != 0 ]; then
	echo "growth.sh: needs root" >&2
	exit 1
fi
if [ -z "$progs" ]; then
	for d in "$(dirname "${sonde:-/nonexistent}")/tests/progs" "$repo/build/tests/progs"; do
		[ -x "$d/close_keys" ] && [ -x "$d/stack_paths" ] && { progs=$d; break; }
	done
fi
tmp=$(mktemp -d /tmp/sonde-growth.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$progs" ]; then
	progs=$tmp
	for p in close_keys stack_paths; do
		cc -O2 -o "$tmp/$p" "$repo/tests/progs/$p.c" || exit 1
	done
fi
if [ ! -d /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
fi
lockfile=/run/lock/sonde-live-tests.lock
[ -w /run/lock ] || lockfile=/tmp/sonde-live-tests.lock
exec 9>>"$lockfile"
flock -n 9 || { echo "growth.sh: waiting for $lockfile" >&2; flock 9; }

runs=$here/tracer_runs.py
names=()
[ -n "$sonde" ] && names+=(sonde)
[ -n "$bpftrace" ] && names+=(bpftrace)
tracer() { if [ "$1" = sonde ]; then echo "$sonde"; else echo "$bpftrace"; fi; }

# gen_script N: N probe blocks of 5 lines on the first 100 syscall
# tracepoints, round robin (a probe may repeat: each block is a program).
tps=($(ls /sys/kernel/tracing/events/syscalls | grep '^sys_enter_' | head -n 100))
gen_script() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf 'tracepoint:syscalls:%s /pid > 1/ {\n\t@calls[probe, comm] = count();\n\t@lat = hist(nsecs & 0xffff);\n\tprintf("%%s %%d\\n", comm, pid);\n}\n' \
			"${tps[i % ${#tps[@]}]}"
	done
}

fmt='%-34s %-8s %10s %10s %9s %10s\n'
printf "$fmt" row tracer "wall ms" "cpu ms" "RSS MB" "output"
printf "$fmt" "$(printf '%.0s-' {1..34})" -------- ---------- ---------- --------- ----------
show() {	# label tracer "wall cpu rss_kb lines"
	local w c m l
	read -r w c m l <<<"$3"
	[ "$m" != - ] && m=$(awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }')
	printf "$fmt" "$1" "$2" "$w" "$c" "$m" "$l"
}

# Script size: compile only (--emit-elf, a dry run in both).
for n in 10 100 1000; do
	gen_script "$n" >"$tmp/s$n.bt"
	printf 'config = { max_probes = 2000 }\n' | cat - "$tmp/s$n.bt" >"$tmp/s$n.sonde.bt"
	for t in "${names[@]}"; do
		f=$tmp/s$n.bt; [ "$t" = sonde ] && f=$tmp/s$n.sonde.bt
		r=$(python3 "$runs" run "$(tracer "$t")" BPFTRACE_MAX_PROBES=2000 BPFTRACE_MAX_BPF_PROGS=2000 \
			-- --emit-elf "$tmp/out.o" "$f")
		show "compile $n probes ($((n * 5)) lines)" "$t" "$r lines"
	done
done

# Distinct keys: @[args->fd] = count() over close_keys N, run with -c,
# maps printed at the end; max_map_keys raised to fit.
for ((n = 10; n <= max_keys; n *= 10)); do
	keys=$((n + 16))
	prog='tracepoint:syscalls:sys_enter_close /pid == cpid/ { @[args->fd] = count(); }'
	for t in "${names[@]}"; do
		if [ "$t" = sonde ]; then
			p="config = { max_map_keys = $keys } $prog"
		else
			p=$prog
		fi
		r=$(python3 "$runs" run "$(tracer "$t")" BPFTRACE_MAP_KEYS_MAX=$keys \
			-- -e "$p" -c "$progs/close_keys $n")
		show "$n distinct keys (run + print)" "$t" "$r lines"
	done
done

# Stacks: time from starting the program to the tracer's exit (events,
# read, symbolise, print).  The stack map is sized 4x the stacks to keep
# hash collisions (lost stacks, same for both) low.
for n in 1000 "$nstacks"; do
	keys=$((n * 4))
	for t in "${names[@]}"; do
		if [ "$t" = sonde ]; then pre="config = { max_map_keys = $keys }"; else pre=; fi
		r=$(timeout 600 python3 "$runs" stacks "$(tracer "$t")" "$progs/stack_paths" "$n" \
			BPFTRACE_MAP_KEYS_MAX=$keys -- "$pre")
		read -r w m tot named <<<"$r"
		show "$n user stacks, symbolised" "$t" "$w - $m $tot stacks ($named named)"
	done
done
echo
echo "wall: launch to exit (stacks: program start to exit); cpu: user+sys of the"
echo "tracer; RSS: its peak; output: lines printed, or stacks printed."
