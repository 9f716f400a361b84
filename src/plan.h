/* plan.h - the run plan: policy + command line -> everything a sandbox
 * needs, decided once, read-only afterwards.
 *
 * Config flows one way: the plan is built before the sandbox exists and
 * nothing writes to it after sr_plan_build returns (a warm call's
 * sr_plan_build_call: sr_plan_complete, before the plan creates a
 * sandbox or lowers a ready one's limits), and the sandbox and the
 * collect step take it const.  What happened comes back in a struct
 * sr_result, which nothing reads as configuration.
 */
#ifndef SR_PLAN_H
#define SR_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "diag.h"
#include "filter.h"
#include "mounts.h"
#include "policy.h"
#include "program.h"

struct sr_plan {
	const struct sr_policy *policy;	/* effective (overrides applied) */
	struct sr_mount_plan mounts;
	bool have_mounts;	/* mounts to free */
	struct sr_filter filter;	/* the filter's settings (notify,
					 * own ids); sr_sandbox_create compiles */
	char **argv;		/* the program's argv (owned) */
	char *code;		/* NULL with --exec (owned) */
	size_t code_len;
	const char *code_name;	/* file name in the work dir, NULL with --exec */
	char *code_path;	/* where the program finds it (owned) */
	bool code_from_stdin;	/* the code was read from our stdin */
	const char *cgroup_override;	/* --cgroup PATH or NULL */
	unsigned sub_uid;	/* host uid of the sandbox's user from the
				 * caller's /etc/subuid, 0: none (quota.h) */
	bool uid_pending;	/* sub_uid not looked up yet */
	bool meminfo_pending;	/* mounts.meminfo not read yet (both
				 * sr_plan_build_call, sr_plan_complete) */
	bool export;		/* collect the work dir's files */
	bool warm;		/* create starts the policy's warm driver
				 * (a pool's ready sandbox; driver.h) */
	bool loop;		/* with warm: a session's, whose driver keeps
				 * its interpreter across calls (loop mode) */
	char *args_area;	/* sandrun's argv+environ strings, which init */
	size_t args_len;	/* wipes (its /proc/1/cmdline shows nothing) */
	enum sr_format format;
	int verbose;
	bool quiet;
	uint64_t interrupt_ms;	/* at the time limit SIGINT first, then stop
				 * after this grace (a session); 0: stop */
	bool cpu_delta;		/* CPU from the cgroup counts from the run's
				 * start (a session's cgroup outlives runs) */
};

/* Read the code (from FILE, a FIFO included, or stdin), check the
 * mounts, expand the command.  Returns 0, or -1
 * with d; on both, sr_plan_free(plan) releases what was built. */
int sr_plan_build(struct sr_plan *plan, const struct sr_policy *p,
    const struct sr_opts *o, struct sr_diag *d);

/* The plan of a call a ready sandbox may serve (run.c): as
 * sr_plan_build, but without the host reads only a create uses (the
 * subordinate uid, the /proc/meminfo shown inside), which a ready
 * sandbox has from its own create.  Before the plan creates a sandbox,
 * or lowers a ready one's memory limit, sr_plan_complete reads them. */
int sr_plan_build_call(struct sr_plan *plan, const struct sr_policy *p,
    const struct sr_opts *o, struct sr_diag *d);

/* Read what sr_plan_build_call left out; nothing after sr_plan_build. */
void sr_plan_complete(struct sr_plan *plan);

void sr_plan_free(struct sr_plan *plan);


/* The plan's program (argv, policy environment, code) with stdin_fd -1;
 * p points into plan. */
void sr_plan_program(const struct sr_plan *plan, struct sr_program *p);

/* Open a code file for reading.  A FIFO is opened blocking, so it waits
 * for its writer (process substitution, mkfifo) and never reads as
 * empty.  Returns the fd or -1 with d naming the file. */
int sr_plan_open_input(const char *path, const char *what, struct sr_diag *d);

#endif
