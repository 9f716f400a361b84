/* cgroup_lower.c - a warm call's own limits on the cgroup a pool's
 * sandbox was created with (cgroup.h, sr_cgroup_lower).
 *
 * Lowering only: memory, pids and the CPU rate are written on the run's
 * own leaves and read back, as at create; the CPU time is the
 * supervisor's poll and needs no write.  A limit the cgroup cannot take
 * as the call asks fails the whole call over to a cold run.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_int.h"
#include "util.h"

/* Memory in use now (the warm driver's imports), or 0 when unknown. */
static uint64_t
memory_in_use(const struct sr_cgroup *cg)
{
	uint64_t v = 0;

	if (cg->kind == SR_CGROUP_V2)
		(void)sr_cg_read_u64(cg->v2_path, "memory.current", &v);
	else if (cg->v1_memory != NULL)
		(void)sr_cg_read_u64(cg->v1_memory, "memory.usage_in_bytes",
		    &v);
	return v;
}

static int
lower_memory(struct sr_cgroup *cg, uint64_t limit, struct sr_diag *d)
{
	uint64_t used = memory_in_use(cg);

	/* Below what is in use, v2 would OOM-kill the sandbox before the
	 * call and v1 refuses (EBUSY): the call runs cold, as asked. */
	if (used >= limit)
		return sr_diag_set(d, "memory limit %" PRIu64 " below the %" PRIu64
		    " bytes the ready sandbox uses", limit, used);
	if (cg->kind == SR_CGROUP_V2) {
		if (sr_cg_set_u64(cg->v2_path, "memory.max", limit, true) < 0)
			return sr_diag_errno(d, "%s/memory.max", cg->v2_path);
		return 0;
	}
	/* v1: the limit first (memsw must stay >= it), then memsw,
	 * absent without swap accounting (as at create). */
	if (sr_cg_set_u64(cg->v1_memory, "memory.limit_in_bytes", limit,
	    true) < 0)
		return sr_diag_errno(d, "%s/memory.limit_in_bytes",
		    cg->v1_memory);
	(void)sr_cg_write_u64(cg->v1_memory, "memory.memsw.limit_in_bytes",
	    limit);
	return 0;
}

/* The CPU rate (thousandths of a CPU), as at create: cpu.max, or CFS
 * quota per 100 ms period on v1. */
static int
lower_cpus(struct sr_cgroup *cg, uint64_t milli)
{
	if (cg->kind == SR_CGROUP_V2)
		return sr_cg_set_cpu_max(cg->v2_path, milli);
	return sr_cg_v1_set_cpus(cg, milli);
}

int
sr_cgroup_lower(struct sr_cgroup *cg, const struct sr_limits *was,
    const struct sr_limits *l, struct sr_limit_report *lim,
    struct sr_diag *d)
{
	enum sr_mech m = cg->kind == SR_CGROUP_V2 ? SR_MECH_CGROUP2 :
	    SR_MECH_CGROUP1;

	if (cg->kind == SR_CGROUP_NONE)
		return 0;
	if (l->memory != was->memory) {
		if (!cg->memory || l->memory > was->memory)
			return sr_diag_set(d, "the memory limit is not the cgroup's to lower");
		if (lower_memory(cg, l->memory, d) < 0)
			return -1;
		lim[SR_LIM_MEMORY].value = l->memory;
	}
	if (l->processes != was->processes) {
		if (!cg->pids || l->processes > was->processes)
			return sr_diag_set(d, "the processes limit is not the cgroup's to lower");
		if (sr_cg_set_u64(cg->kind == SR_CGROUP_V2 ? cg->v2_path :
		    cg->v1_pids, "pids.max", l->processes, false) < 0)
			return sr_diag_errno(d, "pids.max");
		lim[SR_LIM_PROCESSES].value = l->processes;
	}
	if (l->cpus != was->cpus) {
		if (l->cpus > was->cpus || lower_cpus(cg, l->cpus) < 0)
			return sr_diag_set(d, "the CPU rate cannot be lowered");
		lim[SR_LIM_CPUS].value = l->cpus;
		lim[SR_LIM_CPUS].mech = m;
	}
	if (l->cpu_ms != was->cpu_ms && cg->cpu && l->cpu_ms != SR_UNLIMITED)
		lim[SR_LIM_CPU].mech = m;	/* the supervisor's poll */
	return 0;
}
