/* session_srv.c - the session process: one sandbox, the calls of its
 * owner run in it one at a time, asleep in between, expiry. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box.h"
#include "export.h"
#include "sandbox.h"
#include "serve_proto.h"
#include "serve_sock.h"
#include "session.h"
#include "util.h"

extern char **environ;

static struct {
	char name[SR_SESSION_NAME_MAX + 1];
	char path[108];
	struct sr_box *box;
	struct sr_plan plan;		/* the sandbox's, adopted */
	struct sr_policy *policy;
	uint64_t calls, created_ms, last_ms, idle_ms, life_ms;
	bool active, restart_next, asleep;
} S;

bool
sr_session_active(void)
{
	return S.active;
}

/* The sandbox sleeps between calls: cgroup v2 freezes it, else its init
 * is stopped (the programs of a call are gone when it ends: init kills
 * what remains). */
static void
sleep_box(bool on)
{
	struct sr_box *b = S.box;
	char f[4096];
	int fd;

	if (b == NULL || b->pid <= 0 || S.asleep == on)
		return;
	S.asleep = on;
	if (b->cg.kind == SR_CGROUP_V2 && b->cg.v2_path != NULL) {
		snprintf(f, sizeof(f), "%s/cgroup.freeze", b->cg.v2_path);
		if ((fd = open(f, O_WRONLY | O_CLOEXEC)) >= 0) {
			bool ok = write(fd, on ? "1" : "0", 1) == 1;

			close(fd);
			if (ok)
				return;
		}
	}
	kill(b->pid, on ? SIGSTOP : SIGCONT);
}

static void
drop_box(void)
{
	if (S.box != NULL) {
		sleep_box(false);
		sr_sandbox_destroy(S.box);
	}
	S.box = NULL;
	S.asleep = false;
	sr_plan_free(&S.plan);
	sr_policy_free(S.policy);
	S.policy = NULL;
}

static bool
box_alive(void)
{
	return S.box != NULL && S.box->pid > 0 && kill(S.box->pid, 0) == 0;
}

static int
new_box(struct sr_plan *plan, struct sr_policy **policy, struct sr_diag *d)
{
	int saved[3], sp[2], i, nul, rc;

	S.plan = *plan;
	memset(plan, 0, sizeof(*plan));
	S.plan.policy = *policy;
	S.policy = *policy;
	*policy = NULL;
	/* Init outlives the call: it must not hold the caller's stdio (a
	 * pipe would never see EOF), so it inherits /dev/null. */
	/* Any copy of the caller's descriptors would be inherited: park
	 * them in flight on a socketpair while init is made. */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
		return sr_diag_errno(d, "socketpair");
	{
		int fds3[3] = { 0, 1, 2 };
		char c = 0;
		struct iovec iov = { &c, 1 };
		union { char b[CMSG_SPACE(3 * sizeof(int))]; struct cmsghdr a; } ctl;
		struct msghdr mh = { 0 };
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(3 * sizeof(int));
		memcpy(CMSG_DATA(cm), fds3, sizeof(fds3));
		if (sendmsg(sp[0], &mh, 0) != 1) {
			close(sp[0]);
			close(sp[1]);
			return sr_diag_errno(d, "sendmsg");
		}
	}
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		for (i = 0; i < 3; i++)
			dup2(nul, i);
		close(nul);
	}
	sr_export_keep_files();
	rc = sr_sandbox_create(&S.plan, &S.box, d);
	{
		char c;
		struct iovec iov = { &c, 1 };
		union { char b[CMSG_SPACE(3 * sizeof(int))]; struct cmsghdr a; } ctl;
		struct msghdr mh = { 0 };
		struct cmsghdr *cm;

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		if (recvmsg(sp[1], &mh, MSG_CMSG_CLOEXEC) == 1 &&
		    (cm = CMSG_FIRSTHDR(&mh)) != NULL &&
		    cm->cmsg_len == CMSG_LEN(3 * sizeof(int))) {
			memcpy(saved, CMSG_DATA(cm), sizeof(saved));
			for (i = 0; i < 3; i++) {
				dup2(saved[i], i);
				close(saved[i]);
			}
		}
		close(sp[0]);
		close(sp[1]);
	}
	if (rc < 0) {
		S.box = NULL;
		drop_box();
		return -1;
	}
	return 0;
}

int
sr_session_run(struct sr_plan *plan, struct sr_policy **policy,
    const struct sr_program *prog, struct sr_result *r,
    const struct sr_policy **used, int *export_fd, struct sr_diag *d)
{
	bool restarted = S.restart_next;
	uint64_t now;

	if (S.box != NULL && strcmp(S.policy->sha256, (*policy)->sha256) != 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "session %s runs policy %s with the limits of its first call; end it (--end-session) to change them",
		    S.name, S.policy->name);
	if (S.box != NULL && !box_alive()) {
		drop_box();
		restarted = true;
	}
	if (S.box == NULL && S.calls > 0)
		restarted = true;
	if (S.box != NULL) {
		/* What this call asks to see: its own format and files. */
		S.plan.export = plan->export;
		S.plan.format = plan->format;
		S.plan.verbose = plan->verbose;
		S.plan.quiet = plan->quiet;
	} else if (new_box(plan, policy, d) < 0)
		return -1;
	sleep_box(false);
	if (S.plan.policy != NULL && *policy != NULL &&
	    sr_sandbox_run(S.box, prog, d) < 0) {
		/* Its init died since the last call (a zombie passes
		 * box_alive): a new sandbox from this call's plan. */
		drop_box();
		restarted = true;
		if (new_box(plan, policy, d) < 0)
			return -1;
		sleep_box(false);
	} else if (S.plan.policy != NULL && *policy != NULL) {
		goto collect;
	}
	if (sr_sandbox_run(S.box, prog, d) < 0)
		goto failed;
collect:
	if (
sr_sandbox_collect(S.box, r, d) < 0) {
failed:
		drop_box();
		S.restart_next = true;
		return -1;
	}
	S.restart_next = !box_alive();
	S.calls++;
	now = sr_now_ms();
	S.last_ms = now;
	r->session.present = true;
	strlcpy(r->session.name, S.name, sizeof(r->session.name));
	r->session.call = S.calls;
	r->session.restarted = restarted;
	r->session.expires_in_s = (int64_t)((S.created_ms + S.life_ms - now) / 1000);
	*used = S.policy;
	*export_fd = sr_sandbox_export_fd(S.box);
	return 0;
}

/* One message with up to SR_SERVE_NFDS descriptors.  Length or -1. */
static ssize_t
recv_msg(int fd, void *buf, size_t len, int *fds, size_t *nfds)
{
	union {
		char b[CMSG_SPACE(SR_SERVE_NFDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	*nfds = 0;
	if (poll(&p, 1, 5000) <= 0)
		return -1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			*nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds, CMSG_DATA(cm), *nfds * sizeof(int));
		}
	if (n < 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		while (*nfds > 0)
			close(fds[--*nfds]);
		return -1;
	}
	return n;
}

/* Run a call with the client's descriptors as ours. */
static int
run_call(const struct sr_serve_request *req, int *fds,
    sr_session_call_fn fn)
{
	char **argv = sr_xcalloc(req->argc + 2, sizeof(char *));
	char **saved_env = environ;
	int i, status, nul;
	size_t k;

	argv[0] = (char *)"sandrun";
	for (k = 0; k < req->argc; k++)
		argv[k + 1] = req->argv[k];
	if (fchdir(fds[3]) < 0) {
		free(argv);
		return 125;
	}
	umask(req->umask);
	for (i = 0; i < 3; i++)
		dup2(fds[i], i);
	/* Only 0, 1 and 2 may stay: a sandbox made now inherits the rest. */
	for (i = 0; i < SR_SERVE_NFDS; i++) {
		close(fds[i]);
		fds[i] = -1;
	}
	environ = req->envp;
	S.active = true;
	status = fn((int)req->argc + 1, argv);
	S.active = false;
	fflush(stdout);
	fflush(stderr);
	environ = saved_env;
	if ((nul = open("/dev/null", O_RDWR)) >= 0) {
		for (i = 0; i < 3; i++)
			dup2(nul, i);
		if (nul > 2)
			close(nul);
	}
	if (chdir("/") < 0)
		status = 125;
	free(argv);
	return status;
}

static void
reply(int cfd, int status)
{
	struct sr_session_reply rep;
	uint64_t now = sr_now_ms();

	memset(&rep, 0, sizeof(rep));
	rep.magic = SR_SESSION_MAGIC;
	rep.status = status;
	rep.calls = S.calls;
	rep.expires_in_s = (int64_t)(S.created_ms + S.life_ms - now) / 1000;
	rep.idle_in_s = (int64_t)(S.last_ms + S.idle_ms - now) / 1000;
	rep.pid = getpid();
	if (S.policy != NULL)
		strlcpy(rep.policy, S.policy->name, sizeof(rep.policy));
	send(cfd, &rep, sizeof(rep), MSG_NOSIGNAL);
}

/* Serve one connection.  Returns true when the session is to end. */
static bool
serve_conn(int cfd, void *buf, sr_session_call_fn fn)
{
	struct sr_serve_request req;
	struct sr_session_ctl c;
	struct sr_diag d;
	int fds[SR_SERVE_NFDS];
	size_t nfds, i;
	ssize_t n;
	uid_t uid;
	pid_t pid;
	bool end = false;

	if (sr_serve_sock_peer(cfd, &uid, &pid) < 0 || uid != geteuid())
		return false;
	if ((n = recv_msg(cfd, buf, SR_SERVE_MSG_MAX, fds, &nfds)) < 0)
		return false;
	if ((size_t)n == sizeof(c) && nfds == 0) {
		memcpy(&c, buf, sizeof(c));
		if (c.magic == SR_SESSION_MAGIC) {
			end = c.type == SR_SESSION_END;
			if (end) {
				unlink(S.path);
				drop_box();
			}
			reply(cfd, 0);
		}
		return end;
	}
	memset(&req, 0, sizeof(req));
	if (sr_serve_request_parse(buf, (size_t)n, nfds, &req, &d) == 0 &&
	    req.type == SR_SERVE_REQ_RUN)
		reply(cfd, run_call(&req, fds, fn));
	sr_serve_request_free(&req);
	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return false;
}

void
sr_session_serve(int lfd, const char *name, uint64_t idle_ms,
    uint64_t life_ms, sr_session_call_fn fn)
{
	void *buf = sr_xmalloc(SR_SERVE_MSG_MAX);
	struct sr_diag d;
	struct pollfd p = { lfd, POLLIN, 0 };
	uint64_t now, due;
	int cfd, r;

	signal(SIGPIPE, SIG_IGN);
	strlcpy(S.name, name, sizeof(S.name));
	sr_session_path(name, S.path, sizeof(S.path), &d);
	S.idle_ms = idle_ms;
	S.life_ms = life_ms;
	S.created_ms = S.last_ms = sr_now_ms();
	for (;;) {
		now = sr_now_ms();
		due = MIN(S.last_ms + S.idle_ms, S.created_ms + S.life_ms);
		if (now >= due)
			break;
		r = poll(&p, 1, (int)MIN(due - now, 60000));
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		r = serve_conn(cfd, buf, fn);
		S.last_ms = sr_now_ms();
		if (r) {
			/* Gone before the reply is read: list sees no session. */
			unlink(S.path);
			drop_box();
			close(cfd);
			_exit(0);
		}
		sleep_box(true);
		close(cfd);
	}
	unlink(S.path);
	drop_box();
	_exit(0);
}
