/* box.h - the sandbox handle of sandbox.h, shared by sandbox.c (create,
 * run, destroy) and supervise.c (collect).  Not for other files. */
#ifndef SR_BOX_H
#define SR_BOX_H

#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "cgroup.h"
#include "chan.h"
#include "child.h"
#include "notify.h"
#include "plan.h"
#include "result.h"
#include "rlimit.h"

struct sr_box {
	const struct sr_plan *plan;
	struct sr_sandbox child;	/* what init inherits */
	struct sr_cgroup cg;
	struct sr_rlimits rl;
	struct sr_filter filter;	/* compiled while init sets up */
	struct sr_filter_shm *shm;	/* where init finds it (child.h) */
	/* The mechanism each limit is planned with; the result keeps it
	 * only where the sandbox confirmed it (supervise.c). */
	struct sr_limit_report limits[SR_LIM_COUNT];
	struct sr_isolation iso;	/* observed at create: namespaces, cgroup */
	/* A warm driver (plan->warm): its FACTS at create (no rlimits: init
	 * reads them back at the call), the cgroup's CPU at the call. */
	bool warm, have_warm_facts;
	bool cg_late;		/* cgroup set up after clone (child.h) */
	size_t create_steps;	/* mount steps of the plan at create */
	struct sr_msg_facts warm_facts;
	struct sr_cgroup_stats cpu_base;
	bool call_rlimits;	/* rl is a warm call's own (lower): RUN carries it */
	bool call_memory;	/* and its memory limit: tmpfs sizes, meminfo */
	bool moved;		/* off init's CPU until GO (sandbox.c) */
	cpu_set_t saved;	/* our CPU mask then */
	pid_t pid;		/* init, -1 when reaped */
	int chan;		/* our end of the channel */
	int init_ws;		/* init's wait status once reaped */
	struct rusage init_ru;	/* and its usage */
	/* The current run: */
	bool running;
	bool ready_pending;	/* created cold: READY is read after RUN */
	int out_fd, err_fd;	/* read ends of the capture pipes */
	int in_src;		/* what we relay into the sandbox, or -1 */
	int in_pipe;		/* write end of the program's stdin, or -1 */
	int export_fd;		/* memfd of the export, or -1 */
	struct sr_notify nt;
	bool nt_ready;		/* nt prepared for the run ahead */
	int pre_out[2], pre_err[2];	/* capture pipes made ahead, or -1 */
	int pre_prog;		/* the program's memfd made ahead, or -1 */
	uint64_t start;		/* ms, monotonic: the run's start */
};

/* Reap init (blocking after SIGKILL when kill is set); idempotent. */
void sr_box_reap(struct sr_box *b, bool kill_it);

#endif
