/* test_utf8.c - the one strict UTF-8 decoder (utf8.c): sequence lengths,
 * the valid prefix and the sanitizer. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

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

struct u8case {
	const char *name, *in;
	size_t inlen;
	const char *want;
	size_t wantlen, replaced;
};

#define R "\xef\xbf\xbd"
#define C(name, in, want, rep) \
	{ name, in, sizeof(in) - 1, want, sizeof(want) - 1, rep }

static const struct u8case u8cases[] = {
	C("ascii", "hello", "hello", 0),
	C("empty", "", "", 0),
	C("NUL passes through", "a\0b", "a\0b", 0),
	C("controls pass through", "\x1b[2J\r\x7f\t", "\x1b[2J\r\x7f\t", 0),
	C("2-byte", "\xc3\xa9", "\xc3\xa9", 0),
	C("3-byte", "\xe2\x82\xac", "\xe2\x82\xac", 0),
	C("4-byte", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 0),
	C("U+0080", "\xc2\x80", "\xc2\x80", 0),
	C("U+07FF", "\xdf\xbf", "\xdf\xbf", 0),
	C("U+0800", "\xe0\xa0\x80", "\xe0\xa0\x80", 0),
	C("U+D7FF", "\xed\x9f\xbf", "\xed\x9f\xbf", 0),
	C("U+E000", "\xee\x80\x80", "\xee\x80\x80", 0),
	C("U+FFFF", "\xef\xbf\xbf", "\xef\xbf\xbf", 0),
	C("U+10000", "\xf0\x90\x80\x80", "\xf0\x90\x80\x80", 0),
	C("U+10FFFF", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", 0),
	C("U+2028 U+2029 valid", "\xe2\x80\xa8\xe2\x80\xa9",
	    "\xe2\x80\xa8\xe2\x80\xa9", 0),
	C("UTF-8 BOM valid", "\xef\xbb\xbf", "\xef\xbb\xbf", 0),
	C("lone continuation 80", "\x80", R, 1),
	C("lone continuation BF", "\xbf", R, 1),
	C("bytes 80-FF each replaced", "\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0\xff",
	    R R R R R R R R R, 9),
	C("overlong C0 AF", "\xc0\xaf", R R, 2),
	C("overlong C1 BF", "\xc1\xbf", R R, 2),
	C("overlong C0 80 (NUL)", "\xc0\x80", R R, 2),
	C("overlong E0 80 AF", "\xe0\x80\xaf", R R R, 3),
	C("overlong E0 9F BF", "\xe0\x9f\xbf", R R R, 3),
	C("surrogate ED A0 80", "\xed\xa0\x80", R R R, 3),
	C("surrogate ED BF BF", "\xed\xbf\xbf", R R R, 3),
	C("surrogate pair", "\xed\xa0\xbd\xed\xb8\x80", R R R R R R, 6),
	C("overlong F0 80 80 80", "\xf0\x80\x80\x80", R R R R, 4),
	C("overlong F0 8F BF BF", "\xf0\x8f\xbf\xbf", R R R R, 4),
	C("> U+10FFFF F4 90 80 80", "\xf4\x90\x80\x80", R R R R, 4),
	C("F5", "\xf5\x80\x80\x80", R R R R, 4),
	C("F8 5-byte form", "\xf8\x88\x80\x80\x80", R R R R R, 5),
	C("FC 6-byte form", "\xfc\x84\x80\x80\x80\x80", R R R R R R, 6),
	C("FE", "\xfe", R, 1),
	C("FF FE BOM", "\xff\xfe", R R, 2),
	C("truncated 2-byte at end", "a\xc3", "a" R, 1),
	C("truncated 3-byte at end", "a\xe2\x82", "a" R R, 2),
	C("truncated 4-byte at end", "a\xf0\x9f\x98", "a" R R R, 3),
	C("truncated 3-byte then ASCII", "\xe2\x82" "A", R R "A", 2),
	C("truncated 4-byte then valid", "\xf0\x9f\xc3\xa9", R R "\xc3\xa9", 2),
	C("bad second byte", "\xe2\x28\xa1", R "(" R, 2),
	C("mixed", "a\x80" "b\xc3\xa9" "c\xff", "a" R "b\xc3\xa9" "c" R, 2),
	C("replacement char itself is valid", R, R, 0),
};

static void
test_utf8(void)
{
	size_t i, outlen, rep;
	char *out;

	for (i = 0; i < ARRAY_SIZE(u8cases); i++) {
		const struct u8case *t = &u8cases[i];

		out = sr_utf8_sanitize(t->in, t->inlen, &outlen, &rep);
		ok(outlen == t->wantlen && memcmp(out, t->want, outlen) == 0 &&
		    out[outlen] == '\0' && rep == t->replaced,
		    "utf8: %s (len %zu, replaced %zu)", t->name, outlen, rep);
		/* the decoder under the sanitizer: valid exactly when nothing
		 * needed replacing */
		ok((sr_utf8_valid_prefix(t->in, t->inlen) == t->inlen) ==
		    (t->replaced == 0), "utf8: %s: valid prefix agrees",
		    t->name);
		free(out);
	}
}

/* Every output of the sanitizer is valid: sanitizing again changes nothing. */
static void
test_utf8_idempotent(void)
{
	char buf[64], *a, *b;
	size_t i, j, al, bl, ar, br;
	int fails = 0;

	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)(rnd() % sizeof(buf));

		for (j = 0; j < n; j++) {
			uint64_t x = rnd();
			/* bias towards lead/continuation bytes */
			buf[j] = (char)(x % 3 ? 0x80 + (x >> 8) % 0x80 : x >> 16);
		}
		a = sr_utf8_sanitize(buf, n, &al, &ar);
		b = sr_utf8_sanitize(a, al, &bl, &br);
		if (br != 0 || bl != al || memcmp(a, b, al) != 0)
			fails++;
		free(a);
		free(b);
	}
	ok(fails == 0, "sanitize is idempotent on 20000 random byte strings");
}

static void
test_seq(void)
{
	ok(sr_utf8_seq((const unsigned char *)"a", 1) == 1, "seq: ASCII is 1");
	ok(sr_utf8_seq((const unsigned char *)"\xc3\xa9", 2) == 2, "seq: 2");
	ok(sr_utf8_seq((const unsigned char *)"\xc3\xa9", 1) == 0,
	    "seq: 2-byte form cut by n is invalid");
	ok(sr_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4) == 4,
	    "seq: 4");
	ok(sr_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3) == 0,
	    "seq: surrogate is invalid");
	ok(sr_utf8_valid_prefix("ab\xc3\xa9\xffz", 6) == 4,
	    "valid prefix stops at the first bad byte");
}

int
main(void)
{
	TAP_PLAN(2 * (int)ARRAY_SIZE(u8cases) + 7);
	test_utf8();
	test_utf8_idempotent();
	test_seq();
	return tap_done();
}
