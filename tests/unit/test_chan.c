/* test_chan.c - the supervisor-init channel's records (chan.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan.h"
#include "program.h"
#include "tap.h"

/* The program RUN carries (program.h): packed, then seen by init read
 * (under a page) or mapped (larger), alike; a truncated one refused. */
static void
test_program(void)
{
	static char big[10000];
	static char a0[] = "sh", a1[] = "-c", a2[] = "echo hi";
	static char e0[] = "PATH=/bin", e1[] = "A=1";
	char *argv[] = { a0, a1, a2, NULL };
	char *envp[] = { e0, e1, NULL };
	struct sr_program p = { argv, envp, NULL, NULL, 0, -1 };
	struct sr_program_view v;
	struct sr_diag d;
	int fd, t;

	memset(&d, 0, sizeof(d));
	fd = sr_program_pack(&p, &d);
	ok(fd >= 0 && sr_program_map(fd, &v, &d) == 0 && v.map == NULL &&
	    strcmp(v.argv[2], "echo hi") == 0 && v.argv[3] == NULL &&
	    strcmp(v.envp[1], "A=1") == 0 && v.envp[2] == NULL &&
	    v.code_name == NULL, "a small program is read, argv and env whole");
	sr_program_unmap(&v);
	close(fd);
	memset(big, 'x', sizeof(big));
	p.code_name = "main.py";
	p.code = big;
	p.code_len = sizeof(big);
	fd = sr_program_pack(&p, &d);
	ok(fd >= 0 && sr_program_map(fd, &v, &d) == 0 && v.map != NULL &&
	    strcmp(v.argv[0], "sh") == 0 && strcmp(v.code_name, "main.py") == 0 &&
	    v.code_len == sizeof(big) && memcmp(v.code, big, sizeof(big)) == 0,
	    "a larger one is mapped, its code whole");
	sr_program_unmap(&v);
	close(fd);
	/* the header says more than the file holds */
	t = memfd_create("t", MFD_CLOEXEC);
	fd = sr_program_pack(&(struct sr_program){ argv, envp, NULL, NULL, 0,
	    -1 }, &d);
	{
		char buf[512];
		ssize_t n = pread(fd, buf, sizeof(buf), 0);

		ok(n > 8 && write(t, buf, (size_t)n - 3) == n - 3 &&
		    sr_program_map(t, &v, &d) < 0 &&
		    strstr(d.msg, "malformed") != NULL,
		    "a truncated program is refused");
	}
	close(fd);
	close(t);
}

int
main(void)
{
	struct sr_msg m;
	struct sr_diag d;
	struct sr_msg_run run;
	int sv[2], p[2], fds[SR_CHAN_MAX_FDS], nfds, k;
	char c = 0;

	TAP_PLAN(15);
	ok(sr_chan_pair(sv) == 0, "socketpair");

	ok(sr_chan_send(sv[1], SR_MSG_READY, NULL, 0, NULL, 0) == 0 &&
	    sr_chan_recv(sv[0], &m, fds, &nfds) == 1 &&
	    m.type == SR_MSG_READY && nfds == 0, "an empty record arrives whole");

	memset(&d, 0, sizeof(d));
	snprintf(d.msg, sizeof(d.msg), "mkdir /usr/x: Read-only file system");
	ok(sr_chan_send(sv[1], SR_MSG_DIAG, &d, sizeof(d), NULL, 0) == 0 &&
	    sr_chan_send(sv[1], SR_MSG_EXIT, NULL, 0, NULL, 0) == 0,
	    "two records queued");
	k = sr_chan_recv(sv[0], &m, fds, &nfds);
	ok(k == 1 && m.type == SR_MSG_DIAG &&
	    strcmp(m.u.diag.msg, d.msg) == 0, "records keep their order and content");
	k = sr_chan_recv(sv[0], &m, fds, &nfds);
	ok(k == 1 && m.type == SR_MSG_EXIT, "and their boundaries");

	/* descriptors travel with the record */
	ok(pipe(p) == 0, "pipe");
	memset(&run, 0, sizeof(run));
	run.fds = SR_RUN_STDIN;
	{
		int three[3] = { p[1], p[1], p[0] };

		ok(sr_chan_send(sv[0], SR_MSG_RUN, &run, sizeof(run), three,
		    3) == 0, "a RUN record with three descriptors");
	}
	k = sr_chan_recv(sv[1], &m, fds, &nfds);
	ok(k == 1 && m.type == SR_MSG_RUN && nfds == 3 &&
	    m.u.run.fds == SR_RUN_STDIN &&
	    (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) &&
	    write(fds[0], "x", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'x',
	    "received descriptors work and are close-on-exec");

	/* a payload of the wrong size is refused on both ends */
	errno = 0;
	ok(sr_chan_send(sv[0], SR_MSG_STATUS, &d, 3, NULL, 0) < 0 &&
	    errno == EINVAL, "send refuses a wrong payload size");
	{
		char junk[12] = { SR_MSG_STATUS, 0, 0, 0, 4, 0, 0, 0 };

		(void)!write(sv[0], junk, sizeof(junk));
	}
	errno = 0;
	ok(sr_chan_recv(sv[1], &m, fds, &nfds) < 0 && errno == EPROTO,
	    "recv refuses a record whose length does not match its type");

	close(sv[0]);
	ok(sr_chan_recv(sv[1], &m, fds, &nfds) == 0, "EOF once the peer is gone");
	ok(sr_chan_send(sv[1], SR_MSG_READY, NULL, 0, NULL, 0) < 0 &&
	    errno == EPIPE, "sending to a gone peer is EPIPE, not a signal");
	test_program();
	return tap_done();
}
