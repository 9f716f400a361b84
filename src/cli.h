/* cli.h - command-line parsing into struct sr_opts.  Never exits, never
 * touches the filesystem: main decides what to do with the result. */
#ifndef SR_CLI_H
#define SR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

enum sr_mode {
	SR_MODE_RUN = 0,
	SR_MODE_HELP,
	SR_MODE_VERSION,
	SR_MODE_LIST_POLICIES,
	SR_MODE_PRINT_POLICY,
	SR_MODE_CHECK_POLICY,
	SR_MODE_CHECK_HOST,
	SR_MODE_LIST_SESSIONS,
	SR_MODE_END_SESSION,
};

enum sr_format {
	SR_FORMAT_TEXT = 0,	/* pass output through */
	SR_FORMAT_JSON,		/* one JSON result object */
	SR_FORMAT_TOOL,		/* compact text for a model */
};

/* Bits of sr_opts.set: which overrides were given. */
enum {
	SR_SET_TIMEOUT = 1 << 0,
	SR_SET_MEMORY = 1 << 1,
	SR_SET_CPU = 1 << 2,
	SR_SET_PIDS = 1 << 3,
	SR_SET_OUTPUT = 1 << 4,
	SR_SET_NETWORK = 1 << 5,
	SR_SET_FORMAT = 1 << 6,
	SR_SET_STDIN = 1 << 7,
	SR_SET_OUT = 1 << 8,
	SR_SET_POLICY = 1 << 9,
	SR_SET_INLINE = 1 << 10,
	SR_SET_CGROUP = 1 << 11,
	SR_SET_COLD = 1 << 12,	/* --cold: never hand over to sandrun serve */
	SR_SET_CPUS = 1 << 13,
	SR_SET_SESSION = 1 << 14,	/* --session NAME */
	SR_SET_SESSION_IDLE = 1 << 15,
	SR_SET_SESSION_LIFE = 1 << 16,
};

struct sr_path_pair {
	char *src;		/* host path as given */
	char *dst;		/* sandbox path as given, NULL = default */
	bool rw;		/* binds only */
};

struct sr_opts {
	enum sr_mode mode;
	enum sr_format format;
	unsigned set;		/* SR_SET_* */
	const char *policy;	/* name or path; NULL = $SANDRUN_POLICY or "python" */
	const char *mode_arg;	/* --print-policy NAME, --check-policy FILE */
	uint64_t timeout_ms, cpu_ms, memory, pids, output;
	uint64_t cpus;		/* --cpus, thousandths of a CPU */
	int network;		/* enum sr_network, when SR_SET_NETWORK */
	struct sr_path_pair *files;	/* --file */
	size_t n_files;
	struct sr_path_pair *binds;	/* --bind, --bind-rw */
	size_t n_binds;
	char **env;		/* --env NAME=VALUE, in order */
	size_t n_env;
	const char *stdin_path;	/* --stdin FILE or "-" */
	const char *out_dir;	/* --out DIR */
	const char *cgroup;	/* --cgroup PATH */
	uint64_t inline_max;	/* --inline-files[=MAX] */
	const char *session;	/* --session NAME */
	uint64_t session_idle_ms, session_life_ms;	/* --session-idle, --session-lifetime */
	bool exec;		/* --exec: argv is the command */
	int verbose;		/* -v count */
	bool quiet;
	const char *code_path;	/* FILE, "-" or NULL (stdin) */
	char **argv;		/* program args (or the command with --exec); points into argv */
	int argc;
};

/* Parse argv.  Returns 0, or -1 with d filled (kind SR_DIAG_USAGE). */
int sr_cli_parse(int argc, char **argv, struct sr_opts *o, struct sr_diag *d);
void sr_cli_usage(FILE *f);
void sr_cli_free(struct sr_opts *o);

#endif
