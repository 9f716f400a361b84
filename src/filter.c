/* filter.c - build the seccomp filter with libseccomp, install it raw.
 *
 * Layout of the generated program (native x86_64 only):
 *   - another ABI (i386 int 0x80) or an x32 number (nr & 0x40000000):
 *     KILL_PROCESS (libseccomp's bad-arch action; its x86_64 filter also
 *     sends x32 numbers there, which tests/unit/test_filter.c checks);
 *   - an allowed name: ALLOW, or for the names in argrules[] ALLOW when the
 *     arguments match, else the hard refusal;
 *   - clone3: ERRNO(ENOSYS) always, so libc falls back to clone(2);
 *   - a number libseccomp knows but the policy does not allow: the refusal
 *     action of the policy (see refusal());
 *   - anything else (numbers newer than libseccomp): ERRNO(ENOSYS), the
 *     filter's default, so runtimes take their fallback path.
 *
 * Names newer than libseccomp: extra_syscalls[] maps them to x86_64
 * numbers so a policy can still allow them by name.  When not allowed they
 * stay ENOSYS like any number libseccomp does not know.
 *
 * The refusal action is chosen in exactly one place, refusal(), so a later
 * change can turn it into SCMP_ACT_NOTIFY for reporting.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "diag.h"
#include "filter.h"
#include "policy.h"
#include "util.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif

/* Numbers scanned for "known to libseccomp".  x86_64 syscalls end below
 * 470 in Linux 6.18; anything libseccomp knows fits well below this. */
#define NR_SCAN 512

/* Names that no policy may allow (SECURITY.md 2.4 and cases 14-17, 40,
 * 51).  Names that do not exist on x86_64 (vm86, vm86old) are listed so a
 * policy naming them gets this error rather than "unknown".  Sorted by
 * strcmp (is_forbidden() searches it; test_filter.c checks the order). */
static const char *const forbidden[] = {
	"_sysctl", "acct", "add_key", "adjtimex", "bpf", "chroot",
	"clock_adjtime", "clock_settime", "create_module", "delete_module",
	"fanotify_init", "finit_module", "fsconfig", "fsmount", "fsopen",
	"fspick", "init_module", "io_uring_enter", "io_uring_register",
	"io_uring_setup", "ioperm", "iopl", "kcmp", "kexec_file_load",
	"kexec_load", "keyctl", "lookup_dcookie", "memfd_secret",
	"modify_ldt", "mount", "mount_setattr", "move_mount",
	"name_to_handle_at", "nfsservctl", "open_by_handle_at", "open_tree",
	"open_tree_attr", "perf_event_open", "pidfd_getfd", "pivot_root",
	"process_vm_readv", "process_vm_writev", "ptrace", "quotactl",
	"quotactl_fd", "reboot", "request_key", "setdomainname",
	"sethostname", "setns", "settimeofday", "swapoff", "swapon",
	"syslog", "umount2", "unshare", "uselib", "userfaultfd", "vm86",
	"vm86old",
};

/* x86_64 syscalls newer than some libseccomp 2.5.x releases (Debian's
 * 2.5.4 knows up to 456), with their numbers from the kernel's
 * arch/x86/entry/syscalls/syscall_64.tbl. */
static const struct {
	const char *name;
	int nr;
} extra_syscalls[] = {
	{ "futex_waitv", 449 },
	{ "set_mempolicy_home_node", 450 },
	{ "cachestat", 451 },
	{ "fchmodat2", 452 },
	{ "map_shadow_stack", 453 },
	{ "futex_wake", 454 },
	{ "futex_wait", 455 },
	{ "futex_requeue", 456 },
	{ "statmount", 457 },
	{ "listmount", 458 },
	{ "lsm_get_self_attr", 459 },
	{ "lsm_set_self_attr", 460 },
	{ "lsm_list_modules", 461 },
	{ "mseal", 462 },
	{ "setxattrat", 463 },
	{ "getxattrat", 464 },
	{ "listxattrat", 465 },
	{ "removexattrat", 466 },
	{ "open_tree_attr", 467 },
	{ "file_getattr", 468 },
	{ "file_setattr", 469 },
};

/* One argument comparison: (arg & mask) == datum, mask 0xffffffff for
 * the arguments the kernel reads as int (32-bit compare, case 55). */
struct cmp {
	unsigned arg;
	uint64_t mask;
	uint64_t datum;
};

/* One allowed alternative: all comparisons must hold (at most two). */
struct alt {
	struct cmp c[2];
	unsigned n;
};

#define M32 0xffffffffULL
#define ALT1(a, m, d) { { { (a), (m), (d) } }, 1 }
#define ALT2(a, m, d, b, n_, e) { { { (a), (m), (d) }, { (b), (n_), (e) } }, 2 }

static const struct alt alt_clone[] = {
	/* no CLONE_NEW* flag; the kernel reads the low 32 bits of flags */
	ALT1(0, 0x7E020000ULL, 0),
};
static const struct alt alt_ioctl[] = {
	ALT1(1, M32, TCGETS), ALT1(1, M32, TCSETS), ALT1(1, M32, TCSETSW),
	ALT1(1, M32, TCSETSF), ALT1(1, M32, TIOCGWINSZ),
	ALT1(1, M32, TIOCGPGRP), ALT1(1, M32, FIONREAD),
	ALT1(1, M32, FIOCLEX), ALT1(1, M32, FIONCLEX), ALT1(1, M32, FIONBIO),
	/* a private pty (openpty, forkpty, script): the devpts instance is
	 * the sandbox's own; TIOCSCTTY cannot steal a terminal without
	 * CAP_SYS_ADMIN */
	ALT1(1, M32, TIOCGPTN), ALT1(1, M32, TIOCSPTLCK),
	ALT1(1, M32, TIOCGPTPEER), ALT1(1, M32, TIOCSWINSZ),
	ALT1(1, M32, TIOCSCTTY), ALT1(1, M32, TIOCNOTTY),
	ALT1(1, M32, TCFLSH), ALT1(1, M32, TCSBRK), ALT1(1, M32, TCXONC),
	ALT1(1, M32, TIOCSPGRP),
};
static const struct alt alt_socket[] = {
	ALT1(0, M32, AF_UNIX), ALT1(0, M32, AF_INET), ALT1(0, M32, AF_INET6),
	ALT2(0, M32, AF_NETLINK, 2, M32, NETLINK_ROUTE),
};
static const struct alt alt_socketpair[] = {
	ALT1(0, M32, AF_UNIX),
};
static const struct alt alt_prctl[] = {
	ALT1(0, M32, PR_SET_NAME), ALT1(0, M32, PR_GET_NAME),
	ALT1(0, M32, PR_SET_PDEATHSIG), ALT1(0, M32, PR_GET_PDEATHSIG),
	ALT1(0, M32, PR_GET_DUMPABLE), ALT1(0, M32, PR_SET_NO_NEW_PRIVS),
	ALT1(0, M32, PR_GET_NO_NEW_PRIVS), ALT1(0, M32, PR_GET_SECCOMP),
	ALT1(0, M32, PR_CAPBSET_READ), ALT1(0, M32, PR_SET_CHILD_SUBREAPER),
	ALT1(0, M32, PR_GET_CHILD_SUBREAPER), ALT1(0, M32, PR_SET_VMA),
};
static const struct alt alt_personality[] = {
	ALT1(0, M32, 0), ALT1(0, M32, 0xffffffffULL),
};
/* prlimit64: refused on pid 1 (init, which shares the program's ids, so
 * the kernel would let the program lower its limits); any other pid is
 * the sandbox's own (pid namespace) and the kernel refuses raising a hard
 * limit without CAP_SYS_RESOURCE.  An inverted rule (see argrules[]). */
static const struct alt alt_prlimit64[] = {
	ALT1(0, M32, 1),
};
/* fcntl F_SETPIPE_SZ: pipe buffers are charged to the caller's real uid
 * (pipe-user-pages-soft, 64 MiB), which an unprivileged sandbox shares;
 * 1 MiB pipes would spend it with 64 pipes.  Refused (inverted rule), so
 * a pipe keeps its default 16 pages and the open-files and processes
 * limits bound the total (docs/cgroups.md, per-user quotas). */
static const struct alt alt_fcntl[] = {
	ALT1(1, M32, F_SETPIPE_SZ),
};
static const struct alt alt_mknod[] = {
	ALT1(1, S_IFMT, S_IFIFO),
};
static const struct alt alt_mknodat[] = {
	ALT1(2, S_IFMT, S_IFIFO),
};

/* Names that are only ever allowed with their argument rule.  The first
 * comparison of every alternative is on the same argument (arg), which the
 * catch-all also tests; see add_argrule().  inverted: the alternatives are
 * the refused calls and the catch-all allows.  notty: a refused ioctl gets
 * ENOTTY, the kernel's answer to a request the file does not know, so
 * callers probing for a feature take their fallback (not reported as a
 * denied call, unless the policy kills). */
static const struct {
	const char *name;
	unsigned arg;
	const struct alt *alts;
	size_t n;
	bool inverted, notty;
} argrules[] = {
#define R(n, a, t, i, e) { n, a, t, sizeof(t) / sizeof(t[0]), i, e }
	R("clone", 0, alt_clone, false, false),
	R("fcntl", 1, alt_fcntl, true, false),
	R("ioctl", 1, alt_ioctl, false, true),
	R("mknod", 1, alt_mknod, false, false),
	R("mknodat", 2, alt_mknodat, false, false),
	R("personality", 0, alt_personality, false, false),
	R("prctl", 0, alt_prctl, false, false),
	R("prlimit64", 0, alt_prlimit64, true, false),
	R("socket", 0, alt_socket, false, false),
	R("socketpair", 0, alt_socketpair, false, false),
#undef R
};

/* Per-number state while building. */
enum {
	NR_OFF = 0,
	NR_ALLOW = 1 << 0,
	NR_DENY = 1 << 1,	/* in syscalls.deny: deny wins */
	NR_FORBIDDEN = 1 << 2,	/* in forbidden[] */
};

static int
cmp_name(const void *key, const void *elt)
{
	return strcmp(key, *(const char *const *)elt);
}

static bool
is_forbidden(const char *name)
{
	return bsearch(name, forbidden, SR_ARRAY_SIZE(forbidden),
	    sizeof(forbidden[0]), cmp_name) != NULL;
}

bool
sr_filter_forbidden_sorted(void)
{
	for (size_t i = 1; i < SR_ARRAY_SIZE(forbidden); i++)
		if (strcmp(forbidden[i - 1], forbidden[i]) >= 0)
			return false;
	return true;
}

/* x86_64 number of NAME, or -1 when neither libseccomp nor
 * extra_syscalls[] knows it. */
static int
resolve(const char *name)
{
	size_t i;
	int nr;

	nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
	if (nr >= 0)
		return nr;
	for (i = 0; i < SR_ARRAY_SIZE(extra_syscalls); i++)
		if (strcmp(extra_syscalls[i].name, name) == 0)
			return extra_syscalls[i].nr;
	return -1;
}

bool
sr_filter_known_syscall(const char *name)
{
	return name != NULL && resolve(name) >= 0;
}

char *
sr_filter_syscall_name(int nr)
{
	return seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

bool
sr_filter_forbidden_syscall(const char *name)
{
	return name != NULL && is_forbidden(name);
}

/* The action for a refused call.  hard: a forbidden name or an argument
 * rule that did not match; under SR_SYS_LOG those are still refused with
 * the errno (LOG would let them run).  The one place to change when
 * refused calls get reported (SCMP_ACT_NOTIFY). */
static bool build_notify;	/* sr_filter_build: refusals trap to USER_NOTIF */

static uint32_t
refusal(const struct sr_syscalls *sc, bool hard)
{
	int e = sc->errno_value;

	switch (sc->default_action) {
	case SR_SYS_KILL:
		return SCMP_ACT_KILL_PROCESS;
	case SR_SYS_LOG:
		if (!hard)
			return SCMP_ACT_LOG;
		break;
	case SR_SYS_ERRNO:
	default:
		break;
	}
	/* the supervisor answers with the same errno (notify.c) */
	if (build_notify)
		return SCMP_ACT_NOTIFY;
	return SCMP_ACT_ERRNO((uint16_t)e);
}

/* The kernel can trap to a user-space listener (Linux 5.0+). */
static bool
notify_available(void)
{
	uint32_t act = SECCOMP_RET_USER_NOTIF;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0;
}

static int
argrule_index(int nr)
{
	size_t i;

	for (i = 0; i < SR_ARRAY_SIZE(argrules); i++)
		if (resolve(argrules[i].name) == nr)
			return (int)i;
	return -1;
}

/* The match action per alternative (ALLOW, or the refusal when inverted),
 * then the other action for everything else.
 * libseccomp has no "else": the refusal is a rule that always matches,
 * (arg >= 0), on the same argument.  libseccomp orders nodes of one level
 * by argument, then operator (MASKED_EQ before GE), so the allow checks
 * run first and a non-matching call falls through to the refusal instead
 * of the filter's default (ENOSYS).  The unit test checks the outcome. */
static int
add_argrule(scmp_filter_ctx ctx, int nr, size_t ri, uint32_t refuse)
{
	struct scmp_arg_cmp c[2];
	const struct alt *a;
	uint32_t match = SCMP_ACT_ALLOW, other = refuse;
	size_t i;
	unsigned j;
	int rc;

	if (argrules[ri].notty && refuse != SCMP_ACT_KILL_PROCESS)
		other = SCMP_ACT_ERRNO(ENOTTY);
	if (argrules[ri].inverted) {
		match = other;
		other = SCMP_ACT_ALLOW;
	}
	for (i = 0; i < argrules[ri].n; i++) {
		a = &argrules[ri].alts[i];
		for (j = 0; j < a->n; j++) {
			c[j].arg = a->c[j].arg;
			c[j].op = SCMP_CMP_MASKED_EQ;
			c[j].datum_a = a->c[j].mask;
			c[j].datum_b = a->c[j].datum;
		}
		rc = seccomp_rule_add_array(ctx, match, nr, a->n, c);
		if (rc < 0)
			return rc;
	}
	c[0].arg = argrules[ri].arg;
	c[0].op = SCMP_CMP_GE;
	c[0].datum_a = 0;
	c[0].datum_b = 0;
	return seccomp_rule_add_array(ctx, other, nr, 1, c);
}

/* set*id calls that are allowed when they change nothing: name, number
 * of id arguments, whether the ids are gids. */
static const struct {
	const char *name;
	unsigned nargs;
	bool gid;
} idcalls[] = {
	{ "setuid", 1, false }, { "setreuid", 2, false },
	{ "setresuid", 3, false }, { "setfsuid", 1, false },
	{ "setgid", 1, true }, { "setregid", 2, true },
	{ "setresgid", 3, true }, { "setfsgid", 1, true },
};

static int
idcall_index(int nr)
{
	size_t i;

	for (i = 0; i < SR_ARRAY_SIZE(idcalls); i++)
		if (resolve(idcalls[i].name) == nr)
			return (int)i;
	return -1;
}

/* ALLOW when every id argument (32-bit) is `id` or -1, then the refusal
 * for anything else (the same catch-all scheme as add_argrule). */
static int
add_idrule(scmp_filter_ctx ctx, int nr, unsigned nargs, unsigned id,
    uint32_t refuse)
{
	struct scmp_arg_cmp c[3];
	unsigned combo, j;
	int rc;

	for (combo = 0; combo < (1u << nargs); combo++) {
		for (j = 0; j < nargs; j++) {
			c[j].arg = j;
			c[j].op = SCMP_CMP_MASKED_EQ;
			c[j].datum_a = M32;
			c[j].datum_b = (combo >> j) & 1 ? M32 : id;
		}
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, nargs, c);
		if (rc < 0)
			return rc;
	}
	c[0].arg = 0;
	c[0].op = SCMP_CMP_GE;
	c[0].datum_a = 0;
	c[0].datum_b = 0;
	return seccomp_rule_add_array(ctx, refuse, nr, 1, c);
}

/* The chown family: the owner and group arguments (first, first + 1). */
static const struct {
	const char *name;
	unsigned first;
} chowncalls[] = {
	{ "chown", 1 }, { "fchown", 1 }, { "lchown", 1 }, { "fchownat", 2 },
};

/* Without capabilities only a no-op owner and one's own group can be
 * set, and ids outside the user namespace's map give EINVAL where a
 * program expects EPERM: allow owner and group each the program's own
 * id or -1, refuse anything else with the policy's errno. */
static int
add_ownrule(scmp_filter_ctx ctx, int nr, unsigned first, unsigned uid,
    unsigned gid, uint32_t refuse)
{
	struct scmp_arg_cmp c[2];
	unsigned combo;
	int rc;

	for (combo = 0; combo < 4; combo++) {
		c[0].arg = first;
		c[1].arg = first + 1;
		c[0].op = c[1].op = SCMP_CMP_MASKED_EQ;
		c[0].datum_a = c[1].datum_a = M32;
		c[0].datum_b = combo & 1 ? M32 : uid;
		c[1].datum_b = combo & 2 ? M32 : gid;
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 2, c);
		if (rc < 0)
			return rc;
	}
	c[0].arg = first;
	c[0].op = SCMP_CMP_GE;
	c[0].datum_a = 0;
	c[0].datum_b = 0;
	return seccomp_rule_add_array(ctx, refuse, nr, 1, c);
}

/* An allowed name: its argument rule, the chown rule (with own_ids), or
 * plain ALLOW.  No seccomp_syscall_priority() for the rules: it costs
 * ~0.8 ms of build time to save well under 1 us on rare calls. */
static int
add_allowed(scmp_filter_ctx ctx, int nr, const struct sr_syscalls *sc,
    const struct sr_filter *f)
{
	int ri = argrule_index(nr);
	size_t i;

	if (ri >= 0)
		return add_argrule(ctx, nr, (size_t)ri, refusal(sc, true));
	for (i = 0; f->own_ids && i < SR_ARRAY_SIZE(chowncalls); i++)
		if (resolve(chowncalls[i].name) == nr)
			return add_ownrule(ctx, nr, chowncalls[i].first, f->uid,
			    f->gid, refusal(sc, true));
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* Extended attribute setters, when not allowed, fail as on a file system
 * without xattr support (EOPNOTSUPP), which cp -a, rsync and Python's
 * shutil.copystat handle; not counted as denied.  Refused by default:
 * on tmpfs, user xattrs are kernel memory outside size= (SECURITY.md). */
static bool
is_xattr_setter(int nr)
{
	static const char *const names[] = { "setxattr", "lsetxattr",
		"fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
		"setxattrat", "removexattrat" };
	size_t i;

	for (i = 0; i < SR_ARRAY_SIZE(names); i++)
		if (resolve(names[i]) == nr)
			return true;
	return false;
}

/* Mark the names of list (NULL-terminated) with flag; report unknown and
 * (for allow) forbidden names into d, one per line.  Returns problems. */
static int
mark(unsigned char *st, char *const *list, const char *what,
    unsigned char flag, struct sr_diag *d, size_t *off)
{
	int bad = 0, nr;
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++) {
		const char *why = NULL;
		bool forbid = is_forbidden(list[i]);

		if (flag == NR_ALLOW && forbid)
			why = "can never be allowed";
		nr = resolve(list[i]);
		if (nr < 0 && why == NULL && !forbid)
			why = "unknown system call";
		if (why != NULL) {
			if (*off < sizeof(d->msg)) {
				int n = snprintf(d->msg + *off,
				    sizeof(d->msg) - *off, "%ssyscalls.%s: '%s' %s",
				    *off ? "\n" : "", what, list[i], why);
				if (n > 0)
					*off += (size_t)n;
			}
			bad++;
			continue;
		}
		if (nr >= 0 && nr < NR_SCAN)
			st[nr] |= flag;
	}
	return bad;
}

/* What the compiled program depends on besides the policy and the
 * struct sr_filter inputs: the libseccomp version (its syscall table and
 * code generator) and this file's layout choices. */
void
sr_filter_generator(char *buf, size_t size)
{
	const struct scmp_version *v = seccomp_version();

	snprintf(buf, size, "libseccomp %u.%u.%u api %u layout 1 notify %d",
	    v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
	    seccomp_api_get(), (int)notify_available());
}

static int build(const struct sr_syscalls *sc, struct sr_filter *f,
    struct sr_diag *d);

int
sr_filter_build(const struct sr_syscalls *sc, struct sr_filter *f,
    struct sr_diag *d)
{
	int rc;

	build_notify = f->notify && sc->default_action != SR_SYS_KILL &&
	    notify_available();
	rc = build(sc, f, d);
	if (rc < 0 && build_notify) {
		/* libseccomp without SCMP_ACT_NOTIFY: plain errno */
		build_notify = false;
		rc = build(sc, f, d);
	}
	f->notify = rc == 0 && build_notify;
	build_notify = false;
	return rc;
}

static int
build(const struct sr_syscalls *sc, struct sr_filter *f,
    struct sr_diag *d)
{
	unsigned char st[NR_SCAN];
	scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -1;
	struct sock_filter *insns = NULL;
	size_t i, off = 0;
	off_t size;
	int nr, rc, bad, clone3_nr;
	char *name;

	if (sc->errno_value < 1 || sc->errno_value > 4095)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "syscalls.errno: %d is not an errno value (1-4095)",
		    sc->errno_value);

	memset(st, 0, sizeof(st));
	for (i = 0; i < SR_ARRAY_SIZE(forbidden); i++) {
		nr = resolve(forbidden[i]);
		if (nr >= 0 && nr < NR_SCAN)
			st[nr] |= NR_FORBIDDEN;
	}
	{
		struct sr_diag tmp;

		tmp.msg[0] = '\0';
		bad = mark(st, sc->allow, "allow", NR_ALLOW, &tmp, &off);
		bad += mark(st, sc->deny, "deny", NR_DENY, &tmp, &off);
		if (bad) {
			d->kind = SR_DIAG_USAGE;
			d->err = 0;
			memcpy(d->msg, tmp.msg, sizeof(d->msg));
			d->msg[sizeof(d->msg) - 1] = '\0';
			return -1;
		}
	}

	ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	if (ctx == NULL)
		return sr_diag_set(d, "seccomp_init failed");
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc == 0)
		/* Linear layout (1): ~600 instructions, ~2 ms to build
		 * for @default; the binary tree (2, f->tree) ~700 and 1-2 ms
		 * more, but seccomp(2) installs it in half the time (130 vs
		 * 270 us: the kernel runs the program for every syscall
		 * number to fill its action cache).  Since Linux 5.11 that
		 * cache skips the program for syscalls always allowed, so
		 * only refused and argument-filtered calls run it. */
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE,
		    f->tree ? 2 : 1);
	if (rc < 0)
		goto fail_rc;

	clone3_nr = resolve("clone3");
	for (nr = 0; nr < NR_SCAN; nr++) {
		bool allowed = (st[nr] & NR_ALLOW) && !(st[nr] & NR_DENY);
		bool forb = st[nr] & NR_FORBIDDEN;
		int ri;

		if (nr == clone3_nr) {
			/* the default action is ERRNO(ENOSYS); libseccomp
			 * refuses a rule that repeats the default */
			continue;
		} else if (allowed && !forb) {
			rc = add_allowed(ctx, nr, sc, f);
		} else if (f->own_ids && !(st[nr] & NR_DENY) &&
		    (ri = idcall_index(nr)) >= 0) {
			rc = add_idrule(ctx, nr, idcalls[ri].nargs,
			    idcalls[ri].gid ? f->gid : f->uid,
			    refusal(sc, forb));
		} else {
			name = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, nr);
			if (name == NULL)
				continue;	/* unknown: default ENOSYS */
			free(name);
			rc = seccomp_rule_add(ctx, is_xattr_setter(nr) &&
			    sc->default_action != SR_SYS_KILL ?
			    SCMP_ACT_ERRNO(EOPNOTSUPP) : refusal(sc, forb), nr, 0);
		}
		if (rc < 0)
			goto fail_rc;
	}

	fd = memfd_create("sandrun-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		sr_diag_errno(d, "memfd_create");
		goto fail;
	}
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		goto fail_rc;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(struct sock_filter) != 0 ||
	    size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		sr_diag_set(d, "seccomp: unexpected BPF program size %lld",
		    (long long)size);
		goto fail;
	}
	insns = sr_xmalloc((size_t)size);
	if (pread(fd, insns, (size_t)size, 0) != size) {
		sr_diag_errno(d, "reading the BPF program");
		free(insns);
		goto fail;
	}
	seccomp_release(ctx);
	f->insns = insns;
	f->len = (unsigned short)(size / sizeof(struct sock_filter));
	return 0;

fail_rc:
	errno = -rc;
	sr_diag_errno(d, "building the seccomp filter");
fail:
	seccomp_release(ctx);
	return -1;
}

int
sr_filter_install(const struct sr_filter *f)
{
	struct sock_fprog prog;

	if (f == NULL || f->insns == NULL || f->len == 0) {
		errno = EINVAL;
		return -1;
	}
	prog.len = f->len;
	prog.filter = f->insns;
	/* flags 0: the program is single-threaded here; a later change may
	 * pass SECCOMP_FILTER_FLAG_NEW_LISTENER for reporting. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		return -1;
	return 0;
}

int
sr_filter_install_listener(const struct sr_filter *f)
{
	struct sock_fprog prog;

	if (f == NULL || !f->notify)
		return sr_filter_install(f);
	if (f->insns == NULL || f->len == 0) {
		errno = EINVAL;
		return -1;
	}
	prog.len = f->len;
	prog.filter = f->insns;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

void
sr_filter_free(struct sr_filter *f)
{
	if (f == NULL)
		return;
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
}

/* ---- asking the program itself -------------------------------------- */

static bool
jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
	switch (BPF_OP(op)) {
	case BPF_JEQ:
		return a == v;
	case BPF_JGT:
		return a > v;
	case BPF_JGE:
		return a >= v;
	default:		/* BPF_JSET */
		return (a & v) != 0;
	}
}

/* One ALU instruction with a constant; false for an operation the
 * seccomp programs sandrun installs never contain. */
static bool
alu(uint16_t op, uint32_t *a, uint32_t k)
{
	switch (BPF_OP(op)) {
	case BPF_AND:
		*a &= k;
		return true;
	case BPF_OR:
		*a |= k;
		return true;
	case BPF_LSH:
		*a = k < 32 ? *a << k : 0;
		return true;
	case BPF_RSH:
		*a = k < 32 ? *a >> k : 0;
		return true;
	case BPF_ADD:
		*a += k;
		return true;
	case BPF_SUB:
		*a -= k;
		return true;
	default:
		return false;
	}
}

uint32_t
sr_filter_eval(const struct sr_filter *f, const struct seccomp_data *sd)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS], pc, w;
	const struct sock_filter *i;

	memset(mem, 0, sizeof(mem));
	/* forward jumps only (the kernel's check): at most len steps */
	for (pc = 0; f != NULL && f->insns != NULL && pc < f->len; pc++) {
		i = &f->insns[pc];
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k >= sizeof(*sd) || i->k % 4)
				return SECCOMP_RET_KILL_PROCESS;
			memcpy(&w, (const char *)sd + i->k, sizeof(w));
			a = w;
			break;
		case BPF_LD | BPF_IMM:
			a = i->k;
			break;
		case BPF_LDX | BPF_IMM:
			x = i->k;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (i->k >= BPF_MEMWORDS)
				return SECCOMP_RET_KILL_PROCESS;
			if (i->code == (BPF_LD | BPF_MEM))
				a = mem[i->k];
			else if (i->code == (BPF_LDX | BPF_MEM))
				x = mem[i->k];
			else
				mem[i->k] = i->code == BPF_ST ? a : x;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		case BPF_RET | BPF_A:
			return a;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			break;
		default:
			if (BPF_CLASS(i->code) == BPF_ALU &&
			    BPF_SRC(i->code) == BPF_K) {
				if (!alu(i->code, &a, i->k))
					return SECCOMP_RET_KILL_PROCESS;
				break;
			}
			if (BPF_CLASS(i->code) != BPF_JMP ||
			    BPF_OP(i->code) == BPF_JA)
				return SECCOMP_RET_KILL_PROCESS;
			pc += jump_taken(i->code, a, BPF_SRC(i->code) == BPF_X ?
			    x : i->k) ? i->jt : i->jf;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS;	/* fell off: never installed */
}

bool
sr_filter_allows(const struct sr_filter *f, long nr, uint64_t a0,
    uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct seccomp_data sd;

	memset(&sd, 0, sizeof(sd));
	sd.nr = (int)nr;
	sd.arch = seccomp_arch_native();
	sd.args[0] = a0;
	sd.args[1] = a1;
	sd.args[2] = a2;
	sd.args[3] = a3;
	return sr_filter_eval(f, &sd) == SECCOMP_RET_ALLOW;
}
