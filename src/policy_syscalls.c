/* policy_syscalls.c - the "syscalls" section of a policy: default
 * action, errno, and the allow and deny lists with groups expanded
 * (sysgroups.h), sorted and unique. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy.h"
#include "policy_int.h"
#include "sysgroups.h"
#include "util.h"

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *const *
group_lookup(const char *name)
{
	const char *const *g = sr_syscall_group(name);

	if (g == NULL && name[0] == '@')
		g = sr_syscall_group(name + 1);
	return g;
}

/* "path[i]", formatted only for a message. */
static const char *
elt(char *p, size_t size, const char *path, size_t i)
{
	snprintf(p, size, "%s[%zu]", path, i);
	return p;
}

static void
syscall_list(struct sr_pctx *c, const cJSON *v, const char *path,
    struct sr_strset *names, struct sr_strset *groups)
{
	const cJSON *a = sr_plist(c, v, path), *e;
	char p[512], b[128];
	size_t i = 0;

	if (a == NULL)
		return;
	for (e = a->child; e != NULL; e = e->next, i++) {
		const char *s;

		if (!cJSON_IsString(e)) {
			sr_perr(c, elt(p, sizeof(p), path, i),
			    "must be a string");
			continue;
		}
		s = e->valuestring;
		if (s[0] == '@') {
			const char *const *g = group_lookup(s);

			if (g == NULL) {
				sr_perr(c, elt(p, sizeof(p), path, i),
				    "unknown syscall group '%s'",
				    sr_printable(s, 48, b, sizeof(b)));
				continue;
			}
			if (c->check_only)
				continue;
			if (groups != NULL)
				sr_set_add(groups, s);
			for (; *g != NULL; g++)
				sr_set_add(names, *g);
		} else if (!sr_filter_known_syscall(s)) {
			sr_perr(c, elt(p, sizeof(p), path, i),
			    "unknown syscall '%s'", sr_printable(s, 48, b,
			    sizeof(b)));
		} else if (groups != NULL && sr_filter_forbidden_syscall(s)) {
			/* allow list only: denying them is always fine */
			sr_perr(c, elt(p, sizeof(p), path, i),
			    "'%s' can never be allowed",
			    sr_printable(s, 48, b, sizeof(b)));
		} else if (!c->check_only) {
			sr_set_add(names, s);
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

void
sr_policy_parse_syscalls(struct sr_pctx *c, const cJSON *sc,
    struct sr_syscalls *s)
{
	static const char *const keys[] = { "default", "errno", "allow", "deny",
		NULL };
	static const char *const req[] = { "default", "allow", NULL };
	struct sr_strset allow = { 0 }, deny = { 0 }, groups = { 0 };
	const cJSON *v;
	char b[128];
	size_t i, o;

	s->errno_value = EPERM;
	if (!sr_pcheck_object(c, sc, "syscalls", keys, req))
		return;
	if ((v = sr_pget(sc, "default")) != NULL) {
		const char *d = cJSON_IsString(v) ? v->valuestring : "";

		if (strcmp(d, "errno") == 0)
			s->default_action = SR_SYS_ERRNO;
		else if (strcmp(d, "kill") == 0)
			s->default_action = SR_SYS_KILL;
		else if (strcmp(d, "log") == 0)
			s->default_action = SR_SYS_LOG;
		else
			sr_perr(c, "syscalls.default",
			    "must be \"errno\", \"kill\" or \"log\"");
	}
	if ((v = sr_pget(sc, "errno")) != NULL) {
		if (!cJSON_IsString(v))
			sr_perr(c, "syscalls.errno", "must be a string such as "
			    "\"EPERM\"");
		else {
			for (i = 0; i < SR_ARRAY_SIZE(errnos); i++)
				if (strcmp(v->valuestring, errnos[i].name) == 0)
					break;
			if (i == SR_ARRAY_SIZE(errnos))
				sr_perr(c, "syscalls.errno",
				    "unknown errno '%s' "
				    "(use EPERM, EACCES, ENOSYS, EINVAL, ENOENT, "
				    "EAGAIN, ENOMEM or EOPNOTSUPP)",
				    sr_printable(v->valuestring, 48, b,
				    sizeof(b)));
			else
				s->errno_value = errnos[i].value;
		}
	}
	if ((v = sr_pget(sc, "allow")) != NULL)
		syscall_list(c, v, "syscalls.allow", &allow, &groups);
	if ((v = sr_pget(sc, "deny")) != NULL)
		syscall_list(c, v, "syscalls.deny", &deny, NULL);
	sr_set_sort_unique(&allow);
	sr_set_sort_unique(&deny);
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
	s->allow = sr_set_take(&allow, &s->n_allow);
	s->deny = sr_set_take(&deny, &s->n_deny);
	s->groups = sr_set_take(&groups, &s->n_groups);
}

