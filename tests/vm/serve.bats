#!/usr/bin/env bats
# sandrun serve as the shipped systemd units run it: socket activation by
# the system manager (root) or the user's manager (an ordinary user), a
# plain sandrun call handed over to the server it starts, the call's
# limits enforced by a cgroup v2 leaf below the service's delegated
# cgroup, and nothing left when the units stop.  Run by `make check-vm`
# in a Debian 12 guest; elsewhere it skips, unless SANDRUN_EXPECT_CGROUP2=1.

load ../bats/helpers

setup() {
	require_userns
	if [ "${SANDRUN_EXPECT_CGROUP2:-0}" != 1 ]; then
		skip "needs systemd and cgroup v2 (make check-vm)"
	fi
	BIN=$SANDRUN_BUILDDIR/src/sandrun
	if [ "$(id -u)" = 0 ]; then
		SC=(systemctl)
		UNITS=/run/systemd/system
		SOCK=/run/sandrun/serve.sock
		IN=$SANDRUN_SRCDIR/contrib/systemd/sandrun-serve.system.in
	else
		SC=(systemctl --user)
		UNITS=$XDG_RUNTIME_DIR/systemd/user
		SOCK=$XDG_RUNTIME_DIR/sandrun/serve.sock
		IN=$SANDRUN_SRCDIR/contrib/systemd/sandrun-serve.user.in
	fi
	mkdir -p "$UNITS"
	cp "$SANDRUN_SRCDIR/contrib/systemd/sandrun-serve.socket" "$UNITS/"
	# a shell policy with small limits, for a pool built with them
	POLS=${UNITS%/systemd/*}/sandrun-test-policies
	mkdir -p "$POLS"
	cat >"$POLS/vmsmall.json" <<-'EOF'
	{
		"description": "sh with small limits (tests/vm/serve.bats)",
		"extends": "sh",
		"limits": { "memory": "48M", "processes": 16 }
	}
	EOF
	export SANDRUN_POLICY_PATH=$POLS:$SANDRUN_SRCDIR/policies
	# the shipped unit, run from the build with two small shell pools and
	# these policies (the python pool's imports take minutes under an
	# emulated CPU)
	local pools="--pool sh=1 --pool vmsmall=1"
	sed -e "s|^ExecStart=@bindir@/sandrun serve\$|ExecStart=$BIN serve $pools|" \
		-e '/^\[Service\]$/a Environment=SANDRUN_POLICY_PATH='"$SANDRUN_POLICY_PATH" \
		"$IN" >"$UNITS/sandrun-serve.service"
	grep -q "^ExecStart=$BIN serve $pools\$" "$UNITS/sandrun-serve.service"
	"${SC[@]}" daemon-reload
	"${SC[@]}" start sandrun-serve.socket
	unset SANDRUN_SOCKET
}

teardown() {
	"${SC[@]}" stop sandrun-serve.socket sandrun-serve.service 2>/dev/null || true
	rm -f "$UNITS/sandrun-serve.socket" "$UNITS/sandrun-serve.service"
	rm -rf "$POLS"
	"${SC[@]}" daemon-reload || true
}

# Wait until each of the server's pools has a ready sandbox.
ready_within() {
	local i
	for ((i = 0; i < $1; i++)); do
		"$BIN" serve --status --json 2>/dev/null |
			python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if all(p["ready"] > 0 for p in j["pools"]) else 1)' &&
			return 0
		sleep 1
	done
	"$BIN" serve --status >&2 || true
	"${SC[@]}" status sandrun-serve.service >&2 || true
	return 1
}

@test "serve unit: a plain call starts the server by its socket and runs warm in a cgroup v2 leaf" {
	[ -S "$SOCK" ]
	# the first call activates the service; it may run cold while the
	# pool fills
	run -0 "$BIN" --json -p sh --exec -- true
	[ "$("${SC[@]}" is-active sandrun-serve.service)" = active ]
	ready_within 120
	run -0 "$BIN" --json -p sh --exec -- sh -c 'cat /proc/self/cgroup; echo ok'
	[ "$(json .warm)" = true ]
	[ "$(json .limits.memory.mechanism)" = cgroup2 ]
	[ "$(json .limits.processes.mechanism)" = cgroup2 ]
	[ "$(json .isolation.cgroup)" = true ]
	[[ "$(json .stdout.text)" == *ok* ]]
	# the ready sandboxes' cgroups are leaves of the service's own (the
	# server moved itself into a sandrun-supervisor leaf there), not of
	# root's /sys/fs/cgroup/sandrun: the unit's limits and stop hold them
	cg=$("${SC[@]}" show -P ControlGroup sandrun-serve.service)
	[ -n "$cg" ]
	[ -d "/sys/fs/cgroup$cg/sandrun-supervisor" ]
	[ -n "$(find "/sys/fs/cgroup$cg" -mindepth 1 -maxdepth 1 -type d -name 'sandrun-[0-9]*-*')" ]
	[ -z "$(find /sys/fs/cgroup/sandrun -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ]
}

@test "serve unit: a memory hog in a warm call is stopped by the call's cgroup" {
	"$BIN" --json -p sh --exec -- true >/dev/null
	ready_within 120
	run "$BIN" --json -p vmsmall -t 60s --exec -- \
		sh -c 'x=$(head -c 200M /dev/zero | tr "\0" a); echo survived'
	[ "$(json .warm)" = true ]
	[ "$(json .status)" = memory_limit ]
	[ "$(json .limits.memory.value)" = $((48 << 20)) ]
	[ "$(json .limits.memory.mechanism)" = cgroup2 ]
	[[ "$(json .stdout.text)" != *survived* ]]
}

@test "serve unit: a lower -m runs warm, held by the call's lowered v2 limit" {
	"$BIN" --json -p sh --exec -- true >/dev/null
	ready_within 120
	run "$BIN" --json -p sh -m 40M -t 60s --exec -- \
		sh -c 'x=$(head -c 200M /dev/zero | tr "\0" a); echo survived'
	[ "$(json .warm)" = true ]
	[ "$(json .status)" = memory_limit ]
	[ "$(json .limits.memory.value)" = $((40 << 20)) ]
	[ "$(json .limits.memory.mechanism)" = cgroup2 ]
	[[ "$(json .stdout.text)" != *survived* ]]
	# a call within the lowered limit ends normally, warm
	ready_within 120
	run -0 "$BIN" --json -p sh -m 40M --pids 8 --exec -- sh -c 'echo fine'
	[ "$(json .warm)" = true ]
	[ "$(json .limits.processes.value)" = 8 ]
	[ "$(json .limits.processes.mechanism)" = cgroup2 ]
	[ "$(json .stdout.text)" = fine ]
}

@test "serve unit: stopping the units leaves no sandbox, process or cgroup" {
	"$BIN" --json -p sh --exec -- true >/dev/null
	ready_within 120
	cg=$("${SC[@]}" show -P ControlGroup sandrun-serve.service)
	"${SC[@]}" stop sandrun-serve.socket sandrun-serve.service
	[ "$("${SC[@]}" is-active sandrun-serve.service)" != active ]
	[ ! -d "/sys/fs/cgroup$cg" ]
	! pgrep -u "$(id -u)" -f "$BIN serve" >/dev/null
	[ ! -e "$SOCK" ]
	# a call with no server runs cold, unchanged
	run -0 "$BIN" --json -p sh --exec -- true
	[ "$(json .warm)" = false ]
}

@test "serve unit: a session lives in the server, asleep in a frozen cgroup v2 leaf" {
	"$BIN" --json -p sh --exec -- true >/dev/null
	ready_within 120
	run -0 "$BIN" -p sh --session unit1 --json --exec -- true
	[ "$(json .limits.memory.mechanism)" = cgroup2 ]
	[ "$(json .limits.processes.mechanism)" = cgroup2 ]
	[ "$(json .session.sleep.mechanism)" = cgroup2 ]
	"$BIN" serve --status --json | jq -e '.hosts_sessions and (.sessions | map(.name) | index("unit1")) != null'
	pid=$("$BIN" serve --status --json | jq -r '.sessions[] | select(.name == "unit1") | .pid')
	# the session's leaf is below the service's cgroup, and frozen
	cg=$("${SC[@]}" show -P ControlGroup sandrun-serve.service)
	leaf=$(find "/sys/fs/cgroup$cg" -mindepth 1 -maxdepth 1 -type d -name "sandrun-$pid-*" | head -1)
	[ -n "$leaf" ]
	grep -qx 'frozen 1' "$leaf/cgroup.events"
	run -0 "$BIN" -p sh --session unit1 --json --exec -- echo awake
	[ "$(json .session.call)" = 2 ]
	[ "$(json .session.sleep.observed)" = true ]
	run -0 "$BIN" --end-session unit1
	[ -z "$(find "/sys/fs/cgroup$cg" -type d -name "sandrun-$pid-*")" ]
}
