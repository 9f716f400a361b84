#!/usr/bin/env python3
"""bench/phases.py - where a cold sandrun run spends its time, from
kernel tracepoints (no strace distortion).  As root:

  perf record -o ph.data -e sched:sched_process_fork,\\
sched:sched_process_exec,sched:sched_process_exit,\\
syscalls:sys_enter_seccomp,syscalls:sys_enter_pivot_root -- \\
      sh -c 'for i in $(seq 60); do /path/sandrun -p sh --exec -- /bin/true; done'
  perf script -i ph.data -F comm,pid,time,event,trace > ph.txt
  bench/phases.py ph.txt [NAME]

NAME is the file name of the sandrun binary (default sandrun); several
binaries can run interleaved in one recording, each analysed by name.
Per run: the supervisor's exec, the clone of init returning, init's
pivot_root, init starting the program, the program's seccomp(2), its
execve, its exit, init's exit and the supervisor's exit; prints the
median of each phase in milliseconds.
"""
import re
import statistics
import sys

ORDER = ["clone", "pivot", "fork", "seccomp", "exec", "pexit", "iexit",
         "sexit"]
NAMES = {"clone": "exec of sandrun -> clone of init returns",
         "pivot": "clone -> pivot_root (init's setup)",
         "fork": "pivot_root -> the program started",
         "seccomp": "program start -> seccomp(2)",
         "exec": "seccomp(2) -> execve done",
         "pexit": "the program runs",
         "iexit": "program exit -> init exit",
         "sexit": "init exit -> sandrun exit"}


def runs(path, name):
    out, cur = [], None
    exec_re = re.compile(r"filename=\S*/%s\b" % re.escape(name))
    for line in open(path):
        f = line.split()
        if len(f) < 4:
            continue
        pid, t, ev = f[1], float(f[2].rstrip(":")), f[3].rstrip(":")
        if ev == "sched:sched_process_exec" and exec_re.search(line):
            cur = {"sup": pid, "t0": t, "ev": {}}
            out.append(cur)
            continue
        if cur is None:
            continue
        e = cur["ev"]
        if ev == "sched:sched_process_fork":
            child = re.search(r"child_pid=(\d+)", line).group(1)
            if pid == cur["sup"] and "init" not in cur:
                cur["init"] = child
                e["clone"] = t
            elif pid == cur.get("init") and "prog" not in cur:
                cur["prog"] = child
                e["fork"] = t
        elif ev == "syscalls:sys_enter_pivot_root" and pid == cur.get("init"):
            e["pivot"] = t
        elif ev == "syscalls:sys_enter_seccomp" and pid == cur.get("prog") \
                and "op: 0x00000001" in line:
            e.setdefault("seccomp", t)
        elif ev == "sched:sched_process_exec" and pid == cur.get("prog"):
            e["exec"] = t
        elif ev == "sched:sched_process_exit":
            for k, who in (("pexit", "prog"), ("iexit", "init"),
                           ("sexit", "sup")):
                if pid == cur.get(who):
                    e[k] = t
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    name = sys.argv[2] if len(sys.argv) > 2 else "sandrun"
    res = {k: [] for k in ORDER}
    total = []
    for r in runs(sys.argv[1], name):
        e = r["ev"]
        if not all(k in e for k in ORDER):
            continue
        prev = r["t0"]
        for k in ORDER:
            res[k].append((e[k] - prev) * 1000)
            prev = e[k]
        total.append((e["sexit"] - r["t0"]) * 1000)
    if not total:
        sys.exit("no complete run of %s in %s" % (name, sys.argv[1]))
    print("%d runs of %s" % (len(total), name))
    for k in ORDER:
        print("%-42s %7.3f ms" % (NAMES[k], statistics.median(res[k])))
    print("%-42s %7.3f ms" % ("total", statistics.median(total)))


if __name__ == "__main__":
    main()
