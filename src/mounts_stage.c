/* mounts_stage.c - --file copies made at run in a sandbox created ahead
 * of time (a pool's ready sandbox; mounts.h).
 *
 * A cold run copies --file sources while init builds the root, before
 * the root turns read-only, as the sandbox user, 0644 under its umask.
 * A ready sandbox was built before the call existed.  So, for a pool,
 * init clones the whole mount tree (open_tree OPEN_TREE_CLONE |
 * AT_RECURSIVE) just before pivot_root: a detached copy whose root mount
 * is still writable and whose other mounts keep their own flags (a
 * read-only bind stays read-only).  At run it makes each copy through
 * that clone with the same code path a cold copy takes (resolved inside
 * the clone, O_EXCL, O_NOFOLLOW), so the file lands in the same
 * filesystem with the same owner, mode and read-only-ness; the program
 * sees it through its read-only root.  The clone is an fd of init only
 * (close-on-exec, closed before any program starts).
 *
 * The supervisor packs the copies of a call into a sealed memfd: per
 * file a struct copy_hdr, the destination (NUL-terminated), the bytes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mounts.h"
#include "quota.h"
#include "util.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif

#define COPY_MAGIC 0x53524650u	/* "SRFP" */

struct copy_hdr {
	uint32_t magic;
	uint32_t dst_len;	/* with its NUL */
	uint64_t size;
};

int
sr_mounts_stage_open(struct sr_mount_plan *pl, int root, struct sr_diag *d)
{
	int e;

	pl->stage_fd = -1;
	if (!pl->stage)
		return 0;
	/* The clone lives in an anonymous mount namespace, which counts
	 * against the sandbox's max_mnt_namespaces (0, quota.h; per uid,
	 * and without privilege the sandbox's own mount namespace counts
	 * under the same uid): room for it while only init runs, then 0
	 * again, so the sandbox can create no more than a cold one.  The
	 * clone stays open as long as init lives. */
	if (sr_quota_set("max_mnt_namespaces", 16, d) < 0)
		return -1;
#ifdef SYS_open_tree
	pl->stage_fd = (int)syscall(SYS_open_tree, root, "",
	    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
#else
	errno = ENOSYS;
#endif
	e = errno;
	if (sr_quota_set("max_mnt_namespaces", 0, d) < 0)
		return -1;
	errno = e;
	if (pl->stage_fd < 0)
		return sr_diag_errno(d, "open_tree: the view for --file at run");
	return 0;
}

bool
sr_mounts_copies_fit(const struct sr_mount_plan *pl, size_t first)
{
	uint64_t total = 0;
	size_t i;

	if (first > pl->n_steps)
		return false;
	for (i = first; i < pl->n_steps; i++) {
		const struct sr_step *s = &pl->steps[i];

		/* a regular file (a tree adds DIR steps); not under the
		 * home tmpfs, which a cold run mounts after its copies */
		if (s->type != SR_STEP_COPY || (pl->home != NULL &&
		    sr_mounts_under(s->dst, pl->home) &&
		    !sr_mounts_under(pl->home, "/tmp") &&
		    !sr_mounts_under(pl->home, pl->workdir)))
			return false;
		total += s->size;
	}
	return total <= SR_MOUNTS_COPIES_MAX;
}

int
sr_mounts_pack_copies(const struct sr_mount_plan *pl, size_t first,
    struct sr_diag *d)
{
	size_t i;
	int fd;

	if ((fd = memfd_create("sandrun-files", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) < 0)
		return sr_diag_errno(d, "memfd_create");
	for (i = first; i < pl->n_steps; i++) {
		const struct sr_step *s = &pl->steps[i];
		struct copy_hdr h = { COPY_MAGIC,
			(uint32_t)strlen(s->dst) + 1, s->size };
		off_t off = 0;
		ssize_t n;

		if (sr_write_all(fd, &h, sizeof(h)) < 0 ||
		    sr_write_all(fd, s->dst, h.dst_len) < 0)
			goto fail;
		while ((uint64_t)off < s->size) {
			n = sendfile(fd, s->src_fd, &off, s->size - (uint64_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n == 0)
					errno = EIO;	/* the source shrank */
				goto fail;
			}
		}
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	    F_SEAL_SEAL) < 0)
		goto fail;
	return fd;
fail:
	sr_diag_errno(d, "--file: pack the copies");
	close(fd);
	return -1;
}

int
sr_mounts_copy_at_run(const struct sr_mount_plan *pl, int fd,
    struct sr_diag *d)
{
	struct copy_hdr h;
	struct stat st;
	char dst[4096];
	off_t off = 0;

	if (pl->stage_fd < 0)
		return sr_diag_set(d, "--file at run: no staging view");
	if (fstat(fd, &st) < 0)
		return sr_diag_errno(d, "--file at run");
	while (off < st.st_size) {
		if (pread(fd, &h, sizeof(h), off) != (ssize_t)sizeof(h) ||
		    h.magic != COPY_MAGIC || h.dst_len < 2 ||
		    h.dst_len > sizeof(dst) ||
		    pread(fd, dst, h.dst_len, off + (off_t)sizeof(h)) !=
		    (ssize_t)h.dst_len || dst[h.dst_len - 1] != '\0' ||
		    h.size > (uint64_t)st.st_size)
			return sr_diag_set(d, "--file at run: malformed copies");
		off += (off_t)(sizeof(h) + h.dst_len);
		if ((uint64_t)off + h.size > (uint64_t)st.st_size ||
		    sr_mounts_copy_in(pl->stage_fd, fd, off, h.size, dst,
		    pl->uid, pl->gid, d) < 0)
			return d->msg[0] ? -1 :
			    sr_diag_set(d, "--file at run: malformed copies");
		off += (off_t)h.size;
	}
	return 0;
}
