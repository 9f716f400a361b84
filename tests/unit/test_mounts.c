/* test_mounts.c - the mount plan (mounts_plan.c), the bind rules
 * (bindrules.c) and path resolution inside the new root (mounts_root.c).
 * Nothing here mounts: it runs as any user. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bindrules.h"
#include "mounts.h"
#include "tap.h"
#include "util.h"

static void
test_bind_rules(void)
{
	static const struct {
		const char *src;
		bool rw, allowed;
		const char *why;
	} cases[] = {
		{ "/", false, false, "must not bind the host's /" },
		{ "/sys", false, false, "must not bind the host's /sys" },
		{ "/sys/fs/cgroup", false, false,
		    "must not bind the host's /sys" },
		{ "/proc/1", false, false, "must not bind the host's /proc" },
		{ "/var/run/x", false, false,
		    "must not bind the host's /var/run" },
		{ "/sysx", false, true, NULL },
		{ "/usr", false, true, NULL },
		{ "/usr/lib", true, false,
		    "must not bind the host's /usr writable" },
		{ "/var/tmp/data", true, false,
		    "must not bind the host's /var writable" },
		{ "/home/u/data", true, true, NULL },
	};
	char why[96];
	size_t i;
	bool a;

	for (i = 0; i < SR_ARRAY_SIZE(cases); i++) {
		why[0] = '\0';
		a = sr_bind_allowed(cases[i].src, cases[i].rw, why, sizeof(why));
		ok(a == cases[i].allowed && (a || strcmp(why, cases[i].why) == 0),
		    "bind %s%s: %s (%s)", cases[i].src, cases[i].rw ? " rw" : "",
		    cases[i].allowed ? "allowed" : "refused", why);
	}
}

static const char host_meminfo[] =
    "MemTotal:       16303360 kB\n"
    "MemFree:         9000000 kB\n"
    "MemAvailable:   12000000 kB\n"
    "Buffers:          100000 kB\n"
    "SwapTotal:       2097148 kB\n"
    "SwapFree:        2097148 kB\n"
    "HugePages_Total:       0\n"
    "Hugepagesize:       2048 kB\n";

static void
test_meminfo(void)
{
	char *m = sr_mounts_meminfo(host_meminfo, 256u << 20);

	ok(m != NULL, "meminfo under a 256M limit");
	if (m == NULL)
		return;
	ok(strstr(m, "MemTotal:         262144 kB\n") == m,
	    "MemTotal is the limit, in the kernel's layout");
	ok(strstr(m, "MemFree:          262144 kB\n") != NULL &&
	    strstr(m, "MemAvailable:     262144 kB\n") != NULL,
	    "free and available clamped to the limit");
	ok(strstr(m, "Buffers:          100000 kB\n") != NULL,
	    "smaller values unchanged");
	ok(strstr(m, "SwapTotal:             0 kB\n") != NULL &&
	    strstr(m, "SwapFree:              0 kB\n") != NULL, "no swap");
	ok(strstr(m, "HugePages_Total:       0\n") != NULL &&
	    strstr(m, "Hugepagesize:       2048 kB\n") != NULL,
	    "other lines kept");
	free(m);
	ok(sr_mounts_meminfo(host_meminfo, SR_UNLIMITED) == NULL,
	    "no memory limit: the kernel's meminfo");
	ok(sr_mounts_meminfo(host_meminfo, 32ull << 30) == NULL,
	    "a limit above the host's memory: the kernel's meminfo");
	ok(sr_mounts_meminfo("garbage", 1u << 20) == NULL,
	    "unparsable host text: the kernel's meminfo");
}

/* The clamping as sscanf and sprintf do it, line by line (the layout
 * before the hand-written parser): the parser must give the same bytes. */
static char *
meminfo_reference(const char *host, uint64_t limit)
{
	uint64_t kb = limit / 1024, total = 0, v;
	const char *line, *nl;
	char *out = malloc(2 * strlen(host) + 64), *o = out;
	size_t n;

	if (out == NULL || sscanf(host, "MemTotal: %" SCNu64 " kB",
	    &total) != 1 || kb >= total) {
		free(out);
		return NULL;
	}
	for (line = host; *line != '\0'; line = nl) {
		const char *colon = strchr(line, ':');

		nl = strchr(line, '\n');
		nl = nl ? nl + 1 : line + strlen(line);
		n = (size_t)(nl - line);
		if (colon == NULL || colon > nl ||
		    sscanf(colon + 1, " %" SCNu64 " kB", &v) != 1 ||
		    strstr(colon, " kB") == NULL || strstr(colon, " kB") > nl) {
			memcpy(o, line, n);
			o += n;
			continue;
		}
		if (strncmp(line, "Swap", 4) == 0)
			v = 0;
		else if (v > kb || strncmp(line, "MemTotal:", 9) == 0)
			v = kb;
		o += sprintf(o, "%-16.*s%8" PRIu64 " kB\n",
		    (int)(colon - line + 1), line, v);
	}
	*o = '\0';
	return out;
}

static void
same_as_reference(const char *host, uint64_t limit, const char *what)
{
	char *a = sr_mounts_meminfo(host, limit);
	char *b = meminfo_reference(host, limit);

	ok((a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0), "meminfo as sscanf/sprintf make it: %s", what);
	free(a);
	free(b);
}

static void
test_meminfo_layout(void)
{
	static const char odd[] =
	    "MemTotal:       16303360 kB\n"
	    "VeryLongFieldNameHere:   12 kB\n"	/* name over 16 columns */
	    "Wide: 123456789012 kB\n"		/* over 8 digits */
	    "Plus:   +5 kB\n"			/* sscanf's sign */
	    "Tab:\t42 kB\n"			/* not the kernel's spaces */
	    "Bare:   77\n"			/* no unit */
	    "Trail:  88 kB  \n"			/* spaces after the unit */
	    "NoColon 99 kB\n"
	    "Zero:          0 kB\n"
	    "Last:      555 kB";		/* no final newline */
	char host[16384];
	ssize_t n = -1;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, host, sizeof(host) - 1);
		close(fd);
	}
	host[n > 0 ? n : 0] = '\0';
	same_as_reference(host, 256u << 20, "this host's /proc/meminfo");
	same_as_reference(host_meminfo, 256u << 20, "the sample");
	same_as_reference(odd, 1u << 30, "odd lines");
	same_as_reference(odd, 1u << 20, "odd lines, 1M");
}

static bool
exists_at(const char *dir, const char *rel)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

/* A root with a link to "/" and a link to a host dir: steps through them
 * land inside the root, the host dir stays empty. */
static void
test_resolve_in_root(void)
{
	char root[] = "/tmp/sr-root.XXXXXX", host[] = "/tmp/sr-host.XXXXXX";
	char path[4096], link2[4096];
	struct sr_diag d = { 0 };
	const char *name = NULL;
	int rfd, fd;

	if (!ok(mkdtemp(root) != NULL && mkdtemp(host) != NULL,
	    "temporary root and host dir"))
		return;
	snprintf(link2, sizeof(link2), "%s/esc2", root);
	snprintf(path, sizeof(path), "%s/esc", root);
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ok(rfd >= 0 && symlink("/", path) == 0 && symlink(host, link2) == 0,
	    "links to / and to the host dir inside the root");

	snprintf(path, sizeof(path), "/esc%s/d", host);
	fd = sr_mounts_dir_in(rfd, path, 0700, &d);
	ok(fd >= 0, "dir through the link to / (%s)", d.msg);
	if (fd >= 0)
		close(fd);
	ok(exists_at(root, host + 1) && !exists_at(host, "d"),
	    "created inside the root, not on the host");

	fd = sr_mounts_parent_in(rfd, "/esc2/f", &name, &d);
	ok(fd >= 0 && strcmp(name, "f") == 0, "parent through the link to the "
	    "host dir (%s)", d.msg);
	if (fd >= 0) {
		int f = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
		    0600);

		ok(f >= 0, "file created through it");
		if (f >= 0)
			close(f);
		close(fd);
	} else {
		ok(0, "file created through it");
	}
	ok(!exists_at(host, "f"), "the host dir is still empty");

	fd = sr_mounts_dir_in(rfd, "/a/../../../up", 0755, &d);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/../up", root);
	ok(access(path, F_OK) != 0, "'..' stops at the new root");

	snprintf(path, sizeof(path), "%s/esc3", root);
	if (symlink("/nonexistent-sr-host-dir", path) != 0)
		printf("# symlink esc3 failed\n");
	fd = sr_mounts_dir_in(rfd, "/esc3/d", 0755, &d);
	ok(fd < 0 && access("/nonexistent-sr-host-dir", F_OK) != 0,
	    "a dangling link is an error, never a host mkdir (%s)", d.msg);
	if (fd >= 0)
		close(fd);

	close(rfd);
	snprintf(path, sizeof(path), "rm -rf '%s' '%s'", root, host);
	if (system(path) != 0)
		printf("# cleanup failed\n");
}

static void
test_plan(void)
{
	struct sr_mount m[] = {
		{ .type = SR_MOUNT_SYMLINK, .src = (char *)"usr/bin",
		    .dst = (char *)"/bin" },
		{ .type = SR_MOUNT_TMPFS, .dst = (char *)"/scratch",
		    .size = 1 << 20, .noexec = true },
		{ .type = SR_MOUNT_DIR, .dst = (char *)"/data" },
		{ .type = SR_MOUNT_RO, .src = (char *)"/usr", .dst = (char *)"/usr" },
	};
	struct sr_path_pair sysb = { (char *)"/sys", (char *)"/x", false };
	struct sr_limit_report lim[SR_LIM_COUNT];
	struct sr_mount_plan pl;
	struct sr_policy p;
	struct sr_opts o;
	struct sr_diag d = { 0 };

	memset(&p, 0, sizeof(p));
	memset(&o, 0, sizeof(o));
	memset(lim, 0, sizeof(lim));
	p.name = (char *)"t";
	p.workdir = (char *)"/sandbox";
	p.home = (char *)"/home/sandbox";
	p.user = (char *)"sandbox";
	p.hostname = (char *)"sandbox";
	p.uid = p.gid = 1000;
	p.limits.memory = 256u << 20;
	p.limits.tmpfs_tmp = p.limits.tmpfs_work = p.limits.tmpfs_shm = 64u << 20;
	p.mounts = m;
	p.n_mounts = SR_ARRAY_SIZE(m);
	p.exec_tmp = true;
	p.exec_work = false;

	if (!ok(sr_mounts_prepare(&pl, &p, &o, &d) == 0, "plan (%s)", d.msg))
		return;
	ok(pl.n_steps == 4 && pl.steps[0].type == SR_STEP_SYMLINK &&
	    pl.steps[1].type == SR_STEP_TMPFS && pl.steps[1].noexec &&
	    pl.steps[2].type == SR_STEP_DIR && pl.steps[3].type == SR_STEP_BIND &&
	    !pl.steps[3].rw && pl.steps[3].src_is_dir,
	    "steps in policy order with their flags");
	ok(pl.exec_tmp && !pl.exec_work && !pl.exec_shm,
	    "exec choices carried into the plan");
	ok(pl.meminfo == NULL, "meminfo left to the plan's caller");
	{
		char *hm = sr_mounts_host_meminfo(64u << 20);

		ok(hm != NULL && strncmp(hm, "MemTotal:", 9) == 0 &&
		    sr_mounts_host_meminfo(SR_UNLIMITED) == NULL,
		    "meminfo from the host's, clamped");
		free(hm);
	}
	lim[SR_LIM_TMPFS_WORK].mech = SR_MECH_TMPFS;
	sr_mounts_fit_memory(&pl, SR_UNLIMITED, lim);
	ok(pl.tmp_size == 64u << 20 && lim[SR_LIM_TMPFS_TMP].value == 0,
	    "no memory cgroup: policy sizes kept");
	sr_mounts_fit_memory(&pl, 256u << 20, lim);
	ok(pl.tmp_size == 256u << 20 && pl.work_size == 256u << 20 &&
	    pl.shm_size == 256u << 20 &&
	    lim[SR_LIM_TMPFS_TMP].value == 256u << 20 &&
	    lim[SR_LIM_TMPFS_WORK].value == 256u << 20 &&
	    pl.tmp_inodes == 65536,
	    "memory cgroup: sized by the memory limit and reported, inodes "
	    "still of the policy's size");
	sr_mounts_free(&pl);

	o.binds = &sysb;
	o.n_binds = 1;
	d.msg[0] = '\0';
	ok(sr_mounts_prepare(&pl, &p, &o, &d) == -1 &&
	    d.kind == SR_DIAG_USAGE &&
	    strcmp(d.msg, "--bind /sys: must not bind the host's /sys; bind a "
	    "narrower directory") == 0, "--bind /sys refused: %s", d.msg);
	sr_mounts_free(&pl);
}

int
main(void)
{
	TAP_PLAN(10 + 9 + 4 + 9 + 8);
	test_bind_rules();
	test_meminfo();
	test_meminfo_layout();
	test_resolve_in_root();
	test_plan();
	return tap_done();
}
