/* floor.c - benchmark helper, not installed: the kernel's price of the
 * layers sandrun builds, paid by the smallest program that builds them,
 * so that `make bench` can say how far sandrun is from that floor.
 *
 *   floor [-a] [-d] [-m] [-k] [-r] [-c] [-s BPF] -- PROGRAM [ARG]...
 *
 * Always: user, pid, mount, network, IPC, UTS and cgroup namespaces (one
 * clone, the id maps written by the parent), a tmpfs root with /usr bound
 * read-only, the usual /bin /lib /lib64 links, /etc/ld.so.cache, /tmp, a
 * fresh /proc, pivot_root; the namespace's init forks the program and
 * reaps it.  Options add what sandrun also does: -d a /dev of six bound
 * nodes on a read-only tmpfs; -m sandrun's /proc masks (five files bound
 * to /dev/null, four directories under an empty read-only tmpfs, four
 * subtrees made read-only); -k every capability dropped (bounding set and
 * capset); -r six rlimits; -c (root, cgroup v1) a leaf in the memory,
 * pids and cpuacct hierarchies that init joins and the parent removes;
 * -s BPF no_new_privs and the raw seccomp program in file BPF (what
 * bench/bpf-export writes); -a all of -d -m -k -r -c.  No supervisor, no
 * policy, no output capture, no report: those are sandrun's own cost.
 * Failures print one line and exit 125.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static bool o_dev, o_mask, o_caps, o_rlim, o_cg;
static struct sock_fprog bpf;
static char **prog;
static int go[2];
static char cg[3][128];
static const char *const cg_ctl[3] = { "memory", "pids", "cpuacct" };

static void
die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	_exit(125);
}

static void
xmount(const char *src, const char *dst, const char *type,
    unsigned long fl, const char *data)
{
	if (mount(src, dst, type, fl, data) < 0)
		die(dst);
}

static void
bind_ro(const char *src, const char *dst, unsigned long extra)
{
	xmount(src, dst, NULL, MS_BIND | MS_REC, NULL);
	xmount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID |
	    MS_NODEV | extra, NULL);
}

static void
touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		die(path);
	close(fd);
}

static void
make_dev(void)
{
	static const char *const n[] = { "null", "zero", "full", "random",
	    "urandom", "tty" };
	char s[64], d[64];
	size_t i;

	mkdir("/mnt/dev", 0755);
	xmount("tmpfs", "/mnt/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
	    "mode=0755,size=64k");
	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		snprintf(s, sizeof(s), "/dev/%s", n[i]);
		snprintf(d, sizeof(d), "/mnt/dev/%s", n[i]);
		touch(d);
		xmount(s, d, NULL, MS_BIND, NULL);
	}
	mkdir("/mnt/dev/shm", 01777);
	xmount("tmpfs", "/mnt/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "size=64m");
	xmount(NULL, "/mnt/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID |
	    MS_NOEXEC, "mode=0755,size=64k");
}

static void
mask_proc(void)
{
	static const char *const f[] = { "keys", "timer_list", "kmsg",
	    "kallsyms", "sched_debug" };
	static const char *const dir[] = { "acpi", "driver", "tty", "scsi" };
	static const char *const ro[] = { "bus", "fs", "irq", "sys" };
	char p[64];
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(p, sizeof(p), "/mnt/proc/%s", f[i]);
		if (access(p, F_OK) == 0)
			bind_ro("/dev/null", p, MS_NOEXEC);
	}
	for (i = 0; i < sizeof(dir) / sizeof(dir[0]); i++) {
		snprintf(p, sizeof(p), "/mnt/proc/%s", dir[i]);
		if (access(p, F_OK) == 0)
			xmount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID |
			    MS_NODEV | MS_NOEXEC, "size=4k");
	}
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		snprintf(p, sizeof(p), "/mnt/proc/%s", ro[i]);
		if (access(p, F_OK) == 0)
			bind_ro(p, p, MS_NOEXEC);
	}
}

static void
drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];
	int i;

	for (i = 0; i <= CAP_LAST_CAP; i++)
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
			die("PR_CAPBSET_DROP");
	memset(c, 0, sizeof(c));
	if (syscall(SYS_capset, &h, c) < 0)
		die("capset");
}

static void
set_rlimits(void)
{
	static const int r[] = { RLIMIT_CPU, RLIMIT_NPROC, RLIMIT_NOFILE,
	    RLIMIT_FSIZE, RLIMIT_CORE, RLIMIT_AS };
	static const rlim_t v[] = { 10, 64, 256, 64 << 20, 0, RLIM_INFINITY };
	struct rlimit l;
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		l.rlim_cur = l.rlim_max = v[i];
		if (setrlimit(r[i], &l) < 0)
			die("setrlimit");
	}
}

/* The namespace's init: the root, then the program as its child. */
static int
init_main(void *arg)
{
	char c, p[400];
	pid_t pid;
	int st, i;

	(void)arg;
	if (read(go[0], &c, 1) != 1)
		die("read GO");
	for (i = 0; o_cg && i < 3; i++) {
		snprintf(p, sizeof(p), "%s/tasks", cg[i]);
		int fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			die(p);
		close(fd);
	}
	if (unshare(CLONE_NEWCGROUP) < 0)
		die("unshare cgroup");
	xmount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	xmount("tmpfs", "/mnt", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mkdir("/mnt/usr", 0755);
	mkdir("/mnt/proc", 0755);
	mkdir("/mnt/etc", 0755);
	mkdir("/mnt/tmp", 01777);
	mkdir("/mnt/old", 0755);
	bind_ro("/usr", "/mnt/usr", 0);
	if (symlink("usr/bin", "/mnt/bin") < 0 ||
	    symlink("usr/lib", "/mnt/lib") < 0 ||
	    symlink("usr/lib64", "/mnt/lib64") < 0)
		die("symlink");
	touch("/mnt/etc/ld.so.cache");
	bind_ro("/etc/ld.so.cache", "/mnt/etc/ld.so.cache", 0);
	xmount("tmpfs", "/mnt/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m");
	xmount("proc", "/mnt/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL);
	if (o_dev)
		make_dev();
	if (o_mask)
		mask_proc();
	if (syscall(SYS_pivot_root, "/mnt", "/mnt/old") < 0)
		die("pivot_root");
	if (chdir("/") < 0 || umount2("/old", MNT_DETACH) < 0)
		die("old root");
	xmount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
	    "mode=0755");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (o_rlim)
			set_rlimits();
		if (o_caps)
			drop_caps();
		if (bpf.len && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &bpf) < 0))
			die("seccomp");
		execv(prog[0], prog);
		die(prog[0]);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void
put(const char *file, const char *s)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die(file);
	close(fd);
}

static void
load_bpf(const char *file)
{
	static struct sock_filter ins[BPF_MAXINSNS];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || (n = read(fd, ins, sizeof(ins))) <= 0 ||
	    n % (ssize_t)sizeof(ins[0]) != 0)
		die(file);
	close(fd);
	bpf.len = (unsigned short)(n / sizeof(ins[0]));
	bpf.filter = ins;
}

int
main(int argc, char **argv)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	char f[64], s[64];
	pid_t pid;
	int c, st, i;

	while ((c = getopt(argc, argv, "+admkrcs:")) != -1) {
		switch (c) {
		case 'a': o_dev = o_mask = o_caps = o_rlim = o_cg = true; break;
		case 'd': o_dev = true; break;
		case 'm': o_mask = true; break;
		case 'k': o_caps = true; break;
		case 'r': o_rlim = true; break;
		case 'c': o_cg = true; break;
		case 's': load_bpf(optarg); break;
		default:
			fprintf(stderr, "usage: floor [-admkrc] [-s BPF] -- "
			    "PROGRAM [ARG]...\n");
			return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "floor: no program\n");
		return 125;
	}
	prog = argv + optind;
	o_cg = o_cg && geteuid() == 0 &&
	    access("/sys/fs/cgroup/memory/tasks", W_OK) == 0;
	for (i = 0; o_cg && i < 3; i++) {
		snprintf(cg[i], sizeof(cg[i]), "/sys/fs/cgroup/%s/floor-%d",
		    cg_ctl[i], (int)getpid());
		if (mkdir(cg[i], 0755) < 0)
			die(cg[i]);
	}
	if (o_cg) {
		char p[192];

		snprintf(p, sizeof(p), "%s/memory.limit_in_bytes", cg[0]);
		put(p, "536870912");
		snprintf(p, sizeof(p), "%s/pids.max", cg[1]);
		put(p, "64");
	}
	if (pipe2(go, O_CLOEXEC) < 0)
		die("pipe");
	pid = clone(init_main, stack + sizeof(stack), CLONE_NEWUSER |
	    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC |
	    CLONE_NEWUTS | SIGCHLD, NULL);
	if (pid < 0)
		die("clone");
	snprintf(f, sizeof(f), "/proc/%d/uid_map", (int)pid);
	snprintf(s, sizeof(s), "0 %d 1\n", (int)getuid());
	put(f, s);
	snprintf(f, sizeof(f), "/proc/%d/setgroups", (int)pid);
	put(f, "deny");
	snprintf(f, sizeof(f), "/proc/%d/gid_map", (int)pid);
	snprintf(s, sizeof(s), "0 %d 1\n", (int)getgid());
	put(f, s);
	if (write(go[1], "g", 1) != 1)
		die("write GO");
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	for (i = 0; o_cg && i < 3; i++)
		if (rmdir(cg[i]) < 0)
			die(cg[i]);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
