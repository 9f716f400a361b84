/* mcp_serve.h - the warm pool of sandrun mcp: a private `sandrun serve`.
 *
 * Started once before any thread (it forks), stopped at the end.  Tool
 * calls run with sr_mcp_serve_env() as their environment, so each is
 * handed to a ready sandbox when one fits it exactly, and runs cold
 * otherwise, or when the pool could not be started. */
#ifndef SR_MCP_SERVE_H
#define SR_MCP_SERVE_H

#include <stddef.h>

#include "diag.h"

/* Start serve with a pool for each of the n policy names.  Returns 0
 * (also when serve itself failed: it says why on stderr, calls run
 * cold), or -1 with d when not even the directory could be made. */
int sr_mcp_serve_start(char *const *policies, size_t n, struct sr_diag *d);

/* The environment of a tool call's sandrun. */
char *const *sr_mcp_serve_env(void);

/* SIGTERM serve (it drains its calls), reap it, remove the directory. */
void sr_mcp_serve_stop(void);

#endif
