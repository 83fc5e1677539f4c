#!/usr/bin/env python3
"""Reads newline-delimited JSON on stdin and echoes it line by line (so a
case can still EXPECT on it and AFTER can see the attached_probes record).
Every line must be one JSON object with a "type" and a "data" member, as
bpftrace's -f json writes them; the first line that is not makes it say so
on stderr and exit 1 (after echoing the rest).  Blank lines are errors too:
bpftrace 0.17 writes two before the maps at exit, sonde must not."""
import json
import sys

bad = 0
for n, line in enumerate(sys.stdin, 1):
    sys.stdout.write(line)
    sys.stdout.flush()
    try:
        obj = json.loads(line)
        if not isinstance(obj, dict) or "type" not in obj or "data" not in obj:
            raise ValueError("not a {\"type\": ..., \"data\": ...} object")
    except ValueError as e:
        if not bad:
            sys.stderr.write("json_lines: line %d is not a record: %s: %r\n" % (n, e, line))
        bad += 1
if bad:
    sys.stderr.write("json_lines: %d bad line(s)\n" % bad)
    sys.exit(1)
