#!/usr/bin/env bats
# Limits: each one stops what it should, the report names the limit and
# the mechanism that enforced it (docs/limits.md), and nothing escapes.
# Runs as root (cgroup v1 on the CI host) and as an ordinary user (no
# cgroup: rlimits); the expected mechanism follows from the host.

load helpers

setup() {
	require_userns
	MECH=$(expected_cgroup_mech)
}

# The mechanism sandrun should pick for memory, processes and cpu_time:
# cgroup1 as root on a v1 host; rlimit without any usable cgroup; on a
# cgroup v2 host "cgroup2" if sandrun found a delegated parent, which only
# sandrun itself can tell (then any of cgroup2/rlimit is accepted).
expected_cgroup_mech() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo any
	elif [ "$(id -u)" = 0 ] && [ -d /sys/fs/cgroup/memory ] &&
		[ -d /sys/fs/cgroup/pids ]; then
		echo cgroup1
	else
		echo rlimit
	fi
}

# assert_mech LIMIT: the JSON in $output names the expected mechanism.
assert_mech() {
	local got
	got=$(json ".limits.$1.mechanism")
	if [ "$MECH" = any ]; then
		[[ "$got" =~ ^(cgroup2|rlimit)$ ]] || {
			echo "limits.$1.mechanism: $got" >&2
			return 1
		}
	else
		[ "$got" = "$MECH" ] || {
			echo "limits.$1.mechanism: got $got, want $MECH" >&2
			return 1
		}
	fi
}

is_cgroup() {
	[[ "$(json .limits.memory.mechanism)" == cgroup* ]]
}

# Processes on the host whose command line contains the nonce.
leftovers() {
	pgrep -f -- "$1" || true
}

@test "-v prints every limit with its mechanism" {
	run -0 --separate-stderr sandrun -v <<<'print(1)'
	line=$(grep '^sandrun: limits: ' <<<"$stderr")
	[[ "$line" == *"wall_time 10 s (supervisor)"* ]]
	[[ "$line" == *"open_files 256 (rlimit)"* ]]
	[[ "$line" == *"output 1 MiB (supervisor)"* ]]
	# tmpfs sized by the memory limit where the memory cgroup is charged
	# for its pages (sandrun-policy(5)), else the policy's 64 MiB
	# and the largest file with them (RLIMIT_FSIZE)
	if [[ "$line" == *"memory 512 MiB (rlimit)"* ]]; then
		[[ "$line" == *"tmpfs_tmp 64 MiB (tmpfs)"* ]]
		[[ "$line" == *"tmpfs_shm 64 MiB (tmpfs)"* ]]
		[[ "$line" == *"file_size 64 MiB (rlimit)"* ]]
	else
		[[ "$line" == *"tmpfs_tmp 512 MiB (tmpfs)"* ]]
		[[ "$line" == *"tmpfs_shm 512 MiB (tmpfs)"* ]]
		[[ "$line" == *"file_size 256 MiB (rlimit)"* ]]
	fi
	[[ "$line" == *"memory 512 MiB ("* ]]
	[[ "$line" == *"processes 64 ("* ]]
	[[ "$line" == *"cpu_time 10 s ("* ]]
}

@test "the JSON limits object: python defaults and their mechanisms" {
	run -0 sandrun --json <<<'print(1)'
	[ "$(json .limits.wall_time.value)" = 10000 ]
	[ "$(json .limits.wall_time.mechanism)" = supervisor ]
	[ "$(json .limits.cpu_time.value)" = 10000 ]
	[ "$(json .limits.memory.value)" = 536870912 ]
	[ "$(json .limits.processes.value)" = 64 ]
	[ "$(json .limits.open_files.value)" = 256 ]
	[ "$(json .limits.open_files.mechanism)" = rlimit ]
	[ "$(json .limits.file_size.mechanism)" = rlimit ]
	[ "$(json .limits.output.value)" = 1048576 ]
	[ "$(json .limits.output.mechanism)" = supervisor ]
	# tmpfs sizes and file_size (at half) follow the memory limit where
	# the memory cgroup is charged for tmpfs pages
	want=67108864
	[ "$(json .limits.memory.mechanism)" = rlimit ] || want=536870912
	[ "$(json .limits.file_size.value)" = $((want == 67108864 ? want : want / 2)) ]
	for t in tmp work shm; do
		[ "$(json .limits.tmpfs_$t.value)" = "$want" ]
		[ "$(json .limits.tmpfs_$t.mechanism)" = tmpfs ]
	done
	assert_mech memory
	assert_mech processes
	assert_mech cpu_time
	# cgroup or not, every mechanism named is one that exists
	json '[.limits[].mechanism] | unique | .[]' |
		grep -vxE 'cgroup1|cgroup2|rlimit|supervisor|tmpfs|none' && false
	true
}

@test "memory bomb: stopped at the limit, reported as memory, output kept" {
	run sandrun --json -m 64M <<<'
print("before", flush=True)
b = bytearray(1 << 30)
b[::4096] = b"x" * (1 << 18)
print("after")'
	[ "$(json .status)" = memory_limit ]
	[ "$(json .limit_hit)" = memory ]
	[ "$(json .stdout.text)" = before ]
	[ "$(json .limits.memory.value)" = 67108864 ]
	assert_mech memory
	if is_cgroup; then
		[ "$status" = 137 ]
		[ "$(json .oom_killed)" = true ]
		[ "$(json .alloc_failed)" = false ]
		[ "$(json .signal)" = SIGKILL ]
		# the cgroup's peak never passes the limit (plus a page or so)
		[ "$(json .memory.peak_bytes)" -le $((64 * 1024 * 1024 + 1048576)) ]
	else
		[ "$status" = 1 ]
		[ "$(json .alloc_failed)" = true ]
		[ "$(json .oom_killed)" = false ]
		[[ "$(json .stderr.text)" == *MemoryError* ]]
	fi
}

@test "memory bomb in text mode: one line names the limit" {
	run --separate-stderr sandrun -m 64M <<<'b = bytearray(1 << 30); b[::4096] = b"x" * (1 << 18)'
	[[ "$stderr" == *"sandrun: memory limit (64 MiB) exceeded" ]]
	if [[ "$MECH" == cgroup1 ]]; then [ "$status" = 137 ]; fi
	if [[ "$MECH" == rlimit ]]; then [ "$status" = 1 ]; fi
}

@test "slow memory growth (a list of small objects) is stopped too" {
	run sandrun --json -m 96M -t 20s <<<'
l = []
while True:
    l.append(" " * 1000 + str(len(l)))'
	[ "$(json .status)" = memory_limit ]
	[ "$(json .limit_hit)" = memory ]
}

@test "fork bomb: capped by the process limit, reported, nothing left" {
	nonce=fb$RANDOM$RANDOM
	run sandrun --json --pids 16 -t 20s - -- "$nonce" <<<'
import os, sys, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as e:
    print("forked", n, flush=True)
    raise'
	[ "$(json .status)" = process_limit ]
	[ "$(json .limit_hit)" = processes ]
	[ "$status" = 1 ]
	[ "$(json .limits.processes.value)" = 16 ]
	assert_mech processes
	# init + the program + its children fit in 16
	n=$(json .stdout.text | awk '{print $2}')
	[ "$n" -ge 10 ] && [ "$n" -le 14 ]
	[ -z "$(leftovers "$nonce")" ]
}

@test "a fork refused by the process limit is reported even after exit 0" {
	run sandrun --json --pids 8 -t 20s <<<'
import os, time
n = 0
for _ in range(20):
    try:
        if os.fork() == 0:
            time.sleep(2)
            os._exit(0)
        n += 1
    except OSError:
        pass
print("forked", n)'
	[ "$status" = 0 ] || [ "$status" = 1 ]
	assert_mech processes
	if [[ "$(json .limits.processes.mechanism)" == cgroup* ]]; then
		# pids.events counted the refusal: the limit acted
		[ "$(json .status)" = process_limit ]
		[ "$(json .limit_hit)" = processes ]
	else
		# RLIMIT_NPROC refusals leave no trace outside the program
		# (docs/cgroups.md): a program that shrugs them off reports ok
		[ "$(json .status)" = ok ]
	fi
}

@test "shell fork bomb: contained, the run ends, nothing left" {
	nonce=sfb$RANDOM$RANDOM
	# the sleep gives the bomb time to reach the cap before the script ends
	run sandrun --json -p sh --pids 32 -t 3s - -- "$nonce" <<<'f() { f | f & }; f
sleep 1
wait'
	# the top shell may well exit 0 after its children failed to fork:
	# contained and finished is what counts here
	[[ "$(json .status)" =~ ^(ok|process_limit|timeout)$ ]]
	# on a loaded machine the wall clock may stop it before a fork fails
	# (dash says "Cannot fork" or "Cannot create pipe" when a limit bites)
	[[ "$(json .stderr.text)" == *"Cannot "* || "$(json .status)" =~ ^(timeout|process_limit)$ ]]
	[ -z "$(leftovers "$nonce")" ]
}

@test "thread bomb (8 MiB stacks): capped, reported as processes" {
	run sandrun --json --pids 24 <<<'
import threading, time
threading.stack_size(8 << 20)
n = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        n += 1
except RuntimeError:
    print("threads", n, flush=True)
    raise'
	[ "$(json .status)" = process_limit ]
	[ "$(json .limit_hit)" = processes ]
	n=$(json .stdout.text | awk '{print $2}')
	[ "$n" -ge 15 ] && [ "$n" -le 22 ]
	assert_mech processes
}

@test "CPU burn: cpu_time limit, exit 124, one line on stderr" {
	run --separate-stderr sandrun --cpu-time 1s -t 10s <<<'while True: pass'
	[ "$status" = 124 ]
	[ "$stderr" = "sandrun: cpu time limit (1 s) exceeded" ]
	run -124 sandrun --json --cpu-time 1s -t 10s <<<'while True: pass'
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = cpu_time ]
	assert_mech cpu_time
	cpu=$(( $(json .time.cpu_user_ms) + $(json .time.cpu_sys_ms) ))
	[ "$cpu" -ge 800 ] && [ "$cpu" -le 2500 ]
}

@test "CPU burn in two processes: the limit holds for the tree with a cgroup" {
	run -124 sandrun --json --cpu-time 1s -t 10s <<<'
import os
os.fork()
while True: pass'
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = cpu_time ]
	assert_mech cpu_time
	cpu=$(( $(json .time.cpu_user_ms) + $(json .time.cpu_sys_ms) ))
	if [[ "$(json .limits.cpu_time.mechanism)" == cgroup* ]]; then
		# the whole tree is stopped near 1 s of CPU (polled, 2 CPUs)
		[ "$cpu" -ge 950 ] && [ "$cpu" -le 1600 ]
	fi
}

@test "--cpus 0.5: a burner in two processes gets half a CPU, or no claim" {
	run -0 sandrun --json --cpus 0.5 -t 30s <<<'
import os, time
os.fork()
end = time.monotonic() + 3
while time.monotonic() < end:
    pass'
	[ "$(json .limits.cpus.requested)" = 500 ]
	[ "$(json .limits.cpus.unit)" = millicpus ]
	mech=$(json .limits.cpus.mechanism)
	cpu=$(( $(json .time.cpu_user_ms) + $(json .time.cpu_sys_ms) ))
	wall=$(json .time.wall_ms)
	echo "cpus $mech: $cpu ms CPU in $wall ms wall"
	if [ "$MECH" = cgroup1 ] && [ -d /sys/fs/cgroup/cpu ]; then
		[ "$mech" = cgroup1 ]
	fi
	if [ "$mech" = none ]; then
		# no cgroup: nothing can enforce a rate, and none is claimed
		[ "$(json .limits.cpus.value)" = null ]
		[ "$(json .limits.memory.mechanism)" = rlimit ]
		return 0
	fi
	[[ "$mech" == cgroup[12] ]]
	[ "$(json .limits.cpus.value)" = 500 ]
	# two burners for 3 s would use 6 s of CPU on an idle 2-CPU host
	[ $((cpu * 100)) -le $((wall * 60)) ]
	[ $((cpu * 100)) -ge $((wall * 25)) ]
}

@test "--cpus and limits.cpus are validated strictly, unlimited by default" {
	local a
	for a in 0 0.001 1.2345 2048 abc 1e3 .5 " 1"; do
		run -125 --separate-stderr sandrun --cpus "$a" --exec -- true
		[[ "$stderr" == "sandrun: --cpus: "* ]]
		[ "${#lines[@]}" -le 1 ]
	done
	run -125 --separate-stderr sandrun --cpus 1 --cpus 2 --exec -- true
	d=$(scratch)
	echo '{"extends": "python", "limits": {"cpus": "0.5"}}' >"$d/s.json"
	run -125 --separate-stderr sandrun --check-policy "$d/s.json"
	assert_equal "$stderr" 'sandrun: s.json: limits.cpus: must be a number of CPUs (0.5, 2) or "unlimited"'
	echo '{"extends": "python", "limits": {"cpus": 0.0005}}' >"$d/s.json"
	run -125 --separate-stderr sandrun --check-policy "$d/s.json"
	assert_equal "$stderr" 'sandrun: s.json: limits.cpus: at most 3 decimals'
	echo '{"extends": "python", "limits": {"cpus": 0.25}}' >"$d/ok.json"
	run -0 sandrun --print-policy "$d/ok.json"
	[ "$(jq -r .limits.cpus <<<"$output")" = 0.25 ]
	run -0 sandrun --json --exec -- true
	[ "$(json .limits.cpus.requested)" = null ]
	[ "$(json .limits.cpus.mechanism)" = none ]
}

@test "sleep forever: wall time limit, 124, reported promptly" {
	start=$(date +%s%N)
	run -124 sandrun --json -t 1s <<<'import time; print("zz", flush=True); time.sleep(1000)'
	end=$(date +%s%N)
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = wall_time ]
	[ "$(json .stdout.text)" = zz ]
	[ "$(json .time.wall_ms)" -ge 1000 ] && [ "$(json .time.wall_ms)" -lt 1300 ]
	# from the limit to the report: well under half a second
	[ $(( (end - start) / 1000000 )) -lt 1600 ]
}

@test "huge file: RLIMIT_FSIZE, SIGXFSZ for dd, EFBIG for Python" {
	# no memory limit: nothing sizes the tmpfs or file_size by it, so the
	# policy's 64 MiB hold on every mechanism
	d=$(scratch)
	echo '{"extends": "sh", "limits": {"memory": "unlimited"}}' >"$d/sh.json"
	echo '{"extends": "python", "limits": {"memory": "unlimited"}}' >"$d/py.json"
	run sandrun --json -p "$d/sh.json" --exec -- dd if=/dev/zero of=/tmp/f bs=1M count=100
	[ "$(json .status)" = file_size_limit ]
	[ "$(json .limit_hit)" = file_size ]
	[ "$(json .signal)" = SIGXFSZ ]
	[ "$status" = $((128 + 25)) ]
	[ "$(json .limits.file_size.value)" = 67108864 ]
	run -1 sandrun --json -p "$d/py.json" <<<'open("/tmp/f", "wb").write(b"x" * (70 << 20))'
	[ "$(json .status)" = file_size_limit ]
	[ "$(json .limit_hit)" = file_size ]
	[ "$(json .limits.file_size.mechanism)" = rlimit ]
	run --separate-stderr sandrun -p "$d/sh.json" --exec -- dd if=/dev/zero of=/tmp/f bs=1M count=100
	[[ "$stderr" == *"sandrun: file size limit (64 MiB) exceeded" ]]
}

@test "file_size follows the memory limit where the memory cgroup sizes tmpfs" {
	run -0 sandrun --json -m 256M -p sh --exec -- true
	if [ "$(json .limits.memory.mechanism)" = rlimit ]; then
		[ "$(json .limits.file_size.value)" = 67108864 ]
	else
		# half the memory limit, the tmpfs sizes all of it
		[ "$(json .limits.file_size.value)" = 134217728 ]
		[ "$(json .limits.tmpfs_tmp.value)" = 268435456 ]
	fi
	[ "$(json .limits.file_size.mechanism)" = rlimit ]
	# never lowered: a policy's larger file_size stays
	d=$(scratch)
	echo '{"extends": "sh", "limits": {"file_size": "1G"}}' >"$d/big.json"
	run -0 sandrun --json -m 256M -p "$d/big.json" --exec -- true
	[ "$(json .limits.file_size.value)" = 1073741824 ]
}

@test "tmpfs fill: /tmp, the work dir and /dev/shm end in ENOSPC inside only" {
	before=$(df -P /tmp /dev/shm | awk 'NR > 1 {print $4}')
	# no memory limit: the tmpfs keep the policy's 64 MiB whatever the host
	pol="$BATS_TEST_TMPDIR/unlimited.json"
	echo '{"extends": "python", "limits": {"memory": "unlimited"}}' >"$pol"
	run -0 sandrun --json -p "$pol" <<<'
import errno, os
for d in ("/tmp", "/sandbox", "/dev/shm"):
    total = 0
    try:
        for i in range(1000):
            with open(f"{d}/fill{i}", "wb") as f:
                f.write(b"x" * (8 << 20))
            total += 8
    except OSError as e:
        assert e.errno == errno.ENOSPC, e
    print(d, total)
    for i in range(1000):
        try: os.unlink(f"{d}/fill{i}")
        except FileNotFoundError: break'
	# 64 MiB each: at most 8 whole files of 8 MiB
	for d in /tmp /sandbox /dev/shm; do
		n=$(json .stdout.text | awk -v d="$d" '$1 == d {print $2}')
		[ "$n" -ge 48 ] && [ "$n" -le 64 ]
	done
	for t in tmp work shm; do
		[ "$(json .limits.tmpfs_$t.mechanism)" = tmpfs ]
	done
	after=$(df -P /tmp /dev/shm | awk 'NR > 1 {print $4}')
	# the host's filesystems did not take the 64 MiB written to each
	# (allow other jobs' noise)
	paste <(echo "$before") <(echo "$after") |
		awk '{ if ($1 - $2 > 49152) exit 1 }'
}

@test "fd exhaustion: RLIMIT_NOFILE at the policy's 256" {
	run -0 sandrun --json <<<'
import os
fds = []
try:
    while True: fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    print(e.errno, max(fds))'
	[ "$(json .stdout.text)" = "24 255" ]
	[ "$(json .limits.open_files.value)" = 256 ]
	[ "$(json .limits.open_files.mechanism)" = rlimit ]
}

@test "stdout flood of 1 GiB (JSON): exact count, head and tail, bounded RSS" {
	require_cmd /usr/bin/time
	tf=$(scratch)/time
	run -0 /usr/bin/time -o "$tf" -f %M "$SANDRUN" --json -p sh --exec -- \
		sh -c 'echo first; head -c 1073741824 /dev/zero | tr "\0" y; echo; echo last'
	[ "$(json .status)" = output_limit ]
	[ "$(json .limit_hit)" = output ]
	[ "$(json .stdout.bytes)" = $((1073741824 + 12)) ]
	[ "$(json .stdout.truncated)" = true ]
	[ "$(json .stdout.omitted_bytes)" = $((1073741824 + 12 - 1048576)) ]
	[[ "$(json .stdout.text)" == first$'\n'yyyy* ]]
	[[ "$(json .stdout.text)" == *yyyy$'\n'last ]]
	[[ "$(json .stdout.text)" == *"[... sandrun: "*" bytes omitted ...]"* ]]
	# sandrun's peak RSS (KiB; time reports the largest process waited
	# for): far below the flood
	[ "$(cat "$tf")" -lt 65536 ]
}

@test "stdout flood in text mode: exactly the cap passes, one stderr line" {
	run -0 --separate-stderr bash -c '"$SANDRUN" -p sh --exec -- head -c 1073741824 /dev/zero | wc -c'
	[ "$output" = 1048576 ]
	[ "$stderr" = "sandrun: output limit (1 MiB per stream) reached; the rest was discarded" ]
}

@test "endless stdout flood: the wall clock still stops it, output kept" {
	run -124 sandrun --json -p sh -t 1s --exec -- yes
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = wall_time ]
	[ "$(json .stdout.truncated)" = true ]
	[ "$(json .stdout.text | head -c 4)" = "$(printf 'y\ny')" ]
}

@test "a slow reader of our stdout does not lose output or stop the clock" {
	run -0 --separate-stderr bash -c '"$SANDRUN" -p sh -t 1s --exec -- yes | { sleep 2; wc -c; }'
	[ "$output" = 1048576 ]
}

@test "stderr and stdout floods at once do not deadlock" {
	run -0 sandrun --json -p sh -t 10s --exec -- sh -c \
		'head -c 100000000 /dev/zero >&2; echo x; head -c 100000000 /dev/zero; echo y >&2'
	[ "$(json .stdout.bytes)" = 100000002 ]
	[ "$(json .stderr.bytes)" = 100000002 ]
	[ "$(json .status)" = output_limit ]
}
