/* main.c - glue: cli -> policy -> sandbox -> report -> exit status.
 * The only file that exits (child code aside). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "export.h"
#include "hostcheck.h"
#include "mcp.h"
#include "mounts.h"
#include "plan.h"
#include "policy.h"
#include "pyerror.h"
#include "report.h"
#include "sandbox.h"
#include "serve.h"
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
static char *args_area;		/* argv and environ strings, contiguous */
static size_t args_len;

extern char **environ;

/* Where the kernel put our argv and environment strings (init wipes them). */
static void
find_args_area(int argc, char **argv)
{
	char *end;
	int i;

	if (argc < 1 || argv[0] == NULL)
		return;
	end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	for (i = 0; environ[i] != NULL; i++)
		if (environ[i] == end)
			end = environ[i] + strlen(environ[i]) + 1;
	args_area = argv[0];
	args_len = (size_t)(end - argv[0]);
}

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
static void
print_diag(const struct sr_diag *d)
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
static int
fail_run(const struct sr_opts *o, struct sr_result *r,
    const struct sr_policy *p, const struct sr_diag *d)
{
	char *json;

	r->status = SR_STATUS_ERROR;
	r->diag = *d;
	r->exit_status = exit_for_diag(d);
	print_diag(d);
	if (o->format == SR_FORMAT_JSON) {
		json = sr_report_json(r, p);
		fputs(json, stdout);
		free(json);
	}
	fflush(stdout);
	return r->exit_status;
}

/* Out of memory anywhere (util.c, cJSON through sr_report_init): reported
 * like any other failure, and main's code exits.  Should reporting it run
 * out of memory too, the line is already out: just exit. */
static const struct sr_opts *oom_opts;

static void
on_oom(void)
{
	static const char m[] = "sandrun: out of memory\n";
	static bool reporting;
	struct sr_result r;
	struct sr_diag d;

	if (!reporting && oom_opts != NULL) {
		reporting = true;
		memset(&r, 0, sizeof(r));
		sr_diag_kind(&d, SR_DIAG_SETUP, "out of memory");
		fail_run(oom_opts, &r, NULL, &d);
	} else if (!reporting)
		(void)!write(STDERR_FILENO, m, sizeof(m) - 1);
	_exit(SR_EXIT_FAILURE);
}

static void
apply_overrides(struct sr_policy *p, const struct sr_opts *o)
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
		print_diag(&r->diag);
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

/* A cold run: create, run, collect, destroy. */
static int
cold_run(const struct sr_opts *o, const struct sr_plan *plan,
    struct sr_result *r, const struct sr_export_opts *xo, struct sr_diag *d)
{
	struct sr_program prog;
	struct sr_box *b = NULL;
	bool opened = false;
	int rc = -1;

	sr_plan_program(plan, &prog);
	prog.stdin_fd = stdin_source(o, plan->code_from_stdin, &opened, d);
	if (prog.stdin_fd == -2)
		return -1;
	if (sr_sandbox_create(plan, &b, d) == 0 &&
	    sr_sandbox_run(b, &prog, d) == 0 &&
	    sr_sandbox_collect(b, r, d) == 0) {
		report(o, plan->policy, r, sr_sandbox_export_fd(b), xo);
		rc = 0;
	}
	sr_sandbox_destroy(b);
	if (opened)
		close(prog.stdin_fd);
	return rc;
}

static int
do_run(struct sr_opts *o)
{
	struct sr_result r;
	struct sr_policy *p = NULL;
	struct sr_plan plan;
	struct sr_diag d;
	struct sr_export_opts xo = { .out_fd = -1 };
	const char *name = o->policy;
	int status;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	memset(&plan, 0, sizeof(plan));
	if (name == NULL)
		name = getenv("SANDRUN_POLICY");
	if (name == NULL || *name == '\0')
		name = "python";
	if (sr_policy_load(name, &p, &d) < 0) {
		status = fail_run(o, &r, NULL, &d);
		goto out;
	}
	apply_overrides(p, o);
	sr_policy_hash(p);
	/* Text mode passes output through and renders no capture: keep
	 * only a small window (the end of stderr names a limit hit or an
	 * exception), so sandrun's memory stays small whatever the cap. */
	sr_capture_init(&r.out, o->format == SR_FORMAT_TEXT ?
	    MIN(p->limits.output, SR_TEXT_KEEP) : p->limits.output);
	sr_capture_init(&r.err, o->format == SR_FORMAT_TEXT ?
	    MIN(p->limits.output, SR_TEXT_KEEP) : p->limits.output);
	if (sr_plan_build(&plan, p, o, &d) < 0)
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
	if (cold_run(o, &plan, &r, &xo, &d) < 0)
		goto fail;
	status = r.exit_status;
	goto out;

fail:
	status = fail_run(o, &r, p, &d);
out:
	fflush(stdout);
	sr_plan_free(&plan);
	if (xo.out_fd >= 0)
		close(xo.out_fd);
	sr_result_free(&r);
	sr_policy_free(p);
	return status;
}

static int
do_list(void)
{
	struct sr_policy_entry *e;
	struct sr_diag d;
	size_t n, i;

	if (sr_policy_list(&e, &n, &d) < 0) {
		print_diag(&d);
		return SR_EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		printf("%-12s %-48s %s", e[i].name,
		    e[i].description ? e[i].description : "(unreadable)",
		    e[i].path);
		if (e[i].problem)
			printf("  [unavailable: %s]", e[i].problem);
		putchar('\n');
	}
	sr_policy_list_free(e, n);
	return 0;
}

static int
do_policy(const struct sr_opts *o, bool print)
{
	struct sr_policy *p = NULL;
	struct sr_diag d;
	char *json;
	const char *name = o->mode_arg;

	if (!print && strchr(name, '/') == NULL) {
		/* --check-policy takes a file: make a bare name a path. */
		static char buf[4096];

		snprintf(buf, sizeof(buf), "./%s", name);
		name = buf;
	}
	if (sr_policy_load(name, &p, &d) < 0) {
		print_diag(&d);
		return SR_EXIT_FAILURE;
	}
	if (print) {
		apply_overrides(p, o);
		sr_policy_hash(p);
		json = sr_policy_to_json(p);
		fputs(json, stdout);
		if (*json && json[strlen(json) - 1] != '\n')
			putchar('\n');
		free(json);
	} else if (!o->quiet) {
		printf("%s: ok\n", o->mode_arg);
	}
	sr_policy_free(p);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sr_opts o;
	struct sr_diag d;
	struct sr_host h;
	char feat[128];
	int fd, status;

	/* Make sure 0, 1 and 2 are open so no pipe lands there. */
	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
		fcntl(fd, F_SETFD, 0);
	if (fd > 2)
		close(fd);
	/* sandrun mcp: an MCP server, its own front end (mcp.c). */
	if (argc > 1 && strcmp(argv[1], "mcp") == 0)
		return sr_mcp_main(argc - 1, argv + 1);

	find_args_area(argc, argv);
	sr_report_init();
	sr_util_on_oom(on_oom);
	/* `sandrun serve ...` (serve.h) */
	if (argc > 1 && strcmp(argv[1], "serve") == 0)
		return sr_serve_main(argc - 1, argv + 1);
	if (sr_cli_parse(argc, argv, &o, &d) < 0) {
		print_diag(&d);
		sr_cli_free(&o);
		return SR_EXIT_FAILURE;
	}
	quiet = o.quiet;
	oom_opts = &o;
	switch (o.mode) {
	case SR_MODE_HELP:
		sr_cli_usage(stdout);
		status = 0;
		break;
	case SR_MODE_VERSION:
		sr_host_probe(&h);
		sr_host_features(&h, feat, sizeof(feat));
		printf("sandrun %s\nfeatures: %s\n", PACKAGE_VERSION, feat);
		status = 0;
		break;
	case SR_MODE_CHECK_HOST:
		sr_host_probe(&h);
		status = sr_host_print(stdout, &h) == 0 ? 0 : SR_EXIT_FAILURE;
		break;
	case SR_MODE_LIST_POLICIES:
		status = do_list();
		break;
	case SR_MODE_PRINT_POLICY:
		status = do_policy(&o, true);
		break;
	case SR_MODE_CHECK_POLICY:
		status = do_policy(&o, false);
		break;
	case SR_MODE_RUN:
	default:
		/* Hand over to a running `sandrun serve` (client.h). */
		if (!(o.set & SR_SET_COLD)) {
			switch (sr_client_handover(argc, argv, &status, &d)) {
			case SR_CLIENT_SERVED:
				goto done;
			case SR_CLIENT_LOST:
				print_diag(&d);
				status = SR_EXIT_FAILURE;
				goto done;
			}
		}
		status = do_run(&o);
		break;
	}
done:
	if (fflush(stdout) != 0 && status == 0)
		status = SR_EXIT_FAILURE;
	sr_cli_free(&o);
	return status;
}
