#!/usr/bin/env python3
"""Checks a tseries map in sonde's -f json output (stdin) against what the
test knows: tseries_check.py MAP INTERVAL_S [total=N] [last=N] [max=N]
[min=N] [rows=N] [minrows=N] [keys=N].

Echoes its input (so a case's AFTER sees the attached_probes record).
Every line must be JSON.  The map's record must be {"type": "tseries",
"data": {MAP: [...]}} (or {MAP: {KEY: [...]}} for keys); for each key:
interval_start strictly increasing by whole multiples of INTERVAL_S, each
a wall-clock time within 60 s of now (UTC) and aligned to the interval;
total: the values add up to N (over all keys); last: the newest value of
each key is N; max/min: no value above/below N; rows: at most N values
per key; minrows: at least N rows (values or not) per key; keys: N keys.  Prints "tseries ok" or what is wrong (exit 1)."""
import datetime
import json
import sys


def parse_time(s):
    day, frac = s.split(".")
    t = datetime.datetime.strptime(day, "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    if len(frac) != 9:
        raise ValueError("not nanoseconds: %r" % s)
    return int(t.timestamp()) * 10**9 + int(frac)


def fail(msg):
    print("tseries_check: " + msg)
    sys.exit(1)


def main():
    name, interval = sys.argv[1], int(float(sys.argv[2]) * 1e9)
    want = dict(a.split("=") for a in sys.argv[3:])
    record = None
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        obj = json.loads(line)
        if obj.get("type") == "tseries" and name in obj["data"]:
            record = obj["data"][name]
    if record is None:
        fail("no tseries record for " + name)
    series = [record] if isinstance(record, list) else list(record.values())
    now = datetime.datetime.now(datetime.timezone.utc).timestamp() * 1e9
    total = 0
    for s in series:
        starts = [parse_time(p["interval_start"]) for p in s]
        values = [p["value"] for p in s]
        for a, b in zip(starts, starts[1:]):
            if b <= a or (b - a) % interval:
                fail("interval starts %d, %d are not %d ns apart" % (a, b, interval))
        for t in starts:
            if abs(t - now) > 60e9 or t % interval:
                fail("interval start %d is not an aligned time near now %d" % (t, now))
        if "last" in want and values[-1] != int(want["last"]):
            fail("last value %d, not %s" % (values[-1], want["last"]))
        if "max" in want and max(values) > int(want["max"]):
            fail("a value above %s: %s" % (want["max"], values))
        if "min" in want and min(values) < int(want["min"]):
            fail("a value below %s: %s" % (want["min"], values))
        span = (starts[-1] - starts[0]) // interval + 1 if starts else 0
        if "minrows" in want and span < int(want["minrows"]):
            fail("%d intervals, fewer than %s" % (span, want["minrows"]))
        if "rows" in want and len(values) > int(want["rows"]):
            fail("%d values, more than %s" % (len(values), want["rows"]))
        total += sum(values)
    if "total" in want and total != int(want["total"]):
        fail("values add up to %d, not %s" % (total, want["total"]))
    if "keys" in want and len(series) != int(want["keys"]):
        fail("%d keys, not %s" % (len(series), want["keys"]))
    print("tseries ok")


main()
