#!/bin/sh
# The second invariant: whatever sonde accepts, the kernel's verifier accepts.
#
#   tests/fuzz/verify_corpus.sh SONDE DIR...
#
# Every file in the DIRs (the fuzzer's corpus: programs it generated, and its
# seeds) is compiled (--emit-elf=/dev/null); each one that compiles is loaded
# into the kernel without attaching (--dry-run).  A verifier rejection of a
# program sonde accepted is a failure, but for one kind: a loop whose end
# the verifier cannot see (while (1) { }, a bound read from a map).  Whether
# a loop ends is not decidable; sonde reports those at the loop with what to
# change (verifier.case), and here they are counted.  Other load failures
# (a kernel function that has no trampoline, say) are counted too.  Needs
# root: skips (77) without it, unless SONDE_REQUIRE_LIVE=1.
set -u
sonde=$1
shift
if [ "$(id -u)" != 0 ]; then
	echo "not root: cannot load programs"
	[ "${SONDE_REQUIRE_LIVE:-0}" = 1 ] && exit 1
	exit 77
fi
loaded=0 rejected=0 loops=0 other=0 refused=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for dir in "$@"; do
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		if ! timeout 30 "$sonde" --emit-elf=/dev/null "$f" >/dev/null 2>&1; then
			refused=$((refused + 1))
			continue
		fi
		if timeout 60 "$sonde" --dry-run "$f" >/dev/null 2>"$log"; then
			loaded=$((loaded + 1))
		elif grep -q "verifier rejected" "$log" &&
		     grep -qE "infinite loop detected|jumps is too complex|BPF program is too large" "$log"; then
			loops=$((loops + 1))
		elif grep -q "verifier rejected" "$log"; then
			rejected=$((rejected + 1))
			echo "FAIL: the verifier rejects $f, which sonde compiles:"
			sed 's/^/    /' "$f"
			sed 's/^/  | /' "$log"
		else
			other=$((other + 1))
			echo "not loaded: $f: $(head -n 1 "$log")"
		fi
	done
done
echo "$loaded loaded, $rejected rejected by the verifier, $loops loops the verifier cannot bound," \
	"$other not loaded for other reasons, $refused not compiled (diagnostics)"
[ "$rejected" = 0 ] && [ "$loaded" -gt 0 ]
