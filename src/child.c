#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "child.h"
#include "export.h"
#include "notify.h"
#include "ns.h"
#include "quota.h"
#include "util.h"

static volatile pid_t program_pid;

/* The filter as received from the supervisor (init's copy). */
struct filter_msg {
	uint32_t len;
	uint32_t notify;
	struct sock_filter insns[BPF_MAXINSNS];
};
static struct filter_msg filter_buf;
static struct sr_filter received_filter;

int
sr_child_send_filter(int fd, const struct sr_filter *f)
{
	struct filter_msg *m = &filter_buf;
	size_t n;

	if (f->len == 0 || f->len > BPF_MAXINSNS) {
		errno = EINVAL;
		return -1;
	}
	m->len = f->len;
	m->notify = f->notify;
	memcpy(m->insns, f->insns, f->len * sizeof(m->insns[0]));
	n = offsetof(struct filter_msg, insns) + f->len * sizeof(m->insns[0]);
	return sr_write_all(fd, m, n);
}

static int
read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t k;

	while (len > 0) {
		k = read(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Init: wait for the filter the supervisor compiles meanwhile. */
static int
receive_filter(struct sr_sandbox *sb, struct sr_diag *d)
{
	struct filter_msg *m = &filter_buf;

	if (read_full(sb->sync_fd, m, offsetof(struct filter_msg, insns)) < 0 ||
	    m->len == 0 || m->len > BPF_MAXINSNS ||
	    read_full(sb->sync_fd, m->insns, m->len * sizeof(m->insns[0])) < 0)
		_exit(125);	/* supervisor gone or failed: it reports */
	received_filter.insns = m->insns;
	received_filter.len = (unsigned short)m->len;
	received_filter.notify = m->notify != 0;
	sb->filter = &received_filter;
	(void)d;
	return 0;
}

static void
fail(const struct sr_sandbox *sb, struct sr_diag *d)
{
	(void)!write(sb->diag_fd, d, sizeof(*d));
}

static void
forward(int sig)
{
	if (program_pid > 0)
		kill(-program_pid, sig);
}

/* SR_CHILD_STOP from the supervisor (a time limit): kill everything in
 * the namespace but init, which then reaps, exports the work dir's files
 * and reports as when the program ends by itself. */
static void
stop_all(int sig)
{
	(void)sig;
	kill(-1, SIGKILL);
}

static const char *
env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* execve argv[0], searching PATH from the sandbox environment. */
static void
exec_program(const struct sr_sandbox *sb, struct sr_diag *d)
{
	const char *cmd = sb->argv[0], *path, *p, *colon;
	char buf[PATH_MAX];
	int saved = ENOENT;
	size_t len;

	if (strchr(cmd, '/') != NULL) {
		execve(cmd, sb->argv, sb->envp);
		saved = errno;
	} else {
		path = env_get(sb->envp, "PATH");
		if (path == NULL)
			path = "/usr/local/bin:/usr/bin:/bin";
		for (p = path; ; p = colon + 1) {
			colon = strchrnul(p, ':');
			len = (size_t)(colon - p);
			if (len == 0)
				len = 1, p = ".";
			if (len + 1 + strlen(cmd) < sizeof(buf)) {
				memcpy(buf, p, len);
				buf[len] = '/';
				strcpy(buf + len + 1, cmd);
				execve(buf, sb->argv, sb->envp);
				if (errno != ENOENT && errno != ENOTDIR)
					saved = errno;
			}
			if (*colon == '\0')
				break;
		}
	}
	errno = saved;
	sr_diag_errno(d, "cannot run %s", cmd);
	d->kind = saved == ENOENT ? SR_DIAG_EXEC_NOENT : SR_DIAG_EXEC_FAIL;
}

static void
run_program(const struct sr_sandbox *sb, struct sr_diag *d)
{
	struct sigaction sa;
	sigset_t none;
	int fd, i, nfd = -1;

	if (setsid() < 0) {
		sr_diag_errno(d, "setsid");
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		sigaction(i, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	fd = sb->stdin_fd >= 0 ? sb->stdin_fd :
	    open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(sb->out_fd, 1) < 0 ||
	    dup2(sb->err_fd, 2) < 0) {
		sr_diag_errno(d, "set up standard streams");
		return;
	}
	/* The listener socket goes to fd 5, so the listener will be fd 4. */
	if (sb->notify_fd >= 0 &&
	    (nfd = fcntl(sb->notify_fd, F_DUPFD_CLOEXEC, 10)) < 0) {
		sr_diag_errno(d, "dup notify socket");
		return;
	}
	/* The error pipe becomes fd 3 (close-on-exec); nothing else stays. */
	if (sb->diag_fd != 3 && dup3(sb->diag_fd, 3, O_CLOEXEC) < 0) {
		sr_diag_errno(d, "dup error pipe");
		return;
	}
	((struct sr_sandbox *)sb)->diag_fd = 3;
	if (nfd >= 0) {
		if (dup3(nfd, 5, O_CLOEXEC) < 0) {
			sr_diag_errno(d, "dup notify socket");
			return;
		}
		close(4);
		closefrom(6);
		nfd = 5;
	} else {
		closefrom(4);
	}

	if (sr_rlimit_apply(sb->rlimits, d) < 0 || sr_ns_drop_caps(d) < 0)
		return;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		sr_diag_errno(d, "no_new_privs");
		return;
	}
	/* Dumpable only for the listener hand-over: the supervisor's
	 * pidfd_getfd needs it when it is not root (nothing else runs in
	 * the sandbox yet; execve resets dumpable anyway; RLIMIT_CORE is 0). */
	if (prctl(PR_SET_DUMPABLE, nfd >= 0 ? 1 : 0, 0, 0, 0) < 0) {
		sr_diag_errno(d, "PR_SET_DUMPABLE");
		return;
	}
	if (sr_notify_install(sb->filter, nfd) < 0) {
		sr_diag_errno(d, "install the seccomp filter");
		return;
	}
	exec_program(sb, d);
}

int
sr_child_init(void *arg)
{
	struct sr_sandbox *sb = arg;
	struct sr_child_status st;
	struct sr_diag d;
	struct sigaction sa;
	sigset_t none;
	pid_t pid;
	char c;
	int ws;

	memset(&d, 0, sizeof(d));
	memset(&st, 0, sizeof(st));
	/* If the supervisor dies, so does init, and with it the namespace. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		sr_diag_errno(&d, "PR_SET_PDEATHSIG");
		goto fail;
	}
	if (read(sb->sync_fd, &c, 1) != 1)
		_exit(125);	/* supervisor gone or failed */

	/* Nothing of sandrun's own (argv, environment, memory, fds) may be
	 * read by the program through /proc/1. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		sr_diag_errno(&d, "PR_SET_DUMPABLE");
		goto fail;
	}
	if (sb->args_area != NULL && sb->args_len > sizeof("sandrun-init")) {
		memset(sb->args_area, 0, sb->args_len);
		strcpy(sb->args_area, "sandrun-init");
	}

	/* With every capability of the new user namespace still held. */
	if (sr_quota_bound_userns(&d) < 0)
		goto fail;
	if (sr_mounts_open_sources(sb->plan, &d) < 0)
		goto fail;
	if (sr_ns_become_user(sb->uid, sb->gid, &d) < 0)
		goto fail;
	/* Changing the effective uid (root's runs map to 65534) cleared the
	 * parent-death signal: set it again, then check that the supervisor
	 * did not die meanwhile (it holds the sync pipe open all run long). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		sr_diag_errno(&d, "PR_SET_PDEATHSIG");
		goto fail;
	}
	{
		struct pollfd lp = { .fd = sb->sync_fd, .events = POLLIN };

		if (poll(&lp, 1, 0) > 0 && (lp.revents & (POLLHUP | POLLERR)))
			_exit(125);	/* supervisor gone */
	}
	if (sr_mounts_apply(sb->plan, sb->code_name, sb->code, sb->code_len,
	    &d) < 0)
		goto fail;
	if (sr_ns_set_hostname(sb->hostname, &d) < 0)
		goto fail;
	if (sr_ns_loopback_up(&d) < 0)	/* every mode: #17 */
		goto fail;
	if (receive_filter(sb, &d) < 0)
		goto fail;
	close(sb->sync_fd);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = stop_all;
	sigaction(SR_CHILD_STOP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* The inputs (code file, --file copies) are not exported unchanged. */
	if (sb->export_fd > STDERR_FILENO)
		sr_export_snapshot(sb->plan->workdir);
	st.exec_ns = sr_now_ns();
	pid = fork();
	if (pid < 0) {
		sr_diag_errno(&d, "fork the program");
		goto fail;
	}
	if (pid == 0) {
		run_program(sb, &d);
		fail(sb, &d);
		_exit(d.kind == SR_DIAG_EXEC_NOENT ? 127 :
		    d.kind == SR_DIAG_EXEC_FAIL ? 126 : 125);
	}
	program_pid = pid;
	close(sb->diag_fd);
	close(sb->out_fd);
	close(sb->err_fd);
	if (sb->stdin_fd >= 0)
		close(sb->stdin_fd);
	if (sb->notify_fd >= 0)
		close(sb->notify_fd);

	/* Reap everything until the program itself has ended. */
	for (;;) {
		struct rusage ru;
		pid_t w = wait4(-1, &ws, 0, &ru);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (w == pid) {
			st.wstatus = ws;
			st.ru = ru;
			break;
		}
	}
	/* Nothing outlives the program: daemons, orphans, stragglers. */
	kill(-1, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	/* Every sandboxed process is dead: collect the files (export.h). */
	if (sb->export_fd > STDERR_FILENO)
		sr_export_walk(sb->export_fd, sb->plan->workdir, sb->export_max);
	(void)!write(sb->status_fd, &st, sizeof(st));
	_exit(0);

fail:
	fail(sb, &d);
	_exit(125);
}
