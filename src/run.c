/* run.c - a run from parsed options: policy -> plan -> sandbox -> report.
 * main.c's cold run, and a warm pool's call (serve_pool.c), which hands
 * in a ready sandbox the run takes only when it fits exactly. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "export.h"
#include "mounts.h"
#include "plan.h"
#include "policy.h"
#include "policy_files.h"
#include "pyerror.h"
#include "report.h"
#include "run.h"
#include "sandbox.h"
#include "session.h"
#include "util.h"

enum sr_exit {
	SR_EXIT_TIMEOUT = 124,
	SR_EXIT_FAILURE = 125,
	SR_EXIT_CANNOT_EXEC = 126,
	SR_EXIT_NOT_FOUND = 127,
	SR_EXIT_SIGNAL_BASE = 128,
};

#define SR_TEXT_KEEP (256u * 1024)	/* capture kept in text mode */

static bool quiet;

__attribute__((format(printf, 1, 2))) static void
msg(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* Print every line of a (possibly multi-line) diag with our prefix. */
void
sr_run_print_diag(const struct sr_diag *d)
{
	const char *p = d->msg, *nl;

	do {
		nl = strchrnul(p, '\n');
		fprintf(stderr, "sandrun: %.*s\n", (int)(nl - p), p);
		p = nl + 1;
	} while (*nl && *p);
}

static int
exit_for_diag(const struct sr_diag *d)
{
	return d->kind == SR_DIAG_EXEC_NOENT ? SR_EXIT_NOT_FOUND :
	    d->kind == SR_DIAG_EXEC_FAIL ? SR_EXIT_CANNOT_EXEC : SR_EXIT_FAILURE;
}

/* A run that failed before or while building the sandbox: one line on
 * stderr, and the JSON object too in JSON mode. */
int
sr_run_fail(const struct sr_opts *o, struct sr_result *r,
    const struct sr_policy *p, const struct sr_diag *d)
{
	char *json;

	r->status = SR_STATUS_ERROR;
	r->diag = *d;
	r->exit_status = exit_for_diag(d);
	sr_run_print_diag(d);
	if (o->format == SR_FORMAT_JSON) {
		json = sr_report_json(r, p);
		fputs(json, stdout);
		free(json);
	}
	fflush(stdout);
	return r->exit_status;
}

void
sr_run_apply_overrides(struct sr_policy *p, const struct sr_opts *o)
{
	size_t i, j, n;

	if (o->set & SR_SET_TIMEOUT)
		p->limits.wall_ms = o->timeout_ms;
	if (o->set & SR_SET_CPU)
		p->limits.cpu_ms = o->cpu_ms;
	if (o->set & SR_SET_MEMORY)
		p->limits.memory = o->memory;
	if (o->set & SR_SET_PIDS)
		p->limits.processes = o->pids;
	if (o->set & SR_SET_CPUS)
		p->limits.cpus = o->cpus;
	if (o->set & SR_SET_OUTPUT)
		p->limits.output = o->output;
	if (o->set & SR_SET_NETWORK)
		p->network = (enum sr_network)o->network;
	for (i = 0; i < o->n_env; i++) {
		n = (size_t)(strchr(o->env[i], '=') - o->env[i]) + 1;
		for (j = 0; j < p->n_env; j++)
			if (strncmp(p->env[j], o->env[i], n) == 0)
				break;
		if (j == p->n_env) {
			p->env = sr_xrealloc(p->env,
			    (p->n_env + 2) * sizeof(char *));
			p->n_env++;
			p->env[p->n_env] = NULL;
		} else {
			free(p->env[j]);
		}
		p->env[j] = sr_xstrdup(o->env[i]);
	}
}

/* Whether sr_run_apply_overrides leaves a policy as it is: keep this in
 * step with it. */
static bool
no_overrides(const struct sr_opts *o)
{
	return !(o->set & (SR_SET_TIMEOUT | SR_SET_CPU | SR_SET_MEMORY |
	    SR_SET_PIDS | SR_SET_CPUS | SR_SET_OUTPUT | SR_SET_NETWORK)) &&
	    o->n_env == 0;
}

/* Where the program's stdin comes from: --stdin FILE ("-" is ours),
 * else our own stdin unless the code was read from it.  Returns an fd
 * for the relay (ours or opened), -1 for /dev/null inside, or -2 with d. */
static int
stdin_source(const struct sr_opts *o, bool code_from_stdin, bool *opened,
    struct sr_diag *d)
{
	struct stat st;
	const char *path = o->stdin_path;
	int fd;

	*opened = false;
	if (path == NULL)
		path = code_from_stdin ? "/dev/null" : "-";
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		if ((fd = sr_plan_open_input(path, "--stdin ", d)) < 0)
			return -2;
		*opened = true;
	}
	/* /dev/null needs no relay: the program opens its own. */
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(1, 3)) {
		if (*opened)
			close(fd);
		*opened = false;
		return -1;
	}
	return fd;
}

static int
exit_status(const struct sr_result *r)
{
	switch (r->status) {
	case SR_STATUS_ERROR:
		return exit_for_diag(&r->diag);
	case SR_STATUS_TIMEOUT:
		return SR_EXIT_TIMEOUT;
	default:
		break;
	}
	if (r->signal != 0)
		return SR_EXIT_SIGNAL_BASE + r->signal;
	return r->exit_code;
}

/* After the run: files, the Python error, the report. */
static int
report(const struct sr_opts *o, const struct sr_policy *p,
    struct sr_result *r, int export_fd, const struct sr_export_opts *xo)
{
	char *line;

	if (r->status == SR_STATUS_ERROR)
		sr_run_print_diag(&r->diag);
	if (export_fd >= 0 && r->status != SR_STATUS_ERROR)
		sr_export_collect(export_fd, xo, r);
	if (o->format == SR_FORMAT_TEXT && !quiet)
		sr_export_notice(stderr, r);
	sr_pyerror_apply(r, p->error_rule);
	r->exit_status = exit_status(r);
	switch (o->format) {
	case SR_FORMAT_JSON:
		line = sr_report_json(r, p);
		fputs(line, stdout);
		free(line);
		break;
	case SR_FORMAT_TOOL:
		sr_report_tool(stdout, r);
		break;
	case SR_FORMAT_TEXT:
		if (r->out.total > p->limits.output ||
		    r->err.total > p->limits.output) {
			char sz[32];

			sr_fmt_size(p->limits.output, sz, sizeof(sz));
			msg("sandrun: output limit (%s per stream) reached; the rest was discarded\n",
			    sz);
		}
		break;
	}
	if (o->format != SR_FORMAT_JSON && r->limit_hit != SR_HIT_NONE &&
	    r->limit_hit != SR_HIT_OUTPUT && (line = sr_report_limit_line(r))) {
		msg("sandrun: %s\n", line);
		free(line);
	}
	if (o->verbose && (line = sr_report_summary(r))) {
		fprintf(stderr, "sandrun: %s\n", line);
		free(line);
	}
	return r->exit_status;
}

/* The create-time limits a warm call may lower (memory, processes, CPU
 * time, CPU rate: sr_sandbox_lower_limits) and the per-call ones (wall
 * clock, output): all of p's at or below pool's?  *same: all equal. */
static bool
limits_within(const struct sr_limits *p, const struct sr_limits *pool,
    bool *same)
{
	*same = p->memory == pool->memory && p->processes == pool->processes &&
	    p->cpu_ms == pool->cpu_ms && p->cpus == pool->cpus;
	return p->memory <= pool->memory && p->processes <= pool->processes &&
	    p->cpu_ms <= pool->cpu_ms && p->cpus <= pool->cpus;
}

/* Whether a call's run fits the ready sandbox exactly: nothing the
 * sandbox fixed at create (namespaces, mounts, cgroup, the filter,
 * hostname, ids) may differ.  The policy after the call's overrides
 * must hash as the pool's, but for the wall-clock and output limits,
 * which the supervisor enforces from run on, and memory, processes, CPU
 * time and CPU rate at or below the pool's, which box_run lowers on the
 * sandbox before the code runs.  Strict: no --file, --bind, --cgroup,
 * --network, -v, no limit above the pool's. */
static bool
fits_ready(const struct sr_opts *o, struct sr_policy *p,
    const struct sr_plan *plan, const struct sr_run_ready *ready)
{
	const struct sr_policy *pool = ready->plan->policy;
	struct sr_limits saved = p->limits;
	bool same;

	if (ready->box == NULL || o->n_binds || o->verbose ||
	    (o->set & (SR_SET_NETWORK | SR_SET_CGROUP)) ||
	    plan->cgroup_override ||
	    sr_mounts_workdir_bound(&plan->mounts) ||
	    sr_mounts_workdir_bound(&ready->plan->mounts))
		return false;
	/* the host's files as a cold run would mount them now: the ready
	 * sandbox mounted them at create */
	if (!sr_mounts_same_host(&plan->mounts, &ready->plan->mounts))
		return false;
	/* a warm driver runs code files: not --exec */
	if (ready->plan->warm && plan->code == NULL)
		return false;
	/* --file copies: made at run, where create would have made them */
	if (o->n_files && (!ready->plan->mounts.stage ||
	    !sr_mounts_copies_fit(&plan->mounts,
	    ready->plan->mounts.n_steps)))
		return false;
	/* limits above the pool's run cold; lower ones are lowered on the
	 * sandbox, which serves this one call (take_ready) */
	if (!limits_within(&p->limits, &pool->limits, &same))
		return false;
	/* the same limits (no --timeout, --output): p's hash is the one */
	if (same && p->limits.wall_ms == pool->limits.wall_ms &&
	    p->limits.output == pool->limits.output)
		return strcmp(sr_policy_sha256(p), sr_policy_sha256(pool)) == 0;
	p->limits.wall_ms = pool->limits.wall_ms;
	p->limits.output = pool->limits.output;
	p->limits.memory = pool->limits.memory;
	p->limits.processes = pool->limits.processes;
	p->limits.cpu_ms = pool->limits.cpu_ms;
	p->limits.cpus = pool->limits.cpus;
	sr_policy_hash(p);
	same = strcmp(sr_policy_sha256(p), sr_policy_sha256(pool)) == 0;
	p->limits = saved;
	sr_policy_hash(p);
	return same;
}

/* The ready sandbox for a run that fits it: the call's plan, and its own
 * create-time limits where lower than the pool's.  false (b destroyed)
 * when they cannot be had exactly: the run goes cold. */
static bool
take_ready(struct sr_box *b, const struct sr_plan *plan,
    const struct sr_run_ready *ready)
{
	const struct sr_limits *was = &ready->plan->policy->limits;
	struct sr_diag scratch;
	bool same;

	sr_sandbox_adopt(b, plan);
	(void)limits_within(&plan->policy->limits, was, &same);
	if (same || sr_sandbox_lower_limits(b, was, &scratch) == 0)
		return true;
	sr_sandbox_destroy(b);
	return false;
}

/* A run: create (or take the ready sandbox), run, collect, destroy.
 * *early (sr_sandbox_early's init, or NULL) is taken: created from, or
 * ended. */
static int
box_run(const struct sr_opts *o, const struct sr_plan *plan,
    struct sr_result *r, const struct sr_export_opts *xo,
    struct sr_run_ready *ready, struct sr_box **early, struct sr_diag *d)
{
	struct sr_program prog;
	struct sr_box *b = NULL, *e = *early;
	sigset_t stop, old;
	bool opened = false;
	int rc = -1, c = -1;

	/* A SIGINT, SIGTERM or SIGHUP while the sandbox is being built
	 * waits for the program, which gets it (supervise.c reads it from
	 * its signalfd): the run still ends with a result. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &old);
	*early = NULL;	/* ours: create_cold takes it, or we end it */
	sr_plan_program(plan, &prog);
	prog.stdin_fd = stdin_source(o, plan->code_from_stdin, &opened, d);
	if (prog.stdin_fd == -2) {
		sr_sandbox_destroy(e);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	if (ready != NULL && ready->box != NULL) {
		b = ready->box;
		ready->box = NULL;
		if (!ready->fits)
			sr_sandbox_destroy(b);
		else if (!take_ready(b, plan, ready))
			ready->fits = false;
		r->warm = ready->fits;
		c = ready->fits ? 0 : -1;
		if (!ready->fits)
			b = NULL;
	}
	if (c == 0)
		sr_sandbox_destroy(e);
	if ((c == 0 || sr_sandbox_create_cold(plan, e, &b, d) == 0) &&
	    sr_sandbox_run(b, &prog, d) == 0 &&
	    sr_sandbox_collect(b, r, d) == 0) {
		report(o, plan->policy, r, sr_sandbox_export_fd(b), xo);
		rc = 0;
	}
	if (ready != NULL && ready->keep && b != NULL) {
		/* the run's plan ends here; destroy reads none of it */
		sr_sandbox_adopt(b, ready->plan);
		ready->box = b;
	} else {
		sr_sandbox_destroy(b);
	}
	if (opened)
		close(prog.stdin_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* A call of a session (session.h): its sandbox is kept between calls;
 * the first call's plan and policy become the session's. */
static int
session_run(const struct sr_opts *o, struct sr_plan *plan,
    struct sr_policy **p, struct sr_result *r,
    const struct sr_export_opts *xo, struct sr_diag *d)
{
	const struct sr_policy *used;
	struct sr_program prog;
	bool opened = false;
	int xfd, rc;

	sr_plan_program(plan, &prog);
	prog.stdin_fd = stdin_source(o, plan->code_from_stdin, &opened, d);
	if (prog.stdin_fd == -2)
		return -1;
	rc = sr_session_run(plan, p, &prog, r, &used, &xfd, d);
	if (rc == 0)
		report(o, used, r, xfd, xo);
	if (opened)
		close(prog.stdin_fd);
	return rc;
}

int
sr_run(struct sr_opts *o, char *args_area, size_t args_len,
    struct sr_run_ready *ready)
{
	struct sr_result r;
	struct sr_policy *p = NULL;
	struct sr_plan plan;
	struct sr_diag d;
	struct sr_export_opts xo = { .out_fd = -1 };
	const char *name = o->policy;
	struct sr_box *early = NULL;
	bool hashed = false;
	int status;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	memset(&plan, 0, sizeof(plan));
	quiet = o->quiet;
	/* A cold run's init first: its namespaces are made while we load
	 * the policy (sandbox.h).  Not for a warm pool's call, a session's
	 * or --file copies (descriptors the plan holds). */
	if (ready == NULL && !sr_session_active() && o->n_files == 0)
		early = sr_sandbox_early(args_area, args_len, o->cgroup);
	if (name == NULL)
		name = getenv("SANDRUN_POLICY");
	if (name == NULL || *name == '\0')
		name = "python";
	if (ready != NULL && ready->policy != NULL &&
	    sr_policy_files_same(ready->files, name, ready->policy)) {
		/* what loading it again would give, loaded and its
		 * digest computed ahead (serve_pool.c): kept when nothing
		 * changes it */
		p = ready->policy;
		ready->policy = NULL;
		hashed = no_overrides(o);
	} else if (sr_policy_load(name, &p, &d) < 0) {
		status = sr_run_fail(o, &r, NULL, &d);
		goto out;
	}
	sr_run_apply_overrides(p, o);
	if (sr_session_active() && sr_session_apply(p, o, &d) < 0)
		goto fail;
	if (!hashed || sr_session_active())
		sr_policy_hash(p);
	/* Text mode passes output through and renders no capture: keep
	 * only a small window (the end of stderr names a limit hit or an
	 * exception), so sandrun's memory stays small whatever the cap. */
	sr_capture_init(&r.out, o->format == SR_FORMAT_TEXT ?
	    MIN(p->limits.output, SR_TEXT_KEEP) : p->limits.output);
	sr_capture_init(&r.err, o->format == SR_FORMAT_TEXT ?
	    MIN(p->limits.output, SR_TEXT_KEEP) : p->limits.output);
	if ((ready != NULL ? sr_plan_build_call(&plan, p, o, &d) :
	    sr_plan_build(&plan, p, o, &d)) < 0)
		goto fail;
	plan.args_area = args_area;
	plan.args_len = args_len;
	/* Files out (export.h): for --out, and for the list in json/tool. */
	xo.out_dir = o->out_dir;
	xo.inline_max = o->inline_max;
	if (o->out_dir != NULL &&
	    (xo.out_fd = sr_export_open_out(o->out_dir, &d)) < 0)
		goto fail;
	if (o->out_dir != NULL && sr_mounts_workdir_bound(&plan.mounts))
		msg("sandrun: --out %s: the work dir is a host directory (--bind); nothing is copied\n",
		    o->out_dir);
	if (ready != NULL) {
		bool same;

		ready->fits = fits_ready(o, p, &plan, ready);
		/* what a create reads of the host (plan.h): for a cold
		 * run, or a ready sandbox's create-time limits lowered,
		 * which can fail and go cold too */
		if (!ready->fits || !limits_within(&p->limits,
		    &ready->plan->policy->limits, &same) || !same)
			sr_plan_complete(&plan);
	}
	if (sr_session_active() ? session_run(o, &plan, &p, &r, &xo, &d) < 0 :
	    box_run(o, &plan, &r, &xo, ready, &early, &d) < 0)
		goto fail;
	status = r.exit_status;
	goto out;

fail:
	status = sr_run_fail(o, &r, p, &d);
out:
	/* the run failed before the sandbox: init ends, nothing left */
	sr_sandbox_destroy(early);
	fflush(stdout);
	/* the result is out: the caller may answer now (serve_pool.c) */
	if (ready != NULL && ready->out != NULL)
		status = ready->out(ready, status);
	sr_plan_free(&plan);
	if (xo.out_fd >= 0)
		close(xo.out_fd);
	sr_result_free(&r);
	sr_policy_free(p);
	return status;
}

