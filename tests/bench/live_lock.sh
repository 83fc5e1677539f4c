# Sourced by the benchmark scripts: live_lock NAME takes the lock the live
# tests hold (tests/run_cases.py), on fd 9 until the script exits, waiting
# for it if need be.  The live tests find their trigger programs by comm,
# and the benchmarks drive getppid and turn kernel.bpf_stats_enabled off
# when they end: running together, each spoils the other's counts.
live_lock() {
	local lockfile=/run/lock/sonde-live-tests.lock
	[ -w /run/lock ] || lockfile=/tmp/sonde-live-tests.lock
	exec 9>>"$lockfile"
	if ! flock -n 9; then
		echo "$1: waiting for $lockfile (live tests or another benchmark running)" >&2
		flock 9
	fi
}
