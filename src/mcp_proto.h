/* mcp_proto.h - JSON-RPC 2.0 framing for the MCP server (sandrun mcp).
 *
 * Pure functions, no I/O: one newline-delimited message in, a classified
 * message out; results and errors built as single-line JSON text.  The
 * server (mcp.c), the unit test and the fuzzer share them.
 */
#ifndef SR_MCP_PROTO_H
#define SR_MCP_PROTO_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* Bounds (documented in sandrun(1), MCP).  A message is one line. */
#define SR_MCP_MSG_MAX (10u << 20)	/* bytes in one message, either way */

/* JSON-RPC error codes. */
#define SR_MCP_PARSE_ERROR	(-32700)
#define SR_MCP_INVALID_REQUEST	(-32600)
#define SR_MCP_METHOD_NOT_FOUND	(-32601)
#define SR_MCP_INVALID_PARAMS	(-32602)
#define SR_MCP_INTERNAL_ERROR	(-32603)

/* The protocol version this server speaks, and what it answers. */
#define SR_MCP_PROTOCOL_VERSION "2025-11-25"

enum sr_mcp_kind {
	SR_MCP_INVALID = 0,	/* code and why say what was wrong */
	SR_MCP_REQUEST,		/* method and id */
	SR_MCP_NOTIFICATION,	/* method, no id */
	SR_MCP_RESPONSE,	/* id, result or error (the server sends no
				 * requests, so it only ignores these) */
};

struct sr_mcp_msg {
	enum sr_mcp_kind kind;
	struct cJSON *root;		/* owned; NULL when not JSON */
	const struct cJSON *id;		/* borrowed from root; NULL if none
					 * (or not a usable id) */
	const char *method;		/* borrowed */
	const struct cJSON *params;	/* borrowed; NULL when absent */
	int code;			/* SR_MCP_INVALID: error code */
	char why[160];			/* SR_MCP_INVALID: error message */
};

/* Parse and classify one message (without its newline).  Always fills m
 * (free it with sr_mcp_msg_free); returns 0 for a usable message, -1 for
 * SR_MCP_INVALID.  The syntax is checked strictly first (valid UTF-8,
 * RFC 8259, nesting at most 64 deep, sr_json_scan); strings holding
 * U+0000 are refused there: C strings cannot carry them, and silently
 * cutting code or a file would be worse. */
int sr_mcp_parse(const char *buf, size_t len, struct sr_mcp_msg *m);
void sr_mcp_msg_free(struct sr_mcp_msg *m);

/* The version to answer an initialize that asked for `asked` (NULL when
 * absent): one we support is echoed, anything else gets ours. */
const char *sr_mcp_version(const char *asked);

/* One line of JSON (with a trailing newline) answering id with result
 * (consumed) or with an error.  id NULL is written as null.  Caller frees. */
char *sr_mcp_result(const struct cJSON *id, struct cJSON *result);
char *sr_mcp_error(const struct cJSON *id, int code, const char *message);

/* A copy of an id usable as a key ("n:5", "s:abc"); NULL when id is not
 * a string or an integer.  Caller frees. */
char *sr_mcp_id_key(const struct cJSON *id);

#endif
