#!/bin/sh
# bench/run.sh - benchmark sandrun against bare execution, bubblewrap,
# firejail and runsc; writes docs/benchmarks.md.  Run by `make bench`
# (SANDRUN = the built binary), or by hand:
#
#   SANDRUN=/tmp/b-bench/src/sandrun sh bench/run.sh
#
# Environment:
#   SANDRUN      the sandrun binary (default: src/sandrun of the build dir)
#   BENCH_USER   as root, also run a pass as this ordinary user (default:
#                the first of sandrun-ci and tester that exists; empty:
#                root pass only)
#   BENCH_QUICK  1: few runs and a 256 MiB stream (a smoke test of the
#                script; the numbers are not worth publishing)
#   BENCH_OUT    where the report goes (default docs/benchmarks.md of the
#                source tree)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
SANDRUN=${SANDRUN:-src/sandrun}
case $SANDRUN in /*) ;; *) SANDRUN=$(pwd)/$SANDRUN ;; esac
if [ -z "${BENCH_USER+set}" ]; then
	BENCH_USER=tester
	for u in sandrun-ci tester; do
		if id "$u" >/dev/null 2>&1; then
			BENCH_USER=$u
			break
		fi
	done
fi
BENCH_OUT=${BENCH_OUT:-$srcdir/docs/benchmarks.md}
quick=
[ "${BENCH_QUICK:-0}" = 1 ] && quick=--quick

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$SANDRUN" ] || die "no sandrun binary at $SANDRUN (build first, or set SANDRUN)"
builddir=$(cd "$(dirname "$SANDRUN")/.." && pwd)

# ---- tools ------------------------------------------------------------------
# Required: hyperfine, bwrap (bubblewrap), python3, cc.  Optional: firejail,
# runsc (Debian package runsc), measured when present.
missing=
command -v hyperfine >/dev/null 2>&1 || missing="$missing hyperfine"
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
[ -x /usr/bin/python3 ] || missing="$missing python3"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench: installing$missing" >&2
		apt-get update -qq
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
	else
		die "missing:$missing; install them with: sudo apt-get install -y$missing"
	fi
fi
/usr/bin/python3 -c 'import pandas' 2>/dev/null ||
	echo "bench: warning: python3-pandas is missing; the seed case will fail (apt-get install -y python3-pandas)" >&2
for t in firejail runsc; do
	command -v $t >/dev/null 2>&1 ||
		echo "bench: note: $t not installed, not measured (apt-get install -y $t)" >&2
done

work=$(mktemp -d /tmp/sr-bench-run.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
chmod 755 "$work"

# ---- helpers: the seccomp BPF for bwrap, and the fd wrapper -----------------
bpf='' fdexec='' floor=''
if cc -O2 -o "$work/fdexec" "$here/fdexec.c" 2>"$work/cc.log"; then
	fdexec=$work/fdexec
fi
if cc -O2 -o "$work/floor" "$here/floor.c" 2>>"$work/cc.log"; then
	floor=$work/floor
fi
if [ -f "$builddir/src/libsandrun.a" ] && [ -f "$builddir/config.h" ]; then
	# expand $(SECCOMP_LIBS) etc. from the build's Makefile
	libflags=
	for v in SECCOMP_LIBS LIBBSD_LIBS CJSON_LIBS LIBMD_LIBS; do
		libflags="$libflags $(sed -n "s/^$v = //p" "$builddir/Makefile")"
	done
	cflags=$(sed -n 's/^CJSON_CFLAGS = //p' "$builddir/Makefile")
	# shellcheck disable=SC2086
	if cc -O2 -I"$builddir" -I"$srcdir/src" $cflags -o "$work/bpf-export" \
	    "$here/bpf-export.c" "$builddir/src/libsandrun.a" $libflags \
	    2>>"$work/cc.log" &&
	    SANDRUN_POLICY_PATH=$srcdir/policies "$work/bpf-export" python \
	    >"$work/python.bpf"; then
		bpf=$work/python.bpf
	fi
fi
[ -n "$bpf" ] || echo "bench: note: could not export the seccomp filter; bwrap+seccomp not measured ($(tail -1 "$work/cc.log" 2>/dev/null))" >&2

# ---- passes -----------------------------------------------------------------
# Same binary for both passes, in a directory every user can read, with the
# policies next to it.
bin=$work/bin
mkdir -p "$bin"
cp "$SANDRUN" "$bin/sandrun"
cp -r "$srcdir/policies" "$bin/policies"
chmod -R a+rX "$bin"
[ -n "$fdexec" ] && chmod 755 "$fdexec"
[ -n "$floor" ] && chmod 755 "$floor"
[ -n "$bpf" ] && chmod 644 "$bpf"
export SANDRUN_POLICY_PATH="$bin/policies"

pass() { # label
	/usr/bin/python3 "$here/bench.py" pass --sandrun "$bin/sandrun" \
	    --label "$1" --out "$work/pass-$1.json" \
	    ${bpf:+--bpf "$bpf"} ${fdexec:+--fdexec "$fdexec"} ${floor:+--floor "$floor"} $quick
}

passes=
if [ "$(id -u)" = 0 ]; then
	pass root
	passes="$work/pass-root.json"
	if [ -n "$BENCH_USER" ] && id "$BENCH_USER" >/dev/null 2>&1; then
		chown "$BENCH_USER" "$work"
		runuser -u "$BENCH_USER" -- env SANDRUN_POLICY_PATH="$bin/policies" \
		    HOME="$work" /usr/bin/python3 "$here/bench.py" pass \
		    --sandrun "$bin/sandrun" --label "$BENCH_USER" \
		    --out "$work/pass-user.json" \
		    ${bpf:+--bpf "$bpf"} ${fdexec:+--fdexec "$fdexec"} ${floor:+--floor "$floor"} $quick
		passes="$passes $work/pass-user.json"
	elif [ -n "$BENCH_USER" ]; then
		echo "bench: note: no user $BENCH_USER; root pass only (BENCH_USER=name to choose one)" >&2
	fi
else
	pass "$(id -un)"
	passes="$work/pass-$(id -un).json"
fi

# shellcheck disable=SC2086
/usr/bin/python3 "$here/bench.py" render $passes >"$work/benchmarks.md"

# ---- MCP --------------------------------------------------------------------
# The seed case's tool-call round trip through `sandrun mcp` (its own warm
# pool) from the official SDK client, against bare python3 in the same run
# (#14: target <= 0.05x), when node and the pinned SDK are installed.
modules=${SANDRUN_MCP_MODULES:-$srcdir/tests/mcp/node_modules}
if command -v node >/dev/null 2>&1 &&
    [ -f "$modules/@modelcontextprotocol/sdk/package.json" ]; then
	mkdir -p "$work/mcp"
	cp "$srcdir/tests/mcp/bench.mjs" "$srcdir/tests/mcp/package.json" "$work/mcp/"
	ln -s "$(cd "$modules" && pwd)" "$work/mcp/node_modules"
	n=30
	[ -n "$quick" ] && n=5
	if SANDRUN="$bin/sandrun" SANDRUN_SRCDIR=$srcdir \
	    node "$work/mcp/bench.mjs" "$n" >"$work/mcp.txt" 2>"$work/mcp.err"; then
		{
			printf '\n## MCP tool-call round trip\n\n'
			# shellcheck disable=SC2016
			printf 'The seed case as a `run_code` call through `sandrun mcp` (which keeps its own pool of ready sandboxes) from the official MCP TypeScript SDK client, after two warm-up calls, interleaved with bare runs (`tests/mcp/bench.mjs`, as %s, load average %s). Target: round trip <= 0.05 x bare.\n\n```\n' "$(id -un)" "$(cut -d' ' -f1-3 /proc/loadavg)"
			cat "$work/mcp.txt"
			printf '```\n'
		} >>"$work/benchmarks.md"
	else
		echo "bench: note: the MCP round trip failed: $(tail -n 1 "$work/mcp.err")" >&2
	fi
else
	echo "bench: note: node or the MCP SDK missing; no MCP round trip (cd tests/mcp && npm ci)" >&2
fi
cp "$work/benchmarks.md" "$BENCH_OUT"
echo "bench: wrote $BENCH_OUT" >&2
