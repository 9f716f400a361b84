/* sandbox.h - the sandbox lifecycle: create -> run -> collect -> destroy.
 *
 * A cold run is the four in a row.  A warm pool creates ahead of time and
 * runs later; a session runs more than once in one sandbox (init serves a
 * RUN message at a time, see child.h).  The supervisor and init talk over
 * one channel (chan.h); docs/lifecycle.md has the messages.
 *
 *   create   namespaces, uid/gid maps, cgroup, rlimits planned, root
 *            filesystem built meanwhile the seccomp filter compiled into
 *            a page init shares (child.h); returns when init sent READY
 *   run      the program (argv, environment, code: program.h), capture
 *            pipes, the stdin relay, the notify socket and the export
 *            memfd go to init in a RUN message; init writes the code
 *            file and forks the program; the time limits start here
 *   collect  watch output, time, signals and the channel until the
 *            program ended; fill the result (status, usage, limits and
 *            isolation as observed, denied calls)
 *   destroy  EXIT to init, reap it, remove the cgroup
 */
#ifndef SR_SANDBOX_H
#define SR_SANDBOX_H

#include <stdbool.h>

#include "diag.h"
#include "plan.h"
#include "program.h"
#include "result.h"

struct sr_box;

/* Build the sandbox of plan (which must outlive it) and wait until init
 * is ready for a program (with plan->warm and a policy "warm" section,
 * until the warm driver is ready too: driver.h).  Returns 0 with *out, or -1 with d carrying the
 * first failure on either side (init's own message when init failed). */
int sr_sandbox_create(const struct sr_plan *plan, struct sr_box **out,
    struct sr_diag *d);

/* The same for a run that follows at once (sr_sandbox_run next): returns
 * before READY, so sr_sandbox_run sends RUN while init still sets up
 * (once init is seen in its cgroup, else after READY) and reads READY
 * after it; init finds RUN waiting instead of a round trip to us, and
 * ends after that run's STATUS.  Setup failures are reported by
 * sr_sandbox_run then. */
int sr_sandbox_create_cold(const struct sr_plan *plan, struct sr_box *early,
    struct sr_box **out, struct sr_diag *d);

/* A cold run's init, cloned before the policy is loaded: it makes its
 * namespaces (ns.h; the network namespace alone is ~0.5 ms of the
 * kernel's) on another CPU while the supervisor loads the policy and
 * plans, and runs nothing of the policy's before PLAN brings it the
 * plan (initplan.h).  Give the box to sr_sandbox_create_cold (which
 * takes it, or discards it and clones the usual way when the plan does
 * not fit), or end it with sr_sandbox_destroy (init ends, nothing left
 * behind: no cgroup, mount or process exists yet outside init).  NULL
 * when not to be had: cgroup v2 or --cgroup (clone3 into the leaf,
 * which needs the policy's limits first), or clone failed (the usual
 * clone then reports it).  ARGS_AREA/ARGS_LEN as the plan's. */
struct sr_box *sr_sandbox_early(char *args_area, size_t args_len,
    const char *cgroup_override);

/* The descriptors of b's next run made ahead (a pool's worker, after
 * create, off the call's path): the capture pipes (sized at the run),
 * the program's memfd (written and sealed at the run) and, for a
 * program started at the run, the denied-calls socket of its filter,
 * whose settings are fixed at create.  sr_sandbox_run takes them; any
 * it finds missing it makes itself. */
void sr_sandbox_prepare_run(struct sr_box *b);

/* Make plan (which must outlive b) the plan of b's next run: a warm
 * call's own plan, which the caller checked to fit b's create-time
 * settings exactly; only what run and collect read (the wall-clock and
 * output limits, format, export) may differ. */
void sr_sandbox_adopt(struct sr_box *b, const struct sr_plan *plan);

/* After sr_sandbox_adopt, in a pool's sandbox with a warm driver: the
 * call's own memory, processes, CPU time and CPU rate (its plan's), all
 * at or below was (the pool's, b's at create).  The cgroup's files are
 * written lower (sr_cgroup_lower), the rlimits planned again for the
 * RUN message, which has init lower the driver's (never raise; FACTS
 * reads them back), and b's limits report says the call's values.
 * Returns 0, or -1 with d when any cannot be had exactly (a limit
 * higher, memory not above what is in use): the caller destroys b and
 * runs cold. */
int sr_sandbox_lower_limits(struct sr_box *b, const struct sr_limits *was,
    struct sr_diag *d);

/* Start prog in b.  Returns 0, or -1 with d. */
int sr_sandbox_run(struct sr_box *b, const struct sr_program *prog,
    struct sr_diag *d);

/* Wait for the program started by sr_sandbox_run and fill r (its
 * captures must be initialised).  Returns 0 when a result exists,
 * whatever the program did (r->status SR_STATUS_ERROR with r->diag when
 * it could not be executed), -1 with d when sandrun failed. */
int sr_sandbox_collect(struct sr_box *b, struct sr_result *r,
    struct sr_diag *d);

/* The export memfd of the last run (read from offset 0), or -1. */
int sr_sandbox_export_fd(const struct sr_box *b);

/* End init, remove the cgroup, free b.  NULL is fine. */
void sr_sandbox_destroy(struct sr_box *b);

#endif
