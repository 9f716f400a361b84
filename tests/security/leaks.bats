#!/usr/bin/env bats
# SECURITY.md section G: information leaks.

load sec_helpers

setup() {
	require_userns
	canaries_setup
	cd "$CWD_DIR"
}

teardown() {
	canaries_teardown
}

@test "G64 caller environment: no canary, a fixed allowlist" {
	preload=libm.so.6
	# an ASan build must be first in the library list: keep the variable,
	# empty, so that its absence inside is still checked
	if ldd "$SANDRUN" 2>/dev/null | grep -q libasan; then preload=; fi
	run env LD_PRELOAD="$preload" PYTHONPATH="/tmp/$NONCE" "$SANDRUN" --json "$PROBE" -- \
		environ SECRET_TOKEN AWS_SECRET_ACCESS_KEY OPENAI_API_KEY GITHUB_TOKEN LD_PRELOAD PYTHONPATH SR_CANARY
	text=$(json .stdout.text)
	status_is ok
	for v in SECRET_TOKEN AWS_SECRET_ACCESS_KEY OPENAI_API_KEY GITHUB_TOKEN LD_PRELOAD SR_CANARY; do
		has "ENV $v unset"
	done
	# the policy's own PYTHONPATH (the figures backend), not the caller's
	has "PYTHONPATH=/opt/sandrun/python"
	has "ENVKEYS HOME LANG MPLBACKEND MPLCONFIGDIR PATH PYTHONDONTWRITEBYTECODE PYTHONPATH PYTHONUNBUFFERED TMPDIR"
	has "ENVIRON /proc/1/environ EACCES"
	no_nonce
}

@test "G65 host processes and the supervisor: only sandbox pids, no canary argv, sandrun's argv/fds hidden" {
	canary_alive
	probe procs
	status_is ok
	[ "$(grep -c '^PID ' <<<"$text")" -eq 2 ]
	grep -q '^PID 1 sandrun-init' <<<"$text"
	has "FDS /proc/1/fd EACCES"
	has "SELF_FDS 0 1 2 3"
	has "READ /proc/1/maps EACCES"
	has "READ /proc/1/mem EACCES"
	has "READ /proc/1/root/ EACCES"
	no_nonce
	# sandrun's own argv (policy path, options) is not in init's cmdline
	hasnt '^PID 1 .*(--json|probe\.py|-t )'
}

@test "G67 /sys: absent (no NIC MACs, DMI serials, cgroup tree, energy counters)" {
	probe sysfs
	status_is ok
	hasnt 'LISTED'
	has "SYS /sys ENOENT"
}

@test "G68 identity files: synthetic minimal passwd/group/hosts, no machine-id, no host groups" {
	probe identity
	status_is ok
	[ "$(grep -c '^LINE /etc/passwd' <<<"$text")" -le 3 ]
	[ "$(grep -c '^LINE /etc/group' <<<"$text")" -le 3 ]
	hasnt '^LINE /etc/(passwd|group) (docker|sudo|wheel|adm|tester)'
	has "FILE /etc/machine-id ENOENT"
	has "FILE /etc/hostname ENOENT"
	has "FILE /etc/resolv.conf ENOENT"
	has "GROUPS 1000" || has "GROUPS "
	has "ID uid=1000(sandbox) gid=1000(sandbox) groups=1000(sandbox)"
}

@test "G69 kernel log: klogctl, /dev/kmsg and /proc/kmsg denied" {
	probe klog
	status_is ok
	has "KLOGCTL EPERM"
	has "OPEN /dev/kmsg ENOENT"
	has "OPEN /proc/kmsg EACCES"
	run "$SANDRUN" --json -p sh --exec -- dmesg
	[ "$(json .exit_code)" != 0 ]
	[ "$(json .stdout.text)" = "" ]
}
