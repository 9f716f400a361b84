# shellcheck shell=bash
# Shared setup for tests/security: host-side oracles (SECURITY.md) and probe
# runners.  Load with: load sec_helpers

load ../bats/helpers

PROBE="$SANDRUN_SRCDIR/tests/security/probes/probe.py"
export PROBE

# probe CASE [ARG...]: run the probe inside sandrun (JSON); $output is the
# JSON, $text the program's stdout.  Extra sandrun options go in $SR_OPTS.
probe() {
	# shellcheck disable=SC2086
	run "$SANDRUN" --json -t "${SR_T:-20s}" ${SR_OPTS:-} "$PROBE" -- "$@"
	text=$(printf '%s' "$output" | jq -r .stdout.text)
	if [ "${SR_DEBUG:-0}" = 1 ]; then printf '%s\n' "$text" >&3; fi
}

# bare CASE [ARG...]: the same probe on the host, without sandrun.
bare() {
	run /usr/bin/python3 "$PROBE" "$@"
	text=$output
}

# has LINE: $text holds the exact line.
has() {
	grep -qxF -- "$1" <<<"$text" || {
		echo "missing line: $1" >&2
		printf '%s\n' "$text" | head -50 >&2
		return 1
	}
}

# hasnt REGEX: no line of $text matches.
hasnt() {
	if grep -qE -- "$1" <<<"$text"; then
		echo "unexpected line matching: $1" >&2
		grep -E -- "$1" <<<"$text" | head >&2
		return 1
	fi
}

# status_is WORD: the JSON status.
status_is() {
	local s
	s=$(printf '%s' "$output" | jq -r .status)
	[ "$s" = "$1" ] || { echo "status $s, expected $1" >&2; printf '%s\n' "$output" | head -c 2000 >&2; return 1; }
}

# ---- host-side oracles ---------------------------------------------------

# canaries_setup: a fresh nonce in files ($HOME, /tmp, /dev/shm, /root,
# next to the cwd), env vars, a same-uid process with the nonce in argv.
canaries_setup() {
	NONCE="srcanary$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	export NONCE
	CANARY_FILES=()
	local f
	for f in "$HOME/.$NONCE" "/tmp/$NONCE" "/dev/shm/$NONCE"; do
		if echo "$NONCE" >"$f" 2>/dev/null; then CANARY_FILES+=("$f"); fi
	done
	if [ "$(id -u)" = 0 ] && echo "$NONCE" >"/root/.$NONCE-root" 2>/dev/null; then
		CANARY_FILES+=("/root/.$NONCE-root")
	fi
	CWD_DIR=$(scratch)
	chmod 755 "$CWD_DIR"
	echo "$NONCE" >"$CWD_DIR/canary.txt"
	CANARY_FILES+=("$CWD_DIR/canary.txt")
	export SECRET_TOKEN="$NONCE" AWS_SECRET_ACCESS_KEY="$NONCE" OPENAI_API_KEY="$NONCE"
	export GITHUB_TOKEN="$NONCE" SR_CANARY="$NONCE"
	# same uid as the caller, nonce in argv
	bash -c "exec -a sleep-$NONCE sleep 300" </dev/null >/dev/null 2>&1 &
	CANARY_PID=$!
	export CANARY_PID
	# the exec -a has happened once the nonce is in its argv
	local i
	for i in $(seq 100); do
		grep -q "sleep-$NONCE" "/proc/$CANARY_PID/cmdline" 2>/dev/null && break
		sleep 0.05
	done
	MOUNTS_BEFORE=$(wc -l </proc/self/mountinfo)
	host_mounts >"$BATS_TEST_TMPDIR/mounts.before"
}

canaries_teardown() {
	[ -n "${CANARY_PID:-}" ] && kill "$CANARY_PID" 2>/dev/null
	[ -n "${CANARY_PID:-}" ] && wait "$CANARY_PID" 2>/dev/null
	local f
	for f in "${CANARY_FILES[@]}"; do rm -f "$f"; done
	unset SECRET_TOKEN AWS_SECRET_ACCESS_KEY OPENAI_API_KEY GITHUB_TOKEN SR_CANARY
	true
}

canary_alive() {
	kill -0 "$CANARY_PID" 2>/dev/null && grep -q "sleep-$NONCE" "/proc/$CANARY_PID/cmdline"
}

# no_nonce: the nonce is nowhere in the last run's output (JSON or text).
no_nonce() {
	if grep -qF -- "$NONCE" <<<"$output"; then
		echo "nonce leaked into the output" >&2
		return 1
	fi
}

# srun ARG...: like `run "$SANDRUN" ARG...` but remembers sandrun's pid in
# SR_PID, so leftovers of exactly this run can be checked (other runs may
# go on concurrently).
srun() {
	local o="$BATS_TEST_TMPDIR/srun.out"
	"$SANDRUN" "$@" >"$o" 2>"$o.err" &
	SR_PID=$!
	status=0
	wait "$SR_PID" || status=$?
	output=$(cat "$o")
}

# The host's mounts: mount point, type and source (the fields around
# mountinfo's variable-length optional part), sorted.
host_mounts() {
	awk '{ for (i = 7; $i != "-"; i++) ; print $5, $(i + 1), $(i + 2) }' \
		/proc/self/mountinfo | sort
}

# no_leftovers: nothing of run $SR_PID is left: cgroups, temp dirs,
# processes (mountinfo of the host namespace unchanged since setup).
no_leftovers() {
	local x
	# find exits 1 when another run's directory vanishes while it scans
	# (tests run in parallel): what it prints is the verdict
	x=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "sandrun-$SR_PID-*" 2>/dev/null || true)
	[ -z "$x" ] || { echo "cgroup left: $x" >&2; return 1; }
	# the names sandrun itself gives temporary entries (cgroup.c,
	# export.c); a looser pattern matched other tests' files by chance
	x=$(find /tmp "${TMPDIR:-/tmp}" -maxdepth 1 \( -name "sandrun-$SR_PID-*" \
	    -o -name ".sandrun-$SR_PID-*" \) 2>/dev/null || true)
	[ -z "$x" ] || { echo "temp left: $x" >&2; return 1; }
	[ "$(wc -l </proc/self/mountinfo)" = "$MOUNTS_BEFORE" ] || {
		echo "host mounts changed (mount point, type, source; < before, > now):" >&2
		host_mounts | diff "$BATS_TEST_TMPDIR/mounts.before" - >&2
		return 1
	}
	if kill -0 "$SR_PID" 2>/dev/null; then
		echo "sandrun $SR_PID still there: $(ps -o pid=,stat=,args= -p "$SR_PID")" >&2
		return 1
	fi
}

# A TCP and UDP listener on host loopback (v4 and v6) that logs every
# connection to $LISTEN_LOG.  Sets LPORT.
listeners_start() {
	LISTEN_LOG=$(scratch)/listen.log
	: >"$LISTEN_LOG"
	python3 - "$LISTEN_LOG" <<'PY' >"$LISTEN_LOG.port" 2>/dev/null &
import socket, sys, threading, os
log = open(sys.argv[1], "a", buffering=1)
t4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t4.bind(("127.0.0.1", 0)); t4.listen(5)
port = t4.getsockname()[1]
socks = [t4]
for fam, typ, host in [(socket.AF_INET6, socket.SOCK_STREAM, "::1"), (socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1"), (socket.AF_INET6, socket.SOCK_DGRAM, "::1")]:
    try:
        s = socket.socket(fam, typ); s.bind((host, port))
        if typ == socket.SOCK_STREAM: s.listen(5)
        socks.append(s)
    except OSError:
        pass
print(port, flush=True)
def serve(s):
    while True:
        if s.type == socket.SOCK_STREAM:
            c, a = s.accept(); log.write("tcp %s\n" % (a,)); c.close()
        else:
            d, a = s.recvfrom(100); log.write("udp %s\n" % (a,))
for s in socks:
    threading.Thread(target=serve, args=(s,), daemon=True).start()
threading.Event().wait(120)
PY
	LISTEN_PID=$!
	local i
	for i in $(seq 50); do [ -s "$LISTEN_LOG.port" ] && break; sleep 0.05; done
	LPORT=$(cat "$LISTEN_LOG.port")
	[ -n "$LPORT" ]
}

listeners_stop() {
	[ -n "${LISTEN_PID:-}" ] && kill "$LISTEN_PID" 2>/dev/null
	true
}

# code TEXT [EXT]: write a program (Python unless EXT says otherwise) to
# $BATS_TEST_TMPDIR/code.EXT and set CODE to its path.
code() {
	CODE="$BATS_TEST_TMPDIR/code.${2:-py}"
	printf '%s\n' "$1" >"$CODE"
}
