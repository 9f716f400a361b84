/* client.c - hand a call over to a running `sandrun serve`, or decline so
 * that main runs it cold.  Anything short of a START reply from a server
 * of our own uid that speaks our protocol means cold, never an error. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "fdpass.h"
#include "serve_proto.h"
#include "serve_sock.h"
#include "util.h"

#define HELLO_TIMEOUT_MS 1000
#define START_TIMEOUT_MS 5000

extern char **environ;

static volatile sig_atomic_t call_fd = -1;


/* A fresh connection has room for the request: it goes at once, and
 * waits for room only when the server's queue is full. */
static int
send_fds(int fd, const void *buf, size_t len, const int *fds, size_t n)
{
	struct pollfd p = { fd, POLLOUT, 0 };

	errno = 0;
	if (sr_fdpass_send(fd, buf, len, MSG_DONTWAIT, fds, n) == 0)
		return 0;
	if (errno != EAGAIN)
		return -1;
	if (poll(&p, 1, HELLO_TIMEOUT_MS) <= 0)
		return -1;
	return sr_fdpass_send(fd, buf, len, MSG_DONTWAIT, fds, n);
}

/* The next message: at once when it is there (a server sends the hello
 * and the START back to back), else within ms. */
static ssize_t
recv_next(int fd, void *buf, size_t len, int ms)
{
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

	if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		return n;
	return sr_fdpass_recv_within(fd, buf, len, ms);
}

/* Connected to a server of our uid at path: the fd, or -1. */
static int
open_server(const char *path)
{
	uid_t uid;
	pid_t pid;
	int fd;

	if ((fd = sr_serve_sock_connect(path)) < 0)
		return -1;
	if (sr_serve_sock_peer(fd, &uid, &pid) < 0 || uid != geteuid()) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Greeted with our protocol and RUN by a server of our binary (self,
 * taken before the request went: once sent, it is the server's): 0, the
 * largest request the server takes in *max; else -1. */
static int
greeted(int fd, const struct sr_serve_exe *self, size_t *max, int wait_ms)
{
	struct sr_serve_hello h;
	ssize_t n;

	n = sr_fdpass_recv_within(fd, &h, sizeof(h), wait_ms);
	if (n < 0 || sr_serve_hello_check(&h, (size_t)n, &h) < 0 ||
	    h.version != SR_SERVE_PROTOCOL || h.status != SR_SERVE_HELLO_OK ||
	    !(h.features & SR_SERVE_F_RUN))
		return -1;
	/* Another build or version would not give a cold run's output. */
	if (self->dev != h.exe.dev ||
	    self->ino != h.exe.ino || self->mtime_ns != h.exe.mtime_ns)
		return -1;
	*max = h.max_request;
	return 0;
}

/* While the call runs, our terminal's signals go to the call, as they
 * would reach a cold run's supervisor. */
static void
forward(int sig)
{
	struct sr_serve_reqhdr h;
	int e = errno;

	sr_serve_reqhdr_init(&h, SR_SERVE_REQ_SIGNAL, (uint32_t)sig);
	if (call_fd >= 0)
		send(call_fd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT);
	errno = e;
}

static void
forward_signals(int fd)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	call_fd = fd;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
}

/* After START: wait for DONE, however long the call takes. */
static int
wait_done(int fd, int *status, struct sr_diag *d)
{
	struct sr_serve_reply r;
	ssize_t n;

	forward_signals(fd);
	for (;;) {
		n = sr_fdpass_recv_within(fd, &r, sizeof(r), -1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		break;
	}
	call_fd = -1;
	if (n <= 0 || sr_serve_reply_check(&r, (size_t)n, &r) < 0 ||
	    r.type != SR_SERVE_REP_DONE) {
		sr_diag_set(d, "the sandrun server ended the call before it finished; run again, or with --cold");
		return SR_CLIENT_LOST;
	}
	*status = r.status;
	return SR_CLIENT_SERVED;
}

int
sr_client_handover(int argc, char **argv, int *status, struct sr_diag *d)
{
	struct sr_serve_reply r;
	struct sr_serve_exe self;
	char path[108];
	void *buf = NULL;
	size_t len, max = 0;
	ssize_t n;
	mode_t mask;
	int fd = -1, fds[SR_SERVE_NFDS], ret = SR_CLIENT_COLD;

	if (sr_serve_sock_default(path, sizeof(path)) < 0)
		return SR_CLIENT_COLD;
	mask = umask(0);
	umask(mask);
	fds[0] = STDIN_FILENO;
	fds[1] = STDOUT_FILENO;
	fds[2] = STDERR_FILENO;
	fds[3] = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* The request goes with the connect, not after the hello (one round
	 * trip less): as a RUN_EARLY, which the server serves only when we
	 * run its binary.  The hello is checked all the same: a server that
	 * sent another one has declined or refused the request.  The request
	 * is the server's once sent: we wait for its hello as long as for
	 * its START, lest a slow server run a call we then run cold too.
	 * It is built before the connect, so that the server, woken by the
	 * connect, finds it there (and does not greet first). */
	if (fds[3] < 0 || sr_serve_sock_self(&self) < 0 ||
	    sr_serve_request_build(argc - 1, argv + 1, environ,
	    (unsigned)mask, &buf, &len) < 0 || len > SR_SERVE_MSG_MAX)
		goto out;
	sr_serve_request_early(buf);
	if ((fd = open_server(path)) < 0 ||
	    send_fds(fd, buf, len, fds, SR_SERVE_NFDS) < 0 ||
	    greeted(fd, &self, &max, START_TIMEOUT_MS) < 0 || len > max)
		goto out;
	n = recv_next(fd, &r, sizeof(r), START_TIMEOUT_MS);
	if (n < 0 || sr_serve_reply_check(&r, (size_t)n, &r) < 0)
		goto out;	/* silence: cold */
	if (r.type == SR_SERVE_REP_DONE) {
		/* a ready sandbox's worker replies itself: a short call
		 * may end before the server's START reaches us */
		*status = r.status;
		ret = SR_CLIENT_SERVED;
	} else if (r.type == SR_SERVE_REP_START) {
		ret = wait_done(fd, status, d);
	}	/* else DECLINE or ERROR: cold */
out:
	free(buf);
	if (fds[3] >= 0)
		close(fds[3]);
	if (fd >= 0)
		close(fd);
	return ret;
}
