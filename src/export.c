/* export.c - the supervisor side of bringing the files a run created
 * back, treating them as hostile: parse the record stream export_walk.c
 * wrote, hash, type (export_mime.c), inline, and write the --out copies.
 * See export.h for the design.
 */
#include "config.h"

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

#include <sha2.h>

#include "export.h"
#include "export_int.h"
#include "utf8.h"
#include "util.h"

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
		if (sr_export_textual(f->mime) && sr_export_is_text(p, (size_t)len)) {
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
			if (sr_export_bad_path(path, h.path_len) != NULL) {
				add_skipped(r, path, h.path_len,
				    sr_export_bad_path(path, h.path_len));
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
