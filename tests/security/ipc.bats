#!/usr/bin/env bats
# SECURITY.md section F: IPC and terminal.

load sec_helpers

setup() {
	require_userns
	canaries_setup
}

teardown() {
	canaries_teardown
}

@test "F59 controlling terminal: new session, /dev/tty ENXIO even under a pty, no TIOCSTI" {
	probe tty
	status_is ok
	has "SID 2 PID 2 PGRP 2"
	has "DEVTTY ENXIO"
	has "TIOCSTI ENOTTY"
	command -v script >/dev/null || need "script(1) for a pty"
	run script -qec "'$SANDRUN' --stdin - '$PROBE' -- tty" /dev/null </dev/null
	[[ "$output" == *"DEVTTY ENXIO"* ]]
	[[ "$output" != *"TIOCSTI OK"* ]]
}

@test "F60 SysV IPC and POSIX mqueues: host objects invisible, calls denied" {
	key=$((0x5ec00000 + RANDOM))
	shmid=$(python3 -c 'import ctypes, sys
libc = ctypes.CDLL(None); print(libc.shmget(int(sys.argv[1]), 4096, 0o1666))' "$key")
	[ "$shmid" -ge 0 ]
	probe sysv "$key" "$key" "/canary-$NONCE"
	ipcrm -m "$shmid" 2>/dev/null || true
	status_is ok
	has "SHMGET EPERM"
	has "MSGGET EPERM"
	has "MQ_OPEN EPERM"
	has "SHMCREATE EPERM"
	has "SYSVIPC 0 0"
}

@test "F61 desktop/agent endpoints via inherited env: variables absent, sockets unreachable" {
	export DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/0/bus" SSH_AUTH_SOCK="/tmp/ssh-$NONCE/agent" \
		XDG_RUNTIME_DIR=/run/user/0 DISPLAY=:0 WAYLAND_DISPLAY=wayland-0
	probe environ DBUS_SESSION_BUS_ADDRESS SSH_AUTH_SOCK XDG_RUNTIME_DIR DISPLAY WAYLAND_DISPLAY
	for v in DBUS_SESSION_BUS_ADDRESS SSH_AUTH_SOCK XDG_RUNTIME_DIR DISPLAY WAYLAND_DISPLAY; do
		has "ENV $v unset"
	done
	probe unix_sockets /run/user/0/bus /tmp/.X11-unix/X0 /run/user/0/wayland-0
	hasnt ' OK$'
	no_nonce
}

@test "F62 hostname: fixed sandbox name, sethostname denied, host unchanged" {
	h=$(hostname)
	probe hostname
	status_is ok
	has "HOSTNAME sandbox"
	has "UNAME sandbox"
	has "SETHOSTNAME EPERM"
	has "HOSTNAME_AFTER sandbox"
	[ "$(hostname)" = "$h" ]
}

@test "F63 cross-sandbox isolation: two concurrent runs cannot see or signal each other" {
	mark="m$NONCE"
	"$SANDRUN" --json -t 10s "$PROBE" -- hold 3 "$mark" >"$BATS_TEST_TMPDIR/a.json" &
	apid=$!
	sleep 0.8
	probe lateral "$mark"
	wait $apid
	status_is ok
	has "TMP absent"
	has "ABSTRACT ECONNREFUSED"
	has "SHM EPERM"
	has "NPIDS 2"
	has "SIGNAL2 OK-self-ns"
	jq -e '.status == "ok" and (.stdout.text | endswith("DONE\n"))' "$BATS_TEST_TMPDIR/a.json"
}
