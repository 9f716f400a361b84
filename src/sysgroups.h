/* sysgroups.h - system call names as the policy layer sees them: the
 * named groups (sysgroups.c) and two checks on a single name.  The checks
 * are defined in filter.c, the only file that includes <seccomp.h>, so the
 * policy layer validates names without depending on the filter. */
#ifndef SR_SYSGROUPS_H
#define SR_SYSGROUPS_H

#include <stdbool.h>

/* Members of a group ("@basic-io", ...), NULL-terminated; NULL when there
 * is no such group.  sr_syscall_group_names() lists every group. */
const char *const *sr_syscall_group(const char *name);
const char *const *sr_syscall_group_names(void);

/* True when libseccomp knows this syscall name on the native arch. */
bool sr_filter_known_syscall(const char *name);

/* True when NAME may never be allowed by a policy (ptrace, mount, bpf, ...:
 * sr_filter_build refuses such a policy). */
bool sr_filter_forbidden_syscall(const char *name);

#endif
