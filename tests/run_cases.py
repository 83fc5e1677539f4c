#!/usr/bin/env python3
"""Live end-to-end test runner for sonde (and, for validation, bpftrace).

    tests/run_cases.py --sonde PATH [--progs DIR] [--filter REGEX] FILES...

Each FILE holds cases separated by blank lines.  A case is a list of
"KEY value" lines (one space or tab after the key; the value is taken
verbatim, trailing spaces included).  Lines starting with '#' are comments.
A line starting with whitespace continues the previous key's value on a new
line (for multi-line PROG and RUN).

  NAME x                 required, unique within the file
  PROG text              run as  SONDE -e text
  RUN cmdline            run with /bin/sh -c (for script files, flags, stdin)
  AFTER cmdline          shell command started once the tracer has attached:
                         after a stdout line beginning "Attaching " (with
                         -f json: '{"type": "attached_probes"') and a
                         settle delay (the line is printed just before the
                         probes attach)
  AFTER_DELAY secs       that settle delay (default 0.25)
  EXPECT line            a whole stdout line; several EXPECTs must appear in
                         this order (not necessarily adjacent)
  EXPECT_REGEX re        re.search must match some stdout line
  EXPECT_NONE re         re.search must match no stdout line
  EXPECT_STDERR_REGEX re re.search must match some stderr line
  EXPECT_COUNT n re      exactly n stdout lines match re (re.search)
  STDOUT_FILE path       the whole stdout must equal this file, byte for byte
                         (path relative to the case file's directory): for
                         fully deterministic programs, where blank lines and
                         trailing spaces matter too
  EXIT_CODE n            expected exit status (default 0); also "nonzero"
                         or "any"
  TIMEOUT secs           the tracer gets SIGINT after this long (default 5);
                         reaching it is a failure unless TIMEOUT_OK is given
  TIMEOUT_OK             the case is expected to run until SIGINT
  ENV K=V                environment for the tracer and AFTER (repeatable)
  SONDE_ONLY reason      checks sonde-specific behaviour: skipped when the
                         tracer under test is bpftrace (reference mode)
  NO_BPF                 needs neither root nor BPF (-h, --version, syntax
                         errors): never skipped for lack of them
  NEEDS feature          runs only where this machine has the feature, and
  NEEDS !feature         "!feature" only where it has not (repeatable);
                         otherwise the case is skipped with the reason, and
                         SONDE_REQUIRE_LIVE=1 does not make that skip a
                         failure.  The features, each decided once per run
                         by a checker independent of the tracer under test:
                           hw_breakpoints  hardware breakpoints fire (PROGS/
                                           hwbp_fires: some virtual machines
                                           open them but never fire them)

{{SONDE}}, {{PROGS}} and {{CASEDIR}} are substituted in PROG, RUN, AFTER and
EXPECT ({{CASEDIR}} is the directory of the case file); in RUN and AFTER the
substituted paths are shell-quoted.

Without --progs, tests/progs/*.c are compiled into a temporary directory.
When the tracer's file name starts with "bpftrace" the runner is in
reference mode: SONDE_ONLY cases skip, and tracefs is mounted if it is not
(bpftrace 0.17 cannot mount it; sonde does that itself).

Output: PASS/FAIL/SKIP per case, then "N passed, N failed, N skipped".
Exit status: 1 if any case failed, 77 if every case was skipped (ctest's
SKIP_RETURN_CODE), else 0.  With SONDE_REQUIRE_LIVE=1 in the environment a
skip for lack of root/BPF counts as a failure (a skip for SONDE_ONLY or
NEEDS does not).

Python 3 standard library only.
"""

import argparse
import ctypes
import difflib
import fcntl
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

KEYS_SINGLE = {"NAME", "PROG", "RUN", "AFTER", "AFTER_DELAY", "EXIT_CODE",
               "TIMEOUT", "TIMEOUT_OK", "SONDE_ONLY", "NO_BPF", "STDOUT_FILE"}
KEYS_MULTI = {"EXPECT", "EXPECT_REGEX", "EXPECT_NONE", "EXPECT_STDERR_REGEX",
              "EXPECT_COUNT", "ENV", "NEEDS"}
FLAG_KEYS = {"TIMEOUT_OK", "NO_BPF"}
CONTINUABLE = {"PROG", "RUN", "AFTER"}

DEFAULT_TIMEOUT = 5.0
DEFAULT_AFTER_DELAY = 0.25
# How long a tracer may take to exit after SIGINT (detaching, printing maps).
SIGINT_GRACE = 10.0
# Cases find their trigger by comm ("getppid_loop"): two runs at once on one
# machine (ctest -j, two build trees, tests/bench/run.sh) would count each
# other's events.  Every live case holds this lock while it runs.
LIVE_LOCK = "/run/lock/sonde-live-tests.lock"


class CaseError(Exception):
    pass


class Case:
    def __init__(self, path, line):
        self.path = path
        self.line = line
        self.fields = {}
        self.multi = {k: [] for k in KEYS_MULTI}

    def get(self, key, default=None):
        return self.fields.get(key, default)

    @property
    def name(self):
        return self.fields.get("NAME", "?")


def parse_case_file(path):
    cases = []
    cur = None
    last_key = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip("\r")
        if line.strip() == "":
            cur = None
            last_key = None
            continue
        if line.startswith("#"):
            continue
        where = "%s:%d" % (path, lineno)
        if line[0] in " \t":
            if cur is None or last_key not in CONTINUABLE:
                raise CaseError("%s: continuation line after %s" %
                                (where, last_key or "nothing"))
            cur.fields[last_key] += "\n" + line
            continue
        m = re.match(r"([A-Z_]+)(?:[ \t](.*))?$", line)
        if not m:
            raise CaseError("%s: expected 'KEY value': %r" % (where, line))
        key, value = m.group(1), m.group(2)
        if value is None:
            value = ""
        if key not in KEYS_SINGLE and key not in KEYS_MULTI:
            raise CaseError("%s: unknown key %s" % (where, key))
        if cur is None:
            cur = Case(path, lineno)
            cases.append(cur)
        if key in KEYS_MULTI:
            cur.multi[key].append(value)
        else:
            if key in cur.fields:
                raise CaseError("%s: %s given twice" % (where, key))
            cur.fields[key] = value
        last_key = key
    names = set()
    for c in cases:
        where = "%s:%d" % (c.path, c.line)
        if "NAME" not in c.fields:
            raise CaseError("%s: case without NAME" % where)
        if c.name in names:
            raise CaseError("%s: duplicate NAME %r" % (where, c.name))
        names.add(c.name)
        if ("PROG" in c.fields) == ("RUN" in c.fields):
            raise CaseError("%s: %s: exactly one of PROG and RUN" %
                            (where, c.name))
        for i, ec in enumerate(c.multi["EXPECT_COUNT"]):
            m = re.fullmatch(r"(\d+)[ \t](.*)", ec)
            if not m:
                raise CaseError("%s: %s: EXPECT_COUNT needs 'N regex'" %
                                (where, c.name))
            c.multi["EXPECT_COUNT"][i] = (int(m.group(1)), m.group(2))
        for key in ("EXPECT_REGEX", "EXPECT_NONE", "EXPECT_STDERR_REGEX",
                    "EXPECT_COUNT"):
            for rx in c.multi[key]:
                if key == "EXPECT_COUNT":
                    rx = rx[1]
                try:
                    re.compile(rx)
                except re.error as e:
                    raise CaseError("%s: %s: bad %s %r: %s" %
                                    (where, c.name, key, rx, e))
        for key in ("TIMEOUT", "AFTER_DELAY"):
            if key in c.fields:
                try:
                    float(c.fields[key])
                except ValueError:
                    raise CaseError("%s: %s: %s is not a number" %
                                    (where, c.name, key))
        ec = c.fields.get("EXIT_CODE", "0")
        if ec not in ("any", "nonzero") and not re.fullmatch(r"-?\d+", ec):
            raise CaseError("%s: %s: bad EXIT_CODE %r" % (where, c.name, ec))
        for env in c.multi["ENV"]:
            if "=" not in env:
                raise CaseError("%s: %s: ENV needs K=V" % (where, c.name))
        for need in c.multi["NEEDS"]:
            if need.lstrip("!") not in FEATURES:
                raise CaseError("%s: %s: NEEDS %r: not a feature (known: %s)" %
                                (where, c.name, need,
                                 ", ".join(sorted(FEATURES))))
    return cases


# --- the environment ---------------------------------------------------------

BPF_SYSCALL_NR = {"x86_64": 321, "aarch64": 280, "riscv64": 280,
                  "ppc64le": 361, "s390x": 351, "loongarch64": 280}


def bpf_works():
    """Create and close a one-entry BPF array map: the cheapest proof that
    bpf() works here (not blocked by seccomp, lockdown or a missing
    CONFIG_BPF_SYSCALL)."""
    nr = BPF_SYSCALL_NR.get(platform.machine())
    if nr is None:
        return True, None  # unknown arch: let the tracer tell
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return True, None
    attr = (ctypes.c_uint32 * 32)()
    attr[0] = 2  # BPF_MAP_TYPE_ARRAY
    attr[1] = 4  # key_size
    attr[2] = 4  # value_size
    attr[3] = 1  # max_entries
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(ctypes.c_long(nr), ctypes.c_int(0),  # BPF_MAP_CREATE
                      ctypes.byref(attr), ctypes.c_uint(ctypes.sizeof(attr)))
    if fd < 0:
        err = ctypes.get_errno()
        return False, "bpf(BPF_MAP_CREATE) failed: %s" % os.strerror(err)
    os.close(fd)
    return True, None


def live_skip_reason():
    if os.geteuid() != 0:
        return "not root"
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        return "no /sys/kernel/btf/vmlinux"
    ok, why = bpf_works()
    if not ok:
        return why
    return None


def hw_breakpoints(progs):
    """Whether hardware breakpoints fire here, as PROGS/hwbp_fires says
    (its exit status; its one line is the reason)."""
    checker = os.path.join(progs, "hwbp_fires")
    try:
        r = subprocess.run([checker], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError("cannot decide hw_breakpoints: %s: %s" %
                           (checker, e))
    why = r.stdout.decode(errors="replace").strip() or \
        "%s exited with %d" % (checker, r.returncode)
    if r.returncode not in (0, 1):
        raise RuntimeError("cannot decide hw_breakpoints: %s" % why)
    return r.returncode == 0, why


# NEEDS features: name -> function(progs) -> (present, why).
FEATURES = {"hw_breakpoints": hw_breakpoints}


class Features:
    """Each feature decided once, on first use."""

    def __init__(self, progs):
        self.progs = progs
        self.known = {}

    def unmet(self, case):
        """(False, why) when the case's NEEDS are not met here, (None, why)
        when a feature cannot be decided (the case fails), else None."""
        for need in case.multi["NEEDS"]:
            name = need.lstrip("!")
            if name not in self.known:
                try:
                    self.known[name] = FEATURES[name](self.progs)
                except RuntimeError as e:
                    self.known[name] = None, str(e)
            present, why = self.known[name]
            if present is None:
                return None, why
            if present == need.startswith("!"):
                return False, "needs %s: %s" % (need, why)
        return None


def ensure_tracefs(log):
    for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        if os.path.isdir(os.path.join(d, "events")):
            return
    if os.geteuid() != 0 or not os.path.isdir("/sys/kernel/tracing"):
        return
    r = subprocess.run(["mount", "-t", "tracefs", "nodev",
                        "/sys/kernel/tracing"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode == 0:
        log("note: mounted tracefs on /sys/kernel/tracing for bpftrace")


def build_progs(srcdir, outdir):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RuntimeError("no C compiler to build %s (use --progs)" % srcdir)
    for name in sorted(os.listdir(srcdir)):
        if not name.endswith(".c"):
            continue
        src = os.path.join(srcdir, name)
        out = os.path.join(outdir, name[:-2])
        base = [cc, "-O2", "-Wall", "-pthread", "-o", out, src]
        # Static: no dynamic loader, whose own read()s and openat()s would
        # show up in the traces of the trigger's comm.
        r = subprocess.run(base[:1] + ["-static"] + base[1:],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            r = subprocess.run(base, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise RuntimeError("building %s failed:\n%s" %
                               (src, r.stdout.decode(errors="replace")))


# --- running one case ---------------------------------------------------------

class LiveLock:
    """flock() on LIVE_LOCK (or a file in /tmp when /run/lock is not
    writable), held for one case."""

    def __init__(self):
        self.fd = None
        for path in (LIVE_LOCK, os.path.join(tempfile.gettempdir(),
                                              os.path.basename(LIVE_LOCK))):
            try:
                self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
                break
            except OSError:
                continue

    def __enter__(self):
        if self.fd is None:
            return 0.0
        t0 = time.monotonic()
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return time.monotonic() - t0

    def __exit__(self, *exc):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


class Reader(threading.Thread):
    """Collects one pipe's lines; notices the 'Attaching ' line."""

    def __init__(self, pipe, watch_attach):
        super().__init__(daemon=True)
        self.pipe = pipe
        self.watch = watch_attach
        self.chunks = []
        self.attached = threading.Event()

    def run(self):
        for raw in iter(self.pipe.readline, b""):
            self.chunks.append(raw)
            # -f json announces the probes as an attached_probes record
            if self.watch and (raw.startswith(b"Attaching ") or raw.startswith(
                    b'{"type": "attached_probes"')):
                self.attached.set()
        self.pipe.close()

    def text(self):
        return b"".join(self.chunks).decode("utf-8", errors="replace")


def signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_after(after):
    """The tracer is done: an AFTER still running (a trigger looping until
    killed) is stopped, politely first."""
    if after is None:
        return
    if after.poll() is None:
        signal_group(after, signal.SIGTERM)
        try:
            after.wait(2)
        except subprocess.TimeoutExpired:
            signal_group(after, signal.SIGKILL)
            after.wait()


class Result:
    def __init__(self):
        self.stdout = ""
        self.stderr = ""
        self.after_out = None
        self.after_rc = None
        self.rc = None
        self.timed_out = False
        self.killed = False
        self.after_started = False
        self.cmd = ""


def subst(text, mapping, quote):
    for k, v in mapping.items():
        text = text.replace("{{%s}}" % k, shlex.quote(v) if quote else v)
    return text


def run_case(case, sonde, mapping):
    res = Result()
    env = dict(os.environ)
    for kv in case.multi["ENV"]:
        k, v = kv.split("=", 1)
        env[k] = v
    if "PROG" in case.fields:
        prog = subst(case.fields["PROG"], mapping, False)
        argv = [sonde, "-e", prog]
        res.cmd = " ".join(shlex.quote(a) for a in argv)
    else:
        cmdline = subst(case.fields["RUN"], mapping, True)
        argv = ["/bin/sh", "-c", cmdline]
        res.cmd = cmdline
    timeout = float(case.get("TIMEOUT", DEFAULT_TIMEOUT))
    delay = float(case.get("AFTER_DELAY", DEFAULT_AFTER_DELAY))
    after_cmd = case.get("AFTER")
    if after_cmd is not None:
        after_cmd = subst(after_cmd, mapping, True)

    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, start_new_session=True,
                                cwd=mapping["CASEDIR"])
    except OSError as e:
        res.stderr = "cannot run %s: %s" % (argv[0], e)
        res.rc = 127
        return res
    out = Reader(proc.stdout, True)
    err = Reader(proc.stderr, False)
    out.start()
    err.start()
    after = None
    after_at = None
    try:
        while proc.poll() is None:
            now = time.monotonic()
            if after_cmd is not None and after is None:
                if after_at is None and out.attached.is_set():
                    after_at = now + delay
                if after_at is not None and now >= after_at:
                    after = subprocess.Popen(
                        ["/bin/sh", "-c", after_cmd], stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        env=env, start_new_session=True,
                        cwd=mapping["CASEDIR"])
                    res.after_started = True
            if now - start >= timeout:
                res.timed_out = True
                signal_group(proc, signal.SIGINT)
                try:
                    proc.wait(SIGINT_GRACE)
                except subprocess.TimeoutExpired:
                    res.killed = True
                    signal_group(proc, signal.SIGKILL)
                    proc.wait()
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            signal_group(proc, signal.SIGKILL)
            proc.wait()
        stop_after(after)
    res.rc = proc.returncode
    # A backgrounded grandchild could hold the pipes open: don't hang on it.
    out.join(5)
    err.join(5)
    res.stdout = out.text()
    res.stderr = err.text()
    if after is not None:
        try:
            data, _ = after.communicate(timeout=5)
            res.after_out = data.decode("utf-8", errors="replace")
        except subprocess.TimeoutExpired:
            res.after_out = "(AFTER output not collected)"
        res.after_rc = after.returncode
    return res


def judge(case, res, mapping):
    why = []
    lines = res.stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    errlines = res.stderr.split("\n")

    if res.killed:
        why.append("did not exit within %gs of SIGINT (killed)" % SIGINT_GRACE)
    elif res.timed_out and "TIMEOUT_OK" not in case.fields:
        why.append("timed out after %ss (got SIGINT)" %
                   case.get("TIMEOUT", DEFAULT_TIMEOUT))
    if case.get("AFTER") is not None and not res.after_started:
        why.append("AFTER never ran: no stdout line began with 'Attaching '")

    want = case.get("EXIT_CODE", "0")
    rc = res.rc
    if want == "any":
        pass
    elif want == "nonzero":
        if rc == 0:
            why.append("exit status 0, expected non-zero")
    elif rc != int(want):
        why.append("exit status %s, expected %s" % (
            rc if rc is None or rc >= 0 else "signal %d" % -rc, want))

    pos = 0
    for exp in case.multi["EXPECT"]:
        exp = subst(exp, mapping, False)
        for i in range(pos, len(lines)):
            if lines[i] == exp:
                pos = i + 1
                break
        else:
            if exp in lines[:pos]:
                why.append("EXPECT %r found, but not after the previous "
                           "EXPECT" % exp)
            else:
                why.append("EXPECT %r not in stdout" % exp)
    for rx in case.multi["EXPECT_REGEX"]:
        if not any(re.search(rx, ln) for ln in lines):
            why.append("EXPECT_REGEX %r matched no stdout line" % rx)
    for rx in case.multi["EXPECT_NONE"]:
        hits = [ln for ln in lines if re.search(rx, ln)]
        if hits:
            why.append("EXPECT_NONE %r matched stdout line %r" % (rx, hits[0]))
    for n, rx in case.multi["EXPECT_COUNT"]:
        got = sum(1 for ln in lines if re.search(rx, ln))
        if got != n:
            why.append("EXPECT_COUNT %r: %d stdout lines matched, expected %d"
                       % (rx, got, n))
    for rx in case.multi["EXPECT_STDERR_REGEX"]:
        if not any(re.search(rx, ln) for ln in errlines):
            why.append("EXPECT_STDERR_REGEX %r matched no stderr line" % rx)
    if "STDOUT_FILE" in case.fields:
        path = os.path.join(mapping["CASEDIR"], case.fields["STDOUT_FILE"])
        try:
            with open(path, encoding="utf-8") as f:
                want_out = f.read()
        except OSError as e:
            why.append("STDOUT_FILE: %s" % e)
        else:
            if res.stdout != want_out:
                diff = difflib.unified_diff(
                    want_out.splitlines(True), res.stdout.splitlines(True),
                    case.fields["STDOUT_FILE"], "stdout")
                why.append("stdout differs from STDOUT_FILE (- expected, "
                           "+ got; $ marks line ends):\n" + "".join(
                               "      " + ln.rstrip("\n") + "$\n"
                               for ln in diff).rstrip("\n"))
    return why


def indent(text, prefix="    | "):
    if text == "":
        return prefix + "(empty)\n"
    body = text[:-1] if text.endswith("\n") else text
    out = "".join(prefix + ln + "\n" for ln in body.split("\n"))
    if not text.endswith("\n"):
        out += "    (no newline at end)\n"
    return out


def report_failure(case, res, why):
    print("FAIL %s" % case.name)
    print("  case: %s:%d" % (case.path, case.line))
    for w in why:
        print("  - %s" % w)
    print("  command: %s" % res.cmd)
    print("  exit status: %s" % res.rc)
    print("  stdout:")
    sys.stdout.write(indent(res.stdout))
    print("  stderr:")
    sys.stdout.write(indent(res.stderr))
    if res.after_out is not None:
        print("  AFTER (exit status %s):" % res.after_rc)
        sys.stdout.write(indent(res.after_out))


def main():
    ap = argparse.ArgumentParser(
        description="Run sonde's live end-to-end case files.")
    ap.add_argument("--sonde", required=True,
                    help="the tracer to test (sonde, or bpftrace to "
                         "validate the cases)")
    ap.add_argument("--progs", help="directory of the built trigger "
                    "programs (default: build tests/progs/*.c now)")
    ap.add_argument("--filter", help="only cases whose NAME matches this "
                    "regex (re.search)")
    ap.add_argument("--reference", action="store_true",
                    help="reference mode (skip SONDE_ONLY cases) even if "
                         "the tracer is not named bpftrace*")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show the output of passing cases too")
    ap.add_argument("files", nargs="+", metavar="FILES")
    args = ap.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    sonde = args.sonde
    if os.sep in sonde:
        sonde = os.path.abspath(sonde)
    elif shutil.which(sonde):
        sonde = shutil.which(sonde)
    reference = args.reference or \
        os.path.basename(sonde).startswith("bpftrace")
    require_live = os.environ.get("SONDE_REQUIRE_LIVE") == "1"
    filt = re.compile(args.filter) if args.filter else None

    all_cases = []
    n_pass = n_fail = n_skip = 0
    for path in args.files:
        try:
            all_cases.extend(parse_case_file(path))
        except (CaseError, OSError) as e:
            print("FAIL %s (bad case file: %s)" % (path, e))
            n_fail += 1
    if filt:
        all_cases = [c for c in all_cases if filt.search(c.name)]

    live_skip = live_skip_reason()
    if reference and live_skip is None:
        ensure_tracefs(print)

    lock = LiveLock()
    tmpdir = None
    progs = args.progs
    try:
        if progs is None and all_cases:
            tmpdir = tempfile.mkdtemp(prefix="sonde-progs-")
            build_progs(os.path.join(HERE, "progs"), tmpdir)
            progs = tmpdir
        progs = os.path.abspath(progs) if progs else ""
        features = Features(progs)

        for case in all_cases:
            if "SONDE_ONLY" in case.fields and reference:
                print("SKIP %s (SONDE_ONLY: %s)" %
                      (case.name, case.fields["SONDE_ONLY"] or "sonde only"))
                n_skip += 1
                continue
            if live_skip and "NO_BPF" not in case.fields:
                if require_live:
                    print("FAIL %s (skipped: %s; SONDE_REQUIRE_LIVE=1)" %
                          (case.name, live_skip))
                    n_fail += 1
                else:
                    print("SKIP %s (%s)" % (case.name, live_skip))
                    n_skip += 1
                continue
            unmet = features.unmet(case)
            if unmet and unmet[0] is None:
                print("FAIL %s (%s)" % (case.name, unmet[1]))
                n_fail += 1
                continue
            if unmet:
                print("SKIP %s (%s)" % (case.name, unmet[1]))
                n_skip += 1
                continue
            mapping = {"SONDE": sonde, "PROGS": progs,
                       "CASEDIR": os.path.dirname(os.path.abspath(case.path))}
            with lock as waited:
                if waited > 1:
                    print("  (waited %.0fs for %s: another live run)" %
                          (waited, LIVE_LOCK))
                t0 = time.monotonic()
                res = run_case(case, sonde, mapping)
            why = judge(case, res, mapping)
            if why:
                report_failure(case, res, why)
                n_fail += 1
            else:
                print("PASS %s (%.1fs)" % (case.name, time.monotonic() - t0))
                if args.verbose:
                    sys.stdout.write(indent(res.stdout))
                    if res.stderr:
                        print("  stderr:")
                        sys.stdout.write(indent(res.stderr))
                n_pass += 1
    except RuntimeError as e:
        print("FAIL (%s)" % e)
        n_fail += 1
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)

    print("%d passed, %d failed, %d skipped" % (n_pass, n_fail, n_skip))
    if n_fail:
        return 1
    if n_skip and not n_pass:
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
