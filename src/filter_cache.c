/* filter_cache.c - compiled seccomp programs cached on disk; the rules
 * are in filter_cache.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <dirent.h>
#include <pwd.h>
#include <sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "filter_cache.h"
#include "util.h"

#define CACHE_MAGIC "SRBPF\0\0\2"
#define KEY_DESC "sandrun:bpf-cache-mac"
#define MAC_LEN 32
#define MAX_DEPTH 128
#define MAX_ENTRIES 64	/* more: start over (a rebuild is cheap) */
#define TMP_STALE 60	/* seconds: a writer that died left it */

struct cache_hdr {
	char magic[8];
	uint8_t key[SHA256_DIGEST_LENGTH];
	uint8_t mac[MAC_LEN];	/* HMAC-SHA256 of key, len, notify, insns */
	uint32_t len;		/* instructions */
	uint32_t notify;	/* the build's f->notify out */
};

/* ---- the MAC secret: the user's keyring ---------------------------------
 * Every sandbox's filter refuses add_key, keyctl and request_key, and
 * since Linux 5.3 the user keyring of a process in another user
 * namespace is a different one: no sandbox can read or plant the secret,
 * so no sandbox can forge an entry, even through another run's binds. */

static int
mac_secret(uint8_t secret[MAC_LEN])
{
	long id;

	id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user",
	    KEY_DESC, 0);
	if (id < 0) {
		uint8_t fresh[MAC_LEN];

		if (getrandom(fresh, sizeof(fresh), 0) != sizeof(fresh))
			return -1;
		id = syscall(SYS_add_key, "user", KEY_DESC, fresh,
		    sizeof(fresh), KEY_SPEC_USER_KEYRING);
		explicit_bzero(fresh, sizeof(fresh));
		if (id < 0)
			return -1;
	}
	/* read back: a concurrent add_key may have replaced ours */
	if (syscall(SYS_keyctl, KEYCTL_READ, id, secret, MAC_LEN, 0) !=
	    MAC_LEN)
		return -1;
	return 0;
}

static void
hmac(const uint8_t secret[MAC_LEN], const struct cache_hdr *h,
    const struct sock_filter *insns, uint8_t out[MAC_LEN])
{
	uint8_t pad[64], inner[SHA256_DIGEST_LENGTH];
	SHA2_CTX c;
	size_t i;

	for (i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)((i < MAC_LEN ? secret[i] : 0) ^ 0x36);
	SHA256Init(&c);
	SHA256Update(&c, pad, sizeof(pad));
	SHA256Update(&c, (const uint8_t *)h->magic, sizeof(h->magic));
	SHA256Update(&c, h->key, sizeof(h->key));
	SHA256Update(&c, (const uint8_t *)&h->len, sizeof(h->len));
	SHA256Update(&c, (const uint8_t *)&h->notify, sizeof(h->notify));
	SHA256Update(&c, (const uint8_t *)insns, h->len * sizeof(*insns));
	SHA256Final(inner, &c);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)((i < MAC_LEN ? secret[i] : 0) ^ 0x5c);
	SHA256Init(&c);
	SHA256Update(&c, pad, sizeof(pad));
	SHA256Update(&c, inner, sizeof(inner));
	SHA256Final(out, &c);
	explicit_bzero(pad, sizeof(pad));
}

/* ---- the key ------------------------------------------------------------ */

static void
add_str(SHA2_CTX *c, const char *s)
{
	SHA256Update(c, (const uint8_t *)s, strlen(s) + 1);
}

static void
add_list(SHA2_CTX *c, char *const *l, size_t n)
{
	char buf[32];
	size_t i;

	snprintf(buf, sizeof(buf), "%zu", n);
	add_str(c, buf);
	for (i = 0; l != NULL && i < n && l[i] != NULL; i++)
		add_str(c, l[i]);
}

static void
cache_key(const struct sr_syscalls *sc, const struct sr_filter *f,
    uint8_t key[SHA256_DIGEST_LENGTH])
{
	char buf[512];
	struct utsname u;
	struct stat st;
	SHA2_CTX c;

	SHA256Init(&c);
	add_str(&c, "sandrun bpf cache 2");
	add_str(&c, PACKAGE_VERSION);
	/* the executable itself: a rebuild with the same version string */
	if (stat("/proc/self/exe", &st) == 0)
		snprintf(buf, sizeof(buf), "exe %ju %ju %jd %ld.%ld",
		    (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
		    (intmax_t)st.st_size, (long)st.st_mtim.tv_sec,
		    (long)st.st_mtim.tv_nsec);
	else
		snprintf(buf, sizeof(buf), "exe ?");
	add_str(&c, buf);
	if (uname(&u) == 0) {
		add_str(&c, u.release);
		add_str(&c, u.version);
		add_str(&c, u.machine);
	}
	sr_filter_generator(buf, sizeof(buf));
	add_str(&c, buf);
	snprintf(buf, sizeof(buf),
	    "action %d errno %d notify %d own %d %u %u tree %d",
	    (int)sc->default_action, sc->errno_value, (int)f->notify,
	    (int)f->own_ids, f->uid, f->gid, (int)f->tree);
	add_str(&c, buf);
	add_list(&c, sc->allow, sc->n_allow);
	add_list(&c, sc->deny, sc->n_deny);
	SHA256Final(key, &c);
}

void
sr_filter_cache_name(const struct sr_syscalls *sc, const struct sr_filter *f,
    char *buf, size_t size)
{
	uint8_t key[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	size_t i;

	cache_key(sc, f, key);
	for (i = 0; i < sizeof(key); i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	snprintf(buf, size, "%s.bpf", hex);
}

/* ---- structural check ------------------------------------------------- */

/* The classic BPF a seccomp program may contain (the kernel's
 * seccomp_check_filter set), jumps forward and in range, a return last. */
static bool
valid_program(const struct sock_filter *p, uint32_t len)
{
	uint32_t pc;

	if (len == 0 || len > BPF_MAXINSNS)
		return false;
	for (pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &p[pc];
		uint32_t rest = len - pc - 1;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k >= sizeof(struct seccomp_data) || i->k % 4)
				return false;
			break;
		case BPF_LD | BPF_IMM:
		case BPF_LDX | BPF_IMM:
		case BPF_MISC | BPF_TAX:
		case BPF_MISC | BPF_TXA:
		case BPF_ALU | BPF_AND | BPF_K:
		case BPF_ALU | BPF_OR | BPF_K:
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
		case BPF_ALU | BPF_ADD | BPF_K:
		case BPF_ALU | BPF_SUB | BPF_K:
		case BPF_RET | BPF_K:
		case BPF_RET | BPF_A:
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (i->k >= BPF_MEMWORDS)
				return false;
			break;
		case BPF_JMP | BPF_JA:
			if (i->k >= rest)
				return false;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_X:
			if (i->jt >= rest || i->jf >= rest)
				return false;
			break;
		default:
			return false;
		}
	}
	return BPF_CLASS(p[len - 1].code) == BPF_RET;
}

/* ---- the directory ---------------------------------------------------- */

static bool
owned_private(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* openat(dir, name) a directory of ours, created 0700 when missing. */
static int
own_dir(int dir, const char *name)
{
	struct stat st;
	int fd;

	if (mkdirat(dir, name, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !owned_private(&st)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct ident {
	dev_t dev;
	ino_t ino;
};

/* dir and its ancestors up to /, as (dev, ino). */
static size_t
ancestors(int fd, struct ident *out, size_t max)
{
	struct stat st;
	size_t n = 0;
	int cur = fcntl(fd, F_DUPFD_CLOEXEC, 0), up;

	while (cur >= 0 && n < max && fstat(cur, &st) == 0) {
		if (n > 0 && out[n - 1].dev == st.st_dev &&
		    out[n - 1].ino == st.st_ino)
			break;	/* / is its own parent */
		out[n].dev = st.st_dev;
		out[n].ino = st.st_ino;
		n++;
		up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = up;
	}
	if (cur >= 0)
		close(cur);
	return n;
}

static bool
in_list(const struct ident *l, size_t n, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i].dev == dev && l[i].ino == ino)
			return true;
	return false;
}

/* O_PATH fd of the directory holding path (a file). */
static int
open_parent(const char *path)
{
	char *copy = sr_xstrdup(path), *slash = strrchr(copy, '/');
	int fd;

	if (slash == NULL) {
		free(copy);
		return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	slash[slash == copy ? 1 : 0] = '\0';
	fd = open(copy, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	return fd;
}

/* Would a bind source of mp let the sandbox see the cache?  True when a
 * source is the directory or one of its ancestors, or lies inside it. */
static bool
reachable(int dirfd, const struct sr_mount_plan *mp)
{
	struct ident mine[MAX_DEPTH], theirs[MAX_DEPTH];
	struct stat dst, st;
	size_t n, m, i;
	int fd;

	if (mp == NULL)
		return false;
	if (fstat(dirfd, &dst) < 0)
		return true;
	n = ancestors(dirfd, mine, MAX_DEPTH);
	if (n == MAX_DEPTH)
		return true;	/* too deep to be sure */
	for (i = 0; i < mp->n_steps; i++) {
		const struct sr_step *s = &mp->steps[i];

		if (s->type != SR_STEP_BIND || s->src == NULL)
			continue;
		fd = open(s->src, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;	/* init will fail the run */
		if (fstat(fd, &st) < 0) {
			close(fd);
			return true;
		}
		if (!S_ISDIR(st.st_mode)) {
			/* a file: the directory it is in decides */
			close(fd);
			if ((fd = open_parent(s->src)) < 0)
				return true;
		}
		m = ancestors(fd, theirs, MAX_DEPTH);
		close(fd);
		if (in_list(mine, n, theirs[0].dev, theirs[0].ino) ||
		    in_list(theirs, m, dst.st_dev, dst.st_ino) ||
		    m == MAX_DEPTH)
			return true;
	}
	return false;
}

void
sr_filter_cache_open_dir(struct sr_filter_cache *c, const char *dir,
    const struct sr_mount_plan *mp)
{
	struct stat st;
	int fd;

	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !owned_private(&st) || reachable(fd, mp)) {
		close(fd);
		return;
	}
	c->dirfd = fd;
}

void
sr_filter_cache_open(struct sr_filter_cache *c,
    const struct sr_mount_plan *mp)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	char path[PATH_MAX];
	struct passwd *pw;
	int base, top;

	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
	if (xdg != NULL && xdg[0] == '/')
		base = open(xdg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (geteuid() == 0)
		base = open("/var/cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if ((pw = getpwuid(geteuid())) != NULL && pw->pw_dir[0] == '/' &&
	    (size_t)snprintf(path, sizeof(path), "%s/.cache", pw->pw_dir) <
	    sizeof(path)) {
		(void)mkdir(path, 0700);
		base = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else
		return;
	if (base < 0)
		return;
	top = own_dir(base, "sandrun");
	close(base);
	if (top < 0)
		return;
	c->dirfd = own_dir(top, "bpf");
	close(top);
	if (c->dirfd >= 0 && reachable(c->dirfd, mp)) {
		close(c->dirfd);
		c->dirfd = -1;
	}
}

void
sr_filter_cache_close(struct sr_filter_cache *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	c->dirfd = -1;
}

/* ---- load and store ------------------------------------------------------ */

static int
load(int dirfd, const char *name, const uint8_t key[SHA256_DIGEST_LENGTH],
    const uint8_t secret[MAC_LEN], struct sr_filter *f)
{
	_cleanup_close_ int fd = -1;
	struct cache_hdr h;
	struct sock_filter *insns;
	uint8_t mac[MAC_LEN];
	struct stat st;
	size_t body;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) || st.st_nlink != 1 ||
	    st.st_size < (off_t)sizeof(h) ||
	    st.st_size > (off_t)(sizeof(h) + BPF_MAXINSNS * sizeof(*insns)))
		return -1;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0 ||
	    memcmp(h.key, key, sizeof(h.key)) != 0 || h.len == 0 ||
	    h.len > BPF_MAXINSNS || h.notify > 1)
		return -1;
	body = h.len * sizeof(*insns);
	if ((size_t)st.st_size != sizeof(h) + body)
		return -1;
	insns = sr_xmalloc(body);
	if (pread(fd, insns, body, sizeof(h)) != (ssize_t)body)
		goto bad;
	hmac(secret, &h, insns, mac);
	if (memcmp(mac, h.mac, sizeof(mac)) != 0 ||
	    !valid_program(insns, h.len))
		goto bad;
	f->insns = insns;
	f->len = (unsigned short)h.len;
	f->notify = h.notify != 0;
	return 0;
bad:
	free(insns);
	return -1;
}

static int
store(int dirfd, const char *name, const uint8_t key[SHA256_DIGEST_LENGTH],
    const uint8_t secret[MAC_LEN], const struct sr_filter *f)
{
	struct cache_hdr h;
	uint64_t rnd;
	char tmp[64];
	int fd, rc;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	memcpy(h.key, key, sizeof(h.key));
	h.len = f->len;
	h.notify = f->notify;
	hmac(secret, &h, f->insns, h.mac);
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -1;
	snprintf(tmp, sizeof(tmp), ".tmp.%ld.%016jx", (long)getpid(),
	    (uintmax_t)rnd);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	rc = sr_write_all(fd, &h, sizeof(h));
	if (rc == 0)
		rc = sr_write_all(fd, f->insns, f->len * sizeof(*f->insns));
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0)
		rc = renameat(dirfd, tmp, dirfd, name);
	if (rc < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return rc;
}

/* Keep the directory small: every new sandrun build or policy adds an
 * entry.  Past MAX_ENTRIES, drop all but keep; drop stale temporaries. */
static void
prune(int dirfd, const char *keep)
{
	struct dirent *e;
	struct stat st;
	size_t n = 0;
	int fd;
	DIR *dp;

	for (int pass = 0; pass < 2; pass++) {
		if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) < 0 || (dp = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			return;
		}
		while ((e = readdir(dp)) != NULL) {
			bool tmp = strncmp(e->d_name, ".tmp.", 5) == 0;
			size_t l = strlen(e->d_name);
			bool bpf = l > 4 && strcmp(e->d_name + l - 4,
			    ".bpf") == 0 && strcmp(e->d_name, keep) != 0;

			if (pass == 0) {
				n += bpf;
				if (tmp && fstatat(dirfd, e->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) == 0 &&
				    st.st_mtime + TMP_STALE < time(NULL))
					(void)unlinkat(dirfd, e->d_name, 0);
			} else if (bpf)
				(void)unlinkat(dirfd, e->d_name, 0);
		}
		closedir(dp);
		if (n < MAX_ENTRIES)
			return;
	}
}

int
sr_filter_cache_build(struct sr_filter_cache *c,
    const struct sr_syscalls *sc, struct sr_filter *f, struct sr_diag *d)
{
	uint8_t key[SHA256_DIGEST_LENGTH], secret[MAC_LEN];
	char name[2 * SHA256_DIGEST_LENGTH + 8];
	size_t i;
	int rc;

	c->hit = c->stored = false;
	if (c->dirfd < 0 || mac_secret(secret) < 0)
		return sr_filter_build(sc, f, d);
	/* compiled once, installed on every run: the faster layout */
	f->tree = true;
	cache_key(sc, f, key);
	for (i = 0; i < sizeof(key); i++)
		snprintf(name + 2 * i, 3, "%02x", key[i]);
	strcpy(name + 2 * sizeof(key), ".bpf");
	if (load(c->dirfd, name, key, secret, f) == 0) {
		c->hit = true;
		explicit_bzero(secret, sizeof(secret));
		return 0;
	}
	rc = sr_filter_build(sc, f, d);
	if (rc == 0 && store(c->dirfd, name, key, secret, f) == 0) {
		c->stored = true;
		prune(c->dirfd, name);
	}
	explicit_bzero(secret, sizeof(secret));
	return rc;
}
