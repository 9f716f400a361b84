/* quota.c - the per-user counters the sandbox may spend: the ucounts of
 * its user namespace, and the host uid it runs as. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
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
	long v;

	if (sr_read_text(path, buf, sizeof(buf)) < 0)
		return -1;
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

/* One unsigned decimal field of a subuid line ending at END. */
static bool
field_u32(const char *s, const char *end, unsigned long long *v)
{
	if (s == end)
		return false;
	*v = 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || *v > 0xffffffffULL)
			return false;
		*v = *v * 10 + (unsigned)(*s - '0');
	}
	return *v <= 0xffffffffULL;
}

int
sr_quota_subuid_parse(const char *text, size_t len, const char *name,
    unsigned uid, unsigned *out)
{
	const char *p = text, *end = text + len, *eol, *c1, *c2;
	unsigned long long who, first, count;
	size_t nl = name != NULL ? strlen(name) : 0;
	bool mine;

	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		c1 = memchr(p, ':', (size_t)(eol - p));
		c2 = c1 != NULL ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) :
		    NULL;
		if (c2 == NULL || !field_u32(c1 + 1, c2, &first) ||
		    !field_u32(c2 + 1, eol, &count) || count == 0 ||
		    first + count - 1 > 0xfffffffeULL ||
		    (uid >= first && uid <= first + count - 1))
			continue;
		mine = (nl > 0 && (size_t)(c1 - p) == nl &&
		    memcmp(p, name, nl) == 0) ||
		    (field_u32(p, c1, &who) && who == uid);
		if (mine) {
			*out = (unsigned)(first + count - 1);
			return 1;
		}
	}
	return 0;
}

/* Whether newuidmap may write maps: a regular file of root, setuid or
 * with file capabilities. */
static bool
newuidmap_usable(void)
{
	struct stat st;

	if (stat(SR_NEWUIDMAP, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != 0 || !(st.st_mode & S_IXOTH))
		return false;
	return (st.st_mode & S_ISUID) ||
	    getxattr(SR_NEWUIDMAP, "security.capability", NULL, 0) > 0;
}

unsigned
sr_quota_subuid(char *why, size_t len)
{
	char *text = NULL, *name = NULL, buf[64];
	struct passwd pw, *res = NULL;
	size_t n = 0;
	unsigned id = 0;
	int fd;

	if (why == NULL) {
		why = buf;
		len = sizeof(buf);
	}
	if (geteuid() == 0) {
		snprintf(why, len, "as root the sandbox runs as uid 65534: "
		    "nothing it spends is root's");
		return 0;
	}
	if (!newuidmap_usable()) {
		snprintf(why, len, "the sandbox shares your uid: install %s "
		    "(package uidmap) for a uid of your own %s range",
		    SR_NEWUIDMAP, SR_SUBUID_FILE);
		return 0;
	}
	{
		char pwbuf[1024];

		if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
		    res != NULL)
			name = sr_xstrdup(pw.pw_name);
	}
	fd = open(SR_SUBUID_FILE, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && sr_read_fd(fd, 1 << 20, &text, &n) == 0 &&
	    sr_quota_subuid_parse(text, n, name, (unsigned)getuid(), &id) == 1)
		snprintf(why, len, "the sandbox runs as uid %u of your %s "
		    "range (not with --bind, --bind-rw or a read-write bind)",
		    id, SR_SUBUID_FILE);
	else
		snprintf(why, len, "the sandbox shares your uid: %s has no "
		    "range for %s (usermod --add-subuids FIRST-LAST %s)",
		    SR_SUBUID_FILE, name != NULL ? name : "you",
		    name != NULL ? name : "USER");
	if (fd >= 0)
		close(fd);
	free(text);
	free(name);
	return id;
}

unsigned
sr_quota_run_uid(const struct sr_mount_plan *mp, size_t n_cli_binds)
{
	size_t i;

	if (n_cli_binds > 0)
		return 0;
	for (i = 0; i < mp->n_steps; i++)
		if (mp->steps[i].type == SR_STEP_BIND && mp->steps[i].rw)
			return 0;
	return sr_quota_subuid(NULL, 0);
}
