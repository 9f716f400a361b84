#!/usr/bin/env bats
# SECURITY.md section I: input and policy parsing (the CLI itself).

load sec_helpers

setup() {
	require_userns
	CODE="$BATS_TEST_TMPDIR/code.py"
	echo 'print("EXECUTED")' >"$CODE"
}

# refused FILE-or-NAME: sandrun exits 125 quickly, runs nothing, echoes no
# file content.
refused() {
	run timeout 20 "$SANDRUN" -p "$1" "$CODE"
	[ "$status" -eq 125 ] || { echo "$1: status $status: $output" >&2; return 1; }
	[[ "$output" != *EXECUTED* ]]
	[[ "$output" != *"root:x:0"* ]]
	[ "${#output}" -lt 4096 ]
}

@test "I76 malformed policy JSON: structured error, no code executed, no crash or hang" {
	d=$BATS_TEST_TMPDIR
	printf '' >"$d/empty.json"
	printf '{' >"$d/open.json"
	printf '{"extends":"python",}' >"$d/comma.json"
	printf '// c\n{"extends":"python"}' >"$d/comment.json"
	printf '\xef\xbb\xbf{"extends":"python","limits":{"memory":"1x"}}' >"$d/bom.json"
	printf '{"extends":"python","limits":{"processes":NaN}}' >"$d/nan.json"
	printf '{"extends":"python","limits":{"processes":Infinity}}' >"$d/inf.json"
	printf '{"extends":"python","limits":{"processes":1e999}}' >"$d/huge.json"
	printf '{"extends":"python","limits":{"processes":-1}}' >"$d/neg.json"
	printf '{"extends":"python","limits":{"memory":"18446744073709551616"}}' >"$d/u64.json"
	printf '{"extends":"python","limits":{"processes":1.5}}' >"$d/float.json"
	printf '{"extends":"python","limits":{"processes":"eight"}}' >"$d/string.json"
	printf 'null' >"$d/null.json"
	printf '{"extends":"python","hostname":"\xff\xfe"}' >"$d/utf8.json"
	printf '{"extends":"python","limits":{"memroy":"1G"}}' >"$d/typo.json"
	python3 -c 'print("[" * 100000 + "]" * 100000)' >"$d/deep.json"
	python3 -c 'print("{\"description\":" + "[" * 999 + "]" * 999 + "}")' >"$d/d999.json"
	python3 -c 'print("{\"description\":" + "[" * 1001 + "]" * 1001 + "}")' >"$d/d1001.json"
	python3 -c 'import sys; sys.stdout.write("{\"description\":\"" + "a" * (100 << 20) + "\"}")' >"$d/big.json"
	for f in empty open comma comment bom nan inf huge neg u64 float string null utf8 typo deep d999 d1001 big; do
		refused "$d/$f.json"
	done
	run /usr/bin/time -f 'RSS %M' "$SANDRUN" --check-policy "$d/big.json"
	[ "$(sed -n 's/^RSS //p' <<<"$output")" -lt $((512 * 1024)) ]
}

@test "I78 policy name traversal: rejected before any open, no hang on FIFO or /dev/zero" {
	refused "python; id"
	refused "%n%s%s"
	refused $'py\nthon'
	refused -
	refused "$(printf 'a%.0s' $(seq 5000))"
	refused ../../etc/passwd
	refused ../../../proc/self/environ
	refused /dev/zero
	refused /etc/shadow
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	refused "$BATS_TEST_TMPDIR/fifo"
	mkdir -p "$BATS_TEST_TMPDIR/pol"
	ln -s /etc/passwd "$BATS_TEST_TMPDIR/pol/evil.json"
	SANDRUN_POLICY_PATH="$BATS_TEST_TMPDIR/pol:$SANDRUN_POLICY_PATH" refused evil
}

@test "I79 dangerous mounts requested by policy: rejected or confined" {
	d=$BATS_TEST_TMPDIR
	pol() { printf '{"extends":"python","filesystem":{"append":[%s]}}' "$1" >"$d/p.json"; refused "$d/p.json"; }
	pol '{"type":"ro","src":"/"}'
	pol '{"type":"ro","src":"/proc"}'
	pol '{"type":"ro","src":"/etc","dst":"/proc"}'
	pol '{"type":"ro","src":"/etc","dst":"/dev"}'
	pol '{"type":"ro","src":"/etc","dst":"../../etc"}'
	pol '{"type":"ro","src":"/etc/../root","dst":"/x"}'
	pol '{"type":"rw","src":"/usr"}'
	run "$SANDRUN" --bind /:/host "$CODE"
	[ "$status" -eq 125 ]
	run "$SANDRUN" --bind /etc:/proc "$CODE"
	[ "$status" -eq 125 ]
	run "$SANDRUN" --bind-rw /usr:/x "$CODE"
	[ "$status" -eq 125 ]
	# the policy's bind rules hold for --bind too, with one line naming it
	run --separate-stderr "$SANDRUN" --bind /sys:/x "$CODE"
	[ "$status" -eq 125 ]
	[ "$stderr" = "sandrun: --bind /sys: must not bind the host's /sys; bind a narrower directory" ]
	ln -s /proc/self "$d/proclink"
	run --separate-stderr "$SANDRUN" --bind "$d/proclink:/x" "$CODE"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"must not bind the host's /proc"* ]]
	# a policy source that is a link into /sys is refused like /sys
	ln -s /sys/kernel "$d/syslink"
	printf '{"extends":"python","filesystem":{"append":[{"type":"ro","src":"%s","dst":"/k"}]}}' "$d/syslink" >"$d/p2.json"
	run --separate-stderr "$SANDRUN" -p "$d/p2.json" "$CODE"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"must not bind the host's /sys"* ]]
	# a symlink as bind source is resolved on the host before the run:
	# the bind lands on its target, read-only, nosuid, nodev
	d=$(mktemp -d /tmp/sr-i79.XXXXXX)
	chmod 755 "$d"
	mkdir -p "$d/real"
	echo inside >"$d/real/f"
	chmod -R a+rX "$d"
	ln -s "$d/real" "$d/link"
	run "$SANDRUN" --json --bind "$d/link:/data" -p sh --exec -- sh -c 'cat /data/f; touch /data/g 2>&1; grep " /data " /proc/self/mountinfo'
	[[ "$(json .stdout.text)" == inside* ]] || { echo "$output" >&2; false; }
	[[ "$(json .stdout.text)" == *"Read-only file system"* ]]
	[[ "$(json .stdout.text)" == *" ro,nosuid,nodev"* ]]
	rm -rf "$d"
}

@test "I81 CLI argument injection: rejected, or passed only to the program after --" {
	refused "python; id"
	refused "../../bin/sh"
	echo 'import sys; print(sys.argv[1:])' >"$CODE"
	run "$SANDRUN" --json "$CODE" -- --bind-rw /:/x --network loopback -p sh
	[ "$(json .stdout.text)" = "['--bind-rw', '/:/x', '--network', 'loopback', '-p', 'sh']" ]
	[ "$(json .policy.name)" = python ]
	echo 'import os; print(os.environ.get("LD_PRELOAD"))' >"$CODE"
	run "$SANDRUN" --json -e LD_PRELOAD=/nonexistent/evil.so "$CODE"
	[ "$(json .status)" = ok ]
	[[ "$output" != *"cannot be preloaded"* ]] || [ "$(json .stdout.text)" = "/nonexistent/evil.so" ]
}

@test "I82 stdin pressure: no deadlock, bounded buffering, timeout honoured" {
	echo 'import time; time.sleep(0.2); print("done")' >"$CODE"
	run bash -c "head -c 200000000 /dev/zero | '$SANDRUN' --json --stdin - -t 5s '$CODE'"
	[ "$(json .stdout.text)" = done ]
	run bash -c "head -c 200000000 /dev/zero | '$SANDRUN' --json -t 5s '$CODE'"
	[ "$(json .stdout.text)" = done ]
	echo 'import sys; d = sys.stdin.buffer.read(); print(len(d), d[:4] == bytes([0, 255, 1, 254]))' >"$CODE"
	run bash -c "printf '\\x00\\xff\\x01\\xfe' | '$SANDRUN' --json --stdin - -t 5s '$CODE'"
	[ "$(json .stdout.text)" = "4 True" ]
	echo 'import sys
while True:
    if not sys.stdin.buffer.read(1 << 16): print("eof"); break' >"$CODE"
	run bash -c "head -c 1000000 /dev/urandom | '$SANDRUN' --json --stdin - -t 5s '$CODE'"
	[ "$(json .stdout.text)" = eof ]
}

@test "I83 parallel runs: unique cgroups/temp roots, no cross-talk, a killed run disturbs no other" {
	echo 'import sys, time; time.sleep(1.5); print(sys.argv[1])' >"$CODE"
	d=$BATS_TEST_TMPDIR/par
	mkdir -p "$d"
	pids=()
	for i in $(seq 50); do
		"$SANDRUN" --json -t 30s "$CODE" -- "run$i" >"$d/$i.json" 2>/dev/null &
		pids+=($!)
	done
	victim=$((RANDOM % 50))
	sleep 0.3
	kill -TERM "${pids[$victim]}" || true
	for p in "${pids[@]}"; do wait "$p" || true; done
	for i in $(seq 50); do
		[ $((i - 1)) -eq "$victim" ] && continue
		jq -e --arg r "run$i" '.status == "ok" and .stdout.text == ($r + "\n")' "$d/$i.json" >/dev/null ||
			{ echo "run $i: $(head -c 300 "$d/$i.json")" >&2; return 1; }
	done
	for p in "${pids[@]}"; do
		[ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "sandrun-$p-*" 2>/dev/null)" ]
	done
	! pgrep -f "$CODE" >/dev/null
}
