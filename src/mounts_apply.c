/* mounts_apply.c - carry out the mount plan inside init.
 *
 * Runs in init, inside the new user and mount namespaces, after clone:
 * no allocation.  Every destination is resolved inside the new root
 * (openat2 RESOLVE_IN_ROOT), so no step can reach the host through a
 * link an earlier step made.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mount.h>

#include "mounts.h"
#include "util.h"

/* Where init builds the new root before pivot_root: a tmpfs mounted over
 * /tmp of the private mount namespace (host sources are already open). */
#define NEWROOT "/tmp"

static const char *const devnames[6] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

/* /proc entries that leak host information or poke the kernel. */
static const char *const proc_masked_files[] = {
	"kcore", "keys", "timer_list", "timer_stats", "sched_debug",
	"latency_stats", "kmsg", "kallsyms", "config.gz", NULL,
};
static const char *const proc_masked_dirs[] = {
	"acpi", "asound", "scsi", "driver", "tty", NULL,
};
#define MASK_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | \
	MOUNT_ATTR_NOEXEC)
static const char *const proc_readonly[] = {
	"bus", "fs", "irq", "sys", "sysrq-trigger", NULL,
};

/* ---- inside init: no allocation from here on ------------------------ */

/* "/proc/self/fd/N": a mount source or target that is exactly the file
 * the fd refers to, without resolving a path again. */
static const char *
fdpath(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

/* A directory of the new root whose parent exists. */
static int
mkdir1(const char *path, unsigned mode, struct sr_diag *d)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return sr_diag_errno(d, "mkdir %s", path + strlen(NEWROOT));
	return 0;
}

/* A mask on a /proc entry that this kernel may not have: the mount is
 * tried and a missing entry (ENOENT), or one of the other kind
 * (ENOTDIR: a file over a directory or the reverse), skipped.  1 when
 * skipped, 0 when mounted, -1 with errno. */
static int
proc_mount(const char *src, const char *target, const char *type,
    unsigned long flags, const char *opts)
{
	if (mount(src, target, type, flags, opts) == 0)
		return 0;
	return errno == ENOENT || errno == ENOTDIR ? 1 : -1;
}

/* Add mount attributes (never clears any: locked flags stay). */
static int
set_attr(const char *path, uint64_t set, bool recursive, struct sr_diag *d)
{
	struct mount_attr a = { .attr_set = set };
	struct statvfs sv;
	unsigned long fl = MS_REMOUNT | MS_BIND;

	if (syscall(SYS_mount_setattr, AT_FDCWD, path,
	    recursive ? AT_RECURSIVE : 0, &a, sizeof(a)) == 0)
		return 0;
	if (errno != ENOSYS)
		return sr_diag_errno(d, "mount_setattr %s", path);
	/* Before Linux 5.12: remount, keeping the flags the kernel locked. */
	if (statvfs(path, &sv) < 0)
		return sr_diag_errno(d, "statvfs %s", path);
	fl |= sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC);
	if (set & MOUNT_ATTR_RDONLY)
		fl |= MS_RDONLY;
	if (set & MOUNT_ATTR_NOSUID)
		fl |= MS_NOSUID;
	if (set & MOUNT_ATTR_NODEV)
		fl |= MS_NODEV;
	if (set & MOUNT_ATTR_NOEXEC)
		fl |= MS_NOEXEC;
	if (mount(NULL, path, NULL, fl, NULL) < 0)
		return sr_diag_errno(d, "remount %s", path);
	return 0;
}

/* Attributes of the mount now at PATH inside the root. */
static int
set_attr_in(int root, const char *path, uint64_t set, struct sr_diag *d)
{
	char fp[32];
	int fd = sr_mounts_open_in(root, path, O_PATH);
	int rc;

	if (fd < 0)
		return sr_diag_errno(d, "reopen %s", path);
	rc = set_attr(fdpath(fp, sizeof(fp), fd), set, false, d);
	close(fd);
	return rc;
}

/* tmpfs on TARGET (a path or /proc/self/fd/N); NAME for messages. */
static int
tmpfs(const char *target, const char *name, uint64_t size, uint64_t inodes,
    unsigned mode, unsigned long flags, struct sr_diag *d)
{
	char opts[96];

	if (size == SR_UNLIMITED || size == 0)
		return sr_diag_set(d, "tmpfs %s: a size is required", name);
	/* Inodes cost kernel memory outside size= (SECURITY.md case 32,
	 * 10^7 empty files): sr_mounts_inodes() of the policy's size. */
	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=%o",
	    (unsigned long long)size, (unsigned long long)inodes, mode);
	if (mount("tmpfs", target, "tmpfs", flags, opts) < 0)
		return sr_diag_errno(d, "mount tmpfs on %s", name);
	return 0;
}

/* A tmpfs on directory PATH inside the root (created), owned by uid:gid
 * when own. */
static int
tmpfs_in(int root, const struct sr_mount_plan *pl, const char *path,
    uint64_t size, uint64_t inodes, unsigned mode, bool noexec, bool own,
    struct sr_diag *d)
{
	char fp[32];
	int fd, rc;

	if ((fd = sr_mounts_dir_in(root, path, mode, d)) < 0)
		return -1;
	rc = tmpfs(fdpath(fp, sizeof(fp), fd), path, size, inodes, mode,
	    MS_NOSUID |
	    MS_NODEV | (noexec ? MS_NOEXEC : 0), d);
	close(fd);
	if (rc < 0 || !own)
		return rc;
	if ((fd = sr_mounts_open_in(root, path, O_PATH | O_DIRECTORY)) < 0)
		return sr_diag_errno(d, "reopen %s", path);
	if (fchownat(fd, "", pl->uid, pl->gid, AT_EMPTY_PATH) < 0)
		rc = sr_diag_errno(d, "chown %s", path);
	close(fd);
	return rc;
}

static int
bind_fd(int fd, const char *target, const char *name, struct sr_diag *d)
{
	char src[32];

	if (mount(fdpath(src, sizeof(src), fd), target, NULL, MS_BIND,
	    NULL) < 0)
		return sr_diag_errno(d, "bind mount on %s", name);
	return 0;
}

/* Create NAME in directory DFD (never through a link) and fill it. */
static int
write_file(int dfd, const char *name, const char *shown, const char *data,
    size_t len, unsigned mode, int uid, int gid, struct sr_diag *d)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode);

	if (fd < 0)
		return sr_diag_errno(d, "create %s", shown);
	if (sr_write_all(fd, data, len) < 0 ||
	    (uid >= 0 && fchown(fd, (uid_t)uid, (gid_t)gid) < 0) ||
	    fchmod(fd, mode) < 0) {
		sr_diag_errno(d, "write %s", shown);
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
write_in(int root, const char *path, const char *data, size_t len,
    unsigned mode, int uid, int gid, struct sr_diag *d)
{
	const char *name;
	int dfd = sr_mounts_parent_in(root, path, &name, d);
	int rc;

	if (dfd < 0)
		return -1;
	rc = write_file(dfd, name, path, data, len, mode, uid, gid, d);
	close(dfd);
	return rc;
}

int
sr_mounts_copy_in(int root, int src, off_t off, uint64_t size,
    const char *path, unsigned uid, unsigned gid, struct sr_diag *d)
{
	const char *name;
	uint64_t end = (uint64_t)off + size;
	ssize_t n;
	int dfd, fd;

	if ((dfd = sr_mounts_parent_in(root, path, &name, d)) < 0)
		return -1;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644);
	close(dfd);
	if (fd < 0)
		return sr_diag_errno(d, "copy to %s", path);
	while ((uint64_t)off < end) {
		n = sendfile(fd, src, &off, end - (uint64_t)off > (1u << 30) ?
		    (1u << 30) : end - (uint64_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sr_diag_errno(d, "copy to %s%s", path,
			    n == 0 ? ": source shrank" : "");
			close(fd);
			return -1;
		}
	}
	if (fchown(fd, uid, gid) < 0) {
		sr_diag_errno(d, "chown %s", path);
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The run's /proc/meminfo: a file on the root tmpfs bound over the
 * kernel's, then unlinked (the mount keeps it). */
static int
mask_meminfo(const struct sr_mount_plan *pl, int root, struct sr_diag *d)
{
	static const char tmpname[] = ".sandrun-meminfo";
	int fd;

	if (pl->meminfo == NULL)
		return 0;
	if (write_file(root, tmpname, "/proc/meminfo", pl->meminfo,
	    strlen(pl->meminfo), 0444, -1, -1, d) < 0)
		return -1;
	fd = openat(root, tmpname, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || bind_fd(fd, NEWROOT "/proc/meminfo", "/proc/meminfo",
	    d) < 0 || unlinkat(root, tmpname, 0) < 0) {
		if (fd >= 0)
			close(fd);
		return d->msg[0] ? -1 : sr_diag_errno(d, "/proc/meminfo");
	}
	close(fd);
	return set_attr(NEWROOT "/proc/meminfo", MOUNT_ATTR_RDONLY |
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, false, d);
}

static int
setup_proc(const struct sr_mount_plan *pl, int root, struct sr_diag *d)
{
	char p[PATH_MAX], q[PATH_MAX];
	const char *first;
	size_t i;
	int rc;

	if (mkdir1(NEWROOT "/proc", 0555, d) < 0)
		return -1;
	if (mount("proc", NEWROOT "/proc", "proc",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return sr_diag_errno(d, "mount /proc");
	/* The first mask gets its attributes; the others are binds of it,
	 * and a bind copies the source mount's attributes: one
	 * mount_setattr instead of one per file.  No lstat first: the mount
	 * itself says whether the entry is there (proc_mount). */
	for (i = 0, first = NULL; proc_masked_files[i]; i++) {
		snprintf(p, sizeof(p), NEWROOT "/proc/%s", proc_masked_files[i]);
		if (first == NULL)
			rc = proc_mount(fdpath(q, sizeof(q), pl->devfds[0]), p,
			    NULL, MS_BIND, NULL);
		else
			rc = proc_mount(q, p, NULL, MS_BIND, NULL);
		if (rc < 0)
			return sr_diag_errno(d, "bind mount on %s",
			    p + strlen(NEWROOT));
		if (rc > 0 || first != NULL)
			continue;
		if (set_attr(p, MASK_ATTRS, false, d) < 0)
			return -1;
		first = proc_masked_files[i];
		snprintf(q, sizeof(q), "%s", p);
	}
	if (mask_meminfo(pl, root, d) < 0)
		return -1;
	/* No nested user namespaces, whatever seccomp allows: the limit is
	 * per user namespace and ours may lower it (before /proc/sys goes
	 * read-only).  Best effort: seccomp is the main barrier. */
	snprintf(p, sizeof(p), NEWROOT "/proc/sys/user/max_user_namespaces");
	{
		int fd = open(p, O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			(void)!write(fd, "0\n", 2);
			close(fd);
		}
	}
	/* One empty read-only tmpfs, bound over the other directories (a
	 * bind keeps its attributes): one superblock to make and tear down
	 * instead of one per directory. */
	for (i = 0, first = NULL; proc_masked_dirs[i]; i++) {
		snprintf(p, sizeof(p), NEWROOT "/proc/%s", proc_masked_dirs[i]);
		if (first == NULL)
			rc = proc_mount("tmpfs", p, "tmpfs", MS_RDONLY |
			    MS_NOSUID | MS_NODEV | MS_NOEXEC,
			    "size=4k,mode=0555");
		else
			rc = proc_mount(q, p, NULL, MS_BIND, NULL);
		if (rc < 0)
			return sr_diag_errno(d, "mask /proc/%s",
			    proc_masked_dirs[i]);
		if (rc == 0 && first == NULL) {
			first = proc_masked_dirs[i];
			snprintf(q, sizeof(q), "%s", p);
		}
	}
	for (i = 0; proc_readonly[i]; i++) {
		snprintf(p, sizeof(p), NEWROOT "/proc/%s", proc_readonly[i]);
		if ((rc = proc_mount(p, p, NULL, MS_BIND | MS_REC, NULL)) < 0)
			return sr_diag_errno(d, "bind /proc/%s", proc_readonly[i]);
		if (rc == 0 && set_attr(p, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, true, d) < 0)
			return -1;
	}
	return 0;
}

/* A private devpts instance (its own pty numbers, at most 64) and
 * /dev/ptmx pointing into it, so openpty, forkpty and script work.  Best
 * effort: without it there is no pty, as before. */
static void
setup_devpts(void)
{
	if (mount("devpts", NEWROOT "/dev/pts", "devpts",
	    MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,max=64")
	    == 0)
		(void)!symlink("pts/ptmx", NEWROOT "/dev/ptmx");
}

/* nosuid,noexec on the device node binds (the host's /dev may lack
 * them): one recursive mount_setattr over /dev and its binds, before
 * /dev/shm and /dev/pts exist; per node before Linux 5.12. */
static int
dev_nodes_attr(const struct sr_mount_plan *pl, struct sr_diag *d)
{
	struct mount_attr a = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
	};
	char p[PATH_MAX];
	size_t i;

	if (syscall(SYS_mount_setattr, AT_FDCWD, NEWROOT "/dev",
	    AT_RECURSIVE, &a, sizeof(a)) == 0)
		return 0;
	if (errno != ENOSYS)
		return sr_diag_errno(d, "mount_setattr /dev");
	for (i = 0; i < SR_ARRAY_SIZE(devnames); i++) {
		if (pl->devfds[i] < 0)
			continue;
		snprintf(p, sizeof(p), NEWROOT "/dev/%s", devnames[i]);
		if (set_attr(p, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false,
		    d) < 0)
			return -1;
	}
	return 0;
}

static int
setup_dev(const struct sr_mount_plan *pl, struct sr_diag *d)
{
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	char p[PATH_MAX];
	size_t i;

	if (mkdir1(NEWROOT "/dev", 0755, d) < 0 ||
	    tmpfs(NEWROOT "/dev", "/dev", 64 * 1024, 1024, 0755,
	    MS_NOSUID | MS_NOEXEC, d) < 0)
		return -1;
	for (i = 0; i < SR_ARRAY_SIZE(devnames); i++) {
		if (pl->devfds[i] < 0)
			continue;
		snprintf(p, sizeof(p), NEWROOT "/dev/%s", devnames[i]);
		if (mknod(p, S_IFREG | 0666, 0) < 0)
			return sr_diag_errno(d, "create /dev/%s", devnames[i]);
		if (bind_fd(pl->devfds[i], p, p + strlen(NEWROOT), d) < 0)
			return -1;
	}
	if (dev_nodes_attr(pl, d) < 0)
		return -1;
	for (i = 0; i < SR_ARRAY_SIZE(links); i++) {
		snprintf(p, sizeof(p), NEWROOT "/dev/%s", links[i][0]);
		if (symlink(links[i][1], p) < 0)
			return sr_diag_errno(d, "symlink /dev/%s", links[i][0]);
	}
	if (mkdir1(NEWROOT "/dev/shm", 01777, d) < 0 ||
	    mkdir1(NEWROOT "/dev/pts", 0755, d) < 0 ||
	    tmpfs(NEWROOT "/dev/shm", "/dev/shm", pl->shm_size, pl->shm_inodes,
	    01777,
	    MS_NOSUID | MS_NODEV | (pl->exec_shm ? 0 : MS_NOEXEC), d) < 0)
		return -1;
	setup_devpts();
	return set_attr(NEWROOT "/dev", MOUNT_ATTR_RDONLY, false, d);
}

/* The attributes of the bind just made on NAME in directory DFD: the
 * top mount there is the bind (NAME is one component, never a link).
 * When NAME is a link (the bind went to its target) or mount_setattr is
 * missing, the path is resolved inside the root again. */
static int
bind_attr(int root, int dfd, const char *name, const struct sr_step *s,
    struct sr_diag *d)
{
	struct mount_attr a = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		    (s->rw ? 0 : MOUNT_ATTR_RDONLY),
	};

	if (syscall(SYS_mount_setattr, dfd, name, AT_SYMLINK_NOFOLLOW, &a,
	    sizeof(a)) == 0)
		return 0;
	return set_attr_in(root, s->dst, a.attr_set, d);
}

static int
apply_bind(int root, const struct sr_step *s, struct sr_diag *d)
{
	const char *name;
	char fp[32];
	int t, dfd, rc;

	if ((dfd = sr_mounts_parent_in(root, s->dst, &name, d)) < 0)
		return -1;
	if (s->src_is_dir) {
		if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST) {
			sr_diag_errno(d, "mkdir %s", s->dst);
			t = -1;
		} else if ((t = sr_mounts_open_in(root, s->dst, O_PATH |
		    O_DIRECTORY)) < 0) {
			sr_diag_errno(d, "mkdir %s", s->dst);
		}
	} else if ((t = openat(dfd, name, O_RDONLY | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0644)) < 0) {
		sr_diag_errno(d, "create %s", s->dst);
	}
	if (t < 0) {
		close(dfd);
		return -1;
	}
	rc = bind_fd(s->src_fd, fdpath(fp, sizeof(fp), t), s->dst, d);
	close(t);
	if (rc == 0)
		rc = bind_attr(root, dfd, name, s, d);
	close(dfd);
	return rc;
}

static int
apply_step(const struct sr_mount_plan *pl, int root, const struct sr_step *s,
    struct sr_diag *d)
{
	const char *name;
	int fd, rc = 0;

	switch (s->type) {
	case SR_STEP_BIND:
		return apply_bind(root, s, d);
	case SR_STEP_TMPFS:
		return tmpfs_in(root, pl, s->dst, s->size,
		    sr_mounts_inodes(s->size), s->mode, s->noexec,
		    false, d);
	case SR_STEP_SYMLINK:
		if ((fd = sr_mounts_parent_in(root, s->dst, &name, d)) < 0)
			return -1;
		if (symlinkat(s->text, fd, name) < 0)
			rc = sr_diag_errno(d, "symlink %s", s->dst);
		close(fd);
		return rc;
	case SR_STEP_DIR:
		if ((fd = sr_mounts_dir_in(root, s->dst, s->mode, d)) < 0)
			return -1;
		if (fchownat(fd, "", pl->uid, pl->gid, AT_EMPTY_PATH) < 0)
			rc = sr_diag_errno(d, "chown %s", s->dst);
		close(fd);
		return rc;
	case SR_STEP_FILE:
		return write_in(root, s->dst, s->text, s->text_len, s->mode,
		    -1, -1, d);
	case SR_STEP_COPY:
		return sr_mounts_copy_in(root, s->src_fd, 0, s->size, s->dst,
		    pl->uid, pl->gid, d);
	}
	return 0;
}

int
sr_mounts_open_sources(struct sr_mount_plan *pl, struct sr_diag *d)
{
	char path[32];
	size_t i;

	for (i = 0; i < SR_ARRAY_SIZE(devnames); i++) {
		snprintf(path, sizeof(path), "/dev/%s", devnames[i]);
		pl->devfds[i] = open(path, O_PATH | O_CLOEXEC);
		if (pl->devfds[i] < 0 && i < 5)
			return sr_diag_errno(d, "cannot open host %s", path);
	}
	for (i = 0; i < pl->n_steps; i++) {
		struct sr_step *s = &pl->steps[i];

		if (s->type != SR_STEP_BIND)
			continue;
		s->src_fd = open(s->src, O_PATH | O_CLOEXEC);
		if (s->src_fd < 0)
			return sr_diag_errno(d, "bind source %s", s->src);
	}
	return 0;
}

/* The sandbox's own filesystems, before the policy's steps (so later
 * binds may go under the work dir): /proc, /dev, /tmp, the work dir and
 * the synthetic /etc files. */
static int
apply_builtin(const struct sr_mount_plan *pl, int root, bool bound,
    struct sr_diag *d)
{
	if (setup_proc(pl, root, d) < 0 || setup_dev(pl, d) < 0)
		return -1;
	if (tmpfs_in(root, pl, "/tmp", pl->tmp_size, pl->tmp_inodes, 01777,
	    !pl->exec_tmp,
	    false, d) < 0)
		return -1;
	if (bound) {
		int fd = sr_mounts_dir_in(root, pl->workdir, 0755, d);

		if (fd < 0)
			return -1;
		close(fd);
	} else if (tmpfs_in(root, pl, pl->workdir, pl->work_size,
	    pl->work_inodes, 0755,
	    !pl->exec_work, true, d) < 0) {
		return -1;
	}
	if (write_in(root, "/etc/passwd", pl->passwd, strlen(pl->passwd),
	    0644, -1, -1, d) < 0 ||
	    write_in(root, "/etc/group", pl->group, strlen(pl->group),
	    0644, -1, -1, d) < 0 ||
	    write_in(root, "/etc/hosts", pl->hosts, strlen(pl->hosts),
	    0644, -1, -1, d) < 0)
		return -1;
	return 0;
}

static int
pivot(const struct sr_mount_plan *pl, struct sr_diag *d)
{
	if (chdir(NEWROOT) < 0)
		return sr_diag_errno(d, "chdir to new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sr_diag_errno(d, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return sr_diag_errno(d, "detach the old root");
	if (chdir("/") < 0)
		return sr_diag_errno(d, "chdir /");
	if (set_attr("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV, false, d) < 0)
		return -1;
	if (chdir(pl->workdir) < 0)
		return sr_diag_errno(d, "chdir %s", pl->workdir);
	return 0;
}

static int
apply_in_root(struct sr_mount_plan *pl, int root, const char *code_name,
    const char *code, size_t code_len, struct sr_diag *d)
{
	char p[PATH_MAX];
	bool bound = sr_mounts_workdir_bound(pl);
	size_t i;

	if (apply_builtin(pl, root, bound, d) < 0)
		return -1;
	for (i = 0; i < pl->n_steps; i++)
		if (apply_step(pl, root, &pl->steps[i], d) < 0)
			return -1;

	/* A writable home unless it lives in /tmp or the work dir; exec as
	 * /tmp is. */
	if (pl->home != NULL && !sr_mounts_under(pl->home, "/tmp") &&
	    !sr_mounts_under(pl->home, pl->workdir) &&
	    tmpfs_in(root, pl, pl->home, pl->tmp_size, pl->tmp_inodes, 0700,
	    !pl->exec_tmp,
	    true, d) < 0)
		return -1;

	if (code != NULL) {
		/* Never write the code into a host directory bound over the
		 * work dir: it goes to /tmp then. */
		if ((size_t)snprintf(p, sizeof(p), "%s/%s",
		    bound ? "/tmp" : pl->workdir, code_name) >= sizeof(p))
			return sr_diag_set(d, "path too long: %s", code_name);
		if (write_in(root, p, code, code_len, 0644, (int)pl->uid,
		    (int)pl->gid, d) < 0)
			return -1;
	}
	return 0;
}

int
sr_mounts_apply(struct sr_mount_plan *pl, const char *code_name,
    const char *code, size_t code_len, struct sr_diag *d)
{
	int root, rc;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sr_diag_errno(d, "make mounts private");
	if (tmpfs(NEWROOT, "/", pl->work_size, pl->work_inodes, 0755,
	    MS_NOSUID | MS_NODEV,
	    d) < 0)
		return -1;
	root = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sr_diag_errno(d, "open the new root");
	rc = apply_in_root(pl, root, code_name, code, code_len, d);
	if (rc == 0)
		rc = sr_mounts_stage_open(pl, root, d);
	close(root);
	if (rc < 0)
		return -1;
	return pivot(pl, d);
}
