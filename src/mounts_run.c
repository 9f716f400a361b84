/* mounts_run.c - in init, at a warm call's RUN: the memory view of the
 * sandbox made the call's when its memory limit is lower than the one
 * the sandbox was created with (sr_sandbox_lower_limits): the tmpfs
 * sizes that follow a memory cgroup's limit (sr_mounts_fit_memory), and
 * /proc/meminfo (sr_mounts_meminfo).  After pivot_root; no allocation. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/mount.h>

#include "mounts.h"
#include "util.h"

#define MEMINFO_MAX 16384

/* Set size= on the tmpfs superblock at path, its mounts' flags (nosuid,
 * nodev, noexec, read-only binds) untouched: fspick and fsconfig
 * reconfigure the superblock alone, where mount(MS_REMOUNT) would apply
 * one set of flags to both (and fail with EBUSY turning a superblock
 * read-only that has files open for writing). */
static int
resize(const char *path, uint64_t size, struct sr_diag *d)
{
	struct statfs fs;
	char val[24];
	int fd;

	if (size == 0 || size == SR_UNLIMITED || path == NULL)
		return 0;
	if (statfs(path, &fs) < 0)
		return errno == ENOENT ? 0 : sr_diag_errno(d, "statfs %s", path);
	if (fs.f_type != TMPFS_MAGIC ||
	    (uint64_t)fs.f_blocks * (uint64_t)fs.f_bsize == size)
		return 0;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)size);
	fd = (int)syscall(SYS_fspick, AT_FDCWD, path, FSPICK_CLOEXEC);
	if (fd < 0)
		return sr_diag_errno(d, "resize the tmpfs %s: fspick", path);
	if (syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, "size", val, 0) < 0 ||
	    syscall(SYS_fsconfig, fd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL,
	    0) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return sr_diag_errno(d, "resize the tmpfs %s", path);
	}
	close(fd);
	return 0;
}

/* /proc/meminfo: the content of fd in a file on /tmp bound in place of
 * create's, then unlinked and made read-only (mounts_apply.c). */
static int
meminfo(int fd, struct sr_diag *d)
{
	static const char tmp[] = "/tmp/.sandrun-meminfo";
	static char buf[MEMINFO_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	int out;

	if (n <= 0 || (size_t)n >= sizeof(buf))
		return sr_diag_set(d, "meminfo: %zd bytes", n);
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0444);
	if (out < 0)
		return sr_diag_errno(d, "%s", tmp);
	if (write(out, buf, (size_t)n) != n) {
		close(out);
		unlink(tmp);
		return sr_diag_errno(d, "write %s", tmp);
	}
	close(out);
	/* create's bind is of an unlinked file: nothing mounts on that;
	 * detached first (the driver waiting for the call reads nothing) */
	if (umount2("/proc/meminfo", MNT_DETACH) < 0 ||
	    mount(tmp, "/proc/meminfo", NULL, MS_BIND, NULL) < 0) {
		unlink(tmp);
		return sr_diag_errno(d, "bind /proc/meminfo");
	}
	if (unlink(tmp) < 0)
		return sr_diag_errno(d, "unlink %s", tmp);
	if (mount(NULL, "/proc/meminfo", NULL, MS_REMOUNT | MS_BIND |
	    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return sr_diag_errno(d, "remount /proc/meminfo");
	return 0;
}

int
sr_mounts_lower_memory(const struct sr_mount_plan *pl, const uint64_t *size,
    int meminfo_fd, struct sr_diag *d)
{
	bool home = pl->home != NULL && !sr_mounts_under(pl->home, "/tmp") &&
	    !sr_mounts_under(pl->home, pl->workdir);

	if (size != NULL &&
	    (resize("/", size[1], d) < 0 || resize("/tmp", size[0], d) < 0 ||
	    resize(pl->workdir, size[1], d) < 0 ||
	    resize(home ? pl->home : NULL, size[0], d) < 0 ||
	    resize("/dev/shm", size[2], d) < 0))
		return -1;
	return meminfo_fd >= 0 ? meminfo(meminfo_fd, d) : 0;
}
