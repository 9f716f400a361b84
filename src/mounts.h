/* mounts.h - the sandbox's root filesystem.
 *
 * Prepared in the supervisor (sr_mounts_prepare: every host source opened
 * with O_PATH, so a missing path is an error before anything starts and
 * no path is resolved again later), applied by init inside the new mount
 * namespace (sr_mounts_apply: tmpfs root, binds, /proc, /dev, /tmp, work
 * dir, synthetic /etc files, pivot_root, read-only root).
 */
#ifndef SR_MOUNTS_H
#define SR_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "diag.h"
#include "policy.h"

enum sr_step_type {
	SR_STEP_BIND,		/* bind src_fd at dst (ro unless rw) */
	SR_STEP_TMPFS,
	SR_STEP_SYMLINK,
	SR_STEP_DIR,
	SR_STEP_FILE,		/* write content */
	SR_STEP_COPY,		/* copy src_fd (regular file) to dst */
};

struct sr_step {
	enum sr_step_type type;
	const char *src;	/* BIND: host path, opened by init inside its own
				 * mount namespace (a bind needs a source mount
				 * of the caller's namespace) */
	int src_fd;		/* COPY: O_RDONLY fd opened by the supervisor;
				 * BIND: set by init; else -1 */
	bool src_is_dir;
	bool rw;
	const char *dst;	/* absolute path inside */
	const char *text;	/* SYMLINK target / FILE content */
	size_t text_len;
	uint64_t size;		/* TMPFS size */
	unsigned mode;
	bool own;		/* chown to the sandbox user */
};

struct sr_mount_plan {
	struct sr_step *steps;
	size_t n_steps;
	int devfds[6];		/* init: O_PATH fds of /dev/{null,zero,full,random,urandom,tty} */
	char *passwd, *group, *hosts;	/* synthetic /etc files */
	char **owned;		/* strings the plan allocated */
	size_t n_owned;
	const char *workdir;
	const char *home;
	uint64_t tmp_size, work_size, shm_size;
	unsigned uid, gid;
};

/* Check every source of the policy's filesystem list and the command
 * line's --bind/--file options (--file sources are opened here), compute
 * the steps.  Returns 0 or -1 with d. */
int sr_mounts_prepare(struct sr_mount_plan *plan, const struct sr_policy *p,
    const struct sr_opts *o, struct sr_diag *d);

/* In init, inside the new namespaces but before it becomes the sandbox
 * user (whose host uid may not reach the sources' parent directories):
 * open every bind source and the host's device nodes with O_PATH. */
int sr_mounts_open_sources(struct sr_mount_plan *plan, struct sr_diag *d);

/* In init, inside the new user+mount namespaces: build the root on a
 * tmpfs, apply the plan, write the code file, pivot_root into it.
 * Allocates nothing; stores the fds it opens in the plan (init's copy). */
int sr_mounts_apply(struct sr_mount_plan *plan, const char *code_name,
    const char *code, size_t code_len, struct sr_diag *d);

/* True when a --bind/--bind-rw replaces the work dir; the code file is
 * then written to /tmp instead. */
bool sr_mounts_workdir_bound(const struct sr_mount_plan *plan);

void sr_mounts_free(struct sr_mount_plan *plan);

#endif
