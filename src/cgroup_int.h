/* cgroup_int.h - what cgroup.c, cgroup_v1.c and cgroup_v2.c share; not
 * for other modules (they use cgroup.h). */
#ifndef SR_CGROUP_INT_H
#define SR_CGROUP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

/* The cgroup file system root: /sys/fs/cgroup, or a fake tree set by
 * sr_cgroup_test_seams() (unit tests only). */
const char *sr_cg_root(void);
/* True when a fake tree is in use: files are created on write and
 * destroy unlinks them before rmdir. */
bool sr_cg_fake(void);
/* Content of /proc/self/cgroup (or the fake one).  0, or -1 with errno. */
int sr_cg_read_self(char **out);

/* dir/file I/O.  0, or -1 with errno.  sr_cg_read: dir may be NULL (file
 * is then a full path); *out is a new NUL-terminated buffer. */
int sr_cg_write(const char *dir, const char *file, const char *val);
int sr_cg_write_u64(const char *dir, const char *file, uint64_t v);
int sr_cg_read(const char *dir, const char *file, char **out);
/* "max" reads as SR_UNLIMITED. */
int sr_cg_read_u64(const char *dir, const char *file, uint64_t *v);
/* "key N" at the start of a line of dir/file. */
int sr_cg_buf_key(const char *buf, const char *key, uint64_t *v);
/* The number at the start of buf ("max" is SR_UNLIMITED); -1 EINVAL. */
int sr_cg_buf_u64(const char *buf, uint64_t *v);
/* dir/file as sr_cg_read, by the descriptor of counter file `slot`
 * when sr_cgroup_stats_open opened it (cgroup.c). */
int sr_cg_stat_read(const struct sr_cgroup *cg, int slot, const char *dir,
    const char *file, char **out);
/* sr_cg_read_u64 and sr_cg_read_key by sr_cg_stat_read */
int sr_cg_stat_u64(const struct sr_cgroup *cg, int slot, const char *dir,
    const char *file, uint64_t *v);
int sr_cg_stat_key(const struct sr_cgroup *cg, int slot, const char *dir,
    const char *file, const char *key, uint64_t *v);
/* counter file slots: v1 and v2 name different files */
enum { SR_CG_ST_PEAK, SR_CG_ST_MEMEV, SR_CG_ST_PIDSEV, SR_CG_ST_CPU,
	SR_CG_ST_CPUSTAT };
int sr_cg_read_key(const char *dir, const char *file, const char *key,
    uint64_t *v);
/* Write v, read it back: 0 only when the kernel kept v (page rounding
 * allowed with `page`, for byte limits). */
int sr_cg_set_u64(const char *dir, const char *file, uint64_t v, bool page);
/* Does the list contain word (separated by sep, blanks or newlines)? */
bool sr_cg_has_word(const char *list, const char *word, char sep);
/* Is pid listed in dir/cgroup.procs? */
bool sr_cg_has_pid(const char *dir, pid_t pid);
int sr_cg_scan_pids(const char *dir, pid_t pid, bool *found, size_t *others);

/* From /proc/self/cgroup content, the path of the hierarchy whose
 * controller list contains ctrl ("" for the v2 line "0::").  New string
 * or NULL; *ctrls gets the controller list (v1) when non-NULL. */
char *sr_cg_self_path(const char *self, const char *ctrl, char **ctrls);
/* root + path without a doubled or trailing slash; new string. */
char *sr_cg_join(const char *root, const char *path);
/* A fresh leaf name, sandrun-<pid>-<hex>. */
void sr_cg_leaf_name(char *buf, size_t len);
/* SIGKILL every pid in dir/cgroup.procs until it is empty (or rounds run
 * out).  True when it was seen empty. */
bool sr_cg_kill_procs(const char *dir, int rounds);
/* rmdir, retrying (and killing) while the last processes go. */
void sr_cg_rm_leaf(const char *dir);
/* Remove empty leaves of crashed runs under parent. */
void sr_cg_gc_leaves(const char *parent);
/* Append s to buf (truncating). */
void sr_cg_why_add(char *buf, size_t len, const char *s);

/* cgroup_v2.c */
/* Where a cold sandrun moves itself so that its own cgroup can hold the
 * run's leaf (a cgroup with processes cannot enable controllers). */
#define SR_CG_SUPERVISOR_LEAF "sandrun-supervisor"
/* A server, while alone in its delegated cgroup own: move it into
 * own/sandrun-supervisor and enable the controllers in own, so that
 * the children it forks are born beside the runs' leaves. */
void sr_cg_v2_settle(const char *own);
int sr_cg_v2_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    const char *parent, bool own, struct sr_limit_report *lim_out,
    char *why, size_t wl);
int sr_cg_v2_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st,
    bool usage);
enum sr_cgroup_case sr_cg_v2_probe(const char *own, char *why, size_t wl);

/* Write a CPU rate (thousandths of a CPU) as v2 cpu.max, "QUOTA PERIOD"
 * with a 100 ms period, and read it back.  0, or -1 with errno. */
int sr_cg_set_cpu_max(const char *dir, uint64_t milli);

/* cgroup_v1.c: the CPU rate (thousandths of a CPU) as CFS bandwidth,
 * quota per 100 ms period, on the cpu leaf (or cpuacct's when they share
 * a hierarchy).  0, or -1 (not writable, or refused). */
int sr_cg_v1_set_cpus(struct sr_cgroup *cg, uint64_t milli);

/* cgroup_v1.c: leaves per controller (memory, pids, cpuacct, cpu) */
#define SR_CG_V1_N 4
int sr_cg_v1_setup(struct sr_cgroup *cg, const struct sr_limits *l,
    struct sr_limit_report *lim_out, const char *self);
int sr_cg_v1_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *st,
    bool usage);
char **sr_cg_v1_slot(struct sr_cgroup *cg, size_t i);

#endif
