#!/usr/bin/env bats
# The shipped examples work as documented: the agent loop, the Makefile
# and the shell pipeline (examples/README.md).

load helpers

EX="$SANDRUN_SRCDIR/examples"

setup() {
	require_userns
	require_python_module pandas
	require_cmd jq
}

@test "examples: the recorded tool call carries the seed case's code" {
	run -0 jq -er '.choices[0].message.tool_calls[0].function.arguments | fromjson | .code' \
		"$EX/recorded_response.json"
	[ "$output" = "$(cat "$SEED/analysis.py")" ]
	[ "$(jq -r '.choices[0].message.tool_calls[0].function.name' "$EX/recorded_response.json")" = run_python_code ]
}

@test "examples: agent_loop.py runs the tool call and prints the Seattle answer" {
	run -0 --separate-stderr python3 "$EX/agent_loop.py"
	assert_line "user: What is the city with the highest average salary in the provided dataset and what is such salary?"
	assert_line "tool: The city with the highest average salary is Seattle with an average salary of 73500.0"
	[[ "$stderr" == "[sandrun: ok, "* ]]
}

@test "examples: agent_loop.py --json prints the conversation with the tool message" {
	run -0 --separate-stderr python3 "$EX/agent_loop.py" --json
	[ "$(json '.[-1].role')" = tool ]
	[ "$(json '.[-1].tool_call_id')" = call_seed_1 ]
	[ "$(json '.[-1].content')" = "The city with the highest average salary is Seattle with an average salary of 73500.0" ]
	[ "$(json '.[-2].tool_calls[0].function.name')" = run_python_code ]
}

@test "examples: agent_loop.py finds sandrun on PATH without \$SANDRUN" {
	bin=$(scratch)
	ln -s "$SANDRUN" "$bin/sandrun"
	run -0 --separate-stderr env -u SANDRUN PATH="$bin:$PATH" python3 "$EX/agent_loop.py"
	assert_line --partial "Seattle with an average salary of 73500.0"
	run env -u SANDRUN PATH=/nonexistent /usr/bin/python3 "$EX/agent_loop.py"
	[ "$status" -ne 0 ]
	assert_output --partial "sandrun not found"
}

@test "examples: make check in examples/ runs untrusted code through sandrun" {
	require_cmd make
	out=$(scratch)
	run -0 make -s -C "$EX" check SANDRUN="$SANDRUN" OUT="$out"
	assert_line "examples: all checks passed"
	assert_line "tests: ok 10 rows"
	assert_line "isolation: ok"
	[ -s "$out/report.csv" ]
	[ ! -e "$EX/out" ]
	[ -f "$SEED/dataset.csv" ]
}

@test "examples: pipeline.sh" {
	require_python_module matplotlib
	out=$(scratch)
	run -0 --separate-stderr sh "$EX/pipeline.sh" "$out"
	assert_line "The city with the highest average salary is Seattle with an average salary of 73500.0"
	assert_line --regexp '^file: by_city.png image/png [0-9]+ [0-9a-f]{64}$'
	assert_line --regexp '^error: FileNotFoundError: '
	assert_line --partial "pipeline.sh: ok"
	[ -s "$out/by_city.png" ]
}
