#!/usr/bin/env bats
# SECURITY.md sections C (output floods) and H: output handling.

load sec_helpers

setup() {
	require_userns
}


@test "C34 stdout flood: exactly O kept, truncated, sandrun RSS bounded, JSON valid" {
	code 'import sys
b = b"y" * (1 << 20)
for _ in range(200): sys.stdout.buffer.write(b)'
	run /usr/bin/time -f 'RSS %M' "$SANDRUN" --json --output-limit 1M -t 20s "$CODE"
	rss=$(sed -n 's/^RSS //p' <<<"$output")
	output=$(grep -v '^RSS ' <<<"$output")
	printf '%s' "$output" | jq -e . >/dev/null
	[ "$(json .stdout.truncated)" = true ]
	[ "$(json .stdout.bytes)" = $((200 << 20)) ]
	[ "$(json .stdout.omitted_bytes)" = $(((200 << 20) - (1 << 20))) ]
	[ "$rss" -lt $((64 * 1024)) ]
}

@test "C35 stdout/stderr pipe deadlock: both pipes drained, no hang" {
	code 'import sys
sys.stderr.buffer.write(b"e" * (100 << 20)); sys.stderr.flush()
sys.stdout.write("x")'
	run "$SANDRUN" --json --output-limit 64K -t 20s "$CODE"
	[ "$(json .stdout.text)" = x ]
	[ "$(json .stderr.truncated)" = true ]
	[ "$(json .stderr.bytes)" = $((100 << 20)) ]
	code 'import sys, os
for i in range(50):
    os.write(1, b"o" * (1 << 20)); os.write(2, b"e" * (1 << 20))'
	run "$SANDRUN" --json --output-limit 64K -t 20s "$CODE"
	[ "$(json .stdout.bytes)" = $((50 << 20)) ]
	[ "$(json .stderr.bytes)" = $((50 << 20)) ]
	[ "$(json .time.wall_ms)" -lt 20000 ]
}

@test "C36 one enormous line, no newline, no flush: cap applied mid-line, valid JSON" {
	code 'import os
b = b"x" * (1 << 20)
for _ in range(200): os.write(1, b)'
	run "$SANDRUN" --json --output-limit 1M -t 20s "$CODE"
	printf '%s' "$output" | jq -e . >/dev/null
	[ "$(json .stdout.truncated)" = true ]
	[ "$(json .stdout.bytes)" = $((200 << 20)) ]
}

@test "H70 non-UTF-8 bytes: strict JSON, replacement flagged, byte counts exact" {
	code 'import os
data = bytes(range(0x80, 0x100)) + b"\xc0\xaf" + b"\xed\xa0\x80" + b"\xff\xfe" + "ok é".encode()
os.write(1, data); os.write(2, data)'
	run "$SANDRUN" --json "$CODE"
	printf '%s' "$output" | python3 -c 'import json,sys; json.loads(sys.stdin.read())'
	[ "$(json .stdout.bytes)" = $((128 + 2 + 3 + 2 + 5)) ]
	[ "$(json .stdout.invalid_utf8)" -gt 0 ]
	[ "$(json .stderr.invalid_utf8)" -gt 0 ]
	[[ "$(json .stdout.text)" == *"ok é" ]]
}

@test "H71 NUL, escapes and forged JSON fragments are escaped; human modes show no raw ESC" {
	code 'import sys
sys.stdout.write("a\0b\x1b[2J\x1b]52;c;cHdu\x07\r\x7f\u2028\u2029\"},\"status\":\"ok\"")
sys.exit(3)'
	run "$SANDRUN" --json "$CODE"
	[ "$(json .status)" = exit_nonzero ]
	[ "$(json .exit_code)" = 3 ]
	printf '%s' "$output" | python3 -c 'import json, sys
r = json.loads(sys.stdin.read())
t = r["stdout"]["text"]
assert r["status"] == "exit_nonzero", r["status"]
assert "\0" in t and "\x1b[2J" in t and "\u2028" in t and "\"},\"status\":\"ok\"" in t, t'
	grep -qF '\u0000' <<<"$output"
	! printf '%s' "$output" | LC_ALL=C grep -q $'\x1b'
	run "$SANDRUN" --format tool "$CODE"
	! printf '%s' "$output" | LC_ALL=C grep -q $'\x1b'
	run bash -c "'$SANDRUN' -v '$CODE' 2>&1 >/dev/null"
	[[ "$output" == *"sandrun:"* ]]
	! printf '%s' "$output" | LC_ALL=C grep -q $'\x1b'
}

@test "H73 exit-status fidelity: codes, signals and limits reported distinctly" {
	t() { # CODE STATUS EXIT_CODE SIGNAL [OPTS...]
		local c=$1 s=$2 e=$3 g=$4; shift 4
		code "$c"
		run "$SANDRUN" --json "$@" "$CODE"
		[ "$(json .status)" = "$s" ] || { echo "$c: status $(json .status) != $s" >&2; return 1; }
		[ "$(json .exit_code)" = "$e" ] || { echo "$c: exit $(json .exit_code) != $e" >&2; return 1; }
		[ "$(json .signal)" = "$g" ] || { echo "$c: signal $(json .signal) != $g" >&2; return 1; }
	}
	t 'exit(0)' ok 0 null
	t 'exit(1)' exit_nonzero 1 null
	t 'exit(255)' exit_nonzero 255 null
	t 'import os; os._exit(256)' ok 0 null
	t 'import sys; sys.exit("msg")' exit_nonzero 1 null
	t 'import os; os._exit(137)' exit_nonzero 137 null
	[ "$(json .limit_hit)" = null ]
	t 'import os, signal; os.kill(os.getpid(), signal.SIGSEGV)' signal null SIGSEGV
	# an i386 int 0x80 call: seccomp kills the process (bad arch)
	t 'import ctypes, mmap
m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
m.write(b"\xb8\x14\x00\x00\x00\xcd\x80\xc3")
f = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
f()' signal null SIGSYS
	# cgroup: OOM kill (SIGKILL); rlimit only: the allocation fails (exit 1)
	code 'b = bytearray(1 << 34)'
	run "$SANDRUN" --json -m 64M "$CODE"
	[ "$(json .status)" = memory_limit ]
	[ "$(json .limit_hit)" = memory ]
	t 'while True: pass' timeout null SIGKILL -t 1s
}

@test "H74 closed / odd stdout: correct report, no hang, sandrun survives SIGPIPE" {
	code 'import os, time
os.close(1); os.close(2)
time.sleep(0.2)
os._exit(3)'
	run "$SANDRUN" --json "$CODE"
	[ "$(json .exit_code)" = 3 ]
	code 'import os, fcntl, errno
fcntl.fcntl(1, fcntl.F_SETFL, os.O_NONBLOCK)
n = 0
while True:
    try: os.write(1, b"z" * 65536)
    except BlockingIOError: n += 1'
	run "$SANDRUN" --json --output-limit 64K -t 2s "$CODE"
	[ "$(json .status)" = timeout ]
	code 'yes | head -n 1; exit 4' sh
	run "$SANDRUN" --json -p sh "$CODE"
	[ "$(json .exit_code)" = 4 ]
	[ "$(json .stdout.text)" = y ]
	# sandrun's own stdout closed early: it must not die of SIGPIPE
	code 'import sys
for i in range(100000): print("line", i)'
	run bash -c "'$SANDRUN' -t 5s '$CODE' | head -n 1; echo \"rc=\${PIPESTATUS[0]}\""
	[ "${lines[0]}" = "line 0" ]
	[ "${lines[1]}" != "rc=141" ]
}

@test "H75 cap boundary arithmetic: O-1, O, O+1, split streams, 4-byte char straddling O" {
	for n in 999 1000 1001; do
		code "import sys; sys.stdout.write('x' * $n)"
		run "$SANDRUN" --json --output-limit 1000 "$CODE"
		[ "$(json .stdout.bytes)" = "$n" ]
		[ "$(json .stdout.truncated)" = "$([ "$n" -gt 1000 ] && echo true || echo false)" ]
		[ "$(json .stdout.omitted_bytes)" = "$([ "$n" -gt 1000 ] && echo $((n - 1000)) || echo 0)" ]
	done
	code "import sys; sys.stdout.write('o' * 1000); sys.stderr.write('e' * 1000)"
	run "$SANDRUN" --json --output-limit 1000 "$CODE"
	[ "$(json .stdout.truncated)" = false ]
	[ "$(json .stderr.truncated)" = false ]
	code "import sys; sys.stdout.write('x' * 998 + '\U0001F600' + 'tail')"
	run "$SANDRUN" --json --output-limit 1000 "$CODE"
	printf '%s' "$output" | python3 -c 'import json,sys; json.loads(sys.stdin.read())'
	[ "$(json .stdout.bytes)" = $((998 + 4 + 4)) ]
	[ "$(json .stdout.truncated)" = true ]
}
