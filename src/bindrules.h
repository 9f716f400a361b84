/* bindrules.h - which host paths may be bound into the sandbox.
 *
 * One rule set for the policy's filesystem list (policy.c, on the path as
 * written) and for --bind/--bind-rw and policy sources at run time
 * (mounts_plan.c, on the resolved path).
 */
#ifndef SR_BINDRULES_H
#define SR_BINDRULES_H

#include <stdbool.h>
#include <stddef.h>

/* True when the absolute path SRC may be bound (writable: read-write).
 * Never /, /proc, /sys, /dev, /run, /var/run or anything under them; not
 * writable under /usr, /etc, /bin, /sbin, /lib, /lib64, /boot, /var.
 * Otherwise false with the reason in why ("must not bind the host's
 * /sys"). */
bool sr_bind_allowed(const char *src, bool writable, char *why, size_t len);

#endif
