#!/usr/bin/env bats
# SECURITY.md section C: resource exhaustion (small limits: -t 2s, -m 64M, --pids 16).

load sec_helpers

setup() {
	require_userns
	canaries_setup
	cd "$CWD_DIR"
}

teardown() {
	canaries_teardown
}


# a limit stopped the run and said so: never ok
limited() {
	local s
	s=$(json .status)
	case "$s" in timeout | memory_limit | process_limit | output_limit | signal | exit_nonzero) ;;
	*) echo "status $s" >&2; return 1 ;; esac
}

@test "C28 fork bomb (Python and shell): capped by P, reported, everything gone after" {
	code 'import os
print("start", flush=True)
while True:
    try: os.fork()
    except OSError: pass'
	srun --json -t 2s --pids 16 "$CODE"
	limited
	[ "$(json .stdout.text)" = start ] || [[ "$(json .stdout.text)" == start* ]]
	no_leftovers
	canary_alive
	code ':(){ :|:& };:' sh
	srun --json -p sh -t 2s --pids 16 "$CODE"
	[ "$(json .status)" != ok ] || [ "$(json .exit_code)" = 0 ]
	no_leftovers
	sleep 0.2
	! pgrep -f "$CODE" >/dev/null
}

@test "C29 thread bomb with 8 MiB stacks: capped by P and M" {
	code 'import threading, time
threading.stack_size(8 << 20)
n = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(5,), daemon=True).start(); n += 1
except RuntimeError as e:
    print("stopped", n < 64)'
	srun --json -t 5s --pids 16 -m 256M "$CODE"
	[ "$(json .stdout.text)" = "stopped True" ]
	no_leftovers
}

@test "C30 memory bomb: killed inside, reported as memory limit, output before it kept" {
	code 'print("before", flush=True)
b = bytearray(1 << 34)
print("after")'
	srun --json -m 64M -t 10s "$CODE"
	[ "$(json .status)" = memory_limit ] || { echo "$output" >&2; false; }
	[ "$(json .limit_hit)" = memory ]
	[ "$(json .stdout.text)" = before ]
	code 'print("before", flush=True)
l = []
while True: l.append(bytearray(1 << 20))'
	srun --json -m 64M -t 10s "$CODE"
	[ "$(json .status)" = memory_limit ] || { echo "$output" >&2; false; }
	[ "$(json .stdout.text)" = before ]
	no_leftovers
}

@test "C32 disk and inode exhaustion: ENOSPC inside, result written, host df unchanged" {
	df_before=$(df -P / | awk 'NR==2 {print $4}')
	code 'import os, errno
n = 0
try:
    with open("/tmp/big", "wb") as f:
        while True: f.write(b"x" * (1 << 20)); f.flush()
except OSError as e: print("bytes", errno.errorcode[e.errno])
os.unlink("/tmp/big")
try:
    while True: open("/tmp/f%d" % n, "w").close(); n += 1
except OSError as e: print("inodes", errno.errorcode[e.errno], n < 200000)
d = "/tmp/d"
try:
    while True: os.mkdir(d); d += "/d"
except OSError as e: print("nesting", errno.errorcode[e.errno])'
	srun --json -t 20s "$CODE"
	status_is ok
	text=$(json .stdout.text)
	grep -qE '^bytes (ENOSPC|EFBIG)$' <<<"$text"
	has "inodes ENOSPC True"
	grep -qE '^nesting (ENOSPC|ENAMETOOLONG)$' <<<"$text"
	df_after=$(df -P / | awk 'NR==2 {print $4}')
	[ $((df_before - df_after)) -lt 65536 ]
	no_leftovers
}

@test "C33 giant sparse file to stdout: output cap enforced, sandrun's memory bounded" {
	code 'truncate -s 1T /tmp/f; echo "1T: $?"; truncate -s 200M /tmp/f 2>/dev/null || truncate -s 60M /tmp/f; cat /tmp/f' sh
	run /usr/bin/time -f 'RSS %M' "$SANDRUN" --json -p sh --output-limit 64K -t 10s "$CODE"
	rss=$(sed -n 's/^RSS //p' <<<"$output")
	output=$(grep -v '^RSS ' <<<"$output")
	[ "$(json .stdout.truncated)" = true ]
	[ "$(json .stdout.bytes)" -ge 60000000 ]
	[ "$rss" -lt 65536 ]
}

@test "C38 zombie flood: capped by P, released at teardown, main status reported" {
	code 'import os
n = 0
try:
    while n < 10000:
        if os.fork() == 0: os._exit(0)
        n += 1
except OSError as e: print("capped", e.errno)
else: print("no cap")
exit(3)'
	srun --json -t 5s --pids 16 "$CODE"
	[ "$(json .exit_code)" = 3 ]
	[ "$(json .stdout.text)" = "capped 11" ]
	no_leftovers
}

@test "C39 all-core CPU burn: stopped at T, CPU time reported" {
	code 'import multiprocessing, os
def burn(_):
    while True: pass
with multiprocessing.Pool(os.cpu_count()) as p: p.map(burn, range(os.cpu_count()))'
	srun --json -t 2s "$CODE"
	status_is timeout
	[ "$(json '.time.cpu_user_ms + .time.cpu_sys_ms')" -gt 0 ] || [ "$(json .limits.cpu_time.mechanism)" != cgroup1 ]
	no_leftovers
}

@test "C41 timer and signal-queue floods: bounded, the run still times out correctly" {
	code 'import ctypes, os, signal, errno, time
libc = ctypes.CDLL(None, use_errno=True)
tid = ctypes.c_void_p()
n = 0
while n < 1000000 and libc.timer_create(1, None, ctypes.byref(tid)) == 0: n += 1
print("timers", n < 1000000, errno.errorcode.get(ctypes.get_errno()), flush=True)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN, signal.SIGRTMIN + 1])
q = 0
try:
    while q < 1000000: signal.pthread_kill(signal.pthread_self(), signal.SIGRTMIN) if False else os.kill(os.getpid(), signal.SIGRTMIN + (q % 2)); q += 1
except OSError as e: pass
print("queued", q < 1000000, flush=True)
time.sleep(100)'
	srun --json -t 2s "$CODE"
	status_is timeout
	text=$(json .stdout.text)
	grep -q '^timers True' <<<"$text"
	no_leftovers
}

@test "C42 exec storm with huge argv/env: bounded by T, reported" {
	code 'X=$(head -c 100000 /dev/zero | tr "\0" x); export A=$X B=$X C=$X D=$X E=$X F=$X G=$X H=$X; exec sh "$0" "$X" "$X"' sh
	srun --json -p sh -t 2s "$CODE"
	status_is timeout
	no_leftovers
}

@test "C43 host-wide writeback storm: sync and syncfs denied" {
	code 'import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
for name, nr, args in [("sync", 162, ()), ("syncfs", 306, (1,))]:
    ctypes.set_errno(0); r = libc.syscall(nr, *args)
    print(name, errno.errorcode.get(ctypes.get_errno(), "OK") if r < 0 else "OK")'
	srun --json "$CODE"
	text=$(json .stdout.text)
	has "sync EPERM"
	has "syncfs EPERM"
}
