/* capture.c - bounded head+tail capture of one output stream, handed out
 * as strictly sanitized UTF-8 (utf8.c) before any byte reaches JSON.
 *
 * Memory: the head grows geometrically up to head_max; the tail ring is
 * allocated (tail_max bytes) only once the head is full and more arrives.
 * Nothing beyond head_max + tail_max is ever allocated.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "utf8.h"
#include "util.h"

void
sr_capture_init(struct sr_capture *c, uint64_t cap)
{
	uint64_t tail = cap / 4;
	uint64_t head = cap - tail;

	memset(c, 0, sizeof(*c));
	/* A cap beyond the address space cannot be honoured anyway. */
	if (head > SIZE_MAX / 2)
		head = SIZE_MAX / 2;
	if (tail > SIZE_MAX / 4)
		tail = SIZE_MAX / 4;
	c->head_max = (size_t)head;
	c->tail_max = (size_t)tail;
}

static size_t
head_cap(const struct sr_capture *c)
{
	/* Allocated size of the head is tracked implicitly: we always
	 * allocate a power of two >= head_len, clamped to head_max. */
	size_t a = 4096;

	if (c->head_len == 0 && c->head == NULL)
		return 0;
	while (a < c->head_len && a < c->head_max)
		a *= 2;
	return a < c->head_max ? a : c->head_max;
}

static void
head_append(struct sr_capture *c, const char *p, size_t n)
{
	size_t have = head_cap(c), need = c->head_len + n, a;

	if (n == 0)
		return;
	if (c->head == NULL || need > have) {
		a = 4096;
		while (a < need && a < c->head_max)
			a *= 2;
		if (a > c->head_max)
			a = c->head_max;
		c->head = sr_xrealloc(c->head, a);
	}
	memcpy(c->head + c->head_len, p, n);
	c->head_len += n;
}

static void
tail_append(struct sr_capture *c, const char *p, size_t n)
{
	size_t k;

	if (c->tail_max == 0 || n == 0)
		return;
	if (c->tail == NULL)
		c->tail = sr_xmalloc(c->tail_max);
	if (n >= c->tail_max) {
		memcpy(c->tail, p + (n - c->tail_max), c->tail_max);
		c->tail_pos = 0;
		c->tail_fill = c->tail_max;
		return;
	}
	k = c->tail_max - c->tail_pos;
	if (k > n)
		k = n;
	memcpy(c->tail + c->tail_pos, p, k);
	memcpy(c->tail, p + k, n - k);
	c->tail_pos = (c->tail_pos + n) % c->tail_max;
	c->tail_fill += n;
	if (c->tail_fill > c->tail_max)
		c->tail_fill = c->tail_max;
}

void
sr_capture_feed(struct sr_capture *c, const void *buf, size_t len)
{
	const char *p = buf;
	size_t n;

	c->total += len;
	n = c->head_max - c->head_len;
	if (n > len)
		n = len;
	head_append(c, p, n);
	tail_append(c, p + n, len - n);
}

bool
sr_capture_truncated(const struct sr_capture *c)
{
	return c->total > (uint64_t)c->head_max + c->tail_max;
}

uint64_t
sr_capture_omitted(const struct sr_capture *c)
{
	if (!sr_capture_truncated(c))
		return 0;
	return c->total - c->head_len - c->tail_fill;
}

char *
sr_capture_bytes(const struct sr_capture *c, size_t *len, size_t *gap)
{
	size_t fill = (size_t)c->tail_fill, n = c->head_len + fill, start;
	char *out = sr_xmalloc(n + 1);

	if (c->head_len > 0)
		memcpy(out, c->head, c->head_len);
	if (fill > 0) {
		/* Oldest byte: at tail_pos once the ring has wrapped, else 0. */
		start = fill == c->tail_max ? c->tail_pos : 0;
		memcpy(out + c->head_len, c->tail + start, fill - start);
		memcpy(out + c->head_len + (fill - start), c->tail, start);
	}
	out[n] = '\0';
	*len = n;
	*gap = sr_capture_truncated(c) ? c->head_len : n;
	return out;
}

void
sr_capture_free(struct sr_capture *c)
{
	if (c == NULL)
		return;
	free(c->head);
	free(c->tail);
	c->head = c->tail = NULL;
	c->head_len = c->tail_pos = 0;
	c->tail_fill = 0;
}

char *
sr_capture_text(const struct sr_capture *c, size_t *len, size_t *replaced)
{
	_cleanup_free_ char *raw = NULL;
	_cleanup_free_ char *h = NULL;
	_cleanup_free_ char *t = NULL;
	char marker[96], *out;
	size_t rawlen, gap, hl, tl, hr, tr, ml = 0;

	raw = sr_capture_bytes(c, &rawlen, &gap);
	h = sr_utf8_sanitize(raw, gap, &hl, &hr);
	t = sr_utf8_sanitize(raw + gap, rawlen - gap, &tl, &tr);
	if (sr_capture_truncated(c))
		ml = (size_t)snprintf(marker, sizeof(marker),
		    SR_CAPTURE_MARKER_FMT, sr_capture_omitted(c));
	out = sr_xmalloc(hl + ml + tl + 1);
	memcpy(out, h, hl);
	memcpy(out + hl, marker, ml);
	memcpy(out + hl + ml, t, tl);
	out[hl + ml + tl] = '\0';
	*len = hl + ml + tl;
	*replaced = hr + tr;
	return out;
}
