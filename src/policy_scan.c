/* policy_scan.c - pass 1 of reading a policy: the raw bytes must be a
 * non-empty file under the size cap, without BOM or NUL, valid UTF-8 and
 * strict JSON (json_scan.c) nested at most SR_POLICY_DEPTH_MAX deep, so
 * that cJSON, which is lenient and recursive, only ever sees small,
 * well-formed documents.  Problems are reported by line and column.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_scan.h"
#include "policy.h"
#include "policy_int.h"
#include "utf8.h"

static void
line_col(const char *b, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (b[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)b[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

/* The length of buf's leading ASCII, eight bytes at a time: ASCII is
 * valid UTF-8 byte by byte, so only the rest needs the full check. */
static size_t
ascii_prefix(const char *buf, size_t len)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, buf + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
	}
	while (i < len && (unsigned char)buf[i] < 0x80)
		i++;
	return i;
}

int
sr_policy_scan(const char *buf, size_t len, char *msg, size_t msglen)
{
	const char *nul, *why;
	unsigned line, col;
	size_t bad;

	if (len == 0) {
		snprintf(msg, msglen, "empty file (a policy is a JSON object)");
		return -1;
	}
	if (len > SR_POLICY_FILE_MAX) {
		snprintf(msg, msglen, "file too large (more than %d bytes)",
		    SR_POLICY_FILE_MAX);
		return -1;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		snprintf(msg, msglen, "starts with a byte order mark (save it "
		    "as UTF-8 without BOM)");
		return -1;
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		line_col(buf, (size_t)(nul - buf), &line, &col);
		snprintf(msg, msglen, "line %u, column %u: NUL byte in file", line,
		    col);
		return -1;
	}
	bad = ascii_prefix(buf, len);
	if ((bad += sr_utf8_valid_prefix(buf + bad, len - bad)) != len) {
		line_col(buf, bad, &line, &col);
		snprintf(msg, msglen, "line %u, column %u: invalid UTF-8", line,
		    col);
		return -1;
	}
	if (sr_json_scan(buf, len, SR_POLICY_DEPTH_MAX, &bad, &why) < 0) {
		line_col(buf, bad, &line, &col);
		snprintf(msg, msglen, "line %u, column %u: invalid JSON: %s",
		    line, col, why);
		return -1;
	}
	return 0;
}
