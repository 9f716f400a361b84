#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "session.h"
#include "policy.h"
#include "util.h"

#define SR_INLINE_DEFAULT (1024 * 1024)

enum {
	OPT_CPU_TIME = 256,
	OPT_PIDS,
	OPT_CPUS,
	OPT_OUTPUT_LIMIT,
	OPT_BIND,
	OPT_BIND_RW,
	OPT_STDIN,
	OPT_NETWORK,
	OPT_EXEC,
	OPT_LIST_POLICIES,
	OPT_PRINT_POLICY,
	OPT_CHECK_POLICY,
	OPT_CHECK_HOST,
	OPT_FORMAT,
	OPT_INLINE_FILES,
	OPT_CGROUP,
	OPT_COLD,
	OPT_SESSION,
	OPT_SESSION_IDLE,
	OPT_SESSION_LIFE,
	OPT_LIST_SESSIONS,
	OPT_END_SESSION,
};

static const char optstring[] = "+p:jt:m:f:o:e:vqhV";

/* Keep in the order of --help and sandrun(1). */
static const struct option longopts[] = {
	{ "policy", required_argument, NULL, 'p' },
	{ "json", no_argument, NULL, 'j' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "timeout", required_argument, NULL, 't' },
	{ "cpu-time", required_argument, NULL, OPT_CPU_TIME },
	{ "memory", required_argument, NULL, 'm' },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "output-limit", required_argument, NULL, OPT_OUTPUT_LIMIT },
	{ "file", required_argument, NULL, 'f' },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "bind-rw", required_argument, NULL, OPT_BIND_RW },
	{ "out", required_argument, NULL, 'o' },
	{ "inline-files", optional_argument, NULL, OPT_INLINE_FILES },
	{ "env", required_argument, NULL, 'e' },
	{ "stdin", required_argument, NULL, OPT_STDIN },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "exec", no_argument, NULL, OPT_EXEC },
	{ "cold", no_argument, NULL, OPT_COLD },
	{ "session", required_argument, NULL, OPT_SESSION },
	{ "session-idle", required_argument, NULL, OPT_SESSION_IDLE },
	{ "session-lifetime", required_argument, NULL, OPT_SESSION_LIFE },
	{ "list-sessions", no_argument, NULL, OPT_LIST_SESSIONS },
	{ "end-session", required_argument, NULL, OPT_END_SESSION },
	{ "list-policies", no_argument, NULL, OPT_LIST_POLICIES },
	{ "print-policy", required_argument, NULL, OPT_PRINT_POLICY },
	{ "check-policy", required_argument, NULL, OPT_CHECK_POLICY },
	{ "check-host", no_argument, NULL, OPT_CHECK_HOST },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

void
sr_cli_usage(FILE *f)
{
	fputs(
"Usage: sandrun [OPTION]... [FILE | -] [-- ARG...]\n"
"       sandrun [OPTION]... --exec -- COMMAND [ARG...]\n"
"       sandrun --list-policies | --print-policy NAME | --check-policy FILE\n"
"       sandrun mcp [--policy NAME]...   serve MCP on stdio (see sandrun(1))\n"
"       sandrun serve [--socket PATH] [--pool POLICY=N]... | --status\n"
"Run code from FILE (or standard input) in a throw-away sandbox under a policy.\n"
"\n"
"  -p, --policy NAME|PATH   policy to apply (default: $SANDRUN_POLICY or python)\n"
"  -j, --json               print one JSON result object instead of the output\n"
"      --format FMT         text (default), json, or tool (compact, for a model)\n"
"  -t, --timeout DUR        wall-clock limit (500ms, 10s, 2m)\n"
"      --cpu-time DUR       CPU time limit\n"
"  -m, --memory SIZE        memory limit (512M, 1G)\n"
"      --pids N             process and thread limit\n"
"      --cpus N             CPU rate in CPUs (0.5, 2; a cgroup's cpu.max)\n"
"      --output-limit SIZE  bytes kept per output stream\n"
"  -f, --file SRC[:DEST]    copy a host file or directory in (default: work dir)\n"
"      --bind SRC[:DEST]    bind a host path read-only\n"
"      --bind-rw SRC[:DEST] bind a host path read-write\n"
"  -o, --out DIR            copy files the code created in its work dir to DIR\n"
"      --inline-files[=MAX] put created files up to MAX bytes in the JSON result\n"
"  -e, --env NAME=VALUE     set a variable in the sandbox environment\n"
"      --stdin FILE         feed FILE to the program (default: ours, or\n"
"                           /dev/null when the code came on stdin)\n"
"      --network MODE       none or loopback\n"
"      --cgroup PATH        create the run's cgroup under this delegated v2 cgroup\n"
"      --exec               run COMMAND (after --) instead of code\n"
"      --cold               run here, never through a running sandrun serve\n"
"      --session NAME       run in the named persistent sandbox (made if new)\n"
"      --session-idle DUR   end a new session after DUR without calls (10m)\n"
"      --session-lifetime DUR  end a new session DUR after it began (1h)\n"
"      --list-sessions      list this user's sessions (JSON with --json)\n"
"      --end-session NAME   end a session and remove its sandbox\n"
"      --list-policies      list the policies found and where\n"
"      --print-policy NAME  print the resolved policy as JSON\n"
"      --check-policy FILE  validate a policy file and exit\n"
"      --check-host         report which sandbox features this host supports\n"
"  -v, --verbose            trace setup and print a summary line on stderr\n"
"  -q, --quiet              no notices from sandrun on stderr\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show version and kernel features, and exit\n"
"\n"
"Exit status: the program's own; 128+N if killed by signal N; 124 on a time\n"
"limit; 125 if sandrun failed; 126 if the command cannot run; 127 if not found.\n"
"See sandrun(1) and sandrun-policy(5).\n", f);
}


static int
once(struct sr_opts *o, unsigned bit, const char *name, struct sr_diag *d)
{
	if (o->set & bit)
		return sr_diag_kind(d, SR_DIAG_USAGE, "option %s given twice", name);
	o->set |= bit;
	return 0;
}

static int
pair(const char *arg, const char *opt, struct sr_path_pair *p,
    struct sr_diag *d)
{
	const char *colon = strchr(arg, ':');

	if (*arg == '\0' || colon == arg)
		return sr_diag_kind(d, SR_DIAG_USAGE, "%s: missing source path in '%s'", opt, arg);
	if (colon != NULL && colon[1] == '\0')
		return sr_diag_kind(d, SR_DIAG_USAGE, "%s: missing destination after ':' in '%s'", opt, arg);
	p->src = colon ? sr_xstrndup(arg, colon - arg) : sr_xstrdup(arg);
	p->dst = colon ? sr_xstrdup(colon + 1) : NULL;
	return 0;
}

static int
limit_arg(struct sr_opts *o, unsigned bit, const char *opt, const char *arg,
    int kind, uint64_t *out, struct sr_diag *d)
{
	const char *why = NULL;
	int r;

	if (once(o, bit, opt, d) < 0)
		return -1;
	if (kind == 'd')
		r = sr_parse_duration(arg, out, &why);
	else if (kind == 's')
		r = sr_parse_size(arg, out, &why);
	else
		r = sr_parse_count(arg, 1u << 22, out, &why);
	if (r < 0)
		return sr_diag_kind(d, SR_DIAG_USAGE, "%s: %s", opt, why);
	if (*out == 0 && kind != 's')
		return sr_diag_kind(d, SR_DIAG_USAGE, "%s: must be greater than zero", opt);
	return 0;
}

static int
format_option(struct sr_opts *o, int c, struct sr_diag *d)
{
	if (c == 'j' && (o->set & SR_SET_FORMAT) && o->format == SR_FORMAT_JSON)
		return 0;
	if (once(o, SR_SET_FORMAT, "--json/--format", d) < 0)
		return -1;
	if (c == 'j' || strcmp(optarg, "json") == 0)
		o->format = SR_FORMAT_JSON;
	else if (strcmp(optarg, "text") == 0)
		o->format = SR_FORMAT_TEXT;
	else if (strcmp(optarg, "tool") == 0)
		o->format = SR_FORMAT_TOOL;
	else
		return sr_diag_kind(d, SR_DIAG_USAGE, "--format: unknown format '%s' (use text, json or tool)", optarg);
	return 0;
}

/* The repeatable options: --file, --bind, --bind-rw, --env. */
static int
list_option(struct sr_opts *o, int c, struct sr_diag *d)
{
	if (c == 'f') {
		o->files = sr_xrealloc(o->files,
		    (o->n_files + 1) * sizeof(*o->files));
		memset(&o->files[o->n_files], 0, sizeof(*o->files));
		return pair(optarg, "--file", &o->files[o->n_files++], d);
	}
	if (c == OPT_BIND || c == OPT_BIND_RW) {
		o->binds = sr_xrealloc(o->binds,
		    (o->n_binds + 1) * sizeof(*o->binds));
		memset(&o->binds[o->n_binds], 0, sizeof(*o->binds));
		o->binds[o->n_binds].rw = c == OPT_BIND_RW;
		return pair(optarg, c == OPT_BIND ? "--bind" : "--bind-rw",
		    &o->binds[o->n_binds++], d);
	}
	if (strchr(optarg, '=') == NULL || optarg[0] == '=')
		return sr_diag_kind(d, SR_DIAG_USAGE, "--env: expected NAME=VALUE, got '%s'", optarg);
	o->env = sr_xrealloc(o->env, (o->n_env + 2) * sizeof(char *));
	o->env[o->n_env++] = optarg;
	o->env[o->n_env] = NULL;
	return 0;
}

static int
mode_option(struct sr_opts *o, int c, char **argv, struct sr_diag *d)
{
	enum sr_mode m = c == OPT_LIST_POLICIES ? SR_MODE_LIST_POLICIES :
	    c == OPT_PRINT_POLICY ? SR_MODE_PRINT_POLICY :
	    c == OPT_CHECK_POLICY ? SR_MODE_CHECK_POLICY :
	    c == OPT_CHECK_HOST ? SR_MODE_CHECK_HOST :
	    c == OPT_LIST_SESSIONS ? SR_MODE_LIST_SESSIONS :
	    c == OPT_END_SESSION ? SR_MODE_END_SESSION :
	    c == 'h' ? SR_MODE_HELP : SR_MODE_VERSION;

	if (o->mode != SR_MODE_RUN && o->mode != m)
		return sr_diag_kind(d, SR_DIAG_USAGE, "%s cannot be combined with another mode option", argv[optind - 1]);
	o->mode = m;
	if (c == OPT_PRINT_POLICY || c == OPT_CHECK_POLICY ||
	    c == OPT_END_SESSION)
		o->mode_arg = optarg;
	if (c == OPT_END_SESSION)
		return sr_session_name_check(optarg, d);
	return 0;
}

/* getopt refused the option at argv[optind - 1]: say why. */
static int
bad_option(char **argv, struct sr_diag *d)
{
	const char *arg = argv[optind - 1];
	int len = (int)strcspn(arg, "=");

	if (strncmp(arg, "--", 2) == 0 && optopt != 0 && arg[len] == '=')
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "option %.*s takes no value (see sandrun --help)", len, arg);
	if (strncmp(arg, "--", 2) == 0 && optopt != 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "option %.*s needs a value (see sandrun --help)", len, arg);
	if (strncmp(arg, "--", 2) == 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "unknown option %.*s (see sandrun --help)", len, arg);
	if (optopt > 0 && optopt < 256 && strchr(optstring + 1, optopt) != NULL)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "option -%c needs a value (see sandrun --help)", optopt);
	return sr_diag_kind(d, SR_DIAG_USAGE,
	    "unknown option -%c (see sandrun --help)",
	    optopt > 0 && optopt < 256 ? optopt : '?');
}

/* A single-value option that takes its argument as it is. */
static int
string_option(struct sr_opts *o, unsigned bit, const char *name,
    const char **out, struct sr_diag *d)
{
	if (once(o, bit, name, d) < 0)
		return -1;
	*out = optarg;
	return 0;
}

static int
option(struct sr_opts *o, int c, char **argv, struct sr_diag *d)
{
	const char *why;

	switch (c) {
	case 'p':
		if (string_option(o, SR_SET_POLICY, "--policy", &o->policy, d) < 0)
			return -1;
		if (*optarg == '\0')
			return sr_diag_kind(d, SR_DIAG_USAGE, "--policy: empty name");
		return 0;
	case 'j':
	case OPT_FORMAT:
		return format_option(o, c, d);
	case 't':
		return limit_arg(o, SR_SET_TIMEOUT, "--timeout", optarg, 'd',
		    &o->timeout_ms, d);
	case OPT_CPU_TIME:
		return limit_arg(o, SR_SET_CPU, "--cpu-time", optarg, 'd',
		    &o->cpu_ms, d);
	case 'm':
		if (limit_arg(o, SR_SET_MEMORY, "--memory", optarg, 's',
		    &o->memory, d) < 0)
			return -1;
		if (o->memory < 4096)
			return sr_diag_kind(d, SR_DIAG_USAGE, "--memory: %s is too small (at least 4K)", optarg);
		return 0;
	case OPT_PIDS:
		return limit_arg(o, SR_SET_PIDS, "--pids", optarg, 'n',
		    &o->pids, d);
	case OPT_CPUS:
		if (once(o, SR_SET_CPUS, "--cpus", d) < 0)
			return -1;
		if (sr_parse_cpus(optarg, &o->cpus, &why) < 0)
			return sr_diag_kind(d, SR_DIAG_USAGE, "--cpus: %s", why);
		return 0;
	case OPT_OUTPUT_LIMIT:
		return limit_arg(o, SR_SET_OUTPUT, "--output-limit", optarg, 's',
		    &o->output, d);
	case 'f':
	case OPT_BIND:
	case OPT_BIND_RW:
	case 'e':
		return list_option(o, c, d);
	case 'o':
		return string_option(o, SR_SET_OUT, "--out", &o->out_dir, d);
	case OPT_INLINE_FILES:
		if (once(o, SR_SET_INLINE, "--inline-files", d) < 0)
			return -1;
		o->inline_max = SR_INLINE_DEFAULT;
		if (optarg != NULL &&
		    sr_parse_size(optarg, &o->inline_max, &why) < 0)
			return sr_diag_kind(d, SR_DIAG_USAGE, "--inline-files: %s", why);
		return 0;
	case OPT_STDIN:
		return string_option(o, SR_SET_STDIN, "--stdin", &o->stdin_path, d);
	case OPT_NETWORK:
		if (once(o, SR_SET_NETWORK, "--network", d) < 0)
			return -1;
		if (strcmp(optarg, "none") == 0)
			o->network = SR_NETWORK_NONE;
		else if (strcmp(optarg, "loopback") == 0)
			o->network = SR_NETWORK_LOOPBACK;
		else
			return sr_diag_kind(d, SR_DIAG_USAGE, "--network: unknown mode '%s' (use none or loopback)", optarg);
		return 0;
	case OPT_CGROUP:
		return string_option(o, SR_SET_CGROUP, "--cgroup", &o->cgroup, d);
	case OPT_EXEC:
		o->exec = true;
		return 0;
	case OPT_COLD:
		return once(o, SR_SET_COLD, "--cold", d);
	case OPT_SESSION:
		if (string_option(o, SR_SET_SESSION, "--session", &o->session, d) < 0)
			return -1;
		return sr_session_name_check(optarg, d);
	case OPT_SESSION_IDLE:
		return limit_arg(o, SR_SET_SESSION_IDLE, "--session-idle", optarg,
		    'd', &o->session_idle_ms, d);
	case OPT_SESSION_LIFE:
		return limit_arg(o, SR_SET_SESSION_LIFE, "--session-lifetime",
		    optarg, 'd', &o->session_life_ms, d);
	case OPT_LIST_SESSIONS:
	case OPT_END_SESSION:
	case OPT_LIST_POLICIES:
	case OPT_PRINT_POLICY:
	case OPT_CHECK_POLICY:
	case OPT_CHECK_HOST:
	case 'h':
	case 'V':
		return mode_option(o, c, argv, d);
	case 'v':
		o->verbose++;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	default:
		return bad_option(argv, d);
	}
}

/* After the options: [FILE | -] [-- ARG...], or --exec's command. */
static int
operands(struct sr_opts *o, int argc, char **argv, struct sr_diag *d)
{
	if (o->mode != SR_MODE_RUN) {
		if (optind < argc)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "unexpected argument '%s' after a mode option",
			    argv[optind]);
		return 0;
	}
	if (o->exec) {
		if (optind >= argc)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "--exec needs a command: sandrun --exec -- COMMAND [ARG...]");
		o->argv = argv + optind;
		o->argc = argc - optind;
		return 0;
	}
	/* A "--" consumed by getopt means no FILE. */
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		o->code_path = argv[optind++];
		if (optind < argc && strcmp(argv[optind], "--") == 0)
			optind++;
	}
	o->argv = argv + optind;
	o->argc = argc - optind;
	if (o->code_path != NULL && strcmp(o->code_path, "-") == 0)
		o->code_path = NULL;
	if (o->code_path != NULL && *o->code_path == '\0')
		return sr_diag_kind(d, SR_DIAG_USAGE, "empty file name for the code");
	if (o->stdin_path != NULL && strcmp(o->stdin_path, "-") == 0 &&
	    o->code_path == NULL)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--stdin -: standard input already carries the code; give the code as FILE");
	return 0;
}

int
sr_cli_parse(int argc, char **argv, struct sr_opts *o, struct sr_diag *d)
{
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 0;	/* 0: glibc resets its state, so parsing twice works */
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		if (option(o, c, argv, d) < 0)
			return -1;
	if (o->verbose && o->quiet)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--verbose and --quiet cannot be combined");
	if ((o->set & (SR_SET_SESSION_IDLE | SR_SET_SESSION_LIFE)) &&
	    !(o->set & SR_SET_SESSION))
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--session-idle and --session-lifetime need --session NAME");
	if ((o->set & SR_SET_SESSION) && (o->set & SR_SET_COLD))
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--session and --cold cannot be combined");
	return operands(o, argc, argv, d);
}

void
sr_cli_free(struct sr_opts *o)
{
	size_t i;

	for (i = 0; i < o->n_files; i++) {
		free(o->files[i].src);
		free(o->files[i].dst);
	}
	for (i = 0; i < o->n_binds; i++) {
		free(o->binds[i].src);
		free(o->binds[i].dst);
	}
	free(o->files);
	free(o->binds);
	free(o->env);
	memset(o, 0, sizeof(*o));
}
