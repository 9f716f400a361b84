/* report_text.c - struct sr_result as the one-line verbose summary and as
 * compact text for a model (--tool). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_int.h"
#include "utf8.h"
#include "util.h"

#define DOT " \xc2\xb7 "	/* " · " */

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
	    st, wall, cpu, peak, sr_report_memory_source(r->memory_peak_source));
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
	if (r->value != NULL) {
		/* a session call's last expression, as a notebook shows it */
		fputs("value: ", f);
		put_safe(f, r->value, strlen(r->value));
		fputc('\n', f);
	}
	if (r->value_png != NULL)
		fprintf(f, "value: a figure (PNG, %zu bytes of base64 in the JSON result)\n",
		    strlen(r->value_png));
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

