/* serve_proto.c - encode and strictly parse the serve messages. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "serve_proto.h"
#include "util.h"

static const char hello_magic[4] = { 'S', 'R', 'H', 'I' };
static const char req_magic[4] = { 'S', 'R', 'R', 'Q' };
static const char rep_magic[4] = { 'S', 'R', 'R', 'P' };

/* Split n NUL-terminated strings off [*p, end) into v (n + 1 slots). */
static int
take_strings(const char **p, const char *end, size_t n, char **v,
    const char *what, struct sr_diag *d)
{
	const char *nul;
	size_t i;

	for (i = 0; i < n; i++) {
		if (*p >= end)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "request: %s %zu of %zu is missing", what, i + 1, n);
		nul = memchr(*p, '\0', (size_t)(end - *p));
		if (nul == NULL)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "request: %s %zu is not terminated", what, i + 1);
		v[i] = (char *)*p;
		*p = nul + 1;
	}
	v[n] = NULL;
	return 0;
}

static int
check_env(char **envp, size_t n, struct sr_diag *d)
{
	size_t i;
	const char *eq;

	for (i = 0; i < n; i++) {
		eq = strchr(envp[i], '=');
		if (eq == NULL || eq == envp[i])
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "request: environment entry %zu is not NAME=VALUE",
			    i + 1);
	}
	return 0;
}

static int
parse_run(const struct sr_serve_reqhdr *h, const char *p, const char *end,
    size_t nfds, struct sr_serve_request *req, struct sr_diag *d)
{
	char **argv = NULL, **envp = NULL;

	if (nfds != SR_SERVE_NFDS)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "request: run needs %d descriptors, got %zu",
		    SR_SERVE_NFDS, nfds);
	if (h->argc > SR_SERVE_ARGC_MAX || h->envc > SR_SERVE_ENVC_MAX)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "request: %u arguments and %u environment entries (at most %u each)",
		    h->argc, h->envc, SR_SERVE_ARGC_MAX);
	if (h->umask & ~0777u)
		return sr_diag_kind(d, SR_DIAG_USAGE, "request: bad umask %#o",
		    h->umask);
	argv = sr_xcalloc((size_t)h->argc + 1, sizeof(char *));
	envp = sr_xcalloc((size_t)h->envc + 1, sizeof(char *));
	if (take_strings(&p, end, h->argc, argv, "argument", d) < 0 ||
	    take_strings(&p, end, h->envc, envp, "environment entry", d) < 0 ||
	    check_env(envp, h->envc, d) < 0)
		goto fail;
	if (p != end) {
		sr_diag_kind(d, SR_DIAG_USAGE,
		    "request: %zu bytes after the last string",
		    (size_t)(end - p));
		goto fail;
	}
	req->argv = argv;
	req->argc = h->argc;
	req->envp = envp;
	req->envc = h->envc;
	req->umask = h->umask;
	return 0;
fail:
	free(argv);
	free(envp);
	return -1;
}

static bool
zeros(const char *p, size_t n)
{
	while (n > 0)
		if (p[--n] != '\0')
			return false;
	return true;
}

/* A session name as session.c takes it, without its diag. */
static bool
session_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= 64 && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0 &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

/* The record's strings: terminated, NUL-padded, and path ends in
 * /NAME.sock.  NULL when fine, else what is wrong. */
static const char *
session_msg_check(const struct sr_serve_session_msg *m)
{
	const char *nul;
	size_t pl, nl;

	if ((nul = memchr(m->name, '\0', sizeof(m->name))) == NULL)
		return "session name is not terminated";
	if (!zeros(nul, sizeof(m->name) - (size_t)(nul - m->name)))
		return "bytes after the session name";
	if (!session_name_ok(m->name))
		return "bad session name";
	if ((nul = memchr(m->path, '\0', sizeof(m->path))) == NULL)
		return "session socket path is not terminated";
	if (!zeros(nul, sizeof(m->path) - (size_t)(nul - m->path)))
		return "bytes after the session socket path";
	pl = strlen(m->path);
	nl = strlen(m->name);
	if (m->path[0] != '/' || pl < nl + 7 ||
	    m->path[pl - nl - 6] != '/' ||
	    strncmp(m->path + pl - nl - 5, m->name, nl) != 0 ||
	    strcmp(m->path + pl - 5, ".sock") != 0)
		return "session socket path is not /DIR/NAME.sock";
	if (m->zero != 0)
		return "session record: reserved field not zero";
	if (m->idle_ms > SR_SERVE_SESSION_MS_MAX ||
	    m->life_ms > SR_SERVE_SESSION_MS_MAX)
		return "session idle or lifetime out of range";
	return NULL;
}

static int
parse_session(const struct sr_serve_reqhdr *h, size_t len, size_t nfds,
    const char *p, struct sr_serve_request *req, struct sr_diag *d)
{
	const char *why;

	if (len != SR_SERVE_SESSION_REQ_LEN || nfds != 0 || h->argc != 0 ||
	    h->envc != 0 || h->umask != 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "request: a session request is a header and one %zu-byte record, nothing else",
		    sizeof(req->session));
	memcpy(&req->session, p, sizeof(req->session));
	if ((why = session_msg_check(&req->session)) != NULL)
		return sr_diag_kind(d, SR_DIAG_USAGE, "request: %s", why);
	return 0;
}

int
sr_serve_request_parse(const void *buf, size_t len, size_t nfds,
    struct sr_serve_request *req, struct sr_diag *d)
{
	struct sr_serve_reqhdr h;
	struct sr_serve_request r;
	const char *p = (const char *)buf + sizeof(h), *end;

	if (len > SR_SERVE_MSG_MAX)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "request: %zu bytes (at most %u)", len, SR_SERVE_MSG_MAX);
	if (len < sizeof(h))
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "request: %zu bytes is shorter than a header", len);
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, req_magic, sizeof(h.magic)) != 0)
		return sr_diag_kind(d, SR_DIAG_USAGE, "request: bad magic");
	if (h.version != SR_SERVE_PROTOCOL)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "request: protocol %u (this server speaks %d)", h.version,
		    SR_SERVE_PROTOCOL);
	end = (const char *)buf + len;
	memset(&r, 0, sizeof(r));
	r.type = (enum sr_serve_req_type)h.type;
	switch (h.type) {
	case SR_SERVE_REQ_RUN:
	case SR_SERVE_REQ_RUN_EARLY:
		if (parse_run(&h, p, end, nfds, &r, d) < 0)
			return -1;
		break;
	case SR_SERVE_REQ_SESSION:
		if (parse_session(&h, len, nfds, p, &r, d) < 0)
			return -1;
		break;
	case SR_SERVE_REQ_STATUS:
	case SR_SERVE_REQ_SIGNAL:
		if (len != sizeof(h) || nfds != 0 || h.argc != 0 || h.envc != 0)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "request: a %s request carries nothing else",
			    h.type == SR_SERVE_REQ_STATUS ? "status" : "signal");
		if (h.type == SR_SERVE_REQ_SIGNAL) {
			if (h.umask != SIGINT && h.umask != SIGTERM &&
			    h.umask != SIGHUP && h.umask != SIGQUIT)
				return sr_diag_kind(d, SR_DIAG_USAGE,
				    "request: signal %u is not forwarded",
				    h.umask);
			r.signo = (int)h.umask;
		}
		break;
	default:
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "request: unknown type %u", h.type);
	}
	*req = r;
	return 0;
}

void
sr_serve_request_early(void *buf)
{
	struct sr_serve_reqhdr h;

	memcpy(&h, buf, sizeof(h));
	h.type = SR_SERVE_REQ_RUN_EARLY;
	memcpy(buf, &h, sizeof(h));
}

void
sr_serve_request_free(struct sr_serve_request *req)
{
	if (req == NULL)
		return;
	free(req->argv);
	free(req->envp);
	memset(req, 0, sizeof(*req));
}

int
sr_serve_request_build(int argc, char *const *argv, char *const *envp,
    unsigned umask, void **buf, size_t *len)
{
	struct sr_serve_reqhdr h;
	size_t n = sizeof(h), envc = 0, l;
	char *b, *p;
	int i;

	if (argc < 0 || (size_t)argc > SR_SERVE_ARGC_MAX)
		goto big;
	for (i = 0; i < argc; i++)
		if ((n += strlen(argv[i]) + 1) > SR_SERVE_MSG_MAX)
			goto big;
	for (; envp != NULL && envp[envc] != NULL; envc++) {
		/* An entry without '=' is dropped, as execve's callers see it. */
		if (strchr(envp[envc], '=') == NULL || envp[envc][0] == '=')
			continue;
		if (envc >= SR_SERVE_ENVC_MAX ||
		    (n += strlen(envp[envc]) + 1) > SR_SERVE_MSG_MAX)
			goto big;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, req_magic, sizeof(h.magic));
	h.version = SR_SERVE_PROTOCOL;
	h.type = SR_SERVE_REQ_RUN;
	h.argc = (uint32_t)argc;
	h.umask = umask & 0777;
	b = sr_xmalloc(n);
	p = b + sizeof(h);
	for (i = 0; i < argc; i++) {
		l = strlen(argv[i]) + 1;
		memcpy(p, argv[i], l);
		p += l;
	}
	for (envc = 0; envp != NULL && envp[envc] != NULL; envc++) {
		if (strchr(envp[envc], '=') == NULL || envp[envc][0] == '=')
			continue;
		l = strlen(envp[envc]) + 1;
		memcpy(p, envp[envc], l);
		p += l;
		h.envc++;
	}
	memcpy(b, &h, sizeof(h));
	*buf = b;
	*len = n;
	return 0;
big:
	errno = E2BIG;
	return -1;
}

int
sr_serve_session_build(const char *name, const char *path,
    uint64_t idle_ms, uint64_t life_ms, void *buf)
{
	struct sr_serve_reqhdr h;
	struct sr_serve_session_msg m;

	memset(&m, 0, sizeof(m));
	if (strlen(name) >= sizeof(m.name) || strlen(path) >= sizeof(m.path)) {
		errno = EINVAL;
		return -1;
	}
	strlcpy(m.name, name, sizeof(m.name));
	strlcpy(m.path, path, sizeof(m.path));
	m.idle_ms = idle_ms;
	m.life_ms = life_ms;
	if (session_msg_check(&m) != NULL) {
		errno = EINVAL;
		return -1;
	}
	sr_serve_reqhdr_init(&h, SR_SERVE_REQ_SESSION, 0);
	memcpy(buf, &h, sizeof(h));
	memcpy((char *)buf + sizeof(h), &m, sizeof(m));
	return 0;
}

void
sr_serve_hello_init(struct sr_serve_hello *h, int status, uint32_t features,
    const struct sr_serve_exe *exe)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, hello_magic, sizeof(h->magic));
	h->version = SR_SERVE_PROTOCOL;
	h->status = (uint16_t)status;
	h->max_request = SR_SERVE_MSG_MAX;
	h->features = features;
	if (exe != NULL)
		h->exe = *exe;
}

int
sr_serve_hello_check(const void *buf, size_t len, struct sr_serve_hello *h)
{
	if (len != sizeof(*h))
		return -1;
	memcpy(h, buf, sizeof(*h));
	return memcmp(h->magic, hello_magic, sizeof(h->magic)) == 0 ? 0 : -1;
}

void
sr_serve_reply_init(struct sr_serve_reply *r, int type, int32_t status,
    const char *reason)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->magic, rep_magic, sizeof(r->magic));
	r->version = SR_SERVE_PROTOCOL;
	r->type = (uint16_t)type;
	r->status = status;
	if (reason != NULL)
		strlcpy(r->reason, reason, sizeof(r->reason));
}

int
sr_serve_reply_check(const void *buf, size_t len, struct sr_serve_reply *r)
{
	if (len < sizeof(*r))
		return -1;
	memcpy(r, buf, sizeof(*r));
	if (memcmp(r->magic, rep_magic, sizeof(r->magic)) != 0 ||
	    r->version != SR_SERVE_PROTOCOL)
		return -1;
	r->reason[sizeof(r->reason) - 1] = '\0';
	if (r->type != SR_SERVE_REP_STATUS && len != sizeof(*r))
		return -1;
	return 0;
}

void
sr_serve_reqhdr_init(struct sr_serve_reqhdr *h, int type, uint32_t arg)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, req_magic, sizeof(h->magic));
	h->version = SR_SERVE_PROTOCOL;
	h->type = (uint16_t)type;
	h->umask = arg;
}
