#!/usr/bin/env python3
"""bench/bench.py - one benchmark pass of sandrun against bare execution,
bubblewrap, firejail and gVisor (runsc), driven by hyperfine.

Called by bench/run.sh (see there for the setup); two sub-commands:

  bench.py pass --sandrun BIN --label root --out pass.json [--bpf F --fdexec F]
      run every workload once, as the current user, write the medians,
      the stream RSS and the leak check to pass.json
  bench.py render pass-root.json [pass-tester.json] > docs/benchmarks.md
      write the Markdown report (tables, ratios, targets)

Only the Python standard library is used.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GIB = 1 << 30
SEED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "examples", "seed-case")
PY = "/usr/bin/python3"     # the interpreter the python policy runs
LOOP_N = 200


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def sh_quote(s):
    if s and all(c.isalnum() or c in "@%+=:,./-_" for c in s):
        return s
    return "'" + s.replace("'", "'\"'\"'") + "'"


def cmdline(argv):
    return " ".join(sh_quote(a) for a in argv)


# ---- the sandboxes ---------------------------------------------------------

class Tools:
    def __init__(self, a, work):
        self.sandrun = a.sandrun
        self.root = os.geteuid() == 0
        self.work = work
        self.bwrap = shutil.which("bwrap")
        self.firejail = shutil.which("firejail")
        self.runsc = shutil.which("runsc")
        self.bpf = a.bpf if a.bpf and os.path.getsize(a.bpf) > 0 else None
        self.fdexec = a.fdexec
        self.floor = a.floor
        pol = json.loads(subprocess.run(
            [self.sandrun, "--print-policy", "python"], check=True,
            capture_output=True, text=True).stdout)
        self.policy = pol
        self.bwrap_base = self._bwrap_args(pol)

    def _bwrap_args(self, pol):
        """bubblewrap with the closest isolation to the python policy."""
        a = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
             "--cap-drop", "ALL"]
        for m in pol["filesystem"]:
            t = m["type"]
            if t == "ro":
                if m.get("optional") and not os.path.exists(m["src"]):
                    continue
                a += ["--ro-bind", m["src"], m["dst"]]
            elif t == "symlink":
                if m.get("optional") and not os.path.lexists(m["dst"]):
                    continue
                a += ["--symlink", m["target"], m["dst"]]
            elif t == "dir":
                a += ["--dir", m["dst"]]
            elif t == "tmpfs":
                a += ["--tmpfs", m["dst"]]
            elif t == "file":
                f = os.path.join(self.work, "file" + m["dst"].replace("/", "_"))
                with open(f, "w") as fh:
                    fh.write(m.get("content", ""))
                os.chmod(f, 0o644)
                a += ["--ro-bind", f, m["dst"]]
        wd = pol["run"]["workdir"]
        u = pol["user"]
        a += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
              "--tmpfs", wd, "--tmpfs", u["home"],
              "--hostname", pol.get("hostname", "sandbox"),
              "--uid", str(u["uid"]), "--gid", str(u["gid"]),
              "--chdir", wd, "--clearenv"]
        for k, v in sorted(pol.get("env", {}).items()):
            a += ["--setenv", k, v]
        return a

    def bwrap_cmd(self, prog, seccomp, extra=()):
        a = list(self.bwrap_base) + list(extra)
        if seccomp:
            return [self.fdexec, self.bpf, "9"] + a + ["--seccomp", "9"] + prog
        return a + prog

    def firejail_cmd(self, prog):
        return ["firejail", "--quiet", "--noprofile", "--net=none",
                "--private", "--private-tmp", "--private-dev",
                "--nonewprivs", "--caps.drop=all", "--seccomp", "--nogroups",
                "--ipc-namespace", "--hostname=sandbox"] + prog

    def runsc_cmd(self, prog):
        a = ["runsc"]
        if not self.root:
            a.append("--rootless")
        return a + ["--network=none", "do"] + prog

    def works(self, argv):
        try:
            r = subprocess.run(argv, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            return str(e)
        if r.returncode != 0:
            return "exit %d: %s" % (r.returncode,
                                    r.stderr.decode(errors="replace").strip()[-300:])
        return None


# ---- hyperfine -------------------------------------------------------------

def hyperfine(name, cmds, runs, warmup, work, prepare=None):
    """cmds: list of (label, argv).  Returns {label: stats} (seconds).
    prepare: a shell command hyperfine runs, untimed, before each run."""
    out = os.path.join(work, name + ".json")
    a = ["hyperfine", "-N", "--style", "basic", "--warmup", str(warmup),
         "--runs", str(runs), "--export-json", out]
    if prepare:
        a += ["--prepare", prepare]
    for label, argv in cmds:
        a += ["-n", label, cmdline(argv)]
    log("hyperfine %s: %s" % (name, ", ".join(l for l, _ in cmds)))
    subprocess.run(a, check=True, stdin=subprocess.DEVNULL,
                   stdout=sys.stderr)
    res = {}
    with open(out) as f:
        for r in json.load(f)["results"]:
            res[r["command"]] = {
                "median": r["median"], "mean": r["mean"],
                "stddev": r.get("stddev") or 0.0, "min": r["min"],
                "max": r["max"], "runs": len(r["times"]),
            }
    return res


def floors(t, prog, problems, key):
    """The kernel's floor (bench/floor.c): the namespaces and a minimal
    root, then the same with sandrun's other layers; a lower bound of
    what any sandbox with these layers costs."""
    if not t.floor:
        return []
    out = []
    layers = ["-a"] + (["-s", t.bpf] if t.bpf else [])
    for label, opts in (("floor: namespaces + root", []),
                        ("floor: + every layer", layers)):
        c = [t.floor] + opts + ["--"] + prog
        err = t.works(c)
        if err:
            problems.append("%s: %s: %s" % (key, label, err))
        else:
            out.append((label, c))
    return out


def competitors(t, prog, problems, key, bwrap_extra=(), only=None):
    """bwrap / bwrap+seccomp / firejail / runsc variants of prog that work
    here; failures go to problems.  only: "bwrap" or "others"."""
    out = []
    if t.bwrap and only != "others":
        c = t.bwrap_cmd(prog, False, bwrap_extra)
        err = t.works(c)
        if err:
            problems.append("%s: bwrap: %s" % (key, err))
        else:
            out.append(("bwrap", c))
            if t.bpf and t.fdexec:
                c = t.bwrap_cmd(prog, True, bwrap_extra)
                err = t.works(c)
                if err:
                    problems.append("%s: bwrap+seccomp: %s" % (key, err))
                else:
                    out.append(("bwrap+seccomp", c))
    if only == "bwrap":
        return out
    if t.firejail:
        c = t.firejail_cmd(prog)
        err = t.works(c)
        if err:
            problems.append("%s: firejail: %s" % (key, err))
        else:
            out.append(("firejail", c))
    if t.runsc:
        c = t.runsc_cmd(prog)
        err = t.works(c)
        if err:
            problems.append("%s: runsc: %s" % (key, err))
        else:
            out.append(("runsc", c))
    return out


# ---- leak check --------------------------------------------------------------

def snapshot(sandrun):
    s = {}
    exe = os.path.realpath(sandrun)
    procs = 0
    ours = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        procs += 1
        try:
            if os.path.realpath("/proc/%s/exe" % p) == exe:
                ours += 1
        except OSError:
            pass
    s["sandrun processes"] = ours
    s["processes (all)"] = procs
    with open("/proc/sys/fs/file-nr") as f:
        s["open files (system, file-nr)"] = int(f.read().split()[0])
    s["fds of this process"] = len(os.listdir("/proc/self/fd"))
    # Other jobs on the machine (a test suite running its own sandrun)
    # make plain counts noisy: count what can only be ours or a leak.
    s["/tmp entries (all users)"] = len(os.listdir("/tmp"))
    s["/tmp entries named *sandrun* (not the bench's own)"] = sum(
        1 for e in os.listdir("/tmp")
        if "sandrun" in e and not e.startswith("sr-bench"))
    n = orphans = 0
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            if d.startswith("sandrun-"):
                n += 1
                pid = d.split("-")[1]
                if pid.isdigit() and not os.path.exists("/proc/" + pid):
                    orphans += 1
        if root.count("/") > 7:
            dirs[:] = []
    s["sandrun-* cgroup dirs (any sandrun on the host)"] = n
    s["sandrun-* cgroup dirs whose supervisor is gone (leaked)"] = orphans
    with open("/proc/self/mountinfo") as f:
        s["host mounts"] = sum(1 for _ in f)
    try:
        r = subprocess.run(["lsns", "-n", "-t", "net"], capture_output=True,
                           text=True)
        s["net namespaces (visible)"] = len(r.stdout.splitlines())
    except OSError:
        pass
    return s


# ---- one pass ----------------------------------------------------------------

def machine():
    m = {}
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    m["cpu"] = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    m["cores"] = os.cpu_count()
    m["kernel"] = platform.release()
    try:
        with open("/etc/debian_version") as f:
            m["debian"] = f.read().strip()
    except OSError:
        m["debian"] = "?"
    try:
        with open("/proc/meminfo") as f:
            m["memory_gib"] = round(int(f.readline().split()[1]) / (1 << 20), 1)
    except OSError:
        pass
    m["load_before"] = os.getloadavg()
    return m


def versions(t):
    v = {}
    for name, argv in (("sandrun", [t.sandrun, "--version"]),
                       ("hyperfine", ["hyperfine", "--version"]),
                       ("bwrap", ["bwrap", "--version"]),
                       ("firejail", ["firejail", "--version"]),
                       ("runsc", ["runsc", "--version"]),
                       ("python3", [PY, "--version"])):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            v[name] = (r.stdout or r.stderr).splitlines()[0].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            pass
    return v


def max_rss_kib(argv, n=3):
    """Median of n runs of the max RSS (KiB) that wait4() reports for the
    command: its own peak or that of a descendant it reaped, whichever is
    larger."""
    vals = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                fd = os.open("/dev/null", os.O_RDWR)
                os.dup2(fd, 0)
                os.dup2(fd, 1)
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        _, st, ru = os.wait4(pid, 0)
        vals.append(ru.ru_maxrss)
    return statistics.median(vals)


def own_hwm_kib(argv, n=3):
    """Median of n runs of the command's own peak RSS (VmHWM of its pid,
    sampled until it exits), without the processes it runs: for sandrun,
    the supervisor alone."""
    vals = []
    for _ in range(n):
        with open(os.devnull, "r+b") as null:
            p = subprocess.Popen(argv, stdin=null, stdout=null)
            hwm = 0
            while p.poll() is None:
                try:
                    with open("/proc/%d/status" % p.pid) as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                hwm = max(hwm, int(line.split()[1]))
                except (OSError, ValueError):
                    pass
                time.sleep(0.002)
            vals.append(hwm)
    return statistics.median(vals)


def warm(S, res, R, work, py, data, sand_py, bare_py):
    """Rows with a server holding ready sandboxes (python=2, sh=2).  Each
    timed run takes one ready sandbox; the untimed prepare step waits
    until both pools are full again, so no run meets an empty pool."""
    sockdir = tempfile.mkdtemp(prefix="sr-bench-sock-")
    os.chmod(sockdir, 0o700)
    sock = os.path.join(sockdir, "serve.sock")
    env = dict(os.environ, SANDRUN_SOCKET=sock)
    srv = subprocess.Popen([S, "serve", "--socket", sock, "--pool",
                            "python=2", "--pool", "sh=2"],
                           stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    full = ("until %s serve --status --socket %s --json | "
            "grep -q '\"ready\":2,.*\"ready\":2,'; do sleep 0.01; done" %
            (sh_quote(S), sh_quote(sock)))
    old = os.environ.get("SANDRUN_SOCKET")
    try:
        subprocess.run(["sh", "-c", full], timeout=30, check=True)
        os.environ["SANDRUN_SOCKET"] = sock	# hyperfine's children
        seed = ["--file", data + ":/code/dataset.csv", sand_py]
        pass_py = os.path.join(work, "pass.py")
        with open(pass_py, "w") as f:
            f.write("pass\n")
        os.chmod(pass_py, 0o644)
        cmds = [("bare true", ["/bin/true"]),
                ("sh true cold", [S, "--cold", "-p", "sh", "--exec", "--",
                                  "/bin/true"]),
                ("sh true warm", [S, "-p", "sh", "--exec", "--",
                                  "/bin/true"]),
                ("bare python -c pass", [py, "-c", "pass"]),
                ("python -c pass cold", [S, "--cold", "--exec", "--", py,
                                         "-c", "pass"]),
                ("python pass.py cold", [S, "--cold", "-p", "python",
                                         pass_py]),
                ("python pass.py warm", [S, "-p", "python", pass_py]),
                ("bare seed", [py, "-B", bare_py]),
                ("seed cold", [S, "--cold", "-p", "python"] + seed),
                ("seed warm", [S, "-p", "python"] + seed)]
        res["workloads"]["warm"] = hyperfine(
            "warm", cmds, R(40, 8), R(3, 1), work, prepare="sh -c " +
            sh_quote(full))
        st = subprocess.run([S, "serve", "--status", "--json", "--socket",
                             sock], capture_output=True, text=True,
                            env=env).stdout
        res["warm_status"] = json.loads(st)
    except (subprocess.SubprocessError, ValueError) as e:
        res["problems"].append("warm: %s" % e)
    finally:
        if old is None:
            os.environ.pop("SANDRUN_SOCKET", None)
        else:
            os.environ["SANDRUN_SOCKET"] = old
        srv.terminate()
        srv.wait()
        shutil.rmtree(sockdir, ignore_errors=True)


def session(S, res, R, work, py):
    """A session call `x + 1` through the CLI against bare
    `python3 -c pass` (issue #13: <= 0.5x), and an sh session call.  The
    sessions are made before the timed runs and ended after them."""
    rundir = tempfile.mkdtemp(prefix="sr-bench-xdg-")
    os.chmod(rundir, 0o700)
    old = os.environ.get("XDG_RUNTIME_DIR")
    code = os.path.join(work, "session_x.py")
    with open(code, "w") as f:
        f.write("x = 1\nx + 1\n")
    try:
        os.environ["XDG_RUNTIME_DIR"] = rundir	# hyperfine's children
        py_call = [S, "--session", "bench-py", code]
        sh_call = [S, "-p", "sh", "--session", "bench-sh", "--exec", "--",
                   "/bin/true"]
        for c in (py_call, sh_call):
            subprocess.run(c, check=True, stdout=subprocess.DEVNULL,
                           timeout=60)
        cmds = [("bare python -c pass", [py, "-c", "pass"]),
                ("python session call x + 1", py_call),
                ("python cold x + 1", [S, "--cold", code]),
                ("bare true", ["/bin/true"]),
                ("true sh session call", sh_call)]
        res["workloads"]["session"] = hyperfine(
            "session", cmds, R(40, 8), R(3, 1), work)
    except subprocess.SubprocessError as e:
        res["problems"].append("session: %s" % e)
    finally:
        for n in ("bench-py", "bench-sh"):
            subprocess.run([S, "--end-session", n], stderr=subprocess.DEVNULL)
        if old is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = old
        shutil.rmtree(rundir, ignore_errors=True)


def do_pass(a):
    quick = a.quick
    work = tempfile.mkdtemp(prefix="sr-bench-", dir="/var/tmp")
    os.chmod(work, 0o755)
    t = Tools(a, work)
    S = t.sandrun
    res = {"label": a.label, "user": "%s (uid %d)" % (
        os.environ.get("USER") or str(os.geteuid()), os.geteuid()),
        "machine": machine(), "versions": versions(t),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"),
        "workloads": {}, "problems": [], "notes": []}
    r = subprocess.run([S, "-v", "--exec", "--", "/bin/true"],
                       capture_output=True, text=True)
    res["sandrun_summary"] = r.stderr.strip().splitlines()[-1:] or [""]
    R = (lambda full, q: q if quick else full)

    # 1. /bin/true
    cmds = [("bare", ["/bin/true"]),
            ("sandrun", [S, "--exec", "--", "/bin/true"]),
            ("sandrun json", [S, "--json", "--exec", "--", "/bin/true"])]
    cmds += competitors(t, ["/bin/true"], res["problems"], "true")
    cmds += floors(t, ["/bin/true"], res["problems"], "true")
    if t.fdexec:
        cmds.append(("fdexec (wrapper cost)",
                     [t.fdexec, "/dev/null", "9", "/bin/true"]))
    res["workloads"]["true"] = hyperfine("true", cmds, R(150, 30), R(20, 3),
                                         work)

    # 2. python3 -c pass
    prog = [PY, "-c", "pass"]
    cmds = [("bare", prog),
            ("sandrun", [S, "--exec", "--"] + prog),
            ("sandrun json", [S, "--json", "--exec", "--"] + prog)]
    cmds += competitors(t, prog, res["problems"], "python")
    cmds += floors(t, prog, res["problems"], "python")
    res["workloads"]["python"] = hyperfine("python", cmds, R(60, 10),
                                           R(10, 2), work)

    # 3. the seed case
    with open(os.path.join(SEED_DIR, "analysis.py")) as f:
        code = f.read()
    data = os.path.join(work, "dataset.csv")
    shutil.copy(os.path.join(SEED_DIR, "dataset.csv"), data)
    bare_py = os.path.join(work, "analysis.py")
    with open(bare_py, "w") as f:
        f.write(code.replace("/code/dataset.csv", data))
    sand_py = os.path.join(work, "seed.py")
    shutil.copy(os.path.join(SEED_DIR, "analysis.py"), sand_py)
    for p in (data, bare_py, sand_py):
        os.chmod(p, 0o644)
    expect = subprocess.run([PY, "-B", bare_py], capture_output=True,
                            text=True).stdout
    got = subprocess.run([S, "-p", "python", "--file",
                          data + ":/code/dataset.csv", sand_py],
                         capture_output=True, text=True).stdout
    if expect != got or not expect:
        res["problems"].append("seed: sandrun output %r differs from bare %r"
                               % (got[:200], expect[:200]))
    cmds = [("bare", [PY, "-B", bare_py]),
            ("sandrun", [S, "-p", "python", "--file",
                         data + ":/code/dataset.csv", sand_py]),
            ("sandrun json", [S, "--json", "-p", "python", "--file",
                              data + ":/code/dataset.csv", sand_py])]
    wd = t.policy["run"]["workdir"]
    for label, c in competitors(
            t, [PY, "-B", wd + "/main.py"], res["problems"], "seed",
            bwrap_extra=["--ro-bind", data, "/code/dataset.csv",
                         "--ro-bind", sand_py, wd + "/main.py"],
            only="bwrap"):
        cmds.append((label, c))
    cmds += competitors(t, [PY, "-B", bare_py], res["problems"], "seed",
                        only="others")
    res["workloads"]["seed"] = hyperfine("seed", cmds, R(15, 3), R(2, 1),
                                         work)

    # 3b. warm: the same calls with `sandrun serve` running (its pools'
    # ready sandboxes), in the same pass as bare and cold
    warm(S, res, R, work, PY, data, sand_py, bare_py)
    # 3c. sessions (sandrun --session)
    session(S, res, R, work, PY)

    # 4. 1 GiB through stdout
    size = "1G" if not quick else "256M"
    nbytes = GIB if not quick else GIB // 4
    prog = ["head", "-c", size, "/dev/zero"]
    cmds = [("bare pipe", ["sh", "-c", "head -c %s /dev/zero | cat" % size]),
            ("bare", prog),
            ("sandrun", [S, "--output-limit", "2G", "--exec", "--"] + prog),
            ("sandrun json (1M kept)", [S, "--json", "--exec", "--"] + prog)]
    if t.bwrap:
        cmds.append(("bwrap", t.bwrap_cmd(prog, False)))
    res["workloads"]["stream"] = hyperfine("stream", cmds, R(5, 2), 1, work)
    res["stream_bytes"] = nbytes
    res["stream_rss_kib"] = {
        "sandrun": own_hwm_kib([S, "--output-limit", "2G", "--exec", "--"]
                               + prog, R(3, 1)),
        "sandrun and what it reaped": max_rss_kib(
            [S, "--output-limit", "2G", "--exec", "--"] + prog, R(3, 1)),
        "head alone": max_rss_kib(prog, 1),
    }

    # 5. 200 back-to-back runs, with a leak check around them
    before = snapshot(S)
    loops = [
        ("bare true", "/bin/true"),
        ("sandrun true", "%s --exec -- /bin/true" % sh_quote(S)),
        ("bare python", "%s -c pass" % PY),
        ("sandrun python", "%s --exec -- %s -c pass" % (sh_quote(S), PY)),
    ]
    n = LOOP_N if not quick else 20
    cmds = [(l, ["sh", "-c", "i=0; while [ $i -lt %d ]; do %s >/dev/null "
                 "|| exit 1; i=$((i+1)); done" % (n, c)]) for l, c in loops]
    res["workloads"]["loop"] = hyperfine("loop", cmds, R(3, 1), 0, work)
    res["loop_n"] = n
    res["loop_total_runs"] = n * R(3, 1) * 2
    after = snapshot(S)
    res["leaks"] = {k: [before[k], after.get(k)] for k in before}
    r = subprocess.run([S, "--exec", "--", "/bin/ls", "/proc/self/fd"],
                       capture_output=True, text=True)
    res["fds_in_sandbox"] = r.stdout.split()
    res["machine"]["load_after"] = os.getloadavg()
    shutil.rmtree(work, ignore_errors=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    log("pass %s written to %s" % (a.label, a.out))


# ---- report ------------------------------------------------------------------

def ms(s):
    return "%.2f" % (s * 1000) if s < 10 else "%.0f" % (s * 1000)


def fmt_t(s):
    if s is None:
        return "–"
    if s >= 1:
        return "%.3f s" % s
    return "%s ms" % ms(s)


def verdict(ok):
    return "**met**" if ok else "**missed**"


def render_pass(p):
    L = []
    w = p["workloads"]
    m = p["machine"]
    L.append("### Pass as %s, %s\n" % (p["label"], p["user"]))
    L.append("%s · load average before %.2f, after %.2f · %s\n" % (
        p["date"], m["load_before"][0], m["load_after"][0],
        (p.get("sandrun_summary") or [""])[0]))
    titles = {"true": "`/bin/true`", "python": "`python3 -c pass`",
              "seed": "seed case (`examples/seed-case`, pandas)",
              "stream": "1 GiB to stdout (`head -c 1G /dev/zero`)",
              "warm": "with `sandrun serve` running (ready sandboxes: "
                      "python=2, sh=2)",
              "session": "a call of a session (`sandrun --session`)",
              "loop": "%d back-to-back runs (time for all %d)" % (
                  p["loop_n"], p["loop_n"])}
    for key in ("true", "python", "seed", "warm", "session", "stream",
                "loop"):
        if key not in w:
            continue
        r = w[key]
        base = r.get("bare pipe" if key == "stream" else "bare")
        L.append("**%s**\n" % titles[key])
        hdr = "| command | median | mean ± σ | min | runs | ×bare | +bare |"
        if key == "stream":
            hdr = "| command | median | mean ± σ | min | runs | ×bare pipe | GB/s |"
        L.append(hdr)
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for label, s in r.items():
            if key == "loop":
                kind = label.split()[-1]
                base = r.get("bare " + kind)
            if key in ("warm", "session"):
                kind = label.split()[0]
                base = next((v for k, v in r.items()
                             if k.startswith("bare " + kind)), None)
            ratio = s["median"] / base["median"] if base else None
            last = "%+.2f ms" % ((s["median"] - base["median"]) * 1000) \
                if base else "–"
            if key == "stream":
                last = "%.2f" % (p["stream_bytes"] / s["median"] / 1e9)
            L.append("| %s | %s | %s ± %s | %s | %d | %s | %s |" % (
                label, fmt_t(s["median"]), fmt_t(s["mean"]),
                fmt_t(s["stddev"]), fmt_t(s["min"]), s["runs"],
                "%.3f" % ratio if ratio else "–", last))
        if key == "warm" and p.get("warm_status"):
            for pool in p["warm_status"]["pools"]:
                L.append("\nPool %s: %d warm, %d cold fallbacks; memory per "
                         "ready sandbox %s KiB (PSS of worker and init, RSS "
                         "where PSS is closed); refill %s ms." % (
                             pool["policy"], pool["warm"],
                             pool["cold_fallbacks"],
                             (pool["memory_per_ready_bytes"] or 0) // 1024,
                             pool["refill_ms"]))
        if key == "stream":
            rs = p["stream_rss_kib"]
            L.append("\nPeak RSS (median of runs): sandrun itself %.1f MiB "
                     "(VmHWM of the supervisor); sandrun and what it reaped "
                     "%.1f MiB (wait4 ru_maxrss: the largest process of the "
                     "tree); `head` alone %.1f MiB.\n" % (
                         rs["sandrun"] / 1024,
                         rs["sandrun and what it reaped"] / 1024,
                         rs["head alone"] / 1024))
        L.append("")
    L.append("**Leak check** (before and after %d sandboxed runs of the "
             "loop workload):\n" % p["loop_total_runs"])
    L.append("| what | before | after |")
    L.append("|---|---:|---:|")
    for k, (b, a) in p["leaks"].items():
        L.append("| %s | %s | %s |" % (k, b, a))
    L.append("\nDescriptors the sandboxed program sees (`ls /proc/self/fd`): "
             "%s\n" % " ".join(p["fds_in_sandbox"]))
    if p["problems"]:
        L.append("Problems during this pass:\n")
        for x in p["problems"]:
            L.append("- " + x.replace("\n", " "))
        L.append("")
    return L


def targets(p):
    """(text, met) list for one pass."""
    w = p["workloads"]
    out = []
    t = w["true"]
    add = (t["sandrun"]["median"] - t["bare"]["median"]) * 1000
    out.append(("`/bin/true`: sandrun adds ≤ 1.5 ms over bare "
                "(adds %.2f ms)" % add, add <= 1.5))
    if "bwrap" in t:
        r = t["sandrun"]["median"] / t["bwrap"]["median"]
        out.append(("`/bin/true`: sandrun ≥ 10 %% faster than bwrap, i.e. "
                    "time ≤ 0.90 × bwrap without seccomp (%.2f ×)" % r,
                    r <= 0.90))
    py = w.get("python")
    if py and "bare" in py and "sandrun" in py:
        r = py["sandrun"]["median"] / py["bare"]["median"]
        out.append(("`python3 -c pass`: sandrun/bare ≤ 1.2 (%.3f)" % r,
                    r <= 1.2))
    s = w["seed"]
    r = s["sandrun"]["median"] / s["bare"]["median"]
    out.append(("seed case: sandrun/bare ≤ 1.02 (%.3f)" % r, r <= 1.02))
    wm = w.get("warm")
    if wm and "seed warm" in wm and "bare seed" in wm:
        m = wm["seed warm"]["median"] * 1000
        r = wm["seed warm"]["median"] / wm["bare seed"]["median"]
        out.append(("seed case warm (a server running): median ≤ 10 ms, "
                    "≤ 0.04 × bare (%.2f ms, %.3f ×)" % (m, r),
                    m <= 10 and r <= 0.04))
    if wm and "sh true warm" in wm and "bare true" in wm:
        add = (wm["sh true warm"]["median"] -
               wm["bare true"]["median"]) * 1000
        out.append(("`--exec /bin/true` under sh warm: ≤ 1.5 ms over bare "
                    "(adds %.2f ms)" % add, add <= 1.5))
    st = w["stream"]
    gbs = p["stream_bytes"] / st["sandrun"]["median"] / 1e9
    out.append(("stream: ≥ 1 GB/s (%.2f GB/s)" % gbs, gbs >= 1.0))
    r = st["bare pipe"]["median"] / st["sandrun"]["median"]
    out.append(("stream: ≥ 0.8 × a bare pipe's throughput (%.2f ×)" % r,
                r >= 0.8))
    rss = p["stream_rss_kib"]["sandrun"] / 1024
    out.append(("stream: sandrun RSS ≤ 4 MiB (%.1f MiB)" % rss, rss <= 4))
    lp = w["loop"]
    r = lp["bare python"]["median"] / lp["sandrun python"]["median"]
    out.append(("%d sequential runs of `python3 -c pass`: throughput ≥ 0.8 "
                "× bare (%.2f ×)" % (p["loop_n"], r), r >= 0.8))
    r = lp["bare true"]["median"] / lp["sandrun true"]["median"]
    out.append(("(not a target) %d sequential `/bin/true`: %.3f × bare "
                "throughput" % (p["loop_n"], r), None))
    se = w.get("session")
    if se and "python session call x + 1" in se:
        r = se["python session call x + 1"]["median"] / \
            se["bare python -c pass"]["median"]
        out.append(("session call `x + 1` ≤ 0.5 × bare `python3 -c pass` "
                    "(%.2f ×)" % r, r <= 0.5))
    leaked = [k for k, (b, a) in p["leaks"].items()
              if k in ("sandrun processes",
                       "sandrun-* cgroup dirs whose supervisor is gone "
                       "(leaked)",
                       "/tmp entries named *sandrun* (not the bench's own)",
                       "host mounts", "fds of this process")
              and a is not None and a > b]
    out.append(("nothing leaked (sandrun processes, cgroup dirs, /tmp "
                "entries, host mounts, fds)%s" % (
                    ": grew: " + ", ".join(leaked) if leaked else ""),
                not leaked))
    return out


def do_render(a):
    passes = []
    for f in a.passes:
        with open(f) as fh:
            passes.append(json.load(fh))
    m = passes[0]["machine"]
    v = passes[0]["versions"]
    L = ["# sandrun benchmarks", "",
         "<!-- Generated by bench/run.sh (`make bench`); edits are "
         "overwritten. -->", "",
         "How much time does the sandbox cost? Every number below comes from "
         "one run of `make bench` on one machine, all commands of a table "
         "measured in the same hyperfine invocation, so ratios are "
         "comparable; absolute times are not portable to other machines.",
         "",
         "## Machine", "",
         "| | |", "|---|---|",
         "| CPU | %s |" % m.get("cpu", "?"),
         "| cores | %s |" % m.get("cores"),
         "| memory | %s GiB |" % m.get("memory_gib", "?"),
         "| kernel | %s |" % m.get("kernel"),
         "| Debian | %s |" % m.get("debian"),
         "| passes | %s |" % "; ".join("%s as %s" % (p["label"], p["user"])
                                       for p in passes)]
    for k in ("sandrun", "hyperfine", "bwrap", "firejail", "runsc", "python3"):
        if k in v:
            L.append("| %s | %s |" % (k, v[k]))
    L += ["",
          "## How to reproduce", "",
          "```sh",
          "mkdir -p /tmp/b-bench && cd /tmp/b-bench",
          "/path/to/sandrun/configure -q CFLAGS='-O2 -g' && make -j2",
          "make bench        # as root: also a pass as user sandrun-ci "
          "(or tester)",
          "```", "",
          "`bench/run.sh` installs `hyperfine` and `bubblewrap` with apt-get "
          "when run as root (otherwise it prints the command); `firejail` "
          "and `runsc` (Debian package `runsc`) are measured when installed. "
          "`BENCH_QUICK=1` makes a short smoke run; `BENCH_USER=name` picks the "
          "user of the unprivileged pass (default: the first of `sandrun-ci` "
          "and `tester` that exists), `BENCH_USER=` (empty) skips it.", "",
          "## What is compared", "",
          "- **bare**: the program without any sandbox.",
          "- **sandrun**: `sandrun --exec -- PROG` (text mode: output passed "
          "through) and `sandrun --json` (output captured into the JSON "
          "result), python policy, every isolation layer on: user, mount, "
          "pid, net, ipc, uts and cgroup namespaces, pivot_root onto a "
          "tmpfs, read-only binds, fresh /proc with masks, minimal /dev, "
          "seccomp, no_new_privs, capabilities dropped, rlimits, and a "
          "cgroup when one can be had (root on this cgroup-v1 host; none as "
          "a user: rlimits then).",
          "- **bwrap**: `bwrap --unshare-all --die-with-parent --new-session "
          "--cap-drop ALL` with the same read-only binds, symlinks and files "
          "as the python policy (from `sandrun --print-policy python`), "
          "`--proc /proc --dev /dev`, tmpfs on /tmp, the work dir and home, "
          "the same uid/gid, hostname and environment. No cgroup, no "
          "rlimits. **bwrap+seccomp** adds sandrun's own BPF program "
          "(exported by `bench/bpf-export`) with `--seccomp 9`; hyperfine "
          "runs without a shell, so it goes through `bench/fdexec`, whose "
          "own cost is the `fdexec (wrapper cost)` row. The bwrap target "
          "below is judged against plain bwrap (less isolation, so the "
          "harder comparison).",
          "- **floor**: `bench/floor`, the smallest program that builds "
          "the same namespaces (one clone), a tmpfs root with /usr and "
          "/etc/ld.so.cache bound read-only, /tmp, a fresh /proc and "
          "pivot_root, and runs the program as its init's child: what the "
          "kernel charges for those layers and nothing else (no "
          "supervisor, policy, output capture or report). **floor: + every "
          "layer** adds sandrun's /dev, /proc masks, capability drop, "
          "rlimits, cgroup v1 leaves (root) and the python policy's seccomp "
          "program. It binds fewer paths than the policy, so both rows are "
          "lower bounds for any sandbox with these layers; the distance "
          "from them to sandrun is sandrun's own cost.",
          "- **firejail**: `--noprofile --net=none --private --private-tmp "
          "--private-dev --nonewprivs --caps.drop=all --seccomp --nogroups "
          "--ipc-namespace`: roughly comparable, not identical.",
          "- **runsc**: gVisor `runsc do` (`--rootless` as a user, "
          "`--network=none`): a different class of isolation (user-space "
          "kernel), for orientation only.",
          "- The stream row **bare pipe** is `sh -c 'head -c 1G /dev/zero | "
          "cat'`: sandrun, too, moves the bytes through a pipe and its own "
          "stdout; **bare** writes straight to /dev/null. sandrun text mode "
          "needs `--output-limit 2G` to pass 1 GiB through (beyond the cap "
          "the rest is discarded). bwrap hands its stdout to the program, so "
          "it copies nothing.",
          "- The loop rows run the command 200 times in one `sh -c` loop; "
          "for `/bin/true` the ≥ 0.8 × bare target is unreachable by "
          "definition (all of a sandbox's cost is overhead against a ~1 ms "
          "program), so the target is judged on `python3 -c pass`, and "
          "`/bin/true` is reported only.",
          "",
          "**No isolation layer is ever dropped to win time.** An "
          "optimisation that makes a row faster by turning off a namespace, "
          "a mount mask, seccomp, the cgroup or a limit is not an "
          "optimisation; see docs/profile.md for the measured costs and the "
          "proposals that keep every layer.",
          "",
          "## Targets", ""]
    for p in passes:
        L.append("As %s:\n" % p["label"])
        for text, ok in targets(p):
            mark = "(info)" if ok is None else verdict(ok)
            L.append("- %s %s" % (mark, text))
        L.append("")
    L.append("Load average is printed with each pass: other CPU-heavy jobs "
             "on the machine inflate every sandbox's cost more than bare "
             "runs (each sandbox waits for the CPU at clone, fork and exec).")
    L += ["", "## Results", ""]
    for p in passes:
        L += render_pass(p)
    sys.stdout.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pass")
    p.add_argument("--sandrun", required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--bpf")
    p.add_argument("--fdexec")
    p.add_argument("--floor")
    p.add_argument("--quick", action="store_true")
    r = sub.add_parser("render")
    r.add_argument("passes", nargs="+")
    a = ap.parse_args()
    if a.cmd == "pass":
        do_pass(a)
    else:
        do_render(a)


if __name__ == "__main__":
    main()
