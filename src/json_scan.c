/* json_scan.c - a strict RFC 8259 scanner over bytes that are already
 * valid UTF-8 without NUL: no \u0000, no lone surrogate, no trailing data,
 * bounded nesting.  Iterative (a stack of open containers), so the input's
 * shape cannot exhaust the C stack, and it allocates nothing.  The policy
 * layer runs it before cJSON sees a policy; export uses it to tell JSON
 * output files apart.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json_scan.h"

struct scan {
	const char *b;
	size_t len, i;
	const char *why;
	int depth_max;
};

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
skip_ws(struct scan *s)
{
	while (s->i < s->len && is_ws(s->b[s->i]))
		s->i++;
}

static int
hex4(struct scan *s, unsigned *v)
{
	unsigned r = 0;

	if (s->len - s->i < 4) {
		s->why = "truncated \\u escape";
		return -1;
	}
	for (int k = 0; k < 4; k++) {
		char ch = s->b[s->i + k];

		r <<= 4;
		if (ch >= '0' && ch <= '9')
			r |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			r |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			r |= (unsigned)(ch - 'A' + 10);
		else {
			s->why = "invalid \\u escape";
			return -1;
		}
	}
	s->i += 4;
	*v = r;
	return 0;
}

/* The end of the run of plain string bytes (not a quote, a backslash or
 * below 0x20) from i, eight bytes at a time: the classic "has a zero
 * byte" and "has a byte less than n" word tests, exact as yes/no. */
static size_t
plain_run(const unsigned char *p, size_t i, size_t len)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t high = UINT64_C(0x8080808080808080);
	uint64_t w, q, b;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		    ((b - ones) & ~b)) & high)
			break;
	}
	while (i < len && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\')
		i++;
	return i;
}

static int
scan_string(struct scan *s)
{
	unsigned u, lo;

	s->i++;		/* opening quote */
	for (;;) {
		unsigned char ch;

		s->i = plain_run((const unsigned char *)s->b, s->i, s->len);
		if (s->i >= s->len) {
			s->why = "unterminated string";
			return -1;
		}
		ch = (unsigned char)s->b[s->i];
		if (ch == '"') {
			s->i++;
			return 0;
		}
		if (ch < 0x20) {
			s->why = "control character in string (use an escape)";
			return -1;
		}
		if (ch != '\\') {
			s->i++;
			continue;
		}
		s->i++;
		if (s->i >= s->len) {
			s->why = "unterminated string";
			return -1;
		}
		ch = (unsigned char)s->b[s->i++];
		if (strchr("\"\\/bfnrt", ch) != NULL && ch != '\0')
			continue;
		if (ch != 'u') {
			s->why = "invalid escape in string";
			return -1;
		}
		if (hex4(s, &u) < 0)
			return -1;
		if (u == 0) {
			s->why = "\\u0000 (NUL) is not allowed in strings";
			return -1;
		}
		if (u >= 0xdc00 && u <= 0xdfff) {
			s->why = "lone UTF-16 surrogate in \\u escape";
			return -1;
		}
		if (u >= 0xd800 && u <= 0xdbff) {
			if (s->len - s->i < 2 || s->b[s->i] != '\\' ||
			    s->b[s->i + 1] != 'u') {
				s->why = "lone UTF-16 surrogate in \\u escape";
				return -1;
			}
			s->i += 2;
			if (hex4(s, &lo) < 0)
				return -1;
			if (lo < 0xdc00 || lo > 0xdfff) {
				s->why = "lone UTF-16 surrogate in \\u escape";
				return -1;
			}
		}
	}
}

static bool
digit_at(struct scan *s)
{
	return s->i < s->len && s->b[s->i] >= '0' && s->b[s->i] <= '9';
}

/* One or more digits (a fraction or an exponent must have one). */
static int
digit_run(struct scan *s)
{
	if (!digit_at(s)) {
		s->why = "invalid number";
		return -1;
	}
	while (digit_at(s))
		s->i++;
	return 0;
}

static int
scan_number(struct scan *s)
{
	size_t start = s->i;

	if (s->b[s->i] == '-')
		s->i++;
	if (!digit_at(s)) {
		s->why = "invalid number";
		return -1;
	}
	if (s->b[s->i] == '0') {
		s->i++;
		if (digit_at(s)) {
			s->why = "invalid number (leading zero)";
			return -1;
		}
	} else
		while (digit_at(s))
			s->i++;
	if (s->i < s->len && s->b[s->i] == '.') {
		s->i++;
		if (digit_run(s) < 0)
			return -1;
	}
	if (s->i < s->len && (s->b[s->i] == 'e' || s->b[s->i] == 'E')) {
		s->i++;
		if (s->i < s->len && (s->b[s->i] == '+' || s->b[s->i] == '-'))
			s->i++;
		if (digit_run(s) < 0)
			return -1;
	}
	if (s->i - start > 40) {
		s->why = "number too long";
		return -1;
	}
	return 0;
}

static int
scan_literal(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->len - s->i < n || memcmp(s->b + s->i, lit, n) != 0) {
		s->why = "unexpected character";
		return -1;
	}
	s->i += n;
	return 0;
}

/* Iterative: a stack of open containers ('{' or '['), no recursion. */
static int
scan_json(struct scan *s)
{
	char stack[SR_JSON_DEPTH_LIMIT];
	int depth = 0;

	skip_ws(s);
	if (s->i >= s->len) {
		s->why = "no JSON value";
		return -1;
	}
value:
	skip_ws(s);
	if (s->i >= s->len) {
		s->why = "unexpected end of input";
		return -1;
	}
	switch (s->b[s->i]) {
	case '{':
	case '[':
		if (depth >= s->depth_max) {
			s->why = "nested too deeply";
			return -1;
		}
		stack[depth++] = s->b[s->i++];
		skip_ws(s);
		if (s->i < s->len && s->b[s->i] == (stack[depth - 1] == '{' ?
		    '}' : ']')) {
			s->i++;
			depth--;
			goto after;
		}
		if (stack[depth - 1] == '{')
			goto key;
		goto value;
	case '"':
		if (scan_string(s) < 0)
			return -1;
		goto after;
	case 't':
		if (scan_literal(s, "true") < 0)
			return -1;
		goto after;
	case 'f':
		if (scan_literal(s, "false") < 0)
			return -1;
		goto after;
	case 'n':
		if (scan_literal(s, "null") < 0)
			return -1;
		goto after;
	default:
		if (s->b[s->i] == '-' || (s->b[s->i] >= '0' && s->b[s->i] <= '9')) {
			if (scan_number(s) < 0)
				return -1;
			goto after;
		}
		s->why = "unexpected character";
		return -1;
	}
key:
	skip_ws(s);
	if (s->i >= s->len || s->b[s->i] != '"') {
		s->why = s->i >= s->len ? "unexpected end of input" :
		    "expected a string key";
		return -1;
	}
	if (scan_string(s) < 0)
		return -1;
	skip_ws(s);
	if (s->i >= s->len || s->b[s->i] != ':') {
		s->why = "expected ':' after key";
		return -1;
	}
	s->i++;
	goto value;
after:
	skip_ws(s);
	if (depth == 0) {
		if (s->i != s->len) {
			s->why = "trailing data after the top-level value";
			return -1;
		}
		return 0;
	}
	if (s->i >= s->len) {
		s->why = "unexpected end of input";
		return -1;
	}
	if (s->b[s->i] == ',') {
		s->i++;
		if (stack[depth - 1] == '{')
			goto key;
		goto value;
	}
	if (s->b[s->i] == (stack[depth - 1] == '{' ? '}' : ']')) {
		s->i++;
		depth--;
		goto after;
	}
	s->why = stack[depth - 1] == '{' ? "expected ',' or '}'" :
	    "expected ',' or ']'";
	return -1;
}

int
sr_json_scan(const char *buf, size_t len, int depth_max, size_t *off,
    const char **why)
{
	struct scan s = { buf, len, 0, NULL, depth_max };

	if (s.depth_max > SR_JSON_DEPTH_LIMIT || s.depth_max < 1)
		s.depth_max = SR_JSON_DEPTH_LIMIT;
	if (scan_json(&s) == 0)
		return 0;
	*off = s.i > len ? len : s.i;
	*why = s.why;
	return -1;
}
