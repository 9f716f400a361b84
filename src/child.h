/* child.h - everything that runs inside the sandbox, in one place.
 *
 * The in-child order lives here and only here:
 *   init (PID 1 of the new pid namespace), once per sandbox:
 *     join the cgroup v1 leaves (when the supervisor gave their files) ->
 *     create the mount, network, IPC, UTS and cgroup namespaces (the
 *     user and pid ones come with clone) -> the user namespace's
 *     quotas -> loopback up -> (init cloned before the plan, a cold
 *     run's: wait for PLAN, initplan.h) -> open the bind sources ->
 *     wait for GO (the uid/gid maps
 *     are written; with a cgroup v1 set up after clone, cg_late, GO
 *     brings the leaves' files: join them, then the cgroup namespace,
 *     its quota raised to 1 around it; a cold run's init then sends
 *     JOINED) -> become the sandbox user -> mounts
 *     and pivot_root -> hostname -> send READY
 *   init, at WARM (a pool's sandbox whose policy has a warm driver,
 *   driver.h): fork the driver as a program (below) with stdio on
 *   /dev/null and its control socket -> wait for its ready record ->
 *   send READY again
 *   init, then, for every RUN message (the seccomp filter is in the
 *   page the supervisor filled while init set up, struct sr_filter_shm;
 *   argv, environment and code come in the message's memfd, program.h):
 *     make the --file copies of a pool's sandbox (mounts_stage.c) ->
 *     map the program -> write the code file -> fork the program (with
 *     a warm driver: lower its RLIMIT_CPU, FACTS, send it the call) ->
 *     reap everything -> kill what is left -> export
 *     the work dir's files -> send STATUS -> wait for the next message
 *     (EXIT or EOF: exit; a cold run's init exits after STATUS)
 *   program:
 *     new session -> signals -> stdio, close other fds -> rlimits -> drop
 *     capabilities -> no_new_privs -> seccomp (last) -> send FACTS (what
 *     the kernel confirms) -> execve
 *   program stub (prefork: a pool's sandbox without a warm driver),
 *   forked by init before READY: new session -> signals -> drop
 *   capabilities -> no_new_privs -> (when the filter lets the stub's
 *   remaining calls through: its own fds -> seccomp) -> wait; at RUN
 *   init sends it the call and it goes on as the program from stdio
 *   (rlimits, seccomp last unless in already, FACTS, execve); without
 *   a live stub init forks the program
 * Every failure goes to the supervisor as a DIAG record on the channel
 * (chan.h), then init or the program exits.  docs/lifecycle.md.
 */
#ifndef SR_CHILD_H
#define SR_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <linux/filter.h>

#include "cgroup.h"
#include "diag.h"
#include "filter.h"
#include "mounts.h"
#include "ns.h"
#include "rlimit.h"

/* Signal the supervisor sends init at a time limit: init kills every
 * other process of the sandbox, then collects the files and reports. */
#define SR_CHILD_STOP SIGUSR1

/* The compiled seccomp filter, in a MAP_SHARED page mapped before
 * clone: the supervisor compiles while init builds the root filesystem
 * and fills it before READY is awaited; init copies it into its own
 * memory at the first RUN and unmaps it.  Never a write to init that
 * could fail. */
struct sr_filter_shm {
	uint32_t len;		/* 0 until filled */
	uint32_t notify;
	uint32_t send_listener;	/* struct sr_filter's, see notify.h */
	/* Init's, before READY: the namespaces it saw new and owned by the
	 * sandbox's user namespace (SR_NS_SEEN_*). */
	uint32_t ns_seen;
	/* The supervisor's, before GO, when it set the cgroup up after
	 * clone (sr_sandbox.cg_late): what depends on the cgroup had. */
	struct sr_rlimits rl;
	uint64_t tmpfs_size[3];	/* /tmp, the work dir, /dev/shm */
	struct sock_filter insns[BPF_MAXINSNS];
};

/* Everything init and the program need, prepared before clone (init
 * inherits it with its copy of the memory). */
struct sr_sandbox {
	struct sr_mount_plan *plan;
	struct sr_filter_shm *shared;	/* the filter as the supervisor left it */
	const struct sr_filter *filter;	/* init's own copy, from the first RUN */
	const struct sr_rlimits *rlimits;
	const char *hostname;
	bool loopback;
	unsigned uid, gid;
	int chan;		/* the sandbox end of the channel (chan.h) */
	char *args_area;	/* sandrun's own argv+environ strings: init wipes */
	size_t args_len;	/* them so /proc/1/cmdline shows nothing of ours */
	int cg_join[SR_CGROUP_JOIN_MAX];	/* cgroup v1 `tasks` files init */
	int n_cg_join;		/* writes itself into, first (cgroup.h) */
	bool cg_late;		/* the cgroup is set up after clone: its
				 * files come with GO, the rlimits and the
				 * tmpfs sizes in the shared page */
	bool one_run;		/* a cold run's box: init ends after STATUS */
	int clone_flags;	/* the namespaces init was cloned with */
	struct sr_ns_host host_ns;	/* the supervisor's, to compare */
	bool session;		/* a session's box: its warm driver keeps
				 * init's hard RLIMIT_CPU, the soft one
				 * moves per call (relimit) */
	bool prefork;		/* a pool's box without a warm driver: init
				 * forks the program's stub before READY */
};

/* The setup steps, in order, for fault injection in unit tests. */
enum sr_child_step {
	SR_STEP_NONE = 0,
	SR_STEP_NAMESPACES,	/* init: create its namespaces (ns.h) */
	SR_STEP_LOOPBACK,	/* init: lo up, before GO */
	SR_STEP_SOURCES,	/* init: open the bind sources */
	SR_STEP_USER,		/* init: become the sandbox user */
	SR_STEP_MOUNTS,		/* init: root filesystem */
	SR_STEP_HOSTNAME,
	SR_STEP_FORK,		/* init: fork the program */
	SR_STEP_STDIO,		/* program: standard streams */
	SR_STEP_RLIMITS,
	SR_STEP_CAPS,
	SR_STEP_NO_NEW_PRIVS,
	SR_STEP_SECCOMP,
	SR_STEP_COUNT
};

/* Unit tests only: make `step` fail with an "injected" diag in the next
 * sandboxes.  SR_STEP_NONE turns it off.  Nothing in sandrun calls it. */
void sr_child_inject_failure(enum sr_child_step step);

/* Unit tests only: make `step` wait until killed (a time limit hitting
 * the sandbox mid-setup).  SR_STEP_NONE turns it off. */
void sr_child_inject_stall(enum sr_child_step step);

/* The message a step's injected failure carries ("mounts: injected
 * failure"), for tests to compare. */
const char *sr_child_step_name(enum sr_child_step step);

/* clone(2) entry point of init.  arg is a struct sr_sandbox.  Never
 * returns. */
int sr_child_init(void *arg);

#endif
