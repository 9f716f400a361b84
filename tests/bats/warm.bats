#!/usr/bin/env bats
# The warm driver of a pool's ready python sandbox (sandrun-policy(5),
# WARM; docs/lifecycle.md): a call handed over to `sandrun serve` runs in
# a pre-started interpreter and ends exactly as a cold run, with nothing
# of one call left for the next, the CPU limit counted from the call and
# the imports in the call's memory.  tests/bats/driver.bats tests the
# driver itself outside any sandbox; serve.bats the hand-over.

load helpers

setup() {
	require_userns
	require_python_module pandas
	require_python_module matplotlib
	SOCKDIR=$(scratch)
	chmod 700 "$SOCKDIR"
	export SANDRUN_SOCKET="$SOCKDIR/serve.sock"
	SERVER=
}

teardown() {
	if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
		kill -KILL "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
	fi
}

# wait_for CMD...: up to 20 s for CMD to succeed.
wait_for() {
	local i
	for i in $(seq 200); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# start_server POOL...: sandrun serve with these pools, until all are ready.
start_server() {
	local n=0 p
	for p in "$@"; do
		n=$((n + ${p#*=}))
		set -- "$@" --pool "$p"
		shift
	done
	"$SANDRUN" serve "$@" >"$SOCKDIR/out" 2>"$SOCKDIR/log" 3>&- &
	SERVER=$!
	READY=$n
	ready || fail "the server did not get ready: $(cat "$SOCKDIR/log")"
}

# ready: wait until every ready sandbox of the server is back.
ready() {
	wait_for sh -c '[ "$("$SANDRUN" serve --status --json 2>/dev/null |
		jq "[.pools[].ready] | add")" = "$1" ]' - "$READY"
}

# same_as_cold ARG...: the call warm and --cold: stdout (JSON without
# timings, memory peak and warm), stderr and exit status identical; the
# warm one must say warm (its JSON in $SOCKDIR/w.out).
same_as_cold() {
	local f
	ready
	set +e
	"$SANDRUN" --json "$@" </dev/null >"$SOCKDIR/w.out" 2>"$SOCKDIR/w.err"
	echo $? >"$SOCKDIR/w.rc"
	"$SANDRUN" --cold --json "$@" </dev/null >"$SOCKDIR/c.out" 2>"$SOCKDIR/c.err"
	echo $? >"$SOCKDIR/c.rc"
	set -e
	for f in w c; do
		jq -S 'del(.time, .memory.peak_bytes, .warm)' "$SOCKDIR/$f.out" \
			>"$SOCKDIR/$f.norm"
	done
	diff -u "$SOCKDIR/c.norm" "$SOCKDIR/w.norm" || return 96
	diff -u "$SOCKDIR/c.err" "$SOCKDIR/w.err" || return 98
	diff -u "$SOCKDIR/c.rc" "$SOCKDIR/w.rc" || return 97
	[ "$(jq .warm "$SOCKDIR/c.out")" = false ] || return 95
	[ "$(jq .warm "$SOCKDIR/w.out")" = true ] || return 94
	return "$(cat "$SOCKDIR/w.rc")"
}

# py NAME: $SOCKDIR/NAME.py from stdin.
py() {
	cat >"$SOCKDIR/$1.py"
}

@test "warm: the seed case with --file, as cold, in plain text too" {
	start_server python=1
	run -0 same_as_cold --file "$SEED/dataset.csv:/code/dataset.csv" \
		"$SEED/analysis.py"
	[ "$(jq -r .stdout.text "$SOCKDIR/w.out")" = \
		"The city with the highest average salary is Seattle with an average salary of 73500.0" ]
	ready
	run -0 "$SANDRUN" -p python --file "$SEED/dataset.csv:/code/dataset.csv" \
		"$SEED/analysis.py"
	assert_output "The city with the highest average salary is Seattle with an average salary of 73500.0"
	[ "$("$SANDRUN" serve --status --json | jq '.pools[0].warm')" = 2 ]
}

@test "warm: --file copies have a cold run's owner, mode and read-only-ness" {
	start_server python=1
	py st <<-'EOF'
	import os
	for p in ("/code", "/code/d.csv", "/sandbox/d.csv", "/tmp/t/d.csv"):
	    st = os.lstat(p)
	    print(p, oct(st.st_mode), st.st_uid, st.st_gid, st.st_size)
	for p in ("/code/d.csv", "/code/new", "/sandbox/d.csv", "/tmp/t/d.csv"):
	    try:
	        open(p, "a").close()
	        print(p, "writable")
	    except OSError as e:
	        print(p, e.strerror)
	EOF
	run -0 same_as_cold --file "$SEED/dataset.csv:/code/d.csv" \
		--file "$SEED/dataset.csv:/sandbox/d.csv" \
		--file "$SEED/dataset.csv:/tmp/t/d.csv" "$SOCKDIR/st.py"
	run -0 jq -r .stdout.text "$SOCKDIR/w.out"
	assert_line "/code/d.csv 0o100644 1000 1000 280"
	assert_line "/code/d.csv Read-only file system"
	assert_line "/code/new Read-only file system"
	assert_line "/sandbox/d.csv writable"
}

@test "warm: a traceback, SystemExit and a KeyboardInterrupt as cold" {
	start_server python=1
	py err <<-'EOF'
	def f(n):
	    return 1 / n
	print("before")
	f(0)
	EOF
	run -1 same_as_cold "$SOCKDIR/err.py"
	run -0 jq -r .stderr.text "$SOCKDIR/w.out"
	assert_output --partial 'File "/sandbox/main.py", line 4, in <module>'
	refute_output --partial sandrun_driver
	[ "$(jq -r .error.name "$SOCKDIR/w.out")" = ZeroDivisionError ]
	printf 'import sys\nsys.exit("bye")\n' | py exit
	run -1 same_as_cold "$SOCKDIR/exit.py"
	printf 'raise KeyboardInterrupt\n' | py int
	run -130 same_as_cold "$SOCKDIR/int.py"
	[ "$(jq -r .signal "$SOCKDIR/w.out")" = SIGINT ]
	printf 'x = (\n' | py syntax
	run -1 same_as_cold "$SOCKDIR/syntax.py"
	printf 'import sys\nprint(sys.argv)\n' | py argv
	run -0 same_as_cold "$SOCKDIR/argv.py" -- a 'b c'
	[ "$(jq -r .stdout.text "$SOCKDIR/w.out")" = "['/sandbox/main.py', 'a', 'b c']" ]
}

@test "warm: plt.show() returns figure-1.png as a cold run does" {
	start_server python=1
	py fig <<-'EOF'
	import matplotlib.pyplot as plt
	plt.plot([1, 2, 3])
	plt.show()
	plt.figure()
	plt.plot([3, 2, 1])
	print("shown")
	EOF
	run -0 same_as_cold --inline-files "$SOCKDIR/fig.py"
	[ "$(jq -r '[.files[].path] | join(" ")' "$SOCKDIR/w.out")" = "figure-1.png figure-2.png" ]
}

@test "warm: nothing of one call is left for the next (numpy RNG, hash, ASLR, /tmp)" {
	start_server python=1
	py probe <<-'EOF'
	import os
	import numpy
	print(os.path.exists("/tmp/mark"))
	open("/tmp/mark", "w").close()
	print(numpy.random.random(), hash("x"), id(len), id(object()))
	EOF
	ready
	run -0 "$SANDRUN" --json "$SOCKDIR/probe.py"
	[ "$(json .warm)" = true ]
	one=$(json .stdout.text)
	ready
	run -0 "$SANDRUN" --json "$SOCKDIR/probe.py"
	[ "$(json .warm)" = true ]
	two=$(json .stdout.text)
	echo "$one / $two"
	[ "$(sed -n 1p <<<"$one")" = False ] && [ "$(sed -n 1p <<<"$two")" = False ]
	read -r r1 h1 l1 o1 < <(sed -n 2p <<<"$one")
	read -r r2 h2 l2 o2 < <(sed -n 2p <<<"$two")
	[ "$r1" != "$r2" ] && [ "$h1" != "$h2" ] && [ "$l1" != "$l2" ]
}

@test "warm: a PYTHON* variable or any --env runs cold" {
	start_server python=1
	printf 'import sys\nprint(sys.flags.hash_randomization, hash("x"))\n' | py env
	ready
	run -0 "$SANDRUN" --json --env PYTHONHASHSEED=0 "$SOCKDIR/env.py"
	[ "$(json .warm)" = false ]
	h=$(json .stdout.text)
	run -0 "$SANDRUN" --cold --json --env PYTHONHASHSEED=0 "$SOCKDIR/env.py"
	[ "$(json .stdout.text)" = "$h" ]
	[ "${h%% *}" = 0 ]
	ready
	run -0 "$SANDRUN" --json --env X=1 "$SOCKDIR/env.py"
	[ "$(json .warm)" = false ]
	[ "$("$SANDRUN" serve --status --json | jq '.pools[0].cold_fallbacks')" = 2 ]
}

@test "warm: --exec does not fit a driver's sandbox and runs cold" {
	start_server python=1
	run -0 "$SANDRUN" --json -p python --exec -- python3 -c 'print(7)'
	[ "$(json .warm)" = false ]
	[ "$(json .stdout.text)" = 7 ]
}

@test "warm: the CPU limit and the CPU time count from the call" {
	mkdir "$SOCKDIR/pol"
	printf '{"extends": "python", "limits": {"cpu_time": "2s", "wall_time": "30s"}}\n' \
		>"$SOCKDIR/pol/cpu2.json"
	export SANDRUN_POLICY_PATH="$SOCKDIR/pol:$SANDRUN_POLICY_PATH"
	start_server cpu2=1
	printf 'import time\nprint("hi")\n' | py short
	run -0 "$SANDRUN" --json -p cpu2 "$SOCKDIR/short.py"
	[ "$(json .warm)" = true ]
	# the imports (hundreds of ms) are not the call's
	[ "$(json '.time.cpu_user_ms + .time.cpu_sys_ms')" -lt 150 ]
	[ "$(json .limits.cpu_time.mechanism)" != none ]
	# 1.5 s of CPU fits the 2 s, whatever the warm-up used
	py burn <<-'EOF'
	import time
	t = time.process_time()
	while time.process_time() - t < 1.5:
	    pass
	print("done")
	EOF
	ready
	run -0 "$SANDRUN" --json -p cpu2 "$SOCKDIR/burn.py"
	[ "$(json .warm)" = true ]
	[ "$(json .stdout.text)" = done ]
	# and a loop is stopped at the limit: 2 s of the call's CPU
	printf 'while True:\n    pass\n' | py spin
	ready
	run -124 "$SANDRUN" --json -p cpu2 "$SOCKDIR/spin.py"
	[ "$(json .warm)" = true ]
	[ "$(json .limit_hit)" = cpu_time ]
	cpu=$(json '.time.cpu_user_ms + .time.cpu_sys_ms')
	[ "$cpu" -ge 1900 ] && [ "$cpu" -lt 3500 ]
}

@test "warm: the imports are in the call's memory and the ready sandbox's" {
	start_server python=1
	mem=$("$SANDRUN" serve --status --json | jq '.pools[0].memory_per_ready_bytes')
	echo "memory per ready python sandbox: $mem"
	# numpy, pandas and matplotlib imported: tens of MiB
	[ "$mem" -gt $((30 << 20)) ]
	printf 'print(1)\n' | py one
	run -0 "$SANDRUN" --json "$SOCKDIR/one.py"
	[ "$(json .warm)" = true ]
	if [ "$(json .memory.source)" != null ] && [ "$(json .memory.source)" != none ]; then
		[ "$(json .memory.peak_bytes)" -gt $((30 << 20)) ]
	fi
}

@test "warm: a thread or a child left running writes nothing after the result" {
	start_server python=1
	py late <<'PY'
import subprocess, threading, time
subprocess.Popen(["/bin/sh", "-c", "sleep 3; echo late-child"])
def late():
    time.sleep(1)
    print("late-thread", flush=True)
threading.Thread(target=late, daemon=True).start()
print("early")
PY
	SECONDS=0
	run -0 "$SANDRUN" "$SOCKDIR/late.py"
	[ "$output" = early ]
	[ "$SECONDS" -lt 3 ]
	[ "$("$SANDRUN" serve --status --json | jq '.pools[0].warm')" = 1 ]
	# and as cold, exit status and memory peak included
	run -0 same_as_cold "$SOCKDIR/late.py"
	[ "$(jq '.memory.peak_bytes > 0' "$SOCKDIR/w.out")" = \
		"$(jq '.memory.peak_bytes > 0' "$SOCKDIR/c.out")" ]
	[ "$(jq -r .memory.source "$SOCKDIR/w.out")" = \
		"$(jq -r .memory.source "$SOCKDIR/c.out")" ]
}

@test "warm: an exit status from the code, its own os._exit and a signal, as cold" {
	start_server python=1
	py st <<'PY'
import sys
sys.exit(5)
PY
	run -5 same_as_cold "$SOCKDIR/st.py"
	py osexit <<'PY'
import os
print("x", flush=True)
os._exit(6)
PY
	run -6 same_as_cold "$SOCKDIR/osexit.py"
	py sig <<'PY'
import os, signal
os.kill(os.getpid(), signal.SIGTERM)
PY
	run -143 same_as_cold "$SOCKDIR/sig.py"
}

@test "warm: code that closes or writes on every descriptor runs on, as cold" {
	start_server python=1
	py closer <<'PY'
import os, time
os.closerange(3, 1024)
time.sleep(0.3)
print("after")
PY
	run -0 same_as_cold "$SOCKDIR/closer.py"
	[ "$(jq -r .stdout.text "$SOCKDIR/w.out")" = after ]
	py scribbler <<'PY'
import os, time
for fd in range(3, 64):
    try:
        os.write(fd, b"not a record")
    except OSError:
        pass
time.sleep(0.3)
print("after")
PY
	run -0 same_as_cold "$SOCKDIR/scribbler.py"
	[ "$(jq -r .stdout.text "$SOCKDIR/w.out")" = after ]
}

# lower_vs_cold ARG...: the call warm, then --cold; $SOCKDIR/w.out and
# c.out hold their JSON, and the status, limit hit, exit status, stdout
# and the whole limits object (values, mechanisms) must be the same.
lower_vs_cold() {
	local f k
	ready
	set +e
	"$SANDRUN" --json "$@" </dev/null >"$SOCKDIR/w.out" 2>/dev/null
	"$SANDRUN" --cold --json "$@" </dev/null >"$SOCKDIR/c.out" 2>/dev/null
	set -e
	for f in w c; do
		jq -S '{status, limit_hit, exit_status, stdout: .stdout.text,
			limits}' "$SOCKDIR/$f.out" \
			>"$SOCKDIR/$f.norm"
	done
	diff -u "$SOCKDIR/c.norm" "$SOCKDIR/w.norm" || return 96
	[ "$(jq .warm "$SOCKDIR/w.out")" = true ] || return 94
	[ "$(jq .warm "$SOCKDIR/c.out")" = false ] || return 95
}

@test "warm: -m below the pool's runs warm and stops at the asked limit" {
	start_server python=1
	py hog <<-'EOF'
	print("before", flush=True)
	b = bytearray(1 << 30)
	b[::4096] = b"x" * (1 << 18)
	print("after")
	EOF
	run -0 lower_vs_cold -m 256M "$SOCKDIR/hog.py"
	output=$(cat "$SOCKDIR/w.out")
	[ "$(json .status)" = memory_limit ]
	[ "$(json .limit_hit)" = memory ]
	[ "$(json .stdout.text)" = before ]
	[ "$(json .limits.memory.value)" = 268435456 ]
	[ "$(json .limits.memory.mechanism)" != none ]
	if [ "$(json .memory.source)" != null ] && [ "$(json .memory.source)" != none ]; then
		[ "$(json .memory.peak_bytes)" -le $((256 * 1024 * 1024 + 1048576)) ]
	fi
	# the call's memory view is a cold run's: /proc/meminfo, the tmpfs
	# sizes (a memory cgroup sizes them by the limit), the mount flags
	py view <<-'EOF'
	import os
	print(open("/proc/meminfo").read().splitlines()[0])
	for p in ("/", "/tmp", "/sandbox", "/dev/shm"):
	    s = os.statvfs(p)
	    print(p, s.f_blocks * s.f_frsize, s.f_flag)
	EOF
	run -0 same_as_cold -m 256M "$SOCKDIR/view.py"
	[[ "$(jq -r .stdout.text "$SOCKDIR/w.out")" == "MemTotal:         262144 kB"* ]]
	# what fits the lowered limit runs to its end, warm
	printf 'import pandas\nb = bytearray(16 << 20)\nprint(len(b))\n' | py fits
	ready
	run -0 "$SANDRUN" --json -m 256M "$SOCKDIR/fits.py"
	[ "$(json .warm)" = true ]
	[ "$(json .status)" = ok ]
	[ "$(json .stdout.text)" = 16777216 ]
	[ "$(json .limits.memory.value)" = 268435456 ]
}

@test "warm: --pids below the pool's runs warm and caps a fork loop there" {
	start_server python=1
	py forks <<-'EOF'
	import os, time
	n = 0
	try:
	    while True:
	        if os.fork() == 0:
	            time.sleep(30)
	            os._exit(0)
	        n += 1
	except OSError:
	    print("forked", n, flush=True)
	    raise
	EOF
	run -0 lower_vs_cold --pids 16 -t 20s "$SOCKDIR/forks.py"
	output=$(cat "$SOCKDIR/w.out")
	[ "$(json .status)" = process_limit ]
	[ "$(json .limit_hit)" = processes ]
	[ "$(json .limits.processes.value)" = 16 ]
	[ "$(json .limits.processes.mechanism)" != none ]
	n=$(json .stdout.text | awk '{print $2}')
	[ "$n" -ge 10 ] && [ "$n" -le 14 ]
}

@test "warm: --cpu-time below the pool's runs warm and stops a burn there" {
	start_server python=1
	printf 'while True:\n    pass\n' | py spin
	run -0 lower_vs_cold --cpu-time 1s "$SOCKDIR/spin.py"
	output=$(cat "$SOCKDIR/w.out")
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = cpu_time ]
	[ "$(json .exit_status)" = 124 ]
	[ "$(json .limits.cpu_time.value)" = 1000 ]
	[ "$(json .limits.cpu_time.mechanism)" != none ]
	cpu=$(json '.time.cpu_user_ms + .time.cpu_sys_ms')
	[ "$cpu" -ge 900 ] && [ "$cpu" -lt 2500 ]
}

@test "warm: lower limits in a pool without a driver (sh): the program starts with them" {
	start_server sh=1
	run -0 lower_vs_cold -p sh -m 64M --exec -- \
		sh -c 'x=$(head -c 300M /dev/zero | tr "\0" a); echo survived'
	output=$(cat "$SOCKDIR/w.out")
	# a cgroup stops it as memory_limit; an rlimit makes the shell's
	# allocation fail (as cold: lower_vs_cold compared them)
	case $(json .limits.memory.mechanism) in
	cgroup*) [ "$(json .status)" = memory_limit ] ;;
	rlimit) [ "$(json .status)" != ok ] ;;
	*) false ;;
	esac
	[ "$(json .limits.memory.value)" = $((64 << 20)) ]
	[[ "$(json .stdout.text)" != *survived* ]]
	# the process cap, and what the program sees of its limits
	run -0 lower_vs_cold -p sh --pids 8 --exec -- \
		sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done; wait; echo done'
	output=$(cat "$SOCKDIR/w.out")
	[ "$(json .limits.processes.value)" = 8 ]
	[ "$(json .limits.processes.mechanism)" != none ]
	[ "$(json .status)" != ok ] || [[ "$(json .stderr.text)" == *fork* ]] ||
		[[ "$(json .stderr.text)" == *"Resource temporarily unavailable"* ]]
}

@test "warm: a limit above the pool's, or memory the ready sandbox uses, runs cold" {
	start_server python=1
	printf 'print(7)\n' | py seven
	run -0 "$SANDRUN" --json -m 1G "$SOCKDIR/seven.py"
	[ "$(json .warm)" = false ]
	[ "$(json .limits.memory.value)" = 1073741824 ]
	ready
	run -0 "$SANDRUN" --json --pids 100 --cpu-time 5s "$SOCKDIR/seven.py"
	[ "$(json .warm)" = false ]
	[ "$(json .limits.processes.value)" = 100 ]
	# below what the imports hold already: a cold run of its own
	ready
	run "$SANDRUN" --json -m 24M "$SOCKDIR/seven.py"
	[ "$(json .warm)" = false ]
	[ "$(json .limits.memory.value)" = 25165824 ]
	[ "$("$SANDRUN" serve --status --json | jq '.pools[0].cold_fallbacks')" = 3 ]
}
