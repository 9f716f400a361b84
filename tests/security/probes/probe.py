# probe.py - attack probes for tests/security (SECURITY.md cases).
#
# Usage: python3 probe.py CASE [ARG...]   (inside sandrun: sandrun probe.py -- CASE ...)
# Every probe prints machine-checkable lines "KEY value"; the bats tests
# assert them.  Run bare on the host (tests/security/sanity.bats) the same
# probes must detect the attack, so a pass inside sandrun is not vacuous.
# A probe never prints a nonce it was given: it prints FOUND/SEEN lines, so
# grep-ing the output for the nonce stays a leak test.
import ctypes
import errno
import os
import socket
import stat
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def L(x):
    return ctypes.c_long(x)


def sysc(nr, *args):
    """Raw syscall; returns (ret, errno name or 'OK')."""
    ctypes.set_errno(0)
    r = libc.syscall(L(nr), *[L(a) for a in args])
    e = ctypes.get_errno()
    return r, ("OK" if r >= 0 else errno.errorcode.get(e, str(e)))


def ename(ex):
    return errno.errorcode.get(ex.errno, str(ex.errno)) if isinstance(ex, OSError) and ex.errno else type(ex).__name__


def out(*a):
    print(*a, flush=True)


# ---- A. filesystem ------------------------------------------------------

def write_ro(_):
    import os as _os
    # existing files: opened for append, nothing written; new files: a
    # unique name, removed at once (safe when run bare on a host)
    for t in [_os.__file__, "/etc/passwd", "/etc/ld.so.cache"]:
        try:
            os.close(os.open(t, os.O_WRONLY | os.O_APPEND))
            out("WRITABLE", t)
        except OSError as e:
            out("DENIED", t, ename(e))
    for d in ["/usr/bin", "/lib", "/usr/lib", "/bin", "/etc"]:
        t = "%s/.sr-probe-%d" % (d, os.getpid())
        try:
            os.close(os.open(t, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.unlink(t)
            out("WRITABLE", d + "/new")
        except OSError as e:
            out("DENIED", d + "/new", ename(e))


def mounts(_):
    """Every mount point: options, and whether a file can be created."""
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        mp, opts = f[4].replace("\\040", " "), f[5].split(",")
        sep = f.index("-")
        fstype = f[sep + 1]
        ro = "ro" in opts
        probe = os.path.join(mp, ".sr-probe-%d" % os.getpid())
        try:
            if os.path.isdir(mp):
                fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
                os.close(fd)
                os.unlink(probe)
                w = "yes"
            else:
                w = "file"
        except OSError as e:
            w = ename(e)
        out("MOUNT %s %s %s %s %s create=%s" % (mp, fstype, "ro" if ro else "rw",
            "nosuid" if "nosuid" in opts else "suid", "nodev" if "nodev" in opts else "dev", w))


def oldroot(args):
    for p in ["/..", "/../..", "/."]:
        out("LIST", p, " ".join(sorted(os.listdir(p))))
    mi = open("/proc/self/mountinfo").read()
    for p in args + ["/home", "/root", "/oldroot", "/old_root", "/.oldroot", "/mnt", "/media"]:
        if (" %s " % p) in mi:
            out("MOUNTED", p)
        if os.path.exists(p) and p not in ("/home",):
            out("EXISTS", p)
    # the classic chroot break
    try:
        os.makedirs("/tmp/d", exist_ok=True)
        os.chroot("/tmp/d")
        for _ in range(10):
            os.chdir("..")
        os.chroot(".")
        out("CHROOT escaped", " ".join(os.listdir("/")))
    except OSError as e:
        out("CHROOT", ename(e))


def find_nonce(args):
    """find_nonce NONCE PATH...: look for the nonce in names and contents."""
    nonce, roots = args[0], args[1:]
    seen = 0
    for root in roots:
        if not os.path.exists(root):
            out("ABSENT", root)
            continue
        try:
            if os.path.isfile(root):
                walk = [(os.path.dirname(root), [], [os.path.basename(root)])]
            else:
                walk = os.walk(root)
            dev = os.stat(root).st_dev
            for d, dirs, files in walk:
                # stay on the root's filesystem: a /proc or a device
                # mounted below a scanned dir (kmsg!) could block a read
                dirs[:] = [x for x in dirs
                           if os.lstat(os.path.join(d, x)).st_dev == dev]
                for n in files + dirs:
                    p = os.path.join(d, n)
                    seen += 1
                    if nonce in n:
                        out("FOUND name", p.replace(nonce, "<nonce>"))
                    try:
                        st = os.lstat(p)
                        if (stat.S_ISREG(st.st_mode) and st.st_dev == dev
                                and st.st_size < 1 << 20):
                            fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
                            with os.fdopen(fd, "rb") as f:
                                if nonce.encode() in f.read():
                                    out("FOUND content",
                                        p.replace(nonce, "<nonce>"))
                    except OSError:
                        pass
        except OSError as e:
            out("ERR", root, ename(e))
    out("SCANNED", seen)


def read_secrets(args):
    home = os.path.expanduser("~")
    paths = ["/root", "/home", "/etc/shadow", "/var/lib", "/etc/sandrun",
             "/root/.ssh/id_rsa", "/root/.aws/credentials", "/root/.netrc"] + args
    for p in paths:
        try:
            if os.path.isdir(p):
                out("DIR", p, len(os.listdir(p)))
            else:
                open(p, "rb").read(1)
                out("READ", p)
        except OSError as e:
            out("DENIED", p, ename(e))


def tmpdirs(args):
    for d in ["/tmp", "/dev/shm", "/run", "/var/tmp", "/tmp/.X11-unix"]:
        try:
            out("LS", d, len(os.listdir(d)))
        except OSError as e:
            out("LS", d, ename(e))
    for p in args:
        try:
            with open(p, "w") as f:
                f.write("pwn\n")
            out("WROTE", p)
        except OSError as e:
            out("NOWRITE", p, ename(e))


def devices(_):
    out("DEV", " ".join(sorted(os.listdir("/dev"))))
    for n in ["mem", "kmem", "port", "sda", "vda", "nvme0n1", "kmsg", "console", "tty0",
              "kvm", "fuse", "net/tun", "dri/card0", "dri/renderD128", "loop0", "loop-control"]:
        p = "/dev/" + n
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
            out("OPENED", p)
        except OSError as e:
            out("NOOPEN", p, ename(e))
    for p in ["/tmp/n", "/dev/shm/n"]:
        try:
            os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 1))
            out("MKNOD ok", p)
        except OSError as e:
            out("MKNOD", ename(e))
    try:
        os.mkfifo("/tmp/fifo")
        out("MKFIFO ok")
    except OSError as e:
        out("MKFIFO", ename(e))


def setuid(_):
    import subprocess
    for line in open("/proc/self/status"):
        if line.startswith("NoNewPrivs"):
            out("NNP", line.split()[1])
    found = 0
    for d in ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec"]:
        for root, _, files in os.walk(d):
            for n in files:
                p = os.path.join(root, n)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID):
                    found += 1
                    if not os.access(p, os.X_OK):
                        continue
                    try:
                        r = subprocess.run([p, "-c", "id -u" if n != "sudo" else "true"] if n in ("su",) else
                                           [p, "-n", "id", "-u"] if n == "sudo" else [p, "--help"],
                                           stdin=subprocess.DEVNULL, capture_output=True, timeout=2)
                        o = (r.stdout + r.stderr).decode("utf-8", "replace")
                        # a successful euid change would show uid 0 from `id -u`
                        out("SUID %s rc=%d uid0=%s" % (p, r.returncode, "yes" if o.strip().splitlines()[:1] == ["0"] else "no"))
                    except Exception as e:
                        out("SUID %s %s" % (p, type(e).__name__))
    out("SUIDCOUNT", found)
    out("EUID", os.geteuid())


def persist(args):
    mode = args[0]
    paths = ["/tmp/persist", "/dev/shm/persist", os.path.expanduser("~/persist"), os.getcwd() + "/persist"]
    if mode == "write":
        for p in paths:
            try:
                with open(p, "w") as f:
                    f.write("run1\n")
                out("WROTE", p)
            except OSError as e:
                out("NOWRITE", p, ename(e))
        try:
            os.symlink("/etc/shadow", "/tmp/main.py")
        except OSError:
            pass
        for p in ["/usr/share/sandrun", "/etc/sandrun"]:
            out("EXISTS" if os.path.exists(p) else "ABSENT", p)
    else:
        for p in paths:
            out("PRESENT" if os.path.exists(p) else "GONE", p)


def noexec(args):
    """noexec [DIR]: exec paths from DIR (default /tmp)."""
    import shutil
    import subprocess
    res = {}
    d = args[0] if args else "/tmp"
    sh = d + "/s.sh"
    with open(sh, "w") as f:
        f.write("#!/bin/sh\necho ran\n")
    os.chmod(sh, 0o755)
    elf = d + "/true"
    try:
        shutil.copy("/bin/true", elf)
        os.chmod(elf, 0o755)
    except OSError as e:
        out("COPY", ename(e))
    for name, p in [("script", sh), ("elf", elf)]:
        try:
            subprocess.run([p], check=True, capture_output=True)
            res[name] = "ran"
        except OSError as e:
            res[name] = ename(e)
        except subprocess.CalledProcessError:
            res[name] = "failed"
    try:
        fd = os.memfd_create("x", 0)
        with open("/bin/true", "rb") as f:
            os.write(fd, f.read())
        pid = os.fork()
        if pid == 0:
            try:
                os.execve(fd, ["true"], {})
            except OSError as e:
                os._exit(100 + (e.errno or 0) % 100)
        _, st = os.waitpid(pid, 0)
        res["memfd"] = "ran" if os.waitstatus_to_exitcode(st) == 0 else "failed"
    except OSError as e:
        res["memfd"] = ename(e)
    fd = os.open(sh, os.O_RDONLY)
    try:
        r = subprocess.run(["/bin/sh", "/proc/self/fd/%d" % fd], pass_fds=(fd,), capture_output=True)
        res["procfd-interp"] = "ran" if r.stdout.strip() == b"ran" else "failed"
    except OSError as e:
        res["procfd-interp"] = ename(e)
    for k in sorted(res):
        out("EXEC", k, res[k])


# ---- B. process ---------------------------------------------------------

def status(_):
    for line in open("/proc/self/status"):
        k = line.split(":")[0]
        if k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters"):
            out(k, line.split()[1])
    PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE = 47, 2
    r, e = sysc(157, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 21, 0, 0)
    out("AMBIENT_RAISE", e)
    r, e = sysc(157, 8, 1, 0, 0, 0)  # PR_SET_KEEPCAPS
    out("KEEPCAPS", e)
    r, e = sysc(105, 0)  # setuid(0)
    out("SETUID0", e)


def setns_(_):
    tried = 0
    for pid in sorted(os.listdir("/proc")):
        if not pid.isdigit():
            continue
        for ns in ["mnt", "net", "pid", "user", "uts", "ipc", "cgroup"]:
            p = "/proc/%s/ns/%s" % (pid, ns)
            try:
                fd = os.open(p, os.O_RDONLY)
            except OSError as e:
                out("NSOPEN", pid, ns, ename(e))
                continue
            tried += 1
            r, e = sysc(308, fd, 0)
            out("SETNS", pid, ns, e)
            os.close(fd)
    out("TRIED", tried)


def ptrace_(_):
    ppid = os.getppid()
    for target in [1, ppid]:
        for req, name in [(16, "ATTACH"), (0x4206, "SEIZE")]:
            r, e = sysc(101, req, target, 0, 0)
            out("PTRACE", name, target, e)
        buf = ctypes.create_string_buffer(16)
        iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 16)
        r, e = sysc(310, target, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0)
        out("VMREADV", target, e)
        r, e = sysc(312, os.getpid(), target, 0, 0, 0)  # kcmp KCMP_FILE
        out("KCMP", target, e)
        pfd, pe = sysc(434, target, 0)
        if pfd >= 0:
            r, e = sysc(438, pfd, 0, 0)
            out("PIDFD_GETFD", target, e)
            os.close(pfd)
        else:
            out("PIDFD_OPEN", target, pe)
    pid = os.fork()
    if pid == 0:
        r, e = sysc(101, 0, 0, 0, 0)  # PTRACE_TRACEME
        os._exit(0 if r == 0 else 1)
    _, st = os.waitpid(pid, 0)
    out("TRACEME", "OK" if os.waitstatus_to_exitcode(st) == 0 else "EPERM")


def killall(args):
    import signal
    import time
    # a child of ours, to show the kill reaches sandbox processes
    child = os.fork()
    if child == 0:
        time.sleep(60)
        os._exit(0)
    pids = [int(p) for p in args]
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
            out("KILL", "guessed", "OK")
        except OSError as e:
            out("KILL", "guessed", ename(e))
    for sig, target in [(signal.SIGSTOP, 1), (signal.SIGKILL, 1)]:
        try:
            os.kill(target, sig)
            out("KILL", target, sig, "OK")
        except OSError as e:
            out("KILL", target, sig, ename(e))
    out("BEFORE", "kill(-1)")
    os.kill(-1, signal.SIGKILL)
    time.sleep(0.2)
    _, st = os.waitpid(child, 0)
    out("CHILD", "killed" if os.WIFSIGNALED(st) else "alive")
    out("SURVIVED", "me")


def rlimits(_):
    import resource
    for name in ["RLIMIT_NPROC", "RLIMIT_AS", "RLIMIT_NOFILE", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_CORE"]:
        r = getattr(resource, name)
        soft, hard = resource.getrlimit(r)
        if hard == resource.RLIM_INFINITY:
            out("RAISE", name, "unlimited")
            continue
        lim = (ctypes.c_uint64 * 2)(hard, hard + 1)
        rr, e = sysc(160, r, ctypes.addressof(lim))  # setrlimit
        out("RAISE", name, e)
    for pid in [1, os.getppid()]:
        try:
            resource.prlimit(pid, resource.RLIMIT_NOFILE)
            out("PRLIMIT", pid, "OK")
        except OSError as e:
            out("PRLIMIT", pid, ename(e))


def personality(_):
    for name, val in [("ADDR_NO_RANDOMIZE", 0x0040000), ("READ_IMPLIES_EXEC", 0x0400000),
                      ("QUERY", 0xffffffff), ("PER_LINUX", 0)]:
        r, e = sysc(135, val)
        out("PERSONALITY", name, e)


# ---- E. kernel ----------------------------------------------------------

# name: (x86_64 number, arguments that fail harmlessly if the call is reached)
SWEEP = {
    "keyctl": (250, [9999, 0, 0, 0, 0]), "add_key": (248, [1, 1, 0, 0, 0]),
    "request_key": (249, [1, 1, 0, 0]), "bpf": (321, [999, 0, 0]),
    "perf_event_open": (298, [1, 0, -1, -1, 0]), "userfaultfd": (323, [-1]),
    "io_uring_setup": (425, [1, 1]), "io_uring_enter": (426, [-1, 0, 0, 0, 0, 0]),
    "io_uring_register": (427, [-1, 0, 0, 0]), "kexec_load": (246, [0, 1 << 20, 1, 0]),
    "kexec_file_load": (320, [-1, -1, 0, 1, -1]), "init_module": (175, [1, 1, 1]),
    "finit_module": (313, [-1, 1, 0]), "delete_module": (176, [1, 0]),
    "reboot": (169, [0, 0, 0, 0]), "swapon": (167, [1, 0]), "swapoff": (168, [1]),
    "acct": (163, [1]), "quotactl": (179, [0, 1, 0, 1]), "quotactl_fd": (443, [-1, 0, 0, 0]),
    "syslog": (103, [99, 0, 0]), "iopl": (172, [99]), "ioperm": (173, [0x10000000, 1, 1]),
    "modify_ldt": (154, [1, 1, 16]), "lookup_dcookie": (212, [0, 1, 1]),
    "nfsservctl": (180, [0, 1, 1]), "uselib": (134, [1]), "_sysctl": (156, [1]),
    "open_by_handle_at": (304, [-1, 1, 0]), "name_to_handle_at": (303, [-1, 1, 1, 1, 0]),
    "fanotify_init": (300, [-1, 0]), "mount": (165, [1, 1, 1, 0, 1]), "umount2": (166, [1, 0]),
    "pivot_root": (155, [1, 1]), "chroot": (161, [1]), "fsopen": (430, [1, 0]),
    "fsconfig": (431, [-1, 0, 0, 0, 0]), "fsmount": (432, [-1, 0, 0]), "fspick": (433, [-1, 1, 0]),
    "open_tree": (428, [-1, 1, 0]), "move_mount": (429, [-1, 1, -1, 1, 0]),
    "mount_setattr": (442, [-1, 1, 0, 1, 0]), "setns": (308, [-1, 0]), "unshare": (272, [-1]),
    "sethostname": (170, [1, 5]), "setdomainname": (171, [1, 5]), "settimeofday": (164, [1, 1]),
    "clock_settime": (227, [0, 1]), "mbind": (237, [0, 0, 99, 0, 0, 0]),
    "set_mempolicy": (238, [99, 0, 0]), "migrate_pages": (256, [0, 0, 1, 1]),
    "move_pages": (279, [0, 1, 1, 0, 1, 0]), "process_vm_readv": (310, [0, 1, 1, 1, 1, 0]),
    "process_vm_writev": (311, [0, 1, 1, 1, 1, 0]), "process_madvise": (440, [-1, 1, 1, 0, 0]),
    "kcmp": (312, [0, 0, 99, 0, 0]), "pidfd_getfd": (438, [-1, 0, 0]),
    "ptrace": (101, [99999, 1 << 30, 0, 0]), "memfd_secret": (447, [-1]),
    "splice": (275, [-1, 0, -1, 0, 1, 0]), "tee": (276, [-1, -1, 1, 0]), "vmsplice": (278, [-1, 1, 1, 0]),
}


def sweep(_):
    me = os.getpid()
    for name, (nr, args) in SWEEP.items():
        args = [me if (a == 0 and name in ("process_vm_readv", "process_vm_writev", "migrate_pages", "move_pages", "kcmp") and i == 0) else a
                for i, a in enumerate(args)]
        r, e = sysc(nr, *args)
        out("SYSCALL", name, e)


def clone3(_):
    import concurrent.futures
    import subprocess
    CLONE_NEWUSER = 0x10000000
    args = (ctypes.c_uint64 * 11)()
    args[0] = CLONE_NEWUSER
    args[4] = 17  # exit_signal SIGCHLD
    r, e = sysc(435, ctypes.addressof(args), 88)
    if r == 0:
        os._exit(0)
    out("CLONE3", e)
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        out("THREADS", sum(ex.map(lambda x: x, range(10))))
    out("SUBPROCESS", subprocess.run(["echo", "hi"], capture_output=True).stdout.decode().strip())
    CLONE_NEWNS = 0x20000
    r, e = sysc(56, CLONE_NEWUSER | 17, 0, 0, 0, 0)
    if r == 0:
        os._exit(0)
    out("CLONE_NEWUSER", e)
    r, e = sysc(272, CLONE_NEWUSER)
    out("UNSHARE_NEWUSER", e)
    r, e = sysc(272, CLONE_NEWNS)
    out("UNSHARE_NEWNS", e)
    try:
        out("MAX_USERNS", open("/proc/sys/user/max_user_namespaces").read().strip())
    except OSError as e:
        out("MAX_USERNS", ename(e))


def argwidth(_):
    AF_ALG = 38
    for label, fam in [("plain", AF_ALG), ("high", AF_ALG | (1 << 32))]:
        r, e = sysc(41, fam, 5, 0)  # SOCK_SEQPACKET
        out("SOCKET", label, e)
        if r >= 0:
            os.close(r)
    for label, fam in [("inet-plain", 2), ("inet-high", 2 | (1 << 32))]:
        r, e = sysc(41, fam, 1, 0)
        out("SOCKET", label, e)
        if r >= 0:
            os.close(r)
    CLONE_NEWUSER = 0x10000000
    for label, fl in [("plain", CLONE_NEWUSER | 17), ("high", CLONE_NEWUSER | 17 | (1 << 33))]:
        r, e = sysc(56, fl, 0, 0, 0, 0)
        if r == 0:
            os._exit(0)
        if r > 0:
            os.waitpid(r, 0)
        out("CLONE", label, e)
    PR_CAP_AMBIENT, PR_SET_NAME = 47, 15
    name = ctypes.create_string_buffer(b"probe")
    for label, opt in [("ambient-plain", PR_CAP_AMBIENT), ("ambient-high", PR_CAP_AMBIENT | (1 << 32)),
                       ("name-plain", PR_SET_NAME), ("name-high", PR_SET_NAME | (1 << 32))]:
        r, e = sysc(157, opt, ctypes.addressof(name) if "name" in label else 2, 0, 0, 0)
        out("PRCTL", label, e)
    TIOCSTI = 0x5412
    c = ctypes.create_string_buffer(b"x")
    for label, req in [("tiocsti-plain", TIOCSTI), ("tiocsti-high", TIOCSTI | (1 << 32))]:
        r, e = sysc(16, 0, req, ctypes.addressof(c))
        out("IOCTL", label, e)


def selfseccomp(_):
    # PR_SET_SECCOMP / seccomp(2): a filter making write() lie, or a listener
    r, e = sysc(157, 22, 2, 0, 0, 0)  # PR_SET_SECCOMP, FILTER, NULL
    out("PR_SET_SECCOMP", e)
    r, e = sysc(317, 1, 0, 0)  # seccomp(SET_MODE_FILTER, 0, NULL)
    out("SECCOMP", e)
    r, e = sysc(317, 1, 8, 0)  # NEW_LISTENER
    out("SECCOMP_LISTENER", e)


def tunables(_):
    for p, v in [("/proc/sysrq-trigger", "h"), ("/proc/sys/kernel/core_pattern", "|/tmp/x"),
                 ("/proc/sys/vm/drop_caches", "3"), ("/proc/sys/kernel/randomize_va_space", "0"),
                 ("/sys/kernel/mm/transparent_hugepage/enabled", "never"),
                 ("/proc/sys/user/max_user_namespaces", "100")]:
        try:
            with open(p, "w") as f:
                f.write(v)
            out("WROTE", p)
        except OSError as e:
            out("NOWRITE", p, ename(e))


# ---- D. network ---------------------------------------------------------

def connect(args):
    """connect PROTO HOST PORT ...: triples."""
    for i in range(0, len(args), 3):
        proto, host, port = args[i], args[i + 1], int(args[i + 2])
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
            s.settimeout(2)
            s.connect((host, port))
            if proto == "udp":
                s.send(b"probe")
                s.recv(10)
            else:
                s.send(b"GET / HTTP/1.0\r\n\r\n")
            out("CONNECT", proto, host, port, "OK")
            s.close()
        except (OSError, socket.timeout) as e:
            out("CONNECT", proto, host, port, ename(e))


def resolve(args):
    for h in args:
        try:
            socket.getaddrinfo(h, 443)
            out("RESOLVE", h, "OK")
        except socket.gaierror as e:
            out("RESOLVE", h, "FAIL")


def unix_sockets(args):
    import glob
    paths = ["/var/run/docker.sock", "/run/containerd/containerd.sock", "/run/dbus/system_bus_socket",
             "/run/user/%d/bus" % os.getuid(), "/tmp/.X11-unix/X0", "/run/systemd/private",
             "/var/run/nscd/socket"] + args
    for p in paths:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(1)
            if p.startswith("@"):
                s.connect("\0" + p[1:])
            else:
                s.connect(p)
            out("UNIX", p.replace(p[1:], "<abstract>") if p.startswith("@") else p, "OK")
        except OSError as e:
            out("UNIX", p.replace(p[1:], "<abstract>") if p.startswith("@") else p, ename(e))


def serve(args):
    import time
    port = int(args[0])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("0.0.0.0", port))
        s.listen(5)
        out("BIND OK")
    except OSError as e:
        out("BIND", ename(e))
        return
    s.settimeout(float(args[1]) if len(args) > 1 else 2)
    try:
        c, _ = s.accept()
        out("ACCEPTED")
    except socket.timeout:
        out("NOCONN")


def ifaces(_):
    out("IFACES", " ".join(n for _, n in socket.if_nameindex()))


# ---- F/G. IPC, terminal, leaks --------------------------------------------

def tty(_):
    out("SID", os.getsid(0), "PID", os.getpid(), "PGRP", os.getpgrp())
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
        out("DEVTTY", "OK")
        os.close(fd)
    except OSError as e:
        out("DEVTTY", ename(e))
    for fd in (0, 1, 2):
        out("ISATTY", fd, os.isatty(fd))
    try:
        os.tcsetpgrp(0, os.getpgrp())
        out("TCSETPGRP", "OK")
    except OSError as e:
        out("TCSETPGRP", ename(e))
    TIOCSTI = 0x5412
    c = ctypes.create_string_buffer(b"x")
    r, e = sysc(16, 0, TIOCSTI, ctypes.addressof(c))
    out("TIOCSTI", e)


def sysv(args):
    """sysv SHMKEY MSGKEY MQNAME"""
    shmkey, msgkey, mq = int(args[0]), int(args[1]), args[2]
    r, e = sysc(29, shmkey, 0, 0)  # shmget existing
    out("SHMGET", e)
    r, e = sysc(68, msgkey, 0)  # msgget existing
    out("MSGGET", e)
    name = ctypes.create_string_buffer(mq.encode())
    r, e = sysc(240, ctypes.addressof(name), 0, 0, 0)  # mq_open O_RDONLY
    out("MQ_OPEN", e)
    r, e = sysc(29, 0, 4096, 0o1600)  # shmget IPC_PRIVATE, IPC_CREAT
    out("SHMCREATE", e)
    try:
        out("SYSVIPC", len(open("/proc/sysvipc/shm").read().splitlines()) - 1,
            len(open("/proc/sysvipc/msg").read().splitlines()) - 1)
    except OSError as e:
        out("SYSVIPC", ename(e))


def environ(args):
    names = args
    env = dict(os.environ)
    for n in names:
        out("ENV", n, "SET" if n in env else "unset")
    out("ENVKEYS", " ".join(sorted(env)))
    for p in ["/proc/self/environ", "/proc/1/environ"] + ["/proc/%s/environ" % d for d in os.listdir("/proc") if d.isdigit()]:
        try:
            data = open(p, "rb").read()
            out("ENVIRON", p, "readable", len(data))
            sys.stdout.buffer.write(data.replace(b"\0", b"\n") + b"\n")
        except OSError as e:
            out("ENVIRON", p, ename(e))


def procs(_):
    for d in sorted(os.listdir("/proc")):
        if not d.isdigit():
            continue
        try:
            cmd = open("/proc/%s/cmdline" % d, "rb").read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError as e:
            cmd = ename(e)
        out("PID", d, cmd)
    for p in ["/proc/1/fd", "/proc/%d/fd" % os.getppid()]:
        try:
            out("FDS", p, " ".join(os.listdir(p)))
        except OSError as e:
            out("FDS", p, ename(e))
    out("SELF_FDS", " ".join(sorted(os.listdir("/proc/self/fd"), key=int)))
    for p in ["/proc/1/status", "/proc/1/maps", "/proc/1/mem", "/proc/1/root/"]:
        try:
            if p.endswith("/"):
                out("READ", p, len(os.listdir(p)))
            else:
                open(p, "rb").read(64)
                out("READ", p, "OK")
        except OSError as e:
            out("READ", p, ename(e))


def sysfs(_):
    for p in ["/sys", "/sys/class/net", "/sys/class/dmi/id", "/sys/firmware", "/sys/kernel/debug",
              "/sys/fs/cgroup", "/sys/block", "/sys/devices/virtual/powercap"]:
        try:
            out("SYS", p, "LISTED", len(os.listdir(p)))
        except OSError as e:
            out("SYS", p, ename(e))


def identity(args):
    for p in ["/etc/passwd", "/etc/group", "/etc/hosts", "/etc/hostname", "/etc/machine-id", "/etc/resolv.conf",
              "/var/lib/dbus/machine-id"]:
        try:
            lines = open(p).read().splitlines()
            out("FILE", p, len(lines))
            for l in lines:
                out("LINE", p, l)
        except OSError as e:
            out("FILE", p, ename(e))
    out("GROUPS", " ".join(map(str, os.getgroups())))
    import subprocess
    out("ID", subprocess.run(["id"], capture_output=True).stdout.decode().strip())


def klog(_):
    buf = ctypes.create_string_buffer(4096)
    r, e = sysc(103, 3, ctypes.addressof(buf), 4096)  # SYSLOG_ACTION_READ_ALL
    out("KLOGCTL", e)
    for p in ["/dev/kmsg", "/proc/kmsg"]:
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
            try:
                data = os.read(fd, 4096)
                out("READ", p, len(data))
            except OSError as e:
                out("READ", p, ename(e))
            os.close(fd)
        except OSError as e:
            out("OPEN", p, ename(e))


def hostname(_):
    out("HOSTNAME", socket.gethostname())
    out("UNAME", os.uname().nodename)
    # the current name: a no-op if it is ever allowed (safe bare on a host)
    cur = socket.gethostname().encode()
    name = ctypes.create_string_buffer(cur)
    r, e = sysc(170, ctypes.addressof(name), len(cur))
    out("SETHOSTNAME", e)
    out("HOSTNAME_AFTER", socket.gethostname())


def hold(args):
    """hold SECONDS MARKER: stay around, leave traces for a concurrent run."""
    import time
    marker = args[1]
    open("/tmp/" + marker, "w").write("x")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("\0" + marker)
    s.listen(1)
    sysc(29, 0x5eed, 4096, 0o1600 | 0o0001000)  # shmget key, IPC_CREAT
    out("HOLDING", os.getpid())
    time.sleep(float(args[0]))
    out("DONE")


def lateral(args):
    """lateral MARKER: look for the other run's traces."""
    marker = args[0]
    out("TMP", "FOUND" if os.path.exists("/tmp/" + marker) else "absent")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect("\0" + marker)
        out("ABSTRACT", "FOUND")
    except OSError as e:
        out("ABSTRACT", ename(e))
    r, e = sysc(29, 0x5eed, 0, 0)
    out("SHM", e)
    pids = [d for d in os.listdir("/proc") if d.isdigit()]
    out("NPIDS", len(pids))
    try:
        os.kill(2, 0)
        out("SIGNAL2", "OK-self-ns")
    except OSError as e:
        out("SIGNAL2", ename(e))
    try:
        out("CGROUP", open("/proc/self/cgroup").read().strip().replace("\n", " "))
    except OSError as e:
        out("CGROUP", ename(e))


CASES = {
    "write_ro": write_ro, "mounts": mounts, "oldroot": oldroot, "find_nonce": find_nonce,
    "read_secrets": read_secrets, "tmpdirs": tmpdirs, "devices": devices, "setuid": setuid,
    "persist": persist, "noexec": noexec, "status": status, "setns": setns_, "ptrace": ptrace_,
    "killall": killall, "rlimits": rlimits, "personality": personality, "sweep": sweep,
    "clone3": clone3, "argwidth": argwidth, "selfseccomp": selfseccomp, "tunables": tunables,
    "connect": connect, "resolve": resolve, "unix_sockets": unix_sockets, "serve": serve,
    "ifaces": ifaces, "tty": tty, "sysv": sysv, "environ": environ, "procs": procs,
    "sysfs": sysfs, "identity": identity, "klog": klog, "hostname": hostname, "hold": hold,
    "lateral": lateral,
}

# Probes that would harm a host when run bare: only inside sandrun.
INSIDE_ONLY = {"killall", "tunables", "persist", "hold"}


def inside_sandrun():
    try:
        return open("/proc/1/cmdline", "rb").read().startswith(b"sandrun-init")
    except OSError:
        return False


if __name__ == "__main__":
    if sys.argv[1] in INSIDE_ONLY and not inside_sandrun():
        sys.exit("probe %s runs only inside sandrun" % sys.argv[1])
    CASES[sys.argv[1]](sys.argv[2:])
