/* policy_emit.c - the canonical JSON of a resolved policy (the inverse of
 * the schema conversion, loadable again), its sha256, and freeing. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sha2.h>

#include "policy.h"
#include "policy_int.h"
#include "util.h"

static cJSON *
fmt_duration(uint64_t ms)
{
	char b[32];

	if (ms == SR_UNLIMITED)
		return cJSON_CreateString("unlimited");
	if (ms % 3600000 == 0)
		snprintf(b, sizeof(b), "%" PRIu64 "h", ms / 3600000);
	else if (ms % 60000 == 0)
		snprintf(b, sizeof(b), "%" PRIu64 "m", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(b, sizeof(b), "%" PRIu64 "s", ms / 1000);
	else
		snprintf(b, sizeof(b), "%" PRIu64 "ms", ms);
	return cJSON_CreateString(b);
}

static cJSON *
fmt_size(uint64_t v)
{
	static const char units[] = "KMGTPE";
	char b[32];
	int u = -1;

	if (v == SR_UNLIMITED)
		return cJSON_CreateString("unlimited");
	while (v >= 1024 && v % 1024 == 0 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(b, sizeof(b), "%" PRIu64, v);
	else
		snprintf(b, sizeof(b), "%" PRIu64 "%c", v, units[u]);
	return cJSON_CreateString(b);
}

static cJSON *
fmt_count(uint64_t v)
{
	if (v == SR_UNLIMITED)
		return cJSON_CreateString("unlimited");
	return cJSON_CreateNumber((double)v);
}

static cJSON *
strv_json(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* "session": the resolved defaults and ceilings (policy_session.c). */
static void
session_json(cJSON *root, const struct sr_policy *p)
{
	const struct sr_session_limits *v[2] = { &p->session, &p->session_max };
	cJSON *o = cJSON_AddObjectToObject(root, "session"), *s, *t;

	for (int i = 0; i < 2; i++) {
		s = i == 0 ? o : cJSON_AddObjectToObject(o, "ceilings");
		cJSON_AddItemToObject(s, "memory", fmt_size(v[i]->memory));
		cJSON_AddItemToObject(s, "processes", fmt_count(v[i]->processes));
		t = cJSON_AddObjectToObject(s, "tmpfs");
		cJSON_AddItemToObject(t, "tmp", fmt_size(v[i]->tmpfs_tmp));
		cJSON_AddItemToObject(t, "work", fmt_size(v[i]->tmpfs_work));
		cJSON_AddItemToObject(t, "shm", fmt_size(v[i]->tmpfs_shm));
		cJSON_AddItemToObject(s, "lifetime", fmt_duration(v[i]->lifetime_ms));
		cJSON_AddItemToObject(s, "idle", fmt_duration(v[i]->idle_ms));
		cJSON_AddItemToObject(s, "calls", fmt_count(v[i]->calls));
	}
}

char *
sr_policy_to_json(const struct sr_policy *p)
{
	static const char *const tnames[] = { "ro", "rw", "tmpfs", "symlink",
		"dir", "file" };
	cJSON *root = cJSON_CreateObject(), *o, *t, *a;
	const struct sr_limits *l = &p->limits;
	char *s, mode[16];

	if (p->description != NULL)
		cJSON_AddStringToObject(root, "description", p->description);

	o = cJSON_AddObjectToObject(root, "run");
	cJSON_AddItemToObject(o, "command", strv_json(p->command, p->n_command));
	cJSON_AddStringToObject(o, "code_name", p->code_name ? p->code_name : "");
	cJSON_AddStringToObject(o, "workdir", p->workdir ? p->workdir : "");
	if (p->warm_command != NULL) {
		o = cJSON_AddObjectToObject(root, "warm");
		cJSON_AddItemToObject(o, "command",
		    strv_json(p->warm_command, p->n_warm_command));
	}

	o = cJSON_AddObjectToObject(root, "limits");
	cJSON_AddItemToObject(o, "wall_time", fmt_duration(l->wall_ms));
	cJSON_AddItemToObject(o, "cpu_time", fmt_duration(l->cpu_ms));
	cJSON_AddItemToObject(o, "memory", fmt_size(l->memory));
	cJSON_AddItemToObject(o, "processes", fmt_count(l->processes));
	cJSON_AddItemToObject(o, "open_files", fmt_count(l->open_files));
	cJSON_AddItemToObject(o, "file_size", fmt_size(l->file_size));
	cJSON_AddItemToObject(o, "output", fmt_size(l->output));
	t = cJSON_AddObjectToObject(o, "tmpfs");
	cJSON_AddItemToObject(t, "tmp", fmt_size(l->tmpfs_tmp));
	cJSON_AddItemToObject(t, "work", fmt_size(l->tmpfs_work));
	cJSON_AddItemToObject(t, "shm", fmt_size(l->tmpfs_shm));
	if (l->cpus != SR_UNLIMITED)	/* optional key: absent is unlimited */
		cJSON_AddItemToObject(o, "cpus",
		    cJSON_CreateNumber((double)l->cpus / 1000));

	a = cJSON_AddArrayToObject(root, "filesystem");
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct sr_mount *m = &p->mounts[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", tnames[m->type]);
		if ((m->type == SR_MOUNT_RO || m->type == SR_MOUNT_RW) &&
		    m->src != NULL)
			cJSON_AddStringToObject(o, "src", m->src);
		if (m->dst != NULL)
			cJSON_AddStringToObject(o, "dst", m->dst);
		if (m->type == SR_MOUNT_SYMLINK && m->src != NULL)
			cJSON_AddStringToObject(o, "target", m->src);
		if (m->type == SR_MOUNT_TMPFS)
			cJSON_AddItemToObject(o, "size", fmt_size(m->size));
		if (m->mode != 0 && (m->type == SR_MOUNT_TMPFS ||
		    m->type == SR_MOUNT_DIR || m->type == SR_MOUNT_FILE)) {
			snprintf(mode, sizeof(mode), "%04o", m->mode);
			cJSON_AddStringToObject(o, "mode", mode);
		}
		if (m->type == SR_MOUNT_FILE)
			cJSON_AddStringToObject(o, "content",
			    m->content ? m->content : "");
		if (m->optional)
			cJSON_AddTrueToObject(o, "optional");
		if (m->noexec)
			cJSON_AddFalseToObject(o, "exec");
		cJSON_AddItemToArray(a, o);
	}

	cJSON_AddStringToObject(root, "network",
	    p->network == SR_NETWORK_LOOPBACK ? "loopback" : "none");
	o = cJSON_AddObjectToObject(root, "exec");
	cJSON_AddBoolToObject(o, "tmp", p->exec_tmp);
	cJSON_AddBoolToObject(o, "work", p->exec_work);
	cJSON_AddBoolToObject(o, "shm", p->exec_shm);

	o = cJSON_AddObjectToObject(root, "syscalls");
	cJSON_AddStringToObject(o, "default",
	    p->syscalls.default_action == SR_SYS_KILL ? "kill" :
	    p->syscalls.default_action == SR_SYS_LOG ? "log" : "errno");
	cJSON_AddStringToObject(o, "errno", sr_policy_errno_name(p->syscalls.errno_value));
	cJSON_AddItemToObject(o, "allow", strv_json(p->syscalls.allow,
	    p->syscalls.n_allow));
	cJSON_AddItemToObject(o, "deny", strv_json(p->syscalls.deny,
	    p->syscalls.n_deny));

	o = cJSON_AddObjectToObject(root, "env");
	for (size_t i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');
		char *k;

		if (eq == NULL)
			continue;
		k = sr_xstrndup(p->env[i], (size_t)(eq - p->env[i]));
		cJSON_AddStringToObject(o, k, eq + 1);
		free(k);
	}

	cJSON_AddStringToObject(root, "hostname", p->hostname ? p->hostname : "");
	o = cJSON_AddObjectToObject(root, "user");
	cJSON_AddStringToObject(o, "name", p->user ? p->user : "");
	cJSON_AddNumberToObject(o, "uid", p->uid);
	cJSON_AddNumberToObject(o, "gid", p->gid);
	cJSON_AddStringToObject(o, "home", p->home ? p->home : "");
	cJSON_AddStringToObject(root, "errors",
	    p->error_rule == SR_ERROR_RULE_PYTHON ? "python" : "none");
	session_json(root, p);

	s = cJSON_Print(root);
	cJSON_Delete(root);
	if (s == NULL) {
		sr_xmalloc(SIZE_MAX);	/* out of memory: fatal */
		return NULL;
	}
	/* cJSON allocates with malloc: callers free() the result. */
	return s;
}

void
sr_policy_hash(struct sr_policy *p)
{
	p->sha256_memo[0] = '\0';
	p->sha256_due = true;
}

const char *
sr_policy_sha256(const struct sr_policy *p)
{
	/* the memo is a cache of a pure function of *p: the object is
	 * allocated writable (sr_policy_load), only the view is const */
	struct sr_policy *w = (struct sr_policy *)p;
	char *s;

	if (w->sha256_due) {
		s = sr_policy_to_json(p);
		SHA256Data((const uint8_t *)s, strlen(s), w->sha256_memo);
		free(s);
		w->sha256_due = false;
	}
	return w->sha256_memo;
}

void
sr_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **q = v; *q != NULL; q++)
		free(*q);
	free(v);
}

void
sr_policy_free(struct sr_policy *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->path);
	free(p->description);
	free(p->extends);
	sr_strv_free(p->command);
	sr_strv_free(p->warm_command);
	free(p->code_name);
	free(p->workdir);
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].src);
		free(p->mounts[i].dst);
		free(p->mounts[i].content);
	}
	free(p->mounts);
	sr_strv_free(p->syscalls.allow);
	sr_strv_free(p->syscalls.deny);
	sr_strv_free(p->syscalls.groups);
	sr_strv_free(p->env);
	free(p->hostname);
	free(p->user);
	free(p->home);
	free(p);
}

