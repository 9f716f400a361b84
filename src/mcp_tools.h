/* mcp_tools.h - the tools sandrun mcp offers: their schemas, argument
 * checking and the rendering of a result for the model.  Pure (no I/O),
 * shared by the server, the unit test and the fuzzer.
 */
#ifndef SR_MCP_TOOLS_H
#define SR_MCP_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcp_exec.h"

struct cJSON;

/* Bounds on what a call may send (sandrun(1), MCP). */
#define SR_MCP_CODE_MAX		(4u << 20)	/* bytes of code */
#define SR_MCP_STDIN_MAX	(4u << 20)	/* bytes of stdin */
#define SR_MCP_FILES_MAX	(8u << 20)	/* decoded bytes of all files */
#define SR_MCP_NFILES_MAX	100		/* files in one call */
#define SR_MCP_PATH_MAX		1024		/* bytes of a file path */
#define SR_MCP_SESSION_MAX	48		/* bytes of a session name */
#define SR_MCP_INLINE_MAX	(4u << 20)	/* created file returned inline */
#define SR_MCP_TEXT_HEAD	(12u << 10)	/* stream bytes shown, head */
#define SR_MCP_TEXT_TAIL	(4u << 10)	/* stream bytes shown, tail */
#define SR_MCP_IMAGES_MAX	16		/* image items in content */

/* A policy the server offers, resolved at start. */
struct sr_mcp_offer {
	char *name;
	char *path;
	char *description;
	uint64_t wall_ms;	/* ceiling for timeout_s */
};

/* The result of tools/list (caller frees with cJSON_Delete). */
struct cJSON *sr_mcp_tools_list(const struct sr_mcp_offer *v, size_t n);

/* Check run_code's arguments (args may be NULL) and fill c.  Returns 0,
 * or -1 with why (a message naming the argument) and c untouched. */
int sr_mcp_tools_run_args(const struct cJSON *args,
    const struct sr_mcp_offer *v, size_t n, struct sr_mcp_call *c,
    char *why, size_t whylen);

/* Check end_session's arguments and fill c (an end call).  Returns 0, or
 * -1 with why. */
int sr_mcp_tools_end_args(const struct cJSON *args, struct sr_mcp_call *c,
    char *why, size_t whylen);

/* The CallToolResult for a result object (json, len as sandrun printed
 * it), no larger than max bytes once printed: file contents are dropped
 * first.  NULL when json is not a result object. */
struct cJSON *sr_mcp_tools_result(const char *json, size_t len, size_t max);

/* A CallToolResult with isError true and one text item. */
struct cJSON *sr_mcp_tools_error(const char *text);

/* A CallToolResult with one text item and isError as given. */
struct cJSON *sr_mcp_tools_text(const char *text, bool error);

/* Decode strict base64 (padding required, no whitespace).  Returns 0 with
 * an allocated buffer, or -1. */
int sr_mcp_base64_decode(const char *s, size_t len, unsigned char **out,
    size_t *outlen);

#endif
