#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
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
static const char *const proc_readonly[] = {
	"bus", "fs", "irq", "sys", "sysrq-trigger", NULL,
};

static char *
own(struct sr_mount_plan *pl, char *s)
{
	pl->owned = sr_xrealloc(pl->owned, (pl->n_owned + 1) * sizeof(char *));
	pl->owned[pl->n_owned++] = s;
	return s;
}

static struct sr_step *
add_step(struct sr_mount_plan *pl, enum sr_step_type t, const char *dst)
{
	struct sr_step *s;

	pl->steps = sr_xrealloc(pl->steps, (pl->n_steps + 1) * sizeof(*s));
	s = &pl->steps[pl->n_steps++];
	memset(s, 0, sizeof(*s));
	s->type = t;
	s->src_fd = -1;
	s->dst = dst;
	return s;
}

static bool
path_is(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(p, prefix, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* Destination of a command-line --file/--bind: absolute, or relative to the
 * work dir; defaults to the source's base name in the work dir. */
static const char *
cli_dst(struct sr_mount_plan *pl, const char *opt, const char *src,
    const char *dst, const char *workdir, struct sr_diag *d)
{
	const char *base;
	char *r;
	size_t n;

	if (dst == NULL) {
		n = strlen(src);
		while (n > 1 && src[n - 1] == '/')
			n--;
		base = src + n;
		while (base > src && base[-1] != '/')
			base--;
		if (base == src + n || strncmp(base, "..", 2) == 0 ||
		    strncmp(base, ".", (size_t)(src + n - base)) == 0) {
			sr_diag_kind(d, SR_DIAG_USAGE,
			    "%s %s: cannot derive a destination name; give SRC:DEST",
			    opt, src);
			return NULL;
		}
		sr_xasprintf(&r, "%s/%.*s", workdir, (int)(src + n - base), base);
	} else if (dst[0] == '/') {
		r = sr_xstrdup(dst);
	} else {
		sr_xasprintf(&r, "%s/%s", workdir, dst);
	}
	own(pl, r);
	n = strlen(r);
	while (n > 1 && r[n - 1] == '/')
		r[--n] = '\0';
	if (sr_path_has_dotdot(r) || strcmp(r, "/") == 0 ||
	    path_is(r, "/proc") || path_is(r, "/dev")) {
		sr_diag_kind(d, SR_DIAG_USAGE,
		    "%s %s: destination '%s' is not allowed (no '..', not /, /proc or /dev)",
		    opt, src, r);
		return NULL;
	}
	return r;
}

/* --file DIR: the tree is copied as directories and regular files, at
 * most SR_FILE_TREE_MAX entries, SR_FILE_TREE_DEPTH levels and the size of
 * the tmpfs it lands on.  Symbolic links, FIFOs, sockets and devices inside
 * are skipped (named with -v), never followed: every entry is opened with
 * openat(O_NOFOLLOW) relative to its directory.  The files are opened here,
 * by the caller's own credentials, and copied by init. */
#define SR_FILE_TREE_MAX 4096
#define SR_FILE_TREE_DEPTH 32

struct tree {
	const char *src;	/* as given, for messages */
	uint64_t bytes, cap;
	size_t entries;
	bool verbose;
};

static int
open_counted(int dfd, const char *name, int flags)
{
	struct rlimit rl;
	int fd = openat(dfd, name, flags);

	/* Many files are held open until init copies them: use the hard
	 * limit of open files when the soft one is too low. */
	if (fd < 0 && errno == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			fd = openat(dfd, name, flags);
		else
			errno = EMFILE;
	}
	return fd;
}

static int
add_tree(struct sr_mount_plan *pl, struct tree *t, int dfd, const char *dst,
    int depth, struct sr_diag *d)
{
	struct sr_step *s;
	struct dirent *e;
	struct stat st;
	DIR *dir;
	char *child;
	int fd, rc = 0;

	s = add_step(pl, SR_STEP_DIR, dst);
	s->mode = 0755;
	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return sr_diag_errno(d, "--file %s: %s", t->src, dst);
	}
	while (rc == 0 && (errno = 0, e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sr_xasprintf(&child, "%s/%s", dst, e->d_name);
		own(pl, child);
		if (++t->entries > SR_FILE_TREE_MAX) {
			rc = sr_diag_kind(d, SR_DIAG_USAGE,
			    "--file %s: more than %d entries; use --bind for big trees",
			    t->src, SR_FILE_TREE_MAX);
			break;
		}
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = sr_diag_errno(d, "--file %s: %s", t->src, child);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth + 1 >= SR_FILE_TREE_DEPTH) {
				rc = sr_diag_kind(d, SR_DIAG_USAGE,
				    "--file %s: nested deeper than %d levels",
				    t->src, SR_FILE_TREE_DEPTH);
				break;
			}
			fd = open_counted(dirfd(dir), e->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				rc = sr_diag_errno(d, "--file %s: %s", t->src, child);
				break;
			}
			rc = add_tree(pl, t, fd, child, depth + 1, d);
			close(fd);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			if (t->verbose)
				fprintf(stderr, "sandrun: --file %s: skipping %s (%s)\n",
				    t->src, child, S_ISLNK(st.st_mode) ?
				    "symbolic link, not followed" :
				    "not a regular file");
			continue;
		}
		fd = open_counted(dirfd(dir), e->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			rc = sr_diag_errno(d, "--file %s: %s", t->src, child);
			break;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			continue;	/* replaced meanwhile: not a file now */
		}
		t->bytes += (uint64_t)st.st_size;
		if (t->bytes > t->cap) {
			close(fd);
			rc = sr_diag_kind(d, SR_DIAG_USAGE,
			    "--file %s: more than %llu bytes, the size of the tmpfs it goes to",
			    t->src, (unsigned long long)t->cap);
			break;
		}
		s = add_step(pl, SR_STEP_COPY, child);
		s->src_fd = fd;
		s->size = (uint64_t)st.st_size;
		s->own = true;
		s->mode = 0644;
	}
	if (rc == 0 && errno != 0)
		rc = sr_diag_errno(d, "--file %s: read directory %s", t->src, dst);
	closedir(dir);
	return rc;
}

static int
prepare_cli(struct sr_mount_plan *pl, const struct sr_opts *o,
    struct sr_diag *d)
{
	struct stat st;
	struct sr_step *s;
	const char *dst;
	char *real;
	size_t i;
	int fd;

	for (i = 0; i < o->n_binds; i++) {
		const struct sr_path_pair *b = &o->binds[i];
		const char *opt = b->rw ? "--bind-rw" : "--bind";

		real = realpath(b->src, NULL);
		if (real == NULL)
			return sr_diag_errno(d, "%s %s", opt, b->src);
		own(pl, real);
		if (strcmp(real, "/") == 0 ||
		    (b->rw && (path_is("/usr", real) || path_is("/etc", real) ||
		    path_is(real, "/usr") || path_is(real, "/etc") ||
		    path_is(real, "/boot"))))
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "%s %s: binding %s%s is refused; bind a narrower directory",
			    opt, b->src, real, b->rw ? " read-write" : "");
		if ((dst = cli_dst(pl, opt, real, b->dst, pl->workdir, d)) == NULL)
			return -1;
		if (stat(real, &st) < 0)
			return sr_diag_errno(d, "%s %s", opt, b->src);
		s = add_step(pl, SR_STEP_BIND, dst);
		s->src = real;
		s->src_is_dir = S_ISDIR(st.st_mode);
		s->rw = b->rw;
	}
	for (i = 0; i < o->n_files; i++) {
		const struct sr_path_pair *f = &o->files[i];

		fd = open(f->src, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return sr_diag_errno(d, "--file %s", f->src);
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			struct tree t = { f->src, 0, pl->work_size, 0,
			    o->verbose > 0 };
			int rc;

			if ((dst = cli_dst(pl, "--file", f->src, f->dst,
			    pl->workdir, d)) == NULL) {
				close(fd);
				return -1;
			}
			if (path_is(dst, "/tmp"))
				t.cap = pl->tmp_size;
			rc = add_tree(pl, &t, fd, dst, 0, d);
			close(fd);
			if (rc < 0)
				return -1;
			continue;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "--file %s: not a regular file or directory",
			    f->src);
		}
		if ((dst = cli_dst(pl, "--file", f->src, f->dst, pl->workdir,
		    d)) == NULL) {
			close(fd);
			return -1;
		}
		if (path_is(dst, pl->workdir) && strcmp(dst, pl->workdir) == 0) {
			close(fd);
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "--file %s: destination is the work dir itself; name a file",
			    f->src);
		}
		s = add_step(pl, SR_STEP_COPY, dst);
		s->src_fd = fd;
		s->size = (uint64_t)st.st_size;
		s->own = true;
		s->mode = 0644;
	}
	return 0;
}

int
sr_mounts_prepare(struct sr_mount_plan *pl, const struct sr_policy *p,
    const struct sr_opts *o, struct sr_diag *d)
{
	struct sr_step *s;
	struct stat st;
	size_t i;

	memset(pl, 0, sizeof(*pl));
	for (i = 0; i < SR_ARRAY_SIZE(pl->devfds); i++)
		pl->devfds[i] = -1;
	pl->workdir = p->workdir;
	pl->home = p->home;
	pl->uid = p->uid;
	pl->gid = p->gid;
	pl->tmp_size = p->limits.tmpfs_tmp;
	pl->work_size = p->limits.tmpfs_work;
	pl->shm_size = p->limits.tmpfs_shm;

	for (i = 0; i < p->n_mounts; i++) {
		const struct sr_mount *m = &p->mounts[i];

		switch (m->type) {
		case SR_MOUNT_RO:
		case SR_MOUNT_RW:
			if (stat(m->src, &st) < 0 && m->optional &&
			    errno == ENOENT)
				continue;
			if (stat(m->src, &st) < 0)
				return sr_diag_errno(d,
				    "policy %s: filesystem: bind source %s",
				    p->name, m->src);
			s = add_step(pl, SR_STEP_BIND, m->dst);
			s->src = m->src;
			s->src_is_dir = S_ISDIR(st.st_mode);
			s->rw = m->type == SR_MOUNT_RW;
			break;
		case SR_MOUNT_TMPFS:
			s = add_step(pl, SR_STEP_TMPFS, m->dst);
			s->size = m->size;
			s->mode = m->mode ? m->mode : 01777;
			break;
		case SR_MOUNT_SYMLINK:
			/* optional: only when the host has the same path */
			if (m->optional && lstat(m->dst, &st) < 0)
				continue;
			s = add_step(pl, SR_STEP_SYMLINK, m->dst);
			s->text = m->src;
			break;
		case SR_MOUNT_DIR:
			s = add_step(pl, SR_STEP_DIR, m->dst);
			s->mode = m->mode ? m->mode : 0755;
			break;
		case SR_MOUNT_FILE:
			s = add_step(pl, SR_STEP_FILE, m->dst);
			s->text = m->content ? m->content : "";
			s->text_len = m->content ? m->content_len : 0;
			s->mode = m->mode ? m->mode : 0644;
			break;
		}
	}
	if (prepare_cli(pl, o, d) < 0)
		return -1;

	sr_xasprintf(&pl->passwd,
	    "root:x:0:0:root:/root:/usr/sbin/nologin\n"
	    "%s:x:%u:%u:%s:%s:/bin/sh\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
	    p->user, p->uid, p->gid, p->user, p->home);
	sr_xasprintf(&pl->group, "root:x:0:\n%s:x:%u:\nnogroup:x:65534:\n",
	    p->user, p->gid);
	sr_xasprintf(&pl->hosts,
	    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	    "127.0.1.1\t%s\n", p->hostname);
	return 0;
}

void
sr_mounts_free(struct sr_mount_plan *pl)
{
	size_t i;

	for (i = 0; i < pl->n_steps; i++)
		if (pl->steps[i].src_fd >= 0)
			close(pl->steps[i].src_fd);
	for (i = 0; i < SR_ARRAY_SIZE(pl->devfds); i++)
		if (pl->devfds[i] >= 0)
			close(pl->devfds[i]);
	for (i = 0; i < pl->n_owned; i++)
		free(pl->owned[i]);
	free(pl->owned);
	free(pl->steps);
	free(pl->passwd);
	free(pl->group);
	free(pl->hosts);
	memset(pl, 0, sizeof(*pl));
}

/* ---- inside init: no allocation from here on ------------------------ */

static int
root_path(char *buf, size_t len, const char *dst, struct sr_diag *d)
{
	if ((size_t)snprintf(buf, len, "%s%s", NEWROOT, dst) >= len)
		return sr_diag_set(d, "path too long: %s", dst);
	return 0;
}

static int
mkdir_p(const char *path, unsigned mode, struct sr_diag *d)
{
	char buf[PATH_MAX];
	char *c;

	if (strlen(path) >= sizeof(buf))
		return sr_diag_set(d, "path too long: %s", path);
	strcpy(buf, path);
	for (c = buf + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return sr_diag_errno(d, "mkdir %s", buf + strlen(NEWROOT));
		*c = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return sr_diag_errno(d, "mkdir %s", buf + strlen(NEWROOT));
	return 0;
}

static int
parent_dirs(const char *path, struct sr_diag *d)
{
	char buf[PATH_MAX];
	char *slash;

	strcpy(buf, path);
	slash = strrchr(buf, '/');
	if (slash == NULL || slash == buf)
		return 0;
	*slash = '\0';
	return mkdir_p(buf, 0755, d);
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

static int
tmpfs(const char *path, uint64_t size, unsigned mode, unsigned long flags,
    struct sr_diag *d)
{
	char opts[96];
	uint64_t inodes = size / 1024 < 1024 ? 1024 : size / 1024;

	if (size == SR_UNLIMITED || size == 0)
		return sr_diag_set(d, "tmpfs %s: a size is required", path);
	/* Inodes cost kernel memory outside size=: one per KiB of size
	 * (SECURITY.md case 32, 10^7 empty files). */
	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=%o",
	    (unsigned long long)size, (unsigned long long)inodes, mode);
	if (mount("tmpfs", path, "tmpfs", flags, opts) < 0)
		return sr_diag_errno(d, "mount tmpfs on %s", path);
	return 0;
}

static int
bind_fd(int fd, const char *target, unsigned long flags, struct sr_diag *d)
{
	char src[64];

	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, target, NULL, MS_BIND | flags, NULL) < 0)
		return sr_diag_errno(d, "bind mount on %s",
		    target + strlen(NEWROOT));
	return 0;
}

static int
make_file(const char *path, unsigned mode, struct sr_diag *d)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0)
		return sr_diag_errno(d, "create %s", path + strlen(NEWROOT));
	close(fd);
	return 0;
}

static int
write_file(const char *path, const char *data, size_t len, unsigned mode,
    int uid, int gid, struct sr_diag *d)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);

	if (fd < 0)
		return sr_diag_errno(d, "create %s", path + strlen(NEWROOT));
	if (sr_write_all(fd, data, len) < 0 ||
	    (uid >= 0 && fchown(fd, (uid_t)uid, (gid_t)gid) < 0) ||
	    fchmod(fd, mode) < 0) {
		sr_diag_errno(d, "write %s", path + strlen(NEWROOT));
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
copy_file(int src, const char *path, uint64_t size, unsigned uid,
    unsigned gid, struct sr_diag *d)
{
	off_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0)
		return sr_diag_errno(d, "copy to %s", path + strlen(NEWROOT));
	while ((uint64_t)off < size) {
		n = sendfile(fd, src, &off, size - (uint64_t)off > (1u << 30) ?
		    (1u << 30) : size - (uint64_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sr_diag_errno(d, "copy to %s%s",
			    path + strlen(NEWROOT),
			    n == 0 ? ": source shrank" : "");
			close(fd);
			return -1;
		}
	}
	if (fchown(fd, uid, gid) < 0) {
		sr_diag_errno(d, "chown %s", path + strlen(NEWROOT));
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
setup_proc(struct sr_diag *d, int nullfd)
{
	char p[PATH_MAX];
	struct stat st;
	size_t i;

	if (mkdir_p(NEWROOT "/proc", 0555, d) < 0)
		return -1;
	if (mount("proc", NEWROOT "/proc", "proc",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return sr_diag_errno(d, "mount /proc");
	for (i = 0; proc_masked_files[i]; i++) {
		snprintf(p, sizeof(p), NEWROOT "/proc/%s", proc_masked_files[i]);
		if (lstat(p, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (bind_fd(nullfd, p, 0, d) < 0 ||
		    set_attr(p, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, false, d) < 0)
			return -1;
	}
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
	for (i = 0; proc_masked_dirs[i]; i++) {
		snprintf(p, sizeof(p), NEWROOT "/proc/%s", proc_masked_dirs[i]);
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (mount("tmpfs", p, "tmpfs",
		    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    "size=4k,mode=0555") < 0)
			return sr_diag_errno(d, "mask /proc/%s",
			    proc_masked_dirs[i]);
	}
	for (i = 0; proc_readonly[i]; i++) {
		snprintf(p, sizeof(p), NEWROOT "/proc/%s", proc_readonly[i]);
		if (lstat(p, &st) < 0)
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
			return sr_diag_errno(d, "bind /proc/%s", proc_readonly[i]);
		if (set_attr(p, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, true, d) < 0)
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
		{ "core", "/dev/null" },
	};
	char p[PATH_MAX];
	size_t i;

	if (mkdir_p(NEWROOT "/dev", 0755, d) < 0 ||
	    tmpfs(NEWROOT "/dev", 64 * 1024, 0755, MS_NOSUID | MS_NOEXEC, d) < 0)
		return -1;
	for (i = 0; i < SR_ARRAY_SIZE(devnames); i++) {
		if (pl->devfds[i] < 0)
			continue;
		snprintf(p, sizeof(p), NEWROOT "/dev/%s", devnames[i]);
		if (make_file(p, 0666, d) < 0 ||
		    bind_fd(pl->devfds[i], p, 0, d) < 0 ||
		    set_attr(p, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false, d) < 0)
			return -1;
	}
	for (i = 0; i < SR_ARRAY_SIZE(links); i++) {
		snprintf(p, sizeof(p), NEWROOT "/dev/%s", links[i][0]);
		if (i == 4)
			continue;	/* no /dev/core */
		if (symlink(links[i][1], p) < 0)
			return sr_diag_errno(d, "symlink /dev/%s", links[i][0]);
	}
	if (mkdir_p(NEWROOT "/dev/shm", 01777, d) < 0 ||
	    mkdir_p(NEWROOT "/dev/pts", 0755, d) < 0 ||
	    tmpfs(NEWROOT "/dev/shm", pl->shm_size, 01777,
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, d) < 0)
		return -1;
	return set_attr(NEWROOT "/dev", MOUNT_ATTR_RDONLY, false, d);
}

static int
apply_step(const struct sr_mount_plan *pl, const struct sr_step *s,
    struct sr_diag *d)
{
	char p[PATH_MAX];
	uint64_t attrs;

	if (root_path(p, sizeof(p), s->dst, d) < 0)
		return -1;
	switch (s->type) {
	case SR_STEP_BIND:
		if (s->src_is_dir ? mkdir_p(p, 0755, d) < 0 :
		    (parent_dirs(p, d) < 0 || make_file(p, 0644, d) < 0))
			return -1;
		if (bind_fd(s->src_fd, p, 0, d) < 0)
			return -1;
		attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
		if (!s->rw)
			attrs |= MOUNT_ATTR_RDONLY;
		return set_attr(p, attrs, false, d);
	case SR_STEP_TMPFS:
		if (mkdir_p(p, 0755, d) < 0)
			return -1;
		return tmpfs(p, s->size, s->mode, MS_NOSUID | MS_NODEV, d);
	case SR_STEP_SYMLINK:
		if (parent_dirs(p, d) < 0)
			return -1;
		if (symlink(s->text, p) < 0)
			return sr_diag_errno(d, "symlink %s", s->dst);
		return 0;
	case SR_STEP_DIR:
		if (mkdir_p(p, s->mode, d) < 0)
			return -1;
		if (chown(p, pl->uid, pl->gid) < 0)
			return sr_diag_errno(d, "chown %s", s->dst);
		return 0;
	case SR_STEP_FILE:
		if (parent_dirs(p, d) < 0)
			return -1;
		return write_file(p, s->text, s->text_len, s->mode, -1, -1, d);
	case SR_STEP_COPY:
		if (parent_dirs(p, d) < 0)
			return -1;
		return copy_file(s->src_fd, p, s->size, pl->uid, pl->gid, d);
	}
	return 0;
}

bool
sr_mounts_workdir_bound(const struct sr_mount_plan *pl)
{
	size_t i;

	for (i = 0; i < pl->n_steps; i++)
		if (pl->steps[i].type == SR_STEP_BIND &&
		    strcmp(pl->steps[i].dst, pl->workdir) == 0)
			return true;
	return false;
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

int
sr_mounts_apply(struct sr_mount_plan *pl, const char *code_name,
    const char *code, size_t code_len, struct sr_diag *d)
{
	char p[PATH_MAX];
	bool bound = sr_mounts_workdir_bound(pl);
	size_t i;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sr_diag_errno(d, "make mounts private");
	if (tmpfs(NEWROOT, pl->work_size, 0755, MS_NOSUID | MS_NODEV, d) < 0)
		return -1;

	/* The sandbox's own filesystems first, so later binds may go under
	 * the work dir. */
	if (setup_proc(d, pl->devfds[0]) < 0 || setup_dev(pl, d) < 0)
		return -1;
	if (mkdir_p(NEWROOT "/tmp", 01777, d) < 0 ||
	    tmpfs(NEWROOT "/tmp", pl->tmp_size, 01777,
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, d) < 0)
		return -1;
	if (root_path(p, sizeof(p), pl->workdir, d) < 0 || mkdir_p(p, 0755, d) < 0)
		return -1;
	if (!bound) {
		if (tmpfs(p, pl->work_size, 0755, MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    d) < 0)
			return -1;
		if (chown(p, pl->uid, pl->gid) < 0)
			return sr_diag_errno(d, "chown %s", pl->workdir);
	}
	if (mkdir_p(NEWROOT "/etc", 0755, d) < 0 ||
	    write_file(NEWROOT "/etc/passwd", pl->passwd, strlen(pl->passwd),
	    0644, -1, -1, d) < 0 ||
	    write_file(NEWROOT "/etc/group", pl->group, strlen(pl->group),
	    0644, -1, -1, d) < 0 ||
	    write_file(NEWROOT "/etc/hosts", pl->hosts, strlen(pl->hosts),
	    0644, -1, -1, d) < 0)
		return -1;

	for (i = 0; i < pl->n_steps; i++)
		if (apply_step(pl, &pl->steps[i], d) < 0)
			return -1;

	/* A writable home unless it lives in /tmp or the work dir. */
	if (pl->home != NULL && !path_is(pl->home, "/tmp") &&
	    !path_is(pl->home, pl->workdir)) {
		if (root_path(p, sizeof(p), pl->home, d) < 0 ||
		    mkdir_p(p, 0700, d) < 0 ||
		    tmpfs(p, pl->tmp_size, 0700, MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    d) < 0)
			return -1;
		if (chown(p, pl->uid, pl->gid) < 0)
			return sr_diag_errno(d, "chown %s", pl->home);
	}

	if (code != NULL) {
		/* Never write the code into a host directory bound over the
		 * work dir: it goes to /tmp then. */
		snprintf(p, sizeof(p), "%s%s/%s", NEWROOT,
		    bound ? "/tmp" : pl->workdir, code_name);
		if (write_file(p, code, code_len, 0644, (int)pl->uid,
		    (int)pl->gid, d) < 0)
			return -1;
	}

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
