/* export_walk.c - inside the sandbox, after every sandboxed process is
 * dead: walk the work dir and write one record per file or skipped entry
 * to the export fd (see export.h).  No allocation: init runs this. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/falloc.h>

#include "export.h"
#include "export_int.h"
#include "utf8.h"
#include "util.h"

/* ---- names ------------------------------------------------------------- */

const char *
sr_export_bad_name(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t i, k;

	if (len == 0)
		return "empty name";
	if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
		return "name is '.' or '..'";
	if (len > NAME_MAX)
		return "name too long";
	for (i = 0; i < len; i += k) {
		if (p[i] == '/')
			return "name contains '/'";
		if (p[i] < 0x20 || p[i] == 0x7f)
			return "name contains control characters";
		k = sr_utf8_seq(p + i, len - i);
		if (k == 0)
			return "name is not valid UTF-8";
		if (k == 2 && p[i] == 0xc2 && p[i + 1] <= 0x9f)
			return "name contains control characters";
		if (k == 3 && p[i] == 0xe2 && ((p[i + 1] == 0x80 &&
		    p[i + 2] >= 0xaa && p[i + 2] <= 0xae) || (p[i + 1] == 0x81 &&
		    p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
			return "name contains bidirectional control characters";
	}
	return NULL;
}

/* A relative path: components separated by single '/', each acceptable. */
const char *
sr_export_bad_path(const char *path, size_t len)
{
	const char *c = path, *end = path + len, *slash, *why;

	if (len == 0 || len > SR_EXPORT_PATH_MAX)
		return "bad path length";
	if (path[0] == '/')
		return "absolute path";
	while (c < end) {
		slash = memchr(c, '/', (size_t)(end - c));
		if (slash == NULL)
			slash = end;
		if ((why = sr_export_bad_name(c, (size_t)(slash - c))) != NULL)
			return why;
		c = slash + 1;
		if (slash + 1 == end)
			return "empty name";
	}
	return NULL;
}

/* ---- init side ---------------------------------------------------------- */

#define BASE_MAX 8192

struct base {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static struct base base[BASE_MAX];
static size_t n_base;

struct walker {
	bool snapshot;		/* record the inputs, write nothing */
	int fd;			/* the channel */
	uint64_t off;		/* next record's offset */
	uint64_t total, total_max;
	unsigned files, skipped, more, entries;
	bool full, stopped;
	dev_t dev;
	char path[SR_EXPORT_PATH_MAX + NAME_MAX + 2];
};

static char copybuf[65536];

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static bool
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool
is_input(const struct stat *st)
{
	size_t i;

	for (i = 0; i < n_base; i++)
		if (base[i].ino == st->st_ino && base[i].dev == st->st_dev &&
		    base[i].size == st->st_size &&
		    same_time(&base[i].mtime, &st->st_mtim) &&
		    same_time(&base[i].ctime, &st->st_ctim))
			return true;
	return false;
}

static int
put(struct walker *w, uint64_t off, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n > 0) {
		k = pwrite(w->fd, c, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static void
emit(struct walker *w, uint32_t type, const char *path, size_t plen,
    const char *data, size_t len)
{
	struct rec h = { REC_MAGIC, type, (uint32_t)plen, 0, len };
	uint64_t off = w->off;

	if (w->full)
		return;
	if (put(w, off, &h, sizeof(h)) < 0 ||
	    put(w, off + sizeof(h), path, plen) < 0 ||
	    put(w, off + sizeof(h) + plen, data, len) < 0) {
		w->full = true;
		(void)!ftruncate(w->fd, (off_t)off);
		return;
	}
	w->off = off + sizeof(h) + plen + len;
}

static void
skip_at(struct walker *w, const char *path, size_t plen, const char *why)
{
	if (w->snapshot)
		return;
	if (w->skipped >= SR_EXPORT_SKIPPED_MAX) {
		w->more++;
		return;
	}
	w->skipped++;
	emit(w, REC_SKIP, path, plen, why, strlen(why));
}

static void
skip(struct walker *w, size_t plen, const char *why)
{
	skip_at(w, w->path, plen, why);
}

/* Copy size bytes of fd into a FILE record.  When punch, the copied
 * ranges are released from the (tmpfs) source as we go. */
static void
emit_file(struct walker *w, size_t plen, int fd, uint64_t size, bool punch)
{
	struct rec h = { REC_MAGIC, REC_FILE, (uint32_t)plen, 0, 0 };
	uint64_t off = w->off, data = off + sizeof(h) + plen, done = 0;
	ssize_t k;

	if (w->full)
		return;
	while (done < size) {
		size_t want = size - done < sizeof(copybuf) ?
		    (size_t)(size - done) : sizeof(copybuf);

		k = pread(fd, copybuf, want, (off_t)done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;	/* shrank: export what was there */
		if (put(w, data + done, copybuf, (size_t)k) < 0)
			goto full;
		if (punch)
			(void)fallocate(fd, FALLOC_FL_PUNCH_HOLE |
			    FALLOC_FL_KEEP_SIZE, (off_t)done, (off_t)k);
		done += (uint64_t)k;
	}
	h.len = done;
	if (put(w, off, &h, sizeof(h)) < 0 ||
	    put(w, off + sizeof(h), w->path, plen) < 0)
		goto full;
	w->off = data + done;
	w->files++;
	w->total += done;
	return;
full:
	/* The channel is full or failing: drop this record, say so. */
	(void)!ftruncate(w->fd, (off_t)off);
	skip(w, plen, "not exported: the export channel failed (out of memory?)");
	w->full = true;
}

/* A session's work dir outlives the run: copy, never punch. */
static bool keep_files;

void
sr_export_keep_files(void)
{
	keep_files = true;
}

static void
regular(struct walker *w, int dfd, const char *name, size_t plen,
    const struct stat *st)
{
	char why[128];
	struct stat fst;
	bool punch = !keep_files;
	int fd;

	if (w->snapshot) {
		if (n_base < BASE_MAX) {
			base[n_base].dev = st->st_dev;
			base[n_base].ino = st->st_ino;
			base[n_base].size = st->st_size;
			base[n_base].mtime = st->st_mtim;
			base[n_base].ctime = st->st_ctim;
			n_base++;
		}
		return;
	}
	if (is_input(st))
		return;
	if ((uint64_t)st->st_size > SR_EXPORT_FILE_MAX) {
		snprintf(why, sizeof(why),
		    "%s %" PRIu64 " bytes: over the per-file export limit (%llu MiB)",
		    (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size / 2 ?
		    "sparse file of" : "file of", (uint64_t)st->st_size,
		    SR_EXPORT_FILE_MAX >> 20);
		skip(w, plen, why);
		return;
	}
	if (w->total + (uint64_t)st->st_size > w->total_max) {
		snprintf(why, sizeof(why),
		    "over the total export limit (%" PRIu64 " bytes)",
		    w->total_max);
		skip(w, plen, why);
		return;
	}
	if (w->files >= SR_EXPORT_FILES_MAX) {
		skip(w, plen, "over the export limit of "
		    "1000 files");
		return;
	}
	/* O_NOFOLLOW: never a symlink; O_NONBLOCK: never wait on a FIFO
	 * swapped in (nothing runs any more, but be strict anyway). */
	fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd < 0) {
		punch = false;
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_NOCTTY | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
		skip(w, plen, why);
		return;
	}
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) ||
	    fst.st_ino != st->st_ino || fst.st_dev != st->st_dev ||
	    fst.st_size != st->st_size) {
		close(fd);
		skip(w, plen, "changed while being exported");
		return;
	}
	/* A hard link elsewhere in the tree still needs the bytes. */
	if (fst.st_nlink != 1)
		punch = false;
	emit_file(w, plen, fd, (uint64_t)fst.st_size, punch);
	close(fd);
}

static void walk_dir(struct walker *w, int dfd, size_t plen, int depth);

static void
entry(struct walker *w, int dfd, const char *name, size_t plen, int depth)
{
	size_t nlen = strlen(name), full;
	const char *why;
	struct stat st;
	int sub;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return;
	full = plen + (plen ? 1 : 0) + nlen;
	if (full > SR_EXPORT_PATH_MAX) {
		/* Name only, cut: the full path does not fit. */
		skip_at(w, name, nlen > 200 ? 200 : nlen, "path too long");
		return;
	}
	if (plen)
		w->path[plen] = '/';
	memcpy(w->path + plen + (plen ? 1 : 0), name, nlen);
	if (++w->entries > SR_EXPORT_ENTRIES_MAX) {
		w->stopped = true;
		skip(w, full, "not exported: more than 100000 directory entries; walk stopped");
		return;
	}
	if ((why = sr_export_bad_name(name, nlen)) != NULL) {
		skip(w, full, why);
		return;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		skip(w, full, "cannot stat");
		return;
	}
	if (st.st_dev != w->dev)
		return;		/* a mount point (--bind, policy): an input */
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		regular(w, dfd, name, full, &st);
		return;
	case S_IFDIR:
		if (depth + 1 >= SR_EXPORT_DEPTH_MAX) {
			skip(w, full, "directory nested too deep; not exported");
			return;
		}
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		if (sub < 0) {
			skip(w, full, "cannot open directory");
			return;
		}
		walk_dir(w, sub, full, depth + 1);
		close(sub);
		return;
	case S_IFLNK:
		skip(w, full, "symbolic link; not followed");
		return;
	case S_IFIFO:
		skip(w, full, "FIFO; not read");
		return;
	case S_IFSOCK:
		skip(w, full, "socket; not read");
		return;
	case S_IFCHR:
	case S_IFBLK:
		skip(w, full, "device; not read");
		return;
	default:
		skip(w, full, "not a regular file");
		return;
	}
}

static void
walk_dir(struct walker *w, int dfd, size_t plen, int depth)
{
	char buf[4096] __attribute__((aligned(8)));
	long n, i;

	while (!w->stopped && !w->full) {
		n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (i = 0; i < n && !w->stopped && !w->full;) {
			struct linux_dirent64 *e = (void *)(buf + i);

			i += e->d_reclen;
			entry(w, dfd, e->d_name, plen, depth);
		}
	}
}

static void
walk(struct walker *w, const char *workdir)
{
	struct stat st;
	int dfd;

	dfd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		if (dfd >= 0)
			close(dfd);
		memcpy(w->path, ".", 1);
		skip(w, 1, "cannot open the work dir");
		return;
	}
	w->dev = st.st_dev;
	walk_dir(w, dfd, 0, 0);
	close(dfd);
}

void
sr_export_snapshot(const char *workdir)
{
	static struct walker w;

	memset(&w, 0, sizeof(w));
	w.snapshot = true;
	w.fd = -1;
	n_base = 0;
	walk(&w, workdir);
}

void
sr_export_walk(int fd, const char *workdir, uint64_t total_max)
{
	static struct walker w;

	memset(&w, 0, sizeof(w));
	w.fd = fd;
	w.total_max = total_max;
	walk(&w, workdir);
	if (!w.full) {
		/* END carries the count of skipped entries not listed.  With
		 * no END the supervisor says "incomplete". */
		struct rec h = { REC_MAGIC, REC_END, 0, w.more, 0 };

		(void)put(&w, w.off, &h, sizeof(h));
	}
}
