/* mounts_plan.c - the root filesystem as a list of steps.
 *
 * Runs in the supervisor, before clone: checks the policy's filesystem
 * list and the command line's --bind/--file against the bind rules
 * (bindrules.c, on the resolved host path), opens --file sources, fills
 * sr_mount_plan.  Nothing here mounts; tests/unit/test_mounts.c checks
 * the plan.  mounts_apply.c carries it out inside init.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bindrules.h"
#include "mounts.h"
#include "util.h"

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

bool
sr_mounts_under(const char *p, const char *prefix)
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
	    sr_mounts_under(r, "/proc") || sr_mounts_under(r, "/dev")) {
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
	char *real, why[96];
	size_t i;
	int fd;

	for (i = 0; i < o->n_binds; i++) {
		const struct sr_path_pair *b = &o->binds[i];
		const char *opt = b->rw ? "--bind-rw" : "--bind";

		real = realpath(b->src, NULL);
		if (real == NULL)
			return sr_diag_errno(d, "%s %s", opt, b->src);
		own(pl, real);
		if (!sr_bind_allowed(real, b->rw, why, sizeof(why)))
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "%s %s: %s%s%s%s; bind a narrower directory", opt,
			    b->src, why, strcmp(real, b->src) ? " (it is " : "",
			    strcmp(real, b->src) ? real : "",
			    strcmp(real, b->src) ? ")" : "");
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
			if (sr_mounts_under(dst, "/tmp"))
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
		if (sr_mounts_under(dst, pl->workdir) && strcmp(dst, pl->workdir) == 0) {
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

/* A policy's bind source as the host resolves it (a link into /sys is
 * refused like /sys itself). */
static int
check_resolved(const struct sr_policy *p, const struct sr_mount *m,
    struct sr_diag *d)
{
	char why[96];
	char *real = realpath(m->src, NULL);
	int rc = 0;

	if (real == NULL)
		return sr_diag_errno(d, "policy %s: filesystem: bind source %s",
		    p->name, m->src);
	if (!sr_bind_allowed(real, m->type == SR_MOUNT_RW, why, sizeof(why)))
		rc = sr_diag_kind(d, SR_DIAG_USAGE,
		    "policy %s: filesystem: bind source %s is %s: %s",
		    p->name, m->src, real, why);
	free(real);
	return rc;
}

/* "Name:   123 kB" up to NL, the line's end (spaces, 1-19 digits, " kB"),
 * the kernel's layout of every kB line: *v and 1.  0 for anything else,
 * which the sscanf path below reads as before.  sscanf and sprintf per
 * line were most of the plan's instructions (profile.md, round 5b). */
static int
kb_line(const char *colon, const char *nl, uint64_t *v)
{
	const char *c = colon + 1, *digits;
	uint64_t n = 0;

	while (c < nl && *c == ' ')
		c++;
	for (digits = c; c < nl && *c >= '0' && *c <= '9'; c++)
		n = n * 10 + (uint64_t)(*c - '0');
	if (c == digits || c - digits > 19 || nl - c != 3 ||
	    memcmp(c, " kB", 3) != 0)
		return 0;
	*v = n;
	return 1;
}

/* sprintf("%-16.*s%8" PRIu64 " kB\n") without the printf machinery. */
static char *
put_kb_line(char *o, const char *line, size_t name_len, uint64_t v)
{
	char num[24];
	size_t n = 0, w;

	memcpy(o, line, name_len);
	o += name_len;
	for (w = name_len; w < 16; w++)
		*o++ = ' ';
	do
		num[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (w = n; w < 8; w++)
		*o++ = ' ';
	while (n > 0)
		*o++ = num[--n];
	memcpy(o, " kB\n", 4);
	return o + 4;
}

char *
sr_mounts_meminfo(const char *host, uint64_t limit)
{
	uint64_t kb = limit / 1024, total = 0, v;
	const char *line, *nl;
	char *out, *o;
	size_t n, len = strlen(host);

	if (limit == SR_UNLIMITED ||
	    sscanf(host, "MemTotal: %" SCNu64 " kB", &total) != 1 ||
	    kb >= total)
		return NULL;
	o = out = sr_xmalloc(2 * len + 64);
	for (line = host; *line != '\0'; line = nl) {
		const char *colon = strchr(line, ':');

		nl = strchr(line, '\n');
		nl = nl ? nl + 1 : line + strlen(line);
		n = (size_t)(nl - line);
		if (colon == NULL || colon > nl || (!kb_line(colon, nl[-1] ==
		    '\n' ? nl - 1 : nl, &v) &&
		    (sscanf(colon + 1, " %" SCNu64 " kB", &v) != 1 ||
		    strstr(colon, " kB") == NULL || strstr(colon, " kB") > nl))) {
			memcpy(o, line, n);	/* not a kB line: as is */
			o += n;
			continue;
		}
		if (strncmp(line, "Swap", 4) == 0)
			v = 0;
		else if (v > kb || strncmp(line, "MemTotal:", 9) == 0)
			v = kb;
		o = put_kb_line(o, line, (size_t)(colon - line + 1), v);
	}
	*o = '\0';
	return out;
}

/* The host's /proc/meminfo clamped to limit, or NULL. */
char *
sr_mounts_host_meminfo(uint64_t limit)
{
	char buf[16384];
	ssize_t n;
	int fd;

	if (limit == SR_UNLIMITED)
		return NULL;
	if ((fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return sr_mounts_meminfo(buf, limit);
}

uint64_t
sr_mounts_inodes(uint64_t size)
{
	return size / 1024 < 1024 ? 1024 : size / 1024;
}

void
sr_mounts_fit_memory(struct sr_mount_plan *pl, uint64_t charged,
    struct sr_limit_report *lim)
{
	if (charged == SR_UNLIMITED)
		return;
	if (pl->tmp_size < charged)
		pl->tmp_size = charged;
	if (pl->work_size < charged)
		pl->work_size = charged;
	if (pl->shm_size < charged)
		pl->shm_size = charged;
	lim[SR_LIM_TMPFS_TMP].value = pl->tmp_size;
	if (lim[SR_LIM_TMPFS_WORK].mech != SR_MECH_NONE)
		lim[SR_LIM_TMPFS_WORK].value = pl->work_size;
	lim[SR_LIM_TMPFS_SHM].value = pl->shm_size;
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
	pl->tmp_inodes = sr_mounts_inodes(pl->tmp_size);
	pl->work_inodes = sr_mounts_inodes(pl->work_size);
	pl->shm_inodes = sr_mounts_inodes(pl->shm_size);
	pl->exec_tmp = p->exec_tmp;
	pl->exec_work = p->exec_work;
	pl->exec_shm = p->exec_shm;

	for (i = 0; i < p->n_mounts; i++) {
		const struct sr_mount *m = &p->mounts[i];

		switch (m->type) {
		case SR_MOUNT_RO:
		case SR_MOUNT_RW:
			if (stat(m->src, &st) < 0) {
				if (m->optional && errno == ENOENT)
					continue;
				return sr_diag_errno(d,
				    "policy %s: filesystem: bind source %s",
				    p->name, m->src);
			}
			if (check_resolved(p, m, d) < 0)
				return -1;
			s = add_step(pl, SR_STEP_BIND, m->dst);
			s->src = m->src;
			s->src_is_dir = S_ISDIR(st.st_mode);
			s->src_dev = st.st_dev;
			s->src_ino = st.st_ino;
			s->rw = m->type == SR_MOUNT_RW;
			break;
		case SR_MOUNT_TMPFS:
			s = add_step(pl, SR_STEP_TMPFS, m->dst);
			s->size = m->size;
			s->mode = m->mode ? m->mode : 01777;
			s->noexec = m->noexec;
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
	pl->n_policy = pl->n_steps;
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

bool
sr_mounts_same_host(const struct sr_mount_plan *a,
    const struct sr_mount_plan *b)
{
	size_t i;

	if (a->n_policy != b->n_policy)
		return false;
	for (i = 0; i < a->n_policy; i++) {
		const struct sr_step *x = &a->steps[i], *y = &b->steps[i];

		if (x->type != y->type || strcmp(x->dst, y->dst) != 0)
			return false;
		if (x->type == SR_STEP_BIND && (strcmp(x->src, y->src) != 0 ||
		    x->src_dev != y->src_dev || x->src_ino != y->src_ino ||
		    x->src_is_dir != y->src_is_dir || x->rw != y->rw))
			return false;
	}
	return true;
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
	free(pl->meminfo);
	memset(pl, 0, sizeof(*pl));
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
