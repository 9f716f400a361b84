/* session_freeze.c - a session's sandbox sleeps between calls.
 *
 * The strongest way the host offers, chosen once per sandbox:
 *   cgroup2  the run's v2 cgroup: cgroup.freeze, observed in cgroup.events
 *   cgroup1  a freezer leaf of our own (root: /sys/fs/cgroup/freezer),
 *            init moved into it (what it forks follows; what it forked
 *            before, before each freeze): freezer.state
 *   sigstop  SIGSTOP to init and each of its descendants (found through
 *            /proc/PID/task/TID/children) until none is left running
 * Each freeze is observed (the state read back); the mechanism the
 * result reports is the one whose last freeze was seen to hold. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "box.h"
#include "session.h"
#include "util.h"

#define V1_FREEZER "/sys/fs/cgroup/freezer"
#define TREE_MAX 4096		/* pids the SIGSTOP walk follows */

const char *
sr_session_freeze_name(enum sr_freeze_mech m)
{
	return m == SR_FREEZE_CGROUP2 ? "cgroup2" :
	    m == SR_FREEZE_CGROUP1 ? "cgroup1" :
	    m == SR_FREEZE_SIGSTOP ? "sigstop" : "none";
}

static int
write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int
read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static void
nap(void)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Poll path until it contains want (up to ~1 s). */
static bool
wait_for(const char *path, const char *want)
{
	char buf[512];
	int i;

	for (i = 0; i < 500; i++) {
		if (read_str(path, buf, sizeof(buf)) < 0)
			return false;
		if (strstr(buf, want) != NULL)
			return true;
		nap();
	}
	return false;
}

/* v1 leaves of session processes that were killed: a frozen task never
 * acts on its SIGKILL (init's parent-death signal), so thaw them and
 * remove what is empty. */
static void
sweep_v1(void)
{
	char p[512];
	struct dirent *e;
	DIR *dp;
	long pid;
	char *end;

	if ((dp = opendir(V1_FREEZER)) == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (strncmp(e->d_name, "sandrun-session-", 16) != 0)
			continue;
		pid = strtol(e->d_name + 16, &end, 10);
		if (*end != '\0' || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		snprintf(p, sizeof(p), V1_FREEZER "/%s/freezer.state", e->d_name);
		(void)write_str(p, "THAWED");
		snprintf(p, sizeof(p), V1_FREEZER "/%s", e->d_name);
		(void)rmdir(p);	/* EBUSY until its tasks are gone: next time */
	}
	closedir(dp);
}

void
sr_session_freeze_setup(struct sr_session_freeze *f, const struct sr_box *b)
{
	char p[sizeof(f->dir) + 32];

	memset(f, 0, sizeof(*f));
	if (b->cg.kind == SR_CGROUP_V2 && b->cg.v2_path != NULL) {
		snprintf(f->dir, sizeof(f->dir), "%s", b->cg.v2_path);
		snprintf(p, sizeof(p), "%s/cgroup.freeze", f->dir);
		if (access(p, W_OK) == 0) {
			f->mech = SR_FREEZE_CGROUP2;
			return;
		}
	}
	/* v1: a leaf of ours in the freezer hierarchy, when it is mounted
	 * and we may write it (root). */
	snprintf(f->dir, sizeof(f->dir), V1_FREEZER "/sandrun-session-%d",
	    (int)getpid());
	if (access(V1_FREEZER "/cgroup.procs", W_OK) == 0)
		sweep_v1();
	if (access(V1_FREEZER "/cgroup.procs", W_OK) == 0 &&
	    (mkdir(f->dir, 0755) == 0 || errno == EEXIST)) {
		snprintf(p, sizeof(p), "%s/cgroup.procs", f->dir);
		snprintf(f->buf, sizeof(f->buf), "%d", (int)b->pid);
		if (write_str(p, f->buf) == 0) {
			f->mech = SR_FREEZE_CGROUP1;
			f->own_dir = true;
			return;
		}
		rmdir(f->dir);
	}
	f->dir[0] = '\0';
	f->mech = SR_FREEZE_SIGSTOP;
}

/* Append the children of pid's main thread to q[n..TREE_MAX); the new
 * n. */
static size_t
add_children(pid_t *q, size_t n, pid_t pid)
{
	char p[64];
	FILE *fp;

	snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	if ((fp = fopen(p, "re")) == NULL)
		return n;
	while (n < TREE_MAX && fscanf(fp, "%d", &q[n]) == 1)
		n++;
	fclose(fp);
	return n;
}

/* Send sig to init and its descendants; with SIGSTOP, repeat until a
 * pass finds every one already stopped (a fork in between is caught). */
static bool
signal_tree(pid_t init, int sig)
{
	pid_t *q = sr_xcalloc(TREE_MAX, sizeof(pid_t));
	char p[128], st[256], *s;
	size_t n, i, pass;
	bool all_stopped = false;

	for (pass = 0; pass < 50 && !all_stopped; pass++) {
		all_stopped = true;
		q[0] = init;
		for (i = 0, n = 1; i < n; i++) {
			if (kill(q[i], sig) < 0)
				continue;
			snprintf(p, sizeof(p), "/proc/%d/stat", (int)q[i]);
			if (sig == SIGSTOP && read_str(p, st, sizeof(st)) == 0 &&
			    (s = strrchr(st, ')')) != NULL && s[1] == ' ' &&
			    s[2] != 'T' && s[2] != 't' && s[2] != 'Z')
				all_stopped = false;
			n = add_children(q, n, q[i]);
		}
		if (sig != SIGSTOP)
			break;
		if (!all_stopped)
			nap();
	}
	free(q);
	return sig != SIGSTOP || all_stopped;
}

/* v1: what init forked before it was moved into our freezer leaf (the
 * warm driver, made with the sandbox) is moved now, before each freeze,
 * so the leaf holds the whole tree. */
static void
adopt_tree(const struct sr_session_freeze *f, pid_t init)
{
	pid_t *q = sr_xcalloc(TREE_MAX, sizeof(pid_t));
	char procs[sizeof(f->dir) + 32], b[24];
	size_t n, i;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", f->dir);
	q[0] = init;
	for (i = 0, n = 1; i < n; i++) {
		if (i > 0) {
			snprintf(b, sizeof(b), "%d", (int)q[i]);
			(void)write_str(procs, b);
		}
		n = add_children(q, n, q[i]);
	}
	free(q);
}

int
sr_session_freeze(struct sr_session_freeze *f, pid_t init, bool on)
{
	char p[sizeof(f->dir) + 32];
	bool ok = false;

	switch (f->mech) {
	case SR_FREEZE_CGROUP2:
		snprintf(p, sizeof(p), "%s/cgroup.freeze", f->dir);
		if (write_str(p, on ? "1" : "0") == 0) {
			snprintf(p, sizeof(p), "%s/cgroup.events", f->dir);
			ok = wait_for(p, on ? "frozen 1" : "frozen 0");
		}
		break;
	case SR_FREEZE_CGROUP1:
		if (on)
			adopt_tree(f, init);
		snprintf(p, sizeof(p), "%s/freezer.state", f->dir);
		if (write_str(p, on ? "FROZEN" : "THAWED") == 0)
			ok = wait_for(p, on ? "FROZEN" : "THAWED");
		break;
	case SR_FREEZE_SIGSTOP:
		ok = signal_tree(init, on ? SIGSTOP : SIGCONT);
		break;
	default:
		break;
	}
	f->frozen = on && ok;
	if (on)
		f->observed = ok;
	return ok ? 0 : -1;
}

void
sr_session_freeze_end(struct sr_session_freeze *f)
{
	int i;

	if (f->own_dir) {
		/* Empty once the sandbox is gone: retry a moment. */
		for (i = 0; i < 250 && rmdir(f->dir) < 0 && errno == EBUSY; i++)
			nap();
	}
	memset(f, 0, sizeof(*f));
}
