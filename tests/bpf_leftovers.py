#!/usr/bin/env python3
"""Runs a tracer and checks that it leaves no BPF object behind.

    tests/bpf_leftovers.py [--signal SIG]... [--delay SECS] -- CMD ARGS...

Runs CMD (no shell), passing its stdout and stderr through.  With --signal,
once CMD prints a line starting "Attaching " and DELAY seconds (default 0.5)
have passed, sends each SIG in turn (INT, TERM, HUP, USR1, ...), DELAY apart.

While CMD runs, the BPF programs, maps and links it holds are read from
/proc/PID/fdinfo (prog_id:, map_id:, link_id:) every few milliseconds.
After it exits, each of them must be gone from the kernel (bpftool prog /
map / link show id N), and tracefs' kprobe_events and uprobe_events must
hold no event libbpf made for that pid (libbpf_PID_...).  The kernel frees
objects a little after the last file descriptor closes: each gets 3 s.

A link holds its program, so a program gone means its links are gone too,
even those that lived too briefly to be seen in fdinfo.

With --count-created, CMD runs under strace (bpf calls only) and the
checker prints "created: P programs, M maps, L links" from the calls that
succeeded: proof that links made and torn down within a millisecond (an
attach failing halfway) were made at all, which sampling cannot give.

With --nothing-loaded, CMD runs under strace (bpf and perf_event_open
calls only) and must not have created any BPF program, map, link or BTF
object, nor opened a perf event, not even for a moment: the line before the
last is then "created: nothing" or one "CREATED: <call>" line per object.

Last lines: "exit status N" (CMD's), then "leftovers: none (P programs,
M maps, L links seen)" or one "LEFTOVER: ..." line per object left.  Exits
with 0 when nothing was left, 1 otherwise (CMD's own status is only printed,
for the case to check).  Needs root, as the tracer does.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

KINDS = {"prog_id": "prog", "map_id": "map", "link_id": "link"}
TRACEFS = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]


def held_ids(pid, seen):
    """Adds the BPF object ids pid holds to seen (kind -> set of ids)."""
    fddir = f"/proc/{pid}/fdinfo"
    try:
        fds = os.listdir(fddir)
    except OSError:
        return
    for fd in fds:
        try:
            with open(f"{fddir}/{fd}") as f:
                text = f.read()
        except OSError:
            continue
        for key, kind in KINDS.items():
            m = re.search(rf"^{key}:\s*(\d+)", text, re.M)
            if m:
                seen[kind].add(int(m.group(1)))


def exists(kind, ident):
    r = subprocess.run(["bpftool", kind, "show", "id", str(ident)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return r.returncode == 0, r.stdout.strip().splitlines()[0] if r.stdout.strip() else ""


def probe_events(pid):
    left = []
    for root in TRACEFS:
        for name in ("kprobe_events", "uprobe_events"):
            try:
                with open(f"{root}/{name}") as f:
                    for line in f:
                        if f"libbpf_{pid}_" in line:
                            left.append(f"{name}: {line.strip()}")
            except OSError:
                pass
        if left:
            break
    return left


CREATING = re.compile(r"bpf\((BPF_PROG_LOAD|BPF_MAP_CREATE|BPF_LINK_CREATE|BPF_BTF_LOAD"
                      r"|BPF_RAW_TRACEPOINT_OPEN)|perf_event_open\(")


def created(path):
    """The calls in strace's log that created a BPF object or perf event."""
    made = []
    with open(path) as f:
        for line in f:
            m = re.search(r"= (-?\d+)", line.rsplit(")", 1)[-1]) if ")" in line else None
            if CREATING.search(line) and m and int(m.group(1)) >= 0:
                made.append(line.strip()[:160])
    return made


def created_counts(made):
    """'P programs, M maps, L links' from created()'s calls."""
    n = {"programs": 0, "maps": 0, "links": 0}
    for call in made:
        if "BPF_PROG_LOAD" in call:
            n["programs"] += 1
        elif "BPF_MAP_CREATE" in call:
            n["maps"] += 1
        elif "BPF_LINK_CREATE" in call or "BPF_RAW_TRACEPOINT_OPEN" in call:
            n["links"] += 1
    return ", ".join(f"{v} {k}" for k, v in n.items())


def traced_child(pid):
    """The command strace (pid) runs, once it has started."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signal", action="append", default=[])
    ap.add_argument("--delay", type=float, default=0.5)
    ap.add_argument("--nothing-loaded", action="store_true")
    ap.add_argument("--count-created", action="store_true")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command")

    trace = None
    if args.nothing_loaded or args.count_created:
        trace = tempfile.NamedTemporaryFile(prefix="bpf-leftovers-", suffix=".strace")
        cmd = ["strace", "-f", "-qq", "-e", "trace=bpf,perf_event_open", "-o", trace.name,
               "--"] + cmd
    env = dict(os.environ)
    if trace:
        # LeakSanitizer cannot run under ptrace: in a sanitizer build it
        # would end the tracer with status 1 ("does not work under
        # ptrace"); leaks are checked by every run without strace.
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1, env=env)
    seen = {"prog": set(), "map": set(), "link": set()}
    attached = threading.Event()
    out_lock = threading.Lock()

    def say(line):
        """One whole line at a time: the tracer's and ours interleave."""
        with out_lock:
            sys.stdout.write(line if line.endswith("\n") else line + "\n")
            sys.stdout.flush()

    def pump():
        for line in proc.stdout:
            say(line)
            if line.startswith("Attaching "):
                attached.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()

    def signaller():
        if not attached.wait(30):
            return
        for name in args.signal:
            time.sleep(args.delay)
            if proc.poll() is not None:
                return
            sig = getattr(signal, "SIG" + name.upper().removeprefix("SIG"))
            say(f"-- sending SIG{name.upper().removeprefix('SIG')}")
            proc.send_signal(sig)

    if args.signal:
        threading.Thread(target=signaller, daemon=True).start()
    pid = None if trace else proc.pid
    while proc.poll() is None:
        if trace:  # strace forks a short-lived test child before the real one
            pid = traced_child(proc.pid) or pid
        if pid:
            held_ids(pid, seen)
        time.sleep(0.005)
    reader.join(5)
    say(f"exit status {proc.returncode}")

    left = []
    for kind, ids in seen.items():
        for ident in sorted(ids):
            deadline = time.monotonic() + 3
            while True:
                there, desc = exists(kind, ident)
                if not there or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            if there:
                left.append(f"{kind} {ident}: {desc}")
    left += probe_events(pid or proc.pid)
    made = []
    if args.nothing_loaded:
        made = created(trace.name)
        for call in made:
            print(f"CREATED: {call}")
        if not made:
            print("created: nothing")
    elif trace:
        print(f"created: {created_counts(created(trace.name))}")
    if left:
        for item in left:
            print(f"LEFTOVER: {item}")
        return 1
    if made:
        return 1
    print(f"leftovers: none ({len(seen['prog'])} programs, {len(seen['map'])} maps, "
          f"{len(seen['link'])} links seen)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
