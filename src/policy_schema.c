/* policy_schema.c - passes 2 and 3 of reading a policy: cJSON builds the
 * tree of a document policy_scan.c accepted, then convert() walks it
 * against the schema (sandrun-policy(5)), collecting every error ("file:
 * key.path: problem", one per line), case-sensitively, refusing duplicate
 * and case-variant keys.  policy_emit.c is the inverse.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <sha2.h>

#include "diag.h"
#include "policy_int.h"
#include "sysgroups.h"
#include "policy.h"
#include "util.h"

#define MAX_PROCESSES 4194304ULL	/* PID_MAX_LIMIT */
#define MAX_OPEN_FILES 1048576ULL	/* default fs.nr_open */
#define MAX_CONTENT (64 * 1024)		/* inline file content */
#define MAX_PATH 4096
#define MAX_UID 65534ULL
#define TWO_53 9007199254740992.0

/* ---- error collection ---------------------------------------------------- */

struct ctx {
	const char *file;
	bool complete;
	bool workdir_bad;	/* run.workdir already reported */
	char *errs;		/* "file: path: msg\n"... */
	size_t len, cap;
	unsigned n;
};

static void
add_line(struct ctx *c, const char *line)
{
	size_t l = strlen(line);

	if (c->len + l + 2 > c->cap) {
		c->cap = (c->len + l + 2) * 2;
		c->errs = sr_xrealloc(c->errs, c->cap);
	}
	memcpy(c->errs + c->len, line, l);
	c->len += l;
	c->errs[c->len++] = '\n';
	c->errs[c->len] = '\0';
	c->n++;
}

__attribute__((format(printf, 3, 4))) static void
perr(struct ctx *c, const char *path, const char *fmt, ...)
{
	char msg[512], line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path != NULL && *path != '\0')
		snprintf(line, sizeof(line), "%s: %s: %s", c->file, path, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", c->file, msg);
	add_line(c, line);
}

/* Move the collected errors into d, one per line, without the final
 * newline; when they do not fit, keep whole lines and say how many more. */
static int
flush_errors(struct ctx *c, struct sr_diag *d)
{
	size_t max = sizeof(d->msg) - 64, cut = 0, i;
	unsigned kept = 0;

	if (c->len > 0 && c->errs[c->len - 1] == '\n')
		c->errs[--c->len] = '\0';
	if (c->len < sizeof(d->msg)) {
		sr_diag_kind(d, SR_DIAG_USAGE, "%s", c->errs);
		return -1;
	}
	for (i = 0; i < c->len && i < max; i++)
		if (c->errs[i] == '\n') {
			cut = i;
			kept++;
		}
	sr_diag_kind(d, SR_DIAG_USAGE, "%.*s\n%s: ... and %u more errors",
	    (int)cut, c->errs, c->file, c->n - kept);
	return -1;
}

static void
join(char *out, size_t len, const char *path, const char *key)
{
	char b[128];

	if (path == NULL || *path == '\0')
		snprintf(out, len, "%s", sr_printable(key, 48, b, sizeof(b)));
	else
		snprintf(out, len, "%s.%s", path, sr_printable(key, 48, b, sizeof(b)));
}

/* ---- pass 3: schema ------------------------------------------------------ */

static const cJSON *
get(const cJSON *obj, const char *key)
{
	const cJSON *it;

	if (obj == NULL)
		return NULL;
	for (it = obj->child; it != NULL; it = it->next)
		if (it->string != NULL && strcmp(it->string, key) == 0)
			return it;
	return NULL;
}

static bool
in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

struct keyref {
	const char *key;
	size_t i;
};

static int
cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int r = strcasecmp(x->key, y->key);

	if (r != 0)
		return r;
	return x->i < y->i ? -1 : x->i > y->i;
}

void
sr_policy_key_variants(const char *const *keys, size_t n, size_t *first)
{
	struct keyref *r;
	size_t i, g = 0;

	if (n == 0)
		return;
	r = sr_xcalloc(n, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = (struct keyref){ keys[i], i };
	qsort(r, n, sizeof(*r), cmp_keyref);
	for (i = 0; i < n; i++) {
		if (i == 0 || strcasecmp(r[g].key, r[i].key) != 0)
			g = i;
		first[r[i].i] = r[g].i;
	}
	free(r);
}

/* Report duplicate, case-variant and unknown keys (allowed == NULL: any key)
 * and, in complete mode, missing required keys.  A key is compared with the
 * first earlier key equal to it ignoring case (sorted: O(n log n), so a
 * policy of 70,000 env keys checks at once).  Returns false when obj is not
 * an object (already reported). */
static bool
check_object(struct ctx *c, const cJSON *obj, const char *path,
    const char *const *allowed, const char *const *required)
{
	char p[512], b[128];
	const cJSON *it;
	const char **keys;
	size_t n = 0, i, *first;

	if (!cJSON_IsObject(obj)) {
		perr(c, path, "must be an object");
		return false;
	}
	for (it = obj->child; it != NULL; it = it->next)
		n++;
	keys = sr_xcalloc(n + 1, sizeof(*keys));
	first = sr_xcalloc(n + 1, sizeof(*first));
	for (it = obj->child, i = 0; it != NULL; it = it->next)
		keys[i++] = it->string;
	sr_policy_key_variants(keys, n, first);
	for (it = obj->child, i = 0; it != NULL; it = it->next, i++) {
		const char *prev = keys[first[i]];

		join(p, sizeof(p), path, it->string);
		if (first[i] != i && strcmp(prev, it->string) == 0)
			perr(c, p, "duplicate key");
		else if (first[i] != i)
			perr(c, p, "key differs only in case from '%s'",
			    sr_printable(prev, 48, b, sizeof(b)));
		else if (allowed != NULL && !in_list(allowed, it->string))
			perr(c, p, "unknown key");
	}
	free(keys);
	free(first);
	if (c->complete)
		for (; required != NULL && *required != NULL; required++)
			if (get(obj, *required) == NULL) {
				join(p, sizeof(p), path, *required);
				perr(c, p, "missing (required)");
			}
	return true;
}

static char *
get_str(struct ctx *c, const cJSON *obj, const char *path, const char *key)
{
	const cJSON *v = get(obj, key);
	char p[512];

	if (v == NULL)
		return NULL;
	if (!cJSON_IsString(v)) {
		join(p, sizeof(p), path, key);
		perr(c, p, "must be a string");
		return NULL;
	}
	return sr_xstrdup(v->valuestring);
}

/* A JSON number that must be a non-negative integer <= max. */
static int
json_uint(struct ctx *c, const cJSON *v, const char *p, uint64_t max,
    uint64_t *out)
{
	double d = v->valuedouble;

	if (isnan(d) || isinf(d) || fabs(d) >= TWO_53) {
		perr(c, p, "number out of range");
		return -1;
	}
	if (d < 0) {
		perr(c, p, "must not be negative");
		return -1;
	}
	if (d != floor(d)) {
		perr(c, p, "must be an integer");
		return -1;
	}
	if ((uint64_t)d > max) {
		perr(c, p, "must be at most %" PRIu64, max);
		return -1;
	}
	*out = (uint64_t)d;
	return 0;
}

enum lim_kind { LIM_DURATION, LIM_SIZE, LIM_COUNT };

struct limdef {
	const char *key;
	enum lim_kind kind;
	bool may_be_unlimited;
	uint64_t max;		/* LIM_COUNT */
	size_t off;
};

#define LOFF(f) offsetof(struct sr_limits, f)
static const struct limdef limdefs[] = {
	{ "wall_time", LIM_DURATION, false, 0, LOFF(wall_ms) },
	{ "cpu_time", LIM_DURATION, true, 0, LOFF(cpu_ms) },
	{ "memory", LIM_SIZE, true, 0, LOFF(memory) },
	{ "processes", LIM_COUNT, true, MAX_PROCESSES, LOFF(processes) },
	{ "open_files", LIM_COUNT, true, MAX_OPEN_FILES, LOFF(open_files) },
	{ "file_size", LIM_SIZE, true, 0, LOFF(file_size) },
	{ "output", LIM_SIZE, false, 0, LOFF(output) },
};
static const struct limdef tmpfsdefs[] = {
	{ "tmp", LIM_SIZE, false, 0, LOFF(tmpfs_tmp) },
	{ "work", LIM_SIZE, false, 0, LOFF(tmpfs_work) },
	{ "shm", LIM_SIZE, false, 0, LOFF(tmpfs_shm) },
};

static int
parse_limit(struct ctx *c, const cJSON *v, const char *p, enum lim_kind kind,
    bool may_be_unlimited, uint64_t max, uint64_t *out)
{
	const char *why = NULL;
	char b[128];
	uint64_t x;

	if (cJSON_IsNumber(v)) {
		if (json_uint(c, v, p, kind == LIM_COUNT ? max : UINT64_MAX - 1,
		    &x) < 0)
			return -1;
		if (kind == LIM_DURATION) {
			if (x > UINT64_MAX / 1000 / 1000) {
				perr(c, p, "number out of range");
				return -1;
			}
			x *= 1000;
		}
	} else if (cJSON_IsString(v)) {
		const char *s = v->valuestring;

		if (strcmp(s, "unlimited") == 0) {
			if (!may_be_unlimited) {
				perr(c, p, "cannot be \"unlimited\"");
				return -1;
			}
			*out = SR_UNLIMITED;
			return 0;
		}
		if (kind == LIM_COUNT) {
			/* A count is a JSON integer: "8" is a typed-in string,
			 * and strings here would hide "8 MiB"-style mistakes. */
			perr(c, p, "must be an integer or \"unlimited\", not a string");
			return -1;
		}
		if ((kind == LIM_DURATION ? sr_parse_duration(s, &x, &why) :
		    sr_parse_size(s, &x, &why)) < 0) {
			perr(c, p, "invalid %s '%s': %s", kind == LIM_DURATION ?
			    "duration" : "size",
			    sr_printable(s, 48, b, sizeof(b)), why);
			return -1;
		}
	} else {
		perr(c, p, kind == LIM_DURATION ?
		    "must be a duration string (e.g. \"10s\") or seconds" :
		    kind == LIM_SIZE ?
		    "must be a size string (e.g. \"64M\") or bytes" :
		    "must be a non-negative integer");
		return -1;
	}
	if (x == 0) {
		perr(c, p, "must be greater than 0");
		return -1;
	}
	if (x == SR_UNLIMITED) {
		perr(c, p, "number out of range");
		return -1;
	}
	*out = x;
	return 0;
}

static void
parse_limits(struct ctx *c, const cJSON *lim, struct sr_limits *l)
{
	static const char *const keys[] = { "wall_time", "cpu_time", "memory",
		"processes", "open_files", "file_size", "output", "tmpfs", NULL };
	static const char *const tkeys[] = { "tmp", "work", "shm", NULL };
	const cJSON *t;
	char p[512];
	size_t i;

	if (!check_object(c, lim, "limits", keys, keys))
		return;
	for (i = 0; i < SR_ARRAY_SIZE(limdefs); i++) {
		const cJSON *v = get(lim, limdefs[i].key);

		if (v == NULL)
			continue;
		join(p, sizeof(p), "limits", limdefs[i].key);
		parse_limit(c, v, p, limdefs[i].kind, limdefs[i].may_be_unlimited,
		    limdefs[i].max, (uint64_t *)((char *)l + limdefs[i].off));
	}
	if ((t = get(lim, "tmpfs")) == NULL ||
	    !check_object(c, t, "limits.tmpfs", tkeys, tkeys))
		return;
	for (i = 0; i < SR_ARRAY_SIZE(tmpfsdefs); i++) {
		const cJSON *v = get(t, tmpfsdefs[i].key);

		if (v == NULL)
			continue;
		join(p, sizeof(p), "limits.tmpfs", tmpfsdefs[i].key);
		parse_limit(c, v, p, LIM_SIZE, false, 0,
		    (uint64_t *)((char *)l + tmpfsdefs[i].off));
	}
}

/* ---- paths ---- */

static bool
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Absolute, normalized (no ".", "..", "//", trailing "/"), no controls. */
static bool
check_abs_path(struct ctx *c, const char *p, const char *s)
{
	if (*s != '/') {
		perr(c, p, "must be an absolute path");
		return false;
	}
	if (strlen(s) >= MAX_PATH) {
		perr(c, p, "path too long");
		return false;
	}
	if (has_ctl(s)) {
		perr(c, p, "must not contain control characters");
		return false;
	}
	if (sr_path_has_dotdot(s)) {
		perr(c, p, "must not contain '..' components");
		return false;
	}
	if (strcmp(s, "/") != 0 && (strstr(s, "//") != NULL ||
	    strstr(s, "/./") != NULL || s[strlen(s) - 1] == '/' ||
	    (strlen(s) >= 2 && strcmp(s + strlen(s) - 2, "/.") == 0))) {
		perr(c, p, "must be a normalized path (no '.', '//' or "
		    "trailing '/')");
		return false;
	}
	return true;
}

static bool
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static const char *const provided[] = { "/proc", "/dev", "/tmp", "/dev/shm",
	"/etc/passwd", "/etc/group", "/etc/hosts", "/etc/hostname", NULL };

static void
check_dst(struct ctx *c, const char *p, const char *dst)
{
	if (!check_abs_path(c, p, dst))
		return;
	if (strcmp(dst, "/") == 0) {
		perr(c, p, "cannot mount over /");
		return;
	}
	for (size_t i = 0; provided[i] != NULL; i++)
		if (strcmp(dst, provided[i]) == 0) {
			perr(c, p, "%s is provided by the sandbox", dst);
			return;
		}
	if (under(dst, "/proc") || under(dst, "/dev"))
		perr(c, p, "cannot mount under %s (provided by the sandbox)",
		    under(dst, "/proc") ? "/proc" : "/dev");
}

static void
check_src(struct ctx *c, const char *p, const char *src, bool writable)
{
	static const char *const never[] = { "/proc", "/sys", "/dev", "/run",
		"/var/run", NULL };
	static const char *const not_rw[] = { "/usr", "/etc", "/bin", "/sbin",
		"/lib", "/lib64", "/boot", "/var", NULL };

	if (!check_abs_path(c, p, src))
		return;
	if (strcmp(src, "/") == 0) {
		perr(c, p, "must not bind the host's /");
		return;
	}
	for (size_t i = 0; never[i] != NULL; i++)
		if (under(src, never[i])) {
			perr(c, p, "must not bind the host's %s", never[i]);
			return;
		}
	if (writable)
		for (size_t i = 0; not_rw[i] != NULL; i++)
			if (under(src, not_rw[i])) {
				perr(c, p, "must not bind the host's %s writable",
				    not_rw[i]);
				return;
			}
}

static int
parse_mode(struct ctx *c, const cJSON *v, const char *p, unsigned *out)
{
	const char *s;
	unsigned m = 0;
	size_t n;

	if (!cJSON_IsString(v)) {
		perr(c, p, "must be an octal string such as \"0755\"");
		return -1;
	}
	s = v->valuestring;
	n = strlen(s);
	if (n == 0 || n > 4 || strspn(s, "01234567") != n) {
		perr(c, p, "must be an octal string such as \"0755\"");
		return -1;
	}
	for (; *s != '\0'; s++)
		m = m * 8 + (unsigned)(*s - '0');
	if (m & 06000) {
		perr(c, p, "setuid/setgid bits are not allowed");
		return -1;
	}
	*out = m;
	return 0;
}

static const struct {
	const char *name;
	enum sr_mount_type type;
	const char *const keys[7];
	const char *const required[4];
} mtypes[] = {
	{ "ro", SR_MOUNT_RO, { "type", "src", "dst", "optional", NULL },
	    { "type", "src", NULL } },
	{ "rw", SR_MOUNT_RW, { "type", "src", "dst", "optional", NULL },
	    { "type", "src", NULL } },
	{ "tmpfs", SR_MOUNT_TMPFS, { "type", "dst", "size", "mode", NULL },
	    { "type", "dst", "size", NULL } },
	{ "symlink", SR_MOUNT_SYMLINK, { "type", "dst", "target", "optional",
	    NULL }, { "type", "dst", "target", NULL } },
	{ "dir", SR_MOUNT_DIR, { "type", "dst", "mode", NULL },
	    { "type", "dst", NULL } },
	{ "file", SR_MOUNT_FILE, { "type", "dst", "content", "mode", NULL },
	    { "type", "dst", "content", NULL } },
};

static void
parse_mount(struct ctx *c, const cJSON *e, const char *path, struct sr_mount *m)
{
	static const char *const anykeys[] = { "type", "src", "dst", "optional",
		"size", "mode", "target", "content", NULL };
	const cJSON *t, *v;
	bool saved = c->complete;
	char p[512], b[128];
	size_t i;

	if (!cJSON_IsObject(e)) {
		perr(c, path, "must be an object");
		return;
	}
	t = get(e, "type");
	if (t == NULL || !cJSON_IsString(t)) {
		join(p, sizeof(p), path, "type");
		perr(c, p, t == NULL ? "missing (required)" :
		    "must be a string");
		c->complete = false;
		check_object(c, e, path, anykeys, NULL);
		c->complete = saved;
		return;
	}
	for (i = 0; i < SR_ARRAY_SIZE(mtypes); i++)
		if (strcmp(t->valuestring, mtypes[i].name) == 0)
			break;
	if (i == SR_ARRAY_SIZE(mtypes)) {
		join(p, sizeof(p), path, "type");
		perr(c, p, "unknown type '%s' (use ro, rw, tmpfs, symlink, "
		    "dir or file)", sr_printable(t->valuestring, 48, b, sizeof(b)));
		return;
	}
	m->type = mtypes[i].type;
	/* Each entry is complete in itself, extends or not. */
	c->complete = true;
	check_object(c, e, path, mtypes[i].keys, mtypes[i].required);
	c->complete = saved;

	/* Keys foreign to the type were reported above: ignore them here. */
	if ((m->type == SR_MOUNT_RO || m->type == SR_MOUNT_RW) &&
	    (v = get(e, "src")) != NULL) {
		join(p, sizeof(p), path, "src");
		if ((m->src = get_str(c, e, path, "src")) != NULL)
			check_src(c, p, m->src, m->type == SR_MOUNT_RW);
	}
	if (m->type == SR_MOUNT_SYMLINK && (v = get(e, "target")) != NULL) {
		join(p, sizeof(p), path, "target");
		if ((m->src = get_str(c, e, path, "target")) != NULL) {
			if (*m->src == '\0')
				perr(c, p, "must not be empty");
			else if (has_ctl(m->src))
				perr(c, p, "must not contain control characters");
			else if (sr_path_has_dotdot(m->src))
				perr(c, p, "must not contain '..' components");
			else if (strlen(m->src) >= MAX_PATH)
				perr(c, p, "path too long");
		}
	}
	join(p, sizeof(p), path, "dst");
	if (get(e, "dst") != NULL) {
		if ((m->dst = get_str(c, e, path, "dst")) != NULL)
			check_dst(c, p, m->dst);
	} else if (m->src != NULL && (m->type == SR_MOUNT_RO ||
	    m->type == SR_MOUNT_RW)) {
		m->dst = sr_xstrdup(m->src);
		check_dst(c, p, m->dst);
	}
	if ((v = get(e, "optional")) != NULL) {
		join(p, sizeof(p), path, "optional");
		if (!cJSON_IsBool(v))
			perr(c, p, "must be true or false");
		else
			m->optional = cJSON_IsTrue(v);
	}
	if ((v = get(e, "size")) != NULL) {
		join(p, sizeof(p), path, "size");
		parse_limit(c, v, p, LIM_SIZE, false, 0, &m->size);
	}
	if ((v = get(e, "mode")) != NULL) {
		join(p, sizeof(p), path, "mode");
		parse_mode(c, v, p, &m->mode);
	}
	if (m->type == SR_MOUNT_FILE && (v = get(e, "content")) != NULL) {
		join(p, sizeof(p), path, "content");
		if ((m->content = get_str(c, e, path, "content")) != NULL) {
			m->content_len = strlen(m->content);
			if (m->content_len > MAX_CONTENT)
				perr(c, p, "longer than %d bytes", MAX_CONTENT);
		}
	}
}

/* A list value, or {"append": [...]}.  Returns the array or NULL. */
static const cJSON *
list_or_append(struct ctx *c, const cJSON *v, const char *path)
{
	static const char *const akeys[] = { "append", NULL };
	char p[512];

	if (cJSON_IsArray(v))
		return v;
	if (cJSON_IsObject(v) && get(v, "append") != NULL) {
		bool saved = c->complete;

		c->complete = false;
		check_object(c, v, path, akeys, NULL);
		c->complete = saved;
		if (saved)
			perr(c, path, "{\"append\": [...]} needs a parent "
			    "policy (extends)");
		v = get(v, "append");
		if (cJSON_IsArray(v))
			return v;
		join(p, sizeof(p), path, "append");
		perr(c, p, "must be a list");
		return NULL;
	}
	perr(c, path, "must be a list (or {\"append\": [...]})");
	return NULL;
}

static void
parse_filesystem(struct ctx *c, const cJSON *fs, struct sr_policy *pol)
{
	const cJSON *a = list_or_append(c, fs, "filesystem"), *e;
	char p[64];
	size_t i = 0, n;

	if (a == NULL)
		return;
	n = (size_t)cJSON_GetArraySize(a);
	pol->mounts = sr_xcalloc(n + 1, sizeof(*pol->mounts));
	for (e = a->child; e != NULL; e = e->next, i++) {
		snprintf(p, sizeof(p), "filesystem[%zu]", i);
		parse_mount(c, e, p, &pol->mounts[i]);
		pol->n_mounts = i + 1;
	}
}

/* ---- string sets ---- */

struct strset {
	char **v;
	size_t n, cap;
};

static void
set_add(struct strset *s, const char *x)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = sr_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = sr_xstrdup(x);
	s->v[s->n] = NULL;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_sort_unique(struct strset *s)
{
	size_t i, o = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmpstr);
	for (i = 0; i < s->n; i++) {
		if (o > 0 && strcmp(s->v[o - 1], s->v[i]) == 0)
			free(s->v[i]);
		else
			s->v[o++] = s->v[i];
	}
	s->n = o;
	s->v[o] = NULL;
}

static char **
set_take(struct strset *s, size_t *n)
{
	*n = s->n;
	if (s->v == NULL)
		s->v = sr_xcalloc(1, sizeof(*s->v));
	return s->v;
}

static const char *const *
group_lookup(const char *name)
{
	const char *const *g = sr_syscall_group(name);

	if (g == NULL && name[0] == '@')
		g = sr_syscall_group(name + 1);
	return g;
}

static void
syscall_list(struct ctx *c, const cJSON *v, const char *path,
    struct strset *names, struct strset *groups)
{
	const cJSON *a = list_or_append(c, v, path), *e;
	char p[512], b[128];
	size_t i = 0;

	if (a == NULL)
		return;
	for (e = a->child; e != NULL; e = e->next, i++) {
		const char *s;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!cJSON_IsString(e)) {
			perr(c, p, "must be a string");
			continue;
		}
		s = e->valuestring;
		if (s[0] == '@') {
			const char *const *g = group_lookup(s);

			if (g == NULL) {
				perr(c, p, "unknown syscall group '%s'",
				    sr_printable(s, 48, b, sizeof(b)));
				continue;
			}
			if (groups != NULL)
				set_add(groups, s);
			for (; *g != NULL; g++)
				set_add(names, *g);
		} else if (!sr_filter_known_syscall(s)) {
			perr(c, p, "unknown syscall '%s'", sr_printable(s, 48, b, sizeof(b)));
		} else if (groups != NULL && sr_filter_forbidden_syscall(s)) {
			/* allow list only: denying them is always fine */
			perr(c, p, "'%s' can never be allowed",
			    sr_printable(s, 48, b, sizeof(b)));
		} else {
			set_add(names, s);
		}
	}
}

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSYS", ENOSYS },
	{ "EINVAL", EINVAL }, { "ENOENT", ENOENT }, { "EAGAIN", EAGAIN },
	{ "ENOMEM", ENOMEM }, { "EOPNOTSUPP", EOPNOTSUPP },
};

const char *
sr_policy_errno_name(int v)
{
	for (size_t i = 0; i < SR_ARRAY_SIZE(errnos); i++)
		if (errnos[i].value == v)
			return errnos[i].name;
	return "EPERM";
}

static void
parse_syscalls(struct ctx *c, const cJSON *sc, struct sr_syscalls *s)
{
	static const char *const keys[] = { "default", "errno", "allow", "deny",
		NULL };
	static const char *const req[] = { "default", "allow", NULL };
	struct strset allow = { 0 }, deny = { 0 }, groups = { 0 };
	const cJSON *v;
	char b[128];
	size_t i, o;

	s->errno_value = EPERM;
	if (!check_object(c, sc, "syscalls", keys, req))
		return;
	if ((v = get(sc, "default")) != NULL) {
		const char *d = cJSON_IsString(v) ? v->valuestring : "";

		if (strcmp(d, "errno") == 0)
			s->default_action = SR_SYS_ERRNO;
		else if (strcmp(d, "kill") == 0)
			s->default_action = SR_SYS_KILL;
		else if (strcmp(d, "log") == 0)
			s->default_action = SR_SYS_LOG;
		else
			perr(c, "syscalls.default",
			    "must be \"errno\", \"kill\" or \"log\"");
	}
	if ((v = get(sc, "errno")) != NULL) {
		if (!cJSON_IsString(v))
			perr(c, "syscalls.errno", "must be a string such as "
			    "\"EPERM\"");
		else {
			for (i = 0; i < SR_ARRAY_SIZE(errnos); i++)
				if (strcmp(v->valuestring, errnos[i].name) == 0)
					break;
			if (i == SR_ARRAY_SIZE(errnos))
				perr(c, "syscalls.errno", "unknown errno '%s' "
				    "(use EPERM, EACCES, ENOSYS, EINVAL, ENOENT, "
				    "EAGAIN, ENOMEM or EOPNOTSUPP)",
				    sr_printable(v->valuestring, 48, b, sizeof(b)));
			else
				s->errno_value = errnos[i].value;
		}
	}
	if ((v = get(sc, "allow")) != NULL)
		syscall_list(c, v, "syscalls.allow", &allow, &groups);
	if ((v = get(sc, "deny")) != NULL)
		syscall_list(c, v, "syscalls.deny", &deny, NULL);
	set_sort_unique(&allow);
	set_sort_unique(&deny);
	/* deny wins: drop denied names from allow */
	for (i = 0, o = 0; i < allow.n; i++) {
		if (deny.n > 0 && bsearch(&allow.v[i], deny.v, deny.n,
		    sizeof(*deny.v), cmpstr) != NULL)
			free(allow.v[i]);
		else
			allow.v[o++] = allow.v[i];
	}
	allow.n = o;
	if (allow.v != NULL)
		allow.v[o] = NULL;
	s->allow = set_take(&allow, &s->n_allow);
	s->deny = set_take(&deny, &s->n_deny);
	s->groups = set_take(&groups, &s->n_groups);
}

static bool
env_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static void
parse_env(struct ctx *c, const cJSON *env, struct sr_policy *pol)
{
	struct strset s = { 0 };
	const cJSON *e;
	char p[512];

	if (!check_object(c, env, "env", NULL, NULL))
		return;
	for (e = env->child; e != NULL; e = e->next) {
		char *kv;

		join(p, sizeof(p), "env", e->string);
		if (!env_name_ok(e->string) || strlen(e->string) > 256) {
			perr(c, p, "invalid variable name (use [A-Za-z_][A-Za-z0-9_]*)");
			continue;
		}
		if (cJSON_IsNull(e))
			continue;	/* removal, meaningful with extends */
		if (!cJSON_IsString(e)) {
			perr(c, p, "must be a string (or null to remove it)");
			continue;
		}
		sr_xasprintf(&kv, "%s=%s", e->string, e->valuestring);
		set_add(&s, kv);
		free(kv);
	}
	set_sort_unique(&s);
	pol->env = set_take(&s, &pol->n_env);
}

bool
sr_policy_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SR_POLICY_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static bool
name_ok(const char *s, const char *extra)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL))
			return false;
	return true;
}

static void
parse_user(struct ctx *c, const cJSON *u, struct sr_policy *pol)
{
	static const char *const keys[] = { "name", "uid", "gid", "home", NULL };
	const cJSON *v;
	uint64_t x;

	if (!check_object(c, u, "user", keys, keys))
		return;
	if ((pol->user = get_str(c, u, "user", "name")) != NULL &&
	    (!name_ok(pol->user, "_-") || pol->user[0] == '-' ||
	    strlen(pol->user) > 32))
		perr(c, "user.name", "invalid user name (use [A-Za-z0-9_-], "
		    "at most 32)");
	if ((v = get(u, "uid")) != NULL) {
		if (!cJSON_IsNumber(v))
			perr(c, "user.uid", "must be an integer");
		else if (json_uint(c, v, "user.uid", MAX_UID, &x) == 0) {
			if (x == 0)
				perr(c, "user.uid", "must not be 0 (root)");
			pol->uid = (unsigned)x;
		}
	}
	if ((v = get(u, "gid")) != NULL) {
		if (!cJSON_IsNumber(v))
			perr(c, "user.gid", "must be an integer");
		else if (json_uint(c, v, "user.gid", MAX_UID, &x) == 0) {
			if (x == 0)
				perr(c, "user.gid", "must not be 0 (root)");
			pol->gid = (unsigned)x;
		}
	}
	if ((pol->home = get_str(c, u, "user", "home")) != NULL)
		check_abs_path(c, "user.home", pol->home);
}

static void
parse_run(struct ctx *c, const cJSON *r, struct sr_policy *pol)
{
	static const char *const keys[] = { "command", "code_name", "workdir",
		NULL };
	const cJSON *v, *e;
	char p[64];
	size_t i = 0, n_code = 0, n_args = 0;

	if (!check_object(c, r, "run", keys, keys))
		return;
	if ((v = get(r, "command")) != NULL) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
			perr(c, "run.command", "must be a non-empty list of "
			    "strings");
		else {
			pol->command = sr_xcalloc((size_t)cJSON_GetArraySize(v) +
			    1, sizeof(char *));
			for (e = v->child; e != NULL; e = e->next, i++) {
				snprintf(p, sizeof(p), "run.command[%zu]", i);
				if (!cJSON_IsString(e)) {
					perr(c, p, "must be a string");
					continue;
				}
				pol->command[pol->n_command++] =
				    sr_xstrdup(e->valuestring);
				if (strcmp(e->valuestring, "{code}") == 0)
					n_code++;
				if (strcmp(e->valuestring, "{args}") == 0)
					n_args++;
				if (i == 0)
					check_abs_path(c, p, e->valuestring);
			}
			if (n_code != 1)
				perr(c, "run.command", "must contain \"{code}\" "
				    "exactly once, as a whole element");
			if (n_args > 1)
				perr(c, "run.command", "\"{args}\" may appear "
				    "only once");
		}
	}
	if ((pol->code_name = get_str(c, r, "run", "code_name")) != NULL &&
	    (!name_ok(pol->code_name, "._-") ||
	    strcmp(pol->code_name, ".") == 0 ||
	    strcmp(pol->code_name, "..") == 0))
		perr(c, "run.code_name", "must be a plain file name "
		    "([A-Za-z0-9._-], at most 64)");
	if ((pol->workdir = get_str(c, r, "run", "workdir")) != NULL &&
	    check_abs_path(c, "run.workdir", pol->workdir)) {
		if (strcmp(pol->workdir, "/") == 0 ||
		    under(pol->workdir, "/proc") || under(pol->workdir, "/dev") ||
		    strcmp(pol->workdir, "/tmp") == 0 ||
		    under(pol->workdir, "/usr") || under(pol->workdir, "/etc")) {
			c->workdir_bad = true;
			perr(c, "run.workdir", "must not be /, /tmp, or under "
			    "/proc, /dev, /usr or /etc");
		}
	} else if (pol->workdir != NULL)
		c->workdir_bad = true;
}

static void
check_workdir_overlap(struct ctx *c, struct sr_policy *pol)
{
	char p[64];

	if (pol->workdir == NULL || c->workdir_bad)
		return;
	for (size_t i = 0; i < pol->n_mounts; i++) {
		const char *dst = pol->mounts[i].dst;

		if (dst == NULL || strcmp(dst, "/") == 0)
			continue;
		snprintf(p, sizeof(p), "filesystem[%zu].dst", i);
		if (under(dst, pol->workdir))
			perr(c, p, "must not be over or inside the work dir "
			    "(%s)", pol->workdir);
		else if (under(pol->workdir, dst) && pol->mounts[i].type !=
		    SR_MOUNT_DIR)
			perr(c, p, "must not hide the work dir (%s)",
			    pol->workdir);
	}
}


/* A string that must be one of two words: returns the matching value, or
 * records an error and returns cur unchanged. */
static int
choice(struct ctx *c, const cJSON *v, const char *path, const char *a,
    int va, const char *b, int vb, int cur)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "";

	if (strcmp(s, a) == 0)
		return va;
	if (strcmp(s, b) == 0)
		return vb;
	perr(c, path, "must be \"%s\" or \"%s\"", a, b);
	return cur;
}

static void
convert(struct ctx *c, const cJSON *root, struct sr_policy *pol)
{
	static const char *const keys[] = { "description", "extends", "run",
		"limits", "filesystem", "network", "syscalls", "env",
		"hostname", "user", "errors", NULL };
	static const char *const req[] = { "run", "limits", "filesystem",
		"network", "syscalls", "env", "hostname", "user", NULL };
	const cJSON *v;
	char b[128];

	if (!cJSON_IsObject(root)) {
		perr(c, NULL, "top level must be a JSON object, not %s",
		    cJSON_IsNull(root) ? "null" : cJSON_IsArray(root) ?
		    "a list" : cJSON_IsString(root) ? "a string" :
		    cJSON_IsNumber(root) ? "a number" : "a boolean");
		return;
	}
	check_object(c, root, "", keys, req);
	pol->description = get_str(c, root, "", "description");
	if ((pol->extends = get_str(c, root, "", "extends")) != NULL &&
	    strchr(pol->extends, '/') == NULL &&
	    !sr_policy_name_valid(pol->extends))
		perr(c, "extends", "policy name '%s' is invalid: use "
		    "[a-z0-9._-] or a path containing '/'",
		    sr_printable(pol->extends, 48, b, sizeof(b)));
	if ((v = get(root, "run")) != NULL)
		parse_run(c, v, pol);
	if ((v = get(root, "limits")) != NULL)
		parse_limits(c, v, &pol->limits);
	if ((v = get(root, "filesystem")) != NULL)
		parse_filesystem(c, v, pol);
	if ((v = get(root, "network")) != NULL)
		pol->network = (enum sr_network)choice(c, v, "network",
		    "none", SR_NETWORK_NONE, "loopback", SR_NETWORK_LOOPBACK,
		    (int)pol->network);
	pol->syscalls.errno_value = EPERM;
	if ((v = get(root, "syscalls")) != NULL)
		parse_syscalls(c, v, &pol->syscalls);
	if ((v = get(root, "env")) != NULL)
		parse_env(c, v, pol);
	if ((pol->hostname = get_str(c, root, "", "hostname")) != NULL &&
	    (!name_ok(pol->hostname, ".-") || pol->hostname[0] == '-' ||
	    pol->hostname[0] == '.'))
		perr(c, "hostname", "invalid host name (use [A-Za-z0-9.-], at "
		    "most 64)");
	if ((v = get(root, "user")) != NULL)
		parse_user(c, v, pol);
	if ((v = get(root, "errors")) != NULL)
		pol->error_rule = (enum sr_error_rule)choice(c, v, "errors",
		    "python", SR_ERROR_RULE_PYTHON, "none", SR_ERROR_RULE_NONE,
		    (int)pol->error_rule);
	if (c->complete)
		check_workdir_overlap(c, pol);
}

/* ---- public -------------------------------------------------------------- */


int
sr_policy_parse_tree(const char *buf, size_t len, const char *file,
    struct cJSON **tree, struct sr_policy **out, struct sr_diag *d)
{
	struct ctx c = { .file = file };
	struct sr_policy *pol;
	char msg[512];
	cJSON *root;

	if (sr_policy_scan(buf, len, msg, sizeof(msg)) < 0) {
		perr(&c, NULL, "%s", msg);
		goto fail;
	}
	root = cJSON_ParseWithLength(buf, len);
	if (root == NULL) {
		perr(&c, NULL, "invalid JSON");
		goto fail;
	}
	c.complete = cJSON_IsObject(root) && get(root, "extends") == NULL;
	pol = sr_xcalloc(1, sizeof(*pol));
	convert(&c, root, pol);
	if (c.n > 0) {
		sr_policy_free(pol);
		cJSON_Delete(root);
		goto fail;
	}
	*tree = root;
	if (out != NULL)
		*out = pol;
	else
		sr_policy_free(pol);
	return 0;
fail:
	flush_errors(&c, d);
	free(c.errs);
	return -1;
}

int
sr_policy_from_tree(const struct cJSON *tree, const char *file, bool complete,
    struct sr_policy **out, struct sr_diag *d)
{
	struct ctx c = { .file = file, .complete = complete };
	struct sr_policy *pol = sr_xcalloc(1, sizeof(*pol));

	convert(&c, tree, pol);
	if (c.n > 0) {
		sr_policy_free(pol);
		flush_errors(&c, d);
		free(c.errs);
		return -1;
	}
	*out = pol;
	return 0;
}

/* The tree is converted once: in complete mode when the document has no
 * "extends", which is what a caller of sr_policy_parse gets. */
int
sr_policy_parse(const char *buf, size_t len, const char *file,
    struct sr_policy **out, struct sr_diag *d)
{
	cJSON *tree;

	if (file == NULL)
		file = "policy";
	if (sr_policy_parse_tree(buf, len, file, &tree, out, d) < 0)
		return -1;
	cJSON_Delete(tree);
	return 0;
}

