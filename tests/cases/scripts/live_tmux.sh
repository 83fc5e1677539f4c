#!/bin/sh
# --live under a real terminal: tmux runs sonde in a detached session, we
# look at the screen twice, press Ctrl-C, and look at what is left.
# Usage: live_tmux.sh SONDE.  Prints what it saw as "live view: ..." lines.
set -u
sonde=$1
if ! command -v tmux >/dev/null 2>&1; then
	echo "live view: tmux missing" >&2
	exit 1
fi
s=sonde-live-$$
out=$(mktemp)
trap 'tmux kill-session -t "$s" 2>/dev/null; rm -f "$out"' EXIT
tmux new-session -d -s "$s" -x 100 -y 30 \
	"'$sonde' --live --interval 300ms -e 'interval:ms:50 { @ticks = count(); @h = hist(3); }'; echo EXITED \$?; sleep 30"
seen_header= seen_map=
for i in $(seq 1 40); do
	sleep 0.25
	tmux capture-pane -p -t "$s" > "$out" 2>/dev/null || continue
	grep -q '^sonde --live' "$out" && seen_header=1
	grep -q '^@ticks: [0-9]' "$out" && grep -q '^\[2, 4) ' "$out" && seen_map=1
	[ -n "$seen_header" ] && [ -n "$seen_map" ] && break
done
[ -n "$seen_header" ] && echo "live view: header seen"
[ -n "$seen_map" ] && echo "live view: map seen"
tmux send-keys -t "$s" C-c
for i in $(seq 1 40); do
	sleep 0.25
	tmux capture-pane -p -t "$s" > "$out" 2>/dev/null || continue
	grep -q '^EXITED 0' "$out" && break
done
# after the alternate screen: the final maps, printed normally, then the exit status
if grep -q '^EXITED 0' "$out" && grep -q '^@ticks: [0-9]' "$out" && ! grep -q '^sonde --live' "$out"; then
	echo "live view: final maps after Ctrl-C"
else
	echo "live view: screen after Ctrl-C:"
	cat "$out"
fi
