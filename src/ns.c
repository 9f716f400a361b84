#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/nsfs.h>

#include "ns.h"
#include "quota.h"
#include "util.h"

static int
write_proc(pid_t pid, const char *file, const char *data, struct sr_diag *d)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return sr_diag_errno(d, "open %s", path);
	if (sr_write_all(fd, data, strlen(data)) < 0) {
		sr_diag_errno(d, "write %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Read back pid's uid_map: 1 when it is exactly "uid host 1", 0 when
 * it is empty, -1 otherwise. */
static int
uid_map_is(pid_t pid, unsigned uid, unsigned host)
{
	char path[64], buf[128];
	unsigned a, b, c;
	ssize_t n;
	int fd, k;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	buf[n] = '\0';
	k = 0;
	if (sscanf(buf, " %u %u %u %n", &a, &b, &c, &k) != 3 || buf[k] != '\0')
		return -1;
	return a == uid && b == host && c == 1 ? 1 : -1;
}

int
sr_ns_map_subuid(pid_t pid, unsigned uid, unsigned host, struct sr_diag *d)
{
	char spid[16], sin[16], sout[16], err[160], name[] = "newuidmap",
	    one[] = "1";
	char *argv[] = { name, spid, sin, sout, one, NULL };
	char *envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	pid_t k;
	int p[2], st = -1, rc;
	ssize_t n;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(sin, sizeof(sin), "%u", uid);
	snprintf(sout, sizeof(sout), "%u", host);
	if (pipe2(p, O_CLOEXEC) < 0)
		return sr_diag_errno(d, "pipe for newuidmap");
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(&k, SR_NEWUIDMAP, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	err[0] = '\0';
	if (rc == 0) {
		n = read(p[0], err, sizeof(err) - 1);
		err[n > 0 ? n : 0] = '\0';
		err[strcspn(err, "\n")] = '\0';
		while (waitpid(k, &st, 0) < 0 && errno == EINTR)
			;
	}
	close(p[0]);
	switch (uid_map_is(pid, uid, host)) {
	case 1:
		return 1;
	case 0:
		sr_diag_set(d, "%s refused%s%s", SR_NEWUIDMAP,
		    err[0] ? ": " : "", err);
		return 0;
	default:
		return sr_diag_set(d, "%s %s %s %s 1 left an unexpected uid map%s%s",
		    SR_NEWUIDMAP, spid, sin, sout, err[0] ? ": " : "", err);
	}
}

int
sr_ns_write_maps(pid_t pid, unsigned uid, unsigned gid, unsigned sub_uid,
    enum sr_host_uid *got, struct sr_diag *d)
{
	char map[64];
	bool root = geteuid() == 0;
	unsigned host_uid = root ? SR_ROOT_MAP_ID : (unsigned)geteuid();
	unsigned host_gid = root ? SR_ROOT_MAP_ID : (unsigned)getegid();
	struct sr_diag refused;
	int r = 0;

	/* refused: our own uid, as without a range (reported in *got) */
	if (!root && sub_uid != 0 &&
	    (r = sr_ns_map_subuid(pid, uid, sub_uid, &refused)) < 0) {
		*d = refused;
		return -1;
	}
	if (r == 0) {
		snprintf(map, sizeof(map), "%u %u 1\n", uid, host_uid);
		if (write_proc(pid, "uid_map", map, d) < 0)
			return -1;
	}
	if (!root && write_proc(pid, "setgroups", "deny\n", d) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", gid, host_gid);
	if (write_proc(pid, "gid_map", map, d) < 0)
		return -1;
	*got = root ? SR_HOST_UID_NOBODY : r == 1 ? SR_HOST_UID_SUBORDINATE :
	    SR_HOST_UID_CALLER;
	return 0;
}

static const struct {
	int flag;
	unsigned bit;
	const char *name;
} kinds[] = {
	{ CLONE_NEWUSER, SR_NS_SEEN_USER, "user" },
	{ CLONE_NEWPID, SR_NS_SEEN_PID, "pid" },
	{ CLONE_NEWNS, SR_NS_SEEN_MNT, "mnt" },
	{ CLONE_NEWNET, SR_NS_SEEN_NET, "net" },
	{ CLONE_NEWIPC, SR_NS_SEEN_IPC, "ipc" },
	{ CLONE_NEWUTS, SR_NS_SEEN_UTS, "uts" },
	{ CLONE_NEWCGROUP, SR_NS_SEEN_CGROUP, "cgroup" },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The namespace an fd or a /proc/self/ns name (at DFD) stands for:
 * 0, or -1 and a zero id. */
static int
id_of(int dfd, const char *name, struct sr_ns_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (dfd < 0 || fstatat(dfd, name, &st, name[0] ? 0 : AT_EMPTY_PATH) < 0)
		return -1;
	id->dev = (unsigned long long)st.st_dev;
	id->ino = (unsigned long long)st.st_ino;
	return 0;
}

static int
open_ns_dir(void)
{
	return open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Both read, and two different namespaces. */
static bool
differ(const struct sr_ns_id *a, const struct sr_ns_id *b)
{
	return a->ino != 0 && b->ino != 0 &&
	    (a->dev != b->dev || a->ino != b->ino);
}

/* Our namespace NAME (at DFD) differs from WAS and is owned by our own
 * user namespace ME (what the kernel answers to NS_GET_USERNS). */
static bool
new_and_ours(int dfd, const char *name, const struct sr_ns_id *was,
    const struct sr_ns_id *me)
{
	struct sr_ns_id now, owner;
	int fd, ufd;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	ufd = id_of(fd, "", &now) == 0 && differ(was, &now) ?
	    ioctl(fd, NS_GET_USERNS) : -1;
	close(fd);
	if (ufd < 0)
		return false;
	(void)id_of(ufd, "", &owner);
	close(ufd);
	return me->ino != 0 && owner.ino != 0 && !differ(&owner, me);
}

void
sr_ns_host_ids(struct sr_ns_host *h)
{
	int dfd = open_ns_dir();

	(void)id_of(dfd, "user", &h->user);
	(void)id_of(dfd, "pid", &h->pid);
	(void)id_of(dfd, "cgroup", &h->cgroup);
	if (dfd >= 0)
		close(dfd);
}

int
sr_ns_unshare(int flags, unsigned *seen, struct sr_diag *d)
{
	struct sr_ns_id before[N_KINDS], me;
	char names[64] = "";
	int dfd = open_ns_dir();
	size_t i;

	for (i = 0; i < N_KINDS; i++) {
		if (!(flags & kinds[i].flag))
			continue;
		(void)id_of(dfd, kinds[i].name, &before[i]);
		if (names[0])
			strlcat(names, " ", sizeof(names));
		strlcat(names, kinds[i].name, sizeof(names));
	}
	if (unshare(flags) < 0) {
		sr_diag_errno(d, "create the %s namespaces", names);
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	(void)id_of(dfd, "user", &me);
	for (i = 0; i < N_KINDS; i++)
		if ((flags & kinds[i].flag) &&
		    new_and_ours(dfd, kinds[i].name, &before[i], &me))
			*seen |= kinds[i].bit;
	if (dfd >= 0)
		close(dfd);
	return 0;
}

void
sr_ns_seen_cloned(const struct sr_ns_host *h, int clone_flags,
    unsigned *seen)
{
	struct sr_ns_id me;
	int dfd = open_ns_dir();

	if (id_of(dfd, "user", &me) == 0) {
		if ((clone_flags & CLONE_NEWUSER) && differ(&h->user, &me))
			*seen |= SR_NS_SEEN_USER;
		if ((clone_flags & CLONE_NEWPID) &&
		    new_and_ours(dfd, "pid", &h->pid, &me))
			*seen |= SR_NS_SEEN_PID;
		if ((clone_flags & CLONE_NEWCGROUP) &&
		    new_and_ours(dfd, "cgroup", &h->cgroup, &me))
			*seen |= SR_NS_SEEN_CGROUP;
	}
	if (dfd >= 0)
		close(dfd);
}

void
sr_ns_seen_report(unsigned seen, struct sr_isolation *iso)
{
	iso->user_ns = (seen & SR_NS_SEEN_USER) != 0;
	iso->pid_ns = (seen & SR_NS_SEEN_PID) != 0;
	iso->mount_ns = (seen & SR_NS_SEEN_MNT) != 0;
	iso->net_ns = (seen & SR_NS_SEEN_NET) != 0;
	iso->ipc_ns = (seen & SR_NS_SEEN_IPC) != 0;
	iso->uts_ns = (seen & SR_NS_SEEN_UTS) != 0;
	iso->cgroup_ns = (seen & SR_NS_SEEN_CGROUP) != 0;
}

int
sr_ns_become_user(unsigned uid, unsigned gid, struct sr_diag *d)
{
	/* When the supervisor is root it allowed setgroups: drop root's
	 * supplementary groups.  Otherwise setgroups is denied (EPERM). */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return sr_diag_errno(d, "setgroups");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return sr_diag_errno(d, "PR_SET_KEEPCAPS");
	if (setresgid(gid, gid, gid) < 0)
		return sr_diag_errno(d, "setresgid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		return sr_diag_errno(d, "setresuid %u", uid);
	return 0;
}

int
sr_ns_set_hostname(const char *name, struct sr_diag *d)
{
	if (sethostname(name, strlen(name)) < 0)
		return sr_diag_errno(d, "sethostname %s", name);
	if (setdomainname("", 0) < 0)
		return sr_diag_errno(d, "setdomainname");
	return 0;
}

int
sr_ns_loopback_up(struct sr_diag *d)
{
	struct ifreq ifr;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sr_diag_errno(d, "socket for loopback");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		sr_diag_errno(d, "get lo flags");
		close(fd);
		return -1;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		sr_diag_errno(d, "bring lo up");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
sr_ns_drop_caps(struct sr_diag *d)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];
	int cap;

	for (cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return sr_diag_errno(d, "drop capability %d", cap);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return sr_diag_errno(d, "clear ambient capabilities");
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &h, data) < 0)
		return sr_diag_errno(d, "capset");
	return 0;
}

bool
sr_ns_caps_dropped(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];
	int cap, i;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &h, data) < 0)
		return false;
	for (i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted ||
		    data[i].inheritable)
			return false;
	for (cap = 0; cap <= 63; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (r < 0 && errno == EINVAL)
			break;		/* past the last capability */
		if (r != 0)
			return false;
	}
	/* The ambient set is a subset of permitted and inheritable, both
	 * read back empty above. */
	return true;
}
