#!/usr/bin/env bats
# Figures: under the python policy, plt.show() and figures left open at the
# end come back as figure-N.png in the work dir, so in `files`, with
# --inline-files and in --out (the sandrun_figures backend the policy
# installs; sandrun-policy(5), THE PYTHON POLICY).  Runs as root and as an
# ordinary user.

load helpers

setup() {
	require_userns
	require_python_module matplotlib
}

# py [OPTION]...: run the Python code on stdin with --json.
py() {
	sandrun --json -p python "$@"
}

# paths: the exported file names, one line.
paths() {
	json '[.files[].path] | join(" ")'
}

@test "figures: plt.show() returns figure-1.png as PNG, without blocking" {
	run -0 py -t 20s --inline-files <<-'EOF'
	import matplotlib.pyplot as plt
	plt.plot([1, 2, 3])
	plt.show()
	print("after show")
	EOF
	[ "$(json .status)" = ok ]
	[ "$(json .stdout.text)" = "after show" ]
	[ "$(json .stderr.text)" = "" ]
	[ "$(paths)" = figure-1.png ]
	[ "$(json '.files[0].mime')" = image/png ]
	[ "$(json '.files[0].encoding')" = base64 ]
	magic=$(json '.files[0].content' | base64 -d | head -c 8 | od -An -tx1 | tr -d ' \n')
	[ "$magic" = 89504e470d0a1a0a ]
	size=$(json '.files[0].content' | base64 -d | wc -c)
	[ "$size" = "$(json '.files[0].size')" ]
	[ "$size" -gt 1000 ]
}

@test "figures: two figures give figure-1.png and figure-2.png; show closes them" {
	run -0 py <<-'EOF'
	import matplotlib.pyplot as plt
	plt.figure(); plt.plot([1, 2])
	plt.figure(); plt.plot([2, 1])
	plt.show()
	print(len(plt.get_fignums()))
	plt.plot([3, 3])           # a new figure, as after a notebook cell
	plt.show()
	EOF
	[ "$(json .stdout.text)" = 0 ]
	[ "$(paths)" = "figure-1.png figure-2.png figure-3.png" ]
}

@test "figures: a figure still open at the end is returned; a closed one is not" {
	run -0 py <<-'EOF'
	import matplotlib.pyplot as plt
	f = plt.figure(); plt.plot([1, 2])
	plt.close(f)
	plt.figure(); plt.plot([2, 1])
	EOF
	[ "$(paths)" = figure-1.png ]
}

@test "figures: an uncaught exception still returns the open figures" {
	run -1 py <<-'EOF'
	import matplotlib.pyplot as plt
	plt.plot([1, 2])
	raise ValueError("late")
	EOF
	[ "$(json .error.name)" = ValueError ]
	[ "$(paths)" = figure-1.png ]
}

@test "figures: the program's own savefig is kept and not duplicated" {
	run -0 py <<-'EOF'
	import matplotlib.pyplot as plt
	plt.plot([1, 2, 3])
	plt.savefig("out.png")
	fig = plt.figure(); plt.plot([1, 2])
	fig.savefig("chart.pdf")
	EOF
	[ "$(paths)" = "chart.pdf out.png" ]
	[ "$(json '.files[1].mime')" = image/png ]
}

@test "figures: a figure changed after its savefig is returned at the end" {
	run -0 py <<-'EOF'
	import matplotlib.pyplot as plt
	plt.plot([1, 2, 3])
	plt.savefig("out.png")
	plt.title("changed")
	EOF
	[ "$(paths)" = "figure-1.png out.png" ]
}

@test "figures: the program's figure-1.png is never overwritten nor followed" {
	run -0 py <<-'EOF'
	import os
	import matplotlib.pyplot as plt
	open("figure-1.png", "w").write("mine\n")
	os.symlink("/tmp/target.png", "figure-2.png")
	plt.plot([1, 2])
	plt.show()
	print(open("figure-1.png").read(), os.path.exists("/tmp/target.png"), end="")
	EOF
	[ "$(json .stdout.text)" = "mine
 False" ]
	[ "$(paths)" = "figure-1.png figure-3.png" ]
	[ "$(json '.files[0].size')" = 5 ]
	[ "$(json '.skipped[0].path')" = figure-2.png ]
}

@test "figures: fig.show() after a change gives the new state as another file" {
	run -0 py <<-'EOF'
	import matplotlib.pyplot as plt
	fig, ax = plt.subplots()
	ax.plot([1, 2])
	fig.show()
	fig.show()                 # unchanged: no second file
	ax.set_title("later")
	fig.show()
	EOF
	[ "$(paths)" = "figure-1.png figure-2.png" ]
	[ "$(json '.files[0].sha256')" != "$(json '.files[1].sha256')" ]
}

@test "figures: matplotlib.use('Agg') chosen by the program keeps plain Agg" {
	run -0 py <<-'EOF'
	import matplotlib
	matplotlib.use("Agg")
	import matplotlib.pyplot as plt
	plt.plot([1, 2])
	plt.savefig("agg.png")
	plt.show()
	EOF
	[ "$(paths)" = agg.png ]
	[ "$(json '.files[0].mime')" = image/png ]
}

@test "figures: code that does not import matplotlib does not load it" {
	run -0 py <<-'EOF'
	import sys, os
	import numpy
	print("matplotlib" in sys.modules, "sandrun_figures" in sys.modules)
	print(os.environ["MPLBACKEND"])
	EOF
	[ "$(json .stdout.text)" = "False False
module://sandrun_figures" ]
	[ "$(json '.files | length')" = 0 ]
}

@test "figures: --out DIR receives the figures" {
	d=$(scratch)
	run -0 sandrun -p python --out "$d/out" <<-'EOF'
	import matplotlib.pyplot as plt
	plt.plot([1, 2]); plt.show()
	plt.plot([2, 1])
	EOF
	[ "$(cd "$d/out" && echo *)" = "figure-1.png figure-2.png" ]
	[ "$(head -c 4 "$d/out/figure-2.png" | od -An -c | tr -d ' \n')" = 211PNG ]
}

@test "figures: the backend module is read-only and changes nothing for the program" {
	run -0 py <<-'EOF'
	import os, stat
	p = "/opt/sandrun/python/sandrun_figures.py"
	for f in (lambda: open(p, "a"), lambda: os.chmod(p, 0o666),
	          lambda: os.unlink(p), lambda: open("/opt/sandrun/python/x", "w")):
	    try:
	        f()
	        print("writable")
	    except OSError as e:
	        print(e.errno in (1, 13, 30))
	print(oct(stat.S_IMODE(os.stat(p).st_mode)))
	EOF
	[ "$(json .stdout.text)" = "True
True
True
True
0o444" ]
}
