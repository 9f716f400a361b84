#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include "cgroup.h"
#include "hostcheck.h"
#include "ns.h"
#include "quota.h"
#include "util.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

static int
read_int(const char *path, int def)
{
	char buf[32];

	if (sr_read_text(path, buf, sizeof(buf)) < 0)
		return def;
	return atoi(buf);
}

/* In a chroot, /proc/self/mountinfo has no mount at "/" (the mounts are
 * shown relative to our root, and the real root mount is outside it). */
static bool
in_chroot(void)
{
	char line[4096];
	bool root = false, any = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (f == NULL)
		return false;
	while (!root && fgets(line, sizeof(line), f) != NULL) {
		char mp[8];

		any = true;
		if (sscanf(line, "%*s %*s %*s %*s %7s", mp) == 1 &&
		    strcmp(mp, "/") == 0)
			root = true;
	}
	fclose(f);
	return any && !root;
}

static bool deny_userns_for_test;

void
sr_host_deny_userns_for_test(bool deny)
{
	deny_userns_for_test = deny;
}

bool
sr_host_userns_denied_for_test(void)
{
	return deny_userns_for_test;
}

void
sr_host_userns_why(int err, char *buf, size_t len)
{
	const char *sim = sr_host_userns_denied_for_test() ?
	    " (simulated by a unit test)" : "";

	if (err == ENOSPC ||
	    read_int("/proc/sys/user/max_user_namespaces", 1) == 0)
		snprintf(buf, len,
		    "user namespaces are disabled (user.max_user_namespaces is 0): as root, sysctl -w user.max_user_namespaces=15000%s",
		    sim);
	else if (read_int("/proc/sys/kernel/unprivileged_userns_clone", 1) == 0)
		snprintf(buf, len,
		    "unprivileged user namespaces are disabled: as root, sysctl -w kernel.unprivileged_userns_clone=1%s",
		    sim);
	else if (err == EPERM && in_chroot())
		snprintf(buf, len,
		    "sandrun is running inside a chroot, where the kernel refuses new user namespaces: run it on the host, in a VM or in a container (systemd-nspawn, docker) instead%s",
		    sim);
	else if (read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 0) == 1)
		snprintf(buf, len,
		    "AppArmor restricts unprivileged user namespaces: as root, install contrib/apparmor/sandrun as /etc/apparmor.d/sandrun and run apparmor_parser -r /etc/apparmor.d/sandrun%s",
		    sim);
	else
		snprintf(buf, len,
		    "creating a user namespace failed (%s): inside a container, allow user namespaces (for Docker: docker run --security-opt seccomp=unconfined)%s",
		    strerror(err), sim);
}

static void
probe_userns(struct sr_host *h)
{
	int err = 0, ws;
	pid_t pid;

	if (sr_host_userns_denied_for_test()) {
		err = EPERM;
	} else {
		pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL,
		    NULL, NULL, 0);
		if (pid == 0)
			_exit(0);
		if (pid < 0)
			err = errno;
		else
			while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
				;
	}
	h->userns = err == 0;
	if (!h->userns)
		sr_host_userns_why(err, h->userns_why, sizeof(h->userns_why));
}

/* Whether the sandbox gets a uid other than ours: as root 65534; else a
 * subordinate uid, tried for real on a user namespace made for it. */
static void
probe_own_uid(struct sr_host *h)
{
	struct sr_diag d;
	unsigned id;
	int p[2], ws, r;
	char c;
	pid_t pid;

	id = sr_quota_subuid(h->uid_why, sizeof(h->uid_why));
	h->own_uid = geteuid() == 0;
	if (id == 0 || !h->userns || pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL,
	    NULL, 0);
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	r = pid > 0 ? sr_ns_map_subuid(pid, 1000, id, &d) : -1;
	close(p[1]);
	if (pid > 0)
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
	h->own_uid = r == 1;
	if (r != 1)
		snprintf(h->uid_why, sizeof(h->uid_why),
		    "the sandbox shares your uid: %.400s", pid > 0 ? d.msg :
		    "cannot make a user namespace to try newuidmap on");
}

/* Which cgroup case applies to this process (cgroup.c decides, the same
 * way a run would, without changing anything). */
static void
probe_cgroups(struct sr_host *h)
{
	enum sr_cgroup_case c;
	struct stat st;

	c = sr_cgroup_probe(h->cgroup_why, sizeof(h->cgroup_why));
	h->cgroup1 = c == SR_CGROUP_CASE_V1;
	h->cgroup2 = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
	h->cgroup2_delegated = c == SR_CGROUP_CASE_V2;
}

void
sr_host_probe(struct sr_host *h)
{
	long v;

	memset(h, 0, sizeof(*h));
	probe_userns(h);
	h->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	h->seccomp_notify = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0,
	    &(unsigned){ SECCOMP_RET_USER_NOTIF }) == 0;
	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	h->landlock_abi = v > 0 ? (int)v : 0;
	h->pidfd = syscall(SYS_pidfd_open, getpid(), 0) >= 0;
	probe_cgroups(h);
	probe_own_uid(h);
}

static void
line(FILE *f, bool ok, const char *what, const char *detail)
{
	fprintf(f, "%-4s %-18s %s\n", ok ? "ok" : "no", what, detail);
}

int
sr_host_print(FILE *f, const struct sr_host *h)
{
	char buf[64];

	line(f, h->userns, "user namespaces",
	    h->userns ? "unprivileged user namespaces work" : h->userns_why);
	line(f, h->seccomp, "seccomp", h->seccomp ? "filters available" :
	    "kernel without CONFIG_SECCOMP_FILTER: sandrun cannot run safely");
	line(f, h->seccomp_notify, "seccomp notify", h->seccomp_notify ?
	    "user notification available" : "not available (kernel < 5.0)");
	snprintf(buf, sizeof(buf), "ABI %d", h->landlock_abi);
	line(f, h->landlock_abi > 0, "landlock", h->landlock_abi > 0 ? buf :
	    "not available (boot with lsm=...,landlock)");
	line(f, h->cgroup2_delegated || h->cgroup1, "cgroups", h->cgroup_why);
	line(f, h->pidfd, "pidfd", h->pidfd ? "available" : "not available");
	line(f, h->own_uid, "user quotas", h->uid_why);
	return h->userns && h->seccomp ? 0 : 1;
}

void
sr_host_features(const struct sr_host *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s landlock=%d %s%s",
	    h->userns ? "userns" : "-userns",
	    h->seccomp ? "seccomp" : "-seccomp", h->landlock_abi,
	    h->cgroup2_delegated ? "cgroup2" : h->cgroup1 ? "cgroup1" : "-cgroup",
	    h->seccomp_notify ? " seccomp-notify" : "");
}
