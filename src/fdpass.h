/* fdpass.h - one message with descriptors (SCM_RIGHTS) over a socket. */
#ifndef SR_FDPASS_H
#define SR_FDPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The most descriptors one receive takes. */
#define SR_FDPASS_MAX 8

/*
 * Receive one message into buf (len bytes) with recvmsg(2) and flags
 * (MSG_CMSG_CLOEXEC is always added), retrying on EINTR.  Room is made
 * for max descriptors (at most SR_FDPASS_MAX); those received go into
 * fds[] (close-on-exec), their count into *nfds, and any beyond max are
 * closed.  Returns what recvmsg returned: the length (more than len
 * with MSG_TRUNC in flags), 0 at hangup, -1 with errno on error (then
 * *nfds is 0).  *trunc, when not NULL, says whether the message or its
 * descriptors did not fit.
 */
ssize_t sr_fdpass_recv(int fd, void *buf, size_t len, int flags, int *fds,
    size_t max, size_t *nfds, bool *trunc);

/*
 * Send buf (len bytes) with nfds descriptors (at most SR_FDPASS_MAX) in
 * one sendmsg(2) with flags and MSG_NOSIGNAL, retrying on EINTR.
 * Returns 0 when the whole message went, -1 with errno otherwise (EPIPE
 * when the peer is gone).
 */
int sr_fdpass_send(int fd, const void *buf, size_t len, int flags,
    const int *fds, size_t nfds);

/*
 * Wait up to ms milliseconds (-1: no limit) for fd to be readable, then
 * recv(2) one message into buf without descriptors.  Returns what recv
 * returned, or -1 when the time ran out or poll failed.
 */
ssize_t sr_fdpass_recv_within(int fd, void *buf, size_t len, int ms);

#endif
