/* session.c - the client side of sessions: names, where the sockets are,
 * starting a session process, a call, --list-sessions, --end-session. */
#include "config.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "serve.h"
#include "serve_proto.h"
#include "serve_sock.h"
#include "session.h"
#include "util.h"

extern char **environ;

int
sr_session_name_check(const char *name, struct sr_diag *d)
{
	size_t n = strlen(name);

	if (n == 0 || n > SR_SESSION_NAME_MAX ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != n || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "session name '%.80s': use 1 to 64 of A-Z a-z 0-9 . _ - (not . or ..)",
		    name);
	return 0;
}

int
sr_session_dir(char *buf, size_t len, struct sr_diag *d)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	int n;

	if (x != NULL && *x == '/')
		n = snprintf(buf, len, "%s/sandrun-sessions", x);
	else
		n = snprintf(buf, len, "/tmp/sandrun-sessions-%u",
		    (unsigned)geteuid());
	if (n < 0 || (size_t)n >= len)
		return sr_diag_kind(d, SR_DIAG_SETUP, "session directory: path too long");
	return 0;
}

int
sr_session_path(const char *name, char *buf, size_t len, struct sr_diag *d)
{
	char dir[108];
	int n;

	if (sr_session_dir(dir, sizeof(dir), d) < 0)
		return -1;
	n = snprintf(buf, len, "%s/%s.sock", dir, name);
	if (n < 0 || (size_t)n >= len)
		return sr_diag_kind(d, SR_DIAG_SETUP, "session socket %s/%s.sock: path too long",
		    dir, name);
	return 0;
}

/* Connected to a session process of our uid (its pid in *pid when not
 * NULL), or -1 with errno. */
static int
connect_session(const char *path, pid_t *peer)
{
	uid_t uid;
	pid_t pid;
	int fd = sr_serve_sock_connect(path);

	if (fd < 0)
		return -1;
	if (peer != NULL)
		*peer = -1;
	if (sr_serve_sock_peer(fd, &uid, &pid) < 0 || uid != geteuid()) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* The calls wait for their reply: block. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (peer != NULL)
		*peer = pid;
	return fd;
}

/* Where sessions are hosted when no `sandrun serve` of ours hosts them:
 * a server of our own in the session directory, DIR/.serve (no session
 * has that name: a session's socket is NAME.sock), started by the first
 * call and locked by DIR/.serve.lock while it runs. */
#define HOST_WAIT_MS 5000	/* for a session host to answer */
#define HELLO_MS 1000


/* Ask the server at spath to host session name on path.  0 when it does
 * (or the session answers already), -1 with d when it refused, 1 when
 * no server of ours that hosts sessions (of our very binary, when
 * same_exe) answers there. */
static int
ask_host(const char *spath, bool same_exe, const char *name,
    const char *path, uint64_t idle_ms, uint64_t life_ms, struct sr_diag *d)
{
	unsigned char msg[SR_SERVE_SESSION_REQ_LEN];
	struct sr_serve_hello h;
	struct sr_serve_reply r;
	struct sr_serve_exe self;
	ssize_t n;
	uid_t uid;
	pid_t pid;
	int fd, ret = 1;

	if ((fd = sr_serve_sock_connect(spath)) < 0)
		return 1;
	if (sr_serve_sock_peer(fd, &uid, &pid) < 0 || uid != geteuid())
		goto out;
	n = sr_fdpass_recv_within(fd, &h, sizeof(h), HELLO_MS);
	if (n < 0 || sr_serve_hello_check(&h, (size_t)n, &h) < 0 ||
	    h.version != SR_SERVE_PROTOCOL || h.status != SR_SERVE_HELLO_OK ||
	    !(h.features & SR_SERVE_F_SESSION))
		goto out;
	if (same_exe && (sr_serve_sock_self(&self) < 0 ||
	    self.dev != h.exe.dev || self.ino != h.exe.ino ||
	    self.mtime_ns != h.exe.mtime_ns))
		goto out;
	if (sr_serve_session_build(name, path, idle_ms, life_ms, msg) < 0 ||
	    send(fd, msg, sizeof(msg), MSG_NOSIGNAL) != (ssize_t)sizeof(msg))
		goto out;
	n = sr_fdpass_recv_within(fd, &r, sizeof(r), HOST_WAIT_MS);
	if (n < 0 || sr_serve_reply_check(&r, (size_t)n, &r) < 0)
		goto out;
	if (r.type == SR_SERVE_REP_DONE)
		ret = 0;
	else if (r.type == SR_SERVE_REP_ERROR &&
	    strcmp(r.reason, "the server is shutting down") != 0)
		ret = sr_diag_kind(d, SR_DIAG_SETUP,
		    "session %s: the server at %s: %s", name, spath, r.reason);
out:
	close(fd);
	return ret;
}

/* The argv strings, for a title. */
static void
args_area(int argc, char **argv, char **area, size_t *len)
{
	*area = argv[0];
	*len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
}

/* The session host, in the grandchild: lock, listen, tell our caller
 * on p (1: listening, 3: another holds the lock, 2 and a diag: failed),
 * then serve.  Never returns. */
static void __attribute__((noreturn))
host_main(int p, const char *dir, const char *hpath, int argc, char **argv,
    sr_session_call_fn fn)
{
	struct sr_serve_opts o;
	struct sr_diag d;
	char lpath[128], ok = 2, *area;
	size_t alen;
	int lock = -1, lfd = -1;

	snprintf(lpath, sizeof(lpath), "%s/.serve.lock", dir);
	if (sr_serve_sock_private_dir(hpath, &d) == 0 &&
	    (lock = open(lpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		sr_diag_errno(&d, "session host lock %s", lpath);
	if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0)
		ok = 3;
	else if (lock >= 0 && (lfd = sr_serve_sock_listen(hpath, &d)) >= 0)
		ok = 1;
	if (ok == 2)
		(void)!write(p, &d, sizeof(d));
	(void)!write(p, &ok, 1);
	if (ok != 1)
		_exit(ok == 3 ? 0 : 125);
	/* Keep nothing of our caller's but the socket and the lock (out of
	 * the way first: either may be 3 or 4). */
	if ((lfd = fcntl(lfd, F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (lock = fcntl(lock, F_DUPFD_CLOEXEC, 10)) < 0 ||
	    dup2(lfd, 3) < 0 || dup2(lock, 4) < 0)
		_exit(125);
	close_range(5, ~0U, 0);
	if (sr_stdio_detach() < 0)
		_exit(125);
	args_area(argc, argv, &area, &alen);
	sr_session_retitle(area, alen, "sandrun serve (sessions)");
	sr_session_host_setup(fn, area, alen);
	memset(&o, 0, sizeof(o));
	o.socket = hpath;
	o.listen_fd = 3;
	o.sessions = true;
	_exit(sr_serve_run(&o, &d) < 0 ? 125 : 0);
}

/* Start a session host in the background (double fork, setsid).  0 when
 * it listens, 1 when another one is starting, -1 with d. */
static int
start_host(const char *dir, const char *hpath, int argc, char **argv,
    sr_session_call_fn fn, struct sr_diag *d)
{
	char buf[sizeof(*d) + 1];
	size_t got = 0;
	ssize_t n;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return sr_diag_errno(d, "pipe");
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return sr_diag_errno(d, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		setsid();
		if (fork() != 0)
			_exit(0);
		host_main(p[1], dir, hpath, argc, argv, fn);
	}
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	while (got < sizeof(buf) &&
	    ((n = read(p[0], buf + got, sizeof(buf) - got)) > 0 ||
	    (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	close(p[0]);
	if (got == 1 && (buf[0] == 1 || buf[0] == 3))
		return buf[0] == 1 ? 0 : 1;
	if (got == sizeof(buf)) {
		memcpy(d, buf, sizeof(*d));
		return -1;
	}
	return sr_diag_kind(d, SR_DIAG_SETUP, "session host %s: it did not start", hpath);
}

/* Have session name served on path: by a `sandrun serve` of ours, else
 * by our session host, started when none runs.  0, or -1 with d. */
static int
host(const char *name, const char *path, uint64_t idle_ms,
    uint64_t life_ms, int argc, char **argv, sr_session_call_fn fn,
    struct sr_diag *d)
{
	char spath[108], dir[108], hpath[128];
	uint64_t until = sr_now_ms() + HOST_WAIT_MS;
	int r;

	if (sr_serve_sock_default(spath, sizeof(spath)) == 0 &&
	    (r = ask_host(spath, true, name, path, idle_ms, life_ms, d)) <= 0)
		return r;
	if (sr_session_dir(dir, sizeof(dir), d) < 0)
		return -1;
	if ((size_t)snprintf(hpath, sizeof(hpath), "%s/.serve", dir) >=
	    sizeof(spath))
		return sr_diag_kind(d, SR_DIAG_SETUP, "session directory %s: path too long", dir);
	for (;;) {
		if ((r = ask_host(hpath, false, name, path, idle_ms, life_ms,
		    d)) <= 0)
			return r;
		if (sr_now_ms() >= until)
			return sr_diag_kind(d, SR_DIAG_SETUP,
			    "session %s: the session host at %s does not answer",
			    name, hpath);
		/* None answers: start one, or wait for the one starting
		 * (or ending: then the next round starts one). */
		if ((r = start_host(dir, hpath, argc, argv, fn, d)) < 0)
			return -1;
		if (r == 1)
			usleep(5000);
	}
}

/* Wait for the reply to what we sent on fd.  0, or -1 (the process
 * ended without one). */
static int
get_reply(int fd, struct sr_session_reply *rep)
{
	ssize_t n;

	do
		n = recv(fd, rep, sizeof(*rep), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*rep) || rep->magic != SR_SESSION_MAGIC)
		return -1;
	return 0;
}

int
sr_session_call(const char *name, uint64_t idle_ms, uint64_t life_ms,
    int argc, char **argv, sr_session_call_fn fn, int *status,
    struct sr_diag *d)
{
	char path[108];
	struct sr_session_reply rep;
	void *buf = NULL;
	size_t len;
	int fd, tries, fds[SR_SERVE_NFDS] = { 0, 1, 2, -1 };
	mode_t m = umask(022);

	umask(m);
	if (sr_session_path(name, path, sizeof(path), d) < 0)
		return -1;
	for (tries = 0; (fd = connect_session(path, NULL)) < 0; tries++) {
		if (tries > 0 || errno == EPERM)
			return sr_diag_kind(d, SR_DIAG_SETUP,
			    "session %s: cannot reach %s: %s", name, path,
			    strerror(errno));
		if (host(name, path, idle_ms, life_ms, argc, argv, fn, d) < 0)
			return -1;
	}
	if (sr_serve_request_build(argc - 1, argv + 1, environ, m, &buf,
	    &len) < 0) {
		close(fd);
		return sr_diag_kind(d, SR_DIAG_USAGE, "session %s: the command line or environment is too large", name);
	}
	if ((fds[3] = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		sr_diag_errno(d, "open the working directory");
		goto fail;
	}
	if (sr_fdpass_send(fd, buf, len, 0, fds, SR_SERVE_NFDS) < 0 ||
	    get_reply(fd, &rep) < 0) {
		sr_diag_kind(d, SR_DIAG_SETUP, "session %s: its process ended during the call", name);
		goto fail;
	}
	*status = rep.status;
	close(fds[3]);
	close(fd);
	free(buf);
	return 0;
fail:
	if (fds[3] >= 0)
		close(fds[3]);
	close(fd);
	free(buf);
	return -1;
}

/* A control message and its reply.  0; 1 when the session is busy with
 * a call (no reply within wait_ms < 0: wait), rep->pid set; -1 when no
 * session listens there. */
static int
control(const char *path, uint32_t type, int wait_ms,
    struct sr_session_reply *rep)
{
	struct sr_session_ctl c = { SR_SESSION_MAGIC, type };
	struct pollfd p;
	pid_t pid;
	int fd = connect_session(path, &pid), r = -1;

	if (fd < 0)
		return -1;
	p.fd = fd;
	p.events = POLLIN;
	if (sr_fdpass_send(fd, &c, sizeof(c), 0, NULL, 0) == 0) {
		if (wait_ms >= 0 && poll(&p, 1, wait_ms) == 0) {
			memset(rep, 0, sizeof(*rep));
			rep->pid = pid;
			r = 1;
		} else {
			r = get_reply(fd, rep);
		}
	}
	close(fd);
	return r;
}

int
sr_session_end(const char *name, struct sr_diag *d)
{
	char path[108];
	struct sr_session_reply rep;

	if (sr_session_path(name, path, sizeof(path), d) < 0)
		return -1;
	if (control(path, SR_SESSION_END, -1, &rep) < 0)
		return sr_diag_kind(d, SR_DIAG_USAGE, "--end-session: no session '%s'", name);
	return 0;
}

/* A session in a call does not answer before the call ends. */
static void
list_busy(cJSON *arr, bool json, const char *name, pid_t pid)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddBoolToObject(o, "busy", true);
	cJSON_AddNumberToObject(o, "pid", pid);
	cJSON_AddItemToArray(arr, o);
	if (!json)
		printf("%-20s (in a call)\n", name);
}

int
sr_session_list(bool json, struct sr_diag *d)
{
	char dir[108], path[512], name[SR_SESSION_NAME_MAX + 1];
	struct sr_session_reply rep;
	struct dirent *e;
	cJSON *arr = cJSON_CreateArray(), *o;
	char *s;
	size_t n;
	int busy;
	DIR *dp;

	if (sr_session_dir(dir, sizeof(dir), d) < 0)
		return -1;
	if ((dp = opendir(dir)) != NULL) {
		while ((e = readdir(dp)) != NULL) {
			n = strlen(e->d_name);
			if (n < 6 || n - 5 > SR_SESSION_NAME_MAX ||
			    strcmp(e->d_name + n - 5, ".sock") != 0)
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)(n - 5), e->d_name);
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if ((busy = control(path, SR_SESSION_INFO, 300, &rep)) < 0)
				continue;
			if (busy) {
				list_busy(arr, json, name, rep.pid);
				continue;
			}
			rep.policy[sizeof(rep.policy) - 1] = '\0';
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", name);
			cJSON_AddBoolToObject(o, "busy", false);
			cJSON_AddStringToObject(o, "policy", rep.policy);
			cJSON_AddNumberToObject(o, "calls", (double)rep.calls);
			cJSON_AddNumberToObject(o, "idle_expires_in_s", (double)rep.idle_in_s);
			cJSON_AddNumberToObject(o, "expires_in_s", (double)rep.expires_in_s);
			cJSON_AddNumberToObject(o, "pid", rep.pid);
			rep.freeze[sizeof(rep.freeze) - 1] = '\0';
			cJSON_AddBoolToObject(o, "asleep", rep.asleep != 0);
			cJSON_AddStringToObject(o, "sleep", rep.freeze);
			if (rep.max_calls == SR_UNLIMITED)
				cJSON_AddNullToObject(o, "max_calls");
			else
				cJSON_AddNumberToObject(o, "max_calls", (double)rep.max_calls);
			cJSON_AddItemToArray(arr, o);
			if (!json)
				printf("%-20s %-10s calls %-5llu %-7s idle expiry %llds  lifetime expiry %llds\n",
				    name, rep.policy[0] ? rep.policy : "-",
				    (unsigned long long)rep.calls,
				    rep.asleep ? "asleep" : "awake",
				    (long long)rep.idle_in_s,
				    (long long)rep.expires_in_s);
		}
		closedir(dp);
	}
	if (json) {
		s = cJSON_PrintUnformatted(arr);
		printf("%s\n", s);
		free(s);
	}
	cJSON_Delete(arr);
	return 0;
}
