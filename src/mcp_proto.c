/* mcp_proto.c - JSON-RPC 2.0 framing for sandrun mcp (see mcp_proto.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_scan.h"
#include "mcp_proto.h"
#include "utf8.h"
#include "util.h"

#define DEPTH_MAX 64		/* nesting accepted in a message */

static const char *const versions[] = {
	SR_MCP_PROTOCOL_VERSION, "2025-06-18", "2025-03-26", "2024-11-05",
	NULL,
};

const char *
sr_mcp_version(const char *asked)
{
	if (asked != NULL)
		for (size_t i = 0; versions[i] != NULL; i++)
			if (strcmp(asked, versions[i]) == 0)
				return versions[i];
	return SR_MCP_PROTOCOL_VERSION;
}

/* True when a string in buf has the escape \u0000 (which sr_json_scan
 * refuses: C strings cannot carry it).  Backslashes only occur inside
 * strings in JSON, so pairing them is enough. */
static bool
has_nul_escape(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\\')
			continue;
		if (buf[i + 1] == 'u' && i + 5 < len &&
		    memcmp(buf + i + 2, "0000", 4) == 0)
			return true;
		i++;		/* skip the escaped character */
	}
	return false;
}

static int
invalid(struct sr_mcp_msg *m, int code, const char *why)
{
	m->kind = SR_MCP_INVALID;
	m->code = code;
	if (why != m->why)
		snprintf(m->why, sizeof(m->why), "%s", why);
	return -1;
}

/* An id is a string or an integral number (JSON-RPC allows null, but MCP
 * forbids it for requests). */
static bool
id_usable(const cJSON *id)
{
	if (cJSON_IsString(id))
		return true;
	return cJSON_IsNumber(id) && isfinite(id->valuedouble) &&
	    floor(id->valuedouble) == id->valuedouble &&
	    fabs(id->valuedouble) <= 9007199254740992.0;
}

int
sr_mcp_parse(const char *buf, size_t len, struct sr_mcp_msg *m)
{
	const cJSON *v, *id;
	const char *why = NULL;
	size_t off = 0;

	memset(m, 0, sizeof(*m));
	if (len > SR_MCP_MSG_MAX)
		return invalid(m, SR_MCP_INVALID_REQUEST, "message too large "
		    "(more than 10 MiB)");
	if (memchr(buf, '\0', len) != NULL)
		return invalid(m, SR_MCP_PARSE_ERROR, "parse error: NUL byte "
		    "in the message");
	if ((off = sr_utf8_valid_prefix(buf, len)) < len) {
		snprintf(m->why, sizeof(m->why), "parse error: invalid UTF-8 "
		    "at byte %zu", off);
		return invalid(m, SR_MCP_PARSE_ERROR, m->why);
	}
	/* Strict RFC 8259 first (cJSON is lenient), with a depth bound. */
	if (sr_json_scan(buf, len, DEPTH_MAX, &off, &why) < 0) {
		snprintf(m->why, sizeof(m->why), "parse error at byte %zu: %s%s",
		    off, why, has_nul_escape(buf, len) ? " (send binary file "
		    "content with encoding base64)" : "");
		return invalid(m, SR_MCP_PARSE_ERROR, m->why);
	}
	m->root = cJSON_ParseWithLength(buf, len);
	if (m->root == NULL)
		return invalid(m, SR_MCP_PARSE_ERROR, "parse error: not JSON");
	if (cJSON_IsArray(m->root))
		return invalid(m, SR_MCP_INVALID_REQUEST, "batches are not "
		    "supported (one message per line)");
	if (!cJSON_IsObject(m->root))
		return invalid(m, SR_MCP_INVALID_REQUEST, "a message must be "
		    "a JSON object");
	id = cJSON_GetObjectItemCaseSensitive(m->root, "id");
	if (id != NULL && id_usable(id))
		m->id = id;
	v = cJSON_GetObjectItemCaseSensitive(m->root, "jsonrpc");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0)
		return invalid(m, SR_MCP_INVALID_REQUEST, "jsonrpc: must be "
		    "\"2.0\"");
	if (id != NULL && m->id == NULL)
		return invalid(m, SR_MCP_INVALID_REQUEST, "id: must be a "
		    "string or an integer");
	v = cJSON_GetObjectItemCaseSensitive(m->root, "method");
	if (v == NULL) {
		if (m->id != NULL &&
		    (cJSON_HasObjectItem(m->root, "result") ||
		    cJSON_HasObjectItem(m->root, "error"))) {
			m->kind = SR_MCP_RESPONSE;
			return 0;
		}
		return invalid(m, SR_MCP_INVALID_REQUEST, "method: missing");
	}
	if (!cJSON_IsString(v))
		return invalid(m, SR_MCP_INVALID_REQUEST, "method: must be a "
		    "string");
	m->method = v->valuestring;
	v = cJSON_GetObjectItemCaseSensitive(m->root, "params");
	if (v != NULL && !cJSON_IsObject(v))
		return invalid(m, SR_MCP_INVALID_PARAMS, "params: must be an "
		    "object");
	m->params = v;
	m->kind = m->id != NULL ? SR_MCP_REQUEST : SR_MCP_NOTIFICATION;
	return 0;
}

void
sr_mcp_msg_free(struct sr_mcp_msg *m)
{
	if (m == NULL)
		return;
	cJSON_Delete(m->root);
	m->root = NULL;
	m->id = NULL;
	m->method = NULL;
	m->params = NULL;
}

static char *
envelope(const cJSON *id, const char *key, cJSON *payload)
{
	cJSON *o = cJSON_CreateObject();
	char *s, *line;
	size_t n;

	cJSON_AddStringToObject(o, "jsonrpc", "2.0");
	cJSON_AddItemToObject(o, "id", id != NULL ?
	    cJSON_Duplicate(id, true) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, key, payload);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	line = sr_xmalloc(n + 2);
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	cJSON_free(s);
	return line;
}

char *
sr_mcp_result(const cJSON *id, cJSON *result)
{
	return envelope(id, "result", result);
}

char *
sr_mcp_error(const cJSON *id, int code, const char *message)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	return envelope(id, "error", e);
}

char *
sr_mcp_id_key(const cJSON *id)
{
	char *k = NULL;

	if (cJSON_IsString(id))
		sr_xasprintf(&k, "s:%s", id->valuestring);
	else if (id_usable(id))
		sr_xasprintf(&k, "n:%.0f", id->valuedouble);
	return k;
}
