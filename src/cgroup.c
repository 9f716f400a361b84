/* cgroup.c - per-run control group: the API, the choice between v2 and
 * v1, and the file helpers both use.
 *
 * v2 (cgroup_v2.c): the run gets a leaf `sandrun-<pid>-<hex>` in a subtree
 * of our own cgroup (root, or a user whose cgroup is delegated) or under
 * --cgroup PATH.  v1 (cgroup_v1.c): one leaf per controller (memory, pids,
 * cpuacct) under our own path in each hierarchy; normally root only.
 *
 * Every limit claimed was written and read back; the run's init is then
 * confirmed inside (sr_cgroup_confirm).  No environment variable changes
 * what this file does: unit tests point it at a fake tree with
 * sr_cgroup_test_seams().
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "cgroup_int.h"
#include "util.h"

#define CG_READ_MAX (1u << 20)

/* Unit-test seams, set only by sr_cgroup_test_seams(). */
static char *seam_root, *seam_self;

void
sr_cgroup_test_seams(const char *root, const char *self)
{
	free(seam_root);
	free(seam_self);
	seam_root = root ? sr_xstrdup(root) : NULL;
	seam_self = self ? sr_xstrdup(self) : NULL;
}

const char *
sr_cg_root(void)
{
	return seam_root ? seam_root : "/sys/fs/cgroup";
}

bool
sr_cg_fake(void)
{
	return seam_root != NULL;
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Write val to dir/file.  0, or -1 with errno. */
int
sr_cg_write(const char *dir, const char *file, const char *val)
{
	char p[PATH_MAX];
	int fd, flags = O_WRONLY | O_CLOEXEC, err;
	size_t len = strlen(val);
	ssize_t n;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (sr_cg_fake())
		flags |= O_CREAT | O_TRUNC;
	fd = open(p, flags, 0644);
	if (fd < 0)
		return -1;
	do
		n = write(fd, val, len);
	while (n < 0 && errno == EINTR);
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
sr_cg_write_u64(const char *dir, const char *file, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return sr_cg_write(dir, file, buf);
}

/* Read dir/file (dir may be NULL: file is then a full path) into a new
 * NUL-terminated buffer.  0, or -1 with errno. */
int
sr_cg_read(const char *dir, const char *file, char **out)
{
	char p[PATH_MAX];
	size_t len;
	int fd, r, err;

	if (dir)
		snprintf(p, sizeof(p), "%s/%s", dir, file);
	else
		snprintf(p, sizeof(p), "%s", file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = sr_read_fd(fd, CG_READ_MAX, out, &len);
	err = errno;
	close(fd);
	errno = err;
	return r;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "max", 3) == 0) {
		*v = SR_UNLIMITED;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno)
		return -1;
	*v = x;
	return 0;
}

int
sr_cg_read_u64(const char *dir, const char *file, uint64_t *v)
{
	_cleanup_free_ char *buf = NULL;

	if (sr_cg_read(dir, file, &buf) < 0)
		return -1;
	return sr_cg_buf_u64(buf, v);
}

int
sr_cg_buf_u64(const char *buf, uint64_t *v)
{
	if (parse_u64(buf, v) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* The counter files of a result per slot (cgroup_int.h), v1 then v2,
 * and the v1 controller directory each is in (0 memory, 1 pids, 2
 * cpuacct). */
static const struct {
	const char *v1;
	int v1_dir;
	const char *v2;
} cg_stat_files[SR_CG_STAT_N] = {
	[SR_CG_ST_PEAK] = { "memory.max_usage_in_bytes", 0, "memory.peak" },
	[SR_CG_ST_MEMEV] = { "memory.oom_control", 0, "memory.events" },
	[SR_CG_ST_PIDSEV] = { "pids.events", 1, "pids.events" },
	[SR_CG_ST_CPU] = { "cpuacct.usage", 2, NULL },
	[SR_CG_ST_CPUSTAT] = { "cpuacct.stat", 2, "cpu.stat" },
};

void
sr_cgroup_stats_open(struct sr_cgroup *cg)
{
	const char *v1_dirs[] = { cg->v1_memory, cg->v1_pids, cg->v1_cpuacct };
	char p[PATH_MAX], buf[1024];
	const char *dir, *file;
	int i;

	if (cg->stat_open || (cg->kind != SR_CGROUP_V1 &&
	    cg->kind != SR_CGROUP_V2))
		return;
	for (i = 0; i < SR_CG_STAT_N; i++) {
		dir = cg->kind == SR_CGROUP_V2 ? cg->v2_path :
		    v1_dirs[cg_stat_files[i].v1_dir];
		file = cg->kind == SR_CGROUP_V2 ? cg_stat_files[i].v2 :
		    cg_stat_files[i].v1;
		cg->stat_fd[i] = -1;
		if (dir != NULL && file != NULL &&
		    (size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) <
		    sizeof(p))
			cg->stat_fd[i] = open(p, O_RDONLY | O_CLOEXEC);
		/* read once now: the kernel's first read of an open
		 * counter file sets up its buffer (a few us each) */
		if (cg->stat_fd[i] >= 0)
			(void)!pread(cg->stat_fd[i], buf, sizeof(buf), 0);
	}
	cg->stat_open = true;
}

int
sr_cg_stat_read(const struct sr_cgroup *cg, int slot, const char *dir,
    const char *file, char **out)
{
	int fd = cg->stat_open ? cg->stat_fd[slot] : -1;
	char buf[1024];
	size_t len;
	ssize_t n;

	if (fd < 0)
		return sr_cg_read(dir, file, out);
	/* from offset 0: the kernel makes the file's text anew, and one
	 * read short of the buffer has all of it (a seq_file fills what
	 * it is asked for); a longer text is read to its end */
	while ((n = pread(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR)
		;
	if (n >= 0 && (size_t)n < sizeof(buf)) {
		*out = sr_xstrndup(buf, (size_t)n);
		return 0;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	return sr_read_fd(fd, CG_READ_MAX, out, &len);
}

int
sr_cg_stat_u64(const struct sr_cgroup *cg, int slot, const char *dir,
    const char *file, uint64_t *v)
{
	_cleanup_free_ char *buf = NULL;

	if (sr_cg_stat_read(cg, slot, dir, file, &buf) < 0)
		return -1;
	return sr_cg_buf_u64(buf, v);
}

int
sr_cg_stat_key(const struct sr_cgroup *cg, int slot, const char *dir,
    const char *file, const char *key, uint64_t *v)
{
	_cleanup_free_ char *buf = NULL;

	if (sr_cg_stat_read(cg, slot, dir, file, &buf) < 0)
		return -1;
	return sr_cg_buf_key(buf, key, v);
}

/* Find "key N" at the start of a line of buf. */
int
sr_cg_buf_key(const char *buf, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);
	const char *l;

	for (l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, kl) != 0 || l[kl] != ' ')
			continue;
		if (parse_u64(l + kl + 1, v) < 0) {
			errno = EINVAL;
			return -1;
		}
		return 0;
	}
	errno = ENOENT;
	return -1;
}

/* Find "key N" at the start of a line of dir/file. */
int
sr_cg_read_key(const char *dir, const char *file, const char *key, uint64_t *v)
{
	_cleanup_free_ char *buf = NULL;

	if (sr_cg_read(dir, file, &buf) < 0)
		return -1;
	return sr_cg_buf_key(buf, key, v);
}

/* Does the space-separated list contain word? */
bool
sr_cg_has_word(const char *list, const char *word, char sep)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (p && *p) {
		while (*p == sep || *p == ' ' || *p == '\n')
			p++;
		if (strncmp(p, word, wl) == 0 &&
		    (p[wl] == '\0' || p[wl] == sep || p[wl] == ' ' || p[wl] == '\n'))
			return true;
		while (*p && *p != sep && *p != ' ' && *p != '\n')
			p++;
	}
	return false;
}

int
sr_cg_read_self(char **out)
{
	if (seam_self) {
		*out = sr_xstrdup(seam_self);
		return 0;
	}
	return sr_cg_read(NULL, "/proc/self/cgroup", out);
}

/* From /proc/self/cgroup content, the path of the hierarchy whose
 * controller list contains ctrl ("" for the v2 line "0::").  New string
 * or NULL; *ctrls gets the whole controller list (v1) when non-NULL. */
char *
sr_cg_self_path(const char *self, const char *ctrl, char **ctrls)
{
	const char *l, *c1, *c2, *nl;

	for (l = self; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		c1 = strchr(l, ':');
		if (!c1 || (nl && c1 > nl))
			continue;
		c2 = strchr(c1 + 1, ':');
		if (!c2 || (nl && c2 > nl))
			continue;
		_cleanup_free_ char *list = sr_xstrndup(c1 + 1, c2 - c1 - 1);
		bool match = *ctrl ? sr_cg_has_word(list, ctrl, ',') :
		    (strncmp(l, "0::", 3) == 0);
		if (!match)
			continue;
		if (ctrls)
			*ctrls = sr_steal_ptr(&list);
		return nl ? sr_xstrndup(c2 + 1, nl - c2 - 1) : sr_xstrdup(c2 + 1);
	}
	return NULL;
}

/* root + path without a doubled or trailing slash. */
char *
sr_cg_join(const char *root, const char *path)
{
	char *r;

	while (*path == '/')
		path++;
	if (!*path)
		return sr_xstrdup(root);
	sr_xasprintf(&r, "%s/%s", root, path);
	while (strlen(r) > 1 && r[strlen(r) - 1] == '/')
		r[strlen(r) - 1] = '\0';
	return r;
}

void
sr_cg_leaf_name(char *buf, size_t len)
{
	static unsigned counter;
	uint32_t rnd;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)(sr_now_ns() ^ (++counter * 0x9e3779b9u));
	snprintf(buf, len, "sandrun-%ld-%08" PRIx32, (long)getpid(), rnd);
}

/* SIGKILL every pid in dir/cgroup.procs until it is empty (or rounds run
 * out).  Returns true when it was seen empty. */
bool
sr_cg_kill_procs(const char *dir, int rounds)
{
	pid_t self = getpid();

	for (int i = 0; i < rounds; i++) {
		_cleanup_free_ char *buf = NULL;
		bool any = false;
		char *p, *end;

		if (sr_cg_read(dir, "cgroup.procs", &buf) < 0)
			return errno == ENOENT;
		for (p = buf; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p) {
				end = p + 1;
				continue;
			}
			if (pid > 1 && pid != self) {
				kill((pid_t)pid, SIGKILL);
				any = true;
			}
		}
		if (!any)
			return true;
		sleep_us(i < 10 ? 200 : 2000);
	}
	return false;
}

/* Files the code writes or the tests prepare; unlinked before rmdir in a
 * fake tree (sr_cgroup_test_seams) only. */
static const char *const fake_files[] = {
	"cgroup.procs", "cgroup.kill", "cgroup.subtree_control",
	"memory.max", "memory.swap.max", "memory.oom.group", "memory.peak",
	"memory.current", "memory.events", "pids.max", "pids.events", "cpu.stat",
	"memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
	"memory.swappiness", "memory.oom_control", "memory.max_usage_in_bytes",
	"memory.failcnt", "cpuacct.usage", "cpuacct.stat", "cpu.max",
	"cpu.cfs_period_us", "cpu.cfs_quota_us", "tasks",
};

/* rmdir, retrying while the last processes are being reaped (EBUSY). */
void
sr_cg_rm_leaf(const char *dir)
{
	if (sr_cg_fake()) {
		char p[PATH_MAX];

		for (size_t i = 0; i < SR_ARRAY_SIZE(fake_files); i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, fake_files[i]);
			unlink(p);
		}
	}
	for (int i = 0; i < 60; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			return;
		if (i == 20)
			sr_cg_kill_procs(dir, 20);
		sleep_us(i < 20 ? 500 : 10000);
	}
}

/* Remove sibling leaves of crashed runs: sandrun-<pid>-<hex> where no
 * process <pid> exists any more.  rmdir fails on a cgroup that still has
 * processes, so a live run elsewhere (another pid namespace) whose
 * sandrun pid we cannot see is only at risk in the instant between its
 * mkdir and its attach; it then fails cleanly with "cannot move pid". */
void
sr_cg_gc_leaves(const char *parent)
{
	DIR *dir;
	struct dirent *e;

	if (sr_cg_fake() || (dir = opendir(parent)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		char *end;
		long pid;

		if (strncmp(e->d_name, "sandrun-", 8) != 0)
			continue;
		pid = strtol(e->d_name + 8, &end, 10);
		if (end == e->d_name + 8 || *end != '-' || pid <= 0 ||
		    pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		(void)unlinkat(dirfd(dir), e->d_name, AT_REMOVEDIR);
	}
	closedir(dir);
}

int
sr_cg_set_u64(const char *dir, const char *file, uint64_t v, bool page)
{
	uint64_t got;
	long ps = sysconf(_SC_PAGESIZE);

	if (sr_cg_write_u64(dir, file, v) < 0 ||
	    sr_cg_read_u64(dir, file, &got) < 0)
		return -1;
	/* Byte limits are rounded down to whole pages by the kernel. */
	if (got == v || (page && got <= v && v - got < (uint64_t)(ps > 0 ? ps : 4096)))
		return 0;
	errno = ERANGE;
	return -1;
}

#define CPU_PERIOD_US 100000

int
sr_cg_set_cpu_max(const char *dir, uint64_t milli)
{
	_cleanup_free_ char *buf = NULL;
	unsigned long long q, per;
	char want[48];

	snprintf(want, sizeof(want), "%" PRIu64 " %d", milli * 100,
	    CPU_PERIOD_US);
	if (sr_cg_write(dir, "cpu.max", want) < 0 ||
	    sr_cg_read(dir, "cpu.max", &buf) < 0)
		return -1;
	if (sscanf(buf, "%llu %llu", &q, &per) != 2 || q != milli * 100 ||
	    per != CPU_PERIOD_US) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

/* Read dir's cgroup.procs: is pid in it, and how many others are?
 * Returns -1 when it cannot be read. */
int
sr_cg_scan_pids(const char *dir, pid_t pid, bool *found, size_t *others)
{
	_cleanup_free_ char *buf = NULL;
	char *p, *end;

	*found = false;
	*others = 0;
	if (sr_cg_read(dir, "cgroup.procs", &buf) < 0)
		return -1;
	for (p = buf; *p; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p) {
			end = p + 1;
			continue;
		}
		if (v == (long)pid)
			*found = true;
		else
			(*others)++;
	}
	return 0;
}

bool
sr_cg_has_pid(const char *dir, pid_t pid)
{
	size_t others;
	bool found;

	return sr_cg_scan_pids(dir, pid, &found, &others) == 0 && found;
}

void
sr_cg_why_add(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	while (n + 1 < len && *s)
		buf[n++] = *s++;
	buf[n] = '\0';
}

/* ---- API ---------------------------------------------------------------- */

/* Our own v2 cgroup directory, or NULL with why filled. */
static char *
own_v2(const char *self, char *why, size_t wl)
{
	_cleanup_free_ char *rel = sr_cg_self_path(self, "", NULL);

	if (!rel) {
		snprintf(why, wl, "cgroup v2: no 0:: line in /proc/self/cgroup");
		return NULL;
	}
	return sr_cg_join(sr_cg_root(), rel);
}

static bool
host_is_v2(void)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/cgroup.controllers", sr_cg_root());
	return access(p, F_OK) == 0;
}

/* A process in a sandrun-supervisor leaf (a cold sandrun, or a server
 * and the workers it forked, sr_cgroup_settle) gives its runs leaves
 * beside it: the cgroup to use is the leaf's parent. */
static void
past_supervisor(char *own)
{
	char *slash = strrchr(own, '/');

	if (slash != NULL && slash != own &&
	    strcmp(slash + 1, SR_CG_SUPERVISOR_LEAF) == 0)
		*slash = '\0';
}

void
sr_cgroup_settle(void)
{
	_cleanup_free_ char *self = NULL, *own = NULL;
	char why[256];

	if (!host_is_v2() || sr_cg_read_self(&self) < 0 ||
	    (own = own_v2(self, why, sizeof(why))) == NULL)
		return;
	past_supervisor(own);
	sr_cg_v2_settle(own);
}

bool
sr_cgroup_after_clone(const char *override)
{
	return override == NULL && !host_is_v2();
}

int
sr_cgroup_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    const char *override, struct sr_limit_report *lim_out, struct sr_diag *d)
{
	_cleanup_free_ char *self = NULL, *own = NULL;
	char why[sizeof(cg->why_none)] = "";

	memset(cg, 0, sizeof(*cg));
	cg->v2_fd = -1;
	if (lim_out) {
		lim_out[SR_LIM_MEMORY].value = l->memory;
		lim_out[SR_LIM_MEMORY].mech = SR_MECH_NONE;
		lim_out[SR_LIM_PROCESSES].value = l->processes;
		lim_out[SR_LIM_PROCESSES].mech = SR_MECH_NONE;
		lim_out[SR_LIM_CPUS].value = l->cpus;
		lim_out[SR_LIM_CPUS].mech = SR_MECH_NONE;
	}
	if (override) {
		if (sr_cg_v2_setup(cg, l, override, false, lim_out, why,
		    sizeof(why)) < 0)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "--cgroup %s: %s", override, why);
		return 0;
	}
	if (sr_cg_read_self(&self) < 0) {
		snprintf(cg->why_none, sizeof(cg->why_none),
		    "cannot read /proc/self/cgroup: %s", strerror(errno));
		return 0;
	}
	if (!host_is_v2())
		return sr_cg_v1_setup(cg, l, lim_out, self);
	if ((own = own_v2(self, why, sizeof(why))) != NULL)
		past_supervisor(own);
	if (own == NULL ||
	    sr_cg_v2_setup(cg, l, own, true, lim_out, why, sizeof(why)) < 0) {
		snprintf(cg->why_none, sizeof(cg->why_none), "%s", why);
		cg->kind = SR_CGROUP_NONE;
	}
	return 0;
}

enum sr_cgroup_case
sr_cgroup_probe(char *why, size_t wl)
{
	_cleanup_free_ char *self = NULL, *own = NULL;

	if (sr_cg_read_self(&self) < 0) {
		snprintf(why, wl, "cannot read /proc/self/cgroup: %s",
		    strerror(errno));
		return SR_CGROUP_CASE_NONE;
	}
	if (host_is_v2()) {
		if ((own = own_v2(self, why, wl)) == NULL)
			return SR_CGROUP_CASE_NONE;
		past_supervisor(own);
		return sr_cg_v2_probe(own, why, wl);
	}
	own = sr_cg_self_path(self, "memory", NULL);
	if (geteuid() == 0 && own) {
		snprintf(why, wl, "cgroup v1 controllers, used as root");
		return SR_CGROUP_CASE_V1;
	}
	snprintf(why, wl, "cgroup v1 controllers need root; rlimits apply");
	return SR_CGROUP_CASE_NONE;
}

int
sr_cgroup_attach(struct sr_cgroup *cg, pid_t pid, struct sr_diag *d)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if (cg->kind == SR_CGROUP_V2) {
		if (sr_cg_write(cg->v2_path, "cgroup.procs", buf) < 0)
			return sr_diag_errno(d, "cannot move pid %ld into %s",
			    (long)pid, cg->v2_path);
	} else if (cg->kind == SR_CGROUP_V1) {
		for (size_t i = 0; i < SR_CG_V1_N; i++) {
			const char *dir = *sr_cg_v1_slot(cg, i);

			if (dir && sr_cg_write(dir, "cgroup.procs", buf) < 0)
				return sr_diag_errno(d, "cannot move pid %ld into %s",
				    (long)pid, dir);
		}
	}
	return 0;
}

int
sr_cgroup_confirm(struct sr_cgroup *cg, pid_t pid, struct sr_diag *d)
{
	if (cg->kind == SR_CGROUP_V2) {
		if (!sr_cg_has_pid(cg->v2_path, pid))
			return sr_diag_set(d, "pid %ld is not in %s after joining "
			    "it", (long)pid, cg->v2_path);
	} else if (cg->kind == SR_CGROUP_V1) {
		for (size_t i = 0; i < SR_CG_V1_N; i++) {
			const char *dir = *sr_cg_v1_slot(cg, i);

			if (dir && !sr_cg_has_pid(dir, pid))
				return sr_diag_set(d, "pid %ld is not in %s "
				    "after joining it", (long)pid, dir);
		}
	}
	return 0;
}

/* The counters (all) or only the events a limit shows in (sr_cgroup_events). */
static int
read_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st, bool all)
{
	memset(st, 0, sizeof(*st));
	if (cg->kind == SR_CGROUP_V2)
		return sr_cg_v2_stats(cg, st, all);
	if (cg->kind == SR_CGROUP_V1)
		return sr_cg_v1_stats(cg, st, all);
	errno = ENOENT;
	return -1;
}

int
sr_cgroup_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st)
{
	return read_stats(cg, st, true);
}

int
sr_cgroup_events(struct sr_cgroup *cg, struct sr_cgroup_stats *st)
{
	return read_stats(cg, st, false);
}

int
sr_cgroup_cpu_usage(struct sr_cgroup *cg, uint64_t *us)
{
	uint64_t v;

	if (!cg->cpu)
		return -1;
	if (cg->kind == SR_CGROUP_V2 && cg->v2_path &&
	    sr_cg_read_key(cg->v2_path, "cpu.stat", "usage_usec", &v) == 0) {
		*us = v;
		return 0;
	}
	if (cg->kind == SR_CGROUP_V1 && cg->v1_cpuacct &&
	    sr_cg_read_u64(cg->v1_cpuacct, "cpuacct.usage", &v) == 0) {
		*us = v / 1000;
		return 0;
	}
	return -1;
}

void
sr_cgroup_kill(struct sr_cgroup *cg)
{
	if (cg->kind == SR_CGROUP_V2 && cg->v2_path) {
		if (sr_cg_write(cg->v2_path, "cgroup.kill", "1") < 0)
			sr_cg_kill_procs(cg->v2_path, 100);	/* kernel < 5.14 */
	} else if (cg->kind == SR_CGROUP_V1) {
		for (size_t i = 0; i < SR_CG_V1_N; i++) {
			const char *dir = *sr_cg_v1_slot(cg, i);

			if (dir)
				sr_cg_kill_procs(dir, 100);
		}
	}
}

void
sr_cgroup_destroy(struct sr_cgroup *cg)
{
	if (cg->stat_open)
		for (int i = 0; i < SR_CG_STAT_N; i++)
			if (cg->stat_fd[i] >= 0)
				close(cg->stat_fd[i]);
	cg->stat_open = false;
	if (cg->v2_path) {
		if (cg->v2_fd >= 0)
			close(cg->v2_fd);
		cg->v2_fd = -1;
		sr_cg_rm_leaf(cg->v2_path);
		free(cg->v2_path);
		cg->v2_path = NULL;
	}
	for (size_t i = 0; i < SR_CG_V1_N; i++) {
		char **s = sr_cg_v1_slot(cg, i);

		if (*s) {
			sr_cg_rm_leaf(*s);
			free(*s);
			*s = NULL;
		}
	}
	/* sandrun-supervisor holds us: it stays until our scope goes. */
	free(cg->v2_supervisor);
	cg->v2_supervisor = NULL;
	cg->memory = cg->pids = cg->cpu = false;
	cg->kind = SR_CGROUP_NONE;
}
