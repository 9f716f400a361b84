#!/usr/bin/env bats
# The caller's per-user kernel quotas while a sandbox tries to spend them
# (issue #16; docs/cgroups.md, "Per-user kernel quotas").  They matter for
# an ordinary user: as root the tests run as sandrun-ci when it exists.

load helpers

setup() {
	require_userns
	# readable by sandrun-ci (bats' own temporary directory is not)
	WORK=$(mktemp -d /tmp/sr-quotas.XXXXXX)
	chmod 755 "$WORK"
	AS=()
	if [ "$(id -u)" = 0 ]; then
		# root's own pipes and inotify are not limited; its sandboxes
		# run as 65534: the case to test is an ordinary caller
		id sandrun-ci >/dev/null 2>&1 ||
			skip "as root: needs the user sandrun-ci (useradd -m sandrun-ci)"
		runuser -u sandrun-ci -- test -x "$SANDRUN" ||
			skip "as root: sandrun-ci cannot run $SANDRUN"
		AS=(runuser -u sandrun-ci --)
	fi
}

teardown() {
	rm -rf "$WORK"
}

# The caller's side: a new pipe's buffer size and whether inotify_init1
# works, printed as "PIPE INOTIFY".
caller_probe() {
	"${AS[@]}" /usr/bin/python3 -c 'import ctypes, fcntl, os
r, w = os.pipe()
fd = ctypes.CDLL(None, use_errno=True).inotify_init1(0)
print(fcntl.fcntl(w, 1032), "ok" if fd >= 0 else "errno%d" % ctypes.get_errno())'
}

# during_run SECS ARGS...: sandrun --json ARGS (the program on stdin) in
# the background; after SECS seconds the caller's probe into $probe, then
# the run's JSON into $output.
during_run() {
	local secs=$1 pid
	shift
	# a background job's stdin is /dev/null unless redirected
	cat >"$WORK/prog.py"
	"${AS[@]}" "$SANDRUN" --json "$@" <"$WORK/prog.py" >"$WORK/out.json" &
	pid=$!
	sleep "$secs"
	run -0 caller_probe
	probe=$output
	wait "$pid"
	output=$(cat "$WORK/out.json")
}

# pipe_hog FORKS SLEEP: a program that forks FORKS more processes, each
# holding as many pipes as it can (write ends closed) and asking 1 MiB for
# each; each prints "HELD ENLARGED" in one write (the lines of the
# processes do not interleave), then sleeps SLEEP seconds.
pipe_hog() {
	cat <<EOF
import fcntl, os, time
held, enlarged = [], 0
for _ in range($1):
    try:
        if os.fork() == 0:
            break
    except OSError:
        break
while True:
    try:
        r, w = os.pipe()
    except OSError:
        break
    os.close(w)
    try:
        fcntl.fcntl(r, 1031, 1 << 20)
        enlarged += 1
    except OSError:
        pass
    held.append(r)
os.write(1, b"%d %d\n" % (len(held), enlarged))
time.sleep($2)
EOF
}

# The pipes pipe_hog's processes held, from $output; fails when one of
# them could enlarge a pipe.
pipes_held() {
	json '.stdout.text' | awk 'NF == 2 { if ($2 != 0) exit 1; t += $1 } END { print t + 0 }'
}

@test "quotas: a sandbox cannot enlarge a pipe (F_SETPIPE_SZ refused)" {
	run -0 "${AS[@]}" "$SANDRUN" --json -p python <<<'import fcntl, os
r, w = os.pipe()
try:
    fcntl.fcntl(w, 1031, 1 << 20)
    print("enlarged")
except PermissionError:
    print("refused", fcntl.fcntl(w, 1032))'
	[ "$(json .stdout.text)" = "refused 65536" ]
	[ "$(json '.denied[] | select(.syscall == "fcntl") | .count')" = 1 ]
}

@test "quotas: many processes x pipes asking 1 MiB leave the caller 64 KiB pipes" {
	# 4 processes x 64 files x 16 pages = 4096 pages, a quarter of the
	# default pipe-user-pages-soft (16384); with 1 MiB pipes (256 pages)
	# the same processes would hold 4 x 63 x 256 pages and the caller's
	# next pipe would get 2 pages
	soft=$(cat /proc/sys/fs/pipe-user-pages-soft)
	[ "$soft" -ge 8192 ] || skip "pipe-user-pages-soft is $soft on this host"
	pol="$WORK/small.json"
	echo '{"extends": "python", "limits": {"processes": 4, "open_files": 64}}' >"$pol"
	during_run 2.5 -p "$pol" -t 30s <<<"$(pipe_hog 3 4)"
	echo "caller: $probe; sandbox: $(json .stdout.text)"
	# the sandbox really held many pipes, none enlarged
	total=$(pipes_held)
	[ "$total" -ge 150 ]
	[ "$probe" = "65536 ok" ]
}

# Whether the sandbox's user gets a uid of the caller's /etc/subuid range.
require_own_uid() {
	"${AS[@]}" "$SANDRUN" --check-host | grep -q '^ok *user quotas' ||
		need "no uid of its own for the sandbox: $("${AS[@]}" "$SANDRUN" --check-host | sed -n 's/^no *user quotas *//p')"
}

@test "quotas: a sandbox holding thousands of pipes leaves the caller 64 KiB pipes (a uid of its own)" {
	require_own_uid
	# the shipped limits (64 processes x 256 files): 63 pipes' worth of
	# pages per file, far past pipe-user-pages-soft, which under the
	# caller's uid drops the caller's next pipe to 8 KiB
	soft=$(cat /proc/sys/fs/pipe-user-pages-soft)
	[ "$soft" -gt 0 ] || skip "pipe-user-pages-soft is 0: no per-user pipe limit on this host"
	during_run 3.5 -p python -t 60s <<<"$(pipe_hog 63 5)"
	total=$(pipes_held)
	echo "caller: $probe; sandbox: $total pipes as $(json .isolation.host_uid), soft limit $soft pages"
	[ "$(json .isolation.host_uid)" = subordinate ]
	# enough pipes of 16 pages to cross the soft limit by far
	[ "$total" -gt $((soft / 16 + 1000)) ]
	[ "$probe" = "65536 ok" ]
}

@test "quotas: a read-write bind keeps the caller's uid, and the files are the caller's" {
	require_own_uid
	mkdir "$WORK/rw" "$WORK/out"
	chmod 700 "$WORK/rw" "$WORK/out"
	[ -z "${AS[*]}" ] || chown sandrun-ci: "$WORK/rw" "$WORK/out"
	run -0 "${AS[@]}" "$SANDRUN" --json -p python --bind-rw "$WORK/rw:/mnt" <<<'open("/mnt/out.txt", "w").write("x")'
	[ "$(json .isolation.host_uid)" = caller ]
	[ "$(stat -c %u "$WORK/rw/out.txt")" = "$("${AS[@]}" id -u)" ]
	# without it, the same program runs as the subordinate uid; what it
	# leaves in its work dir reaches the caller as the caller's
	run -0 "${AS[@]}" "$SANDRUN" --json -p python --out "$WORK/out" <<<'open("out.txt", "w").write("x")'
	[ "$(json .isolation.host_uid)" = subordinate ]
	[ "$(json '.files[0].path')" = out.txt ]
	[ "$(stat -c %u "$WORK/out/out.txt")" = "$("${AS[@]}" id -u)" ]
}

@test "quotas: inotify instances are bounded inside the sandbox's user namespace" {
	# a policy that allows inotify (the shipped ones do not): the sandbox's
	# own user namespace allows a quarter of the host's per-user maximum
	max=$(cat /proc/sys/fs/inotify/max_user_instances)
	pol="$WORK/inotify.json"
	echo '{"extends": "python", "syscalls": {"allow": ["@python", "inotify_init1"]}}' >"$pol"
	during_run 2.5 -p "$pol" -t 30s <<<'import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
n = 0
while libc.inotify_init1(0) >= 0:
    n += 1
print(n, ctypes.get_errno(), flush=True)
time.sleep(4)'
	echo "caller: $probe; sandbox: $(json .stdout.text)"
	# EMFILE: the user namespace's max_inotify_instances
	[ "$(json .stdout.text)" = "$((max / 4)) 24" ]
	[ "$probe" = "65536 ok" ]
}

@test "quotas: the sandbox may create no namespace at any level" {
	run -0 "${AS[@]}" "$SANDRUN" --json -p python <<<'import glob
print(sorted(set(open(f).read().strip() for f in glob.glob("/proc/sys/user/max_*_namespaces"))))'
	[ "$(json .stdout.text)" = "['0']" ]
}
