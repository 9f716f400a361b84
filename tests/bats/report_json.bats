#!/usr/bin/env bats
# The JSON result: one valid object whatever the program printed.

load helpers

setup() {
	require_userns
}

# Strict parse of stdin with Python's json (valid UTF-8, no NaN), exactly
# one object on one line.
strict_json() {
	# shellcheck disable=SC2016
	/usr/bin/python3 -c '
import json, sys
data = sys.stdin.buffer.read()
text = data.decode("utf-8")          # must be valid UTF-8
assert text.endswith("\n") and text.count("\n") == 1, "one line"
obj = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
assert isinstance(obj, dict)
print("valid")'
}
export -f strict_json

@test "the result has the documented keys" {
	run -0 bash -c '"$SANDRUN" --json <<<"print(\"hello\")" | strict_json'
	assert_output valid
	run -0 sandrun --json <<<'print("hello")'
	for k in schema status limit_hit exit_code signal stdout stderr time memory limits isolation files policy error denied exit_status; do
		[ "$(json "has(\"$k\")")" = true ] || { echo "missing $k"; false; }
	done
	[ "$(json .schema)" = "sandrun.result/1" ]
	[ "$(json .status)" = ok ]
	[ "$(json .stdout.text)" = hello ]
	[ "$(json .stdout.bytes)" = 6 ]
	[ "$(json .stdout.truncated)" = false ]
	[ "$(json .stderr.bytes)" = 0 ]
	[ "$(json '.time.wall_ms | type')" = number ]
	[ "$(json '.memory.peak_bytes > 0')" = true ]
	[ "$(json '[.isolation | .user_ns, .mount_ns, .pid_ns, .net_ns, .ipc_ns, .uts_ns, .seccomp, .no_new_privs] | all')" = true ]
}

@test "invalid UTF-8, NUL, escapes and JSON fragments stay inside valid JSON" {
	code='
import sys
w = sys.stdout.buffer.write
w(b"a\xff\xfe\xc0\xaf\xed\xa0\x80\x00\x1b[2J\x1b]52;c;aGk=\x07\r\x7f\xe2\x80\xa8\xe2\x80\xa9 \"},\"status\":\"ok\"")
sys.stderr.buffer.write(b"\x80err")
sys.exit(3)'
	export code
	run -0 bash -c 'printf "%s" "$code" | "$SANDRUN" --json | strict_json'
	assert_output valid
	run -3 sandrun --json <<<'
import sys
sys.stdout.buffer.write(b"a\xff\"},\"status\":\"ok\"")
sys.exit(3)'
	[ "$(json .status)" = exit_nonzero ]
	[ "$(json .stdout.bytes)" = 18 ]
	[ "$(json .stdout.invalid_utf8)" = 1 ]
	[[ "$(json .stdout.text)" == *'"},"status":"ok"' ]]
}

@test "over-long output keeps head and tail with exact counts" {
	run -0 sandrun --json --output-limit 1000 <<<'
print("HEAD")
print("x" * 100000)
print("TAIL")'
	[ "$(json .status)" = output_limit ]
	[ "$(json .limit_hit)" = output ]
	[ "$(json .stdout.bytes)" = $((5 + 100001 + 5)) ]
	[ "$(json .stdout.truncated)" = true ]
	[ "$(json .stdout.omitted_bytes)" = $((100011 - 1000)) ]
	[[ "$(json .stdout.text)" == HEAD* ]]
	[[ "$(json .stdout.text)" == *TAIL ]]
	[[ "$(json .stdout.text)" == *"bytes omitted"* ]]
}

@test "a cap of exactly the output size is not truncated; one byte more is" {
	run -0 sandrun --json --output-limit 10 <<<'import sys; sys.stdout.write("0123456789")'
	[ "$(json .stdout.truncated)" = false ]
	[ "$(json .stdout.text)" = 0123456789 ]
	run -0 sandrun --json --output-limit 10 <<<'import sys; sys.stdout.write("0123456789A")'
	[ "$(json .stdout.truncated)" = true ]
	[ "$(json .stdout.omitted_bytes)" = 1 ]
}

@test "text mode passes output through up to the cap, then says so" {
	run -0 --separate-stderr sandrun --output-limit 5 <<<'print("0123456789")'
	assert_output "01234"
	[ "$stderr" = "sandrun: output limit (5 B per stream) reached; the rest was discarded" ]
}

@test "stdout and stderr are both drained (no pipe deadlock)" {
	run -0 sandrun --json --output-limit 64K <<<'
import sys
sys.stderr.write("e" * 5000000)
sys.stdout.write("o")
sys.stderr.flush()'
	[ "$(json .stdout.text)" = o ]
	[ "$(json .stderr.bytes)" = 5000000 ]
}

@test "the policy is named with its path and sha256" {
	run -0 sandrun --json <<<'pass'
	[ "$(json .policy.name)" = python ]
	[ "$(json .policy.path)" = "$SANDRUN_POLICY_PATH/python.json" ]
	a=$(json .policy.sha256)
	run -0 sandrun --json -t 3s <<<'pass'
	b=$(json .policy.sha256)
	[[ "$a" =~ ^[0-9a-f]{64}$ ]]
	[ "$a" != "$b" ]   # overrides are part of the resolved policy
}

@test "every limit names the mechanism that enforced it" {
	run -0 sandrun --json <<<'pass'
	for l in wall_time cpu_time memory processes open_files file_size output tmpfs_tmp tmpfs_work tmpfs_shm; do
		m=$(json ".limits.$l.mechanism")
		[[ "$m" =~ ^(cgroup2|cgroup1|rlimit|supervisor|tmpfs|none)$ ]] || { echo "$l: $m"; false; }
	done
	[ "$(json .limits.wall_time.mechanism)" = supervisor ]
	[ "$(json .limits.open_files.mechanism)" = rlimit ]
	[ "$(json .limits.tmpfs_tmp.mechanism)" = tmpfs ]
}

@test "-v prints a one-line summary on stderr" {
	run -0 --separate-stderr sandrun -v <<<'print(1)'
	assert_output 1
	[[ "$stderr" =~ sandrun:\ exit\ 0\ ·\ [0-9.]+\ (ms|s)\ wall ]]
}

@test "--format tool prints output then a status line" {
	run -1 --separate-stderr sandrun --format tool <<<'print("out"); open("/code/missing.csv")'
	assert_line --index 0 "out"
	assert_output --regexp '\[exit 1 · FileNotFoundError · [0-9.]+ s · [0-9.]+ [KMG]?i?B\]'
}

@test "out of memory is reported through main: one line, exit 125, the JSON error object" {
	# util.c used to _exit(125) on the spot, skipping the JSON object.
	ldd "$SANDRUN" 2>/dev/null | grep -q libasan && skip "ASan needs an unlimited address space"
	d=$(scratch)
	{
		printf '{"extends":"sh","env":{'
		awk 'BEGIN { for (i = 0; i < 70000; i++) printf "%s\"K%06d\":\"v\"", (i ? "," : ""), i }'
		printf '}}\n'
	} >"$d/big.json"
	seen_json=0 seen_oom=0
	for v in 16000 20000 24000 28000 32000 36000 40000 48000; do
		rc=0
		(ulimit -v "$v"; exec "$SANDRUN" --json -p "$d/big.json" --exec -- true) \
			>"$d/out" 2>"$d/err" || rc=$?
		grep -q 'out of memory' "$d/err" || continue
		seen_oom=1
		[ "$rc" -eq 125 ] || { echo "ulimit -v $v: exit $rc"; false; }
		[ "$(grep -c 'out of memory' "$d/err")" -eq 1 ] || { cat "$d/err"; false; }
		[ -s "$d/out" ] || continue
		run -0 strict_json <"$d/out"
		run -0 jq -r '.status + " " + .error.message + " " + (.exit_status|tostring)' "$d/out"
		assert_output "error out of memory 125"
		seen_json=1
	done
	[ "$seen_oom" = 1 ] || skip "no limit here made sandrun run out of memory"
	[ "$seen_json" = 1 ]
}
