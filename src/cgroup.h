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

/* counter files a result reads (cgroup.c: cg_stat_files) */
#define SR_CG_STAT_N 5

struct sr_cgroup {
	enum sr_cgroup_kind kind;
	char *v2_path;		/* absolute dir of the run's cgroup (v2) */
	int v2_fd;		/* O_DIRECTORY fd of it, for CLONE_INTO_CGROUP; -1 */
	char *v1_memory, *v1_pids, *v1_cpuacct;	/* v1 dirs, NULL if unused */
	char *v1_cpu;		/* v1 cpu leaf when not co-mounted with cpuacct */
	bool memory, pids, cpu;	/* which controllers are really limiting
				 * (cpu: accounting the supervisor polls) */
	char *v2_supervisor;	/* leaf we moved ourselves into, or NULL */
	/* the result's counter files opened ahead (sr_cgroup_stats_open),
	 * read again with pread at the result; valid when stat_open */
	bool stat_open;
	int stat_fd[SR_CG_STAT_N];
	char why_none[256];	/* when kind == NONE: why (for -v and --check-host) */
};

/* Create the run's cgroup and apply memory (+ swap 0), pids, and cpu
 * accounting.  On v2 without --cgroup, our own cgroup is used when we may
 * write it (root, or a user's delegated scope): when it has processes,
 * sandrun first moves itself into the leaf `sandrun-supervisor` (the
 * kernel allows controllers only on cgroups without processes), then
 * enables memory, pids and cpu for the subtree.  `override` is a --cgroup PATH (a v2 directory the caller
 * delegated) or NULL for auto-detection from /proc/self/cgroup.  When no
 * cgroup can be had, returns 0 with cg->kind == SR_CGROUP_NONE and
 * why_none filled (it is not an error: rlimits take over).  Returns -1
 * only when `override` was given and cannot be used.
 * A CPU rate (l->cpus) is written as cpu.max (v2) or cpu.cfs_quota_us
 * (v1) and read back; claimed in lim_out[SR_LIM_CPUS] only then.
 * Writes the mechanism of memory and processes into lim_out[], and of
 * cpu_time when the cgroup accounts CPU (the supervisor then polls the
 * usage of the whole tree and kills at the limit).
 * Also removes empty leaves left by earlier runs whose sandrun was
 * SIGKILLed (sandrun-<pid>-* with no such pid any more). */
int sr_cgroup_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    const char *override, struct sr_limit_report *lim_out, struct sr_diag *d);

/* Whether the run's cgroup may be set up after init is cloned, beside
 * init's own start: cgroup v1 (init joins its leaves by itself, once it
 * is given their `tasks` files); not on cgroup v2, where init is cloned
 * into it (clone3), nor with --cgroup. */
bool sr_cgroup_after_clone(const char *override);

/* A warm call's own limits (l) on a cgroup set up with was: memory,
 * pids and the CPU rate written lower and read back, the CPU time's
 * mechanism the cgroup's when it accounts CPU; each changed limit's
 * value in lim.  Never raises: -1 with d when a limit is higher, not
 * the cgroup's, cannot be written, or (memory) is not above what is in
 * use already; the call then runs cold.  cgroup_lower.c. */
int sr_cgroup_lower(struct sr_cgroup *cg, const struct sr_limits *was,
    const struct sr_limits *l, struct sr_limit_report *lim,
    struct sr_diag *d);

/* Move pid into the run's cgroup (all v1 controllers, or v2). */
int sr_cgroup_attach(struct sr_cgroup *cg, pid_t pid, struct sr_diag *d);

/* Cgroup v1: init joins the run's leaves by itself, writing 0 to each
 * leaf's `tasks` file through a descriptor the supervisor opened before
 * clone (the permission check uses the opener's credentials).  A thread
 * moving itself takes no global lock; writing another pid to
 * cgroup.procs takes cgroup_threadgroup_rwsem for writing, which costs an
 * RCU grace period (0-15 ms measured) on the critical path.  Init is
 * single-threaded then, so `tasks` moves all of it.
 * sr_cgroup_join_fds: the fds (close-on-exec) into fds[], how many; 0
 * when not v1 or when one cannot be opened (none left open: the caller
 * then uses sr_cgroup_attach).  sr_cgroup_join_self (in init): write and
 * close them all; 0, or -1 with d. */
#define SR_CGROUP_JOIN_MAX 4
int sr_cgroup_join_fds(const struct sr_cgroup *cg,
    int fds[SR_CGROUP_JOIN_MAX]);
int sr_cgroup_join_self(int *fds, int n, struct sr_diag *d);

/* Observe that pid is in the run's cgroup (every v1 leaf, or the v2 leaf),
 * however it got there (attach or clone3 CLONE_INTO_CGROUP).  -1 with d
 * filled when it is not: the limits claimed would not hold. */
int sr_cgroup_confirm(struct sr_cgroup *cg, pid_t pid, struct sr_diag *d);

/* Which case applies to this process, without changing anything (for
 * --check-host); why gets one line, with the remedy when there is one. */
enum sr_cgroup_case {
	SR_CGROUP_CASE_NONE = 0,	/* no usable cgroup: rlimits */
	SR_CGROUP_CASE_V2_UNDELEGATED,	/* v2, our cgroup is not ours */
	SR_CGROUP_CASE_V2,		/* v2, our own cgroup's subtree */
	SR_CGROUP_CASE_V1,		/* v1 controllers (root) */
};
enum sr_cgroup_case sr_cgroup_probe(char *why, size_t wl);

/* For a server (sandrun serve), before it forks: on a cgroup v2 host,
 * when its own cgroup is delegated and holds only it, move it into a
 * sandrun-supervisor leaf there, so that every run of the server and of
 * its workers gets a leaf beside it, below the server's unit.  Nothing
 * happens otherwise: the runs then find what a cold run finds. */
void sr_cgroup_settle(void);

/* Unit tests only (no environment variable reaches this): use the fake
 * tree `root` instead of /sys/fs/cgroup and `self` as the content of
 * /proc/self/cgroup; files are then created on write.  NULL, NULL
 * restores the real ones. */
void sr_cgroup_test_seams(const char *root, const char *self);

/* After the run: peak memory (bytes, 0 when unknown), whether the OOM
 * killer acted, whether the pids limit refused a fork, CPU usage. */
struct sr_cgroup_stats {
	uint64_t memory_peak;
	bool oom_killed;	/* memory.events oom_kill (v1: oom_control) */
	bool oom;		/* v2 memory.events oom: the limit could not be met */
	bool memory_max_hit;	/* v2 memory.events max: usage reached memory.max */
	bool pids_limit_hit;	/* pids.events max: a fork was refused */
	uint64_t cpu_usage_us;	/* 0 when unknown */
	uint64_t cpu_user_us, cpu_sys_us;	/* when have_cpu_split */
	bool have_peak, have_cpu, have_cpu_split;
};
int sr_cgroup_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st);

/* Only the events of sr_cgroup_stats (oom_killed, oom, memory_max_hit,
 * pids_limit_hit): for a result that shows no usage (supervise.c). */
int sr_cgroup_events(struct sr_cgroup *cg, struct sr_cgroup_stats *st);

/* Open the counter files sr_cgroup_stats reads, ahead of the result (a
 * ready sandbox's, off a call's path): it then reads them again with
 * pread, which the kernel answers afresh, instead of opening each path.
 * A file that does not open is read by its path as before.  Call it
 * after init's clone (init must not inherit them); closed by
 * sr_cgroup_destroy. */
void sr_cgroup_stats_open(struct sr_cgroup *cg);

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
