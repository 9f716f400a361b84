#!/usr/bin/env bats
# SECURITY.md section B: process.

load sec_helpers

setup() {
	require_userns
	canaries_setup
	cd "$CWD_DIR"
}

teardown() {
	canaries_teardown
}


@test "B14 capability / NNP / seccomp self-audit: all caps 0, NNP 1, Seccomp 2, ambient raise denied" {
	probe status
	status_is ok
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do has "$c 0000000000000000"; done
	has "NoNewPrivs 1"
	has "Seccomp 2"
	has "AMBIENT_RAISE EPERM"
	has "SETUID0 EPERM"
	printf '%s' "$output" | jq -e '.isolation | .seccomp and .no_new_privs and .user_ns and .pid_ns'
}

@test "B16 setns into other namespaces: denied, no host namespace reachable" {
	probe setns
	status_is ok
	hasnt '^SETNS .* OK$'
	has "NSOPEN 1 mnt EACCES"
	has "NSOPEN 1 user EACCES"
	[ "$(sed -n 's/^TRIED //p' <<<"$text")" -ge 1 ]
	# only the sandbox's two pids exist: no host /proc/<n>/ns/*
	hasnt '^SETNS [3-9]'
}

@test "B17 ptrace / process_vm / pidfd_getfd / kcmp against pid 1 and the parent: denied" {
	probe ptrace
	status_is ok
	hasnt ' OK$'
	has "PTRACE ATTACH 1 EPERM"
	has "PTRACE SEIZE 1 EPERM"
	has "VMREADV 1 EPERM"
	has "KCMP 1 EPERM"
	has "TRACEME EPERM"
	printf '%s' "$output" | jq -e '[.denied[].syscall] | index("ptrace") != null and index("process_vm_readv") != null and index("kcmp") != null'
}

@test "B18 signal everything: only sandbox processes die, the same-uid host canary survives" {
	canary_alive
	probe killall "$CANARY_PID" 1
	status_is ok
	has "BEFORE kill(-1)"
	has "CHILD killed"
	has "SURVIVED me"
	canary_alive
}

@test "B21 infinite loop ignoring SIGTERM (and in a forked child): killed at T, timeout reported" {
	code 'import signal, os
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP): signal.signal(s, signal.SIG_IGN)
print("spinning", flush=True)
if os.fork() == 0:
    while True: pass
os.wait()'
	srun --json -t 1s "$CODE"
	[ "$status" -eq 124 ]
	status_is timeout
	[ "$(json .limit_hit)" = wall_time ]
	[ "$(json .stdout.text)" = "spinning" ]
	[ "$(json '.time.wall_ms')" -lt 5000 ]
	[ "$(json '.time.wall_ms')" -ge 1000 ]
	! pgrep -f "$CODE" >/dev/null
	no_leftovers
}

@test "B22 sleep forever and blocked stdin read: the wall clock fires although CPU is ~0" {
	code 'import time; time.sleep(10**6)'
	run "$SANDRUN" --json -t 1s "$CODE"
	[ "$status" -eq 124 ]
	status_is timeout
	[ "$(json '.time.cpu_user_ms + .time.cpu_sys_ms')" -lt 500 ]
	code 'import sys; print(len(sys.stdin.read()))'
	run bash -c "sleep 3 | '$SANDRUN' --json -t 1s --stdin - '$CODE'"
	[ "$status" -eq 124 ]
	status_is timeout
}

@test "B24 crash with a core dump: signal reported, RLIMIT_CORE 0, no core file anywhere" {
	code 'import os, resource, sys
print("core", resource.getrlimit(resource.RLIMIT_CORE), flush=True)
secret = (sys.argv[1] * 100000).encode()
os.abort()'
	run "$SANDRUN" --json "$CODE" -- "$NONCE"
	status_is signal
	[ "$(json .signal)" = SIGABRT ]
	[ "$(json .stdout.text)" = "core (0, 0)" ]
	code 'import ctypes, sys
secret = (sys.argv[1] * 100000).encode()
ctypes.string_at(0)'
	run "$SANDRUN" --json "$CODE" -- "$NONCE"
	status_is signal
	[ "$(json .signal)" = SIGSEGV ]
	no_nonce
	[ -z "$(find "$CWD_DIR" /tmp -maxdepth 1 -name 'core*' -newer "$CODE" 2>/dev/null)" ]
}

@test "B25 raise rlimits beyond the hard limit, prlimit on pid 1 and the parent: denied" {
	probe rlimits
	status_is ok
	hasnt '^RAISE .* OK$'
	has "RAISE RLIMIT_NOFILE EPERM"
	has "RAISE RLIMIT_CORE EPERM"
	has "PRLIMIT 1 EPERM"
	# the limits still hold afterwards
	code 'import resource, os
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
fds = []
try:
    while True: fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e: print("stopped at", len(fds) < 300)'
	run "$SANDRUN" --json "$CODE"
	[ "$(json .stdout.text)" = "stopped at True" ]
}

@test "B27 personality: ADDR_NO_RANDOMIZE and READ_IMPLIES_EXEC denied, query allowed" {
	probe personality
	status_is ok
	has "PERSONALITY ADDR_NO_RANDOMIZE EPERM"
	has "PERSONALITY READ_IMPLIES_EXEC EPERM"
	has "PERSONALITY QUERY OK"
	has "PERSONALITY PER_LINUX OK"
	run "$SANDRUN" --json -p sh --exec -- setarch x86_64 -R true
	[ "$(json .exit_code)" != 0 ]
}
