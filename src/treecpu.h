/* treecpu.h - the CPU time of a process tree, read from /proc.
 *
 * Where no cgroup counts a sandbox's CPU, a session's interpreter lives
 * across calls and only its soft RLIMIT_CPU can move to each call's
 * limit (a hard limit, once lowered, cannot be raised for the next
 * call); SIGXCPU can be ignored.  The supervisor then samples the tree's
 * CPU time itself and stops the call past the limit. */
#ifndef SR_TREECPU_H
#define SR_TREECPU_H

#include <stdint.h>
#include <sys/types.h>

/* At most this many processes are visited. */
#define SR_TREECPU_MAX 4096

/* CPU time (user + system, ms) of root and its living descendants, plus
 * what the descendants they reaped used (cutime, cstime): every process
 * counted once, alive or reaped.  0, or -1 with errno when root's own
 * entry cannot be read (gone). */
int sr_tree_cpu_ms(pid_t root, uint64_t *ms);

/* The utime + stime + cutime + cstime fields of a /proc/PID/stat line,
 * in clock ticks.  0, or -1 when the line is malformed. */
int sr_stat_cpu_ticks(const char *line, unsigned long long *ticks);

#endif
