/* serve_proto.h - the messages between a sandrun client and `sandrun serve`.
 *
 * One SOCK_SEQPACKET connection per call, so every message is one datagram
 * with its own boundaries:
 *
 *   server -> client   HELLO   protocol version, status, what it supports
 *   client -> server   REQUEST RUN (argv, environment, umask; with the
 *                              client's stdin, stdout, stderr and working
 *                              directory as SCM_RIGHTS), STATUS, or
 *                              SESSION (host session NAME on socket PATH:
 *                              a fixed record, no descriptors)
 *   server -> client   REPLY   START (the call runs: no cold fallback after
 *                              this), DONE (exit status; SESSION: hosted),
 *                              DECLINE (run cold), ERROR (bad request; run
 *                              cold; SESSION: not hosted), STATUS.  A
 *                              ready sandbox's worker sends the DONE of
 *                              its call itself, on the connection the
 *                              server passed it: it may come before START
 *                              (which then is moot)
 *   client -> server   SIGNAL  forward SIGINT/SIGTERM/SIGHUP to the call
 *
 * Both ends are the same uid on the same host: integers are in host order.
 * Everything received is untrusted and parsed with fixed bounds here; this
 * file does no I/O, so the fuzzer and the unit tests drive it directly.
 */
#ifndef SR_SERVE_PROTO_H
#define SR_SERVE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define SR_SERVE_PROTOCOL 1
#define SR_SERVE_MSG_MAX (128u * 1024)	/* largest request, all strings */
#define SR_SERVE_ARGC_MAX 1024u
#define SR_SERVE_ENVC_MAX 1024u
#define SR_SERVE_NFDS 4			/* stdin, stdout, stderr, cwd */
#define SR_SERVE_POOLS_MAX 16
#define SR_SERVE_NAME_MAX 64		/* pool (policy) name, with NUL */
#define SR_SERVE_REASON_MAX 240

enum sr_serve_hello_status {
	SR_SERVE_HELLO_OK = 0,
	SR_SERVE_HELLO_REFUSED,		/* another uid */
	SR_SERVE_HELLO_BUSY,		/* too many connections */
	SR_SERVE_HELLO_DRAINING,	/* shutting down */
};

/* Bits of sr_serve_hello.features. */
enum {
	SR_SERVE_F_RUN = 1 << 0,	/* takes RUN requests */
	SR_SERVE_F_STATUS = 1 << 1,	/* takes STATUS requests */
	SR_SERVE_F_SIGNAL = 1 << 2,	/* forwards SIGNAL messages */
	SR_SERVE_F_WARM = 1 << 3,	/* has warm sandboxes at all */
	SR_SERVE_F_SESSION = 1 << 4,	/* hosts sessions (SESSION requests) */
};

enum sr_serve_req_type {
	SR_SERVE_REQ_RUN = 1,
	SR_SERVE_REQ_STATUS,
	SR_SERVE_REQ_SIGNAL,
	SR_SERVE_REQ_SESSION,
	/* a RUN sent with the connect, before the hello: served only when
	 * the client runs the server's very binary (its /proc/PID/exe, from
	 * SO_PEERCRED), declined otherwise; a server that predates it
	 * refuses the unknown type, so nothing runs that the client would
	 * not have handed over */
	SR_SERVE_REQ_RUN_EARLY,
};

enum sr_serve_reply_type {
	SR_SERVE_REP_START = 1,
	SR_SERVE_REP_DONE,
	SR_SERVE_REP_DECLINE,
	SR_SERVE_REP_ERROR,
	SR_SERVE_REP_STATUS,
};

/* Bits of sr_serve_reply.flags. */
enum {
	SR_SERVE_REP_WARM = 1 << 0,	/* a ready sandbox served the call */
};

struct sr_serve_hello {
	char magic[4];			/* "SRHI" */
	uint16_t version;		/* SR_SERVE_PROTOCOL */
	uint16_t status;		/* enum sr_serve_hello_status */
	uint32_t max_request;		/* bytes */
	uint32_t features;		/* SR_SERVE_F_* */
	struct sr_serve_exe {		/* the server's binary: a client */
		uint64_t dev, ino;	/* hands over only to the very same */
		int64_t mtime_ns;	/* one, so a call runs the same code */
	} exe;
};

struct sr_serve_reqhdr {
	char magic[4];			/* "SRRQ" */
	uint16_t version;
	uint16_t type;			/* enum sr_serve_req_type */
	uint32_t argc;			/* RUN: argument strings that follow */
	uint32_t envc;			/* RUN: environment strings after them */
	uint32_t umask;			/* RUN: the client's umask; SIGNAL: signo */
};

struct sr_serve_reply {
	char magic[4];			/* "SRRP" */
	uint16_t version;
	uint16_t type;			/* enum sr_serve_reply_type */
	int32_t status;			/* DONE: the exit status */
	uint32_t flags;			/* SR_SERVE_REP_* */
	char reason[SR_SERVE_REASON_MAX];	/* DECLINE/ERROR, NUL-terminated */
};

/* SESSION request: the header (argc, envc, umask 0), then this record.
 * name is a session name ([A-Za-z0-9._-]{1,64}, not . or ..), path an
 * absolute socket path ending in /NAME.sock; both NUL-terminated and
 * NUL-padded.  idle_ms and life_ms: the command line's, or 0 for the
 * policy's. */
#define SR_SERVE_SESSION_NAME 72
#define SR_SERVE_SESSION_PATH 108
#define SR_SERVE_SESSION_MS_MAX (366ULL * 24 * 3600 * 1000)
struct sr_serve_session_msg {
	char name[SR_SERVE_SESSION_NAME];
	char path[SR_SERVE_SESSION_PATH];
	uint32_t zero;			/* must be 0 */
	uint64_t idle_ms, life_ms;
};

/* STATUS reply: a reply header, then this, then n_pools pool records,
 * then n_sessions session records. */
struct sr_serve_stats {
	uint32_t n_pools;
	uint32_t in_flight;		/* calls running now */
	uint32_t max_calls;
	uint32_t features;
	int64_t pid;
	uint64_t uptime_ms;
	uint64_t unpooled_served;	/* calls for a policy without a pool */
	uint64_t declined;		/* requests sent back to run cold */
	uint64_t refused;		/* connections from another uid */
	uint64_t bad_requests;
	uint32_t n_sessions;		/* session records that follow */
	uint32_t sessions_max;
};

struct sr_serve_session_stats {
	char name[SR_SERVE_SESSION_NAME];
	char path[SR_SERVE_SESSION_PATH];
	int32_t pid;			/* the session process */
	uint64_t up_ms;			/* since it was started */
};

struct sr_serve_pool_stats {
	char policy[SR_SERVE_NAME_MAX];
	uint32_t size;			/* asked for with --pool */
	uint32_t ready;			/* ready sandboxes now */
	uint64_t served;		/* calls for this policy */
	uint64_t warm;			/* of those, served by a ready sandbox */
	uint64_t cold;			/* of those, run cold in the server */
	int64_t memory_per_ready;	/* bytes, -1 = no ready sandbox measured */
	uint64_t refill_us;		/* last ready sandbox: start to ready */
};

/* A parsed request.  The strings point into the buffer it was parsed from
 * (which must outlive it); argv and envp are allocated, NULL-terminated. */
struct sr_serve_request {
	enum sr_serve_req_type type;
	char **argv;			/* RUN: sandrun's arguments, not argv[0] */
	size_t argc;
	char **envp;
	size_t envc;
	unsigned umask;			/* RUN */
	int signo;			/* SIGNAL */
	struct sr_serve_session_msg session;	/* SESSION */
};

/* Parse one received message with nfds file descriptors attached.
 * Returns 0, or -1 with d saying what is wrong (kind SR_DIAG_USAGE). */
int sr_serve_request_parse(const void *buf, size_t len, size_t nfds,
    struct sr_serve_request *req, struct sr_diag *d);
void sr_serve_request_free(struct sr_serve_request *req);

/* Make a request built by sr_serve_request_build a RUN_EARLY. */
void sr_serve_request_early(void *buf);

/* Encode a RUN request from argv (without argv[0]) and envp into a new
 * buffer.  Returns 0, or -1 (with errno E2BIG) past the bounds above. */
int sr_serve_request_build(int argc, char *const *argv, char *const *envp,
    unsigned umask, void **buf, size_t *len);

/* Encode a SESSION request (header and record) into buf, which holds
 * SR_SERVE_SESSION_REQ_LEN bytes.  Returns 0, or -1 (errno EINVAL) when
 * it would not parse. */
#define SR_SERVE_SESSION_REQ_LEN \
	(sizeof(struct sr_serve_reqhdr) + sizeof(struct sr_serve_session_msg))
int sr_serve_session_build(const char *name, const char *path,
    uint64_t idle_ms, uint64_t life_ms, void *buf);

void sr_serve_hello_init(struct sr_serve_hello *h, int status,
    uint32_t features, const struct sr_serve_exe *exe);
/* Check a received hello: 0 when it is one, -1 when not. */
int sr_serve_hello_check(const void *buf, size_t len,
    struct sr_serve_hello *h);

void sr_serve_reply_init(struct sr_serve_reply *r, int type, int32_t status,
    const char *reason);
/* Check a received reply header (len may be longer for STATUS). */
int sr_serve_reply_check(const void *buf, size_t len,
    struct sr_serve_reply *r);

/* A short request header of the given type (STATUS, SIGNAL). */
void sr_serve_reqhdr_init(struct sr_serve_reqhdr *h, int type,
    uint32_t arg);

#endif
