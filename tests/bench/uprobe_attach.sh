#!/bin/bash
# Attaching 1, 10, 100 and 1000 uprobes: sonde and bpftrace side by side.
# See the section "uprobe_attach.sh" at the end of README.
#
#   tests/bench/uprobe_attach.sh [--sonde PATH] [--bpftrace PATH|none]
#                                [--rounds N] [--sizes "1 10 100 1000"]
#
# Needs root.  Not a test: it prints numbers, it does not judge them.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=3
sizes="1 10 100 1000"
sonde=
bpftrace=$(command -v bpftrace || true)

usage() {
	sed -n '2,8s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--sonde) sonde=${2:?}; shift 2 ;;
	--bpftrace) bpftrace=${2:?}; shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--sizes) sizes=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) echo "uprobe_attach.sh: unknown argument: $1" >&2; usage ;;
	esac
done
[ "$bpftrace" = none ] && bpftrace=
if [ -z "$sonde" ]; then
	for s in "$repo/build/sonde" "$repo"/build-*/sonde; do
		[ -x "$s" ] && { sonde=$s; break; }
	done
fi
if [ -z "$sonde" ] && [ -z "$bpftrace" ]; then
	echo "uprobe_attach.sh: neither sonde nor bpftrace found (use --sonde PATH)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "uprobe_attach.sh: needs root" >&2
	exit 1
fi
for n in $sizes; do
	case $n in 1|10|100|1000) ;; *) echo "uprobe_attach.sh: sizes are 1, 10, 100, 1000" >&2; exit 2 ;; esac
done

# bpftrace 0.17 refuses more than 512 attach points unless told
export BPFTRACE_MAX_PROBES=2000

tmp=$(mktemp -d /tmp/sonde-uprobe-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The target: bf_0000 .. bf_0999, real functions (noipa) with symbols, so
# that the prefixes bf_0000*, bf_000*, bf_00* and bf_0* match 1, 10, 100
# and 1000 of them.
python3 - "$tmp/fns.c" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write('#define F __attribute__((noipa, used))\n')
    for i in range(1000):
        f.write(f'F int bf_{i:04d}(int x) {{ __asm__ volatile("" ::: "memory"); return x + {i}; }}\n')
    f.write('int main(void) { return 0; }\n')
EOF
cc -O1 -o "$tmp/fns" "$tmp/fns.c" || exit 1

# One tracer run: launch, the "Attaching N probes..." line, BEGIN's "go"
# line (BEGIN runs once every probe is attached, in both tracers), exit
# (BEGIN calls exit(): the rest is detaching and tearing down).  Prints
# "attaching_ms begin_ms total_ms rss_kb probes" ("-" when it failed).
cat >"$tmp/run1.py" <<'EOF'
import os, re, resource, subprocess, sys, time
tracer, prog = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
p = subprocess.Popen([tracer, "-e", prog], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
t_att = t_go = None
probes = "-"
for line in p.stdout:
    now = time.monotonic()
    m = re.match(rb"Attaching (\d+) probes?", line)
    if m and t_att is None:
        t_att, probes = now, m.group(1).decode()
    elif line.strip() == b"go" and t_go is None:
        t_go = now
_, status, ru = os.wait4(p.pid, 0)
t_end = time.monotonic()
ms = lambda t: "-" if t is None else "%.1f" % ((t - t0) * 1000)
ok = os.waitstatus_to_exitcode(status) == 0 and t_go is not None
print(ms(t_att), ms(t_go) if ok else "-", ms(t_end) if ok else "-", ru.ru_maxrss if ok else "-", probes)
EOF

median() { awk '$1 != "-"' | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b + 0 == 0) { print "-"; exit }
		printf "%.2fx\n", a / b }'
}

pattern() {
	case $1 in 1) echo 'bf_0000*' ;; 10) echo 'bf_000*' ;; 100) echo 'bf_00*' ;; 1000) echo 'bf_0*' ;; esac
}

names=()
[ -n "$sonde" ] && names+=(sonde)
[ -n "$bpftrace" ] && names+=(bpftrace)
echo "uprobe attach: $rounds round(s), sizes $sizes; sonde: ${sonde:--}, bpftrace: ${bpftrace:--}" >&2

declare -A res
for n in $sizes; do
	prog="uprobe:$tmp/fns:$(pattern "$n") { @ = count(); } BEGIN { printf(\"go\\n\"); exit(); }"
	for ((r = 0; r < rounds; r++)); do
		for name in "${names[@]}"; do
			t=$sonde
			[ "$name" = bpftrace ] && t=$bpftrace
			line=$(python3 "$tmp/run1.py" "$t" "$prog")
			echo "  $n uprobes, $name, round $((r + 1)): $line (ms to Attaching, to BEGIN, to exit; RSS KiB; probes)" >&2
			res[$name,$n]+="$line"$'\n'
		done
	done
done

# column K of every round of NAME,N -> median
col() { printf '%s' "${res[$1,$2]}" | awk -v k="$3" '{ print $k }' | median; }

printf '\n%-42s %12s %12s %8s\n' "workload (medians)" sonde bpftrace ratio
printf '%-42s %12s %12s %8s\n' "------------------------------------------" ------------ ------------ --------
fmt() { [ "$1" = - ] && echo - || awk -v v="$1" -v d="$2" -v u="$3" 'BEGIN { printf "%.*f %s", d, v, u }'; }
for n in $sizes; do
	for m in attach detach total rss; do
		declare -A v=()
		for name in sonde bpftrace; do
			v[$name]=-
			[ -n "${res[$name,$n]:-}" ] || continue
			case $m in
			attach) # Attaching line to BEGIN: the attach calls themselves
				a=$(printf '%s' "${res[$name,$n]}" | awk '$1 != "-" && $2 != "-" { print $2 - $1 }' | median) ;;
			detach) # BEGIN to exit: detaching and teardown
				a=$(printf '%s' "${res[$name,$n]}" | awk '$2 != "-" && $3 != "-" { print $3 - $2 }' | median) ;;
			total) a=$(col "$name" "$n" 3) ;;
			rss) a=$(col "$name" "$n" 4) ;;
			esac
			v[$name]=$a
		done
		case $m in
		attach) label="$n uprobes: attach (Attaching -> BEGIN)"; u=ms; d=1; s=1 ;;
		detach) label="$n uprobes: exit (BEGIN -> exited)"; u=ms; d=0; s=1 ;;
		total) label="$n uprobes: total wall"; u=ms; d=0; s=1 ;;
		rss) label="$n uprobes: peak RSS"; u=MB; d=1; s=1024 ;;
		esac
		sv=${v[sonde]}; bv=${v[bpftrace]}
		[ "$sv" != - ] && sv=$(awk -v x="$sv" -v s=$s 'BEGIN { print x / s }')
		[ "$bv" != - ] && bv=$(awk -v x="$bv" -v s=$s 'BEGIN { print x / s }')
		printf '%-42s %12s %12s %8s\n' "$label" "$(fmt "$sv" $d $u)" "$(fmt "$bv" $d $u)" "$(ratio "$sv" "$bv")"
	done
done
