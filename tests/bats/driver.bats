#!/usr/bin/env bats
# The python policy's warm driver (sandrun_driver.py, a file entry of
# policies/python.json) run outside any sandbox by a harness that speaks
# init's side of the control socket (tests/fixtures/driver/harness.py):
# one call must look exactly like `python3 -B main.py a1 "a 2"`; loop mode
# (sessions) keeps __main__ and returns the last expression's value.

load helpers

FIX="$SANDRUN_SRCDIR/tests/fixtures/driver"
POL="$SANDRUN_SRCDIR/policies/python.json"

setup() {
	require_python_module pandas
	require_python_module matplotlib
	WORK=$(mktemp -d)
}

teardown() {
	rm -rf "$WORK"
}

harness() {
	/usr/bin/python3 "$FIX/harness.py" "$POL" "$WORK" "$@"
}

# same NAME: the warm call of fixture NAME prints what a cold run does.
same() {
	local warm cold
	warm=$(harness "$FIX/$1.py" | tail -n +2)
	cold=$(harness --cold "$FIX/$1.py")
	if [ "$warm" != "$cold" ]; then
		printf 'warm: %s\ncold: %s\n' "$warm" "$cold"
		return 1
	fi
	echo "$warm"
}

@test "driver: says ready after its warm-up, exits at EOF" {
	run -0 harness
	[ "${lines[0]}" = '{"ready": {"ready": true}}' ]
	[ "${lines[1]}" = '{"exit": 0}' ]
}

@test "driver: argv, environment, cwd, sys.path[0], streams as python's" {
	run -0 same args
	assert_output --partial "main.py', 'a1', 'a 2'] set $WORK $WORK"
	assert_output --partial 'False __main__'
	assert_output --partial '"exit": 0'
}

@test "driver: the seed case's groupby, as cold" {
	run -0 same seed
	assert_output --partial 'highest average salary is B with 3.0'
}

@test "driver: a traceback identical to a cold run's, exit 1" {
	run -0 same error
	assert_output --partial 'ZeroDivisionError: division by zero'
	refute_output --partial sandrun_driver
	assert_output --partial '"exit": 1'
	run -0 same chained
	assert_output --partial 'The above exception was the direct cause'
	refute_output --partial sandrun_driver
}

@test "driver: a syntax error as cold, nothing run" {
	run -0 same syntax
	assert_output --partial 'SyntaxError'
	assert_output --partial '{"stdout": "", '
	refute_output --partial sandrun_driver
}

@test "driver: SystemExit with a message and with a code, as cold" {
	run -0 same exit_msg
	assert_output --partial 'a message'
	assert_output --partial '"exit": 1'
	run -0 same exit_code
	assert_output --partial '"exit": 7'
}

@test "driver: threads joined, atexit run, streams flushed at the end" {
	run -0 same ending
	assert_output --partial 'no newline, bufferedthread joined\natexit ran\n'
}

@test "driver: KeyboardInterrupt ends by SIGINT, as cold" {
	run -0 same interrupt
	assert_output --partial '"exit": -2'
	assert_output --partial 'KeyboardInterrupt'
	refute_output --partial sandrun_driver
}

@test "driver: loop mode keeps __main__ and returns values and figures" {
	local -a rec
	mapfile -t rec < <(harness --loop "$FIX"/cell{1,2,3,4,5}.py)
	printf '%s\n' "${rec[@]}" | cut -c1-300
	[ "${#rec[@]}" -eq 7 ]
	[ "$(jq -c '[.stdout, .done.done, .done.value]' <<<"${rec[1]}")" = '["cell one\n",0,"42"]' ]
	# a figure as value: its repr and a PNG
	[[ "$(jq -r .done.value <<<"${rec[2]}")" = "<Figure size "* ]]
	magic=$(jq -r .done.value_png <<<"${rec[2]}" | base64 -d | head -c 8 | od -An -tx1 | tr -d ' \n')
	[ "$magic" = 89504e470d0a1a0a ]
	# the state is kept (n was 20, then 21); None is no value
	[ "$(jq -c '[.stdout, .done.value]' <<<"${rec[3]}")" = '["21\n",null]' ]
	# figures still open after a call are flushed to the work dir
	[ -f "$WORK/figure-1.png" ]
	# an error: the traceback as python prints it, status 1, the loop goes on
	[ "$(jq -c .done.done <<<"${rec[4]}")" = 1 ]
	[ "$(jq -r .stderr <<<"${rec[4]}")" = "Traceback (most recent call last):
  File \"$WORK/main.py\", line 1, in <module>
    undefined_name
NameError: name 'undefined_name' is not defined" ]
	# SystemExit: its status, the globals of every cell before
	[ "$(jq -c '[.stdout, .done.done]' <<<"${rec[5]}")" = "[\"['fig', 'n', 'plt']\\n\",3]" ]
	[ "${rec[6]}" = '{"exit": 0}' ]
}

@test "driver: every call is a fresh __main__ in one-call mode, no leftover" {
	run -0 harness "$FIX/cell5.py"
	assert_output --partial '[]'
}
