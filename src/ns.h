/* ns.h - namespaces: clone flags, uid/gid maps, hostname, loopback. */
#ifndef SR_NS_H
#define SR_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "diag.h"
#include "result.h"

/* Namespaces every sandbox gets. */
#define SR_NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | \
	CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

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
