/* report.h - render a struct sr_result as JSON (schema sandrun.result/1),
 * as the one-line verbose summary, or as compact text for a model. */
#ifndef SR_REPORT_H
#define SR_REPORT_H

#include <stdio.h>

#include "policy.h"
#include "result.h"

#define SR_RESULT_SCHEMA "sandrun.result/1"

/* Route cJSON's allocations (policy and report layers) through
 * sr_xmalloc; main calls it once, first. */
void sr_report_init(void);

/* Returns an allocated JSON object text (one line, ends with '\n').
 * policy may be NULL (failure before the policy was loaded). */
char *sr_report_json(const struct sr_result *r, const struct sr_policy *policy);

/* "exit 0 · 0.41 s wall · 0.35 s cpu · 58 MiB peak · cgroup2" (no newline,
 * no prefix).  Caller frees. */
char *sr_report_summary(const struct sr_result *r);

/* One line naming the limit that stopped the run, e.g.
 * "memory limit (512 MiB) exceeded", or NULL when none. Caller frees. */
char *sr_report_limit_line(const struct sr_result *r);

/* Compact text for a model: stdout, stderr, then
 * "[exit 1 · FileNotFoundError · 0.41 s · 58 MiB]", then the files. */
int sr_report_tool(FILE *f, const struct sr_result *r);

const char *sr_status_name(enum sr_status s);
const char *sr_limit_hit_name(enum sr_limit_hit h);
const char *sr_mech_name(enum sr_mech m);
const char *sr_limit_name(enum sr_limit_id id);
/* "SIGSEGV" etc., or NULL for an unknown number. */
const char *sr_signal_name(int sig);

/* A JSON string literal (quotes included) for len bytes of s: sanitized
 * to UTF-8 first (*replaced, if not NULL, gets the count), then ", \\,
 * controls (NUL included), DEL, C1 controls and U+2028/U+2029 escaped.
 * Caller frees. */
char *sr_report_json_escape(const char *s, size_t len, size_t *replaced);

/* Frees what r owns (captures, files, skipped, denied, pyerror) and resets
 * those fields; r itself is the caller's.  NULL-safe. */
void sr_result_free(struct sr_result *r);

/* The status of a running `sandrun serve` (serve_proto.h) as one line of
 * JSON, for serve --status --json.  Allocated; the caller frees. */
struct sr_serve_stats;
struct sr_serve_pool_stats;
char *sr_report_serve_status(const char *socket,
    const struct sr_serve_stats *st, const struct sr_serve_pool_stats *p);

#endif
