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
#include "fdpass.h"
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
	struct sr_limits base;		/* the policy's limits at create */
	struct sr_session_freeze fz;
	uint64_t calls, created_ms, last_ms, idle_ms, life_ms, max_calls;
	uint64_t req_idle_ms, req_life_ms;	/* the command line's, or 0 */
	bool active, configured, ran;
	bool lost;			/* the last session of this name died */
	int lfd, cfd;			/* listening, the call's connection */
} S;

bool
sr_session_active(void)
{
	return S.active;
}

/* An override (or the default) within its ceiling; -1 with d. */
static int
within(uint64_t v, uint64_t max, const char *opt, const char *key,
    bool size, const struct sr_policy *p, struct sr_diag *d)
{
	char a[32], b[32];

	if (v <= max)
		return 0;
	if (size) {
		sr_fmt_size(v, a, sizeof(a));
		sr_fmt_size(max, b, sizeof(b));
	} else {
		snprintf(a, sizeof(a), "%llu", (unsigned long long)v);
		snprintf(b, sizeof(b), "%llu", (unsigned long long)max);
	}
	return sr_diag_kind(d, SR_DIAG_USAGE,
	    "%s %s: above the session ceiling of policy %s (session.ceilings.%s: %s)",
	    opt, a, p->name, key, b);
}

int
sr_session_apply(struct sr_policy *p, const struct sr_opts *o,
    struct sr_diag *d)
{
	const struct sr_session_limits *s = &p->session, *m = &p->session_max;
	uint64_t mem = o->set & SR_SET_MEMORY ? o->memory : s->memory;
	uint64_t pids = o->set & SR_SET_PIDS ? o->pids : s->processes;
	uint64_t life = S.req_life_ms ? S.req_life_ms : s->lifetime_ms;
	uint64_t idle = S.req_idle_ms ? S.req_idle_ms : s->idle_ms;

	if (within(mem, m->memory, "--memory", "memory", true, p, d) < 0 ||
	    within(pids, m->processes, "--pids", "processes", false, p, d) < 0)
		return -1;
	p->limits.memory = mem;
	p->limits.processes = pids;
	p->limits.tmpfs_tmp = s->tmpfs_tmp;
	p->limits.tmpfs_work = s->tmpfs_work;
	p->limits.tmpfs_shm = s->tmpfs_shm;
	if (S.configured)
		return 0;
	if (within(life / 1000, m->lifetime_ms / 1000, "--session-lifetime (s)",
	    "lifetime", false, p, d) < 0 ||
	    within(idle / 1000, m->idle_ms / 1000, "--session-idle (s)", "idle",
	    false, p, d) < 0)
		return -1;
	S.life_ms = life;
	S.idle_ms = idle;
	S.max_calls = s->calls;
	S.configured = true;
	return 0;
}

/* Asleep between calls (session_freeze.c). */
static void
sleep_box(bool on)
{
	if (S.box == NULL || S.box->pid <= 0 || S.fz.frozen == on ||
	    (!on && S.fz.mech == SR_FREEZE_NONE))
		return;
	(void)sr_session_freeze(&S.fz, S.box->pid, on);
	S.fz.frozen = on;
}

static void
drop_box(void)
{
	if (S.box != NULL) {
		sleep_box(false);
		sr_sandbox_destroy(S.box);
	}
	sr_session_freeze_end(&S.fz);
	S.box = NULL;
	sr_plan_free(&S.plan);
	sr_policy_free(S.policy);
	S.policy = NULL;
}

/* Is init alive: not a zombie (kill 0 passes those), and no SIGKILL
 * pending (a frozen task dies only once thawed)? */
static bool
box_alive(void)
{
	char p[64], st[2048], *s;
	unsigned long long pend;

	if (S.box == NULL || S.box->pid <= 0 || kill(S.box->pid, 0) < 0)
		return false;
	snprintf(p, sizeof(p), "/proc/%d/status", (int)S.box->pid);
	if (sr_read_text(p, st, sizeof(st)) < 0)
		return false;
	if ((s = strstr(st, "\nState:\t")) == NULL || s[8] == 'Z' ||
	    s[8] == 'X')
		return false;
	for (s = st; (s = strstr(s, "Pnd:\t")) != NULL; s += 5)
		if (sscanf(s + 5, "%llx", &pend) == 1 && (pend & (1ULL << (SIGKILL - 1))))
			return false;
	return true;
}

/* While the sandbox is made, init must not inherit what outlives a call
 * or belongs to the session process: the caller's stdio (a pipe would
 * never see EOF), the listening socket and the call's connection (a
 * frozen init would keep the session's socket answering).  Each is
 * parked in flight on a socketpair, /dev/null holding its number, and
 * put back after. */
static int
park(int sp[2], bool on, struct sr_diag *d)
{
	int fds[5] = { 0, 1, 2, S.lfd, S.cfd }, got[SR_FDPASS_MAX], i, nul;
	size_t n = S.cfd >= 0 ? 5 : S.lfd >= 0 ? 4 : 3, k = 0;
	char c = 0;

	if (on) {
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
			return sr_diag_errno(d, "socketpair");
		if (sr_fdpass_send(sp[0], &c, 1, 0, fds, n) < 0) {
			close(sp[0]);
			close(sp[1]);
			return sr_diag_errno(d, "sendmsg");
		}
		if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
			for (i = 0; i < (int)n; i++)
				dup3(nul, fds[i], i < 3 ? 0 : O_CLOEXEC);
			close(nul);
		}
		return 0;
	}
	if (sr_fdpass_recv(sp[1], &c, 1, 0, got, SR_FDPASS_MAX, &k, NULL) == 1 &&
	    k == n)
		for (i = 0; i < (int)n; i++)
			dup3(got[i], fds[i], i < 3 ? 0 : O_CLOEXEC);
	for (i = 0; i < (int)k; i++)
		close(got[i]);
	close(sp[0]);
	close(sp[1]);
	return 0;
}

/* A sandbox from the call's plan and policy, which become the session's. */
static int
new_box(struct sr_plan *plan, struct sr_policy **policy, struct sr_diag *d)
{
	int sp[2], rc;

	S.plan = *plan;
	memset(plan, 0, sizeof(*plan));
	S.plan.policy = *policy;
	S.policy = *policy;
	S.base = S.policy->limits;
	*policy = NULL;
	if (park(sp, true, d) < 0) {
		drop_box();
		return -1;
	}
	sr_export_keep_files();
	rc = sr_sandbox_create(&S.plan, &S.box, d);
	park(sp, false, d);
	if (rc < 0) {
		S.box = NULL;
		drop_box();
		return -1;
	}
	sr_session_freeze_setup(&S.fz, S.box);
	return 0;
}

/* The call's policy is the session's but for the per-call limits (wall
 * time and output, which the supervisor enforces from run on). */
static bool
same_policy(struct sr_policy *p)
{
	struct sr_limits saved = p->limits;
	bool same;

	p->limits.wall_ms = S.base.wall_ms;
	p->limits.output = S.base.output;
	sr_policy_hash(p);
	same = strcmp(sr_policy_sha256(p), sr_policy_sha256(S.policy)) == 0;
	p->limits = saved;
	sr_policy_hash(p);
	return same;
}

static void
fill_result(struct sr_result *r, bool restarted, int slept)
{
	uint64_t now = sr_now_ms(), end = S.created_ms + S.life_ms;

	r->session.present = true;
	strlcpy(r->session.name, S.name, sizeof(r->session.name));
	r->session.call = S.calls;
	r->session.restarted = restarted;
	r->session.expires_in_s = now < end ? (int64_t)((end - now) / 1000) : 0;
	r->session.lifetime_ms = S.life_ms;
	r->session.idle_ms = S.idle_ms;
	r->session.max_calls = S.max_calls;
	r->session.sleep = sr_session_freeze_name(S.fz.mech);
	r->session.slept = slept;
}

int
sr_session_run(struct sr_plan *plan, struct sr_policy **policy,
    const struct sr_program *prog, struct sr_result *r,
    const struct sr_policy **used, int *export_fd, struct sr_diag *d)
{
	bool restarted = false, fresh = false;
	int slept = -1;

	plan->interrupt_ms = SR_SESSION_INTERRUPT_MS;
	plan->cpu_delta = true;
	/* the policy's warm driver keeps the interpreter across calls */
	plan->warm = (*policy)->warm_command != NULL;
	plan->loop = true;

	if (S.box != NULL && !same_policy(*policy))
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "session %s runs policy %s with the limits of its first call; end it (--end-session) to change them",
		    S.name, S.policy->name);
	if (S.box != NULL && !box_alive())
		drop_box();
	if (S.box == NULL) {
		restarted = S.calls > 0 || S.lost;
		S.lost = false;
		if (new_box(plan, policy, d) < 0)
			return -1;
		fresh = true;
	} else {
		slept = S.fz.observed ? 1 : 0;
		sleep_box(false);
		sr_sandbox_adopt(S.box, plan);
	}
	if (sr_sandbox_run(S.box, prog, d) < 0) {
		/* Its init died since the last call: a new sandbox from
		 * this call's plan (not adopted yet when the box was old). */
		if (fresh)
			goto failed;
		drop_box();
		restarted = true;
		slept = -1;
		if (new_box(plan, policy, d) < 0 ||
		    sr_sandbox_run(S.box, prog, d) < 0)
			goto failed;
		fresh = true;
	}
	if (sr_sandbox_collect(S.box, r, d) < 0)
		goto failed;
	S.calls++;
	fill_result(r, restarted, slept);
	r->session.lost = !box_alive();
	*used = fresh ? S.policy : *policy;
	*export_fd = sr_sandbox_export_fd(S.box);
	return 0;
failed:
	/* The call ran into a dead sandbox: said in its result. */
	S.calls++;
	fill_result(r, restarted, slept);
	r->session.lost = true;
	drop_box();
	return -1;
}

/* After the call's report: the sandbox is its own plan's again. */
static void
after_call(void)
{
	if (S.box != NULL)
		sr_sandbox_adopt(S.box, &S.plan);
}

/* One message with up to SR_SERVE_NFDS descriptors.  Length or -1. */
static ssize_t
recv_msg(int fd, void *buf, size_t len, int *fds, size_t *nfds)
{
	struct pollfd p = { fd, POLLIN, 0 };
	bool trunc = false;
	ssize_t n;

	*nfds = 0;
	if (poll(&p, 1, 5000) <= 0)
		return -1;
	n = sr_fdpass_recv(fd, buf, len, MSG_DONTWAIT, fds, SR_SERVE_NFDS,
	    nfds, &trunc);
	if (n <= 0 || trunc) {
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
	int i, status;
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
	S.ran = true;
	status = fn((int)req->argc + 1, argv);
	S.active = false;
	after_call();
	fflush(stdout);
	fflush(stderr);
	environ = saved_env;
	if (sr_stdio_detach() < 0)
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
	rep.asleep = S.fz.frozen;
	rep.max_calls = S.max_calls;
	if (S.policy != NULL)
		strlcpy(rep.policy, S.policy->name, sizeof(rep.policy));
	strlcpy(rep.freeze, sr_session_freeze_name(S.fz.mech),
	    sizeof(rep.freeze));
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
sr_session_serve(int lfd, const char *name, const char *path,
    uint64_t idle_ms, uint64_t life_ms, bool lost, sr_session_call_fn fn)
{
	void *buf = sr_xmalloc(SR_SERVE_MSG_MAX);
	struct pollfd p = { lfd, POLLIN, 0 };
	uint64_t now, due;
	int cfd, r;

	S.lfd = lfd;
	S.cfd = -1;
	signal(SIGPIPE, SIG_IGN);
	strlcpy(S.name, name, sizeof(S.name));
	strlcpy(S.path, path, sizeof(S.path));
	/* Until the first call sets them (sr_session_apply). */
	S.req_idle_ms = idle_ms;
	S.req_life_ms = life_ms;
	S.lost = lost;
	S.idle_ms = S.life_ms = 60 * 1000;
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
		S.cfd = cfd;
		r = serve_conn(cfd, buf, fn);
		S.cfd = -1;
		S.last_ms = sr_now_ms();
		/* Over when its first call made no sandbox, or at its last. */
		if (S.ran && (!S.configured || (S.box == NULL && S.calls == 0) ||
		    S.calls >= S.max_calls))
			r = true;
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
