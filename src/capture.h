/* capture.h - bounded capture of one output stream.
 *
 * Keeps the first head_max bytes and the last tail_max bytes of everything
 * fed to it, counts the total exactly, and never allocates more than
 * head_max + tail_max bytes however much is fed.  Pure: no I/O.
 */
#ifndef SR_CAPTURE_H
#define SR_CAPTURE_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sr_capture {
	char *head;		/* first bytes, up to head_max */
	size_t head_len, head_max;
	char *tail;		/* ring buffer of the last tail_max bytes */
	size_t tail_max, tail_pos;	/* tail_pos: next write index */
	uint64_t tail_fill;	/* bytes stored in the ring (<= tail_max) */
	uint64_t total;		/* every byte fed, exact */
};

/* cap is the per-stream output limit: keeps cap bytes in all, split into a
 * head of cap - cap/4 and a tail of cap/4 (the tail holds tracebacks).
 * cap == 0 keeps nothing but still counts. */
void sr_capture_init(struct sr_capture *c, uint64_t cap);
void sr_capture_feed(struct sr_capture *c, const void *buf, size_t len);
/* True when more than cap bytes were fed. */
bool sr_capture_truncated(const struct sr_capture *c);
/* Bytes dropped between head and tail. */
uint64_t sr_capture_omitted(const struct sr_capture *c);
/* Assemble the kept bytes: head, then (if truncated) the tail, in order.
 * *gap is set to the offset where the omitted part sits (== len when none).
 * Caller frees the returned buffer (NUL-terminated, may contain NULs). */
char *sr_capture_bytes(const struct sr_capture *c, size_t *len, size_t *gap);
void sr_capture_free(struct sr_capture *c);

/* The line put where a truncated stream's middle was dropped. */
#define SR_CAPTURE_MARKER_FMT "\n[... sandrun: %" PRIu64 " bytes omitted ...]\n"

/* The kept bytes as valid UTF-8 text: sanitized head, then (when truncated)
 * the marker line, then the sanitized tail.  Head and tail are sanitized
 * separately, so a character cut by the gap becomes U+FFFD on each side.
 * *replaced counts the replaced bytes.  Caller frees (NUL-terminated, may
 * contain NULs; *len is its length). */
char *sr_capture_text(const struct sr_capture *c, size_t *len,
    size_t *replaced);

#endif

