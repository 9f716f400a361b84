/* serve_exec.c - run one served call (today: cold, in a child of the
 * server that executes this binary with the client's descriptors). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "serve_exec.h"
#include "util.h"

#define SR_EXIT_FAILURE 125
#define SR_EXIT_SIGNAL_BASE 128

static char **
full_argv(const struct sr_serve_request *req, bool cold)
{
	char **v = sr_xcalloc(req->argc + 3, sizeof(char *));
	size_t i, n = 0;

	v[n++] = (char *)"sandrun";
	if (cold)
		v[n++] = (char *)"--cold";
	for (i = 0; i < req->argc; i++)
		v[n++] = req->argv[i];
	v[n] = NULL;
	return v;
}

/* Whether the parsed options leave the call a chance to fit a ready
 * sandbox: nothing that changes what create builds (--file copies may be
 * made at run: mounts_stage.c; -m, --cpu-time, --cpus and --pids may
 * lower the sandbox's limits at run: run.c; serve_pool.c's worker then
 * compares the whole policy). */
static bool
may_fit(const struct sr_opts *o)
{
	return o->n_binds == 0 && o->verbose == 0 &&
	    !(o->set & (SR_SET_NETWORK | SR_SET_CGROUP));
}

int
sr_serve_exec_check(const struct sr_serve_request *req, char *buf,
    size_t len, bool *fit, struct sr_diag *d)
{
	struct sr_opts o;
	char **v = full_argv(req, false);
	const char *name;
	size_t i;
	int r;

	if (fit != NULL)
		*fit = false;
	r = sr_cli_parse((int)req->argc + 1, v, &o, d);
	if (r == 0 && o.mode != SR_MODE_RUN)
		r = sr_diag_kind(d, SR_DIAG_USAGE, "request: not a run");
	if (r == 0 && (o.set & SR_SET_COLD))
		r = sr_diag_kind(d, SR_DIAG_USAGE, "request: asks for --cold");
	if (r == 0) {
		name = o.policy;
		for (i = 0; name == NULL && i < req->envc; i++)
			if (strncmp(req->envp[i], "SANDRUN_POLICY=", 15) == 0 &&
			    req->envp[i][15] != '\0')
				name = req->envp[i] + 15;
		strlcpy(buf, name ? name : "python", len);
		if (fit != NULL)
			*fit = may_fit(&o);
	}
	sr_cli_free(&o);
	free(v);
	return r;
}

/* In the child: become the cold run.  Never returns. */
static void
exec_cold(char **argv, char **envp, unsigned mask, const int fds[],
    pid_t parent)
{
	sigset_t all;
	int i;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != parent)
		_exit(SR_EXIT_FAILURE);
	setsid();
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	umask(mask);
	if (fchdir(fds[3]) < 0)
		_exit(SR_EXIT_FAILURE);
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			_exit(SR_EXIT_FAILURE);
	execve("/proc/self/exe", argv, envp);
	dprintf(STDERR_FILENO, "sandrun: serve: execute /proc/self/exe: %s\n",
	    strerror(errno));
	_exit(SR_EXIT_FAILURE);
}

int
sr_serve_exec_start(struct sr_serve_pool *pool,
    const struct sr_serve_request *req, bool fit,
    const int fds[SR_SERVE_NFDS], int reply_fd, struct sr_serve_call *call,
    struct sr_diag *d)
{
	char **argv;
	pid_t parent = getpid(), pid;
	int pidfd;

	/* A ready sandbox for a call that may fit it (its worker checks
	 * exactly and builds a fresh sandbox when it does not). */
	if (pool != NULL && fit &&
	    sr_serve_pool_call(pool, req, fds, reply_fd, call, d) == 0)
		return 0;
	argv = full_argv(req, true);
	pid = fork();
	if (pid < 0) {
		free(argv);
		return sr_diag_errno(d, "fork");
	}
	if (pid == 0)
		exec_cold(argv, req->envp, req->umask, fds, parent);
	free(argv);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		sr_diag_errno(d, "pidfd_open");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	fcntl(pidfd, F_SETFD, FD_CLOEXEC);
	memset(call, 0, sizeof(*call));
	call->pid = pid;
	call->pidfd = call->procfd = pidfd;
	call->warm = false;
	call->sock = -1;
	call->pool = pool;
	call->started_ms = sr_now_ms();
	return 0;
}

void
sr_serve_exec_signal(struct sr_serve_call *call, int sig)
{
	if (call->procfd >= 0)
		syscall(SYS_pidfd_send_signal, call->procfd, sig, NULL, 0);
}

void
sr_serve_exec_finish(struct sr_serve_call *call, struct sr_serve_reply *rep)
{
	int st = 0, status;

	/* A worker's end comes with its result out, before its sandbox is
	 * destroyed: the reply goes now, and the worker is let go after it
	 * (sr_serve_exec_release).  A worker that died without one, and a
	 * cold call, are waited for. */
	call->retire = call->sock >= 0 && sr_serve_pool_end(call, &status) == 1;
	call->replied = call->retire && call->direct;
	if (!call->retire) {
		while (waitpid(call->pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st))
			status = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			status = SR_EXIT_SIGNAL_BASE + WTERMSIG(st);
		else
			status = SR_EXIT_FAILURE;
		call->warm = false;
	}
	sr_serve_reply_init(rep, SR_SERVE_REP_DONE, status, NULL);
	if (call->sock >= 0 && !call->retire) {
		close(call->sock);
		call->sock = -1;
	}
	if (call->warm)
		rep->flags |= SR_SERVE_REP_WARM;
	if (call->pool != NULL) {
		call->pool->served++;
		if (call->warm)
			call->pool->warm++;
		else
			call->pool->cold++;
	}
	if (call->procfd >= 0)
		close(call->procfd);
	call->procfd = -1;
}

void
sr_serve_exec_release(struct sr_serve_call *call)
{
	if (call->retire)
		sr_serve_pool_retire(call);
	call->retire = false;
	if (call->sock >= 0)
		close(call->sock);
	call->sock = call->pidfd = -1;
	call->pid = 0;
}
