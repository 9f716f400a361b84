# tests/vm/guest-tests.sh - what `make check-vm` runs inside the guest, as
# root (check-vm.sh prepends SRC= and BUILD=, the paths the build was
# copied to).  The suites run twice: as root (a service of the system
# manager), then as the ordinary user `tester`, each sandrun being the
# command of its own `systemd-run --user --scope -p Delegate=yes` scope,
# which is how a user is given a cgroup.  Exit: 0 when every suite passed.
set -u
: "${SRC:?}" "${BUILD:?}"
failed=()
t0=$(date +%s)
section() { printf '\n== [+%ss] %s\n' "$(($(date +%s) - t0))" "$*"; }

# FILE[:FILTER] (a bats -f regex): the suites whose outcome depends on
# cgroups and teardown, without the throughput tests (output floods,
# 200 runs) that measure the emulator more than sandrun under TCG, and
# without C30, whose 16 GiB allocation a 2 GiB guest refuses before any
# limit acts.  sandbox.bats does not depend on the cgroup: root only.
suites=(
	tests/vm/cgroup2.bats
	tests/vm/serve.bats
	"tests/bats/limits.bats:mechanism|limits object|memory|fork|thread bomb|CPU burn|tmpfs fill|fd exhaustion|cpus|file_size follows"
	"tests/bats/compat.bats:200 MiB temp file"
	"tests/bats/teardown.bats:wall limit kills|SIGTERM to sandrun|SIGKILL of sandrun|own fds"
	"tests/security/resources.bats:C28|C29|C39"
	"tests/bats/session.bats:sleeps|SIGKILL|50 calls|CPU time|timeout|end leaves|lost|init dying|thread does not run"
)
export SANDRUN_SRCDIR=$SRC SANDRUN_BUILDDIR=$BUILD SANDRUN_MUST_WORK=1
export SANDRUN_EXPECT_CGROUP2=1 BATS_TEST_TIMEOUT=180

# run_suites WHO CMD... -- SUITE...: each suite with bats, through CMD.
run_suites() {
	local who=$1 s file filter cmd=()
	shift
	while [ "$1" != -- ]; do
		cmd+=("$1")
		shift
	done
	shift
	for s in "$@"; do
		file=${s%%:*}
		filter=
		[ "$file" = "$s" ] || filter=${s#*:}
		section "$who: $file${filter:+ -f $filter}"
		"${cmd[@]}" bats --tap ${filter:+-f "$filter"} "$file" ||
			failed+=("$who: $file")
	done
}

section "guest: $(uname -r), $(systemctl --version | head -n 1)," \
	"/sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup)," \
	"controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

section "root: sandrun --check-host"
"$BUILD/src/sandrun" --check-host | grep cgroups
section "root: tests/unit/test_cgroup"
"$BUILD/tests/unit/test_cgroup" | grep -v '^ok' || true
"$BUILD/tests/unit/test_cgroup" >/dev/null || failed+=("root: test_cgroup")
cd "$SRC" || exit 1
run_suites root env SANDRUN="$BUILD/src/sandrun" -- "${suites[@]}" \
	tests/bats/sandbox.bats

section "tester: sandrun --check-host, as the scope's command"
cat >/usr/local/bin/sandrun-scope <<SCOPE
#!/bin/sh
exec systemd-run --user --scope -p Delegate=yes --quiet -- "$BUILD/src/sandrun" "\$@"
SCOPE
chmod 755 /usr/local/bin/sandrun-scope
as_tester() {
	runuser -u tester -- env HOME=/home/tester XDG_RUNTIME_DIR=/run/user/1000 \
		DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus \
		SANDRUN=/usr/local/bin/sandrun-scope "$@"
}
as_tester sandrun-scope --check-host | grep cgroups
section "tester: without a delegated scope (rlimits and the hint)"
as_tester "$BUILD/src/sandrun" --check-host | grep cgroups
# the caller's per-user kernel quotas (pipe pages, inotify) while a
# sandbox with no cgroup of its own tries to spend them
run_suites tester as_tester env SANDRUN="$BUILD/src/sandrun" -- \
	tests/bats/quotas.bats
run_suites tester as_tester -- "${suites[@]}"

section "done"
if [ ${#failed[@]} -gt 0 ]; then
	printf 'FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "all suites passed as root and as tester"
