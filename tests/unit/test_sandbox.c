/* test_sandbox.c - the lifecycle (sandbox.h) and the supervisor-init
 * protocol: a failure at each setup step, on either side, reaches the
 * caller as that step's message every time; init serves more than one
 * run; isolation facts come from the program. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "cli.h"
#include "hostcheck.h"
#include "initplan.h"
#include "plan.h"
#include "policy.h"
#include "report.h"
#include "sandbox.h"
#include "tap.h"

#define TRIES 20

static struct sr_policy *pol;
static struct sr_opts opts;
static char *args[16];

/* Parse a command line into opts (its strings live in args). */
static int
parse(const char *const *argv, struct sr_diag *d)
{
	int n;

	sr_cli_free(&opts);
	for (n = 0; n < 15 && args[n]; n++)
		free(args[n]);
	memset(args, 0, sizeof(args));
	for (n = 0; argv[n] && n < 15; n++)
		args[n] = strdup(argv[n]);
	return sr_cli_parse(n, args, &opts, d);
}

static int
make_plan(struct sr_plan *plan, const char *cmd)
{
	const char *argv[] = { "sandrun", "--json", "-p", "sh", "--exec",
		"--", "/bin/sh", "-c", cmd, NULL };
	struct sr_diag d;

	if (parse(argv, &d) < 0)
		return -1;
	return sr_plan_build(plan, pol, &opts, &d);
}

/* One run of plan, 0 with *r or -1 with *d: init cloned by create
 * (cold), or, as a cold run of sandrun makes it, before the plan
 * (sandbox.h sr_sandbox_early), which it gets with PLAN (early). */
static int
run_plan(const struct sr_plan *plan, bool first, struct sr_result *r,
    struct sr_diag *d)
{
	struct sr_program prog;
	struct sr_box *b = NULL;
	int rc = -1;

	sr_plan_program(plan, &prog);
	memset(r, 0, sizeof(*r));
	memset(d, 0, sizeof(*d));
	sr_capture_init(&r->out, 4096);
	sr_capture_init(&r->err, 4096);
	if ((first ? sr_sandbox_create_cold(plan,
	    sr_sandbox_early(NULL, 0, NULL), &b, d) :
	    sr_sandbox_create(plan, &b, d)) == 0 &&
	    sr_sandbox_run(b, &prog, d) == 0 &&
	    sr_sandbox_collect(b, r, d) == 0)
		rc = 0;
	sr_sandbox_destroy(b);
	return rc;
}

static int
cold(const struct sr_plan *plan, struct sr_result *r, struct sr_diag *d)
{
	return run_plan(plan, false, r, d);
}

static int
early(const struct sr_plan *plan, struct sr_result *r, struct sr_diag *d)
{
	return run_plan(plan, true, r, d);
}

/* No child left of ours: every init reaped. */
static bool
no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void
fault_injection(const struct sr_plan *plan, int (*run)(const struct sr_plan *,
    struct sr_result *, struct sr_diag *), const char *how)
{
	struct sr_result r;
	struct sr_diag d;
	char want[128];
	int s, i, good;

	for (s = SR_STEP_NONE + 1; s < SR_STEP_COUNT; s++) {
		snprintf(want, sizeof(want), "%s: injected failure",
		    sr_child_step_name((enum sr_child_step)s));
		sr_child_inject_failure((enum sr_child_step)s);
		for (good = 0, i = 0; i < TRIES; i++) {
			int rc = run(plan, &r, &d);

			if (rc < 0 && strcmp(d.msg, want) == 0)
				good++;
			else if (i == 0)
				printf("# got rc %d: %s\n", rc, d.msg);
			sr_result_free(&r);
		}
		ok(good == TRIES && no_children(),
		    "%s: a failure at %s surfaces its message (%d/%d), nothing left",
		    how, sr_child_step_name((enum sr_child_step)s), good, TRIES);
	}
	sr_child_inject_failure(SR_STEP_NONE);
}

/* A plan through PLAN's memfd: the same plan on the other side; a
 * blob cut short or with an offset outside refused. */
static void
initplan_roundtrip(const struct sr_plan *plan)
{
	const struct sr_mount_plan *a = &plan->mounts, *b = NULL;
	struct sr_sandbox in, out;
	struct sr_diag d;
	bool same;
	size_t i;
	int fd, bad;
	char *blob;
	off_t len;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.plan = (struct sr_mount_plan *)a;
	in.hostname = "hname";
	in.uid = 1234;
	in.gid = 5678;
	in.loopback = true;
	fd = sr_initplan_pack(&in, &d);
	same = fd >= 0 && sr_initplan_take(fd, &out, &d) == 0 &&
	    (b = out.plan) != NULL && strcmp(out.hostname, "hname") == 0 &&
	    out.uid == 1234 && out.gid == 5678 && out.loopback &&
	    b->n_steps == a->n_steps && b->n_policy == a->n_policy &&
	    strcmp(b->workdir, a->workdir) == 0 &&
	    (a->home == NULL ? b->home == NULL : strcmp(b->home, a->home) == 0) &&
	    strcmp(b->passwd, a->passwd) == 0 && strcmp(b->group, a->group) == 0 &&
	    strcmp(b->hosts, a->hosts) == 0 && b->tmp_size == a->tmp_size &&
	    b->work_inodes == a->work_inodes && b->exec_tmp == a->exec_tmp &&
	    (a->meminfo == NULL) == (b->meminfo == NULL);
	for (i = 0; same && i < a->n_steps; i++) {
		const struct sr_step *x = &a->steps[i], *y = &b->steps[i];

		same = x->type == y->type && strcmp(x->dst, y->dst) == 0 &&
		    (x->src == NULL ? y->src == NULL : strcmp(x->src, y->src) == 0) &&
		    (x->text == NULL ? y->text == NULL :
		    memcmp(x->text, y->text, x->text_len) == 0) &&
		    x->text_len == y->text_len && x->rw == y->rw &&
		    x->src_dev == y->src_dev && x->src_ino == y->src_ino &&
		    x->mode == y->mode && x->size == y->size && y->src_fd == -1;
	}
	ok(same && a->n_steps > 3, "the plan init gets with PLAN is the plan (%zu steps)",
	    a->n_steps);
	/* damaged copies: cut short, and the steps' offset past the end */
	len = fd >= 0 ? lseek(fd, 0, SEEK_END) : 0;
	blob = malloc((size_t)len + 1);
	bad = 0;
	if (blob != NULL && len > 64 && pread(fd, blob, (size_t)len, 0) == len) {
		int f2 = memfd_create("t", 0);

		if (f2 >= 0 && write(f2, blob, (size_t)len - 1) == len - 1 &&
		    sr_initplan_take(f2, &out, &d) < 0)
			bad++;
		if (f2 >= 0)
			close(f2);
		f2 = memfd_create("t", 0);
		/* initplan.c's header: magic, loopback, size, then the
		 * hostname's offset, 8 bytes at 16 */
		memset(blob + 16, 0x7f, 8);
		if (f2 >= 0 && write(f2, blob, (size_t)len) == len &&
		    sr_initplan_take(f2, &out, &d) < 0)
			bad++;
		if (f2 >= 0)
			close(f2);
	}
	ok(bad == 2, "a damaged plan is refused (%d/2: %s)", bad, d.msg);
	free(blob);
	sr_initplan_free(&out);
	if (fd >= 0)
		close(fd);
}

/* The early init ended unused (a bad policy after it): nothing left. */
static void
early_discarded(void)
{
	int i, good = 0;

	for (i = 0; i < TRIES; i++) {
		struct sr_box *e = sr_sandbox_early(NULL, 0, NULL);

		if (i % 2)
			usleep(2000);	/* init past its namespaces */
		sr_sandbox_destroy(e);
		good += no_children();
	}
	ok(good == TRIES, "an early init ended before its plan leaves no process (%d/%d)",
	    good, TRIES);
}

/* One run in b; 0 when it exited with code and printed out. */
static int
run_one(struct sr_box *b, const struct sr_program *prog, int code,
    const char *out)
{
	struct sr_result r;
	struct sr_diag d;
	size_t len, gap;
	char *got = NULL;
	int good;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	sr_capture_init(&r.out, 4096);
	sr_capture_init(&r.err, 4096);
	good = sr_sandbox_run(b, prog, &d) == 0 &&
	    sr_sandbox_collect(b, &r, &d) == 0 && r.exited &&
	    r.exit_code == code && r.iso.seccomp && r.iso.no_new_privs &&
	    r.iso.caps_dropped;
	if (good) {
		got = sr_capture_bytes(&r.out, &len, &gap);
		good = len == strlen(out) && memcmp(got, out, len) == 0;
	}
	if (!good)
		printf("# run: rc %d exit %d out '%s' (%s)\n", r.exit_code,
		    r.exited, got ? got : "", d.msg);
	free(got);
	sr_result_free(&r);
	return good ? 0 : -1;
}

static void
two_runs(const struct sr_plan *plan)
{
	static char sh[] = "/bin/sh", c[] = "-c", x[] = "X=second",
	    path[] = "PATH=/bin:/usr/bin", cmd[] = "printf %s \"$X\"; exit 4",
	    file[] = "job.sh";
	char *const argv2[] = { sh, c, cmd, NULL };
	char *const argv3[] = { sh, file, NULL };
	char *const env2[] = { x, path, NULL };
	struct sr_program p1, p2, p3;
	struct sr_box *b = NULL;
	struct sr_diag d;

	memset(&d, 0, sizeof(d));
	sr_plan_program(plan, &p1);
	p2 = p1;
	p2.argv = argv2;
	p2.envp = env2;
	p2.code_name = NULL;
	p3 = p2;
	p3.argv = argv3;
	p3.code_name = "job.sh";
	p3.code = "echo third; exit 5\n";
	p3.code_len = strlen(p3.code);
	if (!ok(sr_sandbox_create(plan, &b, &d) == 0, "create: %s", d.msg)) {
		ok(0, "skipped runs");
		return;
	}
	sleep(1);	/* a warm sandbox: run comes later than create */
	ok(run_one(b, &p1, 3, "hi\n") == 0 && run_one(b, &p2, 4, "second") == 0 &&
	    run_one(b, &p3, 5, "third\n") == 0,
	    "one init serves three programs (argv, env, code), each with its facts");
	sr_sandbox_destroy(b);
}

int
main(void)
{
	struct sr_plan plan;
	struct sr_result r;
	struct sr_diag d;
	struct sr_host h;
	int i;

	TAP_PLAN(2 * (SR_STEP_COUNT - 1) + 11);
	memset(&opts, 0, sizeof(opts));
	setenv("SANDRUN_POLICY_PATH", SR_SRC_POLICYDIR, 1);
	sr_host_probe(&h);
	memset(&d, 0, sizeof(d));
	if (!h.userns ||
	    sr_policy_load(SR_SRC_POLICYDIR "/sh.json", &pol, &d) < 0 ||
	    make_plan(&plan, "echo hi; exit 3") < 0) {
		for (i = 0; i < 2 * (SR_STEP_COUNT - 1) + 11; i++)
			printf("ok %d # skip %s\n", i + 1, h.userns ? d.msg :
			    "no user namespaces here");
		return getenv("SANDRUN_MUST_WORK") ? 1 : 0;
	}
	fault_injection(&plan, cold, "create");
	fault_injection(&plan, early, "early clone");
	two_runs(&plan);
	initplan_roundtrip(&plan);
	early_discarded();
	ok(early(&plan, &r, &d) == 0 && r.exit_code == 3 && r.iso.seccomp &&
	    r.iso.user_ns && r.iso.pid_ns && r.iso.net_ns && r.iso.mount_ns &&
	    r.iso.uts_ns && r.iso.ipc_ns && no_children(), "a run of an early init: every namespace observed (%s)",
	    d.msg);
	sr_result_free(&r);

	ok(cold(&plan, &r, &d) == 0 && r.exit_code == 3 && r.iso.seccomp,
	    "after the faults, a plain run works");
	sr_result_free(&r);
	/* --file: a descriptor in the plan, which PLAN does not carry */
	{
		char tmpl[] = "/tmp/test_sandbox.XXXXXX", spec[64];
		int fd = mkstemp(tmpl);
		struct sr_plan fp;
		const char *argv[] = { "sandrun", "--json", "-p", "sh", "-f",
			spec, "--exec", "--", "/bin/cat", "in.txt", NULL };

		snprintf(spec, sizeof(spec), "%s:in.txt", tmpl);
		ok(fd >= 0 && write(fd, "copied\n", 7) == 7 &&
		    parse(argv, &d) == 0 &&
		    sr_plan_build(&fp, pol, &opts, &d) == 0 &&
		    !sr_initplan_fits(&fp.mounts) &&
		    early(&fp, &r, &d) == 0 && r.exit_code == 0 &&
		    r.out.total == 7 && no_children(),
		    "a plan holding a descriptor: the early init ends, the usual clone runs it (%s)",
		    d.msg);
		sr_result_free(&r);
		sr_plan_free(&fp);
		if (fd >= 0) {
			close(fd);
			unlink(tmpl);
		}
	}

	/* killed at the time limit before its filter: claims nothing */
	sr_plan_free(&plan);
	pol->limits.wall_ms = 300;
	sr_child_inject_stall(SR_STEP_SECCOMP);
	ok(make_plan(&plan, "true") == 0 && cold(&plan, &r, &d) == 0 &&
	    r.status == SR_STATUS_TIMEOUT && !r.iso.seccomp &&
	    !r.iso.no_new_privs && !r.iso.caps_dropped && r.iso.pid_ns &&
	    r.limits[SR_LIM_OPEN_FILES].mech == SR_MECH_NONE,
	    "a run stopped before seccomp claims no filter and no rlimit it did not confirm");
	sr_child_inject_stall(SR_STEP_NONE);
	sr_result_free(&r);
	pol->limits.wall_ms = 10000;

	sr_host_deny_userns_for_test(true);
	ok(cold(&plan, &r, &d) < 0 &&
	    strncmp(d.msg, "cannot create the sandbox: ", 27) == 0,
	    "a host refusing user namespaces: one diagnosis (%s)", d.msg);
	sr_result_free(&r);
	sr_host_deny_userns_for_test(false);
	sr_plan_free(&plan);

	/* a program that is not there: its exec failure, from the program */
	{
		const char *argv[] = { "sandrun", "-p", "sh", "--exec", "--",
			"/nonexistent", NULL };

		ok(parse(argv, &d) == 0 &&
		    sr_plan_build(&plan, pol, &opts, &d) == 0 &&
		    cold(&plan, &r, &d) == 0 && r.status == SR_STATUS_ERROR &&
		    r.diag.kind == SR_DIAG_EXEC_NOENT && r.iso.seccomp,
		    "exec failure is the program's own diag (%s)", r.diag.msg);
		sr_result_free(&r);
		sr_plan_free(&plan);
	}
	parse((const char *const[]){ NULL }, &d);
	sr_policy_free(pol);
	return tap_done();
}
