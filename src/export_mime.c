/* export_mime.c - what an exported file is (magic bytes, then text
 * shapes: SVG, JSON, CSV) and its base64 form for the result. */
#include "config.h"

#include <resolv.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "export.h"
#include "export_int.h"
#include "json_scan.h"
#include "utf8.h"
#include "util.h"

/* Valid UTF-8, no NUL, no control characters but the usual whitespace,
 * backspace and escape. */
bool
sr_export_is_text(const unsigned char *p, size_t len)
{
	size_t i, k;

	for (i = 0; i < len; i += k) {
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t' &&
		    p[i] != '\r' && p[i] != '\f' && p[i] != '\v' &&
		    p[i] != '\b' && p[i] != 0x1b)
			return false;
		if ((k = sr_utf8_seq(p + i, len - i)) == 0)
			return false;
	}
	return true;
}

static bool
has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);

	return n > e && strcasecmp(path + n - e, ext) == 0;
}

/* At least two complete records with the same number (>= 1) of commas
 * outside double quotes, and no record that differs, in the first 64 KiB
 * (at most 20 records). */
static bool
looks_csv(const unsigned char *p, size_t len, bool one_is_enough)
{
	size_t i, n = len < 65536 ? len : 65536;
	long want = -1, commas = 0;
	int records = 0;
	bool q = false;

	for (i = 0; i < n && records < 20; i++) {
		if (p[i] == '"')
			q = !q;
		else if (p[i] == ',' && !q)
			commas++;
		else if (p[i] == '\n' && !q) {
			if (commas == 0 && i > 0 && records > 0 &&
			    (p[i - 1] == '\n' || (p[i - 1] == '\r' && i > 1 &&
			    p[i - 2] == '\n')))
				continue;	/* blank line */
			if (want < 0)
				want = commas;
			else if (commas != want)
				return false;
			records++;
			commas = 0;
		}
	}
	if (i == len && !q && (commas > 0 || records == 0)) {
		/* the last record without a final newline */
		if (want < 0)
			want = commas;
		else if (commas != want)
			return false;
		records++;
	}
	return want >= 1 && (records >= 2 || (one_is_enough && records == 1));
}

static bool
looks_svg(const unsigned char *p, size_t len)
{
	size_t n = len < 4096 ? len : 4096, i;

	if (!(n >= 5 && (memcmp(p, "<?xml", 5) == 0 || memcmp(p, "<svg", 4) == 0 ||
	    memcmp(p, "<!--", 4) == 0 || (n >= 9 && strncasecmp((const char *)p,
	    "<!DOCTYPE", 9) == 0))))
		return false;
	for (i = 0; i + 5 <= n; i++)
		if (memcmp(p + i, "<svg", 4) == 0 && (p[i + 4] == ' ' ||
		    p[i + 4] == '>' || p[i + 4] == '\n' || p[i + 4] == '\t' ||
		    p[i + 4] == '\r'))
			return true;
	return false;
}

static bool
looks_json(const unsigned char *p, size_t len)
{
	size_t e = len, off;
	const char *why;

	if (len == 0 || (p[0] != '{' && p[0] != '['))
		return false;
	if (len > (16u << 20)) {
		/* Too big to scan here: the outer brackets match. */
		while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\n' ||
		    p[e - 1] == '\r' || p[e - 1] == '\t'))
			e--;
		return e > 0 && p[e - 1] == (p[0] == '{' ? '}' : ']');
	}
	/* sr_export_is_text() made sure of UTF-8 and no NUL */
	return sr_json_scan((const char *)p, len, SR_JSON_DEPTH_LIMIT, &off,
	    &why) == 0;
}

const char *
sr_export_mime(const char *path, const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (len >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	if (!sr_export_is_text(p, len))
		return "application/octet-stream";
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;		/* byte-order mark */
	while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' ||
	    p[i] == '\t'))
		i++;
	if (i < len && p[i] == '<' && looks_svg(p + i, len - i))
		return "image/svg+xml";
	if (i < len && looks_json(p + i, len - i))
		return "application/json";
	if (looks_csv(p, len, has_ext(path, ".csv")))
		return "text/csv";
	return "text/plain";
}

bool
sr_export_textual(const char *mime)
{
	return strncmp(mime, "text/", 5) == 0 ||
	    strcmp(mime, "application/json") == 0 ||
	    strcmp(mime, "image/svg+xml") == 0;
}

/* b64_ntop (libresolv) writes the padded encoding and a NUL. */
char *
sr_export_base64(const unsigned char *p, size_t len, size_t *outlen)
{
	size_t cap = (len + 2) / 3 * 4 + 1;
	char *o = sr_xmalloc(cap);
	int n = b64_ntop(p, len, o, cap);

	if (n < 0) {		/* cannot happen: cap is exact */
		o[0] = '\0';
		n = 0;
	}
	if (outlen != NULL)
		*outlen = (size_t)n;
	return o;
}
