/* plan.c - build the run plan of plan.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan.h"
#include "quota.h"
#include "util.h"

#define SR_CODE_MAX (64u * 1024 * 1024)

int
sr_plan_open_input(const char *path, const char *what, struct sr_diag *d)
{
	struct pollfd pfd;
	struct stat st;
	int fd, e;

	/* O_NONBLOCK: learn the type before a FIFO could block the open. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return sr_diag_errno(d, "%s%s", what, path);
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		return sr_diag_kind(d, SR_DIAG_USAGE, "%s%s: is a directory%s",
		    what, path, *what ? "" : ", not a code file");
	}
	if (S_ISFIFO(st.st_mode)) {
		/* A FIFO with no writer yet reads as empty at once: wait, like
		 * cat(1), until a writer wrote or came and went.  Keeping this
		 * descriptor (not opening again) means a writer that comes,
		 * writes and leaves in between loses nothing: a reader holds
		 * the FIFO open all along. */
		pfd.fd = fd;
		pfd.events = POLLIN;
		while (poll(&pfd, 1, -1) < 0) {
			if (errno != EINTR) {
				e = errno;
				close(fd);
				errno = e;
				return sr_diag_errno(d, "%s%s", what, path);
			}
		}
	}
	(void)fcntl(fd, F_SETFL, 0);
	return fd;
}

static int
read_code(struct sr_plan *plan, const struct sr_opts *o, struct sr_diag *d)
{
	const char *name = o->code_path ? o->code_path : "standard input";
	int fd = STDIN_FILENO, e;

	plan->code_from_stdin = o->code_path == NULL;
	if (o->code_path != NULL &&
	    (fd = sr_plan_open_input(o->code_path, "", d)) < 0)
		return -1;
	if (sr_read_fd(fd, SR_CODE_MAX, &plan->code, &plan->code_len) < 0) {
		e = errno;
		if (fd != STDIN_FILENO)
			close(fd);
		errno = e;
		if (e == EFBIG)
			return sr_diag_set(d, "%s: code larger than 64 MiB",
			    name);
		return sr_diag_errno(d, "read %s", name);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
}

/* Expand the policy's command template into argv: an allocated vector of
 * allocated strings (sr_strv_free). */
static int
build_argv(struct sr_plan *plan, const struct sr_policy *p,
    const struct sr_opts *o, struct sr_diag *d)
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
		plan->argv = v;
		return 0;
	}
	v = sr_xcalloc(p->n_command + (size_t)o->argc + 1, sizeof(char *));
	for (i = 0; i < p->n_command; i++) {
		if (strcmp(p->command[i], "{code}") == 0) {
			v[n++] = sr_xstrdup(plan->code_path);
		} else if (strcmp(p->command[i], "{args}") == 0) {
			for (a = 0; a < o->argc; a++)
				v[n++] = sr_xstrdup(o->argv[a]);
			took_args = true;
		} else {
			v[n++] = sr_xstrdup(p->command[i]);
		}
	}
	if (o->argc > 0 && !took_args) {
		sr_strv_free(v);
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "policy %s takes no arguments for the code ({args} is not in run.command)",
		    p->name);
	}
	plan->argv = v;
	return 0;
}

/* The plan; with call, none of the host reads only a create needs. */
static int
build(struct sr_plan *plan, const struct sr_policy *p,
    const struct sr_opts *o, bool call, struct sr_diag *d)
{
	memset(plan, 0, sizeof(*plan));
	plan->policy = p;
	/* The filter's settings; sr_sandbox_create compiles it. */
	plan->filter.notify = true;	/* report refused calls (notify.c) */
	plan->filter.own_ids = true;	/* no-op set*id calls succeed */
	plan->filter.uid = p->uid;
	plan->filter.gid = p->gid;
	plan->format = o->format;
	plan->verbose = o->verbose;
	plan->quiet = o->quiet;
	plan->cgroup_override = o->cgroup;
	if (!o->exec && read_code(plan, o, d) < 0)
		return -1;
	plan->have_mounts = true;	/* prepare initialises it first */
	if (sr_mounts_prepare(&plan->mounts, p, o, d) < 0)
		return -1;
	if (!o->exec) {
		plan->code_name = p->code_name;
		sr_xasprintf(&plan->code_path, "%s/%s",
		    sr_mounts_workdir_bound(&plan->mounts) ? "/tmp" :
		    p->workdir, p->code_name);
	}
	if (build_argv(plan, p, o, d) < 0)
		return -1;
	plan->export = !sr_mounts_workdir_bound(&plan->mounts) &&
	    (o->format != SR_FORMAT_TEXT || o->out_dir != NULL);
	/* no subordinate uid with a --bind (quota.h): nothing to read */
	plan->uid_pending = call && o->n_binds == 0;
	if (!call)
		plan->sub_uid = sr_quota_run_uid(&plan->mounts, o->n_binds);
	plan->meminfo_pending = call;
	if (!call)
		plan->mounts.meminfo = sr_mounts_host_meminfo(
		    p->limits.memory);
	return 0;
}

int
sr_plan_build(struct sr_plan *plan, const struct sr_policy *p,
    const struct sr_opts *o, struct sr_diag *d)
{
	return build(plan, p, o, false, d);
}

int
sr_plan_build_call(struct sr_plan *plan, const struct sr_policy *p,
    const struct sr_opts *o, struct sr_diag *d)
{
	return build(plan, p, o, true, d);
}

void
sr_plan_complete(struct sr_plan *plan)
{
	if (plan->uid_pending)
		plan->sub_uid = sr_quota_run_uid(&plan->mounts, 0);
	if (plan->meminfo_pending)
		plan->mounts.meminfo = sr_mounts_host_meminfo(
		    plan->policy->limits.memory);
	plan->uid_pending = plan->meminfo_pending = false;
}

void
sr_plan_free(struct sr_plan *plan)
{

	if (plan->have_mounts)
		sr_mounts_free(&plan->mounts);
	sr_strv_free(plan->argv);
	free(plan->code);
	free(plan->code_path);
	memset(plan, 0, sizeof(*plan));
}

void
sr_plan_program(const struct sr_plan *plan, struct sr_program *p)
{
	memset(p, 0, sizeof(*p));
	p->argv = plan->argv;
	p->envp = plan->policy->env;
	p->code_name = plan->code_name;
	p->code = plan->code;
	p->code_len = plan->code_len;
	p->stdin_fd = -1;
}
