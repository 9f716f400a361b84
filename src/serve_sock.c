/* serve_sock.c - the serve socket: default path, listen, inherit, connect. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "serve_proto.h"
#include "serve_sock.h"
#include "util.h"

#define SR_SERVE_BACKLOG 64
#define SR_LISTEN_FDS_START 3

int
sr_serve_sock_default(char *buf, size_t len)
{
	const char *e = getenv("SANDRUN_SOCKET");
	int n;

	if (e != NULL && *e != '\0')
		n = snprintf(buf, len, "%s", e);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/sandrun/serve.sock");
	else if ((e = getenv("XDG_RUNTIME_DIR")) != NULL && e[0] == '/')
		n = snprintf(buf, len, "%s/sandrun/serve.sock", e);
	else
		return -1;
	return n > 0 && (size_t)n < len &&
	    (size_t)n < sizeof(((struct sockaddr_un *)0)->sun_path) ? 0 : -1;
}

static int
fill_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strlcpy(sa->sun_path, path, sizeof(sa->sun_path));
	return 0;
}

/* The socket's directory: made 0700 when missing (one level), and then
 * it must be ours and closed to group and others. */
int
sr_serve_sock_private_dir(const char *path, struct sr_diag *d)
{
	char buf[PATH_MAX];
	const char *dir;
	struct stat st;

	strlcpy(buf, path, sizeof(buf));
	dir = dirname(buf);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sr_diag_errno(d, "--socket %s: create %s", path, dir);
	if (lstat(dir, &st) < 0)
		return sr_diag_errno(d, "--socket %s: %s", path, dir);
	if (!S_ISDIR(st.st_mode))
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--socket %s: %s is not a directory", path, dir);
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--socket %s: directory %s must be owned by uid %u and closed to others (it is uid %u, mode %04o); use a private directory",
		    path, dir, (unsigned)geteuid(), (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
	return 0;
}

int
sr_serve_sock_listen(const char *path, struct sr_diag *d)
{
	struct sockaddr_un sa;
	int fd, c;

	if (fill_addr(path, &sa) < 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--socket %s: path too long (at most %zu bytes)", path,
		    sizeof(sa.sun_path) - 1);
	if (sr_serve_sock_private_dir(path, d) < 0)
		return -1;
	/* A live server answers; a stale socket refuses and is replaced. */
	if ((c = sr_serve_sock_connect(path)) >= 0 || errno == EAGAIN) {
		if (c >= 0)
			close(c);
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "--socket %s: a server is already running there", path);
	}
	if (errno == ECONNREFUSED && unlink(path) < 0 && errno != ENOENT)
		return sr_diag_errno(d, "--socket %s: remove stale socket", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sr_diag_errno(d, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		sr_diag_errno(d, "--socket %s: bind", path);
		close(fd);
		return -1;
	}
	if (chmod(path, 0600) < 0 || listen(fd, SR_SERVE_BACKLOG) < 0) {
		sr_diag_errno(d, "--socket %s: listen", path);
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

int
sr_serve_sock_inherited(struct sr_diag *d)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	int type = 0, acc = 0, fd = SR_LISTEN_FDS_START;
	socklen_t len = sizeof(type);
	struct sockaddr_un sa;
	socklen_t salen = sizeof(sa);
	char want[32];

	if (pid == NULL || n == NULL)
		return 0;
	snprintf(want, sizeof(want), "%ld", (long)getpid());
	if (strcmp(pid, want) != 0) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		return 0;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strcmp(n, "1") != 0)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "LISTEN_FDS=%s: expected one socket", n);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0 ||
	    sa.sun_family != AF_UNIX)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "inherited socket (fd 3) is not an AF_UNIX SOCK_SEQPACKET socket (use ListenSequentialPacket=)");
	len = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0 || !acc)
		return sr_diag_kind(d, SR_DIAG_USAGE,
		    "inherited socket (fd 3) is not listening");
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return sr_diag_errno(d, "inherited socket (fd 3)");
	return fd;
}

int
sr_serve_sock_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, e;

	if (fill_addr(path, &sa) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
sr_serve_sock_self(struct sr_serve_exe *id)
{
	return sr_serve_sock_exe_of(0, id);
}

int
sr_serve_sock_exe_of(pid_t pid, struct sr_serve_exe *id)
{
	char path[64];
	struct stat st;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	else
		strlcpy(path, "/proc/self/exe", sizeof(path));
	if (stat(path, &st) < 0)
		return -1;
	memset(id, 0, sizeof(*id));
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
	return 0;
}

int
sr_serve_sock_peer(int fd, uid_t *uid, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -1;
	*uid = cr.uid;
	*pid = cr.pid;
	return 0;
}
