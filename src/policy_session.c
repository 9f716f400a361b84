/* policy_session.c - the policy's "session" section (sandrun --session):
 * defaults and ceilings of a session's memory, processes, tmpfs sizes,
 * lifetime, idle timeout and number of calls.  Every key is optional:
 * memory, processes and the tmpfs sizes default to the policy's limits,
 * lifetime to 1h, idle to 10m, calls to 1000; a missing ceiling is the
 * default (no override may go above it). */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "policy.h"
#include "policy_int.h"
#include "util.h"

#define SR_SESSION_LIFETIME_DEFAULT (60ULL * 60 * 1000)
#define SR_SESSION_IDLE_DEFAULT (10ULL * 60 * 1000)
#define SR_SESSION_CALLS_DEFAULT 1000
#define SR_SESSION_COUNT_MAX 4194304ULL	/* processes: PID_MAX_LIMIT */
#define SR_SESSION_CALLS_MAX 1000000000ULL

#define SOFF(f) offsetof(struct sr_session_limits, f)
static const struct sdef {
	const char *key;	/* under "session" ("tmpfs.tmp": in tmpfs) */
	enum sr_lim_kind kind;
	bool may_be_unlimited;
	uint64_t max;		/* counts */
	size_t off;
} sdefs[] = {
	{ "memory", SR_LIM_KIND_SIZE, true, 0, SOFF(memory) },
	{ "processes", SR_LIM_KIND_COUNT, true, SR_SESSION_COUNT_MAX,
	    SOFF(processes) },
	{ "tmp", SR_LIM_KIND_SIZE, false, 0, SOFF(tmpfs_tmp) },
	{ "work", SR_LIM_KIND_SIZE, false, 0, SOFF(tmpfs_work) },
	{ "shm", SR_LIM_KIND_SIZE, false, 0, SOFF(tmpfs_shm) },
	{ "lifetime", SR_LIM_KIND_DURATION, false, 0, SOFF(lifetime_ms) },
	{ "idle", SR_LIM_KIND_DURATION, false, 0, SOFF(idle_ms) },
	{ "calls", SR_LIM_KIND_COUNT, true, SR_SESSION_CALLS_MAX, SOFF(calls) },
};

#define FIELD(l, i) ((uint64_t *)((char *)(l) + sdefs[i].off))

static bool
in_tmpfs(size_t i)
{
	return sdefs[i].off == SOFF(tmpfs_tmp) ||
	    sdefs[i].off == SOFF(tmpfs_work) || sdefs[i].off == SOFF(tmpfs_shm);
}

/* One object of values (the defaults, or "ceilings") at path. */
static void
parse_values(struct sr_pctx *c, const cJSON *o, const char *path,
    bool top, struct sr_session_limits *l)
{
	static const char *const keys[] = { "memory", "processes", "tmpfs",
		"lifetime", "idle", "calls", "ceilings", NULL };
	static const char *const ckeys[] = { "memory", "processes", "tmpfs",
		"lifetime", "idle", "calls", NULL };
	static const char *const tkeys[] = { "tmp", "work", "shm", NULL };
	const cJSON *t, *v;
	char p[128], tp[128];
	size_t i;

	if (!sr_pcheck_object(c, o, path, top ? keys : ckeys, NULL))
		return;
	sr_pjoin(tp, sizeof(tp), path, "tmpfs");
	t = sr_pget(o, "tmpfs");
	if (t != NULL && !sr_pcheck_object(c, t, tp, tkeys, NULL))
		t = NULL;
	for (i = 0; i < SR_ARRAY_SIZE(sdefs); i++) {
		v = in_tmpfs(i) ? (t != NULL ? sr_pget(t, sdefs[i].key) : NULL) :
		    sr_pget(o, sdefs[i].key);
		if (v == NULL)
			continue;
		sr_pjoin(p, sizeof(p), in_tmpfs(i) ? tp : path, sdefs[i].key);
		sr_pparse_limit(c, v, p, sdefs[i].kind,
		    sdefs[i].may_be_unlimited, sdefs[i].max, FIELD(l, i));
	}
}

static uint64_t
builtin(const struct sr_policy *pol, size_t i)
{
	switch (sdefs[i].off) {
	case SOFF(memory):
		return pol->limits.memory;
	case SOFF(processes):
		return pol->limits.processes;
	case SOFF(tmpfs_tmp):
		return pol->limits.tmpfs_tmp;
	case SOFF(tmpfs_work):
		return pol->limits.tmpfs_work;
	case SOFF(tmpfs_shm):
		return pol->limits.tmpfs_shm;
	case SOFF(lifetime_ms):
		return SR_SESSION_LIFETIME_DEFAULT;
	case SOFF(idle_ms):
		return SR_SESSION_IDLE_DEFAULT;
	default:
		return SR_SESSION_CALLS_DEFAULT;
	}
}

void
sr_policy_parse_session(struct sr_pctx *c, const cJSON *v,
    struct sr_policy *pol)
{
	const cJSON *ce;
	char p[128], cp[128];
	uint64_t *d, *m;
	size_t i;

	if (v != NULL) {
		parse_values(c, v, "session", true, &pol->session);
		if (cJSON_IsObject(v) &&
		    (ce = sr_pget(v, "ceilings")) != NULL)
			parse_values(c, ce, "session.ceilings", false,
			    &pol->session_max);
	}
	if (!c->complete)
		return;
	for (i = 0; i < SR_ARRAY_SIZE(sdefs); i++) {
		d = FIELD(&pol->session, i);
		m = FIELD(&pol->session_max, i);
		if (*d == 0)
			*d = builtin(pol, i);
		if (*m == 0)
			*m = *d;
		if (*d <= *m)
			continue;
		snprintf(p, sizeof(p), "session.%s%s", in_tmpfs(i) ? "tmpfs." : "",
		    sdefs[i].key);
		snprintf(cp, sizeof(cp), "session.ceilings.%s%s",
		    in_tmpfs(i) ? "tmpfs." : "", sdefs[i].key);
		sr_perr(c, p, "the default is above its ceiling %s", cp);
	}
}
