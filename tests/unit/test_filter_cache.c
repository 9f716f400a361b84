/* test_filter_cache.c - the compiled-BPF cache's safety rules
 * (filter_cache.h): a tampered, foreign-owned, group-readable, forged or
 * malformed entry is never trusted, a directory a bind can reach is not
 * used, concurrent writers leave one good entry; in every case the
 * program handed back equals a fresh libseccomp build.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/socket.h>
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
static struct sr_filter fresh, fresh_linear;
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
	fresh_linear = fresh;
	fresh.tree = true;	/* what the cache compiles */
	if (sr_filter_build(&sc, &fresh, &d) < 0 ||
	    sr_filter_build(&sc, &fresh_linear, &d) < 0) {
		printf("Bail out! fresh build: %s\n", d.msg);
		exit(1);
	}
}

/* Build through the cache c; the result must equal the fresh build. */
static bool
same_as_fresh(struct sr_filter_cache *c, bool *hit)
{
	const struct sr_filter *want;
	struct sr_filter f;
	struct sr_diag d;
	bool same;

	memset(&f, 0, sizeof(f));
	f.notify = true;
	f.own_ids = true;
	if (sr_filter_cache_build(c, &sc, &f, &d) < 0)
		return false;
	/* without a usable cache: the plain build, linear layout */
	want = f.tree ? &fresh : &fresh_linear;
	same = f.len == want->len && f.notify == want->notify &&
	    memcmp(f.insns, want->insns, f.len * sizeof(*f.insns)) == 0;
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
	f.tree = true;
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

/* A classic BPF interpreter for the seccomp subset (valid_program's). */
static uint32_t
emulate(const struct sr_filter *f, const struct seccomp_data *sd)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 }, pc = 0;
	const uint32_t *w = (const uint32_t *)sd;

	while (pc < f->len) {
		const struct sock_filter *i = &f->insns[pc++];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS: a = w[i->k / 4]; break;
		case BPF_LD | BPF_IMM: a = i->k; break;
		case BPF_LDX | BPF_IMM: x = i->k; break;
		case BPF_LD | BPF_MEM: a = mem[i->k]; break;
		case BPF_LDX | BPF_MEM: x = mem[i->k]; break;
		case BPF_ST: mem[i->k] = a; break;
		case BPF_STX: mem[i->k] = x; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_ALU | BPF_AND | BPF_K: a &= i->k; break;
		case BPF_ALU | BPF_OR | BPF_K: a |= i->k; break;
		case BPF_ALU | BPF_LSH | BPF_K: a <<= i->k; break;
		case BPF_ALU | BPF_RSH | BPF_K: a >>= i->k; break;
		case BPF_ALU | BPF_ADD | BPF_K: a += i->k; break;
		case BPF_ALU | BPF_SUB | BPF_K: a -= i->k; break;
		case BPF_JMP | BPF_JA: pc += i->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & i->k) ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JEQ | BPF_X: pc += a == x ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGT | BPF_X: pc += a > x ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_X: pc += a >= x ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JSET | BPF_X: pc += (a & x) ? i->jt : i->jf; break;
		case BPF_RET | BPF_K: return i->k;
		case BPF_RET | BPF_A: return a;
		default: return 0xdeadbeef;
		}
	}
	return 0xdeadbeef;
}

/* The tree layout decides every call like the linear one: every syscall
 * number (and a few past the table), each with argument vectors that hit
 * the argument rules (0, small ints, the own ids, flags, all ones). */
static void
test_layouts_agree(void)
{
	static const uint64_t vals[] = { 0, 1, 2, 3, 0x5401, 0x5412,
	    0x40000000, 0x10000, 0x7e020000, 0xffffffff, 0xffffffffffffffffULL,
	    AF_UNIX, AF_INET, AF_NETLINK, 0x11 };
	struct seccomp_data sd;
	unsigned long checked = 0, diff = 0;
	bool arch_other = true;
	int nr;

	for (nr = 0; nr < 600; nr++)
		for (size_t v = 0; v < SR_ARRAY_SIZE(vals); v++)
			for (int argi = 0; argi < 6; argi++) {
				memset(&sd, 0, sizeof(sd));
				sd.nr = nr;
				sd.arch = AUDIT_ARCH_X86_64;
				sd.args[argi] = vals[v];
				sd.args[(argi + 1) % 6] = getuid();
				checked++;
				diff += emulate(&fresh, &sd) !=
				    emulate(&fresh_linear, &sd);
			}
	memset(&sd, 0, sizeof(sd));
	sd.arch = 0x40000003;	/* i386 */
	arch_other = emulate(&fresh, &sd) == emulate(&fresh_linear, &sd) &&
	    emulate(&fresh, &sd) == SECCOMP_RET_KILL_PROCESS;
	ok(diff == 0 && checked > 50000, "tree and linear layouts agree on "
	    "%lu syscall/argument cases (%lu differ)", checked, diff);
	ok(arch_other, "both kill a foreign architecture");
	ok(fresh.len != fresh_linear.len || memcmp(fresh.insns,
	    fresh_linear.insns, fresh.len * sizeof(*fresh.insns)) != 0,
	    "the layouts are different programs (%u vs %u insns)",
	    fresh.len, fresh_linear.len);
}

int
main(void)
{
	struct sr_filter_cache c;
	bool hit = true;
	int fd;

	TAP_PLAN(29);
	setup_policy();
	test_layouts_agree();
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
	sr_filter_free(&fresh_linear);
	(void)fd;
	return tap_done();
}
