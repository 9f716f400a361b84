/* sandbox.c - create, run and destroy a sandbox (sandbox.h); collect is
 * in supervise.c. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"
#include "chan.h"
#include "driver.h"
#include "export.h"
#include "filter_cache.h"
#include "hostcheck.h"
#include "initplan.h"
#include "ns.h"
#include "report.h"
#include "sandbox.h"
#include "util.h"

#define PIPE_SIZE (1 << 20)	/* capture pipes: fewer wakeups in a flood */
#define FAIL_WAIT_MS 2000	/* init's time to report its own failure */

extern char **environ;

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args of linux/sched.h up to the cgroup field (VER2);
 * declared here because linux/sched.h clashes with glibc's sched.h. */
struct sr_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
	    stack_size, tls, set_tid, set_tid_size, cgroup;
};

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Start init, in its user and pid namespaces only (ns.h: init makes
 * the others itself, beside our work after clone); *flags says which.
 * With a cgroup v2 leaf, clone3(CLONE_INTO_CGROUP) starts it directly
 * inside (*in_cgroup = true): no moment outside the limits and no write
 * to cgroup.procs.  Any failure of clone3 (older kernel, seccomp of an
 * outer container, permission) falls back to clone(2); the caller then
 * attaches init through cgroup.procs before the first run, and the
 * cgroup namespace comes with clone, as init cannot know when it is in
 * its cgroup.  Init joins cgroup v1 leaves itself (n_join), then makes
 * its cgroup namespace. */
static pid_t
start_init(const struct sr_cgroup *cg, int n_join, bool *in_cgroup,
    int *flags)
{
	*in_cgroup = false;
	*flags = SR_NS_CLONE_FLAGS;
	if (sr_host_userns_denied_for_test()) {
		errno = EPERM;	/* unit tests: a host without userns */
		return -1;
	}
#ifdef SYS_clone3
	if (cg->kind == SR_CGROUP_V2 && cg->v2_fd >= 0) {
		struct sr_clone_args a;
		long pid;

		memset(&a, 0, sizeof(a));
		a.flags = (uint64_t)*flags | CLONE_INTO_CGROUP;
		a.exit_signal = SIGCHLD;
		a.cgroup = (uint64_t)cg->v2_fd;
		pid = syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			*in_cgroup = pid > 0;
			return (pid_t)pid;
		}
	}
#endif
	if (cg->kind != SR_CGROUP_NONE && n_join == 0)
		*flags |= CLONE_NEWCGROUP;
	return (pid_t)syscall(SYS_clone, *flags | SIGCHLD, NULL, NULL,
	    NULL, 0);
}

/* -v: every limit with its value and the mechanism planned for it. */
static void
print_limits(const struct sr_limit_report *lim)
{
	char line[1024], v[48];
	size_t n = 0;
	int i;

	for (i = 0; i < SR_LIM_COUNT; i++) {
		const struct sr_limit_report *l = &lim[i];

		if (i == SR_LIM_CPUS && l->value != SR_UNLIMITED)
			/* asked for and, without a cgroup, not applied */
			snprintf(v, sizeof(v), "%llu.%03llu CPUs%s",
			    (unsigned long long)l->value / 1000,
			    (unsigned long long)l->value % 1000,
			    l->mech == SR_MECH_NONE ? " not applied" : "");
		else if (l->mech == SR_MECH_NONE || l->value == SR_UNLIMITED)
			snprintf(v, sizeof(v), "unlimited");
		else if (i == SR_LIM_WALL || i == SR_LIM_CPU)
			sr_fmt_duration(l->value, v, sizeof(v));
		else if (i == SR_LIM_PROCESSES || i == SR_LIM_OPEN_FILES)
			snprintf(v, sizeof(v), "%llu",
			    (unsigned long long)l->value);
		else
			sr_fmt_size(l->value, v, sizeof(v));
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s %s (%s)",
		    i ? ", " : "", sr_limit_name((enum sr_limit_id)i), v,
		    sr_mech_name(l->mech));
		if (n >= sizeof(line))
			break;
	}
	fprintf(stderr, "sandrun: limits: %s\n", line);
}

void
sr_box_reap(struct sr_box *b, bool kill_it)
{
	if (b->pid <= 0)
		return;
	if (kill_it)
		kill(b->pid, SIGKILL);
	while (wait4(b->pid, &b->init_ws, 0, &b->init_ru) < 0) {
		if (errno != EINTR) {
			memset(&b->init_ru, 0, sizeof(b->init_ru));
			break;
		}
	}
	b->pid = -1;
}

/* Something failed after clone.  If init failed too, its message is the
 * real cause: stop talking (init then ends wherever it waits), read what
 * it sent until its end closes, and prefer its diag to ours. */
static int
fail_after_clone(struct sr_box *b, struct sr_diag *d)
{
	uint64_t until = sr_now_ms() + FAIL_WAIT_MS;
	struct sr_msg m;
	int fds[SR_CHAN_MAX_FDS], nfds, i;
	bool reset = false;

	(void)shutdown(b->chan, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = b->chan, .events = POLLIN };
		uint64_t now = sr_now_ms();
		int k;

		if (now >= until ||
		    poll(&p, 1, (int)(until - now)) <= 0)
			break;
		k = sr_chan_recv(b->chan, &m, fds, &nfds);
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		if (k == 0 && !reset) {
			reset = true;	/* a DIAG may follow (wait_ready) */
			continue;
		}
		if (k <= 0)
			break;
		if (m.type == SR_MSG_DIAG) {
			*d = m.u.diag;
			break;
		}
	}
	sr_box_reap(b, true);
	return -1;
}

/* Wait for message WANT (READY, or a cold run's JOINED); a DIAG or the
 * end of init is the failure.  A JOINED not waited for is passed over. */
static int
wait_msg(struct sr_box *b, enum sr_msg_type want, struct sr_diag *d)
{
	struct sr_msg m;
	int fds[SR_CHAN_MAX_FDS], nfds, i, k;

	do {
		k = sr_chan_recv(b->chan, &m, fds, &nfds);
		if (k == 0)
			/* init ended with a message of ours unread (RUN of
			 * a cold create; GO when it failed before reading
			 * it): the reset is reported before the DIAG it
			 * sent, which comes next */
			k = sr_chan_recv(b->chan, &m, fds, &nfds);
		for (i = 0; i < nfds; i++)
			close(fds[i]);
	} while (k == 1 && m.type == SR_MSG_JOINED && want != SR_MSG_JOINED);
	if (k == 1 && m.type == want)
		return 0;
	if (k == 1 && m.type == SR_MSG_DIAG) {
		*d = m.u.diag;
	} else if (k == 1) {
		sr_diag_set(d, "the sandbox sent %s during setup",
		    sr_chan_type_name((enum sr_msg_type)m.type));
	} else if (k < 0) {
		sr_diag_errno(d, "read the channel");
	} else {
		sr_box_reap(b, false);
		return sr_diag_set(d, "the sandbox ended during setup (init %s %d)",
		    WIFSIGNALED(b->init_ws) ? "killed by signal" : "exited with",
		    WIFSIGNALED(b->init_ws) ? WTERMSIG(b->init_ws) :
		    WEXITSTATUS(b->init_ws));
	}
	sr_box_reap(b, true);
	return -1;
}

static int
wait_ready(struct sr_box *b, struct sr_diag *d)
{
	return wait_msg(b, SR_MSG_READY, d);
}

static void
plan_limits(struct sr_box *b)
{
	const struct sr_limits *l = &b->plan->policy->limits;
	struct sr_limit_report *r = b->limits;
	bool bound = sr_mounts_workdir_bound(&b->plan->mounts);

	r[SR_LIM_WALL].value = l->wall_ms;
	r[SR_LIM_WALL].mech = l->wall_ms == SR_UNLIMITED ? SR_MECH_NONE :
	    SR_MECH_SUPERVISOR;
	r[SR_LIM_OUTPUT].value = l->output;
	r[SR_LIM_OUTPUT].mech = SR_MECH_SUPERVISOR;
	r[SR_LIM_TMPFS_TMP].value = l->tmpfs_tmp;
	r[SR_LIM_TMPFS_TMP].mech = SR_MECH_TMPFS;
	r[SR_LIM_TMPFS_WORK].value = l->tmpfs_work;
	r[SR_LIM_TMPFS_WORK].mech = bound ? SR_MECH_NONE : SR_MECH_TMPFS;
	r[SR_LIM_TMPFS_SHM].value = l->tmpfs_shm;
	r[SR_LIM_TMPFS_SHM].mech = SR_MECH_TMPFS;
}

static void
fill_child(struct sr_box *b, int chan)
{
	const struct sr_plan *pl = b->plan;
	const struct sr_policy *p = pl->policy;
	struct sr_sandbox *c = &b->child;

	memset(c, 0, sizeof(*c));
	/* init's copy of the memory is init's own to change */
	c->plan = (struct sr_mount_plan *)&pl->mounts;
	c->shared = b->shm;
	c->filter = NULL;
	c->rlimits = &b->rl;
	c->hostname = p->hostname;
	c->loopback = p->network == SR_NETWORK_LOOPBACK;
	c->uid = p->uid;
	c->gid = p->gid;
	c->chan = chan;
	c->args_area = pl->args_area;
	c->args_len = pl->args_len;
	c->session = pl->loop;
}

/* The seccomp filter, compiled while init builds the root filesystem
 * (libseccomp takes milliseconds), into the page init inherited.  Init
 * reads it at RUN, which is sent after this, or, a pool's init with a
 * program stub, before READY once the length is in (so this must come
 * before waiting for READY). */
static int
compile_filter(struct sr_box *b, struct sr_diag *d)
{
	struct sr_filter_cache fc;
	int rc;

	b->filter = b->plan->filter;	/* the settings */
	b->filter.insns = NULL;
	/* a verified cached program, or a fresh compile (then stored) */
	sr_filter_cache_open(&fc, &b->plan->mounts);
	rc = sr_filter_cache_build(&fc, &b->plan->policy->syscalls,
	    &b->filter, d);
	sr_filter_cache_close(&fc);
	if (rc < 0)
		return -1;
	if (b->filter.len == 0 || b->filter.len > BPF_MAXINSNS)
		return sr_diag_set(d, "seccomp filter of %u instructions",
		    b->filter.len);
	memcpy(b->shm->insns, b->filter.insns,
	    b->filter.len * sizeof(b->shm->insns[0]));
	b->shm->notify = b->filter.notify;
	b->filter.send_listener = b->filter.notify &&
	    sr_notify_may_send(&b->plan->policy->syscalls);
	b->shm->send_listener = b->filter.send_listener;
	/* last: a pool's init may wait for it (child.c stub_pre_decide) */
	__atomic_store_n(&b->shm->len, b->filter.len, __ATOMIC_RELEASE);
	(void)syscall(SYS_futex, &b->shm->len, FUTEX_WAKE, 1, NULL, NULL, 0);
	return 0;
}

/* Until the warm driver is ready: its FACTS (kept for the call), init's
 * READY, the listener hand-over of its filter meanwhile. */
static int
wait_warm(struct sr_box *b, struct sr_diag *d)
{
	struct sr_msg m;
	int fds[SR_CHAN_MAX_FDS], nfds, i, k;

	for (;;) {
		struct pollfd p[2] = { { .fd = b->chan, .events = POLLIN },
			{ .fd = sr_notify_pollfd(&b->nt), .events = POLLIN } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			sr_diag_errno(d, "poll");
			return fail_after_clone(b, d);
		}
		if (p[1].revents)
			sr_notify_handle(&b->nt, p[1].revents);
		if (!p[0].revents)
			continue;
		k = sr_chan_recv(b->chan, &m, fds, &nfds);
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		if (k != 1 || m.type != SR_MSG_FACTS)
			break;
		b->warm_facts = m.u.facts;
		b->warm_facts.n_rlimits = 0;
		b->have_warm_facts = true;
	}
	if (k == 1 && m.type == SR_MSG_READY)
		return 0;
	if (k == 1 && m.type == SR_MSG_DIAG)
		*d = m.u.diag;
	else
		sr_diag_set(d, "the warm driver did not start (init %s)",
		    k == 0 ? "ended" : "sent something else");
	sr_box_reap(b, true);
	return -1;
}

/* A pool's sandbox of a policy with "warm": WARM brings init the
 * driver's argv and environment (the policy's, and where its control
 * socket is) and the notify socket of its filter. */
static int
start_warm(struct sr_box *b, struct sr_diag *d)
{
	const struct sr_policy *p = b->plan->policy;
	struct sr_program prog;
	struct sr_msg_run m;
	char **env = sr_xcalloc(p->n_env + 2, sizeof(char *));
	int fds[2], nfds = 1, rc;
	size_t i;

	for (i = 0; i < p->n_env; i++)
		env[i] = p->env[i];
	env[i] = (char *)SR_DRIVER_ENV;
	memset(&prog, 0, sizeof(prog));
	memset(&m, 0, sizeof(m));
	prog.argv = p->warm_command;
	prog.envp = env;
	prog.stdin_fd = -1;
	fds[0] = sr_program_pack(&prog, d);
	free(env);
	if (fds[0] < 0)
		return fail_after_clone(b, d);
	sr_notify_prepare(&b->nt, &b->filter, p->syscalls.errno_value);
	if (b->nt.child_sock >= 0) {
		fds[nfds++] = b->nt.child_sock;
		m.fds |= SR_RUN_NOTIFY;
	}
	rc = sr_chan_send(b->chan, SR_MSG_WARM, &m, sizeof(m), fds, nfds);
	close(fds[0]);
	close_fd(&b->nt.child_sock);
	if (rc < 0) {
		sr_diag_errno(d, "start the warm driver");
		return fail_after_clone(b, d);
	}
	b->warm = true;
	return wait_warm(b, d);
}

/* READY, then (unless seen already) init in its v1 cgroup leaves, which
 * it joined before GO.  Always before RUN: init is alive to be seen. */
static int
ready(struct sr_box *b, struct sr_diag *d)
{
	b->ready_pending = false;
	if (wait_ready(b, d) < 0)
		return -1;
	/* the namespaces, as init saw them before READY */
	sr_ns_seen_report(b->shm->ns_seen, &b->iso);
	if (b->child.n_cg_join > 0 && !b->iso.cgroup &&
	    sr_cgroup_confirm(&b->cg, b->pid, d) < 0)
		return fail_after_clone(b, d);
	b->iso.cgroup = b->cg.kind != SR_CGROUP_NONE;
	return 0;
}

/* A cold run may send RUN before READY once init is seen in its
 * cgroup (init joins first thing, or right after GO, so it normally is
 * by the time RUN is ready to go); if not yet, READY first, as a pool's
 * create does. */
static bool
may_run_early(struct sr_box *b)
{
	struct sr_diag scratch;

	if (b->child.n_cg_join > 0 &&
	    sr_cgroup_confirm(&b->cg, b->pid, &scratch) < 0)
		return false;
	b->iso.cgroup = b->cg.kind != SR_CGROUP_NONE;
	return true;
}

/* Whether RUN may go before READY: init seen in its cgroup, waiting for
 * its JOINED when it joins after GO (cg_late).  Init sends JOINED once in
 * its leaves, about a millisecond before READY, so RUN is there when it
 * is ready instead of one round trip later (92 of 100 cold runs as root
 * sent RUN after READY: 0.13 ms, profile.md round 6).  1: RUN may go;
 * 0: READY first; -1 with d: init failed meanwhile. */
static int
run_early(struct sr_box *b, struct sr_diag *d)
{
	if (may_run_early(b))
		return 1;
	if (!b->cg_late || !b->child.one_run || b->child.n_cg_join == 0)
		return 0;
	if (wait_msg(b, SR_MSG_JOINED, d) < 0)
		return -1;
	return may_run_early(b) ? 1 : 0;
}

/* Fewer runnable tasks on the machine than CPUs we may use (the
 * supervisor and the new init count): another one is probably idle.
 * On a busy machine the move would only queue us behind others. */
static bool
idle_cpu_likely(int ncpu)
{
	char buf[128], *slash;

	if (sr_read_text("/proc/loadavg", buf, sizeof(buf)) < 0)
		return false;
	/* "0.35 1.25 1.65 2/250 4242": runnable/total */
	slash = strchr(buf, '/');
	while (slash != NULL && slash > buf && slash[-1] != ' ')
		slash--;
	return slash != NULL && atoi(slash) <= ncpu;
}

/* Our CPU now, and our mask into saved, when we may use at least two
 * CPUs (else there is nothing to move): -1 otherwise. */
static int
cpu_and_mask(cpu_set_t *saved)
{
	int cpu = sched_getcpu();

	if (cpu < 0 || cpu >= CPU_SETSIZE ||
	    sched_getaffinity(0, sizeof(*saved), saved) < 0 ||
	    !CPU_ISSET(cpu, saved) || CPU_COUNT(saved) < 2)
		return -1;
	return cpu;
}

/* Init's first run.  A new task is often queued on its parent's CPU
 * (wake-affine placement) while another CPU idles, and then waits for
 * the supervisor's own work after clone (id maps, GO, cgroup check,
 * the filter) before it runs: 0.25 ms median, up to a tick (profile.md).
 * Once GO is sent, the supervisor moves itself off that CPU for the
 * rest (init needs nothing more from it until RUN), so init starts at
 * once and the two run side by side; its own mask is restored after (no
 * migration then).  Init, the program and their masks are untouched.
 * Nothing to do on one CPU or when the mask cannot be read or set. */
static bool
step_aside(cpu_set_t *saved)
{
	cpu_set_t other;
	int cpu = cpu_and_mask(saved);

	if (cpu < 0 || !idle_cpu_likely(CPU_COUNT(saved)))
		return false;
	other = *saved;
	CPU_CLR(cpu, &other);
	return sched_setaffinity(0, sizeof(other), &other) == 0;
}

static int after_go(struct sr_box *b, bool in_cgroup, struct sr_diag *d);
static int plan_cgroup(struct sr_box *b, struct sr_diag *d);

/* The cgroup v1 set up after clone (child.cg_late), while init makes
 * its namespaces: the plan's parts that depend on it into the shared
 * page, the leaves' files for GO (none open: attach init now, before
 * it makes its cgroup namespace at GO). */
static int
late_cgroup(struct sr_box *b, struct sr_diag *d)
{
	if (plan_cgroup(b, d) < 0)
		return -1;
	b->shm->rl = b->rl;
	b->shm->tmpfs_size[0] = b->plan->mounts.tmp_size;
	b->shm->tmpfs_size[1] = b->plan->mounts.work_size;
	b->shm->tmpfs_size[2] = b->plan->mounts.shm_size;
	b->child.n_cg_join = sr_cgroup_join_fds(&b->cg, b->child.cg_join);
	if (b->cg.kind != SR_CGROUP_NONE && b->child.n_cg_join == 0 &&
	    sr_cgroup_attach(&b->cg, b->pid, d) < 0)
		return -1;
	return 0;
}

/* Keep the next child on our CPU: newuidmap, spawned with vfork while
 * init makes its namespaces (~0.5 ms of CPU), was queued behind init on
 * the other CPU in a quarter of the runs as a user, and GO waited for it
 * (profile.md, round 6).  We sleep until it exits, so our CPU is free;
 * it inherits the mask (one CPU), which ends with it.  Our own mask is
 * restored after. */
static bool
stay_here(cpu_set_t *saved)
{
	cpu_set_t one;
	int cpu = cpu_and_mask(saved);

	if (cpu < 0)
		return false;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) == 0;
}

/* The id maps, then GO (with the cgroup's files when set up late). */
static int
send_go(struct sr_box *b, struct sr_diag *d)
{
	int n = b->child.cg_late ? b->child.n_cg_join : 0, i, rc;
	cpu_set_t saved;
	bool pinned = geteuid() != 0 && b->plan->sub_uid != 0 &&
	    stay_here(&saved);

	rc = sr_ns_write_maps(b->pid, b->child.uid, b->child.gid,
	    b->plan->sub_uid, &b->iso.host_uid, d);
	if (pinned)
		(void)sched_setaffinity(0, sizeof(saved), &saved);
	if (rc == 0 && (rc = sr_chan_send(b->chan, SR_MSG_GO, NULL, 0,
	    b->child.cg_join, n)) < 0)
		sr_diag_errno(d, "start the sandbox");
	for (i = 0; i < n; i++) {
		close(b->child.cg_join[i]);	/* init has its copies */
		b->child.cg_join[i] = -1;
	}
	return rc;
}

/* Clone init with b->child (filled) and the channel's other end. */
static int
clone_init(struct sr_box *b, bool *in_cgroup, struct sr_diag *d)
{
	int sv[2], i, flags;

	if (sr_chan_pair(sv) < 0)
		return sr_diag_errno(d, "socketpair");
	b->child.chan = sv[1];
	b->pid = start_init(&b->cg, b->child.n_cg_join, in_cgroup, &flags);
	if (b->pid == 0) {
		b->child.clone_flags = flags;
		close(sv[0]);
		_exit(sr_child_init(&b->child));
	}
	for (i = 0; i < b->child.n_cg_join; i++)
		close(b->child.cg_join[i]);	/* init has its copies */
	if (b->pid < 0) {
		int e = errno;
		char why[384];

		close(sv[0]);
		close(sv[1]);
		if (e == EPERM || e == ENOSPC || e == EINVAL || e == EUSERS) {
			sr_host_userns_why(e, why, sizeof(why));
			return sr_diag_set(d, "cannot create the sandbox: %s",
			    why);
		}
		errno = e;
		return sr_diag_errno(d, "clone");
	}
	close(sv[1]);
	b->child.chan = -1;
	b->chan = sv[0];
	return 0;
}

/* Once init is cloned: the late cgroup, GO, the filter; READY unless
 * created cold.  b->moved: we stepped aside already (b->saved). */
static int
after_clone(struct sr_box *b, bool wait, bool in_cgroup, struct sr_diag *d)
{
	int rc = b->cg_late ? late_cgroup(b, d) : 0;

	if (rc == 0)
		rc = send_go(b, d);
	if (rc < 0)
		rc = fail_after_clone(b, d);
	else if (!b->moved)
		b->moved = step_aside(&b->saved);
	if (rc == 0)
		rc = after_go(b, in_cgroup, d);
	if (b->moved)
		(void)sched_setaffinity(0, sizeof(b->saved), &b->saved);
	b->moved = false;
	if (rc < 0)
		return -1;
	if (!wait) {
		b->ready_pending = true;	/* sr_sandbox_run reads READY */
		return 0;
	}
	if (ready(b, d) < 0)
		return -1;
	return b->plan->warm && b->plan->policy->warm_command != NULL ?
	    start_warm(b, d) : 0;
}

static int
start(struct sr_box *b, bool wait, struct sr_diag *d)
{
	bool in_cgroup;

	fill_child(b, -1);
	sr_ns_host_ids(&b->child.host_ns);	/* init compares its own */
	b->child.one_run = !wait;
	/* a pool's sandbox whose program starts at the call: its stub
	 * (child.c), unless that program may be made dumpable (notify.h) */
	b->child.prefork = wait && !b->plan->loop &&
	    !(b->plan->warm && b->plan->policy->warm_command != NULL) &&
	    (!b->plan->filter.notify ||
	    sr_notify_may_send(&b->plan->policy->syscalls));
	b->child.cg_late = b->cg_late;
	/* cgroup v1: init writes itself into the leaves (cgroup.h) */
	if (!b->cg_late)
		b->child.n_cg_join = sr_cgroup_join_fds(&b->cg,
		    b->child.cg_join);
	if (clone_init(b, &in_cgroup, d) < 0)
		return -1;
	/* Init has work of its own before GO (its namespaces): with the
	 * cgroup to set up meanwhile, step aside now, else once GO is sent
	 * (init then has all it needs until RUN). */
	if (b->cg_late)
		b->moved = step_aside(&b->saved);
	return after_clone(b, wait, in_cgroup, d);
}

/* The supervisor's part of a start once init has GO, up to the filter
 * in init's page. */
static int
after_go(struct sr_box *b, bool in_cgroup, struct sr_diag *d)
{
	/* While init builds the root filesystem: join the cgroup, unless
	 * init joined by itself or was born inside.  Init forks a program
	 * only on RUN, after this. */
	if (b->cg.kind != SR_CGROUP_NONE && !in_cgroup && !b->cg_late &&
	    b->child.n_cg_join == 0 &&
	    sr_cgroup_attach(&b->cg, b->pid, d) < 0)
		return fail_after_clone(b, d);
	if (b->child.n_cg_join == 0 && sr_cgroup_confirm(&b->cg, b->pid, d) < 0)
		return fail_after_clone(b, d);
	if (compile_filter(b, d) < 0)
		return fail_after_clone(b, d);
	return 0;
}

/* The run's cgroup, and what depends on whether it has memory and pids
 * limits: the rlimits and the tmpfs sizes.  Before clone, or after it
 * (late_cgroup). */
static int
plan_cgroup(struct sr_box *b, struct sr_diag *d)
{
	const struct sr_plan *plan = b->plan;
	const struct sr_policy *p = plan->policy;

	if (sr_cgroup_setup(&b->cg, &p->limits, plan->cgroup_override,
	    b->limits, d) < 0)
		return -1;
	if (plan->verbose && b->cg.kind == SR_CGROUP_NONE && b->cg.why_none[0])
		fprintf(stderr, "sandrun: no cgroup: %s\n", b->cg.why_none);
	sr_rlimit_plan(&p->limits, b->cg.memory, b->cg.pids, &b->rl, b->limits);
	/* tmpfs pages are charged to the memory cgroup: size by its limit.
	 * The one place the plan changes after it was built: the sizes
	 * depend on the cgroup this sandbox got (see the report). */
	sr_mounts_fit_memory((struct sr_mount_plan *)&plan->mounts,
	    b->cg.memory ? p->limits.memory : SR_UNLIMITED, b->limits);
	if (plan->verbose)
		print_limits(b->limits);
	return 0;
}

/* A box with nothing in it yet, and its shared page. */
static struct sr_box *
box_new(struct sr_diag *d)
{
	struct sr_box *b = sr_xcalloc(1, sizeof(*b));

	b->pid = -1;
	b->chan = b->out_fd = b->err_fd = b->in_src = b->in_pipe = -1;
	b->export_fd = -1;
	b->pre_out[0] = b->pre_out[1] = b->pre_err[0] = b->pre_err[1] = -1;
	b->pre_prog = -1;
	b->cg.v2_fd = -1;
	sr_notify_prepare(&b->nt, NULL, 0);
	b->shm = mmap(NULL, sizeof(*b->shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b->shm == MAP_FAILED) {
		b->shm = NULL;
		sr_diag_errno(d, "mmap");
		sr_sandbox_destroy(b);
		return NULL;
	}
	return b;
}

static int
create(const struct sr_plan *plan, bool wait, struct sr_box **out,
    struct sr_diag *d)
{
	struct sr_box *b = box_new(d);

	if (b == NULL)
		return -1;
	b->plan = plan;
	b->create_steps = plan->mounts.n_steps;
	plan_limits(b);
	b->cg_late = sr_cgroup_after_clone(plan->cgroup_override);
	if (!b->cg_late && plan_cgroup(b, d) < 0)
		goto fail;
	if (start(b, wait, d) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	sr_sandbox_destroy(b);
	return -1;
}

int
sr_sandbox_create(const struct sr_plan *plan, struct sr_box **out,
    struct sr_diag *d)
{
	return create(plan, true, out, d);
}

struct sr_box *
sr_sandbox_early(char *args_area, size_t args_len,
    const char *cgroup_override)
{
	struct sr_diag scratch;
	struct sr_box *b;
	bool in_cgroup;

	/* cgroup v2 and --cgroup: clone3 into the leaf, made from the
	 * policy's limits first */
	if (!sr_cgroup_after_clone(cgroup_override) ||
	    (b = box_new(&scratch)) == NULL)
		return NULL;
	b->cg_late = true;
	b->child.plan = NULL;	/* init waits for PLAN (child.c) */
	b->child.shared = b->shm;
	b->child.args_area = args_area;
	b->child.args_len = args_len;
	b->child.one_run = true;
	b->child.cg_late = true;
	sr_ns_host_ids(&b->child.host_ns);
	if (clone_init(b, &in_cgroup, &scratch) < 0) {
		sr_sandbox_destroy(b);
		return NULL;	/* the usual clone says why, if it fails too */
	}
	/* init makes its namespaces while we load the policy */
	b->moved = step_aside(&b->saved);
	return b;
}

/* The early box b gets its plan: what init needs of it with PLAN, then
 * as a cold create goes on after clone. */
static int
create_early(const struct sr_plan *plan, struct sr_box *b,
    struct sr_diag *d)
{
	int fd;

	b->plan = plan;
	b->create_steps = plan->mounts.n_steps;
	plan_limits(b);
	fill_child(b, -1);
	b->child.one_run = true;
	b->child.cg_late = true;
	if ((fd = sr_initplan_pack(&b->child, d)) < 0)
		return fail_after_clone(b, d);
	if (sr_chan_send(b->chan, SR_MSG_PLAN, NULL, 0, &fd, 1) < 0) {
		sr_diag_errno(d, "send the plan");
		close(fd);
		return fail_after_clone(b, d);
	}
	close(fd);
	return after_clone(b, false, false, d);
}

int
sr_sandbox_create_cold(const struct sr_plan *plan, struct sr_box *early,
    struct sr_box **out, struct sr_diag *d)
{
	if (early != NULL && (early->pid <= 0 ||
	    !sr_cgroup_after_clone(plan->cgroup_override) ||
	    !sr_initplan_fits(&plan->mounts))) {
		sr_sandbox_destroy(early);	/* the usual way, then */
		early = NULL;
	}
	if (early == NULL)
		return create(plan, false, out, d);
	if (create_early(plan, early, d) < 0) {
		sr_sandbox_destroy(early);
		return -1;
	}
	*out = early;
	return 0;
}

/* A memfd holding text, for init to read.  The fd or -1 with d. */
static int
memfd_text(const char *name, const char *text, struct sr_diag *d)
{
	size_t len = strlen(text);
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return sr_diag_errno(d, "memfd_create");
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return sr_diag_errno(d, "write %s", name);
	}
	return fd;
}

/* The denied-call socket of the next run, with the filter's errno. */
static void
notify_arm(struct sr_box *b)
{
	sr_notify_finish(&b->nt, NULL, false);
	sr_notify_prepare(&b->nt, &b->filter,
	    b->plan->policy->syscalls.errno_value);
	b->nt_ready = true;
}

void
sr_sandbox_prepare_run(struct sr_box *b)
{
	if (b->pre_out[0] < 0 && pipe2(b->pre_out, O_CLOEXEC) < 0)
		b->pre_out[0] = b->pre_out[1] = -1;
	if (b->pre_err[0] < 0 && pipe2(b->pre_err, O_CLOEXEC) < 0)
		b->pre_err[0] = b->pre_err[1] = -1;
	if (b->pre_prog < 0)
		b->pre_prog = memfd_create("sandrun-program", MFD_CLOEXEC |
		    MFD_ALLOW_SEALING);
	if (!b->warm && !b->nt_ready)
		notify_arm(b);
}

/* A pipe made ahead (sr_sandbox_prepare_run), else a new one. */
static int
take_pipe(int pre[2], int p[2])
{
	if (pre[0] >= 0) {
		p[0] = sr_steal_fd(&pre[0]);
		p[1] = sr_steal_fd(&pre[1]);
		return 0;
	}
	return pipe2(p, O_CLOEXEC);
}

/* The descriptors of a RUN message, program ends, in chan.h's order
 * (the program's argv, environment and code in a memfd: program.h). */
static int
run_fds(struct sr_box *b, const struct sr_program *prog, int *fds,
    uint32_t *mask, struct sr_diag *d)
{
	int out[2], err[2], in[2] = { -1, -1 }, n = 0;

	if (take_pipe(b->pre_out, out) < 0)
		return sr_diag_errno(d, "pipe");
	if (take_pipe(b->pre_err, err) < 0) {
		close(out[0]);
		close(out[1]);
		return sr_diag_errno(d, "pipe");
	}
	/* Bigger capture pipes: a flood costs fewer wakeups.  Refused past
	 * the per-user pipe quota (fs.pipe-user-pages-soft): then 64 KiB. */
	(void)fcntl(out[0], F_SETPIPE_SZ, PIPE_SIZE);
	(void)fcntl(err[0], F_SETPIPE_SZ, PIPE_SIZE);
	b->out_fd = out[0];
	b->err_fd = err[0];
	fds[n++] = out[1];
	fds[n++] = err[1];
	if ((fds[n++] = b->pre_prog >= 0 ? sr_program_pack_into(prog,
	    sr_steal_fd(&b->pre_prog), d) : sr_program_pack(prog, d)) < 0)
		return -1;
	*mask = 0;
	if (prog->stdin_fd >= 0) {
		/* A relay, never our own fd: a tty would let the program
		 * push input to the host (TIOCSTI), a file be reopened. */
		if (pipe2(in, O_CLOEXEC) < 0)
			return sr_diag_errno(d, "pipe");
		(void)fcntl(in[1], F_SETFL, O_NONBLOCK);
		b->in_pipe = in[1];
		b->in_src = prog->stdin_fd;
		fds[n++] = in[0];
		*mask |= SR_RUN_STDIN;
	}
	if (b->warm) {
		/* the driver's filter and listener are from create; what
		 * the trusted warm-up was refused is not the call's */
		sr_notify_forget(&b->nt);
	} else if (!b->nt_ready) {
		notify_arm(b);
	}
	b->nt_ready = false;
	if (b->nt.child_sock >= 0) {
		fds[n++] = b->nt.child_sock;
		*mask |= SR_RUN_NOTIFY;
	}
	if (b->plan->export) {
		if ((b->export_fd = sr_export_channel(d)) < 0)
			return -1;
		fds[n++] = b->export_fd;
		*mask |= SR_RUN_EXPORT;
	}
	/* a call's --file copies, in a sandbox created before it */
	if (b->plan->mounts.n_steps > b->create_steps) {
		if ((fds[n++] = sr_mounts_pack_copies(&b->plan->mounts,
		    b->create_steps, d)) < 0)
			return -1;
		*mask |= SR_RUN_FILES;
	}
	/* a warm call's lower memory limit: its /proc/meminfo */
	if (b->call_memory && b->plan->mounts.meminfo != NULL) {
		if ((fds[n++] = memfd_text("sandrun-meminfo",
		    b->plan->mounts.meminfo, d)) < 0)
			return -1;
		*mask |= SR_RUN_MEMINFO;
	}
	return n;
}

/* A warm call's own rlimits, for init to lower the driver's to, or to
 * give the program it starts. */
static void
put_rlimits(struct sr_msg_run *m, const struct sr_rlimits *rl)
{
	int i;

	m->flags |= SR_RUNF_RLIMITS;
	for (i = 0; i < rl->n && i < SR_RUN_RLIMITS; i++) {
		m->rl_resource[i] = rl->resource[i];
		m->rl_value[i] = rl->value[i];
	}
	m->n_rlimits = (uint32_t)i;
}

int
sr_sandbox_run(struct sr_box *b, const struct sr_program *prog,
    struct sr_diag *d)
{
	struct sr_msg_run m;
	int fds[SR_CHAN_MAX_FDS], n, rc = -1, i, k;

	if (b->pid <= 0 || b->running)
		return sr_diag_set(d, "the sandbox is not waiting for a program");
	for (i = 0; i < SR_CHAN_MAX_FDS; i++)
		fds[i] = -1;
	memset(&m, 0, sizeof(m));
	n = run_fds(b, prog, fds, &m.fds, d);
	if (n >= 0 && b->ready_pending && (k = run_early(b, d)) <= 0 &&
	    (k < 0 || ready(b, d) < 0)) {
		rc = -1;	/* init failed or was not seen in its cgroup */
	} else if (n >= 0) {
		m.export_max = sr_export_total_max(
		    b->plan->policy->limits.tmpfs_work);
		if (b->warm && b->plan->loop)
			m.flags |= SR_RUNF_LOOP;
		if (b->call_rlimits)
			put_rlimits(&m, &b->rl);
		if (b->call_memory && b->cg.memory) {
			m.flags |= SR_RUNF_TMPFS;
			m.tmpfs[0] = b->plan->mounts.tmp_size;
			m.tmpfs[1] = b->plan->mounts.work_size;
			m.tmpfs[2] = b->plan->mounts.shm_size;
		}
		/* the CPU of the warm-up (or a session's earlier calls:
		 * plan.cpu_delta) is not the call's */
		memset(&b->cpu_base, 0, sizeof(b->cpu_base));
		if ((b->warm || b->plan->cpu_delta) &&
		    b->cg.kind != SR_CGROUP_NONE)
			(void)sr_cgroup_stats(&b->cg, &b->cpu_base);
		b->start = sr_now_ms();
		if (sr_chan_send(b->chan, SR_MSG_RUN, &m, sizeof(m), fds,
		    n) == 0) {
			b->running = true;
			rc = 0;
			/* created cold: init forks once set up, READY first
			 * on the channel */
			if (b->ready_pending && ready(b, d) < 0) {
				b->running = false;
				rc = -1;
			}
			b->start = sr_now_ms();
		} else {
			sr_diag_errno(d, "start the program");
			(void)fail_after_clone(b, d);
		}
	} else {
		n = 0;
		while (n < SR_CHAN_MAX_FDS && fds[n] >= 0)
			n++;
	}
	/* Our copies of the program's ends (the export memfd stays). */
	for (i = 0; i < n; i++)
		if (fds[i] != b->export_fd)
			close(fds[i]);
	b->nt.child_sock = -1;
	return rc;
}

void
sr_sandbox_adopt(struct sr_box *b, const struct sr_plan *plan)
{
	const struct sr_limits *l = &plan->policy->limits;

	b->plan = plan;
	b->limits[SR_LIM_WALL].value = l->wall_ms;
	b->limits[SR_LIM_WALL].mech = l->wall_ms == SR_UNLIMITED ?
	    SR_MECH_NONE : SR_MECH_SUPERVISOR;
	b->limits[SR_LIM_OUTPUT].value = l->output;
}

/* Is every rlimit of want at or below the one of have (a resource have
 * does not set is unlimited)? */
static bool
rlimits_lower(const struct sr_rlimits *have, const struct sr_rlimits *want)
{
	int i, j;

	for (i = 0; i < want->n; i++) {
		for (j = 0; j < have->n; j++)
			if (have->resource[j] == want->resource[i])
				break;
		if (j < have->n && (want->value[i].rlim_cur >
		    have->value[j].rlim_cur || want->value[i].rlim_max >
		    have->value[j].rlim_max))
			return false;
	}
	return true;
}

/* The data segment (VmData, what RLIMIT_DATA bounds) of init's child,
 * the warm driver, in bytes; 0 when it cannot be found.  Forked after
 * init: only the pids above init's are read (pids wrap rarely; then 0,
 * and the lowered limit still holds and is reported as it is). */
static uint64_t
driver_data(const struct sr_box *b)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	long long kb = -1;

	while (dir != NULL && kb < 0 && (e = readdir(dir)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end == '\0' && pid > (long)b->pid &&
		    sr_proc_status(pid, "\nPPid:") == (long long)b->pid)
			kb = sr_proc_status(pid, "\nVmData:");
	}
	if (dir != NULL)
		closedir(dir);
	return kb > 0 ? (uint64_t)kb * 1024 : 0;
}

int
sr_sandbox_lower_limits(struct sr_box *b, const struct sr_limits *was,
    struct sr_diag *d)
{
	const struct sr_limits *l = &b->plan->policy->limits;
	struct sr_limit_report rep[SR_LIM_COUNT];
	struct sr_rlimits rl;

	if (b->plan->loop || b->running)
		return sr_diag_set(d, "limits of a session's or a running sandbox");
	memcpy(rep, b->limits, sizeof(rep));
	if (sr_cgroup_lower(&b->cg, was, l, rep, d) < 0)
		return -1;
	sr_rlimit_plan(l, b->cg.memory, b->cg.pids, &rl, rep);
	if (!rlimits_lower(&b->rl, &rl))
		return sr_diag_set(d, "the call's rlimits are not all lower");
	/* RLIMIT_DATA below what the driver holds already: no allocation
	 * would succeed, where a cold run starts small; cold then */
	if (l->memory != was->memory && !b->cg.memory && b->warm &&
	    driver_data(b) >= l->memory)
		return sr_diag_set(d, "memory limit below the ready sandbox's use");
	/* the tmpfs follow the call's memory cgroup limit, as at a cold
	 * create (init resizes them at RUN, with /proc/meminfo) */
	if (l->memory != was->memory && b->cg.memory)
		sr_mounts_fit_memory((struct sr_mount_plan *)&b->plan->mounts,
		    l->memory, rep);
	b->call_memory = l->memory != was->memory;
	b->rl = rl;
	b->call_rlimits = true;
	memcpy(b->limits, rep, sizeof(rep));
	return 0;
}

int
sr_sandbox_export_fd(const struct sr_box *b)
{
	return b->export_fd;
}

void
sr_sandbox_destroy(struct sr_box *b)
{
	if (b == NULL)
		return;
	if (b->moved)
		(void)sched_setaffinity(0, sizeof(b->saved), &b->saved);
	b->moved = false;
	if (b->pid > 0 && b->chan >= 0 && !b->running)
		(void)sr_chan_send(b->chan, SR_MSG_EXIT, NULL, 0, NULL, 0);
	close_fd(&b->chan);
	sr_box_reap(b, b->running);
	if (b->cg.kind != SR_CGROUP_NONE)
		sr_cgroup_kill(&b->cg);
	sr_cgroup_destroy(&b->cg);
	sr_notify_finish(&b->nt, NULL, false);
	sr_filter_free(&b->filter);
	if (b->shm != NULL)
		munmap(b->shm, sizeof(*b->shm));
	close_fd(&b->out_fd);
	close_fd(&b->err_fd);
	close_fd(&b->in_pipe);
	close_fd(&b->export_fd);
	close_fd(&b->pre_out[0]);
	close_fd(&b->pre_out[1]);
	close_fd(&b->pre_err[0]);
	close_fd(&b->pre_err[1]);
	close_fd(&b->pre_prog);
	free(b);
}
