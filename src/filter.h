/* filter.h - the seccomp filter: built from the policy with libseccomp in
 * the supervisor (while init builds the root filesystem, sandbox.c),
 * installed by the program just before execve.
 *
 * filter.c is the only file that includes <seccomp.h>.  Building compiles
 * to a classic BPF program held in memory, so the child only makes one
 * seccomp(2) call and allocates nothing.
 */
#ifndef SR_FILTER_H
#define SR_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "policy.h"

struct sock_filter;

struct sr_filter {
	struct sock_filter *insns;	/* owned */
	unsigned short len;
	/* In: set before sr_filter_build to ask for refused calls to be
	 * reported (SECCOMP_RET_USER_NOTIF instead of ERRNO; see notify.h).
	 * Out: whether the built filter really does (kernel support, errno
	 * policy). */
	bool notify;
	/* In: the program's own uid and gid inside.  When own_ids is set,
	 * the set*id calls a policy does not allow still succeed when they
	 * change nothing (every id argument is the own id or -1): glibc's
	 * posix_spawn (GNU make) calls seteuid(getuid()).  Real changes are
	 * refused like any other call. */
	bool own_ids;
	unsigned uid, gid;
	/* In: the binary-tree layout: ~1-2 ms slower to build, half the
	 * install cost (the kernel emulates the program for every syscall
	 * number to fill its action cache) and a shorter path for the
	 * argument-filtered calls.  Worth it when the program is cached
	 * (filter_cache.h). */
	bool tree;
	/* Not built, set by the supervisor: the program may hand the
	 * notify listener over with sendmsg(SCM_RIGHTS) because the policy
	 * allows sendmsg whatever its arguments (notify.h). */
	bool send_listener;
};

/* Compile sc into f.  Rules (see sandrun-policy(5), "System calls"):
 * - only the native architecture; other ABIs kill the process;
 * - every allowed name is allowed, except those with a mandatory argument
 *   rule (clone, ioctl, socket, prctl, personality, prlimit64, mknod,
 *   mknodat), which are allowed only with their argument filter;
 * - clone3 always fails with ENOSYS;
 * - names the kernel knows but the policy does not allow fail with
 *   sc->errno_value (or kill, per default_action);
 * - numbers libseccomp does not know (newer than it) fail with ENOSYS.
 * Returns 0, or -1 with d filled. */
int sr_filter_build(const struct sr_syscalls *sc, struct sr_filter *f,
    struct sr_diag *d);

/* In the child, after no_new_privs: install f with seccomp(2).
 * Returns 0 or -1 with errno (no allocation, no stdio). */
int sr_filter_install(const struct sr_filter *f);

/* Like sr_filter_install, with SECCOMP_FILTER_FLAG_NEW_LISTENER when
 * f->notify: returns the listener fd (close-on-exec), 0 without notify,
 * or -1 with errno. */
int sr_filter_install_listener(const struct sr_filter *f);

/* The native name of system call nr (malloc'd), or NULL when libseccomp
 * does not know it. */
char *sr_filter_syscall_name(int nr);

/* sr_filter_known_syscall, sr_filter_forbidden_syscall: sysgroups.h */

/* true when the forbidden-name table is in strcmp order, as the binary
 * search of sr_filter_forbidden_syscall() needs (checked by the tests). */
bool sr_filter_forbidden_sorted(void);
#include "sysgroups.h"

/* A line naming what, besides the policy, decides the compiled program:
 * libseccomp's version and API level, the layout, kernel notify support
 * (the BPF cache's key, filter_cache.h). */
void sr_filter_generator(char *buf, size_t size);

/* What f's program returns for the call sd (the whole action word),
 * as the kernel would run it: a simulation of the classic BPF seccomp
 * programs contain.  An instruction it does not know, or a program that
 * ends without a return, gives SECCOMP_RET_KILL_PROCESS. */
struct seccomp_data;
uint32_t sr_filter_eval(const struct sr_filter *f,
    const struct seccomp_data *sd);

/* Whether f lets system call nr with these first arguments (the others
 * 0) through unchanged (SECCOMP_RET_ALLOW, nothing else: not LOG, not a
 * notification), from the native architecture. */
bool sr_filter_allows(const struct sr_filter *f, long nr, uint64_t a0,
    uint64_t a1, uint64_t a2, uint64_t a3);

void sr_filter_free(struct sr_filter *f);

#endif
