/* run.h - one run from parsed options: policy -> plan -> sandbox ->
 * report (stdout, stderr) -> exit status.  The cold run of main.c, and
 * the call a warm pool's ready sandbox serves (serve_pool.c). */
#ifndef SR_RUN_H
#define SR_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "result.h"

struct sr_policy_files;

struct sr_box;

/* A sandbox created ahead of time from plan (the pool's).  sr_run takes
 * it when the run fits it exactly (fits set, the result says warm) and
 * destroys it otherwise, then builds its own: box is NULL after, or with
 * keep, the sandbox the run used (its plan then plan), for the caller to
 * destroy once the result is out. */
struct sr_run_ready {
	struct sr_box *box;
	const struct sr_plan *plan;
	bool fits;
	bool keep;
	/* the pool's policy as loaded (no overrides, hashed) and what its
	 * load read: taken instead of loading again when still the same
	 * (policy_files.h); sr_run then owns it and sets this NULL */
	struct sr_policy *policy;
	const struct sr_policy_files *files;
	/* called once the result is out (printed, stdout flushed), before
	 * the run frees what it built; returns the exit status sr_run is
	 * to return (NULL: none) */
	int (*out)(struct sr_run_ready *ready, int status);
};

/* Run o (mode RUN); args_area/len are sandrun's argv+environ strings,
 * which init wipes (NULL: none).  Prints what a cold run prints and
 * returns the exit status. */
int sr_run(struct sr_opts *o, char *args_area, size_t args_len,
    struct sr_run_ready *ready);

/* A run that failed before its sandbox ran: the diag, JSON in JSON mode;
 * returns the exit status. */
int sr_run_fail(const struct sr_opts *o, struct sr_result *r,
    const struct sr_policy *p, const struct sr_diag *d);

/* Every line of d on stderr with the "sandrun: " prefix. */
void sr_run_print_diag(const struct sr_diag *d);

/* The command line's overrides (limits, network, --env) onto p. */
void sr_run_apply_overrides(struct sr_policy *p, const struct sr_opts *o);

#endif
