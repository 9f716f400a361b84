/* test_serve.c - the serve request parser, message framing, the policy a
 * request asks for, and the default socket path. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve_exec.h"
#include "serve_proto.h"
#include "serve_sock.h"
#include "tap.h"
#include "util.h"

/* Parse buf with nfds; returns 0/-1 and leaves the message in d. */
static int
parse(const void *buf, size_t len, size_t nfds, struct sr_diag *d)
{
	struct sr_serve_request r;
	int ret = sr_serve_request_parse(buf, len, nfds, &r, d);

	if (ret == 0)
		sr_serve_request_free(&r);
	return ret;
}

static void
test_roundtrip(void)
{
	char *argv[] = { (char *)"-p", (char *)"sh", (char *)"--json", (char *)"", (char *)"x y", NULL };
	char *envp[] = { (char *)"A=1", (char *)"B=", (char *)"bogus", (char *)"=x", (char *)"C=a=b", NULL };
	struct sr_serve_request r;
	struct sr_diag d;
	void *buf;
	size_t len;

	ok(sr_serve_request_build(5, argv, envp, 022, &buf, &len) == 0,
	    "build a run request");
	ok(sr_serve_request_parse(buf, len, SR_SERVE_NFDS, &r, &d) == 0,
	    "parse it back");
	ok(r.type == SR_SERVE_REQ_RUN && r.argc == 5 && r.envc == 3 &&
	    r.umask == 022, "type, counts (entries without NAME= dropped), umask");
	is_str(r.argv[4], "x y", "last argument");
	ok(r.argv[3][0] == '\0' && r.argv[5] == NULL, "empty argument kept, NULL-terminated");
	is_str(r.envp[2], "C=a=b", "environment kept in order");
	sr_serve_request_free(&r);
	ok(parse(buf, len, 3, &d) < 0 && strstr(d.msg, "descriptors") != NULL,
	    "run without the four descriptors: %s", d.msg);
	ok(parse(buf, len - 1, 4, &d) < 0, "a byte short: %s", d.msg);
	sr_serve_request_early(buf);
	ok(sr_serve_request_parse(buf, len, SR_SERVE_NFDS, &r, &d) == 0 &&
	    r.type == SR_SERVE_REQ_RUN_EARLY && r.argc == 5 && r.envc == 3,
	    "the same request sent before the hello: RUN_EARLY");
	sr_serve_request_free(&r);
	free(buf);
}

static void
test_malformed(void)
{
	struct sr_serve_reqhdr h;
	char big[SR_SERVE_MSG_MAX + 16];
	struct sr_diag d;
	char *many[SR_SERVE_ARGC_MAX + 2];
	void *buf;
	size_t len, i;

	memset(big, 'a', sizeof(big));
	ok(parse(big, 3, 0, &d) < 0 && strstr(d.msg, "shorter") != NULL,
	    "shorter than a header: %s", d.msg);
	ok(parse(big, sizeof(big), 4, &d) < 0 && strstr(d.msg, "at most") != NULL,
	    "too large: %s", d.msg);
	ok(parse(big, sizeof(h), 0, &d) < 0 && strstr(d.msg, "magic") != NULL,
	    "bad magic: %s", d.msg);
	sr_serve_reqhdr_init(&h, SR_SERVE_REQ_STATUS, 0);
	h.version = 99;
	ok(parse(&h, sizeof(h), 0, &d) < 0 && strstr(d.msg, "protocol 99") != NULL,
	    "other protocol version: %s", d.msg);
	sr_serve_reqhdr_init(&h, 77, 0);
	ok(parse(&h, sizeof(h), 0, &d) < 0 && strstr(d.msg, "type 77") != NULL,
	    "unknown type: %s", d.msg);
	sr_serve_reqhdr_init(&h, SR_SERVE_REQ_STATUS, 0);
	ok(parse(&h, sizeof(h), 0, &d) == 0, "status request");
	ok(parse(&h, sizeof(h), 1, &d) < 0, "status with a descriptor: %s", d.msg);
	sr_serve_reqhdr_init(&h, SR_SERVE_REQ_SIGNAL, SIGKILL);
	ok(parse(&h, sizeof(h), 0, &d) < 0, "SIGKILL is not forwarded: %s", d.msg);
	sr_serve_reqhdr_init(&h, SR_SERVE_REQ_SIGNAL, SIGINT);
	ok(parse(&h, sizeof(h), 0, &d) == 0, "SIGINT is forwarded");

	/* A run header whose counts promise more than the message holds. */
	memset(big, 0, sizeof(big));
	sr_serve_reqhdr_init(&h, SR_SERVE_REQ_RUN, 022);
	h.argc = 2;
	memcpy(big, &h, sizeof(h));
	memcpy(big + sizeof(h), "a", 2);
	ok(parse(big, sizeof(h) + 2, 4, &d) < 0 && strstr(d.msg, "missing") != NULL,
	    "missing string: %s", d.msg);
	memcpy(big + sizeof(h), "ab", 2);
	ok(parse(big, sizeof(h) + 2, 4, &d) < 0 && strstr(d.msg, "terminated") != NULL,
	    "unterminated string: %s", d.msg);
	h.argc = 1;
	memcpy(big, &h, sizeof(h));
	memcpy(big + sizeof(h), "a\0b\0", 4);
	ok(parse(big, sizeof(h) + 4, 4, &d) < 0 && strstr(d.msg, "after") != NULL,
	    "bytes after the strings: %s", d.msg);
	h.argc = 0;
	h.envc = 1;
	memcpy(big, &h, sizeof(h));
	memcpy(big + sizeof(h), "noeq", 5);
	ok(parse(big, sizeof(h) + 5, 4, &d) < 0 && strstr(d.msg, "NAME=VALUE") != NULL,
	    "environment entry without '=': %s", d.msg);
	h.envc = 0;
	h.umask = 01000;
	memcpy(big, &h, sizeof(h));
	ok(parse(big, sizeof(h), 4, &d) < 0, "umask out of range: %s", d.msg);
	h.umask = 0;
	h.argc = SR_SERVE_ARGC_MAX + 1;
	memcpy(big, &h, sizeof(h));
	ok(parse(big, sizeof(h), 4, &d) < 0, "too many arguments: %s", d.msg);

	for (i = 0; i < SR_ARRAY_SIZE(many) - 1; i++)
		many[i] = (char *)"x";
	many[i] = NULL;
	errno = 0;
	ok(sr_serve_request_build((int)i, many, NULL, 0, &buf, &len) < 0 &&
	    errno == E2BIG, "building past the argument bound fails (E2BIG)");
}

static void
test_framing(void)
{
	struct sr_serve_hello h, g;
	struct sr_serve_reply r, s;

	sr_serve_hello_init(&h, SR_SERVE_HELLO_BUSY, SR_SERVE_F_RUN, NULL);
	ok(sr_serve_hello_check(&h, sizeof(h), &g) == 0 &&
	    g.version == SR_SERVE_PROTOCOL && g.status == SR_SERVE_HELLO_BUSY &&
	    g.max_request == SR_SERVE_MSG_MAX, "hello round trip");
	ok(sr_serve_hello_check(&h, sizeof(h) - 1, &g) < 0, "short hello rejected");
	sr_serve_reply_init(&r, SR_SERVE_REP_DONE, 124, NULL);
	ok(sr_serve_reply_check(&r, sizeof(r), &s) == 0 && s.status == 124,
	    "reply round trip");
	ok(sr_serve_reply_check(&r, sizeof(r) + 4, &s) < 0,
	    "a DONE reply with trailing bytes rejected");
	memset(r.reason, 'x', sizeof(r.reason));
	ok(sr_serve_reply_check(&r, sizeof(r), &s) == 0 &&
	    strlen(s.reason) == sizeof(s.reason) - 1, "reason is terminated");
}

static int
policy_of(char **argv, int argc, char **envp, char *buf, size_t len,
    struct sr_diag *d)
{
	struct sr_serve_request r;
	void *m;
	size_t n;
	int ret;

	if (sr_serve_request_build(argc, argv, envp, 0, &m, &n) < 0 ||
	    sr_serve_request_parse(m, n, 4, &r, d) < 0)
		return -2;
	ret = sr_serve_exec_check(&r, buf, len, NULL, d);
	sr_serve_request_free(&r);
	free(m);
	return ret;
}

/* sr_serve_exec_check's fit: 1 (may fit a ready sandbox), 0, or -1. */
static int
fit_of(char **argv, int argc)
{
	struct sr_serve_request r;
	struct sr_diag d;
	char name[64];
	bool fit = true;
	void *m;
	size_t n;
	int ret;

	if (sr_serve_request_build(argc, argv, NULL, 0, &m, &n) < 0 ||
	    sr_serve_request_parse(m, n, 4, &r, &d) < 0)
		return -2;
	ret = sr_serve_exec_check(&r, name, sizeof(name), &fit, &d);
	sr_serve_request_free(&r);
	free(m);
	return ret < 0 ? (fit ? -2 : -1) : fit;
}

static void
test_policy(void)
{
	char *a1[] = { (char *)"-p", (char *)"sh", (char *)"x.sh", NULL };
	char *a2[] = { (char *)"code.py", NULL };
	char *a3[] = { (char *)"--cold", NULL };
	char *a4[] = { (char *)"--list-policies", NULL };
	char *e1[] = { (char *)"SANDRUN_POLICY=strict", NULL };
	char name[64];
	struct sr_diag d;

	ok(policy_of(a1, 3, e1, name, sizeof(name), &d) == 0 &&
	    strcmp(name, "sh") == 0, "-p wins over $SANDRUN_POLICY");
	ok(policy_of(a2, 1, e1, name, sizeof(name), &d) == 0 &&
	    strcmp(name, "strict") == 0, "$SANDRUN_POLICY of the request");
	ok(policy_of(a2, 1, NULL, name, sizeof(name), &d) == 0 &&
	    strcmp(name, "python") == 0, "python by default");
	ok(policy_of(a3, 1, NULL, name, sizeof(name), &d) == -1,
	    "a --cold request is declined: %s", d.msg);
	ok(policy_of(a4, 1, NULL, name, sizeof(name), &d) == -1,
	    "a request that is not a run is declined: %s", d.msg);
}

/* One parse says both the policy and whether a ready sandbox may fit. */
static void
test_fit(void)
{
	char *plain[] = { (char *)"-p", (char *)"sh", (char *)"--exec",
		(char *)"--", (char *)"/bin/true", NULL };
	char *limits[] = { (char *)"-m", (char *)"64M", (char *)"--pids",
		(char *)"8", (char *)"x.py", NULL };
	char *bind[] = { (char *)"--bind", (char *)"/tmp", (char *)"x.py",
		NULL };
	char *net[] = { (char *)"--network", (char *)"none", (char *)"x.py",
		NULL };
	char *verb[] = { (char *)"-v", (char *)"x.py", NULL };
	char *cold[] = { (char *)"--cold", (char *)"x.py", NULL };

	ok(fit_of(plain, 5) == 1, "a plain run may fit a ready sandbox");
	ok(fit_of(limits, 5) == 1, "so may lower limits (the worker compares)");
	ok(fit_of(bind, 3) == 0, "--bind does not fit");
	ok(fit_of(net, 3) == 0, "--network does not fit");
	ok(fit_of(verb, 2) == 0, "-v does not fit");
	ok(fit_of(cold, 2) == -1, "--cold is declined, and fit is false");
}

static void
test_socket_path(void)
{
	char buf[108], want[200];
	const char *xdg = "/run/user/4242";

	setenv("SANDRUN_SOCKET", "/x/y.sock", 1);
	ok(sr_serve_sock_default(buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/x/y.sock") == 0, "$SANDRUN_SOCKET first");
	unsetenv("SANDRUN_SOCKET");
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	snprintf(want, sizeof(want), "%s", geteuid() == 0 ?
	    "/run/sandrun/serve.sock" : "/run/user/4242/sandrun/serve.sock");
	ok(sr_serve_sock_default(buf, sizeof(buf)) == 0 &&
	    strcmp(buf, want) == 0, "default for uid %u: %s", geteuid(), buf);
	unsetenv("XDG_RUNTIME_DIR");
	ok((sr_serve_sock_default(buf, sizeof(buf)) == 0) == (geteuid() == 0),
	    "without XDG_RUNTIME_DIR only root has a default");
	memset(want, 'a', 150);
	want[0] = '/';
	want[150] = '\0';
	setenv("SANDRUN_SOCKET", want, 1);
	ok(sr_serve_sock_default(buf, sizeof(buf)) < 0,
	    "a path longer than sun_path is no path");
	unsetenv("SANDRUN_SOCKET");
}

/* A SESSION request: built, parsed back, and each way it can be wrong. */
static void
test_session(void)
{
	_Alignas(16) unsigned char m[SR_SERVE_SESSION_REQ_LEN];
	_Alignas(16) unsigned char bad[SR_SERVE_SESSION_REQ_LEN + 1];
	const size_t at = sizeof(struct sr_serve_reqhdr);
	struct sr_serve_session_msg b;
	struct sr_serve_reqhdr h;
	struct sr_serve_request r;
	struct sr_diag d;

	ok(sr_serve_session_build("s1", "/run/u/sandrun-sessions/s1.sock",
	    1000, 2000, m) == 0, "build a session request");
	ok(sr_serve_request_parse(m, sizeof(m), 0, &r, &d) == 0 &&
	    r.type == SR_SERVE_REQ_SESSION, "parse it back");
	is_str(r.session.name, "s1", "its name");
	is_str(r.session.path, "/run/u/sandrun-sessions/s1.sock", "its socket");
	ok(r.session.idle_ms == 1000 && r.session.life_ms == 2000,
	    "its idle timeout and lifetime");
	sr_serve_request_free(&r);
	ok(sr_serve_session_build("..", "/d/...sock", 0, 0, m) < 0 &&
	    sr_serve_session_build("a/b", "/d/a/b.sock", 0, 0, m) < 0 &&
	    sr_serve_session_build("s", "/d/t.sock", 0, 0, m) < 0 &&
	    sr_serve_session_build("s", "d/s.sock", 0, 0, m) < 0 &&
	    sr_serve_session_build("s", "/ds.sock", 0, 0, m) < 0 &&
	    sr_serve_session_build("s", "/d/s.sock", 0, SR_SERVE_SESSION_MS_MAX + 1, m) < 0,
	    "bad names, paths and durations are not built");
	sr_serve_session_build("s", "/d/s.sock", 0, 0, m);
	ok(parse(m, sizeof(m), 1, &d) < 0 && strstr(d.msg, "nothing else"),
	    "no descriptors: %s", d.msg);
	ok(parse(m, sizeof(m) - 1, 0, &d) < 0, "a byte short: %s", d.msg);
	memcpy(bad, m, sizeof(m));
	bad[sizeof(m)] = 0;
	ok(parse(bad, sizeof(bad), 0, &d) < 0, "a byte long: %s", d.msg);
	memcpy(bad, m, sizeof(m));
	memcpy(&b, bad + at, sizeof(b));
	memset(b.name, 'x', sizeof(b.name));
	memcpy(bad + at, &b, sizeof(b));
	ok(parse(bad, sizeof(m), 0, &d) < 0 && strstr(d.msg, "not terminated"),
	    "unterminated name: %s", d.msg);
	memcpy(bad, m, sizeof(m));
	memcpy(&b, bad + at, sizeof(b));
	b.name[10] = 'x';
	memcpy(bad + at, &b, sizeof(b));
	ok(parse(bad, sizeof(m), 0, &d) < 0 && strstr(d.msg, "after the session name"),
	    "bytes after the name: %s", d.msg);
	memcpy(bad, m, sizeof(m));
	memcpy(&b, bad + at, sizeof(b));
	b.path[sizeof(b.path) - 1] = 'x';
	memcpy(bad + at, &b, sizeof(b));
	ok(parse(bad, sizeof(m), 0, &d) < 0, "bytes after the path: %s", d.msg);
	memcpy(bad, m, sizeof(m));
	memcpy(&b, bad + at, sizeof(b));
	b.zero = 1;
	memcpy(bad + at, &b, sizeof(b));
	ok(parse(bad, sizeof(m), 0, &d) < 0 && strstr(d.msg, "reserved"),
	    "reserved field set: %s", d.msg);
	memcpy(bad, m, sizeof(m));
	memcpy(&b, bad + at, sizeof(b));
	b.name[0] = '.';
	memcpy(bad + at, &b, sizeof(b));
	ok(parse(bad, sizeof(m), 0, &d) < 0, "name and path disagree: %s", d.msg);
	memcpy(bad, m, sizeof(m));
	memcpy(&h, bad, sizeof(h));
	h.argc = 1;
	memcpy(bad, &h, sizeof(h));
	ok(parse(bad, sizeof(m), 0, &d) < 0, "a count in the header: %s", d.msg);
}

int
main(void)
{
	TAP_PLAN(9 + 16 + 5 + 5 + 6 + 4 + 15);
	test_session();
	test_roundtrip();
	test_malformed();
	test_framing();
	test_policy();
	test_fit();
	test_socket_path();
	return tap_done();
}
