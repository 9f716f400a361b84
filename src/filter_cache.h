/* filter_cache.h - a cache of compiled seccomp programs on disk.
 *
 * libseccomp takes about 2 ms to compile a policy; the program it makes
 * depends only on the policy's syscalls section, the struct sr_filter
 * inputs, libseccomp and the kernel.  The cache keeps it under a key
 * that hashes all of them, plus sandrun's version and its executable's
 * identity, so any change compiles afresh.
 *
 * Safety rules (a cached program is installed as the sandbox's filter,
 * so the file is trusted only when nothing but this user could have
 * written it):
 * - the directory is $XDG_CACHE_HOME/sandrun/bpf (absolute only), else
 *   /var/cache/sandrun/bpf for root, ~/.cache/sandrun/bpf (home from the
 *   password database) for others; created 0700; the directory and its
 *   parent "sandrun" must be owned by the euid and not group/other
 *   writable;
 * - unreachable from any sandbox: when a bind source of the run (rw or
 *   ro) contains the directory, or lies inside it, the cache is not used
 *   at all (compared by st_dev/st_ino, not by strings);
 * - files are opened O_NOFOLLOW, must be regular, owned by the euid,
 *   mode 0600 or stricter, one link; the header's magic, key, length
 *   and sha256 of the instructions must match, and the program must pass
 *   a structural check (known opcodes, jumps in range, ends in a return);
 * - written atomically: a unique temporary file, then rename;
 * - any failure rebuilds with libseccomp; the cache never fails a run.
 */
#ifndef SR_FILTER_CACHE_H
#define SR_FILTER_CACHE_H

#include <stdbool.h>

#include "diag.h"
#include "filter.h"
#include "mounts.h"
#include "policy.h"

struct sr_filter_cache {
	int dirfd;		/* -1: no cache */
	/* Out, for tests and -v: what the last sr_filter_cache_build did */
	bool hit;		/* the program came from the cache */
	bool stored;		/* a fresh program was written */
};

/* Open the default cache directory (see above) for a run whose binds are
 * mp's steps (NULL: no binds).  Never fails: c->dirfd is -1 when the
 * cache cannot or must not be used. */
void sr_filter_cache_open(struct sr_filter_cache *c,
    const struct sr_mount_plan *mp);

/* The same with an explicit directory, created 0700 when missing (its
 * parent must exist). */
void sr_filter_cache_open_dir(struct sr_filter_cache *c, const char *dir,
    const struct sr_mount_plan *mp);

/* sr_filter_build(sc, f, d), through the cache when c->dirfd >= 0: a
 * verified entry fills f (insns, len, notify) exactly as a fresh build
 * would; otherwise the program is compiled and stored.  Returns 0, or -1
 * with d (from the compile). */
int sr_filter_cache_build(struct sr_filter_cache *c,
    const struct sr_syscalls *sc, struct sr_filter *f, struct sr_diag *d);

/* The file name (hex key + ".bpf") for sc and f in buf (>= 70 bytes). */
void sr_filter_cache_name(const struct sr_syscalls *sc,
    const struct sr_filter *f, char *buf, size_t size);

void sr_filter_cache_close(struct sr_filter_cache *c);

#endif
