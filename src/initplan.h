/* initplan.h - the plan, for an init cloned before it was made.
 *
 * A cold run clones init before the policy is loaded (sandbox.h,
 * sr_sandbox_early), so the namespaces init makes (ns.h) are made
 * while the supervisor loads the policy and plans.  Init is a fork: it
 * has none of what was planned after clone.  The supervisor packs what
 * init needs of it (the mount plan, the hostname, the sandbox user)
 * into a sealed memfd sent with PLAN; init unpacks it into its own
 * memory before it opens a bind source.  Plain data only: a plan
 * holding a descriptor (a --file copy's source) or a staged tree does
 * not fit, and the run clones init the usual way instead.
 */
#ifndef SR_INITPLAN_H
#define SR_INITPLAN_H

#include <stdbool.h>

#include "child.h"
#include "diag.h"

/* Whether plan can be packed: no step holds a descriptor of ours, and
 * no staged tree (a pool's sandbox). */
bool sr_initplan_fits(const struct sr_mount_plan *plan);

/* Supervisor: sb's plan, hostname, loopback, uid and gid in a sealed
 * memfd.  The fd, or -1 with d. */
int sr_initplan_pack(const struct sr_sandbox *sb, struct sr_diag *d);

/* Init: read fd's plan into sb (plan, hostname, loopback, uid, gid),
 * in memory it allocates and never frees; every offset and string
 * checked to lie inside.  0, or -1 with d. */
int sr_initplan_take(int fd, struct sr_sandbox *sb, struct sr_diag *d);

/* The memory of a plan sr_initplan_take put in sb, freed (init has no
 * need to: it ends or execs). */
void sr_initplan_free(struct sr_sandbox *sb);

#endif
