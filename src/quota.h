/* quota.h - bound the per-user kernel counters the sandbox may spend. */
#ifndef SR_QUOTA_H
#define SR_QUOTA_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "mounts.h"

/* newuidmap(1) of shadow (Debian: package uidmap), which writes a uid map
 * from the caller's subordinate range; the file of those ranges. */
#define SR_NEWUIDMAP "/usr/bin/newuidmap"
#define SR_SUBUID_FILE "/etc/subuid"

/* In init, in the sandbox's own user namespace and while it still holds
 * its capabilities there: write the namespace's /proc/sys/user/max_*
 * (the kernel's per-user-namespace "ucounts", checked at every level up
 * to the host's), so that what the sandbox spends of the caller's
 * per-user quotas (inotify, fanotify, namespaces) is bounded:
 * inotify instances and watches get a quarter of the host's per-user
 * maximum, fanotify and every namespace type 0.  A kernel without a file
 * is skipped; a /proc/sys that cannot be written (read-only in a
 * container) leaves the bound to the filter, which refuses these calls
 * unless a policy allows them (docs/cgroups.md).  No allocation. */
int sr_quota_bound_userns(struct sr_diag *d);

/* In init: set one counter of the namespace (NAME under /proc/sys/user)
 * to VALUE; a missing or read-only file is skipped.  0 or -1 with d. */
int sr_quota_set(const char *name, long value, struct sr_diag *d);

/* In TEXT (LEN bytes, /etc/subuid: "NAME-or-UID:FIRST:COUNT" lines), the
 * last id of the first range of NAME or UID into *out.  Returns 1, or 0
 * when there is none (malformed lines, empty ranges, ranges that reach
 * past 2^32 - 2 or hold UID itself are skipped). */
int sr_quota_subuid_parse(const char *text, size_t len, const char *name,
    unsigned uid, unsigned *out);

/* The host uid the sandbox's user may run as instead of the caller's, so
 * that the counters the kernel keeps per real uid (pipe pages, epoll
 * watches, locked memory, unix fds in flight) and the ucounts charged to
 * it are not the caller's: the last id of the caller's first
 * /etc/subuid range, when sandrun is not root (root's sandboxes run as
 * 65534) and SR_NEWUIDMAP is installed setuid root or with file
 * capabilities.  0 when not, with WHY (may be NULL) saying what is
 * missing and how to get it; WHY says which uid otherwise. */
unsigned sr_quota_subuid(char *why, size_t len);

/* The same for one run: 0 also when the run binds a host path from the
 * command line (N_CLI_BINDS, --bind and --bind-rw) or any host path
 * read-write.  What the sandbox writes there would belong to the
 * subordinate uid, and the caller's private files would be unreadable
 * to it. */
unsigned sr_quota_run_uid(const struct sr_mount_plan *mp,
    size_t n_cli_binds);

#endif
