/* program.c - pack a program into a memfd, map it in init (program.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "util.h"

#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif

static size_t
count(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

static size_t
strings_len(char *const *v)
{
	size_t n = 0;

	for (; v != NULL && *v != NULL; v++)
		n += strlen(*v) + 1;
	return n;
}

int
sr_program_pack(const struct sr_program *p, struct sr_diag *d)
{
	int fd = memfd_create("sandrun-program", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING);

	if (fd < 0)
		return sr_diag_errno(d, "memfd_create");
	return sr_program_pack_into(p, fd, d);
}

int
sr_program_pack_into(const struct sr_program *p, int fd, struct sr_diag *d)
{
	struct sr_program_hdr h;
	size_t slots, i, total;
	char *buf, *s;

	memset(&h, 0, sizeof(h));
	h.magic = SR_PROGRAM_MAGIC;
	h.argc = (uint32_t)count(p->argv);
	h.envc = (uint32_t)count(p->envp);
	h.has_code = p->code_name != NULL;
	h.strings_len = strings_len(p->argv) + strings_len(p->envp) +
	    (p->code_name ? strlen(p->code_name) + 1 : 0);
	h.code_len = p->code_name ? p->code_len : 0;
	if (h.argc == 0) {
		close(fd);
		return sr_diag_set(d, "no program to run");
	}
	slots = ((size_t)h.argc + 1 + h.envc + 1) * sizeof(char *);
	total = sizeof(h) + slots + h.strings_len + h.code_len;
	buf = sr_xcalloc(1, total);
	memcpy(buf, &h, sizeof(h));
	s = buf + sizeof(h) + slots;
	for (i = 0; i < h.argc; s += strlen(p->argv[i++]) + 1)
		strcpy(s, p->argv[i]);
	for (i = 0; i < h.envc; s += strlen(p->envp[i++]) + 1)
		strcpy(s, p->envp[i]);
	if (p->code_name != NULL) {
		strcpy(s, p->code_name);
		s += strlen(p->code_name) + 1;
		if (h.code_len)
			memcpy(s, p->code, h.code_len);
	}
	if (sr_write_all(fd, buf, total) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	    F_SEAL_SEAL) < 0) {
		sr_diag_errno(d, "write the program");
		free(buf);
		close(fd);
		return -1;
	}
	free(buf);
	return fd;
}

/* Point v[0..n-1] at n NUL-terminated strings from *s (bounded by end). */
static int
fill(char **v, size_t n, char **s, const char *end)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *nul = memchr(*s, '\0', (size_t)(end - *s));

		if (nul == NULL)
			return -1;
		v[i] = *s;
		*s = nul + 1;
	}
	v[n] = NULL;
	return 0;
}

/* The view of the len bytes at base (a map or small_copy). */
static int
parse(char *base, size_t len, struct sr_program_view *v, struct sr_diag *d)
{
	struct sr_program_hdr h;
	size_t slots;
	char *s, *end;

	if (len < sizeof(h))
		return sr_diag_set(d, "program: truncated");
	memcpy(&h, base, sizeof(h));
	slots = ((size_t)h.argc + 1 + h.envc + 1) * sizeof(char *);
	if (h.magic != SR_PROGRAM_MAGIC || h.argc == 0 ||
	    h.argc > (1u << 20) || h.envc > (1u << 20) ||
	    sizeof(h) + slots + h.strings_len + h.code_len != len)
		return sr_diag_set(d, "program: malformed");
	v->argv = (char **)(void *)(base + sizeof(h));
	v->envp = v->argv + h.argc + 1;
	s = base + sizeof(h) + slots;
	end = s + h.strings_len;
	if (fill(v->argv, h.argc, &s, end) < 0 ||
	    fill(v->envp, h.envc, &s, end) < 0)
		return sr_diag_set(d, "program: malformed");
	if (h.has_code) {
		char *nul = memchr(s, '\0', (size_t)(end - s));

		if (nul == NULL || nul + 1 != end || nul == s)
			return sr_diag_set(d, "program: malformed");
		v->code_name = s;
		v->code = end;
		v->code_len = h.code_len;
	} else if (s != end) {
		return sr_diag_set(d, "program: malformed");
	}
	return 0;
}

/* A program this small (most --exec calls) is read, one pread, rather
 * than mapped (fstat, mmap, two page faults): init has one view at a
 * time.  One page, aligned: at most one fault on it. */
static char small_copy[4096] __attribute__((aligned(4096)));

int
sr_program_map(int fd, struct sr_program_view *v, struct sr_diag *d)
{
	struct stat st;
	ssize_t n;
	char *base;

	memset(v, 0, sizeof(*v));
	/* the memfd is sealed (sr_program_pack): its size cannot change */
	n = pread(fd, small_copy, sizeof(small_copy), 0);
	if (n >= 0 && (size_t)n < sizeof(small_copy)) {
		v->map_len = (size_t)n;
		if (parse(small_copy, (size_t)n, v, d) < 0) {
			sr_program_unmap(v);
			return -1;
		}
		return 0;
	}
	if (fstat(fd, &st) < 0)
		return sr_diag_errno(d, "program: fstat");
	if ((size_t)st.st_size < sizeof(struct sr_program_hdr))
		return sr_diag_set(d, "program: truncated");
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE, fd, 0);
	if (base == MAP_FAILED)
		return sr_diag_errno(d, "program: mmap");
	v->map = base;
	v->map_len = (size_t)st.st_size;
	if (parse(base, v->map_len, v, d) < 0) {
		sr_program_unmap(v);
		return -1;
	}
	return 0;
}

void
sr_program_unmap(struct sr_program_view *v)
{
	if (v->map != NULL)
		munmap(v->map, v->map_len);
	memset(v, 0, sizeof(*v));
}
