#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "rlimit.h"
#include "util.h"

static void
add(struct sr_rlimits *r, int res, rlim_t soft, rlim_t hard)
{
	r->resource[r->n] = res;
	r->value[r->n].rlim_cur = soft;
	r->value[r->n].rlim_max = hard;
	r->n++;
}

static rlim_t
lim(uint64_t v)
{
	return v == SR_UNLIMITED ? RLIM_INFINITY : (rlim_t)v;
}

/* Since Linux 5.14 RLIMIT_NPROC is counted per (user namespace, uid)
 * (ucounts): in the sandbox's fresh user namespace it counts exactly the
 * sandbox's processes and threads.  Before, it counted every process of
 * the host uid, so a limit of 64 would refuse forks for a user who
 * already has 64 processes elsewhere, and allow nothing meaningful. */
static bool
nproc_per_userns(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return false;
	return maj > 5 || (maj == 5 && min >= 14);
}

void
sr_rlimit_plan(const struct sr_limits *l, bool memory_by_cgroup,
    bool pids_by_cgroup, struct sr_rlimits *r, struct sr_limit_report *rep)
{
	uint64_t fsize;

	memset(r, 0, sizeof(*r));
	add(r, RLIMIT_CORE, 0, 0);
	if (l->cpu_ms != SR_UNLIMITED) {
		/* SIGXCPU at the limit, SIGKILL one second later. */
		rlim_t s = (rlim_t)((l->cpu_ms + 999) / 1000);

		add(r, RLIMIT_CPU, s, s + 1);
		/* With cgroup CPU accounting the supervisor enforces the
		 * limit on the whole tree; RLIMIT_CPU stays as a backstop. */
		if (rep[SR_LIM_CPU].mech != SR_MECH_CGROUP1 &&
		    rep[SR_LIM_CPU].mech != SR_MECH_CGROUP2)
			rep[SR_LIM_CPU].mech = SR_MECH_RLIMIT;
	}
	rep[SR_LIM_CPU].value = l->cpu_ms;
	add(r, RLIMIT_NOFILE, lim(l->open_files), lim(l->open_files));
	rep[SR_LIM_OPEN_FILES].value = l->open_files;
	rep[SR_LIM_OPEN_FILES].mech = l->open_files == SR_UNLIMITED ?
	    SR_MECH_NONE : SR_MECH_RLIMIT;
	/* Where the memory cgroup is charged for tmpfs pages, the tmpfs
	 * sizes follow the memory limit (sr_mounts_fit_memory); so does the
	 * largest file, at half of it, else a temp file the memory allows
	 * fails with EFBIG at a smaller file_size (#17).  Half: one runaway
	 * writer ends with EFBIG (file_size_limit) and leaves the program
	 * memory to run, rather than an OOM kill of the run.  Without that
	 * cgroup the tmpfs keep the policy's sizes and file_size stays. */
	fsize = l->file_size;
	if (memory_by_cgroup && fsize != SR_UNLIMITED &&
	    l->memory != SR_UNLIMITED && fsize < l->memory / 2)
		fsize = l->memory / 2;
	add(r, RLIMIT_FSIZE, lim(fsize), lim(fsize));
	rep[SR_LIM_FILE_SIZE].value = fsize;
	rep[SR_LIM_FILE_SIZE].mech = fsize == SR_UNLIMITED ?
	    SR_MECH_NONE : SR_MECH_RLIMIT;
	rep[SR_LIM_MEMORY].value = l->memory;
	if (!memory_by_cgroup && l->memory != SR_UNLIMITED) {
		add(r, RLIMIT_DATA, lim(l->memory), lim(l->memory));
		rep[SR_LIM_MEMORY].mech = SR_MECH_RLIMIT;
	}
	rep[SR_LIM_PROCESSES].value = l->processes;
	if (!pids_by_cgroup && l->processes != SR_UNLIMITED &&
	    nproc_per_userns()) {
		/* Counted per user in the sandbox's own user namespace. */
		add(r, RLIMIT_NPROC, lim(l->processes), lim(l->processes));
		rep[SR_LIM_PROCESSES].mech = SR_MECH_RLIMIT;
	}
	add(r, RLIMIT_SIGPENDING, 1024, 1024);
	add(r, RLIMIT_MSGQUEUE, 0, 0);
	/* setpriority and sched_setscheduler are allowed: no raise of
	 * priority, no real-time class; mlock within a small bound. */
	add(r, RLIMIT_NICE, 0, 0);
	add(r, RLIMIT_RTPRIO, 0, 0);
	{
		struct rlimit ml = { 8u << 20, 8u << 20 };
		struct rlimit cur;

		if (getrlimit(RLIMIT_MEMLOCK, &cur) == 0 &&
		    cur.rlim_max < ml.rlim_max)
			ml.rlim_cur = ml.rlim_max = cur.rlim_max;
		add(r, RLIMIT_MEMLOCK, ml.rlim_cur, ml.rlim_max);
	}
}

int
sr_rlimit_apply(const struct sr_rlimits *r, struct sr_diag *d)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (setrlimit(r->resource[i], &r->value[i]) < 0)
			return sr_diag_errno(d, "setrlimit %d", r->resource[i]);
	return 0;
}
