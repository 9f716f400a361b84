/* export_int.h - between export_walk.c (inside the sandbox) and
 * export.c (the supervisor): the record stream, and the name checks both
 * sides apply. */
#ifndef SR_EXPORT_INT_H
#define SR_EXPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One record: header, then path_len bytes of path (relative, '/'
 * separated, raw bytes), then len bytes (FILE: the content; SKIP: the
 * reason; END: nothing, reserved counts the skipped entries not listed). */
#define REC_MAGIC 0x58455253u	/* "SREX" */
enum { REC_FILE = 1, REC_SKIP = 2, REC_END = 3 };

struct rec {
	uint32_t magic;
	uint32_t type;
	uint32_t path_len;
	uint32_t reserved;
	uint64_t len;
};

/* NULL when path (relative, '/'-separated components, each acceptable to
 * sr_export_bad_name) is acceptable, else why not. */
const char *sr_export_bad_path(const char *path, size_t len);

/* Valid UTF-8, no NUL, no control characters but the usual whitespace,
 * backspace and escape. */
bool sr_export_is_text(const unsigned char *p, size_t len);

/* True for the MIME types whose content is inlined as UTF-8 text. */
bool sr_export_textual(const char *mime);

#endif
