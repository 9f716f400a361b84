/* export.c - bring the files a run created back, treating them as hostile.
 * See export.h for the design; the record stream is private to this file.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/falloc.h>

#include <cjson/cJSON.h>
#include <sha2.h>

#include "export.h"
#include "utf8.h"
#include "util.h"

/* One record: header, then path_len bytes of path (relative, '/'
 * separated, raw bytes), then len bytes (FILE: the content; SKIP: the
 * reason; END: nothing, reserved counts the skipped entries not listed). */
#define REC_MAGIC 0x58455253u	/* "SREX" */
enum { REC_FILE = 1, REC_SKIP = 2, REC_END = 3 };

struct rec {
	uint32_t magic;
	uint32_t type;
	uint32_t path_len;
	uint32_t reserved;
	uint64_t len;
};

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
static const char *
bad_path(const char *path, size_t len)
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

static void
regular(struct walker *w, int dfd, const char *name, size_t plen,
    const struct stat *st)
{
	char why[128];
	struct stat fst;
	bool punch = true;
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

/* ---- supervisor side ---------------------------------------------------- */

int
sr_export_channel(struct sr_diag *d)
{
	int fd = memfd_create("sandrun-export", MFD_CLOEXEC);

	if (fd < 0)
		return sr_diag_errno(d, "memfd_create for the file export");
	return fd;
}

uint64_t
sr_export_total_max(uint64_t work_size)
{
	return work_size == 0 || work_size > SR_EXPORT_TOTAL_MAX ?
	    SR_EXPORT_TOTAL_MAX : work_size;
}

int
sr_export_open_out(const char *dir, struct sr_diag *d)
{
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return sr_diag_errno(d, "--out %s: cannot create the directory",
		    dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sr_diag_errno(d, "--out %s", dir);
	return fd;
}

char *
sr_export_base64(const unsigned char *p, size_t len, size_t *outlen)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = sr_xmalloc((len + 2) / 3 * 4 + 1), *q = o;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*q++ = t[p[i] >> 2];
		*q++ = t[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*q++ = t[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*q++ = t[p[i + 2] & 63];
	}
	if (i < len) {
		*q++ = t[p[i] >> 2];
		if (i + 1 < len) {
			*q++ = t[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*q++ = t[(p[i + 1] & 15) << 2];
		} else {
			*q++ = t[(p[i] & 3) << 4];
			*q++ = '=';
		}
		*q++ = '=';
	}
	*q = '\0';
	if (outlen != NULL)
		*outlen = (size_t)(q - o);
	return o;
}

/* Valid UTF-8, no NUL, no control characters but the usual whitespace,
 * backspace and escape. */
static bool
is_text(const unsigned char *p, size_t len)
{
	size_t i, k;

	for (i = 0; i < len; i += k) {
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t' &&
		    p[i] != '\r' && p[i] != '\f' && p[i] != '\v' &&
		    p[i] != '\b' && p[i] != 0x1b)
			return false;
		if ((k = sr_utf8_seq(p + i, len - i)) == 0)
			return false;
	}
	return true;
}

static bool
has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);

	return n > e && strcasecmp(path + n - e, ext) == 0;
}

/* At least two complete records with the same number (>= 1) of commas
 * outside double quotes, and no record that differs, in the first 64 KiB
 * (at most 20 records). */
static bool
looks_csv(const unsigned char *p, size_t len, bool one_is_enough)
{
	size_t i, n = len < 65536 ? len : 65536;
	long want = -1, commas = 0;
	int records = 0;
	bool q = false;

	for (i = 0; i < n && records < 20; i++) {
		if (p[i] == '"')
			q = !q;
		else if (p[i] == ',' && !q)
			commas++;
		else if (p[i] == '\n' && !q) {
			if (commas == 0 && i > 0 && records > 0 &&
			    (p[i - 1] == '\n' || (p[i - 1] == '\r' && i > 1 &&
			    p[i - 2] == '\n')))
				continue;	/* blank line */
			if (want < 0)
				want = commas;
			else if (commas != want)
				return false;
			records++;
			commas = 0;
		}
	}
	if (i == len && !q && (commas > 0 || records == 0)) {
		/* the last record without a final newline */
		if (want < 0)
			want = commas;
		else if (commas != want)
			return false;
		records++;
	}
	return want >= 1 && (records >= 2 || (one_is_enough && records == 1));
}

static bool
looks_svg(const unsigned char *p, size_t len)
{
	size_t n = len < 4096 ? len : 4096, i;

	if (!(n >= 5 && (memcmp(p, "<?xml", 5) == 0 || memcmp(p, "<svg", 4) == 0 ||
	    memcmp(p, "<!--", 4) == 0 || (n >= 9 && strncasecmp((const char *)p,
	    "<!DOCTYPE", 9) == 0))))
		return false;
	for (i = 0; i + 5 <= n; i++)
		if (memcmp(p + i, "<svg", 4) == 0 && (p[i + 4] == ' ' ||
		    p[i + 4] == '>' || p[i + 4] == '\n' || p[i + 4] == '\t' ||
		    p[i + 4] == '\r'))
			return true;
	return false;
}

static bool
looks_json(const unsigned char *p, size_t len)
{
	cJSON *j;
	size_t e = len;

	if (len == 0 || (p[0] != '{' && p[0] != '['))
		return false;
	if (len > (16u << 20)) {
		/* Too big to parse here: the outer brackets match. */
		while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\n' ||
		    p[e - 1] == '\r' || p[e - 1] == '\t'))
			e--;
		return e > 0 && p[e - 1] == (p[0] == '{' ? '}' : ']');
	}
	j = cJSON_ParseWithLength((const char *)p, len);
	if (j == NULL)
		return false;
	cJSON_Delete(j);
	return true;
}

const char *
sr_export_mime(const char *path, const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (len >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	if (!is_text(p, len))
		return "application/octet-stream";
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;		/* byte-order mark */
	while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' ||
	    p[i] == '\t'))
		i++;
	if (i < len && p[i] == '<' && looks_svg(p + i, len - i))
		return "image/svg+xml";
	if (i < len && looks_json(p + i, len - i))
		return "application/json";
	if (looks_csv(p, len, has_ext(path, ".csv")))
		return "text/csv";
	return "text/plain";
}

static bool
textual(const char *mime)
{
	return strncmp(mime, "text/", 5) == 0 ||
	    strcmp(mime, "application/json") == 0 ||
	    strcmp(mime, "image/svg+xml") == 0;
}

static void
add_skipped(struct sr_result *r, const char *path, size_t plen,
    const char *reason)
{
	struct sr_skipped *s;

	r->skipped = sr_xrealloc(r->skipped,
	    (r->n_skipped + 1) * sizeof(*r->skipped));
	s = &r->skipped[r->n_skipped++];
	s->path = sr_xstrndup(path, plen);
	s->reason = reason ? sr_xstrdup(reason) : NULL;
}

/* Write one file under the --out directory; NULL or why not (in why). */
static const char *
write_out(int top, const char *path, const unsigned char *p, size_t len,
    char *why, size_t whylen)
{
	static unsigned counter;
	char buf[SR_EXPORT_PATH_MAX + 1], tmp[64];
	char *comp = buf, *slash;
	struct stat st;
	int dfd = top, nfd, fd;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((slash = strchr(comp, '/')) != NULL) {
		*slash = '\0';
		if (mkdirat(dfd, comp, 0755) < 0 && errno != EEXIST) {
			snprintf(why, whylen, "cannot create directory %.120s: %s",
			    buf, strerror(errno));
			goto fail;
		}
		nfd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd < 0) {
			snprintf(why, whylen, "%.120s in the --out directory %s",
			    buf, errno == ELOOP || errno == ENOTDIR ?
			    "is a symbolic link or not a directory; not followed" :
			    strerror(errno));
			goto fail;
		}
		if (dfd != top)
			close(dfd);
		dfd = nfd;
		*slash = '/';
		comp = slash + 1;
	}
	if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "exists in the --out directory as a %s; "
		    "not replaced", S_ISLNK(st.st_mode) ? "symbolic link" :
		    S_ISDIR(st.st_mode) ? "directory" : "special file");
		goto fail;
	}
	snprintf(tmp, sizeof(tmp), ".sandrun-%ld-%u.tmp", (long)getpid(),
	    counter++);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(why, whylen, "cannot create a file in the --out directory: %s",
		    strerror(errno));
		goto fail;
	}
	if (sr_write_all(fd, p, len) < 0 || close(fd) < 0) {
		snprintf(why, whylen, "cannot write to the --out directory: %s",
		    strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	/* rename replaces a regular file (or nothing); it never follows. */
	if (renameat(dfd, tmp, dfd, comp) < 0) {
		snprintf(why, whylen, "cannot rename into the --out directory: %s",
		    strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	if (dfd != top)
		close(dfd);
	return NULL;
fail:
	if (dfd != top)
		close(dfd);
	return why;
}

static void
add_file(struct sr_result *r, const struct sr_export_opts *o,
    const char *path, size_t plen, const unsigned char *p, uint64_t len)
{
	struct sr_file *f;
	char why[256];

	r->files = sr_xrealloc(r->files, (r->n_files + 1) * sizeof(*r->files));
	f = &r->files[r->n_files++];
	memset(f, 0, sizeof(*f));
	f->path = sr_xstrndup(path, plen);
	f->size = len;
	SHA256Data(p, (size_t)len, f->sha256);
	f->mime = sr_export_mime(f->path, p, (size_t)len);
	if (o->inline_max > 0 && len <= o->inline_max) {
		if (textual(f->mime) && is_text(p, (size_t)len)) {
			f->content = sr_xstrndup((const char *)p, (size_t)len);
			f->content_len = (size_t)len;
		} else {
			f->content = sr_export_base64(p, (size_t)len,
			    &f->content_len);
			f->base64 = true;
		}
	}
	if (o->out_fd >= 0 && write_out(o->out_fd, f->path, p, (size_t)len, why,
	    sizeof(why)) != NULL)
		add_skipped(r, path, plen, why);
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct sr_file *)a)->path,
	    ((const struct sr_file *)b)->path);
}

static int
cmp_skipped(const void *a, const void *b)
{
	return strcmp(((const struct sr_skipped *)a)->path,
	    ((const struct sr_skipped *)b)->path);
}

int
sr_export_collect(int fd, const struct sr_export_opts *o, struct sr_result *r)
{
	const unsigned char *map = NULL;
	struct stat st;
	struct rec h;
	uint64_t off = 0, size, more = 0, limit;
	bool ended = false, damaged = false;
	char why[160];

	if (fstat(fd, &st) < 0)
		return 0;
	size = (uint64_t)st.st_size;
	/* Content, plus per-record overhead for every entry that may come. */
	limit = SR_EXPORT_TOTAL_MAX + (uint64_t)(SR_EXPORT_FILES_MAX +
	    SR_EXPORT_SKIPPED_MAX + 2) * (sizeof(h) + SR_EXPORT_PATH_MAX + 512);
	if (size > limit) {
		add_skipped(r, ".", 1, "not exported: the export stream is too large");
		return 0;
	}
	if (size > 0) {
		map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			snprintf(why, sizeof(why), "not exported: mmap: %s",
			    strerror(errno));
			add_skipped(r, ".", 1, why);
			return 0;
		}
	}
	while (!ended && size - off >= sizeof(h)) {
		const char *path;
		const unsigned char *data;

		memcpy(&h, map + off, sizeof(h));
		off += sizeof(h);
		if (h.magic != REC_MAGIC || h.path_len > SR_EXPORT_PATH_MAX ||
		    h.path_len > size - off || h.len > size - off - h.path_len) {
			damaged = true;
			break;
		}
		path = (const char *)map + off;
		data = map + off + h.path_len;
		off += h.path_len + h.len;
		switch (h.type) {
		case REC_FILE:
			if (bad_path(path, h.path_len) != NULL) {
				add_skipped(r, path, h.path_len,
				    bad_path(path, h.path_len));
				break;
			}
			add_file(r, o, path, h.path_len, data, h.len);
			break;
		case REC_SKIP:
			if (h.len > 512) {
				damaged = true;
				break;
			}
			snprintf(why, sizeof(why), "%.*s", (int)h.len,
			    (const char *)data);
			add_skipped(r, path, h.path_len, why);
			break;
		case REC_END:
			ended = true;
			more = h.reserved;
			break;
		default:
			damaged = true;
			break;
		}
		if (damaged)
			break;
	}
	if (map != NULL)
		munmap((void *)map, (size_t)size);
	if (r->n_files > 1)
		qsort(r->files, r->n_files, sizeof(*r->files), cmp_file);
	if (r->n_skipped > 1)
		qsort(r->skipped, r->n_skipped, sizeof(*r->skipped), cmp_skipped);
	if (more > 0) {
		snprintf(why, sizeof(why), "%" PRIu64 " more skipped entries not listed",
		    more);
		add_skipped(r, "...", 3, why);
	}
	if (damaged)
		add_skipped(r, ".", 1, "export stream damaged; the list is incomplete");
	else if (!ended)
		add_skipped(r, ".", 1, size == 0 ?
		    "not exported: the sandbox ended before its files were collected" :
		    "export incomplete: the sandbox ended while its files were collected");
	return 0;
}

static void
put_clean(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k, n = strlen(s);

	for (i = 0; i < n; i += k) {
		k = sr_utf8_seq(p + i, n - i);
		if (k == 0 || p[i] < 0x20 || p[i] == 0x7f ||
		    (k == 2 && p[i] == 0xc2 && p[i + 1] <= 0x9f) ||
		    (k == 3 && p[i] == 0xe2 && ((p[i + 1] == 0x80 &&
		    p[i + 2] >= 0xaa && p[i + 2] <= 0xae) || (p[i + 1] == 0x81 &&
		    p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))) {
			fputc('?', f);
			k = k ? k : 1;
			continue;
		}
		fwrite(p + i, 1, k, f);
	}
}

void
sr_export_notice(FILE *f, const struct sr_result *r)
{
	size_t i;

	for (i = 0; i < r->n_skipped; i++) {
		fputs("sandrun: skipped: ", f);
		put_clean(f, r->skipped[i].path);
		if (r->skipped[i].reason != NULL) {
			fputs(" (", f);
			put_clean(f, r->skipped[i].reason);
			fputc(')', f);
		}
		fputc('\n', f);
	}
}
