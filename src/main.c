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
#include <unistd.h>

#include "cgroup.h"
#include "child.h"
#include "cli.h"
#include "export.h"
#include "filter.h"
#include "hostcheck.h"
#include "mcp.h"
#include "mounts.h"
#include "policy.h"
#include "pyerror.h"
#include "report.h"
#include "rlimit.h"
#include "supervise.h"
#include "util.h"

enum sr_exit {
	SR_EXIT_TIMEOUT = 124,
	SR_EXIT_FAILURE = 125,
	SR_EXIT_CANNOT_EXEC = 126,
	SR_EXIT_NOT_FOUND = 127,
	SR_EXIT_SIGNAL_BASE = 128,
};

#define SR_CODE_MAX (64u * 1024 * 1024)
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

/* Expand the policy's command template into argv: an allocated vector of
 * allocated strings (sr_strv_free). */
static int
build_argv(const struct sr_policy *p, const struct sr_opts *o,
    const char *code_path, char ***out, struct sr_diag *d)
{
	char **v;
	size_t i, n = 0;
	bool took_args = false;
	int a;

	if (o->exec) {
		/* Copies: init wipes our argv area before the program starts. */
		v = sr_xcalloc((size_t)o->argc + 1, sizeof(char *));
		for (a = 0; a < o->argc; a++)
			v[a] = sr_xstrdup(o->argv[a]);
		*out = v;
		return 0;
	}
	v = sr_xcalloc(p->n_command + (size_t)o->argc + 1, sizeof(char *));
	for (i = 0; i < p->n_command; i++) {
		if (strcmp(p->command[i], "{code}") == 0) {
			v[n++] = sr_xstrdup(code_path);
		} else if (strcmp(p->command[i], "{args}") == 0) {
			for (a = 0; a < o->argc; a++)
				v[n++] = sr_xstrdup(o->argv[a]);
			took_args = true;
		} else {
			v[n++] = sr_xstrdup(p->command[i]);
		}
	}
	if (o->argc > 0 && !took_args) {
		free(v);
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "policy %s takes no arguments for the code ({args} is not in run.command)",
		    p->name);
	}
	*out = v;
	return 0;
}

static int
read_code(const struct sr_opts *o, char **code, size_t *len,
    struct sr_diag *d)
{
	struct stat st;
	int fd = STDIN_FILENO;

	if (o->code_path != NULL) {
		fd = open(o->code_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return sr_diag_errno(d, "%s", o->code_path);
		if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
			close(fd);
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "%s: is a directory, not a code file", o->code_path);
		}
		if (S_ISFIFO(st.st_mode))
			fcntl(fd, F_SETFL, 0);
	}
	if (sr_read_fd(fd, SR_CODE_MAX, code, len) < 0) {
		int e = errno;

		if (fd != STDIN_FILENO)
			close(fd);
		errno = e;
		if (e == EFBIG)
			return sr_diag_set(d, "%s: code larger than 64 MiB",
			    o->code_path ? o->code_path : "standard input");
		return sr_diag_errno(d, "read %s",
		    o->code_path ? o->code_path : "standard input");
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
}

static int
open_stdin(const struct sr_opts *o, int *fd, struct sr_diag *d)
{
	struct stat st;

	*fd = -1;
	if (o->stdin_path == NULL)
		return 0;
	if (strcmp(o->stdin_path, "-") == 0) {
		*fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
		if (*fd < 0)
			return sr_diag_errno(d, "--stdin -");
		return 0;
	}
	*fd = open(o->stdin_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0)
		return sr_diag_errno(d, "--stdin %s", o->stdin_path);
	if (fstat(*fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return sr_diag_kind(d, SR_DIAG_USAGE, "--stdin %s: is a directory",
		    o->stdin_path);
	}
	fcntl(*fd, F_SETFL, 0);
	return 0;
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

static int
do_run(struct sr_opts *o)
{
	struct sr_result r;
	struct sr_policy *p = NULL;
	struct sr_mount_plan plan;
	struct sr_filter filter = { 0 };
	struct sr_rlimits rl;
	struct sr_cgroup cg;
	struct sr_sandbox sb;
	struct sr_run run;
	struct sr_diag d;
	const char *name = o->policy;
	char *code = NULL, *code_path = NULL, *line;
	char **argv = NULL;
	size_t code_len = 0;
	int stdin_fd = -1, status;
	bool plan_ok = false;
	struct sr_export_opts xo = { .out_fd = -1 };
	int export_fd = -1;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	memset(&cg, 0, sizeof(cg));
	cg.v2_fd = -1;
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

	if (!o->exec && read_code(o, &code, &code_len, &d) < 0)
		goto fail;
	if (open_stdin(o, &stdin_fd, &d) < 0)
		goto fail;
	if (sr_mounts_prepare(&plan, p, o, &d) < 0) {
		sr_mounts_free(&plan);
		goto fail;
	}
	plan_ok = true;
	if (!o->exec)
		sr_xasprintf(&code_path, "%s/%s",
		    sr_mounts_workdir_bound(&plan) ? "/tmp" : p->workdir,
		    p->code_name);
	if (build_argv(p, o, code_path, &argv, &d) < 0)
		goto fail;
	/* Built by the supervisor while init sets up the mounts. */
	filter.notify = true;	/* report refused calls (notify.c) */
	filter.own_ids = true;	/* no-op set*id calls succeed (filter.h) */
	filter.uid = p->uid;
	filter.gid = p->gid;

	r.limits[SR_LIM_WALL].value = p->limits.wall_ms;
	r.limits[SR_LIM_WALL].mech = p->limits.wall_ms == SR_UNLIMITED ?
	    SR_MECH_NONE : SR_MECH_SUPERVISOR;
	r.limits[SR_LIM_OUTPUT].value = p->limits.output;
	r.limits[SR_LIM_OUTPUT].mech = SR_MECH_SUPERVISOR;
	r.limits[SR_LIM_TMPFS_TMP].value = p->limits.tmpfs_tmp;
	r.limits[SR_LIM_TMPFS_TMP].mech = SR_MECH_TMPFS;
	r.limits[SR_LIM_TMPFS_WORK].value = p->limits.tmpfs_work;
	r.limits[SR_LIM_TMPFS_WORK].mech = sr_mounts_workdir_bound(&plan) ?
	    SR_MECH_NONE : SR_MECH_TMPFS;
	r.limits[SR_LIM_TMPFS_SHM].value = p->limits.tmpfs_shm;
	r.limits[SR_LIM_TMPFS_SHM].mech = SR_MECH_TMPFS;
	if (sr_cgroup_setup(&cg, &p->limits, o->cgroup, r.limits, &d) < 0)
		goto fail;
	r.iso.cgroup = cg.kind != SR_CGROUP_NONE;
	if (o->verbose && cg.kind == SR_CGROUP_NONE && cg.why_none[0])
		fprintf(stderr, "sandrun: no cgroup: %s\n", cg.why_none);
	sr_rlimit_plan(&p->limits, cg.memory, cg.pids, &rl, r.limits);
	/* tmpfs pages are charged to the memory cgroup: size by its limit */
	sr_mounts_fit_memory(&plan, cg.memory ? p->limits.memory : SR_UNLIMITED,
	    r.limits);

	/* Files out (export.h): for --out, and for the list in json/tool. */
	xo.out_dir = o->out_dir;
	xo.inline_max = o->inline_max;
	if (o->out_dir != NULL &&
	    (xo.out_fd = sr_export_open_out(o->out_dir, &d)) < 0)
		goto fail;
	if (sr_mounts_workdir_bound(&plan)) {
		if (o->out_dir != NULL)
			msg("sandrun: --out %s: the work dir is a host directory (--bind); nothing is copied\n",
			    o->out_dir);
	} else if ((o->format != SR_FORMAT_TEXT || o->out_dir != NULL) &&
	    (export_fd = sr_export_channel(&d)) < 0)
		goto fail;

	memset(&sb, 0, sizeof(sb));
	sb.plan = &plan;
	sb.filter = &filter;
	sb.rlimits = &rl;
	sb.argv = argv;
	sb.envp = p->env;
	sb.code_name = o->exec ? NULL : p->code_name;
	sb.code = code;
	sb.code_len = code_len;
	sb.hostname = p->hostname;
	sb.loopback = p->network == SR_NETWORK_LOOPBACK;
	sb.uid = p->uid;
	sb.gid = p->gid;
	sb.stdin_fd = stdin_fd;
	sb.args_area = args_area;
	sb.args_len = args_len;
	sb.export_fd = export_fd;
	sb.export_max = sr_export_total_max(p->limits.tmpfs_work);
	run.sb = &sb;
	run.filter = &filter;
	run.policy = p;
	run.cg = &cg;
	run.format = o->format;
	run.verbose = o->verbose;
	run.quiet = o->quiet;

	if (sr_supervise_run(&run, &r, &d) < 0)
		goto fail;
	r.iso.seccomp = r.iso.no_new_privs = r.iso.caps_dropped =
	    r.status != SR_STATUS_ERROR;
	if (r.status == SR_STATUS_ERROR)
		print_diag(&r.diag);
	if (export_fd >= 0 && r.status != SR_STATUS_ERROR)
		sr_export_collect(export_fd, &xo, &r);
	if (o->format == SR_FORMAT_TEXT && !quiet)
		sr_export_notice(stderr, &r);
	sr_pyerror_apply(&r, p->error_rule);
	r.exit_status = exit_status(&r);

	switch (o->format) {
	case SR_FORMAT_JSON:
		line = sr_report_json(&r, p);
		fputs(line, stdout);
		free(line);
		break;
	case SR_FORMAT_TOOL:
		sr_report_tool(stdout, &r);
		break;
	case SR_FORMAT_TEXT:
		if (r.out.total > p->limits.output ||
		    r.err.total > p->limits.output) {
			char sz[32];

			sr_fmt_size(p->limits.output, sz, sizeof(sz));
			msg("sandrun: output limit (%s per stream) reached; the rest was discarded\n",
			    sz);
		}
		break;
	}
	if (o->format != SR_FORMAT_JSON && r.limit_hit != SR_HIT_NONE &&
	    r.limit_hit != SR_HIT_OUTPUT && (line = sr_report_limit_line(&r))) {
		msg("sandrun: %s\n", line);
		free(line);
	}
	if (o->verbose && (line = sr_report_summary(&r))) {
		fprintf(stderr, "sandrun: %s\n", line);
		free(line);
	}
	status = r.exit_status;
	goto out;

fail:
	status = fail_run(o, &r, p, &d);
out:
	fflush(stdout);
	sr_cgroup_destroy(&cg);
	if (plan_ok)
		sr_mounts_free(&plan);
	sr_filter_free(&filter);
	sr_strv_free(argv);
	if (stdin_fd >= 0)
		close(stdin_fd);
	if (export_fd >= 0)
		close(export_fd);
	if (xo.out_fd >= 0)
		close(xo.out_fd);
	free(code_path);
	free(code);
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
		status = do_run(&o);
		break;
	}
	if (fflush(stdout) != 0 && status == 0)
		status = SR_EXIT_FAILURE;
	sr_cli_free(&o);
	return status;
}
