/* mcp_exec.h - how sandrun mcp runs one tool call: the narrow interface
 * between the MCP front end and the sandbox.
 *
 * Each call is one run of this same binary (resolved once at start,
 * /proc/self/exe) with a precise argv: --json, -p POLICY, -t, one --file
 * per input file and --stdin, all from a private temporary directory
 * (0700, removed afterwards); the result object is read from its stdout.
 * Its environment names the MCP server's private warm pool
 * (mcp_serve.h), so the run is handed to a ready sandbox when one fits
 * it exactly, and is cold otherwise.
 */
#ifndef SR_MCP_EXEC_H
#define SR_MCP_EXEC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

/* One input file: dest as the caller gave it (absolute, or relative to
 * the work dir), already checked; data owned by the call. */
struct sr_mcp_file {
	char *dest;
	unsigned char *data;
	size_t len;
};

/* One run_code call, validated (mcp_tools.c builds it). */
struct sr_mcp_call {
	const char *policy;		/* borrowed: an offered policy's name */
	char *code;
	size_t code_len;
	struct sr_mcp_file *files;
	size_t n_files;
	char *stdin_data;		/* NULL: /dev/null */
	size_t stdin_len;
	uint64_t timeout_ms;		/* 0: the policy's */
	uint64_t inline_max;		/* bytes of a created file put inline */
	char *session;			/* the model's session name, or NULL */
	bool end;			/* end_session: end session, run nothing */
};

void sr_mcp_call_free(struct sr_mcp_call *c);

/* Cancellation: the server thread that received notifications/cancelled
 * calls sr_mcp_ctl_cancel(); the run then ends as soon as its sandbox is
 * torn down (SIGTERM to the child sandrun, SIGKILL to its process group
 * after a grace period).  Initialise with SR_MCP_CTL_INIT. */
struct sr_mcp_ctl {
	pthread_mutex_t mu;
	pid_t pid;			/* running child, 0 when none */
	bool cancelled;
};
#define SR_MCP_CTL_INIT { PTHREAD_MUTEX_INITIALIZER, 0, false }
void sr_mcp_ctl_cancel(struct sr_mcp_ctl *ctl);

/* The outcome: the result object text exactly as sandrun printed it
 * (one line, without its newline; caller frees).  For an end call: json
 * NULL, ended true when the session existed and is gone. */
struct sr_mcp_outcome {
	char *json;
	size_t len;
	bool ended;
};

/* End every session this server started (at its end).  Not thread-safe
 * with sr_mcp_exec: call once no call runs. */
void sr_mcp_exec_end_sessions(void);

/* Resolve the binary to spawn, once, before any thread starts (the file
 * may be replaced on disk later; /proc/self/exe keeps pointing at ours).
 * Returns 0 or -1 with d. */
int sr_mcp_exec_init(struct sr_diag *d);

/* Run one call.  Returns 0 with out filled, or -1 with d (the sandbox
 * could not be started, the call was cancelled (d->err ECANCELED), or no
 * result came back).  Thread-safe: calls run concurrently. */
int sr_mcp_exec(const struct sr_mcp_call *c, struct sr_mcp_ctl *ctl,
    struct sr_mcp_outcome *out, struct sr_diag *d);

#endif
