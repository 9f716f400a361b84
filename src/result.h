/* result.h - what a run produced, filled by supervise.c and main.c,
 * rendered by report.c. */
#ifndef SR_RESULT_H
#define SR_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture.h"
#include "diag.h"

enum sr_status {
	SR_STATUS_OK = 0,	/* exited 0 */
	SR_STATUS_EXIT_NONZERO,
	SR_STATUS_SIGNAL,
	SR_STATUS_TIMEOUT,	/* wall or cpu time limit */
	SR_STATUS_MEMORY_LIMIT,
	SR_STATUS_OUTPUT_LIMIT,
	SR_STATUS_PROCESS_LIMIT,
	SR_STATUS_FILE_SIZE_LIMIT,
	SR_STATUS_ERROR,	/* sandrun failed; see diag */
};

enum sr_limit_hit {
	SR_HIT_NONE = 0,
	SR_HIT_WALL_TIME,
	SR_HIT_CPU_TIME,
	SR_HIT_MEMORY,
	SR_HIT_PROCESSES,
	SR_HIT_FILE_SIZE,
	SR_HIT_OUTPUT,
};

/* How a limit was enforced. */
enum sr_mech {
	SR_MECH_NONE = 0,
	SR_MECH_CGROUP2,
	SR_MECH_CGROUP1,
	SR_MECH_RLIMIT,
	SR_MECH_SUPERVISOR,
	SR_MECH_TMPFS,		/* the kernel's tmpfs size= option */
};

enum sr_limit_id {
	SR_LIM_WALL = 0, SR_LIM_CPU, SR_LIM_MEMORY, SR_LIM_PROCESSES,
	SR_LIM_OPEN_FILES, SR_LIM_FILE_SIZE, SR_LIM_OUTPUT, SR_LIM_TMPFS_TMP,
	SR_LIM_TMPFS_WORK, SR_LIM_TMPFS_SHM, SR_LIM_CPUS, SR_LIM_COUNT
};

struct sr_limit_report {
	uint64_t value;		/* SR_UNLIMITED when none */
	enum sr_mech mech;
};

/* Which isolation layers were really set up. */
/* The host uid the sandbox's user has (none: no sandbox was made). */
enum sr_host_uid {
	SR_HOST_UID_NONE,
	SR_HOST_UID_CALLER,	/* the caller's own */
	SR_HOST_UID_NOBODY,	/* 65534: sandrun runs as root */
	SR_HOST_UID_SUBORDINATE,	/* from the caller's /etc/subuid range */
};

struct sr_isolation {
	bool user_ns, mount_ns, pid_ns, net_ns, ipc_ns, uts_ns, cgroup_ns;
	enum sr_host_uid host_uid;
	bool seccomp, no_new_privs, landlock, cgroup;
	bool caps_dropped;
};

struct sr_denied {
	char name[32];
	uint64_t count;
};

struct sr_file {
	char *path;		/* relative to the work dir */
	uint64_t size;
	char sha256[65];
	const char *mime;
	char *content;		/* when inlined; text or base64 */
	size_t content_len;
	bool base64;
};

struct sr_skipped {
	char *path;
	char *reason;
};

struct sr_pyerror {
	char *name, *value, *traceback;
};

struct sr_result {
	enum sr_status status;
	enum sr_limit_hit limit_hit;
	bool exited;		/* the program exited (exit_code valid) */
	int exit_code;
	int signal;		/* 0 when not signalled */
	bool oom_killed;	/* the kernel's OOM killer acted (cgroup events) */
	bool alloc_failed;	/* memory limit through RLIMIT_AS (allocation failure) */
	struct sr_capture out, err;
	uint64_t wall_ms, cpu_user_ms, cpu_sys_ms;
	uint64_t memory_peak;	/* bytes */
	enum sr_mech memory_peak_source;
	struct sr_limit_report limits[SR_LIM_COUNT];
	struct sr_isolation iso;
	struct sr_denied *denied;
	size_t n_denied;
	bool denied_observable;	/* a seccomp listener counted them (notify.c) */
	bool warm;		/* a ready sandbox of sandrun serve ran it */
	struct {		/* a call of a session (session.h) */
		bool present;
		char name[65];
		uint64_t call;	/* 1 for the first */
		bool restarted;	/* its sandbox is new: state was lost */
		bool lost;	/* its sandbox died in this call (a limit
				 * killed init): the next call restarts */
		int64_t expires_in_s;	/* until its lifetime ends */
		uint64_t lifetime_ms, idle_ms, max_calls;	/* its limits */
		const char *sleep;	/* how it sleeps between calls */
		int slept;	/* the last sleep observed: 1, 0, -1 none yet */
	} session;
	char *value;		/* a session call's last expression (repr),
				 * or NULL (value.h) */
	char *value_png;	/* its figure as base64 PNG, or NULL */
	struct sr_file *files;
	size_t n_files;
	struct sr_skipped *skipped;
	size_t n_skipped;
	struct sr_pyerror *pyerror;	/* NULL unless extracted */
	struct sr_diag diag;	/* valid when status == SR_STATUS_ERROR */
	int exit_status;	/* what sandrun exits with (computed by main) */
};

#endif
