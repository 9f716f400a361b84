#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostcheck.h"
#include "notify.h"
#include "ns.h"
#include "report.h"
#include "supervise.h"
#include "util.h"

#define GRACE_MS 1000		/* SIGTERM to SIGKILL after an interrupt */
#define STOP_GRACE_MS 2000	/* init's time to clean up after a limit */
#define DRAIN_MS 2000		/* reading leftovers after the sandbox died */
#define CPU_POLL_MS 100		/* cgroup CPU usage check, at most this apart */
#define PIPE_SIZE (1 << 20)	/* capture pipes: fewer wakeups in a flood */
#define SPLICE_CHUNK (1 << 20)

/* P_OUTW: our own stdout, watched for POLLOUT while a splice to it
 * would block (text mode, stdout a pipe). */
enum { P_OUT, P_ERR, P_DIAG, P_STATUS, P_SIG, P_NOTIFY, P_OUTW, P_N };

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
consume(struct sr_run *run, struct sr_capture *c, struct pass *ps, int ofd,
    const char *buf, size_t n, bool *over)
{
	uint64_t cap = run->policy->limits.output;

	sr_capture_feed(c, buf, n);
	if (c->total > cap)
		*over = true;
	if (run->format != SR_FORMAT_TEXT || ps->closed)
		return;
	if (ps->passed < cap) {
		size_t k = cap - ps->passed < n ? (size_t)(cap - ps->passed) : n;

		if (sr_write_all(ofd, buf, k) < 0)
			ps->closed = true;	/* EPIPE: keep counting */
		ps->passed += k;
	}
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args of linux/sched.h up to the cgroup field (VER2);
 * declared here because linux/sched.h clashes with glibc's sched.h. */
struct sr_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
	    stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* Start init.  With a cgroup v2 leaf, clone3(CLONE_INTO_CGROUP) starts it
 * directly inside (*in_cgroup = true): no moment outside the limits and
 * no write to cgroup.procs.  Any failure of clone3 (older kernel, seccomp
 * of an outer container, permission) falls back to clone(2); the caller
 * then attaches init through cgroup.procs before releasing it. */
static pid_t
start_init(const struct sr_cgroup *cg, bool *in_cgroup)
{
	*in_cgroup = false;
#ifdef SYS_clone3
	if (cg->kind == SR_CGROUP_V2 && cg->v2_fd >= 0) {
		struct sr_clone_args a;
		long pid;

		memset(&a, 0, sizeof(a));
		a.flags = (uint64_t)SR_NS_FLAGS | CLONE_INTO_CGROUP;
		a.exit_signal = SIGCHLD;
		a.cgroup = (uint64_t)cg->v2_fd;
		pid = syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			*in_cgroup = pid > 0;
			return (pid_t)pid;
		}
	}
#endif
	return (pid_t)syscall(SYS_clone, SR_NS_FLAGS | SIGCHLD, NULL, NULL,
	    NULL, 0);
}

/* -v: every limit with its value and the mechanism enforcing it. */
static void
print_limits(const struct sr_result *r)
{
	char line[1024], v[48];
	size_t n = 0;
	int i;

	for (i = 0; i < SR_LIM_COUNT; i++) {
		const struct sr_limit_report *l = &r->limits[i];

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

/* Move what is ready in the capture pipe fd to our stdout (or to
 * /dev/null past the cap).  Returns 1 when data moved, 0 at EOF, -1 when
 * the pipe has nothing (EAGAIN), -2 when our stdout would block, -3 when
 * splice cannot be used here (the caller falls back to read/write). */
static int
fast_move(struct sr_run *run, struct fast *f, struct sr_capture *c,
    struct pass *ps, int fd)
{
	uint64_t cap = run->policy->limits.output;
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

/* Words at the end of stderr that say which rlimit a program ran into.
 * Only consulted when that limit is enforced by an rlimit and the
 * program exited non-zero: a heuristic, documented in docs/limits.md. */
static bool
stderr_says(const struct sr_capture *err, const char *const *needles)
{
	_cleanup_free_ char *all = NULL;
	const char *last, *p;
	size_t len, gap, i, start;

	if (err->total == 0)
		return false;
	all = sr_capture_bytes(err, &len, &gap);
	while (len > 0 && (all[len - 1] == '\n' || all[len - 1] == '\r' ||
	    all[len - 1] == ' '))
		len--;
	start = len > 512 ? len - 512 : 0;
	for (i = start; i < len; i++)	/* NULs would hide the rest */
		if (all[i] == '\0')
			all[i] = ' ';
	all[len] = '\0';
	last = all + start;
	if ((p = strrchr(last, '\n')) != NULL)
		last = p + 1;	/* the last line */
	for (i = 0; needles[i]; i++)
		if (strstr(last, needles[i]) != NULL)
			return true;
	return false;
}

static const char *const memory_words[] = {
	"MemoryError",		/* Python, numpy's _ArrayMemoryError */
	"Cannot allocate memory",	/* strerror(ENOMEM) */
	"std::bad_alloc", "memory exhausted", NULL,
};
static const char *const fork_words[] = {
	"Resource temporarily unavailable",	/* EAGAIN from fork/clone */
	"can't start new thread",	/* Python threading */
	"Cannot fork", NULL,		/* dash */
};
static const char *const fsize_words[] = {
	"File too large", NULL,		/* EFBIG: Python ignores SIGXFSZ */
};

/* At a time limit: ask init to kill the program's whole tree and report
 * (so the files written so far still come back), and SIGKILL init itself
 * if it has not finished within STOP_GRACE_MS. */
static void
stop_sandbox(pid_t pid, uint64_t *kill_at, uint64_t now)
{
	kill(pid, SR_CHILD_STOP);
	if (*kill_at == 0 || *kill_at > now + STOP_GRACE_MS)
		*kill_at = now + STOP_GRACE_MS;
}

static void
classify(struct sr_run *run, struct sr_result *r, bool timed_out,
    bool cpu_over, bool interrupted, bool output_over,
    const struct sr_cgroup_stats *cs)
{
	const struct sr_limits *l = &run->policy->limits;
	uint64_t cpu = r->cpu_user_ms + r->cpu_sys_ms;

	if (timed_out) {
		r->status = SR_STATUS_TIMEOUT;
		r->limit_hit = SR_HIT_WALL_TIME;
		return;
	}
	if (cpu_over) {
		r->status = SR_STATUS_TIMEOUT;
		r->limit_hit = SR_HIT_CPU_TIME;
		return;
	}
	if (r->signal != 0) {
		r->status = SR_STATUS_SIGNAL;
		if (interrupted)
			return;
		if (r->signal == SIGXCPU || (r->signal == SIGKILL &&
		    l->cpu_ms != SR_UNLIMITED && cpu >= l->cpu_ms)) {
			r->status = SR_STATUS_TIMEOUT;
			r->limit_hit = SR_HIT_CPU_TIME;
		} else if (r->signal == SIGXFSZ) {
			r->status = SR_STATUS_FILE_SIZE_LIMIT;
			r->limit_hit = SR_HIT_FILE_SIZE;
		} else if (r->signal == SIGKILL && cs->oom_killed) {
			r->status = SR_STATUS_MEMORY_LIMIT;
			r->limit_hit = SR_HIT_MEMORY;
			r->oom_killed = true;
		}
		return;
	}
	r->status = r->exit_code == 0 ? SR_STATUS_OK : SR_STATUS_EXIT_NONZERO;
	if ((cs->oom_killed || cs->oom) && r->exit_code != 0) {
		/* A child was OOM-killed, or the cgroup refused an allocation
		 * (memory.events oom: shmem, kernel memory), and the program
		 * failed because of it. */
		r->status = SR_STATUS_MEMORY_LIMIT;
		r->limit_hit = SR_HIT_MEMORY;
		r->oom_killed = cs->oom_killed;
		r->alloc_failed = !cs->oom_killed;
	} else if (cs->pids_limit_hit) {
		/* The cgroup refused a fork: the limit acted, whatever the
		 * program made of it. */
		r->status = SR_STATUS_PROCESS_LIMIT;
		r->limit_hit = SR_HIT_PROCESSES;
	} else if (r->exit_code != 0 &&
	    r->limits[SR_LIM_MEMORY].mech == SR_MECH_RLIMIT &&
	    stderr_says(&r->err, memory_words)) {
		r->status = SR_STATUS_MEMORY_LIMIT;
		r->limit_hit = SR_HIT_MEMORY;
		r->alloc_failed = true;
	} else if (r->exit_code != 0 &&
	    r->limits[SR_LIM_PROCESSES].mech == SR_MECH_RLIMIT &&
	    stderr_says(&r->err, fork_words)) {
		r->status = SR_STATUS_PROCESS_LIMIT;
		r->limit_hit = SR_HIT_PROCESSES;
	} else if (r->exit_code != 0 &&
	    r->limits[SR_LIM_FILE_SIZE].mech == SR_MECH_RLIMIT &&
	    stderr_says(&r->err, fsize_words)) {
		r->status = SR_STATUS_FILE_SIZE_LIMIT;
		r->limit_hit = SR_HIT_FILE_SIZE;
	} else if (output_over && r->exit_code == 0) {
		/* Complete run, incomplete output: the caller must know. */
		r->status = SR_STATUS_OUTPUT_LIMIT;
		r->limit_hit = SR_HIT_OUTPUT;
	}
}

int
sr_supervise_run(struct sr_run *run, struct sr_result *r, struct sr_diag *d)
{
	struct sr_sandbox *sb = run->sb;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, sync[2] = { -1, -1 };
	int diag[2] = { -1, -1 }, status[2] = { -1, -1 };
	struct sr_child_status cst;
	struct sr_cgroup_stats cs;
	struct sr_diag cd;
	struct sr_notify nt;
	struct pollfd pfd[P_N];
	struct pass pass_out = { 0 }, pass_err = { 0 };
	struct fast fast = { .in_fd = -1, .null_fd = -1 };
	struct rusage ru;
	struct stat ost;
	sigset_t mask, oldmask;
	size_t cst_len = 0, cd_len = 0;
	uint64_t start, deadline, kill_at = 0, drain_until = 0, cpu_at = 0;
	bool timed_out = false, interrupted = false, output_over = false;
	bool init_gone = false, have_status = false, have_diag = false;
	bool cpu_over = false, in_cgroup = false, moved;
	static char buf[65536];
	pid_t pid;
	int sfd = -1, ws = 0, rc = -1, i;
	const uint64_t wall = run->policy->limits.wall_ms;
	const uint64_t cpu_limit = run->policy->limits.cpu_ms;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&cs, 0, sizeof(cs));
	memset(&cd, 0, sizeof(cd));
	memset(&cst, 0, sizeof(cst));
	for (i = 0; i < P_N; i++)
		pfd[i].fd = -1;
	sr_notify_prepare(&nt, sb->filter, run->policy->syscalls.errno_value);
	sb->notify_fd = nt.child_sock;
	sigprocmask(SIG_BLOCK, NULL, &oldmask);
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(sync, O_CLOEXEC) < 0 || pipe2(diag, O_CLOEXEC) < 0 ||
	    pipe2(status, O_CLOEXEC) < 0) {
		sr_diag_errno(d, "pipe");
		goto out;
	}
	/* Bigger capture pipes: a flood costs fewer wakeups.  Refused past
	 * the per-user pipe quota (fs.pipe-user-pages-soft): then 64 KiB. */
	(void)fcntl(out[0], F_SETPIPE_SZ, PIPE_SIZE);
	(void)fcntl(err[0], F_SETPIPE_SZ, PIPE_SIZE);
	if (run->format == SR_FORMAT_TEXT && fstat(STDOUT_FILENO, &ost) == 0 &&
	    (S_ISFIFO(ost.st_mode) || S_ISREG(ost.st_mode) ||
	    S_ISCHR(ost.st_mode))) {
		/* a character device (/dev/null; a tty refuses splice with
		 * EINVAL and we fall back to read/write) */
		fast.on = true;
		fast.out_pipe = S_ISFIFO(ost.st_mode);
	}
	if (run->verbose)
		print_limits(r);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		sr_diag_errno(d, "signalfd");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);

	sb->out_fd = out[1];
	sb->err_fd = err[1];
	sb->sync_fd = sync[0];
	sb->diag_fd = diag[1];
	sb->status_fd = status[1];

	start = sr_now_ms();
	if (sr_host_userns_denied_for_test()) {
		pid = -1;	/* tests: a host that refuses user namespaces */
		errno = EPERM;
	} else {
		pid = start_init(run->cg, &in_cgroup);
	}
	if (pid < 0) {
		int e = errno;
		char why[384];

		if (e == EPERM || e == ENOSPC || e == EINVAL || e == EUSERS) {
			sr_host_userns_why(e, why, sizeof(why));
			sr_diag_set(d, "cannot create the sandbox: %s", why);
		} else {
			sr_diag_errno(d, "clone");
		}
		goto out;
	}
	if (pid == 0) {
		close(out[0]);
		close(err[0]);
		close(sync[1]);
		close(diag[0]);
		close(status[0]);
		close(sfd);
		if (nt.sock >= 0)
			close(nt.sock);
		_exit(sr_child_init(sb));
	}
	r->iso.user_ns = r->iso.mount_ns = r->iso.pid_ns = r->iso.net_ns =
	    r->iso.ipc_ns = r->iso.uts_ns = r->iso.cgroup_ns = true;
	close_fd(&out[1]);
	close_fd(&err[1]);
	close_fd(&sync[0]);
	close_fd(&diag[1]);
	close_fd(&status[1]);
	sr_notify_after_clone(&nt);

	if (sr_ns_write_maps(pid, sb->uid, sb->gid, d) < 0)
		goto kill_fail;
	if (write(sync[1], "x", 1) != 1) {
		sr_diag_errno(d, "start the sandbox");
		goto kill_fail;
	}
	/* While init builds the root filesystem: join the cgroup and compile
	 * the seccomp filter.  Init forks the program only after the filter
	 * arrived, so the program never runs outside the cgroup or filter. */
	if (run->cg->kind != SR_CGROUP_NONE && !in_cgroup &&
	    sr_cgroup_attach(run->cg, pid, d) < 0)
		goto kill_fail;
	if (sr_cgroup_confirm(run->cg, pid, d) < 0)
		goto kill_fail;
	if (sr_filter_build(&run->policy->syscalls, run->filter, d) < 0)
		goto kill_fail;
	if (sr_child_send_filter(sync[1], run->filter) < 0) {
		sr_diag_errno(d, "hand the seccomp filter to the sandbox");
		goto kill_fail;
	}
	/* sync[1] stays open until the end: init polls it for POLLHUP to
	 * learn whether we died before it re-armed PDEATHSIG. */

	deadline = wall == SR_UNLIMITED ? 0 : start + wall;
	/* CPU time of the whole tree, from the cgroup's accounting. */
	if (cpu_limit != SR_UNLIMITED && run->cg->cpu &&
	    (r->limits[SR_LIM_CPU].mech == SR_MECH_CGROUP1 ||
	    r->limits[SR_LIM_CPU].mech == SR_MECH_CGROUP2))
		cpu_at = start + (cpu_limit < CPU_POLL_MS ? cpu_limit : CPU_POLL_MS);
	if (ncpu < 1)
		ncpu = 1;
	pfd[P_OUT].fd = out[0];
	pfd[P_ERR].fd = err[0];
	pfd[P_DIAG].fd = diag[0];
	pfd[P_STATUS].fd = status[0];
	pfd[P_SIG].fd = sfd;
	for (i = 0; i < P_N; i++)
		pfd[i].events = POLLIN;
	pfd[P_OUTW].events = POLLOUT;
	out[0] = err[0] = diag[0] = status[0] = -1;	/* owned by pfd now */

	for (;;) {
		uint64_t now = sr_now_ms(), next = 0;
		int timeout = -1, n;

		if (pfd[P_OUT].fd < 0 && !fast.blocked && pfd[P_ERR].fd < 0 &&
		    pfd[P_STATUS].fd < 0 && pfd[P_DIAG].fd < 0)
			break;
		if (deadline && !timed_out && !cpu_over && now >= deadline) {
			timed_out = true;
			stop_sandbox(pid, &kill_at, now);
		}
		if (cpu_at && now >= cpu_at) {
			uint64_t us, left;

			cpu_at = 0;
			if (pfd[P_STATUS].fd < 0 || timed_out || interrupted) {
				/* the program ended, or another cause stops it */
			} else if (sr_cgroup_cpu_usage(run->cg, &us) < 0) {
				cpu_at = now + CPU_POLL_MS;
			} else if (us / 1000 >= cpu_limit) {
				cpu_over = true;
				stop_sandbox(pid, &kill_at, now);
			} else {
				/* All CPUs busy cannot overshoot by much. */
				left = (cpu_limit - us / 1000) / (uint64_t)ncpu;
				cpu_at = now + (left < 5 ? 5 : left > CPU_POLL_MS ?
				    CPU_POLL_MS : left);
			}
		}
		if (kill_at && now >= kill_at) {
			kill(pid, SIGKILL);
			kill_at = 0;
			drain_until = now + DRAIN_MS;
		}
		/* Blocked on our own stdout, the sandbox is not what we wait
		 * for: the reader of our output sets the pace, as with cat. */
		if (drain_until && now >= drain_until && !fast.blocked)
			break;
		if (deadline && !timed_out && !cpu_over)
			next = deadline;
		if (cpu_at && (!next || cpu_at < next))
			next = cpu_at;
		if (kill_at && (!next || kill_at < next))
			next = kill_at;
		if (drain_until && !fast.blocked && (!next || drain_until < next))
			next = drain_until;
		if (next)
			timeout = (int)(next > now ? next - now : 0);

		pfd[P_NOTIFY].fd = sr_notify_pollfd(&nt);
		n = poll(pfd, P_N, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sr_diag_errno(d, "poll");
			goto kill_fail;
		}
		moved = false;
		if (pfd[P_OUTW].fd >= 0 && pfd[P_OUTW].revents) {
			/* Room on our stdout (or its reader left: EPIPE next). */
			pfd[P_OUT].fd = sr_steal_fd(&fast.in_fd);
			pfd[P_OUT].revents = POLLIN;
			pfd[P_OUTW].fd = -1;
			fast.blocked = false;
		}
		if (fast.on && pfd[P_OUT].fd >= 0 &&
		    (pfd[P_OUT].revents & (POLLIN | POLLHUP | POLLERR))) {
			int m = fast_move(run, &fast, &r->out, &pass_out,
			    pfd[P_OUT].fd);

			if (m == 1) {
				moved = true;
			} else if (m == 0) {
				close_fd(&pfd[P_OUT].fd);
			} else if (m == -2) {
				fast.blocked = true;
				fast.in_fd = sr_steal_fd(&pfd[P_OUT].fd);
				pfd[P_OUTW].fd = STDOUT_FILENO;
			} else if (m == -3) {
				fast.on = false;	/* read/write below */
			}
			if (r->out.total > run->policy->limits.output)
				output_over = true;
		}
		for (i = P_OUT; i <= P_ERR; i++) {
			ssize_t k;

			if (i == P_OUT && fast.on)
				continue;
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			k = read(pfd[i].fd, buf, sizeof(buf));
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (k <= 0) {
				close_fd(&pfd[i].fd);
				continue;
			}
			moved = true;
			if (i == P_OUT)
				consume(run, &r->out, &pass_out, STDOUT_FILENO,
				    buf, (size_t)k, &output_over);
			else
				consume(run, &r->err, &pass_err, STDERR_FILENO,
				    buf, (size_t)k, &output_over);
		}
		/* The drain window counts idle time: output still flowing
		 * after the end is read to its last byte (nothing lost). */
		if (moved && drain_until)
			drain_until = sr_now_ms() + DRAIN_MS;
		if (pfd[P_DIAG].fd >= 0 && pfd[P_DIAG].revents) {
			ssize_t k = read(pfd[P_DIAG].fd, (char *)&cd + cd_len,
			    sizeof(cd) - cd_len);

			if (k > 0)
				cd_len += (size_t)k;
			else if (k == 0 || errno != EINTR)
				close_fd(&pfd[P_DIAG].fd);
			if (cd_len == sizeof(cd)) {
				have_diag = true;
				close_fd(&pfd[P_DIAG].fd);
			}
		}
		if (pfd[P_STATUS].fd >= 0 && pfd[P_STATUS].revents) {
			ssize_t k = read(pfd[P_STATUS].fd, (char *)&cst + cst_len,
			    sizeof(cst) - cst_len);

			if (k > 0)
				cst_len += (size_t)k;
			else if (k == 0 || errno != EINTR)
				close_fd(&pfd[P_STATUS].fd);
			if (cst_len == sizeof(cst)) {
				have_status = true;
				close_fd(&pfd[P_STATUS].fd);
			}
		}
		if (pfd[P_NOTIFY].fd >= 0 && pfd[P_NOTIFY].revents)
			sr_notify_handle(&nt, pfd[P_NOTIFY].revents);
		if (pfd[P_SIG].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (!interrupted) {
					interrupted = true;
					kill(pid, (int)si.ssi_signo);
					kill_at = sr_now_ms() + GRACE_MS;
				} else {
					kill(pid, SIGKILL);
				}
			}
		}
		/* The sandbox is gone once init reported or died: stop
		 * waiting for stragglers' EOF beyond the drain window. */
		if (!drain_until && pfd[P_STATUS].fd < 0)
			drain_until = sr_now_ms() + DRAIN_MS;
	}

	kill(pid, SIGKILL);	/* no-op when init has exited */
	while (wait4(pid, &ws, 0, &ru) < 0) {
		if (errno != EINTR) {
			memset(&ru, 0, sizeof(ru));
			break;
		}
	}
	init_gone = true;
	r->wall_ms = sr_now_ms() - start;
	r->cpu_user_ms = (uint64_t)ru.ru_utime.tv_sec * 1000 +
	    (uint64_t)ru.ru_utime.tv_usec / 1000;
	r->cpu_sys_ms = (uint64_t)ru.ru_stime.tv_sec * 1000 +
	    (uint64_t)ru.ru_stime.tv_usec / 1000;
	r->memory_peak = (uint64_t)ru.ru_maxrss * 1024;
	r->memory_peak_source = SR_MECH_NONE;

	if (run->cg->kind != SR_CGROUP_NONE) {
		sr_cgroup_kill(run->cg);
		if (sr_cgroup_stats(run->cg, &cs) == 0 && cs.have_peak) {
			r->memory_peak = cs.memory_peak;
			r->memory_peak_source = run->cg->kind == SR_CGROUP_V2 ?
			    SR_MECH_CGROUP2 : SR_MECH_CGROUP1;
		}
		/* init's rusage misses what it never reaped (it was killed
		 * at a limit): the cgroup counted the whole tree. */
		if (cs.have_cpu && cs.cpu_usage_us / 1000 >
		    r->cpu_user_ms + r->cpu_sys_ms) {
			uint64_t tot = cs.cpu_usage_us / 1000;
			double u = (double)cs.cpu_user_us;
			double sy = (double)cs.cpu_sys_us;

			r->cpu_user_ms = cs.have_cpu_split && u + sy > 0 ?
			    (uint64_t)((double)tot * u / (u + sy)) : tot;
			r->cpu_sys_ms = tot - r->cpu_user_ms;
		}
	}

	if (have_diag) {
		*d = cd;
		if (d->kind == SR_DIAG_EXEC_NOENT || d->kind == SR_DIAG_EXEC_FAIL) {
			r->status = SR_STATUS_ERROR;
			r->diag = cd;
			rc = 0;
		}
		goto out;
	}
	/* memory.oom.group takes init down with the program: the cgroup
	 * says why (classify reads cs.oom_killed). */
	if (!have_status && !timed_out && !cpu_over && !interrupted &&
	    !cs.oom_killed) {
		sr_diag_set(d, "the sandbox ended without a status (init %s %d)",
		    WIFSIGNALED(ws) ? "killed by signal" : "exited with",
		    WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
		goto out;
	}
	if (have_status) {
		if (WIFEXITED(cst.wstatus)) {
			r->exited = true;
			r->exit_code = WEXITSTATUS(cst.wstatus);
		} else if (WIFSIGNALED(cst.wstatus)) {
			r->signal = WTERMSIG(cst.wstatus);
		}
	} else {
		r->signal = SIGKILL;	/* killed with the namespace */
	}
	classify(run, r, timed_out, cpu_over, interrupted, output_over, &cs);
	rc = 0;
	goto out;

kill_fail:
	kill(pid, SIGKILL);
	if (!init_gone)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
out:
	sr_notify_finish(&nt, r, run->verbose > 0);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	close_fd(&sync[0]);
	close_fd(&sync[1]);
	close_fd(&diag[0]);
	close_fd(&diag[1]);
	close_fd(&status[0]);
	close_fd(&status[1]);
	for (i = P_OUT; i <= P_STATUS; i++)
		close_fd(&pfd[i].fd);
	close_fd(&fast.in_fd);
	close_fd(&fast.null_fd);
	return rc;
}
