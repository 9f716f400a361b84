/* test_filter_cache.c - the compiled-BPF cache's safety rules
 * (filter_cache.h): a tampered, foreign-owned, group-readable, forged or
 * malformed entry is never trusted, a directory a bind can reach is not
 * used, concurrent writers leave one good entry; in every case the
 * program handed back equals a fresh libseccomp build.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "filter.h"
#include "filter_cache.h"
#include "mounts.h"
#include "policy.h"
#include "sysgroups.h"
#include "tap.h"
#include "util.h"

#define HDR 80			/* sizeof(struct cache_hdr) */

static char *allow_buf[1024];
static struct sr_syscalls sc;
static struct sr_filter fresh;
static char dir[64], path[256];

static void
setup_policy(void)
{
	const char *const *g = sr_syscall_group("@default");
	size_t n = 0;
	struct sr_diag d;

	while (g != NULL && g[n] != NULL && n < 1000) {
		allow_buf[n] = (char *)g[n];
		n++;
	}
	allow_buf[n] = NULL;
	memset(&sc, 0, sizeof(sc));
	sc.allow = allow_buf;
	sc.n_allow = n;
	sc.default_action = SR_SYS_ERRNO;
	sc.errno_value = 1;
	memset(&fresh, 0, sizeof(fresh));
	fresh.notify = true;
	fresh.own_ids = true;
	if (sr_filter_build(&sc, &fresh, &d) < 0) {
		printf("Bail out! fresh build: %s\n", d.msg);
		exit(1);
	}
}

/* Build through the cache c; the result must equal the fresh build. */
static bool
same_as_fresh(struct sr_filter_cache *c, bool *hit)
{
	struct sr_filter f;
	struct sr_diag d;
	bool same;

	memset(&f, 0, sizeof(f));
	f.notify = true;
	f.own_ids = true;
	if (sr_filter_cache_build(c, &sc, &f, &d) < 0)
		return false;
	same = f.len == fresh.len && f.notify == fresh.notify &&
	    memcmp(f.insns, fresh.insns, f.len * sizeof(*f.insns)) == 0;
	if (hit != NULL)
		*hit = c->hit;
	sr_filter_free(&f);
	return same;
}

static void
entry_path(void)
{
	struct sr_filter f;
	char name[80];

	memset(&f, 0, sizeof(f));
	f.notify = true;
	f.own_ids = true;
	sr_filter_cache_name(&sc, &f, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
}

static void
flip_byte(off_t off)
{
	int fd = open(path, O_RDWR);
	unsigned char b;

	if (fd >= 0 && pread(fd, &b, 1, off) == 1) {
		b ^= 0x01;
		(void)!pwrite(fd, &b, 1, off);
	}
	if (fd >= 0)
		close(fd);
}

/* hit, then miss-and-rebuild after damage, then hit again */
static void
damaged(const char *what, void (*damage)(void))
{
	struct sr_filter_cache c;
	bool hit = true;

	sr_filter_cache_open_dir(&c, dir, NULL);
	damage();
	ok(same_as_fresh(&c, &hit) && !hit && c.stored,
	    "%s: not trusted, rebuilt, equal to a fresh build", what);
	ok(same_as_fresh(&c, &hit) && hit, "%s: the rewritten entry is used",
	    what);
	sr_filter_cache_close(&c);
}

static void damage_insn(void) { flip_byte(HDR + 8 * 5 + 4); }
static void damage_mac(void) { flip_byte(8 + 32 + 3); }
static void damage_mode(void) { (void)chmod(path, 0644); }
static void damage_owner(void) { (void)!chown(path, 65534, 65534); }

static void
damage_truncate(void)
{
	(void)!truncate(path, HDR + 8);
}

static void
damage_symlink(void)
{
	char tgt[300];

	snprintf(tgt, sizeof(tgt), "%s.real", path);
	(void)rename(path, tgt);
	(void)!symlink(tgt, path);
}

static void
test_concurrent(void)
{
	struct sr_filter_cache c;
	pid_t pids[8];
	int i, st, good = 0;
	bool hit;

	(void)unlink(path);
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct sr_filter_cache cc;
			int k, okk = 1;

			for (k = 0; k < 20; k++) {
				sr_filter_cache_open_dir(&cc, dir, NULL);
				okk &= same_as_fresh(&cc, NULL);
				(void)unlink(path);	/* race the others */
				sr_filter_cache_close(&cc);
			}
			_exit(okk ? 0 : 1);
		}
	}
	for (i = 0; i < 8; i++)
		if (pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0)
			good++;
	ok(good == 8, "8 concurrent writers x 20 runs: every program equals "
	    "a fresh build (%d good)", good);
	sr_filter_cache_open_dir(&c, dir, NULL);
	ok(same_as_fresh(&c, &hit), "after the race: an entry equal to a "
	    "fresh build");
	sr_filter_cache_close(&c);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s | grep tmp)\"",
		    dir);
		ok(system(cmd) == 0, "no temporary files left behind");
	}
}

static void
test_reachable(void)
{
	struct sr_filter_cache c;
	struct sr_step steps[1];
	struct sr_mount_plan mp;
	char parent[80], file[300];

	memset(&mp, 0, sizeof(mp));
	memset(steps, 0, sizeof(steps));
	mp.steps = steps;
	mp.n_steps = 1;
	steps[0].type = SR_STEP_BIND;
	steps[0].rw = true;

	snprintf(parent, sizeof(parent), "%s/..", dir);
	steps[0].src = parent;
	sr_filter_cache_open_dir(&c, dir, &mp);
	ok(c.dirfd < 0, "--bind-rw of the cache dir's parent: cache not used");
	ok(same_as_fresh(&c, NULL) && !c.hit && !c.stored,
	    "... the run still gets a fresh, equal program, nothing stored");
	sr_filter_cache_close(&c);

	steps[0].src = "/";
	steps[0].rw = false;
	sr_filter_cache_open_dir(&c, dir, &mp);
	ok(c.dirfd < 0, "a read-only bind of / (sees the cache): not used");
	sr_filter_cache_close(&c);

	snprintf(file, sizeof(file), "%s", path);
	steps[0].src = file;
	steps[0].rw = true;
	sr_filter_cache_open_dir(&c, dir, &mp);
	ok(c.dirfd < 0, "--bind-rw of an entry inside the cache: not used");
	sr_filter_cache_close(&c);

	steps[0].src = "/usr";
	sr_filter_cache_open_dir(&c, dir, &mp);
	ok(c.dirfd >= 0, "a bind elsewhere (/usr): the cache is used");
	sr_filter_cache_close(&c);
}

int
main(void)
{
	struct sr_filter_cache c;
	bool hit = true;
	int fd;

	TAP_PLAN(26);
	setup_policy();
	snprintf(dir, sizeof(dir), "/tmp/sr-bpfcache.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	entry_path();

	sr_filter_cache_open_dir(&c, dir, NULL);
	ok(c.dirfd >= 0, "a private directory of ours is used");
	ok(same_as_fresh(&c, &hit) && !hit && c.stored,
	    "first build: fresh, stored");
	ok(same_as_fresh(&c, &hit) && hit, "second build: from the cache, "
	    "equal to a fresh build");
	{
		struct stat st;

		ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
		    st.st_uid == geteuid(), "entry is 0600 and ours");
	}
	sr_filter_cache_close(&c);

	damaged("tampered instruction", damage_insn);
	damaged("tampered MAC", damage_mac);
	damaged("truncated", damage_truncate);
	damaged("mode 0644", damage_mode);
	damaged("symlink", damage_symlink);
	if (geteuid() == 0)
		damaged("owned by nobody", damage_owner);
	else
		skip(2, "chown to another user needs root");

	(void)chmod(dir, 0770);
	sr_filter_cache_open_dir(&c, dir, NULL);
	ok(c.dirfd < 0, "group-writable cache dir: not used");
	sr_filter_cache_close(&c);
	(void)chmod(dir, 0700);

	fd = -1;
	test_reachable();
	{
		/* 70 other entries and a dead writer's temporary: pruned */
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "cd %s && rm -f ./* && for i in "
		    "$(seq 70); do : > $i.bpf; done && touch -d '1 hour ago' "
		    ".tmp.1.x", dir);
		(void)!system(cmd);
		sr_filter_cache_open_dir(&c, dir, NULL);
		ok(same_as_fresh(&c, NULL) && c.stored &&
		    (snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) = 1",
		    dir), system(cmd) == 0),
		    "past 64 entries: only the new one stays, no stale temporary");
		sr_filter_cache_close(&c);
	}
	test_concurrent();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
	}
	sr_filter_free(&fresh);
	(void)fd;
	return tap_done();
}
