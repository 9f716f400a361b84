#!/usr/bin/env bats
# The tree dies: at the end of the run, at a limit, on SIGINT/SIGTERM to
# sandrun, and when sandrun itself is SIGKILLed.  Nothing is left on the
# host: processes, cgroups, mounts, temporary files.

load helpers

setup() {
	require_userns
	# a number, so sleep takes it as an extra (tiny) interval
	NONCE=$(printf '0.%05d%05d%05d7' $RANDOM $RANDOM $RANDOM)
	PAT=${NONCE//./\\.}
}

# Processes on the host whose command line holds the nonce.
leftovers() {
	pgrep -f -- "$PAT" || true
}

# Wait up to $1 tenths of a second for the nonce's processes to go.
gone_within() {
	local i
	for ((i = 0; i < $1; i++)); do
		[ -z "$(leftovers)" ] && return 0
		sleep 0.1
	done
	echo "still running:" >&2
	pgrep -af -- "$PAT" >&2
	return 1
}

teardown() {
	if [ -n "${SR_PID:-}" ] && kill -0 "$SR_PID" 2>/dev/null; then
		kill -KILL "$SR_PID"
	fi
}

# Start sandrun in the background on the sh script $SCRIPT, which gets
# the nonce as its argument and must start a process carrying it; SR_PID
# is sandrun's pid, $OUT its stdout and stderr.  Returns once the
# nonce's process runs.
start_bg() {
	OUT=$(scratch)/out
	"$SANDRUN" -p sh -t 60s "$@" - -- "$NONCE" <"$SCRIPT" >"$OUT" 2>&1 &
	SR_PID=$!
	local i
	# started means the sandboxed `sleep 3600 NONCE` runs: sandrun's
	# own argv holds the nonce too, and so does a wrapper's (sandrun-scope
	# in the VM: systemd-run registering its scope), which a signal sent
	# that early would hit instead of sandrun
	for ((i = 0; i < 200; i++)); do
		pgrep -f -- "^sleep 3600 $PAT" >/dev/null && sleep 0.1 && return 0
		sleep 0.05
	done
	echo "never started: $(cat "$OUT")" >&2
	return 1
}

# cgroup leaves named after a sandrun pid that no longer exists
# (sandrun-PID-..., or a session's freezer sandrun-session-PID).
stale_cgroups() {
	local d pid
	for d in /sys/fs/cgroup/*/sandrun-* /sys/fs/cgroup/*/*/sandrun-* \
		/sys/fs/cgroup/*/*/*/sandrun-* /sys/fs/cgroup/sandrun-*; do
		[ -d "$d" ] || continue
		pid=${d##*/sandrun-}
		pid=${pid#session-}
		pid=${pid%%-*}
		[ -d "/proc/$pid" ] || echo "$d"
	done
}

# tmp_entries: sandrun's entries in the temporary directory, but for the
# sessions' rendezvous directory of a user (sandrun-sessions-UID, 0700,
# kept like tmux's), which session.bats may create meanwhile.
tmp_entries() {
	ls -A "${TMPDIR:-/tmp}" | grep sandrun | grep -vc '^sandrun-sessions-[0-9]*$' || true
}

# stale_swept: a dead sandrun's leaf cannot be removed by itself; the next
# runs remove it (a killed session's freezer leaf: the next session).
# Suites running in parallel (serve.bats kills servers, session.bats
# sessions) may leave a leaf just after a sweep, so sweep and look a few
# times.
stale_swept() {
	local i stale
	for i in 1 2 3 4 5; do
		stale=$(stale_cgroups)
		[ -z "$stale" ] && return 0
		"$SANDRUN" -p sh --exec -- true >/dev/null 2>&1
		case $stale in
		*sandrun-session-*)
			"$SANDRUN" --session "sweep$$" -p sh --exec -- true \
				>/dev/null 2>&1
			"$SANDRUN" --end-session "sweep$$" >/dev/null 2>&1 ;;
		esac
		sleep 0.5
	done
	echo "stale cgroups: $(stale_cgroups)" >&2
	return 1
}

@test "a detached setsid daemon dies with the run; sandrun does not wait for it" {
	start=$(date +%s%N)
	run -0 sandrun -p sh - -- "$NONCE" <<<'
setsid sh -c "sleep 3600 \"$1\" & sleep 3601 \"$1\"" x "$1" </dev/null >/dev/null 2>&1 &
sleep 0.2
echo started'
	end=$(date +%s%N)
	[ "$output" = started ]
	[ $(( (end - start) / 1000000 )) -lt 2000 ]
	gone_within 10
}

@test "a grandchild holding stdout open does not hold sandrun" {
	start=$(date +%s%N)
	run -0 sandrun -p sh - -- "$NONCE" <<<'
(sleep 3600 "$1"; echo late) &
echo done'
	end=$(date +%s%N)
	[ "$output" = done ]
	[ $(( (end - start) / 1000000 )) -lt 2000 ]
	gone_within 10
}

@test "the wall limit kills SIGTERM-ignorers, daemons and their children" {
	run -124 sandrun --json -p sh -t 500ms - -- "$NONCE" <<<'
trap "" TERM INT HUP
setsid sh -c "trap \"\" TERM; sleep 3600 \"$1\"" x "$1" </dev/null >/dev/null 2>&1 &
sleep 3602 "$1"'
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = wall_time ]
	gone_within 10
}

@test "SIGTERM to sandrun: forwarded, then SIGKILL after the grace period" {
	SCRIPT=$(scratch)/s
	cat >"$SCRIPT" <<'EOF'
trap "" TERM
sleep 3600 "$1" &
echo ready
wait
EOF
	start_bg --json
	t0=$(date +%s%N)
	kill -TERM "$SR_PID"
	rc=0
	wait "$SR_PID" || rc=$?
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	# 1 s grace, then SIGKILL: well under 3 s in all
	[ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ]
	output=$(grep '^{' "$OUT") || {
		echo "rc=$rc, no JSON line in: $(cat "$OUT")" >&2
		return 1
	}
	[ "$(json .status)" = signal ]
	[ "$(json .limit_hit)" = null ]
	[ "$rc" = "$(json .exit_status)" ]
	gone_within 10
}

@test "SIGINT to sandrun reaches the program, which may end cleanly" {
	SCRIPT=$(scratch)/s
	cat >"$SCRIPT" <<'EOF'
trap 'echo caught; exit 3' INT
echo ready
sleep 3600 "$1" & wait
EOF
	start_bg
	kill -INT "$SR_PID"
	rc=0
	wait "$SR_PID" || rc=$?
	[ "$rc" = 3 ]
	grep -qx caught "$OUT"
	gone_within 10
}

@test "SIGKILL of sandrun: the whole sandbox dies with it" {
	SCRIPT=$(scratch)/s
	cat >"$SCRIPT" <<'EOF'
setsid sh -c 'trap "" TERM; sleep 3600 "$1"' x "$1" </dev/null >/dev/null 2>&1 &
sleep 3601 "$1" &
echo ready
wait
EOF
	start_bg
	[ -n "$(leftovers)" ]
	kill -KILL "$SR_PID"
	wait "$SR_PID" || true
	gone_within 20
	# its cgroup (if any) cannot be removed by a dead sandrun; the next
	# run removes it
	run -0 sandrun -p sh --exec -- true
	stale_swept
}

@test "sandrun's own fds stay few during a run" {
	SCRIPT=$(scratch)/s
	printf 'echo ready\nsleep 3600 "$1"\n' >"$SCRIPT"
	start_bg
	n=$(ls /proc/"$SR_PID"/fd | wc -l)
	kill -TERM "$SR_PID"
	wait "$SR_PID" || true
	# stdio, 4 pipes, signalfd, seccomp listener, /dev/null, a little slack
	[ "$n" -le 16 ]
	gone_within 10
}

@test "200 sequential and 20 concurrent runs leave the host as found" {
	mounts_before=$(wc -l </proc/self/mountinfo)
	tmp_before=$(tmp_entries)
	for ((i = 0; i < 200; i++)); do
		"$SANDRUN" -p sh --exec -- sh -c 'sleep 30 "$0" & echo ok' \
			"$NONCE" >/dev/null || {
			echo "run $i failed" >&2
			return 1
		}
	done
	pids=()
	for ((i = 0; i < 20; i++)); do
		"$SANDRUN" --json - -- "$NONCE" >/dev/null <<<'
import os, time, subprocess
subprocess.Popen(["sleep", "30", os.sys.argv[1]], start_new_session=True)
time.sleep(0.3)' &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	gone_within 20
	stale_swept
	[ "$(wc -l </proc/self/mountinfo)" = "$mounts_before" ]
	[ "$(tmp_entries)" = "$tmp_before" ]
}

@test "a run failing after its early init (bad policy, --stdin, code) leaves nothing (#15)" {
	# A cold run clones init before it loads the policy: every failure
	# from then on ends that init, with the one line and 125 as before.
	local dir bad
	dir=$(scratch)
	bad=$dir/bad$NONCE.json
	printf '{"extends": "sh", "no_such_key": 1}\n' >"$bad"
	for args in "-p nosuch$NONCE --exec -- true" \
		"-p $bad --exec -- true" \
		"-p sh --stdin $dir/missing$NONCE --exec -- true" \
		"-p sh --timeout nonsense$NONCE --exec -- true" \
		"-p sh $dir/nocode$NONCE.sh"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$SANDRUN" $args
		echo "$args: $status: $stderr" >&2
		[ "$status" -eq 125 ]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
		[[ "$stderr" == sandrun:* ]]
		[ -z "$output" ]
		[ -z "$(leftovers)" ]
	done
	stale_swept
}
