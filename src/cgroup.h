/* cgroup.h - per-run control group: limits, accounting, kill, cleanup.
 *
 * The supervisor creates one cgroup per run before starting the sandbox,
 * moves init into it (before init runs untrusted code), reads the figures
 * after the run, kills what is left and removes it.  The strongest
 * mechanism available is used: a delegated cgroup v2 subtree, else the
 * cgroup v1 memory/pids/cpuacct controllers (usually root only), else
 * nothing (rlimits and the supervisor's clock still apply, see rlimit.c).
 * Every limit records which mechanism enforced it.
 */
#ifndef SR_CGROUP_H
#define SR_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "policy.h"
#include "result.h"

enum sr_cgroup_kind {
	SR_CGROUP_NONE = 0,
	SR_CGROUP_V2,
	SR_CGROUP_V1,
};

struct sr_cgroup {
	enum sr_cgroup_kind kind;
	char *v2_path;		/* absolute dir of the run's cgroup (v2) */
	int v2_fd;		/* O_DIRECTORY fd of it, for CLONE_INTO_CGROUP; -1 */
	char *v1_memory, *v1_pids, *v1_cpuacct;	/* v1 dirs, NULL if unused */
	bool memory, pids, cpu;	/* which controllers are really limiting
				 * (cpu: accounting the supervisor polls) */
	char why_none[256];	/* when kind == NONE: why (for -v and --check-host) */
};

/* Create the run's cgroup and apply memory (+ swap 0), pids, and cpu
 * accounting.  `override` is a --cgroup PATH (a v2 directory the caller
 * delegated) or NULL for auto-detection from /proc/self/cgroup.  When no
 * cgroup can be had, returns 0 with cg->kind == SR_CGROUP_NONE and
 * why_none filled (it is not an error: rlimits take over).  Returns -1
 * only when `override` was given and cannot be used.
 * Writes the mechanism of memory and processes into lim_out[], and of
 * cpu_time when the cgroup accounts CPU (the supervisor then polls the
 * usage of the whole tree and kills at the limit).
 * Also removes empty leaves left by earlier runs whose sandrun was
 * SIGKILLed (sandrun-<pid>-* with no such pid any more). */
int sr_cgroup_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    const char *override, struct sr_limit_report *lim_out, struct sr_diag *d);

/* Move pid into the run's cgroup (all v1 controllers, or v2). */
int sr_cgroup_attach(struct sr_cgroup *cg, pid_t pid, struct sr_diag *d);

/* After the run: peak memory (bytes, 0 when unknown), whether the OOM
 * killer acted, whether the pids limit refused a fork, CPU usage. */
struct sr_cgroup_stats {
	uint64_t memory_peak;
	bool oom_killed;
	bool pids_limit_hit;
	uint64_t cpu_usage_us;	/* 0 when unknown */
	uint64_t cpu_user_us, cpu_sys_us;	/* when have_cpu_split */
	bool have_peak, have_cpu, have_cpu_split;
};
int sr_cgroup_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st);

/* CPU time used so far by everything in the cgroup, in microseconds
 * (cpuacct.usage on v1, usage_usec of cpu.stat on v2).  0, or -1 when
 * the cgroup does not account CPU.  Cheap enough to call every 100 ms. */
int sr_cgroup_cpu_usage(struct sr_cgroup *cg, uint64_t *us);

/* Kill every process in the cgroup (cgroup.kill on v2, else SIGKILL each
 * pid in cgroup.procs until empty). */
void sr_cgroup_kill(struct sr_cgroup *cg);
/* Remove the directories; safe to call twice and on a NONE cgroup. */
void sr_cgroup_destroy(struct sr_cgroup *cg);

#endif
