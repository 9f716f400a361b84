/* policy_fs.c - the "filesystem" section of a policy: absolute paths,
 * mount entries (ro, rw, tmpfs, symlink, dir, file) and their rules. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bindrules.h"
#include "policy.h"
#include "policy_int.h"
#include "util.h"

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
bool
sr_pcheck_abs_path(struct sr_pctx *c, const char *p, const char *s)
{
	if (*s != '/') {
		sr_perr(c, p, "must be an absolute path");
		return false;
	}
	if (strlen(s) >= SR_POLICY_PATH_MAX) {
		sr_perr(c, p, "path too long");
		return false;
	}
	if (has_ctl(s)) {
		sr_perr(c, p, "must not contain control characters");
		return false;
	}
	if (sr_path_has_dotdot(s)) {
		sr_perr(c, p, "must not contain '..' components");
		return false;
	}
	if (strcmp(s, "/") != 0 && (strstr(s, "//") != NULL ||
	    strstr(s, "/./") != NULL || s[strlen(s) - 1] == '/' ||
	    (strlen(s) >= 2 && strcmp(s + strlen(s) - 2, "/.") == 0))) {
		sr_perr(c, p, "must be a normalized path (no '.', '//' or "
		    "trailing '/')");
		return false;
	}
	return true;
}

bool
sr_path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/');
}

static const char *const provided[] = { "/proc", "/dev", "/tmp", "/dev/shm",
	"/etc/passwd", "/etc/group", "/etc/hosts", "/etc/hostname", NULL };

static void
check_dst(struct sr_pctx *c, const char *p, const char *dst)
{
	if (!sr_pcheck_abs_path(c, p, dst))
		return;
	if (strcmp(dst, "/") == 0) {
		sr_perr(c, p, "cannot mount over /");
		return;
	}
	for (size_t i = 0; provided[i] != NULL; i++)
		if (strcmp(dst, provided[i]) == 0) {
			sr_perr(c, p, "%s is provided by the sandbox", dst);
			return;
		}
	if (sr_path_under(dst, "/proc") || sr_path_under(dst, "/dev"))
		sr_perr(c, p, "cannot mount under %s (provided by the sandbox)",
		    sr_path_under(dst, "/proc") ? "/proc" : "/dev");
}

/* The bind rules shared with --bind (bindrules.c). */
static void
check_src(struct sr_pctx *c, const char *p, const char *src, bool writable)
{
	char why[96];

	if (sr_pcheck_abs_path(c, p, src) &&
	    !sr_bind_allowed(src, writable, why, sizeof(why)))
		sr_perr(c, p, "%s", why);
}

static int
parse_mode(struct sr_pctx *c, const cJSON *v, const char *p, unsigned *out)
{
	const char *s;
	unsigned m = 0;
	size_t n;

	if (!cJSON_IsString(v)) {
		sr_perr(c, p, "must be an octal string such as \"0755\"");
		return -1;
	}
	s = v->valuestring;
	n = strlen(s);
	if (n == 0 || n > 4 || strspn(s, "01234567") != n) {
		sr_perr(c, p, "must be an octal string such as \"0755\"");
		return -1;
	}
	for (; *s != '\0'; s++)
		m = m * 8 + (unsigned)(*s - '0');
	if (m & 06000) {
		sr_perr(c, p, "setuid/setgid bits are not allowed");
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
	{ "tmpfs", SR_MOUNT_TMPFS, { "type", "dst", "size", "mode", "exec",
	    NULL },
	    { "type", "dst", "size", NULL } },
	{ "symlink", SR_MOUNT_SYMLINK, { "type", "dst", "target", "optional",
	    NULL }, { "type", "dst", "target", NULL } },
	{ "dir", SR_MOUNT_DIR, { "type", "dst", "mode", NULL },
	    { "type", "dst", NULL } },
	{ "file", SR_MOUNT_FILE, { "type", "dst", "content", "mode", NULL },
	    { "type", "dst", "content", NULL } },
};

static void
parse_mount(struct sr_pctx *c, const cJSON *e, const char *path,
    struct sr_mount *m)
{
	static const char *const anykeys[] = { "type", "src", "dst", "optional",
		"size", "mode", "target", "content", "exec", NULL };
	const cJSON *t, *v;
	bool saved = c->complete;
	char p[512], b[128];
	size_t i;

	if (!cJSON_IsObject(e)) {
		sr_perr(c, path, "must be an object");
		return;
	}
	t = sr_pget(e, "type");
	if (t == NULL || !cJSON_IsString(t)) {
		sr_pjoin(p, sizeof(p), path, "type");
		sr_perr(c, p, t == NULL ? "missing (required)" :
		    "must be a string");
		c->complete = false;
		sr_pcheck_object(c, e, path, anykeys, NULL);
		c->complete = saved;
		return;
	}
	for (i = 0; i < SR_ARRAY_SIZE(mtypes); i++)
		if (strcmp(t->valuestring, mtypes[i].name) == 0)
			break;
	if (i == SR_ARRAY_SIZE(mtypes)) {
		sr_pjoin(p, sizeof(p), path, "type");
		sr_perr(c, p, "unknown type '%s' (use ro, rw, tmpfs, symlink, "
		    "dir or file)", sr_printable(t->valuestring, 48, b,
		    sizeof(b)));
		return;
	}
	m->type = mtypes[i].type;
	/* Each entry is complete in itself, extends or not. */
	c->complete = true;
	sr_pcheck_object(c, e, path, mtypes[i].keys, mtypes[i].required);
	c->complete = saved;

	/* Keys foreign to the type were reported above: ignore them here. */
	if ((m->type == SR_MOUNT_RO || m->type == SR_MOUNT_RW) &&
	    (v = sr_pget(e, "src")) != NULL) {
		sr_pjoin(p, sizeof(p), path, "src");
		if ((m->src = sr_pget_str(c, e, path, "src")) != NULL)
			check_src(c, p, m->src, m->type == SR_MOUNT_RW);
	}
	if (m->type == SR_MOUNT_SYMLINK && (v = sr_pget(e, "target")) != NULL) {
		sr_pjoin(p, sizeof(p), path, "target");
		if ((m->src = sr_pget_str(c, e, path, "target")) != NULL) {
			if (*m->src == '\0')
				sr_perr(c, p, "must not be empty");
			else if (has_ctl(m->src))
				sr_perr(c, p,
				    "must not contain control characters");
			else if (sr_path_has_dotdot(m->src))
				sr_perr(c, p,
				    "must not contain '..' components");
			else if (strlen(m->src) >= SR_POLICY_PATH_MAX)
				sr_perr(c, p, "path too long");
		}
	}
	sr_pjoin(p, sizeof(p), path, "dst");
	if (sr_pget(e, "dst") != NULL) {
		if ((m->dst = sr_pget_str(c, e, path, "dst")) != NULL)
			check_dst(c, p, m->dst);
	} else if (m->src != NULL && (m->type == SR_MOUNT_RO ||
	    m->type == SR_MOUNT_RW)) {
		m->dst = sr_xstrdup(m->src);
		check_dst(c, p, m->dst);
	}
	if ((v = sr_pget(e, "optional")) != NULL) {
		sr_pjoin(p, sizeof(p), path, "optional");
		if (!cJSON_IsBool(v))
			sr_perr(c, p, "must be true or false");
		else
			m->optional = cJSON_IsTrue(v);
	}
	if (m->type == SR_MOUNT_TMPFS && (v = sr_pget(e, "exec")) != NULL) {
		sr_pjoin(p, sizeof(p), path, "exec");
		if (!cJSON_IsBool(v))
			sr_perr(c, p, "must be true or false");
		else
			m->noexec = !cJSON_IsTrue(v);
	}
	if ((v = sr_pget(e, "size")) != NULL) {
		sr_pjoin(p, sizeof(p), path, "size");
		sr_pparse_limit(c, v, p, SR_LIM_KIND_SIZE, false, 0, &m->size);
	}
	if ((v = sr_pget(e, "mode")) != NULL) {
		sr_pjoin(p, sizeof(p), path, "mode");
		parse_mode(c, v, p, &m->mode);
	}
	if (m->type == SR_MOUNT_FILE && (v = sr_pget(e, "content")) != NULL) {
		sr_pjoin(p, sizeof(p), path, "content");
		if ((m->content = sr_pget_str(c, e, path, "content")) != NULL) {
			m->content_len = strlen(m->content);
			if (m->content_len > SR_POLICY_CONTENT_MAX)
				sr_perr(c, p, "longer than %d bytes",
				    SR_POLICY_CONTENT_MAX);
		}
	}
}

/* A list value, or {"append": [...]}.  Returns the array or NULL. */
const cJSON *
sr_plist(struct sr_pctx *c, const cJSON *v, const char *path)
{
	static const char *const akeys[] = { "append", NULL };
	char p[512];

	if (cJSON_IsArray(v))
		return v;
	if (cJSON_IsObject(v) && sr_pget(v, "append") != NULL) {
		bool saved = c->complete;

		c->complete = false;
		sr_pcheck_object(c, v, path, akeys, NULL);
		c->complete = saved;
		if (saved)
			sr_perr(c, path, "{\"append\": [...]} needs a parent "
			    "policy (extends)");
		v = sr_pget(v, "append");
		if (cJSON_IsArray(v))
			return v;
		sr_pjoin(p, sizeof(p), path, "append");
		sr_perr(c, p, "must be a list");
		return NULL;
	}
	sr_perr(c, path, "must be a list (or {\"append\": [...]})");
	return NULL;
}

void
sr_policy_parse_filesystem(struct sr_pctx *c, const cJSON *fs,
    struct sr_policy *pol)
{
	const cJSON *a = sr_plist(c, fs, "filesystem"), *e;
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

