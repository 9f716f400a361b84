/* test_capture.c - head+tail capture arithmetic against a naive model, and
 * the strict UTF-8 sanitizer (SECURITY.md cases 70, 71, 75). */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "utf8.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* xorshift64*: deterministic, seeded, no libc rand() state. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Check c against the naive model: all of data[0..total) was fed. */
static int
check_model(const struct sr_capture *c, uint64_t cap, const char *data,
    size_t total, char *why, size_t whylen)
{
	size_t head_max = cap - cap / 4, tail_max = cap / 4, len, gap;
	size_t want_len, want_gap;
	bool trunc = total > cap;
	char *got;
	int r = 1;

	if (c->total != total) {
		snprintf(why, whylen, "total %" PRIu64 " != %zu", c->total,
		    total);
		return 0;
	}
	if (sr_capture_truncated(c) != trunc) {
		snprintf(why, whylen, "truncated flag wrong");
		return 0;
	}
	if (sr_capture_omitted(c) != (trunc ? total - cap : 0)) {
		snprintf(why, whylen, "omitted %" PRIu64 " wrong",
		    sr_capture_omitted(c));
		return 0;
	}
	if (c->head_len > head_max || c->tail_fill > tail_max) {
		snprintf(why, whylen, "over budget");
		return 0;
	}
	got = sr_capture_bytes(c, &len, &gap);
	want_len = trunc ? (size_t)cap : total;
	want_gap = trunc ? head_max : total;
	if (len != want_len || gap != want_gap || got[len] != '\0') {
		snprintf(why, whylen, "len %zu gap %zu, want %zu %zu", len,
		    gap, want_len, want_gap);
		r = 0;
	} else if (!trunc && memcmp(got, data, total) != 0) {
		snprintf(why, whylen, "bytes differ (untruncated)");
		r = 0;
	} else if (trunc && (memcmp(got, data, head_max) != 0 ||
	    memcmp(got + head_max, data + total - tail_max, tail_max) != 0)) {
		snprintf(why, whylen, "head/tail bytes differ");
		r = 0;
	}
	free(got);
	return r;
}

/* Feed total bytes of data in chunks of `chunk` (0 = random sizes). */
static int
run_case(uint64_t cap, const char *data, size_t total, size_t chunk,
    char *why, size_t whylen)
{
	struct sr_capture c;
	size_t off = 0, n;
	int r;

	sr_capture_init(&c, cap);
	sr_capture_feed(&c, data, 0);
	while (off < total) {
		n = chunk ? chunk : (size_t)(rnd() % (rnd() % 4 ? 9 : 3 * cap + 2)) + 1;
		if (rnd() % 16 == 0)
			n = 0;	/* empty feeds are legal */
		if (n > total - off)
			n = total - off;
		sr_capture_feed(&c, data + off, n);
		off += n;
	}
	r = check_model(&c, cap, data, total, why, whylen);
	sr_capture_free(&c);
	return r;
}

static void
test_boundaries(const char *data)
{
	static const uint64_t caps[] = { 0, 1, 3, 4, 5, 8, 1000, 4096, 65536 };
	static const int64_t deltas[] = { -1, 0, 1 };
	char why[128] = "";
	size_t i, j, k, chunks[4];
	int fails = 0, n = 0;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		chunks[0] = 1;
		chunks[1] = 7;
		chunks[2] = 4096;
		chunks[3] = caps[i] ? (size_t)caps[i] : 1;
		for (j = 0; j < ARRAY_SIZE(deltas); j++) {
			if (caps[i] == 0 && deltas[j] < 0)
				continue;
			for (k = 0; k < 4; k++) {
				size_t total = (size_t)((int64_t)caps[i] + deltas[j]);

				n++;
				if (!run_case(caps[i], data, total, chunks[k], why,
				    sizeof(why))) {
					if (fails++ < 5)
						printf("# cap %" PRIu64 " total %zu chunk %zu: %s\n",
						    caps[i], total, chunks[k], why);
				}
			}
		}
	}
	ok(fails == 0, "boundary matrix: %d cases (cap-1, cap, cap+1 x chunks 1, 7, 4096, cap)", n);
}

static void
test_random(const char *data, size_t datalen)
{
	char why[128] = "";
	int i, fails = 0, n = 5000;

	for (i = 0; i < n; i++) {
		uint64_t cap = rnd() % 4 == 0 ? rnd() % 5000 : rnd() % 40;
		size_t total;

		switch (rnd() % 4) {
		case 0: total = (size_t)cap; break;
		case 1: total = (size_t)cap + 1; break;
		case 2: total = cap ? (size_t)cap - 1 : 0; break;
		default: total = (size_t)(rnd() % (3 * cap + 50)); break;
		}
		if (total > datalen)
			total = datalen;
		if (!run_case(cap, data, total, 0, why, sizeof(why)) &&
		    fails++ < 5)
			printf("# random case %d cap %" PRIu64 " total %zu: %s\n",
			    i, cap, total, why);
	}
	ok(fails == 0, "%d random chunkings agree with the naive model", n);
}

static void
test_lazy(void)
{
	struct sr_capture c;
	char big[10000];

	memset(big, 'x', sizeof(big));
	sr_capture_init(&c, 1024 * 1024);
	ok(c.head == NULL && c.tail == NULL, "nothing allocated before output");
	sr_capture_feed(&c, "hello", 5);
	ok(c.head != NULL && c.tail == NULL, "no tail ring until the head is full");
	sr_capture_free(&c);
	sr_capture_init(&c, 0);
	sr_capture_feed(&c, big, sizeof(big));
	ok(c.head == NULL && c.tail == NULL && c.total == sizeof(big) &&
	    sr_capture_omitted(&c) == sizeof(big),
	    "cap 0 keeps nothing, counts everything");
	sr_capture_free(&c);
	ok(c.head == NULL && c.tail == NULL && c.head_len == 0 &&
	    c.tail_fill == 0 && c.total == sizeof(big),
	    "sr_capture_free releases the buffers and keeps the count");
	sr_capture_free(&c);	/* idempotent: ASan sees a double free */
	sr_capture_free(NULL);
}

static void
test_huge_count(void)
{
	struct sr_capture c;
	static char chunk[1 << 16];
	uint64_t i, n = (5ull << 30) / sizeof(chunk);	/* 5 GiB, past 2^32 */

	memset(chunk, 'a', sizeof(chunk));
	sr_capture_init(&c, 100);
	for (i = 0; i < n; i++)
		sr_capture_feed(&c, chunk, sizeof(chunk));
	ok(c.total == 5ull << 30 && sr_capture_omitted(&c) == (5ull << 30) - 100,
	    "5 GiB counted exactly in 64 bits");
	sr_capture_free(&c);
}

#define R "\xef\xbf\xbd"	/* U+FFFD */

static void
test_text(void)
{
	struct sr_capture c;
	const char emoji[] = "\xf0\x9f\x98\x80";
	char *t;
	size_t len, rep;
	const char want[] = "abcde" R "\n[... sandrun: 15 bytes omitted ...]\n"
	    R R;

	/* cap 8: head 6, tail 2.  The 4-byte char is cut at the head end
	 * and another at the tail start. */
	sr_capture_init(&c, 8);
	sr_capture_feed(&c, "abcde", 5);
	sr_capture_feed(&c, emoji, 4);
	sr_capture_feed(&c, "0123456789", 10);
	sr_capture_feed(&c, emoji, 4);
	t = sr_capture_text(&c, &len, &rep);
	ok(len == sizeof(want) - 1 && memcmp(t, want, len) == 0 && rep == 3,
	    "char cut at head and tail edges becomes U+FFFD, marker between");
	free(t);
	sr_capture_free(&c);

	/* Exactly cap bytes, a 4-byte char straddling the head/tail split
	 * (not truncated): kept whole. */
	sr_capture_init(&c, 8);
	sr_capture_feed(&c, "abcd", 4);
	sr_capture_feed(&c, emoji, 4);
	t = sr_capture_text(&c, &len, &rep);
	ok(len == 8 && memcmp(t, "abcd\xf0\x9f\x98\x80", 8) == 0 && rep == 0 &&
	    !sr_capture_truncated(&c),
	    "exactly cap bytes: char across head/ring kept whole");
	free(t);
	/* One more byte: now truncated; the char's first 2 bytes are in the
	 * head, its last byte and "!" in the tail. */
	sr_capture_feed(&c, "!", 1);
	t = sr_capture_text(&c, &len, &rep);
	ok(sr_capture_truncated(&c) && sr_capture_omitted(&c) == 1 &&
	    len == strlen("abcd" R R "\n[... sandrun: 1 bytes omitted ...]\n" R "!") &&
	    memcmp(t, "abcd" R R "\n[... sandrun: 1 bytes omitted ...]\n" R "!",
	    len) == 0 && rep == 3,
	    "cap+1 with a 4-byte char straddling cap");
	free(t);
	sr_capture_free(&c);

	/* NUL survives into the text. */
	sr_capture_init(&c, 100);
	sr_capture_feed(&c, "a\0b", 3);
	t = sr_capture_text(&c, &len, &rep);
	ok(len == 3 && memcmp(t, "a\0b", 3) == 0 && rep == 0, "NUL kept in text");
	free(t);
	sr_capture_free(&c);
}

int
main(void)
{
	size_t datalen = 3 * 65536 + 100, i;
	char *data = malloc(datalen);

	TAP_PLAN(11);
	for (i = 0; i < datalen; i++)
		data[i] = (char)(rnd() >> 24);
	test_boundaries(data);
	test_random(data, datalen);
	test_lazy();
	test_huge_count();
	test_text();
	free(data);
	return tap_done();
}
