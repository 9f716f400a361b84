/* report.c - the names both report forms use (status, limits, signals,
 * mechanisms) and freeing a result.  The JSON form is report_json.c, the
 * text forms report_text.c.
 */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_int.h"
#include "util.h"

/* ---- names ------------------------------------------------------------ */

const char *
sr_status_name(enum sr_status s)
{
	static const char *const n[] = {
		[SR_STATUS_OK] = "ok",
		[SR_STATUS_EXIT_NONZERO] = "exit_nonzero",
		[SR_STATUS_SIGNAL] = "signal",
		[SR_STATUS_TIMEOUT] = "timeout",
		[SR_STATUS_MEMORY_LIMIT] = "memory_limit",
		[SR_STATUS_OUTPUT_LIMIT] = "output_limit",
		[SR_STATUS_PROCESS_LIMIT] = "process_limit",
		[SR_STATUS_FILE_SIZE_LIMIT] = "file_size_limit",
		[SR_STATUS_ERROR] = "error",
	};

	if ((unsigned)s >= SR_ARRAY_SIZE(n) || n[s] == NULL)
		return "error";
	return n[s];
}

const char *
sr_limit_hit_name(enum sr_limit_hit h)
{
	static const char *const n[] = {
		[SR_HIT_NONE] = NULL,
		[SR_HIT_WALL_TIME] = "wall_time",
		[SR_HIT_CPU_TIME] = "cpu_time",
		[SR_HIT_MEMORY] = "memory",
		[SR_HIT_PROCESSES] = "processes",
		[SR_HIT_FILE_SIZE] = "file_size",
		[SR_HIT_OUTPUT] = "output",
	};

	if ((unsigned)h >= SR_ARRAY_SIZE(n))
		return NULL;
	return n[h];
}

const char *
sr_mech_name(enum sr_mech m)
{
	static const char *const n[] = {
		[SR_MECH_NONE] = "none",
		[SR_MECH_CGROUP2] = "cgroup2",
		[SR_MECH_CGROUP1] = "cgroup1",
		[SR_MECH_RLIMIT] = "rlimit",
		[SR_MECH_SUPERVISOR] = "supervisor",
		[SR_MECH_TMPFS] = "tmpfs",
	};

	if ((unsigned)m >= SR_ARRAY_SIZE(n))
		return "none";
	return n[m];
}

const char *
sr_limit_name(enum sr_limit_id id)
{
	static const char *const n[SR_LIM_COUNT] = {
		[SR_LIM_WALL] = "wall_time",
		[SR_LIM_CPU] = "cpu_time",
		[SR_LIM_MEMORY] = "memory",
		[SR_LIM_PROCESSES] = "processes",
		[SR_LIM_OPEN_FILES] = "open_files",
		[SR_LIM_FILE_SIZE] = "file_size",
		[SR_LIM_OUTPUT] = "output",
		[SR_LIM_TMPFS_TMP] = "tmpfs_tmp",
		[SR_LIM_TMPFS_WORK] = "tmpfs_work",
		[SR_LIM_TMPFS_SHM] = "tmpfs_shm",
		[SR_LIM_CPUS] = "cpus",
	};

	if ((unsigned)id >= SR_LIM_COUNT)
		return NULL;
	return n[id];
}

const char *
sr_signal_name(int sig)
{
	static const char *const n[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP",
		[SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
		[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",
		[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
		[SIGTERM] = "SIGTERM",
#ifdef SIGSTKFLT
		[SIGSTKFLT] = "SIGSTKFLT",
#endif
		[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
		[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
		[SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",
#ifdef SIGPWR
		[SIGPWR] = "SIGPWR",
#endif
		[SIGSYS] = "SIGSYS",
	};
	/* Relative to the C library's SIGRTMIN, as kill -l and Python name
	 * them; glibc keeps the first two kernel RT signals for itself. */
	static const char *const rt[] = { "SIGRTMIN-2", "SIGRTMIN-1",
		"SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3",
		"SIGRTMIN+4", "SIGRTMIN+5", "SIGRTMIN+6", "SIGRTMIN+7",
		"SIGRTMIN+8", "SIGRTMIN+9", "SIGRTMIN+10", "SIGRTMIN+11",
		"SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15",
		"SIGRTMIN+16", "SIGRTMIN+17", "SIGRTMIN+18", "SIGRTMIN+19",
		"SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23",
		"SIGRTMIN+24", "SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27",
		"SIGRTMIN+28", "SIGRTMIN+29", "SIGRTMIN+30", "SIGRTMIN+31",
		"SIGRTMIN+32" };
	int off;

	if (sig > 0 && (size_t)sig < SR_ARRAY_SIZE(n) && n[sig] != NULL)
		return n[sig];
	if (sig < SIGRTMIN - 2 || sig > SIGRTMAX)
		return NULL;
	off = sig - SIGRTMIN + 2;
	if (off < 0 || (size_t)off >= SR_ARRAY_SIZE(rt))
		return NULL;
	return rt[off];
}

/* Where the peak memory figure came from. */
const char *
sr_report_memory_source(enum sr_mech m)
{
	switch (m) {
	case SR_MECH_CGROUP2:
	case SR_MECH_CGROUP1:
	case SR_MECH_SUPERVISOR:
		return sr_mech_name(m);
	default:
		return "rusage";
	}
}

void
sr_result_free(struct sr_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	sr_capture_free(&r->out);
	sr_capture_free(&r->err);
	free(r->value);
	free(r->value_png);
	r->value = r->value_png = NULL;
	for (i = 0; i < r->n_files; i++) {
		free(r->files[i].path);
		free(r->files[i].content);
	}
	free(r->files);
	r->files = NULL;
	r->n_files = 0;
	for (i = 0; i < r->n_skipped; i++) {
		free(r->skipped[i].path);
		free(r->skipped[i].reason);
	}
	free(r->skipped);
	r->skipped = NULL;
	r->n_skipped = 0;
	free(r->denied);
	r->denied = NULL;
	r->n_denied = 0;
	if (r->pyerror != NULL) {
		free(r->pyerror->name);
		free(r->pyerror->value);
		free(r->pyerror->traceback);
		free(r->pyerror);
		r->pyerror = NULL;
	}
}
