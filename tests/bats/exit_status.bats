#!/usr/bin/env bats
# Exit status, the same in text and JSON mode (DESIGN.md "Exit status").

load helpers

setup() {
	require_userns
}

@test "stdin code: print(6*7) prints 42 and exits 0" {
	run -0 --separate-stderr sandrun <<<'print(6*7)'
	assert_output "42"
	[ -z "$stderr" ]
}

@test "the program's exit code passes through" {
	for code in 0 1 2 3 100 255; do
		run -"$code" sandrun <<<"import sys; sys.exit($code)"
	done
}

@test "os._exit(137) is the program's 137, not a kill" {
	run -137 sandrun --json <<<'import os; os._exit(137)'
	[ "$(json .status)" = exit_nonzero ]
	[ "$(json .exit_code)" = 137 ]
	[ "$(json .signal)" = null ]
	[ "$(json .limit_hit)" = null ]
}

@test "sys.exit with a message exits 1 and keeps the message" {
	run -1 --separate-stderr sandrun <<<'import sys; sys.exit("bad input")'
	[ "$stderr" = "bad input" ]
}

@test "death by signal is 128+N and reported as a signal" {
	run -139 sandrun <<<'import os, signal; os.kill(os.getpid(), signal.SIGSEGV)'
	run -134 sandrun --json <<<'import os; os.abort()'
	[ "$(json .status)" = signal ]
	[ "$(json .signal)" = SIGABRT ]
	[ "$(json .exit_code)" = null ]
	[ "$(json .exit_status)" = 134 ]
}

@test "a wall timeout is 124, with the limit named on stderr" {
	run -124 --separate-stderr sandrun -t 500ms <<<'while True: pass'
	[ "$stderr" = "sandrun: wall time limit (500 ms) exceeded" ]
}

@test "a wall timeout in JSON mode says timeout and wall_time" {
	run -124 sandrun --json -t 300ms <<<'import time; print("before", flush=True); time.sleep(100)'
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = wall_time ]
	[ "$(json .stdout.text)" = "before" ]
	[ "$(json .limits.wall_time.mechanism)" = supervisor ]
}

@test "a command that is not in the sandbox is 127" {
	run -127 --separate-stderr sandrun --exec -- no-such-command
	[ "$stderr" = "sandrun: cannot run no-such-command: No such file or directory" ]
	run -127 --separate-stderr sandrun --exec -- /usr/bin/no-such-command
}

@test "a command that cannot be executed is 126" {
	run -126 --separate-stderr sandrun --exec -- /etc/hosts
	[ "$stderr" = "sandrun: cannot run /etc/hosts: Permission denied" ]
}

@test "exec failures are status error in JSON with the exit status" {
	run -127 --separate-stderr sandrun --json --exec -- nope
	[ "$(json .status)" = error ]
	[ "$(json .exit_status)" = 127 ]
	[[ "$(json .error.message)" == "cannot run nope: No such file or directory" ]]
}

@test "sandrun failures before the run are 125 and still JSON in JSON mode" {
	run -125 --separate-stderr sandrun --json -p no-such-policy </dev/null
	[ "$(json .status)" = error ]
	[ "$(json .exit_status)" = 125 ]
	[ "$(json .schema)" = "sandrun.result/1" ]
	[[ "$(json .error.message)" == "policy 'no-such-policy' not found"* ]]
}

@test "a missing --file source is 125 naming the path" {
	run -125 --separate-stderr sandrun --file /nonexistent/data.csv <<<'print(1)'
	[ "$stderr" = "sandrun: --file /nonexistent/data.csv: No such file or directory" ]
}

@test "--exec runs a command with its arguments" {
	run -0 sandrun -p sh --exec -- sh -c 'echo "$0 $1"; exit 0' a b
	assert_output "a b"
	run -7 sandrun -p sh --exec -- sh -c 'exit 7'
}

@test "-p sh runs a shell script file" {
	d=$(scratch)
	printf 'echo "args: $*"\nexit 4\n' >"$d/s.sh"
	run -4 sandrun -p sh "$d/s.sh" -- x y
	assert_output "args: x y"
}
