/* serve_exec.h - how `sandrun serve` runs one call: the narrow interface
 * the warm pool plugs into.
 *
 * A pool is accounted per policy.  sr_serve_exec_start() runs a parsed RUN
 * request with the client's descriptors and returns at once; the server
 * polls call->pidfd and calls sr_serve_exec_finish() when it is readable.
 * A call for a pool with a ready sandbox goes to that sandbox's worker
 * (serve_pool.c), which runs it when it fits the sandbox exactly and
 * builds a fresh one otherwise.  Any other call runs cold: a child of the
 * server (PR_SET_PDEATHSIG SIGKILL, its own session) executes this same
 * sandrun binary with --cold, the client's arguments, environment,
 * umask, working directory and stdin/stdout/stderr, so its output and
 * exit status are those of a cold run by construction.
 */
#ifndef SR_SERVE_EXEC_H
#define SR_SERVE_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "serve_proto.h"

struct sr_serve_call;

#define SR_SERVE_POOL_MAX 64		/* ready sandboxes per pool */

/* A ready sandbox: a worker process forked by the server (PDEATHSIG
 * SIGKILL, its own session) that created the pool's sandbox and waits on
 * sock for one call (serve_pool.c). */
struct sr_serve_worker {
	pid_t pid;
	int sock;			/* SOCK_SEQPACKET to the worker */
	bool ready;			/* it said READY */
};

struct sr_serve_pool {
	char policy[SR_SERVE_NAME_MAX];
	unsigned size;			/* asked for */
	unsigned ready;			/* ready sandboxes now */
	uint64_t served, warm, cold;
	int64_t memory_per_ready;	/* -1: nothing measured */
	uint64_t refill_us;		/* last worker: fork to ready */
	uint64_t failed_ms;		/* last worker that failed to create */
	struct sr_serve_worker w[SR_SERVE_POOL_MAX];
	unsigned n_w;
	/* workers whose call has ended, destroying its sandbox */
	pid_t retiring[SR_SERVE_POOL_MAX];
	unsigned n_retiring;
};

/* Keep the pool at its size: start workers for the missing sandboxes
 * (not within a second of a worker that failed to create). */
void sr_serve_pool_fill(struct sr_serve_pool *pool);

/* Take in what the workers said (READY, memory, refill time) and reap
 * the ones that died; update pool->ready. */
void sr_serve_pool_poll(struct sr_serve_pool *pool);

/* Hand the call to a ready worker, with reply_fd (the client's
 * connection, or -1): the worker sends the client its DONE there right
 * after its end to the server.  Returns 0 with call filled (pid, procfd;
 * sock, which pidfd is too), 1 when no worker is ready, -1 with d. */
int sr_serve_pool_call(struct sr_serve_pool *pool,
    const struct sr_serve_request *req, const int fds[], int reply_fd,
    struct sr_serve_call *call, struct sr_diag *d);

/* A warm call's end, when its socket is readable: 1 with *status and
 * call->warm when the worker sent it (its result is out; the worker
 * waits to be let go), 0 when the worker ended without (the caller
 * waits for it). */
int sr_serve_pool_end(struct sr_serve_call *call, int *status);

/* Let the worker of an ended call go: it destroys its sandbox and exits,
 * and is reaped later (sr_serve_pool_reap). */
void sr_serve_pool_retire(struct sr_serve_call *call);

/* Reap the workers of the n pools that are done destroying; returns
 * timeout (ms, -1: none), shortened while some are still at it. */
int sr_serve_pool_reap(struct sr_serve_pool *pools, unsigned n, int timeout);

/* Where the server's argv and environment strings are (main.c finds
 * them), for a ready sandbox's init to wipe as a cold run's does. */
void sr_serve_pool_args(char *area, size_t len);

/* Shut every worker's socket down (a worker then destroys its sandbox
 * and exits) and reap them, the retiring ones too. */
void sr_serve_pool_stop(struct sr_serve_pool *pool);

struct sr_serve_call {
	pid_t pid;
	int pidfd;			/* readable when the call has ended: a
					 * cold call's procfd, a worker's sock */
	int procfd;			/* the pidfd that signals it */
	bool warm;
	int sock;			/* a worker's: its end (serve_pool.c); -1 */
	bool retire;			/* its worker waits for sr_serve_exec_release */
	bool direct;			/* its worker has the client's connection */
	bool replied;			/* the worker sent the client its DONE */
	struct sr_serve_pool *pool;	/* NULL: no pool for its policy */
	uint64_t started_ms;
};

/* The policy a RUN request asks for (-p, else $SANDRUN_POLICY in the
 * request's environment, else python) into buf, and in *fit (unless
 * NULL) whether its options leave it a chance to fit a ready sandbox
 * (else it runs cold), from one parse.  Returns 0, or -1 with d when the
 * arguments do not parse as a run (the server declines then). */
int sr_serve_exec_check(const struct sr_serve_request *req, char *buf,
    size_t len, bool *fit, struct sr_diag *d);

/* Start the call (fit: as sr_serve_exec_check said).  fds are stdin, stdout, stderr and the working
 * directory; they stay the caller's to close.  reply_fd is the client's
 * connection: a ready sandbox's worker replies on it itself (the call's
 * replied, after sr_serve_exec_finish).  Returns 0 with call filled, or
 * -1 with d (nothing runs; the client runs cold). */
int sr_serve_exec_start(struct sr_serve_pool *pool,
    const struct sr_serve_request *req, bool fit,
    const int fds[SR_SERVE_NFDS], int reply_fd, struct sr_serve_call *call,
    struct sr_diag *d);

/* Signal the call (SIGTERM lets the cold supervisor kill and clean up
 * its sandbox; SIGKILL is final: the sandbox dies by PDEATHSIG). */
void sr_serve_exec_signal(struct sr_serve_call *call, int sig);

/* An ended call into rep (DONE with the exit status, warm flag): a
 * worker's end as it sent it (the worker waits for the release; with
 * call->replied, it has sent rep to the client itself), else reaped
 * here. */
void sr_serve_exec_finish(struct sr_serve_call *call,
    struct sr_serve_reply *rep);

/* After the reply: the worker let go (it destroys the sandbox the call
 * used), the call's descriptors closed. */
void sr_serve_exec_release(struct sr_serve_call *call);

#endif
