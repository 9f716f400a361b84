#!/usr/bin/env bats
# sandrun serve: hand-over from a plain call, fallback to a cold run,
# identical results, who may connect, faults, concurrency, bad requests.
# Every server here has its own socket ($SANDRUN_SOCKET in a private dir).

load helpers

setup() {
	SOCKDIR=$(scratch)
	chmod 700 "$SOCKDIR"
	export SANDRUN_SOCKET="$SOCKDIR/serve.sock"
	SERVER=
}

teardown() {
	[ -z "${HOSTDIR:-}" ] || rm -rf "$HOSTDIR"
	if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
		kill -KILL "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
	fi
}

# start_server [OPTION]...: sandrun serve -v in the background, logging to
# $SOCKDIR/log; waits (5 s at most) until it answers --status.
start_server() {
	"$SANDRUN" serve -v "$@" >"$SOCKDIR/out" 2>"$SOCKDIR/log" 3>&- &
	SERVER=$!
	local i
	for i in $(seq 50); do
		"$SANDRUN" serve --status >/dev/null 2>&1 && return 0
		kill -0 "$SERVER" 2>/dev/null || break
		sleep 0.1
	done
	cat "$SOCKDIR/log" >&2
	fail "the server did not start"
}

# start_server_as BINARY [OPTION]...: start_server with another binary.
start_server_as() {
	local bin=$1
	shift
	"$bin" serve -v "$@" >"$SOCKDIR/out" 2>"$SOCKDIR/log" 3>&- &
	SERVER=$!
	wait_for "$SANDRUN" serve --status >/dev/null 2>&1 ||
		fail "the server did not start: $(cat "$SOCKDIR/log")"
}

# served: how many calls the server says it ran.
served() {
	"$SANDRUN" serve --status --json |
		jq '[.pools[].served] + [.unpooled_served] | add'
}

# wait_for CMD...: up to 10 s for CMD to succeed.
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# same_as_cold ARG...: run the call through the server and cold (--cold)
# with the same stdin ($SOCKDIR/in); stdout, stderr and the exit status
# must be identical, JSON compared without timings, memory peaks and the
# warm flag (the served call's goes to $SOCKDIR/w.warm; the cold one's
# must be false).
same_as_cold() {
	local before after
	before=$(served)
	set +e
	"$SANDRUN" "$@" <"$SOCKDIR/in" >"$SOCKDIR/w.out" 2>"$SOCKDIR/w.err"
	echo $? >"$SOCKDIR/w.rc"
	"$SANDRUN" --cold "$@" <"$SOCKDIR/in" >"$SOCKDIR/c.out" 2>"$SOCKDIR/c.err"
	echo $? >"$SOCKDIR/c.rc"
	set -e
	after=$(served)
	[ "$after" = $((before + 1)) ] || return 99
	if head -c1 "$SOCKDIR/w.out" | grep -q '{'; then
		local f
		for f in w c; do
			jq -S 'del(.time, .memory.peak_bytes, .warm)' \
				"$SOCKDIR/$f.out" >"$SOCKDIR/$f.norm"
		done
		diff -u "$SOCKDIR/c.norm" "$SOCKDIR/w.norm" || return 96
		[ "$(jq .warm "$SOCKDIR/c.out")" = false ] || return 95
		jq .warm "$SOCKDIR/w.out" >"$SOCKDIR/w.warm"
	elif [[ " $* " == *" --format tool "* ]]; then
		# The summary line carries the time and the memory peak.
		diff -u <(sed -E 's/ · [0-9.]+ [a-z]+ · [0-9.]+ [KMG]?i?B\]$/]/' "$SOCKDIR/c.out") \
			<(sed -E 's/ · [0-9.]+ [a-z]+ · [0-9.]+ [KMG]?i?B\]$/]/' "$SOCKDIR/w.out") ||
			return 96
	else
		diff -u "$SOCKDIR/c.out" "$SOCKDIR/w.out" || return 96
	fi
	diff -u "$SOCKDIR/c.err" "$SOCKDIR/w.err" || return 98
	diff -u "$SOCKDIR/c.rc" "$SOCKDIR/w.rc" || return 97
	return "$(cat "$SOCKDIR/w.rc")"
}

# ready N: wait (10 s at most) until the server has N ready sandboxes.
ready() {
	wait_for sh -c '[ "$("$SANDRUN" serve --status --json | jq "[.pools[].ready] | add")" = "$1" ]' - "$1"
}

# gone PATTERN: no process whose command line starts with PATTERN.
gone() {
	! pgrep -f "^$1" >/dev/null
}

@test "serve: bad options are one-line errors, exit 125" {
	run -125 sandrun serve --pool nosuchpolicy=2
	assert_output --regexp '^sandrun: --pool nosuchpolicy=2: '
	assert_equal "${#lines[@]}" 1
	run -125 sandrun serve --pool python=x
	assert_output "sandrun: --pool python=x: N must be a count from 1 to 64"
	run -125 sandrun serve --pool python=0
	run -125 sandrun serve --pool python=65
	run -125 sandrun serve --pool python
	run -125 sandrun serve --pool python=1 --pool python=2
	assert_output "sandrun: --pool python=2: policy python given twice"
	run -125 sandrun serve --idle-exit soon
	assert_output --partial "sandrun: --idle-exit: "
	run -125 sandrun serve --json
	run -125 sandrun serve --bogus
	run -125 sandrun serve --status --pool sh=1
	run -125 sandrun serve --socket "$SOCKDIR/a" --socket "$SOCKDIR/b"
	run -0 sandrun serve --help
	assert_line --partial -- "--pool POLICY=N"
}

@test "serve: the socket directory must be private" {
	local d
	d=$(scratch)
	chmod 755 "$d"
	run -125 sandrun serve --socket "$d/s.sock"
	assert_output --partial "must be owned by uid $(id -u) and closed to others"
	run -125 sandrun serve --socket "$d/$(printf 'x%.0s' $(seq 120))"
	assert_output --partial "path too long"
	# A missing last component is created 0700.
	SANDRUN_SOCKET="$d/new/s.sock"
	start_server --socket "$d/new/s.sock"
	[ "$(stat -c %a "$d/new")" = 700 ]
	[ "$(stat -c %a "$d/new/s.sock")" = 600 ]
	# A second server on the same socket is refused.
	run -125 sandrun serve --socket "$d/new/s.sock"
	assert_output --partial "already running"
}

@test "serve: --status reports pools, ready sandboxes, memory and refill" {
	require_userns
	start_server --pool sh=1 --pool python=3
	ready 4
	run -0 sandrun serve --status --json
	[ "$(json '.pools | map(.policy + "=" + (.size|tostring)) | join(" ")')" = "sh=1 python=3" ]
	[ "$(json '[.pools[].ready] | add')" = 4 ]
	# PSS of worker and init: more than nothing, less than 64 MiB
	[ "$(json '.pools[0].memory_per_ready_bytes > 65536 and .pools[0].memory_per_ready_bytes < 67108864')" = true ]
	[ "$(json '.pools[1].refill_ms > 0')" = true ]
	[ "$(json .warm_available)" = true ]
	[ "$(json .protocol)" = 1 ]
	run -0 sandrun serve --status
	assert_line --regexp '^python +3 +3 +0 +0 +0  [0-9.]+ [KM]iB +[0-9.]+ ms$'
	run -125 sandrun serve --status --socket "$SOCKDIR/none.sock"
	assert_output --partial "no server at"
}

@test "serve: a plain call hands over; no server or --cold runs cold" {
	require_userns
	start_server
	run -0 sh -c 'echo "print(6*7)" | "$SANDRUN"'
	assert_output 42
	[ "$(served)" = 1 ]
	grep -q "call from pid .*: policy python, " "$SOCKDIR/log"
	run -0 sh -c 'echo "print(6*7)" | "$SANDRUN" --cold'
	assert_output 42
	[ "$(served)" = 1 ]
	# Server gone (stale socket file, nothing listening): cold, same output.
	kill -KILL "$SERVER"
	wait "$SERVER" || true
	[ -S "$SANDRUN_SOCKET" ]
	run -0 sh -c 'echo "print(6*7)" | "$SANDRUN"'
	assert_output 42
	SANDRUN_SOCKET="$SOCKDIR/missing.sock" run -0 sh -c 'echo "print(6*7)" | "$SANDRUN"'
	assert_output 42
}

@test "serve: a served call ends exactly as a cold one (seed, error, timeout, signal, output limit)" {
	require_userns
	start_server --pool python=2 --pool sh=1
	cp "$SEED/analysis.py" "$SOCKDIR/in"
	run -0 same_as_cold --json --file "$SEED/dataset.csv:/code/dataset.csv"
	run -0 same_as_cold --file "$SEED/dataset.csv:/code/dataset.csv"
	printf 'import sys\nprint("out")\nraise ValueError("bad")\n' >"$SOCKDIR/in"
	run -1 same_as_cold --json
	run -1 same_as_cold
	run -1 same_as_cold --format tool
	printf 'import time\nprint("a", flush=True)\ntime.sleep(30)\n' >"$SOCKDIR/in"
	run -124 same_as_cold --json -t 1s
	run -124 same_as_cold -t 1s
	printf 'import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n' >"$SOCKDIR/in"
	run -139 same_as_cold --json
	run -139 same_as_cold
	printf 'print("x" * 100000)\n' >"$SOCKDIR/in"
	run -0 same_as_cold --json --output-limit 1K
	run -0 same_as_cold --output-limit 1K
	: >"$SOCKDIR/in"
	run -127 same_as_cold -p sh --exec -- /no/such/program
	run -125 same_as_cold --policy nosuch
	# --cold says so
	run -0 sh -c 'echo "print(1)" | "$SANDRUN" --cold --json'
	[ "$(json .warm)" = false ]
}

@test "serve: stdin, working directory, environment and umask are the client's" {
	require_userns
	start_server --pool sh=1
	local d
	d=$(scratch)
	printf 'echo "$1"; cat; umask\n' >"$d/c.sh"
	printf 'hello from stdin\n' >"$d/input"
	cd "$d"
	run -0 sh -c 'umask 027; "$SANDRUN" --cold -p sh --stdin input c.sh -- arg1'
	local cold=$output
	run -0 sh -c 'umask 027; "$SANDRUN" -p sh --stdin input c.sh -- arg1'
	assert_output "$cold"
	assert_line "hello from stdin"
	[ "$(served)" = 1 ]
	SANDRUN_POLICY=sh run -0 "$SANDRUN" --exec -- /bin/echo via-env
	assert_output via-env
	[ "$(sandrun serve --status --json | jq '.pools[0].served')" = 2 ]
	run -0 sh -c 'umask 077; "$SANDRUN" -p sh --out outdir c.sh </dev/null >/dev/null 2>&1; stat -c %a outdir'
	run -0 sh -c 'umask 077; "$SANDRUN" --cold -p sh --out outdir2 c.sh </dev/null >/dev/null 2>&1; stat -c %a outdir2'
	assert_output "$(stat -c %a outdir)"
}

@test "serve: four clients at once are all served" {
	require_userns
	start_server --pool sh=2
	local i pids=() fds
	ready 2	# one socket per ready sandbox's worker
	fds=$(ls /proc/"$SERVER"/fd | wc -l)
	for i in 1 2 3 4; do
		"$SANDRUN" -p sh --exec -- /bin/sh -c "sleep 0.5; echo client $i" \
			>"$SOCKDIR/c$i" 2>&1 3>&- &
		pids+=($!)
	done
	for i in 1 2 3 4; do
		wait "${pids[$((i - 1))]}" || fail "client $i failed: $(cat "$SOCKDIR/c$i")"
		[ "$(cat "$SOCKDIR/c$i")" = "client $i" ]
	done
	[ "$(served)" = 4 ]
	# Nothing of the calls stays open in the server.
	ready 2
	[ "$(ls /proc/"$SERVER"/fd | wc -l)" = "$fds" ]
}

@test "serve: SIGKILL of a client kills its call; the server keeps serving" {
	require_userns
	start_server --pool sh=1
	local tag="sleep 37.${BATS_TEST_NUMBER}5"
	"$SANDRUN" -p sh --exec -- /bin/$tag >/dev/null 2>&1 3>&- &
	local client=$!
	wait_for pgrep -f "^/bin/$tag" >/dev/null || fail "the call did not start"
	kill -KILL "$client"
	wait "$client" || true
	wait_for gone "/bin/$tag" || fail "the call survived its client"
	grep -q "hung up: ending its call" "$SOCKDIR/log"
	kill -0 "$SERVER"
	run -0 "$SANDRUN" -p sh --exec -- /bin/echo still-serving
	assert_output still-serving
}

@test "serve: a forwarded SIGINT ends the call as it would a cold run" {
	require_userns
	start_server --pool sh=1
	local tag="sleep 36.${BATS_TEST_NUMBER}5"
	"$SANDRUN" -p sh --exec -- /bin/$tag >/dev/null 2>"$SOCKDIR/w.err" 3>&- &
	local client=$! rc=0
	wait_for pgrep -f "^/bin/$tag" >/dev/null || fail "the call did not start"
	kill -INT "$client"
	wait "$client" || rc=$?
	"$SANDRUN" --cold -p sh --exec -- /bin/$tag >/dev/null 2>"$SOCKDIR/c.err" 3>&- &
	local cold=$! crc=0
	wait_for pgrep -f "^/bin/$tag" >/dev/null || fail "the cold call did not start"
	kill -INT "$cold"
	wait "$cold" || crc=$?
	[ "$rc" = "$crc" ] || fail "served exit $rc, cold exit $crc"
	diff -u "$SOCKDIR/c.err" "$SOCKDIR/w.err"
	wait_for gone "/bin/$tag"
}

@test "serve: SIGKILL of the server leaves no call, process or socket listener" {
	require_userns
	start_server --pool sh=1
	local tag="sleep 38.${BATS_TEST_NUMBER}5"
	"$SANDRUN" -p sh --exec -- /bin/$tag >/dev/null 2>"$SOCKDIR/client.err" 3>&- &
	local client=$! rc=0
	wait_for pgrep -f "^/bin/$tag" >/dev/null || fail "the call did not start"
	kill -KILL "$SERVER"
	wait "$SERVER" || true
	# A cold run removes the cgroup leaf the killed call could not (as
	# after any SIGKILL of sandrun; teardown.bats), before others look.
	"$SANDRUN" --cold -p sh --exec -- /bin/true
	wait "$client" || rc=$?
	[ "$rc" = 125 ]
	grep -q "ended the call before it finished" "$SOCKDIR/client.err"
	wait_for gone "/bin/$tag" || fail "the call outlived the server"
	gone "sandrun --cold -p sh --exec -- /bin/$tag"
	# The next call runs cold.
	run -0 "$SANDRUN" -p sh --exec -- /bin/echo cold-now
	assert_output cold-now
}

@test "serve: SIGTERM finishes calls in flight, then exits" {
	require_userns
	start_server --pool sh=1
	"$SANDRUN" -p sh --exec -- /bin/sh -c 'sleep 1; echo finished' \
		>"$SOCKDIR/call.out" 2>&1 3>&- &
	local client=$!
	wait_for grep -q "call from pid" "$SOCKDIR/log"
	kill -TERM "$SERVER"
	wait "$client"
	[ "$(cat "$SOCKDIR/call.out")" = finished ]
	wait "$SERVER"
	SERVER=
	[ ! -e "$SANDRUN_SOCKET" ]
	grep -q "SIGTERM: finishing 1 call in flight" "$SOCKDIR/log"
}

@test "serve: --idle-exit ends an idle server" {
	"$SANDRUN" serve --idle-exit 1s 2>"$SOCKDIR/log" 3>&- &
	SERVER=$!
	local t0=$SECONDS
	wait "$SERVER"
	SERVER=
	[ $((SECONDS - t0)) -le 5 ]
	[ ! -e "$SANDRUN_SOCKET" ]
	grep -q "idle for 1000 ms: exiting" "$SOCKDIR/log"
}

@test "serve: malformed and hostile requests get an error and change nothing" {
	require_cmd python3
	require_userns
	start_server --pool sh=1
	run -0 python3 - "$SANDRUN_SOCKET" <<'PY'
import os, socket, struct, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.settimeout(5)
    hello = s.recv(64)
    assert hello[:4] == b"SRHI", hello
    return s
def reply(s):
    r = s.recv(4096)
    return r[:4], struct.unpack("=HHiI", r[4:16]), r[16:].split(b"\0")[0].decode()
def hdr(t, argc=0, envc=0, um=0, ver=1, magic=b"SRRQ"):
    return magic + struct.pack("=HHIII", ver, t, argc, envc, um)
cases = {
    "garbage": b"\xff" * 37,
    "bad magic": hdr(2, magic=b"XXXX"),
    "bad version": hdr(2, ver=9),
    "unknown type": hdr(42),
    "counts lie": hdr(1, argc=3),
    "huge": b"A" * (200 * 1024),
    "run without fds": hdr(1, argc=1) + b"x\0",
    "empty": b"",
}
for name, msg in cases.items():
    s = conn()
    s.send(msg)
    try:
        m, (ver, typ, st, fl), why = reply(s)
        assert m == b"SRRP" and typ == 4, (name, m, typ)
        print(name, "->", why)
    except (socket.timeout, ConnectionResetError, IndexError, struct.error):
        print(name, "-> closed")
    s.close()
# Too many descriptors with a run request.
s = conn()
fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(12)]
s.sendmsg([hdr(1, argc=1) + b"x\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("=12i", *fds))])
print("too many fds ->", reply(s)[2])
# A client that says nothing: the others are served meanwhile, and it
# gets a timeout.
silent = [conn() for _ in range(40)]
print("silent clients open")
sys.stdout.flush()
time.sleep(0.2)
os.system(os.environ["SANDRUN"] + " -p sh --exec -- /bin/echo served-meanwhile")
try:
    print("silent ->", reply(silent[0])[2])
except Exception as e:
    print("silent ->", type(e).__name__)
PY
	assert_line --partial "bad magic -> request: bad magic"
	assert_line --partial "bad version -> request: protocol 9"
	assert_line --partial "unknown type -> request: unknown type 42"
	assert_line --partial "counts lie -> request: "
	assert_line --partial "huge -> request: too large"
	assert_line --partial "run without fds -> request: run needs 4 descriptors"
	assert_line --partial "too many fds -> request: too large"
	assert_line served-meanwhile
	assert_line "silent -> request: timed out"
	kill -0 "$SERVER"
	run -0 "$SANDRUN" -p sh --exec -- /bin/echo alive
	assert_output alive
	run -0 sandrun serve --status --json
	[ "$(json .bad_requests)" -ge 9 ]
}

@test "serve: another uid is refused and runs cold" {
	require_root
	id sandrun-ci >/dev/null 2>&1 || need "user sandrun-ci does not exist"
	SOCKDIR=$(mktemp -d /tmp/sr-serve.XXXXXX)
	SANDRUN_SOCKET=$SOCKDIR/serve.sock
	start_server --pool sh=1
	local as_user=(runuser -u sandrun-ci -- env SANDRUN_SOCKET="$SANDRUN_SOCKET"
		SANDRUN_POLICY_PATH="$SANDRUN_POLICY_PATH" "$SANDRUN" -p sh --exec -- /bin/echo hi)
	# The private directory keeps it out: cold.
	run "${as_user[@]}"
	local cold_status=$status cold_output=$output
	# Opened up (as a misconfigured unit could): the server checks the peer.
	chmod 711 "$SOCKDIR"
	chmod 666 "$SANDRUN_SOCKET"
	run "${as_user[@]}"
	assert_equal "$status" "$cold_status"
	assert_equal "$output" "$cold_output"
	grep -q "refused a connection from uid $(id -u sandrun-ci)" "$SOCKDIR/log"
	[ "$(served)" = 0 ]
	run -0 sandrun serve --status --json
	[ "$(json .refused)" = 1 ]
	rm -rf "$SOCKDIR"
}

@test "serve: a server of another uid is not trusted by the client" {
	require_root
	id sandrun-ci >/dev/null 2>&1 || need "user sandrun-ci does not exist"
	local d
	d=$(mktemp -d /tmp/sr-serve.XXXXXX)
	chown sandrun-ci "$d"
	chmod 700 "$d"
	runuser -u sandrun-ci -- "$SANDRUN" serve --socket "$d/s.sock" --pool sh=1 \
		2>"$SOCKDIR/log" 3>&- &
	SERVER=$!
	wait_for test -S "$d/s.sock"
	chmod 711 "$d"
	chmod 666 "$d/s.sock"
	SANDRUN_SOCKET="$d/s.sock" run -0 "$SANDRUN" -p sh --exec -- /bin/echo mine
	assert_output mine
	[ "$(runuser -u sandrun-ci -- "$SANDRUN" serve --status --socket "$d/s.sock" --json | jq '.pools[0].served')" = 0 ]
	kill "$SERVER"
	wait "$SERVER" || true
	rm -rf "$d"
}

@test "serve: a client with no server costs one failing connect" {
	require_cmd strace
	require_userns
	# LeakSanitizer cannot stop the world under ptrace: no leak check here
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		SANDRUN_SOCKET="$SOCKDIR/none.sock" run -0 strace -f -e trace=connect \
		-o "$SOCKDIR/trace" "$SANDRUN" -p sh --exec -- /bin/true
	# the server's socket only: as a user, NSS may also ask nscd
	[ "$(grep -c 'connect(.*none\.sock' "$SOCKDIR/trace")" = 1 ]
	grep 'connect(.*none\.sock' "$SOCKDIR/trace" | grep -q 'ENOENT'
}

@test "serve: takes the listening socket of socket activation (LISTEN_FDS)" {
	require_cmd systemd-socket-activate
	require_userns
	# it passes on no environment but what -E names: the policy path
	systemd-socket-activate --seqpacket -l "$SANDRUN_SOCKET" \
		-E SANDRUN_POLICY_PATH="${SANDRUN_POLICY_PATH-}" \
		"$SANDRUN" serve -v --pool sh=1 2>"$SOCKDIR/log" 3>&- &
	SERVER=$!
	wait_for test -S "$SANDRUN_SOCKET"
	run -0 "$SANDRUN" -p sh --exec -- /bin/echo activated
	assert_output activated
	grep -q "listening on (inherited socket)" "$SOCKDIR/log"
	[ "$(served)" = 1 ]
	kill -TERM "$SERVER"
	wait "$SERVER"
	SERVER=
}

@test "serve: an inherited socket of the wrong kind is an error" {
	require_cmd python3
	run -125 python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[2]); s.listen(1)
os.dup2(s.fileno(), 3)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
os.execv(sys.argv[1], [sys.argv[1], "serve"])
' "$SANDRUN" "$SOCKDIR/stream.sock"
	assert_output --partial "is not an AF_UNIX SOCK_SEQPACKET socket"
}

@test "serve: a request past the size bound runs cold, with the same result" {
	require_userns
	start_server --pool sh=1
	local big
	big=$(head -c 70000 /dev/zero | tr '\0' x)
	run -0 "$SANDRUN" -p sh --exec -- /bin/sh -c 'echo $((${#1} + ${#2}))' sh "$big" "$big"
	assert_output 140000
	[ "$(served)" = 0 ]
	run -0 "$SANDRUN" -p sh --exec -- /bin/sh -c 'echo ${#1}' sh "$big"
	assert_output 70000
	[ "$(served)" = 1 ]
}

@test "serve: the server sleeps while a call runs (no busy loop)" {
	require_cmd strace
	require_userns
	start_server --pool sh=1
	"$SANDRUN" -p sh --exec -- /bin/sleep 5 >/dev/null 2>&1 3>&- &
	local client=$!
	wait_for grep -q "call from pid" "$SOCKDIR/log"
	sleep 2.5	# past the 2 s a connection has for its request
	timeout 1 strace -p "$SERVER" -e trace=poll -o "$SOCKDIR/trace" 2>/dev/null || true
	[ "$(grep -c 'poll(' "$SOCKDIR/trace")" -le 3 ] ||
		fail "$(grep -c 'poll(' "$SOCKDIR/trace") polls in one second"
	wait "$client"
}

@test "serve: a server running another sandrun binary is not used" {
	require_userns
	cp "$SANDRUN" "$SOCKDIR/sandrun-other"
	start_server_as "$SOCKDIR/sandrun-other" --pool sh=1
	run -0 "$SANDRUN" -p sh --exec -- /bin/echo own-binary
	assert_output own-binary
	[ "$(served)" = 0 ]
	# the request went with the connect: the server declined it itself
	wait_for grep -q "declined a call from pid .*: it runs another sandrun binary" "$SOCKDIR/log"
	[ "$("$SANDRUN" serve --status --json | jq .declined)" = 1 ]
	SANDRUN="$SOCKDIR/sandrun-other" run -0 "$SOCKDIR/sandrun-other" -p sh --exec -- /bin/echo same-binary
	assert_output same-binary
	[ "$(served)" = 1 ]
}

# warm: the pool's ready sandboxes (serve_pool.c)

# pool_json KEY: the python pool's KEY from --status --json.
pool_json() {
	"$SANDRUN" serve --status --json |
		jq ".pools[] | select(.policy == \"python\") | .$1"
}

@test "warm: a ready sandbox serves a call exactly as cold (ok, error, timeout, signal, output limit)" {
	require_userns
	start_server --pool python=1 --pool sh=1
	printf 'print(sum(range(10)))\n' >"$SOCKDIR/in"
	ready 2
	run -0 same_as_cold --json
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	printf 'import sys\nprint("out")\nraise ValueError("bad")\n' >"$SOCKDIR/in"
	ready 2
	run -1 same_as_cold --json
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	ready 2
	run -1 same_as_cold --format tool
	ready 2
	run -1 same_as_cold
	printf 'import time\nprint("a", flush=True)\ntime.sleep(30)\n' >"$SOCKDIR/in"
	ready 2
	run -124 same_as_cold --json -t 1s
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	ready 2
	run -124 same_as_cold -t 1s
	printf 'import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n' >"$SOCKDIR/in"
	ready 2
	run -139 same_as_cold --json
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	printf 'print("x" * 100000)\n' >"$SOCKDIR/in"
	ready 2
	run -0 same_as_cold --json --output-limit 1K
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	ready 2
	run -0 same_as_cold --output-limit 1K
	: >"$SOCKDIR/in"
	ready 2
	run -0 same_as_cold --json -p sh --exec /bin/true
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	# init shows nothing of the server's command line, as a cold init
	# (the wiped area is as long as the command line was)
	ready 2
	run -0 same_as_cold --json -p sh --exec -- sh -c 'tr -d "\\0" </proc/1/cmdline'
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	[ "$(jq -r .stdout.text "$SOCKDIR/w.out")" = sandrun-init ]
	[ "$(pool_json warm)" -ge 7 ]
}

@test "warm: --file is made at run; a limit above create's or another umask runs cold, exactly" {
	require_userns
	start_server --pool python=1
	cp "$SEED/analysis.py" "$SOCKDIR/in"
	ready 1
	run -0 same_as_cold --json --file "$SEED/dataset.csv:/code/dataset.csv"
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	# a directory tree is made at create only
	ready 1
	run -0 same_as_cold --json --file "$SEED:/code"
	[ "$(cat "$SOCKDIR/w.warm")" = false ]
	printf 'print(1)\n' >"$SOCKDIR/in"
	ready 1
	run -0 same_as_cold --json --memory 1G
	[ "$(cat "$SOCKDIR/w.warm")" = false ]
	ready 1
	(umask 077; "$SANDRUN" --json <"$SOCKDIR/in" >"$SOCKDIR/u.out")
	[ "$(jq .warm "$SOCKDIR/u.out")" = false ]
	[ "$(pool_json warm)" = 1 ]
	[ "$(pool_json cold_fallbacks)" = 3 ]
}

@test "warm: nothing of one call is left for the next (file, daemon, hash seed)" {
	require_userns
	start_server --pool python=1
	cat >"$SOCKDIR/one.py" <<'PY'
import os
if os.fork() == 0:
    os.setsid()
    os.execvp("sleep", ["sleep", "3217"])
open("/tmp/mark", "w").write("x")
print(hash("x"))
PY
	cat >"$SOCKDIR/two.py" <<'PY'
import os
print(os.path.exists("/tmp/mark"))
print(any(b"3217" in open("/proc/%s/cmdline" % p, "rb").read()
          for p in os.listdir("/proc") if p.isdigit()))
print(hash("x"))
PY
	ready 1
	run -0 "$SANDRUN" --json "$SOCKDIR/one.py"
	[ "$(json .warm)" = true ]
	h1=$(json .stdout.text)
	! pgrep -f "^sleep 3217" >/dev/null
	ready 1
	run -0 "$SANDRUN" --json "$SOCKDIR/two.py"
	[ "$(json .warm)" = true ]
	[ "$(json .stdout.text | sed -n 1,2p | tr '\n' ' ')" = "False False " ]
	h2=$(json .stdout.text | sed -n 3p)
	[ -n "$h1" ] && [ -n "$h2" ] && [ "$h1" != "$h2" ]
}

@test "warm: the pool refills after each call" {
	require_userns
	start_server --pool python=2
	ready 2
	run -0 sh -c 'echo "print(1)" | "$SANDRUN" --json'
	[ "$(json .warm)" = true ]
	run -0 sh -c 'echo "print(2)" | "$SANDRUN" --json'
	[ "$(json .warm)" = true ]
	ready 2
	[ "$(pool_json served)" = 2 ]
	[ "$(pool_json warm)" = 2 ]
}

@test "warm: SIGKILL of the server leaves no ready sandbox (PDEATHSIG)" {
	require_userns
	start_server --pool python=2
	ready 2
	workers=$(pgrep -P "$SERVER" | tr '\n' ' ')
	[ -n "$workers" ]
	inits=$(for w in $workers; do pgrep -P "$w"; done | tr '\n' ' ')
	[ -n "$inits" ]
	kill -KILL "$SERVER"
	wait "$SERVER" || true
	SERVER=
	gone_pids() {
		local p
		for p in $workers $inits; do
			kill -0 "$p" 2>/dev/null && return 1
		done
		return 0
	}
	wait_for gone_pids
	# Their cgroup leaves stay (nothing ran to remove them); a cold run
	# removes leaves whose sandrun is dead (as in the test above).
	"$SANDRUN" --cold -p sh --exec -- /bin/true
	local w
	for w in $workers; do
		! ls -d /sys/fs/cgroup/*/sandrun-"$w"-* /sys/fs/cgroup/sandrun-"$w"-* \
			/sys/fs/cgroup/*/*/*/sandrun-"$w"-* 2>/dev/null | grep -q .
	done
}

# sh_pool KEY: KEY of the sh pool in --status --json.
sh_pool() {
	"$SANDRUN" serve --status --json |
		jq ".pools[] | select(.policy == \"sh\") | .$1"
}

@test "warm: the reply comes with the result; nothing left writes to the client" {
	require_userns
	start_server --pool sh=1
	ready 1
	# Output captured by $(...) waits for every holder of the client's
	# stdout and stderr: a sandbox, a worker or a server that kept them
	# would make this last 5 s and print "late".
	SECONDS=0
	run -0 "$SANDRUN" -p sh --exec -- sh -c \
		'(sleep 5; echo late) & (sleep 5; echo late >&2) & echo early'
	[ "$output" = early ]
	[ "$SECONDS" -lt 4 ]
	[ "$(sh_pool warm)" = 1 ]
	# and the same with a sandrun that is gone: nothing arrives later
	ready 1
	"$SANDRUN" -p sh --exec -- sh -c '(sleep 1; echo late) & echo early' \
		>"$SOCKDIR/late.out" 2>&1
	sleep 2
	[ "$(cat "$SOCKDIR/late.out")" = early ]
	[ "$(sh_pool warm)" = 2 ]
}

@test "warm: exit status, memory peak and CPU reported as by a cold run" {
	require_userns
	start_server --pool sh=1
	local f
	for code in 0 3; do
		ready 1
		"$SANDRUN" --json -p sh --exec -- sh -c "exit $code" \
			>"$SOCKDIR/w.json" && rc=0 || rc=$?
		"$SANDRUN" --cold --json -p sh --exec -- sh -c "exit $code" \
			>"$SOCKDIR/c.json" && crc=0 || crc=$?
		[ "$rc" = "$code" ] && [ "$crc" = "$code" ]
		[ "$(jq .warm "$SOCKDIR/w.json")" = true ]
		for f in w c; do
			jq -c '[.exit_status, .status, (.memory.peak_bytes > 0),
				.memory.source, (.time.cpu_user_ms | type),
				(.time.cpu_system_ms | type)]' "$SOCKDIR/$f.json" \
				>"$SOCKDIR/$f.fig"
		done
		diff -u "$SOCKDIR/c.fig" "$SOCKDIR/w.fig"
	done
}

@test "warm: nothing is left behind after 20 calls (processes, cgroups)" {
	require_userns
	start_server --pool sh=2
	local i w all=
	for i in $(seq 20); do
		ready 2
		all="$all $(pgrep -P "$SERVER" | tr '\n' ' ')"
		run -0 "$SANDRUN" --json -p sh --exec -- sh -c 'sleep 919 & echo $$'
		[ "$(json .warm)" = true ]
	done
	ready 2
	[ "$(sh_pool warm)" = 20 ]
	# every retired worker reaped: the server's children are the two
	# ready workers, none a zombie, each with its init only
	wait_for sh -c '[ "$(pgrep -c -P "$1")" = 2 ]' - "$SERVER"
	! ps -o stat= --ppid "$SERVER" | grep -q Z
	for w in $(pgrep -P "$SERVER"); do
		[ "$(pgrep -c -P "$w")" = 1 ]
	done
	! pgrep -f '^sleep 919$'
	# no cgroup leaf of a retired worker (the ready ones keep theirs)
	for w in $(printf '%s\n' $all | sort -u); do
		[ "$(ps -o ppid= -p "$w" 2>/dev/null | tr -d ' ')" != "$SERVER" ] ||
			continue
		! ls -d /sys/fs/cgroup/*/sandrun-"$w"-* /sys/fs/cgroup/sandrun-"$w"-* \
			/sys/fs/cgroup/*/*/*/sandrun-"$w"-* 2>/dev/null | grep -q .
	done
}

@test "warm: a changed policy file takes effect on the next call, never the old one" {
	require_userns
	local orig=$SANDRUN_POLICY_PATH
	mkdir "$SOCKDIR/pol" "$SOCKDIR/pol0"
	export SANDRUN_POLICY_PATH="$SOCKDIR/pol0:$SOCKDIR/pol:$orig"
	printf '{ "extends": "p" }\n' >"$SOCKDIR/pol/t.json"
	printf '{ "extends": "sh", "limits": { "wall_time": "11s" } }\n' \
		>"$SOCKDIR/pol/p.json"
	start_server --pool t=1
	# the wall-clock limit is the call's own: a ready sandbox serves
	# any (the supervisor enforces it), so every call here is warm
	wall() {
		"$SANDRUN" -p t --json --exec -- /bin/true |
			jq -c '[.limits.wall_time.value, .warm]'
	}
	ready 1
	[ "$(wall)" = '[11000,true]' ]
	# the parent rewritten in place: same inode, same size, same second
	ready 1
	printf '{ "extends": "sh", "limits": { "wall_time": "12s" } }\n' \
		>"$SOCKDIR/pol/p.json"
	[ "$(wall)" = '[12000,true]' ]
	# grown by a byte, then shrunk back: another size, read again
	ready 1
	printf '{ "extends": "sh", "limits": { "wall_time": "120s" } }\n' \
		>"$SOCKDIR/pol/p.json"
	[ "$(wall)" = '[120000,true]' ]
	ready 1
	printf '{ "extends": "sh", "limits": { "wall_time": "12s" } }\n' \
		>"$SOCKDIR/pol/p.json"
	[ "$(wall)" = '[12000,true]' ]
	# a file earlier on the search path shadows it
	ready 1
	printf '{ "extends": "sh", "limits": { "wall_time": "13s" } }\n' \
		>"$SOCKDIR/pol0/t.json"
	[ "$(wall)" = '[13000,true]' ]
	# a client whose environment gives another search path
	ready 1
	[ "$(SANDRUN_POLICY_PATH="$SOCKDIR/pol:$orig" wall)" = '[12000,true]' ]
	# the shadowing file gone again
	ready 1
	rm "$SOCKDIR/pol0/t.json"
	[ "$(wall)" = '[12000,true]' ]
	# one that changes what create builds: that call runs cold
	ready 1
	printf '{ "extends": "sh", "limits": { "processes": 65 } }\n' \
		>"$SOCKDIR/pol/p.json"
	run -0 "$SANDRUN" -p t --json --exec -- /bin/true
	[ "$(json .limits.processes.value)" = 65 ]
	[ "$(json .warm)" = false ]
	ready 1
	run -0 "$SANDRUN" -p t --json --exec -- /bin/true
	[ "$(json .limits.processes.value)" = 65 ]
	[ "$(json .warm)" = true ]
}

# A ready sandbox mounted the policy's bind sources at create: a call
# after the host changed one (a link retargeted, a file replaced, an
# optional source appearing) sees what a cold run sees now.
@test "warm: a bind source changed on the host is what the next call sees" {
	require_userns
	HOSTDIR=$(mktemp -d /tmp/sr-warmbind.XXXXXX)
	chmod 755 "$HOSTDIR"
	mkdir "$SOCKDIR/pol"
	export SANDRUN_POLICY_PATH="$SOCKDIR/pol:$SANDRUN_POLICY_PATH"
	echo one >"$HOSTDIR/a"
	echo two >"$HOSTDIR/b"
	chmod 644 "$HOSTDIR/a" "$HOSTDIR/b"
	ln -s a "$HOSTDIR/link"
	printf '{ "extends": "sh", "filesystem": { "append": [
	    { "type": "ro", "src": "%s/link", "dst": "/opt/probe" },
	    { "type": "ro", "src": "%s/maybe", "dst": "/opt/maybe",
	      "optional": true } ] } }\n' "$HOSTDIR" "$HOSTDIR" \
		>"$SOCKDIR/pol/t.json"
	start_server --pool t=1
	probe() {
		"$SANDRUN" -p t --json --exec -- /bin/sh -c \
			'cat /opt/probe; cat /opt/maybe 2>/dev/null || echo none' |
			jq -c '[.stdout.text, .warm]'
	}
	ready 1
	[ "$(probe)" = '["one\nnone\n",true]' ]
	# the link retargeted: that call runs cold and reads the new target
	ready 1
	ln -sfn b "$HOSTDIR/link"
	[ "$(probe)" = '["two\nnone\n",false]' ]
	ready 1
	[ "$(probe)" = '["two\nnone\n",true]' ]
	# the file replaced (a new inode at the same path)
	ready 1
	echo three >"$HOSTDIR/b.new"
	chmod 644 "$HOSTDIR/b.new"
	mv "$HOSTDIR/b.new" "$HOSTDIR/b"
	[ "$(probe)" = '["three\nnone\n",false]' ]
	# an optional source that appeared
	ready 1
	echo four >"$HOSTDIR/maybe"
	chmod 644 "$HOSTDIR/maybe"
	[ "$(probe)" = '["three\nfour\n",false]' ]
	ready 1
	[ "$(probe)" = '["three\nfour\n",true]' ]
}

# The program of a pool's sandbox without a warm driver starts early, as
# a stub (child.c): what a program can see of its own confinement must
# be what a cold run's sees.
STUB_PROBE='grep -E "^(Cap|NoNewPrivs|Seccomp|SigBlk|SigIgn|SigCgt|NSpid)" /proc/self/status
cat /proc/self/limits
ls /proc/self/fd
echo "pid $$ parent $PPID"
cut -d" " -f5,6,8 /proc/$$/stat
cat /proc/self/cgroup
unshare -U true 2>&1; echo "unshare $?"
umask'

@test "warm: a program started early (stub) is confined exactly as cold" {
	require_userns
	start_server --pool sh=1
	: >"$SOCKDIR/in"
	ready 1
	run -0 same_as_cold -p sh --exec -- sh -c "$STUB_PROBE"
	grep -x "pid 2 parent 1" "$SOCKDIR/w.out"
	grep -x "2 2 -1" "$SOCKDIR/w.out"
	grep -x "CapEff:	0000000000000000" "$SOCKDIR/w.out"
	grep -x "CapBnd:	0000000000000000" "$SOCKDIR/w.out"
	grep -x "NoNewPrivs:	1" "$SOCKDIR/w.out"
	grep -x "Seccomp:	2" "$SOCKDIR/w.out"
	# no descriptor but stdio and ls's own
	[ "$(sed -n '/^Max realtime timeout/,/^pid /p' "$SOCKDIR/w.out" | sed '1d;$d' | tr '\n' ' ')" = "0 1 2 3 " ]
	ready 1
	run -0 same_as_cold -p sh --json --exec -- sh -c "$STUB_PROBE"
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	# a refused call is refused (and reported) alike
	jq -e '.denied | length > 0' "$SOCKDIR/w.out"
}

@test "warm: a call's lower limits reach a program started early (stub)" {
	require_userns
	start_server --pool sh=1
	: >"$SOCKDIR/in"
	ready 1
	run -0 same_as_cold -p sh --json --cpu-time 3 --pids 20 --exec -- sh -c "$STUB_PROBE"
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	jq -r .stdout.text "$SOCKDIR/w.out" | grep -E '^Max cpu time +3 +4 '
	# and the next call, in a fresh ready sandbox, has the pool's again
	ready 1
	run -0 same_as_cold -p sh --json --exec -- sh -c 'grep "^Max cpu time" /proc/self/limits'
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	jq -r .stdout.text "$SOCKDIR/w.out" | grep -vE '^Max cpu time +3 '
}

@test "warm: stdin, a failing exec and a time limit with a program started early (stub)" {
	require_userns
	start_server --pool sh=1
	printf 'one\ntwo\n' >"$SOCKDIR/in"
	ready 1
	run -0 same_as_cold -p sh --stdin "$SOCKDIR/in" --exec -- sh -c 'wc -l; ls -l /proc/self/fd/0 | sed "s/.*-> //; s/:.*//"'
	ready 1
	run -127 same_as_cold -p sh --json --exec -- /nonexistent/program
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	ready 1
	run same_as_cold -p sh --json --timeout 300ms --exec -- sh -c 'while :; do :; done'
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	[ "$(jq -r .limit_hit "$SOCKDIR/w.out")" = wall_time ]
}

@test "warm: a policy whose program may be made dumpable starts it at the call, exactly" {
	require_userns
	local pd
	pd=$(scratch)
	# sendmsg refused: the program cannot send the notify listener, the
	# supervisor takes it (pidfd_getfd) from a dumpable program, which a
	# stub sharing init's memory must never be: no stub
	printf '{"extends":"sh","syscalls":{"deny":["sendmsg"]}}\n' >"$pd/nosend.json"
	SANDRUN_POLICY_PATH="$pd:$SANDRUN_POLICY_PATH" start_server --pool nosend=1
	export SANDRUN_POLICY_PATH="$pd:$SANDRUN_POLICY_PATH"
	: >"$SOCKDIR/in"
	ready 1
	run -0 same_as_cold -p nosend --json --exec -- sh -c "$STUB_PROBE"
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	jq -r .stdout.text "$SOCKDIR/w.out" | grep -x 'pid 2 parent 1'
}

# ---- The stub's filter at create (child.c stub_pre) -------------------
# A pool stub installs the policy's filter before READY when the compiled
# program lets through every call the stub makes afterwards, else at the
# call as before.  Either way the program has exactly one layer: the one
# a cold run installs.

# stub_seccomp: the Seccomp lines of each ready sandbox's program stub
# (pid 2 of its sandbox: server > worker > init > stub), from the host.
stub_seccomp() {
	local w i s
	for w in $(pgrep -P "$SERVER"); do
		for i in $(pgrep -P "$w"); do
			for s in $(pgrep -P "$i"); do
				grep -E '^Seccomp(_filters)?:' "/proc/$s/status"
			done
		done
	done
}

# stub_expect LINES: what stub_seccomp must print; nothing where a build
# has no stub (AddressSanitizer: child.c SPAWN_SHARES_VM).
stub_expect() {
	if readelf -dW "$SANDRUN" | grep -q 'libasan'; then
		assert_output ''
	else
		assert_output "$(printf "$1")"
	fi
}

# stub_limits: the msgqueue and open-files rlimits (soft hard) of each ready
# sandbox's program stub, from the host.
stub_limits() {
	local w i s
	for w in $(pgrep -P "$SERVER"); do
		for i in $(pgrep -P "$w"); do
			for s in $(pgrep -P "$i"); do
				awk '/^Max msgqueue size/ { print "msgqueue", $4, $5 }
				    /^Max open files/ { print "nofile", $4, $5 }' \
				    "/proc/$s/limits"
			done
		done
	done
}

@test "warm: the stub's rlimits are set at create, open files at the call, as cold" {
	require_userns
	local pd="$BATS_TEST_TMPDIR/pol"
	mkdir -p "$pd"
	printf '{ "extends": "sh", "limits": { "open_files": 12 } }\n' >"$pd/fewfds.json"
	export SANDRUN_POLICY_PATH="$pd:$SANDRUN_POLICY_PATH"
	ulimit -n 1000
	start_server --pool fewfds=1
	: >"$SOCKDIR/in"
	ready 1
	# the plan's msgqueue limit (0) already, where init has the
	# default (removing the early set fails here), open files still
	# init's: the call's descriptors come first
	run -0 stub_limits
	stub_expect 'nofile 1000 1000\nmsgqueue 0 0'
	run -0 same_as_cold -p fewfds --json --exec -- sh -c \
	    'ls /proc/self/fd | tr "\n" " "; echo; grep -E "^Max (open files|msgqueue size)" /proc/self/limits'
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	jq -r .stdout.text "$SOCKDIR/w.out" | grep -x "0 1 2 3 "
	jq -r .stdout.text "$SOCKDIR/w.out" | grep -E "^Max open files +12 +12 "
	jq -e '.isolation.seccomp == true' "$SOCKDIR/w.out"
}

FILTER_PROBE='grep -E "^(NoNewPrivs|Seccomp|Seccomp_filters):" /proc/self/status
unshare -U true 2>/dev/null; echo "unshare $?"
ls /proc/self/fd | tr "\n" " "; echo'

@test "warm: the sh stub's filter goes in at create, once, and is the cold run's" {
	require_userns
	grep -q '^Seccomp_filters:' /proc/self/status ||
		skip "no Seccomp_filters in /proc/PID/status"
	start_server --pool sh=1
	: >"$SOCKDIR/in"
	ready 1
	# installed before the call (removing the early install fails here)
	run -0 stub_seccomp
	stub_expect 'Seccomp:\t2\nSeccomp_filters:\t1'
	# the program has exactly one layer (doubling it fails here)
	run -0 same_as_cold -p sh --exec -- sh -c "$FILTER_PROBE"
	grep -x "Seccomp:	2" "$SOCKDIR/w.out"
	grep -x "Seccomp_filters:	1" "$SOCKDIR/w.out"
	grep -x "NoNewPrivs:	1" "$SOCKDIR/w.out"
	grep -x "unshare 1" "$SOCKDIR/w.out"
	grep -x "0 1 2 3 " "$SOCKDIR/w.out"
	# the refused calls, reported alike (the listener reached the worker)
	ready 1
	run -0 same_as_cold -p sh --json --exec -- sh -c "$FILTER_PROBE"
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	jq -e '[.denied[].syscall] | index("unshare") != null' "$SOCKDIR/w.out"
	# the flag still observed: FACTS from the process that has it
	jq -e '.isolation.seccomp == true and .isolation.no_new_privs == true' "$SOCKDIR/w.out"
	# a lower limit, stdin and a failing exec after an early install
	printf 'one\ntwo\n' >"$SOCKDIR/in"
	ready 1
	run -0 same_as_cold -p sh --json --cpu-time 3 --stdin "$SOCKDIR/in" --exec -- sh -c 'wc -l; grep "^Max cpu time" /proc/self/limits'
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
	jq -r .stdout.text "$SOCKDIR/w.out" | grep -E '^Max cpu time +3 +4 '
	: >"$SOCKDIR/in"
	ready 1
	run -127 same_as_cold -p sh --json --exec -- /nonexistent/program
	[ "$(cat "$SOCKDIR/w.warm")" = true ]
}

@test "warm: a filter that refuses one of the stub's calls goes in at the call, exactly" {
	require_userns
	local pd p
	pd=$(scratch)
	# close_range (program_fds) and prlimit64 (the rlimits) after the
	# install would be refused: the stub keeps the old order
	printf '{"extends":"sh","syscalls":{"deny":["close_range"]}}\n' >"$pd/nocr.json"
	printf '{"extends":"sh","syscalls":{"deny":["prlimit64"]}}\n' >"$pd/nopl.json"
	export SANDRUN_POLICY_PATH="$pd:$SANDRUN_POLICY_PATH"
	for p in nocr nopl; do
		start_server --pool "$p=1"
		: >"$SOCKDIR/in"
		ready 1
		run -0 stub_seccomp
		stub_expect 'Seccomp:\t0\nSeccomp_filters:\t0'
		run -0 same_as_cold -p "$p" --json --exec -- sh -c "$FILTER_PROBE"
		[ "$(cat "$SOCKDIR/w.warm")" = true ]
		jq -r .stdout.text "$SOCKDIR/w.out" | grep -x "Seccomp_filters:	1"
		jq -r .stdout.text "$SOCKDIR/w.out" | grep -x "unshare 1"
		kill "$SERVER"
		wait "$SERVER" || true
		rm -f "$SANDRUN_SOCKET"
	done
}

# --- the worker replies to the client itself (warmuser, issue #12) ---

@test "serve: a ready sandbox's call ends while the server's main process is stopped" {
	require_userns
	start_server --pool sh=1
	ready 1
	local tag="sleep 0.${BATS_TEST_NUMBER}7" rc=0
	# the worker sends the client its DONE: the main process, stopped
	# once the call runs, relays nothing
	timeout 20 "$SANDRUN" -p sh --json --exec -- /bin/sh -c "/bin/$tag; echo done" \
		>"$SOCKDIR/w.out" 2>"$SOCKDIR/w.err" 3>&- &
	local client=$!
	wait_for pgrep -f "^/bin/$tag" >/dev/null || fail "the call did not start"
	kill -STOP "$SERVER"
	wait "$client" || rc=$?
	kill -CONT "$SERVER"
	[ "$rc" = 0 ] || fail "exit $rc: $(cat "$SOCKDIR/w.err")"
	[ "$(jq -r .stdout.text "$SOCKDIR/w.out")" = done ]
	[ "$(jq .warm "$SOCKDIR/w.out")" = true ]
	# the server has the call's end: counted, its sandbox replaced
	[ "$(served)" = 1 ]
	! grep -q "hung up" "$SOCKDIR/log"
	ready 1
	run -0 "$SANDRUN" -p sh --json --exec -- /bin/true
	[ "$(echo "$output" | jq .warm)" = true ]
	[ "$(served)" = 2 ]
}

@test "serve: every call's end is counted before the next status, calls after calls" {
	require_userns
	start_server --pool sh=2
	local i
	for i in 1 2 3 4 5 6; do
		"$SANDRUN" -p sh --exec -- /bin/true
		[ "$(served)" = "$i" ] || fail "call $i: served $(served)"
	done
	! grep -q "hung up" "$SOCKDIR/log"
}

@test "serve: a worker's DONE before the server's START is the call's end, never a cold rerun" {
	require_userns
	require_root	# to trace the server
	command -v strace >/dev/null || skip "strace is not installed"
	start_server --pool sh=1
	ready 1
	# every reply of the server's main process (send) held 0.5 s: the
	# worker ends the call and sends DONE before START goes out
	strace -qq -o /dev/null -p "$SERVER" -e trace=sendto \
		-e inject=sendto:delay_enter=500000 &
	local tracer=$!
	sleep 0.5
	run -0 "$SANDRUN" -p sh --json --exec -- /bin/echo once
	kill "$tracer"
	wait "$tracer" || true
	[ "$(echo "$output" | jq -s length)" = 1 ]	# one result: no cold rerun
	[ "$(echo "$output" | jq -r .stdout.text)" = once ]
	[ "$(echo "$output" | jq .warm)" = true ]
	[ "$(served)" = 1 ]
}

# A warm call's plan leaves out what only a create reads of the host
# (plan.h): a call the ready sandbox cannot serve, which its worker runs
# cold, reads it as a cold run does: /proc/meminfo under its own limit.
@test "warm: a call run cold by a pool's worker sees a cold run's /proc/meminfo" {
	require_userns
	local total
	total=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	[ "$total" -gt $((1024 * 1024)) ] || skip "1 GiB or less of memory"
	start_server --pool sh=1
	ready 1
	# above the pool's memory limit: no ready sandbox serves it
	run -0 "$SANDRUN" --json -m 1G -p sh --exec -- /usr/bin/head -1 /proc/meminfo
	[ "$(json .warm)" = false ]
	[ "$(json .stdout.text)" = "MemTotal:        1048576 kB" ]
	# and a call that fits (the pool's own limit) still shows the pool's
	ready 1
	run -0 "$SANDRUN" --json -p sh --exec -- /usr/bin/head -1 /proc/meminfo
	[ "$(json .warm)" = true ]
	[ "$(json .stdout.text)" = "$("$SANDRUN" --cold -p sh --exec -- /usr/bin/head -1 /proc/meminfo)" ]
}
