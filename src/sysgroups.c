/* sysgroups.c - syscall groups ("@basic-io", ...) as data.
 *
 * Each group is a static NULL-terminated array of x86_64 syscall names.
 * The members are defined once as macros and the composite groups
 * (@python, @shell, @default) are built from them, so a name lives in one
 * place.  @default is the allowlist of SECURITY.md section 2.5 with the
 * calls its guidance adds back (the chown family, priority and scheduler
 * parameters, mlock/munlock: harmless without capabilities and with
 * RLIMIT_NICE, RLIMIT_RTPRIO at 0 and a small RLIMIT_MEMLOCK): 213 names
 * allowed unconditionally and 9 that filter.c only ever allows with an
 * argument rule (clone, clone3, ioctl, socket, prctl, personality,
 * prlimit64, mknod, mknodat; clone3 always fails with ENOSYS).  socketpair
 * is one of the 213 but filter.c also restricts it to AF_UNIX.
 * docs/syscall-groups.md explains each group.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "sysgroups.h"

#define G_BASIC_IO \
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", \
	"pwritev", "preadv2", "pwritev2", "lseek", "close", "close_range", \
	"dup", "dup2", "dup3", "fcntl", "ioctl"

#define G_FILE_SYSTEM \
	"flock", "fsync", "fdatasync", "ftruncate", "truncate", "fallocate", \
	"fadvise64", "open", "openat", "openat2", "creat", "stat", "fstat", \
	"lstat", "newfstatat", "statx", "statfs", "fstatfs", "access", \
	"faccessat", "faccessat2", "getcwd", "chdir", "fchdir", "getdents", \
	"getdents64", "mkdir", "mkdirat", "rmdir", "rename", "renameat", \
	"renameat2", "unlink", "unlinkat", "link", "linkat", "symlink", \
	"symlinkat", "readlink", "readlinkat", "chmod", "fchmod", "fchmodat", \
	"fchmodat2", "utime", "utimes", "utimensat", "futimesat", "getxattr", \
	"lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", \
	"sendfile", "copy_file_range", "umask", "cachestat", "mknod", "mknodat", \
	"chown", "fchown", "lchown", "fchownat"

#define G_MEMORY \
	"brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "msync", \
	"mincore", "membarrier", "map_shadow_stack", "mlock", "mlock2", \
	"munlock"

#define G_PROCESS \
	"set_tid_address", "set_robust_list", "get_robust_list", "arch_prctl", \
	"rseq", "futex", "futex_waitv", "futex_wait", "futex_wake", \
	"futex_requeue", "exit", "exit_group", "getpid", "gettid", "getppid", \
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", \
	"getgroups", "getpgrp", "getpgid", "getsid", "setpgid", "setsid", \
	"uname", "sysinfo", "getrusage", "times", "getrlimit", "setrlimit", \
	"prlimit64", "capget", "sched_yield", "sched_getaffinity", \
	"sched_setaffinity", "sched_getparam", "sched_getscheduler", \
	"sched_get_priority_max", "sched_get_priority_min", "getcpu", \
	"getpriority", "setpriority", "sched_setparam", "sched_setscheduler", \
	"sched_getattr", "sched_rr_get_interval", \
	"getrandom", "fork", "vfork", "clone", "clone3", "execve", \
	"execveat", "wait4", "waitid", "prctl", "personality"

#define G_SIGNAL \
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", \
	"rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo", \
	"rt_tgsigqueueinfo", "sigaltstack", "signalfd", "signalfd4", "kill", \
	"tgkill", "tkill", "pidfd_open", "pidfd_send_signal", "pause", \
	"restart_syscall"

#define G_TIME \
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", \
	"gettimeofday", "time", "alarm", "getitimer", "setitimer", \
	"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", \
	"timer_delete", "timerfd_create", "timerfd_settime", "timerfd_gettime"

/* Client side of sockets: what a shell's libc needs (nscd lookups). */
#define G_NETWORK_CLIENT \
	"socket", "socketpair", "connect", "getsockname", "getpeername", \
	"sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown"

#define G_NETWORK_IO \
	G_NETWORK_CLIENT, "bind", "listen", "accept", "accept4", \
	"setsockopt", "getsockopt", "sendmmsg", "recvmmsg"

#define G_IPC \
	"eventfd", "eventfd2", "epoll_create", "epoll_create1", "epoll_ctl", \
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", \
	"select", "pselect6", "pipe", "pipe2"

static const char *const g_basic_io[] = { G_BASIC_IO, NULL };
static const char *const g_file_system[] = { G_FILE_SYSTEM, NULL };
static const char *const g_memory[] = { G_MEMORY, NULL };
static const char *const g_process[] = { G_PROCESS, NULL };
static const char *const g_signal[] = { G_SIGNAL, NULL };
static const char *const g_time[] = { G_TIME, NULL };
static const char *const g_network_io[] = { G_NETWORK_IO, NULL };
static const char *const g_ipc[] = { G_IPC, NULL };
static const char *const g_python[] = {
	G_BASIC_IO, G_FILE_SYSTEM, G_MEMORY, G_PROCESS, G_SIGNAL, G_TIME,
	G_NETWORK_IO, G_IPC, NULL
};
static const char *const g_shell[] = {
	G_BASIC_IO, G_FILE_SYSTEM, G_MEMORY, G_PROCESS, G_SIGNAL, G_TIME,
	G_NETWORK_CLIENT, G_IPC, NULL
};
static const char *const g_default[] = {
	G_BASIC_IO, G_FILE_SYSTEM, G_MEMORY, G_PROCESS, G_SIGNAL, G_TIME,
	G_NETWORK_IO, G_IPC, NULL
};

static const struct {
	const char *name;
	const char *const *members;
} groups[] = {
	{ "@basic-io", g_basic_io },
	{ "@default", g_default },
	{ "@file-system", g_file_system },
	{ "@ipc", g_ipc },
	{ "@memory", g_memory },
	{ "@network-io", g_network_io },
	{ "@process", g_process },
	{ "@python", g_python },
	{ "@shell", g_shell },
	{ "@signal", g_signal },
	{ "@time", g_time },
};

static const char *const group_names[] = {
	"@basic-io", "@default", "@file-system", "@ipc", "@memory",
	"@network-io", "@process", "@python", "@shell", "@signal", "@time",
	NULL
};

/* The members of group NAME ("@basic-io"), NULL-terminated, or NULL when
 * there is no such group.  Static data; do not free. */
const char *const *
sr_syscall_group(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(groups[i].name, name) == 0)
			return groups[i].members;
	return NULL;
}

/* Every group name, sorted, NULL-terminated.  Static data. */
const char *const *
sr_syscall_group_names(void)
{
	return group_names;
}
