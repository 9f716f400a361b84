/* classify.h - the status of a run: from how the program ended, what the
 * supervisor saw (time limits, interrupts, the output cap) and the
 * cgroup's events, to status and limit_hit.  Where a limit is enforced by
 * an rlimit (r->limits, as observed), the end of stderr is read for the
 * words a program prints when it runs into it (docs/limits.md). */
#ifndef SR_CLASSIFY_H
#define SR_CLASSIFY_H

#include <stdbool.h>

#include "cgroup.h"
#include "policy.h"
#include "result.h"

struct sr_classify_in {
	bool timed_out;		/* the wall clock stopped it */
	bool cpu_over;		/* the cgroup CPU time stopped it */
	bool interrupted;	/* sandrun got SIGINT/SIGTERM/SIGHUP */
	bool output_over;	/* a stream passed the output cap */
	const struct sr_cgroup_stats *cgroup;
};

/* Fill r->status, r->limit_hit, r->oom_killed, r->alloc_failed from
 * r->exited/exit_code/signal, r->limits, r->err and in. */
void sr_classify(const struct sr_limits *l, const struct sr_classify_in *in,
    struct sr_result *r);

#endif
