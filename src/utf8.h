/* utf8.h - the one strict UTF-8 decoder (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF) and what is built on it. */
#ifndef SR_UTF8_H
#define SR_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes at p
 * (n of them available) do not start one. */
size_t sr_utf8_seq(const unsigned char *p, size_t n);

/* Length of the longest valid UTF-8 prefix of buf: len when all of it is. */
size_t sr_utf8_valid_prefix(const char *buf, size_t len);

/* Turn arbitrary bytes into valid UTF-8: each byte of an invalid or
 * truncated sequence becomes U+FFFD.  Returns an allocated NUL-terminated
 * string (embedded NULs kept; *outlen is its length) and sets *replaced to
 * the number of replacements. */
char *sr_utf8_sanitize(const char *buf, size_t len, size_t *outlen,
    size_t *replaced);

#endif
