/* mcp_exec.c - one tool call, one run of this binary (mcp_exec.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcp_exec.h"
#include "mcp_serve.h"
#include "policy.h"
#include "util.h"

#define SELF "/proc/self/exe"
#define RESULT_MAX (96u << 20)	/* bytes of result object read back */
#define GRACE_MS 5000		/* SIGTERM to SIGKILL after a cancel */
#define SLACK_MS 30000		/* past the time limit before we kill */

extern char **environ;

void
sr_mcp_call_free(struct sr_mcp_call *c)
{
	if (c == NULL)
		return;
	free(c->code);
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i].dest);
		free(c->files[i].data);
	}
	free(c->files);
	free(c->stdin_data);
	free(c->session);
	memset(c, 0, sizeof(*c));
}

/* The sessions this server started, by their full names. */
static pthread_mutex_t sessions_mu = PTHREAD_MUTEX_INITIALIZER;
static char **sessions;
static size_t n_sessions;

/* The CLI's name of the model's session: this server's own, so two MCP
 * servers of one user (two agent hosts) never share a session. */
static char *
session_name(const char *name)
{
	char *full;

	sr_xasprintf(&full, "mcp%ld-%s", (long)getpid(), name);
	return full;
}

static void
session_note(const char *full, bool add)
{
	size_t i;

	pthread_mutex_lock(&sessions_mu);
	for (i = 0; i < n_sessions && strcmp(sessions[i], full) != 0; i++)
		;
	if (add && i == n_sessions) {
		sessions = sr_xrealloc(sessions, (n_sessions + 1) *
		    sizeof(*sessions));
		sessions[n_sessions++] = sr_xstrdup(full);
	} else if (!add && i < n_sessions) {
		free(sessions[i]);
		sessions[i] = sessions[--n_sessions];
	}
	pthread_mutex_unlock(&sessions_mu);
}

void
sr_mcp_ctl_cancel(struct sr_mcp_ctl *ctl)
{
	pthread_mutex_lock(&ctl->mu);
	ctl->cancelled = true;
	if (ctl->pid > 0)
		kill(ctl->pid, SIGTERM);
	pthread_mutex_unlock(&ctl->mu);
}

int
sr_mcp_exec_init(struct sr_diag *d)
{
	if (access(SELF, X_OK) < 0)
		return sr_diag_errno(d, "%s", SELF);
	return 0;
}

/* A private directory for the inputs, 0700. */
static int
make_dir(char **out, struct sr_diag *d)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (tmp == NULL || *tmp != '/' || strchr(tmp, ':') != NULL)
		tmp = "/tmp";
	sr_xasprintf(&dir, "%s/sandrun-mcp.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		sr_diag_errno(d, "cannot create a temporary directory in %s", tmp);
		free(dir);
		return -1;
	}
	*out = dir;
	return 0;
}

static int
put(int dfd, const char *name, const void *p, size_t len, struct sr_diag *d)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);

	if (fd < 0)
		return sr_diag_errno(d, "cannot write %s", name);
	if (sr_write_all(fd, p, len) < 0) {
		sr_diag_errno(d, "cannot write %s", name);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return sr_diag_errno(d, "cannot write %s", name);
	return 0;
}

static void
remove_dir(const char *dir, size_t n_files)
{
	int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	char name[32];

	if (dfd >= 0) {
		unlinkat(dfd, "code", 0);
		unlinkat(dfd, "stdin", 0);
		for (size_t i = 0; i < n_files; i++) {
			snprintf(name, sizeof(name), "f%zu", i);
			unlinkat(dfd, name, 0);
		}
		close(dfd);
	}
	rmdir(dir);
}

/* Write the inputs and build the argv (strings owned by *argv). */
static int
prepare(const struct sr_mcp_call *c, const char *dir, char ***argvp,
    struct sr_diag *d)
{
	_cleanup_close_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	size_t n = 0, max = 18 + 2 * c->n_files;
	char **argv = sr_xcalloc(max, sizeof(*argv));
	char name[32];

	if (dfd < 0) {
		free(argv);
		return sr_diag_errno(d, "%s", dir);
	}
	argv[n++] = sr_xstrdup("sandrun");
	if (c->end) {
		argv[n++] = sr_xstrdup("--end-session");
		argv[n++] = session_name(c->session);
		*argvp = argv;
		return 0;
	}
	if (c->session != NULL) {
		argv[n++] = sr_xstrdup("--session");
		argv[n++] = session_name(c->session);
		session_note(argv[n - 1], true);
	}
	argv[n++] = sr_xstrdup("--quiet");
	argv[n++] = sr_xstrdup("--json");
	argv[n++] = sr_xstrdup("--policy");
	argv[n++] = sr_xstrdup(c->policy);
	sr_xasprintf(&argv[n++], "--inline-files=%llu",
	    (unsigned long long)c->inline_max);
	if (c->timeout_ms > 0) {
		argv[n++] = sr_xstrdup("--timeout");
		sr_xasprintf(&argv[n++], "%llums",
		    (unsigned long long)c->timeout_ms);
	}
	for (size_t i = 0; i < c->n_files; i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		if (put(dfd, name, c->files[i].data, c->files[i].len, d) < 0)
			goto fail;
		argv[n++] = sr_xstrdup("--file");
		sr_xasprintf(&argv[n++], "%s/%s:%s", dir, name,
		    c->files[i].dest);
	}
	if (c->stdin_data != NULL) {
		if (put(dfd, "stdin", c->stdin_data, c->stdin_len, d) < 0)
			goto fail;
		argv[n++] = sr_xstrdup("--stdin");
		sr_xasprintf(&argv[n++], "%s/stdin", dir);
	}
	if (put(dfd, "code", c->code, c->code_len, d) < 0)
		goto fail;
	/* An absolute path, so never taken for an option. */
	sr_xasprintf(&argv[n++], "%s/code", dir);
	*argvp = argv;
	return 0;
fail:
	sr_strv_free(argv);
	return -1;
}

static int
spawn(char **argv, struct sr_mcp_ctl *ctl, int *rfd, struct sr_diag *d)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int p[2], e;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return sr_diag_errno(d, "pipe");
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	pthread_mutex_lock(&ctl->mu);
	if (ctl->cancelled)
		e = ECANCELED;
	else
		e = posix_spawn(&pid, SELF, &fa, &at, argv,
		    (char **)sr_mcp_serve_env());
	if (e == 0)
		ctl->pid = pid;
	pthread_mutex_unlock(&ctl->mu);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	if (e != 0) {
		close(p[0]);
		errno = e;
		if (e == ECANCELED) {
			sr_diag_set(d, "cancelled");
			d->err = ECANCELED;
			return -1;
		}
		return sr_diag_errno(d, "cannot start %s", SELF);
	}
	*rfd = p[0];
	return 0;
}

/* Read the child's stdout to EOF, enforcing cancel and a deadline. */
static int
collect(int fd, struct sr_mcp_ctl *ctl, uint64_t deadline_ms, char **bufp,
    size_t *lenp, struct sr_diag *d)
{
	size_t len = 0, cap = 64 * 1024;
	char *buf = sr_xmalloc(cap + 1);
	uint64_t cancel_at = 0, term_at = 0;
	bool big = false;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		uint64_t now = sr_now_ms();
		ssize_t r;
		bool cancelled;

		pthread_mutex_lock(&ctl->mu);
		cancelled = ctl->cancelled;
		pthread_mutex_unlock(&ctl->mu);
		if (cancelled && cancel_at == 0)
			cancel_at = now;
		if ((big || now > deadline_ms) && term_at == 0) {
			kill(ctl->pid, SIGTERM);
			term_at = now;
		}
		if ((cancel_at != 0 && now > cancel_at + GRACE_MS) ||
		    (term_at != 0 && now > term_at + GRACE_MS))
			kill(-ctl->pid, SIGKILL);
		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (len + 65536 > cap && cap < RESULT_MAX) {
			cap = cap * 2 > RESULT_MAX ? RESULT_MAX : cap * 2;
			buf = sr_xrealloc(buf, cap + 1);
		}
		if (len + 65536 > cap) {
			char sink[65536];

			big = true;
			r = read(fd, sink, sizeof(sink));
		} else if ((r = read(fd, buf + len, 65536)) > 0)
			len += (size_t)r;
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	buf[len] = '\0';
	if (big) {
		free(buf);
		return sr_diag_set(d, "the result was larger than %u MiB",
		    RESULT_MAX >> 20);
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
sr_mcp_exec(const struct sr_mcp_call *c, struct sr_mcp_ctl *ctl,
    struct sr_mcp_outcome *out, struct sr_diag *d)
{
	char *dir = NULL, **argv = NULL, *buf = NULL;
	size_t len = 0;
	int fd = -1, st = 0, r = -1;
	uint64_t limit = c->timeout_ms > 0 ? c->timeout_ms : 3600 * 1000;
	bool cancelled;

	if (make_dir(&dir, d) < 0)
		return -1;
	if (prepare(c, dir, &argv, d) < 0)
		goto done;
	if (spawn(argv, ctl, &fd, d) < 0)
		goto done;
	r = collect(fd, ctl, sr_now_ms() + limit + SLACK_MS, &buf, &len, d);
	close(fd);
	while (waitpid(ctl->pid, &st, 0) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&ctl->mu);
	ctl->pid = 0;
	cancelled = ctl->cancelled;
	pthread_mutex_unlock(&ctl->mu);
	if (r < 0)
		goto done;
	if (c->end && !cancelled) {
		out->ended = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (out->ended) {
			char *full = session_name(c->session);

			session_note(full, false);
			free(full);
		}
		goto done;
	}
	r = -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (cancelled) {
		sr_diag_set(d, "cancelled");
		d->err = ECANCELED;
	} else if (len == 0 || buf[0] != '{') {
		if (WIFSIGNALED(st))
			sr_diag_set(d, "sandrun was killed by signal %d "
			    "without a result", WTERMSIG(st));
		else
			sr_diag_set(d, "sandrun exited %d without a result",
			    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	} else {
		out->json = sr_steal_ptr(&buf);
		out->len = len;
		r = 0;
	}
done:
	free(buf);
	if (argv != NULL)
		sr_strv_free(argv);
	remove_dir(dir, c->n_files);
	free(dir);
	return r;
}

void
sr_mcp_exec_end_sessions(void)
{
	char *argv[] = { (char *)"sandrun", (char *)"--end-session", NULL,
	    NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pthread_mutex_lock(&sessions_mu);
	for (size_t i = 0; i < n_sessions; i++) {
		argv[2] = sessions[i];
		if (posix_spawn(&pid, SELF, &fa, NULL, argv,
		    (char **)sr_mcp_serve_env()) == 0)
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		free(sessions[i]);
	}
	free(sessions);
	sessions = NULL;
	n_sessions = 0;
	pthread_mutex_unlock(&sessions_mu);
	posix_spawn_file_actions_destroy(&fa);
}
