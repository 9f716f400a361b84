#!/usr/bin/env bats
# sandrun --session: files persist, sessions are separate, list and end,
# names, idle expiry, sleep between calls, nothing left behind.  Every
# test has its own session directory ($XDG_RUNTIME_DIR in a scratch dir).

load helpers

setup() {
	require_userns
	XDG_RUNTIME_DIR=$(scratch)
	chmod 700 "$XDG_RUNTIME_DIR"
	export XDG_RUNTIME_DIR
	# no sandrun serve of ours unless a test starts one
	export SANDRUN_SOCKET="$XDG_RUNTIME_DIR/serve.sock"
	SERVER=
	W=$(scratch)
	cd "$W"
}

teardown() {
	local n
	if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
		kill -KILL "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
	fi
	# ours: not an MCP server's (mcpPID-NAME), whose tests may run now
	for n in $("$SANDRUN" --list-sessions --json 2>/dev/null |
		jq -r '.[].name | select(test("^mcp[0-9]+-") | not)'); do
		"$SANDRUN" --end-session "$n" 2>/dev/null || true
	done
}

# session_pid NAME: the session process's pid.
session_pid() {
	"$SANDRUN" --list-sessions --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .pid'
}

# init_pid NAME: the pid of the session sandbox's init (the session
# process's one child).
init_pid() {
	cat "/proc/$(session_pid "$1")/task/$(session_pid "$1")/children" | tr -d ' '
}

# swept_away PID: a killed session's frozen init acts on its parent-death
# SIGKILL once thawed, by the next session's sweep (a v1 freezer holds
# it): start and end sessions until PID is gone (10 s at most).
swept_away() {
	local _
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		run -0 "$SANDRUN" -p sh --session sweep --exec -- true
		run -0 "$SANDRUN" --end-session sweep
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

@test "session: files in the work dir and /tmp persist (sh)" {
	run -0 "$SANDRUN" -p sh --session s1 --exec -- sh -c 'echo one > f; echo two > /tmp/t'
	run -0 "$SANDRUN" -p sh --session s1 --exec -- sh -c 'cat f /tmp/t'
	assert_output $'one\ntwo'
}

@test "session: files persist (python), the result has a session object" {
	echo 'open("f", "w").write("42")' > a.py
	echo 'print(open("f").read())' > b.py
	run -0 "$SANDRUN" --session p1 --json a.py
	[ "$(json .session.name)" = p1 ]
	[ "$(json .session.call)" = 1 ]
	[ "$(json .session.restarted)" = false ]
	[ "$(json .session.expires_in_s)" -gt 3500 ]
	run -0 "$SANDRUN" --session p1 --json b.py
	[ "$(json .stdout.text)" = 42 ]
	[ "$(json .session.call)" = 2 ]
	# A cold run has no session and none of its files.
	run -1 "$SANDRUN" --json b.py
	[ "$(json .session)" = null ]
}

@test "session: two sessions are separate" {
	run -0 "$SANDRUN" -p sh --session a --exec -- sh -c 'echo A > f'
	run "$SANDRUN" -p sh --session b --exec -- sh -c 'cat f'
	[ "$status" -ne 0 ]
}

@test "session: list and end" {
	run -0 "$SANDRUN" -p sh --session l1 --exec -- true
	run -0 "$SANDRUN" -p sh --session l2 --exec -- true
	run -0 "$SANDRUN" --list-sessions
	assert_line --regexp '^l1 +sh +calls 1 '
	assert_line --regexp '^l2 +sh +calls 1 '
	run -0 "$SANDRUN" --list-sessions --json
	[ "$(json 'map(.name) | sort | join(",")')" = l1,l2 ]
	run -0 "$SANDRUN" --end-session l1
	run -0 "$SANDRUN" --list-sessions --json
	[ "$(json 'map(.name) | join(",")')" = l2 ]
	run -125 "$SANDRUN" --end-session l1
	assert_output "sandrun: --end-session: no session 'l1'"
}

@test "session: bad names and options are refused with 125" {
	local n
	for n in '' . .. a/b 'a b' "$(printf 'x%.0s' $(seq 65))" 'é'; do
		run -125 "$SANDRUN" -p sh --session "$n" --exec -- true
		assert_output --partial "session name"
		[ "${#lines[@]}" = 1 ]
	done
	run -125 "$SANDRUN" --end-session ../x
	run -125 "$SANDRUN" --session-idle 1s -p sh --exec -- true
	assert_output --partial "need --session"
	run -125 "$SANDRUN" --session x --session-idle 0 -p sh --exec -- true
	run -0 "$SANDRUN" --list-sessions --json
	assert_output '[]'
}

@test "session: another policy or limit than the first call's is refused" {
	run -0 "$SANDRUN" -p sh --session k --exec -- true
	run -125 "$SANDRUN" -p sh --pids 7 --session k --exec -- true
	assert_output --partial "end it (--end-session) to change them"
	run -0 "$SANDRUN" -p sh --session k --exec -- true
}

@test "session: it ends after its idle timeout" {
	run -0 "$SANDRUN" -p sh --session i --session-idle 1s --exec -- sh -c 'echo x > f'
	pid=$(session_pid i)
	[ -n "$pid" ]
	sleep 2.5
	run -0 "$SANDRUN" --list-sessions --json
	assert_output '[]'
	! kill -0 "$pid" 2>/dev/null
	run -1 "$SANDRUN" -p sh --session i --exec -- cat f
}

@test "session: it ends at the end of its lifetime, even when busy" {
	run -0 "$SANDRUN" -p sh --session t --session-lifetime 2s --exec -- true
	sleep 1
	run -0 "$SANDRUN" -p sh --session t --exec -- true
	sleep 1.5
	run -0 "$SANDRUN" --list-sessions --json
	assert_output '[]'
}

# sleep_state NAME: what holds the sleeping sandbox, observed from here.
sleep_state() {
	local mech
	mech=$("$SANDRUN" --list-sessions --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .sleep')
	case $mech in
	cgroup1) cat "/sys/fs/cgroup/freezer/sandrun-session-$(session_pid "$1")/freezer.state" ;;
	sigstop) awk '/^State:/ { print $2 }' "/proc/$(init_pid "$1")/status" ;;
	cgroup2) find /sys/fs/cgroup -type d -name "sandrun-$(session_pid "$1")-*" \
	    -exec grep -h '^frozen ' {}/cgroup.events \; | head -1 ;;
	*) echo "none: $mech" ;;
	esac
}

@test "session: it sleeps between calls, with the strongest mechanism" {
	run -0 "$SANDRUN" -p sh --session z --json --exec -- true
	[ "$(json .session.sleep.observed)" = null ]
	mech=$(json .session.sleep.mechanism)
	# the run's own v2 cgroup, else a v1 freezer (root), else SIGSTOP
	if [ "$(json .limits.memory.mechanism)" = cgroup2 ]; then
		[ "$mech" = cgroup2 ]
	elif [ "$(id -u)" = 0 ] && [ -w /sys/fs/cgroup/freezer/cgroup.procs ]; then
		[ "$mech" = cgroup1 ]
	else
		[ "$mech" = sigstop ]
	fi
	if [ "${SANDRUN_EXPECT_CGROUP2:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then
		[ "$mech" = cgroup2 ]
	fi
	run -0 "$SANDRUN" --list-sessions --json
	[ "$(json '.[0].asleep')" = true ]
	[ "$(json '.[0].sleep')" = "$mech" ]
	case $mech in
	cgroup1) [ "$(sleep_state z)" = FROZEN ] ;;
	sigstop) [ "$(sleep_state z)" = T ] ;;
	cgroup2) [ "$(sleep_state z)" = "frozen 1" ] ;;
	esac
	run -0 "$SANDRUN" --list-sessions
	assert_line --regexp '^z +sh +calls 1 +asleep '
	# Awake for the call, asleep after it, and the sleep was seen to hold.
	run -0 "$SANDRUN" -p sh --session z --json --exec -- sh -c 'echo awake'
	[ "$(json .stdout.text)" = awake ]
	[ "$(json .session.sleep.observed)" = true ]
}

@test "session: a background process does not outlive its call" {
	run -0 "$SANDRUN" -p sh --session bg --exec -- sh -c \
	    '(while :; do echo x >> /tmp/n; sleep 0.01; done) & sleep 0.3'
	run -0 "$SANDRUN" -p sh --session bg --exec -- sh -c 'wc -l < /tmp/n'
	a=$output
	sleep 0.5
	run -0 "$SANDRUN" -p sh --session bg --exec -- sh -c 'wc -l < /tmp/n'
	[ "$output" = "$a" ]
}

@test "session: an orphan in a session of its own does not outlive its call" {
	# the program ends first: the daemon is init's child by then (init
	# kills what is left only when something is: child.c reap)
	run -0 "$SANDRUN" -p sh --session orph --exec -- sh -c \
	    'setsid sh -c "(while :; do echo x >> /tmp/n; sleep 0.01; done) &" </dev/null >/dev/null 2>&1; sleep 0.1'
	run -0 "$SANDRUN" -p sh --session orph --exec -- sh -c 'wc -l < /tmp/n'
	a=$output
	[ "$a" -gt 0 ]
	sleep 0.5
	run -0 "$SANDRUN" -p sh --session orph --exec -- sh -c 'wc -l < /tmp/n'
	[ "$output" = "$a" ]
}

@test "session: a call's timeout is survived, the files stay" {
	run -124 "$SANDRUN" -p sh --session to --json -t 500ms --exec -- \
	    sh -c 'echo kept > f; sleep 5'
	[ "$(json .status)" = timeout ]
	[ "$(json .session.lost)" = false ]
	run -0 "$SANDRUN" -p sh --session to --json --exec -- cat f
	[ "$(json .stdout.text)" = kept ]
	[ "$(json .session.restarted)" = false ]
	[ "$(json .session.call)" = 2 ]
	# The per-call time limit may differ from the first call's.
	run -0 "$SANDRUN" -p sh --session to --json -t 20s --exec -- true
	[ "$(json .limits.wall_time.value)" = 20000 ]
}

@test "session: at the time limit Python gets KeyboardInterrupt first" {
	cat >k.py <<'PY'
import time
try:
    time.sleep(5)
except KeyboardInterrupt:
    print("interrupted")
PY
	run -124 "$SANDRUN" --session ki --json -t 1s k.py
	[ "$(json .status)" = timeout ]
	[ "$(json .stdout.text)" = interrupted ]
	[ "$(json .time.wall_ms)" -lt 1900 ]
	[ "$(json .session.lost)" = false ]
	# a program that ignores SIGINT is stopped after the grace
	run -124 "$SANDRUN" --session ki --json -t 1s --exec -- sh -c \
	    'trap "" INT; echo x > f; sleep 5'
	[ "$(json .status)" = timeout ]
	[ "$(json .time.wall_ms)" -ge 1900 ]
	[ "$(json .session.lost)" = false ]
	run -0 "$SANDRUN" --session ki --json --exec -- cat f
	[ "$(json .session.restarted)" = false ]
	# a cold run is stopped at once, no SIGINT
	run -124 "$SANDRUN" --json -t 1s k.py
	[ "$(json .stdout.text)" = "" ]
}

@test "session: the CPU time limit is per call" {
	printf 'import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\n' >burn.py
	for call in 1 2 3 4; do
		run -0 "$SANDRUN" --session cpu --json --cpu-time 1s burn.py
		[ "$(json .status)" = ok ]
	done
	# the call's CPU, not the session's (4 x 0.4 s); generous for
	# interpreter start-up under emulation
	[ "$(json '.time.cpu_user_ms + .time.cpu_sys_ms')" -lt 1500 ]
}

@test "session: init dying in a call is said, the next call restarts" {
	run -0 "$SANDRUN" -p sh --session die --exec -- sh -c 'echo x > f'
	sp=$(session_pid die)
	"$SANDRUN" -p sh --session die --json --exec -- sleep 3 >"$W/out" 3>&- &
	bg=$!
	for _ in $(seq 100); do
		ip=$(tr -d ' ' <"/proc/$sp/task/$sp/children")
		[ -n "$ip" ] && pgrep -P "$ip" >/dev/null && break
		sleep 0.05
	done
	# Busy in a call: listed as such, without waiting for the call.
	run -0 timeout 2 "$SANDRUN" --list-sessions --json
	[ "$(json '.[0].busy')" = true ]
	[ "$(json '.[0].pid')" = "$sp" ]
	kill -KILL "$ip"
	wait "$bg" || true
	[ "$(jq -r .session.lost "$W/out")" = true ]
	run -1 "$SANDRUN" -p sh --session die --json --exec -- cat f
	[ "$(json .session.restarted)" = true ]
	[ "$(json .session.call)" = 3 ]
}

@test "session: a crash of init restarts the session" {
	run -0 "$SANDRUN" -p sh --session c --exec -- sh -c 'echo x > f'
	kill -KILL "$(init_pid c)"
	run -1 "$SANDRUN" -p sh --session c --json --exec -- cat f
	[ "$(json .session.restarted)" = true ]
	run -0 "$SANDRUN" -p sh --session c --json --exec -- true
	[ "$(json .session.restarted)" = false ]
}

@test "session: 20 calls then end leave no process behind" {
	local k
	for k in $(seq 20); do
		run -0 "$SANDRUN" -p sh --session many --exec -- sh -c "echo $k >> f"
	done
	run -0 "$SANDRUN" -p sh --session many --exec -- sh -c 'wc -l < f'
	assert_output 20
	pid=$(session_pid many)
	ip=$(init_pid many)
	[ -n "$ip" ]
	run -0 "$SANDRUN" --end-session many
	! kill -0 "$pid" 2>/dev/null
	! kill -0 "$ip" 2>/dev/null
	[ -z "$(ls "$XDG_RUNTIME_DIR/sandrun-sessions")" ]
}

@test "session: end leaves no cgroup behind (root)" {
	require_root
	run -0 "$SANDRUN" -p sh --session cg --exec -- true
	pid=$(session_pid cg)
	[ -n "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "sandrun-$pid-*" 2>/dev/null)" ] ||
		[ "$(sleep_state cg)" = T ]
	run -0 "$SANDRUN" --end-session cg
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "sandrun-$pid-*" 2>/dev/null)" ]
	[ ! -e "/sys/fs/cgroup/freezer/sandrun-session-$pid" ]
}

@test "session: another user's session of the same name is separate (root)" {
	require_root
	id sandrun-ci >/dev/null 2>&1 || skip "no user sandrun-ci"
	run -0 "$SANDRUN" -p sh --session same --exec -- sh -c 'echo root > f'
	u=$(scratch)
	chmod 755 "$u" "$(dirname "$u")"
	run -0 runuser -u sandrun-ci -- env -u XDG_RUNTIME_DIR \
	    SANDRUN_POLICY_PATH="$SANDRUN_POLICY_PATH" sh -c \
	    "cd / && '$SANDRUN' -p sh --session same --exec -- sh -c 'cat f 2>/dev/null || echo none'; '$SANDRUN' --end-session same"
	assert_output none
	run -0 "$SANDRUN" -p sh --session same --exec -- cat f
	assert_output root
}

# A policy (sh) with a session section, in the work dir.
session_policy() {
	cat >"$W/sp.json" <<JSON
{ "extends": "sh",
  "session": { "memory": "128M", "processes": 32, "tmpfs": { "tmp": "8M" },
    "lifetime": "10m", "idle": "1m", "calls": 3,
    "ceilings": { "memory": "256M", "processes": 48, "lifetime": "20m" } } }
JSON
}

@test "session policy: defaults, ceilings, resolved and printed" {
	run -0 "$SANDRUN" --print-policy sh
	[ "$(json .session.lifetime)" = 1h ]
	[ "$(json .session.idle)" = 10m ]
	[ "$(json .session.calls)" = 1000 ]
	[ "$(json .session.memory)" = "$(json .limits.memory)" ]
	[ "$(json .session.ceilings.memory)" = "$(json .session.memory)" ]
	session_policy
	run -0 "$SANDRUN" --print-policy "$W/sp.json"
	[ "$(json .session.memory)" = 128M ]
	[ "$(json .session.ceilings.memory)" = 256M ]
	[ "$(json .session.ceilings.idle)" = 1m ]
	[ "$(json .session.tmpfs.tmp)" = 8M ]
	# what is printed loads again
	printf '%s\n' "$output" >"$W/again.json"
	run -0 "$SANDRUN" --check-policy "$W/again.json"
}

@test "session policy: strict validation names the key" {
	printf '{"extends":"sh","session":{"memroy":"1G"}}' >"$W/a.json"
	run -125 "$SANDRUN" --check-policy "$W/a.json"
	assert_output --partial "session.memroy: unknown key"
	printf '{"extends":"sh","session":{"calls":0}}' >"$W/b.json"
	run -125 "$SANDRUN" --check-policy "$W/b.json"
	assert_output --partial "session.calls: must be greater than 0"
	printf '{"extends":"sh","session":{"lifetime":"unlimited"}}' >"$W/c.json"
	run -125 "$SANDRUN" --check-policy "$W/c.json"
	assert_output --partial "session.lifetime: cannot be"
	printf '{"extends":"sh","session":{"idle":"2h","ceilings":{"idle":"1h"}}}' >"$W/d.json"
	run -125 "$SANDRUN" --check-policy "$W/d.json"
	assert_output --partial "session.idle: the default is above its ceiling session.ceilings.idle"
	printf '{"extends":"sh","session":{"ceilings":{"ceilings":{}}}}' >"$W/e.json"
	run -125 "$SANDRUN" --check-policy "$W/e.json"
	assert_output --partial "session.ceilings.ceilings: unknown key"
	printf '{"extends":"sh","session":{"tmpfs":{"tmp":"1M","var":"1M"}}}' >"$W/f.json"
	run -125 "$SANDRUN" --check-policy "$W/f.json"
	assert_output --partial "session.tmpfs.var: unknown key"
}

@test "session policy: the session's limits hold, with their mechanisms" {
	session_policy
	run -0 "$SANDRUN" -p "$W/sp.json" --session sl --json --exec -- true
	[ "$(json .limits.memory.value)" = $((128 << 20)) ]
	[ "$(json .limits.processes.value)" = 32 ]
	# tmpfs charged to the cgroup's memory is as large as that (limits(7))
	if [ "$(json .limits.memory.mechanism)" = cgroup1 ] ||
	    [ "$(json .limits.memory.mechanism)" = cgroup2 ]; then
		[ "$(json .limits.tmpfs_tmp.value)" = $((128 << 20)) ]
	else
		[ "$(json .limits.tmpfs_tmp.value)" = $((8 << 20)) ]
	fi
	[ "$(json .limits.tmpfs_tmp.mechanism)" = tmpfs ]
	tmp_kib=$(($(json .limits.tmpfs_tmp.value) / 1024))
	[ "$(json .session.limits.lifetime.value)" = 600000 ]
	[ "$(json .session.limits.idle.value)" = 60000 ]
	[ "$(json .session.limits.calls.value)" = 3 ]
	[ "$(json .session.limits.calls.mechanism)" = session ]
	[ "$(json .session.expires_in_s)" -le 600 ]
	[ "$(json .session.expires_in_s)" -gt 590 ]
	if [ "$(json .isolation.cgroup)" = true ]; then
		[ "$(json .limits.memory.mechanism)" != rlimit ]
	fi
	# /tmp is the session's 8M tmpfs
	run -0 "$SANDRUN" -p "$W/sp.json" --session sl --exec -- sh -c \
	    'df -k /tmp | awk "NR == 2 { print \$2 }"'
	[ "$output" = "$tmp_kib" ]
}

@test "session policy: overrides within the ceilings, 125 above" {
	session_policy
	run -125 "$SANDRUN" -p "$W/sp.json" --memory 512M --session o1 --exec -- true
	assert_output --partial "--memory 512 MiB: above the session ceiling of policy"
	assert_output --partial "session.ceilings.memory: 256 MiB"
	run -125 "$SANDRUN" -p "$W/sp.json" --pids 49 --session o1 --exec -- true
	assert_output --partial "session.ceilings.processes: 48"
	run -125 "$SANDRUN" -p "$W/sp.json" --session-lifetime 21m --session o1 --exec -- true
	assert_output --partial "session.ceilings.lifetime"
	run -125 "$SANDRUN" -p "$W/sp.json" --session-idle 2m --session o1 --exec -- true
	assert_output --partial "session.ceilings.idle"
	# a refused first call leaves no session
	run -0 "$SANDRUN" --list-sessions --json
	assert_output '[]'
	run -0 "$SANDRUN" -p "$W/sp.json" --memory 256M --pids 48 --session-lifetime 20m \
	    --session o1 --json --exec -- true
	[ "$(json .limits.memory.value)" = $((256 << 20)) ]
	[ "$(json .limits.processes.value)" = 48 ]
	[ "$(json .session.limits.lifetime.value)" = 1200000 ]
}

@test "session policy: the session ends after its last call" {
	session_policy
	for call in 1 2 3; do
		run -0 "$SANDRUN" -p "$W/sp.json" --session c3 --json --exec -- sh -c "echo $call >> f"
		[ "$(json .session.call)" = "$call" ]
	done
run -0 "$SANDRUN" --list-sessions --json
	assert_output '[]'
	run -1 "$SANDRUN" -p "$W/sp.json" --session c3 --json --exec -- cat f
	[ "$(json .session.call)" = 1 ]
}

@test "session: 50 calls leave no process, fd, cgroup or mount behind" {
	local i fd5 fd50 mounts
	mounts=$(wc -l </proc/self/mountinfo)
	for i in $(seq 50); do
		"$SANDRUN" -p sh --session fifty --exec -- sh -c "echo $i >> f" >/dev/null
		[ "$i" = 5 ] && fd5=$(ls "/proc/$(session_pid fifty)/fd" | wc -l)
	done
	run -0 "$SANDRUN" -p sh --session fifty --exec -- sh -c 'wc -l < f'
	assert_output 50
	pid=$(session_pid fifty)
	ip=$(init_pid fifty)
	fd50=$(ls "/proc/$pid/fd" | wc -l)
	[ "$fd5" = "$fd50" ]
	# one init, no other process in the sandbox between calls
	[ -z "$(pgrep -P "$ip")" ]
	run -0 "$SANDRUN" --end-session fifty
	! kill -0 "$pid" 2>/dev/null
	! kill -0 "$ip" 2>/dev/null
	[ -z "$(ls "$XDG_RUNTIME_DIR/sandrun-sessions")" ]
	[ ! -e "/sys/fs/cgroup/freezer/sandrun-session-$pid" ]
	# the runs' cgroups are named after their supervisor, the session
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "sandrun-$pid-*" 2>/dev/null)" ]
	[ "$(wc -l </proc/self/mountinfo)" = "$mounts" ]
}

@test "session: the result validates against the schema" {
	require_python_module jsonschema
	run -0 "$SANDRUN" -p sh --session sv --json --exec -- true
	printf '%s' "$output" >"$W/1.json"
	run -0 "$SANDRUN" -p sh --session sv --json --exec -- true
	printf '%s' "$output" >"$W/2.json"
	run -0 python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    jsonschema.Draft202012Validator(schema).validate(json.load(open(f)))
print("valid")
' "$SANDRUN_SRCDIR/docs/result.schema.json" "$W/1.json" "$W/2.json"
	assert_output valid
}

@test "session: SIGKILL of the session process: no hang, a new session, nothing left" {
	run -0 "$SANDRUN" -p sh --session sk --exec -- sh -c 'echo x > f'
	sp=$(session_pid sk)
	ip=$(init_pid sk)
	kill -KILL "$sp"
	while kill -0 "$sp" 2>/dev/null; do sleep 0.05; done
	# init (asleep) must not keep the session's socket answering
	run -1 timeout 20 "$SANDRUN" -p sh --session sk --json --exec -- cat f
	[ "$(json .session.call)" = 1 ]
	# its files are gone, and the call says why
	[ "$(json .session.restarted)" = true ]
	run -0 "$SANDRUN" -p sh --session sk --json --exec -- true
	[ "$(json .session.call)" = 2 ]
	[ "$(json .session.restarted)" = false ]
	run -0 "$SANDRUN" --end-session sk
	swept_away "$ip"
}

@test "session (python): variables and imports persist across calls" {
	echo 'import math; x = 41' > a.py
	echo 'print(x + 1, math.floor(2.5))' > b.py
	run -0 "$SANDRUN" --session v1 --json a.py
	[ "$(json .value)" = null ]
	run -0 "$SANDRUN" --session v1 b.py
	assert_output '42 2'
}

@test "session (python): a call reports the interpreter's peak memory, observed" {
	echo 'import numpy; x = bytearray(64 << 20)' > a.py
	echo 'len(x)' > b.py
	run -0 "$SANDRUN" --session m1 --json a.py
	run -0 "$SANDRUN" --session m1 --json b.py
	# the driver is alive between calls: no wait reports on it, so the
	# figure is read (VmHWM, or the cgroup's peak), never a 0
	src=$(json .memory.source)
	peak=$(json .memory.peak_bytes)
	case $src in
	rusage | cgroup1 | cgroup2) ;;
	*) false ;;
	esac
	[ "$peak" -gt $((64 << 20)) ] || { echo "peak $peak from $src" >&2; false; }
}

@test "session (python): the value of a last expression is returned, not printed" {
	echo 'x = 41' > a.py
	echo 'x + 1' > e.py
	run -0 "$SANDRUN" --session v2 a.py
	run -0 "$SANDRUN" --session v2 --json e.py
	[ "$(json .value)" = 42 ]
	[ "$(json .value_png)" = null ]
	[ "$(json .stdout.text)" = "" ]
	run -0 "$SANDRUN" --session v2 e.py
	assert_output ''
	run -0 "$SANDRUN" --session v2 --format tool e.py
	assert_line 'value: 42'
	# a cold run has no value (nor x)
	run -1 "$SANDRUN" --json e.py
	[ "$(json .value)" = null ]
}

@test "session (python): a crash of the interpreter restarts the session" {
	echo 'x = 41' > a.py
	echo 'import os; os._exit(3)' > c.py
	echo 'print(x + 1)' > b.py
	run -0 "$SANDRUN" --session v3 a.py
	run -3 "$SANDRUN" --session v3 --json c.py
	[ "$(json .exit_code)" = 3 ]
	[ "$(json .session.lost)" = true ]
	run -1 "$SANDRUN" --session v3 --json b.py
	[ "$(json .session.restarted)" = true ]
	[[ "$(json .stderr.text)" == *"NameError"* ]]
}

@test "session (python): a timed-out call is interrupted, the session keeps its state" {
	echo 'x = 41' > a.py
	echo 'while True: pass' > t.py
	echo 'print(x + 1)' > b.py
	run -0 "$SANDRUN" --session v4 a.py
	run "$SANDRUN" --session v4 --json -t 1s t.py
	[ "$(json .status)" = timeout ]
	[[ "$(json .stderr.text)" == *KeyboardInterrupt* ]]
	[ "$(json .session.lost)" = false ]
	run -0 "$SANDRUN" --session v4 --json b.py
	[ "$(json .stdout.text)" = 42 ]
	[ "$(json .session.restarted)" = false ]
}

@test "session (python): a timeout not survived restarts the session" {
	echo 'x = 41' > a.py
	printf 'import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass\n' > k.py
	echo 'print(x + 1)' > b.py
	run -0 "$SANDRUN" --session v7 a.py
	run "$SANDRUN" --session v7 --json -t 1s k.py
	[ "$(json .status)" = timeout ]
	[ "$(json .session.lost)" = true ]
	run -1 "$SANDRUN" --session v7 --json b.py
	[ "$(json .session.restarted)" = true ]
}

@test "session (python): nothing a call started outlives it" {
	printf 'import subprocess\nsubprocess.Popen(["sleep", "100"])\ny = 1\n' > s.py
	# (a killed child stays a zombie until the interpreter reaps it)
	echo 'import os; print([p for p in os.listdir("/proc") if p.isdigit() and b"sleep" in open("/proc/%s/cmdline" % p, "rb").read()], y)' > b.py
	run -0 "$SANDRUN" --session v5 s.py
	run -0 "$SANDRUN" --session v5 b.py
	assert_output '[] 1'
}

@test "session (python): a figure value is returned as a PNG" {
	require_python_module matplotlib
	printf 'import matplotlib.pyplot as plt\nfig = plt.figure()\nplt.plot([1, 2])\nfig\n' > f.py
	run -0 "$SANDRUN" --session v6 --json f.py
	[[ "$(json .value)" == "<Figure size"* ]]
	json .value_png | base64 -d | head -c 8 | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'
}

# The session host a first call starts when no sandrun serve runs.
HOST() { echo "$XDG_RUNTIME_DIR/sandrun-sessions/.serve"; }

# wait_gone PID: up to 10 s for PID to end.
wait_gone() {
	local i
	for i in $(seq 200); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

@test "session host: the first call starts it, it lists its sessions, it ends with the last" {
	run -0 "$SANDRUN" -p sh --session h1 --exec -- true
	run -0 "$SANDRUN" -p sh --session h2 --exec -- true
	run -0 "$SANDRUN" serve --status --json --socket "$(HOST)"
	host=$(json .pid)
	[ "$(json .hosts_sessions)" = true ]
	[ "$(json '.pools | length')" = 0 ]
	[ "$(json '[.sessions[].name] | sort | join(",")')" = h1,h2 ]
	# the session processes are the host's children, in its session
	for n in h1 h2; do
		sp=$(session_pid $n)
		[ "$(jq -r --arg n $n '.sessions[] | select(.name == $n) | .pid' <<<"$output")" = "$sp" ]
		[ "$(awk '/^PPid:/ { print $2 }' /proc/$sp/status)" = "$host" ]
	done
	[ "$(ps -o sid= -p "$host")" != "$(ps -o sid= -p $$)" ]
	[ "$(readlink /proc/$host/fd/0)" = /dev/null ]
	run -0 "$SANDRUN" serve --status --socket "$(HOST)"
	assert_line --regexp '^sessions: 2 of [0-9]+$'
	assert_line --regexp '^session h1 +pid [0-9]+ '
	# it runs no calls itself
	run -0 env SANDRUN_SOCKET="$(HOST)" "$SANDRUN" -p sh --json --exec -- true
	[ "$(json .session)" = null ]
	run -0 "$SANDRUN" --end-session h1
	kill -0 "$host"
	run -0 "$SANDRUN" --end-session h2
	wait_gone "$host"
	[ ! -e "$(HOST)" ]
	[ -z "$(ls "$XDG_RUNTIME_DIR/sandrun-sessions")" ]
}

@test "session host: two first calls at once make one host and one session" {
	local i
	for i in 1 2 3 4; do
		"$SANDRUN" -p sh --session race --exec -- sh -c "echo $i >> f" \
		    >"$W/o$i" 2>&1 3>&- &
	done
	wait
	cat "$W"/o* >&2
	[ -z "$(cat "$W"/o*)" ]
	run -0 "$SANDRUN" -p sh --session race --json --exec -- sh -c 'sort f | tr -d "\n"'
	[ "$(json .stdout.text)" = 1234 ]
	[ "$(json .session.call)" = 5 ]
	run -0 "$SANDRUN" serve --status --json --socket "$(HOST)"
	[ "$(json '.sessions | length')" = 1 ]
	[ "$(pgrep -fx 'sandrun serve \(sessions\)' -u "$(id -u)" |
	    while read -r p; do
		[ "$(readlink "/proc/$p/cwd")" = / ] && grep -qs "$(HOST)" "/proc/$p/net/unix" && echo "$p"
	    done | wc -l)" -ge 1 ]
	run -0 "$SANDRUN" --list-sessions --json
	[ "$(json 'length')" = 1 ]
}

# start_serve [OPTION]...: sandrun serve on $SANDRUN_SOCKET, logging to
# $W/serve.log, up within 10 s.
start_serve() {
	"$SANDRUN" serve -v "$@" >/dev/null 2>"$W/serve.log" 3>&- &
	SERVER=$!
	local i
	for i in $(seq 100); do
		"$SANDRUN" serve --status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$W/serve.log" >&2
	return 1
}

@test "session: with a sandrun serve running, sessions live there; SIGTERM ends them" {
	start_serve --pool sh=1
	run -0 "$SANDRUN" -p sh --session in --exec -- sh -c 'echo x > f'
	sp=$(session_pid in)
	[ "$(awk '/^PPid:/ { print $2 }' /proc/$sp/status)" = "$SERVER" ]
	[ ! -e "$(HOST)" ]
	run -0 "$SANDRUN" serve --status --json
	[ "$(json '.sessions[0].name')" = in ]
	[ "$(json '.sessions[0].pid')" = "$sp" ]
	run -0 "$SANDRUN" serve --status
	assert_line --regexp '^session in +pid '"$sp"' '
	run -0 "$SANDRUN" -p sh --session in --exec -- cat f
	assert_output x
	ip=$(init_pid in)
	grep -q "session in for pid" "$W/serve.log"
	# SIGTERM: the session ends cleanly (its socket removed), then the server
	kill -TERM "$SERVER"
	wait_gone "$SERVER"
	! kill -0 "$sp" 2>/dev/null
	wait_gone "$ip"
	[ ! -e "$XDG_RUNTIME_DIR/sandrun-sessions/in.sock" ]
	[ ! -e "/sys/fs/cgroup/freezer/sandrun-session-$sp" ]
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "sandrun-$sp-*" 2>/dev/null)" ]
}

@test "session: SIGKILL of the server leaves no session process, sandbox or cgroup" {
	start_serve --pool sh=1
	run -0 "$SANDRUN" -p sh --session sk2 --exec -- sh -c 'echo x > f'
	sp=$(session_pid sk2)
	ip=$(init_pid sk2)
	[ -n "$ip" ]
	kill -KILL "$SERVER"
	wait_gone "$sp"
	swept_away "$ip"
	run -0 "$SANDRUN" -p sh --session sweep --exec -- true
	run -0 "$SANDRUN" --end-session sweep
	[ ! -e "/sys/fs/cgroup/freezer/sandrun-session-$sp" ]
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "sandrun-$sp-*" 2>/dev/null)" ]
	# the stale socket is no session
	run -0 "$SANDRUN" --list-sessions --json
	assert_output '[]'
	run -1 "$SANDRUN" -p sh --session sk2 --json --exec -- cat f
	[ "$(json .session.call)" = 1 ]
	[ "$(json .session.restarted)" = true ]
	run -0 "$SANDRUN" --end-session sk2
	# a session that ended is no restart
	run -0 "$SANDRUN" -p sh --session sk2 --json --exec -- true
	[ "$(json .session.restarted)" = false ]
	run -0 "$SANDRUN" --end-session sk2
}

@test "session (python): a thread does not run between calls" {
	cat >t.py <<'PY'
import threading, time
n = 0
def count():
    global n
    while True:
        n += 1
        time.sleep(0.01)
threading.Thread(target=count, daemon=True).start()
time.sleep(0.3)
print(n)
PY
	echo 'print(n)' >n.py
	run -0 "$SANDRUN" --session th t.py
	a=$output
	[ "$a" -gt 5 ]
	sleep 1
	run -0 "$SANDRUN" --session th n.py
	b=$output
	# 1 s asleep would be ~100 counts awake
	echo "end of call 1: $a, start of call 2: $b" >&3
	[ $((b - a)) -lt 30 ]
}

@test "session (python): an --exec call after a crash says restarted" {
	echo 'x = 1' >a.py
	run -0 "$SANDRUN" --session pe a.py
	run -0 "$SANDRUN" --session pe --exec -- true
	kill -KILL "$(init_pid pe)"
	run -0 "$SANDRUN" --session pe --json --exec -- true
	[ "$(json .session.restarted)" = true ]
	run -0 "$SANDRUN" --session pe --json --exec -- true
	[ "$(json .session.restarted)" = false ]
}

@test "session: serve --idle-exit waits for its sessions" {
	start_serve --pool sh=1 --idle-exit 1s
	run -0 "$SANDRUN" -p sh --session ie --exec -- sh -c 'echo x > f'
	sleep 2
	kill -0 "$SERVER"
	run -0 "$SANDRUN" -p sh --session ie --exec -- cat f
	assert_output x
	run -0 "$SANDRUN" --end-session ie
	wait_gone "$SERVER"
}

@test "session (python): the interpreter's CPU limit is each call's, not a budget" {
	printf 'import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\n' >burn.py
	printf 'import time\nt = time.process_time()\nwhile time.process_time() - t < 4: pass\nprint("survived")\n' >burn4.py
	run -0 "$SANDRUN" --session cb --json --cpu-time 1s burn.py
	mech=$(json .limits.cpu_time.mechanism)
	[ "$mech" != none ]
	run -0 "$SANDRUN" --session cb --json --cpu-time 1s burn.py
	[ "$(json .limits.cpu_time.mechanism)" = "$mech" ]
	# the interpreter (init's one child): its soft RLIMIT_CPU is the
	# call's 1 s past what it used, its hard one not the plan's 1 s plus
	# the warm-up's 60 s for all calls
	drv=$(pgrep -P "$(init_pid cb)" | head -1)
	read -r soft hard < <(awk '/^Max cpu time/ { print $4, $5 }' "/proc/$drv/limits")
	echo "driver RLIMIT_CPU: $soft $hard ($mech)" >&3
	[ "$soft" -lt 60 ]
	[ "$hard" = unlimited ] || [ "$hard" -gt 1000 ]
	# a call over it is stopped and named
	run "$SANDRUN" --session cb --json --cpu-time 1s burn4.py
	[ "$(json .limit_hit)" = cpu_time ]
	[[ "$(json .stdout.text)" != *survived* ]]
}

@test "session (python): a call that ignores SIGXCPU is still stopped at its CPU limit" {
	printf 'import signal, time\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nt = time.process_time()\nwhile time.process_time() - t < 6: pass\nprint("survived")\n' >ign.py
	echo 'x = 1' >one.py
	run -0 "$SANDRUN" --session ci --json --cpu-time 1s --timeout 20s one.py
	run "$SANDRUN" --session ci --json --cpu-time 1s --timeout 20s ign.py
	echo "mechanism $(json .limits.cpu_time.mechanism), cpu $(json .time.cpu_user_ms)+$(json .time.cpu_sys_ms) ms, wall $(json .time.wall_ms) ms" >&3
	[ "$(json .limit_hit)" = cpu_time ]
	[[ "$(json .stdout.text)" != *survived* ]]
	# stopped within the cold run's grace (the limit and one second),
	# not at the wall-clock limit
	[ "$(json .time.wall_ms)" -lt 5000 ]
	run -0 "$SANDRUN" --end-session ci
}
