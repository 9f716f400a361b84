#!/usr/bin/env bats
# The seed case, end to end: the dataset and the LLM-written pandas code.

load helpers

setup() {
	require_userns
	require_python_module pandas
}

@test "the seed case prints the Seattle answer" {
	run -0 --separate-stderr sandrun -p python \
		--file "$SEED/dataset.csv:/code/dataset.csv" "$SEED/analysis.py"
	assert_output "The city with the highest average salary is Seattle with an average salary of 73500.0"
	[ -z "$stderr" ]
}

@test "the seed case as a tool call: code on stdin, JSON out" {
	run -0 sandrun --json -p python --file "$SEED/dataset.csv:/code/dataset.csv" <"$SEED/analysis.py"
	[ "$(json .status)" = ok ]
	[ "$(json .stdout.text)" = "The city with the highest average salary is Seattle with an average salary of 73500.0" ]
	[ "$(json .policy.name)" = python ]
	[[ "$(json .policy.sha256)" =~ ^[0-9a-f]{64}$ ]]
}

@test "the python policy is the default" {
	run -0 sandrun --file "$SEED/dataset.csv:/code/dataset.csv" "$SEED/analysis.py"
	assert_output --partial "Seattle"
}
