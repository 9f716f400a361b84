#!/usr/bin/env bats
# Command-line behaviour: options, modes, misuse (exit 125, one line).

load helpers

@test "--help prints usage on stdout and exits 0" {
	run -0 --separate-stderr sandrun --help
	assert_output --partial "Usage: sandrun"
	assert_output --partial "--exec"
	[ -z "$stderr" ]
}

@test "--version prints the version and kernel features" {
	run -0 sandrun --version
	assert_line --index 0 --regexp '^sandrun [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --index 1 --regexp '^features: .*seccomp'
}

@test "an unknown option is a one-line error with exit 125" {
	run -125 --separate-stderr sandrun --no-such-option
	[ -z "$output" ]
	[ "$stderr" = "sandrun: unknown option --no-such-option (see sandrun --help)" ]
}

@test "an unknown short option is refused" {
	run -125 --separate-stderr sandrun -Z
	[ "$stderr" = "sandrun: unknown option -Z (see sandrun --help)" ]
}

@test "an option without its value is refused" {
	run -125 --separate-stderr sandrun --timeout
	[ "$stderr" = "sandrun: option --timeout needs a value (see sandrun --help)" ]
	run -125 --separate-stderr sandrun -t
	[ "$stderr" = "sandrun: option -t needs a value (see sandrun --help)" ]
}

@test "malformed limits are refused, never read as unlimited" {
	run -125 --separate-stderr sandrun -t 10x -e A=B
	assert_equal "$stderr" "sandrun: --timeout: unknown unit (use ms, s, m or h, e.g. 500ms, 10s, 2m)"
	run -125 --separate-stderr sandrun -m -1
	[[ "$stderr" == "sandrun: --memory: "* ]]
	run -125 --separate-stderr sandrun -m 99999999999999999999G
	[[ "$stderr" == "sandrun: --memory: "* ]]
	run -125 --separate-stderr sandrun --pids 0
	[ "$stderr" = "sandrun: --pids: must be greater than zero" ]
	run -125 --separate-stderr sandrun -t ''
	[[ "$stderr" == "sandrun: --timeout: "* ]]
}

@test "a repeated single-value option is an error" {
	run -125 --separate-stderr sandrun -t 1s -t 2s
	[ "$stderr" = "sandrun: option --timeout given twice" ]
	run -125 --separate-stderr sandrun -p python -p sh
	[ "$stderr" = "sandrun: option --policy given twice" ]
}

@test "bad --network and --format values name the choices" {
	run -125 --separate-stderr sandrun --network host
	[ "$stderr" = "sandrun: --network: unknown mode 'host' (use none or loopback)" ]
	run -125 --separate-stderr sandrun --format xml
	[ "$stderr" = "sandrun: --format: unknown format 'xml' (use text, json or tool)" ]
}

@test "--env needs NAME=VALUE" {
	run -125 --separate-stderr sandrun -e FOO
	[ "$stderr" = "sandrun: --env: expected NAME=VALUE, got 'FOO'" ]
}

@test "--exec without a command is refused" {
	run -125 --separate-stderr sandrun --exec
	[[ "$stderr" == "sandrun: --exec needs a command"* ]]
}

@test "a missing code file is exit 125 naming the path" {
	run -125 --separate-stderr sandrun /nonexistent/code.py
	[ "$stderr" = "sandrun: /nonexistent/code.py: No such file or directory" ]
}

@test "an unknown policy is exit 125 and nothing runs" {
	d=$(scratch)
	run -125 --separate-stderr sandrun -p no-such-policy <<<"open('$d/ran','w')"
	[[ "$stderr" == "sandrun: policy 'no-such-policy' not found"* ]]
	[ ! -e "$d/ran" ]
}

@test "policy names with path traversal are refused" {
	run -125 --separate-stderr sandrun -p 'Bad$Name' </dev/null
	[[ "$stderr" == "sandrun: "*"invalid"* ]]
}

@test "mode options cannot be combined" {
	run -125 --separate-stderr sandrun --list-policies --check-host
	[[ "$stderr" == *"cannot be combined"* ]]
}

@test "--verbose and --quiet cannot be combined" {
	run -125 --separate-stderr sandrun -v -q
	[ "$stderr" = "sandrun: --verbose and --quiet cannot be combined" ]
}

@test "options after the code file go to the program, not to sandrun" {
	require_userns
	d=$(scratch)
	printf 'import sys\nprint(sys.argv[1:])\n' >"$d/a.py"
	run -0 sandrun "$d/a.py" -- --json -t 1ms --exec
	assert_output "['--json', '-t', '1ms', '--exec']"
}

@test "--list-policies names each policy, its description and where it was found" {
	run -0 sandrun --list-policies
	assert_line --regexp "^python +Python 3 .*$SANDRUN_POLICY_PATH/python.json"
	assert_line --regexp "^sh "
	assert_line --regexp "^strict "
}

@test "--print-policy prints a loadable resolved policy with overrides applied" {
	d=$(scratch)
	run -0 --separate-stderr sandrun --print-policy python -t 3s -m 100M
	printf '%s\n' "$output" >"$d/p.json"
	[ "$(jq -r '.limits.wall_time' "$d/p.json")" != null ]
	run -0 sandrun --check-policy "$d/p.json"
	run -0 sandrun --print-policy "$d/p.json"
	[ "$output" = "$(cat "$d/p.json")" ]
}

@test "--check-policy refuses a typo with file and key path" {
	d=$(scratch)
	printf '{"extends":"python","limits":{"memroy":"1G"}}\n' >"$d/typo.json"
	run -125 --separate-stderr sandrun --check-policy "$d/typo.json"
	assert_equal "$stderr" "sandrun: typo.json: limits.memroy: unknown key"
}
