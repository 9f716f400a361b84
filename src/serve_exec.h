/* serve_exec.h - how `sandrun serve` runs one call: the narrow interface
 * the warm pool plugs into.
 *
 * A pool is accounted per policy.  sr_serve_exec_start() runs a parsed RUN
 * request with the client's descriptors and returns at once; the server
 * polls call->pidfd and calls sr_serve_exec_finish() when it is readable.
 * Today every call runs cold: a child of the server (PR_SET_PDEATHSIG
 * SIGKILL, its own session) executes this same sandrun binary with
 * --cold, the client's arguments, environment, umask, working directory
 * and stdin/stdout/stderr, so its output and exit status are those of a
 * cold run by construction.  When the lifecycle can create sandboxes ahead
 * of time, a pool with ready sandboxes serves a call it can serve exactly
 * through the same two functions and sets warm.
 */
#ifndef SR_SERVE_EXEC_H
#define SR_SERVE_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "serve_proto.h"

struct sr_serve_pool {
	char policy[SR_SERVE_NAME_MAX];
	unsigned size;			/* asked for */
	unsigned ready;			/* ready sandboxes (none yet) */
	uint64_t served, warm, cold;
	int64_t memory_per_ready;	/* -1: nothing measured */
};

struct sr_serve_call {
	pid_t pid;
	int pidfd;			/* readable when the call has ended */
	bool warm;
	struct sr_serve_pool *pool;	/* NULL: no pool for its policy */
	uint64_t started_ms;
};

/* The policy a RUN request asks for (-p, else $SANDRUN_POLICY in the
 * request's environment, else python) into buf.  Returns 0, or -1 with d
 * when the arguments do not parse as a run (the server declines then). */
int sr_serve_exec_policy(const struct sr_serve_request *req, char *buf,
    size_t len, struct sr_diag *d);

/* Start the call.  fds are stdin, stdout, stderr and the working
 * directory; they stay the caller's to close.  Returns 0 with call filled,
 * or -1 with d (nothing runs; the client runs cold). */
int sr_serve_exec_start(struct sr_serve_pool *pool,
    const struct sr_serve_request *req, const int fds[SR_SERVE_NFDS],
    struct sr_serve_call *call, struct sr_diag *d);

/* Signal the call (SIGTERM lets the cold supervisor kill and clean up
 * its sandbox; SIGKILL is final: the sandbox dies by PDEATHSIG). */
void sr_serve_exec_signal(struct sr_serve_call *call, int sig);

/* Reap an ended call into rep (DONE with the exit status, warm flag) and
 * close its pidfd. */
void sr_serve_exec_finish(struct sr_serve_call *call,
    struct sr_serve_reply *rep);

#endif
