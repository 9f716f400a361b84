/* test_filter.c - syscall groups, filter building, and the filter at work:
 * forked children install it and probe raw syscalls (SECURITY.md cases
 * 14, 17, 25, 27, 40, 51, 52, 55).  Denied probes pass bad pointers or
 * invalid fds, so a call that reached the kernel would fail with
 * EFAULT/EBADF instead of the filter's errno; the deny sweep also runs
 * with an unusual errno (EHWPOISON) to tell the filter from the kernel.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "filter.h"
#include "policy.h"
#include "sysgroups.h"
#include "tap.h"
#include "util.h"

#define BAD ((long)1)		/* a bad user pointer */
#define HI (1L << 32)		/* high bits the kernel ignores for an int */
#define MARK EHWPOISON		/* errno nobody else returns */
#define KILLED(sig) (-(sig))	/* probe result: died from sig */

/* ---- helpers ------------------------------------------------------------ */

/* Allow list: the members of GROUP, each listed twice (duplicates must be
 * harmless), NULL-terminated.  Static storage, good for one build. */
static char *allow_buf[1024];

static char **
allow_group(const char *group, const char *extra)
{
	const char *const *g = sr_syscall_group(group);
	size_t n = 0, i;

	for (i = 0; g != NULL && g[i] != NULL && n < 1000; i++) {
		allow_buf[n++] = (char *)g[i];
		allow_buf[n++] = (char *)g[i];
	}
	if (extra != NULL)
		allow_buf[n++] = (char *)extra;
	allow_buf[n] = NULL;
	return allow_buf;
}

static int
build(const char *group, const char *extra, char **deny, int action,
    int err, struct sr_filter *f, struct sr_diag *d)
{
	struct sr_syscalls sc;

	memset(&sc, 0, sizeof(sc));
	sc.allow = allow_group(group, extra);
	for (sc.n_allow = 0; sc.allow[sc.n_allow]; sc.n_allow++)
		;
	sc.deny = deny;
	sc.default_action = action;
	sc.errno_value = err;
	memset(f, 0, sizeof(*f));
	return sr_filter_build(&sc, f, d);
}

struct call {
	const char *name;
	long nr;
	long a[6];
};

/* Fork; the child installs f (after no_new_privs) and makes the call.
 * Returns 0 (call succeeded), the errno, KILLED(sig), or 1000 + the
 * child's odd exit status. */
static int
probe(const struct sr_filter *f, const struct call *c)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1000;
	if (pid == 0) {
		long r;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			_exit(250);
		if (f != NULL && sr_filter_install(f) != 0)
			_exit(251);
		errno = 0;
		r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4],
		    c->a[5]);
		_exit(r < 0 ? (errno > 0 && errno < 250 ? errno : 249) : 0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1001;
	if (WIFSIGNALED(st))
		return KILLED(WTERMSIG(st));
	if (WEXITSTATUS(st) >= 249)
		return 1000 + WEXITSTATUS(st);
	return WEXITSTATUS(st);
}

static void
expect(const struct sr_filter *f, const struct call *c, int want)
{
	int got = probe(f, c);

	if (!ok(got == want, "%s -> %s%d", c->name,
	    want < 0 ? "signal " : "errno ", want < 0 ? -want : want))
		printf("#   got %d (%s)\n", got,
		    got > 0 && got < 1000 ? strerror(got) : "see code");
}

#define CALL(nm, ...) (&(struct call){ nm, __VA_ARGS__ })

/* ---- tests -------------------------------------------------------------- */

static void
test_groups(void)
{
	const char *const *names = sr_syscall_group_names();
	const char *const *g;
	size_t i, j, k, n;
	int unknown = 0, forb = 0, dups = 0;

	ok(names != NULL && names[0] != NULL, "group names listed");
	for (i = 0; names && names[i]; i++) {
		g = sr_syscall_group(names[i]);
		if (!ok(g != NULL && g[0] != NULL, "group %s resolves",
		    names[i]))
			continue;
		for (j = 0; g[j]; j++) {
			if (!sr_filter_known_syscall(g[j])) {
				printf("# %s: unknown %s\n", names[i], g[j]);
				unknown++;
			}
			if (sr_filter_forbidden_syscall(g[j])) {
				printf("# %s: forbidden %s\n", names[i], g[j]);
				forb++;
			}
			for (k = 0; k < j; k++)
				if (strcmp(g[k], g[j]) == 0)
					dups++;
		}
	}
	ok(unknown == 0, "every group member is a known syscall");
	ok(forb == 0, "no group member is forbidden");
	ok(dups == 0, "no group lists a name twice");
	g = sr_syscall_group("@default");
	for (n = 0; g && g[n]; n++)
		;
	ok(n == 222, "@default has 222 names (213 + 9 argument-filtered): %zu",
	    n);
	ok(sr_syscall_group("@nope") == NULL, "unknown group is NULL");
	ok(sr_syscall_group("basic-io") == NULL, "group needs the @");
	ok(sr_filter_known_syscall("fchmodat2") &&
	    sr_filter_known_syscall("futex_wait") &&
	    sr_filter_known_syscall("mseal"),
	    "newer syscalls known (libseccomp or the extra table)");
	ok(!sr_filter_known_syscall("frobnicate"), "unknown name not known");
}

static void
test_build_errors(void)
{
	struct sr_filter f;
	struct sr_diag d;
	char ptrace_s[] = "ptrace";
	char *deny[] = { ptrace_s, NULL };

	memset(&d, 0, sizeof(d));
	ok(build("@default", "ptrace", NULL, SR_SYS_ERRNO, EPERM, &f, &d) == -1,
	    "allowing ptrace fails");
	ok(d.kind == SR_DIAG_USAGE, "... as a usage error");
	is_str(d.msg, "syscalls.allow: 'ptrace' can never be allowed",
	    "... naming it");
	ok(build("@default", "frobnicate", NULL, SR_SYS_ERRNO, EPERM, &f,
	    &d) == -1 && strstr(d.msg, "'frobnicate'") != NULL,
	    "unknown name refused: %s", d.msg);
	ok(build("@default", "kexec_load", deny, SR_SYS_ERRNO, EPERM, &f,
	    &d) == -1 && strstr(d.msg, "kexec_load") != NULL,
	    "forbidden name refused even when another is denied");
	ok(build("@default", NULL, NULL, SR_SYS_ERRNO, 0, &f, &d) == -1,
	    "errno 0 refused");
	ok(build("@default", "vm86", NULL, SR_SYS_ERRNO, EPERM, &f, &d) == -1 &&
	    strstr(d.msg, "never") != NULL, "vm86 (not on x86_64) forbidden");
	ok(build("@default", NULL, deny, SR_SYS_ERRNO, EPERM, &f, &d) == 0,
	    "denying a forbidden name is fine");
	ok(sr_filter_forbidden_sorted(), "forbidden table in strcmp order");
	ok(sr_filter_forbidden_syscall("_sysctl") &&
	    sr_filter_forbidden_syscall("vm86old") &&
	    sr_filter_forbidden_syscall("mount_setattr") &&
	    !sr_filter_forbidden_syscall("mounts") &&
	    !sr_filter_forbidden_syscall("") &&
	    !sr_filter_forbidden_syscall("zzz"),
	    "forbidden lookup: first, last, near misses");
	sr_filter_free(&f);
	sr_filter_free(&f);	/* twice is harmless */
	sr_filter_free(NULL);
}

/* The calls no policy may allow, with arguments that fail harmlessly in
 * the kernel. */
static const struct call denylist[] = {
	{ "keyctl", SYS_keyctl, { 0x7fff, BAD, BAD, BAD, BAD } },
	{ "add_key", SYS_add_key, { BAD, BAD, BAD, 0, -1 } },
	{ "request_key", SYS_request_key, { BAD, BAD, BAD, -1 } },
	{ "bpf", SYS_bpf, { 0, BAD, 8 } },
	{ "userfaultfd", SYS_userfaultfd, { -1 } },
	{ "io_uring_setup", 425, { 1, BAD } },
	{ "io_uring_enter", 426, { -1, 0, 0, 0, BAD, 0 } },
	{ "io_uring_register", 427, { -1, 0, BAD, 1 } },
	{ "perf_event_open", SYS_perf_event_open, { BAD, 0, -1, -1, 0 } },
	{ "ptrace", SYS_ptrace, { 16 /* PTRACE_ATTACH */, 1, 0, 0 } },
	{ "process_vm_readv", SYS_process_vm_readv, { 1, BAD, 1, BAD, 1, 0 } },
	{ "process_vm_writev", SYS_process_vm_writev, { 1, BAD, 1, BAD, 1, 0 } },
	{ "kcmp", SYS_kcmp, { 1, 1, 0, -1, -1 } },
	{ "pidfd_getfd", 438, { -1, -1, 0 } },
	{ "mount", SYS_mount, { BAD, BAD, BAD, 0, BAD } },
	{ "umount2", SYS_umount2, { BAD, 0 } },
	{ "pivot_root", SYS_pivot_root, { BAD, BAD } },
	{ "chroot", SYS_chroot, { BAD } },
	{ "setns", SYS_setns, { -1, 0 } },
	{ "unshare(CLONE_NEWUSER)", SYS_unshare, { CLONE_NEWUSER } },
	{ "sethostname", SYS_sethostname, { BAD, 3 } },
	{ "setdomainname", SYS_setdomainname, { BAD, 3 } },
	{ "swapon", SYS_swapon, { BAD, 0 } },
	{ "swapoff", SYS_swapoff, { BAD } },
	{ "reboot", SYS_reboot, { 0, 0, 0, BAD } },
	{ "init_module", SYS_init_module, { BAD, 0, BAD } },
	{ "finit_module", SYS_finit_module, { -1, BAD, 0 } },
	{ "delete_module", SYS_delete_module, { BAD, 0 } },
	{ "kexec_load", SYS_kexec_load, { 0, 1, BAD, 0 } },
	{ "kexec_file_load", SYS_kexec_file_load, { -1, -1, 0, BAD, 0 } },
	{ "open_by_handle_at", SYS_open_by_handle_at, { -1, BAD, 0 } },
	{ "name_to_handle_at", SYS_name_to_handle_at, { -1, BAD, BAD, BAD, 0 } },
	{ "splice", SYS_splice, { -1, 0, -1, 0, 1, 0 } },
	{ "tee", SYS_tee, { -1, -1, 1, 0 } },
	{ "vmsplice", SYS_vmsplice, { -1, BAD, 1, 0 } },
	{ "sync", SYS_sync, { 0 } },
	{ "syncfs", SYS_syncfs, { -1 } },
	{ "memfd_secret", 447, { 0x7fffffff } },
	{ "memfd_create", SYS_memfd_create, { BAD, 0 } },
	{ "mbind", SYS_mbind, { BAD, 4096, 0, BAD, 64, 0 } },
	{ "set_mempolicy", SYS_set_mempolicy, { 0, BAD, 64 } },
	{ "migrate_pages", SYS_migrate_pages, { 1, 64, BAD, BAD } },
	{ "move_pages", SYS_move_pages, { 1, 1, BAD, BAD, BAD, 0 } },
	{ "process_madvise", 440, { -1, BAD, 1, 0, 0 } },
	{ "acct", SYS_acct, { BAD } },
	{ "quotactl", SYS_quotactl, { 0, BAD, 0, BAD } },
	{ "quotactl_fd", 443, { -1, 0, 0, BAD } },
	{ "syslog", SYS_syslog, { 3, BAD, 16 } },
	{ "iopl", SYS_iopl, { 4 } },
	{ "ioperm", SYS_ioperm, { 0, 1, 1 } },
	{ "modify_ldt", SYS_modify_ldt, { 0, BAD, 16 } },
	{ "lookup_dcookie", SYS_lookup_dcookie, { 0, BAD, 16 } },
	{ "nfsservctl", SYS_nfsservctl, { 0, BAD, BAD } },
	{ "uselib", SYS_uselib, { BAD } },
	{ "_sysctl", SYS__sysctl, { BAD } },
	{ "fanotify_init", SYS_fanotify_init, { 0xffffffff, 0 } },
	{ "fsopen", 430, { BAD, 0 } },
	{ "fsconfig", 431, { -1, 0, BAD, BAD, 0 } },
	{ "fsmount", 432, { -1, 0, 0 } },
	{ "fspick", 433, { -1, BAD, 0 } },
	{ "open_tree", 428, { -1, BAD, 0 } },
	{ "move_mount", 429, { -1, BAD, -1, BAD, 0 } },
	{ "mount_setattr", 442, { -1, BAD, 0, BAD, 32 } },
	{ "settimeofday", SYS_settimeofday, { BAD, BAD } },
	{ "clock_settime", SYS_clock_settime, { 0, BAD } },
	{ "clock_adjtime", SYS_clock_adjtime, { 0, BAD } },
	{ "adjtimex", SYS_adjtimex, { BAD } },
	{ "setuid", SYS_setuid, { 12345 } },
	{ "capset", SYS_capset, { BAD, BAD } },
	{ "get_thread_area", SYS_get_thread_area, { BAD } },
	{ "clone(CLONE_NEWUSER)", SYS_clone, { CLONE_NEWUSER | SIGCHLD } },
	{ "clone(CLONE_NEWNS|high bits)", SYS_clone,
	    { CLONE_NEWNS | SIGCHLD | HI } },
	{ "clone(CLONE_NEWNET)", SYS_clone, { CLONE_NEWNET | SIGCHLD } },
	{ "ioctl(TIOCSTI)", SYS_ioctl, { 999, TIOCSTI, BAD } },
	{ "ioctl(TIOCSTI|1<<32)", SYS_ioctl, { 999, TIOCSTI | HI, BAD } },
	{ "ioctl(TIOCLINUX)", SYS_ioctl, { 999, TIOCLINUX, BAD } },
	{ "socket(AF_ALG)", SYS_socket, { 38, SOCK_SEQPACKET, 0 } },
	{ "socket(AF_ALG|1<<32)", SYS_socket, { 38 | HI, SOCK_SEQPACKET, 0 } },
	{ "socket(AF_VSOCK)", SYS_socket, { AF_VSOCK, SOCK_STREAM, 0 } },
	{ "socket(AF_PACKET)", SYS_socket, { AF_PACKET, SOCK_RAW, 0 } },
	{ "socket(NETLINK_AUDIT)", SYS_socket,
	    { AF_NETLINK, SOCK_RAW, NETLINK_AUDIT } },
	{ "socketpair(AF_INET)", SYS_socketpair, { AF_INET, SOCK_STREAM, 0,
	    BAD } },
	{ "personality(ADDR_NO_RANDOMIZE)", SYS_personality,
	    { ADDR_NO_RANDOMIZE } },
	{ "personality(READ_IMPLIES_EXEC)", SYS_personality,
	    { READ_IMPLIES_EXEC } },
	{ "prctl(PR_CAP_AMBIENT)", SYS_prctl,
	    { PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 0, 0, 0 } },
	{ "prctl(PR_CAP_AMBIENT|1<<32)", SYS_prctl,
	    { PR_CAP_AMBIENT | HI, PR_CAP_AMBIENT_RAISE, 0, 0, 0 } },
	{ "prctl(PR_SET_SECCOMP)", SYS_prctl, { PR_SET_SECCOMP, 2, BAD } },
	{ "prctl(PR_SET_DUMPABLE)", SYS_prctl, { PR_SET_DUMPABLE, 1 } },
	{ "fcntl(F_SETPIPE_SZ)", SYS_fcntl, { 1, F_SETPIPE_SZ, 1 << 20 } },
	{ "fcntl(F_SETPIPE_SZ|1<<32)", SYS_fcntl, { 1, F_SETPIPE_SZ | HI,
	    4096 } },
	{ "prlimit64(1)", SYS_prlimit64, { 1, RLIMIT_NOFILE, BAD, BAD } },
	{ "prlimit64(1|1<<32)", SYS_prlimit64, { 1 | HI, RLIMIT_NOFILE, BAD,
	    BAD } },
	{ "mknod(S_IFCHR)", SYS_mknod, { BAD, S_IFCHR | 0600, 0x101 } },
	{ "mknodat(S_IFBLK)", SYS_mknodat, { -100, BAD, S_IFBLK | 0600, 0x101 } },
	{ "seccomp", SYS_seccomp, { 1 /* SECCOMP_SET_MODE_FILTER */, 0, BAD } },
};

static void
test_denylist(void)
{
	struct sr_filter f, fm;
	struct sr_diag d;
	struct call c;
	size_t i, by_filter = 0;

	if (!ok(build("@default", NULL, NULL, SR_SYS_ERRNO, EPERM, &f, &d) == 0,
	    "build @default (EPERM)") ||
	    !ok(build("@default", NULL, NULL, SR_SYS_ERRNO, MARK, &fm, &d) == 0,
	    "build @default (EHWPOISON)"))
		return;
	for (i = 0; i < SR_ARRAY_SIZE(denylist); i++) {
		c = denylist[i];
		if (c.nr == SYS_ioctl) {
			/* refused ioctls answer ENOTTY, which the kernel
			 * would not give for fd 999 (EBADF): the filter's
			 * mark for them */
			expect(&f, &c, ENOTTY);
			if (probe(&f, &c) == ENOTTY)
				by_filter++;
			continue;
		}
		expect(&f, &c, EPERM);
		c.name = "  (filter, not kernel)";
		if (probe(&fm, &c) == MARK)
			by_filter++;
		else
			printf("# %s: refused by the kernel, not the filter\n",
			    denylist[i].name);
	}
	ok(by_filter == SR_ARRAY_SIZE(denylist), "every denied call is refused "
	    "by the filter itself (%zu/%zu)", by_filter,
	    SR_ARRAY_SIZE(denylist));
	sr_filter_free(&f);
	sr_filter_free(&fm);
}

static void
test_allowed_and_special(void)
{
	struct sr_filter f;
	struct sr_diag d;
	char getppid_s[] = "getppid";
	char *deny[] = { getppid_s, NULL };
	int p[2];

	if (!ok(build("@default", NULL, deny, SR_SYS_ERRNO, EPERM, &f, &d) == 0,
	    "build @default minus getppid"))
		return;
	if (pipe(p) != 0)
		p[0] = 0;
	expect(&f, CALL("getpid", SYS_getpid, { 0 }), 0);
	expect(&f, CALL("getppid (denied by deny[])", SYS_getppid, { 0 }),
	    EPERM);
	expect(&f, CALL("clone3", SYS_clone3, { BAD, 88 }), ENOSYS);
	expect(&f, CALL("clone(SIGCHLD) = fork", SYS_clone, { SIGCHLD }), 0);
	expect(&f, CALL("clone(SIGCHLD|1<<32) = fork", SYS_clone,
	    { SIGCHLD | HI }), 0);
	expect(&f, CALL("fork", SYS_fork, { 0 }), 0);
	expect(&f, CALL("ioctl(pipe, TCGETS) reaches kernel", SYS_ioctl,
	    { p[0], TCGETS, BAD }), ENOTTY);
	expect(&f, CALL("ioctl(FIONREAD|1<<32) reaches kernel", SYS_ioctl,
	    { 999, FIONREAD | HI, BAD }), EBADF);
	expect(&f, CALL("socket(AF_UNIX)", SYS_socket,
	    { AF_UNIX, SOCK_STREAM, 0 }), 0);
	expect(&f, CALL("socket(AF_INET)", SYS_socket,
	    { AF_INET, SOCK_DGRAM, 0 }), 0);
	expect(&f, CALL("socket(AF_INET6)", SYS_socket,
	    { AF_INET6, SOCK_DGRAM, 0 }), 0);
	expect(&f, CALL("socket(AF_INET|1<<32) same as AF_INET", SYS_socket,
	    { AF_INET | HI, SOCK_DGRAM, 0 }), 0);
	expect(&f, CALL("socket(NETLINK_ROUTE)", SYS_socket,
	    { AF_NETLINK, SOCK_RAW, NETLINK_ROUTE }), 0);
	expect(&f, CALL("socketpair(AF_UNIX) reaches kernel", SYS_socketpair,
	    { AF_UNIX, SOCK_STREAM, 0, BAD }), EFAULT);
	expect(&f, CALL("personality(0xffffffff)", SYS_personality,
	    { 0xffffffff }), 0);
	expect(&f, CALL("personality(0)", SYS_personality, { 0 }), 0);
	expect(&f, CALL("prctl(PR_SET_NAME)", SYS_prctl,
	    { PR_SET_NAME, (long)"probe" }), 0);
	expect(&f, CALL("prctl(PR_SET_NAME|1<<32) same as plain", SYS_prctl,
	    { PR_SET_NAME | HI, (long)"probe" }), 0);
	expect(&f, CALL("prctl(PR_GET_SECCOMP)", SYS_prctl,
	    { PR_GET_SECCOMP }), 0);
	expect(&f, CALL("prlimit64(0, get)", SYS_prlimit64,
	    { 0, RLIMIT_NOFILE, 0, BAD }), EFAULT);
	/* the probe's parent: another process of the same user */
	expect(&f, CALL("prlimit64(parent) reaches kernel", SYS_prlimit64,
	    { getpid(), RLIMIT_NOFILE, 0, BAD }), EFAULT);
	expect(&f, CALL("ioctl(TIOCGPTN) reaches kernel", SYS_ioctl,
	    { 999, TIOCGPTN, BAD }), EBADF);
	expect(&f, CALL("fchown reaches kernel", SYS_fchown, { 999, 0, 0 }),
	    EBADF);
	expect(&f, CALL("setpriority reaches kernel", SYS_setpriority,
	    { 999, 0, 0 }), EINVAL);
	expect(&f, CALL("sched_setscheduler reaches kernel",
	    SYS_sched_setscheduler, { 0, 0, BAD }), EFAULT);
	expect(&f, CALL("munlock reaches kernel", SYS_munlock, { 0, 0 }), 0);
	expect(&f, CALL("mknod(S_IFIFO) reaches kernel", SYS_mknod,
	    { BAD, S_IFIFO | 0600, 0 }), EFAULT);
	expect(&f, CALL("mknodat(S_IFIFO) reaches kernel", SYS_mknodat,
	    { -100, BAD, S_IFIFO | 0600, 0 }), EFAULT);
	expect(&f, CALL("unknown nr 460 -> ENOSYS", 460, { 0 }), ENOSYS);
	expect(&f, CALL("unknown nr 999 -> ENOSYS", 999, { 0 }), ENOSYS);
	expect(&f, CALL("x32 getpid killed", 0x40000000 | SYS_getpid, { 0 }),
	    KILLED(SIGSYS));
	expect(&f, CALL("x32 keyctl killed", 0x40000000 | SYS_keyctl, { 0 }),
	    KILLED(SIGSYS));
	close(p[0]);
	close(p[1]);
	sr_filter_free(&f);
}

/* The chown family with own_ids: own ids or -1 reach the kernel, any
 * other id is the filter's refusal (EPERM, not the kernel's EINVAL for
 * an unmapped id); xattr setters not allowed fail with EOPNOTSUPP. */
static void
test_own_ids(void)
{
	struct sr_filter f;
	struct sr_syscalls sc;
	struct sr_diag d;
	long u = (long)getuid(), g = (long)getgid();

	memset(&sc, 0, sizeof(sc));
	sc.allow = allow_group("@default", NULL);
	for (sc.n_allow = 0; sc.allow[sc.n_allow]; sc.n_allow++)
		;
	sc.default_action = SR_SYS_ERRNO;
	sc.errno_value = EPERM;
	memset(&f, 0, sizeof(f));
	f.own_ids = true;
	f.uid = (unsigned)u;
	f.gid = (unsigned)g;
	if (!ok(sr_filter_build(&sc, &f, &d) == 0, "build @default, own ids"))
		return;
	expect(&f, CALL("fchown(own, own) reaches kernel", SYS_fchown,
	    { 999, u, g }), EBADF);
	expect(&f, CALL("fchown(-1, -1) reaches kernel", SYS_fchown,
	    { 999, -1, -1 }), EBADF);
	expect(&f, CALL("fchown(-1, own|1<<32) reaches kernel", SYS_fchown,
	    { 999, -1, g | HI }), EBADF);
	expect(&f, CALL("fchown(other uid) refused", SYS_fchown,
	    { 999, u + 1, -1 }), EPERM);
	expect(&f, CALL("chown(own, other gid) refused", SYS_chown,
	    { BAD, u, g + 1 }), EPERM);
	expect(&f, CALL("fchownat(other uid) refused", SYS_fchownat,
	    { -100, BAD, u + 1, g, 0 }), EPERM);
	expect(&f, CALL("fchownat(own, own) reaches kernel", SYS_fchownat,
	    { -100, BAD, u, g, 0 }), EFAULT);
	expect(&f, CALL("fsetxattr -> EOPNOTSUPP", SYS_fsetxattr,
	    { 999, BAD, BAD, 0, 0 }), EOPNOTSUPP);
	expect(&f, CALL("lremovexattr -> EOPNOTSUPP", SYS_lremovexattr,
	    { BAD, BAD }), EOPNOTSUPP);
	sr_filter_free(&f);
}

/* i386 ABI through int 0x80: the filter's bad-arch action kills. */
static int
probe_int80(const struct sr_filter *f)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		long r = 20;	/* i386 getpid */

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (f != NULL && sr_filter_install(f) != 0)
			_exit(251);
		__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
		_exit(r > 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1000;
	return WIFSIGNALED(st) ? KILLED(WTERMSIG(st)) : WEXITSTATUS(st);
}

static void
test_int80_and_kill(void)
{
	struct sr_filter f;
	struct sr_diag d;

	if (probe_int80(NULL) != 0) {
		skip(1, "int 0x80 not available without a filter");
	} else if (build("@default", NULL, NULL, SR_SYS_ERRNO, EPERM, &f,
	    &d) == 0) {
		ok(probe_int80(&f) == KILLED(SIGSYS), "i386 int 0x80 killed");
		sr_filter_free(&f);
	}
	if (!ok(build("@default", NULL, NULL, SR_SYS_KILL, EPERM, &f, &d) == 0,
	    "build @default with action kill"))
		return;
	expect(&f, CALL("kill: keyctl", SYS_keyctl, { 0x7fff, BAD }),
	    KILLED(SIGSYS));
	expect(&f, CALL("kill: ioprio_get", SYS_ioprio_get, { 1, 0 }),
	    KILLED(SIGSYS));
	expect(&f, CALL("kill: socket(AF_ALG)", SYS_socket, { 38, 5, 0 }),
	    KILLED(SIGSYS));
	expect(&f, CALL("kill: getpid allowed", SYS_getpid, { 0 }), 0);
	expect(&f, CALL("kill: clone3 still ENOSYS", SYS_clone3, { BAD, 88 }),
	    ENOSYS);
	sr_filter_free(&f);

	if (!ok(build("@default", NULL, NULL, SR_SYS_LOG, EPERM, &f, &d) == 0,
	    "build @default with action log"))
		return;
	expect(&f, CALL("log: ioprio_get runs", SYS_ioprio_get, { 1, 0 }),
	    0);
	expect(&f, CALL("log: keyctl still refused", SYS_keyctl,
	    { 0x7fff, BAD }), EPERM);
	expect(&f, CALL("log: clone(CLONE_NEWUSER) still refused", SYS_clone,
	    { CLONE_NEWUSER | SIGCHLD }), EPERM);
	sr_filter_free(&f);
}

/* Python under @python: threads (clone3 -> ENOSYS -> clone) and a
 * subprocess (SECURITY.md case 52, control C2/C3). */
static void
test_python(void)
{
	static const char code[] =
	    "import threading, subprocess, concurrent.futures\n"
	    "with concurrent.futures.ThreadPoolExecutor(4) as ex:\n"
	    "    assert sum(ex.map(lambda x: x * x, range(100))) == 328350\n"
	    "r = subprocess.run(['/bin/echo', 'hi'], capture_output=True)\n"
	    "assert r.stdout == b'hi\\n', r\n"
	    "t = threading.Thread(target=print, args=('t',)); t.start(); t.join()\n";
	struct sr_filter f;
	struct sr_diag d;
	int st, devnull;
	pid_t pid;

	if (access("/usr/bin/python3", X_OK) != 0) {
		skip(2, "no /usr/bin/python3");
		return;
	}
	if (!ok(build("@python", NULL, NULL, SR_SYS_ERRNO, EPERM, &f, &d) == 0,
	    "build @python"))
		return;
	pid = fork();
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (sr_filter_install(&f) != 0)
			_exit(251);
		execl("/usr/bin/python3", "python3", "-I", "-c", code,
		    (char *)NULL);
		_exit(252);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0,
	    "python3 ThreadPoolExecutor + subprocess under @python");
	sr_filter_free(&f);
}

static void
test_speed(void)
{
	struct sr_filter f;
	struct sr_diag d;
	struct timespec a, b;
	unsigned short len = 0;
	double us;
	int i, n = 50, fails = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		if (build("@default", NULL, NULL, SR_SYS_ERRNO, EPERM, &f,
		    &d) != 0)
			fails++;
		len = f.len;
		sr_filter_free(&f);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n;
	printf("# sr_filter_build(@default): %.0f us per build, %u BPF "
	    "instructions\n", us, len);
	ok(fails == 0 && len > 0 && len < 4096,
	    "50 builds, program fits BPF_MAXINSNS");
}


/* sr_filter_eval, the simulation child.c asks before installing a
 * pool stub's filter early: the verdicts filter.c's rules promise, for
 * both layouts and with notify; then the kernel's own verdict for every
 * number the simulation says the filter refuses with MARK. */
static uint32_t
eval(const struct sr_filter *f, uint32_t arch, long nr, uint64_t a0,
    uint64_t a1)
{
	struct seccomp_data sd;

	memset(&sd, 0, sizeof(sd));
	sd.nr = (int)nr;
	sd.arch = arch;
	sd.args[0] = a0;
	sd.args[1] = a1;
	return sr_filter_eval(f, &sd);
}

static void
test_eval_verdicts(bool tree, bool notify)
{
	struct sr_filter f;
	struct sr_diag d;
	uint32_t refuse = notify ? SECCOMP_RET_USER_NOTIF :
	    SECCOMP_RET_ERRNO | EPERM;
	const char *how = tree ? (notify ? "tree, notify" : "tree") : "list";
	int rc;

	memset(&d, 0, sizeof(d));
	memset(&f, 0, sizeof(f));
	{
		struct sr_syscalls sc;

		memset(&sc, 0, sizeof(sc));
		sc.allow = allow_group("@default", NULL);
		for (sc.n_allow = 0; sc.allow[sc.n_allow]; sc.n_allow++)
			;
		sc.errno_value = EPERM;
		f.tree = tree;
		f.notify = notify;
		rc = sr_filter_build(&sc, &f, &d);
	}
	if (!ok(rc == 0 && f.notify == notify, "%s: built", how)) {
		printf("#   %s\n", d.msg);
		return;
	}
	ok(sr_filter_allows(&f, SYS_write, 1, 0, 0, 0) &&
	    sr_filter_allows(&f, SYS_close_range, 7, ~0U, 0, 0) &&
	    sr_filter_allows(&f, SYS_execve, 0, 0, 0, 0),
	    "%s: write, close_range, execve allowed", how);
	ok(sr_filter_allows(&f, SYS_prlimit64, 0, RLIMIT_CPU, 1, 0) &&
	    eval(&f, seccomp_arch_native(), SYS_prlimit64, 1, RLIMIT_CPU) == refuse,
	    "%s: prlimit64 on 0 allowed, on 1 refused", how);
	ok(sr_filter_allows(&f, SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0) &&
	    eval(&f, seccomp_arch_native(), SYS_prctl, PR_SET_DUMPABLE, 0) == refuse,
	    "%s: prctl by its option", how);
	ok(sr_filter_allows(&f, SYS_fcntl, 3, F_DUPFD_CLOEXEC, 0, 0) &&
	    !sr_filter_allows(&f, SYS_fcntl, 3, F_SETPIPE_SZ, 0, 0) &&
	    !sr_filter_allows(&f, SYS_fcntl, 3, F_SETPIPE_SZ | HI, 0, 0),
	    "%s: fcntl by its command, on the low 32 bits", how);
	ok(eval(&f, seccomp_arch_native(), SYS_unshare, CLONE_FILES, 0) == refuse,
	    "%s: unshare refused with the policy's action", how);
	ok(eval(&f, seccomp_arch_native(), SYS_clone3, 0, 0) ==
	    (SECCOMP_RET_ERRNO | ENOSYS) &&
	    eval(&f, seccomp_arch_native(), 1000, 0, 0) ==
	    (SECCOMP_RET_ERRNO | ENOSYS),
	    "%s: clone3 and an unknown number: ENOSYS", how);
	ok(eval(&f, AUDIT_ARCH_I386, SYS_write, 1, 0) ==
	    SECCOMP_RET_KILL_PROCESS &&
	    eval(&f, seccomp_arch_native(), SYS_write | 0x40000000, 1, 0) ==
	    SECCOMP_RET_KILL_PROCESS,
	    "%s: another ABI, an x32 number: killed", how);
	sr_filter_free(&f);
}

static void
test_eval_kernel(void)
{
	struct sr_filter f, bad;
	struct sock_filter insns[2];
	struct sr_diag d;
	int refused = 0, differ = 0;
	long nr;

	memset(&d, 0, sizeof(d));
	if (build("@default", NULL, NULL, SR_SYS_ERRNO, MARK, &f, &d) != 0) {
		ok(0, "built: %s", d.msg);
		ok(0, "skipped");
		return;
	}
	/* refused numbers: every argument a bad pointer or fd, so a call
	 * the kernel let through would fail otherwise, never with MARK */
	for (nr = 0; nr < 512; nr++) {
		struct call c = { "sweep", nr, { -1, BAD, BAD, BAD, BAD, BAD } };

		if (eval(&f, seccomp_arch_native(), nr, (uint64_t)-1, BAD) !=
		    (SECCOMP_RET_ERRNO | MARK))
			continue;
		refused++;
		if (probe(&f, &c) != MARK) {
			printf("#   %ld: the kernel does not refuse it\n", nr);
			differ++;
		}
	}
	ok(refused > 50 && differ == 0,
	    "each of the %d numbers simulated refused is refused by the kernel",
	    refused);
	sr_filter_free(&f);
	/* an instruction the simulation does not know: never allowed */
	insns[0] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 2);
	insns[1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	bad.insns = insns;
	bad.len = 2;
	ok(!sr_filter_allows(&bad, SYS_write, 1, 0, 0, 0) &&
	    sr_filter_allows(&(struct sr_filter){ .insns = insns + 1, .len = 1 },
	    SYS_write, 1, 0, 0, 0) && !sr_filter_allows(NULL, 0, 0, 0, 0, 0),
	    "unknown instructions and no program: not allowed");
}

int
main(void)
{
	TAP_PLAN(185 + 3 * 8 + 2);
	test_groups();
	test_build_errors();
	test_denylist();
	test_allowed_and_special();
	test_own_ids();
	test_int80_and_kill();
	test_python();
	test_eval_verdicts(false, false);
	test_eval_verdicts(true, false);
	test_eval_verdicts(true, true);
	test_eval_kernel();
	test_speed();
	return tap_done();
}
