/* json_scan.h - strict JSON syntax check without building a tree. */
#ifndef SR_JSON_SCAN_H
#define SR_JSON_SCAN_H

#include <stddef.h>

#define SR_JSON_DEPTH_LIMIT 1000	/* the deepest nesting ever accepted */

/* Check that buf (valid UTF-8, no NUL: check that first) is exactly one
 * JSON value (RFC 8259) nested at most depth_max deep (<= the limit).
 * Returns 0, or -1 with *off the byte offset of the problem and *why a
 * static reason ("expected ':' after key"). */
int sr_json_scan(const char *buf, size_t len, int depth_max, size_t *off,
    const char **why);

#endif
