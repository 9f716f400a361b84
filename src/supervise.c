#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/param.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"
#include "chan.h"
#include "classify.h"
#include "report.h"
#include "sandbox.h"
#include "treecpu.h"
#include "util.h"
#include "value.h"

#define GRACE_MS 1000		/* SIGTERM to SIGKILL after an interrupt */
#define STOP_GRACE_MS 2000	/* init's time to clean up after a limit */
#define DRAIN_MS 2000		/* reading leftovers after the sandbox died */
#define CPU_POLL_MS 100		/* cgroup CPU usage check, at most this apart */
#define TREE_CPU_GRACE_MS 1000	/* past the limit: a cold run's hard rlimit */
#define RELAY_BUF (64 * 1024)	/* stdin relay: bounded memory */
#define SPLICE_CHUNK (1 << 20)

/* P_OUTW: our own stdout, watched for POLLOUT while a splice to it
 * would block (text mode, stdout a pipe). */
/* P_IN: what we relay to the program's stdin; P_INW: the pipe to it. */
enum { P_OUT, P_ERR, P_CHAN, P_SIG, P_NOTIFY, P_OUTW, P_IN, P_INW, P_N };

struct pass {
	uint64_t passed;	/* text mode: bytes written through */
	bool closed;		/* our own stdout/stderr is gone (EPIPE) */
};

/* Text mode stdout without copying through our memory: splice(2) from
 * the capture pipe to our stdout (a pipe or a regular file) up to the
 * cap, then to /dev/null.  The bytes are counted, not captured (text
 * mode renders no stdout capture). */
struct fast {
	bool on;		/* splice is used for stdout */
	bool out_pipe;		/* our stdout is a pipe: non-blocking splice */
	bool blocked;		/* waiting for POLLOUT on our stdout */
	int in_fd;		/* the capture pipe, parked while blocked */
	int null_fd;		/* /dev/null for the discarded part */
};

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Hand one chunk of program output to the capture or to our own stream. */
static void
consume(const struct sr_plan *pl, struct sr_capture *c, struct pass *ps, int ofd,
    const char *buf, size_t n, bool *over)
{
	uint64_t cap = pl->policy->limits.output;

	sr_capture_feed(c, buf, n);
	if (c->total > cap)
		*over = true;
	if (pl->format != SR_FORMAT_TEXT || ps->closed)
		return;
	if (ps->passed < cap) {
		size_t k = cap - ps->passed < n ? (size_t)(cap - ps->passed) : n;

		if (sr_write_all(ofd, buf, k) < 0)
			ps->closed = true;	/* EPIPE: keep counting */
		ps->passed += k;
	}
}

/* Move what is ready in the capture pipe fd to our stdout (or to
 * /dev/null past the cap).  Returns 1 when data moved, 0 at EOF, -1 when
 * the pipe has nothing (EAGAIN), -2 when our stdout would block, -3 when
 * splice cannot be used here (the caller falls back to read/write). */
static int
fast_move(const struct sr_plan *pl, struct fast *f, struct sr_capture *c,
    struct pass *ps, int fd)
{
	uint64_t cap = pl->policy->limits.output;
	bool through = !ps->closed && ps->passed < cap;
	size_t want = SPLICE_CHUNK;
	ssize_t k;
	int to;

	if (through && cap - ps->passed < want)
		want = (size_t)(cap - ps->passed);
	if (!through && f->null_fd < 0) {
		f->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (f->null_fd < 0)
			return -3;
	}
	to = through ? STDOUT_FILENO : f->null_fd;
	k = splice(fd, NULL, to, NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (k > 0) {
		/* Counted only: see struct fast. */
		c->total += (uint64_t)k;
		if (through)
			ps->passed += (uint64_t)k;
		return 1;
	}
	if (k == 0)
		return 0;
	if (errno == EINTR)
		return 1;
	if (errno == EAGAIN) {
		/* Input empty, or (stdout a pipe) output full: tell apart. */
		struct pollfd q = { .fd = fd, .events = POLLIN };

		if (through && f->out_pipe && poll(&q, 1, 0) > 0 &&
		    (q.revents & POLLIN))
			return -2;
		return -1;
	}
	if (through && (errno == EPIPE || errno == EIO || errno == ENOSPC ||
	    errno == EFBIG || errno == EDQUOT)) {
		ps->closed = true;	/* our stdout is gone: keep counting */
		return 1;
	}
	return -3;
}

/* The state of one collect: what is watched and what was learnt. */
struct watch {
	struct sr_box *b;
	const struct sr_plan *pl;
	struct pollfd pfd[P_N];
	struct pass pass_out, pass_err;
	struct fast fast;
	uint64_t deadline, kill_at, drain_until, cpu_at, stop_at;
	uint64_t tree_base_ms;	/* tree_cpu: the tree's CPU at the start */
	bool tree_cpu;		/* CPU limit sampled from /proc (treecpu.h) */
	bool timed_out, interrupted, output_over, cpu_over, killed;
	bool have_status, have_facts, have_diag, chan_done;
	char *value, *value_png;	/* a session call's (value.h) */
	struct sr_msg_status st;
	struct sr_msg_facts facts;
	struct sr_diag diag;	/* the first DIAG record */
	char in_buf[RELAY_BUF];	/* stdin relay */
	size_t in_len, in_off;
	bool in_eof;		/* the source ended */
	sigset_t oldmask;
	long ncpu;
	char buf[65536];
};

static int
watch_start(struct watch *w, struct sr_box *b, struct sr_diag *d)
{
	const struct sr_limits *l = &b->plan->policy->limits;
	struct stat ost;
	sigset_t mask;
	int i;

	w->b = b;
	w->pl = b->plan;
	w->fast.in_fd = w->fast.null_fd = -1;
	for (i = 0; i < P_N; i++) {
		w->pfd[i].fd = -1;
		w->pfd[i].events = POLLIN;
	}
	w->pfd[P_OUTW].events = POLLOUT;
	w->pfd[P_INW].events = POLLOUT;
	if (w->pl->format == SR_FORMAT_TEXT &&
	    fstat(STDOUT_FILENO, &ost) == 0 && (S_ISFIFO(ost.st_mode) ||
	    S_ISREG(ost.st_mode) || S_ISCHR(ost.st_mode))) {
		/* a character device (/dev/null; a tty refuses splice with
		 * EINVAL and we fall back to read/write) */
		w->fast.on = true;
		w->fast.out_pipe = S_ISFIFO(ost.st_mode);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &w->oldmask);
	w->pfd[P_SIG].fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (w->pfd[P_SIG].fd < 0)
		return sr_diag_errno(d, "signalfd");
	signal(SIGPIPE, SIG_IGN);
	w->pfd[P_OUT].fd = sr_steal_fd(&b->out_fd);
	w->pfd[P_ERR].fd = sr_steal_fd(&b->err_fd);
	w->pfd[P_CHAN].fd = b->chan;
	w->pfd[P_IN].fd = b->in_src;
	w->pfd[P_INW].fd = -1;
	w->deadline = l->wall_ms == SR_UNLIMITED ? 0 : b->start + l->wall_ms;
	/* CPU time of the whole tree, from the cgroup's accounting. */
	if (l->cpu_ms != SR_UNLIMITED && b->cg.cpu &&
	    (b->limits[SR_LIM_CPU].mech == SR_MECH_CGROUP1 ||
	    b->limits[SR_LIM_CPU].mech == SR_MECH_CGROUP2))
		w->cpu_at = b->start + (l->cpu_ms < CPU_POLL_MS ? l->cpu_ms :
		    CPU_POLL_MS);
	/* A session's interpreter without a cgroup: its soft RLIMIT_CPU
	 * (SIGXCPU, which it may ignore) moves to each call's limit; the
	 * kill a cold run's hard limit gives one second later comes from
	 * here, by the tree's CPU time. */
	else if (l->cpu_ms != SR_UNLIMITED && w->pl->loop &&
	    sr_tree_cpu_ms(b->pid, &w->tree_base_ms) == 0) {
		w->tree_cpu = true;
		w->cpu_at = b->start + CPU_POLL_MS;
	}
	w->ncpu = 0;	/* read when a CPU-time poll needs it */
	/* a warm driver sent its FACTS at create; its rlimits come now */
	w->facts = b->warm_facts;
	w->have_facts = b->have_warm_facts;
	return 0;
}

/* Stop relaying stdin: the program ended or its stdin is closed. */
static void
relay_stop(struct watch *w)
{
	w->pfd[P_IN].fd = -1;	/* not ours to close */
	w->pfd[P_INW].fd = -1;
	close_fd(&w->b->in_pipe);
	w->b->in_src = -1;
	w->in_len = w->in_off = 0;
}

/* Our stdin to the program's, through the pipe, a buffer at a time: a
 * program that never reads fills the pipe and we stop reading. */
static void
relay(struct watch *w)
{
	ssize_t k;

	if (w->pfd[P_IN].fd >= 0 && w->pfd[P_IN].revents) {
		k = read(w->pfd[P_IN].fd, w->in_buf, sizeof(w->in_buf));
		if (k > 0) {
			w->in_len = (size_t)k;
			w->in_off = 0;
		} else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
			/* EOF (or an error) on our side: EOF for the program */
			w->in_eof = true;
			if (w->in_len == 0)
				relay_stop(w);
		}
	}
	if (w->in_len > w->in_off && w->b->in_pipe >= 0) {
		k = write(w->b->in_pipe, w->in_buf + w->in_off,
		    w->in_len - w->in_off);
		if (k > 0)
			w->in_off += (size_t)k;
		else if (k < 0 && errno != EAGAIN && errno != EINTR)
			relay_stop(w);	/* EPIPE: the program closed it */
		if (w->in_off == w->in_len) {
			w->in_len = w->in_off = 0;
			if (w->in_eof)
				relay_stop(w);
		}
	}
	if (w->b->in_pipe < 0)
		return;
	/* Read more only when the buffer is empty, write while it is not. */
	w->pfd[P_IN].fd = w->in_len == 0 && !w->in_eof ? w->b->in_src : -1;
	w->pfd[P_INW].fd = w->in_len > 0 ? w->b->in_pipe : -1;
}

/* Records from init and the program. */
static void
read_chan(struct watch *w)
{
	struct sr_msg m;
	int fds[SR_CHAN_MAX_FDS], nfds, i, k;

	k = sr_chan_recv(w->b->chan, &m, fds, &nfds);
	if (k == 1 && m.type == SR_MSG_VALUE && nfds == 1 &&
	    w->value == NULL && w->value_png == NULL)
		(void)sr_value_take(fds[0], &m.u.value, &w->value,
		    &w->value_png);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k <= 0) {
		w->chan_done = true;	/* init is gone */
		w->pfd[P_CHAN].fd = -1;
		return;
	}
	switch (m.type) {
	case SR_MSG_FACTS:
		if ((m.u.facts.flags & SR_FACT_WARM) && w->have_facts) {
			/* init read the driver's rlimits back at the call */
			m.u.facts.flags |= w->facts.flags & ~SR_FACT_RLIMITS;
			m.u.facts.flags &= ~SR_FACT_WARM;
		} else if (m.u.facts.flags & SR_FACT_WARM) {
			m.u.facts.flags = 0;	/* no driver FACTS: claim nothing */
		}
		w->facts = m.u.facts;
		w->have_facts = true;
		break;
	case SR_MSG_DIAG:
		if (!w->have_diag)
			w->diag = m.u.diag;
		w->have_diag = true;
		break;
	case SR_MSG_STATUS:
		w->st = m.u.status;
		w->have_status = w->chan_done = true;
		w->pfd[P_CHAN].fd = -1;
		break;
	default:
		break;		/* nothing else is sent during a run */
	}
}

/* At a time limit: ask init to kill the program's whole tree and report
 * (so the files written so far still come back), and SIGKILL init itself
 * if it has not finished within STOP_GRACE_MS. */
static void
stop_sandbox(struct watch *w, uint64_t now)
{
	kill(w->b->pid, SR_CHILD_STOP);
	if (w->kill_at == 0 || w->kill_at > now + STOP_GRACE_MS)
		w->kill_at = now + STOP_GRACE_MS;
}

static void
check_cpu(struct watch *w, uint64_t now)
{
	const uint64_t limit = w->pl->policy->limits.cpu_ms;
	uint64_t us, left;

	w->cpu_at = 0;
	if (w->chan_done || w->timed_out || w->interrupted) {
		/* the program ended, or another cause stops it */
	} else if (w->tree_cpu) {
		if (sr_tree_cpu_ms(w->b->pid, &us) == 0 &&
		    us - MIN(us, w->tree_base_ms) >= limit + TREE_CPU_GRACE_MS) {
			w->cpu_over = true;
			stop_sandbox(w, now);
		} else {
			w->cpu_at = now + CPU_POLL_MS;
		}
	} else if (sr_cgroup_cpu_usage(&w->b->cg, &us) < 0) {
		w->cpu_at = now + CPU_POLL_MS;
	} else if ((us -= MIN(us, w->b->cpu_base.cpu_usage_us)) / 1000 >=
	    limit) {
		w->cpu_over = true;
		stop_sandbox(w, now);
	} else {
		/* All CPUs busy cannot overshoot by much. */
		if (w->ncpu < 1 && (w->ncpu = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
			w->ncpu = 1;
		left = (limit - us / 1000) / (uint64_t)w->ncpu;
		w->cpu_at = now + (left < 5 ? 5 : left > CPU_POLL_MS ?
		    CPU_POLL_MS : left);
	}
}

/* Act on the clocks; returns the poll timeout (-1: none), or -2 when the
 * drain window is over. */
static int
timers(struct watch *w)
{
	uint64_t now = sr_now_ms(), next = 0;

	if (w->deadline && !w->timed_out && !w->cpu_over &&
	    now >= w->deadline) {
		w->timed_out = true;
		/* A session's program is interrupted first (Python: a
		 * KeyboardInterrupt), stopped if still there after a grace. */
		if (w->pl->interrupt_ms > 0) {
			kill(w->b->pid, SIGINT);
			w->stop_at = now + w->pl->interrupt_ms;
		} else {
			stop_sandbox(w, now);
		}
	}
	if (w->stop_at && now >= w->stop_at) {
		w->stop_at = 0;
		if (!w->chan_done)
			stop_sandbox(w, now);
	}
	if (w->cpu_at && now >= w->cpu_at)
		check_cpu(w, now);
	if (w->kill_at && now >= w->kill_at) {
		kill(w->b->pid, SIGKILL);
		w->killed = true;
		w->kill_at = 0;
		w->drain_until = now + DRAIN_MS;
	}
	/* Blocked on our own stdout, the sandbox is not what we wait
	 * for: the reader of our output sets the pace, as with cat. */
	if (w->drain_until && now >= w->drain_until && !w->fast.blocked)
		return -2;
	if (w->deadline && !w->timed_out && !w->cpu_over)
		next = w->deadline;
	if (w->cpu_at && (!next || w->cpu_at < next))
		next = w->cpu_at;
	if (w->kill_at && (!next || w->kill_at < next))
		next = w->kill_at;
	if (w->stop_at && (!next || w->stop_at < next))
		next = w->stop_at;
	if (w->drain_until && !w->fast.blocked &&
	    (!next || w->drain_until < next))
		next = w->drain_until;
	if (!next)
		return -1;
	return (int)(next > now ? next - now : 0);
}

/* The capture pipes; true when bytes moved. */
static bool
read_output(struct watch *w, struct sr_result *r)
{
	struct pollfd *pfd = w->pfd;
	bool moved = false;
	int i;

	if (pfd[P_OUTW].fd >= 0 && pfd[P_OUTW].revents) {
		/* Room on our stdout (or its reader left: EPIPE next). */
		pfd[P_OUT].fd = sr_steal_fd(&w->fast.in_fd);
		pfd[P_OUT].revents = POLLIN;
		pfd[P_OUTW].fd = -1;
		w->fast.blocked = false;
	}
	if (w->fast.on && pfd[P_OUT].fd >= 0 &&
	    (pfd[P_OUT].revents & (POLLIN | POLLHUP | POLLERR))) {
		int m = fast_move(w->pl, &w->fast, &r->out, &w->pass_out,
		    pfd[P_OUT].fd);

		if (m == 1) {
			moved = true;
		} else if (m == 0) {
			close_fd(&pfd[P_OUT].fd);
		} else if (m == -2) {
			w->fast.blocked = true;
			w->fast.in_fd = sr_steal_fd(&pfd[P_OUT].fd);
			pfd[P_OUTW].fd = STDOUT_FILENO;
		} else if (m == -3) {
			w->fast.on = false;	/* read/write below */
		}
		if (r->out.total > w->pl->policy->limits.output)
			w->output_over = true;
	}
	for (i = P_OUT; i <= P_ERR; i++) {
		ssize_t k;

		if (i == P_OUT && w->fast.on)
			continue;
		if (pfd[i].fd < 0 ||
		    !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		k = read(pfd[i].fd, w->buf, sizeof(w->buf));
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0) {
			close_fd(&pfd[i].fd);
			continue;
		}
		moved = true;
		consume(w->pl, i == P_OUT ? &r->out : &r->err,
		    i == P_OUT ? &w->pass_out : &w->pass_err,
		    i == P_OUT ? STDOUT_FILENO : STDERR_FILENO, w->buf,
		    (size_t)k, &w->output_over);
	}
	return moved;
}

static void
on_signal(struct watch *w)
{
	struct signalfd_siginfo si;

	while (read(w->pfd[P_SIG].fd, &si, sizeof(si)) == sizeof(si)) {
		if (!w->interrupted) {
			w->interrupted = true;
			kill(w->b->pid, (int)si.ssi_signo);
			w->kill_at = sr_now_ms() + GRACE_MS;
		} else {
			kill(w->b->pid, SIGKILL);
			w->killed = true;
		}
	}
}

/* Until the program ended and its output is read.  -1 with d on a
 * failure of our own. */
static int
watch_loop(struct watch *w, struct sr_result *r, struct sr_diag *d)
{
	struct pollfd *pfd = w->pfd;

	for (;;) {
		int timeout, n;

		if (pfd[P_OUT].fd < 0 && !w->fast.blocked &&
		    pfd[P_ERR].fd < 0 && w->chan_done)
			return 0;
		if ((timeout = timers(w)) == -2)
			return 0;
		pfd[P_NOTIFY].fd = sr_notify_pollfd(&w->b->nt);
		n = poll(pfd, P_N, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sr_diag_errno(d, "poll");
		/* The drain window counts idle time: output still flowing
		 * after the end is read to its last byte (nothing lost). */
		if (read_output(w, r) && w->drain_until)
			w->drain_until = sr_now_ms() + DRAIN_MS;
		if (pfd[P_CHAN].fd >= 0 && pfd[P_CHAN].revents)
			read_chan(w);
		if (pfd[P_NOTIFY].fd >= 0 && pfd[P_NOTIFY].revents)
			sr_notify_handle(&w->b->nt, pfd[P_NOTIFY].revents);
		if (pfd[P_SIG].revents & POLLIN)
			on_signal(w);
		if (w->chan_done)
			relay_stop(w);
		else if (w->b->in_pipe >= 0)
			relay(w);
		/* The program ended or init died: stop waiting for
		 * stragglers' EOF beyond the drain window. */
		if (!w->drain_until && w->chan_done)
			w->drain_until = sr_now_ms() + DRAIN_MS;
	}
}

static uint64_t
tv_ms(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
}

/* Whether the result shows the cgroup's usage (memory peak, CPU): in
 * JSON and tool output, a verbose summary, and a limit's line (which
 * only a run that did not just exit, or a cgroup event, can have).  A
 * plain text run that exited by itself shows none: its cgroup's events
 * are read (they may make it a limit's run), then the rest if one is
 * there. */
static bool
usage_shown(const struct watch *w)
{
	return w->pl->format != SR_FORMAT_TEXT || w->pl->verbose ||
	    !w->have_status || !WIFEXITED(w->st.wstatus) || w->timed_out ||
	    w->cpu_over || w->interrupted || w->output_over;
}

/* Times and memory: the program's tree from init's report, or init's own
 * usage when it never reported; the cgroup where it counted more. */
static void
usage(struct watch *w, struct sr_result *r, struct sr_cgroup_stats *cs)
{
	struct sr_box *b = w->b;
	const struct rusage *ru = w->have_status ? &w->st.ru : &b->init_ru;
	int got;

	r->wall_ms = sr_now_ms() - b->start;
	r->cpu_user_ms = tv_ms(&ru->ru_utime);
	r->cpu_sys_ms = tv_ms(&ru->ru_stime);
	r->memory_peak = (uint64_t)ru->ru_maxrss * 1024;
	r->memory_peak_source = SR_MECH_NONE;
	memset(cs, 0, sizeof(*cs));
	if (b->cg.kind == SR_CGROUP_NONE)
		return;
	if (b->pid <= 0)
		sr_cgroup_kill(&b->cg);	/* init died: leave nothing behind */
	if (usage_shown(w))
		got = sr_cgroup_stats(&b->cg, cs);
	else if ((got = sr_cgroup_events(&b->cg, cs)) == 0 &&
	    (cs->oom_killed || cs->oom || cs->memory_max_hit ||
	    cs->pids_limit_hit))
		got = sr_cgroup_stats(&b->cg, cs);
	else
		return;
	if (got == 0 && (b->warm || w->pl->cpu_delta)) {
		/* the call's CPU only: not the warm driver's warm-up, nor
		 * a session's earlier calls */
		cs->cpu_usage_us -= MIN(cs->cpu_usage_us,
		    b->cpu_base.cpu_usage_us);
		cs->cpu_user_us -= MIN(cs->cpu_user_us, b->cpu_base.cpu_user_us);
		cs->cpu_sys_us -= MIN(cs->cpu_sys_us, b->cpu_base.cpu_sys_us);
	}
	if (cs->have_peak) {
		r->memory_peak = cs->memory_peak;
		r->memory_peak_source = b->cg.kind == SR_CGROUP_V2 ?
		    SR_MECH_CGROUP2 : SR_MECH_CGROUP1;
	}
	/* init's report misses what it never reaped (it was killed at a
	 * limit): the cgroup counted the whole tree. */
	if (cs->have_cpu && cs->cpu_usage_us / 1000 >
	    r->cpu_user_ms + r->cpu_sys_ms) {
		uint64_t tot = cs->cpu_usage_us / 1000;
		double u = (double)cs->cpu_user_us;
		double sy = (double)cs->cpu_sys_us;

		r->cpu_user_ms = cs->have_cpu_split && u + sy > 0 ?
		    (uint64_t)((double)tot * u / (u + sy)) : tot;
		r->cpu_sys_ms = tot - r->cpu_user_ms;
	}
}

/* The rlimit that enforces a limit, or -1. */
static int
limit_resource(int id)
{
	switch (id) {
	case SR_LIM_CPU:
		return RLIMIT_CPU;
	case SR_LIM_MEMORY:
		return RLIMIT_DATA;
	case SR_LIM_PROCESSES:
		return RLIMIT_NPROC;
	case SR_LIM_OPEN_FILES:
		return RLIMIT_NOFILE;
	case SR_LIM_FILE_SIZE:
		return RLIMIT_FSIZE;
	default:
		return -1;
	}
}

static bool
rlimit_confirmed(const struct watch *w, int res)
{
	const struct sr_rlimits *rl = &w->b->rl;
	uint32_t i;
	int j;

	if (!w->have_facts)
		return false;
	for (j = 0; j < rl->n; j++)
		if (rl->resource[j] == res)
			break;
	if (j == rl->n)
		return false;
	for (i = 0; i < w->facts.n_rlimits; i++)
		if (w->facts.resource[i] == res)
			/* a warm driver's RLIMIT_CPU, moved by its CPU
			 * before the call (cpu_base_s, 0 otherwise) */
			return w->facts.value[i].rlim_cur ==
			    rl->value[j].rlim_cur + (res == RLIMIT_CPU &&
			    rl->value[j].rlim_cur != RLIM_INFINITY ?
			    w->facts.cpu_base_s : 0);
	return false;
}

/* Isolation and limits as the sandbox confirmed them: namespaces and the
 * cgroup from create, the rest from the program's FACTS record. */
static void
observed(const struct watch *w, struct sr_result *r)
{
	uint32_t f = w->have_facts ? w->facts.flags : 0;
	int i;

	r->iso = w->b->iso;
	r->iso.no_new_privs = (f & SR_FACT_NO_NEW_PRIVS) != 0;
	r->iso.caps_dropped = (f & SR_FACT_CAPS_DROPPED) != 0;
	r->iso.seccomp = (f & SR_FACT_SECCOMP) != 0;
	memcpy(r->limits, w->b->limits, sizeof(r->limits));
	for (i = 0; i < SR_LIM_COUNT; i++) {
		struct sr_limit_report *l = &r->limits[i];

		if (l->mech == SR_MECH_RLIMIT &&
		    !rlimit_confirmed(w, limit_resource(i)))
			l->mech = SR_MECH_NONE;
		if ((l->mech == SR_MECH_CGROUP1 || l->mech == SR_MECH_CGROUP2) &&
		    !w->b->iso.cgroup)
			l->mech = SR_MECH_NONE;
	}
}

/* From what was learnt to the result.  0, or -1 with d. */
static int
conclude(struct watch *w, struct sr_result *r, struct sr_diag *d)
{
	struct sr_cgroup_stats cs;

	if (!w->have_status)
		sr_box_reap(w->b, true);
	usage(w, r, &cs);
	observed(w, r);
	if (w->have_diag) {
		*d = w->diag;
		if (d->kind != SR_DIAG_EXEC_NOENT && d->kind != SR_DIAG_EXEC_FAIL)
			return -1;
		r->status = SR_STATUS_ERROR;
		r->diag = w->diag;
		return 0;
	}
	/* memory.oom.group takes init down with the program: the cgroup
	 * says why (sr_classify reads cs.oom_killed). */
	if (!w->have_status && !w->timed_out && !w->cpu_over &&
	    !w->interrupted && !cs.oom_killed)
		return sr_diag_set(d, "the sandbox ended without a status (init %s %d)",
		    WIFSIGNALED(w->b->init_ws) ? "killed by signal" : "exited with",
		    WIFSIGNALED(w->b->init_ws) ? WTERMSIG(w->b->init_ws) :
		    WEXITSTATUS(w->b->init_ws));
	if (w->have_status) {
		if (WIFEXITED(w->st.wstatus)) {
			r->exited = true;
			r->exit_code = WEXITSTATUS(w->st.wstatus);
		} else if (WIFSIGNALED(w->st.wstatus)) {
			r->signal = WTERMSIG(w->st.wstatus);
		}
	} else {
		r->signal = SIGKILL;	/* killed with the namespace */
	}
	{
		struct sr_classify_in in = {
			.timed_out = w->timed_out, .cpu_over = w->cpu_over,
			.interrupted = w->interrupted,
			.output_over = w->output_over, .cgroup = &cs,
		};

		sr_classify(&w->pl->policy->limits, &in, r);
	}
	return 0;
}

int
sr_sandbox_collect(struct sr_box *b, struct sr_result *r, struct sr_diag *d)
{
	struct watch *w;
	int rc = -1;

	if (!b->running)
		return sr_diag_set(d, "no program is running in the sandbox");
	w = sr_xcalloc(1, sizeof(*w));
	if (watch_start(w, b, d) == 0 && watch_loop(w, r, d) == 0)
		rc = conclude(w, r, d);
	else
		sr_box_reap(b, true);
	b->running = false;
	if (w->killed && b->pid > 0)
		sr_box_reap(b, true);
	/* init ends right after this STATUS: wait for it (a session sees
	 * its sandbox gone, not a frozen init about to exit) */
	if (w->have_status && (w->st.flags & SR_STATUS_INIT_ENDS) && b->pid > 0)
		sr_box_reap(b, false);
	sr_notify_finish(&b->nt, r, w->pl->verbose > 0);
	relay_stop(w);
	if (w->pfd[P_SIG].fd >= 0)
		close(w->pfd[P_SIG].fd);
	sigprocmask(SIG_SETMASK, &w->oldmask, NULL);
	close_fd(&w->pfd[P_OUT].fd);
	close_fd(&w->pfd[P_ERR].fd);
	close_fd(&w->fast.in_fd);
	close_fd(&w->fast.null_fd);
	if (rc == 0 && w->have_status) {
		r->value = w->value;
		r->value_png = w->value_png;
		w->value = w->value_png = NULL;
	}
	free(w->value);
	free(w->value_png);
	free(w);
	return rc;
}
