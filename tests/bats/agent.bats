#!/usr/bin/env bats
# The agent-facing result: Python exceptions as result.error, the compact
# --format tool text, and real results validated against the shipped JSON
# Schema.

load helpers

setup() {
	require_userns
}

# pyerr: run the Python code on stdin, JSON out (any exit status).
pyerr() {
	run --separate-stderr sandrun --json -p python "$@"
}

@test "error: FileNotFoundError gives name, message and traceback" {
	pyerr <<<'open("/code/missing.csv")'
	[ "$status" = 1 ]
	[ "$(json .status)" = exit_nonzero ]
	[ "$(json .error.name)" = FileNotFoundError ]
	[ "$(json .error.value)" = "[Errno 2] No such file or directory: '/code/missing.csv'" ]
	[[ "$(json .error.traceback)" == "Traceback (most recent call last):"*'File "/sandbox/main.py", line 1'*"FileNotFoundError: [Errno 2]"* ]]
}

@test "error: chained exceptions give the last one, the traceback covers the chain" {
	pyerr <<-'EOF'
	try:
	    {}["key"]
	except KeyError as e:
	    raise RuntimeError("lookup failed") from e
	EOF
	[ "$(json .error.name)" = RuntimeError ]
	[ "$(json .error.value)" = "lookup failed" ]
	[[ "$(json .error.traceback)" == "Traceback"*"KeyError: 'key'"*"direct cause"*"RuntimeError: lookup failed" ]]
	pyerr <<-'EOF'
	try:
	    1 / 0
	except ZeroDivisionError:
	    undefined_name
	EOF
	[ "$(json .error.name)" = NameError ]
	[[ "$(json .error.traceback)" == *"ZeroDivisionError"*"During handling"*"NameError"* ]]
}

@test "error: a SyntaxError has no Traceback line but is found" {
	pyerr <<<'print("unclosed"'
	[ "$(json .error.name)" = SyntaxError ]
	[ "$(json .error.value)" = "'(' was never closed" ]
	[[ "$(json .error.traceback)" == '  File "/sandbox/main.py", line 1'* ]]
	pyerr <<-'EOF'
	if True:
	    x = 1
	      y = 2
	EOF
	[ "$(json .error.name)" = IndentationError ]
}

@test "error: dotted exception names are kept whole (pandas.errors.ParserError)" {
	require_python_module pandas
	pyerr <<-'EOF'
	import io, pandas as pd
	pd.read_csv(io.StringIO("a,b\n1,2\n1,2,3,4\n"))
	EOF
	[ "$(json .error.name)" = pandas.errors.ParserError ]
	[[ "$(json .error.value)" == "Error tokenizing data."* ]]
}

@test "error: multi-line messages and notes stay in the value" {
	pyerr <<<'raise ValueError("first line\nsecond line")'
	[ "$(json .error.name)" = ValueError ]
	[ "$(json .error.value)" = "first line
second line" ]
}

@test "error: sys.exit(\"msg\") is not an exception; a clean exit has none" {
	pyerr <<<'import sys; sys.exit("giving up")'
	[ "$status" = 1 ]
	[ "$(json .error)" = null ]
	[ "$(json .stderr.text)" = "giving up" ]
	pyerr <<<'import sys; print("fine"); sys.exit(0)'
	[ "$(json .error)" = null ]
	# A traceback printed by a program that then succeeds is not an error.
	pyerr <<<'import traceback
try: 1/0
except Exception: traceback.print_exc()'
	[ "$status" = 0 ]
	[ "$(json .error)" = null ]
}

@test "error: KeyboardInterrupt (the program dies of SIGINT)" {
	pyerr <<<'raise KeyboardInterrupt'
	[ "$(json .signal)" = SIGINT ]
	[ "$(json .error.name)" = KeyboardInterrupt ]
	[ "$(json .error.value)" = "" ]
}

@test "error: the sh policy declares no error rule" {
	run sandrun --json -p sh --exec -- sh -c 'echo "Traceback (most recent call last):" >&2; echo "ValueError: x" >&2; exit 1'
	[ "$(json .error)" = null ]
}

@test "tool: stdout, stderr, then [exit 1 · FileNotFoundError · time · memory]" {
	run -1 sandrun --format tool <<-'EOF'
	print("reading")
	open("/code/missing.csv")
	EOF
	assert_line --index 0 reading
	assert_line --index 1 "Traceback (most recent call last):"
	assert_line --regexp '^\[exit 1 · FileNotFoundError · [0-9]+\.[0-9]{2} s · [0-9.]+ (B|KiB|MiB|GiB)\]$'
	[[ "${lines[-1]}" == "[exit 1 · FileNotFoundError"* ]]
}

@test "tool: the seed case answer, then files" {
	require_python_module pandas
	run -0 sandrun --format tool --file "$SEED/dataset.csv:/code/dataset.csv" <<-'EOF'
	import pandas as pd
	df = pd.read_csv("/code/dataset.csv")
	s = df.groupby("city")["salary"].mean()
	s.to_csv("by_city.csv")
	print(f"The city with the highest average salary is {s.idxmax()} with an average salary of {s.max()}")
	EOF
	assert_line --index 0 "The city with the highest average salary is Seattle with an average salary of 73500.0"
	assert_line --regexp '^\[exit 0 · [0-9.]+ s · .*\]$'
	assert_line --regexp '^file: by_city.csv \(text/csv, [0-9]+ B\)$'
}

# ---- the JSON Schema ----------------------------------------------------------

validate() {
	/usr/bin/python3 -c '
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
doc = json.loads(sys.stdin.read())
jsonschema.Draft202012Validator(schema).validate(doc)
print("valid", doc["status"])
' "$SANDRUN_SRCDIR/docs/result.schema.json"
}

@test "schema: real results validate (ok, exception, timeout, error, inline files, skipped)" {
	require_python_module jsonschema
	d=$(scratch)
	run -0 sandrun --json --file "$SEED/dataset.csv:/code/dataset.csv" "$SEED/analysis.py"
	printf '%s' "$output" >"$d/ok.json"
	run -1 --separate-stderr sandrun --json <<<'open("/code/missing.csv")'
	printf '%s' "$output" >"$d/exception.json"
	run -124 sandrun --json -t 500ms <<<'while True: pass'
	printf '%s' "$output" >"$d/timeout.json"
	run -125 --separate-stderr sandrun --json --file /nonexistent <<<'print(1)'
	printf '%s' "$output" >"$d/error.json"
	run -0 sandrun --json --inline-files <<-'EOF'
	import os
	open("notes.txt", "w").write("text\n")
	open("raw.bin", "wb").write(bytes(range(256)))
	os.symlink("/etc/passwd", "link")
	os.mkfifo("fifo")
	EOF
	printf '%s' "$output" >"$d/files.json"
	for f in ok exception timeout error files; do
		run -0 validate <"$d/$f.json"
	done
	[ "$(jq -r .status "$d/timeout.json")" = timeout ]
	[ "$(jq -r .error.kind "$d/error.json")" = setup ]
	[ "$(jq -r '.files | length' "$d/files.json")" = 2 ]
	[ "$(jq -r '.skipped | length' "$d/files.json")" = 2 ]
}

@test "schema: the validator does reject a broken result" {
	require_python_module jsonschema
	run -0 sandrun --json <<<'print(1)'
	run ! validate <<<"$(printf '%s' "$output" | jq -c '.files = [{"path": 1}]')"
	run ! validate <<<"$(printf '%s' "$output" | jq -c 'del(.status)')"
}
