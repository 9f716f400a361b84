/* mounts_root.c - resolve paths inside the new root, never outside it.
 *
 * A policy may create symbolic links (absolute targets are allowed) before
 * later steps run, and before pivot_root the host's tree is still the
 * caller's root.  Every path of a step is therefore resolved relative to
 * the new root's directory fd with openat2(RESOLVE_IN_ROOT): ".." and
 * absolute link targets stop at the new root, as they will after
 * pivot_root, and magic links (/proc/self/fd/N) are refused.  On kernels
 * without openat2 (before 5.6) every component is opened with O_NOFOLLOW:
 * a path through any link fails instead.
 *
 * Used by init after clone: no allocation.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "mounts.h"

/* Fallback without openat2: component by component, no link followed. */
static int
open_walk(int root, const char *path, int flags)
{
	char buf[PATH_MAX];
	char *c, *next;
	int cur, fd;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	if ((cur = fcntl(root, F_DUPFD_CLOEXEC, 3)) < 0)
		return -1;
	for (c = buf; c != NULL; c = next) {
		if ((next = strchr(c, '/')) != NULL)
			*next++ = '\0';
		if (*c == '\0' || strcmp(c, ".") == 0) {
			if (next == NULL)
				break;
			continue;
		}
		if (strcmp(c, "..") == 0) {
			close(cur);
			errno = EXDEV;
			return -1;
		}
		fd = openat(cur, c, next == NULL ? flags | O_NOFOLLOW |
		    O_CLOEXEC : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		    0);
		close(cur);
		if (fd < 0)
			return -1;
		cur = fd;
	}
	return cur;
}

int
sr_mounts_open_in(int root, const char *path, int flags)
{
	struct open_how how;
	long fd;

	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, root, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		return open_walk(root, path, flags);
	return (int)fd;
}

/* Create each missing component of BUF (absolute inside the root) under
 * the previous one and return an O_PATH fd of the whole path.  Each
 * component is made with mkdirat in its parent, opened as the root
 * resolves it (a link an earlier step made is followed inside the
 * root), so a component that exists costs one open. */
static int
dir_walk(int root, char *buf, unsigned mode, struct sr_diag *d)
{
	char *c, *name, save;
	int fd, pfd = root;

	for (c = buf + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		save = *c;
		*c = '\0';
		name = strrchr(buf, '/') + 1;
		if (*name != '\0' && mkdirat(pfd, name, save == '\0' ? mode :
		    0755) < 0 && errno != EEXIST) {
			sr_diag_errno(d, "mkdir %s", buf);
			fd = -1;
		} else if ((fd = sr_mounts_open_in(root, buf, O_PATH |
		    O_DIRECTORY)) < 0) {
			sr_diag_errno(d, "mkdir %s", buf);
		}
		if (pfd != root)
			close(pfd);
		if (fd < 0 || save == '\0')
			return fd;
		pfd = fd;
		*c = save;
	}
}

int
sr_mounts_dir_in(int root, const char *path, unsigned mode,
    struct sr_diag *d)
{
	char buf[PATH_MAX];
	int fd;

	if (strlen(path) >= sizeof(buf) || path[0] != '/')
		return sr_diag_set(d, "bad path inside the sandbox: %s", path);
	/* Most directories exist (a bind's target, the parent of a file);
	 * anything else takes the walk, which names the failing component. */
	if ((fd = sr_mounts_open_in(root, path, O_PATH | O_DIRECTORY)) >= 0)
		return fd;
	strcpy(buf, path);
	return dir_walk(root, buf, mode, d);
}

int
sr_mounts_parent_in(int root, const char *path, const char **name,
    struct sr_diag *d)
{
	char buf[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0 ||
	    (size_t)(slash - path) >= sizeof(buf))
		return sr_diag_set(d, "bad path inside the sandbox: %s", path);
	memcpy(buf, path, (size_t)(slash - path));
	buf[slash - path] = '\0';
	*name = slash + 1;
	return sr_mounts_dir_in(root, buf[0] ? buf : "/", 0755, d);
}
