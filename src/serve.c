/* serve.c - the `sandrun serve` loop: accept, check the peer, parse one
 * request, run it through serve_exec.h, answer, and watch for hangups.
 * Single-threaded around poll(2); every connection has a deadline until
 * its request arrives, so a silent or hostile client blocks nobody. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/param.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "serve.h"
#include "serve_sock.h"
#include "session.h"
#include "util.h"

#define REQ_TIMEOUT_MS 2000	/* hello to request */
#define KILL_GRACE_MS 2000	/* SIGTERM to SIGKILL for an orphaned call */
#define MAX_FDS_IN 8
#define SESSIONS_GRACE_MS 10000	/* a session host without sessions */
#define GONE_SETTLE_MS 2	/* DONE to the used sandbox's teardown */

struct conn {
	int fd;			/* -1 once the client hung up */
	bool greeted;		/* our hello sent */
	bool running;
	bool answered;		/* DONE sent: waiting for the client to go */
	bool dead;		/* finished with: compacted after the pass */
	uint64_t deadline;	/* request due (not running) / SIGKILL (orphan)
				 * / the client gone (answered) */
	pid_t peer;
	struct sr_serve_call call;
};

struct server {
	struct sr_serve_opts *o;
	int lfd, sfd;
	char path[108];
	bool own_path, draining;
	struct conn conns[SR_SERVE_CONNS_MAX];
	unsigned n_conns, n_running;
	uint64_t started, last_active;
	uint64_t unpooled, declined, refused, bad;
	uid_t uid;
	struct sr_serve_exe exe;
};

__attribute__((format(printf, 2, 3))) static void
logmsg(const struct server *s, const char *fmt, ...)
{
	va_list ap;

	(void)s;
	va_start(ap, fmt);
	fputs("sandrun serve: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int
send_msg(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

static void
reply(int fd, int type, int32_t status, const char *reason)
{
	struct sr_serve_reply r;

	sr_serve_reply_init(&r, type, status, reason);
	send_msg(fd, &r, sizeof(r));
}

/* A session host (o->sessions) takes no calls: no client hands over to
 * its socket, and it has no pools. */
static uint32_t
features(const struct server *s)
{
	uint32_t f = SR_SERVE_F_STATUS |
	    (sr_session_host_ready() ? SR_SERVE_F_SESSION : 0);

	if (!s->o->sessions)
		f |= SR_SERVE_F_RUN | SR_SERVE_F_SIGNAL | SR_SERVE_F_WARM;
	return f;
}

/* The OK hello, once per connection and before any other reply.  A
 * RUN_EARLY queued with the connect gets it once the request is parsed,
 * just before the call goes to its sandbox: the client, woken by it,
 * then finds the START there too (one wakeup instead of two). */
static int
greet(struct server *s, struct conn *c)
{
	struct sr_serve_hello h;

	if (c->greeted)
		return 0;
	c->greeted = true;
	sr_serve_hello_init(&h, SR_SERVE_HELLO_OK, features(s), &s->exe);
	return send_msg(c->fd, &h, sizeof(h));
}

static void
drop(struct server *s, unsigned i)
{
	struct conn *c = &s->conns[i];

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->running)
		s->n_running--;
	c->running = false;
	c->dead = true;
	s->last_active = sr_now_ms();
}

static void
compact(struct server *s)
{
	unsigned i = 0;

	while (i < s->n_conns)
		if (s->conns[i].dead)
			s->conns[i] = s->conns[--s->n_conns];
		else
			i++;
}

static bool on_request(struct server *s, struct conn *c, char *buf);

/* A new connection: refused, or taken with its request if the client
 * sent it with the connect (else the hello now, the request later). */
static void
accept_one(struct server *s, int fd, char *buf)
{
	struct sr_serve_hello h;
	struct conn *c;
	uid_t uid = (uid_t)-1;
	pid_t pid = 0;
	int st = SR_SERVE_HELLO_OK;

	if (sr_serve_sock_peer(fd, &uid, &pid) < 0 || uid != s->uid) {
		s->refused++;
		logmsg(s, "refused a connection from uid %ld (pid %ld): this server serves uid %ld only",
		    (long)uid, (long)pid, (long)s->uid);
		st = SR_SERVE_HELLO_REFUSED;
	} else if (s->draining) {
		st = SR_SERVE_HELLO_DRAINING;
	} else if (s->n_conns >= SR_SERVE_CONNS_MAX) {
		st = SR_SERVE_HELLO_BUSY;
	}
	if (st != SR_SERVE_HELLO_OK) {
		sr_serve_hello_init(&h, st, features(s), &s->exe);
		send_msg(fd, &h, sizeof(h));
		close(fd);
		return;
	}
	c = &s->conns[s->n_conns++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->peer = pid;
	c->call.pidfd = -1;
	c->deadline = sr_now_ms() + REQ_TIMEOUT_MS;
	s->last_active = sr_now_ms();
	if (on_request(s, c, buf))
		drop(s, s->n_conns - 1);
	else if (!c->running && greet(s, c) < 0)
		drop(s, s->n_conns - 1);
}

static void
accept_all(struct server *s, char *buf)
{
	int fd;

	while ((fd = accept4(s->lfd, NULL, NULL,
	    SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
		accept_one(s, fd, buf);
}

static struct sr_serve_pool *
find_pool(struct server *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->o->n_pools; i++)
		if (strcmp(s->o->pools[i].policy, name) == 0)
			return &s->o->pools[i];
	return NULL;
}

static void
start_run(struct server *s, struct conn *c, const struct sr_serve_request *req,
    const int *fds)
{
	struct sr_diag d;
	char name[SR_SERVE_NAME_MAX * 4];
	struct sr_serve_pool *pool;
	struct pollfd hup = { c->fd, POLLRDHUP, 0 };
	bool fit = false;

	/* A client that gave up waiting (its request sat queued) runs the
	 * call cold itself: never start it here too. */
	if (poll(&hup, 1, 0) > 0 &&
	    (hup.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
		s->declined++;
		logmsg(s, "a call from pid %ld: the client left before it started",
		    (long)c->peer);
		return;
	}
	if (sr_serve_exec_check(req, name, sizeof(name), &fit, &d) < 0 ||
	    s->n_running >= SR_SERVE_CALLS_MAX) {
		greet(s, c);
		s->declined++;
		reply(c->fd, SR_SERVE_REP_DECLINE, 0,
		    s->n_running >= SR_SERVE_CALLS_MAX ?
		    "busy: too many calls running" : d.msg);
		return;
	}
	pool = find_pool(s, name);
	/* before the call goes: a worker may send DONE before our START */
	if (greet(s, c) < 0)
		return;
	if (sr_serve_exec_start(pool, req, fit, fds, c->fd, &c->call, &d) < 0) {
		s->declined++;
		logmsg(s, "%s", d.msg);
		reply(c->fd, SR_SERVE_REP_DECLINE, 0, d.msg);
		return;
	}
	c->running = true;
	c->deadline = 0;	/* no time limit of ours: the policy's apply */
	s->n_running++;
	if (pool == NULL)
		s->unpooled++;
	if (s->o->verbose)
		logmsg(s, "call from pid %ld: policy %s, %s (pid %ld)",
		    (long)c->peer, name, c->call.sock >= 0 ?
		    "to a ready sandbox" : "cold", (long)c->call.pid);
	reply(c->fd, SR_SERVE_REP_START, 0, NULL);
}

/* SESSION: host it (session_host.c), DONE or ERROR. */
static void
start_session(struct server *s, struct conn *c,
    const struct sr_serve_request *req)
{
	struct sr_diag d;

	if (s->draining) {
		reply(c->fd, SR_SERVE_REP_ERROR, 0, "the server is shutting down");
		return;
	}
	if (sr_session_host(&req->session, &d) < 0) {
		logmsg(s, "session %s: %s", req->session.name, d.msg);
		reply(c->fd, SR_SERVE_REP_ERROR, 0, d.msg);
		return;
	}
	if (s->o->verbose)
		logmsg(s, "session %s for pid %ld: hosted on %s",
		    req->session.name, (long)c->peer, req->session.path);
	reply(c->fd, SR_SERVE_REP_DONE, 0, NULL);
}

static void
send_status(struct server *s, int fd)
{
	static struct {
		struct sr_serve_reply r;
		struct sr_serve_stats st;
		struct sr_serve_pool_stats p[SR_SERVE_POOLS_MAX];
		struct sr_serve_session_stats ss[SR_SESSION_HOST_MAX];
	} m;
	unsigned i;

	for (i = 0; i < s->o->n_pools; i++)
		sr_serve_pool_poll(&s->o->pools[i]);
	memset(&m, 0, sizeof(m));
	sr_serve_reply_init(&m.r, SR_SERVE_REP_STATUS, 0, NULL);
	m.st.n_pools = s->o->n_pools;
	m.st.in_flight = s->n_running;
	m.st.max_calls = SR_SERVE_CALLS_MAX;
	m.st.features = features(s);
	m.st.pid = getpid();
	m.st.uptime_ms = sr_now_ms() - s->started;
	m.st.unpooled_served = s->unpooled;
	m.st.declined = s->declined;
	m.st.refused = s->refused;
	m.st.bad_requests = s->bad;
	m.st.sessions_max = sr_session_host_ready() ? SR_SESSION_HOST_MAX : 0;
	for (i = 0; i < s->o->n_pools; i++) {
		const struct sr_serve_pool *p = &s->o->pools[i];

		strlcpy(m.p[i].policy, p->policy, sizeof(m.p[i].policy));
		m.p[i].size = p->size;
		m.p[i].ready = p->ready;
		m.p[i].served = p->served;
		m.p[i].warm = p->warm;
		m.p[i].cold = p->cold;
		m.p[i].memory_per_ready = p->memory_per_ready;
		m.p[i].refill_us = p->refill_us;
	}
	/* the session records right after the pools' */
	m.st.n_sessions = sr_session_host_stats((void *)&m.p[s->o->n_pools],
	    SR_SESSION_HOST_MAX);
	send_msg(fd, &m, sizeof(m.r) + sizeof(m.st) +
	    s->o->n_pools * sizeof(m.p[0]) +
	    m.st.n_sessions * sizeof(m.ss[0]));
}

/* Receive one message with its descriptors.  Returns the length, 0 on
 * hangup, -1 on error; *trunc when the message or its fds did not fit. */
static ssize_t
recv_msg(int fd, void *buf, size_t len, int *fds, size_t *nfds, bool *trunc)
{
	return sr_fdpass_recv(fd, buf, len, MSG_DONTWAIT | MSG_TRUNC, fds,
	    MAX_FDS_IN, nfds, trunc);
}

static void
closefds(int *fds, size_t n)
{
	while (n > 0)
		close(fds[--n]);
}

/* Whether the client runs this very binary (a RUN_EARLY comes before
 * the client has seen the hello's). */
static bool
same_binary(const struct server *s, const struct conn *c)
{
	struct sr_serve_exe e;

	return c->peer > 0 && sr_serve_sock_exe_of(c->peer, &e) == 0 &&
	    e.dev == s->exe.dev && e.ino == s->exe.ino &&
	    e.mtime_ns == s->exe.mtime_ns;
}

static void
decline_binary(struct server *s, struct conn *c)
{
	s->declined++;
	if (s->o->verbose)
		logmsg(s, "declined a call from pid %ld: it runs another sandrun binary",
		    (long)c->peer);
	reply(c->fd, SR_SERVE_REP_DECLINE, 0,
	    "the client runs another sandrun binary");
}

/* Returns true when the connection is finished with. */
static bool
on_request(struct server *s, struct conn *c, char *buf)
{
	struct sr_serve_request req;
	struct sr_diag d;
	int fds[MAX_FDS_IN];
	size_t nfds;
	bool trunc, early, other;
	ssize_t n;

	n = recv_msg(c->fd, buf, SR_SERVE_MSG_MAX, fds, &nfds, &trunc);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	if (n <= 0)
		return true;
	if (trunc) {
		sr_diag_kind(&d, SR_DIAG_USAGE,
		    "request: too large (at most %u bytes and %d descriptors)",
		    SR_SERVE_MSG_MAX, SR_SERVE_NFDS);
	} else if (sr_serve_request_parse(buf, (size_t)n, nfds, &req, &d) == 0) {
		early = req.type == SR_SERVE_REQ_RUN_EARLY;
		other = early && !same_binary(s, c);
		if (!early || other || s->o->sessions)
			greet(s, c);	/* else start_run's, once parsed */
		if (req.type == SR_SERVE_REQ_STATUS)
			send_status(s, c->fd);
		else if (other)
			decline_binary(s, c);
		else if ((req.type == SR_SERVE_REQ_RUN ||
		    req.type == SR_SERVE_REQ_RUN_EARLY) && s->o->sessions)
			reply(c->fd, SR_SERVE_REP_DECLINE, 0,
			    "a session host runs no calls");
		else if (req.type == SR_SERVE_REQ_RUN ||
		    req.type == SR_SERVE_REQ_RUN_EARLY)
			start_run(s, c, &req, fds);
		else if (req.type == SR_SERVE_REQ_SESSION)
			start_session(s, c, &req);
		else
			reply(c->fd, SR_SERVE_REP_ERROR, 0,
			    "request: no call to signal");
		sr_serve_request_free(&req);
		closefds(fds, nfds);
		return !c->running;
	}
	s->bad++;
	logmsg(s, "bad request from pid %ld: %s", (long)c->peer, d.msg);
	greet(s, c);
	reply(c->fd, SR_SERVE_REP_ERROR, 0, d.msg);
	closefds(fds, nfds);
	return true;
}

/* A message or a hangup on a running call's connection. */
static void
on_running_input(struct server *s, struct conn *c, char *buf)
{
	struct sr_serve_request req;
	struct sr_diag d;
	int fds[MAX_FDS_IN];
	size_t nfds;
	bool trunc;
	ssize_t n;

	n = recv_msg(c->fd, buf, SR_SERVE_MSG_MAX, fds, &nfds, &trunc);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	closefds(fds, nfds);
	if (n > 0 && !trunc &&
	    sr_serve_request_parse(buf, (size_t)n, nfds, &req, &d) == 0) {
		if (req.type == SR_SERVE_REQ_SIGNAL)
			sr_serve_exec_signal(&c->call, req.signo);
		sr_serve_request_free(&req);
		return;
	}
	if (n > 0) {
		s->bad++;
		return;
	}
	/* The client is gone: end its call, as a cold run would end. */
	logmsg(s, "client pid %ld hung up: ending its call (pid %ld)",
	    (long)c->peer, (long)c->call.pid);
	close(c->fd);
	c->fd = -1;
	sr_serve_exec_signal(&c->call, SIGTERM);
	c->deadline = sr_now_ms() + KILL_GRACE_MS;
}

/* The call is answered and its client gone (or slow to go): the worker
 * destroys the sandbox it used, and the replacement is built. */
static void
on_client_gone(struct server *s, unsigned i)
{
	struct conn *c = &s->conns[i];

	sr_serve_exec_release(&c->call);
	if (c->call.pool != NULL)
		sr_serve_pool_fill(c->call.pool);
	drop(s, i);
}

static void
on_call_end(struct server *s, unsigned i)
{
	struct conn *c = &s->conns[i];
	struct sr_serve_reply r;

	sr_serve_exec_finish(&c->call, &r);
	if (c->fd >= 0 && !c->call.replied)	/* else the worker did */
		send_msg(c->fd, &r, sizeof(r));
	if (s->o->verbose)
		logmsg(s, "call from pid %ld ended: exit status %d",
		    (long)c->peer, r.status);
	if (c->fd < 0) {
		on_client_gone(s, i);
		return;
	}
	/* The sandbox's teardown and its replacement's fork wait until the
	 * client, woken by DONE, has exited and whoever waits for it has
	 * run: they would take their CPU.  Its hangup would only wake us
	 * while it exits: it is not watched. */
	c->running = false;
	s->n_running--;
	c->answered = true;
	c->deadline = sr_now_ms() + GONE_SETTLE_MS;
}

static void
on_signal(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGTERM && si.ssi_signo != SIGINT)
			continue;
		if (!s->draining)
			logmsg(s, "%s: finishing %u call%s in flight, then exiting",
			    si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT",
			    s->n_running, s->n_running == 1 ? "" : "s");
		if (!s->draining)
			sr_session_host_end_all();
		s->draining = true;
		if (s->lfd >= 0) {
			close(s->lfd);
			s->lfd = -1;
			if (s->own_path)
				unlink(s->path);
		}
	}
}

static void
on_deadlines(struct server *s, uint64_t now)
{
	unsigned i;

	for (i = 0; i < s->n_conns; i++) {
		struct conn *c = &s->conns[i];

		if (c->dead)
			continue;
		if (c->answered && now >= c->deadline) {
			on_client_gone(s, i);
		} else if (c->answered) {
			continue;
		} else if (c->running && c->fd < 0 && c->deadline && now >= c->deadline) {
			sr_serve_exec_signal(&c->call, SIGKILL);
			c->deadline = 0;
		} else if (!c->running && now >= c->deadline) {
			s->bad++;
			logmsg(s, "pid %ld sent no request within %d ms",
			    (long)c->peer, REQ_TIMEOUT_MS);
			reply(c->fd, SR_SERVE_REP_ERROR, 0,
			    "request: timed out");
			drop(s, i);
		}
	}
}

static int
poll_timeout(const struct server *s, uint64_t now)
{
	uint64_t t = UINT64_MAX;
	unsigned i;

	for (i = 0; i < s->n_conns; i++)
		if (s->conns[i].deadline && s->conns[i].deadline < t)
			t = s->conns[i].deadline;
	if (s->o->idle_exit_ms && s->n_conns == 0 &&
	    sr_session_host_count() == 0)
		t = MIN(t, s->last_active + s->o->idle_exit_ms);
	if (s->o->sessions && !sr_session_host_any())
		t = MIN(t, s->started + SESSIONS_GRACE_MS);
	if (t == UINT64_MAX)
		return -1;
	return t <= now ? 0 : (int)MIN(t - now, 60000);
}

static void
loop_once(struct server *s, char *buf)
{
	struct pollfd pfd[2 + 2 * SR_SERVE_CONNS_MAX + SR_SESSION_HOST_MAX];
	int map[2 + 2 * SR_SERVE_CONNS_MAX];
	unsigned n = 0, i, k, ns;
	uint64_t now = sr_now_ms();

	pfd[n++] = (struct pollfd){ s->sfd, POLLIN, 0 };
	pfd[n++] = (struct pollfd){ s->lfd, POLLIN, 0 };
	for (i = 0; i < s->n_conns; i++) {
		if (s->conns[i].fd >= 0 && !s->conns[i].answered) {
			map[n] = (int)i;
			pfd[n++] = (struct pollfd){ s->conns[i].fd, POLLIN, 0 };
		}
		if (s->conns[i].running) {
			map[n] = (int)i | 0x10000;
			pfd[n++] = (struct pollfd){ s->conns[i].call.pidfd, POLLIN, 0 };
		}
	}
	ns = sr_session_host_pollfds(pfd + n, SR_SESSION_HOST_MAX);
	if (poll(pfd, n + ns, sr_serve_pool_reap(s->o->pools, s->o->n_pools,
	    poll_timeout(s, now))) < 0)
		return;
	for (k = n; k < n + ns; k++)
		if (pfd[k].revents) {
			sr_session_host_reap();
			s->last_active = sr_now_ms();
			break;
		}
	if (pfd[0].revents)
		on_signal(s);
	/* Every call's end before any connection's input: its client's
	 * hangup, and a request (a status) it sent once it had its DONE,
	 * which a worker sends right after its end (serve_pool.c). */
	for (k = n; k-- > 2;) {
		i = (unsigned)map[k] & 0xffff;
		if (pfd[k].revents && (map[k] & 0x10000) && !s->conns[i].dead)
			on_call_end(s, i);
	}
	for (k = n; k-- > 2;) {
		struct conn *c;

		if (pfd[k].revents == 0 || (map[k] & 0x10000))
			continue;
		i = (unsigned)map[k] & 0xffff;
		c = &s->conns[i];
		/* answered in this pass: its deadline lets it go */
		if (c->dead || c->answered)
			continue;
		if (c->running)
			on_running_input(s, c, buf);
		else if (on_request(s, c, buf))
			drop(s, i);
	}
	on_deadlines(s, sr_now_ms());
	compact(s);
	if (s->lfd >= 0 && pfd[1].revents) {
		accept_all(s, buf);
		compact(s);
	}
}

static int
setup(struct server *s, struct sr_diag *d)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	s->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sfd < 0)
		return sr_diag_errno(d, "signalfd");
	if (s->o->listen_fd > 0) {
		/* the session host's, made by session.c */
		s->lfd = s->o->listen_fd;
		strlcpy(s->path, s->o->socket, sizeof(s->path));
		s->own_path = true;
		return 0;
	}
	if ((fd = sr_serve_sock_inherited(d)) < 0)
		return -1;
	if (fd > 0) {
		if (s->o->socket != NULL)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "--socket: a socket was passed in (LISTEN_FDS); leave --socket out");
		s->lfd = fd;
		strlcpy(s->path, "(inherited socket)", sizeof(s->path));
		return 0;
	}
	if (s->o->socket != NULL)
		strlcpy(s->path, s->o->socket, sizeof(s->path));
	else if (sr_serve_sock_default(s->path, sizeof(s->path)) < 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "no socket path: set XDG_RUNTIME_DIR or SANDRUN_SOCKET, or give --socket PATH");
	if (s->o->socket != NULL && strlen(s->o->socket) >= sizeof(s->path))
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--socket %s: path too long (at most %zu bytes)",
		    s->o->socket, sizeof(s->path) - 1);
	if ((s->lfd = sr_serve_sock_listen(s->path, d)) < 0)
		return -1;
	s->own_path = true;
	return 0;
}

static void
log_start(const struct server *s)
{
	char pools[256] = "";
	char one[96];
	unsigned i;

	for (i = 0; i < s->o->n_pools; i++) {
		snprintf(one, sizeof(one), "%s%s=%u", i ? " " : "",
		    s->o->pools[i].policy, s->o->pools[i].size);
		strlcat(pools, one, sizeof(pools));
	}
	logmsg(s, "listening on %s (pid %ld, protocol %d); pools: %s",
	    s->path, (long)getpid(), SR_SERVE_PROTOCOL,
	    *pools ? pools : "none");
}

int
sr_serve_run(struct sr_serve_opts *o, struct sr_diag *d)
{
	static char buf[SR_SERVE_MSG_MAX];
	struct server *s = sr_xcalloc(1, sizeof(*s));
	unsigned i;
	int r = 0;

	s->o = o;
	s->lfd = s->sfd = -1;
	s->uid = geteuid();
	s->started = s->last_active = sr_now_ms();
	for (i = 0; i < o->n_pools; i++)
		o->pools[i].memory_per_ready = -1;
	if (sr_serve_sock_self(&s->exe) < 0) {
		r = sr_diag_errno(d, "/proc/self/exe");
		goto out;
	}
	if (setup(s, d) < 0) {
		r = -1;
		goto out;
	}
	log_start(s);
	for (i = 0; i < o->n_pools; i++)
		sr_serve_pool_fill(&o->pools[i]);
	for (;;) {
		if (s->draining && s->n_conns == 0 &&
		    sr_session_host_count() == 0)
			break;
		/* A session host: gone with its last session. */
		if (o->sessions && s->n_conns == 0 &&
		    sr_session_host_count() == 0 && (sr_session_host_any() ||
		    sr_now_ms() - s->started >= SESSIONS_GRACE_MS))
			break;
		/* not idle while it hosts a session */
		if (o->idle_exit_ms && s->n_conns == 0 &&
		    sr_session_host_count() == 0 &&
		    sr_now_ms() - s->last_active >= o->idle_exit_ms) {
			logmsg(s, "idle for %llu ms: exiting",
			    (unsigned long long)o->idle_exit_ms);
			break;
		}
		loop_once(s, buf);
	}
out:
	for (i = 0; i < o->n_pools; i++)
		sr_serve_pool_stop(&o->pools[i]);
	if (s->lfd >= 0) {
		close(s->lfd);
		if (s->own_path)
			unlink(s->path);
	}
	if (s->sfd >= 0)
		close(s->sfd);
	free(s);
	return r;
}
