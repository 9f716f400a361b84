/* policy.h - the parsed, validated, resolved policy.
 *
 * A policy is JSON (see sandrun-policy(5)).  policy_scan.c checks the
 * bytes, policy_schema.c turns one document into a struct sr_policy,
 * policy_merge.c merges an "extends" chain, policy_emit.c writes the
 * canonical JSON back; policy_load.c finds files by name (it never sees
 * cJSON: it goes through policy_int.h).  After loading, the struct is plain C:
 * nothing else in sandrun sees cJSON.  Ownership: every pointer inside a
 * struct sr_policy belongs to it; sr_policy_free() releases all of it.
 */
#ifndef SR_POLICY_H
#define SR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define SR_POLICY_NAME_MAX 64
#define SR_POLICY_FILE_MAX (1024 * 1024)	/* bigger policy files are refused */

enum sr_mount_type {
	SR_MOUNT_RO = 0,	/* read-only bind of a host path */
	SR_MOUNT_RW,		/* read-write bind of a host path */
	SR_MOUNT_TMPFS,		/* fresh tmpfs, size bytes */
	SR_MOUNT_SYMLINK,	/* symlink dst -> src (src is the link text) */
	SR_MOUNT_DIR,		/* empty directory */
	SR_MOUNT_FILE,		/* regular file with inline content */
};

struct sr_mount {
	enum sr_mount_type type;
	char *src;		/* host path (RO/RW), link text (SYMLINK), NULL otherwise */
	char *dst;		/* absolute path inside the sandbox */
	char *content;		/* FILE: content (may contain no NUL), else NULL */
	size_t content_len;
	uint64_t size;		/* TMPFS: size in bytes (SR_UNLIMITED never allowed) */
	unsigned mode;		/* DIR/FILE/TMPFS permission bits; 0 = default */
	bool optional;		/* RO/RW: silently skipped when src does not exist;
				 * SYMLINK: created only when the host has dst */
	bool noexec;		/* TMPFS: "exec": false */
};

enum sr_network {
	SR_NETWORK_NONE = 0,	/* own net namespace, only loopback (up) */
	SR_NETWORK_LOOPBACK,	/* the same, an alias */
};

enum sr_sys_action {
	SR_SYS_ERRNO = 0,	/* refused calls fail with `errno` */
	SR_SYS_KILL,		/* refused calls kill the process (SIGSYS) */
	SR_SYS_LOG,		/* allowed but logged (policy development only) */
};

/* Limits: a value of SR_UNLIMITED (from util.h) means the policy said
 * "unlimited" explicitly.  The parser never produces it from a missing key
 * of a policy that does not extend another one: the base policy must set
 * every limit. */
struct sr_limits {
	uint64_t wall_ms;
	uint64_t cpu_ms;
	uint64_t memory;	/* bytes */
	uint64_t processes;	/* processes + threads */
	uint64_t open_files;
	uint64_t file_size;	/* bytes, RLIMIT_FSIZE */
	uint64_t output;	/* bytes per stream (stdout, stderr) */
	uint64_t tmpfs_tmp;	/* size of /tmp */
	uint64_t tmpfs_work;	/* size of the work dir */
	uint64_t tmpfs_shm;	/* size of /dev/shm */
	uint64_t cpus;		/* CPU rate, thousandths of a CPU (cpu.max);
				 * optional: missing is SR_UNLIMITED */
};

/* A session's limits (sandrun --session): memory, processes and the
 * tmpfs sizes hold for the whole session (its sandbox outlives a call);
 * lifetime, idle and calls end it.  The policy's "session" section gives
 * defaults and the ceilings an override may reach; resolved, every field
 * is set (memory and processes may be SR_UNLIMITED, calls too). */
struct sr_session_limits {
	uint64_t memory, processes;
	uint64_t tmpfs_tmp, tmpfs_work, tmpfs_shm;
	uint64_t lifetime_ms, idle_ms, calls;
};

struct sr_syscalls {
	enum sr_sys_action default_action;
	int errno_value;	/* errno for SR_SYS_ERRNO, default EPERM */
	char **allow;		/* NULL-terminated, syscall names, groups expanded, sorted, unique */
	size_t n_allow;
	char **deny;		/* NULL-terminated, names removed from allow (deny wins) */
	size_t n_deny;
	char **groups;		/* NULL-terminated, the group names as written (for printing) */
	size_t n_groups;
};

/* How to turn stderr into a structured error (issue: agent-facing result). */
enum sr_error_rule {
	SR_ERROR_RULE_NONE = 0,
	SR_ERROR_RULE_PYTHON,	/* last "Traceback (most recent call last):" block */
};

struct sr_policy {
	char *name;		/* the name it was looked up by, or file base name */
	char *path;		/* absolute path of the file it came from */
	char *description;
	char *extends;		/* parent name, NULL for a root policy (kept for printing) */

	/* run */
	char **command;		/* NULL-terminated argv template; "{code}" is replaced
				 * by the code file's path, "{args}" by the user's args */
	size_t n_command;
	char *code_name;	/* file name of the code in the work dir, e.g. "main.py" */
	char *workdir;		/* absolute, e.g. "/sandbox" */
	/* warm: the driver a ready sandbox of `sandrun serve` starts at
	 * create, waiting for the code (driver.h); NULL: none, the program
	 * starts at run */
	char **warm_command;	/* NULL-terminated argv */
	size_t n_warm_command;

	struct sr_limits limits;
	struct sr_session_limits session, session_max;	/* defaults, ceilings */
	struct sr_mount *mounts;	/* ordered, applied in this order */
	size_t n_mounts;
	enum sr_network network;
	struct sr_syscalls syscalls;
	char **env;		/* NULL-terminated "NAME=VALUE", the whole environment */
	size_t n_env;
	char *hostname;
	unsigned uid, gid;	/* inside the sandbox */
	char *user;		/* user name inside (passwd entry) */
	char *home;		/* home directory inside */
	enum sr_error_rule error_rule;
	/* "exec": programs may be executed from /tmp (and a home tmpfs),
	 * the work dir, /dev/shm.  Defaults: true, true, false. */
	bool exec_tmp, exec_work, exec_shm;

	/* hex sha256 of sr_policy_to_json() output, computed on first use
	 * after sr_policy_hash() (read it with sr_policy_sha256()) */
	char sha256_memo[65];
	bool sha256_due;
};

/* Parse one JSON document (no extends resolution).  `file` is used only in
 * messages ("python.json: limits.memroy: unknown key").  On failure fills d
 * with every problem found, one per line, and returns -1. */
int sr_policy_parse(const char *buf, size_t len, const char *file,
    struct sr_policy **out, struct sr_diag *d);

/* Find NAME (or a path when it contains '/'), follow "extends", merge and
 * validate.  Returns 0 and an allocated policy, or -1 with d filled.
 * The search path is documented in sandrun-policy(5). */
int sr_policy_load(const char *name_or_path, struct sr_policy **out,
    struct sr_diag *d);

/* Mark the policy hashed: its sha256 is that of the canonical JSON as it
 * is now.  sr_policy_load leaves it unhashed, so a caller that changes
 * the policy hashes once, after its changes.  The digest itself is
 * computed when first read (most runs never read it); a caller that
 * changes the policy again calls this again. */
void sr_policy_hash(struct sr_policy *p);

/* The hex sha256 since the last sr_policy_hash(), "" when never hashed.
 * Computes it on first read (the policy caches it). */
const char *sr_policy_sha256(const struct sr_policy *p);

/* Canonical JSON of the resolved policy (loadable again). Caller frees. */
char *sr_policy_to_json(const struct sr_policy *p);

/* One entry per policy found on the search path, first one wins. */
struct sr_policy_entry {
	char *name;
	char *path;
	char *description;	/* NULL if unreadable */
	char *problem;		/* NULL when usable, else why not (e.g. "node not installed") */
};
int sr_policy_list(struct sr_policy_entry **out, size_t *n, struct sr_diag *d);
void sr_policy_list_free(struct sr_policy_entry *e, size_t n);

/* The search path, NULL-terminated, caller frees with sr_strv_free. */
char **sr_policy_search_path(void);

void sr_policy_free(struct sr_policy *p);
void sr_strv_free(char **v);

/* True when s is a policy name: [a-z0-9][a-z0-9._-]*, at most
 * SR_POLICY_NAME_MAX bytes (anything containing '/' is a path instead). */
bool sr_policy_name_valid(const char *s);

#define SR_POLICY_DEPTH_MAX 32

#endif
