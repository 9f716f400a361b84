#!/usr/bin/env bats
# The documentation tells the truth: every example command in README.md and
# sandrun(1) that can run here is run and its output compared with what the
# document shows, and both man pages render.
#
# How examples are found:
#   README.md   ```console blocks: "$ CMD" lines (a line ending in "\" or
#               "|" continues on the next), followed by the expected output.
#               A ```make block is written to Makefile; a ```json block right
#               after a paragraph ending in "`NAME`:" is written to NAME.
#   sandrun.1   the EXAMPLES section as mandoc -Tutf8 renders it: literal blocks whose
#               first line is "$ CMD" (same rules); a block starting with
#               "TARGET:" is a Makefile fragment, and its target is run with
#               make.  "# CMD" blocks need root and change the host: not run.
# Commands run with bash in a scratch directory holding the seed case
# (dataset.csv, analysis.py, and generated.py, a copy of analysis.py), a
# run-tests.sh, the files the document defines, and a "sandrun" on PATH that
# is the binary under test.  Output is stdout and stderr together.  Timings
# and sizes ("0.03 s", "8.1 MiB") are compared by unit, not by value.

load helpers

setup() {
	require_userns
	require_cmd jq
	require_cmd make
	require_python_module pandas
	# Not under BATS_TEST_TMPDIR: run as root, the sandbox's user is uid
	# 65534, which must be able to reach the --bind-rw directory.
	EX=$(mktemp -d "${TMPDIR:-/tmp}/sandrun-docs.XXXXXX")
	chmod 755 "$EX"
	mkdir "$EX/bin"
	ln -s "$SANDRUN" "$EX/bin/sandrun"
	cp "$SEED/dataset.csv" "$SEED/analysis.py" "$EX/"
	cp "$SEED/analysis.py" "$EX/generated.py"
	printf '#!/bin/sh\necho "tests passed in $PWD"\n' >"$EX/run-tests.sh"
	chmod 755 "$EX/run-tests.sh"
	chmod -R a+rX "$EX"
}

teardown() {
	if [ -n "${EX:-}" ]; then rm -rf "$EX"; fi
}

# run_examples KIND FILE: extract, run and check the examples of FILE (KIND
# readme or man); prints one line per example and exits 1 on any mismatch.
run_examples() {
	PATH="$EX/bin:$PATH" python3 - "$1" "$2" "$EX" "${MANDOC:-mandoc}" <<'PY'
import os, re, subprocess, sys

kind, path, ex, mandoc = sys.argv[1:5]
examples = []   # (command, expected lines or None)
files = {}      # name -> content
makefile = []   # Makefile fragments (list of lines)
targets = []    # make targets to run, from man page fragments

def parse_console(lines):
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            i += 1
            continue
        cmd = line[2:]
        while cmd.rstrip().endswith(("\\", "|")) and i + 1 < len(lines):
            i += 1
            cmd += "\n" + lines[i]
        i += 1
        out = []
        while i < len(lines) and not lines[i].startswith("$ "):
            out.append(lines[i])
            i += 1
        examples.append((cmd, out))

if kind == "readme":
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"(?ms)((?:^[^\n]*\n)?)\n?^```(\w*)[^\n]*\n(.*?)^```\s*$", text):
        before, lang, body = m.group(1), m.group(2), m.group(3)
        lines = body.rstrip("\n").split("\n")
        if lang == "console":
            parse_console(lines)
        elif lang == "make":
            makefile.extend(lines)
        elif lang == "json":
            name = re.search(r"`([^`/]+)`:\s*$", before)
            if name:
                files[name.group(1)] = body
else:
    r = subprocess.run([mandoc, "-Tutf8", "-O", "width=300", path],
                       capture_output=True, check=True)
    # Drop the overstrike (bold "X\bX", underline "_\bX"), as col -b does.
    lines = re.sub(r".\x08", "", r.stdout.decode("utf-8")).split("\n")
    start = lines.index("EXAMPLES")
    end = next(i for i in range(start + 1, len(lines))
               if lines[i] and not lines[i][0].isspace())
    blocks, cur = [], []
    for line in lines[start + 1:end]:
        ind = len(line) - len(line.lstrip(" "))
        if line.strip() and ind > 5:
            cur.append(line)
        else:
            if cur:
                blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    for b in blocks:
        base = len(b[0]) - len(b[0].lstrip(" "))
        b = [l[base:] if l[:base].strip() == "" else l.lstrip() for l in b]
        if b[0].startswith("$ "):
            parse_console(b)
        elif re.match(r"^[A-Za-z0-9_.-]+:$", b[0]):
            targets.append(b[0][:-1])
            makefile.append(b[0])
            makefile.extend("\t" + l.strip() for l in b[1:])
        elif b[0].startswith("# "):
            for l in b:
                print("not run (needs root, changes the host): " + l)
    if targets:
        for t in targets:
            examples.append(("make -s " + t, None))

for name, content in files.items():
    with open(os.path.join(ex, name), "w") as f:
        f.write(content)
if makefile:
    with open(os.path.join(ex, "Makefile"), "w") as f:
        f.write("\n".join(makefile) + "\n")

def norm(lines):
    out = [re.sub(r"\b\d+(\.\d+)? (ms|s|B|KiB|MiB|GiB)\b", r"N \2", l.rstrip())
           for l in lines]
    while out and out[-1] == "":
        out.pop()
    return out

# As a reader would run them: not inside the make of `make check`.
env = {k: v for k, v in os.environ.items()
       if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
failed = 0
for cmd, expect in examples:
    try:
        r = subprocess.run(["bash", "-c", cmd], cwd=ex, env=env,
                           stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=120)
        got, rc = r.stdout.decode("utf-8", "replace").split("\n"), r.returncode
    except subprocess.TimeoutExpired:
        got, rc = ["(timed out)"], -1
    if expect is None or expect == []:
        ok = rc == 0
        why = "exit status %d" % rc
    else:
        ok = norm(got) == norm(expect)
        why = "output differs"
    print(("ok: " if ok else "FAIL: ") + cmd.replace("\n", " "))
    if not ok:
        failed += 1
        print("  " + why + "\n  expected:\n" +
              "".join("    |%s\n" % l for l in (expect or [])) +
              "  got (exit %d):\n" % rc + "".join("    |%s\n" % l for l in got))
print("%d examples, %d failed" % (len(examples), failed))
sys.exit(1 if failed or not examples else 0)
PY
}

@test "docs: the examples in README.md run and print what it shows" {
	run run_examples readme "$SANDRUN_SRCDIR/README.md"
	assert_success
	# Guard the extractor: the README has at least this many examples.
	[[ ${lines[-1]} =~ ^([0-9]+)\ examples ]] && ((BASH_REMATCH[1] >= 10)) ||
		fail "too few examples found: ${lines[-1]}"
	assert_line "ok: make -s check"
}

@test "docs: the EXAMPLES of sandrun(1) run and print what it shows" {
	require_cmd "${MANDOC:-mandoc}"
	# --check-policy ./mine.json: the README's mine.json.
	printf '{ "extends": "python", "description": "mine" }\n' >"$EX/mine.json"
	run run_examples man "$SANDRUN_SRCDIR/man/sandrun.1"
	assert_success
	[[ ${lines[-1]} =~ ^([0-9]+)\ examples ]] && ((BASH_REMATCH[1] >= 8)) ||
		fail "too few examples found: ${lines[-1]}"
	assert_line "ok: make -s check"
	assert_line "ok: sandrun --check-host"
}

@test "docs: the quick-start commands of README.md stay as they are" {
	# .ci/run and bootstrap.sh rely on them; change all three together.
	run -0 sed -n '/^## Quick start/,/^## /p' "$SANDRUN_SRCDIR/README.md"
	assert_line '    ./bootstrap.sh'
	assert_line '    make check'
}

@test "docs: README.md links only to files that exist (or are being written)" {
	local link missing=
	# docs/benchmarks.md is written by another change; allow it to lag.
	while read -r link; do
		[ -e "$SANDRUN_SRCDIR/$link" ] || [ "$link" = docs/benchmarks.md ] ||
			missing="$missing $link"
	done < <(grep -o '](\([^)#:]*\))' "$SANDRUN_SRCDIR/README.md" |
		sed 's/^](\(.*\))$/\1/' | sort -u)
	[ -z "$missing" ] || fail "README.md links to missing files:$missing"
}

@test "docs: mandoc renders both man pages without warnings" {
	require_cmd "${MANDOC:-mandoc}"
	local page
	for page in sandrun.1 sandrun-policy.5; do
		run -0 "${MANDOC:-mandoc}" -Tlint -W warning "$SANDRUN_SRCDIR/man/$page"
		assert_output ""
		run -0 bash -c '"$1" -Tutf8 "$2" | sed "s/.\x08//g"' sh \
			"${MANDOC:-mandoc}" "$SANDRUN_SRCDIR/man/$page"
		assert_line NAME
		assert_line DESCRIPTION
	done
}

@test "docs: man -l renders both man pages" {
	# Optional: mandoc (above) is the renderer make check relies on.
	command -v man >/dev/null 2>&1 || skip "man (man-db) is not installed"
	local page
	for page in sandrun.1 sandrun-policy.5; do
		MANWIDTH=80 run -0 --separate-stderr man -l "$SANDRUN_SRCDIR/man/$page"
		assert_equal "$stderr" ""
		assert_output --partial "DESCRIPTION"
	done
	MANWIDTH=80 run -0 man -l "$SANDRUN_SRCDIR/man/sandrun.1"
	assert_output --partial "EXIT STATUS"
	assert_output --partial "SECURITY CONSIDERATIONS"
}

@test "docs: sandrun(1) has the sections STYLE.md asks for, in order" {
	local want got
	want="NAME SYNOPSIS DESCRIPTION OUTPUT ENVIRONMENT FILES EXIT STATUS EXAMPLES SEE ALSO CAVEATS SECURITY CONSIDERATIONS"
	got=$(sed -n 's/^\.Sh //p' "$SANDRUN_SRCDIR/man/sandrun.1" | tr '\n' ' ')
	assert_equal "$got" "$want "
}

@test "docs: sandrun(1) documents every top-level key of the JSON result" {
	local key missing=
	run -0 --separate-stderr sandrun --json -p sh --exec -- true
	for key in $(printf '%s' "$output" | jq -r 'keys[]'); do
		grep -Eq "^\.It Ic ([a-z_]+ , )?$key( , [a-z_]+)? Pq" \
			"$SANDRUN_SRCDIR/man/sandrun.1" ||
			missing="$missing $key"
	done
	[ -z "$missing" ] || fail "sandrun.1 OUTPUT lacks:$missing"
}

@test "docs: sandrun(1) documents every environment variable sandrun reads" {
	local var missing=
	for var in $(grep -oh 'getenv("[A-Z_]*")' "$SANDRUN_SRCDIR"/src/*.c |
		sed 's/getenv("\(.*\)")/\1/' | sort -u); do
		[ "$var" = HOME ] && continue
		grep -q "^\.It Ev $var\$" "$SANDRUN_SRCDIR/man/sandrun.1" ||
			missing="$missing $var"
	done
	[ -z "$missing" ] || fail "sandrun.1 ENVIRONMENT lacks:$missing"
}
