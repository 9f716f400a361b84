/* serve_pool.c - the ready sandboxes of `sandrun serve`.
 *
 * One worker process per ready sandbox, forked by the server: it asks the
 * kernel to kill it with the server (PR_SET_PDEATHSIG SIGKILL; init has
 * its own on the worker), takes its own session, builds the plan of the
 * pool's policy with default options, creates the sandbox by the same
 * sr_sandbox_create a cold run calls, says READY and waits for one call.
 * The call is the client's request and descriptors; the worker becomes
 * the client's run (umask, working directory, stdio, environment), parses
 * the options as main does and runs them through sr_run (run.h), which
 * takes the ready sandbox only when the call fits it exactly and builds a
 * fresh one otherwise.  Once the result is out (printed, flushed) it
 * lets go of the client's descriptors, sends the server its end (W for
 * warm or C, and the exit status) and the client its DONE on the
 * connection the server passed with the call (one hop less than through
 * the server), then, when the server lets it go (after the client has gone),
 * destroys the sandbox it used and exits: the teardown (the sandbox's
 * processes, their memory, the cgroup) is off the client's path.  The
 * server reaps it then (sr_serve_pool_reap).  Each worker serves one
 * call.  The worker loads the pool's policy ahead too, recording the
 * files it read (policy_files.h): the call's run takes it instead of
 * loading it again while those files read the same.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
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

#include "box.h"
#include "cli.h"
#include "fdpass.h"
#include "plan.h"
#include "policy.h"
#include "policy_files.h"
#include "run.h"
#include "sandbox.h"
#include "serve_exec.h"
#include "util.h"

#define W_SOCK 3		/* the worker's end, after closefrom */
#define RETRY_MS 1000		/* after a worker that failed to create */
#define REAP_TICK_MS 5		/* reaping retiring workers, this often */
#define REPLY_WAIT_MS 1000	/* a worker's wait for the server's reply */

struct ready_msg {
	char tag;		/* 'R' */
	int64_t memory;		/* the worker's, init's and its warm driver's
				 * (memory_of), or -1 */
	uint64_t refill_us;	/* worker start to ready */
};

/* The worker's end of a call: sent once the result is out. */
struct end_msg {
	char tag;		/* 'W' (the ready sandbox) or 'C' */
	int32_t status;		/* the run's exit status */
};

extern char **environ;

static char *args_area;		/* the server's argv and environment */
static size_t args_len;

void
sr_serve_pool_args(char *area, size_t len)
{
	args_area = area;
	args_len = len;
}

static int64_t
proc_kb(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	long long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0) {
			kb = strtoll(line + strlen(key), NULL, 10);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : (int64_t)kb * 1024;
}

/* The memory of pid: its proportional set size (smaps_rollup), else,
 * where that is closed to us (init is not dumpable; without privilege
 * only root may read it), its resident set size (status), which counts
 * shared pages whole.  -1 when neither can be read. */
static int64_t
memory_of(pid_t pid)
{
	int64_t m = proc_kb(pid, "smaps_rollup", "Pss:");

	return m >= 0 ? m : proc_kb(pid, "status", "VmRSS:");
}

/* The memory of init's children (a warm driver with what it imported),
 * 0 when it has none, -1 when one cannot be read. */
static int64_t
children_memory(pid_t init)
{
	char path[64];
	int64_t sum = 0, m;
	long long c;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children", (long)init,
	    (long)init);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fscanf(f, "%lld", &c) == 1)
		if ((m = memory_of((pid_t)c)) < 0) {
			sum = -1;
			break;
		} else {
			sum += m;
		}
	fclose(f);
	return sum;
}

/* The pool's sandbox, as a call with no options would build it. */
static int
worker_create(const char *policy, struct sr_policy **p, struct sr_opts *o,
    struct sr_plan *plan, struct sr_box **b, struct sr_diag *d)
{
	char *argv[] = { (char *)"sandrun", (char *)"-p", (char *)policy,
	    (char *)"--exec", (char *)"true", NULL };

	if (sr_cli_parse(5, argv, o, d) < 0 ||
	    sr_policy_load(policy, p, d) < 0)
		return -1;
	sr_policy_hash(*p);
	/* the digest a call compares with, computed now, off its path */
	(void)sr_policy_sha256(*p);
	if (sr_plan_build(plan, *p, o, d) < 0)
		return -1;
	/* the policy's warm driver, if it has one, waits in the sandbox */
	plan->warm = (*p)->warm_command != NULL;
	/* and --file copies of a call can be made at run */
	plan->mounts.stage = true;
	/* init wipes them, as in a cold run: its /proc/1/cmdline shows
	 * nothing of the server's command line or environment */
	plan->args_area = args_area;
	plan->args_len = args_len;
	return sr_sandbox_create(plan, b, d);
}

/* Become the client's run: its umask, directory, stdio, environment. */
static int
worker_adopt(const struct sr_serve_request *req, int *fds, size_t nfds)
{
	int i;

	if (nfds != SR_SERVE_NFDS)
		return -1;
	umask(req->umask);
	if (fchdir(fds[3]) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			return -1;
	for (i = 0; i < SR_SERVE_NFDS; i++)
		if (fds[i] > 2)
			close(fds[i]);
	environ = req->envp;
	return 0;
}

static int null_fd = -1;	/* /dev/null, opened before the call */

/* The result is out: nothing of the client's stays open here (its
 * stdio, its directory), so nothing written later can reach it, and a
 * reader of its output sees EOF when the client is done. */
static void
worker_release(void)
{
	int i;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 3; i++)
		if (null_fd < 0 || dup2(null_fd, i) < 0)
			close(i);
	(void)!chdir("/");
}

/* The end of the call: to the server first (it counts the call and
 * replies to no one when it has this end), then the client's DONE on
 * its connection, as the server would have sent it.  In that order, the
 * server never takes the client's exit for a hang-up in the middle of
 * the call, and a `serve --status` the client runs next counts it.
 * Returns whether the server has the end. */
static bool
worker_end(const struct end_msg *e, int reply_fd)
{
	struct sr_serve_reply r;
	bool sent;

	sent = send(W_SOCK, e, sizeof(*e), MSG_NOSIGNAL) == (ssize_t)sizeof(*e);
	if (reply_fd < 0)
		return sent;
	if (sent) {
		sr_serve_reply_init(&r, SR_SERVE_REP_DONE, e->status, NULL);
		if (e->tag == 'W')
			r.flags |= SR_SERVE_REP_WARM;
		(void)send(reply_fd, &r, sizeof(r), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(reply_fd);
	return sent;
}

/* A call in the worker: the run's ready sandbox, the client's
 * connection, whether the server has the end. */
struct call {
	struct sr_run_ready ready;	/* first: call_out's cast */
	int reply_fd;
	bool ended;
};

/* The result is out (sr_run's out, or a call that did not parse): let
 * go of the client, send the end, before the run frees what it built. */
static int
call_out(struct sr_run_ready *ready, int status)
{
	struct call *c = (struct call *)ready;
	struct end_msg e;

	if (fflush(stdout) != 0 && status == 0)
		status = 125;
	worker_release();
	e.tag = ready->fits ? 'W' : 'C';
	e.status = status;
	c->ended = worker_end(&e, c->reply_fd);
	c->reply_fd = -1;	/* worker_end closed it */
	return status;
}

/* The call: parse it as main would, run it, send the end (W or C, the
 * exit status) once the result is out.  Returns the exit status; *b is
 * then the sandbox to destroy. */
static int
worker_call(struct sr_box **b, const struct sr_plan *plan,
    unsigned create_umask, struct sr_policy **pristine,
    const struct sr_policy_files *files)
{
	static char buf[SR_SERVE_MSG_MAX];
	struct sr_serve_request req;
	struct call c = { { *b, plan, false, true, *pristine, files, call_out },
	    -1, false };
	struct sr_run_ready *ready = &c.ready;
	struct sr_opts o;
	struct sr_diag d;
	int fds[SR_SERVE_NFDS + 1], status, reply_fd = -1;
	char **argv;
	size_t nfds, i;
	ssize_t n;

	n = sr_fdpass_recv(W_SOCK, buf, sizeof(buf), 0, fds, SR_SERVE_NFDS + 1,
	    &nfds, NULL);
	/* the client's connection after its descriptors (send_call) */
	if (nfds == SR_SERVE_NFDS + 1)
		reply_fd = fds[--nfds];
	if (n <= 0 || sr_serve_request_parse(buf, (size_t)n, nfds, &req,
	    &d) < 0 || req.type != SR_SERVE_REQ_RUN ||
	    worker_adopt(&req, fds, nfds) < 0) {
		if (reply_fd >= 0)	/* the server replies: no end */
			close(reply_fd);
		return -1;
	}
	c.reply_fd = reply_fd;
	/* init and the program inherit the umask of create: another one
	 * needs a sandbox of its own */
	if (req.umask != create_umask) {
		sr_sandbox_destroy(*b);
		*b = ready->box = NULL;
	}
	argv = sr_xcalloc(req.argc + 2, sizeof(char *));
	argv[0] = (char *)"sandrun";
	for (i = 0; i < req.argc; i++)
		argv[i + 1] = req.argv[i];
	if (sr_cli_parse((int)req.argc + 1, argv, &o, &d) < 0) {
		sr_run_print_diag(&d);
		status = call_out(ready, 125);
	} else {
		status = sr_run(&o, NULL, 0, ready);
	}
	*b = ready->box;	/* the one the run used: destroyed after */
	*pristine = ready->policy;	/* NULL when the run took it */
	if (c.ended) {
		/* the destroy after the server's reply and the client's
		 * exit: the server closes its end then (serve.c), so the
		 * CPU is theirs */
		struct pollfd p = { .fd = W_SOCK, .events = POLLIN };

		(void)poll(&p, 1, REPLY_WAIT_MS);
	}
	return status;
}

/* In the worker (a child of the server).  Never returns. */
static void
worker_main(const char *policy, int sock, pid_t parent)
{
	static struct sr_policy_files files;
	struct sr_policy *p = NULL, *pristine = NULL;
	struct sr_plan plan;
	struct sr_opts o;
	struct sr_box *b = NULL;
	struct sr_diag d;
	struct ready_msg m = { 'R', -1, 0 };
	unsigned mask;
	uint64_t t0 = sr_now_ns() / 1000;
	sigset_t none;
	int i, status = 125;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != parent)
		_exit(125);
	setsid();
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(sock, W_SOCK) < 0)
		_exit(125);
	closefrom(W_SOCK + 1);
	memset(&plan, 0, sizeof(plan));
	mask = umask(0);
	umask(mask);
	if (worker_create(policy, &p, &o, &plan, &b, &d) < 0) {
		fprintf(stderr, "sandrun serve: pool %s: %s\n", policy, d.msg);
		_exit(125);
	}
	/* the result's cgroup counters, opened now (init is cloned: it
	 * has none of them) and read with pread at the call's end */
	sr_cgroup_stats_open(&b->cg);
	/* and the call's pipes, program memfd, notify socket */
	sr_sandbox_prepare_run(b);
	/* above the stdio the call's client replaces */
	if ((i = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		null_fd = fcntl(i, F_DUPFD_CLOEXEC, W_SOCK + 1);
		close(i);
	}
	/* The policy as the call's run would load it, with what the load
	 * read: the run takes it while those files read the same.  Any
	 * failure here leaves the run to load it itself. */
	if (sr_policy_load_recorded(policy, &pristine, &files, &d) < 0)
		pristine = NULL;
	else {
		sr_policy_hash(pristine);
		(void)sr_policy_sha256(pristine);
	}
	m.refill_us = sr_now_ns() / 1000 - t0;
	m.memory = memory_of(getpid());
	if (m.memory >= 0 && memory_of(b->pid) >= 0 &&
	    children_memory(b->pid) >= 0)
		m.memory += memory_of(b->pid) + children_memory(b->pid);
	else
		m.memory = -1;
	if (send(W_SOCK, &m, sizeof(m), MSG_NOSIGNAL) == (ssize_t)sizeof(m))
		status = worker_call(&b, &plan, mask, &pristine, &files);
	/* The sandbox's processes die at once (init's SIGKILL takes its pid
	 * namespace with it); the rest of the teardown (reaping, the
	 * cgroup) takes only what CPU the next calls leave. */
	if (b != NULL && b->pid > 0)
		kill(b->pid, SIGKILL);
	(void)sched_setscheduler(0, SCHED_IDLE, &(struct sched_param){ 0 });
	sr_sandbox_destroy(b);
	_exit(status < 0 ? 125 : status);
}

static int
spawn(struct sr_serve_pool *pool)
{
	struct sr_serve_worker *w = &pool->w[pool->n_w];
	pid_t parent = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		worker_main(pool->policy, sv[1], parent);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	w->pid = pid;
	w->sock = sv[0];
	w->ready = false;
	pool->n_w++;
	return 0;
}

void
sr_serve_pool_fill(struct sr_serve_pool *pool)
{
	if (pool->failed_ms && sr_now_ms() - pool->failed_ms < RETRY_MS)
		return;
	while (pool->n_w < pool->size && pool->n_w < SR_SERVE_POOL_MAX)
		if (spawn(pool) < 0)
			break;
}

static void
remove_worker(struct sr_serve_pool *pool, unsigned i, bool reap)
{
	struct sr_serve_worker *w = &pool->w[i];

	close(w->sock);
	if (reap)
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	pool->w[i] = pool->w[--pool->n_w];
}

void
sr_serve_pool_poll(struct sr_serve_pool *pool)
{
	struct ready_msg m;
	unsigned i = 0;
	ssize_t n;

	while (i < pool->n_w) {
		struct sr_serve_worker *w = &pool->w[i];

		n = recv(w->sock, &m, sizeof(m), MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(m) && m.tag == 'R') {
			w->ready = true;
			pool->memory_per_ready = m.memory;
			pool->refill_us = m.refill_us;
		} else if (n == 0 || (n < 0 && errno != EAGAIN &&
		    errno != EWOULDBLOCK) || n > 0) {
			/* died before a call (create failed: it logged) */
			kill(w->pid, SIGKILL);
			remove_worker(pool, i, true);
			pool->failed_ms = sr_now_ms();
			continue;
		}
		i++;
	}
	pool->ready = 0;
	for (i = 0; i < pool->n_w; i++)
		pool->ready += pool->w[i].ready;
	sr_serve_pool_fill(pool);
}

static int
send_call(int sock, const struct sr_serve_request *req, const int fds[],
    int reply_fd)
{
	union {
		char b[CMSG_SPACE((SR_SERVE_NFDS + 1) * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { 0 };
	struct iovec iov;
	struct cmsghdr *cm;
	void *buf;
	size_t len;
	size_t nfds = SR_SERVE_NFDS + (reply_fd >= 0);
	ssize_t n;

	if (sr_serve_request_build((int)req->argc, req->argv, req->envp,
	    req->umask, &buf, &len) < 0)
		return -1;
	iov.iov_base = buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.b;
	mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, SR_SERVE_NFDS * sizeof(int));
	/* the client's connection last: the worker replies on it */
	if (reply_fd >= 0)
		memcpy(CMSG_DATA(cm) + SR_SERVE_NFDS * sizeof(int), &reply_fd,
		    sizeof(int));
	/* the socket stays non-blocking: the worker is reading, so room
	 * is there at once, else soon (no fcntl toggles on the path) */
	while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 &&
	    (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) &&
	    poll(&(struct pollfd){ .fd = sock, .events = POLLOUT }, 1,
	    REPLY_WAIT_MS) > 0)))
		;
	free(buf);
	return n == (ssize_t)len ? 0 : -1;
}

int
sr_serve_pool_call(struct sr_serve_pool *pool,
    const struct sr_serve_request *req, const int fds[], int reply_fd,
    struct sr_serve_call *call, struct sr_diag *d)
{
	struct sr_serve_worker w;
	unsigned i;
	int pidfd;

	sr_serve_pool_poll(pool);
	for (i = 0; i < pool->n_w && !pool->w[i].ready; i++)
		;
	if (i == pool->n_w)
		return 1;
	w = pool->w[i];
	pool->w[i] = pool->w[--pool->n_w];
	pool->ready--;
	pidfd = (int)syscall(SYS_pidfd_open, w.pid, 0);
	if (pidfd < 0 || send_call(w.sock, req, fds, reply_fd) < 0) {
		sr_diag_errno(d, pidfd < 0 ? "pidfd_open" : "hand the call to a ready sandbox");
		if (pidfd >= 0)
			close(pidfd);
		kill(w.pid, SIGKILL);
		close(w.sock);
		waitpid(w.pid, NULL, 0);
		sr_serve_pool_fill(pool);
		return -1;
	}
	/* pidfd_open's descriptor is close-on-exec already */
	memset(call, 0, sizeof(*call));
	call->pid = w.pid;
	call->pidfd = w.sock;	/* its end or its death makes it readable */
	call->procfd = pidfd;
	call->sock = w.sock;
	call->direct = reply_fd >= 0;
	call->pool = pool;
	call->started_ms = sr_now_ms();
	/* The replacement is built when the call has ended and its client
	 * has gone (serve.c): built now, it would take the CPU from the
	 * call. */
	return 0;
}

int
sr_serve_pool_end(struct sr_serve_call *call, int *status)
{
	struct end_msg e;

	if (call->sock < 0 || recv(call->sock, &e, sizeof(e), MSG_DONTWAIT) !=
	    (ssize_t)sizeof(e) || (e.tag != 'W' && e.tag != 'C'))
		return 0;
	call->warm = e.tag == 'W';
	*status = e.status;
	return 1;
}

void
sr_serve_pool_retire(struct sr_serve_call *call)
{
	struct sr_serve_pool *pool = call->pool;

	/* the worker destroys its sandbox once this is closed */
	shutdown(call->sock, SHUT_RDWR);
	if (pool->n_retiring < SR_SERVE_POOL_MAX)
		pool->retiring[pool->n_retiring++] = call->pid;
	else	/* too many at it: wait for this one */
		while (waitpid(call->pid, NULL, 0) < 0 && errno == EINTR)
			;
}

static void
reap_retiring(struct sr_serve_pool *pool, bool block)
{
	unsigned i = 0;
	pid_t r;

	while (i < pool->n_retiring) {
		while ((r = waitpid(pool->retiring[i], NULL,
		    block ? 0 : WNOHANG)) < 0 && errno == EINTR)
			;
		if (r == 0) {
			i++;
			continue;
		}
		pool->retiring[i] = pool->retiring[--pool->n_retiring];
	}
}

int
sr_serve_pool_reap(struct sr_serve_pool *pools, unsigned n, int timeout)
{
	bool busy = false;
	unsigned i;

	for (i = 0; i < n; i++) {
		reap_retiring(&pools[i], false);
		busy |= pools[i].n_retiring > 0;
	}
	if (busy && (timeout < 0 || timeout > REAP_TICK_MS))
		return REAP_TICK_MS;
	return timeout;
}

void
sr_serve_pool_stop(struct sr_serve_pool *pool)
{
	unsigned i;

	/* EOF makes a worker destroy its sandbox (cgroup included) */
	for (i = 0; i < pool->n_w; i++)
		shutdown(pool->w[i].sock, SHUT_RDWR);
	while (pool->n_w > 0)
		remove_worker(pool, 0, true);
	reap_retiring(pool, true);
	pool->ready = 0;
}
