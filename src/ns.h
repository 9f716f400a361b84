/* ns.h - namespaces: clone flags, uid/gid maps, hostname, loopback. */
#ifndef SR_NS_H
#define SR_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "diag.h"
#include "result.h"

/* Every sandbox gets a user, mount, pid, network, IPC, UTS and cgroup
 * namespace.  The ones init is cloned with: its user namespace (the supervisor
 * writes its id maps) and its pid namespace (init is its pid 1). */
#define SR_NS_CLONE_FLAGS (CLONE_NEWUSER | CLONE_NEWPID)

/* The ones init creates itself, first thing, with every capability of
 * its user namespace (which owns them, as with clone): beside the
 * supervisor's work after clone rather than inside its clone(2) (the
 * network namespace alone costs ~0.5 ms; docs/profile.md, round 5).
 * The mount namespace before the bind sources are opened, all of them
 * before the user namespace's quotas forbid new ones.  The cgroup
 * namespace once init is in its cgroup (sr_ns_unshare's caller). */
#define SR_NS_INIT_FLAGS (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | \
	CLONE_NEWUTS)

/* One bit per namespace kind: which ones were seen new and owned by
 * the sandbox's user namespace (the user namespace: new). */
enum {
	SR_NS_SEEN_USER = 1 << 0, SR_NS_SEEN_PID = 1 << 1,
	SR_NS_SEEN_MNT = 1 << 2, SR_NS_SEEN_NET = 1 << 3,
	SR_NS_SEEN_IPC = 1 << 4, SR_NS_SEEN_UTS = 1 << 5,
	SR_NS_SEEN_CGROUP = 1 << 6,
};

/* A namespace as the kernel names it: its nsfs inode. */
struct sr_ns_id {
	unsigned long long dev, ino;
};

/* The supervisor's own namespaces init compares its own with: those it
 * is cloned into (user, pid) and, when clone makes it, cgroup. */
struct sr_ns_host {
	struct sr_ns_id user, pid, cgroup;
};

/* Before clone: the caller's namespaces for sr_ns_seen_cloned.  A
 * namespace that cannot be read has a zero id (then never seen new). */
void sr_ns_host_ids(struct sr_ns_host *h);

/* In init: unshare(FLAGS), some of SR_NS_INIT_FLAGS | CLONE_NEWCGROUP,
 * and add to *SEEN each namespace now different from before and owned
 * (NS_GET_USERNS) by init's user namespace.  -1 with d when unshare
 * fails. */
int sr_ns_unshare(int flags, unsigned *seen, struct sr_diag *d);

/* In init: add to *SEEN the namespaces of CLONE_FLAGS (those init was
 * cloned with) that differ from the supervisor's in H, each but the
 * user namespace owned by init's. */
void sr_ns_seen_cloned(const struct sr_ns_host *h, int clone_flags,
    unsigned *seen);

/* The isolation flags of SEEN's namespaces. */
void sr_ns_seen_report(unsigned seen, struct sr_isolation *iso);

/* Host uid/gid the sandbox user maps to when sandrun runs as root: never
 * host root, never a login user. */
#define SR_ROOT_MAP_ID 65534

/* From the supervisor: map `uid`/`gid` inside `pid`'s user namespace to
 * our own ids (or to SR_ROOT_MAP_ID when we are root).  Denies setgroups
 * unless we are root.  With SUB_UID (not 0, from sr_quota_run_uid) and
 * not root, `uid` maps to SUB_UID through newuidmap instead, read back
 * from uid_map; when newuidmap refuses, to our own uid.  *GOT says which
 * host uid the sandbox's user has. */
int sr_ns_write_maps(pid_t pid, unsigned uid, unsigned gid, unsigned sub_uid,
    enum sr_host_uid *got, struct sr_diag *d);

/* Map `uid` inside `pid`'s user namespace to HOST, a subordinate uid of
 * ours, with newuidmap (setuid root: the kernel takes a map of another
 * uid only from a writer with CAP_SETUID above it), and read the map
 * back.  Returns 1 mapped; 0 when newuidmap refused and the map is still
 * empty, d saying why (its own words); -1 with d otherwise. */
int sr_ns_map_subuid(pid_t pid, unsigned uid, unsigned host,
    struct sr_diag *d);

/* In init: become the sandbox user inside (keeping capabilities in the
 * namespace), drop supplementary groups when allowed. */
int sr_ns_become_user(unsigned uid, unsigned gid, struct sr_diag *d);

int sr_ns_set_hostname(const char *name, struct sr_diag *d);
int sr_ns_loopback_up(struct sr_diag *d);

/* Drop every capability (bounding, ambient, effective, permitted,
 * inheritable).  In the program, before seccomp. */
int sr_ns_drop_caps(struct sr_diag *d);

/* In the program: read back that no capability is left (capget: every
 * set empty, hence the ambient set too; the bounding set empty).  No
 * allocation. */
bool sr_ns_caps_dropped(void);

#endif
