/* test_fdpass.c - one message with its descriptors (fdpass.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "tap.h"

/* How many descriptors are open at or above lo. */
static int
open_from(int lo)
{
	int f, n = 0;

	for (f = lo; f < lo + 64; f++)
		if (fcntl(f, F_GETFD) >= 0)
			n++;
	return n;
}

int
main(void)
{
	int sv[2], p[2], fds[SR_FDPASS_MAX], many[SR_FDPASS_MAX + 1], base, before, i;
	char buf[8], c = 0;
	size_t nfds = 99;
	bool trunc = true;
	ssize_t n;

	TAP_PLAN(10);
	ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0 &&
	    pipe(p) == 0, "socketpair and pipe");
	base = p[1] + 1;

	ok(sr_fdpass_send(sv[0], "hello", 5, 0, NULL, 0) == 0 &&
	    sr_fdpass_recv(sv[1], buf, sizeof(buf), 0, fds, 4, &nfds,
	    &trunc) == 5 && nfds == 0 && !trunc && memcmp(buf, "hello", 5) == 0,
	    "a message without descriptors");

	{
		int two[2] = { p[1], p[0] };

		n = -1;
		if (sr_fdpass_send(sv[0], "ab", 2, 0, two, 2) == 0)
			n = sr_fdpass_recv(sv[1], buf, sizeof(buf), 0, fds, 4,
			    &nfds, &trunc);
	}
	ok(n == 2 && nfds == 2 && !trunc &&
	    (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) &&
	    write(fds[0], "x", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'x',
	    "descriptors arrive working and close-on-exec");
	close(fds[0]);
	close(fds[1]);

	/* The control space for one descriptor has room for two after
	 * alignment: the kernel passes two and the second must be closed. */
	for (i = 0; i < SR_FDPASS_MAX + 1; i++)
		many[i] = p[1];
	before = open_from(base);
	n = -1;
	if (sr_fdpass_send(sv[0], "c", 1, 0, many, 5) == 0)
		n = sr_fdpass_recv(sv[1], buf, sizeof(buf), 0, fds, 1, &nfds,
		    &trunc);
	ok(n == 1 && nfds == 1 && trunc, "more descriptors than room: "
	    "the first kept, the message marked truncated");
	close(fds[0]);
	ok(open_from(base) == before, "and none left open behind it");

	n = -1;
	if (sr_fdpass_send(sv[0], "0123456789", 10, 0, NULL, 0) == 0)
		n = sr_fdpass_recv(sv[1], buf, 4, MSG_TRUNC, fds, 4, &nfds,
		    &trunc);
	ok(n == 10 && trunc, "a longer message: its real length with "
	    "MSG_TRUNC, marked truncated");

	errno = 0;
	ok(sr_fdpass_recv(sv[1], buf, sizeof(buf), 0, fds, SR_FDPASS_MAX + 1,
	    &nfds, NULL) < 0 && errno == EINVAL, "room beyond SR_FDPASS_MAX "
	    "is refused");

	errno = 0;
	ok(sr_fdpass_send(sv[0], "x", 1, 0, many, SR_FDPASS_MAX + 1) < 0 &&
	    errno == EINVAL, "sending more than SR_FDPASS_MAX is refused");

	close(sv[0]);
	ok(sr_fdpass_send(sv[1], "x", 1, 0, NULL, 0) < 0 && errno == EPIPE,
	    "sending to a gone peer is EPIPE, not a signal");
	ok(sr_fdpass_recv(sv[1], buf, sizeof(buf), 0, fds, 4, &nfds,
	    NULL) == 0 && nfds == 0, "0 once the peer is gone");
	return tap_done();
}
