#!/usr/bin/env python3
"""--metrics end to end with a real Prometheus (Debian's `prometheus`).

    tests/metrics_prometheus.py SONDE PROGS_DIR

Starts sonde with --metrics on a free loopback port, runs a trigger that
makes 42 getppid() calls, checks the exposition text directly, then starts
Prometheus on another loopback port with a scrape config pointing at sonde
(scrape interval 1s), waits for a scrape, and asks its HTTP API
(/api/v1/query) for the counter, the histogram's count, sum and a
quantile, an lhist's mean (sum / count) and the lost-events counter;
then, with a second burst of 42 calls inside one interval of a tseries,
its gauge (the last whole interval) and a kernel stack as a label.

Exit 0 on success, 1 on failure, 77 (skip) without root or without the
prometheus binary, unless SONDE_REQUIRE_LIVE=1 makes a skip a failure.
Python 3 standard library only."""

import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

LOCK = "/run/lock/sonde-live-tests.lock"  # shared with run_cases.py
# @i counts the calls, so the lhist sees 1, 2, ..., 42: its _sum is 903
PROG = ('tracepoint:syscalls:sys_enter_getppid /comm == "getppid_loop"/ '
        '{ @calls = count(); @by_comm[comm] = count(); @h = hist(5); '
        '@i++; @lh = lhist(@i, 0, 100, 10); @neg[comm] = hist(-3); '
        '@ks[kstack(2)] = count(); @ts = tseries(1, 2s, 5, "sum"); }')
TS_NS = 2 * 10**9	# @ts's interval


def tai_ns():
    return time.clock_gettime_ns(time.CLOCK_TAI)


def next_interval(margin=0.2):
    """Sleeps until margin seconds into the next @ts interval."""
    t = tai_ns()
    time.sleep(((t // TS_NS + 1) * TS_NS - t) / 1e9 + margin)


def skip(why):
    if os.environ.get("SONDE_REQUIRE_LIVE") == "1":
        print("FAIL (skip not allowed with SONDE_REQUIRE_LIVE=1): " + why)
        sys.exit(1)
    print("SKIP: " + why)
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (
        port, urllib.parse.urlencode({"query": q}))
    data = json.loads(get(url))
    if data.get("status") != "success":
        return None
    res = data["data"]["result"]
    return res


def wait_until(what, fn, timeout):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last is not None and last is not False:
                return last
        except (OSError, ValueError) as e:
            last = e
        time.sleep(0.5)
    raise RuntimeError("timed out waiting for %s (last: %r)" % (what, last))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    sonde, progs = os.path.abspath(sys.argv[1]), sys.argv[2]
    if os.geteuid() != 0:
        skip("not root")
    prom = shutil.which("prometheus")
    if not prom:
        skip("no prometheus binary (scripts/install-deps.sh installs it)")

    lockfd = os.open(LOCK if os.access(os.path.dirname(LOCK), os.W_OK)
                     else os.path.join(tempfile.gettempdir(), "sonde-live-tests.lock"),
                     os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(lockfd, fcntl.LOCK_EX)

    tmp = tempfile.mkdtemp(prefix="sonde-prom-")
    mport, pport = free_port(), free_port()
    procs = []
    try:
        tracer = subprocess.Popen(
            [sonde, "--metrics", "127.0.0.1:%d" % mport, "-e", PROG],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        procs.append(tracer)
        line = tracer.stdout.readline().decode()
        if not line.startswith("Attaching "):
            raise RuntimeError("sonde did not start: %r %r" % (
                line, tracer.stderr.read().decode()))
        time.sleep(0.3)
        subprocess.run([os.path.join(progs, "getppid_loop"), "42"], check=True,
                       stdout=subprocess.DEVNULL)

        # the exposition text itself
        text = wait_until("the endpoint", lambda: get(
            "http://127.0.0.1:%d/metrics" % mport), 10)
        for want in ("# TYPE sonde_calls_total counter", "sonde_calls_total 42",
                     'sonde_by_comm_total{comm="getppid_loop"} 42',
                     "# TYPE sonde_h histogram", 'sonde_h_bucket{le="7"} 42',
                     'sonde_h_bucket{le="+Inf"} 42', "sonde_h_sum 210", "sonde_h_count 42",
                     'sonde_lh_bucket{le="9"} 9', "sonde_lh_sum 903", "sonde_lh_count 42",
                     'sonde_neg_sum{comm="getppid_loop"} -126',
                     "sonde_lost_events_total 0"):
            if want + "\n" not in text:
                raise RuntimeError("exposition lacks %r:\n%s" % (want, text))
        print("ok: the exposition text has the counter, labels and the histogram")

        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: sonde\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % mport)
        server = subprocess.Popen(
            [prom, "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(tmp, "data"),
             "--web.listen-address=127.0.0.1:%d" % pport, "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "prom.log"), "w"),
            start_new_session=True)
        procs.append(server)

        def value_of(q):
            res = query(pport, q)
            if not res:
                return None
            return float(res[0]["value"][1])

        v = wait_until("a scrape of sonde_calls_total",
                       lambda: value_of("sonde_calls_total") == 42 and 42, 60)
        print("ok: PromQL sonde_calls_total = %g" % v)
        v = value_of('sonde_by_comm_total{comm="getppid_loop",job="sonde"}')
        if v != 42:
            raise RuntimeError("sonde_by_comm_total{comm=getppid_loop} is %r" % v)
        print("ok: PromQL sonde_by_comm_total{comm=\"getppid_loop\"} = %g" % v)
        v = value_of("sonde_h_count")
        if v != 42:
            raise RuntimeError("sonde_h_count is %r" % v)
        q = value_of("histogram_quantile(0.5, sonde_h_bucket)")
        if q is None or not 3 <= q <= 7:
            raise RuntimeError("histogram_quantile(0.5, sonde_h_bucket) is %r" % q)
        print("ok: PromQL histogram_quantile(0.5, sonde_h_bucket) = %g" % q)
        v = value_of("sonde_h_sum")
        if v != 210:
            raise RuntimeError("sonde_h_sum is %r, not 42 * 5" % v)
        v = value_of("sonde_lh_sum / sonde_lh_count")
        if v != 21.5:
            raise RuntimeError("sonde_lh_sum / sonde_lh_count is %r, not 903 / 42" % v)
        print("ok: PromQL sonde_h_sum = 210, sonde_lh_sum / sonde_lh_count = %g" % v)
        v = value_of('sonde_neg_sum{comm="getppid_loop"}')
        if v != -126:
            raise RuntimeError("sonde_neg_sum is %r, not 42 * -3" % v)
        v = value_of("sonde_lost_events_total")
        if v != 0:
            raise RuntimeError("sonde_lost_events_total is %r" % v)
        up = value_of('up{job="sonde"}')
        if up != 1:
            raise RuntimeError("up{job=sonde} is %r" % up)
        print("ok: up{job=\"sonde\"} = 1, sonde_lost_events_total = 0")

        # a tseries is a gauge of its last whole interval: 42 calls made
        # early in one interval read 42 once that interval is over
        next_interval()
        subprocess.run([os.path.join(progs, "getppid_loop"), "42"], check=True,
                       stdout=subprocess.DEVNULL)
        next_interval()
        text = get("http://127.0.0.1:%d/metrics" % mport)
        for want in ("# TYPE sonde_ts gauge", "sonde_ts 42"):
            if want + "\n" not in text:
                raise RuntimeError("exposition lacks %r:\n%s" % (want, text))
        stack = [l for l in text.splitlines() if l.startswith("sonde_ks_total{")]
        if (len(stack) != 1 or not stack[0].endswith("} 84") or
                not re.match(r'sonde_ks_total\{kstack="[^";\\]+\+[0-9]+;[^";\\]+\+[0-9]+"\} ', stack[0])):
            raise RuntimeError("kernel stack label is not two frames joined by ';': %r" % stack)
        print("ok: the tseries gauge is 42, the stack label %s" % stack[0])
        v = wait_until("a scrape of sonde_ts = 42",
                       lambda: value_of("max_over_time(sonde_ts[1m])") == 42 and 42, 30)
        print("ok: PromQL max_over_time(sonde_ts[1m]) = %g" % v)
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print("FAIL: %s" % e)
        log = os.path.join(tmp, "prom.log")
        if os.path.exists(log):
            sys.stdout.write(open(log).read()[-3000:])
        return 1
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGINT if p is procs[0] else signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
