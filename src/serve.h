/* serve.h - `sandrun serve`: the server loop and its status client. */
#ifndef SR_SERVE_H
#define SR_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "serve_exec.h"

#define SR_SERVE_CONNS_MAX 32		/* connections at once */
#define SR_SERVE_CALLS_MAX 16		/* calls running at once */

struct sr_serve_opts {
	const char *socket;		/* NULL: the default path */
	struct sr_serve_pool pools[SR_SERVE_POOLS_MAX];
	unsigned n_pools;
	uint64_t idle_exit_ms;		/* 0: never */
	bool status, json;
	int verbose;
	bool sessions;			/* a session host: ends with its last */
	int listen_fd;			/* > 0: listen there (socket names it) */
};

/* Serve until SIGTERM/SIGINT (calls in flight finish first) or until idle
 * for o->idle_exit_ms.  Logs on stderr.  Returns 0, or -1 with d when it
 * cannot start. */
int sr_serve_run(struct sr_serve_opts *o, struct sr_diag *d);

/* Ask the server at path for its status and print it (text or JSON). */
int sr_serve_status(const char *path, bool json, struct sr_diag *d);

/* Entry point of `sandrun serve ARGS` (argv[0] is "serve"): parses its
 * options and returns the exit status. */
int sr_serve_main(int argc, char **argv);

#endif
