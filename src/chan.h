/* chan.h - the one channel between the supervisor and the sandbox.
 *
 * A SOCK_SEQPACKET socketpair made before clone.  Every message is one
 * record: a fixed header (type, payload length) and a fixed-size payload
 * per type, with file descriptors attached as SCM_RIGHTS where the type
 * says so.  Records keep their boundaries and their order, so each side
 * reads whole messages and the first failure reported on either side is
 * the one the user sees.  docs/lifecycle.md has the conversation.
 *
 * Init and the program send without allocating (after clone); the
 * program sends with write(2) only, the one call every filter allows.
 */
#ifndef SR_CHAN_H
#define SR_CHAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "diag.h"

#define SR_CHAN_MAX_FDS 8

enum sr_msg_type {
	SR_MSG_GO = 1,		/* supervisor -> init: uid/gid maps written */
	SR_MSG_READY,		/* init -> supervisor: root fs built, waiting */
	SR_MSG_RUN,		/* supervisor -> init: start a program; fds */
	SR_MSG_FACTS,		/* program -> supervisor: isolation confirmed */
	SR_MSG_DIAG,		/* init or program -> supervisor: a step failed */
	SR_MSG_STATUS,		/* init -> supervisor: the program ended */
	SR_MSG_EXIT,		/* supervisor -> init: no more runs */
	SR_MSG_WARM,		/* supervisor -> init: start the warm driver
				 * (driver.h), then READY again; payload
				 * sr_msg_run, fds: its memfd, [notify] */
	SR_MSG_VALUE,		/* init -> supervisor, before STATUS: a
				 * session call's value (value.h); fd: a
				 * sealed memfd */
	SR_MSG_JOINED,		/* init -> supervisor, a cold run's, before
				 * READY: in the v1 leaves GO brought */
	SR_MSG_PLAN,		/* supervisor -> init cloned before the
				 * plan was made (initplan.h): fd, its
				 * memfd; before GO */
	SR_MSG_COUNT
};

/* SR_MSG_RUN: which descriptors follow, in this order. */
#define SR_RUN_STDIN (1u << 0)	/* else /dev/null inside */
#define SR_RUN_NOTIFY (1u << 1)	/* the program's end of the notify socket */
#define SR_RUN_EXPORT (1u << 2)	/* memfd for the work dir's files */
#define SR_RUN_FILES (1u << 3)	/* --file copies made at run (mounts.h) */
#define SR_RUN_MEMINFO (1u << 4)	/* a warm call's /proc/meminfo (memfd) */
#define SR_RUNF_LOOP (1u << 0)	/* a session's call: the warm driver runs it
				 * in loop mode and lives on (driver.h) */
#define SR_RUNF_RLIMITS (1u << 1)	/* a warm call's own rlimits follow,
				 * lower than the pool's: init lowers the
				 * driver's to them (never raises) */
#define SR_RUNF_TMPFS (1u << 2)	/* a warm call's tmpfs sizes follow (its
				 * lower memory limit: mounts.h) */
#define SR_RUN_RLIMITS 8	/* as many as FACTS reads back */
struct sr_msg_run {
	uint32_t fds;		/* SR_RUN_* (stdout, stderr and the program's
				 * memfd (program.h) always come first, then
				 * stdin, notify, export, files) */
	uint32_t flags;		/* SR_RUNF_* */
	uint64_t export_max;	/* bytes the export may copy */
	uint32_t n_rlimits;	/* SR_RUNF_RLIMITS: the first of the plan's */
	int rl_resource[SR_RUN_RLIMITS];
	struct rlimit rl_value[SR_RUN_RLIMITS];
	uint64_t tmpfs[3];	/* SR_RUNF_TMPFS: /tmp, work dir, /dev/shm */
};

/* SR_MSG_FACTS: what the program observed of its own confinement just
 * before execve, read back from the kernel where it can be. */
#define SR_FACT_NO_NEW_PRIVS (1u << 0)	/* PR_GET_NO_NEW_PRIVS == 1 */
#define SR_FACT_CAPS_DROPPED (1u << 1)	/* capget: all sets empty, bounding empty */
#define SR_FACT_SECCOMP (1u << 2)	/* filter loaded (PR_GET_SECCOMP == 2) */
#define SR_FACT_RLIMITS (1u << 3)	/* every planned rlimit read back */
#define SR_FACT_WARM (1u << 4)	/* from init at a warm call: the driver's
				 * rlimits read back (prlimit) after RLIMIT_CPU
				 * was moved by cpu_base_s; the other flags
				 * came with the driver's own FACTS at create */
struct sr_msg_facts {
	uint32_t flags;		/* SR_FACT_* */
	uint32_t n_rlimits;
	int resource[8];	/* getrlimit after setrlimit */
	struct rlimit value[8];
	uint64_t cpu_base_s;	/* SR_FACT_WARM: CPU seconds the driver used
				 * before the call (rounded up), added to
				 * RLIMIT_CPU so the call gets its whole limit */
};

/* SR_MSG_STATUS */
#define SR_STATUS_INIT_ENDS (1 << 0)	/* init exits after this record (a
					 * session's driver ended: the
					 * sandbox goes with it) */
struct sr_msg_status {
	int wstatus;		/* from wait4 on the program */
	int flags;		/* SR_STATUS_* */
	struct rusage ru;	/* the program's own */
	uint64_t exec_ns;	/* monotonic time of the fork of the program */
};

/* SR_MSG_VALUE: the memfd holds len bytes of repr, then png_len bytes
 * of base64 PNG (value.h bounds both). */
#define SR_VALUE_HAS_TEXT (1u << 0)
#define SR_VALUE_HAS_PNG (1u << 1)
struct sr_msg_value {
	uint32_t present;	/* SR_VALUE_HAS_* */
	uint32_t pad;
	uint64_t len, png_len;
};

struct sr_msg {
	uint32_t type;		/* enum sr_msg_type */
	uint32_t len;		/* bytes of payload */
	union {
		struct sr_msg_run run;
		struct sr_msg_facts facts;
		struct sr_msg_status status;
		struct sr_msg_value value;
		struct sr_diag diag;
	} u;
};

/* Make the pair: sv[0] for the supervisor, sv[1] for the sandbox.  Both
 * close-on-exec.  Returns 0 or -1 with errno. */
int sr_chan_pair(int sv[2]);

/* Send one record of `type` with `len` bytes of payload and nfds
 * descriptors (sendmsg, MSG_NOSIGNAL).  Returns 0 or -1 with errno
 * (EPIPE when the peer is gone). */
int sr_chan_send(int fd, enum sr_msg_type type, const void *payload,
    uint32_t len, const int *fds, int nfds);

/* The same without descriptors, with write(2) only: for the program,
 * whose seccomp filter allows write in every policy. */
int sr_chan_write(int fd, enum sr_msg_type type, const void *payload,
    uint32_t len);

/* Receive one record into m, descriptors (close-on-exec) into fds[]
 * (room for SR_CHAN_MAX_FDS), their count into *nfds.  Blocks unless
 * the socket is non-blocking.  Returns 1 for a record, 0 at EOF, -1 with
 * errno; a record whose type or length is wrong is EPROTO (its
 * descriptors closed). */
int sr_chan_recv(int fd, struct sr_msg *m, int *fds, int *nfds);

/* The payload size a type must carry. */
uint32_t sr_chan_payload_size(enum sr_msg_type type);

const char *sr_chan_type_name(enum sr_msg_type type);

#endif
