#!/bin/sh
# Regenerates the fixtures in this directory from the real bpftrace (0.17 on
# Debian 12 when they were recorded).  Run as root: ./gen.sh [NAME...]
#
# Each line below: NAME <tab> MODE <tab> PROGRAM.
#   exit:  the fixture is what bpftrace prints for the maps at exit, that is
#          its output without "Attaching N probe(s)...\n" and the "\n\n" it
#          prints before the maps.
#   print: the fixture is what the program prints with print() before its
#          "@@end" line (the maps printed at exit are not part of it).
# tests/unit/test_map_print.c rebuilds the same data in memory for each NAME.
set -eu
cd "$(dirname "$0")"
BPFTRACE=${BPFTRACE:-bpftrace}

cases() {
cat <<'EOF'
scalars	exit	BEGIN { @ = -5; @x = 5; @y = 12345678901; exit(); }
keyed_int_values	exit	BEGIN { @m[-1] = -3; @m[2] = 7; @m[-10] = 100; @m[5] = -50; exit(); }
unsigned_values	exit	BEGIN { @u[1] = (uint64)-1; @u[2] = (uint64)5; exit(); }
multi_key	exit	BEGIN { @u[1, "x"] = 3; @u[2, "abc"] = 1; @u[-1, ""] = 2; exit(); }
small_int_keys	exit	BEGIN { @b[(int8)-1, (uint16)65535] = 2; exit(); }
string_keys_values	exit	BEGIN { @s["foo"] = "bar"; @s["a"] = "zzz"; @s["b"] = ""; exit(); }
int_keys_by_key	exit	BEGIN { @m[-1] = "a"; @m[2] = "b"; @m[-10] = "c"; @m[0] = "d"; exit(); }
multi_key_by_key	exit	BEGIN { @k["b", 2] = (1, 2); @k["a", 3] = (1, 2); @k["b", 1] = (1, 2); @k["a", -1] = (3, 4); @k["ab", 0] = (0, 0); @k["", 5] = (0, 0); exit(); }
tuples	exit	BEGIN { @t = (1, "abc"); @u[1, "x"] = (-2, "y", 3); @e[1, 2, 3] = (1, (2, "q"), "r"); exit(); }
count	exit	BEGIN { unroll(3) { @c[1] = count(); } @c[2] = count(); unroll(10) { @c[3] = count(); } unroll(2) { @c[4] = count(); } unroll(7) { @n = count(); } exit(); }
sum	exit	BEGIN { @s[1] = sum(-5); @s[2] = sum(3); @s[3] = sum(-100); @t = sum(10); @t = sum(-3); exit(); }
min_max	exit	BEGIN { @mn[1] = min(-10); @mn[2] = min(7); @mn[3] = min(-20); @mn[4] = min(0); @mx[1] = max(10); @mx[2] = max(7); @mx[3] = max(0); exit(); }
avg	exit	BEGIN { @a = avg(3); @b[1] = avg(-7); @b[1] = avg(-8); @b[2] = avg(9); @b[3] = avg(100); @c = 1; @d[1] = avg(-1); @d[1] = avg(-2); @d[2] = avg(5); @d[2] = avg(6); exit(); }
stats	exit	BEGIN { @s = stats(3); @st[1] = stats(-7); @st[1] = stats(-8); @st[2] = stats(9); @st[3] = stats(100); exit(); }
stats_ties	exit	BEGIN { @[1] = stats(1); @[256] = stats(1); @[2] = stats(1); @[-1] = stats(1); @[3] = stats(0); exit(); }
hist_basic	exit	BEGIN { @h = hist(0); @h = hist(1); @h = hist(5); @h = hist(1000); @h = hist(-3); exit(); }
hist_units	exit	BEGIN { $a = 1; @h = hist($a << 19); @h = hist($a << 20); @h = hist($a << 29); @h = hist($a << 30); @h = hist($a << 31); @h = hist($a << 31); exit(); }
hist_bars	exit	BEGIN { unroll(7) { @h = hist(1); } unroll(3) { @h = hist(2); } unroll(5) { @h = hist(4); } @h = hist(8); unroll(6) { @h = hist(32); } unroll(100) { @g = hist(10); } @g = hist(1000); exit(); }
hist_keyed	exit	BEGIN { unroll(3) { @h[1] = hist(3); } @h[1] = hist(100); @h[2] = hist(5); unroll(2) { @h[3] = hist(5); } exit(); }
hist_ties	exit	BEGIN { @[1] = hist(1); @[256] = hist(1); @[2] = hist(1); @[-1] = hist(1); unroll(2) { @[3] = hist(1); } exit(); }
hist_ties_20	exit	BEGIN { @[1] = hist(1); @[2] = hist(1); @[3] = hist(1); @[4] = hist(1); @[5] = hist(1); @[6] = hist(1); @[7] = hist(1); @[8] = hist(1); @[9] = hist(1); @[10] = hist(1); @[11] = hist(1); @[12] = hist(1); @[13] = hist(1); @[14] = hist(1); @[15] = hist(1); @[16] = hist(1); @[17] = hist(1); @[18] = hist(1); @[19] = hist(1); @[20] = hist(1); exit(); }
lhist_basic	exit	BEGIN { @a = lhist(-5, 0, 100, 10); @a = lhist(150, 0, 100, 10); @a = lhist(55, 0, 100, 10); @a = lhist(100, 0, 100, 10); @b = lhist(104, 0, 105, 10); @b = lhist(99, 0, 105, 10); @b = lhist(105, 0, 105, 10); exit(); }
lhist_units	exit	BEGIN { @l = lhist(1024, 1000, 1100, 1); @l = lhist(1025, 1000, 1100, 1); @m = lhist(1048576, 0, 4194304, 1048576); @m = lhist(3145728, 0, 4194304, 1048576); @m = lhist(5000000, 0, 4194304, 1048576); @k = lhist(600, 0, 4096, 512); @k = lhist(1100, 0, 4096, 512); @k = lhist(4095, 0, 4096, 512); @n = lhist(5, 1024, 3072, 1024); exit(); }
lhist_keyed	exit	BEGIN { unroll(3) { @l["x"] = lhist(3, 0, 10, 1); } @l["x"] = lhist(7, 0, 10, 1); @l["y"] = lhist(12, 0, 10, 1); exit(); }
mixed	exit	BEGIN { @x = count(); @s = stats(3); @y = hist(3); @z = lhist(3, 0, 10, 1); exit(); }
empty	exit	BEGIN { @x[1] = count(); clear(@x); @s = stats(1); clear(@s); @h[1] = hist(1); clear(@h); @z = 1; exit(); }
zeroed	exit	BEGIN { @h = hist(1); zero(@h); @s = stats(1); zero(@s); @x = count(); zero(@x); exit(); }
pointers	exit	BEGIN { @p = (int8 *)0x1234abcd; @q[(int16 *)0x10] = 1; @r = (uint64 *)0; @n = (int8 *)-1; @t = ((int8 *)0x10, 1); @v[1] = (int8 *)0x30; @v[2] = (int8 *)0x20; @v[3] = (int8 *)0x5; exit(); }
array	exit	BEGIN { @a = curtask->cpus_mask.bits; exit(); }
probe	exit	BEGIN { @[probe] = count(); @p = probe; @t = (probe, 1); exit(); }
print_count_sum	print	BEGIN { @c[1] = count(); unroll(2) { @c[2] = count(); } unroll(3) { @c[3] = count(); } @s[1] = sum(-10); @s[2] = sum(7); @s[3] = sum(25); print(@c, 2); print(@c, 0, 2); print(@s, 2, 3); print(@s, 5, 3); printf("@@end\n"); exit(); }
print_min_max_avg	print	BEGIN { @mn[1] = min(-10); @mn[2] = min(7); @mn[3] = min(25); @mx[2] = max(8); @mx[3] = max(26); @a[1] = avg(-7); @a[1] = avg(-8); @a[2] = avg(9); @a[3] = avg(100); print(@mn, 2, 3); print(@mn, 0, 3); print(@mx, 2, 3); print(@a, 2, 3); print(@a, 0, 2); printf("@@end\n"); exit(); }
print_stats	print	BEGIN { @st[1] = stats(-7); @st[1] = stats(-8); @st[2] = stats(9); @st[3] = stats(100); print(@st, 2, 3); printf("@@end\n"); exit(); }
print_hist	print	BEGIN { unroll(3) { @h[1] = hist(3); } @h[1] = hist(100); @h[2] = hist(5); unroll(2) { @h[3] = hist(5); } print(@h, 2, 2); unroll(3) { @l[1] = lhist(3, 0, 10, 1); } @l[2] = lhist(5, 0, 10, 1); print(@l, 1, 2); print(@l, 0, 3); printf("@@end\n"); exit(); }
print_values	print	BEGIN { print(5); print("abc"); print((1, "abc", (2, 3))); print(-7); printf("@@end\n"); exit(); }
EOF
}

cases | while IFS='	' read -r name mode prog; do
	if [ $# -gt 0 ]; then
		want=0
		for n in "$@"; do [ "$n" = "$name" ] && want=1; done
		[ $want = 1 ] || continue
	fi
	out=$("$BPFTRACE" -e "$prog" 2>/dev/null; echo x)
	out=${out%x}
	case $mode in
	exit)  printf '%s' "$out" | tail -n +4 > "$name.txt" ;;
	print) printf '%s' "$out" | tail -n +2 | sed '/^@@end$/,$d' > "$name.txt" ;;
	esac
	echo "$name.txt"
done
