#!/usr/bin/env python3
"""bench/ab.py - interleaved A/B timing for a loaded machine.

  ab.py ROUNDS LABEL=COMMAND ...

Runs every command once in turn, ROUNDS times (after 3 warm-up runs of
each), so a change in the machine's load hits all of them alike, and
prints the median, p25 and p75 wall time of each in milliseconds, with
the load average before and after.  COMMAND is split like a shell word
list (shlex), run without a shell, output discarded; a non-zero exit is
reported on stderr.  Used for docs/profile.md.
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3 or "=" not in "".join(sys.argv[2:]):
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    cmds = []
    for a in sys.argv[2:]:
        label, cmd = a.split("=", 1)
        cmds.append((label, shlex.split(cmd)))
    times = {label: [] for label, _ in cmds}
    with open(os.devnull, "w") as null:
        for _, cmd in cmds:
            for _ in range(3):
                subprocess.run(cmd, stdout=null, stderr=null)
        before = os.getloadavg()[0]
        for _ in range(rounds):
            for label, cmd in cmds:
                t = time.perf_counter()
                p = subprocess.run(cmd, stdout=null, stderr=null)
                times[label].append((time.perf_counter() - t) * 1000)
                if p.returncode:
                    print("%s: exit %d" % (label, p.returncode),
                          file=sys.stderr)
    print("load %.2f -> %.2f, %d rounds" % (before, os.getloadavg()[0],
                                             rounds))
    for label, _ in cmds:
        v = times[label]
        q = statistics.quantiles(v, n=4)
        print("%-14s median %7.2f  p25 %7.2f  p75 %7.2f" %
              (label, statistics.median(v), q[0], q[2]))


if __name__ == "__main__":
    main()
