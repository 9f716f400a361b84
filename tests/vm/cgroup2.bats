#!/usr/bin/env bats
# cgroup v2 as users run it (systemd, the unified hierarchy): every limit
# is enforced by the run's own cgroup, each one stops what it should and is
# named, and nothing is left behind.  Run by `make check-vm` in a Debian 12
# guest, as root and as an ordinary user whose sandrun is the command of a
# `systemd-run --user --scope -p Delegate=yes` scope.  Elsewhere it skips,
# unless SANDRUN_EXPECT_CGROUP2=1 says a v2 cgroup must be had.

load ../bats/helpers

setup() {
	require_userns
	if [ "${SANDRUN_EXPECT_CGROUP2:-0}" != 1 ]; then
		[ -f /sys/fs/cgroup/cgroup.controllers ] ||
			skip "not a cgroup v2 host"
		"$SANDRUN" --check-host | grep -q '^ok *cgroups *cgroup v2' ||
			skip "no usable cgroup v2 here: $("$SANDRUN" --check-host | grep cgroups)"
	fi
	NONCE=$(printf '0.%05d%05d%05d3' $RANDOM $RANDOM $RANDOM)
}

# Every limit that has a cgroup mechanism names cgroup2.
assert_cgroup2() {
	local k
	for k in memory processes cpu_time; do
		[ "$(json ".limits.$k.mechanism")" = cgroup2 ] || {
			echo "limits.$k.mechanism: $(json ".limits.$k.mechanism")" >&2
			return 1
		}
	done
}

# Run leaves (sandrun-<pid>-<hex>) anywhere in the hierarchy.
leaves() {
	find /sys/fs/cgroup -type d -name 'sandrun-[0-9]*' 2>/dev/null || true
}

@test "--check-host says cgroup v2 is used and how" {
	run -0 sandrun --check-host
	assert_line --regexp '^ok +cgroups +cgroup v2: '
}

@test "memory, processes and cpu_time are enforced by cgroup2" {
	run -0 sandrun --json -m 64M --pids 16 --cpu-time 5s <<<'print(1)'
	assert_cgroup2
	[ "$(json .memory.source)" = cgroup2 ]
	[ "$(json .isolation.cgroup)" = true ]
}

@test "300 MiB under -m 64M is stopped and named" {
	run sandrun --json -m 64M -t 60s <<<'
b = bytearray(300 << 20)
b[::4096] = b"x" * (300 << 8)
print("survived")'
	assert_cgroup2
	[ "$(json .status)" = memory_limit ]
	[ "$(json .limit_hit)" = memory ]
	[ "$(json .oom_killed)" = true ]
	[[ "$(json .stdout.text)" != *survived* ]]
	# the cgroup's peak never passes the limit (plus a page or so)
	[ "$(json .memory.peak_bytes)" -le $(((64 << 20) + 65536)) ]
}

@test "memfd_create is refused, so no memfd can fill memory" {
	run sandrun --json -m 32M -t 60s <<<'
import os
os.memfd_create("fill")
print("created")'
	[ "$(json .status)" = exit_nonzero ]
	[ "$(json .error.name)" = PermissionError ]
	[[ "$(json .stdout.text)" != *created* ]]
}

@test "/dev/shm and /tmp filled past -m 32M are stopped by the memory cgroup" {
	# each tmpfs allows 64 MiB: the memory cgroup must act first
	for dir in /dev/shm /tmp; do
		run sandrun --json -m 32M -t 60s - -- "$dir" <<<'
import sys
chunk = b"x" * (1 << 20)
with open(sys.argv[1] + "/fill", "wb") as f:
    for _ in range(60):
        f.write(chunk)
        f.flush()
print("survived")'
		echo "$dir: $output"	# shown when the test fails
		[ "$(json .status)" = memory_limit ]
		[ "$(json .limit_hit)" = memory ]
		[[ "$(json .stdout.text)" != *survived* ]]
	done
}

@test "a fork bomb under --pids 16 is stopped and named" {
	run sandrun --json --pids 16 -t 60s - -- "$NONCE" <<<'
import os, time
while True:
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
    except OSError:
        break
print("refused")'
	assert_cgroup2
	[ "$(json .status)" = process_limit ]
	[ "$(json .limit_hit)" = processes ]
	[ -z "$(pgrep -f -- "$NONCE")" ]
}

@test "a CPU burner in two processes under --cpu-time 2s is stopped and named" {
	run sandrun --json --cpu-time 2s -t 120s <<<'
import os
os.fork()
while True:
    pass'
	assert_cgroup2
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = cpu_time ]
	cpu=$(json '.time.cpu_user_ms + .time.cpu_sys_ms')
	[ "$cpu" -ge 2000 ]
}

@test "--cpus 0.5 is cpu.max: a burner in two processes gets half a CPU" {
	run -0 sandrun --json --cpus 0.5 -t 120s <<<'
import os, time
os.fork()
end = time.monotonic() + 4
while time.monotonic() < end:
    pass'
	assert_cgroup2
	[ "$(json .limits.cpus.mechanism)" = cgroup2 ]
	[ "$(json .limits.cpus.value)" = 500 ]
	cpu=$(json '.time.cpu_user_ms + .time.cpu_sys_ms')
	wall=$(json .time.wall_ms)
	echo "$cpu ms CPU in $wall ms wall"
	[ $((cpu * 100)) -le $((wall * 60)) ]
	[ $((cpu * 100)) -ge $((wall * 25)) ]
}

@test "nothing is left behind, including after SIGKILL of sandrun" {
	"$SANDRUN" -t 60s -p sh --exec -- sleep 60 "$NONCE" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[ -n "$(find /sys/fs/cgroup -type d -name "sandrun-$pid-*" 2>/dev/null)" ] &&
			pgrep -f -- "$NONCE" >/dev/null && break
		sleep 0.1
	done
	[ -n "$(find /sys/fs/cgroup -type d -name "sandrun-$pid-*" 2>/dev/null)" ]
	kill -KILL "$pid"
	wait "$pid" || true
	for _ in $(seq 100); do
		[ -z "$(pgrep -f -- "$NONCE")" ] && break
		sleep 0.1
	done
	[ -z "$(pgrep -f -- "$NONCE")" ]
	# the next run removes what the killed one could not
	run -0 sandrun <<<'print(1)'
	for _ in $(seq 50); do
		[ -z "$(find /sys/fs/cgroup -type d -name "sandrun-$pid-*" 2>/dev/null)" ] && break
		sleep 0.1
	done
	[ -z "$(find /sys/fs/cgroup -type d -name "sandrun-$pid-*" 2>/dev/null)" ]
	# and no live run leaves anything either
	run -0 sandrun <<<'print(2)'
	for d in $(leaves); do
		p=${d##*/sandrun-}
		p=${p%%-*}
		! kill -0 "$p" 2>/dev/null || continue
		echo "left behind: $d" >&2
		return 1
	done
}

@test "a session sleeps frozen by cgroup.freeze, its limits are cgroup2's" {
	XDG_RUNTIME_DIR=$(scratch)
	chmod 700 "$XDG_RUNTIME_DIR"
	export XDG_RUNTIME_DIR
	run -0 sandrun -p sh --session v2 --json --exec -- true
	if [ "$(id -u)" != 0 ]; then
		# The scope holds the calling client too: the session process
		# cannot enable controllers there (no internal processes), so
		# rlimits and SIGSTOP apply unless --cgroup names a delegated
		# cgroup of its own (sandrun(1), Sessions).
		[ "$(json .session.sleep.mechanism)" = sigstop ] ||
			[ "$(json .session.sleep.mechanism)" = cgroup2 ]
		run -0 sandrun --end-session v2
		skip "a session's cgroup v2 as an ordinary user needs --cgroup"
	fi
	assert_cgroup2
	[ "$(json .session.sleep.mechanism)" = cgroup2 ]
	pid=$(sandrun --list-sessions --json | jq -r '.[0].pid')
	[ "$(sandrun --list-sessions --json | jq -r '.[0].asleep')" = true ]
	# the run's leaf, named after the session process, is frozen
	leaf=$(find /sys/fs/cgroup -type d -name "sandrun-$pid-*" | head -1)
	[ -n "$leaf" ]
	grep -qx 'frozen 1' "$leaf/cgroup.events"
	run -0 sandrun -p sh --session v2 --json --exec -- echo awake
	[ "$(json .session.sleep.observed)" = true ]
	run -0 sandrun --end-session v2
	[ -z "$(find /sys/fs/cgroup -type d -name "sandrun-$pid-*")" ]
}
