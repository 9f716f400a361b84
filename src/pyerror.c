/* pyerror.c - extract the last uncaught Python exception from stderr.
 * The rule is documented in pyerror.h. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "pyerror.h"
#include "util.h"

#define TB_MAX (64u * 1024)	/* traceback text kept (its end) */

struct line {
	const char *s;
	size_t len;		/* without the newline (and a trailing \r) */
};

static bool
line_is(const struct line *l, const char *what)
{
	return l->len == strlen(what) && memcmp(l->s, what, l->len) == 0;
}

static bool
blank(const struct line *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (l->s[i] != ' ' && l->s[i] != '\t')
			return false;
	return true;
}

static bool
indented(const struct line *l)
{
	return l->len > 0 && (l->s[0] == ' ' || l->s[0] == '\t');
}

static bool
header(const struct line *l)
{
	return line_is(l, "Traceback (most recent call last):");
}

/* "  + Exception Group Traceback (most recent call last):" */
static bool
group_header(const struct line *l)
{
	static const char h[] = "+ Exception Group Traceback (most recent call last):";
	size_t i = 0;

	while (i < l->len && l->s[i] == ' ')
		i++;
	return l->len - i == sizeof(h) - 1 && memcmp(l->s + i, h, sizeof(h) - 1) == 0;
}

static bool
chain_line(const struct line *l)
{
	return line_is(l, "The above exception was the direct cause of the following exception:") ||
	    line_is(l, "During handling of the above exception, another exception occurred:");
}

static bool
syntax_name(const char *s, size_t n)
{
	return (n == 11 && memcmp(s, "SyntaxError", 11) == 0) ||
	    (n == 16 && memcmp(s, "IndentationError", 16) == 0) ||
	    (n == 8 && memcmp(s, "TabError", 8) == 0);
}

/* Length of a (dotted) exception name at the start of l, followed by ':'
 * or the end of the line; 0 when l does not start so. */
static size_t
exc_name(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') ||
	    (s[0] >= 'a' && s[0] <= 'z')))
		return 0;
	while (i < len && (s[i] == '_' || s[i] == '.' ||
	    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= '0' && s[i] <= '9')))
		i++;
	if (s[i - 1] == '.')
		return 0;
	if (i == len || s[i] == ':')
		return i;
	return 0;
}

static char *
trimmed(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return sr_xstrndup(s, n);
}

/* Fill e from the exception line at l (index i) to the end of the text. */
static struct sr_pyerror *
make(const struct line *l, const char *tb, const char *end, bool whole_rest)
{
	struct sr_pyerror *e;
	size_t n = exc_name(l->s, l->len), tblen = (size_t)(end - tb);
	const char *v, *vend;

	if (n == 0)
		return NULL;
	e = sr_xcalloc(1, sizeof(*e));
	e->name = sr_xstrndup(l->s, n);
	v = l->s + n;
	vend = whole_rest ? end : l->s + l->len;
	if (v < vend && *v == ':')
		v++;
	if (v < vend && *v == ' ')
		v++;
	e->value = trimmed(v, v < vend ? (size_t)(vend - v) : 0);
	if (tblen > TB_MAX) {
		tb = end - TB_MAX;
		tblen = TB_MAX;
		while (tblen > 0 && (*tb & 0xc0) == 0x80)
			tb++, tblen--;	/* do not start inside a character */
	}
	e->traceback = trimmed(tb, tblen);
	return e;
}

struct sr_pyerror *
sr_pyerror_parse(const char *text, size_t len)
{
	struct sr_pyerror *e = NULL;
	struct line *ls = NULL;
	const char *p = text, *end = text + len, *nl;
	size_t n = 0, cap = 0, i, h, k;
	bool found = false, group = false;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ls = sr_xrealloc(ls, cap * sizeof(*ls));
		}
		ls[n].s = p;
		ls[n].len = (size_t)(nl - p);
		if (ls[n].len > 0 && p[ls[n].len - 1] == '\r')
			ls[n].len--;
		n++;
		p = nl + 1;
	}
	for (h = n; h-- > 0;) {
		if (header(&ls[h]) || group_header(&ls[h])) {
			found = true;
			group = !header(&ls[h]);
			break;
		}
	}
	if (found) {
		size_t first = h;

		/* The exception line of the last traceback. */
		for (i = h + 1; i < n; i++) {
			if (group) {
				const char *s = ls[i].s;
				size_t m = ls[i].len, j = 0;

				while (j < m && s[j] == ' ')
					j++;
				if (j + 2 < m && s[j] == '|' && s[j + 1] == ' ' &&
				    s[j + 2] != ' ') {
					struct line x = { s + j + 2, m - j - 2 };

					e = make(&x, ls[first].s, end, false);
					break;
				}
			} else if (!blank(&ls[i]) && !indented(&ls[i])) {
				/* Walk back over a chain: blank, chain line,
				 * blank, then the previous traceback. */
				while (first >= 3 && blank(&ls[first - 1]) &&
				    chain_line(&ls[first - 2]) &&
				    blank(&ls[first - 3])) {
					for (k = first - 3; k-- > 0;)
						if (header(&ls[k]))
							break;
					if (k == (size_t)-1)
						break;
					first = k;
				}
				e = make(&ls[i], ls[first].s, end, true);
				break;
			}
		}
		free(ls);
		return e;
	}

	/* A syntax error of the main script: no Traceback line. */
	for (i = n; i-- > 0;) {
		size_t m = exc_name(ls[i].s, ls[i].len);

		if (m == 0 || indented(&ls[i]))
			continue;
		if (!syntax_name(ls[i].s, m))
			break;
		for (k = i; k-- > 0;) {
			if (!indented(&ls[k]))
				break;
			if (ls[k].len > 8 && memcmp(ls[k].s, "  File \"", 8) == 0) {
				e = make(&ls[i], ls[k].s, end, true);
				break;
			}
		}
		break;
	}
	free(ls);
	return e;
}

void
sr_pyerror_free(struct sr_pyerror *e)
{
	if (e == NULL)
		return;
	free(e->name);
	free(e->value);
	free(e->traceback);
	free(e);
}

void
sr_pyerror_apply(struct sr_result *r, enum sr_error_rule rule)
{
	char *text;
	size_t len, rep;

	if (rule != SR_ERROR_RULE_PYTHON || r->pyerror != NULL)
		return;
	switch (r->status) {
	case SR_STATUS_OK:
	case SR_STATUS_ERROR:
	case SR_STATUS_TIMEOUT:
		return;
	default:
		break;
	}
	if (!(r->exited && r->exit_code != 0) && r->signal == 0)
		return;
	text = sr_capture_text(&r->err, &len, &rep);
	r->pyerror = sr_pyerror_parse(text, len);
	free(text);
}
