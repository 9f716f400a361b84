/* chan.c - the typed record channel of chan.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan.h"
#include "fdpass.h"

uint32_t
sr_chan_payload_size(enum sr_msg_type type)
{
	switch (type) {
	case SR_MSG_RUN:
	case SR_MSG_WARM:
		return sizeof(struct sr_msg_run);
	case SR_MSG_FACTS:
		return sizeof(struct sr_msg_facts);
	case SR_MSG_STATUS:
		return sizeof(struct sr_msg_status);
	case SR_MSG_DIAG:
		return sizeof(struct sr_diag);
	case SR_MSG_VALUE:
		return sizeof(struct sr_msg_value);
	default:
		return 0;
	}
}

const char *
sr_chan_type_name(enum sr_msg_type type)
{
	static const char *const names[SR_MSG_COUNT] = {
		[SR_MSG_GO] = "go", [SR_MSG_READY] = "ready",
		[SR_MSG_RUN] = "run", [SR_MSG_FACTS] = "facts",
		[SR_MSG_DIAG] = "diag", [SR_MSG_STATUS] = "status",
		[SR_MSG_EXIT] = "exit", [SR_MSG_WARM] = "warm",
		[SR_MSG_VALUE] = "value", [SR_MSG_JOINED] = "joined",
		[SR_MSG_PLAN] = "plan",
	};

	if ((unsigned)type >= SR_MSG_COUNT || names[type] == NULL)
		return "unknown";
	return names[type];
}

int
sr_chan_pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

/* One record with write(2), for the program under its filter. */
int
sr_chan_write(int fd, enum sr_msg_type type, const void *payload,
    uint32_t len)
{
	struct sr_msg m;
	size_t n = offsetof(struct sr_msg, u) + len;
	ssize_t k;

	if (len != sr_chan_payload_size(type)) {
		errno = EINVAL;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.type = (uint32_t)type;
	m.len = len;
	if (len)
		memcpy(&m.u, payload, len);
	do
		k = write(fd, &m, n);
	while (k < 0 && errno == EINTR);
	return k == (ssize_t)n ? 0 : -1;
}

int
sr_chan_send(int fd, enum sr_msg_type type, const void *payload,
    uint32_t len, const int *fds, int nfds)
{
	struct sr_msg m;

	if (len != sr_chan_payload_size(type) || nfds < 0 ||
	    nfds > SR_CHAN_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.type = (uint32_t)type;
	m.len = len;
	if (len)
		memcpy(&m.u, payload, len);
	return sr_fdpass_send(fd, &m, offsetof(struct sr_msg, u) + len, 0,
	    fds, (size_t)nfds);
}

int
sr_chan_recv(int fd, struct sr_msg *m, int *fds, int *nfds)
{
	size_t n = 0, i;
	bool trunc;
	ssize_t k;

	*nfds = 0;
	memset(m, 0, sizeof(*m));
	k = sr_fdpass_recv(fd, m, sizeof(*m), 0, fds, SR_CHAN_MAX_FDS, &n,
	    &trunc);
	if (k < 0)
		return errno == ECONNRESET ? 0 : -1;
	if (k == 0)
		return 0;
	if ((size_t)k < offsetof(struct sr_msg, u) || trunc ||
	    m->type == 0 || m->type >= SR_MSG_COUNT ||
	    m->len != sr_chan_payload_size((enum sr_msg_type)m->type) ||
	    (size_t)k != offsetof(struct sr_msg, u) + m->len) {
		for (i = 0; i < n; i++)
			close(fds[i]);
		errno = EPROTO;
		return -1;
	}
	*nfds = (int)n;
	return 1;
}
