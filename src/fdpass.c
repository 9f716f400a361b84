/* fdpass.c - one message with its descriptors (fdpass.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"

/* Take the descriptors of every SCM_RIGHTS header, keeping max. */
static void
take_fds(struct msghdr *mh, int *fds, size_t max, size_t *nfds)
{
	struct cmsghdr *cm;
	size_t k, got;
	int f;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < got; k++) {
			memcpy(&f, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (*nfds < max)
				fds[(*nfds)++] = f;
			else
				close(f);
		}
	}
}

ssize_t
sr_fdpass_recv(int fd, void *buf, size_t len, int flags, int *fds,
    size_t max, size_t *nfds, bool *trunc)
{
	union {
		char b[CMSG_SPACE(SR_FDPASS_MAX * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr mh = { 0 };
	ssize_t n;

	*nfds = 0;
	if (trunc != NULL)
		*trunc = false;
	if (max > SR_FDPASS_MAX) {
		errno = EINVAL;
		return -1;
	}
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = CMSG_SPACE(max * sizeof(int));
	do
		n = recvmsg(fd, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	take_fds(&mh, fds, max, nfds);
	if (trunc != NULL)
		*trunc = (size_t)n > len ||
		    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
	return n;
}

int
sr_fdpass_send(int fd, const void *buf, size_t len, int flags,
    const int *fds, size_t nfds)
{
	union {
		char b[CMSG_SPACE(SR_FDPASS_MAX * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	ssize_t n;

	if (nfds > SR_FDPASS_MAX) {
		errno = EINVAL;
		return -1;
	}
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, flags | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

ssize_t
sr_fdpass_recv_within(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}
