/* notify.c - count refused system calls through a seccomp listener.
 * See notify.h for the protocol. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "notify.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
sr_notify_prepare(struct sr_notify *n, const struct sr_filter *f,
    int errno_value)
{
	static struct seccomp_notif_sizes sizes;
	static bool have_sizes;
	struct seccomp_notif_sizes sz;
	int sv[2], one = 1;

	memset(n, 0, sizeof(*n));
	n->sock = n->child_sock = n->listener = -1;
	n->errno_value = errno_value;
	if (f == NULL || !f->notify)
		return;
	/* the kernel's sizes, asked once per process: they are constants
	 * of the running kernel */
	if (!have_sizes) {
		memset(&sizes, 0, sizeof(sizes));
		if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0,
		    &sizes) < 0)
			return;
		have_sizes = true;
	}
	sz = sizes;
	n->notif_size = sz.seccomp_notif > sizeof(struct seccomp_notif) ?
	    sz.seccomp_notif : sizeof(struct seccomp_notif);
	n->resp_size = sz.seccomp_notif_resp >
	    sizeof(struct seccomp_notif_resp) ? sz.seccomp_notif_resp :
	    sizeof(struct seccomp_notif_resp);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	n->sent = f->send_listener;	/* else the program's pid is needed */
	if (!n->sent &&
	    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	n->notif = sr_xmalloc(n->notif_size);
	n->resp = sr_xmalloc(n->resp_size);
	n->sock = sv[0];
	n->child_sock = sv[1];
	n->enabled = true;
}

static bool
listed(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

bool
sr_notify_may_send(const struct sr_syscalls *sc)
{
	/* filter.c puts no argument rule on sendmsg: allowed is allowed */
	return sc->allow != NULL && listed(sc->allow, sc->n_allow, "sendmsg") &&
	    (sc->deny == NULL || !listed(sc->deny, sc->n_deny, "sendmsg"));
}

void
sr_notify_after_clone(struct sr_notify *n)
{
	close_fd(&n->child_sock);
}

int
sr_notify_pollfd(const struct sr_notify *n)
{
	return n->listener >= 0 ? n->listener : n->sock;
}

/* The program sent its byte 'L' with the listener (SCM_RIGHTS): take
 * it; the program does not wait for an answer. */
static void
take_sent_listener(struct sr_notify *n)
{
	size_t nfds;
	ssize_t k;
	char b = 0;
	int fd;

	k = sr_fdpass_recv(n->sock, &b, 1, MSG_DONTWAIT, &fd, 1, &nfds, NULL);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k == 1 && b == 'L' && nfds == 1) {
		n->listener = fd;
		n->observable = true;
	} else if (nfds == 1) {
		close(fd);
	}
	close_fd(&n->sock);	/* the program's end is closed, or never was */
}

/* The program wrote its byte: find its pid (SCM_CREDENTIALS, translated
 * into our pid namespace by the kernel), copy the listener, acknowledge. */
static void
receive_listener(struct sr_notify *n)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	struct ucred cred;
	bool have = false;
	char b, ack = 'n';
	ssize_t k;
	int pidfd;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &b;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	k = recvmsg(n->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k <= 0) {		/* the program never got that far */
		close_fd(&n->sock);
		return;
	}
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(cred))) {
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			have = cred.pid > 0;
		}
	if (have) {
		pidfd = (int)syscall(SYS_pidfd_open, cred.pid, 0);
		if (pidfd >= 0) {
			n->listener = (int)syscall(SYS_pidfd_getfd, pidfd,
			    SR_NOTIFY_LISTENER_FD, 0);
			close(pidfd);
		}
	}
	if (n->listener >= 0) {
		/* pidfd_getfd gives a close-on-exec fd; make sure */
		(void)fcntl(n->listener, F_SETFD, FD_CLOEXEC);
		n->observable = true;
		ack = 'y';
	}
	(void)!write(n->sock, &ack, 1);
	close_fd(&n->sock);
}

static bool
readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void
count(struct sr_notify *n, int nr)
{
	char *name;
	size_t i;

	name = sr_filter_syscall_name(nr);
	for (i = 0; i < n->n_denied; i++)
		if (name != NULL ? strcmp(n->denied[i].name, name) == 0 :
		    false) {
			n->denied[i].count++;
			free(name);
			return;
		}
	if (n->n_denied < SR_NOTIFY_MAX_NAMES) {
		struct sr_denied *d;

		n->denied = sr_xrealloc(n->denied,
		    (n->n_denied + 1) * sizeof(*n->denied));
		d = &n->denied[n->n_denied++];
		memset(d, 0, sizeof(*d));
		if (name != NULL)
			snprintf(d->name, sizeof(d->name), "%s", name);
		else
			snprintf(d->name, sizeof(d->name), "syscall_%d", nr);
		d->count = 1;
	}
	free(name);
}

void
sr_notify_handle(struct sr_notify *n, short revents)
{
	struct seccomp_notif *req = n->notif;
	struct seccomp_notif_resp *resp = n->resp;
	int i;

	if (n->listener < 0) {
		if (n->sock >= 0 && revents && n->sent)
			take_sent_listener(n);
		else if (n->sock >= 0 && revents)
			receive_listener(n);
		return;
	}
	if (!(revents & POLLIN)) {
		if (revents & (POLLHUP | POLLERR | POLLNVAL))
			close_fd(&n->listener);	/* no task uses the filter */
		return;
	}
	/* A few per wakeup, so output keeps flowing under a flood. */
	for (i = 0; i < 64; i++) {
		memset(req, 0, n->notif_size);
		if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ENOENT && errno != EAGAIN)
				close_fd(&n->listener);
			return;
		}
		count(n, req->data.nr);
		memset(resp, 0, n->resp_size);
		resp->id = req->id;
		resp->error = -n->errno_value;
		resp->val = 0;
		resp->flags = 0;	/* never SECCOMP_USER_NOTIF_FLAG_CONTINUE */
		/* ENOENT: the caller was killed meanwhile; nothing to do */
		(void)ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
		if (!readable(n->listener))
			return;
	}
}

void
sr_notify_forget(struct sr_notify *n)
{
	free(n->denied);
	n->denied = NULL;
	n->n_denied = 0;
}

void
sr_notify_finish(struct sr_notify *n, struct sr_result *r, bool verbose)
{
	size_t i;

	close_fd(&n->sock);
	close_fd(&n->child_sock);
	close_fd(&n->listener);
	if (r == NULL) {	/* discarded */
		free(n->denied);
		n->denied = NULL;
		n->n_denied = 0;
		verbose = false;
	} else {
		r->denied_observable = n->observable;
	}
	if (verbose) {
		if (n->enabled && !n->observable)
			fprintf(stderr, "sandrun: denied system calls were not observable\n");
		for (i = 0; i < n->n_denied; i++)
			fprintf(stderr, "sandrun: denied %s (%llu)\n",
			    n->denied[i].name,
			    (unsigned long long)n->denied[i].count);
	}
	if (r != NULL) {
		free(r->denied);
		r->denied = n->denied;
		r->n_denied = n->n_denied;
	}
	n->denied = NULL;
	n->n_denied = 0;
	free(n->notif);
	free(n->resp);
	n->notif = n->resp = NULL;
}

/* ---- in the program: no allocation, no stdio ------------------------ */

void
sr_notify_pass_listener(int sock, int listener)
{
	/* sendmsg is allowed: one byte 'L' with the listener, into the
	 * supervisor's queue where nothing in the sandbox can reach it.  A
	 * failure leaves the denials unobservable (the socket just closes),
	 * the run intact. */
	(void)sr_fdpass_send(sock, "L", 1, 0, &listener, 1);
}

void
sr_notify_send_listener(int sock, int listener)
{
	sr_notify_pass_listener(sock, listener);
	close(listener);
	close(sock);
}

int
sr_notify_install(const struct sr_filter *f, int sock)
{
	char b = 'x';
	ssize_t k;
	int fd, e;

	if (sock < 0 || f == NULL || !f->notify)
		return sr_filter_install(f);
	fd = sr_filter_install_listener(f);
	if (fd < 0)
		return -1;
	if (f->send_listener) {
		sr_notify_send_listener(sock, fd);
		return 0;
	}
	/* From here on refused calls trap: read, write, close only. */
	if (fd != SR_NOTIFY_LISTENER_FD) {
		/* fd 4 is the socket's or free: the caller put sock
		 * elsewhere (child.c keeps it at 5). */
		if (dup3(fd, SR_NOTIFY_LISTENER_FD, O_CLOEXEC) < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		close(fd);
	}
	if (write(sock, &b, 1) == 1) {
		do
			k = read(sock, &b, 1);
		while (k < 0 && errno == EINTR);
	}
	/* Whatever happened, the program must not keep the listener. */
	close(SR_NOTIFY_LISTENER_FD);
	close(sock);
	return 0;
}
