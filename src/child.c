#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chan.h"
#include "child.h"
#include "driver.h"
#include "fdpass.h"
#include "filter.h"
#include "export.h"
#include "initplan.h"
#include "notify.h"
#include "ns.h"
#include "quota.h"
#include "program.h"
#include "util.h"
#include "value.h"

#define CHAN_FD 3		/* the program's copy of the channel */
#define NOTIFY_FD 5		/* so the listener will be fd 4 (notify.h) */

static volatile pid_t program_pid;
static pid_t driver_pid;	/* the warm driver (driver.h), 0: none */
static int driver_ctl = -1;	/* init's end of its control socket */
static struct sock_filter filter_insns[BPF_MAXINSNS];
static struct sr_filter filter_copy;
static enum sr_child_step inject_step, stall_step;

static const char *const step_names[SR_STEP_COUNT] = {
	[SR_STEP_NONE] = "none", [SR_STEP_NAMESPACES] = "namespaces",
	[SR_STEP_SOURCES] = "bind sources",
	[SR_STEP_USER] = "sandbox user", [SR_STEP_MOUNTS] = "mounts",
	[SR_STEP_HOSTNAME] = "hostname", [SR_STEP_LOOPBACK] = "loopback",
	[SR_STEP_FORK] = "fork", [SR_STEP_STDIO] = "stdio",
	[SR_STEP_RLIMITS] = "rlimits", [SR_STEP_CAPS] = "capabilities",
	[SR_STEP_NO_NEW_PRIVS] = "no_new_privs", [SR_STEP_SECCOMP] = "seccomp",
};

void
sr_child_inject_failure(enum sr_child_step step)
{
	inject_step = step < SR_STEP_COUNT ? step : SR_STEP_NONE;
}

void
sr_child_inject_stall(enum sr_child_step step)
{
	stall_step = step < SR_STEP_COUNT ? step : SR_STEP_NONE;
}

const char *
sr_child_step_name(enum sr_child_step step)
{
	return step < SR_STEP_COUNT ? step_names[step] : "?";
}

/* 0, or -1 with d when a unit test asked this step to fail. */
static int
injected(enum sr_child_step step, struct sr_diag *d)
{
	while (stall_step != SR_STEP_NONE && stall_step == step)
		pause();	/* until a time limit kills it */
	if (inject_step == SR_STEP_NONE || inject_step != step)
		return 0;
	return sr_diag_set(d, "%s: injected failure", step_names[step]);
}

/* Report d to the supervisor and end: its message is the cause. */
__attribute__((noreturn)) static void
fail(int chan, const struct sr_diag *d, int code)
{
	(void)sr_chan_write(chan, SR_MSG_DIAG, d, sizeof(*d));
	_exit(code);
}

static void
forward(int sig)
{
	if (program_pid > 0)
		kill(-program_pid, sig);
}

/* SR_CHILD_STOP from the supervisor (a time limit): kill everything in
 * the namespace but init, which then reaps, exports the work dir's files
 * and reports as when the program ends by itself. */
static void
stop_all(int sig)
{
	(void)sig;
	kill(-1, SIGKILL);
}

static const char *
env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* execve argv[0], searching PATH from the sandbox environment. */
static void
exec_program(const struct sr_program_view *pv, struct sr_diag *d)
{
	const char *cmd = pv->argv[0], *path, *p, *colon;
	char buf[PATH_MAX];
	int saved = ENOENT;
	size_t len;

	if (strchr(cmd, '/') != NULL) {
		execve(cmd, pv->argv, pv->envp);
		saved = errno;
	} else {
		path = env_get(pv->envp, "PATH");
		if (path == NULL)
			path = "/usr/local/bin:/usr/bin:/bin";
		for (p = path; ; p = colon + 1) {
			colon = strchrnul(p, ':');
			len = (size_t)(colon - p);
			if (len == 0)
				len = 1, p = ".";
			if (len + 1 + strlen(cmd) < sizeof(buf)) {
				memcpy(buf, p, len);
				buf[len] = '/';
				strcpy(buf + len + 1, cmd);
				execve(buf, pv->argv, pv->envp);
				if (errno != ENOENT && errno != ENOTDIR)
					saved = errno;
			}
			if (*colon == '\0')
				break;
		}
	}
	errno = saved;
	sr_diag_errno(d, "cannot run %s", cmd);
	d->kind = saved == ENOENT ? SR_DIAG_EXEC_NOENT : SR_DIAG_EXEC_FAIL;
}

/* The descriptors of one RUN message, by role. */
struct run_fds {
	int out, err, program, in, notify, export;
	int ctl;		/* the warm driver's control socket, or -1 */
	int files;		/* --file copies to make (memfd), or -1 */
	int meminfo;		/* a warm call's /proc/meminfo (memfd), or -1 */
	bool in_null;		/* fd 0 is /dev/null already (a stub's, opened
				 * at create: stub_install) */
	uint64_t export_max;
	struct sr_program_view pv;
};

/* Program: stdio from the RUN message, the channel at CHAN_FD, the
 * notify socket at NOTIFY_FD, nothing else. */
static int
program_fds(const struct sr_sandbox *sb, const struct run_fds *f,
    struct sr_diag *d)
{
	int fd, nfd = -1, cfd = -1;

	fd = f->in >= 0 ? f->in : f->in_null ? 0 :
	    open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (injected(SR_STEP_STDIO, d) < 0)
		return -1;
	if (fd < 0 || (fd != 0 && dup2(fd, 0) < 0) || dup2(f->out, 1) < 0 ||
	    dup2(f->err, 2) < 0)
		return sr_diag_errno(d, "set up standard streams");
	if (f->notify >= 0 &&
	    (nfd = fcntl(f->notify, F_DUPFD_CLOEXEC, 10)) < 0)
		return sr_diag_errno(d, "dup notify socket");
	if (f->ctl >= 0 && (cfd = fcntl(f->ctl, F_DUPFD_CLOEXEC, 10)) < 0)
		return sr_diag_errno(d, "dup the driver's socket");
	if (sb->chan != CHAN_FD && dup3(sb->chan, CHAN_FD, O_CLOEXEC) < 0)
		return sr_diag_errno(d, "dup the channel");
	((struct sr_sandbox *)sb)->chan = CHAN_FD;
	if (nfd >= 0 && dup3(nfd, NOTIFY_FD, O_CLOEXEC) < 0)
		return sr_diag_errno(d, "dup notify socket");
	/* the warm driver keeps its socket across execve */
	if (cfd >= 0 && dup2(cfd, SR_DRIVER_FD) < 0)
		return sr_diag_errno(d, "dup the driver's socket");
	if (nfd < 0 && cfd < 0) {
		closefrom(4);	/* one close_range */
		return 0;
	}
	close(4);
	if (nfd < 0)
		close(NOTIFY_FD);
	if (cfd < 0)
		close(SR_DRIVER_FD);
	closefrom(SR_DRIVER_FD + 1);
	return 0;
}

/* What the kernel says of the program's confinement that nothing undoes
 * before execve (no_new_privs, the capabilities dropped: neither comes
 * back without an execve), into a fresh f. */
static void
observe_fixed(struct sr_msg_facts *f)
{
	memset(f, 0, sizeof(*f));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		f->flags |= SR_FACT_NO_NEW_PRIVS;
	if (sr_ns_caps_dropped())
		f->flags |= SR_FACT_CAPS_DROPPED;
}

/* And its rlimits, read back just before the filter goes in. */
static void
observe_rlimits(const struct sr_sandbox *sb, struct sr_msg_facts *f)
{
	const struct sr_rlimits *rl = sb->rlimits;
	bool all = true;
	int i;

	for (i = 0; i < rl->n && i < 8; i++) {
		f->resource[i] = rl->resource[i];
		if (getrlimit(rl->resource[i], &f->value[i]) < 0 ||
		    f->value[i].rlim_cur != rl->value[i].rlim_cur ||
		    f->value[i].rlim_max != rl->value[i].rlim_max)
			all = false;
	}
	f->n_rlimits = (uint32_t)i;
	if (all && i == rl->n)
		f->flags |= SR_FACT_RLIMITS;
}

/* The program's start that no call changes: a session of its own,
 * every signal at its default, none blocked. */
static int
program_session(struct sr_diag *d)
{
	struct sigaction sa;
	sigset_t none;
	int i;

	if (setsid() < 0)
		return sr_diag_errno(d, "setsid");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		sigaction(i, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	return 0;
}

/* Every capability dropped, then no_new_privs. */
static int
program_confine(struct sr_diag *d)
{
	if (injected(SR_STEP_CAPS, d) < 0 || sr_ns_drop_caps(d) < 0 ||
	    injected(SR_STEP_NO_NEW_PRIVS, d) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sr_diag_errno(d, "no_new_privs");
	return 0;
}

/* The last of the program's start, under its filter: FACTS, execve. */
static void
program_exec(const struct sr_sandbox *sb, const struct run_fds *f,
    const struct sr_msg_facts *facts, struct sr_diag *d)
{
	(void)sr_chan_write(sb->chan, SR_MSG_FACTS, facts, sizeof(*facts));
	exec_program(&f->pv, d);
}

/* The end of the program's start, its rlimits applied and confined
 * (facts has what observe_fixed saw): dumpable as the notify listener
 * needs, the rlimits read back, the seccomp filter (last), FACTS,
 * execve.  Returns only on failure, with d. */
static void
program_finish(const struct sr_sandbox *sb, const struct run_fds *f,
    struct sr_msg_facts *facts, bool observed, struct sr_diag *d)
{
	/* Dumpable only for the listener hand-over by pidfd_getfd, which
	 * needs it when the supervisor is not root (nothing else runs in
	 * the sandbox yet; execve resets dumpable anyway; RLIMIT_CORE is 0).
	 * Not when the program sends the listener itself (notify.h). */
	if (prctl(PR_SET_DUMPABLE, f->notify >= 0 &&
	    !sb->filter->send_listener ? 1 : 0, 0, 0, 0) < 0) {
		sr_diag_errno(d, "PR_SET_DUMPABLE");
		return;
	}
	if (!observed)
		observe_rlimits(sb, facts);
	if (injected(SR_STEP_SECCOMP, d) < 0)
		return;
	if (sr_notify_install(sb->filter, f->notify >= 0 ? NOTIFY_FD : -1) < 0) {
		sr_diag_errno(d, "install the seccomp filter");
		return;
	}
	/* seccomp(2) accepted the filter: from here on only write(2) */
	facts->flags |= SR_FACT_SECCOMP;
	program_exec(sb, f, facts, d);
}

static void
run_program(const struct sr_sandbox *sb, const struct run_fds *f,
    struct sr_diag *d)
{
	struct sr_msg_facts facts;

	if (program_session(d) < 0 || program_fds(sb, f, d) < 0)
		return;
	if (injected(SR_STEP_RLIMITS, d) < 0 ||
	    sr_rlimit_apply(sb->rlimits, d) < 0 || program_confine(d) < 0)
		return;
	observe_fixed(&facts);
	program_finish(sb, f, &facts, false, d);
}

/* AddressSanitizer cannot follow a task that starts on a stack of its
 * own in shared memory (it warns of a stack switch on every ending of
 * such a task, on stderr): sanitizer builds fork.  The installed build
 * shares init's memory. */
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_SHARES_VM 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_SHARES_VM 0
#endif
#endif
#ifndef SPAWN_SHARES_VM
#define SPAWN_SHARES_VM 1
#endif

/* The program's stack while it shares init's memory (spawn_program). */
static char spawn_stack[128 * 1024] __attribute__((aligned(64)));

struct spawn {
	const struct sr_sandbox *sb;
	const struct run_fds *f;
	struct sr_diag *d;
};

/* The program, from its start to execve or its DIAG. */
__attribute__((noreturn)) static int
program_main(void *arg)
{
	const struct spawn *s = arg;
	struct sr_sandbox own = *s->sb;	/* program_fds moves chan */

	run_program(&own, s->f, s->d);
	fail(own.chan, s->d, s->d->kind == SR_DIAG_EXEC_NOENT ? 127 :
	    s->d->kind == SR_DIAG_EXEC_FAIL ? 126 : 125);
}

/* Init: start the program.  It runs in init's memory until execve
 * (CLONE_VM | CLONE_VFORK: no page-table copy, no copy-on-write faults;
 * init waits, all signals blocked until the program has reset its
 * handlers), on its own stack and with its own copy of sb.  Not when the
 * supervisor copies the listener with pidfd_getfd: the program is then
 * made dumpable, a flag of the memory, which init must never be: fork. */
static pid_t
spawn_program(const struct sr_sandbox *sb, const struct run_fds *f,
    struct sr_diag *d)
{
	struct spawn s = { .sb = sb, .f = f, .d = d };
	sigset_t all, old;
	pid_t pid;

	if (!SPAWN_SHARES_VM ||
	    (f->notify >= 0 && !sb->filter->send_listener)) {
		pid = fork();
		if (pid == 0)
			program_main(&s);
		return pid;
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(program_main, spawn_stack + sizeof(spawn_stack),
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/*
 * The program stub of a pool's ready sandbox (sb->prefork: made ahead
 * of its one call, without a warm driver).  Init starts it before READY
 * as it starts a program (spawn_program: in init's memory, on a stack of
 * its own), but without CLONE_VFORK and sharing init's descriptor table
 * (CLONE_FILES) until the call; init waits until it did what no call
 * changes: its own session, signals at their defaults, every capability
 * dropped, no_new_privs, both observed (neither can come back before
 * execve).  Then it sleeps on a futex, with nothing of a call.  At RUN
 * init hands it the call as it would hand a forked program (struct
 * spawn) and sleeps until the stub's execve or end, which clears
 * stub_tid (CLONE_CHILD_CLEARTID; init's memory is the stub's until
 * execve, so, as with CLONE_VFORK, the two never run at once past the
 * setup).  The stub takes its own copy of the descriptor table then
 * (the call's stdio are in it) and goes on exactly as the program from
 * there: stdio and the other descriptors closed, rlimits, dumpable, the
 * seccomp filter last, FACTS, execve.  It is pid 2 of the sandbox, as a
 * program started at the call would be; no parent-death signal (no
 * program has one): it dies with init's pid namespace.  A stub that
 * failed its setup, or a call it cannot take (a dumpable program, which
 * init's memory must never be), leaves init to start the program as
 * before.  Not in sanitizer builds (SPAWN_SHARES_VM) nor under injected
 * failures (unit tests).
 *
 * The filter at create (stub_pre): the kernel compiles a filter to
 * native code at every install, ~0.15 ms of a call for a policy's ~700
 * instructions (docs/profile.md).  When the program the supervisor
 * compiled lets through every system call the stub still makes after it
 * (stub_filter_fits, asked of the program itself with sr_filter_allows),
 * the stub installs it during its setup instead, after no_new_privs:
 * it takes its own descriptor table then (unshare, which no policy
 * allows), sets dumpable as a stub's program has it at the call (0:
 * prctl is refused too), installs the filter (with its notify listener,
 * which it keeps in that table until the call) and keeps one end of a
 * socket pair whose other end stays with init.  At RUN init sends the
 * call's stdio and notify socket over that pair; the stub sends the
 * listener over the notify socket (as sr_notify_install does) before
 * anything else, then goes on with stdio, rlimits, FACTS, execve.  The
 * filter is the one a call would install (the pool serves only calls
 * whose policy hashes as its own, run.c fits_ready), one layer, and
 * nothing but sandrun's own code runs under it before the call: the
 * listener has nothing to report until the program runs, and reaches
 * the call's supervisor (the worker that created the sandbox) before
 * execve, as without the stub.
 */
enum { STUB_SETUP, STUB_WAITING, STUB_FAILED, STUB_CALL, STUB_END };

static char stub_stack[128 * 1024] __attribute__((aligned(64)));
static pid_t stub_pid;			/* 0: none */
static volatile uint32_t stub_state;	/* futex word, STUB_* */
static volatile pid_t stub_tid;		/* cleared at its execve or end */
static struct spawn stub_call;		/* the call, at STUB_CALL */
/* stub_pre: the socket pair, init's end and the stub's (-1: none) */
static int stub_init_end = -1, stub_end = -1;
static bool stub_pre;
/* stub_pre: what the stub put in place at create (stub_place) */
static bool stub_null0, stub_chan3;
/* The rlimits the stub set at create (stub_rlimits_early), each read
 * back equal to the plan's: all of them but RLIMIT_NOFILE, which waits
 * for the call's descriptors as in a cold run (program_fds dups them
 * before any rlimit). */
static struct sr_rlimits stub_rl;

/* What the call's descriptors are, in init's message to the stub. */
#define STUB_FD_IN 1
#define STUB_FD_NOTIFY 2

static int take_filter(struct sr_sandbox *sb, struct sr_diag *d);

static void
futex_wait(volatile void *word, uint32_t val)
{
	(void)syscall(SYS_futex, word, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void
futex_wake(volatile void *word)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Whether f lets through every system call the stub makes once the
 * filter is in when it goes in at create (stub_main's futex wake,
 * stub_call_pre, then program_fds, stub_rlimits_call, program_exec,
 * fail),
 * with the arguments that decide (a filter cannot read memory: pointers
 * do not matter). */
static bool
stub_filter_fits(const struct sr_filter *f)
{
	static const long any[] = { SYS_close, SYS_write, SYS_execve,
		SYS_exit_group };
	size_t i;
	int r, fd;

	for (i = 0; i < sizeof(any) / sizeof(any[0]); i++)
		if (!sr_filter_allows(f, any[i], 3, 1, 1, 0))
			return false;
	if (!sr_filter_allows(f, SYS_futex, 1, FUTEX_WAKE, 1, 0) ||
	    !sr_filter_allows(f, SYS_recvmsg, 3, 1, MSG_CMSG_CLOEXEC, 0) ||
	    !sr_filter_allows(f, SYS_sendmsg, 3, 1, MSG_NOSIGNAL, 0) ||
	    !sr_filter_allows(f, SYS_openat, (uint64_t)(int64_t)AT_FDCWD, 1,
	    O_RDONLY | O_CLOEXEC, 0) ||
	    !sr_filter_allows(f, SYS_dup3, 7, CHAN_FD, O_CLOEXEC, 0) ||
	    !sr_filter_allows(f, SYS_close_range, SR_DRIVER_FD + 1, ~0U, 0, 0) ||
	    !sr_filter_allows(f, SYS_close_range, 4, ~0U, 0, 0))
		return false;
	for (fd = 0; fd <= 2; fd++)
#ifdef SYS_dup2
		if (!sr_filter_allows(f, SYS_dup2, 7, (uint64_t)fd, 0, 0))
#else
		if (!sr_filter_allows(f, SYS_dup3, 7, (uint64_t)fd, 0, 0))
#endif
			return false;
	/* setrlimit and getrlimit, on the caller */
	for (r = 0; r < RLIMIT_NLIMITS; r++)
		if (!sr_filter_allows(f, SYS_prlimit64, 0, (uint64_t)r, 1, 0) ||
		    !sr_filter_allows(f, SYS_prlimit64, 0, (uint64_t)r, 0, 1))
			return false;
	return true;
}

/* Init, before the stub: whether its filter goes in at create; then
 * init has the filter (take_filter) and the pair.  The supervisor
 * compiles the filter while init sets up (sandbox.c compile_filter) and
 * publishes its length last: wait for it (the supervisor kills init if
 * it cannot compile). */
static bool
stub_pre_decide(struct sr_sandbox *sb)
{
	struct sr_filter_shm *s = sb->shared;
	struct sr_diag scratch;
	int sv[2];

	if (sb->filter == NULL && s != NULL)
		while (__atomic_load_n(&s->len, __ATOMIC_ACQUIRE) == 0)
			futex_wait(&s->len, 0);
	memset(&scratch, 0, sizeof(scratch));
	if (take_filter(sb, &scratch) < 0 ||
	    (sb->filter->notify && !sb->filter->send_listener) ||
	    !stub_filter_fits(sb->filter) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	stub_init_end = sv[0];
	stub_end = sv[1];
	return true;
}

/* The stub, at create, in its own descriptor table (stub_pre): what
 * program_fds would make of it at a call without stdin, where nothing
 * of init's it still needs is in the way: /dev/null at 0 (opened as
 * program_fds opens it), the channel at CHAN_FD.  Each step that does
 * not happen is done at the call as before. */
static void
stub_place(const struct sr_sandbox *sb)
{
	int fd;

	if (stub_end <= CHAN_FD || sb->chan <= CHAN_FD)
		return;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd == 0)
		stub_null0 = fcntl(0, F_SETFD, 0) == 0;	/* as dup2 makes it */
	else if (fd > 0) {
		stub_null0 = dup2(fd, 0) == 0;
		close(fd);
	}
	stub_chan3 = dup3(sb->chan, CHAN_FD, O_CLOEXEC) == CHAN_FD;
}

/* The stub, at create: the plan's rlimits but RLIMIT_NOFILE (stub_rl),
 * as program_start sets them at the call; nothing else runs in this
 * process until then to change them.  One that cannot be set is left to
 * the call, which fails there as a cold run fails. */
static void
stub_rlimits_early(const struct sr_rlimits *rl)
{
	struct rlimit got;
	int i;

	stub_rl.n = 0;
	for (i = 0; i < rl->n; i++) {
		int res = rl->resource[i];

		if (res == RLIMIT_NOFILE || setrlimit(res, &rl->value[i]) < 0 ||
		    getrlimit(res, &got) < 0 ||
		    got.rlim_cur != rl->value[i].rlim_cur ||
		    got.rlim_max != rl->value[i].rlim_max)
			continue;
		stub_rl.resource[stub_rl.n] = res;
		stub_rl.value[stub_rl.n++] = got;
	}
}

/* The index in stub_rl of resource `res` set to *v at create, or -1. */
static int
stub_rl_index(int res, const struct rlimit *v)
{
	int j;

	for (j = 0; j < stub_rl.n; j++)
		if (stub_rl.resource[j] == res &&
		    stub_rl.value[j].rlim_cur == v->rlim_cur &&
		    stub_rl.value[j].rlim_max == v->rlim_max)
			return j;
	return -1;
}

/* The stub at the call: the program's rlimits (sb->rlimits: the plan's
 * or a call's lower ones), setting only those create did not set to the
 * same value, then each read back into f as observe_rlimits does (the
 * ones from create as read back then). */
static int
stub_rlimits_call(const struct sr_sandbox *sb, struct sr_msg_facts *f,
    struct sr_diag *d)
{
	const struct sr_rlimits *rl = sb->rlimits;
	bool all = true;
	int i, j;

	for (i = 0; i < rl->n; i++)
		if (stub_rl_index(rl->resource[i], &rl->value[i]) < 0 &&
		    setrlimit(rl->resource[i], &rl->value[i]) < 0)
			return sr_diag_errno(d, "setrlimit %d",
			    rl->resource[i]);
	for (i = 0; i < rl->n && i < 8; i++) {
		f->resource[i] = rl->resource[i];
		j = stub_rl_index(rl->resource[i], &rl->value[i]);
		if (j >= 0)
			f->value[i] = stub_rl.value[j];
		else if (getrlimit(rl->resource[i], &f->value[i]) < 0)
			all = false;
		if (f->value[i].rlim_cur != rl->value[i].rlim_cur ||
		    f->value[i].rlim_max != rl->value[i].rlim_max)
			all = false;
	}
	f->n_rlimits = (uint32_t)i;
	if (all && i == rl->n)
		f->flags |= SR_FACT_RLIMITS;
	return 0;
}

/* The stub, at create, after no_new_privs (stub_pre): its own
 * descriptors (stub_place), dumpable as at the call, the filter.  The
 * listener's fd (or -1), or -2 on failure (init then starts the program
 * at the call, which installs the filter itself). */
static int
stub_install(const struct sr_sandbox *sb, struct sr_msg_facts *facts)
{
	int fd;

	if (unshare(CLONE_FILES) < 0)
		return -2;
	close(stub_init_end);	/* init's, in our own table */
	stub_place(sb);
	/* what program_finish sets for a program a stub may start (never
	 * a dumpable one: stub_take) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -2;
	fd = sb->filter->notify ? sr_filter_install_listener(sb->filter) :
	    sr_filter_install(sb->filter);
	if (fd < 0)
		return -2;
	/* seccomp(2) accepted the filter: from here on only what
	 * stub_filter_fits checked */
	facts->flags |= SR_FACT_SECCOMP;
	return sb->filter->notify ? fd : -1;
}

/* The stub under its filter, at the call (stub_pre): it sleeps in
 * recvmsg until init's message with the call's descriptors (stub_call is
 * set by then), a socket wakeup: "sync", so the scheduler keeps the stub
 * on init's CPU, where init is about to sleep; a futex wake is not and
 * may land it on the other, idle one.  EOF: no call (stub_drop).  Then
 * the listener to the supervisor, then the program's start from stdio.
 * Returns only on failure, with d. */
static void
stub_call_pre(struct sr_sandbox *own, int listener, struct sr_msg_facts *facts)
{
	struct run_fds f;
	int fds[4], i = 2, nsock = -1;
	size_t nfds = 0;
	ssize_t k;
	char mask = 0;

	k = sr_fdpass_recv(stub_end, &mask, 1, 0, fds, 4, &nfds, NULL);
	if (k == 0 ||
	    __atomic_load_n(&stub_state, __ATOMIC_SEQ_CST) != STUB_CALL)
		_exit(0);	/* init dropped the stub: EOF */
	*own = *stub_call.sb;	/* the call's rlimits and filter */
	if (stub_chan3)
		own->chan = CHAN_FD;
	if (k != 1 || nfds != (size_t)(2 + !!(mask & STUB_FD_IN) +
	    !!(mask & STUB_FD_NOTIFY))) {
		sr_diag_set(stub_call.d, "program stub: its descriptors");
		return;
	}
	f = *stub_call.f;
	f.out = fds[0];
	f.err = fds[1];
	f.in = mask & STUB_FD_IN ? fds[i++] : -1;
	f.in_null = f.in < 0 && stub_null0;
	nsock = mask & STUB_FD_NOTIFY ? fds[i++] : -1;
	f.notify = f.ctl = -1;
	/* first, as sr_notify_install would right after the install */
	if (listener >= 0 && nsock >= 0)
		sr_notify_pass_listener(nsock, listener);
	/* Both go before execve, unobservable without the socket: with
	 * stub_end and the rest in program_fds' close_range from fd 4, or
	 * now when below it. */
	if (listener >= 0 && listener < 4)
		close(listener);
	if (nsock >= 0 && nsock < 4)
		close(nsock);
	if (program_fds(own, &f, stub_call.d) == 0 &&
	    stub_rlimits_call(own, facts, stub_call.d) == 0)
		program_exec(own, &f, facts, stub_call.d);
}

__attribute__((noreturn)) static int
stub_main(void *arg)
{
	struct sr_sandbox own = *(const struct sr_sandbox *)arg;
	struct sr_msg_facts facts;
	struct sr_diag d;
	int listener = -1;
	bool ok;

	memset(&d, 0, sizeof(d));
	ok = program_session(&d) == 0 && program_confine(&d) == 0;
	if (ok) {
		observe_fixed(&facts);
		stub_rlimits_early(own.rlimits);
	}
	if (ok && stub_pre)
		ok = (listener = stub_install(&own, &facts)) != -2;
	__atomic_store_n(&stub_state, ok ? STUB_WAITING : STUB_FAILED,
	    __ATOMIC_SEQ_CST);
	futex_wake(&stub_state);
	if (!ok)
		_exit(125);	/* init starts the program, which says why */
	if (stub_pre) {
		stub_call_pre(&own, listener, &facts);
	} else {
		while (__atomic_load_n(&stub_state, __ATOMIC_SEQ_CST) ==
		    STUB_WAITING)
			futex_wait(&stub_state, STUB_WAITING);
		if (__atomic_load_n(&stub_state, __ATOMIC_SEQ_CST) != STUB_CALL)
			_exit(0);
		own = *stub_call.sb;	/* the call's rlimits and filter */
		if (unshare(CLONE_FILES) < 0)
			sr_diag_errno(stub_call.d,
			    "program stub: its descriptors");
		else if (program_fds(&own, stub_call.f, stub_call.d) == 0 &&
		    stub_rlimits_call(&own, &facts, stub_call.d) == 0)
			program_finish(&own, stub_call.f, &facts, true,
			    stub_call.d);
	}
	fail(own.chan, stub_call.d,
	    stub_call.d->kind == SR_DIAG_EXEC_NOENT ? 127 :
	    stub_call.d->kind == SR_DIAG_EXEC_FAIL ? 126 : 125);
}

/* Init: no stub from here on; one that did not take a call is ended
 * and reaped. */
static void
stub_drop(void)
{
	pid_t t;

	if (stub_init_end >= 0)
		close(stub_init_end);
	stub_init_end = -1;
	if (stub_pid <= 0)
		return;
	__atomic_store_n(&stub_state, STUB_END, __ATOMIC_SEQ_CST);
	futex_wake(&stub_state);
	while (waitpid(stub_pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* its memory was ours: gone before anything else runs here */
	while ((t = stub_tid) != 0)
		futex_wait(&stub_tid, (uint32_t)t);
	stub_pid = 0;
}

/* Init, before READY: the stub, when this sandbox waits for its call.
 * No stub is no error. */
static void
stub_start(struct sr_sandbox *sb)
{
	sigset_t all, old;
	uint32_t st = STUB_FAILED;
	pid_t pid;

	if (!SPAWN_SHARES_VM || !sb->prefork ||
	    inject_step != SR_STEP_NONE || stall_step != SR_STEP_NONE)
		return;
	stub_pre = stub_pre_decide(sb);
	stub_state = STUB_SETUP;
	/* Every signal blocked until the stub is set up: init's handlers
	 * are not the stub's (none runs before it reset them: its mask is
	 * its own), and no handler of init's runs in their shared memory
	 * meanwhile (as during CLONE_VFORK). */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(stub_main, stub_stack + sizeof(stub_stack),
	    CLONE_VM | CLONE_FILES | CLONE_CHILD_SETTID |
	    CLONE_CHILD_CLEARTID | SIGCHLD, sb, NULL, NULL, &stub_tid);
	while (pid > 0 && (st = __atomic_load_n(&stub_state,
	    __ATOMIC_SEQ_CST)) == STUB_SETUP)
		futex_wait(&stub_state, STUB_SETUP);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* the stub's end is in its own table by now, or never will be */
	if (stub_end >= 0)
		close(stub_end);
	if (pid < 0) {
		stub_drop();
		return;
	}
	stub_pid = pid;
	if (st != STUB_WAITING)
		stub_drop();
}

/* Init, at RUN without a driver: the call to the stub, as
 * spawn_program would start it (psb has the program's rlimits and
 * filter).  Returns the program's pid once it exec'd or ended, or 0
 * without a stub that can take the call (init starts it then). */
static pid_t
stub_take(const struct sr_sandbox *psb, const struct run_fds *f,
    struct sr_diag *d)
{
	pid_t pid = stub_pid, t;
	sigset_t all, old;
	int fds[4], n = 2;
	char mask = 0;

	if (pid <= 0)
		return 0;
	if ((f->notify >= 0 && !psb->filter->send_listener) ||
	    stub_tid == 0) {
		/* a program made dumpable (a fork), or the stub is gone */
		stub_drop();
		return 0;
	}
	stub_call.sb = psb;
	stub_call.f = f;
	stub_call.d = d;
	/* init's handlers wait until the stub's execve, as with
	 * CLONE_VFORK (spawn_program) */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	__atomic_store_n(&stub_state, STUB_CALL, __ATOMIC_SEQ_CST);
	if (stub_pre) {
		/* the descriptors the stub does not share any more; the
		 * message wakes it (stub_call_pre) */
		fds[0] = f->out;
		fds[1] = f->err;
		if (f->in >= 0)
			fds[n++] = f->in, mask |= STUB_FD_IN;
		if (f->notify >= 0)
			fds[n++] = f->notify, mask |= STUB_FD_NOTIFY;
		if (sr_fdpass_send(stub_init_end, &mask, 1, 0, fds,
		    (size_t)n) < 0) {
			__atomic_store_n(&stub_state, STUB_END,
			    __ATOMIC_SEQ_CST);
			sigprocmask(SIG_SETMASK, &old, NULL);
			stub_drop();	/* EOF: it ends */
			return 0;
		}
		/* Init does not wait for its execve: the stub has its own
		 * descriptor table since create and reads only what init
		 * leaves alone until the program's end (stub_call: serve_run's
		 * f, psb and d, the program's view), on its own stack; init
		 * meanwhile only closes its own descriptors, waits (reap) and
		 * forwards signals (kill), writing errno at most, which it
		 * reads only where a stub's value cannot mislead it.  So init
		 * sleeps in wait4 through the program's start, and no wake at
		 * the execve puts it behind the program on its CPU. */
		stub_pid = 0;
		program_pid = pid;	/* before a signal can be forwarded */
		sigprocmask(SIG_SETMASK, &old, NULL);
		return pid;
	}
	futex_wake(&stub_state);
	stub_pid = 0;
	while ((t = stub_tid) != 0)
		futex_wait(&stub_tid, (uint32_t)t);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* Init, after a call's STATUS: the rest of a stub that took it. */
static void
stub_forget(void)
{
	if (stub_init_end >= 0)
		close(stub_init_end);
	stub_init_end = -1;
}

/* Init: the descriptors of a RUN message, by role. */
static int
take_fds(const struct sr_msg_run *m, const int *fds, int nfds,
    struct run_fds *f)
{
	int want = 3 + !!(m->fds & SR_RUN_STDIN) + !!(m->fds & SR_RUN_NOTIFY) +
	    !!(m->fds & SR_RUN_EXPORT) + !!(m->fds & SR_RUN_FILES) +
	    !!(m->fds & SR_RUN_MEMINFO), i = 3;

	if (nfds != want)
		return -1;
	f->out = fds[0];
	f->err = fds[1];
	f->program = fds[2];
	f->in = m->fds & SR_RUN_STDIN ? fds[i++] : -1;
	f->notify = m->fds & SR_RUN_NOTIFY ? fds[i++] : -1;
	f->export = m->fds & SR_RUN_EXPORT ? fds[i++] : -1;
	f->files = m->fds & SR_RUN_FILES ? fds[i++] : -1;
	f->meminfo = m->fds & SR_RUN_MEMINFO ? fds[i++] : -1;
	f->export_max = m->export_max;
	f->ctl = -1;
	f->in_null = false;
	return 0;
}

/* Init: wait for the program, then for everything else in the sandbox
 * (nothing outlives the program), then export and report. */
static void
reap(const struct sr_sandbox *sb, const struct run_fds *f, pid_t pid,
    struct sr_msg_status *st)
{
	int ws;

	for (;;) {
		struct rusage ru;
		pid_t w = wait4(-1, &ws, 0, &ru);

		/* EINTR, or ECHILD: nothing to wait for.  errno is a stub's
		 * too until its execve (stub_take does not wait for it), and
		 * a stub never sets ECHILD: only a real one ends the wait. */
		if (w < 0 && errno != ECHILD)
			continue;
		if (w < 0)
			break;
		if (w == pid) {
			st->wstatus = ws;
			st->ru = ru;
			break;
		}
	}
	program_pid = 0;
	/* Every process of the namespace is init's descendant, orphans its
	 * children: none left (ECHILD) is none running, and kill(-1), which
	 * walks every process of the host, has nothing to do. */
	if (waitpid(-1, NULL, WNOHANG) >= 0 || errno != ECHILD) {
		kill(-1, SIGKILL);
		while (wait(NULL) > 0 || errno == EINTR)
			;
	}
	/* Every sandboxed process is dead: collect the files (export.h). */
	if (f->export >= 0)
		sr_export_walk(f->export, sb->plan->workdir, f->export_max);
}

/* Init: the code file of this run, in the work dir (or /tmp when the
 * work dir is a host directory: never write there), as the sandbox user. */
static int
write_code(const struct sr_sandbox *sb, const struct sr_program_view *pv,
    struct sr_diag *d)
{
	char path[PATH_MAX];
	int fd;

	if (pv->code_name == NULL)
		return 0;
	if (strchr(pv->code_name, '/') != NULL ||
	    snprintf(path, sizeof(path), "%s/%s",
	    sr_mounts_workdir_bound(sb->plan) ? "/tmp" : sb->plan->workdir,
	    pv->code_name) >= (int)sizeof(path))
		return sr_diag_set(d, "bad code file name %s", pv->code_name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return sr_diag_errno(d, "create %s", path);
	if (sr_write_all(fd, pv->code, pv->code_len) < 0) {
		sr_diag_errno(d, "write %s", path);
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Init, at the first RUN: the filter into our own memory, and the
 * shared page gone before any program exists. */
static int
take_filter(struct sr_sandbox *sb, struct sr_diag *d)
{
	struct sr_filter_shm *s = sb->shared;

	if (sb->filter != NULL)
		return 0;
	if (s == NULL || s->len == 0 || s->len > BPF_MAXINSNS)
		return sr_diag_set(d, "no compiled seccomp filter");
	memcpy(filter_insns, s->insns, s->len * sizeof(filter_insns[0]));
	filter_copy.insns = filter_insns;
	filter_copy.len = (unsigned short)s->len;
	filter_copy.notify = s->notify != 0;
	filter_copy.send_listener = s->send_listener != 0;
	sb->filter = &filter_copy;
	munmap(s, sizeof(*s));
	sb->shared = NULL;
	return 0;
}

/* Init, at a warm call: the call's own rlimits (RUN with
 * SR_RUNF_RLIMITS, lower than the pool's), or 0 entries: the plan's. */
static struct sr_rlimits call_rl;

static void
take_rlimits(const struct sr_msg_run *m)
{
	uint32_t i;

	call_rl.n = 0;
	if (!(m->flags & SR_RUNF_RLIMITS))
		return;
	for (i = 0; i < m->n_rlimits && i < SR_RUN_RLIMITS; i++) {
		call_rl.resource[i] = m->rl_resource[i];
		call_rl.value[i] = m->rl_value[i];
	}
	call_rl.n = (int)i;
}

/* Init, at a call in a ready sandbox without a driver: the plan's
 * rlimits for the program, with the call's own (take_rlimits) in place
 * of each that is lower, never a higher one. */
static const struct sr_rlimits *
program_rlimits(const struct sr_sandbox *sb, struct sr_rlimits *buf)
{
	int i, j;

	if (call_rl.n == 0)
		return sb->rlimits;
	*buf = *sb->rlimits;
	for (i = 0; i < call_rl.n; i++)
		for (j = 0; j < buf->n; j++)
			if (buf->resource[j] == call_rl.resource[i] &&
			    call_rl.value[i].rlim_cur <= buf->value[j].rlim_cur &&
			    call_rl.value[i].rlim_max <= buf->value[j].rlim_max)
				buf->value[j] = call_rl.value[i];
	return buf;
}

/* Init, at a warm call: the driver's rlimits as the plan (or the call)
 * says, RLIMIT_CPU moved by the CPU seconds the driver used before the
 * call, so the call gets its whole limit; lowered where they were
 * higher, never raised; each read back (prlimit) for FACTS. */
static int
relimit(const struct sr_sandbox *sb, uint64_t base_s, bool loop,
    struct sr_msg_facts *f, struct sr_diag *d)
{
	const struct sr_rlimits *rl = call_rl.n > 0 ? &call_rl : sb->rlimits;
	bool all = true;
	int i;

	memset(f, 0, sizeof(*f));
	f->flags = SR_FACT_WARM;
	f->cpu_base_s = base_s;
	for (i = 0; i < rl->n && i < 8; i++) {
		struct rlimit want = rl->value[i], cur;
		int res = rl->resource[i];

		if (res == RLIMIT_CPU && want.rlim_cur != RLIM_INFINITY)
			want.rlim_cur += base_s;
		if (res == RLIMIT_CPU && want.rlim_max != RLIM_INFINITY)
			want.rlim_max += base_s;
		/* A session's driver (loop) kept init's hard RLIMIT_CPU
		 * (sb->session): the soft one moves to the call's limit past
		 * what it used before, SIGXCPU there; the cgroup's, where
		 * there is one, stops the whole tree (supervise.c).  Else
		 * lowered to a warm call's own (call_rl), never raised. */
		if (prlimit(driver_pid, res, NULL, &cur) < 0)
			return sr_diag_errno(d, "warm driver: rlimit %d", res);
		if (res == RLIMIT_CPU && loop && sb->session &&
		    want.rlim_cur <= cur.rlim_max)
			want.rlim_max = cur.rlim_max;
		else if ((loop && res == RLIMIT_CPU) ||
		    want.rlim_cur > cur.rlim_cur || want.rlim_max > cur.rlim_max)
			want = cur;
		if ((want.rlim_cur != cur.rlim_cur ||
		    want.rlim_max != cur.rlim_max) &&
		    prlimit(driver_pid, res, &want, NULL) < 0)
			return sr_diag_errno(d, "warm driver: rlimit %d", res);
		f->resource[i] = res;
		if (prlimit(driver_pid, res, NULL, &f->value[i]) < 0 ||
		    f->value[i].rlim_cur != want.rlim_cur ||
		    f->value[i].rlim_max != want.rlim_max)
			all = false;
	}
	f->n_rlimits = (uint32_t)i;
	if (all && i == rl->n)
		f->flags |= SR_FACT_RLIMITS;
	return 0;
}

/* Init, at RUN in a sandbox with a warm driver: the call instead of a
 * fork.  The limits first (relimit, FACTS), then the call (driver.h):
 * the code file init just wrote, argv, environment and the run's stdio.
 * The driver runs it and exits; init reaps it as the program.  *used is
 * the CPU time it had used, which is not the call's. */
static int
call_driver(struct sr_sandbox *sb, const struct run_fds *f, bool loop,
    struct timeval used[2], struct sr_diag *d)
{
	struct sr_msg_facts facts;
	unsigned long long ut, st;
	char code[PATH_MAX], *req;
	int stdio[3], null = -1, rc;

	if (f->pv.code_name == NULL ||
	    snprintf(code, sizeof(code), "%s/%s", sb->plan->workdir,
	    f->pv.code_name) >= (int)sizeof(code))
		return sr_diag_set(d, "warm driver: no code file");
	if (sr_driver_cpu_used(driver_pid, &ut, &st) < 0)
		return sr_diag_errno(d, "warm driver: its CPU time");
	used[0].tv_sec = (time_t)(ut / 1000000);
	used[0].tv_usec = (suseconds_t)(ut % 1000000);
	used[1].tv_sec = (time_t)(st / 1000000);
	used[1].tv_usec = (suseconds_t)(st % 1000000);
	if (relimit(sb, MIN((ut + st + 999999) / 1000000,
	    SR_DRIVER_WARMUP_CPU_S), loop, &facts, d) < 0)
		return -1;
	(void)sr_chan_write(sb->chan, SR_MSG_FACTS, &facts, sizeof(facts));
	if ((stdio[0] = f->in) < 0 &&
	    (stdio[0] = null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return sr_diag_errno(d, "/dev/null");
	stdio[1] = f->out;
	stdio[2] = f->err;
	req = sr_driver_request(f->pv.argv, f->pv.envp, sb->plan->workdir,
	    code, loop);
	rc = sr_driver_call(driver_ctl, stdio, req, d);
	free(req);
	if (null >= 0)
		close(null);
	return rc;
}

/* Init, in loop mode: the driver's done record, or its end.  Returns 1
 * with *dn, or 0 with its wait status in *ws (a record init cannot
 * parse ends it too).  Other processes that end meanwhile are reaped. */
static int
loop_wait(struct sr_driver_done *dn, int *ws, struct rusage *ru)
{
	struct sr_diag d;
	pid_t w;

	for (;;) {
		struct pollfd p = { .fd = driver_ctl, .events = POLLIN };

		if (poll(&p, 1, 50) > 0) {
			memset(&d, 0, sizeof(d));
			if (sr_driver_wait_done(driver_ctl, 0, dn, &d) == 0)
				return 1;
			kill(driver_pid, SIGKILL);
			while (wait4(driver_pid, ws, 0, ru) < 0 && errno == EINTR)
				;
			return 0;
		}
		while ((w = wait4(-1, ws, WNOHANG, ru)) > 0)
			if (w == driver_pid)
				return 0;
	}
}

/* An ended process not yet reaped (the driver's children stay so until
 * it waits for them: nothing to kill). */
static bool
zombie(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (sr_read_text(path, buf, sizeof(buf)) < 0)
		return true;	/* gone */
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* Init, after a call in loop mode: kill every process of the sandbox
 * but init and the driver (its own pid namespace: /proc lists them)
 * and reap them, until none is left.  Returns -1 when the driver ended
 * meanwhile. */
static int
kill_others(void)
{
	int round, n, rc = 0;
	pid_t w;

	for (round = 0; round < 1000; round++) {
		DIR *dir = opendir("/proc");
		struct dirent *e;

		if (dir == NULL)
			return rc;
		n = 0;
		while ((e = readdir(dir)) != NULL) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);

			if (*end != '\0' || pid <= 1 || pid == driver_pid ||
			    zombie((pid_t)pid))
				continue;
			kill((pid_t)pid, SIGKILL);
			n++;
		}
		closedir(dir);
		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			if (w == driver_pid)
				rc = -1;
		if (n == 0)
			return rc;
		usleep(1000);
	}
	return rc;
}

/* Init, at a session's call with a driver: wait for its done record
 * (the done status as the wait status) or its end (its own status; no
 * driver from here on: the session restarts), then nothing else left
 * running, then export.  st->ru has the driver's CPU time so far. */
static void
loop_reap(const struct sr_sandbox *sb, const struct run_fds *f,
    struct sr_msg_status *st)
{
	struct sr_driver_done dn = { 0, NULL, NULL };
	unsigned long long ut = 0, stime = 0, hwm = 0;
	int ws = 0, alive;

	alive = loop_wait(&dn, &ws, &st->ru);
	program_pid = 0;
	if (alive)
		(void)sr_value_send(sb->chan, dn.value, dn.value_png);
	if (alive) {
		st->wstatus = W_EXITCODE(dn.status & 0xff, 0);
		memset(&st->ru, 0, sizeof(st->ru));
		if (sr_driver_cpu_used(driver_pid, &ut, &stime) == 0) {
			st->ru.ru_utime.tv_sec = (time_t)(ut / 1000000);
			st->ru.ru_utime.tv_usec = (suseconds_t)(ut % 1000000);
			st->ru.ru_stime.tv_sec = (time_t)(stime / 1000000);
			st->ru.ru_stime.tv_usec = (suseconds_t)(stime % 1000000);
		}
		/* its peak so far, as ru_maxrss would say at its exit */
		if (sr_driver_peak_rss(driver_pid, &hwm) == 0)
			st->ru.ru_maxrss = (long)hwm;
		if (kill_others() < 0)
			alive = 0;
	} else {
		st->wstatus = ws;
		kill(-1, SIGKILL);
		while (wait(NULL) > 0 || errno == EINTR)
			;
	}
	if (!alive) {
		close(driver_ctl);
		driver_ctl = -1;
		driver_pid = 0;
	}
	sr_driver_done_free(&dn);
	if (f->export >= 0)
		sr_export_walk(f->export, sb->plan->workdir, f->export_max);
}

/* Init, at a pool's one call to its driver: 1 with its done record, 0
 * without one (it ended, or the code closed its socket or wrote there
 * what is not a record: the driver is then the program, reaped as one).
 * Other processes that end meanwhile are reaped; the driver is not. */
static int
driver_done(struct sr_driver_done *dn)
{
	struct sr_diag d;

	for (;;) {
		struct pollfd p = { .fd = driver_ctl, .events = POLLIN };
		siginfo_t si;

		if (poll(&p, 1, 50) > 0) {
			memset(&d, 0, sizeof(d));
			return sr_driver_wait_done(driver_ctl, 0, dn, &d) == 0;
		}
		for (;;) {
			memset(&si, 0, sizeof(si));
			if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG |
			    WNOWAIT) < 0 || si.si_pid == 0)
				break;
			if (si.si_pid == driver_pid)
				return 0;
			(void)waitpid(si.si_pid, NULL, 0);
		}
	}
}

/* Init, after a pool's one call to its driver: the done record (sent
 * once python has ended as it ends and closed every descriptor but the
 * socket) or the driver's end.  On the record the driver is stopped, not
 * killed: its exit, the teardown of everything it imported, would cost
 * milliseconds before the result; it dies with the sandbox at destroy.
 * Stopped (every thread: WUNTRACED) it runs nothing while everything
 * else is killed and the files are exported, as after its exit. */
static void
driver_reap(const struct sr_sandbox *sb, const struct run_fds *f,
    struct sr_msg_status *st)
{
	struct sr_driver_done dn = { 0, NULL, NULL };
	struct rusage ru;
	int ws = 0, said;
	pid_t w = -1;

	said = driver_done(&dn);
	sr_driver_done_free(&dn);	/* the status is all it says */
	if (said && kill(driver_pid, SIGSTOP) == 0)
		while ((w = wait4(driver_pid, &ws, WUNTRACED, &ru)) < 0 &&
		    errno == EINTR)
			;
	if (w != driver_pid) {
		/* no more from it: a driver that still says done finds EOF
		 * and exits */
		close(driver_ctl);
		driver_ctl = -1;
		reap(sb, f, driver_pid, st);
		return;
	}
	program_pid = 0;
	/* the usage of a stopped child is its own and its reaped
	 * children's, as at its end (wait_task_stopped); one that ended
	 * meanwhile has its own status */
	st->wstatus = WIFSTOPPED(ws) ? W_EXITCODE(dn.status & 0xff, 0) : ws;
	st->ru = ru;
	/* its teardown at destroy yields to the reply */
	(void)setpriority(PRIO_PROCESS, driver_pid, 19);
	(void)kill_others();
	if (f->export >= 0)
		sr_export_walk(f->export, sb->plan->workdir, f->export_max);
}

/* Init, at WARM (a ready sandbox of a pool): start the policy's warm
 * driver exactly as a program is started (run_program: new session,
 * rlimits, capabilities, no_new_privs, seccomp, FACTS), with stdio on
 * /dev/null and its control socket, then READY once it said ready. */
static void
start_driver(struct sr_sandbox *sb, const struct sr_msg_run *m, int *fds,
    int nfds)
{
	struct run_fds f;
	struct sr_diag d;
	int sv[2] = { -1, -1 }, i;
	pid_t pid;

	memset(&d, 0, sizeof(d));
	memset(&f, 0, sizeof(f));
	f.in = f.export = f.notify = -1;
	f.program = fds[0];
	if (m->fds & SR_RUN_NOTIFY)
		f.notify = fds[1];
	if (driver_pid > 0 || nfds != 1 + !!(m->fds & SR_RUN_NOTIFY) ||
	    (m->fds & ~SR_RUN_NOTIFY))
		sr_diag_set(&d, "warm: %d descriptors for mask %#x", nfds,
		    m->fds);
	else if ((f.out = f.err = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		sr_diag_errno(&d, "/dev/null");
	if (d.msg[0] || take_filter(sb, &d) < 0 ||
	    sr_program_map(f.program, &f.pv, &d) < 0 ||
	    sr_driver_pair(sv, &d) < 0)
		fail(sb->chan, &d, 125);
	f.ctl = sv[1];
	if ((pid = fork()) < 0) {
		sr_diag_errno(&d, "fork the warm driver");
		fail(sb->chan, &d, 125);
	}
	if (pid == 0) {
		/* the plan's rlimits, RLIMIT_CPU with room for the warm-up
		 * (SR_DRIVER_WARMUP_CPU_S; relimit lowers it at the call) */
		struct sr_rlimits rl = *sb->rlimits;
		struct rlimit hard;

		for (i = 0; i < rl.n; i++)
			if (rl.resource[i] == RLIMIT_CPU &&
			    rl.value[i].rlim_max != RLIM_INFINITY) {
				rl.value[i].rlim_cur += SR_DRIVER_WARMUP_CPU_S;
				rl.value[i].rlim_max += SR_DRIVER_WARMUP_CPU_S;
				/* a session's: no budget for all its calls
				 * (a hard limit cannot be raised again) */
				if (sb->session &&
				    getrlimit(RLIMIT_CPU, &hard) == 0 &&
				    hard.rlim_max >= rl.value[i].rlim_cur)
					rl.value[i].rlim_max = hard.rlim_max;
			}
		sb->rlimits = &rl;
		run_program(sb, &f, &d);
		fail(sb->chan, &d, d.kind == SR_DIAG_EXEC_NOENT ? 127 :
		    d.kind == SR_DIAG_EXEC_FAIL ? 126 : 125);
	}
	program_pid = driver_pid = pid;
	driver_ctl = sv[0];
	close(sv[1]);
	close(f.out);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	sr_program_unmap(&f.pv);
	if (sr_driver_wait_ready(driver_ctl, SR_DRIVER_READY_MS, &d) < 0) {
		kill(pid, SIGKILL);
		fail(sb->chan, &d, 125);
	}
	if (sr_chan_send(sb->chan, SR_MSG_READY, NULL, 0, NULL, 0) < 0)
		_exit(125);
}

/* Init: one RUN message, to the STATUS record. */
static void
serve_run(struct sr_sandbox *sb, const struct sr_msg_run *m, int *fds,
    int nfds)
{
	struct sr_msg_status st;
	struct timeval used[2] = { { 0, 0 }, { 0, 0 } };
	struct run_fds f;
	struct sr_diag d;
	/* the program's sandbox and rlimits: a stub reads them until its
	 * execve, which init may not wait for (stub_take) */
	struct sr_sandbox psb;
	struct sr_rlimits prl;
	pid_t pid;
	bool loop;
	int i;

	memset(&d, 0, sizeof(d));
	memset(&st, 0, sizeof(st));
	if (take_fds(m, fds, nfds, &f) < 0) {
		sr_diag_set(&d, "run: %d descriptors for mask %#x", nfds,
		    m->fds);
		fail(sb->chan, &d, 125);
	}
	/* a warm call's lower memory: its tmpfs sizes and /proc/meminfo */
	if ((f.meminfo >= 0 || (m->flags & SR_RUNF_TMPFS)) &&
	    sr_mounts_lower_memory(sb->plan, m->flags & SR_RUNF_TMPFS ?
	    m->tmpfs : NULL, f.meminfo, &d) < 0)
		fail(sb->chan, &d, 125);
	/* --file copies first, as create makes them before any code */
	if (f.files >= 0 && sr_mounts_copy_at_run(sb->plan, f.files, &d) < 0)
		fail(sb->chan, &d, 125);
	if (take_filter(sb, &d) < 0 || sr_program_map(f.program, &f.pv, &d) < 0 ||
	    write_code(sb, &f.pv, &d) < 0)
		fail(sb->chan, &d, 125);
	/* The inputs (code file, --file copies) are not exported unchanged. */
	if (f.export >= 0)
		sr_export_snapshot(sb->plan->workdir);
	st.exec_ns = sr_now_ns();
	if (injected(SR_STEP_FORK, &d) < 0)
		fail(sb->chan, &d, 125);
	loop = driver_pid > 0 && (m->flags & SR_RUNF_LOOP) &&
	    f.pv.code_name != NULL;
	if (driver_pid > 0 && !loop && (m->flags & SR_RUNF_LOOP)) {
		/* --exec in a session: the program is not the driver's */
		kill(driver_pid, SIGKILL);
		while (waitpid(driver_pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(driver_ctl);
		driver_ctl = -1;
		driver_pid = 0;
	}
	take_rlimits(m);
	if (driver_pid > 0 && call_driver(sb, &f, loop, used, &d) < 0)
		fail(sb->chan, &d, 125);
	if (driver_pid > 0) {
		pid = driver_pid;
	} else {
		psb = *sb;
		psb.rlimits = program_rlimits(sb, &prl);
		pid = stub_take(&psb, &f, &d);
		if (pid == 0)
			pid = spawn_program(&psb, &f, &d);
	}
	if (pid < 0) {
		sr_diag_errno(&d, "fork the program");
		fail(sb->chan, &d, 125);
	}
	program_pid = pid;
	/* The program started: what init kept only for its start goes
	 * now, while it runs, not between its end and STATUS: init's copies
	 * of the call's descriptors (a stub has its own table), a stub's
	 * pair.  Not the program's view: a stub that init did not wait for
	 * may read it until its execve. */
	for (i = 0; i < nfds; i++)
		if (fds[i] != f.export)
			close(fds[i]);
	stub_forget();
	if (loop)
		loop_reap(sb, &f, &st);
	else if (driver_pid > 0)
		driver_reap(sb, &f, &st);
	else
		reap(sb, &f, pid, &st);
	/* a warm driver's CPU before the call is not the call's */
	timersub(&st.ru.ru_utime, &used[0], &st.ru.ru_utime);
	timersub(&st.ru.ru_stime, &used[1], &st.ru.ru_stime);
	if (st.ru.ru_utime.tv_sec < 0)
		timerclear(&st.ru.ru_utime);
	if (st.ru.ru_stime.tv_sec < 0)
		timerclear(&st.ru.ru_stime);
	if (!loop) {
		driver_pid = 0;
		if (driver_ctl >= 0)
			close(driver_ctl);
		driver_ctl = -1;
	}
	if (loop && driver_pid == 0)
		st.flags |= SR_STATUS_INIT_ENDS;
	(void)sr_chan_send(sb->chan, SR_MSG_STATUS, &st, sizeof(st), NULL, 0);
	sr_program_unmap(&f.pv);	/* a read one: nothing to do */
	if (f.export >= 0)
		close(f.export);
	/* A session's driver ended with its interpreter's state: so does
	 * the sandbox, and the next call restarts it. */
	if (loop && driver_pid == 0)
		_exit(0);	/* STATUS said so (SR_STATUS_INIT_ENDS) */
}

/* Init, once: from GO to a root filesystem ready for programs. */
static void
setup(struct sr_sandbox *sb)
{
	struct sr_diag d;

	memset(&d, 0, sizeof(d));
	/* Nothing of sandrun's own (argv, environment, memory, fds) may be
	 * read by the program through /proc/1. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		sr_diag_errno(&d, "PR_SET_DUMPABLE");
		fail(sb->chan, &d, 125);
	}
	if (sb->args_area != NULL && sb->args_len > sizeof("sandrun-init")) {
		memset(sb->args_area, 0, sb->args_len);
		strcpy(sb->args_area, "sandrun-init");
	}
	if (injected(SR_STEP_USER, &d) < 0 ||
	    sr_ns_become_user(sb->uid, sb->gid, &d) < 0)
		fail(sb->chan, &d, 125);
	/* Changing the effective uid (root's runs map to 65534) cleared the
	 * parent-death signal: set it again, then check that the supervisor
	 * did not die meanwhile (it holds the channel open all along). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		sr_diag_errno(&d, "PR_SET_PDEATHSIG");
		fail(sb->chan, &d, 125);
	}
	{
		struct pollfd lp = { .fd = sb->chan, .events = 0 };

		if (poll(&lp, 1, 0) > 0 && (lp.revents & (POLLHUP | POLLERR)))
			_exit(125);	/* supervisor gone */
	}
	if (injected(SR_STEP_MOUNTS, &d) < 0 ||
	    sr_mounts_apply(sb->plan, NULL, NULL, 0, &d) < 0 ||
	    injected(SR_STEP_HOSTNAME, &d) < 0 ||
	    sr_ns_set_hostname(sb->hostname, &d) < 0)
		fail(sb->chan, &d, 125);
}

/* Init, first: the namespaces clone did not make (ns.h), before the
 * quotas below forbid new ones; the cgroup one now that init is in its
 * cgroup (born there or joined), unless clone made it (the supervisor
 * attaches init itself then, after clone).  Then what the kernel says
 * of all of them, for the report, in the page the supervisor reads
 * once READY came. */
static int
make_namespaces(struct sr_sandbox *sb, struct sr_diag *d)
{
	unsigned seen = 0;
	int flags = SR_NS_INIT_FLAGS;

	if (!(sb->clone_flags & CLONE_NEWCGROUP) && !sb->cg_late)
		flags |= CLONE_NEWCGROUP;
	if (injected(SR_STEP_NAMESPACES, d) < 0 ||
	    sr_ns_unshare(flags, &seen, d) < 0)
		return -1;
	sr_ns_seen_cloned(&sb->host_ns, sb->clone_flags, &seen);
	if (sb->shared != NULL)
		sb->shared->ns_seen = seen;
	return 0;
}

/* Init, at GO, when the supervisor set the cgroup up after clone
 * (cg_late): into its v1 leaves (their files came with GO; none: it
 * attached init itself), then the cgroup namespace, for which the
 * quota (0 since before GO) is raised to 1 and set back (only init runs
 * here yet, as around mounts_stage's open_tree), and what the cgroup
 * decided of the plan (shared page). */
static struct sr_rlimits late_rl;

static int
late_cgroup(struct sr_sandbox *sb, int *fds, int nfds, struct sr_diag *d)
{
	unsigned seen = 0;

	if (sr_cgroup_join_self(fds, nfds, d) < 0 ||
	    sr_quota_set("max_cgroup_namespaces", 1, d) < 0 ||
	    sr_ns_unshare(CLONE_NEWCGROUP, &seen, d) < 0 ||
	    sr_quota_set("max_cgroup_namespaces", 0, d) < 0)
		return -1;
	if (sb->shared == NULL)
		return sr_diag_set(d, "no shared page");
	sb->shared->ns_seen |= seen;
	late_rl = sb->shared->rl;
	sb->rlimits = &late_rl;
	sb->plan->tmp_size = sb->shared->tmpfs_size[0];
	sb->plan->work_size = sb->shared->tmpfs_size[1];
	sb->plan->shm_size = sb->shared->tmpfs_size[2];
	return 0;
}

/* Init cloned before the plan was made (sandbox.h sr_sandbox_early):
 * nothing of the policy's has run here, only the namespaces and the
 * quotas.  The plan comes with PLAN; anything else (the policy was
 * bad, the plan did not fit, the supervisor is gone): end without a
 * word, the supervisor reports. */
static int
take_plan(struct sr_sandbox *sb, struct sr_diag *d)
{
	struct sr_msg m;
	int fds[SR_CHAN_MAX_FDS], nfds, rc;

	if (sr_chan_recv(sb->chan, &m, fds, &nfds) != 1 ||
	    m.type != SR_MSG_PLAN || nfds != 1)
		_exit(125);
	rc = sr_initplan_take(fds[0], sb, d);
	close(fds[0]);
	return rc;
}

int
sr_child_init(void *arg)
{
	struct sr_sandbox *sb = arg;
	struct sr_msg m;
	struct sr_diag d;
	struct sigaction sa;
	sigset_t none;
	int fds[SR_CHAN_MAX_FDS], nfds, i;

	memset(&d, 0, sizeof(d));
	/* If the supervisor dies, so does init, and with it the namespace. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		sr_diag_errno(&d, "PR_SET_PDEATHSIG");
		fail(sb->chan, &d, 125);
	}
	/* Into the run's cgroup v1 leaves while the supervisor writes the
	 * id maps; before anything else runs here. */
	if (sr_cgroup_join_self(sb->cg_join, sb->n_cg_join, &d) < 0 ||
	    make_namespaces(sb, &d) < 0)
		fail(sb->chan, &d, 125);
	/* While the supervisor writes the id maps (newuidmap: ~1 ms), sets
	 * up the cgroup or loads the policy, what needs no mapping, with
	 * every capability of the new user namespace held: its quotas, the
	 * loopback (up in every mode, #17; 65 us that were on the path
	 * after pivot_root), the plan (an early init) and the bind
	 * sources. */
	if (sr_quota_bound_userns(&d) < 0 ||
	    injected(SR_STEP_LOOPBACK, &d) < 0 ||
	    sr_ns_loopback_up(&d) < 0 ||
	    (sb->plan == NULL && take_plan(sb, &d) < 0) ||
	    injected(SR_STEP_SOURCES, &d) < 0 ||
	    sr_mounts_open_sources(sb->plan, &d) < 0)
		fail(sb->chan, &d, 125);
	if (sr_chan_recv(sb->chan, &m, fds, &nfds) != 1 || m.type != SR_MSG_GO)
		_exit(125);	/* supervisor gone or failed: it reports */
	if (sb->cg_late && late_cgroup(sb, fds, nfds, &d) < 0)
		fail(sb->chan, &d, 125);
	/* A cold run's supervisor sends RUN once it sees init in its leaves:
	 * say when, so RUN is here by READY (sandbox.c run_early). */
	if (sb->cg_late && sb->one_run && nfds > 0 &&
	    sr_chan_send(sb->chan, SR_MSG_JOINED, NULL, 0, NULL, 0) < 0)
		_exit(125);
	for (i = 0; !sb->cg_late && i < nfds; i++)
		close(fds[i]);
	setup(sb);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = stop_all;
	sigaction(SR_CHILD_STOP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	stub_start(sb);
	if (sr_chan_send(sb->chan, SR_MSG_READY, NULL, 0, NULL, 0) < 0)
		_exit(125);
	for (;;) {
		int k = sr_chan_recv(sb->chan, &m, fds, &nfds);

		if (k == 0 || (k == 1 && m.type == SR_MSG_EXIT))
			_exit(0);
		if (k == 1 && m.type == SR_MSG_RUN) {
			serve_run(sb, &m.u.run, fds, nfds);
			if (sb->one_run)
				_exit(0);	/* no EXIT round trip */
			continue;
		}
		if (k == 1 && m.type == SR_MSG_WARM) {
			stub_drop();	/* the driver is the program */
			start_driver(sb, &m.u.run, fds, nfds);
			continue;
		}
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		if (k < 0)
			sr_diag_errno(&d, "init: read the channel");
		else
			sr_diag_set(&d, "init: unexpected %s message",
			    sr_chan_type_name((enum sr_msg_type)m.type));
		fail(sb->chan, &d, 125);
	}
}
