/* test_cli.c - command-line parsing (cli.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tap.h"

static struct sr_opts o;
static struct sr_diag d;
static char *store[32];

/* Parse a NULL-terminated list; 0 or -1 (d filled). */
static int
parse(const char *const *args)
{
	int n;

	sr_cli_free(&o);
	for (n = 0; store[n]; n++)
		free(store[n]);
	memset(store, 0, sizeof(store));
	memset(&d, 0, sizeof(d));
	store[0] = strdup("sandrun");
	for (n = 0; args[n] && n < 30; n++)
		store[n + 1] = strdup(args[n]);
	return sr_cli_parse(n + 1, store, &o, &d);
}

#define P(...) parse((const char *const[]){ __VA_ARGS__, NULL })

static int
fails_with(int rc, const char *want)
{
	return rc < 0 && d.kind == SR_DIAG_USAGE && strstr(d.msg, want) != NULL;
}

int
main(void)
{
	TAP_PLAN(24);

	ok(P("code.py") == 0 && o.mode == SR_MODE_RUN &&
	    strcmp(o.code_path, "code.py") == 0 && o.argc == 0 && !o.exec,
	    "a FILE");
	ok(P("-") == 0 && o.code_path == NULL, "'-' is stdin");
	ok(P("code.py", "--", "a", "b") == 0 && o.argc == 2 &&
	    strcmp(o.argv[0], "a") == 0, "FILE -- ARG...");
	ok(P("--", "a") == 0 && o.code_path == NULL && o.argc == 1,
	    "-- ARG... without FILE: code from stdin");
	ok(P("-p", "sh", "--exec", "--", "wc", "-l") == 0 && o.exec &&
	    o.argc == 2 && strcmp(o.argv[1], "-l") == 0 &&
	    strcmp(o.policy, "sh") == 0, "--exec -- COMMAND ARG");
	ok(fails_with(P("--exec"), "--exec needs a command"),
	    "--exec without a command");
	ok(P("-t", "2s", "-m", "64M", "--cpu-time", "500ms", "--pids", "8",
	    "--output-limit", "1K", "x") == 0 && o.timeout_ms == 2000 &&
	    o.memory == 64u << 20 && o.cpu_ms == 500 && o.pids == 8 &&
	    o.output == 1024 && (o.set & SR_SET_TIMEOUT) &&
	    (o.set & SR_SET_MEMORY), "limits parse with their units");
	ok(fails_with(P("-t", "1s", "-t", "2s", "x"), "given twice"),
	    "a single-value option given twice");
	ok(fails_with(P("-t", "0", "x"), "greater than zero"), "-t 0");
	ok(fails_with(P("-m", "1K", "x"), "too small"), "-m 1K");
	ok(P("--json", "x") == 0 && o.format == SR_FORMAT_JSON &&
	    P("--json", "--json", "x") == 0, "--json (twice is the same)");
	ok(fails_with(P("--format", "xml", "x"), "unknown format 'xml'"),
	    "--format xml");
	ok(P("--file", "a.csv", "--file", "b:c/d", "x") == 0 &&
	    o.n_files == 2 && o.files[0].dst == NULL &&
	    strcmp(o.files[1].dst, "c/d") == 0, "--file SRC[:DST], repeated");
	ok(fails_with(P("--bind", ":/x", "x"), "missing source"),
	    "--bind without a source");
	ok(P("--bind-rw", "/a:/b", "x") == 0 && o.binds[0].rw, "--bind-rw");
	ok(P("-e", "A=1", "-e", "B=2", "x") == 0 && o.n_env == 2 &&
	    o.env[2] == NULL, "--env, repeated");
	ok(fails_with(P("-e", "A", "x"), "expected NAME=VALUE"), "--env A");
	ok(P("--stdin", "in.txt", "x") == 0 &&
	    strcmp(o.stdin_path, "in.txt") == 0, "--stdin FILE");
	ok(fails_with(P("--stdin", "-"), "already carries the code"),
	    "--stdin - with code on stdin");
	ok(P("--check-host") == 0 && o.mode == SR_MODE_CHECK_HOST,
	    "a mode option");
	ok(fails_with(P("--check-host", "--list-policies"), "cannot be combined"),
	    "two modes");
	ok(fails_with(P("--bogus"), "unknown option --bogus") &&
	    fails_with(P("--exec=1", "x"), "takes no value") &&
	    fails_with(P("--timeout"), "needs a value"),
	    "unknown, valueless and value-less options");
	ok(fails_with(P("-v", "-q", "x"), "cannot be combined"), "-v with -q");
	ok(P("--network", "loopback", "--cgroup", "/sys/fs/cgroup/x", "-o",
	    "out", "--inline-files", "x") == 0 && o.network == 1 &&
	    strcmp(o.out_dir, "out") == 0 && o.inline_max > 0 &&
	    strcmp(o.cgroup, "/sys/fs/cgroup/x") == 0,
	    "network, cgroup, out, inline-files (%s)", d.msg);
	parse((const char *const[]){ NULL });
	sr_cli_free(&o);
	free(store[0]);
	return tap_done();
}
