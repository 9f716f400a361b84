/* session.h - named persistent sandboxes (sandrun --session NAME).
 *
 * Each session is one background process of its user (session_srv.c),
 * started by the call that names a session nobody serves yet: it listens
 * on DIR/NAME.sock (DIR: $XDG_RUNTIME_DIR/sandrun-sessions, else
 * /tmp/sandrun-sessions-UID; 0700, ours), holds one sandbox (sandbox.h)
 * and runs each call of its owner's uid as a new program in it.  Between
 * calls the sandbox sleeps (cgroup v2 cgroup.freeze, else SIGSTOP of its
 * init).  It ends on --end-session, after its idle timeout or lifetime.
 */
#ifndef SR_SESSION_H
#define SR_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli.h"
#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "program.h"
#include "result.h"
#include "serve_proto.h"

struct sr_box;

#define SR_SESSION_NAME_MAX 64
#define SR_SESSION_INTERRUPT_MS 1000	/* SIGINT to stop at a time limit */

/* Runs one call in the session process: main's run path with the
 * caller's argv (argv[0] included); returns its exit status. */
typedef int (*sr_session_call_fn)(int argc, char **argv);

/* Is name a valid session name ([A-Za-z0-9._-]{1,64}, not . or ..)?
 * Returns 0, or -1 with d (usage). */
int sr_session_name_check(const char *name, struct sr_diag *d);

/* Client: run this call in session name, starting its process when none
 * serves it (idle_ms/life_ms, 0 for the policy's default, apply then).  argv is our whole command
 * line.  Returns 0 with *status, or -1 with d. */
int sr_session_call(const char *name, uint64_t idle_ms, uint64_t life_ms,
    int argc, char **argv, sr_session_call_fn fn, int *status,
    struct sr_diag *d);

/* --list-sessions: print our sessions (text or JSON).  0 or -1 with d. */
int sr_session_list(bool json, struct sr_diag *d);

/* --end-session NAME.  0, or -1 with d (no such session). */
int sr_session_end(const char *name, struct sr_diag *d);

/* In the session process, for main's run path: true while a call runs. */
bool sr_session_active(void);

/* In the session process, after the command line's overrides: the
 * session's limits onto p (memory, processes, tmpfs sizes from the
 * policy's "session" section, or --memory/--pids within its ceilings);
 * on the first call also its lifetime, idle timeout and calls.  0, or -1
 * with d (usage: an override above a ceiling). */
int sr_session_apply(struct sr_policy *p, const struct sr_opts *o,
    struct sr_diag *d);

/* Run prog in the session's sandbox and collect into r.  The first call
 * (or the first after the sandbox died) adopts *plan and *policy (they
 * are zeroed/NULLed here) and creates the sandbox; later calls must have
 * the policy hash of the first.  *used is the session's policy,
 * *export_fd its export memfd.  0, or -1 with d. */
int sr_session_run(struct sr_plan *plan, struct sr_policy **policy,
    const struct sr_program *prog, struct sr_result *r,
    const struct sr_policy **used, int *export_fd, struct sr_diag *d);

/* session_host.c: sessions as children of `sandrun serve`.  setup gives
 * the server main's call function and our argv strings (for the session
 * processes' titles); without it a server hosts no sessions. */
#define SR_SESSION_HOST_MAX 64
struct pollfd;
void sr_session_host_setup(sr_session_call_fn fn, char *area, size_t len);
bool sr_session_host_ready(void);
/* Host the session of m (listen on its socket, fork its process).  0
 * also when it answers there already; -1 with d. */
int sr_session_host(const struct sr_serve_session_msg *m, struct sr_diag *d);
unsigned sr_session_host_count(void);
bool sr_session_host_any(void);
/* The hosted sessions' pidfds, to poll; reap the ended ones after. */
unsigned sr_session_host_pollfds(struct pollfd *p, unsigned max);
void sr_session_host_reap(void);
/* SIGTERM: ask each to end, after its call in progress. */
void sr_session_host_end_all(void);
unsigned sr_session_host_stats(struct sr_serve_session_stats *out,
    unsigned max);
/* Our title in ps: title over the argv strings [area, area + len). */
void sr_session_retitle(char *area, size_t len, const char *title);

/* Internal to session*.c: the socket directory and path. */
int sr_session_dir(char *buf, size_t len, struct sr_diag *d);
int sr_session_path(const char *name, char *buf, size_t len,
    struct sr_diag *d);
/* The session process: serve on listening fd lfd until the session ends.
 * lost: the session of that name died without ending (its socket was
 * stale), so the first call says restarted.  Never returns. */
void sr_session_serve(int lfd, const char *name, const char *path,
    uint64_t idle_ms, uint64_t life_ms, bool lost, sr_session_call_fn fn)
    __attribute__((noreturn));

/* session_freeze.c: how a session's sandbox sleeps between calls. */
enum sr_freeze_mech {
	SR_FREEZE_NONE = 0,
	SR_FREEZE_CGROUP2,	/* cgroup.freeze of the run's v2 cgroup */
	SR_FREEZE_CGROUP1,	/* a v1 freezer leaf of ours */
	SR_FREEZE_SIGSTOP,	/* SIGSTOP of init and its descendants */
};
struct sr_session_freeze {
	enum sr_freeze_mech mech;
	char dir[4096];		/* the cgroup dir (v2, v1) */
	char buf[32];
	bool own_dir;		/* ours to remove (v1) */
	bool frozen;		/* asleep now */
	bool observed;		/* the last freeze was seen to hold */
};
/* Choose the mechanism for b (v1: move its init into a freezer leaf). */
void sr_session_freeze_setup(struct sr_session_freeze *f,
    const struct sr_box *b);
/* Freeze (on) or thaw the tree of init and observe it.  0 or -1. */
int sr_session_freeze(struct sr_session_freeze *f, pid_t init, bool on);
/* After the sandbox is gone: remove our freezer leaf. */
void sr_session_freeze_end(struct sr_session_freeze *f);
const char *sr_session_freeze_name(enum sr_freeze_mech m);

/* Control messages (a RUN is a serve_proto.h request). */
#define SR_SESSION_MAGIC 0x53525353u	/* "SRSS" */
enum { SR_SESSION_INFO = 1, SR_SESSION_END = 2 };
struct sr_session_ctl {
	uint32_t magic, type;
};
struct sr_session_reply {
	uint32_t magic;
	int32_t status;			/* a call's exit status */
	uint64_t calls;
	int64_t expires_in_s, idle_in_s;
	int32_t pid;			/* the session process */
	int32_t asleep;			/* its sandbox is frozen now */
	uint64_t max_calls;
	char policy[64];
	char freeze[16];		/* sr_session_freeze_name */
};

#endif
