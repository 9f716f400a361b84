/* mcp.c - the MCP server loop: read lines, dispatch, run calls on
 * threads (a bounded number at once), write answers one at a time. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mcp.h"
#include "mcp_exec.h"
#include "mcp_proto.h"
#include "mcp_tools.h"
#include "mcp_serve.h"
#include "policy.h"
#include "util.h"

#define RUNNING_MAX 4		/* tool calls running at once */
#define QUEUED_MAX 64		/* tool calls accepted and not answered */

struct server;

struct job {
	struct job *next;
	struct server *srv;
	char *key;			/* sr_mcp_id_key of the request id */
	cJSON *id;
	struct sr_mcp_call call;
	struct sr_mcp_ctl ctl;
};

struct server {
	struct sr_mcp_offer *offers;
	size_t n_offers;
	pthread_mutex_t mu;		/* jobs, n_jobs, n_running, out_broken */
	pthread_cond_t cv;		/* a job ended, started or was cancelled */
	struct job *jobs;
	int n_jobs;			/* threads (queued or running) */
	int n_running;			/* of which running a sandbox */
	bool out_broken;
	pthread_mutex_t out_mu;		/* one writer on stdout */
};

static void
warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
warn(const char *fmt, ...)
{
	va_list ap;

	fputs("sandrun mcp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Write one line (consumed); a closed stdout ends the server. */
static void
send_line(struct server *s, char *line)
{
	int r;

	if (line == NULL) {
		warn("cannot format an answer (out of memory?)");
		return;
	}
	pthread_mutex_lock(&s->out_mu);
	r = sr_write_all(STDOUT_FILENO, line, strlen(line));
	pthread_mutex_unlock(&s->out_mu);
	free(line);
	if (r < 0) {
		pthread_mutex_lock(&s->mu);
		s->out_broken = true;
		pthread_mutex_unlock(&s->mu);
	}
}

/* ---- tool calls ------------------------------------------------------- */

static void
job_free(struct job *j)
{
	sr_mcp_call_free(&j->call);
	cJSON_Delete(j->id);
	free(j->key);
	free(j);
}

static void *
run_job(void *arg)
{
	struct job *j = arg;
	struct server *s = j->srv;
	struct sr_mcp_outcome out = { 0 };
	struct sr_diag d = { 0 };
	cJSON *res = NULL;
	char msg[SR_DIAG_MSG_MAX + 64];
	bool cancelled;
	int r;

	/* Wait for a slot; a cancel while queued ends the wait. */
	pthread_mutex_lock(&s->mu);
	for (;;) {
		pthread_mutex_lock(&j->ctl.mu);
		cancelled = j->ctl.cancelled;
		pthread_mutex_unlock(&j->ctl.mu);
		if (cancelled || s->n_running < RUNNING_MAX)
			break;
		pthread_cond_wait(&s->cv, &s->mu);
	}
	s->n_running++;
	pthread_mutex_unlock(&s->mu);
	r = sr_mcp_exec(&j->call, &j->ctl, &out, &d);
	pthread_mutex_lock(&s->mu);
	s->n_running--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (r == 0 && j->call.end) {
		snprintf(msg, sizeof(msg), out.ended ? "session %s ended" :
		    "session %s: no such session (never started, or it ended "
		    "by itself: idle, lifetime or call limit)", j->call.session);
		res = sr_mcp_tools_text(msg, !out.ended);
	} else if (r == 0) {
		res = sr_mcp_tools_result(out.json, out.len, SR_MCP_MSG_MAX);
		if (res == NULL)
			res = sr_mcp_tools_error("sandrun: the sandbox "
			    "returned no result object");
	} else if (d.err != ECANCELED) {
		snprintf(msg, sizeof(msg), "sandrun: %s", d.msg);
		res = sr_mcp_tools_error(msg);
	}
	free(out.json);
	pthread_mutex_lock(&j->ctl.mu);
	cancelled = j->ctl.cancelled;
	pthread_mutex_unlock(&j->ctl.mu);
	/* A cancelled request gets no answer (MCP cancellation). */
	if (res != NULL && !cancelled)
		send_line(s, sr_mcp_result(j->id, res));
	else
		cJSON_Delete(res);
	pthread_mutex_lock(&s->mu);
	for (struct job **p = &s->jobs; *p != NULL; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			break;
		}
	pthread_mutex_unlock(&s->mu);
	job_free(j);
	/* Last: drain() returns (and the process may exit) once this is 0. */
	pthread_mutex_lock(&s->mu);
	s->n_jobs--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Start a validated call (c is moved) on its own thread, which waits for
 * one of RUNNING_MAX slots; past QUEUED_MAX calls answer an error. */
static void
start_job(struct server *s, const cJSON *id, struct sr_mcp_call *c)
{
	struct job *j = sr_xcalloc(1, sizeof(*j));
	struct sr_mcp_ctl init = SR_MCP_CTL_INIT;
	pthread_attr_t at;
	pthread_t t;
	int e;

	j->srv = s;
	j->key = sr_mcp_id_key(id);
	j->id = cJSON_Duplicate(id, true);
	j->call = *c;
	memset(c, 0, sizeof(*c));
	j->ctl = init;
	pthread_mutex_lock(&s->mu);
	if (s->n_jobs >= QUEUED_MAX) {
		pthread_mutex_unlock(&s->mu);
		send_line(s, sr_mcp_result(id, sr_mcp_tools_error("sandrun: "
		    "too many calls waiting (64); wait for some answers")));
		job_free(j);
		return;
	}
	for (struct job *o = s->jobs; o != NULL; o = o->next)
		if (strcmp(o->key, j->key) == 0) {
			pthread_mutex_unlock(&s->mu);
			send_line(s, sr_mcp_error(id, SR_MCP_INVALID_REQUEST,
			    "id: a request with this id is still running"));
			job_free(j);
			return;
		}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&t, &at, run_job, j);
	pthread_attr_destroy(&at);
	if (e == 0) {
		j->next = s->jobs;
		s->jobs = j;
		s->n_jobs++;
	}
	pthread_mutex_unlock(&s->mu);
	if (e != 0) {
		send_line(s, sr_mcp_result(id, sr_mcp_tools_error(
		    "sandrun: cannot start a thread for the call")));
		job_free(j);
	}
}

static void
cancel(struct server *s, const cJSON *params)
{
	char *key = sr_mcp_id_key(cJSON_GetObjectItemCaseSensitive(params,
	    "requestId"));

	if (key == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	for (struct job *j = s->jobs; j != NULL; j = j->next)
		if (strcmp(j->key, key) == 0)
			sr_mcp_ctl_cancel(&j->ctl);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	free(key);
}

static void
tools_call(struct server *s, const cJSON *id, const cJSON *params)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(params,
	    "arguments");
	struct sr_mcp_call c = { 0 };
	char why[512], buf[80], *m;

	if (!cJSON_IsString(name)) {
		send_line(s, sr_mcp_error(id, SR_MCP_INVALID_PARAMS,
		    "params.name: required, the tool's name"));
		return;
	}
	if (strcmp(name->valuestring, "end_session") == 0) {
		if (sr_mcp_tools_end_args(args, &c, why, sizeof(why)) < 0)
			send_line(s, sr_mcp_result(id, sr_mcp_tools_error(why)));
		else
			start_job(s, id, &c);
		return;
	}
	if (strcmp(name->valuestring, "run_code") != 0) {
		sr_xasprintf(&m, "Unknown tool: %s (tools: run_code, "
		    "end_session)", sr_printable(name->valuestring, 48, buf,
		    sizeof(buf)));
		send_line(s, sr_mcp_error(id, SR_MCP_INVALID_PARAMS, m));
		free(m);
		return;
	}
	if (sr_mcp_tools_run_args(args, s->offers, s->n_offers, &c, why,
	    sizeof(why)) < 0) {
		send_line(s, sr_mcp_result(id, sr_mcp_tools_error(why)));
		return;
	}
	start_job(s, id, &c);
}

static cJSON *
initialize(const cJSON *params)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params,
	    "protocolVersion");
	cJSON *r = cJSON_CreateObject(), *caps, *info;

	cJSON_AddStringToObject(r, "protocolVersion", sr_mcp_version(
	    cJSON_IsString(v) ? v->valuestring : NULL));
	caps = cJSON_AddObjectToObject(r, "capabilities");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "tools"),
	    "listChanged", false);
	info = cJSON_AddObjectToObject(r, "serverInfo");
	cJSON_AddStringToObject(info, "name", "sandrun");
	cJSON_AddStringToObject(info, "version", PACKAGE_VERSION);
	cJSON_AddStringToObject(r, "instructions", "Use run_code to run "
	    "code in a throw-away sandbox: no network, a private work "
	    "directory, limited time and memory. Pass data files in files "
	    "(e.g. {\"path\": \"/code/dataset.csv\", \"content\": ...}); save "
	    "charts as PNG files in the work directory to get them back as "
	    "images.");
	return r;
}

static void
dispatch(struct server *s, const char *line, size_t len)
{
	struct sr_mcp_msg m;
	char *e;

	if (sr_mcp_parse(line, len, &m) < 0) {
		send_line(s, sr_mcp_error(m.id, m.code, m.why));
	} else if (m.kind == SR_MCP_NOTIFICATION) {
		if (strcmp(m.method, "notifications/cancelled") == 0)
			cancel(s, m.params);
	} else if (m.kind != SR_MCP_REQUEST) {
		/* a response: we send no requests, nothing to match */
	} else if (strcmp(m.method, "initialize") == 0) {
		send_line(s, sr_mcp_result(m.id, initialize(m.params)));
	} else if (strcmp(m.method, "ping") == 0) {
		send_line(s, sr_mcp_result(m.id, cJSON_CreateObject()));
	} else if (strcmp(m.method, "tools/list") == 0) {
		send_line(s, sr_mcp_result(m.id, sr_mcp_tools_list(s->offers,
		    s->n_offers)));
	} else if (strcmp(m.method, "tools/call") == 0) {
		tools_call(s, m.id, m.params);
	} else {
		char buf[80];

		sr_xasprintf(&e, "method not found: %s",
		    sr_printable(m.method, 48, buf, sizeof(buf)));
		send_line(s, sr_mcp_error(m.id, SR_MCP_METHOD_NOT_FOUND, e));
		free(e);
	}
	sr_mcp_msg_free(&m);
}

/* ---- the loop ----------------------------------------------------------- */

struct reader {
	char *buf;
	size_t len, cap;
	bool discarding;		/* inside a line past SR_MCP_MSG_MAX */
};

/* Hand every complete line in r to dispatch; keep the rest. */
static void
lines(struct server *s, struct reader *r, bool eof)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(r->buf + start, '\n', r->len - start)) != NULL) {
		size_t n = (size_t)(nl - (r->buf + start));

		if (r->discarding)
			r->discarding = false;
		else if (n > 0 && !(n == 1 && r->buf[start] == '\r'))
			dispatch(s, r->buf + start, n);
		start += n + 1;
	}
	if (eof && start < r->len && !r->discarding)
		dispatch(s, r->buf + start, r->len - start);
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
	if (r->len > SR_MCP_MSG_MAX) {
		if (!r->discarding)
			send_line(s, sr_mcp_error(NULL, SR_MCP_INVALID_REQUEST,
			    "message too large (more than 10 MiB)"));
		r->discarding = true;
		r->len = 0;
	}
}

/* Read stdin until EOF, a signal or a closed stdout.  Returns true when
 * a signal stopped it. */
static bool
serve(struct server *s, int sfd)
{
	struct reader r = { sr_xmalloc(65536), 0, 65536, false };
	struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 }, { sfd, POLLIN, 0 } };

	for (;;) {
		ssize_t n;
		bool broken;

		pthread_mutex_lock(&s->mu);
		broken = s->out_broken;
		pthread_mutex_unlock(&s->mu);
		if (broken)
			break;
		if (poll(p, 2, 1000) < 0) {
			if (errno == EINTR)
				continue;
			warn("poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents & POLLIN) {
			free(r.buf);
			return true;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (r.cap - r.len < 65536) {
			r.cap *= 2;
			r.buf = sr_xrealloc(r.buf, r.cap);
		}
		n = read(STDIN_FILENO, r.buf + r.len, 65536);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			lines(s, &r, true);
			break;
		}
		r.len += (size_t)n;
		lines(s, &r, false);
		if (r.cap > 4 * (size_t)SR_MCP_MSG_MAX && r.len < 65536) {
			r.cap = 65536 * 2;
			r.buf = sr_xrealloc(r.buf, r.cap);
		}
	}
	free(r.buf);
	return false;
}

/* Wait until every call has ended and its sandbox is gone; after a
 * signal (or with stdout closed) cancel them first. */
static void
drain(struct server *s, bool stop)
{
	pthread_mutex_lock(&s->mu);
	if (stop || s->out_broken)
		for (struct job *j = s->jobs; j != NULL; j = j->next)
			sr_mcp_ctl_cancel(&j->ctl);
	pthread_cond_broadcast(&s->cv);
	while (s->n_jobs > 0)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

/* ---- start-up ----------------------------------------------------------- */

static const char usage_text[] =
"Usage: sandrun mcp [--policy NAME]...\n"
"Serve the Model Context Protocol on stdin/stdout: tool run_code runs\n"
"code in a sandbox.  An MCP host starts it as {\"command\": \"sandrun\",\n"
"\"args\": [\"mcp\"]}.\n"
"\n"
"  -p, --policy NAME  offer this policy (repeatable; default: python, sh)\n"
"  -h, --help         show this help and exit\n"
"\n"
"See sandrun(1), MCP.\n";

static int
add_offer(struct server *s, const char *name)
{
	struct sr_policy *p = NULL;
	struct sr_diag d = { 0 };
	struct sr_mcp_offer *o;

	for (size_t i = 0; i < s->n_offers; i++)
		if (strcmp(s->offers[i].name, name) == 0)
			return 0;
	if (strchr(name, '/') != NULL) {
		warn("--policy %s: give a policy name, not a path", name);
		return -1;
	}
	if (sr_policy_load(name, &p, &d) < 0) {
		warn("--policy %s: %s", name, d.msg);
		return -1;
	}
	s->offers = sr_xrealloc(s->offers, (s->n_offers + 1) *
	    sizeof(*s->offers));
	o = &s->offers[s->n_offers++];
	o->name = sr_xstrdup(name);
	o->path = sr_xstrdup(p->path);
	o->description = p->description ? sr_xstrdup(p->description) : NULL;
	o->wall_ms = p->limits.wall_ms;
	sr_policy_free(p);
	return 0;
}

static int
parse_args(struct server *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (add_offer(s, optarg) < 0)
				return 125;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			warn("%s: unknown option (see sandrun mcp --help)",
			    argv[optind - 1]);
			return 125;
		}
	}
	if (optind < argc) {
		warn("%s: unexpected argument (see sandrun mcp --help)",
		    argv[optind]);
		return 125;
	}
	if (s->n_offers == 0 &&
	    (add_offer(s, "python") < 0 || add_offer(s, "sh") < 0))
		return 125;
	return -1;
}

static void
free_offers(struct server *s)
{
	for (size_t i = 0; i < s->n_offers; i++) {
		free(s->offers[i].name);
		free(s->offers[i].path);
		free(s->offers[i].description);
	}
	free(s->offers);
}

int
sr_mcp_main(int argc, char **argv)
{
	struct server s = { 0 };
	struct sr_diag d = { 0 };
	sigset_t mask;
	int r, sfd;

	pthread_mutex_init(&s.mu, NULL);
	pthread_mutex_init(&s.out_mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	if ((r = parse_args(&s, argc, argv)) >= 0) {
		free_offers(&s);
		return r;
	}
	if (sr_mcp_exec_init(&d) < 0) {
		warn("%s", d.msg);
		free_offers(&s);
		return 125;
	}
	/* The warm pool: forked before any thread exists. */
	{
		char **names = sr_xcalloc(s.n_offers + 1, sizeof(*names));

		for (size_t i = 0; i < s.n_offers; i++)
			names[i] = s.offers[i].name;
		r = sr_mcp_serve_start(names, s.n_offers, &d);
		free(names);
		if (r < 0)
			warn("warm pool: %s (calls run cold)", d.msg);
	}
	/* Signals end the loop through a signalfd; threads inherit the mask
	 * and the child sandrun gets a clean one (mcp_exec.c). */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		warn("signalfd: %s", strerror(errno));
		sr_mcp_serve_stop();
		free_offers(&s);
		return 125;
	}
	drain(&s, serve(&s, sfd));
	sr_mcp_exec_end_sessions();
	sr_mcp_serve_stop();
	close(sfd);
	free_offers(&s);
	return 0;
}
