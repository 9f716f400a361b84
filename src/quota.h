/* quota.h - bound the per-user kernel counters the sandbox may spend. */
#ifndef SR_QUOTA_H
#define SR_QUOTA_H

#include "diag.h"

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

#endif
