#!/bin/sh
# sandrun in shell pipelines: generated code in, answers and files out.
#
# `generate` stands in for a model (`llm "write pandas code that..."`): it
# prints the seed case's code.  Everything after the first `|` is what a
# pipeline around a real model looks like.
#
# Usage: pipeline.sh [OUTDIR]     (sandrun from $SANDRUN, else PATH)
# Exits non-zero when a step does not give the expected result.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
SANDRUN=${SANDRUN:-sandrun}
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/sandrun-pipeline.XXXXXX")}
mkdir -p "$out"
data="$here/seed-case/dataset.csv:/code/dataset.csv"

generate() {
	cat "$here/seed-case/analysis.py"
}

fail() {
	echo "pipeline.sh: $*" >&2
	exit 1
}

# 1. Text mode: the program's own output flows on; the exit status is its own.
generate | "$SANDRUN" -p python --file "$data" | tee "$out/answer.txt"
grep -q 'Seattle with an average salary of 73500.0' "$out/answer.txt" ||
	fail "no Seattle answer in text mode"

# 2. JSON mode + jq: switch on .status, take .stdout.text.
answer=$(generate | "$SANDRUN" --json -p python --file "$data" |
	jq -er 'select(.status == "ok") | .stdout.text')
case $answer in
*Seattle*) echo "json: $answer" ;;
*) fail "no Seattle answer in JSON mode" ;;
esac

# 3. Artifacts: a chart and a CSV come back, listed in .files and copied
#    to $out by --out.
cat <<'PY' | "$SANDRUN" --json -p python --file "$data" --out "$out" |
import pandas as pd
import matplotlib.pyplot as plt
df = pd.read_csv("/code/dataset.csv")
by_city = df.groupby("city")["salary"].mean().sort_values()
by_city.to_csv("by_city.csv")
by_city.plot.barh(title="Average salary by city")
plt.tight_layout()
plt.savefig("by_city.png")
print(by_city.idxmax())
PY
	jq -r '.files[] | "file: \(.path) \(.mime) \(.size) \(.sha256)"' | tee "$out/files.txt"
grep -q '^file: by_city.png image/png ' "$out/files.txt" || fail "no chart in .files"
grep -q '^file: by_city.csv text/csv ' "$out/files.txt" || fail "no CSV in .files"
[ "$(head -c 4 "$out/by_city.png" | od -An -c | tr -d ' ')" = '211PNG' ] ||
	fail "--out did not copy the PNG"

# 4. A failing program: the exception comes back structured, the exit
#    status is the program's.
status=0
echo 'import pandas as pd; pd.read_csv("/code/missing.csv")' |
	"$SANDRUN" --json -p python >"$out/error.json" || status=$?
[ "$status" = 1 ] || fail "expected exit 1 from the failing program, got $status"
jq -r '"error: \(.error.name): \(.error.value)"' "$out/error.json"
[ "$(jq -r .error.name "$out/error.json")" = FileNotFoundError ] ||
	fail "no FileNotFoundError in .error"

# 5. Many snippets, one sandbox each, results as JSON lines.
for n in 1 2 3; do
	echo "print(sum(range($n * 10)))"
done | while read -r snippet; do
	echo "$snippet" | "$SANDRUN" --json -p python |
		jq -c '{status, out: (.stdout.text | rtrimstr("\n")), ms: .time.wall_ms}'
done | tee "$out/batch.jsonl"
[ "$(jq -s 'map(.out) | join(",")' "$out/batch.jsonl")" = '"45,190,435"' ] ||
	fail "batch results differ"

echo "pipeline.sh: ok (results in $out)"
