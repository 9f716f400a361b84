/* classify.c - from how the program ended to a status (classify.h). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "util.h"

/* Words at the end of stderr that say which rlimit a program ran into.
 * Only consulted when that limit is enforced by an rlimit and the
 * program exited non-zero: a heuristic, documented in docs/limits.md. */
static bool
stderr_says(const struct sr_capture *err, const char *const *needles)
{
	_cleanup_free_ char *all = NULL;
	const char *last, *p;
	size_t len, gap, i, start;

	if (err->total == 0)
		return false;
	all = sr_capture_bytes(err, &len, &gap);
	while (len > 0 && (all[len - 1] == '\n' || all[len - 1] == '\r' ||
	    all[len - 1] == ' '))
		len--;
	start = len > 512 ? len - 512 : 0;
	for (i = start; i < len; i++)	/* NULs would hide the rest */
		if (all[i] == '\0')
			all[i] = ' ';
	all[len] = '\0';
	last = all + start;
	if ((p = strrchr(last, '\n')) != NULL)
		last = p + 1;	/* the last line */
	for (i = 0; needles[i]; i++)
		if (strstr(last, needles[i]) != NULL)
			return true;
	return false;
}

static const char *const memory_words[] = {
	"MemoryError",		/* Python, numpy's _ArrayMemoryError */
	"Cannot allocate memory",	/* strerror(ENOMEM) */
	"std::bad_alloc", "memory exhausted", NULL,
};
static const char *const fork_words[] = {
	"Resource temporarily unavailable",	/* EAGAIN from fork/clone */
	"can't start new thread",	/* Python threading */
	"Cannot fork", NULL,		/* dash */
};
static const char *const fsize_words[] = {
	"File too large", NULL,		/* EFBIG: Python ignores SIGXFSZ */
};

void
sr_classify(const struct sr_limits *l, const struct sr_classify_in *in,
    struct sr_result *r)
{
	const struct sr_cgroup_stats *cs = in->cgroup;
	const bool timed_out = in->timed_out, cpu_over = in->cpu_over;
	const bool interrupted = in->interrupted, output_over = in->output_over;
	uint64_t cpu = r->cpu_user_ms + r->cpu_sys_ms;

	if (timed_out) {
		r->status = SR_STATUS_TIMEOUT;
		r->limit_hit = SR_HIT_WALL_TIME;
		return;
	}
	if (cpu_over) {
		r->status = SR_STATUS_TIMEOUT;
		r->limit_hit = SR_HIT_CPU_TIME;
		return;
	}
	if (r->signal != 0) {
		r->status = SR_STATUS_SIGNAL;
		if (interrupted)
			return;
		if (r->signal == SIGXCPU || (r->signal == SIGKILL &&
		    l->cpu_ms != SR_UNLIMITED && cpu >= l->cpu_ms)) {
			r->status = SR_STATUS_TIMEOUT;
			r->limit_hit = SR_HIT_CPU_TIME;
		} else if (r->signal == SIGXFSZ) {
			r->status = SR_STATUS_FILE_SIZE_LIMIT;
			r->limit_hit = SR_HIT_FILE_SIZE;
		} else if (r->signal == SIGKILL && cs->oom_killed) {
			r->status = SR_STATUS_MEMORY_LIMIT;
			r->limit_hit = SR_HIT_MEMORY;
			r->oom_killed = true;
		}
		return;
	}
	r->status = r->exit_code == 0 ? SR_STATUS_OK : SR_STATUS_EXIT_NONZERO;
	if ((cs->oom_killed || cs->oom) && r->exit_code != 0) {
		/* A child was OOM-killed, or the cgroup refused an allocation
		 * (memory.events oom: shmem, kernel memory), and the program
		 * failed because of it. */
		r->status = SR_STATUS_MEMORY_LIMIT;
		r->limit_hit = SR_HIT_MEMORY;
		r->oom_killed = cs->oom_killed;
		r->alloc_failed = !cs->oom_killed;
	} else if (cs->pids_limit_hit) {
		/* The cgroup refused a fork: the limit acted, whatever the
		 * program made of it. */
		r->status = SR_STATUS_PROCESS_LIMIT;
		r->limit_hit = SR_HIT_PROCESSES;
	} else if (r->exit_code != 0 &&
	    r->limits[SR_LIM_MEMORY].mech == SR_MECH_RLIMIT &&
	    stderr_says(&r->err, memory_words)) {
		r->status = SR_STATUS_MEMORY_LIMIT;
		r->limit_hit = SR_HIT_MEMORY;
		r->alloc_failed = true;
	} else if (r->exit_code != 0 &&
	    r->limits[SR_LIM_PROCESSES].mech == SR_MECH_RLIMIT &&
	    stderr_says(&r->err, fork_words)) {
		r->status = SR_STATUS_PROCESS_LIMIT;
		r->limit_hit = SR_HIT_PROCESSES;
	} else if (r->exit_code != 0 &&
	    r->limits[SR_LIM_FILE_SIZE].mech == SR_MECH_RLIMIT &&
	    stderr_says(&r->err, fsize_words)) {
		r->status = SR_STATUS_FILE_SIZE_LIMIT;
		r->limit_hit = SR_HIT_FILE_SIZE;
	} else if (output_over && r->exit_code == 0) {
		/* Complete run, incomplete output: the caller must know. */
		r->status = SR_STATUS_OUTPUT_LIMIT;
		r->limit_hit = SR_HIT_OUTPUT;
	}
}
