/* mcp_result.c - a sandrun result object as an MCP CallToolResult:
 * structuredContent is the object itself, content a short text for the
 * model and one image item per PNG the code produced (mcp_tools.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mcp_tools.h"
#include "util.h"

struct text {
	char *s;
	size_t len, cap;
};

static void
add(struct text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = sr_xrealloc(t->s, t->cap);
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
	t->s[t->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static void
addf(struct text *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		add(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Back off to the start of a UTF-8 character. */
static size_t
char_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/* The stream's text, with its head and tail kept when it is long. */
static void
add_stream(struct text *t, const cJSON *res, const char *name)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(res, name);
	const cJSON *txt = cJSON_GetObjectItemCaseSensitive(o, "text");
	const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(o, "bytes");
	const char *s;
	size_t n, h, tl;

	if (!cJSON_IsString(txt) || *txt->valuestring == '\0')
		return;
	s = txt->valuestring;
	n = strlen(s);
	addf(t, "%s", name);
	if (cJSON_IsNumber(bytes) && bytes->valuedouble > (double)n)
		addf(t, " (%.0f bytes written, cut in the middle)",
		    bytes->valuedouble);
	add(t, ":\n", 2);
	if (n <= SR_MCP_TEXT_HEAD + SR_MCP_TEXT_TAIL) {
		add(t, s, n);
	} else {
		h = char_start(s, SR_MCP_TEXT_HEAD);
		tl = char_start(s, n - SR_MCP_TEXT_TAIL);
		add(t, s, h);
		addf(t, "\n[... %zu bytes left out ...]\n", tl - h);
		add(t, s + tl, n - tl);
	}
	if (s[n - 1] != '\n')
		add(t, "\n", 1);
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
add_head(struct text *t, const cJSON *res)
{
	const char *status = str(res, "status"), *s;
	const cJSON *es = cJSON_GetObjectItemCaseSensitive(res, "exit_status");
	const cJSON *wall = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(res, "time"), "wall_ms");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(res, "error");

	addf(t, "status: %s", status ? status : "?");
	if (cJSON_IsNumber(es))
		addf(t, ", exit status %.0f", es->valuedouble);
	if ((s = str(res, "signal")) != NULL)
		addf(t, ", %s", s);
	if ((s = str(res, "limit_hit")) != NULL)
		addf(t, ", %s limit hit", s);
	if (cJSON_IsNumber(wall))
		addf(t, ", %.2f s", wall->valuedouble / 1000.0);
	add(t, "\n", 1);
	if ((s = str(err, "message")) != NULL) {
		add(t, "error: ", 7);
		add(t, s, strlen(s));
		add(t, "\n", 1);
	} else if ((s = str(err, "name")) != NULL) {
		const char *v = str(err, "value");

		addf(t, "error: %s", s);
		if (v != NULL && *v != '\0') {
			add(t, ": ", 2);
			add(t, v, strlen(v));
		}
		add(t, "\n", 1);
	}
}

static void
add_files(struct text *t, const cJSON *res)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(res, "files")) {
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(f, "size");
		const char *p = str(f, "path"), *m = str(f, "mime");

		addf(t, "file: %s (%s, %.0f bytes)\n", p ? p : "?",
		    m ? m : "unknown type",
		    cJSON_IsNumber(size) ? size->valuedouble : 0);
	}
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(res, "skipped")) {
		const char *p = str(f, "path"), *r = str(f, "reason");

		addf(t, "skipped: %s (%s)\n", p ? p : "?", r ? r : "?");
	}
}

static cJSON *
build(cJSON *res, bool images, const char *note)
{
	cJSON *r = cJSON_CreateObject(), *content, *item, *f;
	struct text t = { 0 };
	const char *status = str(res, "status");
	int n_img = 0;

	add_head(&t, res);
	add_stream(&t, res, "stdout");
	add_stream(&t, res, "stderr");
	if (str(res, "value") != NULL)	/* a session call's last expression */
		addf(&t, "value: %s\n", str(res, "value"));
	add_files(&t, res);
	if (note != NULL)
		addf(&t, "note: %s\n", note);
	content = cJSON_AddArrayToObject(r, "content");
	item = cJSON_CreateObject();
	cJSON_AddStringToObject(item, "type", "text");
	cJSON_AddStringToObject(item, "text", t.s);
	cJSON_AddItemToArray(content, item);
	free(t.s);
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(res, "files")) {
		const char *m = str(f, "mime"), *enc = str(f, "encoding");
		const char *data = str(f, "content");

		if (!images || n_img >= SR_MCP_IMAGES_MAX || m == NULL ||
		    strcmp(m, "image/png") != 0 || enc == NULL ||
		    strcmp(enc, "base64") != 0 || data == NULL)
			continue;
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "type", "image");
		cJSON_AddStringToObject(item, "data", data);
		cJSON_AddStringToObject(item, "mimeType", "image/png");
		cJSON_AddItemToArray(content, item);
		n_img++;
	}
	if (images && str(res, "value_png") != NULL &&
	    n_img < SR_MCP_IMAGES_MAX) {
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "type", "image");
		cJSON_AddStringToObject(item, "data", str(res, "value_png"));
		cJSON_AddStringToObject(item, "mimeType", "image/png");
		cJSON_AddItemToArray(content, item);
	}
	cJSON_AddItemReferenceToObject(r, "structuredContent", res);
	cJSON_AddBoolToObject(r, "isError", status == NULL ||
	    strcmp(status, "ok") != 0);
	return r;
}

static size_t
printed_len(const cJSON *r)
{
	char *s = cJSON_PrintUnformatted(r);
	size_t n = s ? strlen(s) : SIZE_MAX;

	cJSON_free(s);
	return n;
}

/* The final tree: r without the reference, res moved in. */
static cJSON *
finish(cJSON *r, cJSON *res)
{
	cJSON_DeleteItemFromObjectCaseSensitive(r, "structuredContent");
	cJSON_AddItemToObject(r, "structuredContent", res);
	return r;
}

cJSON *
sr_mcp_tools_result(const char *json, size_t len, size_t max)
{
	cJSON *res = cJSON_ParseWithLength(json, len), *r, *f;

	if (!cJSON_IsObject(res) || str(res, "schema") == NULL ||
	    str(res, "status") == NULL) {
		cJSON_Delete(res);
		return NULL;
	}
	r = build(res, true, NULL);
	if (printed_len(r) + 256 <= max)
		return finish(r, res);
	cJSON_Delete(r);
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(res, "files")) {
		cJSON_DeleteItemFromObjectCaseSensitive(f, "content");
		cJSON_DeleteItemFromObjectCaseSensitive(f, "encoding");
		cJSON_DeleteItemFromObjectCaseSensitive(f, "invalid_utf8");
	}
	if ((f = cJSON_CreateNull()) != NULL &&
	    !cJSON_ReplaceItemInObjectCaseSensitive(res, "value_png", f))
		cJSON_Delete(f);	/* no value_png to drop */
	r = build(res, false, "file contents left out: the result would "
	    "pass the 10 MiB message limit");
	return finish(r, res);
}

cJSON *
sr_mcp_tools_text(const char *text, bool error)
{
	cJSON *r = cJSON_CreateObject(), *c = cJSON_AddArrayToObject(r, "content");
	cJSON *item = cJSON_CreateObject();

	cJSON_AddStringToObject(item, "type", "text");
	cJSON_AddStringToObject(item, "text", text);
	cJSON_AddItemToArray(c, item);
	cJSON_AddBoolToObject(r, "isError", error);
	return r;
}

cJSON *
sr_mcp_tools_error(const char *text)
{
	return sr_mcp_tools_text(text, true);
}
