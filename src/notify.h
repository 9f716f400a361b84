/* notify.h - report the system calls the policy refused, through a seccomp
 * user-notification listener.
 *
 * When the filter was built with notify (f->notify), refused known system
 * calls trap to SECCOMP_RET_USER_NOTIF instead of SECCOMP_RET_ERRNO.  The
 * program installs the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER, keeps
 * the listener on a fixed fd and writes one byte on a socket shared with
 * the supervisor.  The supervisor (SO_PASSCRED) learns the program's pid in
 * its own pid namespace from that byte, copies the listener out with
 * pidfd_getfd(2) and acknowledges; only then does the program exec, which
 * closes its copy (close-on-exec), so the sandbox never holds the listener
 * (a listener could answer "continue" and let a refused call run).
 *
 * When the policy allows sendmsg whatever its arguments (every shipped
 * policy does), the program instead sends the listener over that socket
 * with SCM_RIGHTS and closes its copies at once: no round trip to the
 * supervisor before execve and no dumpable window (f->send_listener).
 * Only the supervisor holds the other end, so nothing in the sandbox can
 * receive it; the refused calls block until the supervisor takes it.
 *
 * The supervisor answers every notification at once with the policy's
 * errno; the call never runs.  Only read, write and close (and sendmsg
 * when the policy allows it) are needed by the program between the
 * install and execve, so every policy works.
 * If the supervisor is gone, refused calls fail with ENOSYS.
 */
#ifndef SR_NOTIFY_H
#define SR_NOTIFY_H

#include <stdbool.h>
#include <stdio.h>

#include "filter.h"
#include "result.h"

#define SR_NOTIFY_MAX_NAMES 64	/* distinct names kept in the result */
#define SR_NOTIFY_LISTENER_FD 4	/* where the program keeps the listener */

struct sr_notify {
	int sock;		/* supervisor end, -1 when off or done */
	int child_sock;		/* program end (closed by the supervisor
				 * after clone), -1 when off */
	int listener;		/* the seccomp listener, -1 until received */
	int errno_value;	/* the answer to every notification */
	bool enabled;		/* the filter traps refused calls */
	bool observable;	/* the listener was received */
	bool sent;		/* the program sends it (f->send_listener) */
	struct sr_denied *denied;
	size_t n_denied;
	size_t resp_size, notif_size;
	void *notif, *resp;
};

/* Supervisor, before clone: set up the socket when f->notify.  Never
 * fails hard: without it, the result says denied calls are unobservable. */
void sr_notify_prepare(struct sr_notify *n, const struct sr_filter *f,
    int errno_value);

/* Does the policy allow sendmsg whatever its arguments, so that the
 * program can send the listener (struct sr_filter's send_listener)? */
bool sr_notify_may_send(const struct sr_syscalls *sc);

/* Supervisor, after clone: close the program's end. */
void sr_notify_after_clone(struct sr_notify *n);

/* Supervisor loop: the fd to poll for POLLIN, or -1. */
int sr_notify_pollfd(const struct sr_notify *n);

/* Supervisor loop: the fd from sr_notify_pollfd() is ready. */
void sr_notify_handle(struct sr_notify *n, short revents);

/* Supervisor: drop the counts so far (a warm driver's warm-up). */
void sr_notify_forget(struct sr_notify *n);

/* Supervisor, at the end: move the counts into r (NULL: discard), print
 * "sandrun: denied NAME (COUNT)" lines when verbose, close everything. */
void sr_notify_finish(struct sr_notify *n, struct sr_result *r,
    bool verbose);

/* Program, in place of sr_filter_install(): install f; with notify, hand
 * the listener to the supervisor over sock (an fd of the program, not
 * close-on-exec'd yet): sent with SCM_RIGHTS when f->send_listener, else
 * a byte and the supervisor's acknowledgement.  sock < 0 or !f->notify: plain install.
 * Returns 0 or -1 with errno. */
int sr_notify_install(const struct sr_filter *f, int sock);

/* Program, f->send_listener: the listener of a filter it installed
 * (sr_filter_install_listener) to the supervisor over sock, then both
 * closed.  Only sendmsg and close. */
void sr_notify_send_listener(int sock, int listener);

/* The same without closing either: for a caller that closes them with
 * everything else (child.c's stub: one close_range).  Only sendmsg. */
void sr_notify_pass_listener(int sock, int listener);

#endif
