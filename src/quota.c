/* quota.c - per-user-namespace counters (ucounts) of the sandbox. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "quota.h"
#include "util.h"

/* name under /proc/sys/user; host: the host's per-user maximum it takes
 * a quarter of (NULL: 0, the sandbox may not create any). */
static const struct {
	const char *name;
	const char *host;
} counters[] = {
	{ "max_inotify_instances", "/proc/sys/fs/inotify/max_user_instances" },
	{ "max_inotify_watches", "/proc/sys/fs/inotify/max_user_watches" },
	{ "max_fanotify_groups", NULL },
	{ "max_fanotify_marks", NULL },
	{ "max_user_namespaces", NULL },
	{ "max_pid_namespaces", NULL },
	{ "max_net_namespaces", NULL },
	{ "max_mnt_namespaces", NULL },
	{ "max_uts_namespaces", NULL },
	{ "max_ipc_namespaces", NULL },
	{ "max_cgroup_namespaces", NULL },
	{ "max_time_namespaces", NULL },
};

/* The host's value in PATH, or -1. */
static long
read_long(const char *path)
{
	char buf[32], *end;
	ssize_t n;
	long v;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v < 0)
		return -1;
	return v;
}

/* 1 written, 0 skipped (no such file, read-only /proc/sys), -1 error. */
static int
write_counter(const char *name, long value, struct sr_diag *d)
{
	char path[80], buf[32];
	int fd, len;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/sys/user/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == EROFS || errno == EACCES)
			return 0;
		return sr_diag_errno(d, "open %s", path);
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", value);
	n = write(fd, buf, (size_t)len);
	close(fd);
	if (n != len)
		return sr_diag_errno(d, "write %ld to %s", value, path);
	return 1;
}

int
sr_quota_bound_userns(struct sr_diag *d)
{
	size_t i;
	long v;

	for (i = 0; i < SR_ARRAY_SIZE(counters); i++) {
		v = 0;
		if (counters[i].host != NULL) {
			v = read_long(counters[i].host);
			if (v < 0)
				continue;	/* no such facility */
			v = v / 4 > 0 ? v / 4 : 1;
		}
		if (write_counter(counters[i].name, v, d) < 0)
			return -1;
	}
	return 0;
}

int
sr_quota_set(const char *name, long value, struct sr_diag *d)
{
	return write_counter(name, value, d) < 0 ? -1 : 0;
}
