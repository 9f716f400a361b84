/* cgroup_v2.c - the run's cgroup on the unified hierarchy.
 *
 * The kernel allows controllers to be enabled for a cgroup's children
 * only when the cgroup itself has no processes (the root excepted), and
 * systemd leaves a unit's subtree alone only when it is delegated to it
 * (Delegate=yes).  So: sandrun uses its own cgroup when root (a subtree
 * of its own unit) or when systemd delegated that cgroup to the user
 * (`systemd-run --user --scope -p Delegate=yes sandrun ...`).  When that
 * cgroup has processes (ours), sandrun moves itself into the leaf
 * `sandrun-supervisor`, enables memory, pids (and cpu when offered) in
 * cgroup.subtree_control, and gives each run a leaf of its own beside it.
 * This is what crun and podman do with a delegated scope.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup_int.h"
#include "util.h"

#define DELEGATE_HINT \
	"run sandrun under `systemd-run --user --scope -p Delegate=yes " \
	"sandrun ...` to get one"

static bool
is_v2_dir(const char *path)
{
	struct statfs sf;
	char p[PATH_MAX];

	if (sr_cg_fake()) {
		snprintf(p, sizeof(p), "%s/cgroup.controllers", path);
		return access(p, F_OK) == 0;
	}
	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static bool
writable(const char *dir, const char *file)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return access(p, W_OK) == 0;
}

/* May a user treat its writable cgroup dir as delegated?  systemd marks
 * delegated cgroups with the xattr trusted.delegate (system manager) or,
 * in newer releases, user.delegate; a user manager of systemd 252 marks
 * nothing, and there a cgroup the user may write was made by the user's
 * own manager or delegated to it.  So: refuse only a cgroup whose mark
 * says it is not delegated. */
static bool
delegated(const char *dir)
{
	char v[8];
	ssize_t n;

	if (sr_cg_fake())
		return true;
	n = getxattr(dir, "user.delegate", v, sizeof(v));
	if (n < 0)
		n = getxattr(dir, "trusted.delegate", v, sizeof(v));
	return n < 0 || (n == 1 && v[0] == '1');
}

/* Is parent a v2 cgroup we may use, offering memory and pids?  0, or -1
 * with why filled.  own: parent is our own cgroup (not --cgroup). */
static int
check_parent(const char *parent, bool own, char *why, size_t wl)
{
	_cleanup_free_ char *ctl = NULL;
	struct stat st;

	errno = 0;
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, wl, "cgroup v2: %s: %s", parent,
		    errno ? strerror(errno) : "not a directory");
		return -1;
	}
	if (!is_v2_dir(parent)) {
		snprintf(why, wl, "cgroup v2: %s is not a cgroup v2 directory",
		    parent);
		return -1;
	}
	if (!own && access(parent, W_OK) < 0) {
		snprintf(why, wl, "cgroup v2: %s is not writable by uid %ld "
		    "(delegate it to this user, see docs/cgroups.md)", parent,
		    (long)geteuid());
		return -1;
	}
	if (own && (access(parent, W_OK) < 0 ||
	    !writable(parent, "cgroup.procs") ||
	    (geteuid() != 0 && !delegated(parent)))) {
		snprintf(why, wl, "cgroup v2: %s is not delegated to uid %ld; "
		    "%s", parent, (long)geteuid(), DELEGATE_HINT);
		return -1;
	}
	if (sr_cg_read(parent, "cgroup.controllers", &ctl) < 0) {
		snprintf(why, wl, "cgroup v2: cannot read %s/cgroup.controllers: "
		    "%s", parent, strerror(errno));
		return -1;
	}
	if (!sr_cg_has_word(ctl, "memory", ' ') ||
	    !sr_cg_has_word(ctl, "pids", ' ')) {
		ctl[strcspn(ctl, "\n")] = '\0';
		snprintf(why, wl, "cgroup v2: the memory and pids controllers are "
		    "not both available in %s (cgroup.controllers: \"%s\"); its "
		    "parent must enable them", parent, ctl);
		return -1;
	}
	return 0;
}

/* Enable memory and pids (and cpu when offered) for parent's children. */
static int
enable(const char *parent)
{
	_cleanup_free_ char *ctl = NULL, *sub = NULL;

	if (sr_cg_read(parent, "cgroup.subtree_control", &sub) == 0 &&
	    sr_cg_has_word(sub, "memory", ' ') && sr_cg_has_word(sub, "pids", ' ')) {
		/* cpu too when it can be had (cpu.max); not required */
		if (!sr_cg_has_word(sub, "cpu", ' ') &&
		    sr_cg_read(parent, "cgroup.controllers", &ctl) == 0 &&
		    sr_cg_has_word(ctl, "cpu", ' '))
			(void)sr_cg_write(parent, "cgroup.subtree_control", "+cpu");
		return 0;
	}
	if (sr_cg_read(parent, "cgroup.controllers", &ctl) == 0 &&
	    sr_cg_has_word(ctl, "cpu", ' ') &&
	    sr_cg_write(parent, "cgroup.subtree_control", "+memory +pids +cpu") == 0)
		return 0;
	if (errno == EBUSY)
		return -1;
	return sr_cg_write(parent, "cgroup.subtree_control", "+memory +pids");
}

/* Move this process into parent/sandrun-supervisor, so parent has no
 * processes of ours left.  0, or -1 with errno. */
static int
move_self(struct sr_cgroup *cg, const char *parent)
{
	char *leaf = sr_cg_join(parent, SR_CG_SUPERVISOR_LEAF);

	if ((mkdir(leaf, 0755) < 0 && errno != EEXIST) ||
	    sr_cg_write(leaf, "cgroup.procs", "0") < 0) {
		int e = errno;

		free(leaf);
		errno = e;
		return -1;
	}
	cg->v2_supervisor = leaf;
	return 0;
}

/* Are we the only process in dir (or is it empty)? */
static bool
only_us(const char *dir)
{
	size_t others;
	bool found;

	return sr_cg_scan_pids(dir, getpid(), &found, &others) == 0 &&
	    others == 0;
}

/* Root whose own cgroup is shared with other processes (a shell, a test
 * runner, a non-delegated unit): the sandrun-owned subtree
 * /sys/fs/cgroup/sandrun, which holds no processes, only run leaves. */
static char *
root_subtree(char *why, size_t wl)
{
	char *p = sr_cg_join(sr_cg_root(), "sandrun");

	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		snprintf(why, wl, "cgroup v2: cannot create %s: %s", p,
		    strerror(errno));
		free(p);
		return NULL;
	}
	if (check_parent(p, false, why, wl) < 0)
		goto fail;
	if (enable(p) < 0) {
		snprintf(why, wl, "cgroup v2: cannot enable memory and pids in "
		    "%s/cgroup.subtree_control: %s", p, strerror(errno));
		goto fail;
	}
	return p;
fail:
	free(p);
	return NULL;
}

/* The parent of the run's leaf (a new string), or NULL with why filled.
 * own: parent is our own cgroup, which we may reorganise. */
static char *
prepare_parent(struct sr_cgroup *cg, const char *parent, bool own, char *why,
    size_t wl)
{
	if (check_parent(parent, own, why, wl) < 0)
		return NULL;
	if (enable(parent) == 0)
		return sr_xstrdup(parent);
	if (errno == EBUSY && own && only_us(parent)) {
		if (move_self(cg, parent) < 0) {
			snprintf(why, wl, "cgroup v2: cannot move sandrun into "
			    "%s/%s: %s", parent, SR_CG_SUPERVISOR_LEAF, strerror(errno));
			return NULL;
		}
		if (enable(parent) == 0)
			return sr_xstrdup(parent);
	}
	if (errno == EBUSY && own && geteuid() == 0)
		return root_subtree(why, wl);
	if (errno == EBUSY && own)
		snprintf(why, wl, "cgroup v2: %s is delegated but other "
		    "processes share it; start sandrun as the scope's own "
		    "command (systemd-run --user --scope -p Delegate=yes "
		    "sandrun ...)", parent);
	else if (errno == EBUSY)
		snprintf(why, wl, "cgroup v2: cannot enable memory and pids in "
		    "%s/cgroup.subtree_control: it has processes of its own; "
		    "pass an empty delegated directory", parent);
	else
		snprintf(why, wl, "cgroup v2: cannot enable memory and pids in "
		    "%s/cgroup.subtree_control: %s", parent, strerror(errno));
	return NULL;
}

/* The limits, each written and read back; only what the kernel kept is
 * claimed. */
static void
apply_limits(struct sr_cgroup *cg, const struct sr_limits *l,
    struct sr_limit_report *lim_out)
{
	const char *leaf = cg->v2_path;
	char p[PATH_MAX];

	if (l->memory != SR_UNLIMITED &&
	    sr_cg_set_u64(leaf, "memory.max", l->memory, true) == 0) {
		cg->memory = true;
		if (lim_out)
			lim_out[SR_LIM_MEMORY].mech = SR_MECH_CGROUP2;
	}
	/* No swap accounting (ENOENT) or no swap: RAM is still limited. */
	(void)sr_cg_set_u64(leaf, "memory.swap.max", 0, false);
	(void)sr_cg_set_u64(leaf, "memory.oom.group", 1, false);
	if (l->processes != SR_UNLIMITED &&
	    sr_cg_set_u64(leaf, "pids.max", l->processes, false) == 0) {
		cg->pids = true;
		if (lim_out)
			lim_out[SR_LIM_PROCESSES].mech = SR_MECH_CGROUP2;
	}
	/* usage_usec of cpu.stat exists without the cpu controller. */
	snprintf(p, sizeof(p), "%s/cpu.stat", leaf);
	cg->cpu = sr_cg_fake() || access(p, R_OK) == 0;
	if (cg->cpu && l->cpu_ms != SR_UNLIMITED && lim_out)
		lim_out[SR_LIM_CPU].mech = SR_MECH_CGROUP2;
	/* cpu.max exists only where the cpu controller is enabled */
	if (l->cpus != SR_UNLIMITED && sr_cg_set_cpu_max(leaf, l->cpus) == 0 &&
	    lim_out)
		lim_out[SR_LIM_CPUS].mech = SR_MECH_CGROUP2;
}

void
sr_cg_v2_settle(const char *own)
{
	struct sr_cgroup cg;
	char why[256];

	memset(&cg, 0, sizeof(cg));
	if (check_parent(own, true, why, sizeof(why)) < 0 ||
	    enable(own) == 0 || errno != EBUSY || !only_us(own))
		return;
	if (move_self(&cg, own) == 0)
		(void)enable(own);
	free(cg.v2_supervisor);
}

int
sr_cg_v2_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    const char *parent, bool own, struct sr_limit_report *lim_out, char *why,
    size_t wl)
{
	_cleanup_free_ char *dir = NULL;
	char name[64];
	char *leaf = NULL;
	int i;

	if ((dir = prepare_parent(cg, parent, own, why, wl)) == NULL)
		return -1;
	parent = dir;
	for (i = 0; i < 8; i++) {
		sr_cg_leaf_name(name, sizeof(name));
		free(leaf);
		leaf = sr_cg_join(parent, name);
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
	sr_cg_gc_leaves(parent);
	cg->kind = SR_CGROUP_V2;
	cg->v2_path = leaf;
	cg->v2_fd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	apply_limits(cg, l, lim_out);
	return 0;
}

enum sr_cgroup_case
sr_cg_v2_probe(const char *own, char *why, size_t wl)
{
	_cleanup_free_ char *sub = NULL;

	if (check_parent(own, true, why, wl) < 0)
		return access(own, F_OK) == 0 && strstr(why, "not delegated") ?
		    SR_CGROUP_CASE_V2_UNDELEGATED : SR_CGROUP_CASE_NONE;
	if (sr_cg_read(own, "cgroup.subtree_control", &sub) == 0 &&
	    sr_cg_has_word(sub, "memory", ' ') && sr_cg_has_word(sub, "pids", ' '))
		snprintf(why, wl, "cgroup v2: one leaf per run under %s", own);
	else if (only_us(own))
		snprintf(why, wl, "cgroup v2: %s is %s; sandrun moves itself "
		    "into %s/%s and gives each run a leaf beside it", own,
		    geteuid() == 0 ? "ours (root)" : "delegated to us", own,
		    SR_CG_SUPERVISOR_LEAF);
	else if (geteuid() == 0)
		snprintf(why, wl, "cgroup v2: %s has other processes; runs get "
		    "leaves under %s/sandrun", own, sr_cg_root());
	else {
		snprintf(why, wl, "cgroup v2: %s is delegated but other "
		    "processes share it; start sandrun as the scope's own "
		    "command (systemd-run --user --scope -p Delegate=yes "
		    "sandrun ...)", own);
		return SR_CGROUP_CASE_V2_UNDELEGATED;
	}
	return SR_CGROUP_CASE_V2;
}

int
sr_cg_v2_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st,
    bool usage)
{
	const char *dir = cg->v2_path;
	char *buf = NULL;
	uint64_t v;

	if (usage && sr_cg_stat_u64(cg, SR_CG_ST_PEAK, dir, "memory.peak",
	    &v) == 0) {
		st->memory_peak = v;
		st->have_peak = true;
	} else if (usage && sr_cg_read_u64(dir, "memory.current", &v) == 0) {
		st->memory_peak = v;	/* lower bound (kernel < 5.19) */
	}
	/* memory.events and cpu.stat: each read once, its keys from it */
	if (sr_cg_stat_read(cg, SR_CG_ST_MEMEV, dir, "memory.events",
	    &buf) == 0) {
		if (sr_cg_buf_key(buf, "oom_kill", &v) == 0 && v > 0)
			st->oom_killed = true;
		if (sr_cg_buf_key(buf, "oom", &v) == 0 && v > 0)
			st->oom = true;
		if (sr_cg_buf_key(buf, "max", &v) == 0 && v > 0)
			st->memory_max_hit = true;
		free(buf);
		buf = NULL;
	}
	if (sr_cg_stat_key(cg, SR_CG_ST_PIDSEV, dir, "pids.events", "max",
	    &v) == 0 && v > 0)
		st->pids_limit_hit = true;
	if (!usage || sr_cg_stat_read(cg, SR_CG_ST_CPUSTAT, dir, "cpu.stat",
	    &buf) < 0)
		return 0;
	if (sr_cg_buf_key(buf, "usage_usec", &v) == 0) {
		st->cpu_usage_us = v;
		st->have_cpu = true;
	}
	if (sr_cg_buf_key(buf, "user_usec", &v) == 0) {
		st->cpu_user_us = v;
		if (sr_cg_buf_key(buf, "system_usec", &v) == 0) {
			st->cpu_sys_us = v;
			st->have_cpu_split = true;
		}
	}
	free(buf);
	return 0;
}
