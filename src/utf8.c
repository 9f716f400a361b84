/* utf8.c - the one strict UTF-8 decoder, used by the policy scanner, the
 * output sanitizer and the export name checks. */
#include "config.h"

#include <string.h>

#include "utf8.h"
#include "util.h"

size_t
sr_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char b = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (b < 0x80)
		return 1;
	if (b < 0xc2)		/* continuation, or overlong C0/C1 */
		return 0;
	if (b < 0xe0)
		need = 2;
	else if (b < 0xf0) {
		need = 3;
		if (b == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (b == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (b < 0xf5) {
		need = 4;
		if (b == 0xf0)
			lo = 0x90;	/* overlong */
		else if (b == 0xf4)
			hi = 0x8f;	/* > U+10FFFF */
	} else
		return 0;
	if (n < need)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

size_t
sr_utf8_valid_prefix(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0, k;

	while (i < len) {
		if ((k = sr_utf8_seq(p + i, len - i)) == 0)
			return i;
		i += k;
	}
	return len;
}

char *
sr_utf8_sanitize(const char *buf, size_t len, size_t *outlen,
    size_t *replaced)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0, o = 0, r = 0, k;
	char *out;

	/* each input byte becomes at most 3 output bytes (U+FFFD) */
	out = sr_xreallocarray(NULL, len + 1, 3);
	while (i < len) {
		k = sr_utf8_seq(p + i, len - i);
		if (k == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			r++;
			i++;
			continue;
		}
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	*outlen = o;
	*replaced = r;
	return out;
}
