/* cgroup_v1.c - the run's cgroup on cgroup v1: one leaf per controller
 * (memory, pids, cpuacct, cpu) under our own path in each hierarchy (one
 * leaf for cpu and cpuacct where they are mounted together).  Normally
 * root only; an unwritable hierarchy is left out and named in why_none.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_int.h"
#include "util.h"

static const char *const v1_ctrls[SR_CG_V1_N] = { "memory", "pids",
	"cpuacct", "cpu" };

char **
sr_cg_v1_slot(struct sr_cgroup *cg, size_t i)
{
	return i == 0 ? &cg->v1_memory : i == 1 ? &cg->v1_pids :
	    i == 2 ? &cg->v1_cpuacct : &cg->v1_cpu;
}

/* The CPU rate as CFS bandwidth: quota per 100 ms period, read back.
 * The cpu controller's leaf, or the cpuacct one when they share a
 * hierarchy (it then has cpu.cfs_quota_us). */
int
sr_cg_v1_set_cpus(struct sr_cgroup *cg, uint64_t milli)
{
	const char *dir = cg->v1_cpu ? cg->v1_cpu : cg->v1_cpuacct;
	char p[PATH_MAX];

	if (dir == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/cpu.cfs_quota_us", dir);
	if (!sr_cg_fake() && access(p, W_OK) < 0)
		return -1;
	if (sr_cg_set_u64(dir, "cpu.cfs_period_us", 100000, false) < 0 ||
	    sr_cg_set_u64(dir, "cpu.cfs_quota_us", milli * 100, false) < 0)
		return -1;
	return 0;
}

int
sr_cg_v1_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    struct sr_limit_report *lim_out, const char *self)
{
	const char *root = sr_cg_root();
	char *parents[SR_CG_V1_N] = { NULL, NULL, NULL, NULL };
	char why[SR_CG_V1_N][160] = { "", "", "", "" };
	char name[64];
	size_t i;
	int attempt;

	for (i = 0; i < SR_CG_V1_N; i++) {
		_cleanup_free_ char *ctrls = NULL, *path = NULL, *mnt = NULL;
		struct stat stt;

		path = sr_cg_self_path(self, v1_ctrls[i], &ctrls);
		if (!path) {
			snprintf(why[i], sizeof(why[i]), "no %s hierarchy",
			    v1_ctrls[i]);
			continue;
		}
		/* cpu mounted with cpuacct: the cpuacct leaf is both */
		if (i == 3 && sr_cg_has_word(ctrls, "cpuacct", ','))
			continue;
		mnt = sr_cg_join(root, v1_ctrls[i]);
		if (stat(mnt, &stt) < 0) {
			free(mnt);
			mnt = sr_cg_join(root, ctrls);	/* e.g. "cpu,cpuacct" */
		}
		parents[i] = sr_cg_join(mnt, path);
		if (access(parents[i], W_OK) < 0) {
			snprintf(why[i], sizeof(why[i]), "%s not writable by uid %ld",
			    parents[i], (long)geteuid());
			free(parents[i]);
			parents[i] = NULL;
		}
	}
	for (attempt = 0; attempt < 8; attempt++) {
		bool clash = false;

		sr_cg_leaf_name(name, sizeof(name));
		for (i = 0; i < SR_CG_V1_N && !clash; i++) {
			if (!parents[i])
				continue;
			char *leaf = sr_cg_join(parents[i], name);

			if (attempt == 0)
				sr_cg_gc_leaves(parents[i]);
			if (mkdir(leaf, 0755) == 0) {
				*sr_cg_v1_slot(cg, i) = leaf;
				continue;
			}
			if (errno == EEXIST)
				clash = true;
			else
				snprintf(why[i], sizeof(why[i]),
				    "cannot create %s: %s", leaf, strerror(errno));
			free(leaf);
		}
		if (!clash)
			break;
		for (i = 0; i < SR_CG_V1_N; i++) {
			char **s = sr_cg_v1_slot(cg, i);

			if (*s) {
				rmdir(*s);
				free(*s);
				*s = NULL;
			}
		}
	}
	for (i = 0; i < SR_CG_V1_N; i++)
		free(parents[i]);

	if (!cg->v1_memory && !cg->v1_pids) {
		for (i = 2; i < SR_CG_V1_N; i++) {
			char **s = sr_cg_v1_slot(cg, i);

			if (*s) {
				rmdir(*s);
				free(*s);
				*s = NULL;
			}
		}
		sr_cg_why_add(cg->why_none, sizeof(cg->why_none), "cgroup v1: memory: ");
		sr_cg_why_add(cg->why_none, sizeof(cg->why_none), why[0][0] ? why[0] : "failed");
		sr_cg_why_add(cg->why_none, sizeof(cg->why_none), "; pids: ");
		sr_cg_why_add(cg->why_none, sizeof(cg->why_none), why[1][0] ? why[1] : "failed");
		sr_cg_why_add(cg->why_none, sizeof(cg->why_none), " (cgroup v1 needs root)");
		return 0;
	}
	cg->kind = SR_CGROUP_V1;
	if (cg->v1_memory) {
		const char *m = cg->v1_memory;

		(void)sr_cg_write(m, "memory.swappiness", "0");
		(void)sr_cg_write(m, "memory.oom_control", "0");	/* OOM killer on */
		if (l->memory != SR_UNLIMITED &&
		    sr_cg_set_u64(m, "memory.limit_in_bytes", l->memory, true) == 0) {
			/* memsw >= limit; absent without swap accounting. */
			(void)sr_cg_write_u64(m, "memory.memsw.limit_in_bytes",
			    l->memory);
			cg->memory = true;
			if (lim_out)
				lim_out[SR_LIM_MEMORY].mech = SR_MECH_CGROUP1;
		}
	}
	if (cg->v1_pids && l->processes != SR_UNLIMITED &&
	    sr_cg_set_u64(cg->v1_pids, "pids.max", l->processes, false) == 0) {
		cg->pids = true;
		if (lim_out)
			lim_out[SR_LIM_PROCESSES].mech = SR_MECH_CGROUP1;
	}
	cg->cpu = cg->v1_cpuacct != NULL;
	if (cg->cpu && l->cpu_ms != SR_UNLIMITED && lim_out)
		lim_out[SR_LIM_CPU].mech = SR_MECH_CGROUP1;
	if (l->cpus != SR_UNLIMITED && sr_cg_v1_set_cpus(cg, l->cpus) == 0 &&
	    lim_out)
		lim_out[SR_LIM_CPUS].mech = SR_MECH_CGROUP1;
	return 0;
}

int
sr_cg_v1_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st,
    bool usage)
{
	char *stat = NULL;
	uint64_t v;

	if (cg->v1_memory) {
		const char *m = cg->v1_memory;

		if (usage && sr_cg_stat_u64(cg, SR_CG_ST_PEAK, m,
		    "memory.max_usage_in_bytes", &v) == 0) {
			st->memory_peak = v;
			st->have_peak = true;
		}
		if (sr_cg_stat_key(cg, SR_CG_ST_MEMEV, m, "memory.oom_control",
		    "oom_kill", &v) == 0)
			st->oom_killed = v > 0;
		else if (errno == ENOENT &&
		    sr_cg_read_u64(m, "memory.failcnt", &v) == 0)
			st->oom_killed = v > 0;	/* kernel < 4.13 */
	}
	if (cg->v1_pids &&
	    sr_cg_stat_key(cg, SR_CG_ST_PIDSEV, cg->v1_pids, "pids.events",
	    "max", &v) == 0 && v > 0)
		st->pids_limit_hit = true;
	if (!usage)
		return 0;
	if (cg->v1_cpuacct &&
	    sr_cg_stat_u64(cg, SR_CG_ST_CPU, cg->v1_cpuacct, "cpuacct.usage",
	    &v) == 0) {
		st->cpu_usage_us = v / 1000;
		st->have_cpu = true;
	}
	/* cpuacct.stat: user and system in USER_HZ ticks, one read. */
	if (cg->v1_cpuacct && sr_cg_stat_read(cg, SR_CG_ST_CPUSTAT,
	    cg->v1_cpuacct, "cpuacct.stat", &stat) == 0 &&
	    sr_cg_buf_key(stat, "user", &v) == 0) {
		long hz = sysconf(_SC_CLK_TCK);

		if (hz <= 0)
			hz = 100;
		st->cpu_user_us = v * (1000000 / (uint64_t)hz);
		if (sr_cg_buf_key(stat, "system", &v) == 0) {
			st->cpu_sys_us = v * (1000000 / (uint64_t)hz);
			st->have_cpu_split = true;
		}
	}
	free(stat);
	return 0;
}

/* ---- init joins by itself (cgroup.h) ------------------------------------ */

int
sr_cgroup_join_fds(const struct sr_cgroup *cg, int fds[SR_CGROUP_JOIN_MAX])
{
	const char *dirs[SR_CG_V1_N] = { cg->v1_memory, cg->v1_pids,
		cg->v1_cpuacct, cg->v1_cpu };
	char p[PATH_MAX];
	int n = 0, flags = O_WRONLY | O_CLOEXEC;
	size_t i;

	if (cg->kind != SR_CGROUP_V1)
		return 0;
	if (sr_cg_fake())
		flags |= O_CREAT;
	for (i = 0; i < SR_CG_V1_N; i++) {
		if (dirs[i] == NULL)
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/tasks", dirs[i]) >=
		    sizeof(p) || (fds[n] = open(p, flags, 0644)) < 0) {
			while (n > 0)
				close(fds[--n]);
			return 0;
		}
		n++;
	}
	return n;
}

int
sr_cgroup_join_self(int *fds, int n, struct sr_diag *d)
{
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		ssize_t k;

		do
			k = write(fds[i], "0", 1);
		while (k < 0 && errno == EINTR);
		if (k != 1 && rc == 0)
			rc = sr_diag_errno(d, "cannot join the run's cgroup");
		close(fds[i]);
		fds[i] = -1;
	}
	return rc;
}
