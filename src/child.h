/* child.h - everything that runs inside the sandbox, in one place.
 *
 * The in-child order lives here and only here:
 *   init (PID 1 of the new namespaces):
 *     wait for the uid/gid maps -> open the bind sources -> become the
 *     sandbox user -> mounts and
 *     pivot_root -> hostname -> loopback -> wait for the compiled seccomp
 *     filter (the supervisor builds it and joins the cgroup meanwhile) ->
 *     fork the program -> reap everything -> kill what is left -> export
 *     the work dir's files -> report the status -> exit
 *   program:
 *     new session -> stdio -> signals -> rlimits -> drop capabilities ->
 *     no_new_privs -> close other fds -> seccomp (last) -> execve
 * Failures go to the supervisor as a struct sr_diag over a CLOEXEC pipe;
 * EOF on that pipe means execve succeeded.
 */
#ifndef SR_CHILD_H
#define SR_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "diag.h"
#include "filter.h"
#include "mounts.h"
#include "rlimit.h"

/* Signal the supervisor sends init at a time limit: init kills every
 * other process of the sandbox, then collects the files and reports. */
#define SR_CHILD_STOP SIGUSR1

/* What init tells the supervisor when the program has ended. */
struct sr_child_status {
	int wstatus;		/* from wait4 on the program */
	struct rusage ru;	/* the program's own (not its children's) */
	uint64_t exec_ns;	/* monotonic time of the fork of the program */
};

/* Everything init and the program need, prepared by the supervisor. */
struct sr_sandbox {
	struct sr_mount_plan *plan;
	const struct sr_filter *filter;
	const struct sr_rlimits *rlimits;
	char *const *argv;	/* program argv (argv[0] searched in PATH) */
	char *const *envp;	/* the whole environment */
	const char *code_name;	/* NULL with --exec */
	const char *code;
	size_t code_len;
	const char *hostname;
	bool loopback;
	unsigned uid, gid;
	int stdin_fd;		/* -1: /dev/null inside */
	int out_fd, err_fd;	/* write ends of the capture pipes */
	int sync_fd;		/* read end: a byte arrives when maps are written */
	int diag_fd;		/* write end of the error pipe (CLOEXEC) */
	int status_fd;		/* write end: struct sr_child_status */
	int notify_fd;		/* seccomp listener hand-over (notify.h), or -1 */
	int export_fd;		/* memfd for the file export (export.h); <= 2: none */
	uint64_t export_max;	/* total bytes the export may copy */
	char *args_area;	/* sandrun's own argv+environ strings: init wipes */
	size_t args_len;	/* them so /proc/1/cmdline shows nothing of ours */
};

/* Supervisor side: send the compiled filter down the sync pipe (a single
 * write that fits the pipe buffer).  Returns 0 or -1 with errno. */
int sr_child_send_filter(int fd, const struct sr_filter *f);

/* clone(2) entry point of init.  arg is a struct sr_sandbox. */
int sr_child_init(void *arg);

#endif
