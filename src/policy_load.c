/* policy_load.c - find policies by name, follow "extends", merge, list.
 *
 * Names are checked before anything is opened; files are opened with
 * O_NOFOLLOW|O_NONBLOCK and must be regular files of bounded size, so a
 * symlink, a FIFO or /dev/zero is refused without hanging.  Parsing and
 * merging are policy_merge.c's (this file never sees cJSON).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "diag.h"
#include "policy.h"
#include "policy_files.h"
#include "policy_int.h"
#include "util.h"

#ifndef SR_SYSCONFDIR
#define SR_SYSCONFDIR "/usr/local/etc"
#endif
#ifndef SR_PKGDATADIR
#define SR_PKGDATADIR "/usr/local/share/sandrun"
#endif
#ifndef SR_BUILD_EXE
#define SR_BUILD_EXE ""
#endif
#ifndef SR_SRC_POLICYDIR
#define SR_SRC_POLICYDIR ""
#endif

#define SR_EXTENDS_MAX 16
#define PROC_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572

/* sr_policy_load_recorded's record, while it loads */
static struct sr_policy_files *recording;

static int
bad_name(struct sr_diag *d, const char *name)
{
	char b[512];

	return sr_diag_kind(d, SR_DIAG_USAGE, "policy name '%s' is invalid: "
	    "use [a-z0-9._-] or a path containing '/'",
	    sr_printable(name, 80, b, sizeof(b)));
}

struct strv {
	char **v;
	size_t n;
};

static void
strv_add(struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return;
	s->v = sr_xrealloc(s->v, (s->n + 2) * sizeof(*s->v));
	s->v[s->n++] = sr_xstrdup(x);
	s->v[s->n] = NULL;
}

/* Whether we run as the build tree's binary (its policies come after
 * the installed ones).  Read once: the executable a process runs stays
 * the same file (a warm pool's worker checks the search path at every
 * call: policy_files.c), and a file replaced later on disk is not the
 * one running. */
static bool
is_build_exe(void)
{
	static int is = -1;
	char exe[PATH_MAX];
	ssize_t n;

	if (is < 0) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0)
			exe[n] = '\0';
		is = n > 0 && strcmp(exe, SR_BUILD_EXE) == 0;
	}
	return is;
}

char **
sr_policy_search_path(void)
{
	struct strv s = { NULL, 0 };
	const char *e;
	char *p;

	if ((e = getenv("SANDRUN_POLICY_PATH")) != NULL) {
		char *copy = sr_xstrdup(e), *save = NULL;

		for (char *tok = strtok_r(copy, ":", &save); tok != NULL;
		    tok = strtok_r(NULL, ":", &save))
			strv_add(&s, tok);
		free(copy);
	}
	if ((e = getenv("XDG_CONFIG_HOME")) != NULL && e[0] == '/') {
		sr_xasprintf(&p, "%s/sandrun/policies", e);
		strv_add(&s, p);
		free(p);
	} else if ((e = getenv("HOME")) != NULL && e[0] == '/') {
		sr_xasprintf(&p, "%s/.config/sandrun/policies", e);
		strv_add(&s, p);
		free(p);
	}
	strv_add(&s, SR_SYSCONFDIR "/sandrun/policies");
	strv_add(&s, SR_PKGDATADIR "/policies");
	if (SR_BUILD_EXE[0] != '\0' && SR_SRC_POLICYDIR[0] != '\0' &&
	    is_build_exe())
		strv_add(&s, SR_SRC_POLICYDIR);
	if (s.v == NULL)
		s.v = sr_xcalloc(1, sizeof(*s.v));
	return s.v;
}

/* Open and read one policy file.  Returns 0, -1 with d filled, or -2 when
 * it does not exist (d untouched) and missing_ok. */
static int
read_policy(const char *path, bool missing_ok, char **buf, size_t *len,
    struct stat *st, struct sr_diag *d)
{
	struct statfs sfs;
	char b[512];
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok)
			return -2;
		if (errno == ELOOP)
			return sr_diag_kind(d, SR_DIAG_USAGE, "%s: is a "
			    "symbolic link (refused)", sr_printable(path, 80, b, sizeof(b)));
		sr_diag_errno(d, "%s", sr_printable(path, 80, b, sizeof(b)));
		d->kind = SR_DIAG_USAGE;
		return -1;
	}
	if (fstat(fd, st) < 0) {
		sr_diag_errno(d, "%s", sr_printable(path, 80, b, sizeof(b)));
		d->kind = SR_DIAG_USAGE;
		close(fd);
		return -1;
	}
	/* /proc and /sys files claim to be regular: refuse them too. */
	if (!S_ISREG(st->st_mode) || (fstatfs(fd, &sfs) == 0 &&
	    ((unsigned long)sfs.f_type == PROC_MAGIC ||
	    (unsigned long)sfs.f_type == SYSFS_MAGIC))) {
		close(fd);
		return sr_diag_kind(d, SR_DIAG_USAGE, "%s: not a regular file",
		    sr_printable(path, 80, b, sizeof(b)));
	}
	if (st->st_size > SR_POLICY_FILE_MAX) {
		close(fd);
		return sr_diag_kind(d, SR_DIAG_USAGE, "%s: larger than %d bytes",
		    sr_printable(path, 80, b, sizeof(b)), SR_POLICY_FILE_MAX);
	}
	if (sr_read_fd(fd, SR_POLICY_FILE_MAX, buf, len) < 0) {
		if (errno == EFBIG)
			sr_diag_kind(d, SR_DIAG_USAGE, "%s: larger than %d bytes",
			    sr_printable(path, 80, b, sizeof(b)), SR_POLICY_FILE_MAX);
		else {
			sr_diag_errno(d, "%s", sr_printable(path, 80, b, sizeof(b)));
			d->kind = SR_DIAG_USAGE;
		}
		close(fd);
		return -1;
	}
	close(fd);
	sr_policy_files_note(recording, path, st, *buf, *len);
	return 0;
}

/* Find NAME.json on the search path; returns 0 and the path, or -1. */
static int
find_policy(const char *name, char **path, struct sr_diag *d)
{
	char **dirs = sr_policy_search_path(), *p, list[512] = "";
	struct stat st;

	for (char **dir = dirs; *dir != NULL; dir++) {
		sr_xasprintf(&p, "%s/%s.json", *dir, name);
		if (lstat(p, &st) == 0 || errno != ENOENT) {
			*path = p;
			sr_strv_free(dirs);
			return 0;
		}
		sr_policy_files_note(recording, p, NULL, NULL, 0);
		free(p);
		if (list[0] != '\0')
			strncat(list, ":", sizeof(list) - strlen(list) - 1);
		strncat(list, *dir, sizeof(list) - strlen(list) - 1);
	}
	sr_strv_free(dirs);
	return sr_diag_kind(d, SR_DIAG_USAGE, "policy '%s' not found (search "
	    "path: %s)", name, list);
}

static char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return sr_xstrdup(s != NULL ? s + 1 : path);
}

static char *
stem(const char *path)
{
	char *b = base_name(path);
	size_t n = strlen(b);

	if (n > 5 && strcmp(b + n - 5, ".json") == 0)
		b[n - 5] = '\0';
	return b;
}

static char *
dir_name(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL)
		return sr_xstrdup(".");
	if (s == path)
		return sr_xstrdup("/");
	return sr_xstrndup(path, (size_t)(s - path));
}

struct link {
	struct sr_policy_doc *doc;
	char *name;		/* for the cycle message */
	char *file;		/* base name, for messages */
	char *path;
	dev_t dev;
	ino_t ino;
};

static void
chain_free(struct link *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sr_policy_doc_free(c[i].doc);
		free(c[i].name);
		free(c[i].file);
		free(c[i].path);
	}
}

int
sr_policy_load(const char *name_or_path, struct sr_policy **out,
    struct sr_diag *d)
{
	struct link chain[SR_EXTENDS_MAX + 1];
	size_t n = 0;
	char *path = NULL, *ref = NULL;
	struct sr_policy *p = NULL;
	int r = -1;

	if (name_or_path == NULL)
		name_or_path = "";
	if (strchr(name_or_path, '/') != NULL)
		path = sr_xstrdup(name_or_path);
	else if (!sr_policy_name_valid(name_or_path))
		return bad_name(d, name_or_path);
	else if (find_policy(name_or_path, &path, d) < 0)
		return -1;
	ref = strchr(name_or_path, '/') != NULL ? stem(name_or_path) :
	    sr_xstrdup(name_or_path);

	for (;;) {
		struct stat st;
		char *buf = NULL, *file;
		const char *parent;
		size_t len;
		int rr;

		if (read_policy(path, false, &buf, &len, &st, d) < 0)
			goto out;
		file = base_name(path);
		rr = sr_policy_doc_parse(buf, len, file, n == 0, &chain[n].doc,
		    d);
		free(buf);
		if (rr < 0) {
			free(file);
			goto out;
		}
		chain[n].name = ref;
		chain[n].file = file;
		chain[n].path = path;
		chain[n].dev = st.st_dev;
		chain[n].ino = st.st_ino;
		ref = path = NULL;
		n++;
		for (size_t i = 0; i + 1 < n; i++) {
			char msg[SR_DIAG_MSG_MAX] = "";

			if (chain[i].dev != st.st_dev || chain[i].ino != st.st_ino)
				continue;
			for (size_t k = 0; k < n; k++) {
				strncat(msg, chain[k].name, sizeof(msg) -
				    strlen(msg) - 1);
				if (k + 1 < n)
					strncat(msg, " -> ", sizeof(msg) -
					    strlen(msg) - 1);
			}
			sr_diag_kind(d, SR_DIAG_USAGE, "%s: extends: cycle %s",
			    chain[0].file, msg);
			goto out;
		}
		if ((parent = sr_policy_doc_extends(chain[n - 1].doc)) == NULL)
			break;
		if (n >= SR_EXTENDS_MAX) {
			sr_diag_kind(d, SR_DIAG_USAGE, "%s: extends: chain "
			    "longer than %d policies", chain[0].file,
			    SR_EXTENDS_MAX);
			goto out;
		}
		if (strchr(parent, '/') != NULL) {
			if (parent[0] == '/')
				path = sr_xstrdup(parent);
			else {
				char *dir = dir_name(chain[n - 1].path);

				sr_xasprintf(&path, "%s/%s", dir, parent);
				free(dir);
			}
			ref = stem(parent);
		} else if (!sr_policy_name_valid(parent)) {
			bad_name(d, parent);
			goto prefix;
		} else if (find_policy(parent, &path, d) < 0) {
			goto prefix;
		} else
			ref = sr_xstrdup(parent);
		continue;
prefix:
		{
			char msg[SR_DIAG_MSG_MAX];

			snprintf(msg, sizeof(msg), "%s: extends: %.900s",
			    chain[n - 1].file, d->msg);
			memcpy(d->msg, msg, sizeof(d->msg));
		}
		goto out;
	}

	{
		struct sr_policy_doc *docs[SR_EXTENDS_MAX + 1];

		for (size_t i = 0; i < n; i++)
			docs[i] = chain[i].doc;
		if (sr_policy_doc_resolve(docs, n, chain[0].file, &p, d) < 0)
			goto out;
	}
	free(p->extends);
	p->extends = n > 1 ? sr_xstrdup(chain[1].name) : NULL;
	p->name = sr_xstrdup(chain[0].name);
	if ((p->path = realpath(chain[0].path, NULL)) == NULL)
		p->path = sr_xstrdup(chain[0].path);
	/* no sha256 here: callers hash once, after their overrides */
	*out = p;
	r = 0;
out:
	chain_free(chain, n);
	free(path);
	free(ref);
	return r;
}

int
sr_policy_load_recorded(const char *name_or_path, struct sr_policy **out,
    struct sr_policy_files *w, struct sr_diag *d)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->name = sr_xstrdup(name_or_path != NULL ? name_or_path : "");
	w->search = sr_policy_search_path();
	recording = w;
	r = sr_policy_load(name_or_path, out, d);
	recording = NULL;
	if (r < 0)
		w->unusable = true;
	return r;
}

/* ---- listing ------------------------------------------------------------- */

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct sr_policy_entry *)a)->name,
	    ((const struct sr_policy_entry *)b)->name);
}

static char *
problem_of(const struct sr_policy *p)
{
	char *s = NULL;

	if (p->n_command > 0 && p->command[0][0] == '/' &&
	    access(p->command[0], X_OK) != 0) {
		const char *b = strrchr(p->command[0], '/') + 1;

		sr_xasprintf(&s, "%s not installed (%s missing)", b,
		    p->command[0]);
		return s;
	}
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct sr_mount *m = &p->mounts[i];

		if ((m->type == SR_MOUNT_RO || m->type == SR_MOUNT_RW) &&
		    !m->optional && access(m->src, F_OK) != 0) {
			sr_xasprintf(&s, "%s missing on this host", m->src);
			return s;
		}
	}
	return NULL;
}

int
sr_policy_list(struct sr_policy_entry **out, size_t *np, struct sr_diag *d)
{
	char **dirs = sr_policy_search_path();
	struct sr_policy_entry *e = NULL;
	size_t n = 0;

	(void)d;
	for (char **dir = dirs; *dir != NULL; dir++) {
		DIR *dp = opendir(*dir);
		struct dirent *de;

		if (dp == NULL)
			continue;
		while ((de = readdir(dp)) != NULL) {
			size_t l = strlen(de->d_name);
			struct sr_policy *p = NULL;
			struct sr_diag pd;
			char *name;
			bool seen = false;

			if (l <= 5 || strcmp(de->d_name + l - 5, ".json") != 0)
				continue;
			name = sr_xstrndup(de->d_name, l - 5);
			if (!sr_policy_name_valid(name)) {
				free(name);
				continue;
			}
			for (size_t i = 0; i < n && !seen; i++)
				seen = strcmp(e[i].name, name) == 0;
			if (seen) {
				free(name);
				continue;
			}
			e = sr_xrealloc(e, (n + 1) * sizeof(*e));
			memset(&e[n], 0, sizeof(e[n]));
			e[n].name = name;
			sr_xasprintf(&e[n].path, "%s/%s", *dir, de->d_name);
			if (sr_policy_load(e[n].path, &p, &pd) < 0) {
				char *nl = strchr(pd.msg, '\n');

				if (nl != NULL)
					*nl = '\0';
				sr_xasprintf(&e[n].problem, "invalid: %s", pd.msg);
			} else {
				if (p->description != NULL)
					e[n].description = sr_xstrdup(p->description);
				e[n].problem = problem_of(p);
				sr_policy_free(p);
			}
			n++;
		}
		closedir(dp);
	}
	sr_strv_free(dirs);
	if (n > 0)
		qsort(e, n, sizeof(*e), cmp_entry);
	*out = e;
	*np = n;
	return 0;
}

void
sr_policy_list_free(struct sr_policy_entry *e, size_t n)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].path);
		free(e[i].description);
		free(e[i].problem);
	}
	free(e);
}
