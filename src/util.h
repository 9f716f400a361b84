/* util.h - allocation, cleanup helpers and the parsers for durations and sizes. */
#ifndef SR_UTIL_H
#define SR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define SR_UNLIMITED UINT64_MAX

/* Out of memory is fatal: the allocators below never return NULL; they
 * call the handler main installed with sr_util_on_oom(), which reports
 * the error and exits (it must not return: if it does, or none is
 * installed, the message is written and the process aborts). */
void sr_util_on_oom(void (*fn)(void));
void *sr_xmalloc(size_t n);
void *sr_xcalloc(size_t n, size_t m);
void *sr_xrealloc(void *p, size_t n);
/* n * m bytes; an overflowing product is out of memory too. */
void *sr_xreallocarray(void *p, size_t n, size_t m);
char *sr_xstrdup(const char *s);
char *sr_xstrndup(const char *s, size_t n);
int sr_xasprintf(char **out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse "500ms", "10s", "2m", "1h" or a bare integer (seconds) into
 * milliseconds.  Returns 0, or -1 with *why set to a static reason. */
int sr_parse_duration(const char *s, uint64_t *ms, const char **why);
/* Parse "64K", "512M", "1G", "1T" (powers of 1024, optional trailing "B"/"iB")
 * or a bare integer (bytes).  Returns 0, or -1 with *why set. */
int sr_parse_size(const char *s, uint64_t *bytes, const char **why);
/* Parse a plain non-negative integer no larger than max. */
/* A CPU rate: "0.5", "2", at most 3 decimals, 0.01 to SR_CPUS_MAX CPUs;
 * *milli gets thousandths of a CPU (500 for "0.5"). */
#define SR_CPUS_MAX 1024
int sr_parse_cpus(const char *s, uint64_t *milli, const char **why);
int sr_parse_count(const char *s, uint64_t max, uint64_t *out, const char **why);

/* Human-readable forms into buf: "512 MiB", "1.5 s".  Return buf. */
char *sr_fmt_size(uint64_t bytes, char *buf, size_t len);
char *sr_fmt_duration(uint64_t ms, char *buf, size_t len);

/* Read a whole fd into a new buffer (NUL-terminated, caller frees).
 * Fails with EFBIG past max bytes.  Returns 0 or -1 with errno. */
int sr_read_fd(int fd, size_t max, char **buf, size_t *len);
/* Write all of buf, retrying on EINTR and short writes. */
int sr_write_all(int fd, const void *buf, size_t len);

/* Read the small file path (a /proc or /sys entry) into buf, at most
 * len - 1 bytes, NUL-terminated.  The length, or -1 (errno) when it
 * cannot be opened or read, or is empty. */
ssize_t sr_read_text(const char *path, char *buf, size_t len);

/* The number after key ("\nVmHWM:", with the newline that starts its
 * line) in /proc/PID/status, or -1. */
long long sr_proc_status(long pid, const char *key);

/* Point fds 0-2 at /dev/null and move to /: what a process that serves
 * in the background keeps of its caller.  0, or -1 with errno (chdir). */
int sr_stdio_detach(void);

/* Printable copy of an untrusted string for a message: printable ASCII
 * kept, anything else (and backslash) as \xNN, cut with "..." after max
 * characters.  Returns buf. */
const char *sr_printable(const char *s, size_t max, char *buf, size_t len);

/* True when a path has a ".." component. */
bool sr_path_has_dotdot(const char *p);

/* Monotonic clock in milliseconds / nanoseconds. */
uint64_t sr_now_ms(void);
uint64_t sr_now_ns(void);

static inline void
sr_freep(void *p)
{
	free(*(void **)p);
}
static inline void
sr_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_free_ __attribute__((cleanup(sr_freep)))
#define _cleanup_close_ __attribute__((cleanup(sr_closep)))

static inline void *
sr_steal_ptr(void *pp)
{
	void **p = pp;
	void *r = *p;
	*p = NULL;
	return r;
}
static inline int
sr_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#define SR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
