# shellcheck shell=bash
# Shared setup for the bats suites.  Load with: load helpers  (from tests/bats)
# or: load ../bats/helpers  (from tests/security).

bats_require_minimum_version 1.5.0

for _d in /usr/lib/bats /usr/lib/node_modules /usr/local/lib/bats; do
	if [ -f "$_d/bats-support/load.bash" ]; then
		load "$_d/bats-support/load.bash"
		load "$_d/bats-assert/load.bash"
		break
	fi
done
unset _d

: "${SANDRUN_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${SANDRUN:=$SANDRUN_SRCDIR/src/sandrun}"
# Canonical, as sandrun reports absolute paths (configure may give a/b/../c).
SANDRUN_SRCDIR=$(cd "$SANDRUN_SRCDIR" && pwd -P)
export SANDRUN SANDRUN_SRCDIR
# The in-tree policies, whatever is installed on the host.
export SANDRUN_POLICY_PATH="$SANDRUN_SRCDIR/policies"
# shellcheck disable=SC2034 # used by the suites
SEED="$SANDRUN_SRCDIR/examples/seed-case"

# sandrun with the test's arguments (use with bats' run).
sandrun() {
	"$SANDRUN" "$@"
}

# Skip unless SANDRUN_MUST_WORK=1, in which case a missing feature fails.
need() {
	if [ "${SANDRUN_MUST_WORK:-0}" = 1 ]; then
		echo "required feature missing: $*" >&2
		return 1
	fi
	skip "$*"
}

require_userns() {
	"$SANDRUN" --check-host 2>/dev/null | grep -q '^ok *user namespaces' ||
		need "unprivileged user namespaces are not available"
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

require_nonroot() {
	[ "$(id -u)" != 0 ] || skip "needs an ordinary user"
}

require_cmd() {
	command -v "$1" >/dev/null 2>&1 || need "$1 is not installed"
}

require_python_module() {
	/usr/bin/python3 -c "import $1" 2>/dev/null ||
		need "python3 module $1 is not installed"
}

# A private scratch dir per test, removed by bats.
scratch() {
	mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/sr.XXXXXX"
}

# json FIELD: the JSON result of the last `run` in $output, through jq.
json() {
	# shellcheck disable=SC2154 # $output is set by bats' run
	printf '%s' "$output" | jq -r "$1"
}
