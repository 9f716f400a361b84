#!/bin/sh
# mcp.sh - drive `sandrun mcp` with the official MCP TypeScript SDK client
# (tests/mcp/mcp_test.mjs, TAP).  The SDK is pinned by
# tests/mcp/package-lock.json; install it with `npm ci` in tests/mcp (or
# point SANDRUN_MCP_MODULES at a node_modules directory installed from
# it).  Skips (77) without node or the SDK, unless SANDRUN_MUST_WORK=1.
srcdir=${SANDRUN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
modules=${SANDRUN_MCP_MODULES:-$srcdir/tests/mcp/node_modules}

skip() {
	if [ "${SANDRUN_MUST_WORK:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs npm)"
[ -f "$modules/@modelcontextprotocol/sdk/package.json" ] ||
	skip "MCP SDK not installed (cd tests/mcp && npm ci)"
# Node finds the SDK's own dependencies only in a directory named
# node_modules (it resolves the link below to its real path).
[ "$(basename "$modules")" = node_modules ] ||
	skip "SANDRUN_MCP_MODULES must name a node_modules directory: $modules"

# The test imports the SDK relative to its own location: run a copy next
# to a link to the modules, so a read-only source tree works too.  The
# server's temporary directories go inside it (TMPDIR), so the suite's
# check for leftovers in /tmp (teardown.bats) is not disturbed.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mcp-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$srcdir/tests/mcp/mcp_test.mjs" "$srcdir/tests/mcp/package.json" "$tmp/"
ln -s "$(cd "$modules" && pwd)" "$tmp/node_modules"
mkdir "$tmp/tmp" || exit 1
TMPDIR=$tmp/tmp SANDRUN_SRCDIR=$srcdir node "$tmp/mcp_test.mjs"
status=$?
left=$(ls -A "$tmp/tmp")
if [ -n "$left" ]; then
	echo "# FAIL: sandrun mcp left temporary files behind: $left"
	exit 1
fi
exit $status
