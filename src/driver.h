/* driver.h - the warm driver: an interpreter started by init inside a
 * ready sandbox, waiting for code (sandrun-policy(5), WARM;
 * docs/lifecycle.md, "The warm driver").
 *
 * Init starts the policy's "warm" command after setup through the same
 * hardening as any program (child.c: new session, rlimits, capabilities
 * dropped, no_new_privs, seccomp, FACTS) with its standard streams on
 * /dev/null and one end of a SOCK_SEQPACKET socketpair at SR_DRIVER_FD,
 * named by SANDRUN_DRIVER_FD in its environment (the driver removes it at
 * once).  The conversation on that socket, one record per message:
 *
 *   driver -> init   {"ready": true}           after its warm-up
 *   init -> driver   {"argv": [...], "env": {...}, "cwd": "/...",
 *                     "code": "/.../main.py", "loop": false}
 *                    with SCM_RIGHTS [stdin, stdout, stderr]
 *   driver -> init   {"done": STATUS, "value": REPR|null,
 *                     "value_png": BASE64|null}
 *
 * argv is the cold command line (the policy's run.command expanded); the
 * driver takes the program's arguments from the code path on.  In one-call
 * mode ("loop": false, the warm pool) the driver runs the code, ends as
 * the interpreter ends, closes every descriptor but its socket and
 * answers "done" (values null); init stops it there and reports it as
 * ended with that status (its exit comes with the sandbox's destroy,
 * after the result).  A driver that ends without answering is reaped as
 * the program.  In loop mode (sessions) it answers "done" and waits for
 * the next call in the same interpreter.  Everything the driver receives was built by
 * init; what init receives is parsed strictly and bounded (after a call
 * the driver may be running the sandbox's code).
 */
#ifndef SR_DRIVER_H
#define SR_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

#define SR_DRIVER_FD 6		/* the driver's end of the control socket */
#define SR_DRIVER_ENV "SANDRUN_DRIVER_FD=6"
#define SR_DRIVER_CALL_MAX (1u << 20)	/* bytes of a call record */
#define SR_DRIVER_DONE_MAX (16u << 20)	/* bytes of a done record */
#define SR_DRIVER_READY_MS 120000	/* warm-up until ready, at most */
/* CPU seconds the warm-up may use on top of the planned RLIMIT_CPU: the
 * driver starts with the sum, and at the call init lowers it to the
 * planned limit plus what the driver used (lowering needs no privilege,
 * raising would need CAP_SYS_RESOURCE, which init does not hold). */
#define SR_DRIVER_WARMUP_CPU_S 60

/* A done record (loop mode). */
struct sr_driver_done {
	int status;		/* the call's exit status (130: interrupted) */
	char *value;		/* repr of the last expression, or NULL */
	char *value_png;	/* base64 PNG when the value is a figure */
};

/* The control socketpair: sv[0] for init, sv[1] for the driver; both
 * close-on-exec (the driver's copy goes to SR_DRIVER_FD without it).
 * Returns 0 or -1 with d. */
int sr_driver_pair(int sv[2], struct sr_diag *d);

/* Wait up to timeout_ms for the driver's ready record.  Returns 0, or -1
 * with d (the driver ended, timed out or said something else). */
int sr_driver_wait_ready(int ctl, int timeout_ms, struct sr_diag *d);

/* The JSON of a call (caller frees): argv and envp NULL-terminated,
 * cwd and code absolute paths. */
char *sr_driver_request(char *const *argv, char *const *envp,
    const char *cwd, const char *code, bool loop);

/* Send a call: request with stdio[0..2] as SCM_RIGHTS.  Returns 0 or -1
 * with d. */
int sr_driver_call(int ctl, const int stdio[3], const char *request,
    struct sr_diag *d);

/* Parse a done record (bounded, strict: an object with exactly "done"
 * (integer), "value" and "value_png" (string or null)).  Returns 0 with
 * *out (free with sr_driver_done_free), or -1 with d. */
int sr_driver_parse_done(const char *buf, size_t len,
    struct sr_driver_done *out, struct sr_diag *d);

/* Wait up to timeout_ms (-1: no limit) for the driver's done record.
 * Returns 0 with *out, or -1 with d (EOF: the driver ended). */
int sr_driver_wait_done(int ctl, int timeout_ms, struct sr_driver_done *out,
    struct sr_diag *d);

void sr_driver_done_free(struct sr_driver_done *dn);

/* CPU time pid has used so far (user, system; from /proc/PID/stat), in
 * microseconds.  Returns 0 or -1 with errno. */
int sr_driver_cpu_used(pid_t pid, unsigned long long *user_us,
    unsigned long long *sys_us);

/* The peak resident set of process pid so far (VmHWM, the figure
 * getrusage's ru_maxrss gives), in KiB: a session's driver, which no
 * wait reports on.  0, or -1 with errno. */
int sr_driver_peak_rss(pid_t pid, unsigned long long *kib);

#endif
