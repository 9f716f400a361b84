/* test_session.c - session names and the policy's "session" section
 * (defaults, ceilings, resolution, errors, the printed form). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "session.h"
#include "tap.h"
#include "util.h"

static char dir[PATH_MAX];

/* Load JSON text as a policy file next to the shipped ones' search path. */
static int
load(const char *json, struct sr_policy **p, struct sr_diag *d)
{
	char path[PATH_MAX + 32];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/t.json", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(json, f);
	fclose(f);
	r = sr_policy_load(path, p, d);
	unlink(path);
	return r;
}

static void
names(void)
{
	static const char *const good[] = { "a", "A.b_c-1", "..x", "x.." };
	static const char *const bad[] = { "", ".", "..", "a/b", "a b",
		"\xc3\xa9", "a\nb" };
	char long_ok[SR_SESSION_NAME_MAX + 1], too_long[SR_SESSION_NAME_MAX + 2];
	struct sr_diag d;
	size_t i;

	for (i = 0; i < SR_ARRAY_SIZE(good); i++)
		ok(sr_session_name_check(good[i], &d) == 0, "name '%s' ok", good[i]);
	for (i = 0; i < SR_ARRAY_SIZE(bad); i++)
		ok(sr_session_name_check(bad[i], &d) < 0 &&
		    d.kind == SR_DIAG_USAGE &&
		    strstr(d.msg, "session name") != NULL, "name %zu refused", i);
	memset(long_ok, 'x', SR_SESSION_NAME_MAX);
	long_ok[SR_SESSION_NAME_MAX] = '\0';
	memset(too_long, 'x', SR_SESSION_NAME_MAX + 1);
	too_long[SR_SESSION_NAME_MAX + 1] = '\0';
	ok(sr_session_name_check(long_ok, &d) == 0, "64 bytes ok");
	ok(sr_session_name_check(too_long, &d) < 0, "65 bytes refused");
}

static void
defaults(void)
{
	struct sr_policy *p = NULL;
	struct sr_diag d;
	char *json;

	if (load("{\"extends\": \"sh\"}", &p, &d) < 0) {
		ok(0, "sh loads: %s", d.msg);
		skip(6, "no policy");
		return;
	}
	ok(1, "sh loads");
	ok(p->session.memory == p->limits.memory &&
	    p->session.processes == p->limits.processes,
	    "memory and processes default to the limits");
	ok(p->session.tmpfs_tmp == p->limits.tmpfs_tmp &&
	    p->session.tmpfs_work == p->limits.tmpfs_work &&
	    p->session.tmpfs_shm == p->limits.tmpfs_shm, "tmpfs too");
	ok(p->session.lifetime_ms == 3600000 && p->session.idle_ms == 600000,
	    "lifetime 1h, idle 10m");
	ok(p->session.calls == 1000, "1000 calls");
	ok(memcmp(&p->session, &p->session_max, sizeof(p->session)) == 0,
	    "a missing ceiling is the default");
	json = sr_policy_to_json(p);
	ok(strstr(json, "\"session\"") != NULL, "printed with the section");
	free(json);
	sr_policy_free(p);
}

static void
section(void)
{
	struct sr_policy *p = NULL, *q = NULL;
	struct sr_diag d;
	char *json;

	if (load("{\"extends\": \"sh\", \"session\": {\"memory\": \"128M\","
	    " \"processes\": 10, \"tmpfs\": {\"tmp\": \"8M\"}, \"lifetime\":"
	    " \"5m\", \"idle\": 30, \"calls\": \"unlimited\", \"ceilings\":"
	    " {\"memory\": \"1G\", \"lifetime\": \"2h\", \"calls\":"
	    " \"unlimited\"}}}", &p, &d) < 0) {
		ok(0, "a session section loads: %s", d.msg);
		skip(5, "no policy");
		return;
	}
	ok(p->session.memory == 128 << 20 && p->session_max.memory == 1 << 30,
	    "memory and its ceiling");
	ok(p->session.processes == 10 && p->session_max.processes == 10,
	    "processes, ceiling = default");
	ok(p->session.tmpfs_tmp == 8 << 20 &&
	    p->session.tmpfs_work == p->limits.tmpfs_work, "tmpfs.tmp alone");
	ok(p->session.lifetime_ms == 300000 && p->session_max.lifetime_ms ==
	    7200000 && p->session.idle_ms == 30000, "durations");
	ok(p->session.calls == SR_UNLIMITED, "calls unlimited");
	/* printed, it loads again to the same values */
	json = sr_policy_to_json(p);
	if (load(json, &q, &d) == 0) {
		ok(memcmp(&p->session, &q->session, sizeof(p->session)) == 0 &&
		    memcmp(&p->session_max, &q->session_max,
		    sizeof(p->session_max)) == 0, "printed form loads the same");
		sr_policy_free(q);
	} else {
		ok(0, "printed form loads: %s", d.msg);
	}
	free(json);
	sr_policy_free(p);
}

static void
errors(void)
{
	static const struct {
		const char *json, *want;
	} t[] = {
		{ "{\"session\": {\"idle\": \"2h\", \"ceilings\": {\"idle\": \"1h\"}}}",
		  "session.idle: the default is above its ceiling session.ceilings.idle" },
		{ "{\"session\": {\"memory\": \"unlimited\", \"ceilings\": {\"memory\": \"1G\"}}}",
		  "session.memory: the default is above" },
		{ "{\"session\": {\"lifetime\": \"unlimited\"}}",
		  "session.lifetime: cannot be \"unlimited\"" },
		{ "{\"session\": {\"calls\": 0}}", "session.calls: must be greater than 0" },
		{ "{\"session\": {\"processes\": \"8\"}}", "session.processes: must be an integer" },
		{ "{\"session\": {\"tmpfs\": {\"var\": \"1M\"}}}", "session.tmpfs.var: unknown key" },
		{ "{\"session\": {\"ceilings\": {\"ceilings\": {}}}}",
		  "session.ceilings.ceilings: unknown key" },
		{ "{\"session\": []}", "session" },
	};
	struct sr_policy *p;
	struct sr_diag d;
	char json[512];
	size_t i;

	for (i = 0; i < SR_ARRAY_SIZE(t); i++) {
		p = NULL;
		/* splice "extends": "sh" into each */
		snprintf(json, sizeof(json), "{\"extends\": \"sh\", %s", t[i].json + 1);
		ok(load(json, &p, &d) < 0 && strstr(d.msg, t[i].want) != NULL,
		    "error %zu: %s", i, p == NULL ? d.msg : "(loaded)");
		sr_policy_free(p);
	}
}

int
main(void)
{
	const char *src = getenv("SANDRUN_SRCDIR");
	char pol[PATH_MAX];

	TAP_PLAN(4 + 7 + 2 + 7 + 6 + 8 + 4);
	snprintf(pol, sizeof(pol), "%s/policies", src ? src : ".");
	setenv("SANDRUN_POLICY_PATH", pol, 1);
	snprintf(dir, sizeof(dir), "%s", "/tmp/sr-test-session-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	names();
	defaults();
	section();
	errors();
	ok(strcmp(sr_session_freeze_name(SR_FREEZE_CGROUP2), "cgroup2") == 0, "cgroup2");
	ok(strcmp(sr_session_freeze_name(SR_FREEZE_CGROUP1), "cgroup1") == 0, "cgroup1");
	ok(strcmp(sr_session_freeze_name(SR_FREEZE_SIGSTOP), "sigstop") == 0, "sigstop");
	ok(strcmp(sr_session_freeze_name(SR_FREEZE_NONE), "none") == 0, "none");
	rmdir(dir);
	return tap_done();
}
