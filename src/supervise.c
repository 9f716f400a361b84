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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostcheck.h"
#include "notify.h"
#include "ns.h"
#include "supervise.h"
#include "util.h"

#define GRACE_MS 1000		/* SIGTERM to SIGKILL after an interrupt */
#define DRAIN_MS 2000		/* reading leftovers after the sandbox died */

enum { P_OUT, P_ERR, P_DIAG, P_STATUS, P_SIG, P_NOTIFY, P_N };

struct pass {
	uint64_t passed;	/* text mode: bytes written through */
	bool closed;		/* our own stdout/stderr is gone (EPIPE) */
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

static void
classify(struct sr_run *run, struct sr_result *r, bool timed_out,
    bool interrupted, bool output_over, const struct sr_cgroup_stats *cs)
{
	const struct sr_limits *l = &run->policy->limits;
	uint64_t cpu = r->cpu_user_ms + r->cpu_sys_ms;

	if (timed_out) {
		r->status = SR_STATUS_TIMEOUT;
		r->limit_hit = SR_HIT_WALL_TIME;
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
	if (cs->oom_killed && r->exit_code != 0) {
		/* A child was OOM-killed and the program failed because of it. */
		r->status = SR_STATUS_MEMORY_LIMIT;
		r->limit_hit = SR_HIT_MEMORY;
		r->oom_killed = true;
	} else if (cs->pids_limit_hit && r->exit_code != 0) {
		r->status = SR_STATUS_PROCESS_LIMIT;
		r->limit_hit = SR_HIT_PROCESSES;
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
	struct rusage ru;
	sigset_t mask, oldmask;
	size_t cst_len = 0, cd_len = 0;
	uint64_t start, deadline, kill_at = 0, drain_until = 0;
	bool timed_out = false, interrupted = false, output_over = false;
	bool init_gone = false, have_status = false, have_diag = false;
	static char buf[65536];
	pid_t pid;
	int sfd = -1, ws = 0, rc = -1, i;
	const uint64_t wall = run->policy->limits.wall_ms;

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
		pid = (pid_t)syscall(SYS_clone, SR_NS_FLAGS | SIGCHLD, NULL,
		    NULL, NULL, 0);
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

	if (run->cg->kind != SR_CGROUP_NONE &&
	    sr_cgroup_attach(run->cg, pid, d) < 0)
		goto kill_fail;
	if (sr_ns_write_maps(pid, sb->uid, sb->gid, d) < 0)
		goto kill_fail;
	if (write(sync[1], "x", 1) != 1) {
		sr_diag_errno(d, "start the sandbox");
		goto kill_fail;
	}
	/* sync[1] stays open until the end: init polls it for POLLHUP to
	 * learn whether we died before it re-armed PDEATHSIG. */

	deadline = wall == SR_UNLIMITED ? 0 : start + wall;
	pfd[P_OUT].fd = out[0];
	pfd[P_ERR].fd = err[0];
	pfd[P_DIAG].fd = diag[0];
	pfd[P_STATUS].fd = status[0];
	pfd[P_SIG].fd = sfd;
	for (i = 0; i < P_N; i++)
		pfd[i].events = POLLIN;
	out[0] = err[0] = diag[0] = status[0] = -1;	/* owned by pfd now */

	for (;;) {
		uint64_t now = sr_now_ms(), next = 0;
		int timeout = -1, n;

		if (pfd[P_OUT].fd < 0 && pfd[P_ERR].fd < 0 &&
		    pfd[P_STATUS].fd < 0 && pfd[P_DIAG].fd < 0)
			break;
		if (deadline && !timed_out && now >= deadline) {
			timed_out = true;
			kill(pid, SIGKILL);
			drain_until = now + DRAIN_MS;
		}
		if (kill_at && now >= kill_at) {
			kill(pid, SIGKILL);
			kill_at = 0;
			drain_until = now + DRAIN_MS;
		}
		if (drain_until && now >= drain_until)
			break;
		if (deadline && !timed_out)
			next = deadline;
		if (kill_at && (!next || kill_at < next))
			next = kill_at;
		if (drain_until && (!next || drain_until < next))
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
		for (i = P_OUT; i <= P_ERR; i++) {
			ssize_t k;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			k = read(pfd[i].fd, buf, sizeof(buf));
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (k <= 0) {
				close_fd(&pfd[i].fd);
				continue;
			}
			if (i == P_OUT)
				consume(run, &r->out, &pass_out, STDOUT_FILENO,
				    buf, (size_t)k, &output_over);
			else
				consume(run, &r->err, &pass_err, STDERR_FILENO,
				    buf, (size_t)k, &output_over);
		}
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
	if (!have_status && !timed_out && !interrupted) {
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
	classify(run, r, timed_out, interrupted, output_over, &cs);
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
	return rc;
}
