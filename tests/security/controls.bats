#!/usr/bin/env bats
# SECURITY.md controls C1-C6: a sandbox that blocks everything fails these.

load sec_helpers

setup() {
	require_userns
	CODE="$BATS_TEST_TMPDIR/code.py"
}

@test "C1 pandas/numpy workload" {
	require_python_module pandas
	cat >"$CODE" <<'PY'
import pandas as pd, numpy as np, tempfile, shutil, os, json
df = pd.DataFrame({"city": ["a", "b", "a", "c"] * 50, "salary": np.arange(200.0), "age": np.arange(200) % 40})
g = df.groupby("city").salary.agg(["mean", "count"])
pv = df.pivot_table(index="city", columns=df.age % 2, values="salary", aggfunc="sum")
d = tempfile.mkdtemp()
df.to_csv(d + "/x.csv", index=False); df2 = pd.read_csv(d + "/x.csv")
df.to_json(d + "/x.json"); df3 = pd.read_json(d + "/x.json")
shutil.copy(d + "/x.csv", d + "/y.csv")
m = np.random.default_rng(1).random((200, 200)) + np.eye(200) * 200
print(len(g), pv.shape, len(df2), len(df3), os.path.exists(d + "/y.csv"), bool(np.allclose(np.linalg.inv(m) @ m, np.eye(200))))
PY
	run "$SANDRUN" --json -t 60s "$CODE"
	[ "$(json .stdout.text)" = "3 (3, 2) 200 200 True True" ] || { echo "$output" | head -c 3000 >&2; false; }
	[ "$(json '.denied | map(select(.syscall != "clone3")) | length')" -le 5 ]
}

@test "C2 ThreadPoolExecutor and multiprocessing.Pool" {
	cat >"$CODE" <<'PY'
import concurrent.futures, multiprocessing
with concurrent.futures.ThreadPoolExecutor(4) as ex: a = sum(ex.map(lambda x: x * x, range(100)))
with multiprocessing.Pool(2) as p: b = sum(p.map(abs, range(-50, 50)))
print(a, b)
PY
	run "$SANDRUN" --json -t 30s "$CODE"
	[ "$(json .stdout.text)" = "328350 2500" ] || { echo "$output" | head -c 3000 >&2; false; }
}

@test "C3 subprocess and a bash pipeline with coreutils/awk/sed/sort/tar" {
	echo 'import subprocess; print(subprocess.run(["echo", "hi"], capture_output=True, text=True).stdout.strip())' >"$CODE"
	run "$SANDRUN" --json "$CODE"
	[ "$(json .stdout.text)" = hi ]
	printf '%s\n' 'set -e; printf "b 2\na 1\nc 3\n" | sort | awk "{s+=\$2} END {print s}" | sed "s/6/six/"
mkdir -p t/d; echo x > t/d/f; tar cf t.tar t; tar tf t.tar | sort | head -1; find t -type f | wc -l' >"$BATS_TEST_TMPDIR/p.sh"
	run "$SANDRUN" --json -p bash "$BATS_TEST_TMPDIR/p.sh"
	[ "$(json .stdout.text)" = "$(printf 'six\nt/\n1')" ] || { echo "$output" | head -c 2000 >&2; false; }
}

@test "C4 Unicode round-trips, exit codes propagate, 10 MB under the cap returned whole" {
	echo 'print("héllo wörld ✓ 😀 日本")' >"$CODE"
	run "$SANDRUN" --json "$CODE"
	[ "$(json .stdout.text)" = "héllo wörld ✓ 😀 日本" ]
	echo 'exit(1)' >"$CODE"
	run "$SANDRUN" "$CODE"
	[ "$status" -eq 1 ]
	echo 'import sys; sys.stdout.write("z" * 10000000)' >"$CODE"
	run "$SANDRUN" --json --output-limit 16M "$CODE"
	[ "$(json .stdout.truncated)" = false ]
	[ "$(json '.stdout.text | length')" = 10000000 ]
}

@test "C5 socketpair and a localhost server/client inside the sandbox" {
	cat >"$CODE" <<'PY'
import socket, threading
a, b = socket.socketpair(); a.send(b"pair"); print(b.recv(10).decode())
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
def serve():
    c, _ = s.accept(); c.send(b"served"); c.close()
threading.Thread(target=serve).start()
c = socket.create_connection(s.getsockname()); print(c.recv(10).decode())
PY
	run "$SANDRUN" --json --network loopback "$CODE"
	[ "$(json .stdout.text)" = "$(printf 'pair\nserved')" ] || { echo "$output" | head -c 2000 >&2; false; }
}

@test "C6 the same run twice gives the same result" {
	echo 'import os; open("/tmp/x", "a").write("1"); print(open("/tmp/x").read(), sorted(os.listdir(".")))' >"$CODE"
	run "$SANDRUN" --json "$CODE"
	first=$(json '.stdout.text, .status, .exit_code')
	run "$SANDRUN" --json "$CODE"
	[ "$first" = "$(json '.stdout.text, .status, .exit_code')" ]
}
