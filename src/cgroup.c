/* cgroup.c - per-run control group: limits, accounting, kill, cleanup.
 *
 * v2: the run gets a leaf `sandrun-<pid>-<hex>` under our own cgroup (only
 * when its subtree_control has, or can get, memory+pids: in practice the
 * root cgroup or a delegated empty directory) or under --cgroup PATH.
 * v1: one leaf per controller (memory, pids, cpuacct) under our own path
 * in each hierarchy; normally root only.
 *
 * Test hooks (for tests/unit/test_cgroup.c only, not user options):
 *   SANDRUN_CGROUP_ROOT  replaces /sys/fs/cgroup; files are then created
 *                        on write (a fake tree has no kernel behind it) and
 *                        destroy unlinks the files it knows before rmdir.
 *   SANDRUN_CGROUP_SELF  replaces the content of /proc/self/cgroup.
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
#include "util.h"

#define CG_READ_MAX (1u << 20)

static const char *
cg_root(void)
{
	const char *r = getenv("SANDRUN_CGROUP_ROOT");

	return r && *r ? r : "/sys/fs/cgroup";
}

static bool
cg_fake(void)
{
	const char *r = getenv("SANDRUN_CGROUP_ROOT");

	return r && *r;
}

static void
cg_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Write val to dir/file.  0, or -1 with errno. */
static int
cg_write(const char *dir, const char *file, const char *val)
{
	char p[PATH_MAX];
	int fd, flags = O_WRONLY | O_CLOEXEC, err;
	size_t len = strlen(val);
	ssize_t n;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (cg_fake())
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

static int
cg_write_u64(const char *dir, const char *file, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cg_write(dir, file, buf);
}

/* Read dir/file (dir may be NULL: file is then a full path) into a new
 * NUL-terminated buffer.  0, or -1 with errno. */
static int
cg_read(const char *dir, const char *file, char **out)
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

static int
cg_read_u64(const char *dir, const char *file, uint64_t *v)
{
	_cleanup_free_ char *buf = NULL;

	if (cg_read(dir, file, &buf) < 0)
		return -1;
	if (parse_u64(buf, v) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Find "key N" at the start of a line of dir/file. */
static int
cg_read_key(const char *dir, const char *file, const char *key, uint64_t *v)
{
	_cleanup_free_ char *buf = NULL;
	size_t kl = strlen(key);
	const char *l;

	if (cg_read(dir, file, &buf) < 0)
		return -1;
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

/* Does the space-separated list contain word? */
static bool
has_word(const char *list, const char *word, char sep)
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

static int
read_self(char **out)
{
	const char *s = getenv("SANDRUN_CGROUP_SELF");

	if (s) {
		*out = sr_xstrdup(s);
		return 0;
	}
	return cg_read(NULL, "/proc/self/cgroup", out);
}

/* From /proc/self/cgroup content, the path of the hierarchy whose
 * controller list contains ctrl ("" for the v2 line "0::").  New string
 * or NULL; *ctrls gets the whole controller list (v1) when non-NULL. */
static char *
self_path(const char *self, const char *ctrl, char **ctrls)
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
		bool match = *ctrl ? has_word(list, ctrl, ',') :
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
static char *
join(const char *root, const char *path)
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

static void
leaf_name(char *buf, size_t len)
{
	static unsigned counter;
	uint32_t rnd;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)(sr_now_ns() ^ (++counter * 0x9e3779b9u));
	snprintf(buf, len, "sandrun-%ld-%08" PRIx32, (long)getpid(), rnd);
}

/* SIGKILL every pid in dir/cgroup.procs until it is empty (or rounds run
 * out).  Returns true when it was seen empty. */
static bool
kill_procs(const char *dir, int rounds)
{
	pid_t self = getpid();

	for (int i = 0; i < rounds; i++) {
		_cleanup_free_ char *buf = NULL;
		bool any = false;
		char *p, *end;

		if (cg_read(dir, "cgroup.procs", &buf) < 0)
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
		cg_sleep_us(i < 10 ? 200 : 2000);
	}
	return false;
}

/* Files the code writes or the tests prepare; unlinked before rmdir in a
 * fake tree (SANDRUN_CGROUP_ROOT) only. */
static const char *const fake_files[] = {
	"cgroup.procs", "cgroup.kill", "cgroup.subtree_control",
	"memory.max", "memory.swap.max", "memory.oom.group", "memory.peak",
	"memory.current", "memory.events", "pids.max", "pids.events", "cpu.stat",
	"memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
	"memory.swappiness", "memory.oom_control", "memory.max_usage_in_bytes",
	"memory.failcnt", "cpuacct.usage", "cpuacct.stat",
};

/* rmdir, retrying while the last processes are being reaped (EBUSY). */
static void
rm_leaf(const char *dir)
{
	if (cg_fake()) {
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
			kill_procs(dir, 20);
		cg_sleep_us(i < 20 ? 500 : 10000);
	}
}

/* Remove sibling leaves of crashed runs: sandrun-<pid>-<hex> where no
 * process <pid> exists any more.  rmdir fails on a cgroup that still has
 * processes, so a live run elsewhere (another pid namespace) whose
 * sandrun pid we cannot see is only at risk in the instant between its
 * mkdir and its attach; it then fails cleanly with "cannot move pid". */
static void
gc_leaves(const char *parent)
{
	DIR *dir;
	struct dirent *e;

	if (cg_fake() || (dir = opendir(parent)) == NULL)
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

/* ---- v2 ----------------------------------------------------------------- */

static bool
is_v2_dir(const char *path)
{
	struct statfs sf;
	char p[PATH_MAX];

	if (cg_fake()) {
		snprintf(p, sizeof(p), "%s/cgroup.controllers", path);
		return access(p, F_OK) == 0;
	}
	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Make parent usable for a leaf with memory and pids.  0, or -1 with why
 * filled (the caller puts it in why_none or a diag). */
static int
v2_prepare_parent(const char *parent, bool own, char *why, size_t wl)
{
	_cleanup_free_ char *ctl = NULL, *sub = NULL;
	struct stat stt;
	int err;

	errno = 0;
	if (stat(parent, &stt) < 0 || !S_ISDIR(stt.st_mode)) {
		snprintf(why, wl, "cgroup v2: %s: %s", parent,
		    errno ? strerror(errno) : "not a directory");
		return -1;
	}
	if (!is_v2_dir(parent)) {
		snprintf(why, wl, "cgroup v2: %s is not a cgroup v2 directory",
		    parent);
		return -1;
	}
	if (access(parent, W_OK) < 0) {
		snprintf(why, wl,
		    "cgroup v2: %s is not writable by uid %ld (delegate a "
		    "subtree to this user, see docs/cgroups.md)", parent,
		    (long)geteuid());
		return -1;
	}
	if (cg_read(parent, "cgroup.controllers", &ctl) < 0) {
		snprintf(why, wl, "cgroup v2: cannot read %s/cgroup.controllers: %s",
		    parent, strerror(errno));
		return -1;
	}
	if (!has_word(ctl, "memory", ' ') || !has_word(ctl, "pids", ' ')) {
		ctl[strcspn(ctl, "\n")] = '\0';
		snprintf(why, wl,
		    "cgroup v2: the memory and pids controllers are not both "
		    "available in %s (cgroup.controllers: \"%s\"); the parent "
		    "must enable them in its cgroup.subtree_control", parent, ctl);
		return -1;
	}
	if (cg_read(parent, "cgroup.subtree_control", &sub) == 0 &&
	    has_word(sub, "memory", ' ') && has_word(sub, "pids", ' '))
		return 0;
	if (has_word(ctl, "cpu", ' ') &&
	    cg_write(parent, "cgroup.subtree_control", "+memory +pids +cpu") == 0)
		return 0;
	if (cg_write(parent, "cgroup.subtree_control", "+memory +pids") == 0)
		return 0;
	err = errno;
	if (err == EBUSY && own)
		snprintf(why, wl,
		    "cgroup v2: %s has processes and no delegated subtree; run "
		    "under systemd-run --user --scope -p Delegate=yes and pass "
		    "--cgroup (recipe in docs/cgroups.md)", parent);
	else if (err == EBUSY)
		snprintf(why, wl,
		    "cgroup v2: cannot enable memory and pids in "
		    "%s/cgroup.subtree_control: it has processes of its own; "
		    "pass an empty delegated directory", parent);
	else
		snprintf(why, wl,
		    "cgroup v2: cannot enable memory and pids in "
		    "%s/cgroup.subtree_control: %s", parent, strerror(err));
	return -1;
}

static int
v2_create(struct sr_cgroup *cg, const struct sr_limits *l, const char *parent,
    struct sr_limit_report *lim_out, char *why, size_t wl)
{
	char name[64];
	char *leaf = NULL;
	int i;

	for (i = 0; i < 8; i++) {
		leaf_name(name, sizeof(name));
		free(leaf);
		leaf = join(parent, name);
		if (mkdir(leaf, 0755) == 0)
			break;
		if (errno != EEXIST) {
			snprintf(why, wl, "cgroup v2: cannot create %s: %s", leaf,
			    strerror(errno));
			free(leaf);
			return -1;
		}
	}
	if (i == 8) {
		snprintf(why, wl, "cgroup v2: cannot find a free name under %s",
		    parent);
		free(leaf);
		return -1;
	}
	gc_leaves(parent);
	cg->kind = SR_CGROUP_V2;
	cg->v2_path = leaf;
	cg->v2_fd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (l->memory != SR_UNLIMITED &&
	    cg_write_u64(leaf, "memory.max", l->memory) == 0) {
		cg->memory = true;
		if (lim_out)
			lim_out[SR_LIM_MEMORY].mech = SR_MECH_CGROUP2;
	}
	/* No swap accounting (ENOENT) or no swap: RAM is still limited. */
	(void)cg_write(leaf, "memory.swap.max", "0");
	(void)cg_write(leaf, "memory.oom.group", "1");
	if (l->processes != SR_UNLIMITED &&
	    cg_write_u64(leaf, "pids.max", l->processes) == 0) {
		cg->pids = true;
		if (lim_out)
			lim_out[SR_LIM_PROCESSES].mech = SR_MECH_CGROUP2;
	}
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/cpu.stat", leaf);
		cg->cpu = cg_fake() || access(p, R_OK) == 0;
	}
	if (cg->cpu && l->cpu_ms != SR_UNLIMITED && lim_out)
		lim_out[SR_LIM_CPU].mech = SR_MECH_CGROUP2;
	return 0;
}

/* ---- v1 ----------------------------------------------------------------- */

/* Append s to buf (truncating). */
static void
why_add(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	while (n + 1 < len && *s)
		buf[n++] = *s++;
	buf[n] = '\0';
}

static const char *const v1_ctrls[] = { "memory", "pids", "cpuacct" };

static char **
v1_slot(struct sr_cgroup *cg, size_t i)
{
	return i == 0 ? &cg->v1_memory : i == 1 ? &cg->v1_pids : &cg->v1_cpuacct;
}

static int
v1_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    struct sr_limit_report *lim_out, const char *self)
{
	const char *root = cg_root();
	char *parents[3] = { NULL, NULL, NULL };
	char why[3][160] = { "", "", "" };
	char name[64];
	size_t i;
	int attempt;

	for (i = 0; i < 3; i++) {
		_cleanup_free_ char *ctrls = NULL, *path = NULL, *mnt = NULL;
		struct stat stt;

		path = self_path(self, v1_ctrls[i], &ctrls);
		if (!path) {
			snprintf(why[i], sizeof(why[i]), "no %s hierarchy",
			    v1_ctrls[i]);
			continue;
		}
		mnt = join(root, v1_ctrls[i]);
		if (stat(mnt, &stt) < 0) {
			free(mnt);
			mnt = join(root, ctrls);	/* e.g. "cpu,cpuacct" */
		}
		parents[i] = join(mnt, path);
		if (access(parents[i], W_OK) < 0) {
			snprintf(why[i], sizeof(why[i]), "%s not writable by uid %ld",
			    parents[i], (long)geteuid());
			free(parents[i]);
			parents[i] = NULL;
		}
	}
	for (attempt = 0; attempt < 8; attempt++) {
		bool clash = false;

		leaf_name(name, sizeof(name));
		for (i = 0; i < 3 && !clash; i++) {
			if (!parents[i])
				continue;
			char *leaf = join(parents[i], name);

			if (attempt == 0)
				gc_leaves(parents[i]);
			if (mkdir(leaf, 0755) == 0) {
				*v1_slot(cg, i) = leaf;
				continue;
			}
			if (errno == EEXIST)
				clash = true;
			else
				snprintf(why[i], sizeof(why[i]),
				    "cannot create %s: %s", leaf, strerror(errno));
			free(leaf);
		}
		if (!clash)
			break;
		for (i = 0; i < 3; i++) {
			char **s = v1_slot(cg, i);

			if (*s) {
				rmdir(*s);
				free(*s);
				*s = NULL;
			}
		}
	}
	for (i = 0; i < 3; i++)
		free(parents[i]);

	if (!cg->v1_memory && !cg->v1_pids) {
		if (cg->v1_cpuacct) {
			rmdir(cg->v1_cpuacct);
			free(cg->v1_cpuacct);
			cg->v1_cpuacct = NULL;
		}
		why_add(cg->why_none, sizeof(cg->why_none), "cgroup v1: memory: ");
		why_add(cg->why_none, sizeof(cg->why_none), why[0][0] ? why[0] : "failed");
		why_add(cg->why_none, sizeof(cg->why_none), "; pids: ");
		why_add(cg->why_none, sizeof(cg->why_none), why[1][0] ? why[1] : "failed");
		why_add(cg->why_none, sizeof(cg->why_none), " (cgroup v1 needs root)");
		return 0;
	}
	cg->kind = SR_CGROUP_V1;
	if (cg->v1_memory) {
		const char *m = cg->v1_memory;

		(void)cg_write(m, "memory.swappiness", "0");
		(void)cg_write(m, "memory.oom_control", "0");	/* OOM killer on */
		if (l->memory != SR_UNLIMITED &&
		    cg_write_u64(m, "memory.limit_in_bytes", l->memory) == 0) {
			/* memsw >= limit; absent without swap accounting. */
			(void)cg_write_u64(m, "memory.memsw.limit_in_bytes",
			    l->memory);
			cg->memory = true;
			if (lim_out)
				lim_out[SR_LIM_MEMORY].mech = SR_MECH_CGROUP1;
		}
	}
	if (cg->v1_pids && l->processes != SR_UNLIMITED &&
	    cg_write_u64(cg->v1_pids, "pids.max", l->processes) == 0) {
		cg->pids = true;
		if (lim_out)
			lim_out[SR_LIM_PROCESSES].mech = SR_MECH_CGROUP1;
	}
	cg->cpu = cg->v1_cpuacct != NULL;
	if (cg->cpu && l->cpu_ms != SR_UNLIMITED && lim_out)
		lim_out[SR_LIM_CPU].mech = SR_MECH_CGROUP1;
	return 0;
}

/* ---- API ---------------------------------------------------------------- */

int
sr_cgroup_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    const char *override, struct sr_limit_report *lim_out, struct sr_diag *d)
{
	_cleanup_free_ char *self = NULL, *own = NULL, *v2own = NULL;
	char why[sizeof(cg->why_none)];
	char p[PATH_MAX];
	const char *root = cg_root();

	memset(cg, 0, sizeof(*cg));
	cg->v2_fd = -1;
	if (lim_out) {
		lim_out[SR_LIM_MEMORY].value = l->memory;
		lim_out[SR_LIM_MEMORY].mech = SR_MECH_NONE;
		lim_out[SR_LIM_PROCESSES].value = l->processes;
		lim_out[SR_LIM_PROCESSES].mech = SR_MECH_NONE;
	}

	if (override) {
		if (v2_prepare_parent(override, false, why, sizeof(why)) < 0 ||
		    v2_create(cg, l, override, lim_out, why, sizeof(why)) < 0)
			return sr_diag_kind(d, SR_DIAG_USAGE,
			    "--cgroup %s: %s", override, why);
		return 0;
	}

	if (read_self(&self) < 0) {
		snprintf(cg->why_none, sizeof(cg->why_none),
		    "cannot read /proc/self/cgroup: %s", strerror(errno));
		return 0;
	}
	snprintf(p, sizeof(p), "%s/cgroup.controllers", root);
	if (access(p, F_OK) == 0) {
		v2own = self_path(self, "", NULL);
		if (!v2own) {
			snprintf(cg->why_none, sizeof(cg->why_none),
			    "cgroup v2: no 0:: line in /proc/self/cgroup");
			return 0;
		}
		own = join(root, v2own);
		if (v2_prepare_parent(own, true, why, sizeof(why)) < 0 ||
		    v2_create(cg, l, own, lim_out, why, sizeof(why)) < 0) {
			snprintf(cg->why_none, sizeof(cg->why_none), "%s", why);
			cg->kind = SR_CGROUP_NONE;
		}
		return 0;
	}
	return v1_setup(cg, l, lim_out, self);
}

int
sr_cgroup_attach(struct sr_cgroup *cg, pid_t pid, struct sr_diag *d)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if (cg->kind == SR_CGROUP_V2) {
		if (cg_write(cg->v2_path, "cgroup.procs", buf) < 0)
			return sr_diag_errno(d, "cannot move pid %ld into %s",
			    (long)pid, cg->v2_path);
	} else if (cg->kind == SR_CGROUP_V1) {
		for (size_t i = 0; i < 3; i++) {
			const char *dir = *v1_slot(cg, i);

			if (dir && cg_write(dir, "cgroup.procs", buf) < 0)
				return sr_diag_errno(d, "cannot move pid %ld into %s",
				    (long)pid, dir);
		}
	}
	return 0;
}

int
sr_cgroup_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st)
{
	uint64_t v;

	memset(st, 0, sizeof(*st));
	if (cg->kind == SR_CGROUP_V2) {
		const char *dir = cg->v2_path;

		if (cg_read_u64(dir, "memory.peak", &v) == 0) {
			st->memory_peak = v;
			st->have_peak = true;
		} else if (cg_read_u64(dir, "memory.current", &v) == 0) {
			st->memory_peak = v;	/* lower bound (kernel < 5.19) */
		}
		if (cg_read_key(dir, "memory.events", "oom_kill", &v) == 0 && v > 0)
			st->oom_killed = true;
		if (cg_read_key(dir, "pids.events", "max", &v) == 0 && v > 0)
			st->pids_limit_hit = true;
		if (cg_read_key(dir, "cpu.stat", "usage_usec", &v) == 0) {
			st->cpu_usage_us = v;
			st->have_cpu = true;
		}
		if (cg_read_key(dir, "cpu.stat", "user_usec", &v) == 0) {
			st->cpu_user_us = v;
			if (cg_read_key(dir, "cpu.stat", "system_usec", &v) == 0) {
				st->cpu_sys_us = v;
				st->have_cpu_split = true;
			}
		}
		return 0;
	}
	if (cg->kind == SR_CGROUP_V1) {
		if (cg->v1_memory) {
			const char *m = cg->v1_memory;

			if (cg_read_u64(m, "memory.max_usage_in_bytes", &v) == 0) {
				st->memory_peak = v;
				st->have_peak = true;
			}
			if (cg_read_key(m, "memory.oom_control", "oom_kill", &v) == 0)
				st->oom_killed = v > 0;
			else if (errno == ENOENT &&
			    cg_read_u64(m, "memory.failcnt", &v) == 0)
				st->oom_killed = v > 0;	/* kernel < 4.13 */
		}
		if (cg->v1_pids &&
		    cg_read_key(cg->v1_pids, "pids.events", "max", &v) == 0 && v > 0)
			st->pids_limit_hit = true;
		if (cg->v1_cpuacct &&
		    cg_read_u64(cg->v1_cpuacct, "cpuacct.usage", &v) == 0) {
			st->cpu_usage_us = v / 1000;
			st->have_cpu = true;
		}
		/* cpuacct.stat: user and system in USER_HZ ticks. */
		if (cg->v1_cpuacct &&
		    cg_read_key(cg->v1_cpuacct, "cpuacct.stat", "user", &v) == 0) {
			long hz = sysconf(_SC_CLK_TCK);

			if (hz <= 0)
				hz = 100;
			st->cpu_user_us = v * (1000000 / (uint64_t)hz);
			if (cg_read_key(cg->v1_cpuacct, "cpuacct.stat", "system",
			    &v) == 0) {
				st->cpu_sys_us = v * (1000000 / (uint64_t)hz);
				st->have_cpu_split = true;
			}
		}
		return 0;
	}
	errno = ENOENT;
	return -1;
}

int
sr_cgroup_cpu_usage(struct sr_cgroup *cg, uint64_t *us)
{
	uint64_t v;

	if (!cg->cpu)
		return -1;
	if (cg->kind == SR_CGROUP_V2 && cg->v2_path &&
	    cg_read_key(cg->v2_path, "cpu.stat", "usage_usec", &v) == 0) {
		*us = v;
		return 0;
	}
	if (cg->kind == SR_CGROUP_V1 && cg->v1_cpuacct &&
	    cg_read_u64(cg->v1_cpuacct, "cpuacct.usage", &v) == 0) {
		*us = v / 1000;
		return 0;
	}
	return -1;
}

void
sr_cgroup_kill(struct sr_cgroup *cg)
{
	if (cg->kind == SR_CGROUP_V2 && cg->v2_path) {
		if (cg_write(cg->v2_path, "cgroup.kill", "1") < 0)
			kill_procs(cg->v2_path, 100);	/* kernel < 5.14 */
	} else if (cg->kind == SR_CGROUP_V1) {
		for (size_t i = 0; i < 3; i++) {
			const char *dir = *v1_slot(cg, i);

			if (dir)
				kill_procs(dir, 100);
		}
	}
}

void
sr_cgroup_destroy(struct sr_cgroup *cg)
{
	if (cg->v2_path) {
		if (cg->v2_fd >= 0)
			close(cg->v2_fd);
		cg->v2_fd = -1;
		rm_leaf(cg->v2_path);
		free(cg->v2_path);
		cg->v2_path = NULL;
	}
	for (size_t i = 0; i < 3; i++) {
		char **s = v1_slot(cg, i);

		if (*s) {
			rm_leaf(*s);
			free(*s);
			*s = NULL;
		}
	}
	cg->memory = cg->pids = cg->cpu = false;
	cg->kind = SR_CGROUP_NONE;
}
