/* treecpu.c - the CPU time of a process tree, read from /proc. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "treecpu.h"
#include "util.h"

int
sr_stat_cpu_ticks(const char *line, unsigned long long *ticks)
{
	/* "pid (comm) state ..." where comm may hold spaces and ')': the
	 * fields start after the last ')'; utime is field 14. */
	const char *p = strrchr(line, ')');
	unsigned long long v[4];
	int field;

	if (p == NULL)
		return -1;
	p++;
	for (field = 3; field < 14; field++) {
		p += strspn(p, " ");
		p += strcspn(p, " ");
		if (*p == '\0')
			return -1;
	}
	if (sscanf(p, " %llu %llu %llu %llu", &v[0], &v[1], &v[2],
	    &v[3]) != 4)
		return -1;
	*ticks = v[0] + v[1] + v[2] + v[3];
	return 0;
}

/* Append the children of every thread of pid to q[*n..max). */
static void
children(pid_t pid, pid_t *q, size_t *n, size_t max)
{
	char path[64], buf[4096];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL && *n < max) {
		char *s, *end;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
		    (int)pid, e->d_name);
		if (sr_read_text(path, buf, sizeof(buf)) < 0)
			continue;
		for (s = buf; *n < max; s = end) {
			long c = strtol(s, &end, 10);

			if (end == s || c <= 0)
				break;
			q[(*n)++] = (pid_t)c;
		}
	}
	closedir(dir);
}

int
sr_tree_cpu_ms(pid_t root, uint64_t *ms)
{
	static pid_t q[SR_TREECPU_MAX];
	unsigned long long total = 0, t;
	long hz = sysconf(_SC_CLK_TCK);
	size_t i, n = 1;
	char path[64], line[1024];

	if (hz <= 0)
		hz = 100;
	q[0] = root;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)q[i]);
		if (sr_read_text(path, line, sizeof(line)) < 0 ||
		    sr_stat_cpu_ticks(line, &t) < 0) {
			if (i == 0)
				return -1;
			continue;	/* exited meanwhile: in its parent's */
		}
		total += t;
		children(q[i], q, &n, SR_TREECPU_MAX);
	}
	*ms = total * 1000 / (unsigned long long)hz;
	return 0;
}
