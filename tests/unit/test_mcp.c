/* test_mcp.c - the MCP message parser, version negotiation, run_code
 * argument checks and result rendering (src/mcp_proto.c, mcp_tools.c,
 * mcp_result.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mcp_proto.h"
#include "mcp_tools.h"
#include "tap.h"

static char n1[] = "python", p1[] = "/p/python.json", d1[] = "Python";
static char n2[] = "sh", p2[] = "/p/sh.json";
static struct sr_mcp_offer offers[] = {
	{ n1, p1, d1, 10000 },
	{ n2, p2, NULL, 5000 },
};

static void
parse_is(const char *in, int kind, int code, const char *name)
{
	struct sr_mcp_msg m;

	sr_mcp_parse(in, strlen(in), &m);
	ok((int)m.kind == kind && (kind != SR_MCP_INVALID || m.code == code),
	    "parse %s (kind %d code %d)", name, m.kind, m.code);
	sr_mcp_msg_free(&m);
}

/* A request whose params nest n levels deep (params itself is one). */
static void
deep(int n, int kind, int code, const char *name)
{
	char buf[512];
	int k = snprintf(buf, sizeof(buf),
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":");

	for (int i = 0; i < n - 2; i++)
		buf[k++] = '[';
	for (int i = 0; i < n - 2; i++)
		buf[k++] = ']';
	snprintf(buf + k, sizeof(buf) - (size_t)k, "}}");
	parse_is(buf, kind, code, name);
}

static void
test_parse(void)
{
	struct sr_mcp_msg m;
	const char *in;
	char *s;

	parse_is("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    SR_MCP_REQUEST, 0, "request");
	parse_is("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
	    SR_MCP_NOTIFICATION, 0, "notification");
	parse_is("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{}}",
	    SR_MCP_RESPONSE, 0, "response");
	parse_is("not json", SR_MCP_INVALID, SR_MCP_PARSE_ERROR, "garbage");
	parse_is("{\"jsonrpc\":\"2.0\"} x", SR_MCP_INVALID, SR_MCP_PARSE_ERROR,
	    "trailing data");
	parse_is("{\"jsonrpc\":\"2.0\",\"id\":01,\"method\":\"ping\"}",
	    SR_MCP_INVALID, SR_MCP_PARSE_ERROR, "leading zero (strict JSON)");
	parse_is("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xc0\xaf\"}",
	    SR_MCP_INVALID, SR_MCP_PARSE_ERROR, "overlong UTF-8");
	deep(64, SR_MCP_REQUEST, 0, "nested 64 deep");
	deep(65, SR_MCP_INVALID, SR_MCP_PARSE_ERROR, "nested 65 deep");
	parse_is("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
	    SR_MCP_INVALID, SR_MCP_INVALID_REQUEST, "batch");
	parse_is("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
	    SR_MCP_INVALID, SR_MCP_INVALID_REQUEST, "jsonrpc 1.0");
	parse_is("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
	    SR_MCP_INVALID, SR_MCP_INVALID_REQUEST, "fractional id");
	parse_is("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
	    SR_MCP_INVALID, SR_MCP_INVALID_REQUEST, "method not a string");
	parse_is("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[]}",
	    SR_MCP_INVALID, SR_MCP_INVALID_PARAMS, "params array");
	parse_is("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\\u0000b\"}",
	    SR_MCP_INVALID, SR_MCP_PARSE_ERROR, "NUL escape");
	parse_is("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\\\\u0000b\"}",
	    SR_MCP_REQUEST, 0, "escaped backslash before u0000");

	in = "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"m\"}";
	sr_mcp_parse(in, strlen(in), &m);
	s = sr_mcp_error(m.id, SR_MCP_METHOD_NOT_FOUND, "method not found: m");
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32601,"
	    "\"message\":\"method not found: m\"}}\n", "error line");
	free(s);
	s = sr_mcp_id_key(m.id);
	is_str(s, "s:x", "id key of a string");
	free(s);
	sr_mcp_msg_free(&m);
	s = sr_mcp_error(NULL, SR_MCP_PARSE_ERROR, "p");
	ok(strstr(s, "\"id\":null") != NULL, "error without id has id null");
	free(s);
}

static void
test_version(void)
{
	is_str(sr_mcp_version("2025-06-18"), "2025-06-18", "2025-06-18 echoed");
	is_str(sr_mcp_version("2024-11-05"), "2024-11-05", "2024-11-05 echoed");
	is_str(sr_mcp_version("2025-03-26"), "2025-03-26", "2025-03-26 echoed");
	is_str(sr_mcp_version("1999-01-01"), "2025-11-25", "unknown -> ours");
	is_str(sr_mcp_version(NULL), "2025-11-25", "absent -> ours");
}

static int
args(const char *json, struct sr_mcp_call *c, char *why, size_t wl)
{
	cJSON *a = cJSON_Parse(json);
	int r = sr_mcp_tools_run_args(a, offers, 2, c, why, wl);

	cJSON_Delete(a);
	return r;
}

static void
bad_args(const char *json, const char *want, const char *name)
{
	struct sr_mcp_call c = { 0 };
	char why[512] = "";
	int r = args(json, &c, why, sizeof(why));

	ok(r < 0 && strncmp(why, want, strlen(want)) == 0, "%s: %s", name,
	    why);
	if (r == 0)
		sr_mcp_call_free(&c);
}

static void
test_args(void)
{
	struct sr_mcp_call c = { 0 };
	char why[512] = "";

	ok(args("{\"code\":\"print(1)\",\"files\":[{\"path\":\"/code/d.csv\","
	    "\"content\":\"a,b\\n\"},{\"path\":\"x.bin\",\"content\":\"AAEC\","
	    "\"encoding\":\"base64\"}],\"stdin\":\"in\",\"timeout_s\":2.5}",
	    &c, why, sizeof(why)) == 0, "valid arguments %s", why);
	ok(strcmp(c.policy, "python") == 0 && c.n_files == 2 &&
	    c.files[0].len == 4 && c.files[1].len == 3 &&
	    c.files[1].data[2] == 2 && c.timeout_ms == 2500 &&
	    c.stdin_len == 2, "arguments converted");
	sr_mcp_call_free(&c);
	bad_args("{}", "code: required", "missing code");
	bad_args("{\"code\":1}", "code: must be a string", "code type");
	bad_args("{\"code\":\"x\",\"bogus\":1}", "bogus: unknown argument",
	    "unknown argument");
	bad_args("{\"code\":\"x\",\"policy\":\"node\"}", "policy: 'node' is "
	    "not offered", "policy not offered");
	bad_args("{\"code\":\"x\",\"policy\":\"sh\",\"timeout_s\":6}",
	    "timeout_s: at most 5 under policy sh", "timeout above ceiling");
	bad_args("{\"code\":\"x\",\"timeout_s\":0}", "timeout_s: must be",
	    "timeout zero");
	bad_args("{\"code\":\"x\",\"files\":[{\"path\":\"../x\","
	    "\"content\":\"\"}]}", "files[0].path: must not contain '..'",
	    "dotdot path");
	bad_args("{\"code\":\"x\",\"files\":[{\"path\":\"/proc/x\","
	    "\"content\":\"\"}]}", "files[0].path: must not be under /proc",
	    "/proc path");
	bad_args("{\"code\":\"x\",\"files\":[{\"path\":\"a\",\"content\":"
	    "\"@@@@\",\"encoding\":\"base64\"}]}", "files[0].content: not "
	    "valid base64", "bad base64");
	bad_args("{\"code\":\"x\",\"files\":[{\"path\":\"a\",\"content\":\"\"},"
	    "{\"path\":\"a\",\"content\":\"\"}]}", "files[1].path: same path",
	    "duplicate path");
	bad_args("{\"code\":\"x\",\"files\":[{\"path\":\"a\",\"content\":\"\","
	    "\"mode\":1}]}", "files[0].mode: unknown key", "unknown file key");
	bad_args("{\"code\":\"x\",\"session\":\"a/b\"}", "session: 1 to 48 of",
	    "session name with a slash");
	bad_args("{\"code\":\"x\",\"session\":\"\"}", "session: 1 to 48 of",
	    "empty session name");
	bad_args("{\"code\":\"x\",\"session\":\"0123456789012345678901234567890"
	    "123456789012345678\"}", "session: 1 to 48 of", "session name too long");
	bad_args("{\"code\":\"x\",\"session\":7}", "session: must be a string",
	    "session type");
	bad_args("[1]", "arguments: must be an object", "arguments array");
}

static void
test_sessions(void)
{
	struct sr_mcp_call c = { 0 };
	char why[512] = "";
	cJSON *a;
	int r;

	ok(args("{\"code\":\"x=1\",\"session\":\"work.1_a-b\"}", &c, why,
	    sizeof(why)) == 0 && c.session != NULL &&
	    strcmp(c.session, "work.1_a-b") == 0 && !c.end,
	    "run_code: a session name is kept %s", why);
	sr_mcp_call_free(&c);
	a = cJSON_Parse("{\"session\":\"s1\"}");
	r = sr_mcp_tools_end_args(a, &c, why, sizeof(why));
	ok(r == 0 && c.end && strcmp(c.session, "s1") == 0,
	    "end_session: an end call for s1 %s", why);
	sr_mcp_call_free(&c);
	cJSON_Delete(a);
	a = cJSON_Parse("{\"session\":\"s1\",\"x\":1}");
	ok(sr_mcp_tools_end_args(a, &c, why, sizeof(why)) < 0 &&
	    strstr(why, "x: unknown argument") != NULL,
	    "end_session: unknown argument named: %s", why);
	cJSON_Delete(a);
	ok(sr_mcp_tools_end_args(NULL, &c, why, sizeof(why)) < 0 &&
	    strstr(why, "session: required") != NULL,
	    "end_session: session required: %s", why);
}

static void
test_result(void)
{
	const char *res = "{\"schema\":\"sandrun.result/1\",\"status\":"
	    "\"exit_nonzero\",\"exit_status\":1,\"signal\":null,"
	    "\"limit_hit\":null,\"time\":{\"wall_ms\":250},\"error\":{\"name\":"
	    "\"ValueError\",\"value\":\"bad\"},\"stdout\":{\"text\":\"hi\\n\","
	    "\"bytes\":3},\"stderr\":{\"text\":\"\",\"bytes\":0},\"files\":["
	    "{\"path\":\"c.png\",\"size\":3,\"mime\":\"image/png\",\"content\":"
	    "\"AAEC\",\"encoding\":\"base64\"}],\"skipped\":[]}";
	cJSON *r = sr_mcp_tools_result(res, strlen(res), 1 << 20), *c;
	const char *text;

	ok(r != NULL, "result rendered");
	c = cJSON_GetObjectItem(r, "content");
	text = cJSON_GetObjectItem(cJSON_GetArrayItem(c, 0), "text")->valuestring;
	is_str(text, "status: exit_nonzero, exit status 1, 0.25 s\n"
	    "error: ValueError: bad\nstdout:\nhi\n"
	    "file: c.png (image/png, 3 bytes)\n", "text for the model");
	ok(cJSON_GetArraySize(c) == 2 && strcmp(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(c, 1), "type")->valuestring, "image") == 0,
	    "one image item");
	ok(cJSON_IsTrue(cJSON_GetObjectItem(r, "isError")), "isError true");
	cJSON_Delete(r);
	r = sr_mcp_tools_result(res, strlen(res), 300);
	c = cJSON_GetObjectItem(r, "content");
	ok(r != NULL && cJSON_GetArraySize(c) == 1 &&
	    !cJSON_HasObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(r, "structuredContent"), "files"), 0),
	    "content"), "file contents dropped past the size bound");
	cJSON_Delete(r);
	ok(sr_mcp_tools_result("{\"a\":1}", 7, 1000) == NULL,
	    "not a result object");
}

int
main(void)
{
	TAP_PLAN(19 + 5 + 15 + 6 + 3 + 4);
	test_parse();
	test_version();
	test_args();
	test_sessions();
	test_result();
	return tap_done();
}
