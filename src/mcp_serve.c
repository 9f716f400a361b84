/* mcp_serve.c - the private warm pool of sandrun mcp (mcp_serve.h).
 *
 * One `sandrun serve` child per MCP server, on a socket in a private
 * directory (0700), with a pool for each offered policy.  Every tool call
 * is a plain sandrun run whose environment names that socket, so the
 * client hands the call over when a ready sandbox fits it exactly and
 * runs cold otherwise (serve's own rules: never weaker isolation).  The
 * child dies with us (PR_SET_PDEATHSIG, checked after it is set), and
 * serve itself kills its sandboxes when it dies (pidfd, cgroup.kill). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcp_serve.h"
#include "policy.h"
#include "util.h"

#define SELF "/proc/self/exe"
#define READY_MS 3000	/* how long start waits for the socket */

extern char **environ;

static pid_t serve_pid;
static char *serve_dir;
static char *serve_sock;
static char **serve_env;

/* environ with SANDRUN_SOCKET replaced by ours. */
static char **
make_env(const char *sock)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = sr_xcalloc(n + 2, sizeof(*env));
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "SANDRUN_SOCKET=", 15) != 0)
			env[k++] = sr_xstrdup(environ[i]);
	sr_xasprintf(&env[k++], "SANDRUN_SOCKET=%s", sock);
	env[k] = NULL;
	return env;
}

static char *
private_dir(struct sr_diag *d)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	char *dir;

	if (base == NULL || *base != '/' || access(base, W_OK | X_OK) < 0)
		base = getenv("TMPDIR");
	if (base == NULL || *base != '/' || access(base, W_OK | X_OK) < 0)
		base = "/tmp";
	sr_xasprintf(&dir, "%s/sandrun-mcp-serve.XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		sr_diag_errno(d, "cannot create a directory in %s", base);
		free(dir);
		return NULL;
	}
	return dir;
}

/* In the child: stdin and stdout /dev/null (stdout is the protocol's),
 * stderr kept for serve's diagnostics; die with the parent. */
static void
child(pid_t parent, char **argv)
{
	sigset_t none;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
		_exit(125);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0 ||
	    getppid() != parent)
		_exit(125);
	setpgid(0, 0);		/* a ^C to the host is for us, not serve */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(SELF, argv, serve_env);
	_exit(127);
}

static void
wait_socket(void)
{
	uint64_t until = sr_now_ms() + READY_MS;
	struct stat st;

	while (sr_now_ms() < until) {
		if (stat(serve_sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return;
		if (waitpid(serve_pid, NULL, WNOHANG) == serve_pid) {
			serve_pid = 0;	/* it said why on stderr: cold runs */
			return;
		}
		usleep(5000);
	}
}

int
sr_mcp_serve_start(char *const *policies, size_t n, struct sr_diag *d)
{
	char **argv = sr_xcalloc(2 * n + 6, sizeof(*argv));
	pid_t parent = getpid(), pid;
	size_t k = 0;

	if ((serve_dir = private_dir(d)) == NULL) {
		free(argv);
		return -1;
	}
	sr_xasprintf(&serve_sock, "%s/serve.sock", serve_dir);
	serve_env = make_env(serve_sock);
	argv[k++] = sr_xstrdup("sandrun");
	argv[k++] = sr_xstrdup("serve");
	argv[k++] = sr_xstrdup("--socket");
	argv[k++] = sr_xstrdup(serve_sock);
	for (size_t i = 0; i < n; i++) {
		argv[k++] = sr_xstrdup("--pool");
		/* python is the usual call and the slow one to build */
		sr_xasprintf(&argv[k++], "%s=%d", policies[i],
		    strcmp(policies[i], "python") == 0 ? 2 : 1);
	}
	pid = fork();
	if (pid < 0) {
		sr_strv_free(argv);
		return sr_diag_errno(d, "fork");
	}
	if (pid == 0)
		child(parent, argv);
	sr_strv_free(argv);
	serve_pid = pid;
	wait_socket();
	return 0;
}

char *const *
sr_mcp_serve_env(void)
{
	return serve_env != NULL ? serve_env : environ;
}

void
sr_mcp_serve_stop(void)
{
	int st;

	if (serve_pid > 0) {
		kill(serve_pid, SIGTERM);
		while (waitpid(serve_pid, &st, 0) < 0 && errno == EINTR)
			;
		serve_pid = 0;
	}
	if (serve_sock != NULL)
		unlink(serve_sock);
	if (serve_dir != NULL)
		rmdir(serve_dir);
	free(serve_sock);
	free(serve_dir);
	if (serve_env != NULL)
		sr_strv_free(serve_env);
	serve_sock = serve_dir = NULL;
	serve_env = NULL;
}
