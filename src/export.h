/* export.h - the files a run leaves in its work dir, brought back safely.
 *
 * Two halves, one record stream between them:
 *
 *   init (inside the sandbox, after every sandboxed process is dead):
 *     sr_export_snapshot() before the program starts records the inputs
 *     (the code file, --file copies: device, inode, size, mtime, ctime);
 *     sr_export_walk() after the kill/reap loop walks the work dir with
 *     openat(O_NOFOLLOW) per component, never leaves its filesystem, skips
 *     symlinks, FIFOs, sockets and devices without opening them, refuses
 *     unsafe names, caps per-file and total bytes, and writes one record
 *     per file (or per skipped entry) to the export fd, a memfd the
 *     supervisor created before clone.  Pages of a tmpfs file are released
 *     as they are copied, so the copy costs no extra memory in the run's
 *     cgroup.
 *
 *   supervisor (after init has exited):
 *     sr_export_collect() parses the stream defensively (bounds-checked,
 *     names checked again), hashes (SHA-256, libmd), guesses the MIME type
 *     from magic bytes, inlines content for --inline-files, and writes the
 *     --out copies: mkdirat/openat(O_DIRECTORY|O_NOFOLLOW) per component
 *     relative to an O_DIRECTORY fd of DIR, a new O_EXCL|O_NOFOLLOW
 *     temporary file renamed into place, so nothing is ever written
 *     through a symlink or outside DIR.
 */
#ifndef SR_EXPORT_H
#define SR_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "result.h"

/* Policy-independent caps (documented in sandrun(1), docs/result.md). */
#define SR_EXPORT_FILE_MAX	(64ull << 20)	/* bytes per file */
#define SR_EXPORT_TOTAL_MAX	(1ull << 30)	/* bytes in all, at most */
#define SR_EXPORT_FILES_MAX	1000		/* files listed */
#define SR_EXPORT_SKIPPED_MAX	100		/* skipped entries listed */
#define SR_EXPORT_ENTRIES_MAX	100000		/* directory entries visited */
#define SR_EXPORT_DEPTH_MAX	32		/* directory levels */
#define SR_EXPORT_PATH_MAX	1024		/* bytes of a relative path */

/* ---- init side (no allocation) ----------------------------------------- */

/* Record the regular files under workdir before the program starts. */
void sr_export_snapshot(const char *workdir);

/* Walk workdir and write the records to fd (from offset 0).  total_max
 * caps the content bytes.  Never fails: problems become records. */
void sr_export_walk(int fd, const char *workdir, uint64_t total_max);

/* Leave the files in place: the walk copies them and releases nothing
 * (a session's work dir outlives the run).  Set before the sandbox is
 * created; init inherits it. */
void sr_export_keep_files(void);

/* ---- supervisor side --------------------------------------------------- */

/* The channel: a memfd (close-on-exec; init inherits it through clone).
 * Returns the fd or -1 with d. */
int sr_export_channel(struct sr_diag *d);

/* The total cap for a work dir tmpfs of work_size bytes. */
uint64_t sr_export_total_max(uint64_t work_size);

/* Open (creating it when missing, one level) the --out directory.
 * Returns an O_DIRECTORY fd or -1 with d naming the path. */
int sr_export_open_out(const char *dir, struct sr_diag *d);

struct sr_export_opts {
	int out_fd;		/* -1: no --out */
	const char *out_dir;	/* for messages */
	uint64_t inline_max;	/* 0: no content in the result */
};

/* Parse the stream in fd into r->files and r->skipped, write --out copies.
 * Problems with single files become skipped entries; returns 0. */
int sr_export_collect(int fd, const struct sr_export_opts *o,
    struct sr_result *r);

/* Text mode: one "sandrun: skipped: PATH (REASON)" line per skipped
 * entry, control characters shown as '?'. */
void sr_export_notice(FILE *f, const struct sr_result *r);

/* Exposed for the unit tests. */
const char *sr_export_mime(const char *path, const unsigned char *p,
    size_t len);
/* NULL when name (one path component) is acceptable, else why not. */
const char *sr_export_bad_name(const char *name, size_t len);
/* Base64 of len bytes (NUL-terminated, caller frees). */
char *sr_export_base64(const unsigned char *p, size_t len, size_t *outlen);

#endif
