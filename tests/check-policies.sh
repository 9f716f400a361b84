#!/bin/sh
# check-policies.sh - every shipped policy must pass `sandrun --check-policy`.
# Exit 0 on success, 1 on failure, 77 (skip) when sandrun is not built.
srcdir=${SANDRUN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
if [ -z "$SANDRUN" ] || [ ! -x "$SANDRUN" ]; then
	echo "check-policies: SANDRUN not set or not executable, skipping"
	exit 77
fi
# Parents ("extends") resolve against the shipped directory first.
SANDRUN_POLICY_PATH="$srcdir/policies"
export SANDRUN_POLICY_PATH
status=0
n=0
for f in "$srcdir"/policies/*.json; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if "$SANDRUN" --check-policy "$f" >/dev/null; then
		echo "ok: $f"
	else
		echo "FAIL: $f refused by --check-policy"
		status=1
	fi
done
if [ "$n" -eq 0 ]; then
	echo "check-policies: no policies found in $srcdir/policies"
	exit 1
fi
exit $status
