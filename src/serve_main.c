/* serve_main.c - `sandrun serve`: its options, and the --status client.
 * The subcommand's glue: like main.c it prints, and returns the exit
 * status for main to exit with. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cgroup.h"
#include "policy.h"
#include "report.h"
#include "serve.h"
#include "serve_sock.h"
#include "session.h"
#include "util.h"

#define SR_EXIT_FAILURE 125
#define STATUS_TIMEOUT_MS 5000
#define POOL_MAX 64

enum {
	OPT_SOCKET = 256,
	OPT_POOL,
	OPT_IDLE_EXIT,
	OPT_STATUS,
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "pool", required_argument, NULL, OPT_POOL },
	{ "idle-exit", required_argument, NULL, OPT_IDLE_EXIT },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fputs(
"Usage: sandrun serve [--socket PATH] [--pool POLICY=N]... [--idle-exit DUR]\n"
"       sandrun serve --status [--socket PATH] [--json]\n"
"Serve sandrun calls of this user from a socket; a plain sandrun call hands\n"
"over to it by itself and runs cold when no server answers.\n"
"\n"
"      --socket PATH        socket (default: $SANDRUN_SOCKET, else\n"
"                           $XDG_RUNTIME_DIR/sandrun/serve.sock, or\n"
"                           /run/sandrun/serve.sock for root)\n"
"      --pool POLICY=N      keep N sandboxes for POLICY (default python=2)\n"
"      --idle-exit DUR      exit after DUR without a connection\n"
"      --status             print the running server's pools and counters\n"
"  -j, --json               --status as one JSON object\n"
"  -v, --verbose            log every call on stderr\n"
"  -h, --help               show this help and exit\n"
"See sandrun(1).\n", f);
}

static int
add_pool(struct sr_serve_opts *o, const char *arg, struct sr_diag *d)
{
	const char *eq = strrchr(arg, '='), *why;
	struct sr_serve_pool *p;
	struct sr_policy *pol = NULL;
	char name[SR_SERVE_NAME_MAX];
	uint64_t n;
	unsigned i;

	if (eq == NULL || eq == arg)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--pool %s: expected POLICY=N", arg);
	if ((size_t)(eq - arg) >= sizeof(name))
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--pool %s: policy name too long", arg);
	strlcpy(name, arg, (size_t)(eq - arg) + 1);
	if (sr_parse_count(eq + 1, POOL_MAX, &n, &why) < 0 || n == 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--pool %s: N must be a count from 1 to %d", arg, POOL_MAX);
	for (i = 0; i < o->n_pools; i++)
		if (strcmp(o->pools[i].policy, name) == 0)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "--pool %s: policy %s given twice", arg, name);
	if (o->n_pools >= SR_SERVE_POOLS_MAX)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--pool %s: at most %d pools", arg, SR_SERVE_POOLS_MAX);
	if (sr_policy_load(name, &pol, d) < 0) {
		char m[SR_DIAG_MSG_MAX];

		strlcpy(m, d->msg, sizeof(m));
		*strchrnul(m, '\n') = '\0';
		return sr_diag_kind(d, SR_DIAG_USAGE, "--pool %s: %s", arg, m);
	}
	sr_policy_free(pol);
	p = &o->pools[o->n_pools++];
	memset(p, 0, sizeof(*p));
	strlcpy(p->policy, name, sizeof(p->policy));
	p->size = (unsigned)n;
	p->memory_per_ready = -1;
	return 0;
}

static int
parse(int argc, char **argv, struct sr_serve_opts *o, bool *help,
    struct sr_diag *d)
{
	const char *why;
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+jvh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET:
			if (o->socket != NULL)
				return sr_diag_kind(d, SR_DIAG_USAGE, "option --socket given twice");
			if (*optarg == '\0')
				return sr_diag_kind(d, SR_DIAG_USAGE, "--socket: empty path");
			o->socket = optarg;
			break;
		case OPT_POOL:
			if (add_pool(o, optarg, d) < 0)
				return -1;
			break;
		case OPT_IDLE_EXIT:
			if (o->idle_exit_ms != 0)
				return sr_diag_kind(d, SR_DIAG_USAGE, "option --idle-exit given twice");
			if (sr_parse_duration(optarg, &o->idle_exit_ms, &why) < 0)
				return sr_diag_kind(d, SR_DIAG_USAGE, "--idle-exit: %s", why);
			if (o->idle_exit_ms == 0)
				return sr_diag_kind(d, SR_DIAG_USAGE, "--idle-exit: must be greater than zero");
			break;
		case OPT_STATUS:
			o->status = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			*help = true;
			return 0;
		default:
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "serve: unknown option or missing value: %s (see sandrun serve --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "serve: unexpected argument '%s'", argv[optind]);
	if (o->status && (o->n_pools || o->idle_exit_ms))
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "serve --status takes only --socket and --json");
	if (o->json && !o->status)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "serve: --json goes with --status");
	if (!o->status && o->n_pools == 0 && add_pool(o, "python=2", d) < 0)
		return -1;
	return 0;
}

/* One message within the status timeout.  Returns its length or -1. */
static ssize_t
recv_wait(int fd, void *buf, size_t len)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, STATUS_TIMEOUT_MS) <= 0)
		return -1;
	return recv(fd, buf, len, 0);
}

static void
print_text(const char *path, const struct sr_serve_stats *st,
    const struct sr_serve_pool_stats *p,
    const struct sr_serve_session_stats *ss)
{
	char up[32], mem[32], refill[32];
	uint32_t i;

	printf("server  %s, pid %lld, protocol %d, up %s, %u of %u calls running\n",
	    path, (long long)st->pid, SR_SERVE_PROTOCOL,
	    sr_fmt_duration(st->uptime_ms, up, sizeof(up)), st->in_flight,
	    st->max_calls);
	printf("%-16s %5s %6s %7s %6s %6s  %-12s %s\n", "POOL", "SIZE",
	    "READY", "SERVED", "WARM", "COLD", "MEMORY/READY", "REFILL");
	for (i = 0; i < st->n_pools; i++) {
		if (p[i].memory_per_ready < 0)
			strlcpy(mem, "-", sizeof(mem));
		else
			sr_fmt_size((uint64_t)p[i].memory_per_ready, mem,
			    sizeof(mem));
		if (p[i].refill_us == 0)
			strlcpy(refill, "-", sizeof(refill));
		else
			snprintf(refill, sizeof(refill), "%.1f ms",
			    (double)p[i].refill_us / 1000);
		printf("%-16s %5u %6u %7llu %6llu %6llu  %-12s %s\n",
		    p[i].policy, p[i].size, p[i].ready,
		    (unsigned long long)p[i].served,
		    (unsigned long long)p[i].warm,
		    (unsigned long long)p[i].cold, mem, refill);
	}
	printf("other policies: %llu served cold; declined (ran cold in the client): %llu; refused: %llu; bad requests: %llu\n",
	    (unsigned long long)st->unpooled_served,
	    (unsigned long long)st->declined, (unsigned long long)st->refused,
	    (unsigned long long)st->bad_requests);
	puts("memory/ready: a ready sandbox's init, warm driver and worker, PSS (smaps_rollup; RSS where init's PSS is closed to the server's user)");
	if (st->sessions_max == 0)
		return;
	printf("sessions: %u of %u\n", st->n_sessions, st->sessions_max);
	for (i = 0; i < st->n_sessions; i++)
		printf("session %-20s pid %-8d up %-10s %s\n", ss[i].name,
		    (int)ss[i].pid, sr_fmt_duration(ss[i].up_ms, up,
		    sizeof(up)), ss[i].path);
}

static void
print_json(const char *path, const struct sr_serve_stats *st,
    const struct sr_serve_pool_stats *p,
    const struct sr_serve_session_stats *ss)
{
	char *s = sr_report_serve_status(path, st, p);
	cJSON *o = cJSON_Parse(s), *a, *e;
	uint32_t i;

	if (o == NULL) {
		puts(s);
		free(s);
		return;
	}
	free(s);
	cJSON_AddBoolToObject(o, "hosts_sessions", st->sessions_max > 0);
	a = cJSON_AddArrayToObject(o, "sessions");
	for (i = 0; i < st->n_sessions; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", ss[i].name);
		cJSON_AddNumberToObject(e, "pid", ss[i].pid);
		cJSON_AddNumberToObject(e, "uptime_ms", (double)ss[i].up_ms);
		cJSON_AddStringToObject(e, "socket", ss[i].path);
		cJSON_AddItemToArray(a, e);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	puts(s);
	free(s);
}

int
sr_serve_status(const char *path, bool json, struct sr_diag *d)
{
	static struct {
		struct sr_serve_reply r;
		struct sr_serve_stats st;
		struct sr_serve_pool_stats p[SR_SERVE_POOLS_MAX];
		struct sr_serve_session_stats ss[SR_SESSION_HOST_MAX];
	} m;
	const struct sr_serve_session_stats *ss;
	struct sr_serve_hello h;
	struct sr_serve_reqhdr q;
	ssize_t n;
	uid_t uid;
	pid_t pid;
	int fd;

	if ((fd = sr_serve_sock_connect(path)) < 0)
		return sr_diag_errno(d, "serve --status: no server at %s", path);
	if (sr_serve_sock_peer(fd, &uid, &pid) < 0 || uid != geteuid()) {
		close(fd);
		return sr_diag_set(d, "serve --status: the server at %s runs as uid %ld, not as us",
		    path, (long)uid);
	}
	n = recv_wait(fd, &h, sizeof(h));
	if (n < 0 || sr_serve_hello_check(&h, (size_t)n, &h) < 0 ||
	    h.version != SR_SERVE_PROTOCOL || h.status != SR_SERVE_HELLO_OK) {
		close(fd);
		return sr_diag_set(d, "serve --status: the server at %s did not greet us (protocol %d)",
		    path, SR_SERVE_PROTOCOL);
	}
	sr_serve_reqhdr_init(&q, SR_SERVE_REQ_STATUS, 0);
	n = send(fd, &q, sizeof(q), MSG_NOSIGNAL) == sizeof(q) ?
	    recv_wait(fd, &m, sizeof(m)) : -1;
	close(fd);
	if (n < (ssize_t)(sizeof(m.r) + sizeof(m.st)) ||
	    sr_serve_reply_check(&m, (size_t)n, &m.r) < 0 ||
	    m.r.type != SR_SERVE_REP_STATUS || m.st.n_pools > SR_SERVE_POOLS_MAX ||
	    m.st.n_sessions > SR_SESSION_HOST_MAX ||
	    (size_t)n != sizeof(m.r) + sizeof(m.st) +
	    m.st.n_pools * sizeof(m.p[0]) + m.st.n_sessions * sizeof(m.ss[0]))
		return sr_diag_set(d, "serve --status: bad status reply from %s", path);
	for (uint32_t i = 0; i < m.st.n_pools; i++)
		m.p[i].policy[SR_SERVE_NAME_MAX - 1] = '\0';
	/* the session records follow the pools' */
	ss = (const void *)&m.p[m.st.n_pools];
	memmove(m.ss, ss, m.st.n_sessions * sizeof(m.ss[0]));
	for (uint32_t i = 0; i < m.st.n_sessions; i++) {
		m.ss[i].name[SR_SERVE_SESSION_NAME - 1] = '\0';
		m.ss[i].path[SR_SERVE_SESSION_PATH - 1] = '\0';
	}
	if (json)
		print_json(path, &m.st, m.p, m.ss);
	else
		print_text(path, &m.st, m.p, m.ss);
	return 0;
}

int
sr_serve_main(int argc, char **argv)
{
	struct sr_serve_opts o;
	struct sr_diag d;
	char path[108];
	bool help = false;

	if (parse(argc, argv, &o, &help, &d) < 0) {
		fprintf(stderr, "sandrun: %s\n", d.msg);
		return SR_EXIT_FAILURE;
	}
	if (help) {
		usage(stdout);
		return 0;
	}
	if (o.status) {
		if (o.socket != NULL)
			strlcpy(path, o.socket, sizeof(path));
		else if (sr_serve_sock_default(path, sizeof(path)) < 0) {
			fputs("sandrun: serve --status: no socket path: set XDG_RUNTIME_DIR or SANDRUN_SOCKET, or give --socket PATH\n",
			    stderr);
			return SR_EXIT_FAILURE;
		}
		if (sr_serve_status(path, o.json, &d) < 0) {
			fprintf(stderr, "sandrun: %s\n", d.msg);
			return SR_EXIT_FAILURE;
		}
		return 0;
	}
	/* before any worker exists: the runs' cgroups go below ours */
	sr_cgroup_settle();
	if (sr_serve_run(&o, &d) < 0) {
		fprintf(stderr, "sandrun: serve: %s\n", d.msg);
		return SR_EXIT_FAILURE;
	}
	return 0;
}
