#!/usr/bin/env bats
# No vacuous passes: the same probes run bare on the host (no sandrun) must
# detect what the sandboxed runs must not see.  If one of these fails, the
# probe is broken and a pass of its case proves nothing.

load sec_helpers

setup() {
	canaries_setup
}

teardown() {
	listeners_stop
	canaries_teardown
}

@test "sanity fs-read: bare probes find the canary files and read the caller's files" {
	bare find_nonce "$NONCE" /tmp /dev/shm "$CWD_DIR"
	grep -q '^FOUND name /tmp/<nonce>' <<<"$text"
	grep -q '^FOUND content' <<<"$text"
	bare read_secrets "$CWD_DIR/canary.txt"
	has "READ $CWD_DIR/canary.txt"
	bare write_ro
	# as root /etc/passwd is writable on the host: the probe would report it
	if [ "$(id -u)" = 0 ]; then has "WRITABLE /etc/passwd"; has "WRITABLE /usr/bin/new"; fi
	bare mounts
	grep -q '^MOUNT / [a-z0-9]* rw' <<<"$text"
}

@test "sanity syscall sweep: bare calls reach the kernel (EFAULT/EBADF/EINVAL, not the filter's EPERM)" {
	bare sweep
	[ "$(grep -c '^SYSCALL ' <<<"$text")" -eq 62 ]
	reached=$(grep -cvE '^SYSCALL [a-z_0-9]+ (EPERM|ENOSYS)$' <<<"$text")
	echo "reached: $reached" >&3
	if [ "$(id -u)" = 0 ]; then [ "$reached" -ge 45 ]; else [ "$reached" -ge 20 ]; fi
	bare argwidth
	has "SOCKET inet-high OK"
	bare personality
	has "PERSONALITY READ_IMPLIES_EXEC OK"
}

@test "sanity network: bare probes reach the host loopback listener, which logs it" {
	listeners_start
	bare connect tcp 127.0.0.1 "$LPORT" udp 127.0.0.1 "$LPORT"
	has "CONNECT tcp 127.0.0.1 $LPORT OK"
	sleep 0.2
	grep -q '^tcp' "$LISTEN_LOG"
	bare ifaces
	[ "$text" != "IFACES lo" ] || skip "host has only lo"
}

@test "sanity env leak: bare probe sees the canary variables" {
	bare environ SECRET_TOKEN GITHUB_TOKEN
	has "ENV SECRET_TOKEN SET"
	has "ENV GITHUB_TOKEN SET"
	grep -qF "$NONCE" <<<"$text"
}

@test "sanity process visibility: bare probe sees host pids and the canary argv" {
	bare procs
	[ "$(grep -c '^PID ' <<<"$text")" -gt 2 ]
	grep -qF "sleep-$NONCE" <<<"$text"
	bare setns
	[ "$(sed -n 's/^TRIED //p' <<<"$text")" -gt 7 ]
	bare hostname
	[ "$(sed -n 's/^HOSTNAME //p' <<<"$text")" = "$(hostname)" ]
}

@test "sanity device nodes: bare probe sees more than the sandbox's /dev" {
	bare devices
	[ "$(sed -n 's/^DEV //p' <<<"$text" | wc -w)" -gt 12 ]
	if [ "$(id -u)" = 0 ]; then grep -q '^OPENED' <<<"$text"; fi
	bare sysfs
	has "SYS /sys/class/net LISTED $(ls /sys/class/net | wc -l)"
}

@test "sanity oracles: the canary process and the leftovers check detect their event" {
	canary_alive
	kill "$CANARY_PID"
	wait "$CANARY_PID" 2>/dev/null || true
	! canary_alive
	output="x $NONCE y"
	! no_nonce
}
