#!/usr/bin/env python3
"""Timed runs of one tracer that need more than a shell: see README.

  tracer_runs.py first-event TRACER TRIGGER ROUNDS
      median ms from launching TRACER to its first printed event, while
      TRIGGER (getppid_loop) calls getppid() every millisecond.
  tracer_runs.py printf-rate TRACER TRIGGER EVENTS
      printf("%d %s\\n", pid, comm) on every getppid() of TRIGGER run at full
      speed: events printed per second, events the tracer reported lost,
      events missing, tracer CPU (user+sys) per printed event.
  tracer_runs.py stacks TRACER TRIGGER N [ENV=VALUE...] -- SCRIPT-PREFIX
      @[ustack] = count() over TRIGGER (stack_paths N): N getppid() calls
      from distinct user stacks; the tracer exits when TRIGGER goes to sleep,
      still alive, so its stacks can be symbolised.  Prints the ms from
      starting TRIGGER to the tracer's exit (events, reading the map,
      symbolising, printing), peak RSS KiB, stacks printed, stacks printed
      with symbol names.
  tracer_runs.py run TRACER [ENV=VALUE...] -- ARGS...
      one run: wall ms, CPU ms (user+sys), peak RSS KiB of the tracer
      (getrusage of the child), lines of output.

Each prints one line of space-separated numbers; "-" where it failed.
"""
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import time

PRED = '/comm == "getppid_loop"/'


def ticks_of(pid):
    """utime + stime of a live process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_attached(proc, path, timeout=30.0):
    """Until the tracer printed its Attaching line (then a little more)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        with open(path, "rb") as f:
            if b"Attaching" in f.read(4096):
                time.sleep(0.3)   # the line comes just before the attach
                return True
        time.sleep(0.02)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def first_event(tracer, trigger, rounds):
    prog = ('tracepoint:syscalls:sys_enter_getppid ' + PRED +
            ' { printf("first %d\\n", pid); exit(); }')
    loop = subprocess.Popen([trigger, "0", "1000"])
    times = []
    try:
        time.sleep(0.1)
        for _ in range(rounds):
            t0 = time.monotonic()
            p = subprocess.Popen([tracer, "-e", prog], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            got = None
            for line in p.stdout:
                if line.startswith(b"first "):
                    got = time.monotonic() - t0
                    break
            p.stdout.close()
            p.wait()
            if got is None:
                return "-"
            times.append(got * 1000)
    finally:
        loop.kill()
        loop.wait()
    return "%.1f" % statistics.median(times)


def printf_rate(tracer, trigger, events):
    out = "/tmp/sonde-bench-printf.%d" % os.getpid()
    prog = ('tracepoint:syscalls:sys_enter_getppid ' + PRED +
            ' { printf("%d %s\\n", pid, comm); }')
    try:
        with open(out, "wb") as f:
            p = subprocess.Popen([tracer, "-e", prog], stdout=f,
                                 stderr=subprocess.STDOUT)
        if not wait_attached(p, out):
            stop(p)
            return "- - - - -"
        c0 = ticks_of(p.pid)
        t0 = time.monotonic()
        subprocess.run([trigger, str(events)], check=True)
        t_trig = time.monotonic() - t0
        # Drained when the output stops growing for 300 ms.
        size, last = -1, time.monotonic()
        while True:
            s = os.path.getsize(out)
            now = time.monotonic()
            if s != size:
                size, last = s, now
            elif now - last > 0.3:
                break
            time.sleep(0.01)
        t_all = last - t0
        c1 = ticks_of(p.pid)
        stop(p)
        got = lost = 0
        pat = re.compile(rb"^\d+ getppid_loop$")
        lostpat = re.compile(rb"Lost (\d+) events")
        with open(out, "rb") as f:
            for line in f:
                if pat.match(line):
                    got += 1
                else:
                    m = lostpat.search(line)
                    if m:
                        lost += int(m.group(1))
        cpu_ns = (c1 - c0) * 1e9 / os.sysconf("SC_CLK_TCK")
        return "%.0f %.0f %d %d %.0f" % (
            events / t_trig, got / t_all if t_all > 0 else 0, lost,
            events - got, cpu_ns / got if got else 0)
    finally:
        if os.path.exists(out):
            os.unlink(out)


def stacks(tracer, trigger, n, env_extra, prefix):
    out = "/tmp/sonde-bench-stacks.%d" % os.getpid()
    prog = prefix + (' tracepoint:syscalls:sys_enter_getppid /comm == "stack_paths"/'
                     ' { @[ustack] = count(); }'
                     ' tracepoint:syscalls:sys_enter_clock_nanosleep'
                     ' /comm == "stack_paths"/ { exit(); }')
    env = dict(os.environ)
    env.update(env_extra)
    trig = None
    try:
        with open(out, "wb") as f:
            p = subprocess.Popen([tracer, "-e", prog], stdout=f,
                                 stderr=subprocess.DEVNULL, env=env)
        if not wait_attached(p, out):
            stop(p)
            return "- - - -"
        t0 = time.monotonic()
        trig = subprocess.Popen([trigger, str(n), "300000"])
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = (time.monotonic() - t0) * 1000
        total = named = 0
        with open(out, "rb") as f:
            text = f.read()
        for m in re.finditer(rb"^@\[\n(.*?)\]: \d+$", text, re.M | re.S):
            total += 1
            if b"path_" in m.group(1):
                named += 1
        if p.returncode != 0:
            return "- - %d %d" % (total, named)
        return "%.1f %d %d %d" % (wall, ru.ru_maxrss, total, named)
    finally:
        if trig:
            trig.kill()
            trig.wait()
        if os.path.exists(out):
            os.unlink(out)


def one_run(tracer, args, env_extra):
    env = dict(os.environ)
    env.update(env_extra)
    t0 = time.monotonic()
    c0 = os.times()
    p = subprocess.Popen([tracer] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env)
    lines = sum(1 for _ in p.stdout)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = (time.monotonic() - t0) * 1000
    cpu = (ru.ru_utime + ru.ru_stime) * 1000
    if p.returncode != 0:
        return "- - - %d" % lines
    return "%.1f %.1f %d %d" % (wall, cpu, ru.ru_maxrss, lines)


def main(argv):
    if len(argv) >= 5 and argv[1] == "first-event":
        print(first_event(argv[2], argv[3], int(argv[4])))
    elif len(argv) >= 5 and argv[1] == "printf-rate":
        print(printf_rate(argv[2], argv[3], int(argv[4])))
    elif len(argv) >= 7 and argv[1] == "stacks" and "--" in argv:
        i = argv.index("--")
        env = dict(a.split("=", 1) for a in argv[5:i] if "=" in a)
        print(stacks(argv[2], argv[3], int(argv[4]), env, " ".join(argv[i + 1:])))
    elif len(argv) >= 4 and argv[1] == "run" and "--" in argv:
        i = argv.index("--")
        env = dict(a.split("=", 1) for a in argv[3:i] if "=" in a)
        print(one_run(argv[2], argv[i + 1:], env))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
