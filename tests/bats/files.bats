#!/usr/bin/env bats
# Files in (--file, --stdin) and artifacts out (result files, --out,
# --inline-files), the workloads an agent's Python code really runs, and
# the hostile cases the exporter must survive.  Runs as root and as an
# ordinary user.

load helpers

setup() {
	require_userns
}

# py [OPTION]...: run the Python code on stdin with --json.
py() {
	sandrun --json -p python "$@"
}

# ---- files in ---------------------------------------------------------------

@test "files: pandas reads a CSV copied to /code" {
	require_python_module pandas
	run -0 py --file "$SEED/dataset.csv:/code/dataset.csv" <<-'EOF'
	import pandas as pd
	df = pd.read_csv("/code/dataset.csv")
	print(len(df), df["salary"].max())
	EOF
	[ "$(json .stdout.text)" = "10 75000" ]
	[ "$(json '.files | length')" = 0 ]
}

@test "files: --file defaults to the base name in the work dir; DEST may be relative" {
	run -0 py --file "$SEED/dataset.csv" --file "$SEED/dataset.csv:data/d.csv" <<-'EOF'
	import os
	print(os.path.getsize("dataset.csv") == os.path.getsize("/sandbox/data/d.csv"))
	EOF
	[ "$(json .stdout.text)" = True ]
}

@test "files: --file copies a directory; symlinks inside are skipped, never followed" {
	d=$(scratch)
	mkdir -p "$d/in/sub/deep"
	echo a >"$d/in/a.txt"
	echo b >"$d/in/sub/deep/b.txt"
	ln -s /etc/passwd "$d/in/link"
	ln -s sub "$d/in/dirlink"
	mkfifo "$d/in/fifo"
	run -0 py --file "$d/in:/code/in" <<-'EOF'
	import os
	for root, dirs, files in sorted(os.walk("/code/in")):
	    for f in sorted(files):
	        print(os.path.join(root, f), open(os.path.join(root, f)).read().strip())
	print(sorted(os.listdir("/code/in")))
	EOF
	assert_equal "$(json .stdout.text)" "/code/in/a.txt a
/code/in/sub/deep/b.txt b
['a.txt', 'sub']"
}

@test "files: a missing --file source is exit 125 naming the path" {
	run -125 --separate-stderr sandrun -p python --file /nonexistent/data.csv - <<<'print(1)'
	[[ "$stderr" == *"--file /nonexistent/data.csv"* ]]
	run -125 --separate-stderr py --file /nonexistent/data.csv <<<'print(1)'
	[ "$(json .status)" = error ]
	[[ "$(json .error.message)" == *"/nonexistent/data.csv"* ]]
}

@test "files: an unreadable --file source is exit 125 naming the path" {
	require_nonroot
	d=$(scratch)
	echo secret >"$d/secret.csv"
	chmod 000 "$d/secret.csv"
	run -125 --separate-stderr sandrun -p python --file "$d/secret.csv" - <<<'print(1)'
	[[ "$stderr" == *"$d/secret.csv"*"ermission denied"* ]]
}

@test "files: --stdin FILE feeds the program; --stdin /dev/null detaches" {
	d=$(scratch)
	printf 'line1\nline2\n' >"$d/in.txt"
	code=$(scratch)/code.py
	echo 'import sys; print(repr(sys.stdin.read()))' >"$code"
	run -0 sandrun --json --stdin "$d/in.txt" "$code"
	[ "$(json .stdout.text)" = "'line1\\nline2\\n'" ]
	run -0 sandrun --json --stdin /dev/null "$code" <<<"not read"
	[ "$(json .stdout.text)" = "''" ]
	run -0 sandrun --json --stdin - "$code" <<<"from the caller"
	[ "$(json .stdout.text)" = "'from the caller\\n'" ]
	run -125 sandrun --stdin /nonexistent/in.txt "$code"
}

# ---- artifacts out ----------------------------------------------------------

@test "files: a matplotlib chart saved to the cwd comes back as image/png" {
	require_python_module matplotlib
	run -0 py --inline-files <<-'EOF'
	import matplotlib.pyplot as plt
	plt.plot([1, 2, 3], [3, 1, 2])
	plt.savefig("chart.png")
	EOF
	[ "$(json '.files | length')" = 1 ]
	[ "$(json '.files[0].path')" = chart.png ]
	[ "$(json '.files[0].mime')" = image/png ]
	[ "$(json '.files[0].encoding')" = base64 ]
	d=$(scratch)
	json '.files[0].content' | base64 -d >"$d/chart.png"
	[ "$(head -c 8 "$d/chart.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	[ "$(stat -c %s "$d/chart.png")" = "$(json '.files[0].size')" ]
	[ "$(sha256sum <"$d/chart.png" | cut -d' ' -f1)" = "$(json '.files[0].sha256')" ]
}

@test "files: json and csv written in the cwd are listed with their types and text" {
	run -0 py --inline-files <<-'EOF'
	import csv, json
	json.dump({"city": "Seattle", "avg": 73500.0}, open("answer.json", "w"))
	with open("table.csv", "w", newline="") as f:
	    w = csv.writer(f)
	    w.writerow(["city", "avg"])
	    w.writerow(["Seattle", 73500.0])
	    w.writerow(["Boston", 67500.0])
	open("notes.txt", "w").write("ok\n")
	EOF
	assert_equal "$(json '[.files[] | .path + " " + .mime + " " + .encoding] | join(",")')" \
		"answer.json application/json utf-8,notes.txt text/plain utf-8,table.csv text/csv utf-8"
	[ "$(json '.files[0].content | fromjson | .city')" = Seattle ]
	[ "$(json '.files[2].content')" = "$(printf 'city,avg\r\nSeattle,73500.0\r\nBoston,67500.0\r\n')" ]
}

@test "files: inputs and the code file are not listed unless changed; subdirectories are" {
	run -0 py --file "$SEED/dataset.csv" --file "$SEED/analysis.py" <<-'EOF'
	import os
	open("analysis.py", "a").write("# changed\n")
	os.makedirs("out/deep")
	open("out/deep/r.txt", "w").write("r")
	EOF
	[ "$(json '[.files[].path] | join(",")')" = "analysis.py,out/deep/r.txt" ]
	[ "$(json '.skipped | length')" = 0 ]
}

@test "files: --inline-files=MAX inlines only files up to MAX bytes" {
	run -0 py --inline-files=10 <<-'EOF'
	open("small.txt", "w").write("0123456789")
	open("big.txt", "w").write("0123456789A")
	open("bin.dat", "wb").write(bytes(range(5)))
	EOF
	[ "$(json '.files[] | select(.path == "small.txt") | .content')" = 0123456789 ]
	[ "$(json '.files[] | select(.path == "big.txt") | has("content")')" = false ]
	[ "$(json '.files[] | select(.path == "bin.dat") | .content')" = AAECAwQ= ]
	[ "$(json '.files[] | select(.path == "bin.dat") | .mime')" = application/octet-stream ]
}

@test "files: without --inline-files there is no content, but size and sha256" {
	run -0 py <<<'open("a.txt", "w").write("hello\n")'
	[ "$(json '.files[0] | has("content")')" = false ]
	[ "$(json '.files[0].size')" = 6 ]
	[ "$(json '.files[0].sha256')" = "$(printf 'hello\n' | sha256sum | cut -d' ' -f1)" ]
}

@test "files: --out copies the files, subdirectories included, and replaces regular files" {
	out=$(scratch)/out
	mkdir "$out"
	echo old >"$out/a.txt"
	run -0 --separate-stderr sandrun -p python -o "$out" <<-'EOF'
	import os
	os.makedirs("sub/deeper")
	open("a.txt", "w").write("A")
	open("sub/deeper/b.bin", "wb").write(b"\0\1\2")
	EOF
	[ "$(cat "$out/a.txt")" = A ]
	[ "$(od -An -tx1 "$out/sub/deeper/b.bin" | tr -d ' \n')" = 000102 ]
	[ -z "$stderr" ]
	[ -z "$(find "$out" -name '.sandrun-*')" ]
}

@test "files: --out creates a missing DIR; a DIR that cannot be made is exit 125" {
	out=$(scratch)/new
	run -0 sandrun -o "$out" <<<'open("x.txt", "w").write("x")'
	[ "$(cat "$out/x.txt")" = x ]
	run -125 --separate-stderr sandrun -o /nonexistent/a/b <<<'print(1)'
	[[ "$stderr" == *"--out /nonexistent/a/b"* ]]
}

@test "files: --format tool lists the artifacts" {
	run -0 sandrun --format tool <<-'EOF'
	print("made it")
	open("r.csv", "w").write("a,b\n1,2\n")
	EOF
	assert_line --index 0 "made it"
	assert_line --regexp '^\[exit 0 · [0-9.]+ s · .*\]$'
	assert_line "file: r.csv (text/csv, 8 B)"
}

@test "files: hard links are exported with their content" {
	run -0 py --inline-files <<-'EOF'
	import os
	open("a.txt", "w").write("same bytes")
	os.link("a.txt", "b.txt")
	EOF
	[ "$(json '[.files[].content] | join(",")')" = "same bytes,same bytes" ]
}

@test "files: a large file in a small memory limit is exported without doubling memory" {
	run -0 sandrun --json -p sh -m 64M --exec -- sh -c 'head -c 45000000 /dev/zero >big.bin'
	[ "$(json .status)" = ok ]
	[ "$(json '.files[0].size')" = 45000000 ]
	[ "$(json '.files[0].sha256')" = "$(head -c 45000000 /dev/zero | sha256sum | cut -d' ' -f1)" ]
}

@test "files: a run stopped by its time limit still returns what it wrote" {
	run -124 py -t 1s <<-'EOF'
	import os, time
	open("partial.txt", "w").write("x")
	if os.fork() == 0:
	    os.setsid()
	    time.sleep(60)
	time.sleep(30)
	EOF
	[ "$(json .status)" = timeout ]
	[ "$(json .limit_hit)" = wall_time ]
	[ "$(json '.files | length')" = 1 ]
	[ "$(json '.files[0].path')" = partial.txt ]
	[ "$(json '.time.wall_ms < 3000')" = true ]
}

@test "files: with the work dir bound from the host nothing is exported" {
	# As root the sandbox user is an unprivileged host uid: it needs a
	# directory it can reach and write.
	d=$(mktemp -d /tmp/sr-files-bind.XXXXXX)
	chmod 777 "$d"
	run sandrun --json -p sh --bind-rw "$d:/sandbox" --exec -- sh -c 'echo x >made.txt'
	made=$(cat "$d/made.txt")
	rm -rf "$d"
	[ "$status" = 0 ]
	[ "$made" = x ]
	[ "$(json '.files | length')" = 0 ]
}

# ---- what agents' code does --------------------------------------------------

@test "workload: numpy linear algebra" {
	require_python_module numpy
	run -0 py <<-'EOF'
	import numpy as np
	a = np.array([[3.0, 1.0], [1.0, 2.0]])
	x = np.linalg.solve(a, [9.0, 8.0])
	w = np.linalg.eigvalsh(a)
	print(x.tolist(), round(float(np.linalg.det(a)), 6), len(w))
	EOF
	[ "$(json .stdout.text)" = "[2.0, 3.0] 5.0 2" ]
}

@test "workload: multiprocessing.Pool" {
	run -0 py <<-'EOF'
	import multiprocessing as mp
	def sq(x):
	    return x * x
	if __name__ == "__main__":
	    with mp.Pool(2) as p:
	        print(p.map(sq, range(6)))
	EOF
	[ "$(json .stdout.text)" = "[0, 1, 4, 9, 16, 25]" ]
}

@test "workload: ThreadPoolExecutor" {
	run -0 py <<-'EOF'
	from concurrent.futures import ThreadPoolExecutor
	with ThreadPoolExecutor(8) as ex:
	    print(sum(ex.map(lambda x: x * x, range(100))))
	EOF
	[ "$(json .stdout.text)" = 328350 ]
}

@test "workload: sqlite3 in /tmp" {
	run -0 py <<-'EOF'
	import sqlite3
	c = sqlite3.connect("/tmp/t.db")
	c.execute("create table t (city text, salary int)")
	c.executemany("insert into t values (?, ?)", [("Seattle", 75000), ("Seattle", 72000)])
	c.commit()
	print(c.execute("select city, avg(salary) from t group by city").fetchone())
	EOF
	[ "$(json .stdout.text)" = "('Seattle', 73500.0)" ]
	[ "$(json '.files | length')" = 0 ]
}

@test "workload: a subprocess of python itself" {
	run -0 py <<-'EOF'
	import subprocess, sys
	r = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True)
	print(r.stdout.strip())
	EOF
	[ "$(json .stdout.text)" = 42 ]
}

@test "workload: zoneinfo" {
	run -0 py <<-'EOF'
	from datetime import datetime
	from zoneinfo import ZoneInfo
	t = datetime(2024, 7, 1, 12, tzinfo=ZoneInfo("Europe/Paris"))
	print(t.astimezone(ZoneInfo("America/New_York")).isoformat())
	EOF
	[ "$(json .stdout.text)" = "2024-07-01T06:00:00-04:00" ]
}

@test "workload: Unicode output" {
	run -0 py <<<'print("héllo wörld · 日本語 · 🎉 · Ελληνικά")'
	[ "$(json .stdout.text)" = "héllo wörld · 日本語 · 🎉 · Ελληνικά" ]
	[ "$(json .stdout.invalid_utf8)" = 0 ]
	run -0 sandrun <<<'print("naïve ✓")'
	assert_output "naïve ✓"
}

@test "workload: Pillow images come back as png, jpeg and gif" {
	require_python_module PIL
	run -0 py <<-'EOF'
	from PIL import Image, ImageDraw
	im = Image.new("RGB", (64, 32), "white")
	ImageDraw.Draw(im).rectangle([4, 4, 40, 20], fill="red")
	im.save("a.png"); im.save("b.jpg"); im.convert("P").save("c.gif")
	print(Image.open("a.png").size)
	EOF
	[ "$(json .stdout.text)" = "(64, 32)" ]
	[ "$(json '[.files[].mime] | join(",")')" = "image/png,image/jpeg,image/gif" ]
}

@test "workload: getpass and the home directory" {
	run -0 py <<-'EOF'
	import getpass, os, pathlib
	print(getpass.getuser(), os.path.expanduser("~"), pathlib.Path.home() == pathlib.Path(os.environ["HOME"]))
	p = pathlib.Path.home() / ".cache" / "x.txt"
	p.parent.mkdir(parents=True)
	p.write_text("cached")
	print(p.read_text())
	EOF
	[ "$(json .stdout.text)" = "sandbox /home/sandbox True
cached" ]
}

# ---- hostile output ---------------------------------------------------------

@test "hostile: a symlink to /etc/passwd is skipped, not exported as its contents" {
	out=$(scratch)/out
	run -0 py --inline-files -o "$out" <<-'EOF'
	import os
	os.symlink("/etc/passwd", "passwd")
	os.symlink("/etc", "etcdir")
	os.mkdir("d")
	os.symlink("../../../../etc/shadow", "d/shadow")
	open("ok.txt", "w").write("ok")
	EOF
	[ "$(json '[.files[].path] | join(",")')" = ok.txt ]
	[ "$(json '[.skipped[] | .path + ": " + .reason] | join(",")')" = \
		"d/shadow: symbolic link; not followed,etcdir: symbolic link; not followed,passwd: symbolic link; not followed" ]
	[[ "$output" != *"root:x:0:0"* ]]
	[ ! -e "$out/passwd" ] && [ ! -L "$out/passwd" ]
	[ ! -e "$out/etcdir" ]
	[ "$(cat "$out/ok.txt")" = ok ]
}

@test "hostile: a FIFO in the work dir does not hang the export" {
	run -0 timeout 20 "$SANDRUN" --json -p python <<-'EOF'
	import os, socket
	os.mkfifo("fifo")
	s = socket.socket(socket.AF_UNIX); s.bind("sock")
	open("ok.txt", "w").write("ok")
	EOF
	[ "$(json '[.files[].path] | join(",")')" = ok.txt ]
	[ "$(json '[.skipped[] | .path + ": " + .reason] | join(",")')" = \
		"fifo: FIFO; not read,sock: socket; not read" ]
}

@test "hostile: a 1 TB sparse file is skipped without being read" {
	pol=$(scratch)/bigfiles.json
	echo '{"description": "python, no file size limit", "extends": "python", "limits": {"file_size": "unlimited"}}' >"$pol"
	SECONDS=0
	run -0 sandrun --json -p "$pol" <<-'EOF'
	with open("huge.bin", "wb") as f:
	    f.truncate(1 << 40)
	open("ok.txt", "w").write("ok")
	EOF
	[ "$SECONDS" -lt 20 ]
	[ "$(json '[.files[].path] | join(",")')" = ok.txt ]
	[ "$(json '.skipped[0].path')" = huge.bin ]
	[[ "$(json '.skipped[0].reason')" == "sparse file of 1099511627776 bytes: over the per-file export limit"* ]]
}

@test "hostile: a file over the per-file cap is skipped; one under it is not" {
	run -0 sandrun --json -p sh --exec -- sh -c \
		'head -c 1000 /dev/zero >small; truncate -s 60M sparse-ok'
	[ "$(json '[.files[].path] | join(",")')" = "small,sparse-ok" ]
	[ "$(json '.files[1].size')" = 62914560 ]
}

@test "hostile: names with newlines, escapes, bidi controls or bad UTF-8 are refused" {
	out=$(scratch)/out
	run -0 py -o "$out" <<-'EOF'
	import os
	for n in ["a\nb", "esc\x1b[31mred", "tab\tname", "rtl\u202etxt.exe", "c1\u009bx", b"bad\xff".decode("utf-8", "surrogateescape"), "ok é.txt"]:
	    open(n, "w").write("x")
	EOF
	[ "$(json '[.files[].path] | join(",")')" = "ok é.txt" ]
	[ "$(json '.skipped | length')" = 6 ]
	[ "$(json '[.skipped[].reason] | unique | join(",")')" = \
		"name contains bidirectional control characters,name contains control characters,name is not valid UTF-8" ]
	# the JSON itself carries no raw control character
	! printf '%s' "$output" | grep -q $'\x1b'
	[ "$(ls -A "$out")" = "ok é.txt" ]
}

@test "hostile: --out never follows a symlink already in DIR" {
	d=$(scratch)
	out=$d/out
	mkdir "$out" "$d/elsewhere"
	ln -s "$d/victim" "$out/a.txt"
	ln -s "$d/elsewhere" "$out/sub"
	run -0 --separate-stderr sandrun -p python -o "$out" <<-'EOF'
	import os
	open("a.txt", "w").write("A")
	os.mkdir("sub")
	open("sub/x", "w").write("X")
	open("b.txt", "w").write("B")
	EOF
	[ ! -e "$d/victim" ]
	[ -z "$(ls -A "$d/elsewhere")" ]
	[ -L "$out/a.txt" ] && [ -L "$out/sub" ]
	[ "$(cat "$out/b.txt")" = B ]
	[[ "$stderr" == *"skipped: a.txt (exists in the --out directory as a symbolic link; not replaced)"* ]]
	[[ "$stderr" == *"skipped: sub/x (sub in the --out directory is a symbolic link or not a directory; not followed)"* ]]
}

@test "hostile: thousands of files are capped and the rest counted" {
	run -0 sandrun --json -p sh --exec -- sh -c \
		'i=0; while [ $i -lt 1205 ]; do : >f$i; i=$((i+1)); done'
	[ "$(json '.files | length')" = 1000 ]
	[ "$(json '.skipped | length')" = 101 ]
	[ "$(json '.skipped[-1].reason')" = "105 more skipped entries not listed" ]
}

@test "hostile: deep nesting is cut off, not followed forever" {
	run -0 sandrun --json -p sh --exec -- sh -c \
		'p=.; for i in $(seq 40); do p=$p/d; done; mkdir -p $p; echo x >$p/deep.txt; echo y >top.txt'
	[ "$(json '[.files[].path] | join(",")')" = top.txt ]
	[[ "$(json '.skipped[0].reason')" == *"nested too deep"* ]]
}

@test "hostile: files and directories made unreadable (mode 000) are still exported" {
	run -0 sandrun --json -p sh --exec -- sh -c \
		'mkdir d; echo x >d/f; echo y >g; chmod 000 d/f g d .'
	[ "$(json '[.files[].path] | join(",")')" = "d/f,g" ]
	[ "$(json '.skipped | length')" = 0 ]
}
