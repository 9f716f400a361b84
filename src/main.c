/* main.c - glue: cli -> policy -> sandbox -> report -> exit status.
 * The only file that exits (child code aside). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "hostcheck.h"
#include "mcp.h"
#include "policy.h"
#include "report.h"
#include "run.h"
#include "serve.h"
#include "session.h"
#include "util.h"

enum sr_exit {
	SR_EXIT_FAILURE = 125,
};

static char *args_area;		/* argv and environ strings, contiguous */
static size_t args_len;

extern char **environ;

/* Where the kernel put our argv and environment strings (init wipes them). */
static void
find_args_area(int argc, char **argv)
{
	char *end;
	int i;

	if (argc < 1 || argv[0] == NULL)
		return;
	end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	for (i = 0; environ[i] != NULL; i++)
		if (environ[i] == end)
			end = environ[i] + strlen(environ[i]) + 1;
	args_area = argv[0];
	args_len = (size_t)(end - argv[0]);
}

/* Out of memory anywhere (util.c, cJSON through sr_report_init): reported
 * like any other failure, and main's code exits.  Should reporting it run
 * out of memory too, the line is already out: just exit. */
static const struct sr_opts *oom_opts;

static void
on_oom(void)
{
	static const char m[] = "sandrun: out of memory\n";
	static bool reporting;
	struct sr_result r;
	struct sr_diag d;

	if (!reporting && oom_opts != NULL) {
		reporting = true;
		memset(&r, 0, sizeof(r));
		sr_diag_kind(&d, SR_DIAG_SETUP, "out of memory");
		sr_run_fail(oom_opts, &r, NULL, &d);
	} else if (!reporting)
		(void)!write(STDERR_FILENO, m, sizeof(m) - 1);
	_exit(SR_EXIT_FAILURE);
}

static int
do_list(void)
{
	struct sr_policy_entry *e;
	struct sr_diag d;
	size_t n, i;

	if (sr_policy_list(&e, &n, &d) < 0) {
		sr_run_print_diag(&d);
		return SR_EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		printf("%-12s %-48s %s", e[i].name,
		    e[i].description ? e[i].description : "(unreadable)",
		    e[i].path);
		if (e[i].problem)
			printf("  [unavailable: %s]", e[i].problem);
		putchar('\n');
	}
	sr_policy_list_free(e, n);
	return 0;
}

static int
do_policy(const struct sr_opts *o, bool print)
{
	struct sr_policy *p = NULL;
	struct sr_diag d;
	char *json;
	const char *name = o->mode_arg;

	if (!print && strchr(name, '/') == NULL) {
		/* --check-policy takes a file: make a bare name a path. */
		static char buf[4096];

		snprintf(buf, sizeof(buf), "./%s", name);
		name = buf;
	}
	if (sr_policy_load(name, &p, &d) < 0) {
		sr_run_print_diag(&d);
		return SR_EXIT_FAILURE;
	}
	if (print) {
		sr_run_apply_overrides(p, o);
		sr_policy_hash(p);
		json = sr_policy_to_json(p);
		fputs(json, stdout);
		if (*json && json[strlen(json) - 1] != '\n')
			putchar('\n');
		free(json);
	} else if (!o->quiet) {
		printf("%s: ok\n", o->mode_arg);
	}
	sr_policy_free(p);
	return 0;
}

/* One call inside a session process (session_srv.c). */
static int
session_call(int argc, char **argv)
{
	struct sr_opts o;
	struct sr_diag d;
	int status;

	if (sr_cli_parse(argc, argv, &o, &d) < 0) {
		sr_run_print_diag(&d);
		sr_cli_free(&o);
		return SR_EXIT_FAILURE;
	}
	oom_opts = &o;
	status = sr_run(&o, NULL, 0, NULL);
	fflush(stdout);
	oom_opts = NULL;
	sr_cli_free(&o);
	return status;
}

static int
do_session(const struct sr_opts *o, int argc, char **argv)
{
	struct sr_diag d;
	int status = 0, r;

	if (o->mode == SR_MODE_LIST_SESSIONS)
		r = sr_session_list(o->format == SR_FORMAT_JSON, &d);
	else if (o->mode == SR_MODE_END_SESSION)
		r = sr_session_end(o->mode_arg, &d);
	else
		r = sr_session_call(o->session,
		    o->set & SR_SET_SESSION_IDLE ? o->session_idle_ms : 0,
		    o->set & SR_SET_SESSION_LIFE ? o->session_life_ms : 0,
		    argc, argv, session_call, &status, &d);
	if (r < 0) {
		sr_run_print_diag(&d);
		return SR_EXIT_FAILURE;
	}
	return status;
}

int
main(int argc, char **argv)
{
	struct sr_opts o;
	struct sr_diag d;
	struct sr_host h;
	char feat[128];
	int fd, status;

	/* Make sure 0, 1 and 2 are open so no pipe lands there. */
	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
		fcntl(fd, F_SETFD, 0);
	if (fd > 2)
		close(fd);
	/* sandrun mcp: an MCP server, its own front end (mcp.c). */
	if (argc > 1 && strcmp(argv[1], "mcp") == 0)
		return sr_mcp_main(argc - 1, argv + 1);

	find_args_area(argc, argv);
	sr_report_init();
	sr_util_on_oom(on_oom);
	/* `sandrun serve ...` (serve.h) */
	if (argc > 1 && strcmp(argv[1], "serve") == 0) {
		sr_serve_pool_args(args_area, args_len);
		sr_session_host_setup(session_call, args_area, args_len);
		return sr_serve_main(argc - 1, argv + 1);
	}
	if (sr_cli_parse(argc, argv, &o, &d) < 0) {
		sr_run_print_diag(&d);
		sr_cli_free(&o);
		return SR_EXIT_FAILURE;
	}
	oom_opts = &o;
	switch (o.mode) {
	case SR_MODE_HELP:
		sr_cli_usage(stdout);
		status = 0;
		break;
	case SR_MODE_VERSION:
		sr_host_probe(&h);
		sr_host_features(&h, feat, sizeof(feat));
		printf("sandrun %s\nfeatures: %s\n", PACKAGE_VERSION, feat);
		status = 0;
		break;
	case SR_MODE_CHECK_HOST:
		sr_host_probe(&h);
		status = sr_host_print(stdout, &h) == 0 ? 0 : SR_EXIT_FAILURE;
		break;
	case SR_MODE_LIST_POLICIES:
		status = do_list();
		break;
	case SR_MODE_PRINT_POLICY:
		status = do_policy(&o, true);
		break;
	case SR_MODE_CHECK_POLICY:
		status = do_policy(&o, false);
		break;
	case SR_MODE_LIST_SESSIONS:
	case SR_MODE_END_SESSION:
		status = do_session(&o, argc, argv);
		break;
	case SR_MODE_RUN:
	default:
		if (o.set & SR_SET_SESSION) {
			status = do_session(&o, argc, argv);
			break;
		}
		/* Hand over to a running `sandrun serve` (client.h). */
		if (!(o.set & SR_SET_COLD)) {
			switch (sr_client_handover(argc, argv, &status, &d)) {
			case SR_CLIENT_SERVED:
				goto done;
			case SR_CLIENT_LOST:
				sr_run_print_diag(&d);
				status = SR_EXIT_FAILURE;
				goto done;
			}
		}
		status = sr_run(&o, args_area, args_len, NULL);
		break;
	}
done:
	if (fflush(stdout) != 0 && status == 0)
		status = SR_EXIT_FAILURE;
	sr_cli_free(&o);
	return status;
}
