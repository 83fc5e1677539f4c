#!/usr/bin/env python3
"""Every ```bpftrace block of docs/language.md compiles with sonde.

    tests/docs_check.py SONDE docs/language.md

Each block is compiled to a BPF object (`--emit-elf /dev/null`: parsed,
checked and code-generated, not loaded); a block that uses cpid or a
watchpoint (on a user-space address) gets `-c /bin/true`, one that calls
system, signal or override `--unsafe`; one
that needs a kernel option this machine lacks is skipped.  Tracepoint formats and kernel BTF need root to read, so
without root this skips (77) unless SONDE_REQUIRE_LIVE=1.
Python 3 standard library only."""

import os
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    sonde, doc = sys.argv[1:]
    if os.geteuid() != 0:
        if os.environ.get("SONDE_REQUIRE_LIVE") == "1":
            print("FAIL: not root (SONDE_REQUIRE_LIVE=1)")
            return 1
        print("SKIP: not root: tracepoint formats and BTF need root")
        return 77
    text = open(doc, encoding="utf-8").read()
    blocks = [(text.count("\n", 0, m.start()) + 2, m.group(1))
              for m in re.finditer(r"```bpftrace\n(.*?)```", text, re.S)]
    fails = 0
    for line, prog in blocks:
        argv = [sonde, "--emit-elf", "/dev/null"]
        if re.search(r"\bcpid\b|\bwatchpoint:", prog):
            argv += ["-c", "/bin/true"]
        if re.search(r"\b(system|signal|override)\s*\(", prog):
            argv.append("--unsafe")
        r = subprocess.run(argv + ["-e", prog], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        if r.returncode != 0 and "which this one is not" in r.stderr:
            # a kernel option this machine lacks (CONFIG_BPF_KPROBE_OVERRIDE)
            print("SKIP %s:%d: %s" % (doc, line, r.stderr.splitlines()[0]))
            continue
        if r.returncode != 0:
            fails += 1
            print("FAIL %s:%d:\n%s\n%s" % (doc, line, prog.rstrip(), r.stderr.rstrip()))
    print("%d of %d blocks compile" % (len(blocks) - fails, len(blocks)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
