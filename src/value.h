/* value.h - a session call's value (driver.h, loop mode) from init to
 * the supervisor: SR_MSG_VALUE (chan.h) just before STATUS, its payload
 * the two lengths, one sealed memfd holding the repr then the base64
 * PNG.  Both bounded on each side; docs/lifecycle.md has the record. */
#ifndef SR_VALUE_H
#define SR_VALUE_H

#include <stddef.h>
#include <stdint.h>

#define SR_VALUE_MAX (64u << 10)	/* bytes of a repr (more: cut) */
#define SR_VALUE_PNG_MAX (8u << 20)	/* base64 bytes of a PNG (more:
					 * dropped) */

/* Init: send value and png (each may be NULL) on chan.  Nothing is sent
 * when both are NULL.  Returns 0 or -1 with errno. */
int sr_value_send(int chan, const char *value, const char *png);

/* Supervisor: read what fd holds per the record m into *value
 * and *png (NUL-terminated, caller frees; NULL when absent).  Returns 0
 * or -1 (bad lengths or contents: nothing taken). */
struct sr_msg_value;
int sr_value_take(int fd, const struct sr_msg_value *m, char **value,
    char **png);

#endif
