/* diag.h - error reports that modules fill and only main prints.
 *
 * A diag is a fixed-size value (no allocation) so it can be filled after
 * clone() and sent over a pipe in one write.  Modules leave it untouched on
 * success and fill it on failure, then return -1.
 */
#ifndef SR_DIAG_H
#define SR_DIAG_H

#include <stddef.h>

#define SR_DIAG_MSG_MAX 1024

/* What failed, so main can pick the exit status. */
enum sr_diag_kind {
	SR_DIAG_SETUP = 0,	/* sandrun itself failed: exit 125 */
	SR_DIAG_USAGE,		/* misuse (bad option, bad policy): exit 125 */
	SR_DIAG_EXEC_NOENT,	/* command not found in the sandbox: exit 127 */
	SR_DIAG_EXEC_FAIL,	/* command found but not executable: exit 126 */
};

struct sr_diag {
	int kind;		/* enum sr_diag_kind */
	int err;		/* saved errno, 0 if none */
	char msg[SR_DIAG_MSG_MAX];
};

/* Fill d with a formatted message; kind SR_DIAG_SETUP, err 0.  Returns -1. */
int sr_diag_set(struct sr_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, appending ": strerror(errno)" and saving errno.  Returns -1. */
int sr_diag_errno(struct sr_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same as sr_diag_set with an explicit kind.  Returns -1. */
int sr_diag_kind(struct sr_diag *d, int kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
