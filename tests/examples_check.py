#!/usr/bin/env python3
"""Checks every example in examples/:

    tests/examples_check.py SONDE EXAMPLES_DIR CASE_FILE

  - its header: a "#!/usr/bin/env sonde" line, then comments that say what
    it shows, "How to read it:" and "Example output";
  - it passes `sonde --dry-run` (compiled and loaded into the kernel,
    with the arguments of its "// Test arguments:" header line if any,
    nothing attached), unless it uses a probe type `sonde --info` says this
    machine cannot attach, and the kernel refuses to load it for that reason
    (fentry without BPF trampolines): then it is a SKIP, said why;
  - it runs live: CASE_FILE (tests/cases/examples.case) has a case named
    after it, unless it uses a probe type this machine cannot attach.  An
    example that could attach here but has no live case is a failure.

Exit 1 if anything failed, 77 if not root (unless SONDE_REQUIRE_LIVE=1),
else 0.  Python 3 standard library only."""

import os
import re
import subprocess
import sys


def probe_types(text):
    """The probe types an example attaches to (attach points at the start
    of a line: "tracepoint:...", "kprobe:...", "BEGIN")."""
    types = set()
    for line in text.split("\n"):
        s = line.strip()
        if s.startswith("//") or not s:
            continue
        for m in re.finditer(r"(?:^|,\s*)([a-zA-Z_]+)(?::[^\s,{]*)?(?=\s*(?:,|\{|/|$))", s):
            word = m.group(1)
            if word in ("BEGIN", "END", "begin", "end"):
                types.add("BEGIN")
            elif ":" in s[m.start():m.end()]:
                types.add(word)
    return types


ALIASES = {"t": "tracepoint", "k": "kprobe", "kr": "kretprobe", "f": "fentry",
           "fr": "fexit", "kfunc": "fentry", "kretfunc": "fexit", "i": "interval",
           "p": "profile", "u": "uprobe", "ur": "uretprobe", "s": "software",
           "h": "hardware", "rawtracepoint": "rawtracepoint", "rt": "rawtracepoint"}


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    sonde, exdir, casefile = sys.argv[1:]
    if os.geteuid() != 0:
        if os.environ.get("SONDE_REQUIRE_LIVE") == "1":
            print("FAIL: not root (SONDE_REQUIRE_LIVE=1)")
            return 1
        print("SKIP: not root: --dry-run loads into the kernel")
        return 77
    info = subprocess.run([sonde, "--info"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True).stdout
    attachable = {}
    in_types = False
    for line in info.split("\n"):
        if line.startswith("Probe types"):
            in_types = True
            continue
        m = re.match(r"  (\w+): (yes|no)(?:: (.*))?$", line)
        if in_types and m:
            attachable[m.group(1)] = (m.group(2) == "yes", m.group(3) or "")
    with open(casefile) as f:
        live = set(re.findall(r"^NAME examples/(\S+\.bt)$", f.read(), re.M))

    fails = skips = passes = 0
    names = sorted(n for n in os.listdir(exdir) if n.endswith(".bt"))
    if len(names) < 20:
        print("FAIL: only %d examples, the issue asks for at least 20" % len(names))
        fails += 1
    for name in names:
        path = os.path.join(exdir, name)
        with open(path) as f:
            text = f.read()
        why = []
        if not text.startswith("#!/usr/bin/env sonde\n"):
            why.append('first line is not "#!/usr/bin/env sonde"')
        header = "".join(l for l in text.split("\n")[1:40] if l.startswith("//"))
        for want in ("How to read it:", "Example output"):
            if want not in header:
                why.append("header lacks %r" % want)
        types = {ALIASES.get(t, t) for t in probe_types(text)}
        missing = sorted(t for t in types if not attachable.get(t, (True, ""))[0])
        # "// Test arguments: A B" in the header: the positional parameters
        # an example needs ($1 and $2 in its attach points)
        m = re.search(r"^// Test arguments: (.*)$", text, re.M)
        args = m.group(1).split() if m else []
        r = subprocess.run([sonde, "--dry-run", path] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        dry = "ok"
        if r.returncode != 0:
            err = r.stderr.strip().split("\n")[0] if r.stderr.strip() else "exit %d" % r.returncode
            if missing and "cannot load" in r.stderr:
                dry = "skipped (%s: %s)" % (", ".join(missing), err)
            else:
                why.append("--dry-run failed: %s" % err)
        if name in live:
            run = "live case"
        elif missing:
            run = "not run live: this machine cannot attach %s (%s)" % (
                ", ".join(missing), attachable[missing[0]][1])
        else:
            why.append("attachable here (%s) but no live case 'NAME examples/%s' in %s"
                       % (", ".join(sorted(types)), name, os.path.basename(casefile)))
        if why:
            print("FAIL %s: %s" % (name, "; ".join(why)))
            fails += 1
        elif dry != "ok" or run != "live case":
            print("SKIP %s: dry-run %s, %s" % (name, dry, run))
            skips += 1
        else:
            print("PASS %s: dry-run ok, live case" % name)
            passes += 1
    print("%d passed, %d failed, %d skipped (of %d examples)" % (passes, fails, skips, len(names)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
