/* rlimit.h - resource limits applied to the program with setrlimit(2). */
#ifndef SR_RLIMIT_H
#define SR_RLIMIT_H

#include <stdbool.h>
#include <sys/resource.h>

#include "diag.h"
#include "policy.h"
#include "result.h"

#define SR_RLIMIT_MAX 16

struct sr_rlimits {
	int resource[SR_RLIMIT_MAX];
	struct rlimit value[SR_RLIMIT_MAX];
	int n;
};

/* Decide which rlimits to set.  memory_by_cgroup / pids_by_cgroup say
 * whether a cgroup already enforces those; rlimits then stay out of the
 * way (RLIMIT_DATA breaks less than RLIMIT_AS but still refuses big
 * mappings).  Always: RLIMIT_CORE 0, NOFILE, FSIZE, SIGPENDING, MSGQUEUE 0,
 * and RLIMIT_CPU (per process) when a CPU limit is set.  RLIMIT_NPROC
 * only on Linux >= 5.14, where it counts per user namespace.
 * RLIMIT_FSIZE is raised to half the memory limit when memory_by_cgroup
 * (the tmpfs sizes follow the memory limit there).
 * Fills rep[] with SR_MECH_RLIMIT for what the rlimits enforce, leaving
 * a cgroup mechanism already written for cpu_time in place. */
void sr_rlimit_plan(const struct sr_limits *l, bool memory_by_cgroup,
    bool pids_by_cgroup, struct sr_rlimits *out,
    struct sr_limit_report *rep);

/* In the program before execve.  No allocation. */
int sr_rlimit_apply(const struct sr_rlimits *r, struct sr_diag *d);

#endif
