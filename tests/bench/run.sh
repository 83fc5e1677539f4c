#!/bin/bash
# sonde vs bpftrace on the same workloads, side by side.  See README.
#
#   tests/bench/run.sh [--sonde PATH] [--bpftrace PATH|none] [--rounds N]
#                      [--events N] [--printf-events N] [--progs DIR]
#                      [--ev-rounds N]
#
# Needs root (BPF, kernel.bpf_stats_enabled) and bpftool for the per-event
# figures.  Not a test: it prints numbers, it does not judge them.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=10
events=1000000
printf_events=500000
ev_rounds=3
sonde=
bpftrace=$(command -v bpftrace || true)
progs=

usage() {
	sed -n '2,9s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--sonde) sonde=${2:?}; shift 2 ;;
	--bpftrace) bpftrace=${2:?}; shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--events) events=${2:?}; shift 2 ;;
	--printf-events) printf_events=${2:?}; shift 2 ;;
	--progs) progs=${2:?}; shift 2 ;;
	--ev-rounds) ev_rounds=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown argument: $1" >&2; usage ;;
	esac
done
[ "$bpftrace" = none ] && bpftrace=

# Default sonde: the usual build trees, then PATH.
if [ -z "$sonde" ]; then
	for s in "$repo/build/sonde" "$repo"/build-*/sonde; do
		[ -x "$s" ] && { sonde=$s; break; }
	done
	[ -z "$sonde" ] && sonde=$(command -v sonde || true)
fi
if [ -n "$sonde" ] && [ ! -x "$sonde" ]; then
	echo "run.sh: $sonde is not executable; sonde column left empty" >&2
	sonde=
fi

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root (BPF, kernel.bpf_stats_enabled)" >&2
	exit 1
fi

# Peak RSS comes from GNU time (Debian package "time").
if [ ! -x /usr/bin/time ]; then
	echo "run.sh: installing GNU time for peak RSS" >&2
	apt-get install -y -qq time >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; }
fi
have_time=0
[ -x /usr/bin/time ] && have_time=1
have_bpftool=0
command -v bpftool >/dev/null 2>&1 && have_bpftool=1

# bpftrace 0.17 cannot mount tracefs; sonde can.  Mount it so both can run.
if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
fi

tmp=$(mktemp -d /tmp/sonde-bench.XXXXXX)
stats_orig=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo "")
cleanup() {
	[ -n "$stats_orig" ] && sysctl -q kernel.bpf_stats_enabled="$stats_orig" 2>/dev/null
	[ -n "${tracer_pid:-}" ] && kill -INT "$tracer_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the live tests' lock (see live_lock.sh)
. "$here/live_lock.sh"
live_lock run.sh

# The getppid trigger.
if [ -z "$progs" ]; then
	for d in "$(dirname "${sonde:-/nonexistent}")/tests/progs" "$repo/build/tests/progs"; do
		[ -x "$d/getppid_loop" ] && { progs=$d; break; }
	done
fi
if [ -z "$progs" ]; then
	progs=$tmp
	cc -O2 -static -o "$progs/getppid_loop" "$repo/tests/progs/getppid_loop.c" 2>/dev/null ||
		cc -O2 -o "$progs/getppid_loop" "$repo/tests/progs/getppid_loop.c" || exit 1
fi
trigger=$progs/getppid_loop

now_ns() { date +%s%N; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# elapsed_us T0 T1: microseconds between two $EPOCHREALTIME readings
elapsed_us() { echo $(( ${2//[.,]/} - ${1//[.,]/} )); }

# start_up TRACER: "wall_ms rss_kb" medians over $rounds runs of BEGIN { exit(); }.
# The wall time is taken by bash itself ($EPOCHREALTIME, no fork of date)
# around the tracer alone; the peak RSS comes from a second run under
# /usr/bin/time, whose own exec would otherwise count in the wall time.
start_up() {
	local t=$1 i t0 t1 walls= rsss=
	for ((i = 0; i < rounds; i++)); do
		t0=$EPOCHREALTIME
		"$t" -e 'BEGIN { exit(); }' >/dev/null 2>"$tmp/err" || return 1
		t1=$EPOCHREALTIME
		walls+="$(elapsed_us "$t0" "$t1")"$'\n'
		if [ "$have_time" = 1 ]; then
			/usr/bin/time -f %M -o "$tmp/rss" "$t" -e 'BEGIN { exit(); }' >/dev/null 2>"$tmp/err" || return 1
			rsss+="$(tail -n 1 "$tmp/rss")"$'\n'
		fi
	done
	printf '%s %s\n' "$(printf '%s' "$walls" | median | awk '{ printf "%.1f", $1 / 1000 }')" \
		"$( [ "$have_time" = 1 ] && printf '%s' "$rsss" | median || echo -)"
}

# wide_wildcard TRACER: wall seconds of the syscall-wide one-liner, attach to
# exit (one run: bpftrace 0.17 spends ~26 s detaching its perf events).
wide_wildcard() {
	local t=$1 t0 t1
	t0=$(now_ns)
	"$t" -e 'tracepoint:syscalls:sys_enter_* { @[probe] = count(); } BEGIN { exit(); }' \
		>/dev/null 2>"$tmp/err" || return 1
	t1=$(now_ns)
	awk -v d=$(( (t1 - t0) / 1000000 )) 'BEGIN { printf "%.2f", d / 1000 }'
}

# prog_stats IDS...: "run_time_ns run_cnt" summed over these BPF program ids.
prog_stats() {
	bpftool prog show -j 2>/dev/null | python3 -c '
import json, sys
ids = set(int(a) for a in sys.argv[1:])
t = c = 0
for p in json.load(sys.stdin):
    if p["id"] in ids:
        t += p.get("run_time_ns", 0)
        c += p.get("run_cnt", 0)
print(t, c)' "$@"
}

# tracepoint_ids: ids of loaded tracepoint programs, one a line.
tracepoint_ids() {
	bpftool prog show -j 2>/dev/null | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("type") == "tracepoint":
        print(p["id"])'
}

# stop_tracer PID: SIGINT, and wait for it to exit.  bpftrace 0.17 can miss
# a SIGINT that comes while it is still attaching (seen 7 Dec 2026: the
# benchmark waited 12 minutes on it), so it is sent again every 5 s, and
# after 30 s the tracer is killed.
stop_tracer() {
	local pid=$1 i
	kill -INT "$pid" 2>/dev/null
	for ((i = 1; i <= 300; i++)); do
		running "$pid" || break
		((i % 50 == 0)) && kill -INT "$pid" 2>/dev/null
		sleep 0.1
	done
	running "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# running PID: the process is there and not a zombie (kill -0 succeeds on
# an exited child until it is waited for)
running() {
	local st
	read -r st 2>/dev/null < "/proc/$1/stat" || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# per_event TRACER PROGRAM: BPF ns per event, from kernel.bpf_stats_enabled.
per_event() {
	local t=$1 prog=$2 before ids i s0 s1
	[ "$have_bpftool" = 1 ] || return 1
	before=$(tracepoint_ids)
	sysctl -q kernel.bpf_stats_enabled=1 || return 1
	"$t" -e "$prog" >"$tmp/out" 2>"$tmp/err" &
	tracer_pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^Attaching ' "$tmp/out" 2>/dev/null && break
		kill -0 "$tracer_pid" 2>/dev/null || break
		sleep 0.05
	done
	sleep 0.5	# "Attaching" comes just before the attach itself
	ids=$(comm -13 <(printf '%s\n' "$before" | sort) <(tracepoint_ids | sort))
	if [ -z "$ids" ]; then
		stop_tracer "$tracer_pid"; tracer_pid=
		return 1
	fi
	s0=$(prog_stats $ids)
	"$trigger" "$events"
	s1=$(prog_stats $ids)
	stop_tracer "$tracer_pid"
	tracer_pid=
	sysctl -q kernel.bpf_stats_enabled="${stats_orig:-0}"
	set -- $s0 $s1
	awk -v t0="$1" -v c0="$2" -v t1="$3" -v c1="$4" \
		'BEGIN { if (c1 - c0 <= 0) exit 1; printf "%.0f %d\n", (t1 - t0) / (c1 - c0), c1 - c0 }'
}

# compile_100 FILE: for each tracer, "wall_ms cpu_ms" medians over $rounds
# runs of --emit-elf (compile only, a dry run in both tracers) into
# cwall[] and ccpu[].  The tracers take turns, run by run: sonde compiles
# on every CPU, so a noisy moment costs it more than single-threaded
# bpftrace, and measured one after the other the ratio moved by 0.04
# between runs a few minutes apart.
compile_100() {
	local f=$1 i n t r
	declare -A walls cpus
	for ((i = 0; i < rounds; i++)); do
		for n in "${names[@]}"; do
			if [ "$n" = sonde ]; then t=$sonde; else t=$bpftrace; fi
			r=$(python3 "$here/tracer_runs.py" run "$t" -- --emit-elf "$tmp/out.o" "$f") || r="- -"
			set -- $r
			[ "$1" = - ] && { walls[$n]+="-"$'\n'; continue; }
			walls[$n]+="$1"$'\n'; cpus[$n]+="$2"$'\n'
		done
	done
	for n in "${names[@]}"; do
		if [ -z "${walls[$n]}" ] || [[ "${walls[$n]}" == *-* ]]; then
			cwall[$n]=-; ccpu[$n]=-
			continue
		fi
		cwall[$n]=$(printf '%s' "${walls[$n]}" | median)
		ccpu[$n]=$(printf '%s' "${cpus[$n]}" | median)
	done
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) { print "-"; exit }
		printf "%.2fx\n", a / b }'
}

names=()
[ -n "$sonde" ] && names+=(sonde)
[ -n "$bpftrace" ] && names+=(bpftrace)
if [ ${#names[@]} = 0 ]; then
	echo "run.sh: neither sonde nor bpftrace found (use --sonde PATH)" >&2
	exit 1
fi

# The compile-time script: 100 probes of 5 lines on syscall tracepoints.
ls /sys/kernel/tracing/events/syscalls 2>/dev/null | grep '^sys_enter_' | head -n 100 |
	while read -r tp; do
		printf 'tracepoint:syscalls:%s /pid > 1/ {\n\t@calls[probe, comm] = count();\n\t@lat = hist(nsecs & 0xffff);\n\tprintf("%%s %%d\\n", comm, pid);\n}\n' "$tp"
	done >"$tmp/compile100.bt"

declare -A wall rss ev_count ev_empty wide first cwall ccpu pf_trig pf_rate pf_lost pf_miss pf_cpu
# per-event rows: label -> program on sys_enter_getppid (issue 6's table)
ev_labels=("@ = count()" "@[pid] = count()" "@[comm] = count()" "@[tid, comm] = count()"
	"@ = hist(x)" "@ = lhist(x, 0, 1000, 10)" "@ = avg(x)")
ev_progs=("@ = count();" "@[pid] = count();" "@[comm] = count();" "@[tid, comm] = count();"
	"@ = hist(nsecs & 0xffff);" "@ = lhist(nsecs % 1000, 0, 1000, 10);" "@ = avg(nsecs & 0xffff);")
declare -A ev_more
for n in "${names[@]}"; do
	if [ "$n" = sonde ]; then t=$sonde; else t=$bpftrace; fi
	echo "measuring $n ($t)..." >&2
	if r=$(start_up "$t"); then
		read -r w m <<<"$r"
		wall[$n]=$w
		[ "$m" != - ] && rss[$n]=$(awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }') || rss[$n]=-
	else
		echo "  $n: BEGIN { exit(); } failed: $(head -c 300 "$tmp/err")" >&2
		wall[$n]=-; rss[$n]=-
	fi
	first[$n]=$(python3 "$here/tracer_runs.py" first-event "$t" "$trigger" "$rounds") || first[$n]=-
	read -r pf_trig[$n] pf_rate[$n] pf_lost[$n] pf_miss[$n] pf_cpu[$n] \
		<<<"$(python3 "$here/tracer_runs.py" printf-rate "$t" "$trigger" "$printf_events")"
	wide[$n]=$(wide_wildcard "$t") || { wide[$n]=-; echo "  $n: syscall wildcard run failed: $(head -c 300 "$tmp/err")" >&2; }
done
echo "compiling the 100-probe script, the tracers taking turns..." >&2
compile_100 "$tmp/compile100.bt"

# The BPF ns/event rows: --ev-rounds runs of each, the tracers taking turns
# (the machine's noise drifts over minutes, and a VM's helper calls vary by
# 20% from run to run: one run each compares two moments, not two tracers),
# then the median of each.
declare -A ev_runs
ev_row() {	# ev_row KEY NAME PROGRAM: one more run of PROGRAM into ev_runs[KEY,NAME]
	local r
	if r=$(per_event "$t" "$3"); then
		ev_runs[$1,$2]+="${r%% *}"$'\n'
	else
		echo "  $2: $1 run failed: $(head -c 300 "$tmp/err")" >&2
	fi
}
for ((round = 0; round < ev_rounds; round++)); do
	for n in "${names[@]}"; do
		if [ "$n" = sonde ]; then t=$sonde; else t=$bpftrace; fi
		ev_row comm "$n" 'tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }'
		if [ "${BENCH_ALL_EVENTS:-1}" = 1 ]; then
			for k in "${!ev_progs[@]}"; do
				ev_row "$k" "$n" "tracepoint:syscalls:sys_enter_getppid { ${ev_progs[$k]} }"
			done
		fi
		ev_row empty "$n" 'tracepoint:syscalls:sys_enter_getppid { }'
	done
done
for n in "${names[@]}"; do
	ev_count[$n]=$(printf '%s' "${ev_runs[comm,$n]:-}" | median) || ev_count[$n]=-
	ev_empty[$n]=$(printf '%s' "${ev_runs[empty,$n]:-}" | median) || ev_empty[$n]=-
	for k in "${!ev_progs[@]}"; do
		ev_more[$n,$k]=$(printf '%s' "${ev_runs[$k,$n]:-}" | median) || ev_more[$n,$k]=-
	done
done

col() { local -n a=$1; echo "${a[$2]:--}"; }

echo
printf '%s\n' "$(uname -r), $(nproc) CPUs; $rounds rounds; BPF figures: median of $ev_rounds runs of $events getppid calls"
[ -n "$sonde" ] && echo "sonde:    $sonde"
[ -n "$bpftrace" ] && echo "bpftrace: $bpftrace ($("$bpftrace" --version 2>/dev/null | head -n 1))"
echo
fmt='%-46s %12s %12s %8s\n'
printf "$fmt" workload sonde bpftrace ratio
printf "$fmt" "$(printf '%.0s-' {1..46})" "------------" "------------" "--------"
row_fmt() {
	local label=$1 arr=$2 unit=$3 s b sv bv
	s=$(col "$arr" sonde); b=$(col "$arr" bpftrace)
	sv=$s; [ "$s" != - ] && sv="$s $unit"
	bv=$b; [ "$b" != - ] && bv="$b $unit"
	printf "$fmt" "$label" "$sv" "$bv" "$(ratio "$s" "$b")"
}
row_fmt "BEGIN { exit(); }: wall time, median" wall ms
row_fmt "BEGIN { exit(); }: peak RSS, median" rss MB
row_fmt "launch to first event printed, median" first ms
row_fmt "compile 100 probes/500 lines: wall, median" cwall ms
row_fmt "compile 100 probes/500 lines: CPU, median" ccpu ms
row_fmt "printf %d %s: trigger rate while traced" pf_trig ev/s
row_fmt "printf %d %s: events printed per second" pf_rate ev/s
row_fmt "printf %d %s: lost, as the tracer reports" pf_lost ev
row_fmt "printf %d %s: missing from the output" pf_miss ev
row_fmt "printf %d %s: tracer CPU per printed event" pf_cpu ns
row_fmt "sys_enter_* @[probe] = count(), BEGIN exit" wide s
row_fmt "sys_enter_getppid @[comm] = count(): BPF" ev_count ns/ev
row_fmt "sys_enter_getppid { } (floor): BPF" ev_empty ns/ev
if [ "${BENCH_ALL_EVENTS:-1}" = 1 ]; then
	for k in "${!ev_progs[@]}"; do
		declare -A one=([sonde]=${ev_more[sonde,$k]:--} [bpftrace]=${ev_more[bpftrace,$k]:--})
		row_fmt "getppid ${ev_labels[$k]}: BPF" one ns/ev
		unset one
	done
fi
echo
echo "ratio = sonde / bpftrace: below 1.00x, sonde is faster or smaller."
