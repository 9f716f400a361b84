/* test_report.c - JSON result object, summary, limit and tool lines.
 *
 * Every JSON text is re-parsed with cJSON (require_null_terminated) and
 * checked byte by byte: one line, no raw control byte, valid UTF-8.  With
 * SR_REPORT_SAMPLES=DIR the objects are also written to DIR/NAME.json so a
 * shell test can run them through jq or another strict parser. */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "capture.h"
#include "report.h"
#include "utf8.h"
#include "tap.h"
#include "util.h"

#define DOT " \xc2\xb7 "
#define R "\xef\xbf\xbd"

static const char *const top_keys[] = { "schema", "status", "limit_hit",
	"exit_code", "signal", "signal_number", "exit_status", "error",
	"stdout", "stderr", "time", "memory", "oom_killed", "alloc_failed",
	"limits", "isolation", "files", "skipped", "denied",
	"denied_observable", "warm", "session", "value", "value_png", "policy" };

static void
base(struct sr_result *r, uint64_t cap)
{
	int i;

	memset(r, 0, sizeof(*r));
	sr_capture_init(&r->out, cap);
	sr_capture_init(&r->err, cap);
	r->exited = true;
	r->wall_ms = 410;
	r->cpu_user_ms = 300;
	r->cpu_sys_ms = 50;
	r->memory_peak = 58ull << 20;
	r->memory_peak_source = SR_MECH_CGROUP2;
	for (i = 0; i < SR_LIM_COUNT; i++) {
		r->limits[i].value = SR_UNLIMITED;
		r->limits[i].mech = SR_MECH_NONE;
	}
	r->limits[SR_LIM_WALL] = (struct sr_limit_report){ 1000, SR_MECH_SUPERVISOR };
	r->limits[SR_LIM_CPU] = (struct sr_limit_report){ 10000, SR_MECH_RLIMIT };
	r->limits[SR_LIM_MEMORY] = (struct sr_limit_report){ 512ull << 20, SR_MECH_CGROUP2 };
	r->limits[SR_LIM_PROCESSES] = (struct sr_limit_report){ 64, SR_MECH_CGROUP2 };
	r->limits[SR_LIM_FILE_SIZE] = (struct sr_limit_report){ 64ull << 20, SR_MECH_RLIMIT };
	r->limits[SR_LIM_OUTPUT] = (struct sr_limit_report){ 1ull << 20, SR_MECH_SUPERVISOR };
	r->limits[SR_LIM_OPEN_FILES] = (struct sr_limit_report){ 256, SR_MECH_NONE };
	r->iso.user_ns = r->iso.mount_ns = r->iso.pid_ns = r->iso.net_ns = true;
	r->iso.seccomp = r->iso.no_new_privs = true;
	r->iso.host_uid = SR_HOST_UID_SUBORDINATE;
}

static void
save_sample(const char *name, const char *json)
{
	const char *dir = getenv("SR_REPORT_SAMPLES");
	char path[4096];
	FILE *f;

	if (dir == NULL || *dir == '\0')
		return;
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fputs(json, f);
	fclose(f);
}

/* Render, check the text is one strict JSON line, parse it back. */
static cJSON *
render(const char *name, const struct sr_result *r,
    const struct sr_policy *p, char **jsonp)
{
	char *json = sr_report_json(r, p), *u;
	size_t len = strlen(json), i, ulen, rep, bad = 0, nkeys = 0;
	const char *end = NULL;
	cJSON *o, *it;

	save_sample(name, json);
	for (i = 0; i + 1 < len; i++)
		if ((unsigned char)json[i] < 0x20 || json[i] == 0x7f)
			bad++;
	u = sr_utf8_sanitize(json, len, &ulen, &rep);
	free(u);
	ok(len > 2 && json[len - 1] == '\n' && bad == 0 && rep == 0,
	    "%s: one line, no raw controls, valid UTF-8", name);
	o = cJSON_ParseWithOpts(json, &end, 1);
	ok(o != NULL && cJSON_IsObject(o), "%s: strict re-parse", name);
	if (o == NULL) {
		printf("# %s", json);
		o = cJSON_CreateObject();
	}
	for (i = 0; i < SR_ARRAY_SIZE(top_keys); i++)
		if (cJSON_GetObjectItemCaseSensitive(o, top_keys[i]) != NULL)
			nkeys++;
	i = 0;
	cJSON_ArrayForEach(it, o)
		i++;
	ok(nkeys == SR_ARRAY_SIZE(top_keys) && i == nkeys,
	    "%s: exactly the %zu documented top-level keys (%zu, %zu)", name,
	    SR_ARRAY_SIZE(top_keys), nkeys, i);
	if (jsonp != NULL)
		*jsonp = json;
	else
		free(json);
	return o;
}

static const char *
jstr(const cJSON *o, const char *path)
{
	char buf[128], *k, *save = NULL;
	const cJSON *it = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && it; k = strtok_r(NULL, ".", &save))
		it = cJSON_GetObjectItemCaseSensitive(it, k);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static const cJSON *
jget(const cJSON *o, const char *path)
{
	char buf[128], *k, *save = NULL;
	const cJSON *it = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && it; k = strtok_r(NULL, ".", &save))
		it = cJSON_GetObjectItemCaseSensitive(it, k);
	return it;
}

static int
jnum_is(const cJSON *o, const char *path, double want)
{
	const cJSON *it = jget(o, path);

	return cJSON_IsNumber(it) && it->valuedouble == want;
}

static int
jnull(const cJSON *o, const char *path)
{
	return cJSON_IsNull(jget(o, path));
}

static char *
tool_text(const struct sr_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sr_report_tool(f, r);
	fclose(f);
	return buf;
}

static void
check_str(char *got, const char *want, const char *name)
{
	is_str(got, want, name);
	free(got);
}

static void
test_ok(void)
{
	struct sr_result r;
	struct sr_policy p;
	cJSON *o;

	base(&r, 1024);
	sr_capture_feed(&r.out, "hello\n", 6);
	memset(&p, 0, sizeof(p));
	p.name = (char *)"python";
	p.path = (char *)"/usr/share/sandrun/policies/python.json";
	memset(p.sha256_memo, 'a', 64);
	o = render("ok", &r, &p, NULL);
	is_str(jstr(o, "schema"), "sandrun.result/1", "ok: schema");
	is_str(jstr(o, "status"), "ok", "ok: status");
	ok(jnull(o, "limit_hit") && jnum_is(o, "exit_code", 0) &&
	    jnull(o, "signal") && jnull(o, "signal_number") &&
	    jnull(o, "error") && jnum_is(o, "exit_status", 0),
	    "ok: limit_hit/signal/error null, exit_code 0");
	is_str(jstr(o, "stdout.text"), "hello\n", "ok: stdout.text");
	ok(jnum_is(o, "stdout.bytes", 6) && cJSON_IsFalse(jget(o, "stdout.truncated")) &&
	    jnum_is(o, "stdout.omitted_bytes", 0) && jnum_is(o, "stdout.invalid_utf8", 0) &&
	    jnum_is(o, "stderr.bytes", 0),
	    "ok: stream counts");
	ok(jnum_is(o, "time.wall_ms", 410) && jnum_is(o, "time.cpu_user_ms", 300) &&
	    jnum_is(o, "time.cpu_sys_ms", 50) &&
	    jnum_is(o, "memory.peak_bytes", 58 << 20), "ok: time and memory");
	is_str(jstr(o, "memory.source"), "cgroup2", "ok: memory.source");
	ok(jnum_is(o, "limits.memory.value", 512 << 20) &&
	    jnum_is(o, "limits.wall_time.value", 1000) &&
	    jnull(o, "limits.tmpfs_tmp.value") &&
	    jnull(o, "limits.open_files.value") &&
	    jnum_is(o, "limits.open_files.requested", 256),
	    "ok: limits values (unapplied limit is null, requested kept)");
	is_str(jstr(o, "limits.memory.mechanism"), "cgroup2", "ok: memory mechanism");
	is_str(jstr(o, "limits.open_files.mechanism"), "none", "ok: none mechanism");
	is_str(jstr(o, "limits.wall_time.unit"), "ms", "ok: wall_time unit");
	ok(cJSON_GetArraySize(jget(o, "limits")) == SR_LIM_COUNT,
	    "ok: one key per limit");
	ok(cJSON_IsTrue(jget(o, "isolation.user_ns")) &&
	    cJSON_IsFalse(jget(o, "isolation.landlock")) &&
	    cJSON_GetArraySize(jget(o, "isolation")) == 13,
	    "ok: isolation booleans");
	is_str(jstr(o, "isolation.host_uid"), "subordinate", "ok: host uid");
	ok(cJSON_IsArray(jget(o, "files")) && cJSON_GetArraySize(jget(o, "files")) == 0 &&
	    cJSON_IsArray(jget(o, "denied")) && cJSON_IsArray(jget(o, "skipped")),
	    "ok: empty arrays");
	is_str(jstr(o, "policy.name"), "python", "ok: policy.name");
	ok(jstr(o, "policy.sha256") && strlen(jstr(o, "policy.sha256")) == 64,
	    "ok: policy.sha256");
	cJSON_Delete(o);
	check_str(sr_report_summary(&r),
	    "exit 0" DOT "0.41 s wall" DOT "0.35 s cpu" DOT "58 MiB peak" DOT "cgroup2",
	    "ok: summary");
	ok(sr_report_limit_line(&r) == NULL, "ok: no limit line");
	check_str(tool_text(&r), "hello\n[exit 0" DOT "0.41 s" DOT "58 MiB]\n",
	    "ok: tool text");
	o = render("no_policy", &r, NULL, NULL);
	ok(jnull(o, "policy"), "policy null when not loaded");
	cJSON_Delete(o);
	sr_result_free(&r);
}

static void
test_exit3(void)
{
	struct sr_result r;
	cJSON *o;
	const char tb[] = "Traceback (most recent call last):\n  File \"main.py\", "
	    "line 1, in <module>\nFileNotFoundError: [Errno 2] No such file "
	    "or directory: 'x.csv'\n";

	base(&r, 1024);
	r.status = SR_STATUS_EXIT_NONZERO;
	r.exit_code = 3;
	r.exit_status = 3;
	r.memory_peak_source = SR_MECH_NONE;
	sr_capture_feed(&r.err, tb, sizeof(tb) - 1);
	r.pyerror = calloc(1, sizeof(*r.pyerror));
	r.pyerror->name = strdup("FileNotFoundError");
	r.pyerror->value = strdup("[Errno 2] No such file or directory: 'x.csv'");
	r.pyerror->traceback = strdup(tb);
	o = render("exit3", &r, NULL, NULL);
	is_str(jstr(o, "status"), "exit_nonzero", "exit3: status");
	ok(jnum_is(o, "exit_code", 3) && jnum_is(o, "exit_status", 3),
	    "exit3: exit_code");
	is_str(jstr(o, "error.name"), "FileNotFoundError", "exit3: error.name");
	is_str(jstr(o, "error.traceback"), tb, "exit3: error.traceback");
	is_str(jstr(o, "stderr.text"), tb, "exit3: stderr.text");
	is_str(jstr(o, "memory.source"), "rusage", "exit3: memory.source rusage");
	cJSON_Delete(o);
	check_str(tool_text(&r), "Traceback (most recent call last):\n  File \"main.py\", "
	    "line 1, in <module>\nFileNotFoundError: [Errno 2] No such file "
	    "or directory: 'x.csv'\n[exit 3" DOT "FileNotFoundError" DOT "0.41 s"
	    DOT "58 MiB]\n", "exit3: tool text");
	check_str(sr_report_summary(&r),
	    "exit 3" DOT "0.41 s wall" DOT "0.35 s cpu" DOT "58 MiB peak" DOT "rusage",
	    "exit3: summary");
	sr_result_free(&r);
	ok(r.pyerror == NULL, "sr_result_free clears pyerror");
	sr_result_free(&r);	/* twice: ASan sees a double free */
	sr_result_free(NULL);
	ok(r.files == NULL && r.n_files == 0 && r.skipped == NULL &&
	    r.n_skipped == 0 && r.denied == NULL && r.n_denied == 0 &&
	    r.out.head == NULL && r.err.head == NULL,
	    "sr_result_free resets what it freed, so twice is safe");
}

static void
test_signal(void)
{
	struct sr_result r;
	cJSON *o;

	base(&r, 1024);
	r.status = SR_STATUS_SIGNAL;
	r.exited = false;
	r.signal = SIGSEGV;
	r.exit_status = 128 + SIGSEGV;
	o = render("sigsegv", &r, NULL, NULL);
	is_str(jstr(o, "status"), "signal", "sigsegv: status");
	is_str(jstr(o, "signal"), "SIGSEGV", "sigsegv: signal");
	ok(jnum_is(o, "signal_number", SIGSEGV) && jnull(o, "exit_code") &&
	    jnum_is(o, "exit_status", 139), "sigsegv: number, exit_code null");
	cJSON_Delete(o);
	check_str(sr_report_summary(&r),
	    "signal SIGSEGV" DOT "0.41 s wall" DOT "0.35 s cpu" DOT "58 MiB peak" DOT "cgroup2",
	    "sigsegv: summary");
	check_str(tool_text(&r), "[signal SIGSEGV" DOT "0.41 s" DOT "58 MiB]\n",
	    "sigsegv: tool");
	sr_result_free(&r);
}

static void
test_limits(void)
{
	static const struct {
		const char *name;
		enum sr_status st;
		enum sr_limit_hit hit;
		int sig;
		const char *line, *summary, *tool, *jhit, *jstatus;
	} t[] = {
		{ "timeout", SR_STATUS_TIMEOUT, SR_HIT_WALL_TIME, SIGKILL,
		  "wall time limit (1 s) exceeded", "timeout (wall 1 s)", "timeout",
		  "wall_time", "timeout" },
		{ "cputime", SR_STATUS_TIMEOUT, SR_HIT_CPU_TIME, SIGKILL,
		  "cpu time limit (10 s) exceeded", "timeout (cpu 10 s)", "timeout",
		  "cpu_time", "timeout" },
		{ "memory", SR_STATUS_MEMORY_LIMIT, SR_HIT_MEMORY, SIGKILL,
		  "memory limit (512 MiB) exceeded", "memory limit (512 MiB)",
		  "memory limit", "memory", "memory_limit" },
		{ "pids", SR_STATUS_PROCESS_LIMIT, SR_HIT_PROCESSES, 0,
		  "process limit (64) reached", "process limit (64)",
		  "process limit", "processes", "process_limit" },
		{ "fsize", SR_STATUS_FILE_SIZE_LIMIT, SR_HIT_FILE_SIZE, SIGXFSZ,
		  "file size limit (64 MiB) exceeded", "file size limit (64 MiB)",
		  "file size limit", "file_size", "file_size_limit" },
		{ "output", SR_STATUS_OUTPUT_LIMIT, SR_HIT_OUTPUT, SIGKILL,
		  "output limit (1 MiB per stream) exceeded", "output limit (1 MiB)",
		  "output limit", "output", "output_limit" },
	};
	struct sr_result r;
	char want[256];
	size_t i;
	cJSON *o;

	for (i = 0; i < SR_ARRAY_SIZE(t); i++) {
		base(&r, 1024);
		r.status = t[i].st;
		r.limit_hit = t[i].hit;
		r.exited = t[i].sig == 0;
		r.exit_code = 1;
		r.signal = t[i].sig;
		r.oom_killed = t[i].hit == SR_HIT_MEMORY;
		r.exit_status = t[i].st == SR_STATUS_TIMEOUT ? 124 :
		    t[i].sig ? 128 + t[i].sig : 1;
		o = render(t[i].name, &r, NULL, NULL);
		is_str(jstr(o, "status"), t[i].jstatus, t[i].name);
		is_str(jstr(o, "limit_hit"), t[i].jhit, t[i].name);
		ok(cJSON_IsBool(jget(o, "oom_killed")) &&
		    cJSON_IsTrue(jget(o, "oom_killed")) == (t[i].hit == SR_HIT_MEMORY),
		    "%s: oom_killed", t[i].name);
		cJSON_Delete(o);
		check_str(sr_report_limit_line(&r), t[i].line, t[i].line);
		snprintf(want, sizeof(want), "%s" DOT "0.41 s wall" DOT "0.35 s cpu"
		    DOT "58 MiB peak" DOT "cgroup2", t[i].summary);
		check_str(sr_report_summary(&r), want, t[i].summary);
		snprintf(want, sizeof(want), "[%s" DOT "0.41 s" DOT "58 MiB]\n",
		    t[i].tool);
		check_str(tool_text(&r), want, t[i].tool);
		sr_result_free(&r);
	}
	base(&r, 1024);
	r.limit_hit = SR_HIT_MEMORY;
	r.limits[SR_LIM_MEMORY].value = SR_UNLIMITED;
	check_str(sr_report_limit_line(&r), "memory limit exceeded",
	    "limit line without a value");
	r.limits[SR_LIM_MEMORY].value = 1536ull << 20;
	check_str(sr_report_limit_line(&r), "memory limit (1.5 GiB) exceeded",
	    "limit line 1.5 GiB");
	r.limit_hit = SR_HIT_WALL_TIME;
	r.limits[SR_LIM_WALL].value = 500;
	check_str(sr_report_limit_line(&r), "wall time limit (500 ms) exceeded",
	    "limit line 500 ms");
	sr_result_free(&r);
}

/* Decoded JSON string (cJSON keeps bytes after an embedded NUL) equals
 * want[0..len). */
static int
decoded_is(const cJSON *it, const char *want, size_t len)
{
	if (!cJSON_IsString(it))
		return 0;
	/* Every NUL in want must match a NUL in the decoded buffer; compare
	 * segment by segment so a short buffer is never overrun. */
	const char *got = it->valuestring;
	size_t off = 0, seg;

	while (off <= len) {
		seg = strnlen(want + off, len - off);
		if (strlen(got + off) != seg || memcmp(got + off, want + off, seg))
			return 0;
		off += seg + 1;
	}
	return 1;
}

static void
test_hostile(void)
{
	static const char inj[] = "\"},\"status\":\"ok\",\"x\":{\"";
	struct sr_result r;
	char filler[300], *json, *text;
	size_t tlen, rep;
	cJSON *o, *it;
	int n_status = 0;

	static const char ctl[] = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\r\x7f!\n";
	static const char end[] = "ValueError: boom\n";
	uint64_t total = 4 + 6 + (sizeof(ctl) - 1) + (sizeof(inj) - 1) + 300 +
	    (sizeof(end) - 1);
	char marker[80];

	base(&r, 128);	/* head 96, tail 32 */
	r.status = SR_STATUS_EXIT_NONZERO;
	r.exit_code = 1;
	r.exit_status = 1;
	sr_capture_feed(&r.out, "a\0b\xff", 4);
	sr_capture_feed(&r.out, "\xe2\x80\xa8\xe2\x80\xa9", 6);
	sr_capture_feed(&r.out, ctl, sizeof(ctl) - 1);
	sr_capture_feed(&r.out, inj, sizeof(inj) - 1);
	memset(filler, '.', sizeof(filler));
	sr_capture_feed(&r.out, filler, sizeof(filler));
	sr_capture_feed(&r.out, end, sizeof(end) - 1);
	snprintf(marker, sizeof(marker), "\\n[... sandrun: %" PRIu64
	    " bytes omitted ...]\\n", total - 128);
	/* stderr: exactly the cap, a 4-byte char across the head/tail split */
	memset(filler, 'e', sizeof(filler));
	sr_capture_feed(&r.err, filler, 95);
	sr_capture_feed(&r.err, "\xf0\x9f\x98\x80", 4);
	sr_capture_feed(&r.err, filler, 29);

	o = render("hostile", &r, NULL, &json);
	cJSON_ArrayForEach(it, o)
		if (it->string && strcmp(it->string, "status") == 0)
			n_status++;
	ok(n_status == 1, "hostile: a single status key");
	is_str(jstr(o, "status"), "exit_nonzero", "hostile: injection did not change status");
	ok(strstr(json, "\\\"},\\\"status\\\":\\\"ok\\\"") != NULL,
	    "hostile: injected fragment appears escaped");
	ok(strstr(json, "a\\u0000b") != NULL, "hostile: NUL as \\u0000");
	ok(strstr(json, "\\u2028\\u2029") != NULL, "hostile: U+2028/9 escaped");
	ok(strstr(json, "\\u001b[2J") != NULL && strchr(json, 0x1b) == NULL &&
	    strstr(json, "\\u0007\\r\\u007f!\\n") != NULL,
	    "hostile: ESC, BEL, CR, DEL escaped");
	ok(strstr(json, marker) != NULL && strstr(json, "ValueError: boom\\n\"") != NULL,
	    "hostile: omission marker");
	ok(jnum_is(o, "stdout.bytes", (double)total) &&
	    cJSON_IsTrue(jget(o, "stdout.truncated")) &&
	    jnum_is(o, "stdout.omitted_bytes", (double)(total - 128)) &&
	    jnum_is(o, "stdout.invalid_utf8", 1),
	    "hostile: exact stdout counts");
	text = sr_capture_text(&r.out, &tlen, &rep);
	ok(decoded_is(jget(o, "stdout.text"), text, tlen),
	    "hostile: stdout.text round-trips, NUL included");
	free(text);
	ok(jnum_is(o, "stderr.bytes", 128) && cJSON_IsFalse(jget(o, "stderr.truncated")) &&
	    jnum_is(o, "stderr.invalid_utf8", 0) &&
	    strstr(jstr(o, "stderr.text"), "\xf0\x9f\x98\x80") != NULL,
	    "hostile: stderr at exactly cap keeps the 4-byte char");
	cJSON_Delete(o);
	free(json);
	sr_capture_feed(&r.err, "x", 1);
	o = render("hostile_cap1", &r, NULL, NULL);
	ok(jnum_is(o, "stderr.bytes", 129) && cJSON_IsTrue(jget(o, "stderr.truncated")) &&
	    jnum_is(o, "stderr.omitted_bytes", 1) && jnum_is(o, "stderr.invalid_utf8", 3),
	    "hostile: cap+1 truncates, cut char flagged");
	cJSON_Delete(o);
	text = tool_text(&r);
	ok(strchr(text, 0x1b) == NULL && strchr(text, '\r') == NULL &&
	    strchr(text, 0x7f) == NULL && strchr(text, '\a') == NULL &&
	    strstr(text, "^[[2J^[]52;c;ZXZpbA==^G^M^?!\n") != NULL &&
	    strstr(text, "a^@b" R) != NULL,
	    "hostile: tool text has no raw controls");
	free(text);
	sr_result_free(&r);
}

static void
test_error(void)
{
	struct sr_result r;
	struct sr_policy p;
	cJSON *o;
	const char msg[] = "python.json: limits.memroy: unknown key \"\xff\"";

	base(&r, 1024);
	r.status = SR_STATUS_ERROR;
	r.exited = false;
	r.exit_status = 125;
	r.diag.kind = SR_DIAG_USAGE;
	snprintf(r.diag.msg, sizeof(r.diag.msg), "%s", msg);
	memset(&p, 0, sizeof(p));
	p.name = (char *)"py\"thon";
	o = render("error", &r, &p, NULL);
	is_str(jstr(o, "status"), "error", "error: status");
	is_str(jstr(o, "error.message"),
	    "python.json: limits.memroy: unknown key \"" R "\"",
	    "error: message (sanitized)");
	is_str(jstr(o, "error.kind"), "usage", "error: kind");
	ok(jnull(o, "exit_code") && jnum_is(o, "exit_status", 125) &&
	    jnull(o, "policy.path") && jnull(o, "policy.sha256"),
	    "error: exit_code null, exit_status 125, missing policy fields null");
	is_str(jstr(o, "policy.name"), "py\"thon", "error: policy name escaped");
	cJSON_Delete(o);
	check_str(tool_text(&r), "sandrun: python.json: limits.memroy: unknown key \""
	    R "\"\n[error" DOT "0.41 s" DOT "58 MiB]\n", "error: tool text");
	sr_result_free(&r);
}

static void
test_files(void)
{
	struct sr_result r;
	cJSON *o;
	const cJSON *f;
	char *text;

	base(&r, 1024);
	r.n_files = 3;
	r.files = calloc(3, sizeof(*r.files));
	r.files[0].path = strdup("chart.png");
	r.files[0].size = 20 * 1024;
	memset(r.files[0].sha256, 'b', 64);
	r.files[0].mime = "image/png";
	r.files[0].content = strdup("iVBORw0KGgo=");
	r.files[0].content_len = 12;
	r.files[0].base64 = true;
	r.files[1].path = strdup("out.txt");
	r.files[1].size = 5;
	r.files[1].mime = "text/plain";
	r.files[1].content = malloc(5);
	memcpy(r.files[1].content, "x\0y\xfe\n", 5);
	r.files[1].content_len = 5;
	r.files[2].path = strdup("evil\x1b[2J\xff.txt");
	r.files[2].size = 1ull << 60;
	r.n_skipped = 1;
	r.skipped = calloc(1, sizeof(*r.skipped));
	r.skipped[0].path = strdup("big.bin");
	r.skipped[0].reason = strdup("larger than 10 MiB");
	r.n_denied = 2;
	r.denied = calloc(2, sizeof(*r.denied));
	snprintf(r.denied[0].name, sizeof(r.denied[0].name), "ptrace");
	r.denied[0].count = 3;
	snprintf(r.denied[1].name, sizeof(r.denied[1].name), "mount");
	r.denied[1].count = 1;
	r.out.total = 0;

	o = render("files", &r, NULL, NULL);
	f = cJSON_GetArrayItem(jget(o, "files"), 0);
	is_str(jstr(f, "path"), "chart.png", "files: path");
	ok(jnum_is(f, "size", 20480) && jstr(f, "sha256") &&
	    strlen(jstr(f, "sha256")) == 64, "files: size, sha256");
	is_str(jstr(f, "mime"), "image/png", "files: mime");
	is_str(jstr(f, "encoding"), "base64", "files: base64 encoding");
	is_str(jstr(f, "content"), "iVBORw0KGgo=", "files: base64 content");
	f = cJSON_GetArrayItem(jget(o, "files"), 1);
	is_str(jstr(f, "encoding"), "utf-8", "files: utf-8 encoding");
	ok(decoded_is(jget(f, "content"), "x\0y" R "\n", 7) &&
	    jnum_is(f, "invalid_utf8", 1) && jnull(f, "sha256"),
	    "files: text content with NUL and invalid byte");
	f = cJSON_GetArrayItem(jget(o, "files"), 2);
	is_str(jstr(f, "path"), "evil\x1b[2J" R ".txt", "files: hostile path sanitized");
	ok(jget(f, "content") == NULL && jget(f, "encoding") == NULL &&
	    jnull(f, "mime"), "files: no content keys without content");
	ok(cJSON_GetArraySize(jget(o, "skipped")) == 1 &&
	    strcmp(jstr(cJSON_GetArrayItem(jget(o, "skipped"), 0), "reason"),
	    "larger than 10 MiB") == 0, "skipped entry");
	f = cJSON_GetArrayItem(jget(o, "denied"), 0);
	ok(strcmp(jstr(f, "syscall"), "ptrace") == 0 && jnum_is(f, "count", 3) &&
	    cJSON_GetArraySize(jget(o, "denied")) == 2, "denied entries");
	cJSON_Delete(o);

	text = sr_report_json(&r, NULL);
	ok(strstr(text, "\"size\":1152921504606846976") != NULL,
	    "2^60 printed exactly");
	free(text);
	check_str(tool_text(&r), "[exit 0" DOT "0.41 s" DOT "58 MiB]\n"
	    "file: chart.png (image/png, 20 KiB)\n"
	    "file: out.txt (text/plain, 5 B)\n"
	    "file: evil^[[2J" R ".txt (application/octet-stream, 1024 PiB)\n"
	    "skipped: big.bin (larger than 10 MiB)\n", "files: tool text");
	sr_result_free(&r);
	ok(r.files == NULL && r.n_files == 0 && r.skipped == NULL &&
	    r.denied == NULL, "sr_result_free resets arrays");
}

static void
test_big_counts(void)
{
	struct sr_result r;
	char *json, chunk[4096];
	uint64_t i;

	base(&r, 100);
	memset(chunk, 'z', sizeof(chunk));
	for (i = 0; i < (5ull << 30) / sizeof(chunk); i++)
		sr_capture_feed(&r.out, chunk, sizeof(chunk));
	json = sr_report_json(&r, NULL);
	ok(strstr(json, "\"bytes\":5368709120,") != NULL &&
	    strstr(json, "\"omitted_bytes\":5368709020,") != NULL,
	    "5 GiB stream counted and printed exactly");
	free(json);
	sr_result_free(&r);
}

static void
test_escape(void)
{
	static const char in[] = "\0\"\\\x01\x1f\x7f\xe2\x80\xa8\xc2\x9b\xc2\xa9\xff/<";
	char *e = sr_report_json_escape(in, sizeof(in) - 1, NULL);
	size_t rep;

	is_str(e, "\"\\u0000\\\"\\\\\\u0001\\u001f\\u007f\\u2028\\u009b\xc2\xa9" R "/<\"",
	    "escape: every class");
	free(e);
	e = sr_report_json_escape("\xe2\x80", 2, &rep);
	is_str(e, "\"" R R "\"", "escape: truncated sequence");
	ok(rep == 2, "escape: replaced count");
	free(e);
	e = sr_report_json_escape(NULL, 5, NULL);
	is_str(e, "\"\"", "escape: NULL is empty");
	free(e);
}

static void
test_names(void)
{
	int i, fails = 0;

	is_str(sr_signal_name(SIGKILL), "SIGKILL", "signal 9");
	is_str(sr_signal_name(SIGSYS), "SIGSYS", "signal SIGSYS");
	is_str(sr_signal_name(SIGHUP), "SIGHUP", "signal SIGHUP");
	is_str(sr_signal_name(SIGRTMIN), "SIGRTMIN", "SIGRTMIN");
	is_str(sr_signal_name(SIGRTMIN + 3), "SIGRTMIN+3", "SIGRTMIN+3");
	ok(sr_signal_name(0) == NULL && sr_signal_name(-1) == NULL &&
	    sr_signal_name(SIGRTMAX + 1) == NULL && sr_signal_name(1000) == NULL,
	    "unknown signals are NULL");
	for (i = 1; i <= SIGRTMAX; i++)
		if (sr_signal_name(i) == NULL)
			fails++;
	ok(fails == 0, "every signal 1..SIGRTMAX has a name");
	is_str(sr_status_name(SR_STATUS_FILE_SIZE_LIMIT), "file_size_limit",
	    "status name");
	is_str(sr_status_name((enum sr_status)99), "error", "bad status is error");
	ok(sr_limit_hit_name(SR_HIT_NONE) == NULL, "no hit is NULL");
	is_str(sr_limit_hit_name(SR_HIT_PROCESSES), "processes", "hit name");
	is_str(sr_mech_name(SR_MECH_CGROUP1), "cgroup1", "mech name");
	is_str(sr_limit_name(SR_LIM_TMPFS_SHM), "tmpfs_shm", "limit name");
	for (fails = 0, i = 0; i < SR_LIM_COUNT; i++)
		if (sr_limit_name(i) == NULL)
			fails++;
	ok(fails == 0 && sr_limit_name(SR_LIM_COUNT) == NULL, "all limit names");
}

/* Random bytes: the escaped literal always parses strictly and decodes to
 * exactly the sanitized bytes. */
static void
test_escape_random(void)
{
	uint64_t x = 0x853c49e6748fea9bull;
	char in[48], *e, *u, *doc;
	size_t i, j, n, ulen, rep;
	int fails = 0;
	cJSON *a;

	for (i = 0; i < 5000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = (size_t)(x % sizeof(in));
		for (j = 0; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			in[j] = (char)(x % 5 == 0 ?
			    (uint64_t)(unsigned char)"\0\"\\\n\x1b"[(x >> 20) % 5] :
			    x % 3 ? 0x80 + (x >> 8) % 0x80 : (x >> 16) & 0xff);
		}
		e = sr_report_json_escape(in, n, NULL);
		u = sr_utf8_sanitize(in, n, &ulen, &rep);
		sr_xasprintf(&doc, "[%s]", e);
		a = cJSON_ParseWithOpts(doc, NULL, 1);
		if (a == NULL || !decoded_is(cJSON_GetArrayItem(a, 0), u, ulen))
			fails++;
		cJSON_Delete(a);
		free(doc);
		free(u);
		free(e);
	}
	ok(fails == 0, "5000 random byte strings escape and round-trip");
}

int
main(void)
{
	TAP_PLAN(169);
	test_ok();
	test_exit3();
	test_signal();
	test_limits();
	test_hostile();
	test_error();
	test_files();
	test_big_counts();
	test_escape();
	test_escape_random();
	test_names();
	return tap_done();
}
