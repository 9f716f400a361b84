/* serve_sock.h - where the serve socket lives, and opening its two ends. */
#ifndef SR_SERVE_SOCK_H
#define SR_SERVE_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

/* The default socket path into buf: $SANDRUN_SOCKET, else
 * $XDG_RUNTIME_DIR/sandrun/serve.sock, or /run/sandrun/serve.sock for root.
 * Returns 0, or -1 when there is none (a user without XDG_RUNTIME_DIR, or a
 * path that does not fit). */
int sr_serve_sock_default(char *buf, size_t len);

/* Listen on path: its directory is created 0700 when missing and must be
 * owned by us and closed to everybody else; a stale socket is replaced, a
 * live server is an error.  Returns the listening fd, or -1 with d. */
int sr_serve_sock_listen(const char *path, struct sr_diag *d);

/* An inherited listening socket (systemd's LISTEN_PID/LISTEN_FDS, fd 3),
 * checked to be a listening AF_UNIX SOCK_SEQPACKET socket.  Returns the
 * fd, 0 when none was passed (LISTEN_* are unset either way), or -1 with
 * d when one was passed but is unusable. */
int sr_serve_sock_inherited(struct sr_diag *d);

/* Connect to path without blocking.  Returns the fd, or -1 with errno
 * (ENOENT and ECONNREFUSED when no server runs, EAGAIN when its queue is
 * full). */
int sr_serve_sock_connect(const char *path);

/* Which binary this process runs (/proc/self/exe).  Returns 0 or -1. */
struct sr_serve_exe;
int sr_serve_sock_self(struct sr_serve_exe *id);

/* Which binary process pid runs (/proc/PID/exe).  Returns 0 or -1. */
int sr_serve_sock_exe_of(pid_t pid, struct sr_serve_exe *id);

/* The uid and pid at the other end.  Returns 0 or -1 with errno. */
int sr_serve_sock_peer(int fd, uid_t *uid, pid_t *pid);

/* The directory of socket path: made 0700 when missing (one level);
 * it must be ours and closed to others.  0, or -1 with d. */
int sr_serve_sock_private_dir(const char *path, struct sr_diag *d);

#endif
