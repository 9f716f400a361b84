/* report_json.c - struct sr_result as JSON (sandrun.result/1).
 *
 * Every string that can carry bytes from the sandboxed program (streams,
 * file names and contents, tracebacks, diagnostics quoting paths) goes
 * through sr_report_json_escape(): strict UTF-8 sanitizing, then our own
 * escaper, spliced in with cJSON_CreateRaw.  cJSON_CreateString would stop
 * at an embedded NUL and copy invalid UTF-8 through.  Integers are spliced
 * the same way so uint64 values print exactly (no double rounding).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"
#include "report_int.h"
#include "serve_proto.h"
#include "utf8.h"
#include "util.h"

/* Unit of a limit's value: durations in ms, sizes in bytes, else counts. */
static const char *
limit_unit(enum sr_limit_id id)
{
	switch (id) {
	case SR_LIM_WALL:
	case SR_LIM_CPU:
		return "ms";
	case SR_LIM_PROCESSES:
	case SR_LIM_OPEN_FILES:
		return "count";
	case SR_LIM_CPUS:
		return "millicpus";
	default:
		return "bytes";
	}
}

static const char *
diag_kind_name(int kind)
{
	switch (kind) {
	case SR_DIAG_USAGE:
		return "usage";
	case SR_DIAG_EXEC_NOENT:
		return "not_found";
	case SR_DIAG_EXEC_FAIL:
		return "not_executable";
	default:
		return "setup";
	}
}

/* ---- growable buffer ---------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sb_put(struct sbuf *b, const void *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t c = b->cap ? b->cap : 64;

		while (c - b->len < n + 1)
			c *= 2;
		b->p = sr_xrealloc(b->p, c);
		b->cap = c;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* ---- JSON escaping ------------------------------------------------------ */

char *
sr_report_json_escape(const char *s, size_t len, size_t *replaced)
{
	static const char hex[] = "0123456789abcdef";
	_cleanup_free_ char *u = NULL;
	const unsigned char *p;
	struct sbuf b = { 0 };
	size_t ulen, rep, i;
	char esc[7];

	u = sr_utf8_sanitize(s ? s : "", s ? len : 0, &ulen, &rep);
	p = (const unsigned char *)u;
	sb_put(&b, "\"", 1);
	for (i = 0; i < ulen; i++) {
		unsigned c = p[i];
		size_t run = i;

		/* Copy the longest run that needs no escape in one go. */
		while (run < ulen && p[run] >= 0x20 && p[run] != '"' &&
		    p[run] != '\\' && p[run] != 0x7f && p[run] != 0xe2 &&
		    p[run] != 0xc2)
			run++;
		if (run > i) {
			sb_put(&b, p + i, run - i);
			i = run - 1;
			continue;
		}
		switch (c) {
		case '"': sb_put(&b, "\\\"", 2); continue;
		case '\\': sb_put(&b, "\\\\", 2); continue;
		case '\n': sb_put(&b, "\\n", 2); continue;
		case '\t': sb_put(&b, "\\t", 2); continue;
		case '\r': sb_put(&b, "\\r", 2); continue;
		case '\b': sb_put(&b, "\\b", 2); continue;
		case '\f': sb_put(&b, "\\f", 2); continue;
		default: break;
		}
		if (c == 0xe2 && i + 2 < ulen && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			/* U+2028/U+2029: valid JSON, but not JavaScript. */
			sb_puts(&b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			i += 2;
			continue;
		}
		if (c == 0xc2 && i + 1 < ulen && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			/* C1 controls (U+0080-U+009F, e.g. CSI U+009B). */
			c = p[++i];
		} else if (c >= 0x20 && c != 0x7f) {
			sb_put(&b, p + i, 1);	/* a lone 0xc2/0xe2 lead */
			continue;
		}
		/* Controls < 0x20 (NUL included), DEL and C1 as \u00XX. */
		memcpy(esc, "\\u00", 4);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		sb_put(&b, esc, 6);
	}
	sb_put(&b, "\"", 1);
	if (replaced != NULL)
		*replaced = rep;
	return b.p;
}

static void
add_raw(cJSON *o, const char *key, const char *raw)
{
	cJSON_AddItemToObject(o, key, cJSON_CreateRaw(raw));
}

static cJSON *
str_item(const char *s, size_t len, size_t *replaced)
{
	_cleanup_free_ char *e = sr_report_json_escape(s, len, replaced);

	return cJSON_CreateRaw(e);
}

/* Add s (NULL: null) as a sanitized, escaped string. */
static void
add_str(cJSON *o, const char *key, const char *s)
{
	if (s == NULL)
		cJSON_AddItemToObject(o, key, cJSON_CreateNull());
	else
		cJSON_AddItemToObject(o, key, str_item(s, strlen(s), NULL));
}

static cJSON *
u64_item(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cJSON_CreateRaw(buf);
}

static void
add_u64(cJSON *o, const char *key, uint64_t v)
{
	cJSON_AddItemToObject(o, key, u64_item(v));
}

/* SR_UNLIMITED becomes null. */
static void
add_limit_value(cJSON *o, const char *key, uint64_t v)
{
	if (v == SR_UNLIMITED)
		cJSON_AddItemToObject(o, key, cJSON_CreateNull());
	else
		add_u64(o, key, v);
}

static void
add_int(cJSON *o, const char *key, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	add_raw(o, key, buf);
}

static cJSON *
stream_json(const struct sr_capture *c)
{
	_cleanup_free_ char *text = NULL;
	cJSON *o = cJSON_CreateObject();
	size_t len, rep;

	text = sr_capture_text(c, &len, &rep);
	cJSON_AddItemToObject(o, "text", str_item(text, len, NULL));
	add_u64(o, "bytes", c->total);
	cJSON_AddBoolToObject(o, "truncated", sr_capture_truncated(c));
	add_u64(o, "omitted_bytes", sr_capture_omitted(c));
	add_u64(o, "invalid_utf8", rep);
	return o;
}

static cJSON *
limits_json(const struct sr_result *r)
{
	cJSON *o = cJSON_CreateObject(), *l;
	int i;

	for (i = 0; i < SR_LIM_COUNT; i++) {
		const struct sr_limit_report *lr = &r->limits[i];
		bool applied = lr->mech != SR_MECH_NONE;

		l = cJSON_CreateObject();
		/* Never claim a limit that was not applied: value is what is
		 * enforced (null: nothing), requested what the policy asked. */
		add_limit_value(l, "value", applied ? lr->value : SR_UNLIMITED);
		add_limit_value(l, "requested", lr->value);
		cJSON_AddStringToObject(l, "unit", limit_unit(i));
		cJSON_AddStringToObject(l, "mechanism", sr_mech_name(lr->mech));
		cJSON_AddItemToObject(o, sr_limit_name(i), l);
	}
	return o;
}

static cJSON *
isolation_json(const struct sr_isolation *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "user_ns", s->user_ns);
	cJSON_AddBoolToObject(o, "mount_ns", s->mount_ns);
	cJSON_AddBoolToObject(o, "pid_ns", s->pid_ns);
	cJSON_AddBoolToObject(o, "net_ns", s->net_ns);
	cJSON_AddBoolToObject(o, "ipc_ns", s->ipc_ns);
	cJSON_AddBoolToObject(o, "uts_ns", s->uts_ns);
	cJSON_AddBoolToObject(o, "cgroup_ns", s->cgroup_ns);
	cJSON_AddBoolToObject(o, "seccomp", s->seccomp);
	cJSON_AddBoolToObject(o, "no_new_privs", s->no_new_privs);
	cJSON_AddBoolToObject(o, "landlock", s->landlock);
	cJSON_AddBoolToObject(o, "cgroup", s->cgroup);
	cJSON_AddBoolToObject(o, "caps_dropped", s->caps_dropped);
	if (s->host_uid == SR_HOST_UID_NONE)
		cJSON_AddNullToObject(o, "host_uid");
	else
		cJSON_AddStringToObject(o, "host_uid",
		    s->host_uid == SR_HOST_UID_CALLER ? "caller" :
		    s->host_uid == SR_HOST_UID_NOBODY ? "nobody" : "subordinate");
	return o;
}

static cJSON *
files_json(const struct sr_result *r)
{
	cJSON *a = cJSON_CreateArray(), *f;
	size_t i, rep;

	for (i = 0; i < r->n_files; i++) {
		const struct sr_file *sf = &r->files[i];

		f = cJSON_CreateObject();
		add_str(f, "path", sf->path);
		add_u64(f, "size", sf->size);
		add_str(f, "sha256", sf->sha256[0] ? sf->sha256 : NULL);
		add_str(f, "mime", sf->mime);
		if (sf->content != NULL) {
			cJSON_AddItemToObject(f, "content",
			    str_item(sf->content, sf->content_len, &rep));
			cJSON_AddStringToObject(f, "encoding",
			    sf->base64 ? "base64" : "utf-8");
			if (!sf->base64)
				add_u64(f, "invalid_utf8", rep);
		}
		cJSON_AddItemToArray(a, f);
	}
	return a;
}

static cJSON *
skipped_json(const struct sr_result *r)
{
	cJSON *a = cJSON_CreateArray(), *s;
	size_t i;

	for (i = 0; i < r->n_skipped; i++) {
		s = cJSON_CreateObject();
		add_str(s, "path", r->skipped[i].path);
		add_str(s, "reason", r->skipped[i].reason);
		cJSON_AddItemToArray(a, s);
	}
	return a;
}

static cJSON *
denied_json(const struct sr_result *r)
{
	cJSON *a = cJSON_CreateArray(), *d;
	size_t i;

	for (i = 0; i < r->n_denied; i++) {
		const struct sr_denied *sd = &r->denied[i];

		d = cJSON_CreateObject();
		cJSON_AddItemToObject(d, "syscall", str_item(sd->name,
		    strnlen(sd->name, sizeof(sd->name)), NULL));
		add_u64(d, "count", sd->count);
		cJSON_AddItemToArray(a, d);
	}
	return a;
}

static cJSON *
error_json(const struct sr_result *r)
{
	cJSON *o;

	if (r->status == SR_STATUS_ERROR) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "message", str_item(r->diag.msg,
		    strnlen(r->diag.msg, sizeof(r->diag.msg)), NULL));
		cJSON_AddStringToObject(o, "kind", diag_kind_name(r->diag.kind));
		return o;
	}
	if (r->pyerror != NULL) {
		o = cJSON_CreateObject();
		add_str(o, "name", r->pyerror->name);
		add_str(o, "value", r->pyerror->value);
		add_str(o, "traceback", r->pyerror->traceback);
		return o;
	}
	return cJSON_CreateNull();
}

static void *
json_alloc(size_t n)
{
	return sr_xmalloc(n);
}

/* The one cJSON_InitHooks of the program: cJSON's allocations fail the
 * way ours do (sr_util_on_oom), so no cJSON call ever returns NULL for
 * want of memory. */
void
sr_report_init(void)
{
	cJSON_Hooks h = { .malloc_fn = json_alloc, .free_fn = free };

	cJSON_InitHooks(&h);
}

/* "session": the call in its session, and the session's own limits,
 * each with the mechanism that holds it (session.h). */
static cJSON *
session_json(const struct sr_result *r)
{
	static const char *const keys[] = { "lifetime", "idle", "calls" };
	const uint64_t v[] = { r->session.lifetime_ms, r->session.idle_ms,
		r->session.max_calls };
	cJSON *t = cJSON_CreateObject(), *l, *e;

	cJSON_AddStringToObject(t, "name", r->session.name);
	add_u64(t, "call", r->session.call);
	cJSON_AddBoolToObject(t, "restarted", r->session.restarted);
	cJSON_AddBoolToObject(t, "lost", r->session.lost);
	add_int(t, "expires_in_s", (long long)r->session.expires_in_s);
	l = cJSON_AddObjectToObject(t, "limits");
	for (size_t i = 0; i < 3; i++) {
		e = cJSON_AddObjectToObject(l, keys[i]);
		add_limit_value(e, "value", v[i]);
		cJSON_AddStringToObject(e, "unit", i < 2 ? "ms" : "count");
		cJSON_AddStringToObject(e, "mechanism", "session");
	}
	e = cJSON_AddObjectToObject(t, "sleep");
	add_str(e, "mechanism", r->session.sleep);
	if (r->session.slept < 0)
		cJSON_AddNullToObject(e, "observed");
	else
		cJSON_AddBoolToObject(e, "observed", r->session.slept > 0);
	return t;
}

char *
sr_report_json(const struct sr_result *r, const struct sr_policy *policy)
{
	cJSON *o = cJSON_CreateObject(), *t;
	const char *sig, *h;
	char *s, *out;
	size_t n;

	cJSON_AddStringToObject(o, "schema", SR_RESULT_SCHEMA);
	cJSON_AddStringToObject(o, "status", sr_status_name(r->status));
	add_str(o, "limit_hit", sr_limit_hit_name(r->limit_hit));
	if (r->exited)
		add_int(o, "exit_code", r->exit_code);
	else
		cJSON_AddNullToObject(o, "exit_code");
	sig = r->signal > 0 ? sr_signal_name(r->signal) : NULL;
	add_str(o, "signal", sig);
	if (r->signal > 0)
		add_int(o, "signal_number", r->signal);
	else
		cJSON_AddNullToObject(o, "signal_number");
	add_int(o, "exit_status", r->exit_status);
	cJSON_AddItemToObject(o, "error", error_json(r));
	cJSON_AddItemToObject(o, "stdout", stream_json(&r->out));
	cJSON_AddItemToObject(o, "stderr", stream_json(&r->err));

	t = cJSON_AddObjectToObject(o, "time");
	add_u64(t, "wall_ms", r->wall_ms);
	add_u64(t, "cpu_user_ms", r->cpu_user_ms);
	add_u64(t, "cpu_sys_ms", r->cpu_sys_ms);

	t = cJSON_AddObjectToObject(o, "memory");
	add_u64(t, "peak_bytes", r->memory_peak);
	cJSON_AddStringToObject(t, "source",
	    sr_report_memory_source(r->memory_peak_source));
	cJSON_AddBoolToObject(o, "oom_killed", r->oom_killed);
	cJSON_AddBoolToObject(o, "alloc_failed", r->alloc_failed);

	cJSON_AddItemToObject(o, "limits", limits_json(r));
	cJSON_AddItemToObject(o, "isolation", isolation_json(&r->iso));
	cJSON_AddItemToObject(o, "files", files_json(r));
	cJSON_AddItemToObject(o, "skipped", skipped_json(r));
	cJSON_AddItemToObject(o, "denied", denied_json(r));
	cJSON_AddBoolToObject(o, "denied_observable", r->denied_observable);
	cJSON_AddBoolToObject(o, "warm", r->warm);
	if (r->session.present)
		cJSON_AddItemToObject(o, "session", session_json(r));
	else
		cJSON_AddNullToObject(o, "session");
	add_str(o, "value", r->value);
	add_str(o, "value_png", r->value_png);
	if (policy != NULL) {
		t = cJSON_AddObjectToObject(o, "policy");
		add_str(t, "name", policy->name);
		add_str(t, "path", policy->path);
		h = sr_policy_sha256(policy);
		add_str(t, "sha256", h[0] ? h : NULL);
	} else
		cJSON_AddNullToObject(o, "policy");

	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return sr_xstrdup("{\"schema\":\"" SR_RESULT_SCHEMA "\","
		    "\"status\":\"error\",\"error\":{\"message\":"
		    "\"out of memory while printing the result\","
		    "\"kind\":\"setup\"}}\n");
	n = strlen(s);
	out = sr_xmalloc(n + 2);
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	cJSON_free(s);
	return out;
}

char *
sr_report_serve_status(const char *path, const struct sr_serve_stats *st,
    const struct sr_serve_pool_stats *p)
{
	cJSON *o = cJSON_CreateObject(), *a, *e;
	char *s;
	uint32_t i;

	cJSON_AddStringToObject(o, "socket", path);
	cJSON_AddNumberToObject(o, "pid", (double)st->pid);
	cJSON_AddNumberToObject(o, "protocol", SR_SERVE_PROTOCOL);
	cJSON_AddNumberToObject(o, "uptime_ms", (double)st->uptime_ms);
	cJSON_AddNumberToObject(o, "in_flight", st->in_flight);
	cJSON_AddNumberToObject(o, "max_calls", st->max_calls);
	cJSON_AddBoolToObject(o, "warm_available",
	    (st->features & SR_SERVE_F_WARM) != 0);
	a = cJSON_AddArrayToObject(o, "pools");
	for (i = 0; i < st->n_pools; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "policy", p[i].policy);
		cJSON_AddNumberToObject(e, "size", p[i].size);
		cJSON_AddNumberToObject(e, "ready", p[i].ready);
		cJSON_AddNumberToObject(e, "served", (double)p[i].served);
		cJSON_AddNumberToObject(e, "warm", (double)p[i].warm);
		cJSON_AddNumberToObject(e, "cold_fallbacks", (double)p[i].cold);
		if (p[i].memory_per_ready < 0)
			cJSON_AddNullToObject(e, "memory_per_ready_bytes");
		else
			cJSON_AddNumberToObject(e, "memory_per_ready_bytes",
			    (double)p[i].memory_per_ready);
		if (p[i].refill_us == 0)
			cJSON_AddNullToObject(e, "refill_ms");
		else
			cJSON_AddNumberToObject(e, "refill_ms",
			    (double)(p[i].refill_us / 100) / 10);
		cJSON_AddItemToArray(a, e);
	}
	cJSON_AddNumberToObject(o, "unpooled_served", (double)st->unpooled_served);
	cJSON_AddNumberToObject(o, "declined", (double)st->declined);
	cJSON_AddNumberToObject(o, "refused", (double)st->refused);
	cJSON_AddNumberToObject(o, "bad_requests", (double)st->bad_requests);
	s = cJSON_PrintUnformatted(o);	/* one line, as the result */
	cJSON_Delete(o);
	return s;
}
