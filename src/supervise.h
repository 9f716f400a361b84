/* supervise.h - the parent side of a run: start the sandbox, feed the
 * uid/gid maps, capture output, enforce the wall clock, forward signals,
 * collect the status and the figures. */
#ifndef SR_SUPERVISE_H
#define SR_SUPERVISE_H

#include "cgroup.h"
#include "child.h"
#include "cli.h"
#include "policy.h"
#include "result.h"

struct sr_run {
	struct sr_sandbox *sb;		/* fds are filled in by supervise */
	const struct sr_policy *policy;	/* effective limits */
	struct sr_cgroup *cg;
	struct sr_filter *filter;	/* built by supervise after clone (sb->filter
					 * points here in the supervisor) */
	enum sr_format format;
	int verbose;
	bool quiet;
};

/* Run the sandbox to its end.  Fills r (status, outputs, times, memory).
 * Returns 0 when a result exists (whatever the program did), -1 with d
 * when sandrun could not build or watch the sandbox. */
int sr_supervise_run(struct sr_run *run, struct sr_result *r,
    struct sr_diag *d);

#endif
