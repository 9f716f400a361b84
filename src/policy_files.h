/* policy_files.h - what a policy load looked at, so that a policy loaded
 * ahead of time (a ready sandbox's, serve_pool.c) is used for a call
 * only when loading it again would read exactly the same.
 *
 * The record: the search path (it comes from the environment), every
 * candidate file found absent, and every file read with its bytes.  A
 * check passes only when the search path is the same, every absent file
 * is still absent (lstat ENOENT), every read file opens as it did (same
 * device and inode, a regular file) with the very same bytes, and the
 * first file still resolves to the policy's path.  Bytes, not
 * timestamps: a rewrite of the same size within one timestamp tick, or
 * through a shared mapping, leaves size and times as they were.  Any
 * doubt (a relative path, an error, a file too large) fails the check,
 * and the caller loads the policy afresh, as a cold run does.
 */
#ifndef SR_POLICY_FILES_H
#define SR_POLICY_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "diag.h"
#include "policy.h"

#define SR_POLICY_FILES_MAX 64	/* more lookups than this: not kept */

struct sr_policy_file {
	char *path;
	bool absent;		/* lstat said ENOENT */
	dev_t dev;
	ino_t ino;
	char *bytes;		/* what was read */
	size_t len;
};

struct sr_policy_files {
	char *name;		/* the name (or path) loaded */
	char **search;		/* sr_policy_search_path() at load */
	struct sr_policy_file f[SR_POLICY_FILES_MAX];
	size_t n;
	bool unusable;		/* nothing to check against: never the same */
};

/* sr_policy_load, recording into *w what it looked at (policy_load.c). */
int sr_policy_load_recorded(const char *name_or_path, struct sr_policy **out,
    struct sr_policy_files *w, struct sr_diag *d);

/* Called by the loader: path found absent (st NULL) or read (its stat
 * and bytes).  w NULL: nothing. */
void sr_policy_files_note(struct sr_policy_files *w, const char *path,
    const struct stat *st, const char *bytes, size_t len);

/* Whether loading name_or_path now, in this environment, would read
 * what w recorded, and p (loaded then) is what it would give. */
bool sr_policy_files_same(const struct sr_policy_files *w,
    const char *name_or_path, const struct sr_policy *p);

void sr_policy_files_free(struct sr_policy_files *w);

#endif
