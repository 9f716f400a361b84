#!/bin/sh
# check-man.sh - lint the man pages with mandoc and check that sandrun(1)
# lists every option of `sandrun --help`, in the same order.
# Exit 0 on success, 1 on failure, 77 (skip) when mandoc is missing, unless
# SANDRUN_MUST_WORK=1, which makes a missing mandoc a failure.
srcdir=${SANDRUN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
mandoc=${MANDOC:-$(command -v mandoc)}
status=0

if [ -z "$mandoc" ] || [ ! -x "$mandoc" ]; then
	if [ "${SANDRUN_MUST_WORK:-0}" = 1 ]; then
		echo "FAIL: mandoc not found (apt-get install mandoc)"
		exit 1
	fi
	echo "check-man: mandoc not found (apt-get install mandoc), skipping"
	exit 77
fi

for page in "$srcdir"/man/sandrun.1 "$srcdir"/man/sandrun-policy.5; do
	if [ ! -f "$page" ]; then
		echo "FAIL: $page is missing"
		status=1
		continue
	fi
	# -W warning: warnings and worse; style notes are not failures.
	if out=$("$mandoc" -Tlint -W warning "$page" 2>&1) && [ -z "$out" ]; then
		echo "ok: mandoc -Tlint $page"
	else
		printf '%s\n' "$out"
		echo "FAIL: mandoc -Tlint $page"
		status=1
	fi
done

# Drift guard: the option list of sandrun(1) follows --help (which follows
# the longopts table in src/cli.c).
if [ -n "$SANDRUN" ] && [ -x "$SANDRUN" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-man.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
	"$SANDRUN" --help |
		sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' \
		>"$tmp/help"
	sed -n '/^\.Sh DESCRIPTION/,/^\.Sh /p' "$srcdir/man/sandrun.1" |
		sed -n 's/^\.It Fl [A-Za-z] .*Fl -\([a-z][a-z-]*\).*/\1/p; t
			s/^\.It Fl -\([a-z][a-z-]*\).*/\1/p' >"$tmp/man"
	if [ ! -s "$tmp/help" ]; then
		echo "FAIL: no options found in sandrun --help"
		status=1
	elif diff -u "$tmp/help" "$tmp/man"; then
		echo "ok: sandrun.1 lists the $(wc -l <"$tmp/help") options of --help in order"
	else
		echo "FAIL: sandrun.1 DESCRIPTION differs from sandrun --help (diff above: - help, + man)"
		status=1
	fi
else
	echo "check-man: SANDRUN not set, option order not checked"
fi
exit $status
