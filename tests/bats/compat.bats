#!/usr/bin/env bats
# Real programs run as they do bare (#17): each test runs the same small
# program bare (in a scratch dir, /usr/bin/python3) and under sandrun -p
# python, and expects the same output.  One test per cause; the decisions
# are in sandrun-policy(5) and SECURITY.md.

load helpers

setup() {
	require_userns
	WORK=$(scratch)
}

# same CODE [SANDRUN-OPTION...]: CODE's output bare equals its output in
# the sandbox, and both exit 0.
same() {
	local code=$1
	shift
	printf '%s\n' "$code" >"$WORK/main.py"
	run -0 env -C "$WORK" TMPDIR="$WORK" /usr/bin/python3 -B main.py
	bare=$output
	run -0 sandrun -t 60s "$@" "$WORK/main.py"
	assert_output "$bare"
}

@test "compat: a C program compiled with cc in the work dir runs (exec tmpfs)" {
	command -v cc >/dev/null || need "cc is not installed"
	same 'import subprocess
open("hello.c", "w").write("#include <stdio.h>\nint main(void){puts(\"hello from cc\");return 0;}\n")
subprocess.run(["cc", "-o", "hello", "hello.c"], check=True)
print(subprocess.run(["./hello"], capture_output=True, text=True, check=True).stdout, end="")
import shutil, os
open("tool.sh", "w").write("#!/bin/sh\necho tool\n"); os.chmod("tool.sh", 0o755)
print(shutil.which("tool.sh", path=os.getcwd()) is not None)'
}

@test "compat: a ctypes helper built at run time in /tmp loads" {
	command -v cc >/dev/null || need "cc is not installed"
	same 'import ctypes, os, subprocess, tempfile
d = tempfile.mkdtemp()
open(d + "/add.c", "w").write("int add(int a, int b){return a + b;}\n")
subprocess.run(["cc", "-shared", "-fPIC", "-o", d + "/libadd.so", d + "/add.c"], check=True)
print(ctypes.CDLL(d + "/libadd.so").add(40, 2))'
}

@test "compat: an asyncio echo server and client on 127.0.0.1 (loopback up)" {
	same 'import asyncio
async def handle(r, w):
    w.write(await r.read(5)); await w.drain(); w.close()
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    r, w = await asyncio.open_connection(*srv.sockets[0].getsockname()[:2])
    w.write(b"hello"); await w.drain()
    print((await r.read(5)).decode())
    w.close(); srv.close(); await srv.wait_closed()
asyncio.run(main())'
}

@test "compat: a multiprocessing Manager serves its children" {
	same 'import multiprocessing as mp
def work(d, i): d[i] = i * i
if __name__ == "__main__":
    with mp.Manager() as m:
        d = m.dict()
        ps = [mp.Process(target=work, args=(d, i)) for i in range(4)]
        for p in ps: p.start()
        for p in ps: p.join()
        print(sorted(d.items()))'
}

@test "compat: chown to one's own uid and gid succeeds, to root does not" {
	same 'import os
open("f", "w").close()
os.chown("f", os.getuid(), os.getgid()); os.lchown("f", -1, os.getgid())
os.fchown(os.open("f", os.O_RDONLY), os.getuid(), -1)
print("own ok")'
	run -0 sandrun <<<'import os
open("f", "w").close()
try: os.chown("f", 0, 0); print("chowned to root")
except OSError: print("refused")'
	assert_output "refused"
}

@test "compat: os.nice(1) lowers the priority; raising it back is refused" {
	same 'import os
before = os.nice(0)
print(os.nice(1) - before)
import resource
print(os.getpriority(os.PRIO_PROCESS, 0) - before)'
	run -0 sandrun <<<'import os
os.nice(1)
try: os.nice(-1); print("raised")
except PermissionError: print("refused")
os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0)); print("batch")
try: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1)); print("fifo")
except PermissionError: print("no fifo")'
	assert_output $'refused\nbatch\nno fifo'
}

@test "compat: /proc/meminfo shows the memory limit under -m 256M" {
	run -0 sandrun -m 256M <<<'import os
for l in open("/proc/meminfo"):
    k, v = l.split(":")
    if k in ("MemTotal", "MemAvailable", "MemFree"):
        print(k, int(v.split()[0]) <= 256 * 1024)'
	assert_output $'MemTotal True\nMemFree True\nMemAvailable True'
}

@test "compat: a 200 MiB temp file under -m 1G" {
	# the shipped python policy: where the memory cgroup is charged for
	# tmpfs pages, /tmp and file_size (RLIMIT_FSIZE, at half) follow the
	# memory limit
	run sandrun --json -m 1G <<<'import tempfile, os
with tempfile.TemporaryFile() as f:
    b = b"x" * (1 << 20)
    for _ in range(200): f.write(b)
    f.flush(); print(os.fstat(f.fileno()).st_size >> 20)'
	if [ "$(json .limits.memory.mechanism)" = rlimit ]; then
		# no memory cgroup: tmpfs pages are charged to nothing, so the
		# policy's bound holds and the result names it (sandrun-policy(5))
		[ "$(json .limits.tmpfs_tmp.mechanism)" = tmpfs ]
		[ "$(json .limits.tmpfs_tmp.value)" = 67108864 ]
		[ "$(json .limits.file_size.value)" = 67108864 ]
		[ "$(json .status)" != ok ]
		[[ "$(json .stderr.text)" == *"No space left on device"* ||
		    "$(json .stderr.text)" == *"File too large"* ]]
		return 0
	fi
	[ "$(json .status)" = ok ]
	[ "$(json .stdout.text)" = "200" ]
	[ "$(json .limits.tmpfs_tmp.value)" -ge $((1 << 30)) ]
	[ "$(json .limits.file_size.value)" -ge $((1 << 29)) ]
	[ "$(json .limits.file_size.mechanism)" = rlimit ]
}

@test "compat: pty.openpty() and a child on the pty" {
	same 'import os, pty
m, s = pty.openpty()
os.write(s, b"ping\n")
print(os.read(m, 5).decode().strip(), os.isatty(s))
pid, fd = pty.fork()
if pid == 0:
    print("child on a pty", os.isatty(0)); os._exit(0)
out = b""
while True:
    try: c = os.read(fd, 100)
    except OSError: break
    if not c: break
    out += c
os.waitpid(pid, 0); print(out.decode().strip())'
}

@test "compat: resource.prlimit on the program's own pid (psutil)" {
	same 'import os, resource
soft, hard = resource.prlimit(os.getpid(), resource.RLIMIT_NOFILE)
resource.prlimit(os.getpid(), resource.RLIMIT_NOFILE, (min(soft, 64), hard))
print(resource.getrlimit(resource.RLIMIT_NOFILE)[0] == min(soft, 64))
print(resource.prlimit(os.getpid(), resource.RLIMIT_CPU) == resource.getrlimit(resource.RLIMIT_CPU))'
	# never raising a hard limit, never touching init (pid 1)
	run -0 sandrun <<<'import os, resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
try: resource.prlimit(os.getpid(), resource.RLIMIT_NOFILE, (hard, hard + 1)); print("raised")
except (ValueError, PermissionError): print("hard limit kept")
try: resource.prlimit(1, resource.RLIMIT_NOFILE); print("init reached")
except PermissionError: print("init refused")'
	assert_output $'hard limit kept\ninit refused'
}

@test "compat: mlock within RLIMIT_MEMLOCK" {
	same 'import ctypes, mmap
libc = ctypes.CDLL(None, use_errno=True)
buf = mmap.mmap(-1, 4096)
addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
print(libc.mlock(ctypes.c_void_p(addr), 4096), libc.munlock(ctypes.c_void_p(addr), 4096))'
}

@test "compat: stays refused on purpose: splice, AF_ALG, memfd_create" {
	run -0 sandrun --json <<<'import os, socket
r, w = os.pipe()
try: os.splice(r, w, 1); print("splice ran")
except OSError as e: print("splice", e.errno)
try: socket.socket(38, socket.SOCK_SEQPACKET); print("alg ran")
except OSError as e: print("alg", e.errno)
try: os.memfd_create("x"); print("memfd ran")
except OSError as e: print("memfd", e.errno)'
	[ "$(json .stdout.text)" = $'splice 1\nalg 1\nmemfd 1' ]
}
