#!/usr/bin/env bats
# SECURITY.md section E (kernel attack surface) and C40 (keyring).

load sec_helpers

setup() {
	require_userns
}

@test "E51 syscall denylist sweep: every call refused by the filter (reported as denied), none reached the kernel" {
	probe sweep
	status_is ok
	[ "$(grep -c '^SYSCALL ' <<<"$text")" -eq 62 ]
	# the filter's errno: EPERM (or ENOSYS for names newer than libseccomp);
	# EFAULT/EBADF/EINVAL would mean the kernel saw the call
	hasnt '^SYSCALL [a-z_0-9]+ (E[^PN]|OK)'
	hasnt '^SYSCALL [a-z_0-9]+ EN[^O]'
	# the supervisor saw them: a refused call is a denied entry, not an
	# error the kernel returned
	[ "$(json .denied_observable)" = true ]
	for n in $(sed -n 's/^SYSCALL \([a-z_0-9]*\) EPERM$/\1/p' <<<"$text"); do
		printf '%s' "$output" | jq -e --arg n "$n" '[.denied[].syscall] | index($n) != null' >/dev/null ||
			{ echo "$n not in denied" >&2; return 1; }
	done
	[ "$(json '.denied | length')" -ge 55 ]
}

@test "E51 denied calls are reported with counts; -v prints them; ~0 overhead without denials" {
	code="$BATS_TEST_TMPDIR/d.py"
	printf '%s\n' 'import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
for i in range(int(sys.argv[1])): libc.syscall(101, 0, 1, 0, 0)' >"$code"
	run "$SANDRUN" --json "$code" -- 10000
	[ "$(json '.denied[] | select(.syscall == "ptrace") | .count')" = 10000 ]
	[ "$(json .time.wall_ms)" -lt 5000 ]
	run "$SANDRUN" -v "$code" -- 3
	assert_line "sandrun: denied ptrace (3)"
	run "$SANDRUN" --json "$code" -- 0
	[ "$(json '.denied | length')" = 0 ]
}

@test "E52 clone3 is ENOSYS; threads and subprocess still work; no nested user namespace" {
	probe clone3
	status_is ok
	has "CLONE3 ENOSYS"
	has "THREADS 45"
	has "SUBPROCESS hi"
	has "CLONE_NEWUSER EPERM"
	has "UNSHARE_NEWUSER EPERM"
	has "UNSHARE_NEWNS EPERM"
	has "MAX_USERNS 0"
}

@test "E55 argument-width tricks: same outcome as the plain value" {
	probe argwidth
	status_is ok
	has "SOCKET plain EPERM"
	has "SOCKET high EPERM"
	has "SOCKET inet-plain OK"
	has "SOCKET inet-high OK"
	has "CLONE plain EPERM"
	has "CLONE high EPERM"
	has "PRCTL ambient-plain EPERM"
	has "PRCTL ambient-high EPERM"
	has "PRCTL name-plain OK"
	has "PRCTL name-high OK"
	has "IOCTL tiocsti-plain ENOTTY"
	has "IOCTL tiocsti-high ENOTTY"
}

@test "E57 self-installed seccomp filters and listeners: denied, the report stays true" {
	probe selfseccomp
	status_is ok
	has "PR_SET_SECCOMP EPERM"
	has "SECCOMP EPERM"
	has "SECCOMP_LISTENER EPERM"
}

@test "E58 kernel tunables and sysrq: not writable, host values unchanged" {
	before=$(cat /proc/sys/kernel/core_pattern /proc/sys/kernel/randomize_va_space /proc/sys/user/max_user_namespaces)
	probe tunables
	status_is ok
	hasnt '^WROTE'
	[ "$before" = "$(cat /proc/sys/kernel/core_pattern /proc/sys/kernel/randomize_va_space /proc/sys/user/max_user_namespaces)" ]
}

@test "C40 kernel keyring: keyctl, add_key, request_key denied" {
	code="$BATS_TEST_TMPDIR/k.py"
	printf '%s\n' 'import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
for name, nr, args in [("keyctl-read", 250, (11, -3, 0, 0)), ("keyctl-show", 250, (0, -3, 0)),
        ("add_key", 248, (b"user", b"k", b"v", 1, -2)), ("request_key", 249, (b"user", b"k", None, 0))]:
    ok = 0
    for i in range(100 if name == "add_key" else 1):
        ctypes.set_errno(0); r = libc.syscall(nr, *args)
        if r >= 0: ok += 1
    print(name, "OK" if ok else errno.errorcode.get(ctypes.get_errno()))' >"$code"
	run "$SANDRUN" --json "$code"
	text=$(json .stdout.text)
	has "keyctl-read EPERM"
	has "keyctl-show EPERM"
	has "add_key EPERM"
	has "request_key EPERM"
}
