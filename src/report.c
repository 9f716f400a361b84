/* report.c - struct sr_result as JSON (sandrun.result/1), as the one-line
 * verbose summary, and as compact text for a model.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"
#include "util.h"

#define DOT " \xc2\xb7 "	/* " · " */

/* ---- names ------------------------------------------------------------ */

const char *
sr_status_name(enum sr_status s)
{
	static const char *const n[] = {
		[SR_STATUS_OK] = "ok",
		[SR_STATUS_EXIT_NONZERO] = "exit_nonzero",
		[SR_STATUS_SIGNAL] = "signal",
		[SR_STATUS_TIMEOUT] = "timeout",
		[SR_STATUS_MEMORY_LIMIT] = "memory_limit",
		[SR_STATUS_OUTPUT_LIMIT] = "output_limit",
		[SR_STATUS_PROCESS_LIMIT] = "process_limit",
		[SR_STATUS_FILE_SIZE_LIMIT] = "file_size_limit",
		[SR_STATUS_ERROR] = "error",
	};

	if ((unsigned)s >= SR_ARRAY_SIZE(n) || n[s] == NULL)
		return "error";
	return n[s];
}

const char *
sr_limit_hit_name(enum sr_limit_hit h)
{
	static const char *const n[] = {
		[SR_HIT_NONE] = NULL,
		[SR_HIT_WALL_TIME] = "wall_time",
		[SR_HIT_CPU_TIME] = "cpu_time",
		[SR_HIT_MEMORY] = "memory",
		[SR_HIT_PROCESSES] = "processes",
		[SR_HIT_FILE_SIZE] = "file_size",
		[SR_HIT_OUTPUT] = "output",
	};

	if ((unsigned)h >= SR_ARRAY_SIZE(n))
		return NULL;
	return n[h];
}

const char *
sr_mech_name(enum sr_mech m)
{
	static const char *const n[] = {
		[SR_MECH_NONE] = "none",
		[SR_MECH_CGROUP2] = "cgroup2",
		[SR_MECH_CGROUP1] = "cgroup1",
		[SR_MECH_RLIMIT] = "rlimit",
		[SR_MECH_SUPERVISOR] = "supervisor",
		[SR_MECH_TMPFS] = "tmpfs",
	};

	if ((unsigned)m >= SR_ARRAY_SIZE(n))
		return "none";
	return n[m];
}

const char *
sr_limit_name(enum sr_limit_id id)
{
	static const char *const n[SR_LIM_COUNT] = {
		[SR_LIM_WALL] = "wall_time",
		[SR_LIM_CPU] = "cpu_time",
		[SR_LIM_MEMORY] = "memory",
		[SR_LIM_PROCESSES] = "processes",
		[SR_LIM_OPEN_FILES] = "open_files",
		[SR_LIM_FILE_SIZE] = "file_size",
		[SR_LIM_OUTPUT] = "output",
		[SR_LIM_TMPFS_TMP] = "tmpfs_tmp",
		[SR_LIM_TMPFS_WORK] = "tmpfs_work",
		[SR_LIM_TMPFS_SHM] = "tmpfs_shm",
	};

	if ((unsigned)id >= SR_LIM_COUNT)
		return NULL;
	return n[id];
}

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
	default:
		return "bytes";
	}
}

const char *
sr_signal_name(int sig)
{
	static const char *const n[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP",
		[SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
		[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",
		[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
		[SIGTERM] = "SIGTERM",
#ifdef SIGSTKFLT
		[SIGSTKFLT] = "SIGSTKFLT",
#endif
		[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
		[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
		[SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",
#ifdef SIGPWR
		[SIGPWR] = "SIGPWR",
#endif
		[SIGSYS] = "SIGSYS",
	};
	/* Relative to the C library's SIGRTMIN, as kill -l and Python name
	 * them; glibc keeps the first two kernel RT signals for itself. */
	static const char *const rt[] = { "SIGRTMIN-2", "SIGRTMIN-1",
		"SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3",
		"SIGRTMIN+4", "SIGRTMIN+5", "SIGRTMIN+6", "SIGRTMIN+7",
		"SIGRTMIN+8", "SIGRTMIN+9", "SIGRTMIN+10", "SIGRTMIN+11",
		"SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15",
		"SIGRTMIN+16", "SIGRTMIN+17", "SIGRTMIN+18", "SIGRTMIN+19",
		"SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23",
		"SIGRTMIN+24", "SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27",
		"SIGRTMIN+28", "SIGRTMIN+29", "SIGRTMIN+30", "SIGRTMIN+31",
		"SIGRTMIN+32" };
	int off;

	if (sig > 0 && (size_t)sig < SR_ARRAY_SIZE(n) && n[sig] != NULL)
		return n[sig];
	if (sig < SIGRTMIN - 2 || sig > SIGRTMAX)
		return NULL;
	off = sig - SIGRTMIN + 2;
	if (off < 0 || (size_t)off >= SR_ARRAY_SIZE(rt))
		return NULL;
	return rt[off];
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

/* Where the peak memory figure came from. */
static const char *
memory_source(enum sr_mech m)
{
	switch (m) {
	case SR_MECH_CGROUP2:
	case SR_MECH_CGROUP1:
	case SR_MECH_SUPERVISOR:
		return sr_mech_name(m);
	default:
		return "rusage";
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

char *
sr_report_json(const struct sr_result *r, const struct sr_policy *policy)
{
	cJSON *o = cJSON_CreateObject(), *t;
	const char *sig;
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
	    memory_source(r->memory_peak_source));
	cJSON_AddBoolToObject(o, "oom_killed", r->oom_killed);
	cJSON_AddBoolToObject(o, "alloc_failed", r->alloc_failed);

	cJSON_AddItemToObject(o, "limits", limits_json(r));
	cJSON_AddItemToObject(o, "isolation", isolation_json(&r->iso));
	cJSON_AddItemToObject(o, "files", files_json(r));
	cJSON_AddItemToObject(o, "skipped", skipped_json(r));
	cJSON_AddItemToObject(o, "denied", denied_json(r));
	cJSON_AddBoolToObject(o, "denied_observable", r->denied_observable);
	cJSON_AddBoolToObject(o, "warm", r->warm);
	if (policy != NULL) {
		t = cJSON_AddObjectToObject(o, "policy");
		add_str(t, "name", policy->name);
		add_str(t, "path", policy->path);
		add_str(t, "sha256", policy->sha256[0] ? policy->sha256 : NULL);
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

/* ---- text forms --------------------------------------------------------- */

/* "0.41 s": milliseconds as seconds with two decimals, rounded. */
static void
fmt_secs(uint64_t ms, char *buf, size_t len)
{
	uint64_t cs = ms / 10 + (ms % 10 >= 5);

	snprintf(buf, len, "%" PRIu64 ".%02" PRIu64 " s", cs / 100, cs % 100);
}

static void
fmt_limit(const struct sr_result *r, enum sr_limit_id id, char *buf,
    size_t len)
{
	uint64_t v = r->limits[id].value;

	if (id == SR_LIM_WALL || id == SR_LIM_CPU)
		sr_fmt_duration(v, buf, len);
	else if (id == SR_LIM_PROCESSES || id == SR_LIM_OPEN_FILES)
		snprintf(buf, len, "%" PRIu64, v);
	else
		sr_fmt_size(v, buf, len);
}

/* The status word, optionally with the limit value: "exit 0",
 * "signal SIGKILL", "timeout (wall 1 s)", "memory limit (512 MiB)". */
static void
status_word(const struct sr_result *r, bool detail, char *buf, size_t len)
{
	char v[48];
	const char *what = NULL, *sig;
	enum sr_limit_id id = SR_LIM_COUNT;

	switch (r->status) {
	case SR_STATUS_OK:
	case SR_STATUS_EXIT_NONZERO:
		if (r->exited)
			snprintf(buf, len, "exit %d", r->exit_code);
		else
			snprintf(buf, len, "%s", sr_status_name(r->status));
		return;
	case SR_STATUS_SIGNAL:
		sig = sr_signal_name(r->signal);
		if (sig != NULL)
			snprintf(buf, len, "signal %s", sig);
		else
			snprintf(buf, len, "signal %d", r->signal);
		return;
	case SR_STATUS_TIMEOUT:
		id = r->limit_hit == SR_HIT_CPU_TIME ? SR_LIM_CPU : SR_LIM_WALL;
		what = "timeout";
		if (detail && r->limits[id].value != SR_UNLIMITED) {
			fmt_limit(r, id, v, sizeof(v));
			snprintf(buf, len, "timeout (%s %s)",
			    id == SR_LIM_CPU ? "cpu" : "wall", v);
			return;
		}
		break;
	case SR_STATUS_MEMORY_LIMIT:
		what = "memory limit";
		id = SR_LIM_MEMORY;
		break;
	case SR_STATUS_OUTPUT_LIMIT:
		what = "output limit";
		id = SR_LIM_OUTPUT;
		break;
	case SR_STATUS_PROCESS_LIMIT:
		what = "process limit";
		id = SR_LIM_PROCESSES;
		break;
	case SR_STATUS_FILE_SIZE_LIMIT:
		what = "file size limit";
		id = SR_LIM_FILE_SIZE;
		break;
	default:
		what = "error";
		break;
	}
	if (detail && id < SR_LIM_COUNT && r->limits[id].value != SR_UNLIMITED) {
		fmt_limit(r, id, v, sizeof(v));
		snprintf(buf, len, "%s (%s)", what, v);
	} else
		snprintf(buf, len, "%s", what);
}

char *
sr_report_summary(const struct sr_result *r)
{
	char st[96], wall[32], cpu[32], peak[32];
	char *s;

	status_word(r, true, st, sizeof(st));
	fmt_secs(r->wall_ms, wall, sizeof(wall));
	fmt_secs(r->cpu_user_ms + r->cpu_sys_ms, cpu, sizeof(cpu));
	sr_fmt_size(r->memory_peak, peak, sizeof(peak));
	sr_xasprintf(&s, "%s" DOT "%s wall" DOT "%s cpu" DOT "%s peak" DOT "%s",
	    st, wall, cpu, peak, memory_source(r->memory_peak_source));
	return s;
}

char *
sr_report_limit_line(const struct sr_result *r)
{
	static const struct {
		enum sr_limit_hit hit;
		enum sr_limit_id id;
		const char *name, *tail;
	} t[] = {
		{ SR_HIT_WALL_TIME, SR_LIM_WALL, "wall time limit", " exceeded" },
		{ SR_HIT_CPU_TIME, SR_LIM_CPU, "cpu time limit", " exceeded" },
		{ SR_HIT_MEMORY, SR_LIM_MEMORY, "memory limit", " exceeded" },
		{ SR_HIT_PROCESSES, SR_LIM_PROCESSES, "process limit", " reached" },
		{ SR_HIT_FILE_SIZE, SR_LIM_FILE_SIZE, "file size limit", " exceeded" },
		{ SR_HIT_OUTPUT, SR_LIM_OUTPUT, "output limit", " exceeded" },
	};
	char v[48];
	char *s;
	size_t i;

	for (i = 0; i < SR_ARRAY_SIZE(t); i++) {
		if (t[i].hit != r->limit_hit)
			continue;
		if (r->limits[t[i].id].value == SR_UNLIMITED) {
			sr_xasprintf(&s, "%s%s", t[i].name, t[i].tail);
			return s;
		}
		fmt_limit(r, t[i].id, v, sizeof(v));
		sr_xasprintf(&s, "%s (%s%s)%s", t[i].name, v,
		    t[i].id == SR_LIM_OUTPUT ? " per stream" : "", t[i].tail);
		return s;
	}
	return NULL;
}

/* Write valid UTF-8 text so no terminal control reaches the reader:
 * C0 controls but \n and \t as ^X, DEL as ^?, C1 controls as M-^X (as
 * cat -v does), bidirectional overrides as <U+XXXX>. */
static void
put_safe(FILE *f, const char *s, size_t len)
{
	_cleanup_free_ char *u = NULL;
	const unsigned char *p;
	size_t ulen, rep, i, run;

	u = sr_utf8_sanitize(s ? s : "", s ? len : 0, &ulen, &rep);
	p = (const unsigned char *)u;
	for (i = 0; i < ulen; i = run) {
		run = i;
		while (run < ulen && (p[run] >= 0x20 || p[run] == '\n' ||
		    p[run] == '\t') && p[run] != 0x7f && p[run] != 0xc2 &&
		    p[run] != 0xe2)
			run++;
		if (run > i) {
			fwrite(p + i, 1, run - i, f);
			continue;
		}
		if (p[i] < 0x20) {
			fprintf(f, "^%c", p[i] + 0x40);
		} else if (p[i] == 0x7f) {
			fputs("^?", f);
		} else if (p[i] == 0xc2 && i + 1 < ulen && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			fprintf(f, "M-^%c", p[i + 1] - 0x80 + 0x40);
			run++;
		} else if (p[i] == 0xe2 && i + 2 < ulen && ((p[i + 1] == 0x80 &&
		    p[i + 2] >= 0xaa && p[i + 2] <= 0xae) || (p[i + 1] == 0x81 &&
		    p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9))) {
			fprintf(f, "<U+%04X>", ((p[i] & 0x0fu) << 12) |
			    ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu));
			run += 2;
		} else {
			fputc(p[i], f);
		}
		run++;
	}
}

static void
put_stream(FILE *f, const struct sr_capture *c)
{
	_cleanup_free_ char *text = NULL;
	size_t len, rep;

	text = sr_capture_text(c, &len, &rep);
	if (len == 0)
		return;
	put_safe(f, text, len);
	if (text[len - 1] != '\n')
		fputc('\n', f);
}

int
sr_report_tool(FILE *f, const struct sr_result *r)
{
	char st[96], wall[32], peak[32], size[32];
	size_t i;

	put_stream(f, &r->out);
	put_stream(f, &r->err);
	if (r->status == SR_STATUS_ERROR && r->diag.msg[0] != '\0') {
		fputs("sandrun: ", f);
		put_safe(f, r->diag.msg, strnlen(r->diag.msg, sizeof(r->diag.msg)));
		fputc('\n', f);
	}
	status_word(r, false, st, sizeof(st));
	fmt_secs(r->wall_ms, wall, sizeof(wall));
	sr_fmt_size(r->memory_peak, peak, sizeof(peak));
	fprintf(f, "[%s", st);
	if (r->pyerror != NULL && r->pyerror->name != NULL) {
		fputs(DOT, f);
		put_safe(f, r->pyerror->name, strlen(r->pyerror->name));
	}
	fprintf(f, DOT "%s" DOT "%s]\n", wall, peak);
	for (i = 0; i < r->n_files; i++) {
		const struct sr_file *sf = &r->files[i];

		fputs("file: ", f);
		put_safe(f, sf->path, sf->path ? strlen(sf->path) : 0);
		sr_fmt_size(sf->size, size, sizeof(size));
		fputs(" (", f);
		put_safe(f, sf->mime ? sf->mime : "application/octet-stream",
		    strlen(sf->mime ? sf->mime : "application/octet-stream"));
		fprintf(f, ", %s)\n", size);
	}
	for (i = 0; i < r->n_skipped; i++) {
		fputs("skipped: ", f);
		put_safe(f, r->skipped[i].path, r->skipped[i].path ?
		    strlen(r->skipped[i].path) : 0);
		if (r->skipped[i].reason != NULL) {
			fputs(" (", f);
			put_safe(f, r->skipped[i].reason,
			    strlen(r->skipped[i].reason));
			fputc(')', f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

void
sr_result_free(struct sr_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	sr_capture_free(&r->out);
	sr_capture_free(&r->err);
	for (i = 0; i < r->n_files; i++) {
		free(r->files[i].path);
		free(r->files[i].content);
	}
	free(r->files);
	r->files = NULL;
	r->n_files = 0;
	for (i = 0; i < r->n_skipped; i++) {
		free(r->skipped[i].path);
		free(r->skipped[i].reason);
	}
	free(r->skipped);
	r->skipped = NULL;
	r->n_skipped = 0;
	free(r->denied);
	r->denied = NULL;
	r->n_denied = 0;
	if (r->pyerror != NULL) {
		free(r->pyerror->name);
		free(r->pyerror->value);
		free(r->pyerror->traceback);
		free(r->pyerror);
		r->pyerror = NULL;
	}
}
