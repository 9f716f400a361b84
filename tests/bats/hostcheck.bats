#!/usr/bin/env bats
# Host diagnosis: --check-host, --version features, the one-line diagnosis
# of a run on a host that refuses user namespaces (a real one: a nested
# user namespace whose user.max_user_namespaces is 0), and the -v
# summary line.

load helpers

# Run a command where the kernel refuses new user namespaces: inside a
# user namespace of our own whose limit is set to 0 (the host's own
# setting is not touched).
denied() {
	unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$@"' sh "$@"
}

require_denied() {
	require_userns
	require_cmd unshare
	denied true 2>/dev/null || need "cannot make a nested user namespace with a limit of 0"
}

@test "hostcheck: --check-host prints one ok/no line per feature" {
	run sandrun --check-host
	[[ $status == 0 || $status == 125 ]]
	assert_line --regexp '^(ok|no) +user namespaces +[^ ]'
	assert_line --regexp '^(ok|no) +seccomp +[^ ]'
	assert_line --regexp '^(ok|no) +seccomp notify +[^ ]'
	assert_line --regexp '^(ok|no) +landlock +[^ ]'
	assert_line --regexp '^(ok|no) +cgroups +[^ ]'
	assert_line --regexp '^(ok|no) +pidfd +[^ ]'
	assert_line --regexp '^(ok|no) +user quotas +[^ ]'
	[ "${#lines[@]}" = 7 ]
}

@test "hostcheck: --check-host exits 0 when a sandbox can be built" {
	require_userns
	run -0 sandrun --check-host
	assert_line --regexp '^ok +user namespaces'
	assert_line --regexp '^ok +seccomp +filters available'
}

@test "hostcheck: --check-host takes no argument and no other mode" {
	run -125 sandrun --check-host extra
	assert_output --partial "unexpected argument 'extra'"
	run -125 sandrun --check-host --list-policies
	assert_output --partial "cannot be combined"
}

@test "hostcheck: denied user namespaces: --check-host says why and how to fix, exit 125" {
	require_denied
	run -125 denied "$SANDRUN" --check-host
	assert_line --regexp '^no +user namespaces +'
	# The fix names a command to run.
	assert_line --regexp '^no +user namespaces .*user.max_user_namespaces is 0.*sysctl -w'
	# The other features are still probed.
	assert_line --regexp '^(ok|no) +seccomp '
}

@test "hostcheck: denied user namespaces: a run fails with 125 and that diagnosis in one line" {
	local why
	require_denied
	why=$(denied "$SANDRUN" --check-host | sed -n 's/^no  *user namespaces  *//p')
	[ -n "$why" ]
	run -125 --separate-stderr denied "$SANDRUN" -p python - <<<'print(42)'
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" "sandrun: cannot create the sandbox: $why"
}

@test "hostcheck: denied user namespaces: --exec fails the same way" {
	require_denied
	run -125 --separate-stderr denied "$SANDRUN" -p sh --exec -- echo hi
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "sandrun: cannot create the sandbox: "* ]]
}

@test "hostcheck: denied user namespaces: JSON result has status error, kind setup" {
	require_cmd jq
	local why
	require_denied
	why=$(denied "$SANDRUN" --check-host | sed -n 's/^no  *user namespaces  *//p')
	run -125 --separate-stderr denied "$SANDRUN" --json -p python - <<<'print(42)'
	assert_equal "$(json .status)" error
	assert_equal "$(json .exit_status)" 125
	assert_equal "$(json .error.kind)" setup
	assert_equal "$(json .error.message)" "cannot create the sandbox: $why"
	assert_equal "$(json .isolation.user_ns)" false
	assert_equal "$(json .stdout.text)" ""
}

@test "hostcheck: no environment variable simulates a host (SANDRUN_TEST_DENY_USERNS is gone)" {
	require_userns
	SANDRUN_TEST_DENY_USERNS=1 run -0 sandrun --check-host
	assert_line --regexp '^ok +user namespaces'
	SANDRUN_TEST_DENY_USERNS=1 run -0 sandrun -p sh --exec -- echo hi
	assert_output hi
}

@test "hostcheck: --version prints the version and the kernel features" {
	run -0 sandrun --version
	assert_line --index 0 --regexp '^sandrun [0-9]+\.[0-9]+\.[0-9]+'
	assert_line --index 1 --regexp '^features: -?userns -?seccomp landlock=[0-9]+ -?cgroup'
	local v
	v=$(sed -n 's/^AC_INIT(\[sandrun\], *\[\([^]]*\)\].*/\1/p' "$SANDRUN_SRCDIR/configure.ac")
	[ -z "$v" ] || assert_line --index 0 "sandrun $v"
	command -v unshare >/dev/null && denied true 2>/dev/null || return 0
	run -0 denied "$SANDRUN" -V
	assert_line --index 1 --regexp '^features: -userns '
}

@test "hostcheck: -v prints a one-line summary on stderr" {
	require_userns
	run -0 --separate-stderr sandrun -v -p sh --exec -- echo hi
	assert_equal "$output" hi
	[[ ${stderr_lines[-1]} =~ ^sandrun:\ exit\ 0\ ·\ [0-9.]+\ s\ wall\ ·\ [0-9.]+\ s\ cpu\ ·\ .*\ peak\ ·\ (cgroup2|cgroup1|supervisor|rusage)$ ]] ||
		fail "no summary line: ${stderr_lines[-1]}"
	run -3 --separate-stderr sandrun -v -p sh --exec -- sh -c 'exit 3'
	[[ ${stderr_lines[-1]} == "sandrun: exit 3 · "* ]] ||
		fail "no summary line: ${stderr_lines[-1]}"
}

@test "hostcheck: without -v a successful run prints nothing on stderr" {
	require_userns
	run -0 --separate-stderr sandrun -p sh --exec -- echo hi
	assert_equal "$output" hi
	assert_equal "$stderr" ""
}

@test "hostcheck: the AppArmor profile grants userns to the installed binaries" {
	local prof="$SANDRUN_SRCDIR/contrib/apparmor/sandrun"
	run -0 grep -v '^ *#' "$prof"
	assert_line 'abi <abi/4.0>,'
	assert_line 'profile sandrun /usr/{,local/}bin/sandrun flags=(unconfined) {'
	assert_line '  userns,'
	assert_line '  include if exists <local/sandrun>'
	# The fix --check-host prints names this file.
	grep -q 'contrib/apparmor/sandrun' "$SANDRUN_SRCDIR/src/hostcheck.c"
}

@test "hostcheck: apparmor_parser accepts the profile (AppArmor 4)" {
	command -v apparmor_parser >/dev/null 2>&1 || skip "apparmor_parser is not installed"
	[ -e /etc/apparmor.d/abi/4.0 ] || skip "AppArmor older than 4.0 (no userns rule)"
	run -0 apparmor_parser --skip-kernel-load --skip-cache "$SANDRUN_SRCDIR/contrib/apparmor/sandrun"
}
