/* policy_files.c - the record of what a policy load looked at, and the
 * check that loading again would read the same (policy_files.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "policy_files.h"
#include "util.h"

void
sr_policy_files_note(struct sr_policy_files *w, const char *path,
    const struct stat *st, const char *bytes, size_t len)
{
	struct sr_policy_file *f;

	if (w == NULL || w->unusable)
		return;
	/* relative: resolved from the working directory, which a call
	 * has its own of */
	if (path[0] != '/' || w->n >= SR_POLICY_FILES_MAX) {
		w->unusable = true;
		return;
	}
	f = &w->f[w->n++];
	memset(f, 0, sizeof(*f));
	f->path = sr_xstrdup(path);
	f->absent = st == NULL;
	if (st == NULL)
		return;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->bytes = sr_xmalloc(len + 1);
	memcpy(f->bytes, bytes, len);
	f->len = len;
}

#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* Open path as the loader does.  With canon (path is the policy's path
 * as realpath gave it at the load), first without following any link
 * on the way (openat2 RESOLVE_NO_SYMLINKS): opened so, path still
 * resolves to itself, as realpath would say again (*resolved); refused
 * for a link (ELOOP), it does not, which is no longer the same either.
 * Without openat2, the plain open (the caller asks realpath). */
static int
open_file(const char *path, bool canon, bool *resolved)
{
	struct open_how how = { .flags = OPEN_FLAGS,
		.resolve = RESOLVE_NO_SYMLINKS };
	int fd;

	*resolved = false;
	if (canon) {
		fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how,
		    sizeof(how));
		if (fd >= 0)
			*resolved = true;
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM &&
		    errno != EINVAL && errno != E2BIG))
			return fd;
	}
	return open(path, OPEN_FLAGS);
}

/* Opened as the loader opens it: the same file, the same bytes.  The
 * size first, then one read of a byte more than it: a file of another
 * length, or longer by the time it is read, is not the same. */
static bool
same_file(const struct sr_policy_file *f, bool canon, bool *resolved)
{
	struct stat st;
	char small[4096], *buf = small;
	bool same;
	ssize_t n;
	int fd;

	*resolved = false;
	if (f->absent)
		return lstat(f->path, &st) < 0 && errno == ENOENT;
	fd = open_file(f->path, canon, resolved);
	if (fd < 0)
		return false;
	same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_dev == f->dev && st.st_ino == f->ino &&
	    st.st_size == (off_t)f->len;
	if (same && f->len >= sizeof(small))
		buf = sr_xmalloc(f->len + 1);
	if (same) {
		while ((n = read(fd, buf, f->len + 1)) < 0 && errno == EINTR)
			;
		same = n == (ssize_t)f->len && memcmp(buf, f->bytes, f->len) == 0;
	}
	if (buf != small)
		free(buf);
	close(fd);
	return same;
}

static bool
same_strv(char **a, char **b)
{
	size_t i;

	for (i = 0; a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return a[i] == NULL && b[i] == NULL;
}

/* The policy's path, as the loader derives it from the first file. */
static bool
same_path(const struct sr_policy_files *w, const struct sr_policy *p)
{
	char *rp;
	bool same;
	size_t i;

	for (i = 0; i < w->n && w->f[i].absent; i++)
		;
	if (i == w->n || p->path == NULL)
		return false;
	if ((rp = realpath(w->f[i].path, NULL)) == NULL)
		return strcmp(w->f[i].path, p->path) == 0;
	same = strcmp(rp, p->path) == 0;
	free(rp);
	return same;
}

bool
sr_policy_files_same(const struct sr_policy_files *w,
    const char *name_or_path, const struct sr_policy *p)
{
	char **search;
	bool same, first = true, resolved = false, r;
	size_t i;

	if (w == NULL || p == NULL || w->unusable || w->name == NULL ||
	    w->search == NULL || name_or_path == NULL ||
	    strcmp(w->name, name_or_path) != 0)
		return false;
	search = sr_policy_search_path();
	same = same_strv(search, w->search);
	sr_strv_free(search);
	for (i = 0; same && i < w->n; i++) {
		/* the first file read: the policy's path (same_path) */
		bool canon = first && !w->f[i].absent && p->path != NULL &&
		    strcmp(w->f[i].path, p->path) == 0;

		same = same_file(&w->f[i], canon, &r);
		if (canon)
			resolved = r;
		if (!w->f[i].absent)
			first = false;
	}
	return same && (resolved || same_path(w, p));
}

void
sr_policy_files_free(struct sr_policy_files *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++) {
		free(w->f[i].path);
		free(w->f[i].bytes);
	}
	sr_strv_free(w->search);
	free(w->name);
	memset(w, 0, sizeof(*w));
}
