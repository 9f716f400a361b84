/* session_host.c - sessions hosted by `sandrun serve` (session.h).
 *
 * A SESSION request names a session and its socket; the server listens
 * there itself (so a second request for it finds it answering) and forks
 * the session process (session_srv.c) as its child: one process per
 * session, in the server's cgroup, dying with it (PR_SET_PDEATHSIG).
 * The server watches each by a pidfd, lists them in its status, and on
 * SIGTERM asks each to end (after the call it may be running). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "serve_sock.h"
#include "session.h"
#include "util.h"

struct hosted {
	char name[SR_SERVE_SESSION_NAME];
	char path[SR_SERVE_SESSION_PATH];
	pid_t pid;
	int pidfd;
	uint64_t started;
};

static struct {
	sr_session_call_fn fn;
	char *area;			/* our argv strings, for the title */
	size_t len;
	struct hosted s[SR_SESSION_HOST_MAX];
	unsigned n;
	bool any;			/* has hosted one */
} H;

void
sr_session_host_setup(sr_session_call_fn fn, char *area, size_t len)
{
	H.fn = fn;
	H.area = area;
	H.len = len;
}

bool
sr_session_host_ready(void)
{
	return H.fn != NULL;
}

void
sr_session_retitle(char *area, size_t len, const char *title)
{
	if (area == NULL || len < 2)
		return;
	memset(area, 0, len);
	strlcpy(area, title, len);
	prctl(PR_SET_NAME, (unsigned long)title, 0, 0, 0);
}

/* The session process, in the server's child. */
static void __attribute__((noreturn))
child(int lfd, pid_t server, const struct sr_serve_session_msg *m, bool lost)
{
	char title[SR_SERVE_SESSION_NAME + 32];
	sigset_t none;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != server)
		_exit(125);
	setpgid(0, 0);		/* a ^C to the server's terminal is not ours */
	signal(SIGHUP, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* listen again: a client's SO_PEERCRED names the session process,
	 * not the server (--list-sessions shows that pid) */
	if (dup2(lfd, 3) < 0 || listen(3, 64) < 0)
		_exit(125);
	close_range(4, ~0U, 0);
	if (sr_stdio_detach() < 0)
		_exit(125);
	snprintf(title, sizeof(title), "sandrun-session %s", m->name);
	sr_session_retitle(H.area, H.len, title);
	sr_session_serve(3, m->name, m->path, m->idle_ms, m->life_ms, lost,
	    H.fn);
}

static struct hosted *
find(const char *path)
{
	unsigned i;

	for (i = 0; i < H.n; i++)
		if (strcmp(H.s[i].path, path) == 0)
			return &H.s[i];
	return NULL;
}

int
sr_session_host(const struct sr_serve_session_msg *m, struct sr_diag *d)
{
	struct hosted *h;
	pid_t pid, self = getpid();
	int lfd, c, pidfd;
	bool lost;

	if (H.fn == NULL)
		return sr_diag_kind(d, SR_DIAG_SETUP, "this server hosts no sessions");
	/* Ours already, or someone else's that answers: the client's. */
	sr_session_host_reap();
	if (find(m->path) != NULL)
		return 0;
	if ((c = sr_serve_sock_connect(m->path)) >= 0 || errno == EAGAIN) {
		if (c >= 0)
			close(c);
		return 0;
	}
	/* A socket nobody listens on: its session process died without
	 * ending (a session that ends removes its socket first), so the
	 * new one's first call says restarted. */
	lost = errno == ECONNREFUSED;
	if (H.n >= SR_SESSION_HOST_MAX)
		return sr_diag_kind(d, SR_DIAG_SETUP,
		    "session %s: this server hosts %d sessions already",
		    m->name, SR_SESSION_HOST_MAX);
	if ((lfd = sr_serve_sock_listen(m->path, d)) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		sr_diag_errno(d, "fork");
		unlink(m->path);
		close(lfd);
		return -1;
	}
	if (pid == 0)
		child(lfd, self, m, lost);
	close(lfd);
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		sr_diag_errno(d, "pidfd_open");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		unlink(m->path);
		return -1;
	}
	h = &H.s[H.n++];
	strlcpy(h->name, m->name, sizeof(h->name));
	strlcpy(h->path, m->path, sizeof(h->path));
	h->pid = pid;
	h->pidfd = pidfd;
	h->started = sr_now_ms();
	H.any = true;
	return 0;
}

unsigned
sr_session_host_count(void)
{
	return H.n;
}

bool
sr_session_host_any(void)
{
	return H.any;
}

unsigned
sr_session_host_pollfds(struct pollfd *p, unsigned max)
{
	unsigned i;

	for (i = 0; i < H.n && i < max; i++)
		p[i] = (struct pollfd){ H.s[i].pidfd, POLLIN, 0 };
	return i;
}

void
sr_session_host_reap(void)
{
	unsigned i = 0;

	while (i < H.n) {
		if (waitpid(H.s[i].pid, NULL, WNOHANG) == H.s[i].pid ||
		    (errno == ECHILD && kill(H.s[i].pid, 0) < 0)) {
			close(H.s[i].pidfd);
			H.s[i] = H.s[--H.n];
		} else {
			i++;
		}
	}
}

void
sr_session_host_end_all(void)
{
	struct sr_session_ctl c = { SR_SESSION_MAGIC, SR_SESSION_END };
	unsigned i;
	int fd;

	for (i = 0; i < H.n; i++) {
		/* Queued: read after the call it may be in. */
		fd = sr_serve_sock_connect(H.s[i].path);
		if (fd < 0 || sr_fdpass_send(fd, &c, sizeof(c), MSG_DONTWAIT,
		    NULL, 0) < 0)
			kill(H.s[i].pid, SIGTERM);
		if (fd >= 0)
			close(fd);
	}
}

unsigned
sr_session_host_stats(struct sr_serve_session_stats *out, unsigned max)
{
	uint64_t now = sr_now_ms();
	unsigned i;

	for (i = 0; i < H.n && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		strlcpy(out[i].name, H.s[i].name, sizeof(out[i].name));
		strlcpy(out[i].path, H.s[i].path, sizeof(out[i].path));
		out[i].pid = H.s[i].pid;
		out[i].up_ms = now - H.s[i].started;
	}
	return i;
}
