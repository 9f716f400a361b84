/* mounts.h - the sandbox's root filesystem.
 *
 * Planned in the supervisor (mounts_plan.c, sr_mounts_prepare: the bind
 * rules checked, --file sources opened, the steps listed), applied by init
 * inside the new mount namespace (mounts_apply.c, sr_mounts_apply: tmpfs
 * root, /proc, /dev with a private devpts, /tmp, work dir, synthetic /etc
 * files, the steps, pivot_root, read-only root).  Every path of a step is
 * resolved inside the new root (mounts_root.c).
 */
#ifndef SR_MOUNTS_H
#define SR_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli.h"
#include "diag.h"
#include "policy.h"
#include "result.h"

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
	dev_t src_dev;		/* BIND: what the source's path named when */
	ino_t src_ino;		/* planned (stat: links followed) */
	const char *dst;	/* absolute path inside */
	const char *text;	/* SYMLINK target / FILE content */
	size_t text_len;
	uint64_t size;		/* TMPFS size */
	unsigned mode;
	bool own;		/* chown to the sandbox user */
	bool noexec;		/* TMPFS: mounted noexec */
};

struct sr_mount_plan {
	struct sr_step *steps;
	size_t n_steps;
	size_t n_policy;	/* steps[0..n_policy): the policy's filesystem */
	int devfds[6];		/* init: O_PATH fds of /dev/{null,zero,full,random,urandom,tty} */
	char *passwd, *group, *hosts;	/* synthetic /etc files */
	char **owned;		/* strings the plan allocated */
	size_t n_owned;
	const char *workdir;
	const char *home;
	uint64_t tmp_size, work_size, shm_size;
	uint64_t tmp_inodes, work_inodes, shm_inodes;	/* of the policy's sizes */
	bool exec_tmp, exec_work, exec_shm;	/* policy "exec" */
	char *meminfo;		/* /proc/meminfo shown inside, or NULL */
	unsigned uid, gid;
	/* A pool's sandbox: init keeps a writable clone of the mount tree
	 * so --file copies can be made at run (mounts_stage.c). */
	bool stage;
	int stage_fd;		/* init: the clone, or -1 */
};

#define SR_MOUNTS_COPIES_MAX (64u << 20)	/* --file bytes made at run */

/* Check every source of the policy's filesystem list and the command
 * line's --bind/--file options (--file sources are opened here), compute
 * the steps (meminfo left NULL: sr_mounts_host_meminfo).  Returns 0 or
 * -1 with d. */
int sr_mounts_prepare(struct sr_mount_plan *plan, const struct sr_policy *p,
    const struct sr_opts *o, struct sr_diag *d);

/* /proc/meminfo as the run should see it: HOST (the host's text) with
 * MemTotal at most LIMIT bytes and every other kB value clamped to it,
 * no swap.  NULL when LIMIT is SR_UNLIMITED or not below the host's
 * total.  Allocated; the caller frees. */
char *sr_mounts_meminfo(const char *host, uint64_t limit);

/* The host's /proc/meminfo now, through sr_mounts_meminfo: what
 * sr_mounts_prepare's caller puts in the plan's meminfo. */
char *sr_mounts_host_meminfo(uint64_t limit);

/* Inodes of a tmpfs of SIZE bytes: one per KiB, at least 1024.  Taken
 * from the policy's sizes, also when sr_mounts_fit_memory() raises them
 * (inodes are kernel memory beyond size=). */
uint64_t sr_mounts_inodes(uint64_t size);

/* Where the run's memory cgroup is charged for tmpfs pages (charged is
 * the memory limit, or SR_UNLIMITED when no cgroup enforces one): size
 * /tmp, the work dir and /dev/shm by the memory limit instead of the
 * policy's smaller bounds, and record the sizes in lim. */
void sr_mounts_fit_memory(struct sr_mount_plan *plan, uint64_t charged,
    struct sr_limit_report *lim);

/* In init, inside the new root (mounts_root.c): open PATH (absolute inside
 * the sandbox) relative to the root fd ROOT, links resolved inside it. */
int sr_mounts_open_in(int root, const char *path, int flags);
/* O_PATH fd of directory PATH inside ROOT, missing components created
 * (MODE for the last one, 0755 for the others).  -1 with d. */
int sr_mounts_dir_in(int root, const char *path, unsigned mode,
    struct sr_diag *d);
/* O_PATH fd of PATH's parent directory (created), *name its last
 * component (points into PATH).  -1 with d. */
int sr_mounts_parent_in(int root, const char *path, const char **name,
    struct sr_diag *d);

/* Copy size bytes of src from offset off to a new file PATH inside ROOT
 * (0644, never over an existing file or through a link), owned by
 * uid:gid.  0, or -1 with d. */
int sr_mounts_copy_in(int root, int src, off_t off, uint64_t size,
    const char *path, unsigned uid, unsigned gid, struct sr_diag *d);

/* In init, inside the new namespaces but before it becomes the sandbox
 * user (whose host uid may not reach the sources' parent directories):
 * open every bind source and the host's device nodes with O_PATH. */
int sr_mounts_open_sources(struct sr_mount_plan *plan, struct sr_diag *d);

/* In init, inside the new user+mount namespaces: build the root on a
 * tmpfs, apply the plan, write the code file, pivot_root into it.
 * Allocates nothing; stores the fds it opens in the plan (init's copy). */
int sr_mounts_apply(struct sr_mount_plan *plan, const char *code_name,
    const char *code, size_t code_len, struct sr_diag *d);

/* In init, before pivot_root (mounts_stage.c): with plan->stage, the
 * clone of the tree at ROOT into plan->stage_fd.  0 or -1 with d. */
int sr_mounts_stage_open(struct sr_mount_plan *plan, int root,
    struct sr_diag *d);

/* Supervisor: whether the steps of plan from FIRST on (a call's --file
 * copies beyond its ready sandbox's plan) can all be made at run:
 * regular files, at most SR_MOUNTS_COPIES_MAX bytes. */
bool sr_mounts_copies_fit(const struct sr_mount_plan *plan, size_t first);

/* Supervisor: those copies in a sealed memfd for RUN.  fd or -1 with d. */
int sr_mounts_pack_copies(const struct sr_mount_plan *plan, size_t first,
    struct sr_diag *d);

/* In init at a warm call's RUN, when its memory limit is lower than the
 * sandbox's at create (mounts_run.c): the tmpfs of /, /tmp, the work
 * dir, the home and /dev/shm resized to size[] (/tmp and home: size[0],
 * / and the work dir: size[1], /dev/shm: size[2]; 0 or NULL: left), and
 * /proc/meminfo replaced by the content of meminfo_fd (-1: left).
 * 0, or -1 with d. */
int sr_mounts_lower_memory(const struct sr_mount_plan *pl,
    const uint64_t *size, int meminfo_fd, struct sr_diag *d);

/* In init, at RUN: make the copies packed in fd, through the clone, as
 * a cold run makes them at create.  0 or -1 with d. */
int sr_mounts_copy_at_run(const struct sr_mount_plan *plan, int fd,
    struct sr_diag *d);

/* True when path p is prefix or below it ("/usr/x" is under "/usr",
 * "/usrx" is not). */
bool sr_mounts_under(const char *p, const char *prefix);

/* True when a --bind/--bind-rw replaces the work dir; the code file is
 * then written to /tmp instead. */
bool sr_mounts_workdir_bound(const struct sr_mount_plan *plan);

/* Whether two plans of the same policy mount the same host objects: the
 * same policy steps (an optional entry present in both or neither), each
 * bind's source naming the same file or directory (device and inode,
 * links followed: a link retargeted or a file replaced on the host
 * differs).  A ready sandbox serves a call only when its plan and the
 * call's are the same so (run.c). */
bool sr_mounts_same_host(const struct sr_mount_plan *a,
    const struct sr_mount_plan *b);

void sr_mounts_free(struct sr_mount_plan *plan);

#endif
