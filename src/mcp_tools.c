/* mcp_tools.c - run_code and end_session: schemas, arguments, results. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mcp_schema.h"		/* generated: docs/result.schema.json */
#include "mcp_tools.h"
#include "util.h"

static const char run_schema[] =
"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"code\"],"
"\"properties\":{"
"\"code\":{\"type\":\"string\",\"description\":\"The program to run, "
"written to a file in the work directory and run by the policy's "
"interpreter.\"},"
"\"policy\":{\"type\":\"string\",\"description\":\"The sandbox policy "
"(interpreter, limits, filesystem view).\"},"
"\"files\":{\"type\":\"array\",\"maxItems\":100,\"description\":\"Files to "
"put in the sandbox first. path is absolute (/code/dataset.csv) or "
"relative to the work directory; at most 8 MiB in all.\","
"\"items\":{\"type\":\"object\",\"additionalProperties\":false,"
"\"required\":[\"path\",\"content\"],\"properties\":{"
"\"path\":{\"type\":\"string\"},\"content\":{\"type\":\"string\"},"
"\"encoding\":{\"type\":\"string\",\"enum\":[\"utf-8\",\"base64\"],"
"\"default\":\"utf-8\"}}}},"
"\"stdin\":{\"type\":\"string\",\"description\":\"Standard input of the "
"program (default: empty).\"},"
"\"timeout_s\":{\"type\":\"number\",\"exclusiveMinimum\":0,"
"\"description\":\"Wall-clock limit in seconds; it can lower the "
"policy's limit, never raise it.\"},"
"\"session\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9._-]{1,48}$\","
"\"description\":\"Run in a named session: the first call creates it, "
"later calls with the same name run in the same sandbox, so files in "
"the work directory and /tmp survive between calls, and in python the "
"interpreter too: variables, imports and functions persist, and the value "
"of the last expression is returned (as in a notebook). End it with "
"end_session; it also ends after a while idle.\"}"
"}}";

static const char end_schema[] =
"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"session\"],"
"\"properties\":{\"session\":{\"type\":\"string\",\"description\":\"The "
"session to end.\"}}}";


static const char *
default_policy(const struct sr_mcp_offer *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, "python") == 0)
			return v[i].name;
	return n > 0 ? v[0].name : "python";
}

static cJSON *
run_tool(const struct sr_mcp_offer *v, size_t n)
{
	cJSON *t = cJSON_CreateObject(), *in = cJSON_Parse(run_schema), *pol, *e;
	char *desc, *lim;
	size_t dl = 0;

	pol = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(in, "properties"), "policy");
	e = cJSON_AddArrayToObject(pol, "enum");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(e, cJSON_CreateString(v[i].name));
	cJSON_AddStringToObject(pol, "default", default_policy(v, n));
	lim = sr_xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *l;

		sr_xasprintf(&l, "%s%s%s: %s (time limit %llu s)", lim,
		    i ? "; " : "", v[i].name,
		    v[i].description ? v[i].description : "",
		    (unsigned long long)(v[i].wall_ms / 1000));
		free(lim);
		lim = l;
	}
	dl = sr_xasprintf(&desc, "Run code in a throw-away sandbox (no "
	    "network, read-only system, private work directory) and return "
	    "its output, exit status, Python error and the files it created; "
	    "PNG images it saved (e.g. plt.savefig('chart.png')) come back as "
	    "images. Policies: %s.", lim);
	(void)dl;
	cJSON_AddStringToObject(t, "name", "run_code");
	cJSON_AddStringToObject(t, "title", "Run code in a sandbox");
	cJSON_AddStringToObject(t, "description", desc);
	cJSON_AddItemToObject(t, "inputSchema", in);
	cJSON_AddItemToObject(t, "outputSchema",
	    cJSON_Parse(sr_mcp_result_schema));
	free(desc);
	free(lim);
	return t;
}

cJSON *
sr_mcp_tools_list(const struct sr_mcp_offer *v, size_t n)
{
	cJSON *r = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(r, "tools");
	cJSON *t;

	cJSON_AddItemToArray(a, run_tool(v, n));
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "name", "end_session");
	cJSON_AddStringToObject(t, "title", "End a sandbox session");
	cJSON_AddStringToObject(t, "description", "End a session started "
	    "by run_code: its sandbox, files and interpreter are gone.");
	cJSON_AddItemToObject(t, "inputSchema", cJSON_Parse(end_schema));
	cJSON_AddItemToArray(a, t);
	return r;
}

/* ---- arguments ---------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int
bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static const unsigned char b64[256] = {
#define B(c, v) [(unsigned char)(c)] = (v) + 1
	B('A', 0), B('B', 1), B('C', 2), B('D', 3), B('E', 4), B('F', 5),
	B('G', 6), B('H', 7), B('I', 8), B('J', 9), B('K', 10), B('L', 11),
	B('M', 12), B('N', 13), B('O', 14), B('P', 15), B('Q', 16),
	B('R', 17), B('S', 18), B('T', 19), B('U', 20), B('V', 21),
	B('W', 22), B('X', 23), B('Y', 24), B('Z', 25), B('a', 26),
	B('b', 27), B('c', 28), B('d', 29), B('e', 30), B('f', 31),
	B('g', 32), B('h', 33), B('i', 34), B('j', 35), B('k', 36),
	B('l', 37), B('m', 38), B('n', 39), B('o', 40), B('p', 41),
	B('q', 42), B('r', 43), B('s', 44), B('t', 45), B('u', 46),
	B('v', 47), B('w', 48), B('x', 49), B('y', 50), B('z', 51),
	B('0', 52), B('1', 53), B('2', 54), B('3', 55), B('4', 56),
	B('5', 57), B('6', 58), B('7', 59), B('8', 60), B('9', 61),
	B('+', 62), B('/', 63),
#undef B
};

int
sr_mcp_base64_decode(const char *s, size_t len, unsigned char **out,
    size_t *outlen)
{
	unsigned char *p;
	size_t n = 0, pad = 0;

	if (len % 4 != 0)
		return -1;
	if (len > 0 && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	p = sr_xmalloc(len / 4 * 3 + 1);
	for (size_t i = 0; i < len; i += 4) {
		unsigned v = 0;

		for (size_t j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)s[i + j];

			if (c == '=' && i + 4 == len && j >= 4 - pad)
				c = 'A';
			else if (b64[c] == 0) {
				free(p);
				return -1;
			}
			v = v << 6 | (unsigned)(b64[c] - 1);
		}
		p[n++] = (unsigned char)(v >> 16);
		p[n++] = (unsigned char)(v >> 8);
		p[n++] = (unsigned char)v;
	}
	*outlen = n - pad;
	*out = p;
	return 0;
}

/* The checks --file applies to a destination, with MCP's messages. */
static const char *
bad_dest(const char *p)
{
	size_t n = strlen(p);

	if (n == 0)
		return "must not be empty";
	if (n > SR_MCP_PATH_MAX)
		return "too long (more than 1024 bytes)";
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return "must not contain control characters";
	if (sr_path_has_dotdot(p))
		return "must not contain '..'";
	if (p[n - 1] == '/' || strcmp(p, ".") == 0)
		return "must name a file";
	if (strncmp(p, "/proc", 5) == 0 && (p[5] == '\0' || p[5] == '/'))
		return "must not be under /proc";
	if (strncmp(p, "/dev", 4) == 0 && (p[4] == '\0' || p[4] == '/'))
		return "must not be under /dev";
	return NULL;
}

static int
one_file(const cJSON *f, size_t i, struct sr_mcp_file *out, size_t *total,
    char *why, size_t wl)
{
	const cJSON *path, *content, *enc, *k;
	const char *e;
	bool base64 = false;

	if (!cJSON_IsObject(f))
		return bad(why, wl, "files[%zu]: must be an object with path "
		    "and content", i);
	cJSON_ArrayForEach(k, f)
		if (strcmp(k->string, "path") != 0 &&
		    strcmp(k->string, "content") != 0 &&
		    strcmp(k->string, "encoding") != 0)
			return bad(why, wl, "files[%zu].%.64s: unknown key "
			    "(path, content, encoding)", i, k->string);
	path = cJSON_GetObjectItemCaseSensitive(f, "path");
	content = cJSON_GetObjectItemCaseSensitive(f, "content");
	enc = cJSON_GetObjectItemCaseSensitive(f, "encoding");
	if (!cJSON_IsString(path))
		return bad(why, wl, "files[%zu].path: required, a string", i);
	if ((e = bad_dest(path->valuestring)) != NULL)
		return bad(why, wl, "files[%zu].path: %s", i, e);
	if (!cJSON_IsString(content))
		return bad(why, wl, "files[%zu].content: required, a string", i);
	if (enc != NULL) {
		if (!cJSON_IsString(enc) ||
		    (strcmp(enc->valuestring, "utf-8") != 0 &&
		    strcmp(enc->valuestring, "base64") != 0))
			return bad(why, wl, "files[%zu].encoding: must be "
			    "\"utf-8\" or \"base64\"", i);
		base64 = strcmp(enc->valuestring, "base64") == 0;
	}
	if (base64) {
		if (sr_mcp_base64_decode(content->valuestring,
		    strlen(content->valuestring), &out->data, &out->len) < 0)
			return bad(why, wl, "files[%zu].content: not valid "
			    "base64", i);
	} else {
		out->len = strlen(content->valuestring);
		out->data = (unsigned char *)sr_xstrdup(content->valuestring);
	}
	out->dest = sr_xstrdup(path->valuestring);
	*total += out->len;
	if (*total > SR_MCP_FILES_MAX)
		return bad(why, wl, "files: more than 8 MiB in all");
	return 0;
}

static int
files_arg(const cJSON *files, struct sr_mcp_call *c, char *why, size_t wl)
{
	size_t n = (size_t)cJSON_GetArraySize(files), total = 0, i = 0;
	const cJSON *f;

	if (!cJSON_IsArray(files))
		return bad(why, wl, "files: must be an array of {path, "
		    "content, encoding}");
	if (n > SR_MCP_NFILES_MAX)
		return bad(why, wl, "files: more than %d files",
		    SR_MCP_NFILES_MAX);
	c->files = sr_xcalloc(n + 1, sizeof(*c->files));
	cJSON_ArrayForEach(f, files) {
		if (one_file(f, i, &c->files[i], &total, why, wl) < 0) {
			c->n_files = i + 1;
			return -1;
		}
		c->n_files = ++i;
		for (size_t j = 0; j + 1 < i; j++)
			if (strcmp(c->files[j].dest, c->files[i - 1].dest) == 0)
				return bad(why, wl, "files[%zu].path: same "
				    "path as files[%zu]", i - 1, j);
	}
	return 0;
}

static int
timeout_arg(const cJSON *t, const struct sr_mcp_offer *o,
    struct sr_mcp_call *c, char *why, size_t wl)
{
	double ms;

	if (!cJSON_IsNumber(t) || !isfinite(t->valuedouble) ||
	    t->valuedouble <= 0)
		return bad(why, wl, "timeout_s: must be a number of seconds "
		    "greater than 0");
	ms = ceil(t->valuedouble * 1000.0);
	if (ms > (double)o->wall_ms)
		return bad(why, wl, "timeout_s: at most %g under policy %s "
		    "(requests can lower the policy's limits, not raise them)",
		    (double)o->wall_ms / 1000.0, o->name);
	c->timeout_ms = (uint64_t)ms;
	return 0;
}

static int
string_arg(const cJSON *v, const char *name, size_t max, char **out,
    size_t *len, char *why, size_t wl)
{
	if (!cJSON_IsString(v))
		return bad(why, wl, "%s: must be a string", name);
	*len = strlen(v->valuestring);
	if (*len > max)
		return bad(why, wl, "%s: larger than %zu MiB", name, max >> 20);
	*out = sr_xstrdup(v->valuestring);
	return 0;
}

/* A session name the model chose: the CLI's rules, with room for the
 * server's prefix (mcp_exec.c). */
static int
session_arg(const cJSON *x, char **out, char *why, size_t wl)
{
	const char *v;
	size_t n;

	if (!cJSON_IsString(x))
		return bad(why, wl, "session: must be a string");
	v = x->valuestring;
	n = strlen(v);
	if (n == 0 || n > SR_MCP_SESSION_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != n)
		return bad(why, wl, "session: 1 to %d of A-Z a-z 0-9 . _ -",
		    SR_MCP_SESSION_MAX);
	*out = sr_xstrdup(v);
	return 0;
}

static const char *const run_keys[] = {
	"code", "policy", "files", "stdin", "timeout_s", "session", NULL,
};

static int
run_args(const cJSON *args, const struct sr_mcp_offer *v, size_t n,
    struct sr_mcp_call *c, char *why, size_t wl)
{
	const cJSON *k, *pol, *x;
	const struct sr_mcp_offer *o = NULL;
	const char *name;

	if (args != NULL && !cJSON_IsObject(args))
		return bad(why, wl, "arguments: must be an object");
	cJSON_ArrayForEach(k, args) {
		size_t i;

		for (i = 0; run_keys[i] && strcmp(run_keys[i], k->string); i++)
			;
		if (run_keys[i] == NULL)
			return bad(why, wl, "%.64s: unknown argument (code, "
			    "policy, files, stdin, timeout_s, session)",
			    k->string);
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(args, "session")) != NULL &&
	    session_arg(x, &c->session, why, wl) < 0)
		return -1;
	x = cJSON_GetObjectItemCaseSensitive(args, "code");
	if (x == NULL)
		return bad(why, wl, "code: required (the program to run)");
	if (string_arg(x, "code", SR_MCP_CODE_MAX, &c->code, &c->code_len,
	    why, wl) < 0)
		return -1;
	pol = cJSON_GetObjectItemCaseSensitive(args, "policy");
	if (pol != NULL && !cJSON_IsString(pol))
		return bad(why, wl, "policy: must be a string");
	name = pol != NULL ? pol->valuestring : default_policy(v, n);
	for (size_t i = 0; i < n && o == NULL; i++)
		if (strcmp(v[i].name, name) == 0)
			o = &v[i];
	if (o == NULL) {
		char buf[80];

		return bad(why, wl, "policy: '%s' is not offered by this "
		    "server", sr_printable(name, 32, buf, sizeof(buf)));
	}
	c->policy = o->name;
	if ((x = cJSON_GetObjectItemCaseSensitive(args, "files")) != NULL &&
	    files_arg(x, c, why, wl) < 0)
		return -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(args, "stdin")) != NULL &&
	    string_arg(x, "stdin", SR_MCP_STDIN_MAX, &c->stdin_data,
	    &c->stdin_len, why, wl) < 0)
		return -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(args, "timeout_s")) != NULL &&
	    timeout_arg(x, o, c, why, wl) < 0)
		return -1;
	c->inline_max = SR_MCP_INLINE_MAX;
	return 0;
}

int
sr_mcp_tools_run_args(const cJSON *args, const struct sr_mcp_offer *v,
    size_t n, struct sr_mcp_call *c, char *why, size_t whylen)
{
	struct sr_mcp_call t = { 0 };

	if (run_args(args, v, n, &t, why, whylen) < 0) {
		sr_mcp_call_free(&t);
		return -1;
	}
	*c = t;
	return 0;
}

int
sr_mcp_tools_end_args(const cJSON *args, struct sr_mcp_call *c, char *why,
    size_t whylen)
{
	const cJSON *k, *s = cJSON_GetObjectItemCaseSensitive(args, "session");
	struct sr_mcp_call t = { 0 };

	if (args != NULL && !cJSON_IsObject(args))
		return bad(why, whylen, "arguments: must be an object");
	cJSON_ArrayForEach(k, args)
		if (strcmp(k->string, "session") != 0)
			return bad(why, whylen, "%.64s: unknown argument "
			    "(session)", k->string);
	if (s == NULL)
		return bad(why, whylen, "session: required, a string");
	if (session_arg(s, &t.session, why, whylen) < 0)
		return -1;
	t.end = true;
	*c = t;
	return 0;
}
