/* policy_schema.c - passes 2 and 3 of reading a policy: cJSON builds the
 * tree of a document policy_scan.c accepted, then convert() walks it
 * against the schema (sandrun-policy(5)), collecting every error ("file:
 * key.path: problem", one per line), case-sensitively, refusing duplicate
 * and case-variant keys.  The "filesystem" and "syscalls" sections are
 * policy_fs.c and policy_syscalls.c (policy_int.h between them);
 * policy_emit.c is the inverse.
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
#include "policy.h"
#include "util.h"

#define MAX_PROCESSES 4194304ULL	/* PID_MAX_LIMIT */
#define MAX_OPEN_FILES 1048576ULL	/* default fs.nr_open */
#define MAX_UID 65534ULL
#define TWO_53 9007199254740992.0

/* ---- error collection ---------------------------------------------------- */


static void
add_line(struct sr_pctx *c, const char *line)
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

void
sr_perr(struct sr_pctx *c, const char *path, const char *fmt, ...)
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
flush_errors(struct sr_pctx *c, struct sr_diag *d)
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

/* Append s to out[*o..], truncated to len - 1 bytes in all. */
static void
append(char *out, size_t len, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (n > len - 1 - *o)
		n = len - 1 - *o;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
}

void
sr_pjoin(char *out, size_t len, const char *path, const char *key)
{
	char b[128];
	size_t o = 0;

	/* what snprintf "%s.%s" gives, truncation included, without it */
	if (len == 0)
		return;
	*out = '\0';
	if (path != NULL && *path != '\0') {
		append(out, len, &o, path);
		append(out, len, &o, ".");
	}
	append(out, len, &o, sr_printable(key, 48, b, sizeof(b)));
}

/* ---- pass 3: schema ------------------------------------------------------ */

const cJSON *
sr_pget(const cJSON *obj, const char *key)
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
	if (n <= 16) {
		/* a small object: the same answer, compared pairwise */
		for (i = 0; i < n; i++)
			for (first[i] = 0; strcasecmp(keys[first[i]],
			    keys[i]) != 0; first[i]++)
				;
		return;
	}
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
bool
sr_pcheck_object(struct sr_pctx *c, const cJSON *obj, const char *path,
    const char *const *allowed, const char *const *required)
{
	char p[512], b[128];
	const cJSON *it;
	const char **keys, *kbuf[17];
	size_t n = 0, i, *first, fbuf[17];

	if (!cJSON_IsObject(obj)) {
		sr_perr(c, path, "must be an object");
		return false;
	}
	for (it = obj->child; it != NULL; it = it->next)
		n++;
	/* most objects are small: no allocation for them */
	keys = n < SR_ARRAY_SIZE(kbuf) ? kbuf :
	    sr_xcalloc(n + 1, sizeof(*keys));
	first = n < SR_ARRAY_SIZE(fbuf) ? fbuf :
	    sr_xcalloc(n + 1, sizeof(*first));
	for (it = obj->child, i = 0; it != NULL; it = it->next)
		keys[i++] = it->string;
	sr_policy_key_variants(keys, n, first);
	for (it = obj->child, i = 0; it != NULL; it = it->next, i++) {
		const char *prev = keys[first[i]];

		/* the key's path is formatted only for a message */
		if (first[i] != i && strcmp(prev, it->string) == 0) {
			sr_pjoin(p, sizeof(p), path, it->string);
			sr_perr(c, p, "duplicate key");
		} else if (first[i] != i) {
			sr_pjoin(p, sizeof(p), path, it->string);
			sr_perr(c, p, "key differs only in case from '%s'",
			    sr_printable(prev, 48, b, sizeof(b)));
		} else if (allowed != NULL && !in_list(allowed, it->string)) {
			sr_pjoin(p, sizeof(p), path, it->string);
			sr_perr(c, p, "unknown key");
		}
	}
	if (keys != kbuf)
		free(keys);
	if (first != fbuf)
		free(first);
	if (c->complete)
		for (; required != NULL && *required != NULL; required++)
			if (sr_pget(obj, *required) == NULL) {
				sr_pjoin(p, sizeof(p), path, *required);
				sr_perr(c, p, "missing (required)");
			}
	return true;
}

char *
sr_pget_str(struct sr_pctx *c, const cJSON *obj, const char *path,
    const char *key)
{
	const cJSON *v = sr_pget(obj, key);
	char p[512];

	if (v == NULL)
		return NULL;
	if (!cJSON_IsString(v)) {
		sr_pjoin(p, sizeof(p), path, key);
		sr_perr(c, p, "must be a string");
		return NULL;
	}
	return sr_xstrdup(v->valuestring);
}

/* A JSON number that must be a non-negative integer <= max. */
static int
json_uint(struct sr_pctx *c, const cJSON *v, const char *p, uint64_t max,
    uint64_t *out)
{
	double d = v->valuedouble;

	if (isnan(d) || isinf(d) || fabs(d) >= TWO_53) {
		sr_perr(c, p, "number out of range");
		return -1;
	}
	if (d < 0) {
		sr_perr(c, p, "must not be negative");
		return -1;
	}
	if (d != floor(d)) {
		sr_perr(c, p, "must be an integer");
		return -1;
	}
	if ((uint64_t)d > max) {
		sr_perr(c, p, "must be at most %" PRIu64, max);
		return -1;
	}
	*out = (uint64_t)d;
	return 0;
}

struct limdef {
	const char *key;
	enum sr_lim_kind kind;
	bool may_be_unlimited;
	uint64_t max;		/* SR_LIM_KIND_COUNT */
	size_t off;
};

#define LOFF(f) offsetof(struct sr_limits, f)
static const struct limdef limdefs[] = {
	{ "wall_time", SR_LIM_KIND_DURATION, false, 0, LOFF(wall_ms) },
	{ "cpu_time", SR_LIM_KIND_DURATION, true, 0, LOFF(cpu_ms) },
	{ "memory", SR_LIM_KIND_SIZE, true, 0, LOFF(memory) },
	{ "processes", SR_LIM_KIND_COUNT, true, MAX_PROCESSES,
	    LOFF(processes) },
	{ "open_files", SR_LIM_KIND_COUNT, true, MAX_OPEN_FILES,
	    LOFF(open_files) },
	{ "file_size", SR_LIM_KIND_SIZE, true, 0, LOFF(file_size) },
	{ "output", SR_LIM_KIND_SIZE, false, 0, LOFF(output) },
};
static const struct limdef tmpfsdefs[] = {
	{ "tmp", SR_LIM_KIND_SIZE, false, 0, LOFF(tmpfs_tmp) },
	{ "work", SR_LIM_KIND_SIZE, false, 0, LOFF(tmpfs_work) },
	{ "shm", SR_LIM_KIND_SIZE, false, 0, LOFF(tmpfs_shm) },
};

int
sr_pparse_limit(struct sr_pctx *c, const cJSON *v, const char *p,
    enum sr_lim_kind kind,
    bool may_be_unlimited, uint64_t max, uint64_t *out)
{
	const char *why = NULL;
	char b[128];
	uint64_t x;

	if (cJSON_IsNumber(v)) {
		if (json_uint(c, v, p,
		    kind == SR_LIM_KIND_COUNT ? max : UINT64_MAX - 1,
		    &x) < 0)
			return -1;
		if (kind == SR_LIM_KIND_DURATION) {
			if (x > UINT64_MAX / 1000 / 1000) {
				sr_perr(c, p, "number out of range");
				return -1;
			}
			x *= 1000;
		}
	} else if (cJSON_IsString(v)) {
		const char *s = v->valuestring;

		if (strcmp(s, "unlimited") == 0) {
			if (!may_be_unlimited) {
				sr_perr(c, p, "cannot be \"unlimited\"");
				return -1;
			}
			*out = SR_UNLIMITED;
			return 0;
		}
		if (kind == SR_LIM_KIND_COUNT) {
			/* A count is a JSON integer: "8" is a typed-in string,
			 * and strings here would hide "8 MiB"-style mistakes. */
			sr_perr(c, p,
			    "must be an integer or \"unlimited\", not a string");
			return -1;
		}
		if ((kind == SR_LIM_KIND_DURATION ? sr_parse_duration(s, &x,
		    &why) :
		    sr_parse_size(s, &x, &why)) < 0) {
			sr_perr(c, p, "invalid %s '%s': %s",
			    kind == SR_LIM_KIND_DURATION ?
			    "duration" : "size",
			    sr_printable(s, 48, b, sizeof(b)), why);
			return -1;
		}
	} else {
		sr_perr(c, p, kind == SR_LIM_KIND_DURATION ?
		    "must be a duration string (e.g. \"10s\") or seconds" :
		    kind == SR_LIM_KIND_SIZE ?
		    "must be a size string (e.g. \"64M\") or bytes" :
		    "must be a non-negative integer");
		return -1;
	}
	if (x == 0) {
		sr_perr(c, p, "must be greater than 0");
		return -1;
	}
	if (x == SR_UNLIMITED) {
		sr_perr(c, p, "number out of range");
		return -1;
	}
	*out = x;
	return 0;
}

/* limits.cpus: a JSON number of CPUs (0.5, 2; at most 3 decimals) or
 * "unlimited"; missing is unlimited. */
static void
parse_cpus(struct sr_pctx *c, const cJSON *v, uint64_t *out)
{
	char buf[32];
	const char *why = NULL;
	double d;

	*out = SR_UNLIMITED;
	if (v == NULL)
		return;
	if (cJSON_IsString(v) && strcmp(v->valuestring, "unlimited") == 0)
		return;
	if (!cJSON_IsNumber(v)) {
		sr_perr(c, "limits.cpus",
		    "must be a number of CPUs (0.5, 2) or \"unlimited\"");
		return;
	}
	d = v->valuedouble;
	/* through the same strict text parser as --cpus */
	if (isnan(d) || d < 0 || d > SR_CPUS_MAX + 1 ||
	    snprintf(buf, sizeof(buf), "%.6f", d) >= (int)sizeof(buf)) {
		sr_perr(c, "limits.cpus", "must be between 0.01 and 1024");
		return;
	}
	/* "%.6f" then trailing zeros dropped: 0.5 -> "0.5", 2 -> "2" */
	{
		char *e = buf + strlen(buf) - 1;

		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
	if (sr_parse_cpus(buf, out, &why) < 0) {
		*out = SR_UNLIMITED;
		sr_perr(c, "limits.cpus", "%s", why);
	}
}

static void
parse_limits(struct sr_pctx *c, const cJSON *lim, struct sr_limits *l)
{
	/* cpus (added later) is optional, so existing policies stay valid */
	static const char *const keys[] = { "wall_time", "cpu_time", "memory",
		"processes", "open_files", "file_size", "output", "tmpfs",
		"cpus", NULL };
	static const char *const rkeys[] = { "wall_time", "cpu_time",
		"memory", "processes", "open_files", "file_size", "output",
		"tmpfs", NULL };
	static const char *const tkeys[] = { "tmp", "work", "shm", NULL };
	const cJSON *t;
	char p[512];
	size_t i;

	if (!sr_pcheck_object(c, lim, "limits", keys, rkeys))
		return;
	parse_cpus(c, sr_pget(lim, "cpus"), &l->cpus);
	for (i = 0; i < SR_ARRAY_SIZE(limdefs); i++) {
		const cJSON *v = sr_pget(lim, limdefs[i].key);

		if (v == NULL)
			continue;
		sr_pjoin(p, sizeof(p), "limits", limdefs[i].key);
		sr_pparse_limit(c, v, p, limdefs[i].kind,
		    limdefs[i].may_be_unlimited,
		    limdefs[i].max, (uint64_t *)((char *)l + limdefs[i].off));
	}
	if ((t = sr_pget(lim, "tmpfs")) == NULL ||
	    !sr_pcheck_object(c, t, "limits.tmpfs", tkeys, tkeys))
		return;
	for (i = 0; i < SR_ARRAY_SIZE(tmpfsdefs); i++) {
		const cJSON *v = sr_pget(t, tmpfsdefs[i].key);

		if (v == NULL)
			continue;
		sr_pjoin(p, sizeof(p), "limits.tmpfs", tmpfsdefs[i].key);
		sr_pparse_limit(c, v, p, SR_LIM_KIND_SIZE, false, 0,
		    (uint64_t *)((char *)l + tmpfsdefs[i].off));
	}
}

/* ---- string sets -------------------------------------------------------- */

void
sr_set_add(struct sr_strset *s, const char *x)
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

void
sr_set_sort_unique(struct sr_strset *s)
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

char **
sr_set_take(struct sr_strset *s, size_t *n)
{
	*n = s->n;
	if (s->v == NULL)
		s->v = sr_xcalloc(1, sizeof(*s->v));
	return s->v;
}

static bool
env_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	    *s == '_'))
		return false;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static void
parse_env(struct sr_pctx *c, const cJSON *env, struct sr_policy *pol)
{
	struct sr_strset s = { 0 };
	const cJSON *e;
	char p[512];

	if (!sr_pcheck_object(c, env, "env", NULL, NULL))
		return;
	for (e = env->child; e != NULL; e = e->next) {
		char *kv;

		sr_pjoin(p, sizeof(p), "env", e->string);
		if (!env_name_ok(e->string) || strlen(e->string) > 256) {
			sr_perr(c, p,
			    "invalid variable name (use [A-Za-z_][A-Za-z0-9_]*)");
			continue;
		}
		if (cJSON_IsNull(e))
			continue;	/* removal, meaningful with extends */
		if (!cJSON_IsString(e)) {
			sr_perr(c, p,
			    "must be a string (or null to remove it)");
			continue;
		}
		sr_xasprintf(&kv, "%s=%s", e->string, e->valuestring);
		sr_set_add(&s, kv);
		free(kv);
	}
	sr_set_sort_unique(&s);
	pol->env = sr_set_take(&s, &pol->n_env);
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
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') ||
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
parse_user(struct sr_pctx *c, const cJSON *u, struct sr_policy *pol)
{
	static const char *const keys[] = { "name", "uid", "gid", "home",
	    NULL };
	const cJSON *v;
	uint64_t x;

	if (!sr_pcheck_object(c, u, "user", keys, keys))
		return;
	if ((pol->user = sr_pget_str(c, u, "user", "name")) != NULL &&
	    (!name_ok(pol->user, "_-") || pol->user[0] == '-' ||
	    strlen(pol->user) > 32))
		sr_perr(c, "user.name", "invalid user name (use [A-Za-z0-9_-], "
		    "at most 32)");
	if ((v = sr_pget(u, "uid")) != NULL) {
		if (!cJSON_IsNumber(v))
			sr_perr(c, "user.uid", "must be an integer");
		else if (json_uint(c, v, "user.uid", MAX_UID, &x) == 0) {
			if (x == 0)
				sr_perr(c, "user.uid", "must not be 0 (root)");
			pol->uid = (unsigned)x;
		}
	}
	if ((v = sr_pget(u, "gid")) != NULL) {
		if (!cJSON_IsNumber(v))
			sr_perr(c, "user.gid", "must be an integer");
		else if (json_uint(c, v, "user.gid", MAX_UID, &x) == 0) {
			if (x == 0)
				sr_perr(c, "user.gid", "must not be 0 (root)");
			pol->gid = (unsigned)x;
		}
	}
	if ((pol->home = sr_pget_str(c, u, "user", "home")) != NULL)
		sr_pcheck_abs_path(c, "user.home", pol->home);
}

static void
parse_run(struct sr_pctx *c, const cJSON *r, struct sr_policy *pol)
{
	static const char *const keys[] = { "command", "code_name", "workdir",
		NULL };
	const cJSON *v, *e;
	char p[64];
	size_t i = 0, n_code = 0, n_args = 0;

	if (!sr_pcheck_object(c, r, "run", keys, keys))
		return;
	if ((v = sr_pget(r, "command")) != NULL) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
			sr_perr(c, "run.command", "must be a non-empty list of "
			    "strings");
		else {
			pol->command = sr_xcalloc((size_t)cJSON_GetArraySize(v) +
			    1, sizeof(char *));
			for (e = v->child; e != NULL; e = e->next, i++) {
				snprintf(p, sizeof(p), "run.command[%zu]", i);
				if (!cJSON_IsString(e)) {
					sr_perr(c, p, "must be a string");
					continue;
				}
				pol->command[pol->n_command++] =
				    sr_xstrdup(e->valuestring);
				if (strcmp(e->valuestring, "{code}") == 0)
					n_code++;
				if (strcmp(e->valuestring, "{args}") == 0)
					n_args++;
				if (i == 0)
					sr_pcheck_abs_path(c, p,
					    e->valuestring);
			}
			if (n_code != 1)
				sr_perr(c, "run.command",
				    "must contain \"{code}\" "
				    "exactly once, as a whole element");
			if (n_args > 1)
				sr_perr(c, "run.command",
				    "\"{args}\" may appear "
				    "only once");
		}
	}
	if ((pol->code_name = sr_pget_str(c, r, "run", "code_name")) != NULL &&
	    (!name_ok(pol->code_name, "._-") ||
	    strcmp(pol->code_name, ".") == 0 ||
	    strcmp(pol->code_name, "..") == 0))
		sr_perr(c, "run.code_name", "must be a plain file name "
		    "([A-Za-z0-9._-], at most 64)");
	if ((pol->workdir = sr_pget_str(c, r, "run", "workdir")) != NULL &&
	    sr_pcheck_abs_path(c, "run.workdir", pol->workdir)) {
		if (strcmp(pol->workdir, "/") == 0 ||
		    sr_path_under(pol->workdir, "/proc") ||
		    sr_path_under(pol->workdir, "/dev") ||
		    strcmp(pol->workdir, "/tmp") == 0 ||
		    sr_path_under(pol->workdir, "/usr") ||
		    sr_path_under(pol->workdir, "/etc")) {
			c->workdir_bad = true;
			sr_perr(c, "run.workdir",
			    "must not be /, /tmp, or under "
			    "/proc, /dev, /usr or /etc");
		}
	} else if (pol->workdir != NULL)
		c->workdir_bad = true;
}

/* "warm": {"command": [ABSOLUTE, ARG...]} (driver.h).  No placeholders:
 * the driver gets the code path and the arguments with each call. */
static void
parse_warm(struct sr_pctx *c, const cJSON *w, struct sr_policy *pol)
{
	static const char *const keys[] = { "command", NULL };
	const cJSON *v, *e;
	char p[64];
	size_t i = 0;

	if (!sr_pcheck_object(c, w, "warm", keys, keys))
		return;
	if ((v = sr_pget(w, "command")) == NULL)
		return;		/* sr_pcheck_object said it is missing */
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
		sr_perr(c, "warm.command", "must be a non-empty list of strings");
		return;
	}
	pol->warm_command = sr_xcalloc((size_t)cJSON_GetArraySize(v) + 1,
	    sizeof(char *));
	for (e = v->child; e != NULL; e = e->next, i++) {
		snprintf(p, sizeof(p), "warm.command[%zu]", i);
		if (!cJSON_IsString(e)) {
			sr_perr(c, p, "must be a string");
			continue;
		}
		if (strcmp(e->valuestring, "{code}") == 0 ||
		    strcmp(e->valuestring, "{args}") == 0)
			sr_perr(c, p, "%s is not expanded here: the driver "
			    "gets the code and its arguments with each call",
			    e->valuestring);
		pol->warm_command[pol->n_warm_command++] =
		    sr_xstrdup(e->valuestring);
		if (i == 0)
			sr_pcheck_abs_path(c, p, e->valuestring);
	}
}

static void
check_workdir_overlap(struct sr_pctx *c, struct sr_policy *pol)
{
	char p[64];

	if (pol->workdir == NULL || c->workdir_bad)
		return;
	for (size_t i = 0; i < pol->n_mounts; i++) {
		const char *dst = pol->mounts[i].dst;

		if (dst == NULL || strcmp(dst, "/") == 0)
			continue;
		snprintf(p, sizeof(p), "filesystem[%zu].dst", i);
		if (sr_path_under(dst, pol->workdir))
			sr_perr(c, p, "must not be over or inside the work dir "
			    "(%s)", pol->workdir);
		else if (sr_path_under(pol->workdir, dst) &&
		    pol->mounts[i].type !=
		    SR_MOUNT_DIR)
			sr_perr(c, p, "must not hide the work dir (%s)",
			    pol->workdir);
	}
}


/* A string that must be one of two words: returns the matching value, or
 * records an error and returns cur unchanged. */
static int
choice(struct sr_pctx *c, const cJSON *v, const char *path, const char *a,
    int va, const char *b, int vb, int cur)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "";

	if (strcmp(s, a) == 0)
		return va;
	if (strcmp(s, b) == 0)
		return vb;
	sr_perr(c, path, "must be \"%s\" or \"%s\"", a, b);
	return cur;
}

/* "exec": {"tmp": true, "work": true, "shm": false}, each key optional. */
static void
parse_exec(struct sr_pctx *c, const cJSON *e, struct sr_policy *pol)
{
	static const char *const keys[] = { "tmp", "work", "shm", NULL };
	bool *const dst[] = { &pol->exec_tmp, &pol->exec_work, &pol->exec_shm };
	const cJSON *v;
	char p[64];
	size_t i;

	if (!sr_pcheck_object(c, e, "exec", keys, NULL))
		return;
	for (i = 0; i < SR_ARRAY_SIZE(dst); i++) {
		if ((v = sr_pget(e, keys[i])) == NULL)
			continue;
		sr_pjoin(p, sizeof(p), "exec", keys[i]);
		if (!cJSON_IsBool(v))
			sr_perr(c, p, "must be true or false");
		else
			*dst[i] = cJSON_IsTrue(v);
	}
}

static void
convert(struct sr_pctx *c, const cJSON *root, struct sr_policy *pol)
{
	static const char *const keys[] = { "description", "extends", "run",
		"limits", "filesystem", "network", "syscalls", "env",
		"hostname", "user", "errors", "exec", "warm", "session", NULL };
	static const char *const req[] = { "run", "limits", "filesystem",
		"network", "syscalls", "env", "hostname", "user", NULL };
	const cJSON *v;
	char b[128];

	if (!cJSON_IsObject(root)) {
		sr_perr(c, NULL, "top level must be a JSON object, not %s",
		    cJSON_IsNull(root) ? "null" : cJSON_IsArray(root) ?
		    "a list" : cJSON_IsString(root) ? "a string" :
		    cJSON_IsNumber(root) ? "a number" : "a boolean");
		return;
	}
	sr_pcheck_object(c, root, "", keys, req);
	pol->description = sr_pget_str(c, root, "", "description");
	if ((pol->extends = sr_pget_str(c, root, "", "extends")) != NULL &&
	    strchr(pol->extends, '/') == NULL &&
	    !sr_policy_name_valid(pol->extends))
		sr_perr(c, "extends", "policy name '%s' is invalid: use "
		    "[a-z0-9._-] or a path containing '/'",
		    sr_printable(pol->extends, 48, b, sizeof(b)));
	if ((v = sr_pget(root, "run")) != NULL)
		parse_run(c, v, pol);
	if ((v = sr_pget(root, "warm")) != NULL)
		parse_warm(c, v, pol);
	pol->limits.cpus = SR_UNLIMITED;
	if ((v = sr_pget(root, "limits")) != NULL)
		parse_limits(c, v, &pol->limits);
	sr_policy_parse_session(c, sr_pget(root, "session"), pol);
	if ((v = sr_pget(root, "filesystem")) != NULL)
		sr_policy_parse_filesystem(c, v, pol);
	if ((v = sr_pget(root, "network")) != NULL)
		pol->network = (enum sr_network)choice(c, v, "network",
		    "none", SR_NETWORK_NONE, "loopback", SR_NETWORK_LOOPBACK,
		    (int)pol->network);
	pol->syscalls.errno_value = EPERM;
	if ((v = sr_pget(root, "syscalls")) != NULL)
		sr_policy_parse_syscalls(c, v, &pol->syscalls);
	if ((v = sr_pget(root, "env")) != NULL)
		parse_env(c, v, pol);
	if ((pol->hostname = sr_pget_str(c, root, "", "hostname")) != NULL &&
	    (!name_ok(pol->hostname, ".-") || pol->hostname[0] == '-' ||
	    pol->hostname[0] == '.'))
		sr_perr(c, "hostname",
		    "invalid host name (use [A-Za-z0-9.-], at "
		    "most 64)");
	if ((v = sr_pget(root, "user")) != NULL)
		parse_user(c, v, pol);
	pol->exec_tmp = pol->exec_work = true;
	if ((v = sr_pget(root, "exec")) != NULL)
		parse_exec(c, v, pol);
	if ((v = sr_pget(root, "errors")) != NULL)
		pol->error_rule = (enum sr_error_rule)choice(c, v, "errors",
		    "python", SR_ERROR_RULE_PYTHON, "none", SR_ERROR_RULE_NONE,
		    (int)pol->error_rule);
	if (c->complete)
		check_workdir_overlap(c, pol);
}

/* ---- public -------------------------------------------------------------- */


int
sr_policy_parse_tree(const char *buf, size_t len, const char *file,
    bool only_complete, struct cJSON **tree, struct sr_policy **out,
    struct sr_diag *d)
{
	struct sr_pctx c = { .file = file };
	struct sr_policy *pol;
	char msg[512];
	cJSON *root;

	if (sr_policy_scan(buf, len, msg, sizeof(msg)) < 0) {
		sr_perr(&c, NULL, "%s", msg);
		goto fail;
	}
	root = cJSON_ParseWithLength(buf, len);
	if (root == NULL) {
		sr_perr(&c, NULL, "invalid JSON");
		goto fail;
	}
	c.complete = cJSON_IsObject(root) && sr_pget(root, "extends") == NULL;
	c.check_only = out == NULL || (only_complete && !c.complete);
	pol = sr_xcalloc(1, sizeof(*pol));
	convert(&c, root, pol);
	if (c.n > 0) {
		sr_policy_free(pol);
		cJSON_Delete(root);
		goto fail;
	}
	*tree = root;
	if (out != NULL && !c.check_only)
		*out = pol;
	else {
		if (out != NULL)
			*out = NULL;
		sr_policy_free(pol);
	}
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
	struct sr_pctx c = { .file = file, .complete = complete };
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
	if (sr_policy_parse_tree(buf, len, file, false, &tree, out, d) < 0)
		return -1;
	cJSON_Delete(tree);
	return 0;
}

