/* initplan.c - the plan, packed for an init cloned before it was made
 * (initplan.h).
 *
 * The layout: a header (a struct sr_mount_plan and the sandbox's own
 * fields), then strings and the steps, each pointer of the copies
 * written as its offset in the blob plus one (0: NULL).  Init checks
 * every offset and that every string ends inside the blob. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initplan.h"
#include "util.h"

#define WIRE_MAGIC 0x53524950u	/* "SRIP" */
#define WIRE_MAX (256u << 20)	/* sanity bound on what init reads */

struct wire_hdr {
	uint32_t magic;
	uint32_t loopback;
	uint64_t size;		/* of the whole blob */
	uint64_t hostname;	/* offset + 1 */
	uint32_t uid, gid;
	struct sr_mount_plan plan;	/* pointers as offsets + 1 */
};

struct wbuf {
	char *p;
	size_t len, cap;
};

/* n bytes at the end, 8-aligned: their offset + 1. */
static uint64_t
put(struct wbuf *b, const void *data, size_t n)
{
	size_t at = (b->len + 7) & ~(size_t)7;

	if (at + n > b->cap) {
		b->cap = (at + n) * 2 + 256;
		b->p = sr_xrealloc(b->p, b->cap);
	}
	memset(b->p + b->len, 0, at - b->len);
	memcpy(b->p + at, data, n);
	b->len = at + n;
	return (uint64_t)at + 1;
}

/* A string (len bytes, or to its NUL when len is 0), NUL-terminated. */
static uint64_t
put_str(struct wbuf *b, const char *s, size_t len)
{
	uint64_t off;

	if (s == NULL)
		return 0;
	if (len == 0)
		len = strlen(s);
	off = put(b, s, len + 1);
	b->p[off - 1 + len] = '\0';
	return off;
}

#define AS_PTR(type, off) ((type)(uintptr_t)(off))
#define AS_OFF(ptr) ((uint64_t)(uintptr_t)(ptr))

bool
sr_initplan_fits(const struct sr_mount_plan *plan)
{
	size_t i;

	if (plan->stage)
		return false;
	for (i = 0; i < plan->n_steps; i++)
		if (plan->steps[i].src_fd >= 0)
			return false;
	return true;
}

static void
pack_steps(struct wbuf *b, const struct sr_mount_plan *pl,
    struct wire_hdr *h)
{
	struct sr_step *w = sr_xcalloc(pl->n_steps + 1, sizeof(*w));
	size_t i;

	for (i = 0; i < pl->n_steps; i++) {
		const struct sr_step *s = &pl->steps[i];

		w[i] = *s;
		w[i].src = AS_PTR(const char *, put_str(b, s->src, 0));
		w[i].dst = AS_PTR(const char *, put_str(b, s->dst, 0));
		w[i].text = AS_PTR(const char *, put_str(b, s->text,
		    s->text_len));
	}
	h->plan.steps = AS_PTR(struct sr_step *,
	    put(b, w, pl->n_steps * sizeof(*w)));
	free(w);
}

int
sr_initplan_pack(const struct sr_sandbox *sb, struct sr_diag *d)
{
	const struct sr_mount_plan *pl = sb->plan;
	struct wbuf b = { NULL, 0, 0 };
	struct wire_hdr h;
	int fd;

	if (!sr_initplan_fits(pl))
		return sr_diag_set(d, "the plan holds descriptors");
	memset(&h, 0, sizeof(h));
	(void)put(&b, &h, sizeof(h));	/* its place; filled last */
	h.magic = WIRE_MAGIC;
	h.loopback = sb->loopback;
	h.uid = sb->uid;
	h.gid = sb->gid;
	h.hostname = put_str(&b, sb->hostname, 0);
	h.plan = *pl;
	pack_steps(&b, pl, &h);
	h.plan.passwd = AS_PTR(char *, put_str(&b, pl->passwd, 0));
	h.plan.group = AS_PTR(char *, put_str(&b, pl->group, 0));
	h.plan.hosts = AS_PTR(char *, put_str(&b, pl->hosts, 0));
	h.plan.meminfo = AS_PTR(char *, put_str(&b, pl->meminfo, 0));
	h.plan.workdir = AS_PTR(const char *, put_str(&b, pl->workdir, 0));
	h.plan.home = AS_PTR(const char *, put_str(&b, pl->home, 0));
	h.plan.owned = NULL;	/* init frees nothing */
	h.plan.n_owned = 0;
	h.size = b.len;
	memcpy(b.p, &h, sizeof(h));
	fd = memfd_create("sandrun-plan", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		free(b.p);
		return sr_diag_errno(d, "memfd_create");
	}
	if (write(fd, b.p, b.len) != (ssize_t)b.len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		sr_diag_errno(d, "write the plan");
		close(fd);
		fd = -1;
	}
	free(b.p);
	return fd;
}

/* The blob's bytes at off (+ 1) for n bytes, or NULL when outside it;
 * off 0 is NULL too (*ok unchanged). */
static void *
at(char *base, size_t size, uint64_t off, size_t n, bool *ok)
{
	if (off == 0)
		return NULL;
	if (off - 1 > size || n > size - (off - 1)) {
		*ok = false;
		return NULL;
	}
	return base + off - 1;
}

/* A string at off, NUL-terminated inside the blob. */
static char *
at_str(char *base, size_t size, const void *encoded, bool *ok)
{
	uint64_t off = AS_OFF(encoded);
	char *s = at(base, size, off, 1, ok);

	if (s != NULL && memchr(s, '\0', size - (off - 1)) == NULL) {
		*ok = false;
		return NULL;
	}
	return s;
}

static bool
unpack_steps(char *base, size_t size, struct sr_mount_plan *pl)
{
	bool ok = true;
	size_t i;

	if (pl->n_steps > size / sizeof(struct sr_step))
		return false;
	pl->steps = at(base, size, AS_OFF(pl->steps),
	    pl->n_steps * sizeof(struct sr_step), &ok);
	if (pl->steps == NULL)
		return ok && pl->n_steps == 0;
	if (((uintptr_t)pl->steps & 7) != 0)
		return false;
	for (i = 0; ok && i < pl->n_steps; i++) {
		struct sr_step *s = &pl->steps[i];

		s->src = at_str(base, size, s->src, &ok);
		s->dst = at_str(base, size, s->dst, &ok);
		s->text = at_str(base, size, s->text, &ok);
		if (ok && s->text != NULL &&
		    s->text_len > size - (size_t)(s->text - base))
			ok = false;
		if (s->dst == NULL || s->src_fd >= 0)
			ok = false;
	}
	return ok && pl->n_policy <= pl->n_steps;
}

/* The blob at base (size bytes, 8-aligned) into sb. */
static bool
unpack(char *base, size_t size, struct sr_sandbox *sb)
{
	struct wire_hdr *h = (struct wire_hdr *)base;
	struct sr_mount_plan *pl;
	bool ok = true;

	if (size < sizeof(*h) || h->magic != WIRE_MAGIC || h->size != size)
		return false;
	pl = &h->plan;
	if (!unpack_steps(base, size, pl))
		return false;
	pl->passwd = at_str(base, size, pl->passwd, &ok);
	pl->group = at_str(base, size, pl->group, &ok);
	pl->hosts = at_str(base, size, pl->hosts, &ok);
	pl->meminfo = at_str(base, size, pl->meminfo, &ok);
	pl->workdir = at_str(base, size, pl->workdir, &ok);
	pl->home = at_str(base, size, pl->home, &ok);
	sb->hostname = at_str(base, size, AS_PTR(const char *, h->hostname),
	    &ok);
	if (!ok || pl->workdir == NULL || sb->hostname == NULL)
		return false;
	pl->owned = NULL;
	pl->n_owned = 0;
	sb->plan = pl;
	sb->loopback = h->loopback != 0;
	sb->uid = h->uid;
	sb->gid = h->gid;
	return true;
}

int
sr_initplan_take(int fd, struct sr_sandbox *sb, struct sr_diag *d)
{
	struct stat st;
	char *base;
	ssize_t k;

	if (fstat(fd, &st) < 0)
		return sr_diag_errno(d, "init: the plan");
	if (st.st_size <= 0 || (uint64_t)st.st_size > WIRE_MAX)
		return sr_diag_set(d, "init: a plan of %lld bytes",
		    (long long)st.st_size);
	/* malloc's memory is 16-aligned: the steps' offsets are 8-aligned */
	base = sr_xmalloc((size_t)st.st_size);
	k = pread(fd, base, (size_t)st.st_size, 0);
	if (k != st.st_size) {
		free(base);
		return k < 0 ? sr_diag_errno(d, "init: read the plan") :
		    sr_diag_set(d, "init: the plan was cut short");
	}
	if (!unpack(base, (size_t)st.st_size, sb)) {
		free(base);
		return sr_diag_set(d, "init: the plan is malformed");
	}
	return 0;
}

void
sr_initplan_free(struct sr_sandbox *sb)
{
	if (sb->plan != NULL)
		free((char *)sb->plan - offsetof(struct wire_hdr, plan));
	sb->plan = NULL;
	sb->hostname = NULL;
}
